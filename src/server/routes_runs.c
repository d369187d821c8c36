/* routes_runs.c - runs: start, list, detail, stop, retry, output, logs. */
#include "server_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

/* A plain (not followed) log read returns at most this much. */
#define LOG_CHUNK_MAX (16 << 20)

void spec_for_tenant(struct run_spec *spec, const struct tenant *t,
		     json_t **ctx, const char ***secrets)
{
	size_t n = 0;

	*ctx = tenant_context(t);
	*secrets = tenant_secrets(t, &n);
	spec->tenant_id = t->id;
	spec->tenant = *ctx;
	spec->secrets = *secrets;
	spec->nsecrets = n;
	spec->rate_key = t->platform;
}

struct kv *params_from_json(json_t *o, size_t *n, const char **bad)
{
	struct kv *v = xcalloc(json_object_size(o) + 1, sizeof(*v));
	const char *k;
	json_t *x;

	*n = 0;
	json_object_foreach(o, k, x) {
		char *val;

		if (json_is_string(x))
			val = xstrdup(json_string_value(x));
		else if (json_is_integer(x))
			val = xasprintf("%lld", (long long)json_integer_value(x));
		else if (json_is_real(x))
			val = xasprintf("%.17g", json_real_value(x));
		else if (json_is_boolean(x))
			val = xstrdup(json_is_true(x) ? "true" : "false");
		else {
			*bad = k;
			params_free(v, *n);
			return NULL;
		}
		v[*n].key = xstrdup(k);
		v[*n].val = val;
		(*n)++;
	}
	return v;
}

void params_free(struct kv *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

/* ---- starting runs ---- */

struct start_call {
	struct server *srv;
	const struct run_spec *spec;
	struct error err;
	char id[64];
};

static int start_fn(struct engine *e, void *arg)
{
	struct start_call *c = arg;
	struct run *r;
	int rc = engine_add_run(e, c->spec, &r, &c->err);

	if (rc == 0) {
		snprintf(c->id, sizeof(c->id), "%s", run_id(r));
		engine_store_flush(c->srv);
	}
	return rc;
}

/* Starts spec (its pipeline from rq->gen) and answers 202. */
static enum MHD_Result start(struct req *rq, const struct run_spec *spec)
{
	struct start_call c = {.srv = rq->srv, .spec = spec};
	int rc;

	/* The run holds the generation (its pipeline) until it ends. */
	pthread_mutex_lock(&rq->srv->gen_lock);
	rq->gen->refs++;
	pthread_mutex_unlock(&rq->srv->gen_lock);
	rc = engine_call(rq->srv->engine, start_fn, &c);
	if (rc < 0) {
		server_gen_put(rq->srv, rq->gen);
		if (rc == -EINVAL)
			return reply_error(rq, MHD_HTTP_BAD_REQUEST,
					   "bad_request", "%s", c.err.msg);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "internal", "cannot start the run: %s",
				   c.err.msg[0] ? c.err.msg : "unknown error");
	}
	return reply_json(rq, MHD_HTTP_ACCEPTED,
			  json_pack("{s:s, s:s+}", "run_id", c.id,
				    "status_url", "/api/v1/runs/", c.id));
}

/* The pipeline called name in rq->gen, or NULL after replying. */
static const struct pipeline *find_pipeline(struct req *rq, const char *name,
					    enum MHD_Result *ret)
{
	const struct pipeline *p = project_find(rq->gen->p, name);

	if (p)
		return p;
	if (json_object_get(rq->gen->broken, name))
		*ret = reply_error(rq, MHD_HTTP_CONFLICT, "conflict",
				   "pipeline '%s' has errors; see GET "
				   "/api/v1/pipelines",
				   name);
	else
		*ret = reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				   "no pipeline '%s'", name);
	return NULL;
}

static const struct tenant *find_tenant(struct req *rq, const char *id,
					enum MHD_Result *ret)
{
	const struct tenant *t =
		rq->gen->t ? tenants_find(rq->gen->t, id) : NULL;

	if (!t)
		*ret = reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				   rq->gen->t ? "no tenant '%s'"
					      : "no tenant '%s': there is no "
						"tenants file",
				   id);
	return t;
}

