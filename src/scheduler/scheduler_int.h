/* scheduler_int.h - what the scheduler's files share: the plan built
 * from a world (plan.c) and the service using it (scheduler.c).
 * Private to src/scheduler/. */
#ifndef BATON_SCHEDULER_INT_H
#define BATON_SCHEDULER_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sched/fire.h"
#include "scheduler.h"

struct job;
struct pipeline;
struct tenant;

/* One schedule of a world: a pipeline's, a job's, or one group of a
 * preference-based job's tenants. */
struct plan;

struct plan_item {
	struct fire_entry fe;		/* fe.data points back here */
	struct plan *plan;		/* the plan holding it */
	char *id;			/* fe.id */
	struct schedule *own;		/* fe.s when the plan made it */
	const struct pipeline *p;	/* what runs; NULL: see problem */
	const struct job *job;		/* NULL for a pipeline */
	bool pref;			/* a preference group */
	const struct tenant **tenants;	/* a pipeline's (enabled, listing
					 * it) or the group's members */
	json_t **overrides;		/* pref: each member's
					 * template_overrides, or NULL */
	size_t ntenants;
	char *problem;			/* why it cannot run, or NULL */
};

/* The schedules of one world.  Shared by the firer (as its set's
 * cookie) and by the fires still going; freed with the last
 * reference, which drops the world. */
struct plan {
	int refs;			/* guarded by plan_lock */
	struct scheduler_world w;
	const struct scheduler_config *cfg;	/* for drop */
	struct plan_item *v;
	size_t n;
};

/* Builds the plan of w (borrowed), with one reference, after
 * cfg->hold(owner).  Logs on stderr what it leaves out.  Caller drops
 * it with plan_unref(). */
struct plan *plan_build(const struct scheduler_world *w,
			const struct scheduler_config *cfg);
void plan_ref(struct plan *p);
/* Drops one reference; the last frees the plan and drops its world. */
void plan_unref(struct plan *p);
/* The fire entries of p, in order (one per item).  Caller frees the
 * array only. */
struct fire_entry *plan_entries(const struct plan *p);
/* The params a preference group's member gets: its template_overrides
 * that pipeline pl declares as params, as text (strings as they are,
 * other values as JSON).  Sets *n; caller frees with kv_list_free(). */
struct kv *plan_params(const struct pipeline *pl, const json_t *overrides,
		       size_t *n);
void kv_list_free(struct kv *v, size_t n);

#endif
