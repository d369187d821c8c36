/* parse.c - schedules from YAML nodes and strings: seed 002's object
 * form, cron strings, zones. */
#include "sched.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "config/diag.h"
#include "config/yaml.h"
#include "sched_int.h"
#include "tz.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

/* 1970-01-05, a Monday: the default biweekly anchor. */
#define DEFAULT_ANCHOR 4

static const char *const keys[] = {
	"frequency", "minute", "at", "days", "day_of_month", "anchor",
	"timezone", "cron", NULL,
};
static const char *const freq_names[] = {
	"hourly", "daily", "weekly", "biweekly", "monthly",
};
static const enum sched_kind freq_kinds[] = {
	SK_HOURLY, SK_DAILY, SK_WEEKLY, SK_BIWEEKLY, SK_MONTHLY,
};
static const char *const day_names[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday",
};

/* Where a schedule is being read from, and what went wrong. */
struct ctx {
	const char *file;
	struct diags *d;
	int errors;
};

static void err_at(struct ctx *c, const struct ynode *n, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static void err_at(struct ctx *c, const struct ynode *n, const char *fmt,
		   ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	diags_at(c->d, c->file, n, "%s", msg);
	free(msg);
	c->errors++;
}

/* Reports e, whose column is an offset into scalar n's text. */
static void err_in(struct ctx *c, const struct ynode *n,
		   const struct sched_err *e)
{
	int col = n->col;

	if (e->col >= 0)
		col += e->col + !n->plain;	/* skip the opening quote */
	diags_add(c->d, c->file, n->line, col, "%s", e->msg);
	c->errors++;
}

static void schedule_init(struct schedule *s)
{
	memset(s, 0, sizeof(*s));
	s->minutes = 1;			/* minute 0 */
	s->hours = (1u << 24) - 1;
	s->doms = 0xfffffffeu;		/* days 1-31 */
	s->months = 0x1ffe;		/* months 1-12 */
	s->dows = 0x7f;
	s->dom_star = s->dow_star = true;
	s->anchor = DEFAULT_ANCHOR;
}

void schedule_free(struct schedule *s)
{
	if (!s)
		return;
	free(s->expr);
	free(s->alias);
	free(s);
}

static int set_zone(struct schedule *s, const char *name, struct error *err)
{
	if (!name) {
		s->tz = tz_default();
		return 0;
	}
	return tz_get(name, &s->tz, err);
}

/* Splits "CRON_TZ=Zone rest" (or "TZ=Zone rest").  Returns the offset of
 * rest in text and sets *zone (caller frees) when there is a prefix. */
static size_t tz_prefix(const char *text, char **zone)
{
	size_t skip = 0, n;

	*zone = NULL;
	while (isspace((unsigned char)text[skip]))
		skip++;
	if (!strncmp(text + skip, "CRON_TZ=", 8))
		skip += 8;
	else if (!strncmp(text + skip, "TZ=", 3))
		skip += 3;
	else
		return 0;
	n = strcspn(text + skip, " \t");
	*zone = xstrndup(text + skip, n);
	skip += n;
	while (isspace((unsigned char)text[skip]))
		skip++;
	return skip;
}

/* A cron string (with an optional CRON_TZ= prefix) into s.  zone, when
 * not NULL, is the zone named beside it and wins over none. */
static int cron_text(const char *text, struct schedule *s,
		     struct sched_err *e, bool *zone_set)
{
	char *zone = NULL;
	size_t at = tz_prefix(text, &zone);
	struct error err;
	int rc = 0;

	*zone_set = zone != NULL;
	if (zone && set_zone(s, zone, &err) < 0) {
		e->col = (int)(strstr(text, "=") - text) + 1;
		memcpy(e->msg, err.msg, sizeof(e->msg));
		rc = -1;
	} else if (cron_parse(text + at, s, e) < 0) {
		if (e->col >= 0)
			e->col += (int)at;
		rc = -1;
	} else {
		s->expr = xstrdup(text + at);
		s->expr[strcspn(s->expr, "\r\n")] = '\0';
	}
	free(zone);
	return rc;
}

/* Day name (Monday, monday, Mon) into its number, or -1. */
static int day_number(const char *name)
{
	for (int i = 0; i < 7; i++)
		if (!strcasecmp(name, day_names[i]) ||
		    (strlen(name) == 3 && !strncasecmp(name, day_names[i], 3)))
			return i;
	return -1;
}

static void load_days(struct ctx *c, const struct ynode *v,
		      struct schedule *s)
{
	const struct ynode *one[1] = {v};
	struct ynode *const *items = v->kind == YN_SEQ ? v->items
						       : (struct ynode **)one;
	size_t n = v->kind == YN_SEQ ? v->n : 1;

	if (v->kind == YN_MAP || (v->kind == YN_SEQ && !v->n)) {
		err_at(c, v, "'days' must be a list of day names like "
		       "[Monday, Thursday]");
		return;
	}
	s->dows = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *it = items[i];
		char word[16];
		const char *hint;
		int day;

		if (it->kind != YN_SCALAR) {
			err_at(c, it, "'days' must be a list of day names "
			       "like [Monday, Thursday]");
			continue;
		}
		day = day_number(it->str);
		if (day >= 0) {
			s->dows |= (uint8_t)(1u << day);
			continue;
		}
		/* Compare as "Monday" is written, whatever the case. */
		snprintf(word, sizeof(word), "%s", it->str);
		for (size_t k = 0; word[k]; k++)
			word[k] = (char)(k ? tolower((unsigned char)word[k])
					   : toupper((unsigned char)word[k]));
		hint = str_suggest(word, day_names, 7);
		if (hint)
			err_at(c, it, "unknown day '%s' in 'days' (did you "
			       "mean '%s'?)", it->str, hint);
		else
			err_at(c, it, "unknown day '%s' in 'days' (use Monday "
			       "... Sunday)", it->str);
	}
}

