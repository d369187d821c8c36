#include "report.h"

#include <errno.h>
#include <string.h>

#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

static void add_metrics(json_t *sum, const char *metrics_json)
{
	json_t *m = metrics_json ? json_loads(metrics_json, 0, NULL) : NULL,
	       *v;
	const char *k;

	json_object_foreach(m, k, v) {
		json_t *cur = json_object_get(sum, k);
		double x = json_number_value(v) +
			   (cur ? json_number_value(cur) : 0);

		if (json_is_integer(v) && (!cur || json_is_integer(cur)))
			json_object_set_new(sum, k, json_integer((json_int_t)x));
		else
			json_object_set_new(sum, k, json_real(x));
	}
	json_decref(m);
}

static void tally(struct report *r)
{
	json_t *rows;

	r->metrics = json_object();
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct step_rec *s = &r->steps[i];

		switch (s->status) {
		case STEP_SUCCEEDED:
			r->completed++;
			r->reused += s->reused;
			break;
		case STEP_FAILED:
			r->failed++;
			break;
		case STEP_SKIPPED:
			r->skipped++;
			/* A when: that did not hold is not a shortfall. */
			if (s->error &&
			    !strncmp(s->error, "condition not met", 17))
				r->not_needed++;
			break;
		case STEP_CANCELLED:
			r->cancelled++;
			break;
		default:
			break;
		}
		if (!s->reused)
			add_metrics(r->metrics, s->metrics_json);
	}
	r->success_rate = r->nsteps > r->not_needed
				  ? 100.0 * (double)r->completed /
					    (double)(r->nsteps - r->not_needed)
				  : 100.0;
	rows = json_object_get(r->metrics, "rows_processed");
	r->total_rows = rows ? (int64_t)json_number_value(rows) : 0;
	if (r->run.finished_at && r->run.started_at)
		r->duration_s = (double)(r->run.finished_at -
					 r->run.started_at) / 1000.0;
	else if (r->run.started_at)
		r->duration_s = (double)(time_wall_ms() - r->run.started_at) /
				1000.0;
}

int report_load(struct store *s, const char *id, struct report *out,
		struct error *err)
{
	struct report r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = store_run_get(s, id, &r.run, err);
	if (rc < 0)
		return rc;
	rc = store_steps_list(s, r.run.id, &r.steps, &r.nsteps);
	if (rc < 0) {
		run_rec_release(&r.run);
		return error_set(err, rc, "cannot read the steps of %s", id);
	}
	tally(&r);
	*out = r;
	return 0;
}

void report_release(struct report *r)
{
	run_rec_release(&r->run);
	step_recs_free(r->steps, r->nsteps);
	json_decref(r->metrics);
	memset(r, 0, sizeof(*r));
}