static const char *opt_string(json_t *body, const char *key, bool *bad)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || !*json_string_value(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

static enum MHD_Result run_start(struct req *rq)
{
	struct run_spec spec = {0};
	enum MHD_Result ret;
	json_t *body = req_json(rq, &ret), *ctx = NULL, *params;
	const char **secrets = NULL, *name, *tenant, *step, *badkey = NULL;
	const struct pipeline *p;
	const struct tenant *t = NULL;
	struct kv *kv = NULL;
	size_t nkv = 0;
	bool bad = false;

	if (!body)
		return ret;
	name = opt_string(body, "pipeline", &bad);
	tenant = opt_string(body, "tenant", &bad);
	step = opt_string(body, "step", &bad);
	params = json_object_get(body, "params");
	if (bad || !name || (params && !json_is_object(params) &&
			     !json_is_null(params))) {
		ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				  "expected {\"pipeline\": NAME, \"tenant\"?: "
				  "ID, \"params\"?: {NAME: VALUE}, \"step\"?: "
				  "STEP}");
		goto out;
	}
	p = find_pipeline(rq, name, &ret);
	if (!p || (tenant && !(t = find_tenant(rq, tenant, &ret))))
		goto out;
	if (json_is_object(params)) {
		kv = params_from_json(params, &nkv, &badkey);
		if (!kv) {
			ret = reply_error(rq, MHD_HTTP_BAD_REQUEST,
					  "bad_request",
					  "param '%s' must be a string, number "
					  "or boolean",
					  badkey);
			goto out;
		}
	}
	spec.pipeline = p;
	spec.params = kv;
	spec.nparams = nkv;
	spec.only_step = step;
	if (t)
		spec_for_tenant(&spec, t, &ctx, &secrets);
	ret = start(rq, &spec);
out:
	params_free(kv, nkv);
	json_decref(ctx);
	free(secrets);
	json_decref(body);
	return ret;
}

/* ---- reading runs ---- */

static json_t *duration(int64_t start, int64_t end)
{
	if (start <= 0)
		return json_null();
	if (end <= 0)
		end = time_wall_ms();
	return json_integer(end > start ? end - start : 0);
}

static json_t *run_short(const struct run_rec *r)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
			 "id", r->id, "pipeline", r->pipeline, "tenant",
			 jstr(r->tenant), "batch", jstr(r->batch), "status",
			 run_status_name(r->status), "created_at",
			 jtime(r->created_at), "started_at",
			 jtime(r->started_at), "finished_at",
			 jtime(r->finished_at), "duration_ms",
			 duration(r->started_at, r->finished_at), "error",
			 jstr(r->error));
}

static enum MHD_Result run_list(struct req *rq)
{
	struct run_filter f = {.status = -1, .limit = 50};
	const char *status = req_query(rq, "status");
	const char *limit = req_query(rq, "limit");
	struct store *st = req_store(rq);
	struct run_rec *runs = NULL;
	size_t n = 0;
	json_t *a;
	enum run_status rs;
	int64_t lim;

	f.pipeline = req_query(rq, "pipeline");
	f.tenant = req_query(rq, "tenant");
	f.batch = req_query(rq, "batch");
	if (status) {
		if (run_status_parse(status, &rs) < 0)
			return reply_error(rq, MHD_HTTP_BAD_REQUEST,
					   "bad_request",
					   "unknown status '%s' (queued, "
					   "running, succeeded, failed, "
					   "cancelled, interrupted)",
					   status);
		f.status = (int)rs;
	}
	if (limit) {
		if (str_to_i64(limit, &lim) < 0 || lim < 1 || lim > 1000)
			return reply_error(rq, MHD_HTTP_BAD_REQUEST,
					   "bad_request",
					   "limit must be a number from 1 to "
					   "1000, not '%s'",
					   limit);
		f.limit = (int)lim;
	}
	if (!st || store_runs_list(st, &f, &runs, &n) < 0)
		return reply_store_error(rq, -EIO, "cannot list runs");
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, run_short(&runs[i]));
	run_recs_free(runs, n);
	return reply_json(rq, MHD_HTTP_OK, json_pack("{s:o}", "runs", a));
}

/* Loads run rq->param[0]; replies and returns < 0 when it cannot. */
static int load_run(struct req *rq, struct run_rec *r, enum MHD_Result *ret)
{
	struct store *st = req_store(rq);
	struct error err = {0};
	int rc;

	if (!st) {
		*ret = reply_store_error(rq, -EIO, "cannot open the store");
		return -EIO;
	}
	rc = store_run_get(st, rq->param[0], r, &err);
	if (rc < 0)
		*ret = reply_store_error(rq, rc, err.msg);
	return rc;
}

