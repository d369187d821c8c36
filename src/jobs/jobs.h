/* jobs.h - batch jobs (seed 002): the jobs file, the items a job
 * selects, and the runs it makes of them.
 *
 * jobs_load() reads a jobs file: seed 002's batch_config.json as it is
 * (`batch_processing_jobs: [...]`) or the same in YAML (`jobs: [...]`),
 * reporting every mistake as a `file:line:col` diagnostic.  Whether a
 * job's template (pipeline) and categories exist depends on the project
 * and is checked apart, by job_check(), so that a job naming an unknown
 * pipeline can still be listed.
 *
 * A category is a set of tenants (`users`, `tenants`, or a
 * `sources: {NAME: {tenants: ...}}` entry of baton.yaml) or a data
 * source declared in baton.yaml (a JSON, JSONL or CSV file, or a command
 * printing JSON lines).  job_select() loads a job's categories, drops
 * items that reference unknown users, applies the filters and the limit;
 * job_plan() turns the selection into runs by the job's type:
 * individual (one run per item), object (one run over the category),
 * combined (one run over several categories).  docs/jobs.md describes
 * all of it for users.
 *
 * Every struct here owns what it points to unless a comment says
 * "borrowed".  Loaded jobs are read-only data any thread may read.
 */
#ifndef BATON_JOBS_H
#define BATON_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diags;
struct error;
struct fire_policy;
struct project;
struct tenant;
struct tenants;

enum job_type { JOB_INDIVIDUAL, JOB_OBJECT, JOB_COMBINED };
enum job_priority { JOB_LOW, JOB_MEDIUM, JOB_HIGH, JOB_CRITICAL };

enum job_filter_kind {
	JF_MIN,		/* min_X: item.X >= num */
	JF_MAX,		/* max_X: item.X <= num */
	JF_HAS,		/* has_X: item.X (else item.has_X) is true or
			 * non-empty, == flag */
	JF_TAGS,	/* tags: item.tags holds any of tags */
	JF_AFTER,	/* created_after: item.created_at >= when_ms */
	JF_BEFORE,	/* created_before: item.created_at < when_ms */
	JF_ACTIVE_DAYS,	/* active_last_days: item.last_active_at within
			 * num days before now */
	JF_MAX_ITEMS,	/* max_items: keep at most num items */
};

struct job_filter {
	enum job_filter_kind kind;
	char *key;		/* as written, e.g. "min_followers" */
	char *field;		/* the item field tested, or NULL */
	double num;
	bool flag;
	char **tags;
	size_t ntags;
	int64_t when_ms;	/* epoch ms */
	int line, col;
};

struct job_category {
	char *name;
	struct job_filter *filters;
	size_t nfilters;
	int line, col;		/* where the name is written (0: implied) */
};

struct job {
	char *id;
	char *name;
	char *description;	/* "" when not given */
	char *type_name;	/* as written: "individual" ... "preference" */
	enum job_type type;	/* "preference" is individual */
	enum job_priority priority;	/* default medium */
	struct job_category *categories;	/* at least one */
	size_t ncategories;
	char *template_id;	/* the pipeline to run */
	json_t *schedule;	/* an object or a string, or NULL (manual) */
	json_t *filters;	/* as written; {} when not given */
	int64_t limit;		/* default 1000 */
	int64_t retry_limit;	/* default 3 */
	bool distribute_results;
	char **users;		/* distribution.users */
	size_t nusers;
	char *webhook;		/* distribution.webhook, an http:// URL */
	char *purpose_id;
	bool preference_based;	/* also set by type: preference */
	char *feature_type;
	json_t *default_preferences;	/* or NULL */
	struct fire_policy *policy;	/* catch_up, catch_up_max, overlap
					 * and priority for the scheduler
					 * (sched/fire.h); never NULL */
	int line, col;		/* where the job starts */
	int template_line, template_col;
};

struct jobs {
	char *file;		/* as named to jobs_load() */
	struct job *v;		/* in file order */
	size_t n;
};

/* Loads and checks the jobs file `file` (also the name used in
 * messages).  On success returns 0 and sets *out (caller frees with
 * jobs_free()).  On any error returns -1 after adding every problem to
 * d; *out is untouched. */
int jobs_load(const char *file, struct jobs **out, struct diags *d);
/* The same from text; name is used in messages. */
int jobs_load_string(const char *name, const char *text, size_t len,
		     struct jobs **out, struct diags *d);
