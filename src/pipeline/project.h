/* project.h - a baton project: baton.yaml settings and pipelines/.
 *
 * project_open() reads ROOT/baton.yaml (optional) and every
 * every YAML file in ROOT/pipelines.  A pipeline file with errors does not stop the
 * others from loading: its errors go into d and its path into broken[],
 * so a command can refuse to run only what is really affected.
 *
 * A struct project owns its pipelines; project_free() frees them.
 */
#ifndef BATON_PROJECT_H
#define BATON_PROJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diags;
struct pipeline;

/* rate_limits: {PLATFORM: {per_minute: N, burst: N}} in baton.yaml. */
struct rate_setting {
	char *key;		/* a tenant platform, e.g. "facebook" */
	double per_minute;
	int burst;		/* starts allowed at once (default 1) */
};

/* sources: {NAME: {...}} in baton.yaml: where a batch job finds the items
 * of a category (docs/jobs.md).  Exactly one of tenants, file, command. */
enum source_kind { SOURCE_TENANTS, SOURCE_FILE, SOURCE_COMMAND };

struct source_setting {
	char *name;		/* the category name jobs use */
	enum source_kind kind;
	char *path;		/* SOURCE_FILE: absolute path */
	char *format;		/* SOURCE_FILE: "json", "jsonl" or "csv" */
	char *command;		/* SOURCE_COMMAND: run with /bin/sh -c */
	int64_t timeout_ms;	/* SOURCE_COMMAND: bound (default 60s) */
	char *platform;		/* SOURCE_TENANTS: NULL matches any */
	char **tags;		/* SOURCE_TENANTS: any of them; none: any */
	size_t ntags;
	bool user_items;	/* `kind: users`: each item's id is a user */
	bool prune_refs;	/* `unknown_users: prune`, not drop */
	int line, col;		/* where the source is declared */
};

struct settings {
	char *state;		/* store location (default .baton/state.db) */
	char *state_dir;	/* logs and outputs (default .baton) */
	int64_t retention_days;	/* 0 = keep forever */
	int64_t retention_runs;	/* 0 = no limit */
	int64_t log_max_bytes;	/* cap on one step's log */
	int max_parallel;	/* default parallelism, 0 = CPU count */
	struct rate_setting *rates;
	size_t nrates;
	struct source_setting *sources;	/* in file order */
	size_t nsources;
};

struct project {
	char *root;		/* absolute path */
	char *pipelines_dir;
	struct settings settings;
	struct pipeline **pipelines;	/* sorted by id */
	size_t n;
	char **broken;		/* files that failed to load */
	size_t nbroken;
};

/* Opens the project at root.  Returns 0 and sets *out (caller frees
 * with project_free()) even when some pipelines are broken; returns -1
 * when baton.yaml itself is invalid or root is unusable. */
int project_open(const char *root, struct project **out, struct diags *d);
void project_free(struct project *p);
/* Finds a pipeline by id, or by display name when unique.  Borrows. */
struct pipeline *project_find(const struct project *p, const char *name);
/* The closest pipeline id to name, for did-you-mean, or NULL. */
const char *project_suggest(const struct project *p, const char *name);
/* The source named name in baton.yaml, or NULL.  Borrows. */
const struct source_setting *project_source(const struct project *p,
					    const char *name);
/* Checks `pipeline:` steps of p name known pipelines and do not recurse;
 * reports into d and returns -1 on error. */
int project_check_refs(const struct project *proj, struct diags *d);
/* True if file is one of the broken pipeline files. */
bool project_is_broken(const struct project *p, const char *id);

#endif