static json_t *parse_or_null(const char *text)
{
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	return j ? j : json_null();
}

/* A finished run never changes: its detail is kept, rendered, for the
 * clients that poll it. */
#define DETAIL_CACHE 64

static struct {
	pthread_mutex_t lock;
	char *id[DETAIL_CACHE];
	char *text[DETAIL_CACHE];
	size_t len[DETAIL_CACHE];
	size_t next;
} detail_cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static char *cache_get(const char *id, size_t *len)
{
	char *copy = NULL;

	pthread_mutex_lock(&detail_cache.lock);
	for (size_t i = 0; i < DETAIL_CACHE; i++)
		if (detail_cache.id[i] && !strcmp(detail_cache.id[i], id)) {
			*len = detail_cache.len[i];
			copy = xmalloc(*len + 1);
			memcpy(copy, detail_cache.text[i], *len + 1);
			break;
		}
	pthread_mutex_unlock(&detail_cache.lock);
	return copy;
}

static void cache_put(const char *id, const char *text, size_t len)
{
	size_t i;

	pthread_mutex_lock(&detail_cache.lock);
	i = detail_cache.next++ % DETAIL_CACHE;
	free(detail_cache.id[i]);
	free(detail_cache.text[i]);
	detail_cache.id[i] = xstrdup(id);
	detail_cache.text[i] = xstrndup(text, len);
	detail_cache.len[i] = len;
	pthread_mutex_unlock(&detail_cache.lock);
}

static enum MHD_Result run_detail(struct req *rq)
{
	struct run_rec r = {0};
	struct step_rec *steps = NULL;
	size_t n = 0, finished = 0, current = 0;
	enum MHD_Result ret;
	json_t *o, *a;
	char *text;
	size_t len;

	text = cache_get(rq->param[0], &len);
	if (text)
		return reply_text(rq, MHD_HTTP_OK, "application/json", text,
				  len);
	if (load_run(rq, &r, &ret) < 0)
		return ret;
	if (store_steps_list(req_store(rq), r.id, &steps, &n) < 0) {
		run_rec_release(&r);
		return reply_store_error(rq, -EIO, "cannot read the steps");
	}
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct step_rec *s = &steps[i];

		if (step_status_final(s->status))
			finished++;
		if (!current && (s->status == STEP_RUNNING ||
				 s->status == STEP_RETRYING))
			current = i + 1;
		json_array_append_new(
			a,
			json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, "
				  "s:b}",
				  "name", s->name, "status",
				  step_status_name(s->status), "attempt",
				  s->attempt, "started_at",
				  jtime(s->started_at), "finished_at",
				  jtime(s->finished_at), "duration_ms",
				  duration(s->started_at, s->finished_at),
				  "exit_code",
				  s->exit_code >= 0 ? json_integer(s->exit_code)
						    : json_null(),
				  "error", jstr(s->error), "reused",
				  s->reused));
	}
	o = run_short(&r);
	json_object_set_new(o, "current_step",
			    json_integer(current ? current : finished));
	json_object_set_new(o, "total_steps", json_integer((json_int_t)n));
	json_object_set_new(o, "params", parse_or_null(r.params_json));
	json_object_set_new(o, "retry_of", jstr(r.retry_of));
	json_object_set_new(o, "parent_run", jstr(r.parent_run));
	json_object_set_new(o, "steps", a);
	step_recs_free(steps, n);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	if (run_status_final(r.status) && !strcmp(r.id, rq->param[0]))
		cache_put(r.id, text, len);
	run_rec_release(&r);
	return reply_text(rq, MHD_HTTP_OK, "application/json", text, len);
}

static enum MHD_Result api_run_output(struct req *rq)
{
	struct run_rec r = {0};
	enum MHD_Result ret;
	json_t *out;

	if (load_run(rq, &r, &ret) < 0)
		return ret;
	out = r.output_json ? json_loads(r.output_json, JSON_DECODE_ANY, NULL)
			    : NULL;
	run_rec_release(&r);
	if (!out)
		out = json_pack("{s:n}", "output");
	return reply_json(rq, MHD_HTTP_OK, out);
}

/* ---- stop and retry ---- */

struct stop_call {
	struct server *srv;
	const char *id;
	enum run_status status;
};

