/* plan.c - what a world schedules: pipelines with `schedule:`, jobs with
 * one, and preference-based jobs, whose tenants are grouped by the
 * schedule their preferences give (docs/schedules.md, "Preference-based
 * jobs"). */
#include "scheduler_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "sched/sched.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, written at once: several threads log. */
static void warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "baton scheduler: warning: %s\n", msg);
}

static struct plan_item *add_item(struct plan *pl, const char *kind,
				  const char *id)
{
	struct plan_item *it;

	pl->v = xrealloc(pl->v, (pl->n + 1) * sizeof(*pl->v));
	it = &pl->v[pl->n++];
	memset(it, 0, sizeof(*it));
	it->id = xstrdup(id);
	it->fe.kind = kind;
	it->fe.id = it->id;
	fire_policy_init(&it->fe.policy);
	return it;
}

static void add_member(struct plan_item *it, const struct tenant *t,
		       json_t *overrides)
{
	it->tenants = xrealloc(it->tenants,
			       (it->ntenants + 1) * sizeof(*it->tenants));
	it->overrides = xrealloc(it->overrides,
				 (it->ntenants + 1) * sizeof(*it->overrides));
	it->tenants[it->ntenants] = t;
	it->overrides[it->ntenants] = overrides;
	it->ntenants++;
}

/* The enabled tenants that list p as an enabled pipeline. */
static void pipeline_tenants(struct plan_item *it, const struct project *proj,
			     const struct tenants *t)
{
	for (size_t i = 0; t && i < t->n; i++) {
		const struct tenant *x = &t->v[i];

		if (!x->enabled)
			continue;
		for (size_t k = 0; k < x->npipelines; k++)
			if (x->pipelines[k].enabled &&
			    project_find(proj, x->pipelines[k].name) == it->p) {
				add_member(it, x, NULL);
				break;
			}
	}
}

static void plan_pipelines(struct plan *pl)
{
	const struct project *proj = pl->w.p;

	for (size_t i = 0; i < proj->n; i++) {
		const struct pipeline *p = proj->pipelines[i];
		struct plan_item *it;

		if (!p->schedule)
			continue;
		it = add_item(pl, "pipeline", p->id);
		it->fe.s = p->schedule;
		if (p->policy)
			it->fe.policy = *p->policy;
		it->p = p;
		pipeline_tenants(it, proj, pl->w.t);
	}
}

/* Parses a job schedule kept as JSON (a cron string, or an object that
 * is valid YAML flow text once dumped).  Returns 0 or -1 with err. */
static int parse_json_schedule(const json_t *j, struct schedule **out,
			       struct error *err)
{
	char *text;
	int rc;

	if (json_is_string(j))
		return schedule_parse_string(json_string_value(j), NULL, out,
					     err) < 0 ? -1 : 0;
	text = json_dumps(j, JSON_COMPACT);
	rc = schedule_parse_string(text, NULL, out, err);
	free(text);
	return rc < 0 ? -1 : 0;
}

/* Sets it->p to job j's template, or it->problem. */
static void job_template(struct plan_item *it, const struct job *j,
			 const struct project *proj)
{
	it->job = j;
	it->p = project_find(proj, j->template_id);
	if (!it->p && project_is_broken(proj, j->template_id))
		it->problem = xasprintf("template '%s' has errors ('baton "
					"validate' shows them)",
					j->template_id);
	else if (!it->p)
		it->problem = xasprintf("template '%s' is not a pipeline of "
					"the project", j->template_id);
}

/* The tenant's preferences for feature ft: preferences.features.FT,
 * else preferences.FT (as src/jobs/source.c reads them).  Borrowed. */
static json_t *tenant_prefs(const struct tenant *t, const char *ft)
{
	json_t *f;

	if (!ft || !t->preferences)
		return NULL;
	f = json_object_get(json_object_get(t->preferences, "features"), ft);
	return f ? f : json_object_get(t->preferences, ft);
}

/* The defaults, then the tenant's settings on top; template_overrides
 * are merged key by key.  New reference. */
static json_t *merge_prefs(const json_t *defaults, const json_t *mine)
{
	json_t *m = json_is_object(defaults) ? json_deep_copy(defaults)
					     : json_object();
	json_t *over = json_deep_copy(
		json_object_get(defaults, "template_overrides"));
	const char *k;
	json_t *v;

	if (json_is_object(mine)) {
		json_object_foreach((json_t *)mine, k, v)
			json_object_set(m, k, v);
		v = json_object_get(mine, "template_overrides");
		if (json_is_object(over) && json_is_object(v)) {
			json_object_update(over, v);
			json_object_set(m, "template_overrides", over);
		}
	}
	json_decref(over);
	return m;
}

