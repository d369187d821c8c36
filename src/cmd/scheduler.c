/* scheduler.c - `baton scheduler`: the scheduler alone, firing pipeline
 * and batch job schedules into an engine of its own until SIGTERM.
 *
 * The project, tenants and jobs files are watched with inotify: a
 * change is loaded as a new world (a broken change is reported and the
 * last good version stays), so a tenant whose preferred time changes
 * moves to its new schedule without a restart.  Nothing polls. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "engine/engine.h"
#include "jobs/jobs.h"
#include "pipeline/project.h"
#include "scheduler/scheduler.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

extern const struct cmd_entry cmd_scheduler;

/* Changes that come within this long of each other load once. */
#define SETTLE_MS 200

struct opts {
	const char *jobs;	/* --jobs FILE */
	int64_t max_runs;	/* --max-runs N */
};

/* One loaded version of the files.  The scheduler holds it while it
 * uses it (hold/drop); the first one also serves the engine's
 * configuration, so the command keeps a reference on it. */
struct world {
	int refs;		/* guarded by world_lock */
	struct project *p;
	struct tenants *t;
	struct jobs *js;
};

static pthread_mutex_t world_lock = PTHREAD_MUTEX_INITIALIZER;

static void world_put(struct world *w)
{
	int left;

	if (!w)
		return;
	pthread_mutex_lock(&world_lock);
	left = --w->refs;
	pthread_mutex_unlock(&world_lock);
	if (left > 0)
		return;
	jobs_free(w->js);
	tenants_free(w->t);
	project_free(w->p);
	free(w);
}

static void hold(void *arg, void *owner)
{
	struct world *w = owner;

	(void)arg;
	pthread_mutex_lock(&world_lock);
	w->refs++;
	pthread_mutex_unlock(&world_lock);
}

static void drop(void *arg, void *owner)
{
	(void)arg;
	world_put(owner);
}

/* What the command needs to load and watch the files. */
struct env {
	struct cli *cli;
	const char *jobs_opt;		/* --jobs, else BATON_JOBS, or NULL */
	char *tenants_file;		/* absolute */
	bool tenants_required;
	struct scheduler *sched;
	struct world *cur;		/* the last good world (referenced) */
	int inofd;
	int stopfd;
	pthread_t watcher;
	bool watching;
};

/* The jobs file: --jobs or BATON_JOBS, else the project's
 * batch_config.json, else its jobs.yaml; NULL when there is none.
 * Caller frees. */
static char *jobs_path(const struct env *e, const struct project *p)
{
	static const char *const names[] = {"batch_config.json", "jobs.yaml"};

	if (e->jobs_opt)
		return xstrdup(e->jobs_opt);
	for (size_t i = 0; i < 2; i++) {
		char *f = xasprintf("%s/%s", p->root, names[i]);

		if (access(f, F_OK) == 0)
			return f;
		free(f);
	}
	return NULL;
}

/* Loads the files into a new world with one reference.  Every problem
 * goes into d; broken pipeline files only leave their pipelines out.
 * Returns NULL when the project, tenants or jobs file is unusable. */
static struct world *world_load(struct env *e, struct diags *d)
{
	struct world *w = xcalloc(1, sizeof(*w));
	char *jobs = NULL;

	w->refs = 1;
	if (project_open(e->cli->project_dir, &w->p, d) < 0)
		goto fail;
	if (e->tenants_required || access(e->tenants_file, F_OK) == 0) {
		size_t before = d->n;

		if (tenants_load(e->tenants_file, &w->t, d) < 0 ||
		    tenants_check_pipelines(w->t, w->p, d) < 0 ||
		    d->n > before)
			goto fail;
	}
	jobs = jobs_path(e, w->p);
	if (jobs && jobs_load(jobs, &w->js, d) < 0)
		goto fail;
	free(jobs);
	return w;
fail:
	free(jobs);
	world_put(w);
	return NULL;
}

/* True when a pipeline of the current world is broken in w: the change
 * would stop its schedule, so it is refused as a whole (as `baton
 * serve` does). */
static bool breaks_one(const struct env *e, const struct world *w)
{
	for (size_t i = 0; i < w->p->nbroken; i++) {
		const char *base = strrchr(w->p->broken[i], '/');
		char *id = xstrdup(base ? base + 1 : w->p->broken[i]);
		char *dot = strrchr(id, '.');
		bool known;

		if (dot)
			*dot = '\0';
		known = project_find(e->cur->p, id) != NULL;
		free(id);
		if (known)
			return true;
	}
	return false;
}

