/* pipeline.h - pipelines as loaded from YAML: a DAG of steps.
 *
 * A pipeline is one file, pipelines/ID.yaml; its scripts live in
 * pipelines/ID/.  pipeline_load() reads and checks one file completely
 * (schema, durations, dependencies, cycles, templates, script files)
 * and reports every problem into a struct diags.  The result is plain
 * data that the engine only reads.
 *
 * A struct pipeline owns everything it points to; pipeline_free() frees
 * it.  Nothing here touches processes, the store or the terminal.
 */
#ifndef BATON_PIPELINE_H
#define BATON_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct diags;
struct fire_policy;
struct schedule;
struct ynode;

/* A place in the pipeline file, for messages; line 0 = unknown. */
struct srcpos {
	int line;
	int col;
};

struct kv {
	char *key;
	char *val;	/* NULL: a param with no default (required) */
	char *desc;	/* params only: optional description */
	struct srcpos pos;	/* where the value is written */
};

struct retry {
	int max_attempts;	/* total attempts, >= 1 */
	int64_t backoff_ms;	/* delay before the 2nd attempt */
	double multiplier;	/* each later delay is this many times longer */
	int64_t max_backoff_ms;	/* cap on one delay (0 = none) */
	double jitter;		/* +/- fraction of the delay, 0..1 */
	int *on_exit_codes;	/* retry only on these codes (none = any) */
	size_t non_exit_codes;
};

enum step_kind {
	STEP_KIND_RUN,
	STEP_KIND_SCRIPT,
	STEP_KIND_PIPELINE,
	STEP_KIND_HTTP,
};

/* An `http:` step: one request, made by the engine itself. */
struct http_spec {
	char *method;		/* GET, or POST when there is a body */
	char *url;		/* templated */
	struct kv *headers;	/* templated values */
	size_t nheaders;
	struct kv *query;	/* templated values, URL-encoded when sent */
	size_t nquery;
	json_t *body;		/* a JSON body whose strings are templates */
	char *body_text;	/* or a text body (templated) */
	int *expect;		/* acceptable statuses; none means 2xx */
	size_t nexpect;
	char *output;		/* dotted path into the JSON response */
	int64_t max_bytes;	/* response size cap */
	struct srcpos pos;
};

/* when: on a step: value is a template, compared once the step's
 * upstreams are done. */
enum cond_op { COND_EQUALS, COND_NOT_EQUALS, COND_MATCHES, COND_EXISTS };

struct condition {
	char *value;		/* templated, e.g. "{{ steps.a.output.mode }}" */
	enum cond_op op;
	char *arg;		/* the string or regex compared with */
	bool exists;		/* COND_EXISTS: must it exist (true) or not */
	void *re;		/* compiled regex_t for COND_MATCHES */
	struct srcpos pos;
};

struct step {
	char *name;
	char *description;
	enum step_kind kind;
	char *run;		/* STEP_KIND_RUN: the command */
	char *script;		/* STEP_KIND_SCRIPT: absolute script path */
	char *pipeline;		/* STEP_KIND_PIPELINE: sub-pipeline id */
	struct http_spec *http;	/* STEP_KIND_HTTP */
	struct kv *with;	/* params passed to the sub-pipeline */
	size_t nwith;
	char **deps;		/* depends_on, as written */
	size_t ndeps;
	size_t *dep_idx;	/* depends_on, resolved to step indices */
	struct srcpos *dep_pos;	/* where each depends_on entry is */
	struct kv *env;
	size_t nenv;
	int64_t timeout_ms;	/* 0 = none */
	int64_t kill_grace_ms;	/* SIGTERM -> SIGKILL delay */
	struct retry retry;
	bool continue_on_failure;
	int line;		/* where the step is defined */
	int col;
	struct srcpos run_pos;	/* where the run: command is written */
	struct condition *when;	/* all must hold, or the step is skipped */
	size_t nwhen;
	bool handler;		/* named by on_success/on_failure/on_exit */
};

/* notify: a JSON webhook (Slack-compatible) when a run ends. */
enum notify_on { NOTIFY_ALWAYS, NOTIFY_FAILURE, NOTIFY_SUCCESS };

