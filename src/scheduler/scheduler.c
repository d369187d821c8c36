/* scheduler.c - the scheduler service (scheduler.h): its thread sleeps
 * in the firer and posts each fire into the engine; the fire's runs go
 * from the priority queue into the engine as slots free up, and their
 * ends are accounted for in the fire's batch. */
#include "scheduler_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "batch/batch.h"
#include "engine/engine.h"
#include "engine/proc.h"
#include "jobs/jobs.h"
#include "pipeline/pipeline.h"
#include "sched/prioq.h"
#include "sched/sched.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

const double scheduler_lag_bounds[SCHEDULER_LAG_NB] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60,
};

/* How often a standby scheduler tries the lock again. */
#define STANDBY_RETRY_MS 2000
/* How long a job's webhook may take to answer. */
#define WEBHOOK_TIMEOUT_MS 5000

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

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, written at once: several threads log. */
static void say(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "baton scheduler: %s\n", msg);
	fflush(stderr);
}

static void utc(int64_t ms, char *out, size_t size)
{
	schedule_format_time(NULL, ms, out, size);
}

int scheduler_fake_now(int64_t *offset_ms, struct error *err)
{
	const char *v = getenv("BATON_FAKE_NOW");
	int64_t t;

	*offset_ms = 0;
	if (!v || !*v)
		return 0;
	if (sched_time_parse(v, &t) < 0)
		return error_set(err, -EINVAL, "BATON_FAKE_NOW must be an RFC "
				 "3339 time such as 2026-03-29T00:59:58Z, not "
				 "'%s'", v);
	*offset_ms = t - time_wall_ms();
	return 0;
}

/* ---- the engine's side: batches, runs, the queue ---- */

/* Ends the engine loop's open transaction so that readers on other
 * connections see what a call wrote, and opens the next one. */
static void flush(struct scheduler *s)
{
	store_commit(s->estore);
	store_begin(s->estore);
}

static void update_mirror(struct scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	s->npending = prioq_len(s->q);
	s->ninflight = s->inflight;
	pthread_mutex_unlock(&s->lock);
}

static void record_batch(struct scheduler *s, struct sbatch *b,
			 enum run_status status)
{
	struct batch_rec r = {0};
	char *summary = json_dumps(b->extra, JSON_COMPACT);

	r.id = b->id;
	r.source = "schedule";
	r.job_id = b->it->job ? b->it->job->id : NULL;
	r.pipeline = b->it->p ? b->it->p->id : NULL;
	r.status = status;
	r.created_at = b->created;
	r.finished_at = run_status_final(status) ? time_wall_ms() : 0;
	r.total = (int)b->n;
	r.succeeded = (int)b->succeeded;
	r.failed = (int)b->failed;
	r.cancelled = (int)b->cancelled;
	r.summary_json = summary;
	r.pid = getpid();
	r.pid_start = s->pid_start;
	store_batch_put(s->estore, &r);
	free(summary);
}

/* Records run r as it stands before the engine has it: queued, or
 * final (failed to start, cancelled while waiting) with error. */
static void record_waiting(struct scheduler *s, const struct srun *r,
			   enum run_status status, const char *error)
{
	struct run_rec rec = {0};
	int64_t now = time_wall_ms();

	rec.id = (char *)r->id;
	rec.pipeline = r->b->it->p->id;
	rec.tenant = r->t ? r->t->id : NULL;
	rec.batch = r->b->id;
	rec.status = status;
	rec.created_at = r->b->created;
	rec.finished_at = run_status_final(status) ? now : 0;
	rec.error = (char *)error;
	rec.exit_code = status == RUN_CANCELLED ? 130
			: status == RUN_FAILED	? 1
						: 0;
	rec.pid = getpid();
	rec.pid_start = s->pid_start;
	store_run_put(s->estore, &rec);
}

