/* main.c - argument parsing and dispatch only. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/str.h"

extern const struct cmd_entry cmd_run, cmd_validate, cmd_status,
	cmd_history, cmd_retry, cmd_logs, cmd_list, cmd_graph, cmd_init,
	cmd_prune, cmd_tenants, cmd_batch, cmd_report, cmd_job, cmd_inbox,
	cmd_serve, cmd_schedule, cmd_scheduler;

static const struct cmd_entry *const commands[] = {
	&cmd_run, &cmd_validate, &cmd_list, &cmd_status, &cmd_history,
	&cmd_logs, &cmd_retry, &cmd_graph, &cmd_init, &cmd_prune,
	&cmd_tenants, &cmd_batch, &cmd_report, &cmd_job, &cmd_inbox,
	&cmd_serve, &cmd_schedule, &cmd_scheduler,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: baton [--project DIR] [--state PATH] "
		     "[--tenants FILE] COMMAND [ARGS]\n\nbaton runs YAML "
		     "pipelines as DAGs, with retries, timeouts and durable "
		     "history.\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(out, "\nRun 'baton COMMAND --help' for a command's options.\n");
}

/* Takes --project/--state/--tenants out of argv wherever they appear,
 * so that `baton run x --project p` and `baton --project p run x` both
 * work.  Returns the new argc, or -1 on a missing value. */
static int take_globals(struct cli *cli, int argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--project") ? &cli->project_dir
				    : !strcmp(a, "--state")   ? &cli->state
				    : !strcmp(a, "--tenants") ? &cli->tenants
							      : NULL;

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "baton: %s needs a value\n", a);
				return -1;
			}
			*slot = argv[++i];
		} else if (str_starts(a, "--project=")) {
			cli->project_dir = a + 10;
		} else if (str_starts(a, "--state=")) {
			cli->state = a + 8;
		} else if (str_starts(a, "--tenants=")) {
			cli->tenants = a + 10;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

static const struct cmd_entry *find(const char *name)
{
	const char *names[NCOMMANDS];
	const char *hint;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(commands[i]->name, name))
			return commands[i];
		names[i] = commands[i]->name;
	}
	hint = str_suggest(name, names, NCOMMANDS);
	fprintf(stderr, "baton: unknown command '%s'", name);
	if (hint)
		fprintf(stderr, " (did you mean '%s'?)", hint);
	fprintf(stderr, "\nRun 'baton --help' for the list of commands.\n");
	return NULL;
}

int main(int argc, char **argv)
{
	static char self[PATH_MAX];
	struct cli cli = {.project_dir = "."};
	const struct cmd_entry *cmd;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	cli.self_exe = n > 0 ? self : argv[0];
	cli.color = isatty(STDERR_FILENO) && !getenv("NO_COLOR");
	argc = take_globals(&cli, argc, argv);
	if (argc < 0)
		return EXIT_CONFIG;
	if (argc < 2) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0 &&
		    (cmd = find(argv[2]))) {
			cli_usage(cmd, stdout);
			return EXIT_OK;
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("baton 0.1.0\n");
		return EXIT_OK;
	}
	cmd = find(argv[1]);
	if (!cmd)
		return EXIT_CONFIG;
	if (cli_wants_help(cmd, argc - 1, argv + 1))
		return EXIT_OK;
	return cmd->exec(&cli, argc - 1, argv + 1);
}
