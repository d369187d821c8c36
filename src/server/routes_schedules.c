/* routes_schedules.c - the scheduler's schedules and the batch jobs. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "jobs/jobs.h"
#include "pipeline/project.h"
#include "scheduler/scheduler.h"
#include "util/str.h"

#define NEXT_DEFAULT 5
#define NEXT_MAX 100

/* GET /api/v1/schedules[?next=N]: every schedule with its next fire
 * times, last fire and lag (docs/api.md). */
static enum MHD_Result schedules(struct req *rq)
{
	const char *q = req_query(rq, "next");
	int64_t next = NEXT_DEFAULT;

	if (q && (str_to_i64(q, &next) < 0 || next < 1 || next > NEXT_MAX))
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "next must be a number from 1 to %d",
				   NEXT_MAX);
	if (!rq->srv->sched)
		return reply_json(rq, MHD_HTTP_OK,
				  json_pack("{s:{s:s, s:n}, s:[]}", "scheduler",
					    "state", "off", "now", "schedules"));
	return reply_json(rq, MHD_HTTP_OK,
			  scheduler_json(rq->srv->sched, (int)next));
}

/* "file:line:col: message" for each problem of j.  New reference. */
static json_t *problems(const struct gen *g, const struct job *j)
{
	json_t *a = json_array();
	struct diags d;

	diags_init(&d);
	job_check(j, g->js->file, g->p, g->t, &d);
	if (project_is_broken(g->p, j->template_id))
		diags_add(&d, g->js->file, j->template_line, j->template_col,
			  "job '%s': template '%s' has errors of its own "
			  "(run 'baton validate')", j->id, j->template_id);
	for (size_t i = 0; i < d.n; i++)
		json_array_append_new(a, json_sprintf("%s:%d:%d: %s",
						      d.v[i].file, d.v[i].line,
						      d.v[i].col, d.v[i].msg));
	diags_release(&d);
	return a;
}

/* One job as `baton job list --json` shows it. */
static json_t *job_entry(const struct gen *g, const struct job *j)
{
	static const char *const keys[] = {"id", "name", "type", "priority",
					   "categories", "template_id",
					   "schedule"};
	json_t *full = job_json(j), *o = json_object(), *bad = problems(g, j);
	char *sched = job_schedule_summary(j);

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		json_object_set(o, keys[i], json_object_get(full, keys[i]));
	json_object_set_new(o, "schedule_summary", json_string(sched));
	json_object_set_new(o, "valid", json_boolean(!json_array_size(bad)));
	json_object_set_new(o, "problems", bad);
	json_decref(full);
	free(sched);
	return o;
}

/* GET /api/v1/jobs: the jobs file's jobs, {"file", "jobs": [...]}. */
static enum MHD_Result jobs(struct req *rq)
{
	const struct gen *g = rq->gen;
	json_t *a = json_array();

	for (size_t i = 0; g->js && i < g->js->n; i++)
		json_array_append_new(a, job_entry(g, &g->js->v[i]));
	return reply_json(rq, MHD_HTTP_OK,
			  json_pack("{s:o, s:o}", "file",
				    jstr(g->js ? g->js->file : NULL), "jobs",
				    a));
}

const struct route routes_schedules[] = {
	{"GET", "/api/v1/schedules", schedules},
	{"GET", "/api/v1/jobs", jobs},
	{0},
};
