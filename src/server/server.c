/* server.c - libmicrohttpd set-up, routing and the engine listener.
 * Replies are in reply.c, project generations in gen.c. */
#include "server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "scheduler/scheduler.h"
#include "server/web_assets.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

static const struct route *const route_groups[] = {
	routes_misc, routes_pipelines, routes_runs, routes_batches,
	routes_schedules,
};

/* ---- engine listener (engine thread) ---- */

static const double run_bounds[HIST_NB] = {0.1, 0.5, 1,   5,    10,   30,
					   60,  120, 300, 900, 1800, 3600};
static const double step_bounds[HIST_NB] = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
					    2.5,  5,    10,  30,   60,  300};

static void hist_observe(struct hist *h, double v)
{
	size_t i = 0;

	while (i < HIST_NB && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->n++;
}

static const char *const event_types[] = {
	[EV_RUN_START] = "run.started",	  [EV_STEP_START] = "step.started",
	[EV_STEP_RETRY] = "step.retrying", [EV_STEP_END] = "step.finished",
	[EV_RUN_END] = "run.finished",
};

static void on_event(void *arg, const struct run *r, const struct event *ev)
{
	struct server *s = arg;
	const struct pipeline *p = run_pipeline(r);
	bool is_run = ev->type == EV_RUN_START || ev->type == EV_RUN_END;
	json_t *d = json_object();

	json_object_set_new(d, "type", json_string(event_types[ev->type]));
	json_object_set_new(d, "run_id", json_string(run_id(r)));
	json_object_set_new(d, "pipeline", json_string(p->id));
	json_object_set_new(d, "tenant", jstr(run_tenant(r)));
	json_object_set_new(d, "batch", jstr(run_batch(r)));
	if (is_run) {
		json_object_set_new(d, "status",
				    json_string(run_status_name(run_status(r))));
		if (ev->type == EV_RUN_END)
			json_object_set_new(d, "duration_ms",
					    json_integer(run_elapsed_ms(r)));
	} else {
		const struct step_state *st = run_step(r, (size_t)ev->step);

		json_object_set_new(d, "step",
				    json_string(p->steps[ev->step].name));
		json_object_set_new(
			d, "status",
			json_string(ev->type == EV_STEP_RETRY
					    ? "retrying"
					    : step_status_name(st->status)));
		json_object_set_new(d, "attempt", json_integer(st->attempt));
		if (ev->type == EV_STEP_RETRY)
			json_object_set_new(d, "delay_ms",
					    json_integer(ev->delay_ms));
		if (ev->type == EV_STEP_END) {
			json_object_set_new(d, "duration_ms",
					    json_integer(st->elapsed_ms));
			if (st->exit_code >= 0)
				json_object_set_new(
					d, "exit_code",
					json_integer(st->exit_code));
		}
	}
	if (ev->error)
		json_object_set_new(d, "error", json_string(ev->error));
	json_object_set_new(d, "at", jtime(time_wall_ms()));
	hub_publish(s->hub, is_run ? "run" : "step", d);

	if (ev->type == EV_RUN_END || ev->type == EV_STEP_END) {
		pthread_mutex_lock(&s->m.lock);
		if (ev->type == EV_RUN_END) {
			s->m.runs[run_status(r)]++;
			hist_observe(&s->m.run_h, run_elapsed_ms(r) / 1000.0);
		} else {
			const struct step_state *st =
				run_step(r, (size_t)ev->step);

			s->m.steps[st->status]++;
			hist_observe(&s->m.step_h, st->elapsed_ms / 1000.0);
		}
		pthread_mutex_unlock(&s->m.lock);
	}
	batches_on_event(s, r, ev);
	scheduler_on_event(s->sched, r, ev);
	if (ev->type == EV_RUN_END)
		server_gen_put_pipeline(s, p);
}

static void on_tick(void *arg)
{
	batches_on_tick(arg);
}

void server_listener(struct server *s, struct engine_listener *l)
{
	l->on_event = on_event;
	l->on_tick = on_tick;
	l->tick_ms = 0;	/* only while API batches run: see routes_batches.c */
	l->arg = s;
}

void engine_store_flush(struct server *s)
{
	/* Inside the engine loop's transaction: end it so readers on other
	 * connections see the new run at once, and open the next one. */
	store_commit(s->estore);
	store_begin(s->estore);
}

/* ---- requests ---- */

struct conn_ctx {
	struct buf body;
	int64_t expect;		/* Content-Length, or -1 */
	int64_t received;	/* body bytes seen, kept or not */
	bool too_big;
	bool started;
};

static bool is_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
	}
	return false;
}