static void batch_free(struct sbatch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		json_decref(b->runs[i].input);
		kv_list_free(b->runs[i].params, b->runs[i].nparams);
	}
	free(b->runs);
	json_decref(b->extra);
	json_decref(b->chain);
	plan_unref(b->plan);
	free(b);
}

/* Delivers a job's batch to the users its distribution names. */
static void distribute(struct scheduler *s, const struct sbatch *b)
{
	const struct job *j = b->it->job;

	if (!j || !j->distribute_results)
		return;
	for (size_t u = 0; u < j->nusers; u++)
		if (store_inbox_add(s->estore, j->users[u], b->id,
				    time_wall_ms()) < 0)
			say("warning: cannot deliver %s to '%s'", b->id,
			    j->users[u]);
}

/* Whether b's failed runs run again: a job's retry_limit rounds. */
static bool retries(const struct scheduler *s, const struct sbatch *b)
{
	return b->it->job && b->round < b->it->job->retry_limit &&
	       !s->ending && !engine_cancelled(s->e);
}

struct notice {
	char *url;
	char *body;
};

static void *notice_main(void *arg)
{
	struct notice *n = arg;
	struct error err = {0};
	int status = 0;

	if (job_webhook_post(n->url, n->body, WEBHOOK_TIMEOUT_MS, &status,
			     &err) < 0)
		say("warning: webhook %s not notified: %s (the job's outcome "
		    "stands)", n->url, err.msg);
	free(n->url);
	free(n->body);
	free(n);
	return NULL;
}

/* The job's webhook hears how the fire ended, as with `baton job run`:
 * from a thread of its own, so that a slow receiver delays nothing. */
static void notify(struct scheduler *s, const struct sbatch *b)
{
	const struct job *j = b->it->job;
	size_t ok = b->first_total - b->failed - b->cancelled;
	struct notice *n;
	pthread_attr_t attr;
	pthread_t th;
	json_t *body;

	if (!j || !j->distribute_results || !j->webhook)
		return;
	body = json_pack(
		"{s:s, s:s, s:s, s:O, s:{s:I, s:I, s:I, s:I, s:O}}",
		"batch_id", b->first, "job_id", j->id, "status",
		engine_cancelled(s->e)	 ? "interrupted"
		: ok == b->first_total ? "succeeded"
		: ok			 ? "partial"
					 : "failed",
		"batch_ids", b->chain, "summary", "runs",
		(json_int_t)b->first_total, "succeeded", (json_int_t)ok,
		"failed", (json_int_t)(b->first_total - ok), "retry_rounds",
		(json_int_t)b->round, "validation",
		json_object_get(b->extra, "validation")
			? json_object_get(b->extra, "validation")
			: json_null());
	n = xcalloc(1, sizeof(*n));
	n->url = xstrdup(j->webhook);
	n->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, notice_main, n)) {
		free(n->url);
		free(n->body);
		free(n);
	}
	pthread_attr_destroy(&attr);
}

static struct sbatch *retry_batch(struct scheduler *s, struct sbatch *b);

