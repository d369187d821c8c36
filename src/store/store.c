/* store.c - picks a store implementation and forwards calls to it. */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/error.h"
#include "../util/str.h"
#include "store_impl.h"

int store_open(const char *location, struct store **out, struct error *err)
{
	/* Never echo the location back: a URL may carry a password. */
	if (str_starts(location, "postgres://") ||
	    str_starts(location, "postgresql://"))
		return error_set(err, -ENOTSUP,
				 "PostgreSQL stores are not supported yet; "
				 "give a SQLite file path as the store");
	return store_sqlite_open(location, out, err);
}

void store_free(struct store *s)
{
	if (s)
		s->ops->free(s);
}

int store_begin(struct store *s)
{
	return s->ops->begin(s);
}

int store_commit(struct store *s)
{
	return s->ops->commit(s);
}

int store_run_put(struct store *s, const struct run_rec *r)
{
	return s->ops->run_put(s, r);
}

int store_step_put(struct store *s, const struct step_rec *st)
{
	return s->ops->step_put(s, st);
}

int store_attempt_put(struct store *s, const struct attempt_rec *a)
{
	return s->ops->attempt_put(s, a);
}

int store_run_get(struct store *s, const char *id, struct run_rec *out,
		  struct error *err)
{
	return s->ops->run_get(s, id, out, err);
}

int store_runs_list(struct store *s, const struct run_filter *f,
		    struct run_rec **out, size_t *n)
{
	return s->ops->runs_list(s, f, out, n);
}

int store_steps_list(struct store *s, const char *run_id,
		     struct step_rec **out, size_t *n)
{
	return s->ops->steps_list(s, run_id, out, n);
}

int store_attempts_list(struct store *s, const char *run_id,
			struct attempt_rec **out, size_t *n)
{
	return s->ops->attempts_list(s, run_id, out, n);
}

int store_prune(struct store *s, int64_t before_ms, int keep_runs,
		char ***dirs, size_t *ndirs)
{
	return s->ops->prune(s, before_ms, keep_runs, dirs, ndirs);
}

int store_batch_put(struct store *s, const struct batch_rec *b)
{
	return s->ops->batch_put(s, b);
}

int store_batch_get(struct store *s, const char *id, struct batch_rec *out,
		    struct error *err)
{
	return s->ops->batch_get(s, id, out, err);
}

int store_batches_list(struct store *s, int status, int limit,
		       struct batch_rec **out, size_t *n)
{
	return s->ops->batches_list(s, status, limit, out, n);
}

int store_inbox_add(struct store *s, const char *user, const char *batch_id,
		    int64_t at)
{
	return s->ops->inbox_add(s, user, batch_id, at);
}

int store_inbox_list(struct store *s, const char *user,
		     struct inbox_rec **out, size_t *n)
{
	return s->ops->inbox_list(s, user, out, n);
}

int store_flag_set(struct store *s, const char *pipeline, const char *step,
		   bool tested, const char *by)
{
	return s->ops->flag_set(s, pipeline, step, tested, by);
}

int store_flag_get(struct store *s, const char *pipeline, const char *step,
		   bool *tested)
{
	return s->ops->flag_get(s, pipeline, step, tested);
}

int store_flags_list(struct store *s, const char *pipeline,
		     struct flag_rec **out, size_t *n)
{
	return s->ops->flags_list(s, pipeline, out, n);
}

int store_schedule_put(struct store *s, const struct schedule_rec *r)
{
	return s->ops->schedule_put(s, r);
}

int store_schedule_get(struct store *s, const char *kind, const char *id,
		       struct schedule_rec *out)
{
	return s->ops->schedule_get(s, kind, id, out);
}

int store_schedules_list(struct store *s, struct schedule_rec **out,
			 size_t *n)
{
	return s->ops->schedules_list(s, out, n);
}

int store_schedule_delete(struct store *s, const char *kind,
			  const char *id)
{
	return s->ops->schedule_delete(s, kind, id);
}

int store_schedule_lag(struct store *s, const char *kind, const char *id,
		       int64_t lag_ms)
{
	return s->ops->schedule_lag(s, kind, id, lag_ms);
}

void flag_recs_free(struct flag_rec *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].step);
		free(v[i].by);
	}
	free(v);
}

/* The release functions leave the record zeroed, so releasing twice or
 * reusing the record is safe. */
void run_rec_release(struct run_rec *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->pipeline);
	free(r->tenant);
	free(r->batch);
	free(r->parent_run);
	free(r->retry_of);
	free(r->params_json);
	free(r->output_json);
	free(r->error);
	free(r->state_dir);
	memset(r, 0, sizeof(*r));
}

void step_rec_release(struct step_rec *st)
{
	if (!st)
		return;
	free(st->run_id);
	free(st->name);
	free(st->error);
	free(st->log_path);
	free(st->output_json);
	free(st->metrics_json);
	memset(st, 0, sizeof(*st));
}

void attempt_rec_release(struct attempt_rec *a)
{
	if (!a)
		return;
	free(a->run_id);
	free(a->step);
	free(a->error);
	memset(a, 0, sizeof(*a));
}

void batch_rec_release(struct batch_rec *b)
{
	if (!b)
		return;
	free(b->id);
	free(b->source);
	free(b->job_id);
	free(b->pipeline);
	free(b->summary_json);
	memset(b, 0, sizeof(*b));
}

void inbox_rec_release(struct inbox_rec *r)
{
	if (!r)
		return;
	free(r->user);
	free(r->batch_id);
	memset(r, 0, sizeof(*r));
}

void schedule_rec_release(struct schedule_rec *r)
{
	if (!r)
		return;
	free(r->kind);
	free(r->id);
	free(r->expr);
	free(r->last_batch);
	free(r->last_run);
	memset(r, 0, sizeof(*r));
}

void schedule_recs_free(struct schedule_rec *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		schedule_rec_release(&v[i]);
	free(v);
}

void run_recs_free(struct run_rec *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		run_rec_release(&v[i]);
	free(v);
}

void step_recs_free(struct step_rec *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		step_rec_release(&v[i]);
	free(v);
}

void attempt_recs_free(struct attempt_rec *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		attempt_rec_release(&v[i]);
	free(v);
}

void batch_recs_free(struct batch_rec *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		batch_rec_release(&v[i]);
	free(v);
}

void inbox_recs_free(struct inbox_rec *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		inbox_rec_release(&v[i]);
	free(v);
}

void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
