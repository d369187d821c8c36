/* tenant.c - the tenants file as a whole, and using loaded tenants. */
#include "tenant.h"

#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "tenant_int.h"
#include "util/alloc.h"

static const char *const top_keys[] = {"version", "users", "tenants", NULL};

static int cmp_by_id(const void *a, const void *b, void *arg)
{
	const struct tenants *t = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(t->v[x].id, t->v[y].id);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Sorts t->by_id and reports every id that repeats an earlier one. */
static void index_ids(const struct tenant_loader *l, struct tenants *t,
		      const struct ynode **idnodes)
{
	t->by_id = xcalloc(t->n + 1, sizeof(*t->by_id));
	for (size_t i = 0; i < t->n; i++)
		t->by_id[i] = i;
	qsort_r(t->by_id, t->n, sizeof(*t->by_id), cmp_by_id, t);
	for (size_t i = 1, first = 0; i < t->n; i++) {
		const struct tenant *a = &t->v[t->by_id[first]];
		const struct tenant *b = &t->v[t->by_id[i]];

		if (strcmp(a->id, b->id)) {
			first = i;
			continue;
		}
		if (*b->id)
			diags_at(l->d, l->file, idnodes[t->by_id[i]],
				 "duplicate tenant id '%s' (first defined at "
				 "line %d)",
				 b->id, idnodes[t->by_id[first]]->line);
	}
}

/* The tenant list of root: `users` or `tenants`.  NULL after reporting
 * when there is none or it is not a non-empty list. */
static const struct ynode *tenant_list(const struct tenant_loader *l,
				       const struct ynode *root, bool keys_ok)
{
	const struct ypair *users = ymap_pair(root, "users");
	const struct ypair *tenants = ymap_pair(root, "tenants");
	const struct ypair *p = users ? users : tenants;

	if (users && tenants) {
		diags_at(l->d, l->file, tenants->key,
			 "give either 'users' or 'tenants', not both ('users' "
			 "is at line %d)",
			 users->key->line);
		return NULL;
	}
	if (!p) {
		/* After "unknown key 'user' (did you mean 'users'?)" this
		 * would only repeat the same mistake. */
		if (keys_ok)
			diags_at(l->d, l->file, root,
				 "no tenants defined in %s (add a 'users:' "
				 "list)",
				 l->file);
		return NULL;
	}
	if (!ynode_is_null(p->val) && p->val->kind != YN_SEQ) {
		diags_at(l->d, l->file, p->val,
			 "'%s' must be a list of tenants, not %s",
			 p->key->str, ynode_kind_name(p->val));
		return NULL;
	}
	if (ynode_is_null(p->val) || !p->val->n) {
		diags_at(l->d, l->file, p->key, "no tenants defined in %s",
			 l->file);
		return NULL;
	}
	return p->val;
}

static void load_version(const struct tenant_loader *l,
			 const struct ynode *root, struct tenants *t)
{
	const char *v = NULL;

	if (yget_str(root, "version", &v, l->file, l->d) < 0 || !v)
		return;
	if (strcmp(v, "1") && strcmp(v, "1.0"))
		diags_at(l->d, l->file, ymap_get(root, "version"),
			 "unsupported version '%s' (baton reads version 1.0)",
			 v);
	t->version = xstrdup(v);
}

int tenants_load(const char *file, struct tenants **out, struct diags *d)
{
	struct tenant_loader l = {.file = file, .d = d};
	size_t before = d->n;
	struct tenants *t = xcalloc(1, sizeof(*t));
	const struct ynode **idnodes = NULL;
	const struct ynode *list;
	struct ynode *root;
	bool keys_ok;

	t->file = xstrdup(file);
	root = yaml_load(file, d);
	if (!root)
		goto out;
	if (root->kind != YN_MAP) {
		diags_at(d, file, root,
			 "a tenants file must be a mapping with a 'users:' "
			 "list, not %s",
			 ynode_kind_name(root));
		goto out;
	}
	keys_ok = !ymap_check_keys(root, top_keys, "the tenants file", file, d);
	load_version(&l, root, t);
	list = tenant_list(&l, root, keys_ok);
	if (!list)
		goto out;
	t->v = xcalloc(list->n, sizeof(*t->v));
	idnodes = xcalloc(list->n, sizeof(*idnodes));
	for (t->n = 0; t->n < list->n; t->n++)
		tenant_entry_load(&l, list->items[t->n], t->n, &t->v[t->n],
				  &idnodes[t->n]);
	index_ids(&l, t, idnodes);
out:
	free(idnodes);
	ynode_free(root);
	if (d->n > before) {
		tenants_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

/* Frees what t owns (not t itself), wiping the credential values. */
static void tenant_release(struct tenant *t)
{
	free(t->id);
	free(t->name);
	free(t->platform);
	for (size_t i = 0; i < t->ncredentials; i++) {
		/* Secrets do not linger in freed memory. */
		explicit_bzero(t->credentials[i].val,
			       strlen(t->credentials[i].val));
		free(t->credentials[i].key);
		free(t->credentials[i].val);
	}
	free(t->credentials);
	for (size_t i = 0; i < t->ntags; i++)
		free(t->tags[i]);
	free(t->tags);
	for (size_t i = 0; i < t->npipelines; i++)
		free(t->pipelines[i].name);
	free(t->pipelines);
	json_decref(t->preferences);
	json_decref(t->fields);
}

void tenants_free(struct tenants *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		tenant_release(&t->v[i]);
	free(t->v);
	free(t->by_id);
	free(t->file);
	free(t->version);
	free(t);
}

const struct tenant *tenants_find(const struct tenants *t, const char *id)
{
	size_t lo = 0, hi;

	if (!t || !id)
		return NULL;
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tenant *tn = &t->v[t->by_id[mid]];
		int c = strcmp(id, tn->id);

		if (!c)
			return tn;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int tenants_check_pipelines(const struct tenants *t, const struct project *p,
			    struct diags *d)
{
	int rc = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct tenant *tn = &t->v[i];

		for (size_t k = 0; k < tn->npipelines; k++) {
			const struct tenant_pipeline *tp = &tn->pipelines[k];
			const char *hint;

			if (project_find(p, tp->name) ||
			    project_is_broken(p, tp->name))
				continue;
			hint = project_suggest(p, tp->name);
			diags_add(d, t->file, tp->line, tp->col,
				  "tenant '%s' names unknown pipeline "
				  "'%s'%s%s%s",
				  tn->id, tp->name,
				  hint ? " (did you mean '" : "",
				  hint ? hint : "", hint ? "'?)" : "");
			rc = -1;
		}
	}
	return rc;
}

bool tenant_matches(const struct tenant *t, const char *platform,
		    const char *const *tags, size_t ntags)
{
	if (platform && (!t->platform || strcmp(t->platform, platform)))
		return false;
	for (size_t i = 0; i < ntags; i++)
		for (size_t k = 0; k < t->ntags; k++)
			if (!strcmp(tags[i], t->tags[k]))
				return true;
	return ntags == 0;
}

json_t *tenant_context(const struct tenant *t)
{
	json_t *o = json_object(), *creds = json_object(), *tags = json_array();
	const char *key;
	json_t *v;

	/* Fields first, so that no field can shadow the tenant's own keys. */
	json_object_foreach(t->fields, key, v)
		json_object_set_new(o, key, json_deep_copy(v));
	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "platform", t->platform
						   ? json_string(t->platform)
						   : json_null());
	for (size_t i = 0; i < t->ncredentials; i++)
		json_object_set_new(creds, t->credentials[i].key,
				    json_string(t->credentials[i].val));
	json_object_set_new(o, "credentials", creds);
	for (size_t i = 0; i < t->ntags; i++)
		json_array_append_new(tags, json_string(t->tags[i]));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "preferences",
			    t->preferences ? json_deep_copy(t->preferences)
					   : json_object());
	return o;
}

static int cmp_longest_first(const void *a, const void *b)
{
	size_t x = strlen(*(const char *const *)a);
	size_t y = strlen(*(const char *const *)b);

	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **tenant_secrets(const struct tenant *t, size_t *n)
{
	const char **v = xcalloc(t->ncredentials + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < t->ncredentials; i++) {
		const char *s = t->credentials[i].val;
		size_t j;

		for (j = 0; j < k && strcmp(v[j], s); j++)
			;
		/* The flat form's id is its page_id: shown by design. */
		if (*s && j == k && strcmp(s, t->id))
			v[k++] = s;
	}
	qsort(v, k, sizeof(*v), cmp_longest_first);
	*n = k;
	return v;
}