struct notify {
	char *url;		/* templated (a secret webhook URL may come
				 * from the environment: {{ env... }} is not
				 * offered; use ${VAR} in baton's env) */
	enum notify_on on;
};

/* on_success / on_failure / on_exit: steps run after the others. */
struct handlers {
	size_t *idx;
	size_t n;
};

struct pipeline {
	char *id;		/* file name without .yaml: what users type */
	char *name;		/* display name (seed 004's name:) */
	char *description;
	char *file;		/* the YAML file */
	char *scripts_dir;	/* directory named after the file */
	char *workdir;		/* where steps run: the project root */
	struct kv *params;
	size_t nparams;
	struct kv *env;
	size_t nenv;
	int64_t timeout_ms;	/* whole-run bound, 0 = none */
	int max_parallel;	/* 0 = use the engine's default */
	bool continue_on_failure;
	struct schedule *schedule;	/* schedule: (sched.h), or NULL */
	struct fire_policy *policy;	/* catch_up, catch_up_max, overlap,
					 * priority (sched/fire.h); NULL when
					 * there is no schedule */
	struct handlers on_success;
	struct handlers on_failure;
	struct handlers on_exit;
	struct notify *notify;
	size_t nnotify;
	struct step *steps;
	size_t nsteps;
	size_t *order;		/* steps in a topological order */
	int *level;		/* level[i]: longest dependency chain to i */
	int nlevels;
	size_t *by_name;	/* private: step index hash (open addressing) */
	size_t nby_name;	/* its number of slots, a power of two */
};

/* Loads and checks pipelines/ID.yaml.  workdir is where steps will run.
 * Returns the pipeline (caller frees with pipeline_free()) or NULL after
 * adding at least one error to d. */
struct pipeline *pipeline_load(const char *file, const char *workdir,
			       struct diags *d);
void pipeline_free(struct pipeline *p);
/* Index of the step called name, or -1.  */
int pipeline_step_index(const struct pipeline *p, const char *name);
/* Index of the param called name, or -1. */
int pipeline_param_index(const struct pipeline *p, const char *name);

/* check.c: checks every {{ }} reference in commands, env and params:
 * params must be declared, steps.X must be an upstream of the step.
 * Returns 0 or -1 after reporting into d. */
int pipeline_check_templates(const struct pipeline *p, struct diags *d);

/* handlers.c: reads a step's `when:` (one condition or a list) into
 * s->when; reports and returns -1 on error. */
int condition_load(const struct ynode *node, const char *file,
		   struct diags *d, struct step *s);
/* Evaluates a condition against a template context: *why says why it
 * does not hold (caller frees).  Returns true when it holds. */
bool condition_holds(const struct condition *c, const json_t *ctx,
		     char **why);
void conditions_free(struct condition *c, size_t n);
/* Reads on_success/on_failure/on_exit of the pipeline file and marks
 * the steps they name as handlers; reports and returns -1 on error. */
int handlers_load(const struct ynode *root, const char *file,
		  struct diags *d, struct pipeline *p);

/* Reads `notify:` (a URL, a mapping {url, on}, or a list of those). */
int notify_load(const struct ynode *root, const char *file, struct diags *d,
		struct pipeline *p);

/* http_step.c: reads the `http:` mapping of a step into *out (caller
 * frees with http_spec_free()).  Returns 0 or -1 after reporting. */
int http_spec_load(const struct ynode *node, const char *file,
		   struct diags *d, struct http_spec **out);
void http_spec_free(struct http_spec *h);

/* dag.c: resolves depends_on, rejects unknown and self dependencies and
 * cycles (printing the cycle), and fills order/level.  Returns 0 or -1
 * after reporting into d. */
int dag_build(struct pipeline *p, struct diags *d);
/* True if step a is an upstream (transitive dependency) of step b. */
bool dag_is_upstream(const struct pipeline *p, size_t a, size_t b);
/* Marks in mark[] (nsteps entries) step s and every step downstream. */
void dag_mark_downstream(const struct pipeline *p, size_t s, bool *mark);

#endif
