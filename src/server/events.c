/* events.c - the live event hub: a ring of the latest events with
 * increasing ids, served as Server-Sent Events.
 *
 * A stream with nothing to send suspends its connection; a new event
 * resumes every suspended stream, and the ticker resumes them for
 * heartbeats.  The hub lock is held around MHD_suspend_connection() and
 * MHD_resume_connection() so that a wake-up is never lost between
 * "nothing to send" and the suspension.
 */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/timeutil.h"

#define PING_MS 15000

struct hev {
	uint64_t id;		/* 0 = empty slot */
	char *run, *pipeline, *batch;
	char *text;		/* the whole SSE frame */
	size_t len;
};

struct hub {
	pthread_mutex_t lock;
	struct hev *ring;
	size_t cap;
	uint64_t next_id;	/* the id the next event gets */
	struct waiter *waiters;
	size_t nsse;
	bool closing;
};

struct sse {
	struct waiter w;	/* first member */
	struct hub *h;
	uint64_t cursor;	/* the last id looked at */
	char *run, *pipeline, *batch;	/* filters, or NULL */
	struct buf out;
	size_t off;		/* bytes of out already sent */
};

struct hub *hub_new(size_t cap)
{
	struct hub *h = xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->lock, NULL);
	h->cap = cap;
	h->ring = xcalloc(cap, sizeof(*h->ring));
	h->next_id = 1;
	return h;
}

static void hev_release(struct hev *e)
{
	free(e->run);
	free(e->pipeline);
	free(e->batch);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

void hub_free(struct hub *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->cap; i++)
		hev_release(&h->ring[i]);
	free(h->ring);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static char *field(json_t *d, const char *key)
{
	return xstrdup(json_string_value(json_object_get(d, key)));
}

/* Resumes every suspended waiter that want() accepts.  Lock held. */
static void resume_locked(struct hub *h, bool logs, bool sse_due)
{
	int64_t now = time_mono_ms();

	for (struct waiter *w = h->waiters; w; w = w->next) {
		if (!w->suspended)
			continue;
		if (w->is_log ? !logs
			      : !(sse_due && now - w->last_write >= PING_MS))
			continue;
		w->suspended = false;
		MHD_resume_connection(w->conn);
	}
}

void hub_publish(struct hub *h, const char *kind, json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT);
	struct hev e = {0};
	struct buf b;

	buf_init(&b, 0);
	e.run = field(data, "run_id");
	e.pipeline = field(data, "pipeline");
	e.batch = field(data, "batch");
	json_decref(data);
	pthread_mutex_lock(&h->lock);
	e.id = h->next_id++;
	buf_addf(&b, "id: %llu\nevent: %s\ndata: %s\n\n",
		 (unsigned long long)e.id, kind, text);
	e.len = b.len;
	e.text = buf_detach(&b);
	hev_release(&h->ring[e.id % h->cap]);
	h->ring[e.id % h->cap] = e;
	/* Every stream may want it; streams also re-check log files. */
	for (struct waiter *w = h->waiters; w; w = w->next)
		if (w->suspended) {
			w->suspended = false;
			MHD_resume_connection(w->conn);
		}
	pthread_mutex_unlock(&h->lock);
	free(text);
	buf_release(&b);
}

void hub_tick(struct hub *h)
{
	pthread_mutex_lock(&h->lock);
	resume_locked(h, true, true);
	pthread_mutex_unlock(&h->lock);
}

void hub_close(struct hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->closing = true;
	for (struct waiter *w = h->waiters; w; w = w->next)
		if (w->suspended) {
			w->suspended = false;
			MHD_resume_connection(w->conn);
		}
	pthread_mutex_unlock(&h->lock);
}

