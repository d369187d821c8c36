/* scheduler.c - the scheduler service (scheduler.h): its thread sleeps
 * in the firer and posts each fire into the engine (feed.c), where the
 * fire's runs go from the priority queue into the engine as slots free
 * up, and their ends are accounted for in the fire's batch. */
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

/* One line on stderr, written at once: several threads log. */
void scheduler_say(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "baton scheduler: %s\n", msg);
	fflush(stderr);
}

void scheduler_utc(int64_t ms, char *out, size_t size)
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
			scheduler_say("another scheduler holds %s: this one stands by "
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
		scheduler_say("took over firing (%s)", s->lock_path);
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
		scheduler_say("error: the scheduler's loop failed: %s", strerror(-rc));
	pthread_mutex_lock(&s->lock);
	s->active = false;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct scheduler *scheduler_new(const struct scheduler_config *cfg,
				struct error *err)
{
	struct scheduler *s = xcalloc(1, sizeof(*s));
	struct fire_ops ops = {.launch = scheduler_launch,
				 .turn = scheduler_turn, .arg = s};
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
	scheduler_utc(ms, buf, sizeof(buf));
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
			scheduler_record_waiting(s, r, RUN_CANCELLED,
				       "the scheduler stopped before the run "
				       "could start");
			scheduler_run_ended(s, r, RUN_CANCELLED);
		}
		if (s->batches == b)	/* cannot happen: all ended */
			scheduler_finish_batch(s, b);
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
