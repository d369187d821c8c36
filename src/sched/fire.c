/* fire.c - the firer: each schedule's state, due times, catch-up and
 * overlap, and the loop that sleeps until the next fire (fire.h). */
#include "fire.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sched.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/timeutil.h"

/* After this many due times in one look back (every minute for about
 * ten weeks), the scan jumps to the grace window: missed times beyond
 * it are counted as one more skipped fire each scan, not one by one. */
#define SCAN_MAX 100000
/* On-time due times a tick keeps for one schedule; more (a clock that
 * jumped) are skipped. */
#define ONTIME_MAX 8

struct qfire {
	int64_t due;
	bool late;
};

/* A schedule's state.  Guarded by firer.lock; the firer's thread also
 * writes it, with the lock held. */
struct fstate {
	char *kind;
	char *id;
	char *expr;		/* schedule_describe(): notices a change */
	int64_t next;		/* first due time not yet looked at */
	int64_t last_fire_at;
	int64_t last_lag_ms;
	int64_t fires;
	int64_t skipped;
	char last_batch[64];
	char last_run[64];
	int running;		/* runs of it not yet ended */
	struct qfire *q;	/* fires waiting, oldest first */
	size_t nq;
	size_t qcap;
	bool dirty;		/* to write to the store */
};

struct set {
	struct fire_entry *v;
	size_t n;
	void *cookie;
	void (*drop)(void *cookie);
};

struct firer {
	pthread_mutex_t lock;
	struct store *st;
	struct fire_ops ops;
	int64_t offset;
	struct set cur;
	struct fstate *states;	/* states[i] is cur.v[i]'s */
	struct set pending;
	bool has_pending;
	bool reset;
	bool stop;
	int wakefd;
	int timerfd;
};

struct firer *firer_new(struct store *st, const struct fire_ops *ops,
			int64_t offset_ms)
{
	struct firer *f = xcalloc(1, sizeof(*f));

	pthread_mutex_init(&f->lock, NULL);
	f->st = st;
	f->ops = *ops;
	f->offset = offset_ms;
	f->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f->timerfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (f->wakefd < 0 || f->timerfd < 0) {
		fprintf(stderr, "baton: the scheduler cannot make its timer: "
			"%s\n", strerror(errno));
		firer_free(f);
		return NULL;
	}
	return f;
}

static void state_release(struct fstate *st)
{
	free(st->kind);
	free(st->id);
	free(st->expr);
	free(st->q);
	memset(st, 0, sizeof(*st));
}

