#include "batch_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

/* A URL the run's output names: url, post_url, output_url or the first
 * of output_urls, at the top or one level down. */
static char *find_url(const json_t *out, int depth)
{
	static const char *const keys[] = {"url", "post_url", "output_url"};
	json_t *v, *urls;
	const char *k;

	if (!json_is_object(out))
		return NULL;
	for (size_t i = 0; i < 3; i++) {
		v = json_object_get(out, keys[i]);
		if (json_is_string(v))
			return xstrdup(json_string_value(v));
	}
	urls = json_object_get(out, "output_urls");
	if (json_is_string(json_array_get(urls, 0)))
		return xstrdup(json_string_value(json_array_get(urls, 0)));
	if (depth > 0)
		return NULL;
	json_object_foreach((json_t *)out, k, v) {
		char *u = find_url(v, depth + 1);

		if (u)
			return u;
	}
	return NULL;
}

static int64_t step_rows(const struct step_rec *st)
{
	json_t *m = st->metrics_json ? json_loads(st->metrics_json, 0, NULL)
				     : NULL;
	int64_t rows = (int64_t)json_number_value(
		json_object_get(m, "rows_processed"));

	json_decref(m);
	return rows;
}

static void fill_line(struct batch_report *r, struct store *s, size_t i,
		      const struct tenants *tenants)
{
	struct batch_line *l = &r->lines[i];
	const struct run_rec *run = &r->runs[i];
	const struct tenant *t = tenants && run->tenant
					 ? tenants_find(tenants, run->tenant)
					 : NULL;
	struct step_rec *steps = NULL;
	size_t n = 0;
	json_t *out;

	l->run = run;
	l->tenant_name = t ? t->name : run->tenant ? run->tenant : "-";
	if (run->finished_at && run->started_at)
		l->duration_s = (double)(run->finished_at - run->started_at) /
				1000.0;
	out = run->output_json ? json_loads(run->output_json, JSON_DECODE_ANY,
					    NULL)
			       : NULL;
	l->url = find_url(out, 0);
	json_decref(out);
	if (store_steps_list(s, run->id, &steps, &n) < 0)
		n = 0;
	for (size_t k = 0; k < n; k++) {
		const struct step_rec *st = &steps[k];

		r->steps++;
		r->steps_ok += st->status == STEP_SUCCEEDED;
		r->steps_failed += st->status == STEP_FAILED;
		r->steps_skipped += st->status == STEP_SKIPPED ||
				    st->status == STEP_CANCELLED;
		if (!st->reused)
			l->rows += step_rows(st);
		if (!l->url && st->output_json) {
			json_t *o = json_loads(st->output_json,
					       JSON_DECODE_ANY, NULL);

			l->url = find_url(o, 1);
			json_decref(o);
		}
		if (!l->error && st->status == STEP_FAILED && st->error)
			l->error = xasprintf("step %s: %s", st->name,
					     st->error);
	}
	if (!l->error && run->error && run->status != RUN_SUCCEEDED)
		l->error = xstrdup(run->error);
	r->total_rows += l->rows;
	step_recs_free(steps, n);
}

int batch_report_load(struct store *s, const char *id,
		      const struct tenants *tenants, struct batch_report *out,
		      struct error *err)
{
	struct batch_report r;
	struct run_filter f = {.status = -1};
	int rc;

	memset(&r, 0, sizeof(r));
	rc = store_batch_get(s, id, &r.batch, err);
	if (rc < 0)
		return rc;
	f.batch = r.batch.id;
	rc = store_runs_list(s, &f, &r.runs, &r.nruns);
	if (rc < 0) {
		batch_rec_release(&r.batch);
		return error_set(err, rc, "cannot read the runs of %s", id);
	}
	/* Listed newest first; a report reads in start order. */
	for (size_t i = 0; i < r.nruns / 2; i++) {
		struct run_rec tmp = r.runs[i];

		r.runs[i] = r.runs[r.nruns - 1 - i];
		r.runs[r.nruns - 1 - i] = tmp;
	}
	r.lines = xcalloc(r.nruns + 1, sizeof(*r.lines));
	for (size_t i = 0; i < r.nruns; i++) {
		fill_line(&r, s, i, tenants);
		r.succeeded += r.runs[i].status == RUN_SUCCEEDED;
		r.failed += r.runs[i].status == RUN_FAILED ||
			    r.runs[i].status == RUN_INTERRUPTED;
		r.skipped += r.runs[i].status == RUN_CANCELLED ||
			     r.runs[i].status == RUN_QUEUED;
	}
	if (r.batch.finished_at && r.batch.created_at)
		r.duration_s = (double)(r.batch.finished_at -
					r.batch.created_at) / 1000.0;
	*out = r;
	return 0;
}