static void load_dom(struct ctx *c, const struct ynode *v,
		     struct schedule *s)
{
	const struct ynode *one[1] = {v};
	struct ynode *const *items = v->kind == YN_SEQ ? v->items
						       : (struct ynode **)one;
	size_t n = v->kind == YN_SEQ ? v->n : 1;

	if (v->kind == YN_MAP || (v->kind == YN_SEQ && !v->n)) {
		err_at(c, v, "'day_of_month' must be a day from 1 to 31, or "
		       "a list of them");
		return;
	}
	s->doms = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t day;

		if (items[i]->kind != YN_SCALAR ||
		    str_to_i64(items[i]->str, &day) < 0 || day < 1 ||
		    day > 31) {
			err_at(c, items[i], "'day_of_month' must be a day from "
			       "1 to 31, not '%s' (31 means the last day in "
			       "shorter months)", items[i]->kind == YN_SCALAR
			       ? items[i]->str : ynode_kind_name(items[i]));
			continue;
		}
		s->doms |= 1u << day;
	}
}

/* "YYYY-MM-DD" into a day number.  Returns 0 or -1. */
static int parse_date(const char *t, int64_t *days)
{
	int64_t ms;

	if (strlen(t) != 10 || sched_time_parse(t, &ms) < 0)
		return -1;
	*days = civil_div(ms, 86400000);
	return 0;
}

/* Keys that only some frequencies take. */
static void check_applies(struct ctx *c, const struct ynode *n,
			  enum sched_kind k, const char *freq)
{
	static const struct {
		const char *key;
		unsigned kinds;	/* bit per enum sched_kind */
		const char *hint;
	} only[] = {
		{"minute", 1u << SK_HOURLY, "it takes 'at: \"HH:MM\"'"},
		{"at", ~(1u << SK_HOURLY), "it takes 'minute' (0-59)"},
		{"days", 1u << SK_WEEKLY | 1u << SK_BIWEEKLY,
		 "'days' is for weekly and biweekly schedules"},
		{"day_of_month", 1u << SK_MONTHLY,
		 "'day_of_month' is for monthly schedules"},
		{"anchor", 1u << SK_BIWEEKLY,
		 "'anchor' is for biweekly schedules"},
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		const struct ypair *p = ymap_pair(n, only[i].key);

		if (p && !(only[i].kinds & 1u << k))
			err_at(c, p->key, "a %s schedule has no '%s' (%s)",
			       freq, only[i].key, only[i].hint);
	}
}

