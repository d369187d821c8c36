/* schedule.c - `baton schedule list|explain`: pipeline and batch job
 * schedules and their next fire times. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cmd/job.h"
#include "config/diag.h"
#include "config/yaml.h"
#include "jobs/jobs.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "sched/sched.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

extern const struct cmd_entry cmd_schedule;

#define MAX_NEXT 1000

struct opts {
	const char *jobs;	/* --jobs FILE */
	const char *tz;		/* --tz ZONE (explain) */
	int64_t next;		/* --next N */
	int64_t from;		/* --from, epoch ms */
	bool json;
};

/* One schedule to list. */
struct row {
	const char *id;		/* borrowed */
	const char *kind;	/* "pipeline" or "job" */
	const struct schedule *s;	/* borrowed */
};

static int parse(int argc, char **argv, struct opts *o, bool explain)
{
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'J'},
		{"tz", required_argument, NULL, 'z'},
		{"next", required_argument, NULL, 'n'},
		{"from", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	int c;

	o->from = time_wall_ms();
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'J' && !explain) {
			o->jobs = optarg;
		} else if (c == 'z' && explain) {
			o->tz = optarg;
		} else if (c == 'n') {
			if (str_to_i64(optarg, &o->next) < 0 || o->next < 1 ||
			    o->next > MAX_NEXT) {
				cli_error(&cmd_schedule, "--next must be a "
					  "number from 1 to %d, not '%s'",
					  MAX_NEXT, optarg);
				return -1;
			}
		} else if (c == 'f') {
			if (sched_time_parse(optarg, &o->from) < 0) {
				cli_error(&cmd_schedule, "--from must be an "
					  "RFC 3339 time such as "
					  "2026-03-29T01:00:00Z, not '%s'",
					  optarg);
				return -1;
			}
		} else if (c == 'j') {
			o->json = true;
		} else {
			if (c != '?')
				cli_error(&cmd_schedule, "%s takes no such "
					  "option", explain ? "explain"
							    : "list");
			return -1;
		}
	}
	return optind;
}

/* Prints the next n fire times of s after from, in its zone and UTC. */
static void print_times(const struct schedule *s, int64_t from, int64_t n)
{
	char local[64], utc[64];
	int64_t t = from;

	for (int64_t i = 0; i < n; i++) {
		t = schedule_next(s, t);
		if (t == SCHEDULE_NEVER) {
			printf("  (no later fire time)\n");
			return;
		}
		schedule_format_time(s, t, local, sizeof(local));
		schedule_format_time(NULL, t, utc, sizeof(utc));
		printf("  %s %-5s  %s\n", local, schedule_abbr(s, t), utc);
	}
}

/* The next n fire times of s after from, as RFC 3339 UTC.  New ref. */
static json_t *times_json(const struct schedule *s, int64_t from, int64_t n)
{
	json_t *a = json_array();
	char utc[64];
	int64_t t = from;

	for (int64_t i = 0; i < n; i++) {
		t = schedule_next(s, t);
		if (t == SCHEDULE_NEVER)
			break;
		schedule_format_time(NULL, t, utc, sizeof(utc));
		json_array_append_new(a, json_string(utc));
	}
	return a;
}

/* The `schedule` node of job id in the jobs file tree root (seed 002's
 * batch_processing_jobs: [...] or jobs: [...]), or NULL.  Borrows. */
static const struct ynode *job_node(const struct ynode *root, const char *id)
{
	const struct ynode *list = ymap_get(root, "batch_processing_jobs");

	if (!list)
		list = ymap_get(root, "jobs");
	if (!list || list->kind != YN_SEQ)
		return NULL;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *j = list->items[i];
		const struct ynode *v = ymap_get(j, "id");

		if (j->kind == YN_MAP && v && v->kind == YN_SCALAR &&
		    !strcmp(v->str, id))
			return ymap_get(j, "schedule");
	}
	return NULL;
}

/* Parses the schedule of every job of e that has one, with positions
 * from the file (jobs.h keeps schedules as JSON).  Fills v[] (caller
 * frees each with schedule_free()) and returns how many; errors go to
 * d. */
