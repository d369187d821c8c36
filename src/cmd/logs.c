/* logs.c - `baton logs`: what a run's steps printed, optionally live. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "engine/engine.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"

extern const struct cmd_entry cmd_logs;

#define POLL_MS 200
/* While following, check every this many polls whether the baton
 * driving the run died (the run would otherwise never end). */
#define RECOVER_EVERY 25

struct logs_args {
	const char *run;
	const char *step;
	bool follow;
};

/* What we know of the run, re-read from the store while following. */
struct view {
	struct store *store;
	struct run_rec run;
	struct step_rec *steps;
	size_t nsteps;
	unsigned polls;
};

/* One log being printed: its file, opened once it exists. */
struct tail {
	int fd;
	off_t off;
};

static int parse(struct logs_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"attempt", required_argument, NULL, 'A'},
		{0},
	};
	int64_t n;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c == 'f') {
			a->follow = true;
		} else if (c == 'A') {
			if (str_to_i64(optarg, &n) < 0 || n < 1) {
				cli_error(&cmd_logs, "--attempt needs a number "
					  "from 1, not '%s'", optarg);
				return -1;
			}
			fprintf(stderr, "baton logs: note: --attempt is not "
					"supported yet; showing every "
					"attempt\n");
		} else {
			return -1;
		}
	}
	if (optind >= argc || optind + 2 < argc) {
		cli_error(&cmd_logs, optind >= argc
					     ? "which run? give a run id, a "
					       "prefix of one, or 'last'"
					     : "too many arguments (baton logs "
					       "RUN [STEP])");
		return -1;
	}
	a->run = argv[optind];
	a->step = optind + 1 < argc ? argv[optind + 1] : NULL;
	return 0;
}

/* True when st's log is a plain file directly inside the run's own
 * directory (STATE_DIR/runs/RUN_ID), so that whatever the store holds,
 * nothing else can ever be read. */
static bool log_path_ok(const struct run_rec *r, const struct step_rec *st)
{
	const char *dir = r->state_dir, *rest;
	size_t n, nid = strlen(r->id);

	if (!dir || !st->log_path)
		return false;
	n = strlen(dir);
	if (n < nid + 6 || strcmp(dir + n - nid, r->id) ||
	    strncmp(dir + n - nid - 6, "/runs/", 6) || strstr(dir, "/../"))
		return false;
	if (strncmp(st->log_path, dir, n) || st->log_path[n] != '/')
		return false;
	rest = st->log_path + n + 1;
	return *rest && *rest != '.' && !strchr(rest, '/');
}

/* Copies what was appended to t's file since the last call to stdout.
 * Opens the file on first sight.  Returns the bytes copied. */
static size_t pump(struct tail *t, const char *path)
{
	char chunk[16384];
	size_t total = 0;
	ssize_t n;

	if (t->fd < 0)
		t->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (t->fd < 0)
		return 0;
	while ((n = pread(t->fd, chunk, sizeof(chunk), t->off)) > 0) {
		fwrite(chunk, 1, (size_t)n, stdout);
		t->off += n;
		total += (size_t)n;
	}
	fflush(stdout);
	return total;
}

/* Re-reads the run and its steps.  Returns 0 or a negative code. */
static int view_refresh(struct view *v)
{
	struct run_rec run;
	struct step_rec *steps = NULL;
	size_t n = 0;
	int rc;

	if (++v->polls % RECOVER_EVERY == 0 &&
	    !run_status_final(v->run.status)) {
		char *notes = NULL;

		if (engine_recover(v->store, &notes) > 0 && notes)
			fprintf(stderr, "baton: %s", notes);
		free(notes);
	}
	rc = store_run_get(v->store, v->run.id, &run, NULL);
	if (rc < 0)
		return rc;
	rc = store_steps_list(v->store, run.id, &steps, &n);
	if (rc < 0) {
		run_rec_release(&run);
		return rc;
	}
	run_rec_release(&v->run);
	step_recs_free(v->steps, v->nsteps);
	v->run = run;
	v->steps = steps;
	v->nsteps = n;
	return 0;
}

static const struct step_rec *view_step(const struct view *v,
					const char *name)
{
	for (size_t i = 0; i < v->nsteps; i++)
		if (!strcmp(v->steps[i].name, name))
			return &v->steps[i];
	return NULL;
}