static int stop_fn(struct engine *e, void *arg)
{
	struct stop_call *c = arg;
	struct run *r = engine_find_run(e, c->id);

	if (!r)
		return -ENOENT;
	if (run_status_final(run_status(r))) {
		c->status = run_status(r);
		return -EALREADY;
	}
	engine_cancel_run(e, r);
	c->status = run_status(r);
	engine_store_flush(c->srv);
	return 0;
}

static enum MHD_Result api_run_stop(struct req *rq)
{
	struct run_rec r = {0};
	struct stop_call c = {.srv = rq->srv};
	enum MHD_Result ret;
	int rc;

	if (load_run(rq, &r, &ret) < 0)
		return ret;
	c.id = r.id;
	c.status = r.status;
	rc = run_status_final(r.status)
		     ? -EALREADY
		     : engine_call(rq->srv->engine, stop_fn, &c);
	if (rc == -EALREADY)
		ret = reply_error(rq, MHD_HTTP_CONFLICT, "conflict",
				  "run %s has already ended (%s)", r.id,
				  run_status_name(c.status));
	else if (rc < 0)
		ret = reply_error(rq, MHD_HTTP_CONFLICT, "conflict",
				  "run %s is %s but not driven by this server "
				  "(stop it where it runs)",
				  r.id, run_status_name(r.status));
	else
		ret = reply_json(rq, MHD_HTTP_ACCEPTED,
				 json_pack("{s:s, s:s}", "run_id", r.id,
					   "status", run_status_name(c.status)));
	run_rec_release(&r);
	return ret;
}

/* The old run's params, as `baton retry` takes them. */
static struct kv *old_params(const struct run_rec *r, size_t *n)
{
	json_t *j = parse_or_null(r->params_json);
	const char *bad = NULL;
	struct kv *kv;

	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	kv = params_from_json(j, n, &bad);
	json_decref(j);
	if (!kv) {
		*n = 0;
		kv = xcalloc(1, sizeof(*kv));
	}
	return kv;
}

static enum MHD_Result run_retry(struct req *rq)
{
	struct run_rec r = {0};
	struct run_spec spec = {0};
	const struct pipeline *p;
	const struct tenant *t = NULL;
	const char **secrets = NULL;
	json_t *ctx = NULL;
	struct kv *kv = NULL;
	size_t nkv = 0;
	enum MHD_Result ret;

	if (load_run(rq, &r, &ret) < 0)
		return ret;
	if (!run_status_final(r.status)) {
		ret = reply_error(rq, MHD_HTTP_CONFLICT, "conflict",
				  "run %s is still %s: stop it first", r.id,
				  run_status_name(r.status));
		goto out;
	}
	if (r.status == RUN_SUCCEEDED) {
		ret = reply_error(rq, MHD_HTTP_CONFLICT, "conflict",
				  "run %s succeeded; nothing to retry", r.id);
		goto out;
	}
	p = find_pipeline(rq, r.pipeline, &ret);
	if (!p || (r.tenant && !(t = find_tenant(rq, r.tenant, &ret))))
		goto out;
	kv = old_params(&r, &nkv);
	spec.pipeline = p;
	spec.params = kv;
	spec.nparams = nkv;
	spec.retry_of = r.id;
	if (t)
		spec_for_tenant(&spec, t, &ctx, &secrets);
	ret = start(rq, &spec);
out:
	params_free(kv, nkv);
	json_decref(ctx);
	free(secrets);
	run_rec_release(&r);
	return ret;
}

/* ---- logs ---- */

struct follow {
	struct waiter w;	/* first member */
	struct server *srv;
	char *run_id;
	char *step;
	char *path;		/* from the store, never from the request */
	int fd;
	uint64_t off;
	bool ending;		/* the step is final: drain and stop */
};

/* Re-reads the step's record: its log path and whether it ended. */
static void follow_check(struct follow *f)
{
	struct store *st = server_store(f->srv);
	struct step_rec *steps = NULL;
	size_t n = 0;

	if (!st || store_steps_list(st, f->run_id, &steps, &n) < 0) {
		f->ending = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(steps[i].name, f->step))
			continue;
		if (!f->path && steps[i].log_path)
			f->path = xstrdup(steps[i].log_path);
		f->ending = step_status_final(steps[i].status);
	}
	step_recs_free(steps, n);
}

