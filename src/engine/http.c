/* http.c - http: steps on libcurl's multi interface, driven by the
 * engine's own epoll loop: no thread or process per request, and
 * connections are reused across steps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>

#include "curl_dl.h"
#include "engine_int.h"
#include "pipeline/pipeline.h"
#include "pipeline/template.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/timeutil.h"

#define DEFAULT_TIMEOUT_MS 60000
#define LOG_BODY_MAX 65536

struct http_req {
	CURL *easy;
	struct curl_slist *headers;
	struct buf body;	/* the response, capped */
	struct buf log;		/* request and response summary */
	char *sent;		/* the request body */
	int64_t retry_after;	/* from the Retry-After header, ms */
	int64_t started;
};


static int on_socket(CURL *easy, curl_socket_t fd, int what, void *arg,
		     void *sockp)
{
	struct engine *e = arg;
	struct watch *w = sockp;
	struct epoll_event ev = {0};

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w) {
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
			free(w);
			curl_multi_assign(e->curlm, fd, NULL);
		}
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
		    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (!w) {
		w = xcalloc(1, sizeof(*w));
		*w = (struct watch){WATCH_HTTP, NULL, fd};
		curl_multi_assign(e->curlm, fd, w);
		ev.data.ptr = w;
		epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev);
	} else {
		ev.data.ptr = w;
		epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *arg)
{
	struct engine *e = arg;

	(void)m;
	e->curl_deadline = timeout_ms < 0 ? 0 : time_mono_ms() + timeout_ms;
	if (timeout_ms == 0)
		e->curl_deadline = time_mono_ms();
	return 0;
}

static int ensure_multi(struct engine *e)
{
	const char *why;

	if (e->curlm)
		return 0;
	if (curl_dl_load(&why) < 0) {
		fprintf(stderr, "baton: %s\n", why);
		return -EIO;
	}
	e->curlm = curl_multi_init();
	if (!e->curlm)
		return -ENOMEM;
	curl_multi_setopt(e->curlm, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(e->curlm, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->curlm, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(e->curlm, CURLMOPT_TIMERDATA, e);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct step_rt *s = arg;

	buf_add(&s->http->body, data, size * n);
	/* Past the cap: stop reading rather than buffer without end. */
	return s->http->body.truncated ? 0 : size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct step_rt *s = arg;
	size_t len = size * n;
	char line[256];

	if (len > 12 && len < sizeof(line) &&
	    !strncasecmp(data, "retry-after:", 12)) {
		char *v = line, *end;
		long secs;

		memcpy(line, data + 12, len - 12);
		line[len - 12] = '\0';
		while (*v == ' ')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		secs = strtol(v, &end, 10);
		if (end != v && !*end && secs >= 0) {
			s->http->retry_after = secs * 1000;
		} else {
			time_t when = curl_getdate(v, NULL);

			if (when > 0)
				s->http->retry_after =
					(int64_t)when * 1000 - time_wall_ms();
			if (s->http->retry_after < 0)
				s->http->retry_after = 0;
		}
	}
	return len;
}

/* A string that is exactly one {{ reference }} takes the referenced
 * JSON value itself (an object stays an object); other strings are
 * rendered as text.  Returns a new reference or NULL with err set. */
static json_t *render_json(const json_t *v, const json_t *ctx,
			   struct error *err)
{
	const char *k;
	json_t *x, *out;
	size_t i;

	if (json_is_string(v)) {
		const char *str = json_string_value(v);
		size_t len = strlen(str);
		char *text = NULL, path[512];

		if (len > 4 && !strncmp(str, "{{", 2) &&
		    !strcmp(str + len - 2, "}}") && !strstr(str + 2, "{{") &&
		    len - 4 < sizeof(path)) {
			char *p = path, *end;
			json_t *found;

			memcpy(path, str + 2, len - 4);
			path[len - 4] = '\0';
			while (*p == ' ' || *p == '\t')
				p++;
			end = p + strlen(p);
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			found = template_lookup(ctx, p);
			if (found)
				return json_deep_copy(found);
		}
		if (template_render(str, ctx, &text, err) < 0)
			return NULL;
		out = json_string(text);
		free(text);
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x) {
			json_t *r = render_json(x, ctx, err);

			if (!r)
				goto fail;
			json_array_append_new(out, r);
		}
		return out;
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			json_t *r = render_json(x, ctx, err);

			if (!r)
				goto fail;
			json_object_set_new(out, k, r);
		}
		return out;
	}
	return json_deep_copy(v);
fail:
	json_decref(out);
	return NULL;
}

static char *render(const struct run *r, const char *tmpl, struct error *err)
{
	char *out = NULL;

	if (template_render(tmpl ? tmpl : "", r->ctx, &out, err) < 0)
		return NULL;
	return out;
}

