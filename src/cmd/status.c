/* status.c - `baton status`: one run, its steps, its summary. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/project.h"
#include "report/report.h"
#include "store/store.h"
#include "util/error.h"
#include "util/timeutil.h"

extern const struct cmd_entry cmd_status;

static void print_steps(const struct report *r)
{
	printf("\n  %-24s %-10s %8s %9s %5s  %s\n", "STEP", "STATUS",
	       "ATTEMPTS", "DURATION", "EXIT", "ERROR");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct step_rec *s = &r->steps[i];
		char d[32] = "-", code[16] = "-";

		if (s->started_at && s->finished_at && !s->reused)
			duration_format(d, sizeof(d),
					s->finished_at - s->started_at);
		if (s->exit_code >= 0)
			snprintf(code, sizeof(code), "%d", s->exit_code);
		printf("  %-24s %-10s %8d %9s %5s  %s\n", s->name,
		       s->reused ? "reused" : step_status_name(s->status),
		       s->attempt, d, code, s->error ? s->error : "");
	}
}

static void print_run(const struct report *r)
{
	char started[32] = "-";

	if (r->run.started_at)
		time_format_local(started, sizeof(started), r->run.started_at);
	printf("Run:       %s\n", r->run.id);
	printf("Pipeline:  %s\n", r->run.pipeline);
	printf("Status:    %s\n", run_status_name(r->run.status));
	printf("Started:   %s\n", started);
	if (r->run.retry_of)
		printf("Retry of:  %s\n", r->run.retry_of);
	if (r->run.parent_run)
		printf("Parent:    %s\n", r->run.parent_run);
	if (r->run.error)
		printf("Error:     %s\n", r->run.error);
	print_steps(r);
	printf("\n");
	report_print_summary(r, stdout);
}

static int exec_status(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'J'},
		{"output", no_argument, NULL, 'o'},
		{0},
	};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct report rep;
	struct error err = {0};
	struct diags d;
	bool json = false, output = false;
	const char *id = "last";
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "Jo", opts, NULL)) != -1) {
		if (c == 'J')
			json = true;
		else if (c == 'o')
			output = true;
		else
			return EXIT_CONFIG;
	}
	if (optind < argc)
		id = argv[optind++];
	if (optind < argc) {
		cli_error(&cmd_status, "one run at a time");
		return EXIT_CONFIG;
	}
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (!code)
		code = cli_open_store(cli, proj, &store);
	if (code)
		goto out;
	if (report_load(store, id, &rep, &err) < 0) {
		cli_error(&cmd_status, "%s", err.msg);
		code = EXIT_CONFIG;
		goto out;
	}
	if (output) {
		printf("%s\n", rep.run.output_json ? rep.run.output_json
						   : "null");
	} else if (json) {
		json_t *j = report_json(&rep);

		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
		printf("\n");
		json_decref(j);
	} else {
		print_run(&rep);
	}
	report_release(&rep);
out:
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_status = {
	.name = "status",
	.usage = "status [RUN] [--json | --output]",
	.summary = "Show a run: its status, each step, and the summary.",
	.help = "RUN is a run id, a unique prefix of one, or 'last' (the "
		"default).\n\nOptions:\n"
		"      --json     the full report as JSON (run, summary, "
		"steps, output)\n"
		"      --output   only the run's output JSON\n",
	.exec = exec_status,
};
