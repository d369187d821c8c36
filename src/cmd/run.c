/* run.c - `baton run`: validate, then run one pipeline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fanout.h"
#include "config/diag.h"
#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "pipeline/template.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/str.h"

extern const struct cmd_entry cmd_run;

struct run_args {
	struct fanout fo;
	struct run_spec spec;
	struct exec_opts exec;
	struct kv *params;
	size_t nparams;
	bool dry_run;
	const char *name;
	const char *as_tenant;	/* a sub-pipeline run for its parent's tenant */
};

static int parse(struct run_args *a, int argc, char **argv)
{
	enum { O_PARENT = 256, O_OUTFILE, O_REPORT, O_FORMAT, O_DRY, O_AS };
	static const struct option opts[] = {
		{"param", required_argument, NULL, 'p'},
		{"step", required_argument, NULL, 's'},
		{"from", required_argument, NULL, 'f'},
		{"max-parallel", required_argument, NULL, 'j'},
		{"dry-run", no_argument, NULL, O_DRY},
		{"report", required_argument, NULL, O_REPORT},
		{"format", required_argument, NULL, O_FORMAT},
		{"quiet", no_argument, NULL, 'q'},
		{"parent-run", required_argument, NULL, O_PARENT},
		{"output-file", required_argument, NULL, O_OUTFILE},
		{"as-tenant", required_argument, NULL, O_AS},
		FANOUT_OPTIONS,
		{0},
	};
	int c;
	int64_t n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:s:f:j:q", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_add_param(&cmd_run, &a->params, &a->nparams, optarg) < 0)
				return -1;
			break;
		case 's':
			a->spec.only_step = optarg;
			break;
		case 'f':
			a->spec.from_step = optarg;
			break;
		case 'j':
			if (str_to_i64(optarg, &n) < 0 || n < 1 || n > 100000) {
				cli_error(&cmd_run, "--max-parallel needs a "
					  "number from 1, not '%s'", optarg);
				return -1;
			}
			a->spec.max_parallel = (int)n;
			break;
		case 'q':
			a->exec.quiet = true;
			break;
		case O_DRY:
			a->dry_run = true;
			break;
		case O_REPORT:
			a->exec.report = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "csv")) {
				cli_error(&cmd_run, "--format is json or csv, "
					  "not '%s'", optarg);
				return -1;
			}
			a->exec.format = optarg;
			break;
		case O_PARENT:
			a->spec.parent_run = optarg;
			break;
		case O_OUTFILE:
			a->spec.output_file = optarg;
			break;
		case O_AS:
			a->as_tenant = optarg;
			break;
		default:
			if (cli_fanout_opt(&a->fo, &cmd_run, c, optarg) != 1)
				return -1;
		}
	}
	a->fo.exec = a->exec;
	if (optind != argc - 1) {
		cli_error(&cmd_run, optind >= argc ? "which pipeline? (baton "
						     "list shows them)"
						   : "one pipeline at a time");
		return -1;
	}
	if (a->spec.only_step && a->spec.from_step) {
		cli_error(&cmd_run, "--step and --from cannot be combined");
		return -1;
	}
	a->name = argv[optind];
	return 0;
}

static void print_plan(const struct pipeline *p, const struct run_args *a)
{
	printf("Plan for %s (%zu steps, %d levels); nothing is run:\n", p->id,
	       p->nsteps, p->nlevels);
	for (int lvl = 0; lvl < p->nlevels; lvl++) {
		printf("level %d:\n", lvl + 1);
		for (size_t k = 0; k < p->nsteps; k++) {
			const struct step *s = &p->steps[p->order[k]];

			if (p->level[p->order[k]] != lvl)
				continue;
			printf("  %-24s ", s->name);
			if (s->kind == STEP_KIND_RUN)
				printf("run: %s\n", s->run);
			else if (s->kind == STEP_KIND_SCRIPT)
				printf("script: %s\n", s->script);
			else if (s->kind == STEP_KIND_HTTP)
				printf("http: %s %s\n", s->http->method,
				       s->http->url);
			else
				printf("pipeline: %s\n", s->pipeline);
		}
	}
	if (a->spec.only_step)
		printf("--step: only '%s' would run\n", a->spec.only_step);
	if (a->spec.from_step)
		printf("--from: '%s' and its downstream would run\n",
		       a->spec.from_step);
}

