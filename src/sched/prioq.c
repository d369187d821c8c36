/* prioq.c - one FIFO ring per priority level; the item to start is the
 * head of one of the four rings (see prioq.h). */
#include "prioq.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/str.h"

static const char *const names[PRIO_LEVELS] = {
	"low", "medium", "high", "critical",
};

int priority_parse(const char *s, enum priority *out)
{
	for (int i = 0; i < PRIO_LEVELS; i++)
		if (!strcasecmp(s, names[i])) {
			*out = (enum priority)i;
			return 0;
		}
	return -1;
}

const char *priority_name(enum priority p)
{
	return p >= PRIO_LOW && p <= PRIO_CRITICAL ? names[p] : "?";
}

const char *priority_suggest(const char *s)
{
	return str_suggest(s, names, PRIO_LEVELS);
}

struct entry {
	void *item;
	int64_t since;
};

/* A ring buffer of entries; head is the oldest. */
struct ring {
	struct entry *v;
	size_t cap, head, n;
};

struct prioq {
	int64_t age_ms;
	struct ring levels[PRIO_LEVELS];
	size_t n;
};

struct prioq *prioq_new(int64_t age_ms)
{
	struct prioq *q = xcalloc(1, sizeof(*q));

	q->age_ms = age_ms > 0 ? age_ms : 0;
	return q;
}

void prioq_free(struct prioq *q)
{
	if (!q)
		return;
	for (int i = 0; i < PRIO_LEVELS; i++)
		free(q->levels[i].v);
	free(q);
}

static struct entry *at(const struct ring *r, size_t i)
{
	return &r->v[(r->head + i) % r->cap];
}

static void ring_push(struct ring *r, struct entry e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct entry *v = xmalloc(cap * sizeof(*v));

		for (size_t i = 0; i < r->n; i++)
			v[i] = *at(r, i);
		free(r->v);
		r->v = v;
		r->cap = cap;
		r->head = 0;
	}
	*at(r, r->n++) = e;
}

enum priority prioq_effective(const struct prioq *q, enum priority p,
			      int64_t since_ms, int64_t now_ms)
{
	int64_t waited = now_ms - since_ms, up;

	if (!q->age_ms || waited <= 0)
		return p;
	up = waited / q->age_ms;
	return up >= PRIO_CRITICAL - (int64_t)p ? PRIO_CRITICAL
						 : (enum priority)(p + up);
}

void prioq_push(struct prioq *q, void *item, enum priority p,
		int64_t now_ms)
{
	struct entry e = {item, now_ms};

	if (p < PRIO_LOW || p > PRIO_CRITICAL)
		p = PRIO_MEDIUM;
	ring_push(&q->levels[p], e);
	q->n++;
}

/* The level whose head leaves next, or -1.  Within a level the head is
 * the oldest and so the most aged; across levels the highest effective
 * priority wins, then the longest wait, then the higher base level. */
static int best_level(const struct prioq *q, int64_t now_ms)
{
	int best = -1;
	enum priority best_eff = PRIO_LOW;
	int64_t best_since = 0;

	for (int i = PRIO_CRITICAL; i >= PRIO_LOW; i--) {
		const struct ring *r = &q->levels[i];
		const struct entry *e;
		enum priority eff;

		if (!r->n)
			continue;
		e = at(r, 0);
		eff = prioq_effective(q, (enum priority)i, e->since, now_ms);
		if (best < 0 || eff > best_eff ||
		    (eff == best_eff && e->since < best_since)) {
			best = i;
			best_eff = eff;
			best_since = e->since;
		}
	}
	return best;
}

void *prioq_peek(const struct prioq *q, int64_t now_ms)
{
	int l = best_level(q, now_ms);

	return l < 0 ? NULL : at(&q->levels[l], 0)->item;
}

void *prioq_pop(struct prioq *q, int64_t now_ms)
{
	int l = best_level(q, now_ms);
	struct ring *r;
	void *item;

	if (l < 0)
		return NULL;
	r = &q->levels[l];
	item = at(r, 0)->item;
	r->head = (r->head + 1) % r->cap;
	r->n--;
	q->n--;
	return item;
}

int prioq_remove(struct prioq *q, const void *item)
{
	for (int l = 0; l < PRIO_LEVELS; l++) {
		struct ring *r = &q->levels[l];

		for (size_t i = 0; i < r->n; i++) {
			if (at(r, i)->item != item)
				continue;
			for (; i + 1 < r->n; i++)
				*at(r, i) = *at(r, i + 1);
			r->n--;
			q->n--;
			return 0;
		}
	}
	return -1;
}

size_t prioq_len(const struct prioq *q)
{
	return q->n;
}
