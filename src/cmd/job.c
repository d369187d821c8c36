/* job.c - `baton job list|show|validate|run`: seed 002's batch jobs. */
#include "job.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "jobs/jobs.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

struct opts {
	const char *jobs;	/* --jobs FILE */
	bool json;
};

/* The jobs file: --jobs, BATON_JOBS, else the project's
 * batch_config.json when it exists, else its jobs.yaml.  Shown as the
 * user wrote --project.  *from names where it came from (NULL for the
 * default).  Caller frees. */
static char *jobs_path(const struct cli *cli, const char *opt,
		       const char **from)
{
	const char *env = getenv("BATON_JOBS"), *dir = cli->project_dir;
	size_t len = strlen(dir);
	char *json;

	*from = opt ? "--jobs" : env && *env ? "BATON_JOBS" : NULL;
	if (*from)
		return xstrdup(opt ? opt : env);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	json = !strcmp(dir, ".") ? xstrdup("batch_config.json")
				 : xasprintf("%.*s/batch_config.json",
					     (int)len, dir);
	if (access(json, F_OK) == 0)
		return json;
	free(json);
	return !strcmp(dir, ".") ? xstrdup("jobs.yaml")
				 : xasprintf("%.*s/jobs.yaml", (int)len, dir);
}

static int open_jobs(struct cli *cli, const char *opt, bool need,
		     struct job_env *e)
{
	const char *from;
	struct diags d;
	int code = 0;

	e->file = jobs_path(cli, opt, &from);
	if (access(e->file, F_OK) < 0) {
		if (from)
			fprintf(stderr, "baton job: cannot read the jobs file "
				"%s (named by %s)\n", e->file, from);
		else if (need)
			fprintf(stderr, "baton job: no jobs file: neither "
				"batch_config.json nor jobs.yaml is in the "
				"project (create one, or name it with --jobs "
				"FILE or BATON_JOBS; see docs/jobs.md)\n");
		return from || need ? EXIT_CONFIG : 0;
	}
	diags_init(&d);
	if (jobs_load(e->file, &e->js, &d) < 0) {
		diags_print(&d, stderr, cli->color);
		fprintf(stderr, "baton job: %zu error%s in %s\n", d.n,
			d.n == 1 ? "" : "s", e->file);
		code = EXIT_CONFIG;
	}
	diags_release(&d);
	return code;
}

int job_env_open(struct cli *cli, const char *jobs_opt, bool need_jobs,
		 bool tolerant, struct job_env *e)
{
	int code;

	memset(e, 0, sizeof(*e));
	diags_init(&e->d);
	code = cli_open_project(cli, &e->proj, &e->d);
	if (code)
		return code;
	code = cli_open_tenants(cli, e->proj, false, &e->t);
	if (code && tolerant) {
		e->tenants_broken = true;
		code = 0;
	}
	if (code)
		return code;
	return open_jobs(cli, jobs_opt, need_jobs, e);
}

void job_env_release(struct job_env *e)
{
	jobs_free(e->js);
	tenants_free(e->t);
	project_free(e->proj);
	diags_release(&e->d);
	free(e->file);
	memset(e, 0, sizeof(*e));
}

const struct job *job_env_find(const struct job_env *e, const char *id)
{
	const struct job *j = jobs_find(e->js, id);
	const char **ids;
	const char *hint;

	if (j)
		return j;
	ids = xcalloc(e->js->n + 1, sizeof(*ids));
	for (size_t i = 0; i < e->js->n; i++)
		ids[i] = e->js->v[i].id;
	hint = str_suggest(id, ids, e->js->n);
	fprintf(stderr, "baton job: no job '%s' in %s%s%s%s ('baton job "
		"list' shows them)\n", id, e->file,
		hint ? " (did you mean '" : "", hint ? hint : "",
		hint ? "'?)" : "");
	free(ids);
	return NULL;
}

size_t job_env_check(const struct job_env *e, const struct job *j,
		     struct diags *d)
{
	size_t before = d->n;

	job_check(j, e->file, e->proj, e->t, d);
	if (project_is_broken(e->proj, j->template_id))
		diags_add(d, e->file, j->template_line, j->template_col,
			  "job '%s': template '%s' has errors of its own "
			  "(run 'baton validate')", j->id, j->template_id);
	return d->n - before;
}

