/* batch.c - running a batch of runs in one engine. */
#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/proc.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timeutil.h"

void batch_make_id(char *out, size_t size, const char *source)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "bat_%s", source);
	id_make(out, size, prefix);
}

static void record(struct store *s, const char *id, const struct batch_opts *o,
		   const char *pipeline, enum run_status st,
		   const struct batch_result *res, int64_t created)
{
	struct batch_rec b = {0};
	char *extra = o->extra ? json_dumps(o->extra, JSON_COMPACT) : NULL;

	b.id = (char *)id;
	b.source = (char *)o->source;
	b.job_id = (char *)o->job_id;
	b.pipeline = (char *)pipeline;
	b.status = st;
	b.created_at = created;
	b.finished_at = run_status_final(st) ? time_wall_ms() : 0;
	b.total = (int)res->total;
	b.succeeded = (int)res->succeeded;
	b.failed = (int)res->failed;
	b.cancelled = (int)res->cancelled;
	b.summary_json = extra;
	b.pid = getpid();
	b.pid_start = proc_start_time(getpid());
	store_batch_put(s, &b);
	free(extra);
}

/* Params for one item: the batch's, then the item's own on top. */
static struct kv *merge_params(const struct batch_opts *o,
			       const struct batch_item *it, size_t *n)
{
	struct kv *v = xcalloc(o->nparams + it->nparams + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < o->nparams; i++)
		v[(*n)++] = o->params[i];
	for (size_t i = 0; i < it->nparams; i++)
		v[(*n)++] = it->params[i];
	return v;
}

static int add_item(struct engine *e, const char *id,
		    const struct batch_opts *o, const struct batch_item *it,
		    struct run **out, struct error *err)
{
	struct run_spec spec = {0};
	size_t nparams;
	struct kv *params = merge_params(o, it, &nparams);
	int rc;

	spec.pipeline = it->pipeline;
	spec.params = params;
	spec.nparams = nparams;
	spec.batch = id;
	spec.timeout_ms = o->tenant_timeout_ms;
	spec.input = it->input;
	if (it->tenant) {
		spec.tenant_obj = it->tenant;
		spec.rate_key = it->tenant->platform;
	}
	rc = engine_add_run(e, &spec, out, err);
	free(params);
	return rc;
}

static void tally(struct run **runs, size_t n, struct batch_result *res)
{
	res->succeeded = res->failed = res->cancelled = 0;
	for (size_t i = 0; i < n; i++) {
		enum run_status st = run_status(runs[i]);

		if (st == RUN_SUCCEEDED)
			res->succeeded++;
		else if (st == RUN_FAILED)
			res->failed++;
		else
			res->cancelled++;
	}
}

static enum run_status final_status(const struct batch_result *res)
{
	if (res->interrupted)
		return RUN_CANCELLED;
	return res->failed || res->cancelled ? RUN_FAILED : RUN_SUCCEEDED;
}

int batch_run(struct store *s, const struct engine_config *base,
	      const struct batch_item *items, size_t n,
	      const struct batch_opts *o, struct batch_result *res,
	      struct error *err)
{
	struct engine_config cfg = *base;
	struct run **runs = xcalloc(n + 1, sizeof(*runs));
	const char *pipeline = n ? items[0].pipeline->id : NULL;
	struct engine *e = NULL;
	int64_t created = time_wall_ms();
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (o->id)
		snprintf(res->id, sizeof(res->id), "%s", o->id);
	else
		batch_make_id(res->id, sizeof(res->id),
			      o->source ? o->source : "cli");
	res->total = n;
	for (size_t i = 1; i < n; i++)
		if (items[i].pipeline != items[0].pipeline)
			pipeline = NULL;
	cfg.max_runs = o->parallel > 0 ? o->parallel : 1;
	cfg.start_gap_ms = o->delay_ms;
	cfg.fail_fast = o->fail_fast;
	cfg.release_finished = true;
	e = engine_new(s, &cfg, err);
	if (!e) {
		rc = -EIO;
		goto out;
	}
	record(s, res->id, o, pipeline, RUN_RUNNING, res, created);
	store_begin(s);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_item(e, res->id, o, &items[i], &runs[i], err);
	store_commit(s);
	if (rc < 0) {
		/* A bad param is the same mistake for every item: say it
		 * once, run nothing, and account for the batch. */
		engine_cancel(e);
		engine_wait(e);
		record(s, res->id, o, pipeline, RUN_FAILED, res, created);
		goto out;
	}
	rc = engine_wait(e);
	res->interrupted = engine_cancelled(e);
	tally(runs, n, res);
	for (size_t i = 0; o->statuses && i < n; i++)
		o->statuses[i] = (int)run_status(runs[i]);
	record(s, res->id, o, pipeline, final_status(res), res, created);
	if (rc < 0)
		error_set(err, rc, "the event loop failed");
out:
	engine_free(e);
	free(runs);
	return rc;
}

int batch_exit_code(const struct batch_result *res)
{
	if (res->interrupted)
		return 130;
	if (!res->failed && !res->cancelled)
		return 0;
	return res->succeeded ? 2 : 3;
}