static void reload(struct env *e)
{
	struct scheduler_world sw;
	struct world *w;
	struct diags d;

	diags_init(&d);
	w = world_load(e, &d);
	if (w && breaks_one(e, w)) {
		world_put(w);
		w = NULL;
	}
	if (!w) {
		fprintf(stderr, "baton scheduler: the change was not loaded; "
			"the last good version stays in use:\n");
		diags_print(&d, stderr, e->cli->color);
	} else {
		sw = (struct scheduler_world){w->p, w->t, w->js, w};
		scheduler_set_world(e->sched, &sw);
		world_put(e->cur);
		e->cur = w;
		fprintf(stderr, "baton scheduler: reloaded the project%s%s\n",
			w->t ? ", tenants" : "", w->js ? " and jobs" : "");
	}
	diags_release(&d);
}

/* Whether a changed file name can matter: YAML or JSON. */
static bool relevant(const char *name)
{
	return str_ends(name, ".yaml") || str_ends(name, ".yml") ||
	       str_ends(name, ".json");
}

/* Reads the inotify events waiting; true when one names a file that
 * can matter. */
static bool drain(int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(
		struct inotify_event))));
	bool any = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (void *)p;

			if (ev->len && relevant(ev->name))
				any = true;
			if (ev->mask & IN_Q_OVERFLOW)
				any = true;
			p += sizeof(*ev) + ev->len;
		}
	return any;
}

static void *watch_main(void *arg)
{
	struct env *e = arg;
	struct pollfd pfd[2] = {
		{.fd = e->stopfd, .events = POLLIN},
		{.fd = e->inofd, .events = POLLIN},
	};
	bool pending = false;

	for (;;) {
		/* Sleeps until a change; then waits for the writes to settle
		 * before loading. */
		int n = poll(pfd, 2, pending ? SETTLE_MS : -1);

		if (n < 0 && errno != EINTR)
			return NULL;
		if (pfd[0].revents)
			return NULL;
		if (n > 0 && pfd[1].revents) {
			pending |= drain(e->inofd);
			continue;
		}
		if (pending) {
			pending = false;
			reload(e);
		}
	}
}

static void watch_dir(struct env *e, const char *path)
{
	char *copy = xstrdup(path);

	if (inotify_add_watch(e->inofd, copy,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
				      IN_CREATE | IN_DELETE) < 0)
		fprintf(stderr, "baton scheduler: warning: cannot watch %s "
			"for changes: %s\n", copy, strerror(errno));
	free(copy);
}

/* Watches the directories holding the files a world reads. */
static int start_watch(struct env *e, const struct project *p)
{
	char *t = xstrdup(e->tenants_file), *j = NULL;

	e->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	e->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->inofd < 0 || e->stopfd < 0) {
		free(t);
		return -errno;
	}
	watch_dir(e, p->root);
	watch_dir(e, p->pipelines_dir);
	watch_dir(e, dirname(t));
	if (e->jobs_opt) {
		j = xstrdup(e->jobs_opt);
		watch_dir(e, dirname(j));
	}
	free(t);
	free(j);
	e->watching = pthread_create(&e->watcher, NULL, watch_main, e) == 0;
	return 0;
}

static void stop_watch(struct env *e)
{
	uint64_t one = 1;

	if (e->watching) {
		if (write(e->stopfd, &one, sizeof(one)) < 0) {
			/* cannot happen: the counter was 0 */
		}
		pthread_join(e->watcher, NULL);
		e->watching = false;
	}
	if (e->inofd >= 0)
		close(e->inofd);
	if (e->stopfd >= 0)
		close(e->stopfd);
}

static int parse(int argc, char **argv, struct opts *o)
{
	enum { O_JOBS = 256, O_MAX_RUNS };
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, O_JOBS},
		{"max-runs", required_argument, NULL, O_MAX_RUNS},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == O_JOBS) {
			o->jobs = optarg;
		} else if (c == O_MAX_RUNS) {
			if (str_to_i64(optarg, &o->max_runs) < 0 ||
			    o->max_runs < 0 || o->max_runs > 100000) {
				cli_error(&cmd_scheduler, "--max-runs must be "
					  "a number from 0 (no limit) to "
					  "100000, not '%s'", optarg);
				return -1;
			}
		} else {
			cli_error(&cmd_scheduler, "bad option; see baton "
				  "scheduler --help");
			return -1;
		}
	}
	if (optind < argc) {
		cli_error(&cmd_scheduler, "unexpected argument '%s'",
			  argv[optind]);
		return -1;
	}
	return 0;
}

