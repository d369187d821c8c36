/* serve.c - `baton serve`: the REST API, live events and web UI in one
 * process, with the engine running pipelines on the main thread. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "engine/engine.h"
#include "pipeline/project.h"
#include "scheduler/scheduler.h"
#include "server/server.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/error.h"
#include "util/str.h"

extern const struct cmd_entry cmd_serve;

struct serve_opts {
	const char *listen;
	const char *port_file;
	const char *jobs;	/* --jobs FILE */
	int64_t max_runs;	/* --max-runs N, 0 = no limit */
	bool no_scheduler;	/* --no-scheduler */
};

static int parse(int argc, char **argv, struct serve_opts *o)
{
	enum { O_PORT_FILE = 256, O_JOBS, O_MAX_RUNS, O_NO_SCHED };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"port-file", required_argument, NULL, O_PORT_FILE},
		{"jobs", required_argument, NULL, O_JOBS},
		{"max-runs", required_argument, NULL, O_MAX_RUNS},
		{"no-scheduler", no_argument, NULL, O_NO_SCHED},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		if (c == 'l')
			o->listen = optarg;
		else if (c == O_PORT_FILE)
			o->port_file = optarg;
		else if (c == O_JOBS)
			o->jobs = optarg;
		else if (c == O_NO_SCHED)
			o->no_scheduler = true;
		else if (c == O_MAX_RUNS &&
			 (str_to_i64(optarg, &o->max_runs) < 0 ||
			  o->max_runs < 0 || o->max_runs > 100000)) {
			cli_error(&cmd_serve, "--max-runs must be a number "
				  "from 0 (no limit) to 100000, not '%s'",
				  optarg);
			return -1;
		} else if (c != O_MAX_RUNS) {
			cli_error(&cmd_serve, "bad option; see baton serve "
				  "--help");
			return -1;
		}
	}
	if (optind < argc) {
		cli_error(&cmd_serve, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* 500 event streams need more descriptors than the usual 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int exec_serve(struct cli *cli, int argc, char **argv)
{
	struct serve_opts o = {.listen = "127.0.0.1:8080"};
	struct server_config scfg = {0};
	struct engine_config ecfg = {0};
	struct project *proj = NULL;
	struct tenants *ten = NULL;
	struct store *store = NULL;
	struct server *srv = NULL;
	struct engine *e = NULL;
	struct error err = {0};
	char *tenants_file = NULL;
	struct diags d;
	int code;

	if (parse(argc, argv, &o) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	if (d.n) {
		fprintf(stderr, "baton serve: some pipeline files have errors; "
				"they are listed as invalid until fixed:\n");
		diags_print(&d, stderr, cli->color);
	}
	code = cli_open_tenants(cli, proj, cli->tenants != NULL, &ten);
	if (!code)
		code = cli_open_store(cli, proj, &store);
	if (code)
		goto out;
	raise_fd_limit();
	tenants_file = cli_tenants_location(cli);
	scfg.listen = o.listen;
	scfg.project_dir = proj->root;
	scfg.tenants_file = tenants_file;
	scfg.tenants_required = cli->tenants || getenv("BATON_TENANTS");
	scfg.store_location = cli_store_location(cli, proj);
	scfg.port_file = o.port_file;
	scfg.jobs_file = o.jobs ? o.jobs
			 : getenv("BATON_JOBS") && *getenv("BATON_JOBS")
				 ? getenv("BATON_JOBS")
				 : NULL;
	scfg.scheduler = !o.no_scheduler;
	scfg.max_runs = (int)o.max_runs;
	if (scheduler_fake_now(&scfg.clock_offset_ms, &err) < 0) {
		fprintf(stderr, "baton serve: %s\n", err.msg);
		code = EXIT_CONFIG;
		goto out;
	}
	cli_engine_config(cli, proj, &ecfg);
	ecfg.max_runs = (int)o.max_runs;
	srv = server_new(&scfg, proj, ten, &err);
	proj = NULL;	/* the server owns them now, even on failure */
	ten = NULL;
	if (!srv) {
		size_t len = strlen(err.msg);

		fprintf(stderr, "baton serve: %s%s", err.msg,
			len && err.msg[len - 1] == '\n' ? "" : "\n");
		code = EXIT_CONFIG;
		goto out;
	}
	ecfg.keep_running = true;
	server_listener(srv, &ecfg.listener);
	/* The engine first: it blocks SIGINT/SIGTERM/SIGCHLD in this
	 * thread, and the HTTP threads started next inherit the mask. */
	e = engine_new(store, &ecfg, &err);
	if (!e) {
		fprintf(stderr, "baton serve: %s\n", err.msg);
		code = EXIT_INTERNAL;
		goto out;
	}
	if (server_start(srv, e, store, &err) < 0) {
		fprintf(stderr, "baton serve: %s\n", err.msg);
		code = EXIT_CONFIG;
		goto out;
	}
	fprintf(stderr, "baton serve: listening on %s (port %d)\n", o.listen,
		server_port(srv));
	fflush(stderr);
	if (engine_wait(e) < 0) {
		fprintf(stderr, "baton serve: the event loop failed\n");
		code = EXIT_INTERNAL;
	}
	fprintf(stderr, "baton serve: stopped\n");
out:
	if (srv)
		server_stop(srv);
	engine_free(e);
	server_free(srv);
	store_free(store);
	tenants_free(ten);
	project_free(proj);
	cli_engine_config_release(&ecfg);
	free(tenants_file);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_serve = {
	.name = "serve",
	.usage = "serve [--listen HOST:PORT] [--max-runs N] [--jobs FILE]",
	.summary = "Serve the REST API, live events and the web UI.",
	.help = "Runs pipelines started over HTTP (docs/api.md) and serves "
		"the web UI.\nPipeline, tenant, jobs and token files are "
		"reloaded when they change.\nSIGTERM or SIGINT cancels running runs, "
		"records them and exits.\n\n"
		"Without tokens (baton.yaml `tokens:` or BATON_TOKENS) only "
		"clients on\nthis machine are served, and only a loopback "
		"address may be used.\n\nOptions:\n"
		"  -l, --listen HOST:PORT  address to listen on (default "
		"127.0.0.1:8080;\n"
		"                          port 0 picks a free one)\n"
		"      --port-file FILE    write the port listened on to "
		"FILE\n"
		"      --jobs FILE         the batch jobs file (default: "
		"BATON_JOBS, else the\n"
		"                          project's batch_config.json, else "
		"jobs.yaml)\n"
		"      --max-runs N        runs at once (default 0: no limit);"
		" scheduled runs\n"
		"                          beyond it wait, highest priority "
		"first\n"
		"      --no-scheduler      do not fire schedules (another "
		"process does:\n"
		"                          baton scheduler)\n"
		"\nThe scheduler fires every pipeline and batch job "
		"`schedule:`\n(docs/schedules.md); only one scheduler fires "
		"per store, others stand by.\n",
	.exec = exec_serve,
};
