/* store.h - durable history of runs, steps and attempts.
 *
 * Every access to stored state goes through this interface, so that a
 * PostgreSQL store can stand beside the SQLite one without the engine or
 * the CLI changing.  store_open() picks the implementation from the
 * location ("postgres://..." later; anything else is a SQLite file path).
 *
 * Records are plain structs whose strings are malloced and owned by the
 * record: *_release() frees them.  Functions that fill a record set it
 * only on success.  All functions return 0 or a negative errno-style code
 * (-ENOENT when a run is not found, -EEXIST when a prefix is ambiguous,
 * -EIO for a database failure, described in *err when err is not NULL).
 *
 * A struct store is not thread-safe: use one per thread.
 */
#ifndef BATON_STORE_H
#define BATON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../pipeline/status.h"

struct error;
struct store;

struct run_rec {
	char *id;		/* "run_20261125201500_1a2b3c4d" */
	char *pipeline;		/* pipeline id (file name without .yaml) */
	char *tenant;		/* NULL when the run has no tenant */
	char *batch;		/* NULL when not part of a batch */
	char *parent_run;	/* set for a sub-pipeline's run */
	char *retry_of;		/* set by `baton retry` and --from */
	enum run_status status;
	int64_t created_at;	/* epoch ms; 0 = not yet */
	int64_t started_at;
	int64_t finished_at;
	char *params_json;	/* JSON object of the effective params */
	char *output_json;	/* JSON value: the run's final output, or NULL */
	char *error;		/* why the run failed, or NULL */
	int exit_code;		/* the CLI exit code the run ended with */
	int nsteps;
	int pid;		/* baton process driving the run */
	int64_t pid_start;	/* its start time (/proc/PID/stat field 22) */
	char *state_dir;	/* directory holding this run's logs */
};

struct step_rec {
	char *run_id;
	char *name;
	int idx;		/* position in the pipeline file */
	enum step_status status;
	int attempt;		/* attempts made so far (0 = never started) */
	int64_t started_at;	/* epoch ms of the latest attempt's start */
	int64_t finished_at;
	int exit_code;		/* -1 when none (not run, killed, timed out) */
	char *error;
	char *log_path;
	char *output_json;	/* JSON value the step wrote, or NULL */
	char *metrics_json;	/* JSON object of numeric metrics, or NULL */
	int pgid;		/* process group while running, else 0 */
	bool reused;		/* output reused from an earlier run */
};

struct attempt_rec {
	char *run_id;
	char *step;
	int attempt;		/* 1-based */
	enum step_status status;
	int64_t started_at;
	int64_t finished_at;
	int exit_code;
	char *error;
};

/* A batch: the runs started by one trigger (a CLI fan-out over tenants,
 * an API call, a schedule tick, a batch job).  Its runs name it in
 * run_rec.batch. */
struct batch_rec {
	char *id;		/* "bat_cli_20261124093000_5f2a9c1e" */
	char *source;		/* "cli", "api", "schedule" or "job"; required */
	char *job_id;		/* the batch job that started it, or NULL */
	char *pipeline;		/* the pipeline when there is one, or NULL */
	enum run_status status;
	int64_t created_at;	/* epoch ms; 0 = not yet */
	int64_t finished_at;
	int total;		/* run counts */
	int succeeded;
	int failed;
	int skipped;
	int cancelled;
	char *summary_json;	/* JSON object of extra facts, or NULL */
	int pid;		/* baton process driving the batch */
	int64_t pid_start;	/* its start time (/proc/PID/stat field 22) */
};

/* A reference to a batch's results delivered to a user (seed 002's result
 * distribution). */
struct inbox_rec {
	char *user;
	char *batch_id;
	int64_t at;		/* epoch ms of the delivery */
};

/* What the scheduler remembers about one schedule (src/sched/fire.h),
 * so that a restart neither fires it twice nor forgets a fire. */
struct schedule_rec {
	char *kind;		/* "pipeline" or "job"; with id, the key */
	char *id;		/* pipeline id, job id, or JOB@GROUP */
	char *expr;		/* the schedule in words, to notice a change */
	int64_t last_fire_at;	/* due time of the latest fire (epoch ms),
				 * 0 = never fired */
	int64_t next_fire_at;	/* the first due time not yet handled (fired
				 * or skipped), 0 = none */
	int64_t last_lag_ms;	/* start - due of the latest fire, -1 when
				 * not known */
	char *last_batch;	/* the latest fire's batch, or NULL */
	char *last_run;		/* its first run, or NULL */
	int64_t fires;		/* fires so far */
	int64_t skipped;	/* due times not fired (overlap, catch-up) */
	int64_t updated_at;	/* epoch ms of the last write */
};

struct run_filter {
	const char *pipeline;	/* NULL = any */
	const char *tenant;	/* NULL = any */
	const char *batch;	/* NULL = any */
	int status;		/* an enum run_status, or -1 for any */
	int limit;		/* 0 = no limit */
};

/* Opens (creating if needed, with parent directories) the store at
 * location.  On success *out is set; caller frees with store_free(). */
int store_open(const char *location, struct store **out, struct error *err);
void store_free(struct store *s);

/* Groups the writes that follow into one transaction until
 * store_commit().  Writes outside a begin/commit commit on their own. */
int store_begin(struct store *s);
int store_commit(struct store *s);

/* Insert or replace by primary key (run id; run id + step name;
 * run id + step name + attempt).  Borrows the record. */
