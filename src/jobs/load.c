/* load.c - reading a jobs file: seed 002's batch_config.json, or YAML. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "jobs.h"
#include "jobs_int.h"
#include "sched/fire.h"
#include "util/alloc.h"
#include "util/str.h"

static const char *const top_keys[] = {"batch_processing_jobs", "jobs",
				       NULL};
static const char *const job_keys[] = {
	"id", "name", "description", "type", "priority", "category",
	"categories", "template_id", "schedule", "filters", "limit",
	"retry_limit", "distribute_results", "distribution", "purpose_id",
	"preference_based", "feature_type", "default_preferences",
	"catch_up", "catch_up_max", "overlap", NULL,
};
static const char *const type_names[] = {"individual", "object",
					 "combined", "preference", NULL};
static const char *const prio_names[] = {"low", "medium", "high",
					 "critical", NULL};
static const char *const dist_keys[] = {"users", "webhook", NULL};

#define DEFAULT_LIMIT 1000
#define DEFAULT_RETRY_LIMIT 3

struct loader {
	const char *file;
	struct diags *d;
	const char *what;	/* "job 'x'" for messages */
};

/* A YAML scalar as JSON: plain null/true/false/numbers as such, the
 * rest (and anything quoted) as a string.  New reference. */
static json_t *scalar_json(const struct ynode *n)
{
	int64_t i;
	double x;

	if (!n->plain)
		return json_string(n->str);
	if (ynode_is_null(n))
		return json_null();
	if (!strcmp(n->str, "true") || !strcmp(n->str, "false"))
		return json_boolean(!strcmp(n->str, "true"));
	if (str_to_i64(n->str, &i) == 0)
		return json_integer((json_int_t)i);
	if (strspn(n->str, "0123456789+-.eE") == strlen(n->str) &&
	    strpbrk(n->str, "0123456789") && str_to_double(n->str, &x) == 0)
		return json_real(x);
	return json_string(n->str);
}

/* The YAML tree n as JSON.  New reference. */
static json_t *tree_json(const struct ynode *n)
{
	json_t *j;

	switch (n->kind) {
	case YN_SEQ:
		j = json_array();
		for (size_t i = 0; i < n->n; i++)
			json_array_append_new(j, tree_json(n->items[i]));
		return j;
	case YN_MAP:
		j = json_object();
		for (size_t i = 0; i < n->n; i++)
			if (n->pairs[i].key->kind == YN_SCALAR)
				json_object_set_new(j, n->pairs[i].key->str,
						    tree_json(n->pairs[i].val));
		return j;
	default:
		return scalar_json(n);
	}
}

/* Index of word in a NULL-terminated list, or -1 after reporting. */
static int pick(const struct loader *l, const struct ynode *job,
		const char *key, const char *const *names, int dflt)
{
	const char *v = NULL, *hint;
	size_t n = 0;

	if (yget_str(job, key, &v, l->file, l->d) < 0)
		return -1;
	if (!v)
		return dflt;
	for (n = 0; names[n]; n++)
		if (!strcmp(v, names[n]))
			return (int)n;
	hint = str_suggest(v, names, n);
	diags_at(l->d, l->file, ymap_get(job, key), "%s: unknown %s '%s'%s%s%s "
		 "(one of %s, %s, %s, %s)", l->what, key, v,
		 hint ? " (did you mean '" : "", hint ? hint : "",
		 hint ? "'?)" : "", names[0], names[1], names[2], names[3]);
	return -1;
}