static void finish_batch(struct scheduler *s, struct sbatch *b)
{
	enum run_status st = engine_cancelled(s->e) && b->cancelled
				     ? RUN_CANCELLED
			     : b->failed || b->cancelled ? RUN_FAILED
							 : RUN_SUCCEEDED;
	struct sbatch *again = NULL;

	record_batch(s, b, st);
	distribute(s, b);
	say("schedule %s (%s): batch %s ended %s: %zu succeeded, %zu "
	    "failed, %zu cancelled", b->it->id, b->it->fe.kind, b->id,
	    run_status_name(st), b->succeeded, b->failed, b->cancelled);
	if (b->failed && retries(s, b))
		again = retry_batch(s, b);
	for (size_t i = 0; !again && i < b->n; i++)
		if (b->runs[i].deferred)
			firer_run_ended(s->f, b->it->fe.kind, b->it->id);
	if (!again)
		notify(s, b);
	for (struct sbatch **pp = &s->batches; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	batch_free(b);
}

static void run_ended(struct scheduler *s, struct srun *r,
		      enum run_status status)
{
	struct sbatch *b = r->b;

	if (r->ended)
		return;
	r->ended = true;
	if (r->added)
		s->inflight--;
	b->nended++;
	if (status == RUN_SUCCEEDED)
		b->succeeded++;
	else if (status == RUN_FAILED)
		b->failed++;
	else
		b->cancelled++;
	/* A run to be retried still counts as going, for overlap. */
	r->deferred = status == RUN_FAILED && retries(s, b);
	if (!r->deferred)
		firer_run_ended(s->f, b->it->fe.kind, b->it->id);
	if (b->nended == b->n)
		finish_batch(s, b);
	else
		record_batch(s, b, RUN_RUNNING);
}

/* Hands r to the engine. */
static void add_run(struct scheduler *s, struct srun *r)
{
	struct sbatch *b = r->b;
	struct run_spec spec = {0};
	const char **secrets = NULL;
	struct error err = {0};
	json_t *ctx = NULL;
	struct run *run;
	size_t nsecrets = 0;

	spec.pipeline = b->it->p;
	spec.params = r->params;
	spec.nparams = r->nparams;
	spec.batch = b->id;
	spec.id = r->id;
	spec.input = r->input;
	if (r->t) {
		ctx = tenant_context(r->t);
		secrets = tenant_secrets(r->t, &nsecrets);
		spec.tenant_id = r->t->id;
		spec.tenant = ctx;
		spec.secrets = secrets;
		spec.nsecrets = nsecrets;
		spec.rate_key = r->t->platform;
	}
	if (engine_add_run(s->e, &spec, &run, &err) == 0) {
		r->added = true;
		s->inflight++;
		if (s->cfg.run_added)
			s->cfg.run_added(s->cfg.arg, b->plan->w.owner, run);
	} else {
		say("schedule %s (%s): run %s%s%s was not started: %s",
		    b->it->id, b->it->fe.kind, r->id,
		    r->t ? " for tenant " : "", r->t ? r->t->id : "",
		    err.msg);
		record_waiting(s, r, RUN_FAILED, err.msg);
		run_ended(s, r, RUN_FAILED);
	}
	json_decref(ctx);
	free(secrets);
}

/* Starts waiting runs, highest priority first, while the scheduler has
 * fewer than max_runs runs in the engine. */
static void release(struct scheduler *s)
{
	while (prioq_len(s->q) && !engine_cancelled(s->e) &&
	       (s->cfg.max_runs <= 0 || s->inflight < s->cfg.max_runs))
		add_run(s, prioq_pop(s->q, time_mono_ms()));
	update_mirror(s);
}

static int release_fn(struct engine *e, void *arg)
{
	struct scheduler *s = arg;

	(void)e;
	release(s);
	flush(s);
	return 0;
}

/* The runs of a job's fire: its selection now, by its type; for a
 * preference group, only the group's tenants, each with its
 * template_overrides as params.  Returns how many, or -1 with *why. */
static ssize_t job_runs(struct sbatch *b, json_t **stats, char **why)
{
	const struct plan_item *it = b->it;
	const struct scheduler_world *w = &b->plan->w;
	struct job_selection sel = {0};
	struct job_run *jr = NULL;
	struct error err = {0};
	size_t n = 0, k = 0;

	if (job_select(it->job, w->p, w->t, &sel, &err) < 0) {
		*why = xstrdup(err.msg);
		return -1;
	}
	job_plan(it->job, &sel, &jr, &n);
	*stats = job_stats_json(&sel.stats);
	b->runs = xcalloc(n + 1, sizeof(*b->runs));
	for (size_t i = 0; i < n; i++) {
		struct srun *r = &b->runs[k];
		ssize_t m = -1;

		if (it->pref) {
			for (size_t t = 0; t < it->ntenants; t++)
				if (it->tenants[t] == jr[i].tenant)
					m = (ssize_t)t;
			if (m < 0)
				continue;
			r->params = plan_params(it->p, it->overrides[m],
						&r->nparams);
		}
		r->t = jr[i].tenant;
		r->input = json_incref(jr[i].input);
		k++;
	}
	job_runs_free(jr, n);
	job_selection_release(&sel);
	return (ssize_t)k;
}

/* Fills b->runs for b's fire.  Returns how many, or -1 with *why. */
static ssize_t fire_runs(struct sbatch *b, json_t **stats, char **why)
{
	const struct plan_item *it = b->it;
	size_t n = it->ntenants ? it->ntenants : 1;

	if (it->job)
		return job_runs(b, stats, why);
	b->runs = xcalloc(n, sizeof(*b->runs));
	for (size_t i = 0; i < it->ntenants; i++)
		b->runs[i].t = it->tenants[i];
	return (ssize_t)n;
}

static json_t *batch_extra(const struct sbatch *b, json_t *stats)
{
	const struct plan_item *it = b->it;
	char due[64];
	json_t *o;

	utc(b->due, due, sizeof(due));
	o = json_pack("{s:{s:s, s:s, s:s, s:b}}", "schedule", "kind",
		      it->fe.kind, "id", it->id, "due", due, "late", b->late);
	if (it->job)
		json_object_set_new(
			o, "job",
			json_pack("{s:s, s:s, s:s, s:s, s:s}", "id",
				  it->job->id, "name", it->job->name, "type",
				  it->job->type_name, "priority",
				  job_priority_name(it->job->priority),
				  "template_id", it->job->template_id));
	if (stats)
		json_object_set_new(o, "validation", stats);
	return o;
}

/* Gives b and its runs their ids. */
static void name_batch(struct sbatch *b)
{
	batch_make_id(b->id, sizeof(b->id), "schedule");
	for (size_t i = 0; i < b->n; i++) {
		b->runs[i].b = b;
		run_make_id(b->runs[i].id, sizeof(b->runs[i].id));
	}
}

/* Records b and its runs as queued (in the caller's transaction) and
 * puts the runs in the priority queue. */
static void queue_batch(struct scheduler *s, struct sbatch *b)
{
	record_batch(s, b, RUN_RUNNING);
	for (size_t i = 0; i < b->n; i++)
		record_waiting(s, &b->runs[i], RUN_QUEUED, NULL);
	b->next = s->batches;
	s->batches = b;
	for (size_t i = 0; i < b->n; i++)
		prioq_push(s->q, &b->runs[i], b->it->fe.policy.priority,
			   time_mono_ms());
}

static struct kv *kv_copy(const struct kv *v, size_t n)
{
	struct kv *c = xcalloc(n + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++) {
		c[i].key = xstrdup(v[i].key);
		c[i].val = xstrdup(v[i].val);
	}
	return c;
}

/* A job's failed runs of b, again, as a follow-up batch whose summary
 * names the first ("retry": {"of", "round"}), as `baton job run` does.
 * The firer keeps counting them as the same runs. */
static struct sbatch *retry_batch(struct scheduler *s, struct sbatch *b)
{
	struct sbatch *nb = xcalloc(1, sizeof(*nb));
	size_t k = 0;

	nb->plan = b->plan;
	plan_ref(nb->plan);
	nb->it = b->it;
	nb->due = b->due;
	nb->late = b->late;
	nb->started = true;	/* the lag was the first batch's */
	nb->created = time_wall_ms();
	nb->round = b->round + 1;
	nb->first_total = b->first_total;
	snprintf(nb->first, sizeof(nb->first), "%s", b->first);
	nb->runs = xcalloc(b->failed + 1, sizeof(*nb->runs));
	for (size_t i = 0; i < b->n; i++) {
		const struct srun *r = &b->runs[i];

		if (!r->deferred)
			continue;
		nb->runs[k].t = r->t;
		nb->runs[k].input = json_incref(r->input);
		nb->runs[k].params = kv_copy(r->params, r->nparams);
		nb->runs[k].nparams = r->nparams;
		k++;
	}
	nb->n = k;
	nb->extra = json_deep_copy(b->extra);
	json_object_set_new(nb->extra, "retry",
			    json_pack("{s:s, s:i}", "of", b->first, "round",
				      nb->round));
	name_batch(nb);
	nb->chain = json_incref(b->chain);
	json_array_append_new(nb->chain, json_string(nb->id));
	queue_batch(s, nb);
	say("schedule %s (%s): retry %d of %lld: %zu failed run%s again in "
	    "batch %s", b->it->id, b->it->fe.kind, nb->round,
	    (long long)b->it->job->retry_limit, k, k == 1 ? "" : "s",
	    nb->id);
	update_mirror(s);
	firer_wake(s->f);
	return nb;
}

struct launch_call {
	struct scheduler *s;
	struct fire *fi;
	int nruns;
};

/* Records a fire that runs nothing, and says why. */
static void fired_empty(struct scheduler *s, struct fire *fi,
			const char *why)
{
	char due[64];

	utc(fi->due_ms, due, sizeof(due));
	store_schedule_put(s->estore, fi->rec);
	flush(s);
	say("schedule %s (%s) fired: due %s, lag %lld ms, nothing run: %s",
	    fi->entry->id, fi->entry->kind, due,
	    (long long)(firer_now(s->f) - fi->due_ms), why);
}

/* A fire, on the engine's thread: its batch, its runs recorded as
 * queued and the schedule's state in one transaction, then into the
 * priority queue. */
static int launch_fn(struct engine *e, void *arg)
{
	struct launch_call *c = arg;
	struct scheduler *s = c->s;
	struct fire *fi = c->fi;
	struct plan_item *it = fi->entry->data;
	struct sbatch *b;
	json_t *stats = NULL;
	char *why = NULL;
	ssize_t n;

	if (engine_cancelled(e))
		return -ECANCELED;
	if (it->problem) {
		fired_empty(s, fi, it->problem);
		return 0;
	}
	b = xcalloc(1, sizeof(*b));
	b->plan = it->plan;
	plan_ref(b->plan);
	b->it = it;
	b->due = fi->due_ms;
	b->late = fi->late;
	b->created = time_wall_ms();
	n = fire_runs(b, &stats, &why);
	if (n <= 0) {
		fired_empty(s, fi, n < 0 ? why : "the job selected no items");
		json_decref(stats);
		free(why);
		batch_free(b);
		return 0;
	}
	b->n = (size_t)n;
	b->extra = batch_extra(b, stats);
	name_batch(b);
	snprintf(b->first, sizeof(b->first), "%s", b->id);
	b->first_total = b->n;
	b->chain = json_pack("[s]", b->id);
	snprintf(fi->batch, sizeof(fi->batch), "%s", b->id);
	snprintf(fi->run, sizeof(fi->run), "%s", b->runs[0].id);
	fi->rec->last_batch = fi->batch;
	fi->rec->last_run = fi->run;
	store_begin(s->estore);
	queue_batch(s, b);
	store_schedule_put(s->estore, fi->rec);
	store_commit(s->estore);
	c->nruns = (int)b->n;
	/* Other fires of this tick may be due too: they go into the queue
	 * first, so that priorities decide (the firer's turn releases). */
	update_mirror(s);
	flush(s);
	return 0;
}

static int launch(void *arg, struct fire *fi, int *nruns)
{
	struct launch_call c = {.s = arg, .fi = fi};
	int rc = engine_call(c.s->e, launch_fn, &c);

	*nruns = c.nruns;
	return rc;
}

/* After each tick, on the firer's thread: start what may start. */
static void turn(void *arg)
{
	struct scheduler *s = arg;
	bool go;

	pthread_mutex_lock(&s->lock);
	go = s->npending &&
	     (s->cfg.max_runs <= 0 || s->ninflight < s->cfg.max_runs);
	pthread_mutex_unlock(&s->lock);
	if (go)
		engine_call(s->e, release_fn, s);
}

static struct sbatch *find_batch(struct scheduler *s, const char *id)
{
	for (struct sbatch *b = s->batches; b; b = b->next)
		if (!strcmp(b->id, id))
			return b;
	return NULL;
}

static struct srun *find_run(struct sbatch *b, const char *id)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->runs[i].id, id))
			return &b->runs[i];
	return NULL;
}

