/* routes_batches.c - fan-out batches started over the API.
 *
 * A batch's runs go into the server's engine, at most `parallel` at a
 * time: the rest wait here and are added from the engine's tick as
 * earlier ones end.  The batch record is kept up to date on the
 * engine thread, with the engine's store.
 */
#include "server_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "engine/engine.h"
#include "engine/proc.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "report/batch_report.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

struct api_batch {
	char id[64];
	struct gen *gen;		/* referenced while the batch lives */
	const struct pipeline *p;
	const struct tenant **items;
	size_t n;
	size_t next;			/* items[] before this were added */
	int running;
	int parallel;
	struct kv *params;
	size_t nparams;
	int64_t created;
	int succeeded, failed, cancelled;
	struct api_batch *next_batch;
};

static void record(struct server *s, struct api_batch *b,
		   enum run_status st)
{
	struct batch_rec r = {0};

	r.id = b->id;
	r.source = "api";
	r.pipeline = b->p->id;
	r.status = st;
	r.created_at = b->created;
	r.finished_at = run_status_final(st) ? time_wall_ms() : 0;
	r.total = (int)b->n;
	r.succeeded = b->succeeded;
	r.failed = b->failed;
	r.cancelled = b->cancelled;
	r.pid = getpid();
	r.pid_start = proc_start_time(getpid());
	store_batch_put(s->estore, &r);
}

static void gen_ref(struct server *s, struct gen *g)
{
	pthread_mutex_lock(&s->gen_lock);
	g->refs++;
	pthread_mutex_unlock(&s->gen_lock);
}

/* Adds the next item's run to the engine (engine thread). */
static int add_next(struct server *s, struct api_batch *b, struct error *err)
{
	struct run_spec spec = {0};
	const char **secrets = NULL;
	json_t *ctx = NULL;
	struct run *r;
	int rc;

	spec.pipeline = b->p;
	spec.params = b->params;
	spec.nparams = b->nparams;
	spec.batch = b->id;
	spec_for_tenant(&spec, b->items[b->next], &ctx, &secrets);
	gen_ref(s, b->gen);
	rc = engine_add_run(s->engine, &spec, &r, err);
	if (rc < 0)
		server_gen_put(s, b->gen);
	else {
		b->next++;
		b->running++;
	}
	json_decref(ctx);
	free(secrets);
	return rc;
}

static void batch_free(struct server *s, struct api_batch *b)
{
	server_gen_put(s, b->gen);
	params_free(b->params, b->nparams);
	free(b->items);
	free(b);
}

static void fill(struct server *s, struct api_batch *b)
{
	struct error err = {0};

	while (b->next < b->n && b->running < b->parallel &&
	       !engine_cancelled(s->engine))
		if (add_next(s, b, &err) < 0) {
			/* Same params as the first item: cannot happen
			 * after it was added; count it as failed. */
			b->next++;
			b->failed++;
		}
}

void batches_on_event(struct server *s, const struct run *r,
		      const struct event *ev)
{
	const char *id = run_batch(r);

	if (ev->type != EV_RUN_END || !id)
		return;
	for (struct api_batch *b = s->batches; b; b = b->next_batch) {
		if (strcmp(b->id, id))
			continue;
		b->running--;
		switch (run_status(r)) {
		case RUN_SUCCEEDED:
			b->succeeded++;
			break;
		case RUN_FAILED:
			b->failed++;
			break;
		default:
			b->cancelled++;
		}
		record(s, b, RUN_RUNNING);
		return;
	}
}

void batches_on_tick(struct server *s)
{
	struct api_batch **pp = &s->batches;

	while (*pp) {
		struct api_batch *b = *pp;

		fill(s, b);
		if (b->running || (b->next < b->n && !engine_cancelled(s->engine))) {
			pp = &b->next_batch;
			continue;
		}
		b->cancelled += (int)(b->n - b->next);
		record(s, b,
		       engine_cancelled(s->engine) ? RUN_CANCELLED
		       : b->failed || b->cancelled ? RUN_FAILED
						   : RUN_SUCCEEDED);
		*pp = b->next_batch;
		batch_free(s, b);
	}
	if (!s->batches)
		engine_set_tick(s->engine, 0);	/* idle: no wake-ups */
}

