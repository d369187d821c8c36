/* engine_int.h - state shared by engine.c (the loop) and run.c (the
 * step state machine).  Private to src/engine/. */
#ifndef BATON_ENGINE_INT_H
#define BATON_ENGINE_INT_H

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

#include "engine.h"
#include "proc.h"
#include "util/redact.h"

/* What an epoll registration stands for (epoll_event.data.ptr). */
enum watch_kind { WATCH_SIGNAL, WATCH_WAKE, WATCH_STEP, WATCH_HTTP };

struct watch {
	enum watch_kind kind;
	void *obj;		/* the step_rt, or http.c's socket state */
	int fd;
};

struct http_req;
struct notice;

struct step_rt {
	struct step_state st;	/* public view; first member */
	struct watch w;		/* the output pipe's registration */
	struct http_req *http;	/* an http: step's request in flight */
	json_t *http_output;	/* what a successful request produced */
	bool http_permanent;	/* a failure retrying cannot fix */
	int64_t retry_after;	/* ms the server asked to wait, or 0 */
	struct run *run;
	size_t idx;
	bool selected;		/* will be executed in this run */
	int ndeps_left;		/* included upstreams not yet satisfied */
	pid_t pid;		/* > 0 while the process is alive */
	int out_fd;		/* output pipe, -1 when closed */
	int log_fd;		/* opened at the first byte of output */
	struct redact_stream rs;	/* output -> log, secrets removed */
	int64_t log_bytes;
	bool log_capped;
	bool exited;
	int wstatus;
	bool timed_out;		/* step timeout fired this attempt */
	bool stopping;		/* cancel or pipeline timeout is ending it */
	char *spawn_error;	/* the attempt could not start */
	int64_t first_mono;	/* start of the first attempt */
	int64_t deadline;	/* step timeout (mono ms), 0 = none */
	int64_t kill_at;	/* SIGKILL after grace, 0 = none */
	int64_t pipe_deadline;	/* give up on output after exit */
	int64_t retry_at;	/* next attempt, 0 = none */
	int64_t first_wall;	/* start of the first attempt */
	int64_t started_wall;	/* start of the latest attempt */
	int64_t finished_wall;
	char *log_path;
	char *out_path;
};

struct run {
	struct engine *e;
	char id[64];
	const struct pipeline *p;
	struct step_rt *steps;
	size_t **down;		/* down[i]: steps that depend on i */
	size_t *ndown;
	size_t *ready;		/* FIFO of steps ready to start */
	size_t ready_head;
	size_t ready_tail;
	int running;		/* processes alive */
	int nretrying;
	int max_parallel;
	size_t nleft;		/* included steps not yet final */
	size_t nincluded;
	enum run_status status;
	json_t *ctx;		/* template context */
	char *dir;
	char *tenant_id;
	const struct tenant *tenant_obj;	/* context built at start */
	json_t *tenant;
	struct redactor *redactor;	/* built at start from secrets */
	char **secrets;		/* copies, until the run starts */
	size_t nsecrets;
	json_t *input;		/* batch job items, or NULL */
	char *batch;
	char *rate_key;
	int64_t timeout_ms;	/* --tenant-timeout */
	char *parent_run;
	char *retry_of;
	char *output_file;
	char *error;
	json_t *output;
	int64_t created_wall;
	int64_t started_wall;
	int64_t started_mono;
	int64_t finished_mono;
	int64_t deadline;	/* pipeline timeout, 0 = none */
	bool timed_out;
	bool cancel_requested;	/* SIGINT, engine_cancel or fail-fast */
	bool aborted;		/* could not start (internal error) */
	bool handlers_done;	/* on_success/on_failure/on_exit queued */
	bool finished;
	bool killed_any;	/* something had to be killed */
	bool orphans;		/* a step left processes outside its group */
	int exit_code;
	uint64_t rng;
};