static void observe_lag(struct scheduler *s, int64_t lag_ms)
{
	double v = (double)lag_ms / 1000.0;
	size_t i = 0;

	while (i < SCHEDULER_LAG_NB && v > scheduler_lag_bounds[i])
		i++;
	pthread_mutex_lock(&s->lock);
	s->lag.counts[i]++;
	s->lag.sum += v;
	s->lag.n++;
	pthread_mutex_unlock(&s->lock);
}

/* The first run of a fire started: the fire's lag. */
static void fire_started(struct scheduler *s, struct sbatch *b)
{
	int64_t lag = firer_now(s->f) - b->due;
	char due[64];

	b->started = true;
	if (!b->late)
		observe_lag(s, lag);
	firer_lag(s->f, b->it->fe.kind, b->it->id, lag);
	store_schedule_lag(s->estore, b->it->fe.kind, b->it->id, lag);
	utc(b->due, due, sizeof(due));
	say("schedule %s (%s) fired: due %s, lag %lld ms%s, batch %s, %zu "
	    "run%s", b->it->id, b->it->fe.kind, due, (long long)lag,
	    b->late ? " (a missed fire caught up)" : "", b->id, b->n,
	    b->n == 1 ? "" : "s");
}

void scheduler_on_event(struct scheduler *s, const struct run *r,
			const struct event *ev)
{
	const char *bid = run_batch(r);
	struct sbatch *b;
	struct srun *sr;

	if (!s || (ev->type != EV_RUN_START && ev->type != EV_RUN_END) ||
	    !bid || !str_starts(bid, "bat_schedule_") ||
	    !(b = find_batch(s, bid)) || !(sr = find_run(b, run_id(r))))
		return;
	if (ev->type == EV_RUN_START) {
		if (!b->started)
			fire_started(s, b);
		return;
	}
	run_ended(s, sr, run_status(r));
	update_mirror(s);
	/* A slot is free: the firer's turn starts the next waiting run. */
	if (prioq_len(s->q))
		firer_wake(s->f);
}

