/* entry.c - one entry of a tenants file: a tenant in either form.
 *
 * Every tenant is checked completely and every problem reported, so
 * that one pass of `baton tenants` shows all the mistakes of a file.
 */
#include "tenant.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "pipeline/pipeline.h"
#include "tenant_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

/* Keys with a meaning on a tenant; any other scalar is a field. */
static const char *const user_keys[] = {
	"id", "name", "platform", "enabled", "credentials", "pipelines",
	"tags", "preferences", "page_id", "access_token", NULL,
};
/* The flat form's credentials, written beside the name (seed 000). */
static const char *const flat_credentials[] = {"page_id", "access_token",
					       NULL};
static const char *const pipeline_keys[] = {"name", "enabled", NULL};

#define MAX_ID_LEN 128

/* "tenant 'ID'", "tenant 'NAME'" or "tenant #N": how messages name the
 * tenant at entry idx before its id is settled.  Caller frees. */
static char *label_of(const struct ynode *user, size_t idx)
{
	const struct ynode *v = ymap_get(user, "id");

	if (!v || v->kind != YN_SCALAR || ynode_is_null(v))
		v = ymap_get(user, "name");
	if (v && v->kind == YN_SCALAR && !ynode_is_null(v) && *v->str)
		return xasprintf("tenant '%s'", v->str);
	return xasprintf("tenant #%zu", idx + 1);
}

/* The known tenant key that `key` is probably a misspelling of, or
 * NULL.  The same word in other letter case always is one.  Otherwise
 * the limit is an edit distance of 1 for keys of up to 5 letters and 2
 * for longer ones; `id` takes none, being too short to tell a typo of
 * it from a field of one's own ("uid", "bio").  The limits are kept
 * that tight because every other key is a legitimate field. */
static const char *misspelling_of(const char *key)
{
	for (size_t i = 0; user_keys[i]; i++) {
		size_t len = strlen(user_keys[i]);
		size_t limit = len <= 2 ? 0 : len <= 5 ? 1 : 2;

		if (!strcasecmp(key, user_keys[i]))
			return user_keys[i];
		if (limit && str_distance(key, user_keys[i]) <= limit)
			return user_keys[i];
	}
	return NULL;
}

/* True for a key that names a secret (api_key, refresh_token, ...):
 * outside `credentials` it would be shown as a plain field. */
static bool looks_secret(const char *key)
{
	static const char *const words[] = {
		"token", "secret", "password", "passwd", "apikey", "api_key",
	};
	char low[64];
	size_t i;

	for (i = 0; key[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return true;
	return str_ends(low, "_key");
}

/* True when s is a YAML 1.2 core-schema number; *integer says whether
 * it is a whole one. */
static bool number_syntax(const char *s, bool *integer)
{
	bool digits = false, frac = false;

	if (*s == '-' || *s == '+')
		s++;
	for (; isdigit((unsigned char)*s); s++)
		digits = true;
	if (*s == '.')
		for (frac = true, s++; isdigit((unsigned char)*s); s++)
			digits = true;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		frac = true;
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	*integer = !frac;
	return !*s;
}

/* A scalar as JSON: quoted scalars are strings; plain ones may be null,
 * true/false (the words yget_bool() takes), or numbers.  Whole numbers
 * beyond 64 bits stay strings.  Returns a new reference. */
static json_t *scalar_json(const struct ynode *n)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "on"};
	static const char *const no[] = {"false", "False", "FALSE", "no",
					 "off"};
	bool integer;
	int64_t i;
	double x;

	if (!n->plain)
		return json_string(n->str);
	if (ynode_is_null(n))
		return json_null();
	for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++) {
		if (!strcmp(n->str, yes[k]))
			return json_true();
		if (!strcmp(n->str, no[k]))
			return json_false();
	}
	if (number_syntax(n->str, &integer)) {
		if (integer && str_to_i64(n->str, &i) == 0)
			return json_integer((json_int_t)i);
		if (!integer && str_to_double(n->str, &x) == 0)
			return json_real(x);
	}
	return json_string(n->str);
}

/* The YAML tree n as JSON (see scalar_json()); mapping keys are taken
 * as text.  Returns a new reference. */
static json_t *yaml_json(const struct ynode *n)
{
	json_t *j;

	switch (n->kind) {
	case YN_SEQ:
		j = json_array();
		for (size_t i = 0; i < n->n; i++)
			json_array_append_new(j, yaml_json(n->items[i]));
		return j;
	case YN_MAP:
		j = json_object();
		for (size_t i = 0; i < n->n; i++)
			if (n->pairs[i].key->kind == YN_SCALAR)
				json_object_set_new(
					j, n->pairs[i].key->str,
					yaml_json(n->pairs[i].val));
		return j;
	default:
		return scalar_json(n);
	}
}

