/* fire.h - firing schedules: which fires are due, what to do with the
 * ones missed or overlapping, when to wake up next, and what to
 * remember so that a restart neither fires a schedule twice nor forgets
 * one.  docs/schedules.md describes the behaviour for users.
 *
 * A firer holds a set of schedules (struct fire_entry) and, for each,
 * its state: the first due time not yet handled, the fires waiting for
 * the previous run to end, how many runs of it are still going.  The
 * state is kept in a store (store.h's schedule_rec) and read back when
 * a schedule first appears, so a new process carries on where the last
 * one stopped.
 *
 * The firer knows nothing about engines or pipelines: it hands each
 * fire to the caller's launch function (struct fire_ops), which starts
 * the runs and records the fire's state *in the same store transaction
 * as the runs*.  A crash then leaves either both or neither: a fire is
 * never lost once its runs exist, and never made twice.
 *
 * Time is epoch milliseconds.  firer_tick() takes the time as an
 * argument, so tests drive a firer on made-up clocks; firer_run() is
 * the real loop: it ticks, then sleeps on a timerfd set to the next due
 * time (CLOCK_REALTIME, so a clock change wakes it) and an eventfd for
 * config changes and ended runs.  It never polls.  Its clock is the
 * real one plus a fixed offset (BATON_FAKE_NOW, for tests).
 *
 * Thread-safety: firer_tick(), firer_apply() and firer_run() belong to
 * one thread, the firer's.  firer_set(), firer_run_ended(),
 * firer_lag(), firer_foreach(), firer_wake() and firer_stop() may be
 * called from any thread.  The launch callback runs on the firer's
 * thread without the firer's lock held.
 */
#ifndef BATON_FIRE_H
#define BATON_FIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prioq.h"

struct diags;
struct firer;
struct schedule;
struct schedule_rec;
struct store;
struct ynode;

/* What to do with due times missed while no scheduler ran. */
enum catch_up {
	CATCH_UP_SKIP,		/* fire none of them (the default) */
	CATCH_UP_LATEST,	/* fire the latest one, once */
	CATCH_UP_ALL,		/* fire each, up to catch_up_max, in order */
};

/* What to do when a fire is due while the schedule's previous runs are
 * still going. */
enum overlap {
	OVERLAP_SKIP,		/* do not fire (the default) */
	OVERLAP_QUEUE,		/* fire when they have ended */
	OVERLAP_ALLOW,		/* fire anyway */
};

/* catch_up_max's default, and the most it may be.  It also bounds the
 * fires a schedule keeps waiting (overlap: queue). */
#define FIRE_CATCH_UP_MAX 10
#define FIRE_CATCH_UP_LIMIT 1000
/* A due time at most this old is on time, not missed: a scheduler that
 * restarts a few seconds after 03:00 still fires the 03:00 schedule. */
#define FIRE_GRACE_MS 60000
/* Aging of waiting runs: one priority level per minute (prioq.h), so a
 * low-priority run is effectively critical after 3 minutes. */
#define FIRE_AGING_MS 60000

struct fire_policy {
	enum catch_up catch_up;
	int catch_up_max;
	enum overlap overlap;
	enum priority priority;
};

/* Sets p to the defaults: skip, 10, skip, medium. */
void fire_policy_init(struct fire_policy *p);
/* Reads catch_up, catch_up_max, overlap and (when with_priority)
 * priority from the mapping map of file into *out, which starts from
 * the defaults.  Each mistake goes into d at its file:line:col with a
 * did-you-mean; returns 0 or -1.  Borrows map. */
int fire_policy_load(const struct ynode *map, const char *file,
		     bool with_priority, struct diags *d,
		     struct fire_policy *out);
/* "skip", "latest", "all"; "skip", "queue", "allow".  Static. */
const char *catch_up_name(enum catch_up c);
const char *overlap_name(enum overlap o);

/* One schedule to fire.  Everything is borrowed from the set's cookie
 * (see firer_set()). */
struct fire_entry {
	const char *kind;		/* "pipeline" or "job" */
	const char *id;			/* unique within kind */
	const struct schedule *s;
	struct fire_policy policy;
	void *data;			/* the caller's */
};