static bool client_is_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci && is_loopback(ci->client_addr);
}

/* Matches url against pattern, filling rq->param[] with {} segments. */
static bool match(const char *pattern, const char *url, struct req *rq)
{
	static __thread char segs[4][256];
	size_t np = 0;

	while (*pattern && *url) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			const char *end = strchr(url, '/');
			size_t len = end ? (size_t)(end - url) : strlen(url);

			if (!len || len >= sizeof(segs[0]) || np >= 4)
				return false;
			memcpy(segs[np], url, len);
			segs[np][len] = '\0';
			rq->param[np] = segs[np];
			np++;
			url += len;
			pattern += 2;
			continue;
		}
		if (*pattern != *url)
			return false;
		pattern++;
		url++;
	}
	return !*pattern && !*url;
}

static enum MHD_Result serve_asset(struct req *rq)
{
	const struct web_asset *a =
		web_asset_find(!strcmp(rq->url, "/") ? "/index.html" : rq->url);
	struct MHD_Response *resp;

	if (!a)
		return reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				   "no such page: %s", rq->url);
	resp = MHD_create_response_from_buffer(a->size, (void *)a->data,
					       MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", a->mime);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	return reply_queue(rq, MHD_HTTP_OK, resp);
}

/* Who is asking: sets rq->who, or replies 401/403 and returns false. */
static bool authorize(struct req *rq, bool write, enum MHD_Result *ret)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						    "Authorization");
	const char *tok = NULL, *name = NULL;
	enum role role;

	if (!auth_has_tokens(rq->gen->auth)) {
		if (!client_is_loopback(rq->conn)) {
			*ret = reply_error(rq, MHD_HTTP_FORBIDDEN, "forbidden",
					   "no tokens are configured: only "
					   "local clients are served");
			return false;
		}
		rq->who = "local";
		return true;
	}
	if (h && !strncasecmp(h, "Bearer ", 7))
		tok = h + 7;
	else if (!write)
		/* EventSource cannot send headers: GETs may pass the token
		 * as ?access_token=. */
		tok = req_query(rq, "access_token");
	if (!tok) {
		*ret = reply_error(rq, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				   "this request needs a token: "
				   "Authorization: Bearer TOKEN");
		return false;
	}
	role = auth_check(rq->gen->auth, tok, &name);
	if (role == ROLE_NONE) {
		*ret = reply_error(rq, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				   "the token is not valid");
		return false;
	}
	if (write && role != ROLE_OPERATOR) {
		*ret = reply_error(rq, MHD_HTTP_FORBIDDEN, "forbidden",
				   "token '%s' is a viewer: only an operator "
				   "may %s %s",
				   name, rq->method, rq->url);
		return false;
	}
	rq->who = name;
	return true;
}

static enum MHD_Result preflight(struct req *rq)
{
	const char *origin = MHD_lookup_connection_value(
		rq->conn, MHD_HEADER_KIND, "Origin");
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

	if (origin && auth_cors_allowed(rq->gen->auth, origin)) {
		MHD_add_response_header(resp, "Access-Control-Allow-Methods",
					"GET, POST, PUT, OPTIONS");
		MHD_add_response_header(resp, "Access-Control-Allow-Headers",
					"Authorization, Content-Type, "
					"Last-Event-ID");
		MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	}
	return reply_queue(rq, MHD_HTTP_NO_CONTENT, resp);
}

static enum MHD_Result dispatch(struct req *rq)
{
	bool is_get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
	bool api = str_starts(rq->url, "/api/") ||
		   !strcmp(rq->url, "/healthz") || !strcmp(rq->url, "/metrics");
	bool path_found = false;
	enum MHD_Result ret;

