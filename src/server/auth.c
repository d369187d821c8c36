/* auth.c - bearer tokens (baton.yaml `tokens:` and BATON_TOKENS) and the
 * CORS origins (baton.yaml `cors:`).  Token values are secrets: they
 * are compared in constant time and never printed. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "util/alloc.h"

struct token {
	char *name;
	char *value;
	enum role role;
};

struct auth {
	struct token *v;
	size_t n;
	char **cors;
	size_t ncors;
};

static const char *const token_keys[] = {"name", "token", "role", NULL};

static int parse_role(const char *s, enum role *out)
{
	if (!strcmp(s, "viewer"))
		*out = ROLE_VIEWER;
	else if (!strcmp(s, "operator"))
		*out = ROLE_OPERATOR;
	else
		return -1;
	return 0;
}

/* Replaces ${VAR} with the environment's value.  NULL with *missing
 * set (borrowed from a static buffer) when VAR is not set. */
static char *expand_env(const char *s, const char **missing)
{
	static __thread char name[128];
	char *out = xmalloc(1), *tmp;
	size_t len = 0;

	out[0] = '\0';
	while (*s) {
		const char *end;
		const char *val;

		if (s[0] == '$' && s[1] == '{' && (end = strchr(s, '}')) &&
		    (size_t)(end - s - 2) < sizeof(name)) {
			memcpy(name, s + 2, (size_t)(end - s - 2));
			name[end - s - 2] = '\0';
			val = getenv(name);
			if (!val || !*val) {
				*missing = name;
				free(out);
				return NULL;
			}
			tmp = xasprintf("%s%s", out, val);
			free(out);
			out = tmp;
			len = strlen(out);
			s = end + 1;
			continue;
		}
		out = xrealloc(out, len + 2);
		out[len++] = *s++;
		out[len] = '\0';
	}
	return out;
}

static void add_token(struct auth *a, const char *name, const char *value,
		      enum role role)
{
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n].name = xstrdup(name);
	a->v[a->n].value = xstrdup(value);
	a->v[a->n].role = role;
	a->n++;
}

static void load_yaml_tokens(struct auth *a, const struct ynode *list,
			     const char *file, struct diags *d)
{
	if (!list || ynode_is_null(list))
		return;
	if (list->kind != YN_SEQ) {
		diags_at(d, file, list, "'tokens' must be a list like "
			 "[{name: ci, token: ${CI_TOKEN}, role: operator}]");
		return;
	}
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *t = list->items[i];
		const char *name = NULL, *value = NULL, *role = NULL;
		const char *missing = NULL;
		enum role r;
		char *v;

		if (t->kind != YN_MAP) {
			diags_at(d, file, t, "a token must be a mapping with "
				 "name, token and role");
			continue;
		}
		ymap_check_keys(t, token_keys, "token", file, d);
		if (ymap_require(t, "name", "token", file, d) < 0 ||
		    ymap_require(t, "token", "token", file, d) < 0 ||
		    ymap_require(t, "role", "token", file, d) < 0 ||
		    yget_str(t, "name", &name, file, d) < 0 ||
		    yget_str(t, "token", &value, file, d) < 0 ||
		    yget_str(t, "role", &role, file, d) < 0)
			continue;
		if (parse_role(role, &r) < 0) {
			diags_at(d, file, ymap_get(t, "role"),
				 "token '%s': role must be viewer or "
				 "operator, not '%s'",
				 name, role);
			continue;
		}
		v = expand_env(value, &missing);
		if (!v) {
			diags_at(d, file, ymap_get(t, "token"),
				 "token '%s' uses ${%s}, which is not set in "
				 "the environment",
				 name, missing);
			continue;
		}
		if (strlen(v) < 8)
			diags_at(d, file, ymap_get(t, "token"),
				 "token '%s' is too short: use at least 8 "
				 "characters",
				 name);
		else
			add_token(a, name, v, r);
		free(v);
	}
}

/* BATON_TOKENS="name:role:token,..." */
static void load_env_tokens(struct auth *a, struct diags *d)
{
	const char *env = getenv("BATON_TOKENS");
	char *copy, *item, *next;

	if (!env || !*env)
		return;
	copy = xstrdup(env);
	for (item = copy; item; item = next) {
		char *c1, *c2;
		enum role r;

		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (!*item)
			continue;
		c1 = strchr(item, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2) {
			diags_add(d, "BATON_TOKENS", 0, 0,
				  "expected name:role:token entries separated "
				  "by commas");
			continue;
		}
		*c1 = *c2 = '\0';
		if (parse_role(c1 + 1, &r) < 0) {
			diags_add(d, "BATON_TOKENS", 0, 0,
				  "token '%s': role must be viewer or "
				  "operator, not '%s'",
				  item, c1 + 1);
			continue;
		}
		if (strlen(c2 + 1) < 8) {
			diags_add(d, "BATON_TOKENS", 0, 0,
				  "token '%s' is too short: use at least 8 "
				  "characters",
				  item);
			continue;
		}
		add_token(a, item, c2 + 1, r);
	}
	explicit_bzero(copy, strlen(env));
	free(copy);
}

int auth_load(const char *root, struct auth **out, struct diags *d)
{
	struct auth *a = xcalloc(1, sizeof(*a));
	char *file = xasprintf("%s/baton.yaml", root);
	struct ynode *y = NULL;
	size_t before = d->n;
	const char **cors = NULL;
	size_t ncors = 0;

	if (access(file, F_OK) == 0) {
		y = yaml_load(file, d);
		if (y && y->kind == YN_MAP) {
			load_yaml_tokens(a, ymap_get(y, "tokens"), file, d);
			if (yget_strlist(y, "cors", &cors, &ncors, file, d) ==
			    0) {
				a->cors = xcalloc(ncors + 1, sizeof(*a->cors));
				for (size_t i = 0; i < ncors; i++)
					a->cors[a->ncors++] = xstrdup(cors[i]);
			}
			free(cors);
		}
	}
	load_env_tokens(a, d);
	ynode_free(y);
	free(file);
	if (d->n > before) {
		auth_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		/* Wipe secrets before handing the memory back. */
		explicit_bzero(a->v[i].value, strlen(a->v[i].value));
		free(a->v[i].value);
		free(a->v[i].name);
	}
	free(a->v);
	for (size_t i = 0; i < a->ncors; i++)
		free(a->cors[i]);
	free(a->cors);
	free(a);
}

bool auth_has_tokens(const struct auth *a)
{
	return a && a->n > 0;
}

/* Compares in time that depends only on the lengths. */
static bool ct_equal(const char *given, size_t glen, const char *want,
		     size_t wlen)
{
	volatile unsigned char diff = glen != wlen;

	for (size_t i = 0; i < wlen; i++)
		diff |= (unsigned char)(want[i] ^ (i < glen ? given[i] : 0));
	return diff == 0;
}

enum role auth_check(const struct auth *a, const char *tok,
		     const char **name)
{
	size_t glen = strlen(tok);
	enum role role = ROLE_NONE;

	/* Check every token, even after a match, so that the time taken
	 * does not tell which one matched. */
	for (size_t i = 0; a && i < a->n; i++)
		if (ct_equal(tok, glen, a->v[i].value, strlen(a->v[i].value)) &&
		    role == ROLE_NONE) {
			role = a->v[i].role;
			*name = a->v[i].name;
		}
	return role;
}

bool auth_cors_allowed(const struct auth *a, const char *origin)
{
	for (size_t i = 0; a && i < a->ncors; i++)
		if (!strcmp(a->cors[i], "*") || !strcmp(a->cors[i], origin))
			return true;
	return false;
}