void report_print_summary(const struct report *r, FILE *out)
{
	static const char rule[] = "============================================================";
	char rows[32];

	str_thousands(rows, sizeof(rows), r->total_rows);
	fprintf(out, "%s\nExecution Summary\n%s\n", rule, rule);
	fprintf(out, "Total Steps:        %zu\n", r->nsteps);
	fprintf(out, "Completed:          %zu", r->completed);
	if (r->reused)
		fprintf(out, " (%zu reused)", r->reused);
	fprintf(out, "\nFailed:             %zu\n", r->failed);
	fprintf(out, "Skipped:            %zu\n", r->skipped);
	if (r->cancelled)
		fprintf(out, "Cancelled:          %zu\n", r->cancelled);
	fprintf(out, "Success Rate:       %.1f%%\n", r->success_rate);
	fprintf(out, "Total Rows:         %s\n", rows);
	fprintf(out, "Total Duration:     %.2fs\n%s\n", r->duration_s, rule);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jtime(int64_t ms)
{
	char buf[40];

	if (!ms)
		return json_null();
	time_format_utc(buf, sizeof(buf), ms);
	return json_string(buf);
}

static json_t *step_json(const struct step_rec *s)
{
	json_t *m = s->metrics_json ? json_loads(s->metrics_json, 0, NULL)
				    : NULL;
	json_t *rows = m ? json_object_get(m, "rows_processed") : NULL;
	double dur = s->finished_at && s->started_at && !s->reused
			     ? (double)(s->finished_at - s->started_at) / 1000.0
			     : 0;

	return json_pack("{s:s, s:s, s:f, s:I, s:i, s:i, s:o, s:o, s:b, "
			 "s:o, s:o, s:o, s:o}",
			 "name", s->name, "status", step_status_name(s->status),
			 "duration_seconds", dur, "rows_processed",
			 (json_int_t)(rows ? json_number_value(rows) : 0),
			 "retry_count", s->attempt > 1 ? s->attempt - 1 : 0,
			 "attempts", s->attempt, "exit_code",
			 s->exit_code >= 0 ? json_integer(s->exit_code)
					   : json_null(),
			 "error_message", jstr(s->error), "reused", s->reused,
			 "metrics", m ? m : json_object(), "started_at",
			 jtime(s->started_at), "finished_at",
			 jtime(s->finished_at), "log", jstr(s->log_path));
}

json_t *report_json(const struct report *r)
{
	json_t *steps = json_array();
	json_t *out = r->run.output_json
			      ? json_loads(r->run.output_json, JSON_DECODE_ANY,
					   NULL)
			      : NULL;

	for (size_t i = 0; i < r->nsteps; i++)
		json_array_append_new(steps, step_json(&r->steps[i]));
	return json_pack(
		"{s:{s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o}, "
		"s:{s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:f, s:O}, s:o, s:o}",
		"run", "id", r->run.id, "pipeline", r->run.pipeline, "status",
		run_status_name(r->run.status), "exit_code", r->run.exit_code,
		"started_at", jtime(r->run.started_at), "finished_at",
		jtime(r->run.finished_at), "error", jstr(r->run.error),
		"parent_run", jstr(r->run.parent_run), "retry_of",
		jstr(r->run.retry_of),
		"summary", "total_steps", (json_int_t)r->nsteps, "completed",
		(json_int_t)r->completed, "failed", (json_int_t)r->failed,
		"skipped", (json_int_t)r->skipped, "cancelled",
		(json_int_t)r->cancelled, "success_rate", r->success_rate,
		"total_rows_processed", (json_int_t)r->total_rows,
		"total_duration_seconds", r->duration_s, "metrics", r->metrics,
		"steps", steps, "output", out ? out : json_null());
}

void report_csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void report_write_csv(const struct report *r, FILE *out)
{
	fputs("step_name,status,duration_seconds,rows_processed,retry_count,"
	      "exit_code,error_message\n",
	      out);
	for (size_t i = 0; i < r->nsteps; i++) {
		json_t *j = step_json(&r->steps[i]);
		json_t *code = json_object_get(j, "exit_code");

		report_csv_field(out, r->steps[i].name);
		fprintf(out, ",%s,%.3f,%lld,%lld,",
			step_status_name(r->steps[i].status),
			json_real_value(json_object_get(j, "duration_seconds")),
			(long long)json_integer_value(
				json_object_get(j, "rows_processed")),
			(long long)json_integer_value(
				json_object_get(j, "retry_count")));
		if (json_is_integer(code))
			fprintf(out, "%lld", (long long)json_integer_value(code));
		fputc(',', out);
		report_csv_field(out, r->steps[i].error);
		fputc('\n', out);
		json_decref(j);
	}
}

int report_write(const struct report *r, const char *path,
		 const char *format, struct error *err)
{
	FILE *f = fopen(path, "w");
	json_t *j;
	int rc = 0;

	if (!f)
		return error_set(err, -errno, "cannot write %s: %s", path,
				 strerror(errno));
	if (!strcmp(format, "csv")) {
		report_write_csv(r, f);
	} else {
		j = report_json(r);
		json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
		fputc('\n', f);
		json_decref(j);
	}
	if (fclose(f) != 0)
		rc = error_set(err, -errno, "cannot write %s: %s", path,
			       strerror(errno));
	return rc;
}