/* A function to run on the engine thread (engine_call). */
struct engine_call_req {
	int (*fn)(struct engine *e, void *arg);
	void *arg;
	int rc;
	bool done;
	pthread_cond_t cond;
	struct engine_call_req *next;
};

struct bucket {
	const struct rate_limit *limit;
	double tokens;
	int64_t last;		/* mono ms of the last refill */
};

struct engine {
	struct watch sigw;
	struct watch wakew;
	void *curlm;		/* CURLM *, created at the first http: step */
	int64_t curl_deadline;	/* libcurl's timer (mono ms), 0 = none */
	struct notice **notices;	/* notify: webhooks in flight */
	size_t nnotices;
	size_t notices_cap;
	struct store *store;
	struct engine_config cfg;
	int epfd;
	int sigfd;
	sigset_t oldmask;
	struct run **runs;
	size_t nruns;
	size_t cap;
	struct step_rt **live;	/* steps with a process or open pipe */
	size_t nlive;
	size_t live_cap;
	struct pathcache paths;
	struct bucket *buckets;	/* one per cfg.limits entry */
	struct run **active;	/* runs started and not finished */
	size_t nactive;
	size_t active_cap;
	size_t queue_head;	/* runs[] before this are not queued */
	int64_t last_start;	/* mono ms of the latest run start */
	int64_t wake_at;	/* a queued run may start then */
	int64_t last_created;	/* created_at of the newest run */
	int64_t pid_start;	/* this process's start time, for records */
	bool dirty;		/* the open transaction holds writes */
	int wakefd;		/* eventfd: engine_call()/engine_shutdown() */
	pthread_mutex_t lock;	/* guards calls and the shutdown flags */
	struct engine_call_req *calls;
	bool shutdown;
	bool shutdown_cancel;
	bool loop_done;		/* engine_wait() returned: calls fail */
	size_t nfinished;	/* runs finished so far */
	json_t *env;		/* {{ env.X }}: baton's environment, shared */
	bool cancelling;
	int nsignals;
	bool orphans_seen;
	int64_t last_tick;
};

/* engine.c */
void engine_emit(struct engine *e, const struct run *r, enum event_type t,
		 int step, int64_t delay, const char *error);
int engine_watch(struct engine *e, struct step_rt *s);
void engine_unwatch(struct engine *e, struct step_rt *s);
int step_log_append(void *arg, const char *data, size_t n);
/* Opens the step's log for appending, making the run's directory if
 * it is not there yet; -1 on failure. */
int step_log_open(struct step_rt *s);
/* run.c */
int run_prepare(struct run *r, const struct run_spec *spec,
		struct error *err);
void run_begin(struct run *r);
/* Stops r (queued or running) and records it as cancelled. */
void run_cancel(struct run *r);
void run_finish(struct run *r);
/* engine.c: r has finished; drop it from the active list. */
void engine_run_done(struct engine *e, struct run *r);
void run_pump(struct run *r);
void run_attempt_done(struct step_rt *s);
void run_stop(struct run *r, bool timed_out);
void run_fire_retries(struct run *r, int64_t now);
void run_free(struct run *r);
void step_record(struct step_rt *s);
void record_attempt(struct step_rt *s);
void step_spawn(struct step_rt *s);
/* http.c: starting, stopping and driving http: steps with libcurl's
 * multi interface inside the engine's epoll loop. */
void http_start(struct step_rt *s);
void http_stop(struct step_rt *s);
void http_on_socket(struct engine *e, struct watch *w, uint32_t events);
void http_on_timer(struct engine *e);
void http_release(struct engine *e);
/* Posts payload (JSON text; takes ownership) to url without waiting;
 * a failure is reported on stderr, never fatal. */
void http_notify(struct engine *e, const char *url, char *payload);
/* Returns a malloced copy of text with the run's secrets replaced. */
char *run_redact(const struct run *r, const char *text);
/* failure.c: why s's attempt failed, as its error says, and its exit
 * code in *code (-1 when it has none).  Caller frees. */
char *failure_text(struct step_rt *s, int *code);

#endif
