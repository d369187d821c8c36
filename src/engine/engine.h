/* engine.h - running pipelines: one event loop, many processes.
 *
 * An engine drives any number of runs at once in a single thread: steps
 * are started with posix_spawn, each in its own process group; their
 * output pipes, SIGCHLD, SIGINT and SIGTERM (through a signalfd) all
 * arrive on one epoll; timeouts, kill grace periods and retry backoffs
 * are deadlines that set the epoll timeout.  There is no thread per
 * step.  Every state change is written to the store as it happens.
 *
 * The engine blocks SIGCHLD, SIGINT, SIGTERM and SIGHUP in the calling
 * thread for its lifetime and makes the process a child subreaper, so
 * orphaned grandchildren come back to it and can be killed.
 *
 * Not thread-safe: one thread owns an engine.
 */
#ifndef BATON_ENGINE_H
#define BATON_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/status.h"

struct error;
struct kv;
struct tenant;
struct pipeline;
struct store;
struct engine;
struct run;

/* What a run is asked to do.  Everything is borrowed for the call to
 * engine_add_run() only, except pipeline, which must outlive the run. */
struct run_spec {
	const struct pipeline *pipeline;
	const struct kv *params;	/* --param overrides */
	size_t nparams;
	const char *only_step;		/* --step: run this step alone */
	const char *from_step;		/* --from: this step and downstream */
	const char *retry_of;		/* reuse succeeded steps of this run */
	const char *parent_run;		/* set for a sub-pipeline's run */
	const char *output_file;	/* write the run's output here */
	int max_parallel;		/* 0 = pipeline's, then engine's */
	const char *tenant_id;		/* the tenant this run is for */
	const struct tenant *tenant_obj;	/* or this tenant (borrowed,
					 * must outlive the run): its context
					 * and secrets are built only when the
					 * run starts, so a queue of thousands
					 * stays small */
	json_t *tenant;			/* {{ tenant.* }}: id, name, platform,
					 * credentials...; the engine keeps a
					 * reference */
	const char *const *secrets;	/* redacted from all the run writes */
	size_t nsecrets;
	const char *batch;		/* batch id, or NULL */
	const char *id;			/* run id to use (run_make_id()), or
					 * NULL for a new one */
	const char *rate_key;		/* rate-limit bucket (platform) */
	int64_t timeout_ms;		/* extra bound on this run, 0 = none */
	json_t *input;			/* a batch job's items: {{ input }} and
					 * the file $BATON_JOB_INPUT; the
					 * engine keeps a reference */
};

/* A token bucket shared by every run with the same rate_key. */
struct rate_limit {
	const char *key;		/* e.g. "facebook" */
	double per_minute;		/* run starts per minute */
	int burst;			/* starts allowed at once (>= 1) */
};

enum event_type {
	EV_RUN_START,
	EV_STEP_START,
	EV_STEP_RETRY,	/* a failed attempt will be retried after delay */
	EV_STEP_END,	/* final: succeeded, failed, skipped, cancelled */
	EV_RUN_END,
};

struct event {
	enum event_type type;
	int step;		/* step index, -1 for run events */
	int64_t delay_ms;	/* EV_STEP_RETRY */
	const char *error;	/* EV_STEP_RETRY / EV_STEP_END, or NULL */
};

/* Live, read-only view of one step of a run (for displays). */
struct step_state {
	enum step_status status;
	bool included;		/* part of this run (else not shown) */
	bool reused;		/* output taken from an earlier run */
	int attempt;
	int exit_code;		/* -1 when none */
	int64_t started_mono;	/* latest attempt */
	int64_t elapsed_ms;	/* total across attempts once final */
	char *error;
	json_t *output;
	json_t *metrics;
};

struct engine_listener {
	void (*on_event)(void *arg, const struct run *r,
			 const struct event *ev);
	void (*on_tick)(void *arg);	/* every tick_ms while running */
	int tick_ms;
	void *arg;
};