	if (!strcmp(rq->method, "OPTIONS"))
		return preflight(rq);
	if (!api) {
		if (!is_get)
			return reply_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "bad_request",
					   "%s is not allowed on %s",
					   rq->method, rq->url);
		return serve_asset(rq);
	}
	for (size_t g = 0; g < sizeof(route_groups) / sizeof(*route_groups);
	     g++)
		for (const struct route *r = route_groups[g]; r->method; r++) {
			if (!match(r->pattern, rq->url, rq))
				continue;
			path_found = true;
			if (strcmp(r->method, rq->method) &&
			    !(is_get && !strcmp(r->method, "GET")))
				continue;
			if (strcmp(r->pattern, "/healthz") &&
			    !authorize(rq, !is_get, &ret))
				return ret;
			return r->fn(rq);
		}
	if (path_found)
		return reply_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "bad_request", "%s is not allowed on %s",
				   rq->method, rq->url);
	return reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
			   "no such endpoint: %s %s", rq->method, rq->url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version,
				  const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct conn_ctx *ctx = *con_cls;
	struct req rq = {.srv = s, .conn = conn, .method = method,
			 .url = url};
	enum MHD_Result ret;

	(void)version;
	if (!ctx) {
		const char *cl = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, "Content-Length");
		int64_t n;

		ctx = xcalloc(1, sizeof(*ctx));
		buf_init(&ctx->body, SERVER_BODY_MAX + 1);
		ctx->expect = cl && str_to_i64(cl, &n) == 0 ? n : -1;
		*con_cls = ctx;
		if (ctx->expect > SERVER_BODY_MAX) {
			ctx->too_big = true;
			/* Far too big: answer now and drop the connection.
			 * Otherwise read and discard the body, so the client
			 * sees the 413 rather than a broken pipe. */
			if (n > 16 * SERVER_BODY_MAX)
				goto too_big;
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		ctx->received += (int64_t)*upload_data_size;
		if (ctx->body.len + *upload_data_size > SERVER_BODY_MAX)
			ctx->too_big = true;
		else
			buf_add(&ctx->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* MHD may call once more before the body arrives: the last call
	 * comes when all of it was read. */
	if (ctx->started || (ctx->expect > 0 && ctx->received < ctx->expect))
		return MHD_YES;
	ctx->started = true;
too_big:
	rq.gen = server_gen(s);
	if (ctx->too_big) {
		ret = reply_error(&rq, MHD_HTTP_CONTENT_TOO_LARGE,
				  "payload_too_large",
				  "request bodies are limited to %d bytes",
				  SERVER_BODY_MAX);
	} else {
		rq.body = ctx->body.len ? ctx->body.data : NULL;
		rq.body_len = ctx->body.len;
		if (rq.body)
			buf_addch(&ctx->body, '\0'), rq.body = ctx->body.data;
		ret = dispatch(&rq);
	}
	server_gen_put(s, rq.gen);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn_ctx *ctx = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!ctx)
		return;
	buf_release(&ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
				 socklen_t len)
{
	struct server *s = cls;
	struct gen *g = server_gen(s);
	bool ok = auth_has_tokens(g->auth) || is_loopback(addr);

	(void)len;
	server_gen_put(s, g);
	return ok ? MHD_YES : MHD_NO;
}

/* ---- lifecycle ---- */

static void store_destroy(void *p)
{
	store_free(p);
}

static void *ticker_main(void *arg)
{
	struct server *s = arg;
	int64_t last_reload = time_mono_ms();
	struct timespec ts;

	pthread_mutex_lock(&s->tick_lock);
	while (!s->stopping) {
		/* Live streams want a quick heartbeat and log follow; an
		 * idle server wakes once a second, to notice file changes. */
		long step_ms = hub_nclients(s->hub) ? 250 : 1000;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += step_ms * 1000000L;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->tick_cond, &s->tick_lock, &ts);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->tick_lock);
		hub_tick(s->hub);
		if (time_mono_ms() - last_reload >= 1000) {
			last_reload = time_mono_ms();
			server_maybe_reload(s);
		}
		pthread_mutex_lock(&s->tick_lock);
	}
	pthread_mutex_unlock(&s->tick_lock);
	return NULL;
}

