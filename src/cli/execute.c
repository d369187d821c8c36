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
		if (rep.failed || rep.skipped)
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

int cli_execute(struct cli *cli, struct project *p, struct store *s,
		const struct run_spec *spec, const struct exec_opts *o)
{
	struct engine_config cfg = {0};
	struct error err = {0};
	struct engine *e;
	struct board *b;
	struct run *r;
	int code;

	cfg.state_dir = p->settings.state_dir;
	cfg.store_location = cli_store_location(cli, p);
	cfg.project_root = p->root;
	cfg.self_exe = cli->self_exe;
	cfg.log_max_bytes = p->settings.log_max_bytes;
	cfg.default_parallel = p->settings.max_parallel;
	b = board_new(stdout, isatty(STDOUT_FILENO) && !getenv("BATON_PLAIN"),
		      o->quiet);
	board_listen(b, &cfg.listener);
	e = engine_new(s, &cfg, &err);
	if (!e) {
		fprintf(stderr, "baton: %s\n", err.msg);
		board_free(b);
		return EXIT_INTERNAL;
	}
	if (engine_add_run(e, spec, &r, &err) < 0) {
		fprintf(stderr, "baton run: %s\n", err.msg);
		engine_free(e);
		board_free(b);
		return EXIT_CONFIG;
	}
	if (engine_wait(e) < 0) {
		fprintf(stderr, "baton: the event loop failed\n");
		code = EXIT_INTERNAL;
	} else {
		board_finish(b);
		code = finish(s, r, o);
	}
	engine_free(e);
	board_free(b);
	cli_apply_retention(p, s, -1, -1);
	return code;
}
