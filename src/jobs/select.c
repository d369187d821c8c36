/* select.c - from a job's categories to its items, and to its runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "jobs_int.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/timeutil.h"

/* The fields of an item that name users (seed 002's user references). */
static const char *const ref_lists[] = {"user_ids", "member_ids"};

/* A user reference as text (ids may be written as numbers), in buf. */
static const char *ref_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

/* True when ref is a known user; records it in unknown when not. */
static bool known(const struct tenants *t, const json_t *ref, json_t *unknown)
{
	char tmp[32];
	const char *id = ref_text(ref, tmp, sizeof(tmp));

	if (!id || !*id)
		return true;	/* nothing referenced */
	if (t && tenants_find(t, id))
		return true;
	json_object_set_new(unknown, id, json_true());
	return false;
}

/* A user_ids/member_ids value as a JSON array: lists as they are, a
 * comma or semicolon separated string (from CSV) split.  New ref. */
static json_t *ref_list(const json_t *v)
{
	const char *s = json_string_value(v);
	json_t *a;

	if (!s)
		return json_incref((json_t *)v);
	a = json_array();
	while (*s) {
		size_t skip = strspn(s, " ,;"), len;

		s += skip;
		len = strcspn(s, ",;");
		while (len && s[len - 1] == ' ')
			len--;
		if (len)
			json_array_append_new(a, json_stringn(s, len));
		s += strcspn(s, ",;");
	}
	return a;
}

/* Checks one list field of item; prunes unknown entries when asked.
 * Returns false when the item is to be dropped. */
static bool list_ok(json_t *item, const char *key, bool prune,
		    const struct tenants *t, json_t *unknown, size_t *pruned)
{
	json_t *v = json_object_get(item, key), *list, *keep, *ref;
	size_t i, bad = 0;

	if (!v || json_is_null(v))
		return true;
	list = ref_list(v);
	keep = json_array();
	json_array_foreach(list, i, ref) {
		if (known(t, ref, unknown))
			json_array_append(keep, ref);
		else
			bad++;
	}
	if (bad && prune) {
		json_object_set(item, key, keep);
		*pruned += bad;
	}
	json_decref(keep);
	json_decref(list);
	return !bad || prune;
}

/* Seed 002's user validation of one item. */
static bool refs_ok(json_t *item, const struct source_setting *src,
		    const struct tenants *t, json_t *unknown, size_t *pruned)
{
	bool prune = src && src->prune_refs, ok = true;

	if (src && src->user_items &&
	    !known(t, json_object_get(item, "id"), unknown))
		ok = false;
	if (!known(t, json_object_get(item, "user_id"), unknown))
		ok = false;
	for (size_t i = 0; i < 2; i++)
		if (!list_ok(item, ref_lists[i], prune, t, unknown, pruned))
			ok = false;
	return ok;
}

/* A preference-based job skips tenants whose preferences for the
 * feature say enabled: false. */
static bool feature_enabled(const struct job *j, const json_t *item)
{
	const json_t *prefs = json_object_get(item, "preferences");

	return !j->preference_based ||
	       !json_is_false(json_object_get(prefs, "enabled"));
}

static void add_item(struct job_set *set, json_t *item,
		     const struct tenant *tenant)
{
	set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
	set->v[set->n].data = json_incref(item);
	set->v[set->n].tenant = tenant;
	set->n++;
}

/* Selects the items of category c into set. */
static int select_category(const struct job *j, const struct job_category *c,
			   const struct project *p, const struct tenants *t,
			   struct job_set *set, struct job_stats *st,
			   struct error *err)
{
	const struct source_setting *src = NULL;
	const struct tenant **tv = NULL;
	int64_t cap = j->limit, max_items = job_filters_max_items(c);
	int64_t now = time_wall_ms();
	json_t *items = NULL, *item;
	size_t i;
	int rc;

	set->category = xstrdup(c->name);
	rc = job_source_load(p, t, j, c->name, &items, &tv, &src, err);
	if (rc < 0)
		return rc;
	if (max_items >= 0 && max_items < cap)
		cap = max_items;
	json_array_foreach(items, i, item) {
		st->total_items++;
		if (!refs_ok(item, src, t, st->unknown_user_refs,
			     &st->pruned_refs)) {
			st->dropped_items++;
			continue;
		}
		st->valid_items++;
		if (!feature_enabled(j, item) ||
		    !job_filters_match(c, item, now))
			st->filtered_out++;
		else if ((int64_t)set->n >= cap)
			st->limited++;
		else
			add_item(set, item, tv[i]);
	}
	st->selected += set->n;
	json_decref(items);
	free(tv);
	return 0;
}