/* The URL with its query params, each value rendered and escaped. */
static char *build_url(struct step_rt *s, CURL *easy, struct error *err)
{
	const struct http_spec *h = s->run->p->steps[s->idx].http;
	char *url = render(s->run, h->url, err);
	struct buf b;

	if (!url)
		return NULL;
	buf_init(&b, 0);
	buf_addstr(&b, url);
	free(url);
	for (size_t i = 0; i < h->nquery; i++) {
		char *v = render(s->run, h->query[i].val, err), *ek, *ev;

		if (!v) {
			buf_release(&b);
			return NULL;
		}
		ek = curl_easy_escape(easy, h->query[i].key, 0);
		ev = curl_easy_escape(easy, v, 0);
		buf_addf(&b, "%c%s=%s", i == 0 && !strchr(b.data, '?') ? '?'
					 : '&', ek, ev);
		curl_free(ek);
		curl_free(ev);
		free(v);
	}
	return buf_detach(&b);
}

static int build_body(struct step_rt *s, struct error *err)
{
	const struct http_spec *h = s->run->p->steps[s->idx].http;
	json_t *body;

	if (h->body_text) {
		s->http->sent = render(s->run, h->body_text, err);
		return s->http->sent ? 0 : -1;
	}
	if (!h->body)
		return 0;
	body = render_json(h->body, s->run->ctx, err);
	if (!body)
		return -1;
	s->http->sent = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	return 0;
}

static bool has_header(const struct http_spec *h, const char *name)
{
	for (size_t i = 0; i < h->nheaders; i++)
		if (!strcasecmp(h->headers[i].key, name))
			return true;
	return false;
}

static int build_headers(struct step_rt *s, struct error *err)
{
	const struct http_spec *h = s->run->p->steps[s->idx].http;

	for (size_t i = 0; i < h->nheaders; i++) {
		char *v = render(s->run, h->headers[i].val, err), *line;

		if (!v)
			return -1;
		line = xasprintf("%s: %s", h->headers[i].key, v);
		s->http->headers = curl_slist_append(s->http->headers, line);
		free(line);
		free(v);
	}
	if (h->body && !has_header(h, "Content-Type"))
		s->http->headers = curl_slist_append(
			s->http->headers, "Content-Type: application/json");
	if (!has_header(h, "Accept"))
		s->http->headers = curl_slist_append(
			s->http->headers, "Accept: application/json");
	return 0;
}

/* Notes a line for the step's log.  The log is written (through the
 * redactor: a URL may carry a token) only when the request fails: a
 * log file per successful request would cost more than the request,
 * and a success's response is its output anyway. */
static void log_line(struct step_rt *s, const char *text)
{
	buf_addstr(&s->http->log, text);
	buf_addch(&s->http->log, '\n');
}

static void write_log(struct step_rt *s)
{
	redact_stream_feed(&s->rs, s->http->log.data ? s->http->log.data : "",
			   s->http->log.len);
	redact_stream_flush(&s->rs);
}

static int configure(struct step_rt *s, struct error *err)
{
	const struct step *def = &s->run->p->steps[s->idx];
	const struct http_spec *h = def->http;
	CURL *c = s->http->easy;
	char *url = build_url(s, c, err), *line;

	if (!url || build_body(s, err) < 0 || build_headers(s, err) < 0) {
		free(url);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, h->method);
	if (!strcmp(h->method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (s->http->sent)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->http->sent);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->http->headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_PRIVATE, s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "baton/0.1");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 (long)(def->timeout_ms ? def->timeout_ms
						: DEFAULT_TIMEOUT_MS));
	line = xasprintf("> %s %s", h->method, url);
	log_line(s, line);
	free(line);
	free(url);
	return 0;
}

static void req_free(struct http_req *q)
{
	if (!q)
		return;
	if (q->easy)
		curl_easy_cleanup(q->easy);
	curl_slist_free_all(q->headers);
	buf_release(&q->body);
	buf_release(&q->log);
	free(q->sent);
	free(q);
}

void http_start(struct step_rt *s)
{
	const struct http_spec *h = s->run->p->steps[s->idx].http;
	struct engine *e = s->run->e;
	struct error err = {0};

	s->http_permanent = false;
	s->retry_after = 0;
	json_decref(s->http_output);
	s->http_output = NULL;
	if (ensure_multi(e) < 0) {
		s->spawn_error = xstrdup("cannot start libcurl");
		goto fail;
	}
	s->http = xcalloc(1, sizeof(*s->http));
	buf_init(&s->http->body, (size_t)h->max_bytes);
	buf_init(&s->http->log, 2 * LOG_BODY_MAX);
	s->http->easy = curl_easy_init();
	s->http->started = time_mono_ms();
	if (!s->http->easy || configure(s, &err) < 0) {
		s->spawn_error = xstrdup(err.msg[0] ? err.msg
					 : "cannot prepare the request");
		s->http_permanent = true;
		goto fail;
	}
	curl_multi_add_handle(e->curlm, s->http->easy);
	return;
fail:
	req_free(s->http);
	s->http = NULL;
	s->exited = true;
}

