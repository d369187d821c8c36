/* buf.h - a growable byte buffer with an optional size cap (curl's dynbuf).
 *
 * Data past the cap is dropped and `truncated` is set; the buffer is always
 * NUL-terminated.  A buf owns its data; buf_release() frees it and
 * buf_detach() hands it to the caller (who frees it with free()).
 */
#ifndef BATON_BUF_H
#define BATON_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;	/* 0 means no cap */
	bool truncated;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the data (never NULL) and leaves b empty; caller frees. */
char *buf_detach(struct buf *b);
/* Reads a whole file into b; returns 0 or -errno. */
int buf_read_file(struct buf *b, const char *path);

#endif
