/* redact.c - replace secret strings with "***" in text and byte streams.
 *
 * Every secret gives one or more patterns (its raw form and its JSON-escaped
 * forms), all at least REDACT_MIN_SECRET = 4 bytes long.  Patterns are
 * sorted by first byte, longest first, so the first pattern that matches at
 * a position is the longest one.
 *
 * Finding candidate positions fast (see skip()): a Wu-Manber shift table
 * over hashed 4-grams slides a window of min(shortest pattern, 32) bytes
 * over text that cannot hold a pattern, several bytes per step; where it
 * stops, a bitmap of hashed 4-byte pattern prefixes rejects most of the
 * rest with one load, one multiply and one bit test.  Only positions that
 * pass both reach a memcmp() against the patterns with that first byte.
 * Worst case (text made of near-misses of a long secret) is one memcmp per
 * byte: O(n * longest pattern), never worse.
 */
#include "redact.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

#define FILTER_BITS 16
#define FILTER_WORDS ((1u << FILTER_BITS) / 64)
#define SHIFT_BITS 15
#define MAX_WIN 32	/* widest window; shifts stay below it */
#define MIN_SHIFT 4	/* below this, the prefix filter alone is faster */

static const char mask[] = "***";

struct pat {
	char *s;	/* owned */
	size_t len;
};

struct redactor {
	char **secrets;	/* owned copies, for duplicates and the count */
	size_t nsecrets, capsecrets;
	struct pat *pats;	/* sorted: first byte, then longest first */
	size_t npats, cappats;
	size_t maxlen;	/* longest pattern; 0 when there are none */
	size_t win;	/* shortest pattern, at most MAX_WIN */
	uint32_t bucket[257];	/* pats[bucket[c]..bucket[c+1]) start with c */
	uint64_t first[4];	/* bitmap of first bytes */
	uint64_t filter[FILTER_WORDS];	/* hashed 4-byte prefixes */
	uint8_t shift[1u << SHIFT_BITS];	/* see skip() */
};

static inline uint32_t load4(const char *s)
{
	uint32_t x;

	memcpy(&x, s, sizeof(x));
	return x;
}

static inline uint32_t prefix_hash(const char *s)
{
	return (load4(s) * 0x9e3779b1u) >> (32 - FILTER_BITS);
}

static inline uint32_t gram_hash(const char *s)
{
	return (load4(s) * 0x85ebca6bu) >> (32 - SHIFT_BITS);
}

static inline bool bit_test(const uint64_t *map, uint32_t i)
{
	return map[i >> 6] >> (i & 63) & 1;
}

static inline void bit_set(uint64_t *map, uint32_t i)
{
	map[i >> 6] |= (uint64_t)1 << (i & 63);
}

struct redactor *redactor_new(void)
{
	return xcalloc(1, sizeof(struct redactor));
}

void redactor_free(struct redactor *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsecrets; i++)
		free(r->secrets[i]);
	for (size_t i = 0; i < r->npats; i++)
		free(r->pats[i].s);
	free(r->secrets);
	free(r->pats);
	free(r);
}

size_t redactor_count(const struct redactor *r)
{
	return r ? r->nsecrets : 0;
}

static const char *const json_esc[0x60] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
	['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

/* Appends s as it appears inside a JSON string.  slash: write '/' as "\/";
 * upper: upper-case hex digits in "\u001F". */
static void json_escape(struct buf *b, const char *s, bool slash, bool upper)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '/' && slash)
			buf_addstr(b, "\\/");
		else if (c < 0x60 && json_esc[c])
			buf_addstr(b, json_esc[c]);
		else if (c < 0x20)
			buf_addf(b, upper ? "\\u%04X" : "\\u%04x", c);
		else
			buf_addch(b, (char)c);
	}
}

static bool has_pat(const struct redactor *r, const char *s, size_t len)
{
	for (size_t i = 0; i < r->npats; i++)
		if (r->pats[i].len == len && !memcmp(r->pats[i].s, s, len))
			return true;
	return false;
}

/* Adds s[0..len) as a pattern unless present.  Borrows s. */
static void add_pat(struct redactor *r, const char *s, size_t len)
{
	if (has_pat(r, s, len))
		return;
	xgrow((void **)&r->pats, &r->cappats, r->npats + 1, sizeof(*r->pats));
	r->pats[r->npats].s = xstrndup(s, len);
	r->pats[r->npats].len = len;
	r->npats++;
}

static int pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;
	unsigned char cx = (unsigned char)x->s[0], cy = (unsigned char)y->s[0];

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return 0;
}

/* Fills the shift table: for a window of win bytes ending in a 4-gram g,
 * shift[hash(g)] is how far the window may slide without passing the start
 * of a pattern, i.e. the least distance from an occurrence of g among the
 * first win bytes of any pattern to the end of those win bytes. */
