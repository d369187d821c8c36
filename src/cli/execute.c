/* execute.c - one run from the CLI: board, summary, report, exit code. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "cli.h"
#include "engine/engine.h"
#include "pipeline/project.h"
#include "report/report.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"

static int finish(struct store *s, struct run *r, const struct exec_opts *o)
{
	struct report rep;
	struct error err = {0};
	int code = run_exit_code(r);

	if (report_load(s, run_id(r), &rep, &err) < 0) {
		fprintf(stderr, "baton: cannot read back run %s: %s\n",
			run_id(r), err.msg);
		return EXIT_INTERNAL;
	}
	if (!o->quiet && !o->no_summary) {
		printf("\n");
		report_print_summary(&rep, stdout);
		printf("Run: %s (%s)\n", rep.run.id,
		       run_status_name(rep.run.status));
		if (rep.run.status != RUN_SUCCEEDED)
			printf("See failures: baton status %s; logs: baton "
			       "logs %s STEP\n",
			       rep.run.id, rep.run.id);
	}
	if (o->report &&
	    report_write(&rep, o->report, o->format ? o->format : "json",
			 &err) < 0) {
		fprintf(stderr, "baton: %s\n", err.msg);
		code = EXIT_INTERNAL;
	}
	report_release(&rep);
	return code;
}

void cli_engine_config(struct cli *cli, const struct project *p,
		       struct engine_config *cfg)
{
	cfg->state_dir = p->settings.state_dir;
	cfg->store_location = cli_store_location(cli, p);
	cfg->project_root = p->root;
	cfg->self_exe = cli->self_exe;
	cfg->tenants_file = cli_tenants_location(cli);
	cfg->log_max_bytes = p->settings.log_max_bytes;
	cfg->default_parallel = p->settings.max_parallel;
	/* struct rate_setting and struct rate_limit have the same fields
	 * in the same order, but keep the engine free of project types. */
	if (p->settings.nrates) {
		struct rate_limit *l = xcalloc(p->settings.nrates,
					       sizeof(*l));

		for (size_t i = 0; i < p->settings.nrates; i++) {
			l[i].key = p->settings.rates[i].key;
			l[i].per_minute = p->settings.rates[i].per_minute;
			l[i].burst = p->settings.rates[i].burst;
		}
		cfg->limits = l;
		cfg->nlimits = p->settings.nrates;
	}
}

int cli_execute(struct cli *cli, struct project *p, struct store *s,
		const struct run_spec *spec, const struct exec_opts *o)
{
	struct engine_config cfg = {0};
	struct error err = {0};
	struct engine *e = NULL;
	struct board *b;
	struct run *r;
	int code;

	cli_engine_config(cli, p, &cfg);
	b = cli_board(o->quiet);
	board_listen(b, &cfg.listener);
	e = engine_new(s, &cfg, &err);
	if (!e) {
		fprintf(stderr, "baton: %s\n", err.msg);
		code = EXIT_INTERNAL;
		goto out;
	}
	if (engine_add_run(e, spec, &r, &err) < 0) {
		fprintf(stderr, "baton run: %s\n", err.msg);
		code = EXIT_CONFIG;
		goto out;
	}
	if (engine_wait(e) < 0) {
		fprintf(stderr, "baton: the event loop failed\n");
		code = EXIT_INTERNAL;
		goto out;
	}
	board_finish(b);
	code = finish(s, r, o);
	cli_apply_retention(p, s, -1, -1);
out:
	engine_free(e);
	board_free(b);
	cli_engine_config_release(&cfg);
	return code;
}

void cli_engine_config_release(struct engine_config *cfg)
{
	free((void *)cfg->limits);
	free((void *)cfg->tenants_file);
}

struct board *cli_board(bool quiet)
{
	return board_new(stdout,
			 isatty(STDOUT_FILENO) && !getenv("BATON_PLAIN"),
			 quiet);
}
