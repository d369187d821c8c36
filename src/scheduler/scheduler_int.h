/* scheduler_int.h - what the scheduler's files share: the plan built
 * from a world (plan.c), the service using it (scheduler.c) and its
 * engine side (feed.c).  Private to src/scheduler/. */
#ifndef BATON_SCHEDULER_INT_H
#define BATON_SCHEDULER_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/status.h"
#include "sched/fire.h"
#include "scheduler.h"

struct engine;
struct job;
struct pipeline;
struct prioq;
struct store;
struct tenant;

/* One schedule of a world: a pipeline's, a job's, or one group of a
 * preference-based job's tenants. */
struct plan;

struct plan_item {
	struct fire_entry fe;		/* fe.data points back here */
	struct plan *plan;		/* the plan holding it */
	char *id;			/* fe.id */
	struct schedule *own;		/* fe.s when the plan made it */
	const struct pipeline *p;	/* what runs; NULL: see problem */
	const struct job *job;		/* NULL for a pipeline */
	bool pref;			/* a preference group */
	const struct tenant **tenants;	/* a pipeline's (enabled, listing
					 * it) or the group's members */
	json_t **overrides;		/* pref: each member's
					 * template_overrides, or NULL */
	size_t ntenants;
	char *problem;			/* why it cannot run, or NULL */
};

/* The schedules of one world.  Shared by the firer (as its set's
 * cookie) and by the fires still going; freed with the last
 * reference, which drops the world. */
struct plan {
	int refs;			/* guarded by plan_lock */
	struct scheduler_world w;
	const struct scheduler_config *cfg;	/* for drop */
	struct plan_item *v;
	size_t n;
};

/* Builds the plan of w (borrowed), with one reference, after
 * cfg->hold(owner).  Logs on stderr what it leaves out.  Caller drops
 * it with plan_unref(). */
struct plan *plan_build(const struct scheduler_world *w,
			const struct scheduler_config *cfg);
void plan_ref(struct plan *p);
/* Drops one reference; the last frees the plan and drops its world. */
void plan_unref(struct plan *p);
/* The fire entries of p, in order (one per item).  Caller frees the
 * array only. */
struct fire_entry *plan_entries(const struct plan *p);
/* The params a preference group's member gets: its template_overrides
 * that pipeline pl declares as params, as text (strings as they are,
 * other values as JSON).  Sets *n; caller frees with kv_list_free(). */
struct kv *plan_params(const struct pipeline *pl, const json_t *overrides,
		       size_t *n);
void kv_list_free(struct kv *v, size_t n);

/* One run of a fire, from the priority queue to its end. */
struct srun {
	struct sbatch *b;
	char id[64];
	const struct tenant *t;		/* from the batch's plan's world */
	json_t *input;			/* a job's item(s), or NULL */
	struct kv *params;
	size_t nparams;
	bool added;			/* in the engine */
	bool ended;
	bool deferred;			/* failed, to run again: its end is
					 * told to the firer by the retry */
};

/* One fire's batch.  Engine thread only. */
struct sbatch {
	char id[64];
	struct plan *plan;		/* referenced */
	const struct plan_item *it;
	int64_t due;
	bool late;
	int64_t created;
	struct srun *runs;
	size_t n;
	size_t nended;
	size_t succeeded, failed, cancelled;
	bool started;			/* its first run started */
	json_t *extra;			/* the batch's summary facts */
	int round;			/* 0, then 1.. for a job's retries */
	char first[64];			/* the fire's first batch */
	size_t first_total;		/* its runs */
	json_t *chain;			/* every batch id of the fire */
	struct sbatch *next;
};

struct scheduler {
	struct scheduler_config cfg;	/* store_location owned */
	struct store *st;		/* the firer's connection */
	struct firer *f;
	struct engine *e;
	struct store *estore;
	pthread_t thread;
	bool thread_started;
	int lockfd;			/* STORE.scheduler.lock, or -1 */
	char *lock_path;
	int64_t pid_start;
	pthread_mutex_t lock;		/* guards what follows */
	pthread_cond_t cond;
	bool stopping;
	bool standby;
	bool active;
	size_t npending;		/* runs waiting in q */
	int ninflight;			/* runs in the engine */
	struct scheduler_lag lag;
	/* Engine thread only (or the thread that ran the engine, once it
	 * has returned). */
	struct prioq *q;
	struct sbatch *batches;
	int inflight;
	bool ending;			/* engine done: no more retries */
};

/* scheduler.c: one line on stderr, written at once (several threads
 * log). */
void scheduler_say(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Epoch ms as the schedules' RFC 3339 UTC text. */
void scheduler_utc(int64_t ms, char *out, size_t size);

/* feed.c: the firer's ops.  A fire into the engine (firer's thread). */
int scheduler_launch(void *arg, struct fire *fi, int *nruns);
/* After each tick, on the firer's thread: start what may start. */
void scheduler_turn(void *arg);
/* Records run r as it stands before the engine has it: queued, or
 * final (failed to start, cancelled while waiting) with error. */
void scheduler_record_waiting(struct scheduler *s, const struct srun *r,
			      enum run_status status, const char *error);
/* Accounts for r's end in its batch; the batch's last finishes it. */
void scheduler_run_ended(struct scheduler *s, struct srun *r,
			 enum run_status status);
/* Records b's end, delivers it, retries or notifies; frees b. */
void scheduler_finish_batch(struct scheduler *s, struct sbatch *b);

#endif