/* The object form without 'cron'. */
static void load_calendar(struct ctx *c, const struct ynode *n,
			  const struct ynode *fv, struct schedule *s)
{
	const struct ynode *v;
	const char *at = NULL, *hint;
	int64_t minute = 0;
	int kind = -1, h = 0, m = 0;
	struct sched_err e = {0};

	for (int i = 0; i < 5; i++)
		if (fv->kind == YN_SCALAR &&
		    !strcasecmp(fv->str, freq_names[i]))
			kind = i;
	if (kind < 0) {
		hint = fv->kind == YN_SCALAR
			       ? str_suggest(fv->str, freq_names, 5)
			       : NULL;
		if (hint)
			err_at(c, fv, "unknown frequency '%s' (did you mean "
			       "'%s'?)", fv->str, hint);
		else
			err_at(c, fv, "unknown frequency '%s' (use hourly, "
			       "daily, weekly, biweekly or monthly)",
			       fv->kind == YN_SCALAR ? fv->str
						     : ynode_kind_name(fv));
		return;
	}
	s->kind = freq_kinds[kind];
	check_applies(c, n, s->kind, freq_names[kind]);
	if (s->kind == SK_HOURLY) {
		if (yget_int(n, "minute", 0, 59, &minute, c->file, c->d) < 0)
			c->errors++;
		s->minutes = 1ull << minute;
		return;
	}
	if (yget_str(n, "at", &at, c->file, c->d) < 0)
		c->errors++;
	else if (at && sched_parse_at(at, &h, &m, &e) < 0)
		err_at(c, ymap_get(n, "at"), "%s", e.msg);
	s->minutes = 1ull << m;
	s->hours = 1u << h;
	if (s->kind == SK_WEEKLY || s->kind == SK_BIWEEKLY) {
		s->dow_star = false;
		v = ymap_get(n, "days");
		if (v && !ynode_is_null(v))
			load_days(c, v, s);
		else
			err_at(c, n, "a %s schedule needs 'days', e.g. days: "
			       "[Monday, Thursday]", freq_names[kind]);
	}
	if (s->kind == SK_BIWEEKLY) {
		const char *anchor = NULL;

		s->biweekly = true;
		if (yget_str(n, "anchor", &anchor, c->file, c->d) < 0)
			c->errors++;
		else if (anchor && parse_date(anchor, &s->anchor) < 0)
			err_at(c, ymap_get(n, "anchor"), "'anchor' must be a "
			       "date \"YYYY-MM-DD\" in an \"on\" week, not "
			       "'%s'", anchor);
	}
	if (s->kind == SK_MONTHLY) {
		s->dom_star = false;
		s->clamp = true;
		v = ymap_get(n, "day_of_month");
		if (v && !ynode_is_null(v))
			load_dom(c, v, s);
		else
			err_at(c, n, "a monthly schedule needs 'day_of_month' "
			       "(1-31; 31 means the last day of every "
			       "month)");
	}
}

/* The zone named by 'timezone' in map n, into s. */
static void load_zone(struct ctx *c, const struct ynode *n,
		      struct schedule *s)
{
	const char *name = NULL;
	struct error err;

	if (yget_str(n, "timezone", &name, c->file, c->d) < 0)
		c->errors++;
	else if (name && set_zone(s, name, &err) < 0)
		err_at(c, ymap_get(n, "timezone"), "%s", err.msg);
}

static void load_map(struct ctx *c, const struct ynode *n,
		     struct schedule *s)
{
	const struct ynode *cron = ymap_get(n, "cron");
	const struct ynode *freq = ymap_get(n, "frequency");
	struct sched_err e = {0};
	bool zone_set;

	if (ymap_check_keys(n, keys, "schedule", c->file, c->d) < 0)
		c->errors++;
	load_zone(c, n, s);
	if (cron && !ynode_is_null(cron)) {
		if (freq)
			err_at(c, ymap_pair(n, "frequency")->key, "a schedule "
			       "has either 'frequency' or 'cron', not both");
		for (size_t i = 1; i < 6; i++)
			if (ymap_get(n, keys[i]))
				err_at(c, ymap_pair(n, keys[i])->key, "a cron "
				       "schedule has no '%s'", keys[i]);
		if (cron->kind != YN_SCALAR)
			err_at(c, cron, "'cron' must be a string like "
			       "\"0 3 * * *\"");
		else if (cron_text(cron->str, s, &e, &zone_set) < 0)
			err_in(c, cron, &e);
		else if (zone_set && ymap_get(n, "timezone"))
			err_at(c, cron, "the zone is named twice: by "
			       "CRON_TZ= and by 'timezone'");
		return;
	}
	if (!freq || ynode_is_null(freq)) {
		err_at(c, n, "a schedule needs 'frequency' (hourly, daily, "
		       "weekly, biweekly or monthly) or 'cron'");
		return;
	}
	load_calendar(c, n, freq, s);
}