/* One fire handed to the launch callback. */
struct fire {
	const struct fire_entry *entry;
	int64_t due_ms;			/* the due time it stands for */
	int64_t at_ms;			/* the firer's clock at launch */
	bool late;			/* a missed time caught up */
	struct schedule_rec *rec;	/* the state to record with the
					 * runs */
	char batch[64];			/* the fire's batch and first run,
					 * set by the launcher, which points
					 * rec->last_batch and rec->last_run
					 * at them; "" when it made none */
	char run[64];
};

struct fire_ops {
	/* Starts f's runs and records f->rec (store_schedule_put()) in the
	 * same transaction; sets *nruns to the number of runs started or
	 * queued (firer_run_ended() is then expected once for each).
	 * Returns 0, or a negative code when nothing was started and
	 * nothing recorded (the engine is stopping). */
	int (*launch)(void *arg, struct fire *f, int *nruns);
	/* Called by firer_run() after each tick, without the lock; may
	 * be NULL. */
	void (*turn)(void *arg);
	void *arg;
};

/* What firer_foreach() shows of one schedule. */
struct fire_info {
	int64_t next_fire_at;	/* first due time not yet handled */
	int64_t last_fire_at;	/* 0: never */
	int64_t last_lag_ms;	/* -1: not known */
	int64_t fires;
	int64_t skipped;
	int running;		/* its runs not yet ended */
	size_t queued;		/* its fires waiting */
	const char *last_batch;	/* "" when none */
};

/* A firer keeping state in st (borrowed; used only on the firer's
 * thread; NULL keeps nothing), launching through ops (copied), whose
 * clock runs offset_ms ahead of the real one.  Returns NULL with a
 * message on stderr if its eventfd or timerfd cannot be made.  Caller
 * frees with firer_free(). */
struct firer *firer_new(struct store *st, const struct fire_ops *ops,
			int64_t offset_ms);
/* Frees f, dropping its set's cookie; f's loop must have returned. */
void firer_free(struct firer *f);
/* The firer's clock: time_wall_ms() + offset. */
int64_t firer_now(const struct firer *f);
/* Makes v[0..n) the set of schedules, from the next tick on.  v is
 * copied, what it points to is borrowed from cookie; drop(cookie) is
 * called once the firer no longer uses the set (after a later
 * firer_set() took effect, or from firer_free()), on the firer's thread
 * and without its lock.  Schedules that stay keep their state; new ones
 * take theirs from the store.  Any thread; wakes the loop. */
void firer_set(struct firer *f, const struct fire_entry *v, size_t n,
	       void *cookie, void (*drop)(void *cookie));
/* Puts the latest firer_set() in force at now without firing (done by
 * firer_tick() anyway): loads the state of new schedules, forgets that
 * of schedules gone (from the store too).  Firer's thread. */
void firer_apply(struct firer *f, int64_t now);
/* Forgets every schedule's state, to read it again from the store at
 * the next apply (another process may have fired meanwhile). */
void firer_reset(struct firer *f);
/* Fires what is due at now: new due times by the overlap policy, times
 * missed by the catch-up policy, and waiting fires whose schedule's
 * runs have ended.  Returns when the next fire is due (SCHEDULE_NEVER
 * when none is).  Firer's thread. */
int64_t firer_tick(struct firer *f, int64_t now);
/* One run of schedule (kind, id) ended.  Any thread. */
void firer_run_ended(struct firer *f, const char *kind, const char *id);
/* The latest fire of (kind, id) started lag_ms after it was due. */
void firer_lag(struct firer *f, const char *kind, const char *id,
	       int64_t lag_ms);
/* Calls fn for each schedule, in set order, with f locked: fn must not
 * call back into f.  e and info are borrowed for the call. */
void firer_foreach(struct firer *f,
		   void (*fn)(void *arg, const struct fire_entry *e,
			      const struct fire_info *info),
		   void *arg);
/* Ticks and sleeps until firer_stop().  Returns 0, or a negative code
 * if polling fails. */
int firer_run(struct firer *f);
/* Makes firer_run() tick again now.  Any thread. */
void firer_wake(struct firer *f);
/* Makes firer_run() return.  Any thread. */
void firer_stop(struct firer *f);

#endif