static int parse(int argc, char **argv, struct opts *o, int min, int max)
{
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'J'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'J')
			o->jobs = optarg;
		else if (c == 'j')
			o->json = true;
		else
			return -1;
	}
	if (argc - optind < min || argc - optind > max) {
		cli_error(&cmd_job, argc - optind < min
					    ? "which job? ('baton job list' "
					      "shows them)"
					    : "unexpected argument '%s'",
			  argv[argc - 1]);
		return -1;
	}
	return optind;
}

/* The problems of j as "file:line:col: message" strings.  New ref. */
static json_t *problems_json(const struct diags *d)
{
	json_t *a = json_array();

	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(a, json_sprintf("%s:%d:%d: %s",
						      d->v[i].file,
						      d->v[i].line,
						      d->v[i].col,
						      d->v[i].msg));
	return a;
}

static json_t *list_entry(const struct job_env *e, const struct job *j)
{
	json_t *o = json_object(), *full = job_json(j);
	char *sched = job_schedule_summary(j);
	struct diags d;

	diags_init(&d);
	job_env_check(e, j, &d);
	json_object_set(o, "id", json_object_get(full, "id"));
	json_object_set(o, "name", json_object_get(full, "name"));
	json_object_set(o, "type", json_object_get(full, "type"));
	json_object_set(o, "priority", json_object_get(full, "priority"));
	json_object_set(o, "categories", json_object_get(full, "categories"));
	json_object_set(o, "template_id",
			json_object_get(full, "template_id"));
	json_object_set(o, "schedule", json_object_get(full, "schedule"));
	json_object_set_new(o, "schedule_summary", json_string(sched));
	json_object_set_new(o, "valid", json_boolean(d.n == 0));
	json_object_set_new(o, "problems", problems_json(&d));
	json_decref(full);
	free(sched);
	diags_release(&d);
	return o;
}