struct engine_config {
	const char *state_dir;		/* logs go to state_dir/runs/RUN/ */
	const char *store_location;	/* handed to sub-pipeline runs */
	const char *project_root;
	const char *self_exe;		/* this binary, for sub-pipelines */
	const char *tenants_file;	/* handed to sub-pipeline runs */
	int64_t log_max_bytes;
	int default_parallel;		/* 0 = number of CPUs */
	int max_runs;			/* runs at once, 0 = no limit */
	int64_t start_gap_ms;		/* least time between run starts */
	bool fail_fast;			/* a failed run cancels the rest */
	const struct rate_limit *limits;	/* borrowed, outlive engine */
	size_t nlimits;
	bool release_finished;		/* free a run's steps and outputs once
					 * it ends (everything is in the
					 * store): a batch of thousands stays
					 * small.  run_nsteps() is then 0 */
	bool keep_running;		/* a server: engine_wait() returns only
					 * after engine_shutdown(), and frees
					 * runs once they have ended */
	struct engine_listener listener;
};

/* Creates an engine writing to store s (borrowed, must outlive it).
 * Returns NULL with err set if the event loop cannot be created. */
struct engine *engine_new(struct store *s, const struct engine_config *cfg,
			  struct error *err);
void engine_free(struct engine *e);

/* Prepares a run: resolves params, picks the steps to run, reuses
 * earlier outputs, and records the run as queued.  It starts when
 * engine_wait() has a slot for it (max_runs, start_gap_ms, rate
 * limits), in the order runs were added.  Returns 0 and sets *out
 * (owned by the engine) or -EINVAL with err explaining a user mistake
 * (unknown param, missing required param, unknown step...). */
int engine_add_run(struct engine *e, const struct run_spec *spec,
		   struct run **out, struct error *err);
/* Runs fn(e, arg) on the engine's thread, from any other thread, and
 * waits until it has run; returns fn's result.  This is how a server
 * starts, stops and retries runs while the loop goes on.  fn may call
 * engine_add_run(), engine_find_run(), run_cancel_by_id()...  Once
 * engine_wait() has returned, returns -ECANCELED without running fn
 * (and so does a call still waiting when it returns). */
int engine_call(struct engine *e, int (*fn)(struct engine *e, void *arg),
		void *arg);
/* Asks engine_wait() to return once every run has ended; with
 * cancel, stops them first (SIGTERM to a server).  Any thread. */
void engine_shutdown(struct engine *e, bool cancel);
/* The run with this id while the engine holds it, else NULL.  Engine
 * thread only. */
struct run *engine_find_run(struct engine *e, const char *id);
/* Makes a run id: run_{YYYYmmddHHMMSS}_{8 hex} (UTC). */
void run_make_id(char *out, size_t size);
/* Sets how often the listener's on_tick runs (0 = never), so a server
 * ticks only while it has something to do.  Engine thread only. */
void engine_set_tick(struct engine *e, int tick_ms);
/* Stops one run (as SIGINT does for all).  Engine thread only. */
void engine_cancel_run(struct engine *e, struct run *r);

/* Runs the loop until every run has ended.  Returns 0, or a negative
 * code for an internal failure. */
int engine_wait(struct engine *e);
/* Asks every run to stop (as SIGINT does). */
void engine_cancel(struct engine *e);
/* True once SIGINT/SIGTERM or engine_cancel() stopped the engine. */
bool engine_cancelled(const struct engine *e);

const char *run_id(const struct run *r);
const char *run_tenant(const struct run *r);	/* NULL without tenant */
const char *run_batch(const struct run *r);	/* NULL outside a batch */
const struct pipeline *run_pipeline(const struct run *r);
enum run_status run_status(const struct run *r);
size_t run_nsteps(const struct run *r);
const struct step_state *run_step(const struct run *r, size_t i);
int64_t run_elapsed_ms(const struct run *r);
/* The CLI exit code for a finished run (0, 2, 3, 130, 4). */
int run_exit_code(const struct run *r);
/* The run's output: the output of its final steps (those nothing
 * depends on, handlers aside): the one that wrote an output, or an
 * object of them by name when several did; NULL if none (and after the run ended
 * with release_finished).  Borrowed. */
json_t *run_output(const struct run *r);

/* recover.c: marks runs whose baton process died as interrupted and
 * kills their leftover processes.  Returns how many runs it recovered,
 * or a negative code; describes each in *notes if not NULL. */
int engine_recover(struct store *s, char **notes);

#endif