struct server *server_new(const struct server_config *cfg,
			  struct project *p, struct tenants *t,
			  struct error *err)
{
	struct server *s = xcalloc(1, sizeof(*s));
	struct jobs *js = NULL;
	char *why = NULL;

	s->cfg.listen = xstrdup(cfg->listen ? cfg->listen : "127.0.0.1:8080");
	s->cfg.project_dir = xstrdup(cfg->project_dir);
	s->cfg.tenants_file = xstrdup(cfg->tenants_file);
	s->cfg.tenants_required = cfg->tenants_required;
	s->cfg.store_location = xstrdup(cfg->store_location);
	s->cfg.port_file = xstrdup(cfg->port_file);
	s->cfg.jobs_file = xstrdup(cfg->jobs_file);
	s->cfg.scheduler = cfg->scheduler;
	s->cfg.max_runs = cfg->max_runs;
	s->cfg.clock_offset_ms = cfg->clock_offset_ms;
	pthread_mutex_init(&s->gen_lock, NULL);
	pthread_mutex_init(&s->m.lock, NULL);
	pthread_mutex_init(&s->tick_lock, NULL);
	pthread_cond_init(&s->tick_cond, NULL);
	pthread_key_create(&s->store_key, store_destroy);
	s->m.run_h.bounds = run_bounds;
	s->m.step_h.bounds = step_bounds;
	s->files_sig = gen_files_sig(&s->cfg);
	if (gen_load_jobs(&s->cfg, p, &js, &why) < 0) {
		error_set(err, -EINVAL, "%s", why);
		free(why);
		project_free(p);
		tenants_free(t);
		server_free(s);
		return NULL;
	}
	s->gen = gen_wrap(p, t, js, NULL, &why);
	if (!s->gen) {
		error_set(err, -EINVAL, "%s", why);
		free(why);
		server_free(s);
		return NULL;
	}
	/* One reference for the current generation, one for the engine
	 * configuration, which borrows the first project's settings. */
	s->gen->refs = 2;
	s->gens = s->gen;
	s->hub = hub_new(1024);
	return s;
}

/* Parses "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" and opens a
 * listening socket.  Returns the fd, or -1 with err set. */
