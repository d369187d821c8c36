/* filter.c - a job's filters: reading them, and testing items. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "jobs.h"
#include "jobs_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define DAY_MS 86400000LL

/* Reads n digits at *s into *v and advances; returns 0 or -1. */
static int digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

/* HH:MM[:SS[.fff]] at *s into seconds and ms; advances. */
static int parse_clock(const char **s, int *secs, int *ms)
{
	int h, m, sec = 0;

	*ms = 0;
	if (digits(s, 2, &h) < 0 || *(*s)++ != ':' || digits(s, 2, &m) < 0)
		return -1;
	if (**s == ':') {
		(*s)++;
		if (digits(s, 2, &sec) < 0)
			return -1;
		if (**s == '.' || **s == ',') {
			int scale = 100;

			if (!isdigit((unsigned char)*++(*s)))
				return -1;
			for (; isdigit((unsigned char)**s); (*s)++, scale /= 10)
				*ms += (**s - '0') * scale;
		}
	}
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	*secs = h * 3600 + m * 60 + sec;
	return 0;
}

/* Z, +HH:MM, +HHMM or +HH at *s into seconds east of UTC. */
static int parse_zone(const char *s, int *off)
{
	int sign, h, m = 0;

	*off = 0;
	if (!*s)
		return 0;
	if (!strcmp(s, "Z") || !strcmp(s, "z"))
		return 0;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (digits(&s, 2, &h) < 0)
		return -1;
	if (*s == ':')
		s++;
	if (*s && digits(&s, 2, &m) < 0)
		return -1;
	if (*s || h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

int job_time_parse(const char *s, int64_t *ms)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	struct tm tm = {0};
	int y, mo, d, secs = 0, frac = 0, off = 0;
	time_t t;

	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 ||
	    *s++ != '-' || digits(&s, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (parse_clock(&s, &secs, &frac) < 0)
			return -1;
	}
	if (parse_zone(s, &off) < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	*ms = ((int64_t)t + secs - off) * 1000 + frac;
	return 0;
}

int job_time_of(const json_t *v, int64_t *ms)
{
	double x;

	if (json_is_string(v))
		return job_time_parse(json_string_value(v), ms);
	if (!json_is_number(v))
		return -1;
	x = json_number_value(v);
	*ms = x > 1e11 ? (int64_t)x : (int64_t)(x * 1000.0);
	return 0;
}

void job_filter_release(struct job_filter *f)
{
	free(f->key);
	free(f->field);
	for (size_t i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	free(f->tags);
}

static int load_number(const struct ynode *v, struct job_filter *f,
		       double min, const char *file, struct diags *d)
{
	if (v->kind != YN_SCALAR || ynode_is_null(v) ||
	    str_to_double(v->str, &f->num) < 0) {
		diags_at(d, file, v, "filter '%s' must be a number, not %s",
			 f->key, v->kind == YN_SCALAR && !ynode_is_null(v)
					 ? v->str : ynode_kind_name(v));
		return -1;
	}
	if (f->num < min) {
		diags_at(d, file, v, "filter '%s' must be %g or more, not %s",
			 f->key, min, v->str);
		return -1;
	}
	return 0;
}

static int load_tags(const struct ynode *m, struct job_filter *f,
		     const char *file, struct diags *d)
{
	const char **tags = NULL;
	size_t n = 0;

	if (yget_strlist(m, f->key, &tags, &n, file, d) < 0)
		return -1;
	if (!n) {
		diags_at(d, file, ymap_get(m, f->key), "filter 'tags' needs "
			 "at least one tag, like [fashion, beauty]");
		free(tags);
		return -1;
	}
	f->tags = xcalloc(n + 1, sizeof(*f->tags));
	for (size_t i = 0; i < n; i++)
		f->tags[i] = xstrdup(tags[i]);
	f->ntags = n;
	free(tags);
	return 0;
}

static int load_date(const struct ynode *v, struct job_filter *f,
		     const char *file, struct diags *d)
{
	if (v->kind == YN_SCALAR && job_time_parse(v->str, &f->when_ms) == 0)
		return 0;
	diags_at(d, file, v, "filter '%s' must be an ISO 8601 date like "
		 "2023-01-01 or 2023-01-01T10:00:00Z, not %s%s%s", f->key,
		 v->kind == YN_SCALAR ? "'" : "",
		 v->kind == YN_SCALAR ? v->str : ynode_kind_name(v),
		 v->kind == YN_SCALAR ? "'" : "");
	return -1;
}

/* The kind of filter key, with *field set for min_/max_/has_; -1 for
 * an unknown form. */
static int kind_of(const char *key, const char **field)
{
	static const struct {
		const char *prefix;
		enum job_filter_kind kind;
	} forms[] = {{"min_", JF_MIN}, {"max_", JF_MAX}, {"has_", JF_HAS}};

	*field = NULL;
	if (!strcmp(key, "tags"))
		return JF_TAGS;
	if (!strcmp(key, "created_after"))
		return JF_AFTER;
	if (!strcmp(key, "created_before"))
		return JF_BEFORE;
	if (!strcmp(key, "active_last_days"))
		return JF_ACTIVE_DAYS;
	if (!strcmp(key, "max_items"))
		return JF_MAX_ITEMS;
	for (size_t i = 0; i < 3; i++)
		if (str_starts(key, forms[i].prefix) && key[4]) {
			*field = key + 4;
			return (int)forms[i].kind;
		}
	return -1;
}

static void report_unknown(const struct ynode *k, const char *file,
			   struct diags *d)
{
	static const char *const named[] = {
		"tags", "created_after", "created_before", "active_last_days",
		"max_items",
	};
	const char *hint = str_suggest(k->str, named, 5);
	char guess[128];

	/* "minfollowers", "min-followers": the prefix lost its '_'. */
	if (!hint && (str_starts(k->str, "min") || str_starts(k->str, "max") ||
		      str_starts(k->str, "has")) && k->str[3] &&
	    k->str[3] != '_') {
		snprintf(guess, sizeof(guess), "%.3s_%s", k->str,
			 k->str + 3 + (k->str[3] == '-'));
		hint = guess;
	}
	diags_at(d, file, k, "unknown filter '%s'%s%s%s (filters are "
		 "min_FIELD, max_FIELD, has_FIELD, tags, created_after, "
		 "created_before, active_last_days and max_items)", k->str,
		 hint ? " (did you mean '" : "", hint ? hint : "",
		 hint ? "'?)" : "");
}

/* Reads the value of filter f (its kind and key set) from m. */
static int load_value(const struct ynode *m, const struct ynode *v,
		      struct job_filter *f, const char *file, struct diags *d)
{
	switch (f->kind) {
	case JF_MIN:
	case JF_MAX:
		return load_number(v, f, -1e300, file, d);
	case JF_ACTIVE_DAYS:
	case JF_MAX_ITEMS:
		return load_number(v, f, 0, file, d);
	case JF_HAS:
		if (ynode_is_null(v)) {
			diags_at(d, file, v, "filter '%s' must be true or "
				 "false", f->key);
			return -1;
		}
		return yget_bool(m, f->key, &f->flag, file, d);
	case JF_TAGS:
		return load_tags(m, f, file, d);
	default:
		return load_date(v, f, file, d);
	}
}

int job_filters_load(const struct ynode *m, struct job_category *c,
		     const char *file, struct diags *d)
{
	int rc = 0;

	c->filters = xcalloc(m->n + 1, sizeof(*c->filters));
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->pairs[i].key, *v = m->pairs[i].val;
		struct job_filter *f = &c->filters[c->nfilters];
		const char *field;
		int kind;

		if (k->kind != YN_SCALAR || (kind = kind_of(k->str, &field)) < 0) {
			if (k->kind == YN_SCALAR)
				report_unknown(k, file, d);
			else
				diags_at(d, file, k, "filter names must be "
					 "plain words");
			rc = -1;
			continue;
		}
		memset(f, 0, sizeof(*f));
		f->kind = (enum job_filter_kind)kind;
		f->key = xstrdup(k->str);
		f->field = xstrdup(field);
		f->line = k->line;
		f->col = k->col;
		if (load_value(m, v, f, file, d) < 0) {
			job_filter_release(f);
			rc = -1;
			continue;
		}
		c->nfilters++;
	}
	return rc;
}

/* item.field as a number; false when it is missing or not one. */
static bool number_of(const json_t *item, const char *field, double *x)
{
	const json_t *v = json_object_get(item, field);

	if (json_is_number(v)) {
		*x = json_number_value(v);
		return true;
	}
	return json_is_string(v) &&
	       str_to_double(json_string_value(v), x) == 0;
}

static bool truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_TRUE:
		return true;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
	case JSON_REAL:
		return json_number_value(v) != 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return false;
	}
}

