/* redact.h - replace secret strings with "***" in text and byte streams.
 *
 * A redactor holds a set of secrets.  Each secret is matched in its raw form
 * and in every JSON-escaped form that differs from it (a secret holding '"',
 * '\', '/' or a control character appears escaped inside JSON text, with or
 * without "\/" and with upper or lower case "\u00XX" digits), so redacting
 * the text of a JSON document works.
 *
 * Matching rule, the same for strings and streams: scan left to right; at
 * each position the longest secret form that matches there is replaced by
 * "***" and scanning resumes after it; otherwise the byte is kept.  A
 * stream therefore produces exactly what redact_string() would produce on
 * the concatenation of everything fed to it.
 *
 * Thread-safety: set a redactor up (redactor_new, redactor_add) from one
 * thread; afterwards it is read-only and may be shared by any number of
 * threads and streams at once.  A redact_stream belongs to one thread.
 */
#ifndef BATON_REDACT_H
#define BATON_REDACT_H

#include <stddef.h>

struct redactor;

/* Returns an empty redactor; caller frees with redactor_free(). */
struct redactor *redactor_new(void);

/* Adds a secret (borrows s; the redactor keeps its own copy).  Secrets
 * shorter than REDACT_MIN_SECRET bytes are ignored: redacting "a" or "no"
 * would turn every log line into noise and hide nothing worth hiding.
 * Duplicates and NULL are ignored too.  Not safe while other threads use r. */
#define REDACT_MIN_SECRET 4
void redactor_add(struct redactor *r, const char *s);

/* Number of distinct secrets accepted by redactor_add(); NULL gives 0. */
size_t redactor_count(const struct redactor *r);

/* Frees r and its copies of the secrets; NULL is fine. */
void redactor_free(struct redactor *r);

/* Returns a malloced, NUL-terminated redacted copy of s[0..len) and sets
 * *outlen (if not NULL) to its length; caller frees with free().  Borrows r
 * and s; r may be NULL (no secrets) and s may be NULL when len is 0.  The
 * result is never longer than the input.  Never fails (aborts on OOM). */
char *redact_string(const struct redactor *r, const char *s, size_t len,
		    size_t *outlen);

/* Receives redacted output: data[0..n) is only valid during the call.
 * Returns 0, or nonzero to stop the stream (that value is passed back). */
typedef int redact_emit_fn(void *arg, const char *data, size_t n);

/* Redacts a byte stream arriving in chunks of any size.  Bytes that might
 * be the start of a secret split across chunks are held back (never more
 * than the longest secret form minus one byte); everything else is passed
 * to emit at once, straight from the caller's chunk when no copy is needed.
 * With no secrets, feed hands each chunk to emit unchanged.  Treat the
 * fields as private. */
struct redact_stream {
	const struct redactor *r;	/* borrowed; must outlive the stream */
	redact_emit_fn *emit;
	void *arg;
	char *hold;	/* held-back bytes, then room for one lookahead */
	size_t hlen, cap;
	int err;	/* first nonzero emit result, sticky */
};

/* Prepares st to redact with r (borrowed; NULL means no secrets) and send
 * output to emit(arg, ...).  Release with redact_stream_release(). */
void redact_stream_init(struct redact_stream *st, const struct redactor *r,
			redact_emit_fn *emit, void *arg);

/* Redacts data[0..n) (borrowed) and emits what is safe to emit.  Returns 0,
 * or the nonzero value an emit call returned; after such an error every
 * later feed and flush returns the same value without emitting. */
int redact_stream_feed(struct redact_stream *st, const char *data, size_t n);

/* At end of input: emits the held-back bytes (redacted).  Returns as
 * redact_stream_feed().  The stream may be fed again afterwards. */
int redact_stream_flush(struct redact_stream *st);

/* Frees what st holds (not st itself; not the redactor).  Held-back bytes
 * not flushed are dropped.  NULL is fine. */
void redact_stream_release(struct redact_stream *st);

#endif
