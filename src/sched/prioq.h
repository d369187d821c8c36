/* prioq.h - seed 002's priority levels, and a queue that starts higher
 * priorities first, first-in-first-out within a level, with aging.
 *
 * Aging bounds how long a low-priority item can wait: an item's
 * effective priority rises one level for every `age_ms` it has waited,
 * up to critical.  Items of equal effective priority leave in the order
 * they came.  So an item of priority p is effectively critical after
 * (PRIO_CRITICAL - p) * age_ms, and from then on only items that were
 * queued before it can leave ahead of it: a low-priority item waits at
 * most 3 * age_ms plus the time the items queued before it take.
 * age_ms = 0 turns aging off (strict priority: a low item can starve).
 *
 * Time is passed in by the caller (now_ms, any monotonic millisecond
 * clock): the queue never reads a clock, so tests can run it on made-up
 * times.  Pushes should come with non-decreasing now_ms.
 *
 * The queue holds pointers it does not own.  It is not thread-safe:
 * callers lock around it.
 */
#ifndef BATON_PRIOQ_H
#define BATON_PRIOQ_H

#include <stddef.h>
#include <stdint.h>

enum priority { PRIO_LOW, PRIO_MEDIUM, PRIO_HIGH, PRIO_CRITICAL };
#define PRIO_LEVELS 4

/* "low", "medium", "high" or "critical" (any case) into *out.  Returns
 * 0, or -1 when s is none of them. */
int priority_parse(const char *s, enum priority *out);
/* "low" ... "critical".  Static string. */
const char *priority_name(enum priority p);
/* The level name closest to a misspelt s ("hihg" -> "high"), or NULL.
 * Static string. */
const char *priority_suggest(const char *s);

struct prioq;

/* A new empty queue aging items one level per age_ms (0: no aging).
 * Caller frees with prioq_free(). */
struct prioq *prioq_new(int64_t age_ms);
/* Frees q (not the items); accepts NULL. */
void prioq_free(struct prioq *q);
/* Queues item (borrowed) at priority p, waiting since now_ms. */
void prioq_push(struct prioq *q, void *item, enum priority p,
		int64_t now_ms);
/* Takes out and returns the item to start at now_ms, or NULL when the
 * queue is empty. */
void *prioq_pop(struct prioq *q, int64_t now_ms);
/* The item prioq_pop() would return, left in the queue; or NULL. */
void *prioq_peek(const struct prioq *q, int64_t now_ms);
/* Takes item out wherever it is.  Returns 0, or -1 if it is not
 * queued. */
int prioq_remove(struct prioq *q, const void *item);
size_t prioq_len(const struct prioq *q);
/* The effective priority of an item of priority p queued at since_ms,
 * at now_ms, under q's aging. */
enum priority prioq_effective(const struct prioq *q, enum priority p,
			      int64_t since_ms, int64_t now_ms);

#endif
