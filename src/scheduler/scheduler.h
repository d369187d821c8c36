/* scheduler.h - the scheduler service: fires pipeline and batch job
 * schedules into an engine.
 *
 * `baton serve` runs one inside the server and `baton scheduler` runs
 * one alone; both drive it the same way:
 *
 *     s = scheduler_new(&cfg, &err);
 *     scheduler_listener(s, &ecfg.listener);  (or forward the events
 *                                             with scheduler_on_event)
 *     e = engine_new(store, &ecfg, &err);     (keep_running)
 *     scheduler_set_world(s, &world);
 *     scheduler_start(s, e, store);
 *     engine_wait(e);                         (until SIGTERM)
 *     scheduler_stop(s); scheduler_free(s);
 *
 * The world is what to schedule: the project's pipelines that have a
 * `schedule:`, the jobs file's jobs that have one, and preference-based
 * jobs, whose tenants are grouped by the schedule their preferences
 * give (one fire, one batch per group).  A new world (a reload) takes
 * effect at once; fires in flight finish with the world they started in.
 *
 * Timing is src/sched/fire.h's: a thread of the scheduler's own sleeps
 * until the next due time and posts each fire into the engine with
 * engine_call().  The fire's batch, its runs (recorded as queued) and
 * the schedule's new state are written in one store transaction.  Runs
 * wait in a priority queue (src/sched/prioq.h, aging FIRE_AGING_MS per
 * level) while max_runs of the scheduler's runs are going, and start
 * highest priority first, first in first out within a level.
 *
 * Only one scheduler fires per store: each holds an exclusive lock on
 * STORE.scheduler.lock, and one that cannot get it stands by (lists,
 * fires nothing) until the lock is free.
 *
 * Thread-safety: scheduler_on_event() runs on the engine's thread
 * (it is a listener); scheduler_set_world(), scheduler_json() and
 * scheduler_lag() may be called from any thread.
 */
#ifndef BATON_SCHEDULER_H
#define BATON_SCHEDULER_H

#include <jansson.h>
#include <stdint.h>

struct engine;
struct engine_listener;
struct error;
struct event;
struct jobs;
struct project;
struct run;
struct scheduler;
struct store;
struct tenants;

/* What to schedule.  Borrowed: the scheduler calls cfg.hold(owner) when
 * it starts using a world and cfg.drop(owner) when it no longer does
 * (once no fire started with it is still going). */
struct scheduler_world {
	const struct project *p;
	const struct tenants *t;	/* NULL: no tenants file */
	const struct jobs *js;		/* NULL: no jobs file */
	void *owner;
};

struct scheduler_config {
	const char *store_location;	/* the scheduler's thread opens its
					 * own connection */
	int max_runs;			/* scheduled runs at once, 0 = no
					 * limit (the engine's max_runs) */
	int64_t clock_offset_ms;	/* the clock runs this far ahead of
					 * the real one (BATON_FAKE_NOW) */
	void (*hold)(void *arg, void *owner);
	void (*drop)(void *arg, void *owner);	/* any thread */
	/* A run of owner's world was added to the engine (engine thread);
	 * may be NULL. */
	void (*run_added)(void *arg, void *owner, const struct run *r);
	void *arg;
};

/* Histogram of fire lags (run start - due time) for /metrics. */
#define SCHEDULER_LAG_NB 12
extern const double scheduler_lag_bounds[SCHEDULER_LAG_NB];	/* s */
struct scheduler_lag {
	uint64_t counts[SCHEDULER_LAG_NB + 1];	/* last: +Inf */
	double sum;				/* seconds */
	uint64_t n;
};

/* The clock offset BATON_FAKE_NOW asks for (an RFC 3339 time the
 * scheduler's clock reads at start, then runs on from), 0 when it is
 * not set.  Returns 0, or -EINVAL with err set when it is not a time. */
int scheduler_fake_now(int64_t *offset_ms, struct error *err);

/* Opens the scheduler's store connection.  Returns NULL with err set
 * when that fails.  Caller frees with scheduler_free(). */
struct scheduler *scheduler_new(const struct scheduler_config *cfg,
				struct error *err);
/* Sets l to pass the engine's events to s (for an engine of its own). */
void scheduler_listener(struct scheduler *s, struct engine_listener *l);
/* Tells s about a run event: lags, ended runs, batch records.  Engine
 * thread. */
void scheduler_on_event(struct scheduler *s, const struct run *r,
			const struct event *ev);
/* Makes w the world to schedule (see struct scheduler_world).  Logs
 * schedules that cannot be used (an invalid job schedule, a tenant's
 * unusable preferences) and leaves them out.  Any thread. */
void scheduler_set_world(struct scheduler *s,
			 const struct scheduler_world *w);
/* Starts firing into e, whose store is estore (both borrowed, engine
 * thread's).  Returns 0, or a negative code with err set. */
int scheduler_start(struct scheduler *s, struct engine *e,
		    struct store *estore, struct error *err);
/* {"scheduler": {state, now}, "schedules": [...]} as docs/api.md
 * describes, each with its next nnext fire times.  New reference. */
json_t *scheduler_json(struct scheduler *s, int nnext);
/* Copies the lag histogram into *out. */
void scheduler_lag(struct scheduler *s, struct scheduler_lag *out);
/* Stops firing and waits for the scheduler's thread; call once the
 * engine loop has returned (engine_wait()).  Runs still waiting for a
 * slot are recorded as cancelled, with their batches. */
void scheduler_stop(struct scheduler *s);
/* Frees s (stopping it first); accepts NULL. */
void scheduler_free(struct scheduler *s);

#endif