/* A run without --all-tenants and friends; --tenant-less runs may still
 * name one tenant for a sub-pipeline (--tenant from the parent). */
static int run_one(struct cli *cli, struct project *proj, struct store *st,
		   struct run_args *a)
{
	struct tenants *t = NULL;
	const struct tenant *tn;
	const char **secrets = NULL;
	json_t *ctx = NULL;
	size_t n = 0;
	int code;

	if (!a->as_tenant)
		return cli_execute(cli, proj, st, &a->spec, &a->exec);
	code = cli_open_tenants(cli, proj, true, &t);
	if (code)
		return code;
	tn = tenants_find(t, a->as_tenant);
	if (!tn) {
		cli_error(&cmd_run, "no tenant '%s' in %s", a->as_tenant,
			  t->file);
		tenants_free(t);
		return EXIT_CONFIG;
	}
	ctx = tenant_context(tn);
	secrets = tenant_secrets(tn, &n);
	a->spec.tenant_id = tn->id;
	a->spec.tenant = ctx;
	a->spec.secrets = secrets;
	a->spec.nsecrets = n;
	code = cli_execute(cli, proj, st, &a->spec, &a->exec);
	json_decref(ctx);
	free(secrets);
	tenants_free(t);
	return code;
}

static int run_fanout(struct cli *cli, struct project *proj,
		      struct store *st, struct run_args *a)
{
	const struct tenant **sel = NULL;
	struct batch_item *items = NULL;
	struct tenants *t = NULL;
	size_t n = 0;
	int code;

	code = cli_open_tenants(cli, proj, true, &t);
	if (!code)
		code = cli_fanout_select(&cmd_run, t, &a->fo, &sel, &n);
	if (code)
		goto out;
	items = xcalloc(n + 1, sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		items[i].pipeline = a->spec.pipeline;
		items[i].tenant = sel[i];
	}
	a->fo.batch.params = a->params;
	a->fo.batch.nparams = a->nparams;
	code = cli_fanout_run(cli, proj, st, t, items, n, &a->fo);
out:
	free(items);
	free(sel);
	tenants_free(t);
	return code;
}

static int exec_run(struct cli *cli, int argc, char **argv)
{
	struct run_args a = {0};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct pipeline *p;
	struct diags d;
	int code;

	diags_init(&d);
	if (parse(&a, argc, argv) < 0) {
		code = EXIT_CONFIG;
		goto out;
	}
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	p = cli_pipeline(cli, &cmd_run, proj, &d, a.name);
	if (!p) {
		code = EXIT_CONFIG;
		goto out;
	}
	if (a.dry_run) {
		print_plan(p, &a);
		goto out;
	}
	code = cli_open_store(cli, proj, &store);
	if (code)
		goto out;
	a.spec.pipeline = p;
	a.spec.params = a.params;
	a.spec.nparams = a.nparams;
	if (cli_fanout_wanted(&a.fo))
		code = run_fanout(cli, proj, store, &a);
	else
		code = run_one(cli, proj, store, &a);
out:
	cli_fanout_release(&a.fo);
	for (size_t i = 0; i < a.nparams; i++) {
		free(a.params[i].key);
		free(a.params[i].val);
	}
	free(a.params);
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_run = {
	.name = "run",
	.usage = "run PIPELINE [options]",
	.summary = "Run a pipeline: steps start as soon as their "
		   "dependencies succeed.",
	.help = "Options:\n"
		"  -p, --param KEY=VALUE  set a param (repeatable)\n"
		"  -s, --step STEP        run this one step alone (upstream "
		"outputs\n"
		"                         are reused from earlier runs)\n"
		"  -f, --from STEP        re-run STEP and everything after "
		"it,\n"
		"                         reusing upstream outputs from the "
		"last run\n"
		"  -j, --max-parallel N   at most N steps at once\n"
		"      --dry-run          print the plan, run nothing\n"
		"      --report FILE      write a report when the run ends\n"
		"      --format json|csv  report format (default json)\n"
		"  -q, --quiet            print nothing but errors\n"
		"\n" FANOUT_HELP
		"\nExit codes: 0 all succeeded, 1 configuration error, 2 "
		"some steps failed,\n3 all failed, 4 internal error, 130 "
		"interrupted.\n",
	.exec = exec_run,
};