static const char *str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The first three letters of each day name, lower case, joined by "+". */
static void days_slug(struct buf *b, const json_t *days)
{
	size_t i;
	json_t *d;

	if (json_is_string(days)) {
		for (size_t k = 0; k < 3 && json_string_value(days)[k]; k++)
			buf_addch(b, (char)tolower(
					     (unsigned char)json_string_value(
						     days)[k]));
		return;
	}
	json_array_foreach(days, i, d) {
		if (i)
			buf_addch(b, '+');
		days_slug(b, d);
	}
}

/* The schedule object preferences prefs ask for, with a short name for
 * it in *slug ("weekly-mon-10:00"); NULL when prefs name no frequency.
 * New reference. */
static json_t *pref_schedule(const json_t *prefs, char **slug)
{
	const char *freq = str_of(prefs, "frequency");
	const char *at = str_of(prefs, "preferred_time");
	const char *tz = str_of(prefs, "timezone");
	json_t *day = json_object_get(prefs, "preferred_day");
	json_t *o;
	struct buf b;

	if (!freq)
		return NULL;
	o = json_pack("{s:s}", "frequency", freq);
	buf_init(&b, 0);
	buf_addstr(&b, freq);
	if (!strcmp(freq, "hourly")) {
		json_t *min = json_object_get(prefs, "minute");
		long long m = json_is_integer(min) ? json_integer_value(min)
			      : at && strlen(at) == 5 ? atoll(at + 3)
						      : 0;

		json_object_set_new(o, "minute", json_integer(m));
		buf_addf(&b, "-:%02lld", m);
	} else {
		bool monthly = !strcmp(freq, "monthly");

		/* A daily schedule has no day: preferred_day is ignored. */
		if (day && !json_is_null(day) && strcmp(freq, "daily")) {
			const char *ds = json_string_value(day);

			if (monthly && ds && *ds &&
			    strspn(ds, "0123456789") == strlen(ds))
				json_object_set_new(o, "day_of_month",
						    json_integer(atoll(ds)));
			else
				json_object_set(o, monthly ? "day_of_month"
							   : "days",
						day);
			buf_addch(&b, '-');
			if (json_is_integer(day))
				buf_addf(&b, "%lld",
					 (long long)json_integer_value(day));
			else if (monthly && ds)
				buf_addstr(&b, ds);
			else
				days_slug(&b, day);
		}
		json_object_set_new(o, "at", json_string(at ? at : "00:00"));
		buf_addf(&b, "-%s", at ? at : "00:00");
	}
	if (tz) {
		json_object_set_new(o, "timezone", json_string(tz));
		buf_addf(&b, "-%s", tz);
	}
	*slug = buf_detach(&b);
	buf_release(&b);
	return o;
}

/* Whether tenant t can be an item of job j's categories (a tenants
 * category, with the platform and tags of its source); items of other
 * sources may name any tenant. */
static bool job_may_select(const struct job *j, const struct project *proj,
			   const struct tenant *t)
{
	for (size_t c = 0; c < j->ncategories; c++) {
		const char *name = j->categories[c].name;
		const struct source_setting *src;

		if (!strcmp(name, "users") || !strcmp(name, "tenants"))
			return true;
		src = project_source(proj, name);
		if (!src || src->kind != SOURCE_TENANTS)
			return true;
		if (tenant_matches(t, src->platform,
				   (const char *const *)src->tags,
				   src->ntags))
			return true;
	}
	return false;
}

static struct plan_item *find_item(struct plan *pl, const char *id)
{
	for (size_t i = 0; i < pl->n; i++)
		if (!strcmp(pl->v[i].id, id))
			return &pl->v[i];
	return NULL;
}

/* One group per distinct schedule that j's tenants' preferences give;
 * tenants without a frequency follow the job's own schedule. */