static void add_category(struct job *j, const char *name,
			 const struct ynode *at)
{
	struct job_category *c;

	j->categories = xrealloc(j->categories, (j->ncategories + 1) *
					       sizeof(*j->categories));
	c = &j->categories[j->ncategories++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->line = at ? at->line : 0;
	c->col = at ? at->col : 0;
}

/* `category: NAME` or `categories: [NAME, ...]`. */
static int load_categories(const struct loader *l, const struct ynode *job,
			   struct job *j)
{
	const struct ynode *one = ymap_get(job, "category");
	const struct ynode *many = ymap_get(job, "categories");
	const char **names = NULL;
	size_t n = 0;

	if (one && many) {
		diags_at(l->d, l->file, ymap_pair(job, "categories")->key,
			 "%s: give either 'category' or 'categories', not "
			 "both", l->what);
		return -1;
	}
	if (yget_strlist(job, one ? "category" : "categories", &names, &n,
			 l->file, l->d) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *at = one ? one : many->kind == YN_SEQ
							     ? many->items[i]
							     : many;

		for (size_t k = 0; k < j->ncategories; k++)
			if (!strcmp(j->categories[k].name, names[i])) {
				diags_at(l->d, l->file, at, "%s: category "
					 "'%s' is listed twice", l->what,
					 names[i]);
				free(names);
				return -1;
			}
		if (!*names[i]) {
			diags_at(l->d, l->file, at, "%s: empty category name",
				 l->what);
			free(names);
			return -1;
		}
		add_category(j, names[i], at);
	}
	free(names);
	return 0;
}

/* Settles the categories against the type: preference-based jobs run
 * over the tenants by default; individual and object take one. */
static int settle_categories(const struct loader *l, const struct ynode *job,
			     struct job *j)
{
	if (!j->ncategories && j->preference_based) {
		add_category(j, "users", NULL);
		return 0;
	}
	if (!j->ncategories) {
		diags_at(l->d, l->file, job, "%s: which items? add 'category' "
			 "(e.g. \"users\" for the tenants, or a source of "
			 "baton.yaml) or 'categories' for a combined job",
			 l->what);
		return -1;
	}
	if (j->type != JOB_COMBINED && j->ncategories > 1) {
		diags_at(l->d, l->file, ymap_get(job, "categories"),
			 "%s: %s jobs run over one category; use type "
			 "combined for several", l->what,
			 job_type_name(j->type));
		return -1;
	}
	return 0;
}

static struct job_category *category_named(struct job *j, const char *name)
{
	for (size_t i = 0; i < j->ncategories; i++)
		if (!strcmp(j->categories[i].name, name))
			return &j->categories[i];
	return NULL;
}

/* A combined job's filters: {category: {filters}}. */
static int load_nested_filters(const struct loader *l, const struct ynode *m,
			       struct job *j)
{
	const char **names = xcalloc(j->ncategories + 1, sizeof(*names));
	int rc = 0;

	for (size_t i = 0; i < j->ncategories; i++)
		names[i] = j->categories[i].name;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->pairs[i].key, *v = m->pairs[i].val;
		struct job_category *c = k->kind == YN_SCALAR
						 ? category_named(j, k->str)
						 : NULL;
		const char *hint;

		if (!c) {
			hint = k->kind == YN_SCALAR
				       ? str_suggest(k->str, names,
						     j->ncategories)
				       : NULL;
			diags_at(l->d, l->file, k, "%s: filters of a combined "
				 "job are per category, and '%s' is not one "
				 "of its categories%s%s%s", l->what,
				 k->kind == YN_SCALAR ? k->str : "?",
				 hint ? " (did you mean '" : "",
				 hint ? hint : "", hint ? "'?)" : "");
			rc = -1;
		} else if (v->kind != YN_MAP && !ynode_is_null(v)) {
			diags_at(l->d, l->file, v, "%s: filters for '%s' must "
				 "be a mapping like {min_size: 1000}", l->what,
				 k->str);
			rc = -1;
		} else if (v->kind == YN_MAP &&
			   job_filters_load(v, c, l->file, l->d) < 0) {
			rc = -1;
		}
	}
	free(names);
	return rc;
}

static int load_filters(const struct loader *l, const struct ynode *job,
			struct job *j)
{
	const struct ynode *m = ymap_get(job, "filters");

