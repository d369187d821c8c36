/* history.c - `baton history`: past runs, newest first. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/timeutil.h"

extern const struct cmd_entry cmd_history;

#define DEFAULT_LIMIT 20

struct history_args {
	const char *pipeline;
	int limit;
	bool json;
};

/* A run with the counts the table shows. */
struct entry {
	struct run_rec *run;	/* borrowed */
	size_t ok;		/* steps that succeeded (reused ones too) */
	size_t total;
	int64_t duration_ms;	/* -1 when the run never started */
};

static int parse(struct history_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'J'},
		{0},
	};
	int64_t n;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == 'J') {
			a->json = true;
		} else if (c == 'n') {
			if (str_to_i64(optarg, &n) < 0 || n < 0 ||
			    n > 1000000000) {
				cli_error(&cmd_history, "--limit needs a "
					  "number (0 for all), not '%s'",
					  optarg);
				return -1;
			}
			a->limit = (int)n;
		} else {
			return -1;
		}
	}
	if (optind + 1 < argc) {
		cli_error(&cmd_history, "one pipeline at a time");
		return -1;
	}
	a->pipeline = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* Maps a pipeline argument to the id runs are stored under: a display
 * name becomes its id; anything else (perhaps a pipeline since deleted)
 * is kept as given.  Borrows. */
static const char *pipeline_id(const struct project *p, const char *name)
{
	const struct pipeline *pl = project_find(p, name);

	return pl ? pl->id : name;
}

static void unknown_pipeline(const struct project *p, const char *name)
{
	const char *hint = project_suggest(p, name);

	cli_error(&cmd_history, "no runs of '%s', and no such pipeline in "
		  "%s%s%s%s", name, p->pipelines_dir,
		  hint ? " (did you mean '" : "", hint ? hint : "",
		  hint ? "'?)" : "");
}

/* Fills e from run r and its steps.  Returns 0 or a negative code. */
static int fill_entry(struct store *s, struct run_rec *r, struct entry *e)
{
	struct step_rec *steps = NULL;
	size_t n = 0;
	int rc = store_steps_list(s, r->id, &steps, &n);

	if (rc < 0)
		return rc;
	e->run = r;
	e->total = r->nsteps > 0 ? (size_t)r->nsteps : n;
	e->ok = 0;
	for (size_t i = 0; i < n; i++)
		if (steps[i].status == STEP_SUCCEEDED)
			e->ok++;
	e->duration_ms = -1;
	if (r->started_at)
		e->duration_ms = (r->finished_at ? r->finished_at
						 : time_wall_ms()) -
				 r->started_at;
	step_recs_free(steps, n);
	return 0;
}

static void print_table(const struct entry *v, size_t n)
{
	size_t wid = 2, wpl = 8;

	for (size_t i = 0; i < n; i++) {
		if (strlen(v[i].run->id) > wid)
			wid = strlen(v[i].run->id);
		if (strlen(v[i].run->pipeline) > wpl)
			wpl = strlen(v[i].run->pipeline);
	}
	printf("%-*s  %-*s  %-11s  %-19s  %9s  %s\n", (int)wid, "ID", (int)wpl,
	       "PIPELINE", "STATUS", "STARTED", "DURATION", "STEPS");
	for (size_t i = 0; i < n; i++) {
		const struct run_rec *r = v[i].run;
		char started[32] = "-", dur[32] = "-";

		if (r->started_at)
			time_format_local(started, sizeof(started),
					  r->started_at);
		if (v[i].duration_ms >= 0)
			duration_format(dur, sizeof(dur), v[i].duration_ms);
		printf("%-*s  %-*s  %-11s  %-19s  %9s  %zu/%zu\n", (int)wid,
		       r->id, (int)wpl, r->pipeline, run_status_name(r->status),
		       started, dur, v[i].ok, v[i].total);
	}
}

static json_t *time_json(int64_t ms)
{
	char buf[40];

	if (!ms)
		return json_null();
	time_format_utc(buf, sizeof(buf), ms);
	return json_string(buf);
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *entry_json(const struct entry *e)
{
	const struct run_rec *r = e->run;
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "pipeline", json_string(r->pipeline));
	json_object_set_new(o, "tenant", opt_string(r->tenant));
	json_object_set_new(o, "status",
			    json_string(run_status_name(r->status)));
	json_object_set_new(o, "started_at", time_json(r->started_at));
	json_object_set_new(o, "finished_at", time_json(r->finished_at));
	json_object_set_new(o, "duration_ms",
			    e->duration_ms >= 0
				    ? json_integer(e->duration_ms)
				    : json_null());
	json_object_set_new(o, "steps_ok", json_integer((json_int_t)e->ok));
	json_object_set_new(o, "steps_total",
			    json_integer((json_int_t)e->total));
	json_object_set_new(o, "parent_run", opt_string(r->parent_run));
	json_object_set_new(o, "retry_of", opt_string(r->retry_of));
	return o;
}

static void print_json(const struct entry *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, entry_json(&v[i]));
	json_dumpf(a, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(a);
}

/* Lists the runs and prints them.  Returns the exit code. */
static int show(struct store *s, const struct project *p,
		const struct history_args *a)
{
	struct run_filter f = {.status = -1, .limit = a->limit};
	struct run_rec *runs = NULL;
	struct entry *v = NULL;
	size_t n = 0;
	int code = EXIT_OK;

	if (a->pipeline)
		f.pipeline = pipeline_id(p, a->pipeline);
	if (s && store_runs_list(s, &f, &runs, &n) < 0) {
		cli_error(&cmd_history, "cannot read the run history");
		return EXIT_INTERNAL;
	}
	if (!n && a->pipeline && !project_find(p, a->pipeline) &&
	    !project_is_broken(p, a->pipeline)) {
		unknown_pipeline(p, a->pipeline);
		code = EXIT_CONFIG;
		goto out;
	}
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (fill_entry(s, &runs[i], &v[i]) < 0) {
			cli_error(&cmd_history, "cannot read the steps of run "
				  "%s", runs[i].id);
			code = EXIT_INTERNAL;
			goto out;
		}
	if (a->json)
		print_json(v, n);
	else if (!n)
		printf("No runs yet.  Start one with 'baton run %s'.\n",
		       a->pipeline ? a->pipeline : "PIPELINE");
	else
		print_table(v, n);
out:
	free(v);
	run_recs_free(runs, n);
	return code;
}

static int exec_history(struct cli *cli, int argc, char **argv)
{
	struct history_args a = {.limit = DEFAULT_LIMIT};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct diags d;
	int code;

	if (parse(&a, argc, argv) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	/* No database yet means no runs: do not create one to say so. */
	if (cli_store_exists(cli, proj)) {
		code = cli_open_store(cli, proj, &store);
		if (code)
			goto out;
	}
	code = show(store, proj, &a);
out:
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_history = {
	.name = "history",
	.usage = "history [PIPELINE] [--limit N] [--json]",
	.summary = "List past runs, newest first.",
	.help = "Shows each run's id, pipeline, status, start (local time), "
		"duration and how\nmany steps succeeded.  With PIPELINE, only "
		"that pipeline's runs.\n\n"
		"Options:\n"
		"  -n, --limit N   at most N runs (default 20; 0 for all)\n"
		"      --json      a JSON array: id, pipeline, tenant, status, "
		"started_at,\n"
		"                  finished_at (RFC 3339 UTC), duration_ms, "
		"steps_ok,\n"
		"                  steps_total, parent_run, retry_of\n",
	.exec = exec_history,
};
