/* list.c - `baton list`: the project's pipelines and how each last ran. */
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
#include "util/timeutil.h"

extern const struct cmd_entry cmd_list;

/* One line of the listing: a loaded pipeline or a broken file. */
struct row {
	char *id;		/* owned */
	const char *name;	/* borrowed from the pipeline, or NULL */
	const char *file;	/* borrowed */
	size_t nsteps;
	bool invalid;
	bool has_run;
	struct run_rec last;	/* valid when has_run */
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->id,
		      ((const struct row *)b)->id);
}

/* The pipeline id of a file: its base name without .yaml / .yml.
 * Caller frees with free(). */
static char *id_of_file(const char *file)
{
	const char *base = strrchr(file, '/');
	const char *dot;

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	return xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

/* True when d holds an error about file (e.g. a reference to a missing
 * pipeline, found after the file itself loaded). */
static bool has_errors(const struct diags *d, const char *file)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].file && !strcmp(d->v[i].file, file))
			return true;
	return false;
}

/* Builds the sorted rows of project p.  Caller frees with free_rows(). */
static struct row *make_rows(const struct project *p, const struct diags *d,
			     size_t *nrows)
{
	size_t n = p->n + p->nbroken, k = 0;
	struct row *rows = xcalloc(n ? n : 1, sizeof(*rows));

	for (size_t i = 0; i < p->n; i++, k++) {
		const struct pipeline *pl = p->pipelines[i];

		rows[k].id = xstrdup(pl->id);
		rows[k].name = pl->name;
		rows[k].file = pl->file;
		rows[k].nsteps = pl->nsteps;
		rows[k].invalid = has_errors(d, pl->file);
	}
	for (size_t i = 0; i < p->nbroken; i++, k++) {
		rows[k].id = id_of_file(p->broken[i]);
		rows[k].file = p->broken[i];
		rows[k].invalid = true;
	}
	qsort(rows, n, sizeof(*rows), cmp_row);
	*nrows = n;
	return rows;
}

static void free_rows(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		if (rows[i].has_run)
			run_rec_release(&rows[i].last);
	}
	free(rows);
}

/* Fills each row's last run from the store.  Returns 0 or a negative
 * code when the store failed. */
static int load_last_runs(struct store *s, struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct run_filter f = {.pipeline = rows[i].id, .status = -1,
				       .limit = 1};
		struct run_rec *v = NULL;
		size_t nv = 0;
		int rc = store_runs_list(s, &f, &v, &nv);

		if (rc < 0)
			return rc;
		if (nv) {
			rows[i].last = v[0];
			rows[i].has_run = true;
			/* The record now belongs to the row. */
			memset(&v[0], 0, sizeof(v[0]));
		}
		run_recs_free(v, nv);
	}
	return 0;
}

/* Formats how long ago wall_ms was: "just now", "42s ago", "3m ago",
 * "5h ago", "12d ago". */
static void format_ago(char *out, size_t size, int64_t wall_ms)
{
	int64_t s = (time_wall_ms() - wall_ms) / 1000;

	if (s < 1)
		snprintf(out, size, "just now");
	else if (s < 60)
		snprintf(out, size, "%llds ago", (long long)s);
	else if (s < 3600)
		snprintf(out, size, "%lldm ago", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, size, "%lldh ago", (long long)(s / 3600));
	else
		snprintf(out, size, "%lldd ago", (long long)(s / 86400));
}

static int64_t run_time(const struct run_rec *r)
{
	return r->started_at ? r->started_at : r->created_at;
}

static void print_table(const struct row *rows, size_t n)
{
	size_t wid = 8, wname = 4;

	for (size_t i = 0; i < n; i++) {
		if (strlen(rows[i].id) > wid)
			wid = strlen(rows[i].id);
		if (rows[i].name && strlen(rows[i].name) > wname)
			wname = strlen(rows[i].name);
	}
	printf("%-*s  %-*s  %5s  %s\n", (int)wid, "PIPELINE", (int)wname,
	       "NAME", "STEPS", "LAST RUN");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char steps[24] = "-", ago[32];

		if (!r->invalid || r->name)
			snprintf(steps, sizeof(steps), "%zu", r->nsteps);
		printf("%-*s  %-*s  %5s  ", (int)wid, r->id, (int)wname,
		       r->name ? r->name : "-", steps);
		if (r->invalid) {
			printf("invalid (run baton validate)\n");
		} else if (!r->has_run) {
			printf("never run\n");
		} else {
			format_ago(ago, sizeof(ago), run_time(&r->last));
			printf("%s %s\n", run_status_name(r->last.status), ago);
		}
	}
}

static json_t *row_json(const struct row *r)
{
	json_t *o = json_object(), *last = json_null();
	char when[40];

	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "name",
			    r->name ? json_string(r->name) : json_null());
	json_object_set_new(o, "file", json_string(r->file));
	json_object_set_new(o, "valid", json_boolean(!r->invalid));
	json_object_set_new(o, "steps",
			    r->invalid && !r->name
				    ? json_null()
				    : json_integer((json_int_t)r->nsteps));
	if (r->has_run) {
		last = json_object();
		json_object_set_new(last, "id", json_string(r->last.id));
		json_object_set_new(last, "status",
				    json_string(run_status_name(
					    r->last.status)));
		time_format_utc(when, sizeof(when), run_time(&r->last));
		json_object_set_new(last, "started_at", json_string(when));
	}
	json_object_set_new(o, "last_run", last);
	return o;
}

static void print_json(const struct row *rows, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, row_json(&rows[i]));
	json_dumpf(a, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(a);
}

static int parse(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'J'},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'J')
			return -1;
		*json = true;
	}
	if (optind < argc) {
		cli_error(&cmd_list, "unexpected argument '%s' (baton list "
			  "takes no pipeline; try baton graph %s)",
			  argv[optind], argv[optind]);
		return -1;
	}
	return 0;
}

static int exec_list(struct cli *cli, int argc, char **argv)
{
	struct project *proj = NULL;
	struct store *store = NULL;
	struct row *rows = NULL;
	size_t nrows = 0;
	struct diags d;
	bool json = false;
	int code;

	if (parse(argc, argv, &json) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	rows = make_rows(proj, &d, &nrows);
	if (nrows && cli_store_exists(cli, proj)) {
		code = cli_open_store(cli, proj, &store);
		if (code)
			goto out;
		if (load_last_runs(store, rows, nrows) < 0) {
			fprintf(stderr, "baton list: cannot read run history "
					"from %s\n",
				cli_store_location(cli, proj));
			code = EXIT_INTERNAL;
			goto out;
		}
	}
	if (json)
		print_json(rows, nrows);
	else if (!nrows)
		printf("No pipelines in %s yet: add a YAML file there, or "
		       "start with 'baton init DIR'.\n", proj->pipelines_dir);
	else
		print_table(rows, nrows);
out:
	free_rows(rows, nrows);
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_list = {
	.name = "list",
	.usage = "list [--json]",
	.summary = "List the project's pipelines and how each last ran.",
	.help = "Shows every pipeline in pipelines/: its id (what 'baton run' "
		"takes), display\nname, number of steps, and the status of its "
		"latest run and when it started.\nFiles with errors are listed "
		"as invalid; 'baton validate' says what is wrong.\n\n"
		"Options:\n"
		"      --json   print a JSON array: id, name, file, valid, "
		"steps,\n"
		"               last_run {id, status, started_at} or null\n",
	.exec = exec_list,
};