static size_t job_schedules(const struct job_env *e, struct row *rows,
			    struct schedule **v, struct diags *d)
{
	struct ynode *root;
	size_t n = 0;

	if (!e->js)
		return 0;
	root = yaml_load(e->file, d);
	for (size_t i = 0; root && i < e->js->n; i++) {
		const struct job *j = &e->js->v[i];
		const struct ynode *node;

		if (!j->schedule || !(node = job_node(root, j->id)) ||
		    ynode_is_null(node))
			continue;
		if (schedule_parse_node(node, e->file, d, &v[n]) < 0)
			continue;
		rows[n].id = j->id;
		rows[n].kind = "job";
		rows[n].s = v[n];
		n++;
	}
	ynode_free(root);
	return n;
}

static void print_rows(const struct row *rows, size_t n,
		       const struct opts *o)
{
	json_t *a = o->json ? json_array() : NULL;

	for (size_t i = 0; i < n; i++) {
		char *words;

		if (a) {
			json_array_append_new(
				a, json_pack("{s:s, s:o}", "id", rows[i].id,
					     "next", times_json(rows[i].s,
								o->from,
								o->next)));
			continue;
		}
		words = schedule_describe(rows[i].s);
		printf("%s%s (%s): %s\n", i ? "\n" : "", rows[i].id,
		       rows[i].kind, words);
		free(words);
		print_times(rows[i].s, o->from, o->next);
	}
	if (a) {
		char *text = json_dumps(a, JSON_INDENT(2));

		printf("%s\n", text);
		free(text);
		json_decref(a);
	} else if (!n) {
		printf("No schedules.  Add 'schedule:' to a pipeline or a "
		       "batch job (see docs/schedules.md).\n");
	}
}

static int schedule_list(struct cli *cli, int argc, char **argv)
{
	struct opts o = {.next = 3};
	struct job_env e;
	struct row *rows = NULL;
	struct schedule **jobs = NULL;
	struct diags d;
	size_t n = 0, njobs = 0, cap;
	int code, at = parse(argc, argv, &o, false);

	if (at < 0)
		return EXIT_CONFIG;
	if (at < argc) {
		cli_error(&cmd_schedule, "unexpected argument '%s'", argv[at]);
		return EXIT_CONFIG;
	}
	diags_init(&d);
	code = job_env_open(cli, o.jobs, false, true, &e);
	if (code)
		goto out;
	cap = e.proj->n + (e.js ? e.js->n : 0) + 1;
	rows = xcalloc(cap, sizeof(*rows));
	jobs = xcalloc(cap, sizeof(*jobs));
	for (size_t i = 0; i < e.proj->n; i++) {
		const struct pipeline *p = e.proj->pipelines[i];

		if (!p->schedule)
			continue;
		rows[n].id = p->id;
		rows[n].kind = "pipeline";
		rows[n++].s = p->schedule;
	}
	njobs = job_schedules(&e, rows + n, jobs, &d);
	n += njobs;
	print_rows(rows, n, &o);
	/* Broken pipeline files (an invalid schedule among them) and job
	 * schedules: listed after what is valid, and exit 1. */
	for (size_t i = 0; i < e.d.n; i++)
		diags_add(&d, e.d.v[i].file, e.d.v[i].line, e.d.v[i].col, "%s",
			  e.d.v[i].msg);
	if (d.n) {
		fflush(stdout);
		diags_print(&d, stderr, cli->color);
		code = EXIT_CONFIG;
	}
out:
	for (size_t i = 0; i < njobs; i++)
		schedule_free(jobs[i]);
	free(jobs);
	free(rows);
	diags_release(&d);
	job_env_release(&e);
	return code;
}

/* Prints err about expression expr, with a caret under its column. */
static void print_expr_error(struct cli *cli, const char *expr,
			     const struct error *err)
{
	cli_error(&cmd_schedule, "%serror:%s %s", cli->color ? "\033[1;31m"
			: "", cli->color ? "\033[0m" : "", err->msg);
	if (err->col <= 0 || err->line > 1 || strchr(expr, '\n'))
		return;
	fprintf(stderr, "    %s\n    %*s^\n", expr, err->col - 1, "");
}