size_t hub_nclients(struct hub *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = h->nsse;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void hub_add_waiter(struct hub *h, struct waiter *w)
{
	pthread_mutex_lock(&h->lock);
	w->last_write = time_mono_ms();
	w->prev = NULL;
	w->next = h->waiters;
	if (h->waiters)
		h->waiters->prev = w;
	h->waiters = w;
	if (!w->is_log)
		h->nsse++;
	pthread_mutex_unlock(&h->lock);
}

void hub_remove_waiter(struct hub *h, struct waiter *w)
{
	pthread_mutex_lock(&h->lock);
	if (w->prev)
		w->prev->next = w->next;
	else if (h->waiters == w)
		h->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	if (!w->is_log)
		h->nsse--;
	pthread_mutex_unlock(&h->lock);
}

int hub_park(struct hub *h, struct waiter *w)
{
	pthread_mutex_lock(&h->lock);
	if (h->closing) {
		pthread_mutex_unlock(&h->lock);
		return -1;
	}
	w->suspended = true;
	MHD_suspend_connection(w->conn);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

static bool wanted(const struct sse *s, const struct hev *e)
{
	return (!s->run || (e->run && !strcmp(s->run, e->run))) &&
	       (!s->pipeline ||
		(e->pipeline && !strcmp(s->pipeline, e->pipeline))) &&
	       (!s->batch || (e->batch && !strcmp(s->batch, e->batch)));
}

/* Appends the events after s->cursor that pass the filters.  Lock
 * held. */
static void collect_locked(struct sse *s)
{
	struct hub *h = s->h;
	uint64_t first = h->next_id > h->cap ? h->next_id - h->cap : 1;

	if (s->cursor + 1 > first)
		first = s->cursor + 1;
	for (uint64_t id = first; id < h->next_id; id++) {
		const struct hev *e = &h->ring[id % h->cap];

		if (e->id == id && wanted(s, e))
			buf_add(&s->out, e->text, e->len);
	}
	s->cursor = h->next_id - 1;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct sse *s = cls;
	struct hub *h = s->h;
	size_t n;

	(void)pos;
	if (s->off == s->out.len) {
		buf_reset(&s->out);
		s->off = 0;
		pthread_mutex_lock(&h->lock);
		if (h->closing) {
			pthread_mutex_unlock(&h->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		collect_locked(s);
		if (!s->out.len &&
		    time_mono_ms() - s->w.last_write >= PING_MS)
			buf_addstr(&s->out, ": ping\n\n");
		if (!s->out.len) {
			s->w.suspended = true;
			MHD_suspend_connection(s->w.conn);
			pthread_mutex_unlock(&h->lock);
			return 0;
		}
		pthread_mutex_unlock(&h->lock);
	}
	n = s->out.len - s->off;
	if (n > max)
		n = max;
	memcpy(dst, s->out.data + s->off, n);
	s->off += n;
	s->w.last_write = time_mono_ms();
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *s = cls;

	hub_remove_waiter(s->h, &s->w);
	buf_release(&s->out);
	free(s->run);
	free(s->pipeline);
	free(s->batch);
	free(s);
}

enum MHD_Result hub_serve(struct hub *h, struct req *rq)
{
	const char *last = MHD_lookup_connection_value(
		rq->conn, MHD_HEADER_KIND, "Last-Event-ID");
	struct sse *s = xcalloc(1, sizeof(*s));
	struct MHD_Response *resp;
	int64_t id;

	if (!last)
		last = req_query(rq, "last_event_id");
	if (last && (str_to_i64(last, &id) < 0 || id < 0)) {
		free(s);
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, "bad_request",
				   "Last-Event-ID must be an event id (a "
				   "number), not '%s'",
				   last);
	}
	s->h = h;
	s->w.conn = rq->conn;
	s->run = xstrdup(req_query(rq, "run"));
	s->pipeline = xstrdup(req_query(rq, "pipeline"));
	s->batch = xstrdup(req_query(rq, "batch"));
	buf_init(&s->out, 0);
	pthread_mutex_lock(&h->lock);
	/* A client watching one run gets what the buffer still holds of
	 * it; others start from now unless they resume. */
	if (last)
		s->cursor = (uint64_t)id;
	else
		s->cursor = s->run ? 0 : h->next_id - 1;
	pthread_mutex_unlock(&h->lock);
	buf_addstr(&s->out, "retry: 2000\n: connected\n\n");
	hub_add_waiter(h, &s->w);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
						 sse_read, s, sse_free);
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	return reply_queue(rq, MHD_HTTP_OK, resp);
}