void batch_report_release(struct batch_report *r)
{
	for (size_t i = 0; i < r->nruns; i++) {
		free(r->lines[i].error);
		free(r->lines[i].url);
	}
	free(r->lines);
	run_recs_free(r->runs, r->nruns);
	batch_rec_release(&r->batch);
	memset(r, 0, sizeof(*r));
}

static const char *mark(enum run_status st)
{
	switch (st) {
	case RUN_SUCCEEDED:
		return "✅ [success]";
	case RUN_FAILED:
	case RUN_INTERRUPTED:
		return "❌ [failed]";
	default:
		return "⏭️  [skipped]";
	}
}

void batch_report_print(const struct batch_report *r, FILE *out)
{
	static const char rule[] = "--------------------------------------------------";
	static const char wide[] = "============================================================";
	char rows[32];
	double rate = r->steps ? 100.0 * (double)r->steps_ok / (double)r->steps
			       : 0;

	fprintf(out, "===== Execution Summary =====\nBatch: %s\n", r->batch.id);
	fprintf(out, "Total: %zu pipelines\n✅ Success: %zu\n❌ Failed: %zu\n"
		     "⏭️  Skipped: %zu\n\nDetailed Results:\n%s\n",
		r->nruns, r->succeeded, r->failed, r->skipped, rule);
	for (size_t i = 0; i < r->nruns; i++) {
		const struct batch_line *l = &r->lines[i];

		fprintf(out, "%s %s - %s (%.2fs)\n", mark(l->run->status),
			l->tenant_name, l->run->pipeline, l->duration_s);
		if (l->url)
			fprintf(out, "   Post: %s\n", l->url);
		if (l->error)
			fprintf(out, "   Error: %s\n", l->error);
	}
	str_thousands(rows, sizeof(rows), r->total_rows);
	fprintf(out, "%s\n%s\nTotals\n%s\n", rule, wide, wide);
	fprintf(out, "Total Steps:        %zu\nCompleted:          %zu\n"
		     "Failed:             %zu\nSkipped:            %zu\n"
		     "Success Rate:       %.1f%%\nTotal Rows:         %s\n"
		     "Total Duration:     %.2fs\n%s\n",
		r->steps, r->steps_ok, r->steps_failed, r->steps_skipped, rate,
		rows, r->duration_s, wide);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *batch_report_json(const struct batch_report *r)
{
	json_t *runs = json_array();

	for (size_t i = 0; i < r->nruns; i++) {
		const struct batch_line *l = &r->lines[i];

		json_array_append_new(
			runs,
			json_pack("{s:s, s:o, s:s, s:s, s:s, s:f, s:I, s:o, "
				  "s:o}",
				  "run_id", l->run->id, "tenant",
				  jstr(l->run->tenant), "tenant_name",
				  l->tenant_name, "pipeline", l->run->pipeline,
				  "status", run_status_name(l->run->status),
				  "duration_seconds", l->duration_s,
				  "rows_processed", (json_int_t)l->rows,
				  "error", jstr(l->error), "url",
				  jstr(l->url)));
	}
	return json_pack(
		"{s:{s:s, s:s, s:o, s:o, s:s}, s:{s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:f}, s:o}",
		"batch", "id", r->batch.id, "source", r->batch.source,
		"job_id", jstr(r->batch.job_id), "pipeline",
		jstr(r->batch.pipeline), "status",
		run_status_name(r->batch.status), "summary", "total",
		(json_int_t)r->nruns, "success", (json_int_t)r->succeeded,
		"failed", (json_int_t)r->failed, "skipped",
		(json_int_t)r->skipped, "total_steps", (json_int_t)r->steps,
		"total_rows_processed", (json_int_t)r->total_rows,
		"total_duration_seconds", r->duration_s, "runs", runs);
}

void batch_report_csv(const struct batch_report *r, FILE *out)
{
	fputs("run_id,tenant,tenant_name,pipeline,status,duration_seconds,"
	      "rows_processed,error,url\n",
	      out);
	for (size_t i = 0; i < r->nruns; i++) {
		const struct batch_line *l = &r->lines[i];

		fprintf(out, "%s,", l->run->id);
		report_csv_field(out, l->run->tenant);
		fputc(',', out);
		report_csv_field(out, l->tenant_name);
		fprintf(out, ",%s,%s,%.3f,%lld,", l->run->pipeline,
			run_status_name(l->run->status), l->duration_s,
			(long long)l->rows);
		report_csv_field(out, l->error);
		fputc(',', out);
		report_csv_field(out, l->url);
		fputc('\n', out);
	}
}