/* Rejects a schedule no date matches ("0 0 30 2 *"). */
static int check_fires(const struct schedule *s, struct sched_err *e)
{
	if (sched_next_local(s, 0) != SCHEDULE_NEVER)
		return 0;
	e->col = -1;
	snprintf(e->msg, sizeof(e->msg), "the cron expression '%s' never "
		 "fires: no month in it has such a day", s->expr);
	return -1;
}

int schedule_parse_node(const struct ynode *n, const char *file,
			struct diags *d, struct schedule **out)
{
	struct ctx c = {.file = file, .d = d};
	struct schedule *s = xmalloc(sizeof(*s));
	struct sched_err e = {0};
	bool zone_set;

	schedule_init(s);
	if (!n || ynode_is_null(n)) {
		err_at(&c, n, "the schedule is empty: write a cron string "
		       "like \"0 3 * * *\" or {frequency: daily, at: "
		       "\"03:00\"}");
	} else if (n->kind == YN_SCALAR) {
		if (cron_text(n->str, s, &e, &zone_set) < 0)
			err_in(&c, n, &e);
	} else if (n->kind == YN_MAP) {
		load_map(&c, n, s);
	} else {
		err_at(&c, n, "a schedule must be a mapping like {frequency: "
		       "daily, at: \"03:00\"} or a cron string like \"0 3 "
		       "* * *\", not %s", ynode_kind_name(n));
	}
	if (!c.errors && check_fires(s, &e) < 0)
		err_at(&c, n, "%s", e.msg);
	if (c.errors) {
		schedule_free(s);
		return -1;
	}
	if (!s->tz)
		s->tz = tz_default();
	*out = s;
	return 0;
}

/* The object form written in YAML flow style, as a string. */
static int parse_yaml(const char *expr, struct schedule **out,
		      struct error *err)
{
	static const char name[] = "<expression>";
	struct diags d;
	struct ynode *root;
	int rc = -EINVAL;

	diags_init(&d);
	root = yaml_load_string(name, expr, strlen(expr), &d);
	if (root && schedule_parse_node(root, name, &d, out) == 0)
		rc = 0;
	if (rc < 0 && d.n) {
		/* The first mistake in the text, as diags_print() would. */
		const struct diag *g = &d.v[0];

		for (size_t i = 1; i < d.n; i++)
			if (d.v[i].line < g->line ||
			    (d.v[i].line == g->line && d.v[i].col < g->col))
				g = &d.v[i];
		error_set(err, rc, "%s", g->msg);
		if (err) {
			err->line = g->line;
			err->col = g->col;
		}
	} else if (rc < 0) {
		error_set(err, rc, "invalid schedule");
	}
	ynode_free(root);
	diags_release(&d);
	return rc;
}

int schedule_parse_string(const char *expr, const char *tz,
			  struct schedule **out, struct error *err)
{
	const struct tz *zone = NULL;
	struct schedule *s = NULL;
	struct sched_err e = {0};
	bool zone_set;
	int rc;

	if (tz && (rc = tz_get(tz, &zone, err)) < 0)
		return rc;
	if (expr[strspn(expr, " \t")] == '{') {
		rc = parse_yaml(expr, &s, err);
		if (rc < 0)
			return rc;
	} else {
		s = xmalloc(sizeof(*s));
		schedule_init(s);
		if (cron_text(expr, s, &e, &zone_set) < 0 ||
		    check_fires(s, &e) < 0) {
			schedule_free(s);
			error_set(err, -EINVAL, "%s", e.msg);
			if (err && e.col >= 0) {
				err->line = 1;
				err->col = e.col + 1;
			}
			return -EINVAL;
		}
		if (!s->tz)
			s->tz = tz_default();
	}
	if (zone)
		s->tz = zone;
	*out = s;
	return 0;
}