/* Checks the keys of a tenant and keeps the unknown scalar ones in
 * t->fields. */
static void load_fields(const struct tenant_loader *l, const struct ynode *user,
			const char *what, struct tenant *t)
{
	t->fields = json_object();
	for (size_t i = 0; i < user->n; i++) {
		const struct ynode *k = user->pairs[i].key;
		const struct ynode *v = user->pairs[i].val;
		const char *hint;
		size_t j;

		if (k->kind != YN_SCALAR) {
			diags_at(l->d, l->file, k,
				 "keys in %s must be plain words, not %s", what,
				 ynode_kind_name(k));
			continue;
		}
		for (j = 0; user_keys[j] && strcmp(k->str, user_keys[j]); j++)
			;
		if (user_keys[j])
			continue;
		hint = misspelling_of(k->str);
		if (hint)
			diags_at(l->d, l->file, k,
				 "unknown key '%s' in %s (did you mean "
				 "'%s'?)",
				 k->str, what, hint);
		else if (looks_secret(k->str))
			diags_at(l->d, l->file, k,
				 "%s: '%s' looks like a credential; put it "
				 "under 'credentials:' so that baton keeps it "
				 "secret",
				 what, k->str);
		else if (v->kind != YN_SCALAR)
			diags_at(l->d, l->file, v,
				 "%s: field '%s' must be a single value (a "
				 "string, number or true/false), not %s; put "
				 "nested data under 'preferences'",
				 what, k->str, ynode_kind_name(v));
		else
			json_object_set_new(t->fields, k->str,
					    yaml_json(v));
	}
}

/* Appends the value of ${NAME} (NAME: letters, digits, '_', not
 * starting with a digit) at *s to b and advances *s past it.  Returns
 * 0, or -1 after reporting why not.  Messages never quote the value:
 * it is a secret. */
static int expand_one(const struct tenant_loader *l, const struct ynode *v,
		      const char *what, const char *key, const char **s,
		      struct buf *b)
{
	const char *start = *s + 2, *end = start, *val;
	char *name;
	int rc = 0;

	if (isalpha((unsigned char)*end) || *end == '_')
		while (isalnum((unsigned char)*end) || *end == '_')
			end++;
	if (end == start || *end != '}') {
		diags_at(l->d, l->file, v,
			 "%s credential '%s': malformed '${' reference (write "
			 "${NAME}, NAME being letters, digits and '_'; "
			 "write $${ for a literal ${)",
			 what, key);
		*s = start;
		return -1;
	}
	name = xstrndup(start, (size_t)(end - start));
	val = getenv(name);
	if (!val || !*val) {
		diags_at(l->d, l->file, v,
			 "%s credential '%s': environment variable %s is %s",
			 what, key, name, val ? "empty" : "not set");
		rc = -1;
	} else {
		buf_addstr(b, val);
	}
	free(name);
	*s = end + 1;
	return rc;
}

/* The credential value of v with every ${NAME} replaced from the
 * environment; "$${" stands for a literal "${".  Returns a malloced
 * string (caller frees), or NULL after reporting. */