static int exec_scheduler(struct cli *cli, int argc, char **argv)
{
	struct opts o = {0};
	struct env e = {.cli = cli, .inofd = -1, .stopfd = -1};
	struct scheduler_config sc = {.hold = hold, .drop = drop};
	struct engine_config ecfg = {0};
	struct scheduler_world sw;
	struct world *w = NULL;
	struct store *store = NULL;
	struct engine *eng = NULL;
	struct error err = {0};
	const char *env_jobs = getenv("BATON_JOBS");
	struct diags d;
	int code = EXIT_CONFIG;

	diags_init(&d);
	if (parse(argc, argv, &o) < 0)
		goto out;
	e.jobs_opt = o.jobs ? o.jobs : env_jobs && *env_jobs ? env_jobs : NULL;
	e.tenants_file = cli_tenants_location(cli);
	e.tenants_required = cli->tenants || getenv("BATON_TENANTS");
	w = world_load(&e, &d);
	if (!w) {
		diags_print(&d, stderr, cli->color);
		fprintf(stderr, "baton scheduler: nothing was started\n");
		goto out;
	}
	if (d.n) {
		fprintf(stderr, "baton scheduler: some pipeline files have "
			"errors; their schedules do not fire until fixed:\n");
		diags_print(&d, stderr, cli->color);
	}
	if (scheduler_fake_now(&sc.clock_offset_ms, &err) < 0) {
		fprintf(stderr, "baton scheduler: %s\n", err.msg);
		goto out;
	}
	code = cli_open_store(cli, w->p, &store);
	if (code)
		goto out;
	code = EXIT_INTERNAL;
	sc.store_location = cli_store_location(cli, w->p);
	sc.max_runs = (int)o.max_runs;
	e.sched = scheduler_new(&sc, &err);
	if (!e.sched) {
		fprintf(stderr, "baton scheduler: %s\n", err.msg);
		goto out;
	}
	cli_engine_config(cli, w->p, &ecfg);
	ecfg.keep_running = true;
	ecfg.max_runs = (int)o.max_runs;
	scheduler_listener(e.sched, &ecfg.listener);
	/* The engine first: it blocks SIGTERM and friends in this thread,
	 * and the threads started next inherit the mask. */
	eng = engine_new(store, &ecfg, &err);
	if (!eng) {
		fprintf(stderr, "baton scheduler: %s\n", err.msg);
		goto out;
	}
	sw = (struct scheduler_world){w->p, w->t, w->js, w};
	scheduler_set_world(e.sched, &sw);
	if (scheduler_start(e.sched, eng, store, &err) < 0) {
		fprintf(stderr, "baton scheduler: %s\n", err.msg);
		goto out;
	}
	hold(NULL, w);
	e.cur = w;
	if (start_watch(&e, w->p) < 0)
		fprintf(stderr, "baton scheduler: warning: changes to the "
			"files are not noticed (inotify: %s); restart to "
			"load them\n", strerror(errno));
	fprintf(stderr, "baton scheduler: running (pid %d); SIGTERM or "
		"SIGINT stops it\n", (int)getpid());
	fflush(stderr);
	code = EXIT_OK;
	if (engine_wait(eng) < 0) {
		fprintf(stderr, "baton scheduler: the event loop failed\n");
		code = EXIT_INTERNAL;
	}
	fprintf(stderr, "baton scheduler: stopped\n");
out:
	stop_watch(&e);
	world_put(e.cur);
	scheduler_stop(e.sched);
	engine_free(eng);
	scheduler_free(e.sched);
	store_free(store);
	cli_engine_config_release(&ecfg);
	world_put(w);
	free(e.tenants_file);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_scheduler = {
	.name = "scheduler",
	.usage = "scheduler [--max-runs N] [--jobs FILE]",
	.summary = "Fire pipeline and batch job schedules, without the "
		   "server.",
	.help = "Runs every pipeline `schedule:` and every batch job "
		"schedule (preference-based\njobs by each tenant's preferred "
		"time) at its due time, until SIGTERM or\nSIGINT, which "
		"cancel the runs going and record them.  `baton serve` runs "
		"the\nsame scheduler; only one fires per store, others stand "
		"by.  Changes to the\npipeline, tenants and jobs files are "
		"loaded as they happen.  See\ndocs/schedules.md.\n\nOptions:\n"
		"      --jobs FILE     the batch jobs file (default: "
		"BATON_JOBS, else the\n"
		"                      project's batch_config.json, else "
		"jobs.yaml)\n"
		"      --max-runs N    runs at once (default 0: no limit); "
		"beyond it, runs wait\n"
		"                      and start highest priority first\n",
	.exec = exec_scheduler,
};
