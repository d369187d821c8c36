/* routes_misc.c - /healthz, /metrics, tenants and the event stream. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/status.h"
#include "scheduler/scheduler.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"

static enum MHD_Result healthz(struct req *rq)
{
	return reply_json(rq, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
}

static void hist_text(struct buf *b, const char *name, const char *help,
		      const struct hist *h)
{
	uint64_t cum = 0;

	buf_addf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < HIST_NB; i++) {
		cum += h->counts[i];
		buf_addf(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i],
			 (unsigned long long)cum);
	}
	cum += h->counts[HIST_NB];
	buf_addf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
		 (unsigned long long)cum);
	buf_addf(b, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name,
		 (unsigned long long)h->n);
}

_Static_assert(SCHEDULER_LAG_NB == HIST_NB,
	       "the scheduler's lag histogram has the server's shape");

/* How late scheduled fires started: first run start - due time, for
 * fires on time (not caught up after downtime). */
static void sched_lag_text(struct buf *b, struct server *s)
{
	struct scheduler_lag lag = {0};
	struct hist h = {.bounds = scheduler_lag_bounds};

	if (s->sched)
		scheduler_lag(s->sched, &lag);
	memcpy(h.counts, lag.counts, sizeof(h.counts));
	h.sum = lag.sum;
	h.n = lag.n;
	hist_text(b, "baton_scheduler_lag_seconds",
		  "How long after its due time a scheduled fire's first run "
		  "started.", &h);
}

static enum MHD_Result metrics(struct req *rq)
{
	static const enum run_status rs[] = {RUN_SUCCEEDED, RUN_FAILED,
					     RUN_CANCELLED, RUN_INTERRUPTED};
	static const enum step_status ss[] = {STEP_SUCCEEDED, STEP_FAILED,
					      STEP_SKIPPED, STEP_CANCELLED};
	struct server *s = rq->srv;
	struct store *st = req_store(rq);
	struct run_filter f = {.status = RUN_QUEUED};
	struct run_rec *runs = NULL;
	size_t nq = 0, len;
	struct buf b;

	if (st && store_runs_list(st, &f, &runs, &nq) == 0)
		run_recs_free(runs, nq);
	buf_init(&b, 0);
	pthread_mutex_lock(&s->m.lock);
	buf_addstr(&b, "# HELP baton_runs_total Runs that ended since the "
		       "server started, by status.\n"
		       "# TYPE baton_runs_total counter\n");
	for (size_t i = 0; i < sizeof(rs) / sizeof(*rs); i++)
		buf_addf(&b, "baton_runs_total{status=\"%s\"} %llu\n",
			 run_status_name(rs[i]),
			 (unsigned long long)s->m.runs[rs[i]]);
	buf_addstr(&b, "# HELP baton_steps_total Steps that ended since the "
		       "server started, by status.\n"
		       "# TYPE baton_steps_total counter\n");
	for (size_t i = 0; i < sizeof(ss) / sizeof(*ss); i++)
		buf_addf(&b, "baton_steps_total{status=\"%s\"} %llu\n",
			 step_status_name(ss[i]),
			 (unsigned long long)s->m.steps[ss[i]]);
	hist_text(&b, "baton_run_duration_seconds",
		  "How long runs took, start to end.", &s->m.run_h);
	hist_text(&b, "baton_step_duration_seconds",
		  "How long steps took, all attempts.", &s->m.step_h);
	pthread_mutex_unlock(&s->m.lock);
	sched_lag_text(&b, s);
	buf_addf(&b, "# HELP baton_queue_depth Runs waiting to start.\n"
		     "# TYPE baton_queue_depth gauge\nbaton_queue_depth %zu\n",
		 nq);
	buf_addf(&b, "# HELP baton_sse_clients Open event streams.\n"
		     "# TYPE baton_sse_clients gauge\nbaton_sse_clients %zu\n",
		 hub_nclients(s->hub));
	len = b.len;
	return reply_text(rq, MHD_HTTP_OK,
			  "text/plain; version=0.0.4; charset=utf-8",
			  buf_detach(&b), len);
}

/* A tenant as the API shows it: never its credentials. */
static json_t *tenant_json(const struct tenant *t)
{
	json_t *tags = json_array(), *on = json_array(), *off = json_array();

	for (size_t i = 0; i < t->ntags; i++)
		json_array_append_new(tags, json_string(t->tags[i]));
	for (size_t i = 0; i < t->npipelines; i++)
		json_array_append_new(t->pipelines[i].enabled ? on : off,
				      json_string(t->pipelines[i].name));
	return json_pack("{s:s, s:s, s:o, s:b, s:o, s:o, s:o}", "id", t->id,
			 "name", t->name, "platform", jstr(t->platform),
			 "enabled", t->enabled, "tags", tags, "pipelines", on,
			 "disabled_pipelines", off);
}

static enum MHD_Result tenants(struct req *rq)
{
	const struct tenants *t = rq->gen->t;
	json_t *a = json_array();

	for (size_t i = 0; t && i < t->n; i++)
		json_array_append_new(a, tenant_json(&t->v[i]));
	return reply_json(rq, MHD_HTTP_OK, json_pack("{s:o}", "tenants", a));
}

static enum MHD_Result events(struct req *rq)
{
	return hub_serve(rq->srv->hub, rq);
}

const struct route routes_misc[] = {
	{"GET", "/healthz", healthz},
	{"GET", "/metrics", metrics},
	{"GET", "/api/v1/tenants", tenants},
	{"GET", "/api/v1/events", events},
	{0},
};