static void plan_pref_job(struct plan *pl, const struct job *j,
			  const struct schedule *own)
{
	const struct tenants *t = pl->w.t;

	for (size_t i = 0; t && i < t->n; i++) {
		const struct tenant *x = &t->v[i];
		json_t *prefs, *obj;
		struct schedule *s = NULL;
		struct plan_item *it;
		struct error err;
		char *slug = NULL, *id;

		if (!x->enabled || !job_may_select(j, pl->w.p, x))
			continue;
		prefs = merge_prefs(j->default_preferences,
				    tenant_prefs(x, j->feature_type));
		if (json_is_false(json_object_get(prefs, "enabled"))) {
			json_decref(prefs);
			continue;
		}
		obj = pref_schedule(prefs, &slug);
		if (!obj && !own) {
			json_decref(prefs);
			continue;
		}
		if (obj && parse_json_schedule(obj, &s, &err) < 0) {
			char *text = json_dumps(obj, JSON_COMPACT);

			warn("job '%s': tenant '%s': its preferences for '%s' "
			     "make the schedule %s, which is not valid: %s; "
			     "the tenant is left out", j->id, x->id,
			     j->feature_type, text, err.msg);
			free(text);
			json_decref(obj);
			json_decref(prefs);
			free(slug);
			continue;
		}
		id = obj ? xasprintf("%s@%s", j->id, slug) : xstrdup(j->id);
		it = find_item(pl, id);
		if (!it) {
			it = add_item(pl, "job", id);
			it->fe.policy = *j->policy;
			it->pref = true;
			it->own = s;
			it->fe.s = s ? s : own;
			job_template(it, j, pl->w.p);
			s = NULL;
		}
		add_member(it, x,
			   json_incref(json_object_get(prefs,
						       "template_overrides")));
		schedule_free(s);
		free(id);
		free(slug);
		json_decref(obj);
		json_decref(prefs);
	}
}

static void plan_jobs(struct plan *pl)
{
	const struct jobs *js = pl->w.js;

	for (size_t i = 0; js && i < js->n; i++) {
		const struct job *j = &js->v[i];
		struct schedule *s = NULL;
		struct plan_item *it;
		struct error err;
		size_t before = pl->n;

		if (j->schedule && parse_json_schedule(j->schedule, &s,
						       &err) < 0) {
			warn("job '%s': its schedule is not valid (%s); it "
			     "does not fire ('baton schedule list' shows "
			     "where)", j->id, err.msg);
			continue;
		}
		if (j->preference_based) {
			plan_pref_job(pl, j, s);
			/* The job's own schedule is the group of the
			 * tenants that follow it, if any. */
			for (size_t k = before; s && k < pl->n; k++)
				if (pl->v[k].fe.s == s) {
					pl->v[k].own = s;
					s = NULL;
				}
			schedule_free(s);
			continue;
		}
		if (!s)
			continue;
		it = add_item(pl, "job", j->id);
		it->own = s;
		it->fe.s = s;
		it->fe.policy = *j->policy;
		job_template(it, j, pl->w.p);
	}
}

struct plan *plan_build(const struct scheduler_world *w,
			const struct scheduler_config *cfg)
{
	struct plan *pl = xcalloc(1, sizeof(*pl));

	pl->refs = 1;
	pl->w = *w;
	pl->cfg = cfg;
	if (cfg->hold)
		cfg->hold(cfg->arg, w->owner);
	if (w->p)
		plan_pipelines(pl);
	plan_jobs(pl);
	for (size_t i = 0; i < pl->n; i++) {
		pl->v[i].fe.data = &pl->v[i];
		pl->v[i].plan = pl;
	}
	return pl;
}

void plan_ref(struct plan *p)
{
	pthread_mutex_lock(&plan_lock);
	p->refs++;
	pthread_mutex_unlock(&plan_lock);
}

void plan_unref(struct plan *p)
{
	int left;

	if (!p)
		return;
	pthread_mutex_lock(&plan_lock);
	left = --p->refs;
	pthread_mutex_unlock(&plan_lock);
	if (left > 0)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_item *it = &p->v[i];

		for (size_t k = 0; k < it->ntenants; k++)
			json_decref(it->overrides[k]);
		free(it->overrides);
		free(it->tenants);
		schedule_free(it->own);
		free(it->problem);
		free(it->id);
	}
	free(p->v);
	if (p->cfg->drop)
		p->cfg->drop(p->cfg->arg, p->w.owner);
	free(p);
}

struct fire_entry *plan_entries(const struct plan *p)
{
	struct fire_entry *v = xcalloc(p->n + 1, sizeof(*v));

	for (size_t i = 0; i < p->n; i++)
		v[i] = p->v[i].fe;
	return v;
}

struct kv *plan_params(const struct pipeline *pl, const json_t *overrides,
		       size_t *n)
{
	struct kv *v = xcalloc(json_object_size(overrides) + 1, sizeof(*v));
	const char *k;
	json_t *x;

	*n = 0;
	if (!json_is_object(overrides))
		return v;
	json_object_foreach((json_t *)overrides, k, x) {
		if (pipeline_param_index(pl, k) < 0)
			continue;
		v[*n].key = xstrdup(k);
		v[*n].val = json_is_string(x)
				    ? xstrdup(json_string_value(x))
				    : json_dumps(x, JSON_COMPACT |
							    JSON_ENCODE_ANY);
		(*n)++;
	}
	return v;
}

void kv_list_free(struct kv *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}