static char *expand_env(const struct tenant_loader *l, const struct ynode *v,
			const char *what, const char *key)
{
	const char *s = v->str;
	struct buf b;
	int rc = 0;

	buf_init(&b, 0);
	while (*s) {
		if (!strncmp(s, "$${", 3)) {
			buf_addstr(&b, "${");
			s += 3;
		} else if (!strncmp(s, "${", 2)) {
			if (expand_one(l, v, what, key, &s, &b) < 0)
				rc = -1;
		} else {
			buf_addch(&b, *s++);
		}
	}
	if (rc < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Adds credential key = v to t, resolving ${VAR}. */
static void add_credential(const struct tenant_loader *l, const char *what,
			   struct tenant *t, const char *key,
			   const struct ynode *v)
{
	struct kv *kv;
	char *val;

	if (v->kind != YN_SCALAR) {
		diags_at(l->d, l->file, v,
			 "%s credential '%s' must be a string, not %s", what,
			 key, ynode_kind_name(v));
		return;
	}
	if (ynode_is_null(v) || !*v->str) {
		diags_at(l->d, l->file, v, "%s credential '%s' has no value",
			 what, key);
		return;
	}
	val = expand_env(l, v, what, key);
	if (!val)
		return;
	kv = &t->credentials[t->ncredentials++];
	kv->key = xstrdup(key);
	kv->val = val;
	kv->pos = (struct srcpos){v->line, v->col};
}

/* Reads the `credentials` map and the flat form's page_id and
 * access_token. */
static void load_credentials(const struct tenant_loader *l,
			     const struct ynode *user, const char *what,
			     struct tenant *t)
{
	const struct ynode *m = ymap_get(user, "credentials");

	if (m && ynode_is_null(m))
		m = NULL;
	if (m && m->kind != YN_MAP) {
		diags_at(l->d, l->file, m,
			 "%s: 'credentials' must be a mapping of names to "
			 "values, not %s",
			 what, ynode_kind_name(m));
		m = NULL;
	}
	t->credentials = xcalloc((m ? m->n : 0) + 3, sizeof(*t->credentials));
	for (size_t i = 0; m && i < m->n; i++) {
		const struct ynode *k = m->pairs[i].key;

		if (k->kind != YN_SCALAR || !*k->str)
			diags_at(l->d, l->file, k,
				 "%s: credential names must be plain words",
				 what);
		else
			add_credential(l, what, t, k->str, m->pairs[i].val);
	}
	for (size_t i = 0; flat_credentials[i]; i++) {
		const char *key = flat_credentials[i];
		const struct ypair *in_map = ymap_pair(m, key);
		const struct ypair *flat = ymap_pair(user, key);

		if (!flat)
			continue;
		if (in_map) {
			diags_at(l->d, l->file, flat->key,
				 "%s: credential '%s' is given twice, here and "
				 "under 'credentials' at line %d",
				 what, key, in_map->key->line);
			continue;
		}
		add_credential(l, what, t, key, flat->val);
	}
}

/* Reads one entry of `pipelines`: a name, or {name, enabled}. */
static void load_pipeline(const struct tenant_loader *l,
			  const struct ynode *it, const char *what,
			  struct tenant *t)
{
	struct tenant_pipeline *tp = &t->pipelines[t->npipelines];
	const struct ynode *name = it;
	bool enabled = true;
	char *ctx;

	if (it->kind == YN_MAP) {
		ctx = xasprintf("a pipeline of %s", what);
		if (ymap_check_keys(it, pipeline_keys, ctx, l->file, l->d) ||
		    ymap_require(it, "name", ctx, l->file, l->d) ||
		    yget_bool(it, "enabled", &enabled, l->file, l->d))
			name = NULL;
		else
			name = ymap_get(it, "name");
		free(ctx);
		if (!name)
			return;
	}
	if (name->kind != YN_SCALAR || ynode_is_null(name) || !*name->str) {
		diags_at(l->d, l->file, name,
			 "%s: each pipeline must be a pipeline name or "
			 "{name: NAME, enabled: true|false}, not %s",
			 what, ynode_kind_name(name));
		return;
	}
	for (size_t i = 0; i < t->npipelines; i++)
		if (!strcmp(t->pipelines[i].name, name->str)) {
			diags_at(l->d, l->file, name,
				 "%s lists pipeline '%s' twice (first at line "
				 "%d)",
				 what, name->str, t->pipelines[i].line);
			return;
		}
	tp->name = xstrdup(name->str);
	tp->enabled = enabled;
	tp->line = name->line;
	tp->col = name->col;
	t->npipelines++;
}

static void load_pipelines(const struct tenant_loader *l,
			   const struct ynode *user, const char *what,
			   struct tenant *t)
{
	const struct ynode *list = ymap_get(user, "pipelines");

	if (!list || ynode_is_null(list))
		return;
	if (list->kind != YN_SEQ) {
		diags_at(l->d, l->file, list,
			 "%s: 'pipelines' must be a list of pipeline names, "
			 "not %s",
			 what, ynode_kind_name(list));
		return;
	}
	t->pipelines = xcalloc(list->n + 1, sizeof(*t->pipelines));
	for (size_t i = 0; i < list->n; i++)
		load_pipeline(l, list->items[i], what, t);
}

static void load_tags(const struct tenant_loader *l,
		      const struct ynode *user, const char *what,
		      struct tenant *t)
{
	const char **tags = NULL;
	size_t n = 0;
	const struct ynode *node = ymap_get(user, "tags");

	if (yget_strlist(user, "tags", &tags, &n, l->file, l->d) < 0)
		return;
	t->tags = xcalloc(n + 1, sizeof(*t->tags));
	for (size_t i = 0; i < n; i++) {
		const struct ynode *it =
			node->kind == YN_SEQ ? node->items[i] : node;

		if (ynode_is_null(it) || !*it->str) {
			diags_at(l->d, l->file, it, "%s: empty tag", what);
			continue;
		}
		t->tags[t->ntags++] = xstrdup(tags[i]);
	}
	free(tags);
}

static void load_preferences(const struct tenant_loader *l,
			     const struct ynode *user, const char *what,
			     struct tenant *t)
{
	const struct ynode *m = ymap_get(user, "preferences");

	if (!m || ynode_is_null(m))
		return;
	if (m->kind != YN_MAP) {
		diags_at(l->d, l->file, m,
			 "%s: 'preferences' must be a mapping, not %s", what,
			 ynode_kind_name(m));
		return;
	}
	t->preferences = yaml_json(m);
}

static bool valid_id(const char *id)
{
	size_t len = strlen(id);

	if (!len || len > MAX_ID_LEN || id[0] == '.' || id[0] == '-')
		return false;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id) && !strchr("._-@", *id))
			return false;
	return true;
}