static void build_shifts(struct redactor *r)
{
	size_t w = r->win;

	memset(r->shift, (int)(w - 3), sizeof(r->shift));
	for (size_t i = 0; i < r->npats; i++) {
		for (size_t j = 3; j < w; j++) {
			uint32_t h = gram_hash(r->pats[i].s + j - 3);

			if (r->shift[h] > w - 1 - j)
				r->shift[h] = (uint8_t)(w - 1 - j);
		}
	}
}

/* Rebuilds the sorted order, buckets and tables from r->pats. */
static void reindex(struct redactor *r)
{
	qsort(r->pats, r->npats, sizeof(*r->pats), pat_cmp);
	memset(r->bucket, 0, sizeof(r->bucket));
	memset(r->first, 0, sizeof(r->first));
	memset(r->filter, 0, sizeof(r->filter));
	r->maxlen = 0;
	r->win = MAX_WIN;
	for (size_t i = 0; i < r->npats; i++) {
		const struct pat *p = &r->pats[i];

		r->bucket[(unsigned char)p->s[0] + 1]++;
		bit_set(r->first, (unsigned char)p->s[0]);
		bit_set(r->filter, prefix_hash(p->s));
		if (p->len > r->maxlen)
			r->maxlen = p->len;
		if (p->len < r->win)
			r->win = p->len;
	}
	build_shifts(r);
	for (int c = 0; c < 256; c++)
		r->bucket[c + 1] += r->bucket[c];
}

void redactor_add(struct redactor *r, const char *s)
{
	struct buf b;
	size_t len;

	if (!r || !s)
		return;
	len = strlen(s);
	if (len < REDACT_MIN_SECRET)
		return;
	for (size_t i = 0; i < r->nsecrets; i++)
		if (!strcmp(r->secrets[i], s))
			return;
	xgrow((void **)&r->secrets, &r->capsecrets, r->nsecrets + 1,
	      sizeof(*r->secrets));
	r->secrets[r->nsecrets++] = xstrdup(s);

	add_pat(r, s, len);
	buf_init(&b, 0);
	for (int v = 0; v < 4; v++) {
		buf_reset(&b);
		json_escape(&b, s, v & 1, v & 2);
		add_pat(r, b.data, b.len);
	}
	buf_release(&b);
	reindex(r);
}

/* Looks at s[0..rem), a position with a candidate first byte.  Returns the
 * length of the longest pattern matching there, or 0.  Unless final, sets
 * *hold when s[0..rem) is a proper prefix of a longer pattern: more input
 * is needed to decide this position. */
static size_t match_at(const struct redactor *r, const char *s, size_t rem,
		       bool final, bool *hold)
{
	unsigned char c = (unsigned char)s[0];

	for (uint32_t i = r->bucket[c]; i < r->bucket[c + 1]; i++) {
		const struct pat *p = &r->pats[i];

		if (p->len > rem) {
			if (!final && !memcmp(p->s, s, rem)) {
				*hold = true;
				return 0;
			}
			continue;
		}
		if (!memcmp(p->s, s, p->len))
			return p->len;
	}
	return 0;
}

/* Returns the first position in [p, end) of buf[0..len) where a pattern
 * (or, in a stream, the start of one) may begin, or end.  The caller
 * guarantees end + 3 <= len.
 *
 * Wu-Manber: while a whole window buf[p..p+win) fits, look at its last
 * four bytes g.  A pattern starting in [p, p+s), or a stream tail there
 * that could grow into one, would hold g within its first win bytes, so
 * when shift[hash(g)] = s > 0 none starts there.  Where s is 0, and when
 * windows are too short to slide far, the prefix filter decides. */
static size_t skip(const struct redactor *r, const char *buf, size_t len,
		   size_t p, size_t end)
{
	size_t w = r->win, d = w - 3;

	if (len >= w && d >= MIN_SHIFT) {
		size_t wend = len - w + 1 < end ? len - w + 1 : end;

		while (p < wend) {
			uint8_t s = r->shift[gram_hash(buf + p + w - 4)];

			/* Adding the constant d in the usual case, not s, lets
			 * the CPU run ahead to the next window before the
			 * table load completes. */
			if (s == d) {
				p += d;
				continue;
			}
			if (s) {
				p += s;
				continue;
			}
			if (bit_test(r->filter, prefix_hash(buf + p)))
				return p;
			p++;
		}
	}
	while (p < end && !bit_test(r->filter, prefix_hash(buf + p)))
		p++;
	return p < end ? p : end;
}

struct scan {
	const struct redactor *r;	/* with at least one pattern */
	redact_emit_fn *emit;
	void *arg;
	bool final;	/* no more input follows buf: never hold back */
};

static inline int emit_run(const struct scan *sc, const char *s, size_t n)
{
	return n ? sc->emit(sc->arg, s, n) : 0;
}

/* Decides every position in [from, limit) of buf[0..len), emitting the
 * redacted output; a match may run past limit.  Sets *end to where
 * scanning stopped: >= limit when done, < limit when buf[*end..len) is held
 * back for lack of input.  Returns 0 or the first nonzero emit result. */