void batches_free(struct server *s)
{
	while (s->batches) {
		struct api_batch *b = s->batches;

		s->batches = b->next_batch;
		b->cancelled += (int)(b->n - b->next) + b->running;
		if (s->estore)
			record(s, b, RUN_CANCELLED);
		batch_free(s, b);
	}
}

struct start_call {
	struct server *srv;
	struct api_batch *b;
	struct error err;
};

static int start_fn(struct engine *e, void *arg)
{
	struct start_call *c = arg;
	struct server *s = c->srv;
	struct api_batch *b = c->b;
	int rc = 0;

	(void)e;
	record(s, b, RUN_RUNNING);
	/* The first run checks the params for all: a mistake fails the
	 * request rather than every run. */
	rc = add_next(s, b, &c->err);
	if (rc < 0) {
		b->failed = 0;
		record(s, b, RUN_FAILED);
		engine_store_flush(s);
		return rc;
	}
	fill(s, b);
	b->next_batch = s->batches;
	s->batches = b;
	engine_set_tick(s->engine, 100);
	engine_store_flush(s);
	return 0;
}

/* The tenants the body selects, or NULL after replying. */
static const struct tenant **select_tenants(struct req *rq, json_t *body,
					    size_t *n, enum MHD_Result *ret)
{
	const struct tenants *t = rq->gen->t;
	json_t *ids = json_object_get(body, "tenants");
	json_t *all = json_object_get(body, "all_tenants");
	json_t *platform = json_object_get(body, "platform");
	json_t *tag = json_object_get(body, "tag");
	const char *tags[1];
	const struct tenant **v;
	size_t i;
	json_t *x;

	if ((platform && !json_is_string(platform)) ||
	    (tag && !json_is_string(tag)) || (all && !json_is_boolean(all)) ||
	    (ids && !json_is_array(ids))) {
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "tenants must be a list of ids, all_tenants "
				   "a boolean, platform and tag strings");
		return NULL;
	}
	if (!ids && !json_is_true(all) && !platform && !tag) {
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "which tenants? give \"tenants\": [ids], "
				   "\"all_tenants\": true, \"platform\" or "
				   "\"tag\"");
		return NULL;
	}
	if (!t) {
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "there is no tenants file (users.yaml, "
				   "--tenants or BATON_TENANTS)");
		return NULL;
	}
	v = xcalloc(t->n + json_array_size(ids) + 1, sizeof(*v));
	*n = 0;
	if (ids) {
		json_array_foreach(ids, i, x) {
			const struct tenant *one =
				json_is_string(x)
					? tenants_find(t, json_string_value(x))
					: NULL;

			if (!one) {
				*ret = reply_error(
					rq, MHD_HTTP_NOT_FOUND, "not_found",
					"no tenant '%s'",
					json_is_string(x) ? json_string_value(x)
							  : "(not a string)");
				free(v);
				return NULL;
			}
			v[(*n)++] = one;
		}
	} else {
		tags[0] = tag ? json_string_value(tag) : NULL;
		for (i = 0; i < t->n; i++)
			if (t->v[i].enabled &&
			    tenant_matches(&t->v[i],
					   platform ? json_string_value(platform)
						    : NULL,
					   tags, tag ? 1 : 0))
				v[(*n)++] = &t->v[i];
	}
	if (!*n) {
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "no enabled tenant matches");
		free(v);
		return NULL;
	}
	return v;
}

static enum MHD_Result batch_start(struct req *rq)
{
	enum MHD_Result ret;
	json_t *body = req_json(rq, &ret), *name, *params, *par;
	struct start_call c = {.srv = rq->srv};
	struct api_batch *b = NULL;
	const struct pipeline *p;
	const char *bad = NULL;
	int rc;