	if (!m || ynode_is_null(m)) {
		j->filters = json_object();
		return 0;
	}
	if (m->kind != YN_MAP) {
		diags_at(l->d, l->file, m, "%s: 'filters' must be a mapping "
			 "like {min_followers: 1000}", l->what);
		return -1;
	}
	j->filters = tree_json(m);
	if (j->type == JOB_COMBINED)
		return load_nested_filters(l, m, j);
	return job_filters_load(m, &j->categories[0], l->file, l->d);
}

static int check_webhook(const struct loader *l, const struct ynode *at,
			 const char *url)
{
	const char *host = url + 7;

	if (str_starts(url, "https://")) {
		diags_at(l->d, l->file, at, "%s: webhook '%s': only http:// "
			 "URLs are supported for now (no TLS)", l->what, url);
		return -1;
	}
	if (!str_starts(url, "http://") || !*host || *host == '/' ||
	    *host == ':') {
		diags_at(l->d, l->file, at, "%s: webhook must be an http:// "
			 "URL like http://127.0.0.1:8080/hook, not '%s'",
			 l->what, url);
		return -1;
	}
	return 0;
}

static int load_distribution(const struct loader *l, const struct ynode *job,
			     struct job *j)
{
	const struct ynode *m = ymap_get(job, "distribution");
	const char **users = NULL, *hook = NULL;
	size_t n = 0;

	if (!m || ynode_is_null(m))
		return 0;
	if (m->kind != YN_MAP) {
		diags_at(l->d, l->file, m, "%s: 'distribution' must be a "
			 "mapping like {users: [admin_1]}", l->what);
		return -1;
	}
	if (ymap_check_keys(m, dist_keys, "distribution", l->file, l->d) < 0 ||
	    yget_strlist(m, "users", &users, &n, l->file, l->d) < 0 ||
	    yget_str(m, "webhook", &hook, l->file, l->d) < 0 ||
	    (hook && check_webhook(l, ymap_get(m, "webhook"), hook) < 0)) {
		free(users);
		return -1;
	}
	j->users = xcalloc(n + 1, sizeof(*j->users));
	for (size_t i = 0; i < n; i++)
		j->users[j->nusers++] = xstrdup(users[i]);
	j->webhook = xstrdup(hook);
	free(users);
	return 0;
}

/* schedule (an object or a string) and default_preferences (an
 * object), both kept as JSON. */
static int load_json_fields(const struct loader *l, const struct ynode *job,
			    struct job *j)
{
	const struct ynode *s = ymap_get(job, "schedule");
	const struct ynode *p = ymap_get(job, "default_preferences");
	int rc = 0;

	if (s && !ynode_is_null(s)) {
		j->schedule = tree_json(s);
		if (!json_is_object(j->schedule) &&
		    !json_is_string(j->schedule)) {
			diags_at(l->d, l->file, s, "%s: 'schedule' must be a "
				 "mapping like {frequency: daily, at: \"03:00\"}"
				 " or a string, not %s", l->what,
				 s->kind == YN_SEQ ? "a list" : s->str);
			json_decref(j->schedule);
			j->schedule = NULL;
			rc = -1;
		}
	}
	if (p && !ynode_is_null(p)) {
		if (p->kind != YN_MAP) {
			diags_at(l->d, l->file, p, "%s: 'default_preferences' "
				 "must be a mapping like {frequency: weekly}",
				 l->what);
			rc = -1;
		} else {
			j->default_preferences = tree_json(p);
		}
	}
	return rc;
}

static int load_scalars(const struct loader *l, const struct ynode *job,
			struct job *j)
{
	const char *name = NULL, *desc = NULL, *tpl = NULL, *purpose = NULL;
	const char *feature = NULL;
	int rc = 0;

