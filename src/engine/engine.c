/* engine.c - the event loop: signals, pipes, timers, reaping. */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_int.h"
#include "pipeline/pipeline.h"
#include "proc.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timeutil.h"

#define PIPE_LINGER_MS 2000

struct engine *engine_new(struct store *s, const struct engine_config *cfg,
			  struct error *err)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;

	e->store = s;
	e->cfg = *cfg;
	e->cfg.state_dir = xstrdup(cfg->state_dir);
	e->cfg.store_location = xstrdup(cfg->store_location);
	e->cfg.project_root = xstrdup(cfg->project_root);
	e->cfg.self_exe = xstrdup(cfg->self_exe);
	if (e->cfg.default_parallel <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		e->cfg.default_parallel = n > 0 ? (int)n : 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &e->oldmask);
	e->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.ptr = NULL;
	if (e->sigfd < 0 || e->epfd < 0 ||
	    epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->sigfd, &ev) < 0) {
		error_set(err, -errno, "cannot set up the event loop: %s",
			  strerror(errno));
		engine_free(e);
		return NULL;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nruns; i++)
		run_free(e->runs[i]);
	free(e->runs);
	free(e->live);
	pathcache_release(&e->paths);
	if (e->sigfd >= 0)
		close(e->sigfd);
	if (e->epfd >= 0)
		close(e->epfd);
	sigprocmask(SIG_SETMASK, &e->oldmask, NULL);
	free((char *)e->cfg.state_dir);
	free((char *)e->cfg.store_location);
	free((char *)e->cfg.project_root);
	free((char *)e->cfg.self_exe);
	free(e);
}

void engine_emit(struct engine *e, const struct run *r, enum event_type t,
		 int step, int64_t delay, const char *error)
{
	struct event ev = {.type = t, .step = step, .delay_ms = delay,
			   .error = error};

	if (e->cfg.listener.on_event)
		e->cfg.listener.on_event(e->cfg.listener.arg, r, &ev);
}

int engine_add_run(struct engine *e, const struct run_spec *spec,
		   struct run **out, struct error *err)
{
	struct run *r = xcalloc(1, sizeof(*r));
	int rc;

	r->e = e;
	rc = run_prepare(r, spec, err);
	if (rc < 0) {
		run_free(r);
		return rc;
	}
	xgrow((void **)&e->runs, &e->cap, e->nruns + 1, sizeof(*e->runs));
	e->runs[e->nruns++] = r;
	*out = r;
	return 0;
}

int engine_watch(struct engine *e, struct step_rt *s)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};

	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, s->out_fd, &ev) < 0)
		return -errno;
	xgrow((void **)&e->live, &e->live_cap, e->nlive + 1, sizeof(*e->live));
	e->live[e->nlive++] = s;
	return 0;
}

void engine_unwatch(struct engine *e, struct step_rt *s)
{
	for (size_t i = 0; i < e->nlive; i++)
		if (e->live[i] == s) {
			e->live[i] = e->live[--e->nlive];
			break;
		}
}

/* Copies what the step printed into its log, up to the cap. */
static void drain(struct engine *e, struct step_rt *s)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(s->out_fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->out_fd, NULL);
			close(s->out_fd);
			s->out_fd = -1;
			return;
		}
		if (s->log_capped)
			continue;
		if (s->log_fd < 0)
			s->log_fd = open(s->log_path,
					 O_WRONLY | O_CREAT | O_APPEND |
						 O_CLOEXEC,
					 0644);
		if (s->log_bytes + n > e->cfg.log_max_bytes) {
			static const char note[] =
				"\n[baton: log truncated: step output exceeded "
				"log_max]\n";

			n = (ssize_t)(e->cfg.log_max_bytes - s->log_bytes);
			s->log_capped = true;
			if (s->log_fd >= 0 && n > 0 &&
			    write(s->log_fd, chunk, (size_t)n) < 0)
				break;
			if (s->log_fd >= 0 &&
			    write(s->log_fd, note, sizeof(note) - 1) < 0)
				break;
			continue;
		}
		s->log_bytes += n;
		if (s->log_fd >= 0 && write(s->log_fd, chunk, (size_t)n) < 0)
			s->log_capped = true;
	}
}

/* An attempt ends when its process has exited and its pipe is closed. */
static void maybe_done(struct engine *e, struct step_rt *s)
{
	if (!s->exited)
		return;
	if (s->out_fd >= 0) {
		/* Leftover background processes hold the pipe: a step owns
		 * its process group, so end them now. */
		if (!s->pipe_deadline) {
			proc_kill_group(s->pid, SIGKILL);
			s->pipe_deadline = time_mono_ms() + PIPE_LINGER_MS;
		}
		return;
	}
	engine_unwatch(e, s);
	run_attempt_done(s);
}

static struct step_rt *find_live(struct engine *e, pid_t pid)
{
	for (size_t i = 0; i < e->nlive; i++)
		if (e->live[i]->pid == pid && !e->live[i]->exited)
			return e->live[i];
	return NULL;
}

