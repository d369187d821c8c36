/* feed.c - the scheduler's engine side (scheduler.c starts it): each
 * fire's batch and its runs, recorded as queued, go through the
 * priority queue into the engine as slots free up; their ends are
 * accounted for in the batch, retried for a job, delivered and told to
 * the job's webhook.  Engine thread only, unless said otherwise. */
#include "scheduler_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "engine/engine.h"
#include "jobs/jobs.h"
#include "pipeline/pipeline.h"
#include "sched/prioq.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

/* How long a job's webhook may take to answer. */
#define WEBHOOK_TIMEOUT_MS 5000

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
void scheduler_record_waiting(struct scheduler *s, const struct srun *r,
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
			scheduler_say("warning: cannot deliver %s to '%s'", b->id,
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
		scheduler_say("warning: webhook %s not notified: %s (the job's outcome "
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

void scheduler_finish_batch(struct scheduler *s, struct sbatch *b)
{
	enum run_status st = engine_cancelled(s->e) && b->cancelled
				     ? RUN_CANCELLED
			     : b->failed || b->cancelled ? RUN_FAILED
							 : RUN_SUCCEEDED;
	struct sbatch *again = NULL;

	record_batch(s, b, st);
	distribute(s, b);
	scheduler_say("schedule %s (%s): batch %s ended %s: %zu succeeded, %zu "
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

void scheduler_run_ended(struct scheduler *s, struct srun *r,
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
		scheduler_finish_batch(s, b);
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
		scheduler_say("schedule %s (%s): run %s%s%s was not started: %s",
		    b->it->id, b->it->fe.kind, r->id,
		    r->t ? " for tenant " : "", r->t ? r->t->id : "",
		    err.msg);
		scheduler_record_waiting(s, r, RUN_FAILED, err.msg);
		scheduler_run_ended(s, r, RUN_FAILED);
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

	scheduler_utc(b->due, due, sizeof(due));
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
		scheduler_record_waiting(s, &b->runs[i], RUN_QUEUED, NULL);
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
	scheduler_say("schedule %s (%s): retry %d of %lld: %zu failed run%s again in "
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

	scheduler_utc(fi->due_ms, due, sizeof(due));
	store_schedule_put(s->estore, fi->rec);
	flush(s);
	scheduler_say("schedule %s (%s) fired: due %s, lag %lld ms, nothing run: %s",
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

int scheduler_launch(void *arg, struct fire *fi, int *nruns)
{
	struct launch_call c = {.s = arg, .fi = fi};
	int rc = engine_call(c.s->e, launch_fn, &c);

	*nruns = c.nruns;
	return rc;
}

/* After each tick, on the firer's thread: start what may start. */
void scheduler_turn(void *arg)
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
	scheduler_utc(b->due, due, sizeof(due));
	scheduler_say("schedule %s (%s) fired: due %s, lag %lld ms%s, batch %s, %zu "
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
	scheduler_run_ended(s, sr, run_status(r));
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