/* A slug of name: ASCII letters and digits lowercased, every run of
 * other bytes one '-', none at either end ("Health & Wellness Page" ->
 * "health-wellness-page").  Caller frees; may be empty. */
static char *slug(const char *name)
{
	char *out = xmalloc(strlen(name) + 1), *o = out;

	for (; *name; name++) {
		if (isalnum((unsigned char)*name) && isascii(*name))
			*o++ = (char)tolower((unsigned char)*name);
		else if (o > out && o[-1] != '-')
			*o++ = '-';
	}
	if (o > out && o[-1] == '-')
		o--;
	*o = '\0';
	return out;
}

/* The flat form's id: the page_id credential, else a slug of the
 * name, else NULL.  *at is set to the node it comes from.  Caller
 * frees. */
static char *derived_id(const struct ynode *user, const struct tenant *t,
			const struct ynode **at)
{
	for (size_t i = 0; i < t->ncredentials; i++) {
		if (strcmp(t->credentials[i].key, "page_id"))
			continue;
		*at = ymap_get(user, "page_id");
		if (!*at)
			*at = ymap_get(ymap_get(user, "credentials"),
				       "page_id");
		return xstrdup(t->credentials[i].val);
	}
	if (!t->name)
		return NULL;
	*at = ymap_get(user, "name");
	return slug(t->name);
}

/* Sets t->id: `id` when given; else (the flat form) the page_id
 * credential; else a slug of the name.  *at is set to the node the id
 * comes from, for messages. */
static void settle_id(const struct tenant_loader *l, const struct ynode *user,
		      const char *what, struct tenant *t,
		      const struct ynode **at)
{
	const struct ynode *id = ymap_get(user, "id");

	*at = user;
	if (id && !ynode_is_null(id)) {
		*at = id;
		/* A non-scalar id was reported by yget_str(). */
		t->id = xstrdup(id->kind == YN_SCALAR ? id->str : "");
		if (id->kind != YN_SCALAR)
			return;
	} else {
		t->id = derived_id(user, t, at);
	}
	if (!t->id) {
		diags_at(l->d, l->file, user,
			 "%s has no 'id' (nor a 'name' or 'page_id' to make "
			 "one from)",
			 what);
		t->id = xstrdup("");
	} else if (!valid_id(t->id)) {
		diags_at(l->d, l->file, *at,
			 "%s: invalid tenant id '%s' (use up to %d letters, "
			 "digits, '.', '_', '-' and '@', not starting with '.' "
			 "or '-'%s)",
			 what, t->id, MAX_ID_LEN,
			 ymap_get(user, "id") ? "" : "; or give an 'id:'");
	}
}

/* Reads one tenant into t (see tenant_int.h): the checks that need only
 * this entry; tenant.c checks ids across entries. */
void tenant_entry_load(const struct tenant_loader *l,
		       const struct ynode *user, size_t idx, struct tenant *t,
		       const struct ynode **idnode)
{
	const char *id = NULL, *name = NULL, *platform = NULL;
	char *what = label_of(user, idx);

	t->line = user->line;
	t->col = user->col;
	t->enabled = true;
	*idnode = user;
	if (user->kind != YN_MAP) {
		diags_at(l->d, l->file, user,
			 "each tenant must be a mapping (id, name, platform, "
			 "credentials, pipelines), not %s",
			 ynode_kind_name(user));
		/* Keep the struct whole for index_ids() and the free. */
		t->id = xstrdup("");
		t->name = xstrdup("");
		goto out;
	}
	load_fields(l, user, what, t);
	yget_str(user, "id", &id, l->file, l->d);
	yget_str(user, "name", &name, l->file, l->d);
	yget_str(user, "platform", &platform, l->file, l->d);
	yget_bool(user, "enabled", &t->enabled, l->file, l->d);
	t->name = xstrdup(name && *name ? name : NULL);
	t->platform = xstrdup(platform && *platform ? platform : NULL);
	load_credentials(l, user, what, t);
	load_pipelines(l, user, what, t);
	load_tags(l, user, what, t);
	load_preferences(l, user, what, t);
	settle_id(l, user, what, t, idnode);
	if (!t->name)
		t->name = xstrdup(t->id);
out:
	free(what);
}