static void on_event(void *arg, const struct run *r, const struct event *ev)
{
	scheduler_on_event(arg, r, ev);
}

void scheduler_listener(struct scheduler *s, struct engine_listener *l)
{
	l->on_event = on_event;
	l->on_tick = NULL;
	l->tick_ms = 0;
	l->arg = s;
}

/* ---- the scheduler's thread ---- */

static void drop_plan(void *cookie)
{
	plan_unref(cookie);
}

void scheduler_set_world(struct scheduler *s,
			 const struct scheduler_world *w)
{
	struct plan *pl = plan_build(w, &s->cfg);
	struct fire_entry *v = plan_entries(pl);

	firer_set(s->f, v, pl->n, pl, drop_plan);
	free(v);
}

/* Waits for the lock, standing by meanwhile.  Returns false when asked
 * to stop first. */
static bool wait_lock(struct scheduler *s)
{
	bool waited = false;

	for (;;) {
		struct timespec ts;
		bool stop;

		pthread_mutex_lock(&s->lock);
		stop = s->stopping;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			return false;
		if (s->lockfd < 0 || flock(s->lockfd, LOCK_EX | LOCK_NB) == 0)
			break;
		pthread_mutex_lock(&s->lock);
		s->standby = true;
		pthread_mutex_unlock(&s->lock);
		if (!waited)
			say("another scheduler holds %s: this one stands by "
			    "and fires nothing until it is free",
			    s->lock_path);
		waited = true;
		/* So that the API lists the schedules meanwhile. */
		firer_apply(s->f, firer_now(s->f));
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += STANDBY_RETRY_MS / 1000;
		pthread_mutex_lock(&s->lock);
		if (!s->stopping)
			pthread_cond_timedwait(&s->cond, &s->lock, &ts);
		pthread_mutex_unlock(&s->lock);
	}
	if (waited) {
		/* The other scheduler fired meanwhile: read its state. */
		firer_reset(s->f);
		firer_apply(s->f, firer_now(s->f));
	}
	pthread_mutex_lock(&s->lock);
	s->standby = false;
	s->active = true;
	pthread_mutex_unlock(&s->lock);
	if (waited)
		say("took over firing (%s)", s->lock_path);
	return true;
}