/* Whether the step's log can still grow. */
static bool still_writing(const struct view *v, const char *name)
{
	const struct step_rec *st = view_step(v, name);

	return st && !run_status_final(v->run.status) &&
	       !step_status_final(st->status);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Prints step name's log; with follow, keeps printing until the step
 * (or the run) has ended and the file is drained.  Returns the bytes
 * printed, or -1 when the store failed. */
static ssize_t show_step(struct view *v, const char *name, bool follow)
{
	struct tail t = {.fd = -1};
	char *path = xstrdup(view_step(v, name)->log_path);
	size_t total = 0;
	ssize_t rc = 0;

	for (;;) {
		/* Decided before reading, so bytes written before the step
		 * ended are always drained by the read that follows. */
		bool more = follow && still_writing(v, name);

		total += pump(&t, path);
		if (!more)
			break;
		sleep_ms(POLL_MS);
		if (view_refresh(v) < 0) {
			rc = -1;
			break;
		}
	}
	if (t.fd >= 0)
		close(t.fd);
	free(path);
	return rc < 0 ? rc : (ssize_t)total;
}

/* Error for a STEP that is not in the run, with a did-you-mean. */
static void unknown_step(const struct view *v, const char *name)
{
	const char **names = xcalloc(v->nsteps + 1, sizeof(*names));
	const char *hint;
	struct buf all;

	buf_init(&all, 0);
	for (size_t i = 0; i < v->nsteps; i++) {
		names[i] = v->steps[i].name;
		buf_addf(&all, "%s%s", i ? ", " : "", names[i]);
	}
	hint = str_suggest(name, names, v->nsteps);
	if (hint)
		cli_error(&cmd_logs, "run %s has no step '%s' (did you mean "
			  "'%s'?)", v->run.id, name, hint);
	else
		cli_error(&cmd_logs, "run %s has no step '%s' (its steps: %s)",
			  v->run.id, name, v->nsteps ? all.data : "none");
	buf_release(&all);
	free(names);
}

static int logs_one(struct view *v, const char *name, bool follow)
{
	const struct step_rec *st = view_step(v, name);
	ssize_t n;

	if (!st) {
		unknown_step(v, name);
		return EXIT_CONFIG;
	}
	if (!log_path_ok(&v->run, st)) {
		cli_error(&cmd_logs, "the log of step '%s' is not inside the "
			  "directory of run %s; refusing to read it", name,
			  v->run.id);
		return EXIT_INTERNAL;
	}
	n = show_step(v, name, follow);
	if (n < 0)
		return EXIT_INTERNAL;
	st = view_step(v, name);
	if (n == 0 && st && st->attempt)
		fprintf(stderr, "(step %s printed nothing)\n", name);
	else if (n == 0 && st)
		fprintf(stderr, "(step %s printed nothing: it did not run; "
				"status %s)\n",
			name, step_status_name(st->status));
	return EXIT_OK;
}

static int logs_all(struct view *v, bool follow)
{
	size_t n = v->nsteps;
	char **names = xcalloc(n ? n : 1, sizeof(*names));
	int code = EXIT_OK;

	/* Refreshing replaces v->steps, so walk a copy of the names. */
	for (size_t i = 0; i < n; i++)
		names[i] = xstrdup(v->steps[i].name);
	for (size_t i = 0; i < n && code == EXIT_OK; i++) {
		const struct step_rec *st = view_step(v, names[i]);

		if (!st)
			continue;
		printf("%s==> %s (%s) <==\n", i ? "\n" : "", names[i],
		       st->reused ? "reused" : step_status_name(st->status));
		if (!log_path_ok(&v->run, st)) {
			fprintf(stderr, "baton logs: skipping step %s: its log "
					"is outside run %s's directory\n",
				names[i], v->run.id);
			continue;
		}
		if (show_step(v, names[i], follow) < 0)
			code = EXIT_INTERNAL;
	}
	if (!n)
		fprintf(stderr, "(run %s has no steps)\n", v->run.id);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return code;
}

static int exec_logs(struct cli *cli, int argc, char **argv)
{
	struct logs_args a = {0};
	struct project *proj = NULL;
	struct view v = {0};
	struct error err = {0};
	struct diags d;
	bool have_run = false;
	int code;

	if (parse(&a, argc, argv) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	if (!cli_store_exists(cli, proj)) {
		cli_error(&cmd_logs, "no runs yet in %s (start one with "
			  "'baton run PIPELINE')", proj->root);
		code = EXIT_CONFIG;
		goto out;
	}
	code = cli_open_store(cli, proj, &v.store);
	if (code)
		goto out;
	if (store_run_get(v.store, a.run, &v.run, &err) < 0) {
		cli_error(&cmd_logs, "%s ('baton history' lists runs)",
			  err.msg);
		code = EXIT_CONFIG;
		goto out;
	}
	have_run = true;
	if (store_steps_list(v.store, v.run.id, &v.steps, &v.nsteps) < 0) {
		cli_error(&cmd_logs, "cannot read the steps of run %s",
			  v.run.id);
		code = EXIT_INTERNAL;
		goto out;
	}
	code = a.step ? logs_one(&v, a.step, a.follow)
		      : logs_all(&v, a.follow);
out:
	if (have_run)
		run_rec_release(&v.run);
	step_recs_free(v.steps, v.nsteps);
	store_free(v.store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_logs = {
	.name = "logs",
	.usage = "logs RUN [STEP] [-f]",
	.summary = "Print what a run's steps printed (stdout and stderr).",
	.help = "RUN is a run id, a unique prefix of one, or 'last'.  With "
		"STEP, prints that\nstep's log; without, prints every step's "
		"log in pipeline order, each after\na header line "
		"'==> STEP (status) <=='.  Retries append to the same log, "
		"after\na '--- baton: attempt N of M ---' line.\n\n"
		"Options:\n"
		"  -f, --follow       keep printing as the steps write, until "
		"the run ends\n"
		"      --attempt N    (not supported yet: every attempt is "
		"shown)\n",
	.exec = exec_logs,
};