/* Facebook Graph API error codes worth retrying: throttling (4, 17, 32,
 * 613) and the 80000-80014 business-use-case rate limits. */
static bool graph_transient(int code)
{
	return code == 4 || code == 17 || code == 32 || code == 613 ||
	       (code >= 80000 && code <= 80014);
}

static bool expected(const struct http_spec *h, long status)
{
	if (!h->nexpect)
		return status >= 200 && status < 300;
	for (size_t i = 0; i < h->nexpect; i++)
		if (h->expect[i] == status)
			return true;
	return false;
}

/* Why a response is a failure, and whether retrying can help. */
static char *classify(struct step_rt *s, long status, const json_t *body)
{
	json_t *err = json_object_get(body, "error");
	json_t *code = json_object_get(err, "code");
	const char *msg = json_string_value(json_object_get(err, "message"));

	/* LinkedIn and others put the message at the top level. */
	if (!msg)
		msg = json_string_value(json_object_get(body, "message"));
	const char *tenant = s->run->tenant_id;

	s->http_permanent = !(status == 429 || status >= 500);
	if (json_is_integer(code)) {
		int c = (int)json_integer_value(code);

		if (c == 190) {
			s->http_permanent = true;
			return xasprintf("invalid OAuth access token%s%s "
					 "(Graph API error 190: %s); not "
					 "retried",
					 tenant ? " for tenant " : "",
					 tenant ? tenant : "",
					 msg ? msg : "");
		}
		if (graph_transient(c))
			s->http_permanent = false;
		return xasprintf("HTTP %ld: API error %d: %s", status, c,
				 msg ? msg : "");
	}
	if (msg)
		return xasprintf("HTTP %ld: %s", status, msg);
	return xasprintf("HTTP %ld", status);
}

/* The step's output: the JSON response, or the value at h->output. */
static int pick_output(struct step_rt *s, json_t *body, const char *text,
		       char **why)
{
	const struct http_spec *h = s->run->p->steps[s->idx].http;
	json_t *v;

	if (!body) {
		if (h->output) {
			*why = xasprintf("response is not JSON, so output "
					 "'%s' cannot be taken from it",
					 h->output);
			return -1;
		}
		s->http_output = json_string(text);
		return 0;
	}
	v = h->output ? template_lookup(body, h->output) : body;
	if (!v) {
		*why = xasprintf("response has no '%s'", h->output);
		return -1;
	}
	s->http_output = json_incref(v);
	return 0;
}

static void log_response(struct step_rt *s, long status, const char *text,
			 size_t len)
{
	char *line = xasprintf("< HTTP %ld (%zu bytes in %lld ms)", status,
			       len,
			       (long long)(time_mono_ms() - s->http->started));

	log_line(s, line);
	free(line);
	buf_add(&s->http->log, text, len < LOG_BODY_MAX ? len : LOG_BODY_MAX);
	if (len)
		buf_addch(&s->http->log, '\n');
}

static void finish(struct step_rt *s, CURLcode rc)
{
	struct http_req *q = s->http;
	const struct http_spec *h = s->run->p->steps[s->idx].http;
	long status = 0;
	char *clean, *why = NULL;
	size_t len = 0;
	json_t *body;

	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	clean = redact_string(s->run->redactor, q->body.data, q->body.len,
			      &len);
	log_response(s, status, clean, len);
	s->st.exit_code = status ? (int)status : -1;
	s->retry_after = q->retry_after;
	body = len ? json_loadb(clean, len, JSON_DECODE_ANY, NULL) : NULL;
	if (q->body.truncated) {
		why = xasprintf("response larger than %lld bytes",
				(long long)h->max_bytes);
		s->http_permanent = true;
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		why = xasprintf("timed out: %s", curl_easy_strerror(rc));
	} else if (rc != CURLE_OK) {
		why = xasprintf("%s", curl_easy_strerror(rc));
		s->http_permanent = rc == CURLE_PEER_FAILED_VERIFICATION ||
				    rc == CURLE_SSL_CACERT_BADFILE ||
				    rc == CURLE_SSL_CONNECT_ERROR ||
				    rc == CURLE_URL_MALFORMAT ||
				    rc == CURLE_UNSUPPORTED_PROTOCOL;
	} else if (!expected(h, status)) {
		why = classify(s, status, body);
	} else {
		pick_output(s, body, clean, &why);
		if (why)
			s->http_permanent = true;
	}
	json_decref(body);
	free(clean);
	if (why)
		write_log(s);
	s->spawn_error = why;	/* NULL: success */
	s->exited = true;
}