static void *thread_main(void *arg)
{
	struct scheduler *s = arg;
	int rc;

	if (!wait_lock(s))
		return NULL;
	rc = firer_run(s->f);
	if (rc < 0)
		say("error: the scheduler's loop failed: %s", strerror(-rc));
	pthread_mutex_lock(&s->lock);
	s->active = false;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct scheduler *scheduler_new(const struct scheduler_config *cfg,
				struct error *err)
{
	struct scheduler *s = xcalloc(1, sizeof(*s));
	struct fire_ops ops = {.launch = launch, .turn = turn, .arg = s};
	int rc;

	s->cfg = *cfg;
	s->cfg.store_location = xstrdup(cfg->store_location);
	s->lockfd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->q = prioq_new(FIRE_AGING_MS);
	s->pid_start = proc_start_time(getpid());
	rc = store_open(cfg->store_location, &s->st, err);
	if (rc < 0)
		goto fail;
	s->f = firer_new(s->st, &ops, cfg->clock_offset_ms);
	if (!s->f) {
		error_set(err, -EIO, "the scheduler cannot make its timer");
		goto fail;
	}
	if (!strstr(cfg->store_location, "://")) {
		s->lock_path = xasprintf("%s.scheduler.lock",
					 cfg->store_location);
		s->lockfd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC,
				 0644);
		if (s->lockfd < 0) {
			error_set(err, -errno, "cannot open %s: %s",
				  s->lock_path, strerror(errno));
			goto fail;
		}
	}
	return s;
fail:
	scheduler_free(s);
	return NULL;
}