/* Frees js and everything it owns; accepts NULL. */
void jobs_free(struct jobs *js);
/* The job whose id is id, or NULL.  Borrows. */
const struct job *jobs_find(const struct jobs *js, const char *id);
/* Checks what j names outside the jobs file: its template is a pipeline
 * of p (a broken pipeline file counts as existing), each category is a
 * source of p or `users`/`tenants`, and tenant categories have tenants
 * (t may be NULL: no tenants file).  Reports each problem at its
 * position in file, with a did-you-mean, into d and returns -1; returns
 * 0 when all is well.  Borrows everything. */
int job_check(const struct job *j, const char *file, const struct project *p,
	      const struct tenants *t, struct diags *d);

/* "individual", "object", "combined"; "low" ... "critical".  Static
 * strings. */
const char *job_type_name(enum job_type type);
const char *job_priority_name(enum job_priority prio);
/* A one-line summary of j's schedule: "weekly Monday 01:00",
 * "monthly day 15 05:00", "per tenant preferences", "-" ... Caller
 * frees with free(). */
char *job_schedule_summary(const struct job *j);
/* Every field of j as JSON (seed 002's names).  Returns a new
 * reference (caller decrefs). */
json_t *job_json(const struct job *j);

struct job_item {
	json_t *data;			/* a JSON object (owned) */
	const struct tenant *tenant;	/* the tenant it is, or NULL */
};

/* The selected items of one category. */
struct job_set {
	char *category;
	struct job_item *v;
	size_t n;
};

/* What selection did: seed 002's validation statistics and more. */
struct job_stats {
	size_t total_items;	/* loaded from the categories */
	size_t valid_items;	/* left after user validation */
	size_t dropped_items;	/* dropped: they reference unknown users */
	size_t pruned_refs;	/* unknown references taken out of items
				 * kept (`unknown_users: prune`) */
	size_t filtered_out;	/* valid, but not passing the filters */
	size_t limited;		/* passing, but beyond limit/max_items */
	size_t selected;
	json_t *unknown_user_refs;	/* sorted distinct ids (owned) */
};

struct job_selection {
	struct job_set *sets;	/* one per category, in job order */
	size_t nsets;
	struct job_stats stats;
};

/* Selects j's items now: loads each category (reading files, running
 * commands), drops items that reference users who are not tenants of t
 * (fields user_id, user_ids, member_ids; and the item's own id for a
 * `kind: users` source), applies the filters, then the limit.  t may be
 * NULL (no tenants file: no user is known).  Returns 0 and fills *out
 * (caller releases with job_selection_release()), or a negative code
 * with err set (a source that cannot be read, with its file:line:col
 * when known).  Runs source commands: not thread-safe against other
 * code that waits for any child. */
int job_select(const struct job *j, const struct project *p,
	       const struct tenants *t, struct job_selection *out,
	       struct error *err);
/* Frees what sel holds and zeroes it; a zeroed sel is fine. */
void job_selection_release(struct job_selection *sel);
/* {total_items, valid_items, dropped_items, unknown_user_refs,
 * pruned_refs, filtered_out, limited, selected}.  New reference. */
json_t *job_stats_json(const struct job_stats *st);

/* One run a job makes. */
struct job_run {
	json_t *input;			/* the run's input (owned) */
	const struct tenant *tenant;	/* the run's tenant, or NULL */
	char *label;			/* for people: "item 'x'", ... */
};

/* The runs of j over sel: individual, one per item (input: the item,
 * tenant: the item's tenant if it is one); object, one over the
 * category (input: the array of items); combined, one over all
 * (input: {category: [items]}).  An individual job with no item makes
 * no run.  Sets *out (caller frees with job_runs_free()) and *n. */
void job_plan(const struct job *j, const struct job_selection *sel,
	      struct job_run **out, size_t *n);
/* Frees the n runs of v and v; accepts NULL. */
void job_runs_free(struct job_run *v, size_t n);

/* POSTs body (JSON text, borrowed) to url, an http:// URL, over plain
 * HTTP/1.1 (no TLS) and waits at most timeout_ms for the response.
 * Returns 0 when the server answered 2xx (and sets *status), else a
 * negative code with err set.  Blocks the calling thread; never
 * raises SIGPIPE. */
int job_webhook_post(const char *url, const char *body, int timeout_ms,
		     int *status, struct error *err);

#endif