static ssize_t follow_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct follow *f = cls;
	bool was_ending;
	ssize_t n;

	(void)pos;
	for (int round = 0; round < 2; round++) {
		if (f->fd < 0 && f->path)
			f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (f->fd >= 0) {
			n = pread(f->fd, dst, max, (off_t)f->off);
			if (n > 0) {
				f->off += (uint64_t)n;
				return n;
			}
		}
		if (round)
			break;
		/* Nothing new: did the step end meanwhile?  Read once more
		 * after checking, so the last bytes are never lost. */
		was_ending = f->ending;
		follow_check(f);
		if (was_ending)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (!f->ending)
			break;
	}
	if (f->ending)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (hub_park(f->srv->hub, &f->w) < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return 0;
}

static void follow_free(void *cls)
{
	struct follow *f = cls;

	hub_remove_waiter(f->srv->hub, &f->w);
	if (f->fd >= 0)
		close(f->fd);
	free(f->run_id);
	free(f->step);
	free(f->path);
	free(f);
}

static enum MHD_Result run_log(struct req *rq)
{
	const char *offs = req_query(rq, "offset");
	const char *follow = req_query(rq, "follow");
	struct run_rec r = {0};
	struct step_rec *steps = NULL, *s = NULL;
	size_t n = 0;
	int64_t off = 0;
	enum MHD_Result ret;
	struct MHD_Response *resp;
	char hdr[32];

	if (offs && (str_to_i64(offs, &off) < 0 || off < 0))
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "offset must be a byte offset (0 or more), "
				   "not '%s'",
				   offs);
	if (load_run(rq, &r, &ret) < 0)
		return ret;
	if (store_steps_list(req_store(rq), r.id, &steps, &n) < 0) {
		ret = reply_store_error(rq, -EIO, "cannot read the steps");
		goto out;
	}
	for (size_t i = 0; i < n && !s; i++)
		if (!strcmp(steps[i].name, rq->param[1]))
			s = &steps[i];
	if (!s) {
		ret = reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				  "run %s has no step '%s'", r.id,
				  rq->param[1]);
		goto out;
	}
	if (follow && strcmp(follow, "0") && strcmp(follow, "false")) {
		struct follow *f = xcalloc(1, sizeof(*f));

		f->srv = rq->srv;
		f->w.conn = rq->conn;
		f->w.is_log = true;
		f->run_id = xstrdup(r.id);
		f->step = xstrdup(s->name);
		f->path = xstrdup(s->log_path);
		f->fd = -1;
		f->off = (uint64_t)off;
		f->ending = step_status_final(s->status);
		hub_add_waiter(rq->srv->hub, &f->w);
		resp = MHD_create_response_from_callback(
			MHD_SIZE_UNKNOWN, 32 * 1024, follow_read, f,
			follow_free);
	} else {
		int fd = s->log_path ? open(s->log_path, O_RDONLY | O_CLOEXEC)
				     : -1;
		struct stat stt;
		char *data = NULL;
		ssize_t got = 0;

		if (fd >= 0 && fstat(fd, &stt) == 0 && stt.st_size > off) {
			int64_t want = stt.st_size - off;

			if (want > LOG_CHUNK_MAX)
				want = LOG_CHUNK_MAX;
			data = xmalloc((size_t)want);
			got = pread(fd, data, (size_t)want, (off_t)off);
			if (got < 0)
				got = 0;
		}
		if (fd >= 0)
			close(fd);
		resp = MHD_create_response_from_buffer(
			(size_t)got, data ? data : (void *)"",
			data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		off += got;
	}
	snprintf(hdr, sizeof(hdr), "%lld", (long long)off);
	MHD_add_response_header(resp, "Content-Type",
				"text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Log-Offset", hdr);
	MHD_add_response_header(resp, "X-Run-Status",
				run_status_name(r.status));
	MHD_add_response_header(resp, "X-Step-Status",
				step_status_name(s->status));
	ret = reply_queue(rq, MHD_HTTP_OK, resp);
out:
	step_recs_free(steps, n);
	run_rec_release(&r);
	return ret;
}

const struct route routes_runs[] = {
	{"POST", "/api/v1/runs", run_start},
	{"GET", "/api/v1/runs", run_list},
	{"GET", "/api/v1/runs/{}", run_detail},
	{"POST", "/api/v1/runs/{}/stop", api_run_stop},
	{"POST", "/api/v1/runs/{}/retry", run_retry},
	{"GET", "/api/v1/runs/{}/output", api_run_output},
	{"GET", "/api/v1/runs/{}/steps/{}/log", run_log},
	{0},
};