static int width(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

static void print_table(json_t *rows)
{
	static const char *const keys[] = {"id", "name", "type", "priority",
					   "template_id", "schedule_summary"};
	static const char *const heads[] = {"ID", "NAME", "TYPE", "PRIORITY",
					    "TEMPLATE", "SCHEDULE"};
	int w[6];
	size_t i;
	json_t *r;

	for (size_t k = 0; k < 6; k++)
		w[k] = (int)strlen(heads[k]);
	json_array_foreach(rows, i, r)
		for (size_t k = 0; k < 6; k++)
			w[k] = width(w[k], json_string_value(
						   json_object_get(r, keys[k])));
	for (size_t k = 0; k < 6; k++)
		printf("%-*s  ", w[k], heads[k]);
	printf("VALID\n");
	json_array_foreach(rows, i, r) {
		for (size_t k = 0; k < 6; k++)
			printf("%-*s  ", w[k], json_string_value(
					 json_object_get(r, keys[k])));
		printf("%s\n", json_is_true(json_object_get(r, "valid"))
				       ? "yes" : "no");
	}
}

static int job_list(struct cli *cli, int argc, char **argv)
{
	struct opts o = {0};
	struct job_env e;
	json_t *rows = json_array();
	size_t bad = 0;
	int code;

	if (parse(argc, argv, &o, 0, 0) < 0) {
		json_decref(rows);
		return EXIT_CONFIG;
	}
	code = job_env_open(cli, o.jobs, false, true, &e);
	for (size_t i = 0; !code && e.js && i < e.js->n; i++) {
		json_t *r = list_entry(&e, &e.js->v[i]);

		bad += !json_is_true(json_object_get(r, "valid"));
		json_array_append_new(rows, r);
	}
	if (code) {
		/* printed */
	} else if (o.json) {
		json_dumpf(rows, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (!e.js || !e.js->n) {
		printf("No jobs%s%s. Create batch_config.json or jobs.yaml "
		       "(see docs/jobs.md),\nor name a file with --jobs FILE "
		       "or BATON_JOBS.\n", e.js ? " in " : "",
		       e.js ? e.file : "");
	} else {
		print_table(rows);
		printf("\n%zu job%s in %s", e.js->n, e.js->n == 1 ? "" : "s",
		       e.file);
		if (bad)
			printf("; %zu with problems ('baton job validate' "
			       "says which)", bad);
		printf("\n");
	}
	json_decref(rows);
	job_env_release(&e);
	return code;
}

static void print_field(const char *k, const char *v)
{
	printf("  %-21s %s\n", k, v && *v ? v : "-");
}

static void print_json_field(const char *k, const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
					    JSON_REAL_PRECISION(12))
		    : NULL;

	print_field(k, s && strcmp(s, "null") ? s : NULL);
	free(s);
}

static void print_job(const struct job_env *e, const struct job *j,
		      json_t *full)
{
	char *sched = job_schedule_summary(j);
	char num[32];

	printf("Job %s (%s:%d:%d)\n", j->id, e->file, j->line, j->col);
	print_field("name:", j->name);
	print_field("description:", j->description);
	print_field("type:", j->type_name);
	print_field("priority:", job_priority_name(j->priority));
	print_json_field("categories:", json_object_get(full, "categories"));
	print_field("template_id:", j->template_id);
	print_field("schedule:", sched);
	if (j->schedule && !json_is_string(j->schedule))
		print_json_field("", j->schedule);
	print_json_field("filters:", j->filters);
	snprintf(num, sizeof(num), "%lld", (long long)j->limit);
	print_field("limit:", num);
	snprintf(num, sizeof(num), "%lld", (long long)j->retry_limit);
	print_field("retry_limit:", num);
	print_field("distribute_results:",
		    j->distribute_results ? "true"
		    : j->nusers || j->webhook ? "false (distribution unused)"
					      : "false");
	print_json_field("distribution:",
			 json_object_get(full, "distribution"));
	print_field("purpose_id:", j->purpose_id);
	print_field("preference_based:", j->preference_based ? "true"
							     : "false");
	print_field("feature_type:", j->feature_type);
	print_json_field("default_preferences:", j->default_preferences);
	free(sched);
}

static void print_selection(const struct job *j, const json_t *stats,
			    size_t nruns)
{
	json_t *refs = json_object_get(stats, "unknown_user_refs");
	char *ids = json_dumps(refs, JSON_COMPACT);

	printf("Items now: %lld selected of %lld (valid %lld, dropped %lld "
	       "for unknown users %s, filtered out %lld, over the limit "
	       "%lld)\n",
	       (long long)json_integer_value(json_object_get(stats,
							     "selected")),
	       (long long)json_integer_value(json_object_get(stats,
							     "total_items")),
	       (long long)json_integer_value(json_object_get(stats,
							     "valid_items")),
	       (long long)json_integer_value(json_object_get(stats,
							     "dropped_items")),
	       ids,
	       (long long)json_integer_value(json_object_get(stats,
							     "filtered_out")),
	       (long long)json_integer_value(json_object_get(stats,
							     "limited")));
	printf("Runs: %zu (%s)\n", nruns,
	       j->type == JOB_INDIVIDUAL ? "one per item"
	       : j->type == JOB_OBJECT	 ? "one over the category"
					 : "one over all its categories");
	free(ids);
}

/* Adds what j would select now to o ("selection", "runs"), or the
 * reason it cannot ("selection_error"). */
static void add_selection(const struct job_env *e, const struct job *j,
			  json_t *o)
{
	struct job_selection sel;
	struct job_run *runs = NULL;
	struct error err = {0};
	size_t n = 0;

	if (job_select(j, e->proj, e->t, &sel, &err) < 0) {
		json_object_set_new(o, "selection", json_null());
		json_object_set_new(o, "selection_error", json_string(err.msg));
		return;
	}
	job_plan(j, &sel, &runs, &n);
	json_object_set_new(o, "selection", job_stats_json(&sel.stats));
	json_object_set_new(o, "runs", json_integer((json_int_t)n));
	job_runs_free(runs, n);
	job_selection_release(&sel);
}

static int job_show(struct cli *cli, int argc, char **argv)
{
	struct opts o = {0};
	const struct job *j;
	struct job_env e;
	struct diags d;
	json_t *full = NULL;
	int code, at = parse(argc, argv, &o, 1, 1);

	if (at < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = job_env_open(cli, o.jobs, true, false, &e);
	j = code ? NULL : job_env_find(&e, argv[at]);
	if (!j) {
		code = EXIT_CONFIG;
		goto out;
	}
	full = job_json(j);
	job_env_check(&e, j, &d);
	json_object_set_new(full, "valid", json_boolean(d.n == 0));
	json_object_set_new(full, "problems", problems_json(&d));
	if (!d.n)
		add_selection(&e, j, full);
	if (o.json) {
		json_dumpf(full, stdout, JSON_INDENT(2));
		printf("\n");
		goto out;
	}
	print_job(&e, j, full);
	if (d.n) {
		fflush(stdout);
		diags_print(&d, stderr, cli->color);
		printf("Items now: - (fix the problems above first)\n");
	} else if (json_object_get(full, "selection_error")) {
		printf("Items now: cannot be selected: %s\n",
		       json_string_value(json_object_get(full,
							 "selection_error")));
	} else {
		print_selection(j, json_object_get(full, "selection"),
				(size_t)json_integer_value(
					json_object_get(full, "runs")));
	}
out:
	json_decref(full);
	diags_release(&d);
	job_env_release(&e);
	return code;
}

static int job_validate(struct cli *cli, int argc, char **argv)
{
	struct opts o = {0};
	const struct job *one = NULL;
	struct job_env e;
	struct diags d;
	size_t bad = 0, n = 0;
	int code, at = parse(argc, argv, &o, 0, 1);

	if (at < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = job_env_open(cli, o.jobs, true, false, &e);
	if (!code && at < argc && !(one = job_env_find(&e, argv[at])))
		code = EXIT_CONFIG;
	for (size_t i = 0; !code && i < e.js->n; i++) {
		if (one && one != &e.js->v[i])
			continue;
		n++;
		bad += job_env_check(&e, &e.js->v[i], &d) > 0;
	}
	if (!code && d.n) {
		diags_print(&d, stderr, cli->color);
		fprintf(stderr, "baton job: %zu error%s in %zu of %zu job%s\n",
			d.n, d.n == 1 ? "" : "s", bad, n, n == 1 ? "" : "s");
		code = EXIT_CONFIG;
	} else if (!code) {
		printf("%s: %zu job%s OK\n", e.file, n, n == 1 ? "" : "s");
	}
	diags_release(&d);
	job_env_release(&e);
	return code;
}

static int exec_job(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = {"list", "show", "validate", "run"};
	const char *hint;

	if (argc < 2) {
		cli_usage(&cmd_job, stderr);
		return EXIT_CONFIG;
	}
	if (!strcmp(argv[1], "list"))
		return job_list(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return job_show(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "validate"))
		return job_validate(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return job_cmd_run(cli, argc - 1, argv + 1);
	hint = str_suggest(argv[1], subs, 4);
	cli_error(&cmd_job, "unknown subcommand '%s'%s%s%s (list, show, "
		  "validate or run)", argv[1], hint ? " (did you mean '" : "",
		  hint ? hint : "", hint ? "'?)" : "");
	return EXIT_CONFIG;
}

const struct cmd_entry cmd_job = {
	.name = "job",
	.usage = "job list|show ID|validate [ID]|run ID [options]",
	.summary = "Batch jobs (seed 002): list, show, validate and run them.",
	.help = "Reads the jobs file: --jobs FILE, else BATON_JOBS, else "
		"batch_config.json in\nthe project, else jobs.yaml.  Seed "
		"002's batch_config.json loads as it is.\nSee docs/jobs.md.\n"
		"\n"
		"  job list [--json]       every job: type, priority, template, "
		"schedule, valid\n"
		"  job show ID [--json]    all of a job's fields, and the items "
		"it would select\n"
		"  job validate [ID]       check the jobs against the project "
		"(exit 1 on errors)\n"
		"  job run ID [options]    run the job as a recorded batch\n"
		"\nOptions of job run:\n"
		"      --dry-run          show the items and runs, run nothing\n"
		"  -p, --param KEY=VALUE  set a pipeline param (repeatable)\n"
		"      --parallel N       runs at once (default 1)\n"
		"      --delay DURATION   gap between run starts (e.g. 4s)\n"
		"      --fail-fast        stop at the first failure (no "
		"retries)\n"
		"      --tenant-timeout D bound on each run\n"
		"  -q, --quiet            print nothing but errors\n"
		"\nAll subcommands take --jobs FILE.\n"
		"\nExit codes of job run: 0 all succeeded (after retries), 1 "
		"configuration\nerror, 2 some failed, 3 all failed, 130 "
		"interrupted.\n",
	.exec = exec_job,
};