static int open_listener(const char *spec, bool *loopback,
			 struct error *err)
{
	char host[256] = "127.0.0.1", port[16] = "8080";
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *ai = NULL;
	int fd = -1, one = 1, rc;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':' || (size_t)(end - spec) > 200) {
			error_set(err, -EINVAL, "--listen: expected [ADDR]:PORT, "
				  "not '%s'", spec);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(end - spec - 1),
			 spec + 1);
		snprintf(port, sizeof(port), "%s", end + 2);
	} else if (colon) {
		if (colon > spec)
			snprintf(host, sizeof(host), "%.*s",
				 (int)(colon - spec), spec);
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else {
		snprintf(port, sizeof(port), "%s", spec);
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		error_set(err, -EINVAL, "--listen %s: %s", spec,
			  gai_strerror(rc));
		return -1;
	}
	*loopback = is_loopback(ai->ai_addr);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		error_set(err, -errno, "cannot listen on %s: %s", spec,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* The scheduler's hold on a generation, and a reference for each run
 * it adds: on_event() drops that one when the run ends, as it does for
 * runs started over the API. */
static void sched_hold(void *arg, void *owner)
{
	server_gen_ref(arg, owner);
}

static void sched_drop(void *arg, void *owner)
{
	server_gen_put(arg, owner);
}

static void sched_run_added(void *arg, void *owner, const struct run *r)
{
	(void)r;
	server_gen_ref(arg, owner);
}

static int start_scheduler(struct server *s, struct error *err)
{
	struct scheduler_config c = {
		.store_location = s->cfg.store_location,
		.max_runs = s->cfg.max_runs,
		.clock_offset_ms = s->cfg.clock_offset_ms,
		.hold = sched_hold,
		.drop = sched_drop,
		.run_added = sched_run_added,
		.arg = s,
	};
	struct scheduler_world w;
	struct gen *g;

	s->sched = scheduler_new(&c, err);
	if (!s->sched)
		return -EIO;
	g = server_gen(s);
	w = (struct scheduler_world){g->p, g->t, g->js, g};
	scheduler_set_world(s->sched, &w);
	server_gen_put(s, g);
	return scheduler_start(s->sched, s->engine, s->estore, err);
}

int server_start(struct server *s, struct engine *e,
		 struct store *engine_store, struct error *err)
{
	bool loopback = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nthreads = ncpu > 1 ? (unsigned)(ncpu > 4 ? 4 : ncpu) : 1;
	const char *why;
	int fd;

	s->engine = e;
	s->estore = engine_store;
	fd = open_listener(s->cfg.listen, &loopback, err);
	if (fd < 0)
		return -EINVAL;
	if (!loopback && !auth_has_tokens(s->gen->auth)) {
		close(fd);
		error_set(err, -EPERM,
			  "refusing to listen on %s without tokens: anyone "
			  "could start runs.  Add tokens to baton.yaml "
			  "(tokens: [{name, token, role}]) or BATON_TOKENS, "
			  "or listen on 127.0.0.1",
			  s->cfg.listen);
		return -EPERM;
	}
	if (!auth_has_tokens(s->gen->auth))
		fprintf(stderr, "baton serve: no tokens are configured: only "
				"clients on this machine (loopback) are "
				"served\n");
	s->port = bound_port(fd);
	if (mhd_dl_load(&why) < 0) {
		close(fd);
		return error_set(err, -ENOSYS, "%s", why);
	}
	s->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			MHD_ALLOW_SUSPEND_RESUME,
		0, on_accept, s, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_THREAD_POOL_SIZE, nthreads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_END);
	if (!s->mhd) {
		close(fd);
		error_set(err, -EIO, "cannot start the HTTP server on %s",
			  s->cfg.listen);
		return -EIO;
	}
	/* Before the port is told: the API lists the schedules from the
	 * first request on. */
	if (s->cfg.scheduler && start_scheduler(s, err) < 0)
		return -EIO;
	if (s->cfg.port_file) {
		FILE *f = fopen(s->cfg.port_file, "w");

		if (f) {
			fprintf(f, "%d\n", s->port);
			fclose(f);
		}
	}
	s->ticker_started =
		pthread_create(&s->ticker, NULL, ticker_main, s) == 0;
	return 0;
}

int server_port(const struct server *s)
{
	return s->port;
}

void server_stop(struct server *s)
{
	if (s->ticker_started) {
		pthread_mutex_lock(&s->tick_lock);
		s->stopping = true;
		pthread_cond_signal(&s->tick_cond);
		pthread_mutex_unlock(&s->tick_lock);
		pthread_join(s->ticker, NULL);
		s->ticker_started = false;
	}
	/* After the engine: runs still waiting for a slot are recorded as
	 * cancelled, with the engine's store. */
	scheduler_stop(s->sched);
	if (s->hub)
		hub_close(s->hub);
	if (s->mhd) {
		/* Give resumed streams a moment to end cleanly. */
		usleep(50 * 1000);
		MHD_stop_daemon(s->mhd);
		s->mhd = NULL;
	}
}

void server_free(struct server *s)
{
	if (!s)
		return;
	server_stop(s);
	batches_free(s);
	/* Before the generations: it drops its hold on them. */
	scheduler_free(s->sched);
	s->sched = NULL;
	hub_free(s->hub);
	while (s->gens) {
		struct gen *g = s->gens;

		s->gens = g->next;
		gen_free(g);
	}
	free(s->reload_error);
	free((char *)s->cfg.listen);
	free((char *)s->cfg.project_dir);
	free((char *)s->cfg.tenants_file);
	free((char *)s->cfg.store_location);
	free((char *)s->cfg.port_file);
	free((char *)s->cfg.jobs_file);
	pthread_key_delete(s->store_key);
	pthread_mutex_destroy(&s->gen_lock);
	pthread_mutex_destroy(&s->m.lock);
	pthread_mutex_destroy(&s->tick_lock);
	pthread_cond_destroy(&s->tick_cond);
	free(s);
}
