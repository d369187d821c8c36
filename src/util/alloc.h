/* alloc.h - allocation that never returns NULL.
 *
 * Internal data is allocated with these: on out-of-memory they print a
 * message and abort, so callers never check for NULL (tmux's habit).
 * Anything sized by a user or a child process goes through struct buf
 * with a cap instead.
 */
#ifndef BATON_ALLOC_H
#define BATON_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (an array of *cap elements of size sz) to hold at least need. */
void xgrow(void **p, size_t *cap, size_t need, size_t sz);
char *xstrdup(const char *s);		/* NULL gives NULL */
char *xstrndup(const char *s, size_t n);
/* Returns a malloced formatted string; caller frees with free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
