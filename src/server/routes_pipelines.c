/* routes_pipelines.c - pipelines: list, detail, tested flags. */
#include "server_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/str.h"

/* How many recent runs to look at for each pipeline's last status per
 * tenant. */
#define RECENT_RUNS 200

static json_t *pipeline_summary(struct store *st, const struct pipeline *p)
{
	struct run_filter f = {.pipeline = p->id, .status = -1,
			       .limit = RECENT_RUNS};
	struct run_rec *runs = NULL;
	size_t n = 0;
	json_t *by = json_array(), *seen = json_object();
	json_t *o;

	if (st && store_runs_list(st, &f, &runs, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *t = runs[i].tenant;

		if (!t || json_object_get(seen, t))
			continue;
		json_object_set_new(seen, t, json_true());
		json_array_append_new(
			by, json_pack("{s:s, s:s, s:s}", "tenant", t, "status",
				      run_status_name(runs[i].status),
				      "run_id", runs[i].id));
	}
	o = json_pack("{s:s, s:s, s:o, s:i, s:o, s:o, s:o}", "id", p->id,
		      "name", p->name ? p->name : p->id, "description",
		      jstr(p->description), "steps", (int)p->nsteps,
		      "last_status",
		      n ? json_string(run_status_name(runs[0].status))
			: json_null(),
		      "last_run_id", n ? json_string(runs[0].id) : json_null(),
		      "by_tenant", by);
	json_decref(seen);
	run_recs_free(runs, n);
	return o;
}

static enum MHD_Result list(struct req *rq)
{
	const struct project *p = rq->gen->p;
	struct store *st = req_store(rq);
	json_t *a = json_array(), *msgs, *o;
	const char *id;
	char *why;

	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(a, pipeline_summary(st, p->pipelines[i]));
	json_object_foreach(rq->gen->broken, id, msgs)
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:b, s:O}", "id", id, "name",
				     id, "invalid", 1, "errors", msgs));
	o = json_pack("{s:o}", "pipelines", a);
	pthread_mutex_lock(&rq->srv->gen_lock);
	why = xstrdup(rq->srv->reload_error);
	pthread_mutex_unlock(&rq->srv->gen_lock);
	if (why)
		json_object_set_new(o, "reload_error", json_string(why));
	free(why);
	return reply_json(rq, MHD_HTTP_OK, o);
}

static const char *step_kind(const struct step *s)
{
	switch (s->kind) {
	case STEP_KIND_SCRIPT:
		return "script";
	case STEP_KIND_PIPELINE:
		return "pipeline";
	case STEP_KIND_RUN:
		return "run";
	default:
		return "http";
	}
}

static const char *step_command(const struct project *proj,
				const struct step *s)
{
	size_t n = strlen(proj->root);

	switch (s->kind) {
	case STEP_KIND_RUN:
		return s->run;
	case STEP_KIND_SCRIPT:
		/* Relative to the project: absolute paths say too much. */
		if (!strncmp(s->script, proj->root, n) && s->script[n] == '/')
			return s->script + n + 1;
		return s->script;
	case STEP_KIND_PIPELINE:
		return s->pipeline;
	default:
		/* An http step's URL template: templates, not values. */
		return s->http ? s->http->url : NULL;
	}
}

static const struct flag_rec *find_flag(const struct flag_rec *v, size_t n,
					const char *step)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].step, step))
			return &v[i];
	return NULL;
}

static json_t *flag_fields(json_t *o, const struct flag_rec *f)
{
	json_object_set_new(o, "tested", json_boolean(f && f->tested));
	json_object_set_new(o, "tested_by", jstr(f ? f->by : NULL));
	json_object_set_new(o, "tested_at", jtime(f ? f->at : 0));
	return o;
}

static enum MHD_Result not_found(struct req *rq, const char *id)
{
	const char *hint = project_suggest(rq->gen->p, id);

	if (json_object_get(rq->gen->broken, id))
		return reply_error(rq, MHD_HTTP_CONFLICT, "conflict",
				   "pipeline '%s' has errors; see GET "
				   "/api/v1/pipelines",
				   id);
	return reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
			   "no pipeline '%s'%s%s%s", id,
			   hint ? " (did you mean '" : "", hint ? hint : "",
			   hint ? "'?)" : "");
}

static enum MHD_Result detail(struct req *rq)
{
	const struct project *proj = rq->gen->p;
	const struct pipeline *p = project_find(proj, rq->param[0]);
	struct store *st = req_store(rq);
	struct flag_rec *flags = NULL;
	size_t nflags = 0;
	json_t *params, *steps;

	if (!p)
		return not_found(rq, rq->param[0]);
	params = json_array();
	steps = json_array();
	if (st && store_flags_list(st, p->id, &flags, &nflags) < 0)
		nflags = 0;
	for (size_t i = 0; i < p->nparams; i++)
		json_array_append_new(
			params, json_pack("{s:s, s:o, s:o}", "name",
					  p->params[i].key, "default",
					  jstr(p->params[i].val), "description",
					  jstr(p->params[i].desc)));
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *s = &p->steps[i];
		json_t *deps = json_array();

		for (size_t k = 0; k < s->ndeps; k++)
			json_array_append_new(deps, json_string(s->deps[k]));
		json_array_append_new(
			steps,
			flag_fields(json_pack("{s:s, s:o, s:s, s:o, s:o, s:i}",
					      "name", s->name, "description",
					      jstr(s->description), "kind",
					      step_kind(s), "command",
					      jstr(step_command(proj, s)),
					      "depends_on", deps, "level",
					      p->level[i]),
				    find_flag(flags, nflags, s->name)));
	}
	flag_recs_free(flags, nflags);
	return reply_json(
		rq, MHD_HTTP_OK,
		json_pack("{s:s, s:s, s:o, s:o, s:o, s:i}", "id", p->id, "name",
			  p->name ? p->name : p->id, "description",
			  jstr(p->description), "params", params, "steps",
			  steps, "levels", p->nlevels));
}

static enum MHD_Result set_tested(struct req *rq)
{
	const struct pipeline *p = project_find(rq->gen->p, rq->param[0]);
	struct store *st = req_store(rq);
	struct flag_rec *flags = NULL;
	size_t nflags = 0;
	enum MHD_Result ret;
	json_t *body, *v, *o;

	if (!p)
		return not_found(rq, rq->param[0]);
	if (pipeline_step_index(p, rq->param[1]) < 0)
		return reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				   "pipeline '%s' has no step '%s'", p->id,
				   rq->param[1]);
	body = req_json(rq, &ret);
	if (!body)
		return ret;
	v = json_object_get(body, "tested");
	if (!json_is_boolean(v)) {
		json_decref(body);
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "expected {\"tested\": true} or "
				   "{\"tested\": false}");
	}
	if (!st || store_flag_set(st, p->id, rq->param[1], json_is_true(v),
				  rq->who) < 0 ||
	    store_flags_list(st, p->id, &flags, &nflags) < 0) {
		json_decref(body);
		return reply_store_error(rq, -EIO, "cannot store the flag");
	}
	json_decref(body);
	o = flag_fields(json_pack("{s:s, s:s}", "pipeline", p->id, "step",
				  rq->param[1]),
			find_flag(flags, nflags, rq->param[1]));
	flag_recs_free(flags, nflags);
	return reply_json(rq, MHD_HTTP_OK, o);
}

const struct route routes_pipelines[] = {
	{"GET", "/api/v1/pipelines", list},
	{"GET", "/api/v1/pipelines/{}", detail},
	{"PUT", "/api/v1/pipelines/{}/steps/{}/tested", set_tested},
	{0},
};
