/* engine.c - the event loop: signals, pipes, timers, reaping. */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
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
#include "util/fs.h"
#include "util/timeutil.h"

#define PIPE_LINGER_MS 2000

extern char **environ;


struct engine *engine_new(struct store *s, const struct engine_config *cfg,
			  struct error *err)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;
	char *tmp;
	int rc;

	e->sigfd = e->epfd = e->wakefd = -1;
	e->store = s;
	e->cfg = *cfg;
	e->cfg.state_dir = xstrdup(cfg->state_dir);
	e->cfg.store_location = xstrdup(cfg->store_location);
	e->cfg.project_root = xstrdup(cfg->project_root);
	e->cfg.self_exe = xstrdup(cfg->self_exe);
	e->cfg.tenants_file = xstrdup(cfg->tenants_file);
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
	e->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&e->lock, NULL);
	e->sigw = (struct watch){WATCH_SIGNAL, e, e->sigfd};
	e->wakew = (struct watch){WATCH_WAKE, e, e->wakefd};
	ev.data.ptr = &e->sigw;
	if (e->sigfd < 0 || e->epfd < 0 || e->wakefd < 0 ||
	    epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->sigfd, &ev) < 0 ||
	    epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wakefd,
		      &(struct epoll_event){.events = EPOLLIN,
					    .data.ptr = &e->wakew}) < 0) {
		error_set(err, -errno, "cannot set up the event loop: %s",
			  strerror(errno));
		engine_free(e);
		return NULL;
	}
	tmp = xasprintf("%s/tmp", e->cfg.state_dir);
	rc = fs_mkdirs(tmp);
	free(tmp);
	if (rc < 0) {
		error_set(err, rc, "cannot create %s/tmp: %s", e->cfg.state_dir,
			  strerror(-rc));
		engine_free(e);
		return NULL;
	}
	e->env = json_object();
	for (char **p = environ; *p; p++) {
		const char *eq = strchr(*p, '=');
		char *name;

		if (!eq)
			continue;
		name = xstrndup(*p, (size_t)(eq - *p));
		json_object_set_new(e->env, name, json_string(eq + 1));
		free(name);
	}
	e->buckets = xcalloc(cfg->nlimits + 1, sizeof(*e->buckets));
	for (size_t i = 0; i < cfg->nlimits; i++) {
		e->buckets[i].limit = &cfg->limits[i];
		e->buckets[i].tokens = cfg->limits[i].burst > 0
					       ? cfg->limits[i].burst
					       : 1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	http_release(e);	/* before the steps its requests point to */
	for (size_t i = 0; i < e->nruns; i++)
		run_free(e->runs[i]);
	free(e->runs);
	free(e->active);
	free(e->live);
	pathcache_release(&e->paths);
	free(e->buckets);
	json_decref(e->env);
	if (e->sigfd >= 0)
		close(e->sigfd);
	if (e->wakefd >= 0)
		close(e->wakefd);
	pthread_mutex_destroy(&e->lock);
	if (e->epfd >= 0)
		close(e->epfd);
	sigprocmask(SIG_SETMASK, &e->oldmask, NULL);
	free((char *)e->cfg.state_dir);
	free((char *)e->cfg.store_location);
	free((char *)e->cfg.project_root);
	free((char *)e->cfg.self_exe);
	free((char *)e->cfg.tenants_file);
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
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->w};

	s->w = (struct watch){WATCH_STEP, s, s->out_fd};
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

int step_log_open(struct step_rt *s)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
	int fd = open(s->log_path, flags, 0644);

	if (fd < 0 && errno == ENOENT && fs_mkdirs(s->run->dir) == 0)
		fd = open(s->log_path, flags, 0644);
	return fd;
}

