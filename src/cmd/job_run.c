/* job_run.c - `baton job run ID`: a batch job as recorded batches.
 *
 * The job's runs go through batch_run() as one batch (source "job").
 * Runs that fail are run again, up to the job's retry_limit, each round
 * a follow-up batch of its own whose extra facts name the first batch
 * ("retry": {"of": ID, "round": N}); the exit code is that of the final
 * outcome of each run.  With distribute_results, every listed user
 * receives every batch of the job's run in their inbox, and the webhook
 * gets one notification at the end.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fanout.h"
#include "job.h"
#include "jobs/jobs.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timeutil.h"

#define WEBHOOK_TIMEOUT_MS 5000

struct run_args {
	struct fanout fo;
	const char *jobs;	/* --jobs */
	bool dry_run;
	struct kv *params;
	size_t nparams;
	const char *id;
};

/* What the rounds of a job's run came to. */
struct outcome {
	int *status;		/* per run: its final enum run_status */
	char **batches;		/* the batches run, first one first */
	size_t nbatches;
	int code;		/* an exit code that ends it all, or 0 */
};

static int parse(struct run_args *a, int argc, char **argv)
{
	enum { O_JOBS = 256, O_DRY };
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, O_JOBS},
		{"dry-run", no_argument, NULL, O_DRY},
		{"param", required_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"parallel", required_argument, NULL, FO_PARALLEL},
		{"delay", required_argument, NULL, FO_DELAY},
		{"fail-fast", no_argument, NULL, FO_FAIL_FAST},
		{"tenant-timeout", required_argument, NULL, FO_TENANT_TIMEOUT},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:q", opts, NULL)) != -1) {
		if (c == O_JOBS)
			a->jobs = optarg;
		else if (c == O_DRY)
			a->dry_run = true;
		else if (c == 'q')
			a->fo.exec.quiet = true;
		else if (c == 'p' ? cli_add_param(&cmd_job, &a->params, &a->nparams, optarg) < 0
				  : cli_fanout_opt(&a->fo, &cmd_job, c,
						   optarg) != 1)
			return -1;
	}
	if (optind != argc - 1) {
		cli_error(&cmd_job, optind >= argc ? "which job? ('baton job "
						     "list' shows them)"
						   : "one job at a time");
		return -1;
	}
	a->id = argv[optind];
	return 0;
}

static long long stat_of(const json_t *stats, const char *key)
{
	return (long long)json_integer_value(json_object_get(stats, key));
}

static void print_header(const struct job *j, const json_t *stats,
			 size_t nruns)
{
	char *refs = json_dumps(json_object_get(stats, "unknown_user_refs"),
				JSON_COMPACT);

	printf("Job %s (%s, priority %s): %zu run%s of %s\n", j->id,
	       j->type_name, job_priority_name(j->priority), nruns,
	       nruns == 1 ? "" : "s", j->template_id);
	printf("Items: %lld loaded, %lld valid, %lld dropped (unknown "
	       "users: %s), %lld filtered out, %lld over the limit, %lld "
	       "selected\n", stat_of(stats, "total_items"),
	       stat_of(stats, "valid_items"), stat_of(stats, "dropped_items"),
	       refs, stat_of(stats, "filtered_out"), stat_of(stats, "limited"),
	       stat_of(stats, "selected"));
	if (stat_of(stats, "pruned_refs"))
		printf("Unknown user references taken out of kept items: "
		       "%lld\n", stat_of(stats, "pruned_refs"));
	fflush(stdout);
	free(refs);
}

static void print_plan(const struct job_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *in = json_dumps(runs[i].input, JSON_COMPACT |
						     JSON_REAL_PRECISION(12));
		size_t len = strlen(in);

		printf("  run %zu: %s\n         input: %.*s%s\n", i + 1,
		       runs[i].label, (int)(len > 160 ? 160 : len), in,
		       len > 160 ? "..." : "");
		free(in);
	}
	printf("Dry run: nothing was run.\n");
}

/* The facts kept with each batch: the job, the selection statistics,
 * and for a retry round the batch it retries.  New reference. */
static json_t *batch_extra(const struct job *j, const json_t *stats,
			   int round, const char *first)
{
	json_t *o = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:O}", "job",
			      "id", j->id, "name", j->name, "type",
			      j->type_name, "priority",
			      job_priority_name(j->priority), "template_id",
			      j->template_id, "validation", stats);

	if (round > 0)
		json_object_set_new(o, "retry",
				    json_pack("{s:s, s:i}", "of", first,
					      "round", round));
	return o;
}

/* Runs the round's runs (indices todo) as one batch; fills in their
 * statuses.  Returns the fan-out's exit code. */