int scheduler_start(struct scheduler *s, struct engine *e,
		    struct store *estore, struct error *err)
{
	int rc;

	s->e = e;
	s->estore = estore;
	/* The world set so far is in force before this returns, so that
	 * the API lists it at once.  No thread of the firer's runs yet: this
	 * one may act as it. */
	firer_apply(s->f, firer_now(s->f));
	rc = pthread_create(&s->thread, NULL, thread_main, s);
	if (rc)
		return error_set(err, -rc, "cannot start the scheduler: %s",
				 strerror(rc));
	s->thread_started = true;
	return 0;
}

/* ---- what the API shows ---- */

struct json_ctx {
	json_t *a;
	int nnext;
	int64_t now;
};

static json_t *jtime_or_null(int64_t ms)
{
	char buf[64];

	if (ms <= 0 || ms == SCHEDULE_NEVER)
		return json_null();
	utc(ms, buf, sizeof(buf));
	return json_string(buf);
}

static void entry_json(void *arg, const struct fire_entry *e,
		       const struct fire_info *info)
{
	struct json_ctx *c = arg;
	const struct plan_item *it = e->data;
	json_t *next = json_array(), *tenants = json_array(), *o;
	char *words = schedule_describe(e->s);
	int64_t t = c->now;

	for (int i = 0; i < c->nnext; i++) {
		t = schedule_next(e->s, t);
		if (t == SCHEDULE_NEVER)
			break;
		json_array_append_new(next, jtime_or_null(t));
	}
	for (size_t i = 0; i < it->ntenants; i++)
		json_array_append_new(tenants,
				      json_string(it->tenants[i]->id));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, "
		      "s:i}",
		      "id", e->id, "kind", e->kind, "expr", words, "timezone",
		      schedule_zone(e->s), "next", next, "last_fire_at",
		      jtime_or_null(info->last_fire_at), "last_lag_ms",
		      info->last_lag_ms >= 0 ? json_integer(info->last_lag_ms)
					     : json_null(),
		      "priority", priority_name(e->policy.priority),
		      "overlap", overlap_name(e->policy.overlap), "catch_up",
		      catch_up_name(e->policy.catch_up), "catch_up_max",
		      e->policy.catch_up_max);
	json_object_set_new(o, "next_fire_at",
			    jtime_or_null(info->next_fire_at));
	json_object_set_new(o, "pipeline",
			    it->p ? json_string(it->p->id) : json_null());
	json_object_set_new(o, "job",
			    it->job ? json_string(it->job->id) : json_null());
	json_object_set_new(o, "tenants", tenants);
	json_object_set_new(o, "running", json_integer(info->running));
	json_object_set_new(o, "queued", json_integer((json_int_t)info->queued));
	json_object_set_new(o, "fires", json_integer(info->fires));
	json_object_set_new(o, "skipped", json_integer(info->skipped));
	json_object_set_new(o, "last_batch", info->last_batch[0]
						     ? json_string(info->last_batch)
						     : json_null());
	json_object_set_new(o, "problem", it->problem
						  ? json_string(it->problem)
						  : json_null());
	json_array_append_new(c->a, o);
	free(words);
}

