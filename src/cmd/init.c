/* init.c - `baton init`: scaffold a small project that runs as-is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"

extern const struct cmd_entry cmd_init;

static const char baton_yaml[] =
	"# baton.yaml - project settings.  Every key is optional.\n"
	"\n"
	"# Where run history lives: a SQLite file, relative to this "
	"directory.\n"
	"# (The environment variable BATON_STATE or --state override it.)\n"
	"state: .baton/state.db\n"
	"\n"
	"# How much history to keep.  Every run applies this when it ends;\n"
	"# 'baton prune' applies it on demand.  0 means no limit.\n"
	"retention:\n"
	"  days: 30      # forget runs older than this\n"
	"  runs: 1000    # keep at most this many runs\n"
	"\n"
	"# Cap on one step's log; output past it is dropped (with a note).\n"
	"log_max: 10MB\n"
	"\n"
	"# How many steps may run at once (default: the number of CPUs).\n"
	"# max_parallel: 4\n";

static const char hello_yaml[] =
	"# hello.yaml - a first pipeline.  Each file in pipelines/ is one\n"
	"# pipeline; its id is the file name:  baton run hello\n"
	"#\n"
	"# Try:  baton run hello --param who=Ada\n"
	"#       baton graph hello\n"
	"#       baton logs last\n"
	"name: Hello\n"
	"description: Greets someone, measures the greeting, reports.\n"
	"\n"
	"# Params have defaults and are set with --param KEY=VALUE.\n"
	"params:\n"
	"  who:\n"
	"    default: world\n"
	"    description: who to greet\n"
	"\n"
	"# Environment for every step.\n"
	"env:\n"
	"  GREETING: Hello\n"
	"\n"
	"steps:\n"
	"  # A script step runs pipelines/hello/greet.sh.  Whatever JSON a\n"
	"  # step writes to the file $BATON_OUTPUT becomes its output.\n"
	"  - name: greet\n"
	"    script: greet.sh\n"
	"    env:\n"
	"      WHO: \"{{ params.who }}\"\n"
	"\n"
	"  # Steps start as soon as everything in depends_on succeeded, and\n"
	"  # read upstream outputs as {{ steps.NAME.output.FIELD }}.\n"
	"  - name: measure\n"
	"    depends_on: [greet]\n"
	"    run: |\n"
	"      message='{{ steps.greet.output.message }}'\n"
	"      echo \"measuring: $message\"\n"
	"      printf '{\"length\": %d}\\n' \"${#message}\" > "
	"\"$BATON_OUTPUT\"\n"
	"    # A failing step is tried again, waiting 1s, then 2s.\n"
	"    retry:\n"
	"      max_attempts: 3\n"
	"      backoff: 1s\n"
	"      multiplier: 2\n"
	"\n"
	"  - name: report\n"
	"    depends_on: [greet, measure]\n"
	"    timeout: 30s\n"
	"    run: echo \"'{{ steps.greet.output.message }}' is "
	"{{ steps.measure.output.length }} characters long\"\n";

static const char greet_sh[] =
	"#!/bin/sh\n"
	"# greet.sh - the 'greet' step of pipelines/hello.yaml.\n"
	"#\n"
	"# baton runs it from the project root with the step's env (WHO,\n"
	"# GREETING) and BATON_* variables set.  Anything printed goes to "
	"the\n"
	"# step's log (baton logs last greet); JSON written to "
	"$BATON_OUTPUT\n"
	"# is the step's output for the steps after it.\n"
	"set -eu\n"
	"\n"
	"message=\"$GREETING, $WHO!\"\n"
	"echo \"$message\"\n"
	"printf '{\"message\": \"%s\"}\\n' \"$message\" > \"$BATON_OUTPUT\"\n";

/* Creates path with contents text; never replaces an existing file.
 * Returns 0 or -errno. */