	rc |= yget_str(job, "name", &name, l->file, l->d);
	rc |= yget_str(job, "description", &desc, l->file, l->d);
	rc |= yget_str(job, "template_id", &tpl, l->file, l->d);
	rc |= yget_str(job, "purpose_id", &purpose, l->file, l->d);
	rc |= yget_str(job, "feature_type", &feature, l->file, l->d);
	rc |= yget_int(job, "limit", 1, 100000000, &j->limit, l->file, l->d);
	rc |= yget_int(job, "retry_limit", 0, 100, &j->retry_limit, l->file,
		       l->d);
	rc |= yget_bool(job, "distribute_results", &j->distribute_results,
			l->file, l->d);
	rc |= yget_bool(job, "preference_based", &j->preference_based,
			l->file, l->d);
	rc |= ymap_require(job, "name", l->what, l->file, l->d);
	rc |= ymap_require(job, "type", l->what, l->file, l->d);
	rc |= ymap_require(job, "template_id", l->what, l->file, l->d);
	j->name = xstrdup(name ? name : j->id);
	j->description = xstrdup(desc ? desc : "");
	j->template_id = xstrdup(tpl ? tpl : "");
	j->purpose_id = xstrdup(purpose);
	j->feature_type = xstrdup(feature);
	if (tpl) {
		j->template_line = ymap_get(job, "template_id")->line;
		j->template_col = ymap_get(job, "template_id")->col;
	}
	return rc ? -1 : 0;
}

static int load_kind(const struct loader *l, const struct ynode *job,
		     struct job *j)
{
	int type = pick(l, job, "type", type_names, 0);
	int prio = pick(l, job, "priority", prio_names, JOB_MEDIUM);
	const char *written = NULL;

	yget_str(job, "type", &written, l->file, l->d);
	j->type_name = xstrdup(written ? written : "individual");
	j->type = type == 3 ? JOB_INDIVIDUAL : (enum job_type)(type < 0 ? 0
								       : type);
	j->priority = (enum job_priority)(prio < 0 ? JOB_MEDIUM : prio);
	if (type == 3)
		j->preference_based = true;
	(void)prio;	/* reported; the filters only need the type */
	return type < 0 ? -1 : 0;
}

static void load_job(const struct loader *base, const struct ynode *job,
		     struct job *j)
{
	struct loader l = *base;
	const char *id = NULL;
	char *what;
	bool kind_ok;

	j->line = job->line;
	j->col = job->col;
	j->limit = DEFAULT_LIMIT;
	j->retry_limit = DEFAULT_RETRY_LIMIT;
	yget_str(job, "id", &id, l.file, l.d);
	j->id = xstrdup(id ? id : "");
	what = id ? xasprintf("job '%s'", id) : xstrdup("a job");
	l.what = what;
	ymap_check_keys(job, job_keys, what, l.file, l.d);
	ymap_require(job, "id", what, l.file, l.d);
	load_scalars(&l, job, j);
	kind_ok = load_kind(&l, job, j) == 0;
	load_json_fields(&l, job, j);
	load_distribution(&l, job, j);
	/* priority is the job's own key, read above. */
	j->policy = xcalloc(1, sizeof(*j->policy));
	fire_policy_load(job, l.file, false, l.d, j->policy);
	j->policy->priority = (enum priority)j->priority;
	if (j->preference_based && !j->feature_type)
		diags_at(l.d, l.file, job, "%s is preference-based: add "
			 "'feature_type' (the feature its tenants' "
			 "preferences are kept under)", what);
	/* Filters are read by the job's type and categories. */
	if (load_categories(&l, job, j) == 0 && kind_ok &&
	    settle_categories(&l, job, j) == 0)
		load_filters(&l, job, j);
	if (!j->filters)
		j->filters = json_object();
	free(what);
}

/* The list of jobs in root; NULL after reporting. */
static const struct ynode *job_list(const struct loader *l,
				    const struct ynode *root)
{
	const struct ypair *a = ymap_pair(root, "batch_processing_jobs");
	const struct ypair *b = ymap_pair(root, "jobs");
	const struct ypair *p = a ? a : b;

	if (a && b) {
		diags_at(l->d, l->file, b->key, "give either "
			 "'batch_processing_jobs' or 'jobs', not both");
		return NULL;
	}
	if (!p) {
		diags_at(l->d, l->file, root, "no jobs in %s (add a "
			 "'batch_processing_jobs' or 'jobs' list)", l->file);
		return NULL;
	}
	if (ynode_is_null(p->val))
		return p->val;
	if (p->val->kind != YN_SEQ) {
		diags_at(l->d, l->file, p->val, "'%s' must be a list of jobs, "
			 "not %s", p->key->str, ynode_kind_name(p->val));
		return NULL;
	}
	return p->val;
}