int store_run_put(struct store *s, const struct run_rec *r);
int store_step_put(struct store *s, const struct step_rec *st);
int store_attempt_put(struct store *s, const struct attempt_rec *a);

/* Finds a run by exact id or unique id prefix, or "last" for the newest
 * run that is not a sub-pipeline's.  Fills *out (caller releases with run_rec_release()). */
int store_run_get(struct store *s, const char *id, struct run_rec *out,
		  struct error *err);
/* Lists runs matching f, newest first.  Caller frees with
 * run_recs_free(*out, *n). */
int store_runs_list(struct store *s, const struct run_filter *f,
		    struct run_rec **out, size_t *n);
/* Lists a run's steps in idx order.  Caller frees with step_recs_free(). */
int store_steps_list(struct store *s, const char *run_id,
		     struct step_rec **out, size_t *n);
/* Lists a run's attempts ordered by step idx then attempt.  Caller frees
 * with attempt_recs_free(). */
int store_attempts_list(struct store *s, const char *run_id,
			struct attempt_rec **out, size_t *n);

/* Deletes runs (with their steps and attempts) that finished before
 * before_ms (0 = no age limit) or that fall beyond the newest keep_runs
 * finished runs (0 = no count limit); running runs are never pruned.
 * Then deletes the batches left without runs that finished before
 * before_ms (with their inbox entries; a count limit alone removes no
 * batch) and reclaims free pages (incremental vacuum).  On success *dirs
 * holds the deleted runs' state_dir values so the caller can remove their
 * logs (caller frees with strv_free()). */
int store_prune(struct store *s, int64_t before_ms, int keep_runs,
		char ***dirs, size_t *ndirs);

/* Inserts or updates a batch by id.  Borrows the record. */
int store_batch_put(struct store *s, const struct batch_rec *b);
/* Finds a batch by exact id, unique id prefix, or "last" for the newest
 * batch, with the rules and messages of store_run_get().  Fills *out
 * (caller releases with batch_rec_release()). */
int store_batch_get(struct store *s, const char *id, struct batch_rec *out,
		    struct error *err);
/* Lists batches newest first; status is an enum run_status or -1 for
 * any, limit 0 means no limit.  Caller frees with
 * batch_recs_free(*out, *n). */
int store_batches_list(struct store *s, int status, int limit,
		       struct batch_rec **out, size_t *n);

/* Delivers a reference to batch_id's results to user at time at (epoch
 * ms).  Idempotent per (user, batch): a repeat keeps the first delivery
 * and its time.  Returns -ENOENT when no such batch is stored. */
int store_inbox_add(struct store *s, const char *user, const char *batch_id,
		    int64_t at);
/* Lists what user has received, newest first.  Caller frees with
 * inbox_recs_free(*out, *n). */
int store_inbox_list(struct store *s, const char *user,
		     struct inbox_rec **out, size_t *n);

/* Stores who marked a pipeline step as tested (seed 004's flag). */
int store_flag_set(struct store *s, const char *pipeline, const char *step,
		   bool tested, const char *by);
/* Reads the flag; *tested is false when never set. */
int store_flag_get(struct store *s, const char *pipeline, const char *step,
		   bool *tested);

/* One step's tested flag (seed 004). */
struct flag_rec {
	char *step;
	bool tested;
	char *by;		/* who set it last, or NULL */
	int64_t at;		/* epoch ms it was set last */
};

/* Lists the flags stored for a pipeline's steps, by step name.  Caller
 * frees with flag_recs_free(*out, *n). */
int store_flags_list(struct store *s, const char *pipeline,
		     struct flag_rec **out, size_t *n);
void flag_recs_free(struct flag_rec *v, size_t n);

/* Inserts or replaces the schedule keyed by (r->kind, r->id).  Borrows
 * the record. */
int store_schedule_put(struct store *s, const struct schedule_rec *r);
/* Finds the schedule (kind, id); fills *out (caller releases with
 * schedule_rec_release()) or returns -ENOENT. */
int store_schedule_get(struct store *s, const char *kind, const char *id,
		       struct schedule_rec *out);
/* Lists every schedule by kind then id.  Caller frees with
 * schedule_recs_free(*out, *n). */
int store_schedules_list(struct store *s, struct schedule_rec **out,
			 size_t *n);
/* Forgets the schedule (kind, id); no error when it is not stored. */
int store_schedule_delete(struct store *s, const char *kind,
			  const char *id);
/* Sets last_lag_ms of the stored schedule (kind, id), if stored. */
int store_schedule_lag(struct store *s, const char *kind, const char *id,
		       int64_t lag_ms);

void run_rec_release(struct run_rec *r);
void step_rec_release(struct step_rec *st);
void attempt_rec_release(struct attempt_rec *a);
void batch_rec_release(struct batch_rec *b);
void inbox_rec_release(struct inbox_rec *r);
void run_recs_free(struct run_rec *v, size_t n);
void step_recs_free(struct step_rec *v, size_t n);
void attempt_recs_free(struct attempt_rec *v, size_t n);
void batch_recs_free(struct batch_rec *v, size_t n);
void inbox_recs_free(struct inbox_rec *v, size_t n);
void schedule_rec_release(struct schedule_rec *r);
void schedule_recs_free(struct schedule_rec *v, size_t n);
void strv_free(char **v, size_t n);

#endif