static int write_new(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int rc = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

/* Adds ".baton/" to DIR/.gitignore unless a line already says so. */
static int add_gitignore(const char *path)
{
	struct buf b;
	int rc;
	FILE *f;

	buf_init(&b, 1 << 20);
	rc = buf_read_file(&b, path);
	if (rc == -ENOENT) {
		buf_release(&b);
		return write_new(path, "# baton's run history and logs\n"
				       ".baton/\n", 0644);
	}
	if (rc == 0 && (strstr(b.data, "\n.baton/\n") ||
			!strncmp(b.data, ".baton/\n", 8))) {
		buf_release(&b);
		return 0;
	}
	f = rc == 0 ? fopen(path, "a") : NULL;
	if (f) {
		fprintf(f, "%s.baton/\n", b.len && b.data[b.len - 1] != '\n'
						  ? "\n"
						  : "");
		rc = fclose(f) ? -errno : 0;
	} else if (rc == 0) {
		rc = -errno;
	}
	buf_release(&b);
	return rc;
}

/* Refuses a directory that already holds a project.  Returns 0 or -1
 * after saying why. */
static int check_target(const char *dir)
{
	static const char *const taken[] = {"pipelines", "baton.yaml"};
	struct stat st;

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		char *path = xasprintf("%s/%s", dir, taken[i]);
		int found = lstat(path, &st) == 0;

		if (found)
			cli_error(&cmd_init, "%s already exists: %s is "
				  "already a baton project (nothing was "
				  "changed; 'baton --project %s list' shows "
				  "its pipelines)", path, dir, dir);
		free(path);
		if (found)
			return -1;
	}
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		cli_error(&cmd_init, "%s exists and is not a directory", dir);
		return -1;
	}
	return 0;
}

/* Writes every scaffold file under dir.  Returns 0 or -1 after saying
 * which file failed. */
static int scaffold(const char *dir)
{
	static const struct {
		const char *rel;
		const char *text;
		mode_t mode;
	} files[] = {
		{"baton.yaml", baton_yaml, 0644},
		{"pipelines/hello.yaml", hello_yaml, 0644},
		{"pipelines/hello/greet.sh", greet_sh, 0755},
	};
	char *sub = xasprintf("%s/pipelines/hello", dir), *path = NULL;
	int rc = fs_mkdirs(sub);

	if (rc < 0) {
		cli_error(&cmd_init, "cannot create %s: %s", sub,
			  strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		free(path);
		path = xasprintf("%s/%s", dir, files[i].rel);
		rc = write_new(path, files[i].text, files[i].mode);
		if (rc < 0)
			goto fail;
	}
	free(path);
	path = xasprintf("%s/.gitignore", dir);
	rc = add_gitignore(path);
	if (rc < 0)
		goto fail;
	goto out;
fail:
	cli_error(&cmd_init, "cannot write %s: %s", path, strerror(-rc));
out:
	free(sub);
	free(path);
	return rc < 0 ? -1 : 0;
}

static void print_next(const char *dir)
{
	bool here = !strcmp(dir, ".");

	printf("Created a baton project in %s:\n"
	       "  baton.yaml                 settings: state, retention, "
	       "log size\n"
	       "  pipelines/hello.yaml       a 3-step example pipeline\n"
	       "  pipelines/hello/greet.sh   the script of its first step\n"
	       "  .gitignore                 keeps .baton/ (history and logs) "
	       "out of git\n\n"
	       "Next steps:\n", dir);
	if (here)
		printf("  baton run hello\n");
	else
		printf("  cd %s && baton run hello\n", dir);
	printf("  baton graph hello          see its steps\n"
	       "  baton logs last            what each step printed\n"
	       "  baton history              past runs\n");
}

static int exec_init(struct cli *cli, int argc, char **argv)
{
	const char *dir = ".";

	(void)cli;
	if (argc > 1 && argv[1][0] == '-' && strcmp(argv[1], "--")) {
		cli_error(&cmd_init, "unknown option '%s' (see baton init "
			  "--help)", argv[1]);
		return EXIT_CONFIG;
	}
	if (argc > 1 && !strcmp(argv[1], "--")) {
		argv++;
		argc--;
	}
	if (argc > 2) {
		cli_error(&cmd_init, "one directory at a time");
		return EXIT_CONFIG;
	}
	if (argc == 2)
		dir = argv[1];
	if (check_target(dir) < 0 || scaffold(dir) < 0)
		return EXIT_CONFIG;
	print_next(dir);
	return EXIT_OK;
}

const struct cmd_entry cmd_init = {
	.name = "init",
	.usage = "init [DIR]",
	.summary = "Create a new project with an example pipeline.",
	.help = "Creates DIR (default: the current directory) with:\n"
		"  baton.yaml                project settings, commented\n"
		"  pipelines/hello.yaml      an example pipeline: params, env, "
		"depends_on,\n"
		"                            retry, a script step, outputs "
		"passed on\n"
		"  pipelines/hello/greet.sh  its script\n"
		"  .gitignore                with .baton/ (history and logs)\n"
		"\nRefuses, changing nothing, when DIR already has pipelines/ "
		"or baton.yaml.\nThen: cd DIR && baton run hello\n",
	.exec = exec_init,
};