static void set_drop(struct set *s)
{
	if (s->drop)
		s->drop(s->cookie);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void firer_free(struct firer *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cur.n; i++)
		state_release(&f->states[i]);
	free(f->states);
	set_drop(&f->cur);
	set_drop(&f->pending);
	if (f->wakefd >= 0)
		close(f->wakefd);
	if (f->timerfd >= 0)
		close(f->timerfd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int64_t firer_now(const struct firer *f)
{
	return time_wall_ms() + f->offset;
}

void firer_wake(struct firer *f)
{
	uint64_t one = 1;

	if (write(f->wakefd, &one, sizeof(one)) < 0) {
		/* The counter is full: the loop is awake already. */
	}
}

void firer_stop(struct firer *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_mutex_unlock(&f->lock);
	firer_wake(f);
}

void firer_set(struct firer *f, const struct fire_entry *v, size_t n,
	       void *cookie, void (*drop)(void *cookie))
{
	struct set old, s = {.n = n, .cookie = cookie, .drop = drop};

	s.v = xcalloc(n + 1, sizeof(*s.v));
	if (n)
		memcpy(s.v, v, n * sizeof(*v));
	pthread_mutex_lock(&f->lock);
	/* A set replaced before it took effect was never used. */
	old = f->pending;
	f->pending = s;
	f->has_pending = true;
	pthread_mutex_unlock(&f->lock);
	set_drop(&old);
	firer_wake(f);
}

void firer_reset(struct firer *f)
{
	pthread_mutex_lock(&f->lock);
	f->reset = true;
	pthread_mutex_unlock(&f->lock);
}

static void note(struct firer *f, const struct fstate *st, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

/* Tells the log what happened to a schedule, one line on stderr:
 * "baton scheduler: schedule nightly (pipeline): ...". */
static void note(struct firer *f, const struct fstate *st, const char *fmt,
		 ...)
{
	char msg[512];
	va_list ap;

	(void)f;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "baton scheduler: schedule %s (%s): %s\n", st->id,
		st->kind, msg);
}

static void fmt_time(int64_t ms, char *out, size_t size)
{
	schedule_format_time(NULL, ms, out, size);
}

static void rec_of(const struct fstate *st, int64_t next, int64_t now,
		   struct schedule_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = st->kind;
	r->id = st->id;
	r->expr = st->expr;
	r->last_fire_at = st->last_fire_at;
	r->next_fire_at = next == SCHEDULE_NEVER ? 0 : next;
	r->last_lag_ms = st->last_lag_ms;
	r->last_batch = st->last_batch[0] ? (char *)st->last_batch : NULL;
	r->last_run = st->last_run[0] ? (char *)st->last_run : NULL;
	r->fires = st->fires;
	r->skipped = st->skipped;
	r->updated_at = now;
}

/* The first due time of st not yet handled: what a restart must start
 * from. */
static int64_t unhandled(const struct fstate *st)
{
	return st->nq ? st->q[0].due : st->next;
}

/* Store writes decided under the lock and made after it is released:
 * the engine's thread may hold the store's write lock while it waits
 * for the firer's lock (a run ending), so the firer never waits for the
 * store with its lock held. */
struct io {
	struct schedule_rec *put;	/* deep copies */
	size_t nput;
	char **gone;			/* kind, id pairs to delete */
	size_t ngone;
};

/* Takes copies of the states that changed, to write.  Locked. */
static void collect_dirty(struct firer *f, int64_t now, struct io *io)
{
	for (size_t i = 0; i < f->cur.n; i++) {
		struct fstate *st = &f->states[i];
		struct schedule_rec r, *c;

		if (!st->dirty)
			continue;
		st->dirty = false;
		if (!f->st)
			continue;
		rec_of(st, unhandled(st), now, &r);
		io->put = xrealloc(io->put, (io->nput + 1) * sizeof(*io->put));
		c = &io->put[io->nput++];
		*c = r;
		c->kind = xstrdup(r.kind);
		c->id = xstrdup(r.id);
		c->expr = xstrdup(r.expr);
		c->last_batch = xstrdup(r.last_batch);
		c->last_run = xstrdup(r.last_run);
	}
}

/* Makes the writes of io, in one transaction, and empties it.  Not
 * locked. */
static void io_write(struct firer *f, struct io *io)
{
	if (f->st && (io->nput || io->ngone)) {
		bool begun = store_begin(f->st) == 0;

		for (size_t i = 0; i < io->ngone; i += 2)
			store_schedule_delete(f->st, io->gone[i],
					      io->gone[i + 1]);
		for (size_t i = 0; i < io->nput; i++)
			if (store_schedule_put(f->st, &io->put[i]) < 0)
				fprintf(stderr, "baton scheduler: warning: "
					"cannot record the state of schedule "
					"%s (%s) in the store\n",
					io->put[i].id, io->put[i].kind);
		if (begun)
			store_commit(f->st);
	}
	schedule_recs_free(io->put, io->nput);
	for (size_t i = 0; i < io->ngone; i++)
		free(io->gone[i]);
	free(io->gone);
	memset(io, 0, sizeof(*io));
}

static void copy_id(char *dst, const char *src)
{
	snprintf(dst, 64, "%s", src ? src : "");
}

/* Fills st for entry e: from the store when it was seen before with
 * the same expression, else fresh from now. */
static void load_state(struct firer *f, struct fstate *st,
		       const struct fire_entry *e, int64_t now)
{
	struct schedule_rec row;
	int64_t from = now;

	memset(st, 0, sizeof(*st));
	st->kind = xstrdup(e->kind);
	st->id = xstrdup(e->id);
	st->expr = schedule_describe(e->s);
	st->last_lag_ms = -1;
	if (!f->st || store_schedule_get(f->st, e->kind, e->id, &row) < 0) {
		st->next = schedule_next(e->s, now);
		st->dirty = true;
		return;
	}
	st->last_fire_at = row.last_fire_at;
	st->last_lag_ms = row.last_lag_ms;
	st->fires = row.fires;
	st->skipped = row.skipped;
	copy_id(st->last_batch, row.last_batch);
	copy_id(st->last_run, row.last_run);
	if (row.expr && !strcmp(row.expr, st->expr) && row.next_fire_at > 0 &&
	    row.next_fire_at > row.last_fire_at) {
		st->next = row.next_fire_at;
	} else {
		/* A changed schedule starts afresh: what the old one would
		 * have fired meanwhile is not owed. */
		if (row.last_fire_at > from)
			from = row.last_fire_at;
		st->next = schedule_next(e->s, from);
		st->dirty = true;
	}
	schedule_rec_release(&row);
}

static int cmp_key(const char *ka, const char *ia, const char *kb,
		   const char *ib)
{
	int c = strcmp(ka, kb);

	return c ? c : strcmp(ia, ib);
}

static int cmp_index(const void *a, const void *b, void *base)
{
	const struct fstate *x = (const struct fstate *)base + *(const size_t *)a;
	const struct fstate *y = (const struct fstate *)base + *(const size_t *)b;

	return cmp_key(x->kind, x->id, y->kind, y->id);
}

/* The index in idx[0..n) (sorted by key) of the state (kind, id) of
 * old[], or -1. */
static ssize_t find_old(const struct fstate *old, const size_t *idx,
			size_t n, const char *kind, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct fstate *s = &old[idx[mid]];
		int c = cmp_key(s->kind, s->id, kind, id);

		if (c == 0)
			return (ssize_t)idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Puts the pending set (or, after firer_reset(), the current one) in
 * force.  Locked; the replaced set goes to *old for dropping after the
 * lock is released. */
static void apply_locked(struct firer *f, int64_t now, struct set *old,
			 struct io *io)
{
	struct set next = f->has_pending ? f->pending : f->cur;
	struct fstate *ns, *os = f->states;
	size_t *idx, n_old = f->cur.n;
	bool *taken;

	if (!f->has_pending && !f->reset)
		return;
	ns = xcalloc(next.n + 1, sizeof(*ns));
	idx = xcalloc(n_old + 1, sizeof(*idx));
	taken = xcalloc(n_old + 1, sizeof(*taken));
	for (size_t i = 0; i < n_old; i++)
		idx[i] = i;
	qsort_r(idx, n_old, sizeof(*idx), cmp_index, os);
	for (size_t i = 0; i < next.n; i++) {
		const struct fire_entry *e = &next.v[i];
		ssize_t j = f->reset ? -1
				     : find_old(os, idx, n_old, e->kind, e->id);
		char *expr;

		if (j < 0 || taken[j]) {
			load_state(f, &ns[i], e, now);
			continue;
		}
		taken[j] = true;
		ns[i] = os[j];
		memset(&os[j], 0, sizeof(os[j]));
		expr = schedule_describe(e->s);
		if (strcmp(expr, ns[i].expr)) {
			free(ns[i].expr);
			ns[i].expr = expr;
			expr = NULL;
			ns[i].nq = 0;
			ns[i].next = schedule_next(
				e->s, ns[i].last_fire_at > now
					      ? ns[i].last_fire_at
					      : now);
			ns[i].dirty = true;
		}
		free(expr);
	}
	for (size_t i = 0; i < n_old; i++) {
		/* Gone from the configuration: forget it, so that it starts
		 * afresh if it comes back. */
		if (!taken[i] && os[i].kind && !f->reset && f->st) {
			io->gone = xrealloc(io->gone, (io->ngone + 2) *
							      sizeof(*io->gone));
			io->gone[io->ngone++] = xstrdup(os[i].kind);
			io->gone[io->ngone++] = xstrdup(os[i].id);
		}
		state_release(&os[i]);
	}
	free(os);
	free(idx);
	free(taken);
	f->states = ns;
	if (f->has_pending) {
		*old = f->cur;
		f->cur = next;
		memset(&f->pending, 0, sizeof(f->pending));
		f->has_pending = false;
	}
	f->reset = false;
}

void firer_apply(struct firer *f, int64_t now)
{
	struct set old = {0};
	struct io io = {0};

	pthread_mutex_lock(&f->lock);
	apply_locked(f, now, &old, &io);
	collect_dirty(f, now, &io);
	pthread_mutex_unlock(&f->lock);
	io_write(f, &io);
	set_drop(&old);
}

/* Launches a fire of schedule i; earliest is the first due time of it
 * still to be handled after this one (for the record).  Locked; the
 * lock is released around the launch callback. */
static void launch(struct firer *f, size_t i, int64_t due, bool late,
		   int64_t earliest, int64_t now)
{
	struct fstate *st = &f->states[i];
	struct schedule_rec rec;
	struct fire fi;
	char when[64];
	int nruns = 0, rc;

	memset(&fi, 0, sizeof(fi));
	rec_of(st, earliest, now, &rec);
	rec.last_fire_at = due;
	rec.fires = st->fires + 1;
	fi.entry = &f->cur.v[i];
	fi.due_ms = due;
	fi.at_ms = now;
	fi.late = late;
	fi.rec = &rec;
	pthread_mutex_unlock(&f->lock);
	rc = f->ops.launch(f->ops.arg, &fi, &nruns);
	pthread_mutex_lock(&f->lock);
	if (rc < 0) {
		fmt_time(due, when, sizeof(when));
		note(f, st, "the fire due %s was not made: %s", when,
		     strerror(-rc));
		return;
	}
	st->last_fire_at = due;
	st->fires++;
	if (fi.batch[0])
		copy_id(st->last_batch, fi.batch);
	if (fi.run[0])
		copy_id(st->last_run, fi.run);
	st->running += nruns;
	/* The launcher wrote the record; what changes from now on makes it
	 * dirty again. */
	st->dirty = false;
}

static void enqueue(struct fstate *st, int64_t due, bool late)
{
	xgrow((void **)&st->q, &st->qcap, st->nq + 1, sizeof(*st->q));
	st->q[st->nq++] = (struct qfire){due, late};
	st->dirty = true;
}

/* Handles one due time of schedule i by its overlap policy.  earliest:
 * the first due time after it still to be handled in this tick. */
static void offer(struct firer *f, size_t i, int64_t due, bool late,
		  int64_t earliest, int64_t now)
{
	struct fstate *st = &f->states[i];
	const struct fire_policy *p = &f->cur.v[i].policy;
	size_t cap = p->catch_up_max > 0 ? (size_t)p->catch_up_max : 1;
	bool busy = st->running > 0 || st->nq > 0;
	char when[64];

	if (p->overlap == OVERLAP_ALLOW || !busy) {
		launch(f, i, due, late, earliest, now);
		return;
	}
	fmt_time(due, when, sizeof(when));
	/* Caught-up fires run one after the other, whatever the overlap
	 * policy (allow aside): they are a backlog, not an overlap. */
	if (p->overlap == OVERLAP_QUEUE || late) {
		if (st->nq < cap) {
			enqueue(st, due, late);
			note(f, st, "the fire due %s waits for the previous "
			     "run to end (%s)", when,
			     late ? "catch-up" : "overlap: queue");
			return;
		}
		note(f, st, "skipped the fire due %s: %zu fires wait "
		     "already (catch_up_max)", when, st->nq);
	} else {
		note(f, st, "skipped the fire due %s: the previous run is "
		     "still going (overlap: skip)", when);
	}
	st->skipped++;
	st->dirty = true;
}

/* The due times of schedule i up to now, by the catch-up policy, then
 * the waiting fires it may start.  Locked. */
static void tick_one(struct firer *f, size_t i, int64_t now)
{
	struct fstate *st = &f->states[i];
	const struct fire_entry *e = &f->cur.v[i];
	const struct fire_policy *p = &e->policy;
	size_t cap = p->catch_up_max > 0 ? (size_t)p->catch_up_max : 1;
	int64_t floor = now - FIRE_GRACE_MS, t = st->next;
	int64_t *ring = NULL, ontime[ONTIME_MAX], first = 0, last = 0;
	struct qfire *fires = NULL;
	size_t nmissed = 0, non = 0, scans = 0, nfires = 0, nlate = 0;

	while (t != SCHEDULE_NEVER && t <= now) {
		if (t < floor) {
			if (!ring)
				ring = xcalloc(cap, sizeof(*ring));
			ring[nmissed % cap] = t;
			if (!nmissed)
				first = t;
			last = t;
			nmissed++;
		} else if (non < ONTIME_MAX) {
			ontime[non++] = t;
		} else {
			st->skipped++;
			st->dirty = true;
		}
		if (++scans >= SCAN_MAX && t < floor) {
			t = schedule_next(e->s, floor - 1);
			nmissed++;
			continue;
		}
		t = schedule_next(e->s, t);
	}
	st->next = t;
	if (nmissed) {
		char from[64], to[64];

		if (p->catch_up == CATCH_UP_LATEST && !non)
			nlate = 1;
		else if (p->catch_up == CATCH_UP_ALL)
			nlate = nmissed < cap ? nmissed : cap;
		st->skipped += (int64_t)(nmissed - nlate);
		st->dirty = true;
		fmt_time(first, from, sizeof(from));
		fmt_time(last, to, sizeof(to));
		note(f, st, "%zu fire%s missed while no scheduler ran (%s%s%s):"
		     " catch_up: %s, %zu fired late", nmissed,
		     nmissed == 1 ? "" : "s", from, nmissed > 1 ? " to " : "",
		     nmissed > 1 ? to : "", catch_up_name(p->catch_up), nlate);
	}
	if (nlate || non)
		fires = xcalloc(nlate + non, sizeof(*fires));
	/* The ring holds the last min(nmissed, cap) missed times. */
	for (size_t k = 0; k < nlate; k++) {
		size_t at = nmissed - nlate + k;

		fires[nfires++] = (struct qfire){ring[at % cap], true};
	}
	for (size_t k = 0; k < non; k++)
		fires[nfires++] = (struct qfire){ontime[k], false};
	for (size_t k = 0; k < nfires; k++)
		offer(f, i, fires[k].due, fires[k].late,
		      k + 1 < nfires ? fires[k + 1].due : unhandled(st), now);
	while (st->running <= 0 && st->nq) {
		struct qfire q = st->q[0];

		memmove(st->q, st->q + 1, (st->nq - 1) * sizeof(*st->q));
		st->nq--;
		launch(f, i, q.due, q.late, unhandled(st), now);
	}
	free(fires);
	free(ring);
}

int64_t firer_tick(struct firer *f, int64_t now)
{
	struct set old = {0};
	struct io io = {0};
	int64_t wake = SCHEDULE_NEVER;

	pthread_mutex_lock(&f->lock);
	apply_locked(f, now, &old, &io);
	/* The schedules gone are forgotten first: a launch below writes in
	 * the engine's transaction, and the two must not wait for each
	 * other. */
	if (io.ngone) {
		pthread_mutex_unlock(&f->lock);
		io_write(f, &io);
		pthread_mutex_lock(&f->lock);
	}
	for (size_t i = 0; i < f->cur.n; i++)
		tick_one(f, i, now);
	for (size_t i = 0; i < f->cur.n; i++)
		if (f->states[i].next < wake)
			wake = f->states[i].next;
	collect_dirty(f, now, &io);
	pthread_mutex_unlock(&f->lock);
	io_write(f, &io);
	set_drop(&old);
	return wake;
}

static struct fstate *find_state(struct firer *f, const char *kind,
				 const char *id)
{
	for (size_t i = 0; i < f->cur.n; i++)
		if (f->states[i].kind && !strcmp(f->states[i].id, id) &&
		    !strcmp(f->states[i].kind, kind))
			return &f->states[i];
	return NULL;
}

void firer_run_ended(struct firer *f, const char *kind, const char *id)
{
	struct fstate *st;
	bool wake = false;

	pthread_mutex_lock(&f->lock);
	st = find_state(f, kind, id);
	if (st) {
		st->running--;
		wake = st->running <= 0 && st->nq;
	}
	pthread_mutex_unlock(&f->lock);
	if (wake)
		firer_wake(f);
}

void firer_lag(struct firer *f, const char *kind, const char *id,
	       int64_t lag_ms)
{
	struct fstate *st;

	pthread_mutex_lock(&f->lock);
	st = find_state(f, kind, id);
	if (st)
		st->last_lag_ms = lag_ms;
	pthread_mutex_unlock(&f->lock);
}

void firer_foreach(struct firer *f,
		   void (*fn)(void *arg, const struct fire_entry *e,
			      const struct fire_info *info),
		   void *arg)
{
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->cur.n; i++) {
		const struct fstate *st = &f->states[i];
		struct fire_info info = {
			.next_fire_at = unhandled(st),
			.last_fire_at = st->last_fire_at,
			.last_lag_ms = st->last_lag_ms,
			.fires = st->fires,
			.skipped = st->skipped,
			.running = st->running > 0 ? st->running : 0,
			.queued = st->nq,
			.last_batch = st->last_batch,
		};

		fn(arg, &f->cur.v[i], &info);
	}
	pthread_mutex_unlock(&f->lock);
}

/* Sets the timer to the real time of next (a firer time), or disarms it
 * for SCHEDULE_NEVER.  A clock change (settimeofday, NTP step) ends the
 * wait early: TFD_TIMER_CANCEL_ON_SET. */
static void arm(struct firer *f, int64_t next)
{
	struct itimerspec its = {0};

	if (next != SCHEDULE_NEVER) {
		int64_t real = next - f->offset;

		if (real <= 0)
			real = 1;
		its.it_value.tv_sec = real / 1000;
		its.it_value.tv_nsec = (long)(real % 1000) * 1000000L;
	}
	if (timerfd_settime(f->timerfd,
			    TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its,
			    NULL) < 0)
		/* The clock was set meanwhile: try once more. */
		timerfd_settime(f->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int firer_run(struct firer *f)
{
	struct pollfd pfd[2] = {
		{.fd = f->wakefd, .events = POLLIN},
		{.fd = f->timerfd, .events = POLLIN},
	};

	for (;;) {
		uint64_t count;
		int64_t next;
		bool stop;

		pthread_mutex_lock(&f->lock);
		stop = f->stop;
		pthread_mutex_unlock(&f->lock);
		if (stop)
			break;
		next = firer_tick(f, firer_now(f));
		if (f->ops.turn)
			f->ops.turn(f->ops.arg);
		arm(f, next);
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return -errno;
		/* Non-blocking reads: nothing to read is fine, and a
		 * timerfd cancelled by a clock change reads ECANCELED. */
		if (read(f->wakefd, &count, sizeof(count)) < 0) {
			/* not woken */
		}
		if (read(f->timerfd, &count, sizeof(count)) < 0) {
			/* not due, or the clock was set */
		}
	}
	return 0;
}