static int schedule_explain(struct cli *cli, int argc, char **argv)
{
	struct opts o = {.next = 5};
	struct schedule *s = NULL;
	struct error err;
	struct buf expr;
	char *words;
	int at = parse(argc, argv, &o, true);

	if (at < 0)
		return EXIT_CONFIG;
	if (at >= argc) {
		cli_error(&cmd_schedule, "explain what? e.g. baton schedule "
			  "explain '30 9 * * MON-FRI'");
		return EXIT_CONFIG;
	}
	/* The expression unquoted is several words: join them. */
	buf_init(&expr, 0);
	for (int i = at; i < argc; i++)
		buf_addf(&expr, "%s%s", i > at ? " " : "", argv[i]);
	if (schedule_parse_string(expr.data, o.tz, &s, &err) < 0) {
		print_expr_error(cli, expr.data, &err);
		buf_release(&expr);
		return EXIT_CONFIG;
	}
	words = schedule_describe(s);
	if (o.json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:o}", "expression",
				      expr.data, "description", words,
				      "timezone", schedule_zone(s), "next",
				      times_json(s, o.from, o.next));
		char *text = json_dumps(j, JSON_INDENT(2));

		printf("%s\n", text);
		free(text);
		json_decref(j);
	} else {
		printf("%s\n", words);
		print_times(s, o.from, o.next);
	}
	free(words);
	schedule_free(s);
	buf_release(&expr);
	return EXIT_OK;
}

static int exec_schedule(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = {"list", "explain"};
	const char *hint;

	if (argc < 2) {
		cli_usage(&cmd_schedule, stderr);
		return EXIT_CONFIG;
	}
	if (!strcmp(argv[1], "list"))
		return schedule_list(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "explain"))
		return schedule_explain(cli, argc - 1, argv + 1);
	hint = str_suggest(argv[1], subs, 2);
	cli_error(&cmd_schedule, "unknown subcommand '%s'%s%s%s (list or "
		  "explain)", argv[1], hint ? " (did you mean '" : "",
		  hint ? hint : "", hint ? "'?)" : "");
	return EXIT_CONFIG;
}

const struct cmd_entry cmd_schedule = {
	.name = "schedule",
	.usage = "schedule list [options] | explain EXPR [options]",
	.summary = "Pipeline and batch job schedules and their next fire "
		   "times.",
	.help = "  schedule list          every pipeline's `schedule:` and "
		"every batch job's\n"
		"                         schedule, with the next fire times "
		"in the schedule's\n"
		"                         zone and in UTC\n"
		"      --jobs FILE        the jobs file (default: BATON_JOBS, "
		"else the project's\n"
		"                         batch_config.json, else jobs.yaml, "
		"if there is one)\n"
		"      --next N           fire times per schedule (default 3)\n"
		"      --from TIME        count from this RFC 3339 time "
		"(default: now)\n"
		"      --json             [{\"id\": ..., \"next\": [RFC 3339 "
		"UTC times]}]\n"
		"\n"
		"  schedule explain EXPR  says a cron string (\"30 9 * * "
		"MON-FRI\", \"@daily\") or a\n"
		"                         schedule object (\"{frequency: "
		"weekly, days: [Monday],\n"
		"                         at: '09:00'}\") in words, with its "
		"next fire times\n"
		"      --tz ZONE          an IANA zone (default: the "
		"expression's, else the\n"
		"                         server's: TZ, else /etc/localtime)\n"
		"      --next N           how many fire times (default 5)\n"
		"      --from TIME        count from this RFC 3339 time "
		"(default: now)\n"
		"      --json             {expression, description, timezone, "
		"next}\n"
		"\nSee docs/schedules.md.  Exit code 1 for an invalid "
		"schedule.\n",
	.exec = exec_schedule,
};
