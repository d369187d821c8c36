/* tenant.h - tenants: the accounts pipelines run for (seed 000's users).
 *
 * tenants_load() reads a tenants file (users.yaml) in either of seed
 * 000's forms and checks it completely, reporting every problem as a
 * `file:line:col` diagnostic:
 *
 *   - the version 1.0 format: `version`, then `users:` (or `tenants:`),
 *     each with id, name, platform, a `credentials` map and `pipelines`
 *     as a list of {name, enabled};
 *   - the flat form: `page_id` and `access_token` beside the name (they
 *     become credentials of those names), pipelines as plain names.
 *
 * Either form may add `tags` (a list), `preferences` (a mapping, kept
 * as JSON), `enabled` (default true) and other scalar fields (kept as
 * JSON in `fields`, for batch-job filters).  `${VAR}` in a credential
 * value is replaced from the environment.  docs/tenants.md describes
 * the format for users.
 *
 * A struct tenants owns everything it points to; tenants_free() frees
 * it.  Loaded tenants are plain read-only data: any number of threads
 * may read them at once.  Nothing here touches the terminal.
 */
#ifndef BATON_TENANT_H
#define BATON_TENANT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct diags;
struct kv;
struct project;

struct tenant_pipeline {
	char *name;		/* as written: a pipeline id or display name */
	bool enabled;		/* default true */
	int line, col;		/* where the name is written */
};

struct tenant {
	char *id;		/* never NULL; see docs/tenants.md for the
				 * flat form's derived ids */
	char *name;		/* never NULL: the id when not given */
	char *platform;		/* NULL when not given */
	bool enabled;		/* false: `enabled: false` (default true) */
	struct kv *credentials;	/* key, val (${VAR} resolved), pos */
	size_t ncredentials;
	char **tags;
	size_t ntags;
	struct tenant_pipeline *pipelines;
	size_t npipelines;
	json_t *preferences;	/* the `preferences` mapping, or NULL */
	json_t *fields;		/* every other scalar field, as a JSON object
				 * (never NULL, maybe empty): numbers as
				 * numbers, true/false as booleans */
	int line, col;		/* where the tenant is defined */
};

struct tenants {
	char *file;		/* the file as named to tenants_load() */
	char *version;		/* `version:` as written, or NULL */
	struct tenant *v;	/* in file order */
	size_t n;
	size_t *by_id;		/* private: indices of v sorted by id */
};

/* Loads and checks the tenants file `file` (also the name used in
 * messages).  On success returns 0 and sets *out (caller frees with
 * tenants_free()).  On any error returns -1 after adding every problem
 * found to d; *out is untouched.  Reads the environment (getenv) for
 * ${VAR} references, so it is not safe against concurrent setenv(). */
int tenants_load(const char *file, struct tenants **out, struct diags *d);
/* Frees t and everything it owns; accepts NULL. */
void tenants_free(struct tenants *t);
/* The tenant whose id is `id`, or NULL.  Borrows: the result lives as
 * long as t.  O(log n). */
const struct tenant *tenants_find(const struct tenants *t, const char *id);
/* Checks every pipeline named by a tenant (enabled or not) exists in p
 * (by id or display name; a pipeline file with errors of its own counts
 * as existing).  Reports each unknown one at its position, with a
 * did-you-mean, into d and returns -1; returns 0 when all are known.
 * Borrows t and p. */
int tenants_check_pipelines(const struct tenants *t, const struct project *p,
			    struct diags *d);
/* True when t matches the filters: platform (exact; NULL matches any)
 * and tags (t has at least one of them; ntags 0 matches any). */
bool tenant_matches(const struct tenant *t, const char *platform,
		    const char *const *tags, size_t ntags);
/* The template context of t, the value of `tenant` in {{ tenant.* }}:
 * {"id", "name", "platform" (null when not given), "credentials": {..},
 * "tags": [..], "preferences": {..} ({} when not given), then every
 * field of t->fields}.  It holds the credential values: never log it.
 * Returns a new reference (caller decrefs with json_decref()). */
json_t *tenant_context(const struct tenant *t);
/* The credential values of t, every one a secret to redact: distinct,
 * non-empty, longest first (so that redacting in order never leaves
 * the tail of a longer secret that contains a shorter one).  A value
 * equal to t's id is left out: a flat-form tenant's id is its page_id,
 * and ids are shown everywhere by design.  Returns a
 * malloced array of strings borrowed from t, and sets *n; the caller
 * frees the array only, with free().  Never NULL, even when *n is 0. */
const char **tenant_secrets(const struct tenant *t, size_t *n);

#endif
