/* yget.c - typed access to YAML maps, reporting wrong types. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "yaml.h"

int ymap_check_keys(const struct ynode *map, const char *const *allowed,
		    const char *what, const char *file, struct diags *d)
{
	size_t nallowed = 0;
	int rc = 0;

	if (!map || map->kind != YN_MAP)
		return 0;
	while (allowed[nallowed])
		nallowed++;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		const char *hint;
		size_t j;

		if (k->kind != YN_SCALAR) {
			diags_at(d, file, k,
				 "keys in %s must be plain words, not %s", what,
				 ynode_kind_name(k));
			rc = -1;
			continue;
		}
		for (j = 0; j < nallowed; j++)
			if (!strcmp(k->str, allowed[j]))
				break;
		if (j < nallowed)
			continue;
		hint = str_suggest(k->str, allowed, nallowed);
		if (hint)
			diags_at(d, file, k,
				 "unknown key '%s' in %s (did you mean '%s'?)",
				 k->str, what, hint);
		else
			diags_at(d, file, k, "unknown key '%s' in %s", k->str,
				 what);
		rc = -1;
	}
	return rc;
}

int ymap_require(const struct ynode *map, const char *key, const char *what,
		 const char *file, struct diags *d)
{
	const struct ynode *v = ymap_get(map, key);

	if (v && !ynode_is_null(v))
		return 0;
	if (v)
		diags_at(d, file, v, "%s has an empty '%s'", what, key);
	else
		diags_at(d, file, map, "%s is missing required key '%s'", what,
			 key);
	return -1;
}

static const struct ynode *scalar(const struct ynode *map, const char *key,
				  const char *want, const char *file,
				  struct diags *d, int *rc)
{
	const struct ynode *v = ymap_get(map, key);

	*rc = 0;
	if (!v || ynode_is_null(v))
		return NULL;
	if (v->kind != YN_SCALAR) {
		diags_at(d, file, v, "'%s' must be %s, not %s", key, want,
			 ynode_kind_name(v));
		*rc = -1;
		return NULL;
	}
	return v;
}

int yget_str(const struct ynode *map, const char *key, const char **out,
	     const char *file, struct diags *d)
{
	int rc;
	const struct ynode *v = scalar(map, key, "a string", file, d, &rc);

	if (v)
		*out = v->str;
	return rc;
}

int yget_bool(const struct ynode *map, const char *key, bool *out,
	      const char *file, struct diags *d)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "on"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "off"};
	int rc;
	const struct ynode *v = scalar(map, key, "true or false", file, d, &rc);

	if (!v)
		return rc;
	for (size_t i = 0; i < 5; i++) {
		if (strcmp(v->str, yes[i]) && strcmp(v->str, no[i]))
			continue;
		if (!v->plain) {
			/* "true" in quotes is a string in YAML. */
			diags_at(d, file, v,
				 "'%s' must be true or false without quotes, "
				 "not the string \"%s\"",
				 key, v->str);
			return -1;
		}
		*out = !strcmp(v->str, yes[i]);
		return 0;
	}
	diags_at(d, file, v, "'%s' must be true or false, not '%s'", key,
		 v->str);
	return -1;
}

int yget_int(const struct ynode *map, const char *key, int64_t min,
	     int64_t max, int64_t *out, const char *file, struct diags *d)
{
	int rc;
	int64_t x;
	const struct ynode *v = scalar(map, key, "a whole number", file, d, &rc);

	if (!v)
		return rc;
	if (str_to_i64(v->str, &x) < 0) {
		diags_at(d, file, v, "'%s' must be a whole number, not '%s'",
			 key, v->str);
		return -1;
	}
	if (x < min || x > max) {
		diags_at(d, file, v,
			 "'%s' must be between %lld and %lld, not %lld", key,
			 (long long)min, (long long)max, (long long)x);
		return -1;
	}
	*out = x;
	return 0;
}

int yget_double(const struct ynode *map, const char *key, double min,
		double max, double *out, const char *file, struct diags *d)
{
	int rc;
	double x;
	const struct ynode *v = scalar(map, key, "a number", file, d, &rc);

	if (!v)
		return rc;
	if (str_to_double(v->str, &x) < 0) {
		diags_at(d, file, v, "'%s' must be a number, not '%s'", key,
			 v->str);
		return -1;
	}
	if (x < min || x > max) {
		diags_at(d, file, v, "'%s' must be between %g and %g, not %g",
			 key, min, max, x);
		return -1;
	}
	*out = x;
	return 0;
}

int yget_duration(const struct ynode *map, const char *key, int64_t *ms,
		  const char *file, struct diags *d)
{
	int rc;
	const struct ynode *v = scalar(map, key, "a duration", file, d, &rc);

	if (!v)
		return rc;
	if (duration_parse(v->str, ms) < 0) {
		diags_at(d, file, v,
			 "'%s' is not a valid duration: '%s' (use e.g. 500ms, "
			 "30s, 5m, 2h)",
			 key, v->str);
		return -1;
	}
	return 0;
}

int yget_strlist(const struct ynode *map, const char *key,
		 const char ***out, size_t *n, const char *file,
		 struct diags *d)
{
	const struct ynode *v = ymap_get(map, key);
	const char **list;

	if (!v || ynode_is_null(v))
		return 0;
	if (v->kind == YN_SCALAR) {
		list = xmalloc(sizeof(*list));
		list[0] = v->str;
		*out = list;
		*n = 1;
		return 0;
	}
	if (v->kind != YN_SEQ) {
		diags_at(d, file, v, "'%s' must be a list of strings, not %s",
			 key, ynode_kind_name(v));
		return -1;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i]->kind != YN_SCALAR) {
			diags_at(d, file, v->items[i],
				 "'%s' must be a list of strings, but item %zu "
				 "is %s",
				 key, i + 1, ynode_kind_name(v->items[i]));
			return -1;
		}
	list = xcalloc(v->n + 1, sizeof(*list));
	for (size_t i = 0; i < v->n; i++)
		list[i] = v->items[i]->str;
	*out = list;
	*n = v->n;
	return 0;
}