static int run_round(struct cli *cli, struct job_env *e, struct store *st,
		     const struct job *j, const struct pipeline *pl,
		     const struct job_run *runs, const size_t *todo,
		     size_t ntodo, const json_t *stats, int round,
		     struct run_args *a, struct outcome *oc)
{
	struct batch_item *items = xcalloc(ntodo + 1, sizeof(*items));
	int *statuses = xcalloc(ntodo + 1, sizeof(*statuses));
	char id[64];
	json_t *extra;
	int code;

	for (size_t k = 0; k < ntodo; k++) {
		items[k].pipeline = pl;
		items[k].tenant = runs[todo[k]].tenant;
		items[k].input = runs[todo[k]].input;
		statuses[k] = RUN_CANCELLED;
	}
	batch_make_id(id, sizeof(id), "job");
	oc->batches = xrealloc(oc->batches,
			       (oc->nbatches + 1) * sizeof(*oc->batches));
	oc->batches[oc->nbatches++] = xstrdup(id);
	extra = batch_extra(j, stats, round, oc->batches[0]);
	a->fo.batch.id = id;
	a->fo.batch.source = "job";
	a->fo.batch.job_id = j->id;
	a->fo.batch.extra = extra;
	a->fo.batch.statuses = statuses;
	code = cli_fanout_run(cli, e->proj, st, e->t, items, ntodo, &a->fo);
	for (size_t k = 0; k < ntodo; k++)
		oc->status[todo[k]] = statuses[k];
	a->fo.batch.id = NULL;
	a->fo.batch.extra = NULL;
	a->fo.batch.statuses = NULL;
	json_decref(extra);
	free(statuses);
	free(items);
	return code;
}

/* Runs everything, then the failed runs again up to retry_limit. */
static void run_rounds(struct cli *cli, struct job_env *e, struct store *st,
		       const struct job *j, const struct pipeline *pl,
		       const struct job_run *runs, size_t n,
		       const json_t *stats, struct run_args *a,
		       struct outcome *oc)
{
	size_t *todo = xcalloc(n + 1, sizeof(*todo)), ntodo = n;

	oc->status = xcalloc(n + 1, sizeof(*oc->status));
	for (size_t i = 0; i < n; i++)
		todo[i] = i;
	for (int round = 0; ntodo && round <= j->retry_limit; round++) {
		size_t m = 0;
		int code;

		if (round > 0 && !a->fo.exec.quiet)
			printf("\nRetry %d of %lld: %zu failed run%s again\n",
			       round, (long long)j->retry_limit, ntodo,
			       ntodo == 1 ? "" : "s");
		code = run_round(cli, e, st, j, pl, runs, todo, ntodo, stats,
				 round, a, oc);
		if (code == EXIT_CONFIG || code == EXIT_INTERNAL ||
		    code == EXIT_INTERRUPTED) {
			oc->code = code;
			break;
		}
		for (size_t k = 0; k < ntodo; k++)
			if (oc->status[todo[k]] == RUN_FAILED)
				todo[m++] = todo[k];
		ntodo = a->fo.batch.fail_fast ? 0 : m;
	}
	free(todo);
}

static int final_code(const struct outcome *oc, size_t n, size_t *ok)
{
	*ok = 0;
	for (size_t i = 0; i < n; i++)
		*ok += oc->status[i] == RUN_SUCCEEDED;
	if (oc->code)
		return oc->code;
	return *ok == n ? EXIT_OK : *ok ? EXIT_PARTIAL : EXIT_ALL_FAILED;
}

static void distribute(struct store *st, const struct job *j,
		       const struct outcome *oc, bool quiet)
{
	int64_t now = time_wall_ms();
	size_t delivered = 0;

	for (size_t u = 0; u < j->nusers; u++)
		for (size_t b = 0; b < oc->nbatches; b++) {
			int rc = store_inbox_add(st, j->users[u],
						 oc->batches[b], now);

			if (rc < 0)
				fprintf(stderr, "baton job: warning: cannot "
					"deliver %s to '%s' (error %d)\n",
					oc->batches[b], j->users[u], rc);
			else
				delivered++;
		}
	if (!quiet && delivered) {
		printf("Results delivered to:");
		for (size_t u = 0; u < j->nusers; u++)
			printf(" %s", j->users[u]);
		printf(" ('baton inbox USER' lists them)\n");
	}
}

static const char *status_word(int code)
{
	switch (code) {
	case EXIT_OK:
		return "succeeded";
	case EXIT_PARTIAL:
		return "partial";
	case EXIT_INTERRUPTED:
		return "interrupted";
	default:
		return "failed";
	}
}