int step_log_append(void *arg, const char *data, size_t n)
{
	static const char note[] =
		"\n[baton: log truncated: step output exceeded log_max]\n";
	struct step_rt *s = arg;
	int64_t max = s->run->e->cfg.log_max_bytes;

	if (s->log_capped)
		return 0;
	if (s->log_fd < 0)
		s->log_fd = step_log_open(s);
	if (s->log_fd < 0)
		return 0;
	if (s->log_bytes + (int64_t)n > max) {
		n = (size_t)(max - s->log_bytes);
		s->log_capped = true;
		if ((n && write(s->log_fd, data, n) < 0) ||
		    write(s->log_fd, note, sizeof(note) - 1) < 0)
			return 0;
		return 0;
	}
	s->log_bytes += (int64_t)n;
	if (write(s->log_fd, data, n) < 0)
		s->log_capped = true;
	return 0;
}

static void close_pipe(struct engine *e, struct step_rt *s)
{
	epoll_ctl(e->epfd, EPOLL_CTL_DEL, s->out_fd, NULL);
	close(s->out_fd);
	s->out_fd = -1;
	redact_stream_flush(&s->rs);
}

/* Copies what the step printed into its log, redacted, up to the cap.
 * Reading goes on past the cap so the step never blocks on a full
 * pipe. */
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
			close_pipe(e, s);
			return;
		}
		if (!s->log_capped)
			redact_stream_feed(&s->rs, chunk, (size_t)n);
	}
}

/* True if baton has a child that is not a running step: a process that
 * left its step's group (setsid) and was reparented to us, the child
 * subreaper.  Reading /proc/self/task/TID/children is cheap; the /proc
 * scan that kills such processes then runs only when there are some. */
static bool has_stray_children(struct engine *e)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		bool known = false;

		if (end == p)
			break;
		for (size_t i = 0; i < e->nlive && !known; i++)
			known = e->live[i]->pid == pid && !e->live[i]->exited;
		if (!known)
			return true;
		p = end;
		while (*p == ' ')
			p++;
	}
	return false;
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
	if (has_stray_children(e))
		s->run->orphans = true;
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
		run_cancel(e->runs[i]);
}

bool engine_cancelled(const struct engine *e)
{
	return e->cancelling;
}

static struct bucket *find_bucket(struct engine *e, const char *key)
{
	for (size_t i = 0; key && i < e->cfg.nlimits; i++)
		if (!strcmp(e->buckets[i].limit->key, key))
			return &e->buckets[i];
	return NULL;
}

/* Takes a token for key, or returns how long until one is there. */
static int64_t bucket_take(struct engine *e, const char *key, int64_t now)
{
	struct bucket *b = find_bucket(e, key);
	double rate, burst;

	if (!b || b->limit->per_minute <= 0)
		return 0;
	rate = b->limit->per_minute / 60000.0;	/* tokens per ms */
	burst = b->limit->burst > 0 ? b->limit->burst : 1;
	b->tokens += (double)(now - b->last) * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (int64_t)((1 - b->tokens) / rate) + 1;
}

void engine_run_done(struct engine *e, struct run *r)
{
	for (size_t i = 0; i < e->nactive; i++)
		if (e->active[i] == r) {
			e->active[i] = e->active[--e->nactive];
			return;
		}
}

/* Looking this far into the queue is enough to find a run whose rate
 * limit allows it to start, without scanning huge batches each turn. */
#define QUEUE_LOOKAHEAD 256

/* Starts queued runs in order while slots, the start gap and the rate
 * limits allow; sets wake_at when a later start is due. */