int job_select(const struct job *j, const struct project *p,
	       const struct tenants *t, struct job_selection *out,
	       struct error *err)
{
	struct job_selection sel = {0};
	int rc = 0;

	sel.sets = xcalloc(j->ncategories + 1, sizeof(*sel.sets));
	sel.stats.unknown_user_refs = json_object();
	for (size_t i = 0; i < j->ncategories && rc == 0; i++) {
		rc = select_category(j, &j->categories[i], p, t, &sel.sets[i],
				     &sel.stats, err);
		sel.nsets++;
	}
	if (rc < 0) {
		job_selection_release(&sel);
		return rc;
	}
	*out = sel;
	return 0;
}

void job_selection_release(struct job_selection *sel)
{
	for (size_t i = 0; i < sel->nsets; i++) {
		for (size_t k = 0; k < sel->sets[i].n; k++)
			json_decref(sel->sets[i].v[k].data);
		free(sel->sets[i].v);
		free(sel->sets[i].category);
	}
	free(sel->sets);
	json_decref(sel->stats.unknown_user_refs);
	memset(sel, 0, sizeof(*sel));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *job_stats_json(const struct job_stats *st)
{
	size_t n = json_object_size(st->unknown_user_refs), k = 0;
	const char **ids = xcalloc(n + 1, sizeof(*ids));
	json_t *refs = json_array(), *v;
	const char *id;

	json_object_foreach(st->unknown_user_refs, id, v)
		ids[k++] = id;
	qsort(ids, k, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(refs, json_string(ids[i]));
	free(ids);
	return json_pack("{s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I}",
			 "total_items", (json_int_t)st->total_items,
			 "valid_items", (json_int_t)st->valid_items,
			 "dropped_items", (json_int_t)st->dropped_items,
			 "unknown_user_refs", refs,
			 "pruned_refs", (json_int_t)st->pruned_refs,
			 "filtered_out", (json_int_t)st->filtered_out,
			 "limited", (json_int_t)st->limited,
			 "selected", (json_int_t)st->selected);
}

/* How people see one item: its id, else its name, else its place. */
static char *item_label(const struct job_item *it, size_t idx)
{
	char tmp[32];
	const char *id = ref_text(json_object_get(it->data, "id"), tmp,
				  sizeof(tmp));

	if (!id)
		id = json_string_value(json_object_get(it->data, "name"));
	return id ? xasprintf("%s '%s'", it->tenant ? "tenant" : "item", id)
		  : xasprintf("item #%zu", idx + 1);
}

static json_t *set_array(const struct job_set *set)
{
	json_t *a = json_array();

	for (size_t i = 0; i < set->n; i++)
		json_array_append(a, set->v[i].data);
	return a;
}

/* "12 items of niche", "7 items of audience + niche". */
static char *group_label(const struct job_selection *sel)
{
	struct buf b;

	buf_init(&b, 0);
	buf_addf(&b, "%zu item%s of ", sel->stats.selected,
		 sel->stats.selected == 1 ? "" : "s");
	for (size_t s = 0; s < sel->nsets; s++)
		buf_addf(&b, "%s%s", s ? " + " : "", sel->sets[s].category);
	return buf_detach(&b);
}

void job_plan(const struct job *j, const struct job_selection *sel,
	      struct job_run **out, size_t *n)
{
	struct job_run *v = NULL;
	size_t count = 0;

	if (j->type == JOB_INDIVIDUAL) {
		for (size_t s = 0; s < sel->nsets; s++)
			count += sel->sets[s].n;
		v = xcalloc(count + 1, sizeof(*v));
		count = 0;
		for (size_t s = 0; s < sel->nsets; s++)
			for (size_t i = 0; i < sel->sets[s].n; i++) {
				const struct job_item *it = &sel->sets[s].v[i];

				v[count].input = json_incref(it->data);
				v[count].tenant = it->tenant;
				v[count++].label = item_label(it, i);
			}
	} else if (sel->nsets) {
		json_t *in = j->type == JOB_OBJECT ? set_array(&sel->sets[0])
						   : json_object();

		for (size_t s = 0; j->type == JOB_COMBINED && s < sel->nsets;
		     s++)
			json_object_set_new(in, sel->sets[s].category,
					    set_array(&sel->sets[s]));
		v = xcalloc(2, sizeof(*v));
		v[0].input = in;
		v[0].label = group_label(sel);
		count = 1;
	}
	*out = v;
	*n = count;
}

void job_runs_free(struct job_run *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(v[i].input);
		free(v[i].label);
	}
	free(v);
}