static void notify(const struct job *j, const struct outcome *oc, size_t n,
		   size_t ok, int code, const json_t *stats, bool quiet)
{
	json_t *ids = json_array(), *body;
	struct error err = {0};
	char *text;
	int status = 0;

	for (size_t b = 0; b < oc->nbatches; b++)
		json_array_append_new(ids, json_string(oc->batches[b]));
	body = json_pack("{s:s, s:s, s:s, s:o, s:{s:I, s:I, s:I, s:I, s:O}}",
			 "batch_id", oc->batches[0], "job_id", j->id, "status",
			 status_word(code), "batch_ids", ids, "summary",
			 "runs", (json_int_t)n, "succeeded", (json_int_t)ok,
			 "failed", (json_int_t)(n - ok), "retry_rounds",
			 (json_int_t)(oc->nbatches - 1), "validation", stats);
	text = json_dumps(body, JSON_COMPACT);
	if (job_webhook_post(j->webhook, text, WEBHOOK_TIMEOUT_MS, &status,
			     &err) < 0)
		fprintf(stderr, "baton job: warning: webhook not notified: "
			"%s (the job's outcome stands)\n", err.msg);
	else if (!quiet)
		printf("Webhook notified: %s (HTTP %d)\n", j->webhook, status);
	free(text);
	json_decref(body);
}

static void outcome_release(struct outcome *oc)
{
	for (size_t i = 0; i < oc->nbatches; i++)
		free(oc->batches[i]);
	free(oc->batches);
	free(oc->status);
}

/* Runs the planned runs, then distributes; returns the exit code. */
static int execute(struct cli *cli, struct job_env *e, const struct job *j,
		   const struct pipeline *pl, const struct job_run *runs,
		   size_t n, const json_t *stats, struct run_args *a)
{
	struct outcome oc = {0};
	struct store *st = NULL;
	size_t ok = 0;
	int code = cli_open_store(cli, e->proj, &st);

	if (code)
		return code;
	a->fo.batch.params = a->params;
	a->fo.batch.nparams = a->nparams;
	run_rounds(cli, e, st, j, pl, runs, n, stats, a, &oc);
	code = final_code(&oc, n, &ok);
	if (!a->fo.exec.quiet && oc.nbatches > 1)
		printf("\nJob %s: %zu of %zu run%s succeeded after %zu retry "
		       "round%s\n", j->id, ok, n, n == 1 ? "" : "s",
		       oc.nbatches - 1, oc.nbatches == 2 ? "" : "s");
	if (j->distribute_results && oc.nbatches) {
		distribute(st, j, &oc, a->fo.exec.quiet);
		if (j->webhook)
			notify(j, &oc, n, ok, code, stats, a->fo.exec.quiet);
	}
	outcome_release(&oc);
	store_free(st);
	return code;
}

/* Checks j and its template; selects and plans.  Returns 0 or an exit
 * code after printing why. */
static int prepare(struct cli *cli, struct job_env *e, const struct job *j,
		   const struct pipeline **pl, struct job_selection *sel)
{
	struct error err = {0};
	struct diags d;
	size_t n;

	diags_init(&d);
	n = job_env_check(e, j, &d);
	if (n) {
		diags_print(&d, stderr, cli->color);
		fprintf(stderr, "baton job: %zu error%s in job '%s'; nothing "
			"was run\n", n, n == 1 ? "" : "s", j->id);
	}
	diags_release(&d);
	if (n)
		return EXIT_CONFIG;
	*pl = cli_pipeline(cli, &cmd_job, e->proj, &e->d, j->template_id);
	if (!*pl)
		return EXIT_CONFIG;
	if (job_select(j, e->proj, e->t, sel, &err) < 0) {
		fprintf(stderr, "baton job: job '%s': %s; nothing was run\n",
			j->id, err.msg);
		return EXIT_CONFIG;
	}
	return 0;
}

int job_cmd_run(struct cli *cli, int argc, char **argv)
{
	struct run_args a = {0};
	struct job_selection sel = {0};
	const struct pipeline *pl = NULL;
	const struct job *j = NULL;
	struct job_run *runs = NULL;
	json_t *stats = NULL;
	struct job_env e = {0};
	size_t n = 0;
	int code = EXIT_CONFIG;

	if (parse(&a, argc, argv) < 0)
		goto out;
	code = job_env_open(cli, a.jobs, true, false, &e);
	if (!code && !(j = job_env_find(&e, a.id)))
		code = EXIT_CONFIG;
	if (!code)
		code = prepare(cli, &e, j, &pl, &sel);
	if (code)
		goto out;
	job_plan(j, &sel, &runs, &n);
	stats = job_stats_json(&sel.stats);
	if (!a.fo.exec.quiet || a.dry_run)
		print_header(j, stats, n);
	if (a.dry_run)
		print_plan(runs, n);
	else if (!n)
		printf("Job %s selected no items: nothing to run.\n", j->id);
	else
		code = execute(cli, &e, j, pl, runs, n, stats, &a);
out:
	json_decref(stats);
	job_runs_free(runs, n);
	job_selection_release(&sel);
	job_env_release(&e);
	cli_fanout_release(&a.fo);
	for (size_t i = 0; i < a.nparams; i++) {
		free(a.params[i].key);
		free(a.params[i].val);
	}
	free(a.params);
	return code;
}