json_t *scheduler_json(struct scheduler *s, int nnext)
{
	struct json_ctx c = {.a = json_array(), .nnext = nnext,
			     .now = firer_now(s->f)};
	const char *state;

	pthread_mutex_lock(&s->lock);
	state = s->standby    ? "standby"
		: s->active   ? "active"
		: s->stopping ? "stopped"
			      : "starting";
	pthread_mutex_unlock(&s->lock);
	firer_foreach(s->f, entry_json, &c);
	return json_pack("{s:{s:s, s:o, s:i}, s:o}", "scheduler", "state",
			 state, "now", jtime_or_null(c.now), "max_runs",
			 s->cfg.max_runs, "schedules", c.a);
}

void scheduler_lag(struct scheduler *s, struct scheduler_lag *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->lag;
	pthread_mutex_unlock(&s->lock);
}

/* ---- the end ---- */

void scheduler_stop(struct scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->f)
		firer_stop(s->f);
	if (s->thread_started) {
		pthread_join(s->thread, NULL);
		s->thread_started = false;
	}
	s->ending = true;
	/* The engine loop has returned: every run it had has ended.  What
	 * still waits for a slot never started. */
	while (s->batches) {
		struct sbatch *b = s->batches;
		size_t n = b->n;

		for (size_t i = 0; i < n && s->batches == b; i++) {
			struct srun *r = &b->runs[i];

			if (r->ended)
				continue;
			prioq_remove(s->q, r);
			record_waiting(s, r, RUN_CANCELLED,
				       "the scheduler stopped before the run "
				       "could start");
			run_ended(s, r, RUN_CANCELLED);
		}
		if (s->batches == b)	/* cannot happen: all ended */
			finish_batch(s, b);
	}
}

void scheduler_free(struct scheduler *s)
{
	if (!s)
		return;
	scheduler_stop(s);
	firer_free(s->f);
	store_free(s->st);
	prioq_free(s->q);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s->lock_path);
	free((char *)s->cfg.store_location);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
