/* report.c - `baton report`: export a batch (or a run) as JSON or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/project.h"
#include "report/batch_report.h"
#include "report/report.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/error.h"
#include "util/str.h"

extern const struct cmd_entry cmd_report;

static int write_batch(struct store *s, const char *id,
		       const struct tenants *t, const char *format, FILE *out,
		       struct error *err)
{
	struct batch_report rep;
	int rc = batch_report_load(s, id, t, &rep, err);

	if (rc < 0)
		return rc;
	if (!strcmp(format, "csv")) {
		batch_report_csv(&rep, out);
	} else if (!strcmp(format, "text")) {
		batch_report_print(&rep, out);
	} else {
		json_t *j = batch_report_json(&rep);

		json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
		fputc('\n', out);
		json_decref(j);
	}
	batch_report_release(&rep);
	return 0;
}

static int write_run(struct store *s, const char *id, const char *format,
		     FILE *out, struct error *err)
{
	struct report rep;
	int rc = report_load(s, id, &rep, err);

	if (rc < 0)
		return rc;
	if (!strcmp(format, "csv")) {
		report_write_csv(&rep, out);
	} else if (!strcmp(format, "text")) {
		report_print_summary(&rep, out);
	} else {
		json_t *j = report_json(&rep);

		json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
		fputc('\n', out);
		json_decref(j);
	}
	report_release(&rep);
	return 0;
}

static int parse(int argc, char **argv, const char **format,
		 const char **output, const char **id)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:o:", opts, NULL)) != -1) {
		if (c == 'f')
			*format = optarg;
		else if (c == 'o')
			*output = optarg;
		else
			return -1;
	}
	if (strcmp(*format, "json") && strcmp(*format, "csv") &&
	    strcmp(*format, "text")) {
		cli_error(&cmd_report, "--format is json, csv or text, not '%s'",
			  *format);
		return -1;
	}
	if (optind != argc - 1) {
		cli_error(&cmd_report, "which batch? (a batch id, prefix, or "
			  "'last'; a run id works too)");
		return -1;
	}
	*id = argv[optind];
	return 0;
}

static int exec_report(struct cli *cli, int argc, char **argv)
{
	const char *format = "json", *output = NULL, *id;
	struct project *proj = NULL;
	struct store *store = NULL;
	struct tenants *t = NULL;
	struct error err = {0};
	struct diags d;
	FILE *out = stdout;
	int code, rc;

	if (parse(argc, argv, &format, &output, &id) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (!code)
		code = cli_open_store(cli, proj, &store);
	if (code)
		goto out;
	cli_open_tenants(cli, proj, false, &t);
	if (output && !(out = fopen(output, "w"))) {
		cli_error(&cmd_report, "cannot write %s", output);
		code = EXIT_INTERNAL;
		goto out;
	}
	if (str_starts(id, "run_"))
		rc = write_run(store, id, format, out, &err);
	else
		rc = write_batch(store, id, t, format, out, &err);
	if (rc < 0) {
		cli_error(&cmd_report, "%s", err.msg);
		code = EXIT_CONFIG;
	}
	if (out != stdout)
		fclose(out);
out:
	tenants_free(t);
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_report = {
	.name = "report",
	.usage = "report BATCH [--format json|csv|text] [--output FILE]",
	.summary = "Export a batch's report (per tenant and pipeline) as "
		   "JSON, CSV or text.",
	.help = "BATCH is a batch id (bat_...), a unique prefix, or 'last'. "
		"A run id (run_...)\nexports that run's report instead.\n\n"
		"Options:\n"
		"  -f, --format F   json (default), csv, or text (the summary)\n"
		"  -o, --output F   write to a file instead of stdout\n",
	.exec = exec_report,
};