static void reap(struct engine *e)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct step_rt *s = find_live(e, pid);

		if (!s) {
			e->orphans_seen = true;
			continue;
		}
		s->exited = true;
		s->wstatus = st;
		drain(e, s);
		maybe_done(e, s);
	}
}

void engine_cancel(struct engine *e)
{
	e->cancelling = true;
	for (size_t i = 0; i < e->nruns; i++)
		if (!e->runs[i]->finished)
			run_stop(e->runs[i], false);
}

bool engine_cancelled(const struct engine *e)
{
	return e->cancelling;
}

static void on_signal(struct engine *e)
{
	struct signalfd_siginfo si;

	while (read(e->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap(e);
			continue;
		}
		if (++e->nsignals == 1) {
			engine_cancel(e);
			continue;
		}
		/* A second interrupt: stop waiting for grace periods. */
		for (size_t i = 0; i < e->nlive; i++)
			if (e->live[i]->pid > 0 && !e->live[i]->exited)
				proc_kill_group(e->live[i]->pid, SIGKILL);
	}
	reap(e);
}

static void check_live_timers(struct engine *e, int64_t now)
{
	for (size_t i = 0; i < e->nlive; i++) {
		struct step_rt *s = e->live[i];

		if (s->exited) {
			if (s->pipe_deadline && now >= s->pipe_deadline &&
			    s->out_fd >= 0) {
				epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->out_fd,
					  NULL);
				close(s->out_fd);
				s->out_fd = -1;
				maybe_done(e, s);
				i--; /* live[i] was replaced */
			}
			continue;
		}
		if (s->deadline && now >= s->deadline && !s->kill_at) {
			s->timed_out = true;
			s->run->killed_any = true;
			proc_kill_group(s->pid, SIGTERM);
			s->kill_at = now + s->run->p->steps[s->idx].kill_grace_ms;
		}
		if (s->kill_at && now >= s->kill_at) {
			proc_kill_group(s->pid, SIGKILL);
			s->kill_at = 0;
			s->deadline = 0;
		}
	}
}

static void check_timers(struct engine *e)
{
	int64_t now = time_mono_ms();

	check_live_timers(e, now);
	for (size_t i = 0; i < e->nruns; i++) {
		struct run *r = e->runs[i];

		if (r->finished)
			continue;
		if (r->deadline && now >= r->deadline && !r->timed_out)
			run_stop(r, true);
		if (r->nretrying)
			run_fire_retries(r, now);
	}
}

static void consider(int64_t *next, int64_t t)
{
	if (t && (!*next || t < *next))
		*next = t;
}

static int next_timeout(struct engine *e)
{
	int64_t next = 0, now = time_mono_ms();

	for (size_t i = 0; i < e->nlive; i++) {
		consider(&next, e->live[i]->deadline);
		consider(&next, e->live[i]->kill_at);
		consider(&next, e->live[i]->pipe_deadline);
	}
	for (size_t i = 0; i < e->nruns; i++) {
		struct run *r = e->runs[i];

		if (r->finished)
			continue;
		if (!r->timed_out)
			consider(&next, r->deadline);
		for (size_t k = 0; r->nretrying && k < r->p->nsteps; k++)
			if (r->steps[k].st.status == STEP_RETRYING)
				consider(&next, r->steps[k].retry_at);
	}
	if (e->cfg.listener.on_tick && e->cfg.listener.tick_ms > 0)
		consider(&next, e->last_tick + e->cfg.listener.tick_ms);
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static bool all_finished(struct engine *e)
{
	for (size_t i = 0; i < e->nruns; i++)
		if (!e->runs[i]->finished)
			return false;
	return true;
}

static void tick(struct engine *e)
{
	int64_t now;

	if (!e->cfg.listener.on_tick || e->cfg.listener.tick_ms <= 0)
		return;
	now = time_mono_ms();
	if (now - e->last_tick >= e->cfg.listener.tick_ms) {
		e->last_tick = now;
		e->cfg.listener.on_tick(e->cfg.listener.arg);
	}
}

int engine_wait(struct engine *e)
{
	struct epoll_event evs[64];
	int n = 0;

	/* One transaction per turn of the loop: what happened (exits,
	 * timeouts) and what it started are written together. */
	for (;;) {
		store_begin(e->store);
		for (int i = 0; i < n; i++) {
			struct step_rt *s = evs[i].data.ptr;

			if (!s) {
				on_signal(e);
				continue;
			}
			if (s->out_fd >= 0) {
				drain(e, s);
				maybe_done(e, s);
			}
		}
		check_timers(e);
		for (size_t i = 0; i < e->nruns; i++)
			if (!e->runs[i]->finished)
				run_pump(e->runs[i]);
		store_commit(e->store);
		if (all_finished(e))
			break;
		tick(e);
		n = epoll_wait(e->epfd, evs, 64, next_timeout(e));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n < 0)
			n = 0;
	}
	tick(e);
	return 0;
}