static int scan(const struct scan *sc, const char *buf, size_t len,
		size_t from, size_t limit, size_t *end)
{
	const struct redactor *r = sc->r;
	/* Positions before fast have four bytes for the prefix filter. */
	size_t fast = len >= 4 ? len - 3 : 0;
	size_t p = from, run = from, m;
	bool hold = false;
	int err = 0;

	while (p < limit) {
		if (p < fast) {
			size_t stop = limit < fast ? limit : fast;

			p = skip(r, buf, len, p, stop);
			if (p == stop)
				continue;
		} else if (!bit_test(r->first, (unsigned char)buf[p])) {
			p++;
			continue;
		}
		m = match_at(r, buf + p, len - p, sc->final, &hold);
		if (hold)
			break;
		if (!m) {
			p++;
			continue;
		}
		err = emit_run(sc, buf + run, p - run);
		if (!err)
			err = sc->emit(sc->arg, mask, sizeof(mask) - 1);
		if (err)
			goto out;
		p += m;
		run = p;
	}
	err = emit_run(sc, buf + run, p - run);
out:
	*end = p;
	return err;
}

static int str_emit(void *arg, const char *data, size_t n)
{
	struct buf *b = arg;

	/* Output never outgrows input: the buffer was sized up front. */
	memcpy(b->data + b->len, data, n);
	b->len += n;
	return 0;
}

char *redact_string(const struct redactor *r, const char *s, size_t len,
		    size_t *outlen)
{
	struct scan sc = {.r = r, .emit = str_emit, .final = true};
	struct buf b;
	size_t end;

	buf_init(&b, 0);
	xgrow((void **)&b.data, &b.cap, len + 1, 1);
	if (r && r->npats) {
		sc.arg = &b;
		scan(&sc, s, len, 0, len, &end);
	} else if (len) {
		memcpy(b.data, s, len);
		b.len = len;
	}
	b.data[b.len] = '\0';
	if (outlen)
		*outlen = b.len;
	return buf_detach(&b);
}

void redact_stream_init(struct redact_stream *st, const struct redactor *r,
			redact_emit_fn *emit, void *arg)
{
	memset(st, 0, sizeof(*st));
	st->r = r;
	st->emit = emit;
	st->arg = arg;
	if (r && r->maxlen) {
		st->cap = 2 * r->maxlen;
		st->hold = xmalloc(st->cap);
	}
}

void redact_stream_release(struct redact_stream *st)
{
	if (!st)
		return;
	free(st->hold);
	st->hold = NULL;
	st->cap = st->hlen = 0;
}

/* Decides the held-back bytes now that data[0..n) follows them.  Sets *off
 * to the first byte of data still undecided, or to n if all of data went
 * back into the hold. */
static int feed_hold(struct redact_stream *st, const struct scan *sc,
		     const char *data, size_t n, size_t *off)
{
	size_t m = st->r->maxlen, k = n < m ? n : m, h = st->hlen, end;
	int err;

	/* k bytes of lookahead decide every held position: a pattern that
	 * starts there ends within them, or the data ends first. */
	memcpy(st->hold + h, data, k);
	err = scan(sc, st->hold, h + k, 0, h, &end);
	if (err)
		return err;
	if (end < h) {
		assert(k == n);
		st->hlen = h + k - end;
		memmove(st->hold, st->hold + end, st->hlen);
		*off = n;
		return 0;
	}
	st->hlen = 0;
	*off = end - h;
	return 0;
}

int redact_stream_feed(struct redact_stream *st, const char *data, size_t n)
{
	struct scan sc = {.r = st->r, .emit = st->emit, .arg = st->arg};
	size_t off = 0, end;
	int err = st->err;

	if (err || !n)
		return err;
	if (!st->r || !st->r->npats) {
		err = st->emit(st->arg, data, n);
		goto out;
	}
	/* A redactor changed after init (misuse) must not overrun hold. */
	if (st->cap < 2 * st->r->maxlen) {
		st->cap = 2 * st->r->maxlen;
		st->hold = xrealloc(st->hold, st->cap);
	}
	if (st->hlen) {
		err = feed_hold(st, &sc, data, n, &off);
		if (err || st->hlen)
			goto out;
	}
	err = scan(&sc, data, n, off, n, &end);
	if (!err && end < n) {
		st->hlen = n - end;
		memcpy(st->hold, data + end, st->hlen);
	}
out:
	st->err = err;
	return err;
}

int redact_stream_flush(struct redact_stream *st)
{
	struct scan sc = {.r = st->r, .emit = st->emit, .arg = st->arg,
			  .final = true};
	size_t end;
	int err = st->err;

	if (err || !st->hlen)
		return err;
	err = scan(&sc, st->hold, st->hlen, 0, st->hlen, &end);
	st->hlen = 0;
	st->err = err;
	return err;
}