/* True when the comma/semicolon separated list s holds tag. */
static bool list_has(const char *s, const char *tag)
{
	size_t n = strlen(tag);

	while (*s) {
		size_t len;

		while (*s == ' ' || *s == ',' || *s == ';')
			s++;
		len = strcspn(s, ",;");
		while (len && s[len - 1] == ' ')
			len--;
		if (len == n && !strncmp(s, tag, n))
			return true;
		s += strcspn(s, ",;");
	}
	return false;
}

static bool has_any_tag(const json_t *item, const struct job_filter *f)
{
	const json_t *tags = json_object_get(item, "tags"), *v;
	size_t i;

	for (size_t k = 0; k < f->ntags; k++) {
		if (json_is_string(tags) &&
		    list_has(json_string_value(tags), f->tags[k]))
			return true;
		json_array_foreach(tags, i, v)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), f->tags[k]))
				return true;
	}
	return false;
}

static bool active_within(const json_t *item, double days, int64_t now)
{
	const json_t *v = json_object_get(item, "last_active_at");
	int64_t at;

	if (!v)
		v = json_object_get(item, "last_active");
	return job_time_of(v, &at) == 0 &&
	       at >= now - (int64_t)(days * (double)DAY_MS);
}

/* has_X: field X, or else a field named has_X itself. */
static bool has(const json_t *item, const struct job_filter *f)
{
	const json_t *v = json_object_get(item, f->field);

	return truthy(v ? v : json_object_get(item, f->key));
}

