/* reply.c - answering a request: replies (JSON, text, errors, with
 * CORS), the request's query and JSON body, and each thread's store
 * connection. */
#include "server_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/timeutil.h"

json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *jtime(int64_t ms)
{
	char buf[64];

	if (ms <= 0)
		return json_null();
	time_format_utc(buf, sizeof(buf), ms);
	return json_string(buf);
}

enum MHD_Result reply_queue(struct req *rq, unsigned status,
			    struct MHD_Response *resp)
{
	const char *origin = MHD_lookup_connection_value(
		rq->conn, MHD_HEADER_KIND, "Origin");
	enum MHD_Result ret;

	if (origin && rq->gen && auth_cors_allowed(rq->gen->auth, origin)) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin",
					origin);
		MHD_add_response_header(resp, "Vary", "Origin");
		MHD_add_response_header(
			resp, "Access-Control-Expose-Headers",
			"X-Log-Offset, X-Run-Status");
	}
	ret = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result reply_text(struct req *rq, unsigned status,
			   const char *mime, char *data, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, data, MHD_RESPMEM_MUST_FREE);

	MHD_add_response_header(resp, "Content-Type", mime);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return reply_queue(rq, status, resp);
}

enum MHD_Result reply_json(struct req *rq, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12));
	size_t len = strlen(text);

	json_decref(j);
	/* A newline at the end makes curl output readable. */
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	return reply_text(rq, status, "application/json", text, len);
}

enum MHD_Result reply_error(struct req *rq, unsigned status,
			    const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_json(rq, status,
			  json_pack("{s:{s:s, s:s}}", "error", "code", code,
				    "message", msg));
}

enum MHD_Result reply_store_error(struct req *rq, int rc, const char *msg)
{
	if (rc == -ENOENT)
		return reply_error(rq, MHD_HTTP_NOT_FOUND, "not_found", "%s",
				   msg);
	if (rc == -EEXIST)
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "%s", msg);
	return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
			   "the store failed: %s", msg ? msg : "unknown");
}

const char *req_query(struct req *rq, const char *key)
{
	const char *v = MHD_lookup_connection_value(
		rq->conn, MHD_GET_ARGUMENT_KIND, key);

	return v && *v ? v : NULL;
}

json_t *req_json(struct req *rq, enum MHD_Result *ret)
{
	json_error_t jerr;
	json_t *j;

	if (!rq->body || !rq->body_len) {
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "the request needs a JSON object body");
		return NULL;
	}
	j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES,
		       &jerr);
	if (!j) {
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "malformed JSON at line %d, column %d: %s",
				   jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "the body must be a JSON object");
		return NULL;
	}
	return j;
}

struct store *req_store(struct req *rq)
{
	return server_store(rq->srv);
}

struct store *server_store(struct server *srv)
{
	struct store *s = pthread_getspecific(srv->store_key);
	struct error err = {0};

	if (s)
		return s;
	if (store_open(srv->cfg.store_location, &s, &err) < 0) {
		fprintf(stderr, "baton serve: cannot open the store: %s\n",
			err.msg);
		return NULL;
	}
	pthread_setspecific(srv->store_key, s);
	return s;
}
