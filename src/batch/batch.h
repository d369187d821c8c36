/* batch.h - fan-out: pipelines run for many tenants as one batch.
 *
 * A batch is the set of runs started by one trigger (a CLI call, an API
 * call, a schedule tick, a batch job).  batch_run() records it, queues
 * one run per item in a single engine (so tenants share the event loop,
 * the parallelism cap, the start delay and the rate limits), waits for
 * them all, and records the outcome.  One tenant's failure never stops
 * the others unless fail_fast is set.
 */
#ifndef BATON_BATCH_H
#define BATON_BATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine_config;
struct error;
struct kv;
struct pipeline;
struct store;
struct tenant;

struct batch_item {
	const struct pipeline *pipeline;
	const struct tenant *tenant;	/* NULL: a run without tenant */
	const struct kv *params;	/* extra params for this item */
	size_t nparams;
	json_t *input;			/* batch job items (borrowed) */
};

struct batch_opts {
	const char *id;		/* a batch_make_id() id, or NULL for a new one */
	const char *source;	/* "cli", "api", "schedule", "job" */
	const char *job_id;	/* the batch job, or NULL */
	const struct kv *params;	/* --param, for every item */
	size_t nparams;
	int parallel;		/* runs at once (default 1) */
	int64_t delay_ms;	/* gap between run starts */
	int64_t tenant_timeout_ms;
	bool fail_fast;
	json_t *extra;		/* facts to keep with the batch (borrowed) */
	int *statuses;		/* optional out: each item's final enum
				 * run_status, n entries (set when
				 * batch_run() returns 0) */
};

struct batch_result {
	char id[64];
	size_t total;
	size_t succeeded;
	size_t failed;
	size_t cancelled;	/* stopped before or while running */
	bool interrupted;	/* SIGINT/SIGTERM stopped it */
};

/* Makes a batch id: bat_{source}_{YYYYmmddHHMMSS}_{8 hex} (UTC). */
void batch_make_id(char *out, size_t size, const char *source);
/* Runs items (borrowed) to the end.  cfg is the engine configuration to
 * use; batch_run() sets its max_runs, start_gap_ms and fail_fast from o.
 * Fills *res and returns 0, or a negative code with err set (a bad
 * param, the event loop failing).  The batch id is printed by the
 * caller's listener on the first EV_RUN_START, or known from res. */
int batch_run(struct store *s, const struct engine_config *cfg,
	      const struct batch_item *items, size_t n,
	      const struct batch_opts *o, struct batch_result *res,
	      struct error *err);
/* The CLI exit code for a batch: 0 all succeeded, 2 some failed, 3 all
 * failed, 130 interrupted. */
int batch_exit_code(const struct batch_result *res);

#endif