static void check_ids(const struct loader *l, const struct jobs *js)
{
	for (size_t i = 1; i < js->n; i++)
		for (size_t k = 0; k < i; k++)
			if (*js->v[i].id && !strcmp(js->v[i].id, js->v[k].id)) {
				diags_add(l->d, l->file, js->v[i].line,
					  js->v[i].col, "duplicate job id '%s' "
					  "(first defined at line %d)",
					  js->v[i].id, js->v[k].line);
				break;
			}
}

static struct jobs *load_root(const struct loader *l, const struct ynode *root)
{
	struct jobs *js = xcalloc(1, sizeof(*js));
	const struct ynode *list;

	js->file = xstrdup(l->file);
	if (root->kind != YN_MAP) {
		diags_at(l->d, l->file, root, "a jobs file is a mapping with "
			 "a 'batch_processing_jobs' (or 'jobs') list");
		return js;
	}
	ymap_check_keys(root, top_keys, l->file, l->file, l->d);
	list = job_list(l, root);
	if (!list || ynode_is_null(list))
		return js;
	js->v = xcalloc(list->n + 1, sizeof(*js->v));
	for (size_t i = 0; i < list->n; i++) {
		if (list->items[i]->kind != YN_MAP) {
			diags_at(l->d, l->file, list->items[i], "job #%zu must "
				 "be a mapping, not %s", i + 1,
				 ynode_kind_name(list->items[i]));
			continue;
		}
		load_job(l, list->items[i], &js->v[js->n++]);
	}
	check_ids(l, js);
	return js;
}

static int finish(const struct loader *l, struct ynode *root, size_t before,
		  struct jobs **out)
{
	struct jobs *js = root ? load_root(l, root) : NULL;

	ynode_free(root);
	if (!js || l->d->n > before) {
		jobs_free(js);
		return -1;
	}
	*out = js;
	return 0;
}

int jobs_load(const char *file, struct jobs **out, struct diags *d)
{
	struct loader l = {.file = file, .d = d};
	size_t before = d->n;

	return finish(&l, yaml_load(file, d), before, out);
}

int jobs_load_string(const char *name, const char *text, size_t len,
		     struct jobs **out, struct diags *d)
{
	struct loader l = {.file = name, .d = d};
	size_t before = d->n;

	return finish(&l, yaml_load_string(name, text, len, d), before, out);
}

static void job_release(struct job *j)
{
	free(j->id);
	free(j->name);
	free(j->description);
	free(j->type_name);
	for (size_t i = 0; i < j->ncategories; i++) {
		for (size_t k = 0; k < j->categories[i].nfilters; k++)
			job_filter_release(&j->categories[i].filters[k]);
		free(j->categories[i].filters);
		free(j->categories[i].name);
	}
	free(j->categories);
	free(j->template_id);
	json_decref(j->schedule);
	json_decref(j->filters);
	for (size_t i = 0; i < j->nusers; i++)
		free(j->users[i]);
	free(j->users);
	free(j->webhook);
	free(j->purpose_id);
	free(j->feature_type);
	json_decref(j->default_preferences);
	free(j->policy);
}

void jobs_free(struct jobs *js)
{
	if (!js)
		return;
	for (size_t i = 0; i < js->n; i++)
		job_release(&js->v[i]);
	free(js->v);
	free(js->file);
	free(js);
}

const struct job *jobs_find(const struct jobs *js, const char *id)
{
	for (size_t i = 0; js && i < js->n; i++)
		if (!strcmp(js->v[i].id, id))
			return &js->v[i];
	return NULL;
}
