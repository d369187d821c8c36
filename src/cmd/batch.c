/* batch.c - `baton batch`: every enabled pipeline of every enabled tenant
 * (seed 000's batch runner). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/fanout.h"
#include "config/diag.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"

extern const struct cmd_entry cmd_batch;

static int parse(struct fanout *f, int argc, char **argv)
{
	enum { O_REPORT = 256, O_FORMAT };
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"report", required_argument, NULL, O_REPORT},
		{"format", required_argument, NULL, O_FORMAT},
		FANOUT_OPTIONS,
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c == 'q')
			f->exec.quiet = true;
		else if (c == O_REPORT)
			f->exec.report = optarg;
		else if (c == O_FORMAT)
			f->exec.format = optarg;
		else if (c == FO_ALL)
			continue;
		else if (cli_fanout_opt(f, &cmd_batch, c, optarg) != 1)
			return -1;
	}
	if (optind < argc) {
		cli_error(&cmd_batch, "unexpected argument '%s' (to run one "
			  "pipeline for tenants: baton run PIPELINE "
			  "--all-tenants)", argv[optind]);
		return -1;
	}
	return 0;
}

/* One item per enabled pipeline of each selected tenant, in file order.
 * Returns the count; *bad is set when a pipeline file is broken. */
static size_t plan(const struct project *p, const struct tenant **sel,
		   size_t nsel, struct batch_item *items, bool *bad)
{
	size_t n = 0;

	for (size_t i = 0; i < nsel; i++)
		for (size_t k = 0; k < sel[i]->npipelines; k++) {
			const struct tenant_pipeline *tp = &sel[i]->pipelines[k];
			struct pipeline *pl;

			if (!tp->enabled)
				continue;
			pl = project_find(p, tp->name);
			if (!pl) {
				*bad = true;
				continue;
			}
			items[n].pipeline = pl;
			items[n].tenant = sel[i];
			n++;
		}
	return n;
}

static size_t count_pipelines(const struct tenant **sel, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += sel[i]->npipelines;
	return total;
}

static int exec_batch(struct cli *cli, int argc, char **argv)
{
	struct fanout f = {0};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct tenants *t = NULL;
	const struct tenant **sel = NULL;
	struct batch_item *items = NULL;
	size_t nsel = 0, n;
	bool bad = false;
	struct diags d;
	int code;

	diags_init(&d);
	if (parse(&f, argc, argv) < 0) {
		code = EXIT_CONFIG;
		goto out;
	}
	code = cli_open_project(cli, &proj, &d);
	if (!code)
		code = cli_open_tenants(cli, proj, true, &t);
	if (!code)
		code = cli_fanout_select(&cmd_batch, t, &f, &sel, &nsel);
	if (code)
		goto out;
	items = xcalloc(count_pipelines(sel, nsel) + 1, sizeof(*items));
	n = plan(proj, sel, nsel, items, &bad);
	for (size_t i = 0; i < n && !bad; i++)
		if (!cli_pipeline(cli, &cmd_batch, proj, &d,
				  items[i].pipeline->id))
			bad = true;
	if (bad || !n) {
		if (!bad)
			cli_error(&cmd_batch, "the selected tenants have no "
				  "enabled pipelines");
		code = EXIT_CONFIG;
		goto out;
	}
	code = cli_open_store(cli, proj, &store);
	if (!code)
		code = cli_fanout_run(cli, proj, store, t, items, n, &f);
out:
	free(items);
	free(sel);
	tenants_free(t);
	store_free(store);
	project_free(proj);
	diags_release(&d);
	cli_fanout_release(&f);
	return code;
}

const struct cmd_entry cmd_batch = {
	.name = "batch",
	.usage = "batch [options]",
	.summary = "Run every enabled pipeline of every enabled tenant as "
		   "one batch.",
	.help = "Reads the tenants file (users.yaml by default) and runs, "
		"for each enabled\ntenant, each pipeline listed with enabled: "
		"true.  One tenant's failure never\nstops the others (unless "
		"--fail-fast).  Ends with a per-tenant summary.\n\n"
		"Options:\n"
		"  -q, --quiet            print nothing but errors\n"
		"      --report FILE      write the batch report\n"
		"      --format json|csv  report format (default json)\n"
		"\n" FANOUT_HELP
		"\nExit codes: 0 all succeeded, 1 configuration error, 2 some "
		"failed, 3 all\nfailed, 130 interrupted.\n",
	.exec = exec_batch,
};