static bool passes(const struct job_filter *f, const json_t *item,
		   int64_t now)
{
	int64_t at;
	double x;

	switch (f->kind) {
	case JF_MIN:
		return number_of(item, f->field, &x) && x >= f->num;
	case JF_MAX:
		return number_of(item, f->field, &x) && x <= f->num;
	case JF_HAS:
		return has(item, f) == f->flag;
	case JF_TAGS:
		return has_any_tag(item, f);
	case JF_AFTER:
		return job_time_of(json_object_get(item, "created_at"),
				   &at) == 0 && at >= f->when_ms;
	case JF_BEFORE:
		return job_time_of(json_object_get(item, "created_at"),
				   &at) == 0 && at < f->when_ms;
	case JF_ACTIVE_DAYS:
		return active_within(item, f->num, now);
	default:
		return true;
	}
}

bool job_filters_match(const struct job_category *c, const json_t *item,
		       int64_t now_ms)
{
	for (size_t i = 0; i < c->nfilters; i++)
		if (!passes(&c->filters[i], item, now_ms))
			return false;
	return true;
}

int64_t job_filters_max_items(const struct job_category *c)
{
	int64_t cap = -1;

	for (size_t i = 0; i < c->nfilters; i++)
		if (c->filters[i].kind == JF_MAX_ITEMS &&
		    (cap < 0 || (int64_t)c->filters[i].num < cap))
			cap = (int64_t)c->filters[i].num;
	return cap;
}