struct notice {
	CURL *easy;
	struct curl_slist *headers;
	char *payload;
	char *url;
};

static void notice_free(struct notice *n)
{
	curl_easy_cleanup(n->easy);
	curl_slist_free_all(n->headers);
	free(n->payload);
	free(n->url);
	free(n);
}

/* ${VAR} in a webhook URL comes from baton's environment, so the URL
 * (a secret, for Slack) need not be written in the pipeline. */
static char *expand_env(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	while (*s) {
		const char *end;

		if (s[0] == '$' && s[1] == '{' && (end = strchr(s, '}'))) {
			char *name = xstrndup(s + 2, (size_t)(end - s - 2));
			const char *v = getenv(name);

			buf_addstr(&b, v ? v : "");
			free(name);
			s = end + 1;
			continue;
		}
		buf_addch(&b, *s++);
	}
	return buf_detach(&b);
}

void http_notify(struct engine *e, const char *url, char *payload)
{
	struct notice *n;

	if (ensure_multi(e) < 0) {
		free(payload);
		return;
	}
	n = xcalloc(1, sizeof(*n));
	n->payload = payload;
	n->url = expand_env(url);
	n->easy = curl_easy_init();
	n->headers = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(n->easy, CURLOPT_URL, n->url);
	curl_easy_setopt(n->easy, CURLOPT_POSTFIELDS, n->payload);
	curl_easy_setopt(n->easy, CURLOPT_HTTPHEADER, n->headers);
	curl_easy_setopt(n->easy, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(n->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(n->easy, CURLOPT_USERAGENT, "baton/0.1");
	curl_easy_setopt(n->easy, CURLOPT_PRIVATE, NULL);
	xgrow((void **)&e->notices, &e->notices_cap, e->nnotices + 1,
	      sizeof(*e->notices));
	e->notices[e->nnotices++] = n;
	curl_multi_add_handle(e->curlm, n->easy);
}

/* A finished webhook: say so if it failed, and forget it. */
static bool notice_done(struct engine *e, CURL *easy, CURLcode rc)
{
	for (size_t i = 0; i < e->nnotices; i++) {
		struct notice *n = e->notices[i];
		long status = 0;

		if (n->easy != easy)
			continue;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK || status < 200 || status >= 300)
			fprintf(stderr, "baton: notify webhook failed: %s\n",
				rc != CURLE_OK ? curl_easy_strerror(rc)
					       : "non-2xx response");
		curl_multi_remove_handle(e->curlm, easy);
		notice_free(n);
		e->notices[i] = e->notices[--e->nnotices];
		return true;
	}
	return false;
}

static void check_done(struct engine *e)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->curlm, &left))) {
		struct step_rt *s = NULL;

		if (m->msg != CURLMSG_DONE ||
		    notice_done(e, m->easy_handle, m->data.result))
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&s);
		finish(s, m->data.result);
		curl_multi_remove_handle(e->curlm, s->http->easy);
		req_free(s->http);
		s->http = NULL;
		run_attempt_done(s);
	}
}

void http_on_socket(struct engine *e, struct watch *w, uint32_t events)
{
	int flags = (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
		    (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
		    (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
	int running;

	curl_multi_socket_action(e->curlm, w->fd, flags, &running);
	check_done(e);
}

void http_on_timer(struct engine *e)
{
	int running;

	e->curl_deadline = 0;
	curl_multi_socket_action(e->curlm, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(e);
}

void http_stop(struct step_rt *s)
{
	if (!s->http)
		return;
	curl_multi_remove_handle(s->run->e->curlm, s->http->easy);
	req_free(s->http);
	s->http = NULL;
	s->exited = true;
	s->spawn_error = xstrdup("cancelled");
	run_attempt_done(s);
}

void http_release(struct engine *e)
{
	if (!e->curlm)
		return;
	for (size_t i = 0; i < e->nruns; i++) {
		struct run *r = e->runs[i];

		for (size_t k = 0; r->steps && k < r->p->nsteps; k++)
			if (r->steps[k].http) {
				curl_multi_remove_handle(e->curlm,
							 r->steps[k].http->easy);
				req_free(r->steps[k].http);
				r->steps[k].http = NULL;
			}
	}
	for (size_t i = 0; i < e->nnotices; i++) {
		curl_multi_remove_handle(e->curlm, e->notices[i]->easy);
		notice_free(e->notices[i]);
	}
	free(e->notices);
	e->notices = NULL;
	e->nnotices = 0;
	curl_multi_cleanup(e->curlm);
	e->curlm = NULL;
}