	if (!body)
		return ret;
	name = json_object_get(body, "pipeline");
	params = json_object_get(body, "params");
	par = json_object_get(body, "parallel");
	if (!json_is_string(name) || (params && !json_is_object(params)) ||
	    (par && (!json_is_integer(par) || json_integer_value(par) < 1 ||
		     json_integer_value(par) > 1000))) {
		ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				  "expected {\"pipeline\": NAME, \"tenants\": "
				  "[IDS] or \"all_tenants\": true, "
				  "\"params\"?: {..}, \"parallel\"?: 1..1000}");
		goto out;
	}
	p = project_find(rq->gen->p, json_string_value(name));
	if (!p) {
		ret = reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				  "no pipeline '%s'", json_string_value(name));
		goto out;
	}
	b = xcalloc(1, sizeof(*b));
	b->items = select_tenants(rq, body, &b->n, &ret);
	if (!b->items)
		goto out;
	if (params) {
		b->params = params_from_json(params, &b->nparams, &bad);
		if (!b->params) {
			ret = reply_error(rq, MHD_HTTP_BAD_REQUEST,
					  "bad_request",
					  "param '%s' must be a string, number "
					  "or boolean",
					  bad);
			goto out;
		}
	}
	batch_make_id(b->id, sizeof(b->id), "api");
	b->p = p;
	b->parallel = par ? (int)json_integer_value(par) : 1;
	b->created = time_wall_ms();
	b->gen = rq->gen;
	gen_ref(rq->srv, rq->gen);
	c.b = b;
	rc = engine_call(rq->srv->engine, start_fn, &c);
	if (rc < 0) {
		ret = reply_error(rq, rc == -EINVAL ? MHD_HTTP_BAD_REQUEST
						    : MHD_HTTP_INTERNAL_SERVER_ERROR,
				  rc == -EINVAL ? "bad_request" : "internal",
				  "%s", c.err.msg);
		goto out;
	}
	ret = reply_json(rq, MHD_HTTP_ACCEPTED,
			 json_pack("{s:s, s:s+}", "batch_id", b->id,
				   "status_url", "/api/v1/batches/", b->id));
	b = NULL;
out:
	if (b && b->gen)
		batch_free(rq->srv, b);
	else if (b) {
		params_free(b->params, b->nparams);
		free(b->items);
		free(b);
	}
	json_decref(body);
	return ret;
}

static enum MHD_Result batch_detail(struct req *rq)
{
	struct store *st = req_store(rq);
	struct batch_report rep;
	struct error err = {0};
	json_t *o;
	int rc;

	if (!st)
		return reply_store_error(rq, -EIO, "cannot open the store");
	rc = batch_report_load(st, rq->param[0], rq->gen->t, &rep, &err);
	if (rc < 0)
		return reply_store_error(rq, rc, err.msg);
	o = batch_report_json(&rep);
	json_object_set_new(o, "id", json_string(rep.batch.id));
	json_object_set_new(o, "status",
			    json_string(run_status_name(rep.batch.status)));
	batch_report_release(&rep);
	return reply_json(rq, MHD_HTTP_OK, o);
}

static enum MHD_Result batch_list(struct req *rq)
{
	struct store *st = req_store(rq);
	const char *limit = req_query(rq, "limit");
	struct batch_rec *v = NULL;
	size_t n = 0;
	int64_t lim = 50;
	json_t *a;

	if (limit && (str_to_i64(limit, &lim) < 0 || lim < 1 || lim > 1000))
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "limit must be a number from 1 to 1000");
	if (!st || store_batches_list(st, -1, (int)lim, &v, &n) < 0)
		return reply_store_error(rq, -EIO, "cannot list batches");
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:i, "
				     "s:i, s:i, s:i}",
				     "id", v[i].id, "source", v[i].source,
				     "job_id", jstr(v[i].job_id), "pipeline",
				     jstr(v[i].pipeline), "status",
				     run_status_name(v[i].status), "created_at",
				     jtime(v[i].created_at), "finished_at",
				     jtime(v[i].finished_at), "total",
				     v[i].total, "succeeded", v[i].succeeded,
				     "failed", v[i].failed, "cancelled",
				     v[i].cancelled));
	batch_recs_free(v, n);
	return reply_json(rq, MHD_HTTP_OK, json_pack("{s:o}", "batches", a));
}

const struct route routes_batches[] = {
	{"POST", "/api/v1/batches", batch_start},
	{"GET", "/api/v1/batches", batch_list},
	{"GET", "/api/v1/batches/{}", batch_detail},
	{0},
};
