/* check.c - what a job names outside its file, and describing a job. */
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "jobs.h"
#include "jobs_int.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

const char *job_type_name(enum job_type type)
{
	switch (type) {
	case JOB_OBJECT:
		return "object";
	case JOB_COMBINED:
		return "combined";
	default:
		return "individual";
	}
}

const char *job_priority_name(enum job_priority prio)
{
	static const char *const names[] = {"low", "medium", "high",
					    "critical"};

	return prio <= JOB_CRITICAL ? names[prio] : "medium";
}

bool job_builtin_tenants(const struct project *p, const char *name)
{
	return (!strcmp(name, "users") || !strcmp(name, "tenants")) &&
	       !project_source(p, name);
}

static int check_template(const struct job *j, const char *file,
			  const struct project *p, struct diags *d)
{
	const char *hint;

	if (project_find(p, j->template_id) ||
	    project_is_broken(p, j->template_id))
		return 0;
	hint = project_suggest(p, j->template_id);
	diags_add(d, file, j->template_line, j->template_col,
		  "job '%s': unknown template '%s': no pipeline of that name "
		  "in %s%s%s%s", j->id, j->template_id, p->pipelines_dir,
		  hint ? " (did you mean '" : "", hint ? hint : "",
		  hint ? "'?)" : "");
	return -1;
}

static int check_category(const struct job *j, const struct job_category *c,
			  const char *file, const struct project *p,
			  const struct tenants *t, struct diags *d)
{
	const struct source_setting *src = project_source(p, c->name);
	size_t n = p->settings.nsources;
	const char **names;
	const char *hint;
	int line = c->line ? c->line : j->line;
	int col = c->line ? c->col : j->col;

	if ((src && src->kind != SOURCE_TENANTS) ||
	    ((src || job_builtin_tenants(p, c->name)) && t))
		return 0;
	if (src || job_builtin_tenants(p, c->name)) {
		diags_add(d, file, line, col, "job '%s': category '%s' selects "
			  "tenants, but there is no tenants file (create "
			  "users.yaml, or name one with --tenants FILE)",
			  j->id, c->name);
		return -1;
	}
	names = xcalloc(n + 3, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = p->settings.sources[i].name;
	names[n] = "users";
	names[n + 1] = "tenants";
	hint = str_suggest(c->name, names, n + 2);
	diags_add(d, file, line, col, "job '%s': unknown category '%s'%s%s%s "
		  "(declare it under 'sources:' in baton.yaml, or use "
		  "\"users\" for the tenants)", j->id, c->name,
		  hint ? " (did you mean '" : "", hint ? hint : "",
		  hint ? "'?)" : "");
	free(names);
	return -1;
}

int job_check(const struct job *j, const char *file, const struct project *p,
	      const struct tenants *t, struct diags *d)
{
	int rc = check_template(j, file, p, d);

	for (size_t i = 0; i < j->ncategories; i++)
		if (check_category(j, &j->categories[i], file, p, t, d) < 0)
			rc = -1;
	return rc;
}

/* " at HH:MM" from the schedule's `at`, or "". */
static void add_at(struct buf *b, const json_t *s)
{
	const char *at = json_string_value(json_object_get(s, "at"));

	if (at)
		buf_addf(b, " at %s", at);
}

static void add_days(struct buf *b, const json_t *s)
{
	const json_t *days = json_object_get(s, "days"), *v;
	size_t i;

	json_array_foreach(days, i, v)
		if (json_is_string(v))
			buf_addf(b, "%s%s", i ? "," : " ", json_string_value(v));
	if (json_is_string(days))
		buf_addf(b, " %s", json_string_value(days));
}

char *job_schedule_summary(const struct job *j)
{
	const json_t *s = j->schedule;
	const char *freq;
	struct buf b;

	if (!s)
		return xstrdup(j->preference_based ? "tenant preferences"
						   : "manual");
	if (json_is_string(s))
		return xstrdup(json_string_value(s));
	freq = json_string_value(json_object_get(s, "frequency"));
	buf_init(&b, 0);
	buf_addstr(&b, freq ? freq : "custom");
	if (freq && !strcmp(freq, "hourly")) {
		json_int_t m = json_integer_value(json_object_get(s, "minute"));

		buf_addf(&b, " at :%02lld", (long long)m);
	} else if (freq && (!strcmp(freq, "weekly") ||
			    !strcmp(freq, "biweekly"))) {
		add_days(&b, s);
		add_at(&b, s);
	} else if (freq && !strcmp(freq, "monthly")) {
		const json_t *dom = json_object_get(s, "day_of_month");

		if (json_is_integer(dom))
			buf_addf(&b, " on day %lld",
				 (long long)json_integer_value(dom));
		add_at(&b, s);
	} else {
		add_at(&b, s);
	}
	return buf_detach(&b);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *strs(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *distribution_json(const struct job *j)
{
	json_t *o;

	if (!j->nusers && !j->webhook)
		return json_null();
	o = json_object();
	json_object_set_new(o, "users", strs(j->users, j->nusers));
	if (j->webhook)
		json_object_set_new(o, "webhook", json_string(j->webhook));
	return o;
}

json_t *job_json(const struct job *j)
{
	json_t *o = json_object(), *cats = json_array();

	for (size_t i = 0; i < j->ncategories; i++)
		json_array_append_new(cats,
				      json_string(j->categories[i].name));
	json_object_set_new(o, "id", json_string(j->id));
	json_object_set_new(o, "name", json_string(j->name));
	json_object_set_new(o, "description", json_string(j->description));
	json_object_set_new(o, "type", json_string(j->type_name));
	json_object_set_new(o, "priority",
			    json_string(job_priority_name(j->priority)));
	if (j->ncategories == 1)
		json_object_set_new(o, "category",
				    json_string(j->categories[0].name));
	json_object_set_new(o, "categories", cats);
	json_object_set_new(o, "template_id", json_string(j->template_id));
	json_object_set_new(o, "schedule", j->schedule
						   ? json_deep_copy(j->schedule)
						   : json_null());
	json_object_set_new(o, "filters", json_deep_copy(j->filters));
	json_object_set_new(o, "limit", json_integer(j->limit));
	json_object_set_new(o, "retry_limit", json_integer(j->retry_limit));
	json_object_set_new(o, "distribute_results",
			    json_boolean(j->distribute_results));
	json_object_set_new(o, "distribution", distribution_json(j));
	json_object_set_new(o, "purpose_id", jstr(j->purpose_id));
	json_object_set_new(o, "preference_based",
			    json_boolean(j->preference_based));
	json_object_set_new(o, "feature_type", jstr(j->feature_type));
	json_object_set_new(o, "default_preferences",
			    j->default_preferences
				    ? json_deep_copy(j->default_preferences)
				    : json_null());
	json_object_set_new(o, "line", json_integer(j->line));
	return o;
}