static void start_runs(struct engine *e)
{
	int64_t now = time_mono_ms();
	size_t looked = 0;

	e->wake_at = 0;
	while (e->queue_head < e->nruns &&
	       e->runs[e->queue_head]->status != RUN_QUEUED)
		e->queue_head++;
	for (size_t i = e->queue_head; i < e->nruns; i++) {
		struct run *r = e->runs[i];
		int64_t wait;

		if (r->status != RUN_QUEUED)
			continue;
		if (++looked > QUEUE_LOOKAHEAD ||
		    (e->cfg.max_runs > 0 &&
		     e->nactive >= (size_t)e->cfg.max_runs))
			return;
		if (e->cfg.start_gap_ms && e->last_start &&
		    now < e->last_start + e->cfg.start_gap_ms) {
			e->wake_at = e->last_start + e->cfg.start_gap_ms;
			return;
		}
		wait = bucket_take(e, r->rate_key, now);
		if (wait > 0) {
			if (!e->wake_at || now + wait < e->wake_at)
				e->wake_at = now + wait;
			continue;
		}
		xgrow((void **)&e->active, &e->active_cap, e->nactive + 1,
		      sizeof(*e->active));
		e->active[e->nactive++] = r;
		e->last_start = now;
		run_begin(r);
	}
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
			if (e->cfg.keep_running) {
				pthread_mutex_lock(&e->lock);
				e->shutdown = true;
				pthread_mutex_unlock(&e->lock);
			}
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
				close_pipe(e, s);
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

	if (e->curl_deadline && now >= e->curl_deadline)
		http_on_timer(e);
	check_live_timers(e, now);
	for (size_t i = 0; i < e->nactive; i++) {
		struct run *r = e->active[i];

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
	for (size_t i = 0; i < e->nactive; i++) {
		struct run *r = e->active[i];

		if (r->finished)
			continue;
		if (!r->timed_out)
			consider(&next, r->deadline);
		for (size_t k = 0; r->nretrying && k < r->p->nsteps; k++)
			if (r->steps[k].st.status == STEP_RETRYING)
				consider(&next, r->steps[k].retry_at);
	}
	consider(&next, e->wake_at);
	consider(&next, e->curl_deadline);
	if (e->cfg.listener.on_tick && e->cfg.listener.tick_ms > 0)
		consider(&next, e->last_tick + e->cfg.listener.tick_ms);
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static bool all_finished(struct engine *e)
{
	while (e->queue_head < e->nruns &&
	       e->runs[e->queue_head]->status != RUN_QUEUED)
		e->queue_head++;
	if (e->cfg.keep_running && !e->shutdown)
		return false;
	/* Webhooks still being delivered keep the loop alive. */
	return e->queue_head == e->nruns && !e->nactive && !e->nnotices;
}

static void wake(struct engine *e)
{
	uint64_t one = 1;

	if (write(e->wakefd, &one, sizeof(one)) < 0) {
		/* The counter is full: the loop is awake already. */
	}
}

int engine_call(struct engine *e, int (*fn)(struct engine *e, void *arg),
		void *arg)
{
	struct engine_call_req req = {.fn = fn, .arg = arg};
	int rc;

	pthread_cond_init(&req.cond, NULL);
	pthread_mutex_lock(&e->lock);
	if (e->loop_done) {
		/* No loop will run it: waiting would never end. */
		pthread_mutex_unlock(&e->lock);
		pthread_cond_destroy(&req.cond);
		return -ECANCELED;
	}
	req.next = e->calls;
	e->calls = &req;
	pthread_mutex_unlock(&e->lock);
	wake(e);
	pthread_mutex_lock(&e->lock);
	while (!req.done)
		pthread_cond_wait(&req.cond, &e->lock);
	rc = req.rc;
	pthread_mutex_unlock(&e->lock);
	pthread_cond_destroy(&req.cond);
	return rc;
}

void engine_shutdown(struct engine *e, bool cancel)
{
	pthread_mutex_lock(&e->lock);
	e->shutdown = true;
	e->shutdown_cancel |= cancel;
	pthread_mutex_unlock(&e->lock);
	wake(e);
}

/* Runs the functions other threads posted, then acts on shutdown. */
static void on_wake(struct engine *e)
{
	struct engine_call_req *list, *next;
	uint64_t count;
	bool cancel;

	if (read(e->wakefd, &count, sizeof(count)) < 0) {
		/* Nothing pending: a spurious wake-up. */
	}
	pthread_mutex_lock(&e->lock);
	list = e->calls;
	e->calls = NULL;
	cancel = e->shutdown_cancel;
	pthread_mutex_unlock(&e->lock);
	for (; list; list = next) {
		int rc = list->fn(e, list->arg);

		pthread_mutex_lock(&e->lock);
		next = list->next;
		list->rc = rc;
		list->done = true;
		pthread_cond_signal(&list->cond);
		pthread_mutex_unlock(&e->lock);
	}
	if (cancel && !e->cancelling)
		engine_cancel(e);
}

struct run *engine_find_run(struct engine *e, const char *id)
{
	for (size_t i = 0; i < e->nruns; i++)
		if (!strcmp(e->runs[i]->id, id))
			return e->runs[i];
	return NULL;
}

void engine_set_tick(struct engine *e, int tick_ms)
{
	e->cfg.listener.tick_ms = tick_ms;
}

void engine_cancel_run(struct engine *e, struct run *r)
{
	(void)e;
	run_cancel(r);
}

/* A server holds runs only while they go on: everything about a run
 * that ended is in the store. */
static void forget_finished(struct engine *e)
{
	size_t k = 0;

	if (!e->cfg.keep_running)
		return;
	for (size_t i = 0; i < e->nruns; i++) {
		if (e->runs[i]->finished)
			run_free(e->runs[i]);
		else
			e->runs[k++] = e->runs[i];
	}
	e->nruns = k;
	e->queue_head = 0;
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

static void dispatch(struct engine *e, struct watch *w, uint32_t events)
{
	struct step_rt *s;

	switch (w->kind) {
	case WATCH_SIGNAL:
		on_signal(e);
		break;
	case WATCH_WAKE:
		on_wake(e);
		break;
	case WATCH_HTTP:
		http_on_socket(e, w, events);
		break;
	case WATCH_STEP:
		s = w->obj;
		if (s->out_fd >= 0) {
			drain(e, s);
			maybe_done(e, s);
		}
		break;
	}
}

/* Starts what may start and lets runs start steps.  A run that ends
 * frees a slot: go round again at once rather than after a wait. */
static void start_and_pump(struct engine *e)
{
	size_t finished;

	do {
		finished = e->nfinished;
		start_runs(e);
		/* run_pump may finish a run, which shrinks active[]. */
		for (size_t i = e->nactive; i-- > 0;)
			if (i < e->nactive)
				run_pump(e->active[i]);
	} while (e->nfinished != finished);
}

/* State changes are grouped into one transaction for at most this long:
 * a commit per step would cost more than starting the step.  A crash
 * loses at most this much history, which recovery then accounts for;
 * other processes writing the store wait at most this long. */
#define COMMIT_WINDOW_MS 25

/* The loop has ended: fails the calls still waiting and those to
 * come, so that no other thread waits for it forever. */
static void end_calls(struct engine *e)
{
	struct engine_call_req *list;

	pthread_mutex_lock(&e->lock);
	e->loop_done = true;
	list = e->calls;
	e->calls = NULL;
	for (; list; list = list->next) {
		list->rc = -ECANCELED;
		list->done = true;
		pthread_cond_signal(&list->cond);
	}
	pthread_mutex_unlock(&e->lock);
}

int engine_wait(struct engine *e)
{
	struct epoll_event evs[64];
	int64_t tx_start = 0, now;
	int n = 0, timeout;

	pthread_mutex_lock(&e->lock);
	e->loop_done = false;
	pthread_mutex_unlock(&e->lock);
	for (;;) {
		if (!tx_start) {
			store_begin(e->store);
			tx_start = time_mono_ms();
		}
		for (int i = 0; i < n; i++)
			dispatch(e, evs[i].data.ptr, evs[i].events);
		check_timers(e);
		start_and_pump(e);
		forget_finished(e);
		if (all_finished(e))
			break;
		tick(e);
		timeout = next_timeout(e);
		now = time_mono_ms();
		if (!e->dirty || now - tx_start >= COMMIT_WINDOW_MS) {
			store_commit(e->store);
			tx_start = 0;
			e->dirty = false;
		} else if (timeout < 0 ||
			   timeout > COMMIT_WINDOW_MS - (now - tx_start)) {
			timeout = (int)(COMMIT_WINDOW_MS - (now - tx_start));
		}
		n = epoll_wait(e->epfd, evs, 64, timeout);
		if (n < 0 && errno != EINTR) {
			int rc = -errno;

			if (tx_start)
				store_commit(e->store);
			end_calls(e);
			return rc;
		}
		if (n < 0)
			n = 0;
	}
	store_commit(e->store);
	tick(e);
	end_calls(e);
	return 0;
}
