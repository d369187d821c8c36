/* cron.c - 5-field cron strings and @aliases into a schedule's sets. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sched_int.h"
#include "util/alloc.h"
#include "util/str.h"

struct field {
	const char *what;	/* "minute", used in messages */
	int lo, hi;
	const char *const *names;	/* names[i] stands for lo + i */
	size_t nnames;
};

static const char *const month_names[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
	"JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
};
static const char *const dow_names[] = {
	"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT",
};

static const struct field fields[5] = {
	{"minute", 0, 59, NULL, 0},
	{"hour", 0, 23, NULL, 0},
	{"day of month", 1, 31, NULL, 0},
	{"month", 1, 12, month_names, 12},
	{"day of week", 0, 7, dow_names, 7},
};

static const struct {
	const char *name;
	const char *expr;
} aliases[] = {
	{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"},
	{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
	{"@daily", "0 0 * * *"}, {"@midnight", "0 0 * * *"},
	{"@hourly", "0 * * * *"},
};
#define NALIASES (sizeof(aliases) / sizeof(aliases[0]))

static int fail(struct sched_err *e, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct sched_err *e, int col, const char *fmt, ...)
{
	va_list ap;

	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* One value of field f at *p (a number or a name); advances *p.  base
 * is the start of the whole expression, for error columns. */
static int parse_value(const struct field *f, const char **p,
		       const char *base, int *out, struct sched_err *e)
{
	const char *s = *p;
	char word[32];
	size_t n = 0;

	if (isdigit((unsigned char)*s)) {
		long v = 0;

		while (isdigit((unsigned char)*s) && v < 1000)
			v = v * 10 + (*s++ - '0');
		if (v < f->lo || v > f->hi)
			return fail(e, (int)(*p - base), "%s %ld is out of "
				    "range (%d-%d)", f->what, v, f->lo, f->hi);
		*out = (int)v;
		*p = s;
		return 0;
	}
	while (isalpha((unsigned char)s[n]) && n + 1 < sizeof(word)) {
		word[n] = s[n];
		n++;
	}
	word[n] = '\0';
	if (!n)
		return fail(e, (int)(s - base), "expected a %s%s, found '%c'",
			    f->what, f->names ? " (a number or a name)" : "",
			    *s ? *s : ' ');
	for (size_t i = 0; i < f->nnames; i++)
		if (!strcasecmp(word, f->names[i])) {
			*out = f->lo + (int)i;
			*p = s + n;
			return 0;
		}
	if (f->names) {
		char upper[32];
		const char *hint;

		for (size_t i = 0; i <= n; i++)
			upper[i] = (char)toupper((unsigned char)word[i]);
		hint = str_suggest(upper, f->names, f->nnames);
		if (!hint && n > 3) {
			/* "Monday", "January": the first three letters. */
			upper[3] = '\0';
			for (size_t i = 0; i < f->nnames; i++)
				if (!strcmp(upper, f->names[i]))
					hint = f->names[i];
		}
		return fail(e, (int)(s - base), "unknown %s name '%s'%s%s%s",
			    f->what, word, hint ? " (did you mean '" : "",
			    hint ? hint : "", hint ? "'?)" : "");
	}
	return fail(e, (int)(s - base), "%s must be a number (%d-%d), not "
		    "'%s'", f->what, f->lo, f->hi, word);
}

/* Parses field f (text [s, end)) into *bits.  *star is set when the
 * field starts with '*' (or '?'). */
static int parse_field(const struct field *f, const char *s,
		       const char *end, const char *base, uint64_t *bits,
		       bool *star, struct sched_err *e)
{
	*bits = 0;
	*star = *s == '*' || *s == '?';
	for (;;) {
		const char *item = s;
		int a, b, step = 1;

		if (*s == '*' || *s == '?') {
			a = f->lo;
			b = f->hi == 7 ? 6 : f->hi;
			s++;
		} else {
			if (parse_value(f, &s, base, &a, e) < 0)
				return -1;
			b = a;
			if (*s == '-') {
				s++;
				if (parse_value(f, &s, base, &b, e) < 0)
					return -1;
				if (b < a)
					return fail(e, (int)(item - base),
						    "%s range %.*s goes "
						    "backwards (split it: "
						    "%d-%d,%d-%d)", f->what,
						    (int)(s - item), item, a,
						    f->hi == 7 ? 6 : f->hi,
						    f->lo, b);
			} else if (*s == '/') {
				/* "5/15": from 5 to the end. */
				b = f->hi == 7 ? 6 : f->hi;
			}
		}
		if (*s == '/') {
			const char *at = ++s;
			long v = 0;

			while (isdigit((unsigned char)*s) && v < 1000)
				v = v * 10 + (*s++ - '0');
			if (s == at || v < 1 || v > f->hi - f->lo + 1)
				return fail(e, (int)(at - base), "%s step must "
					    "be a number from 1 to %d",
					    f->what, f->hi - f->lo + 1);
			step = (int)v;
		}
		for (int v = a; v <= b; v += step)
			*bits |= 1ull << (f->hi == 7 && v == 7 ? 0 : v);
		if (s == end)
			return 0;
		if (*s != ',')
			return fail(e, (int)(s - base), "unexpected '%c' in "
				    "the %s field", *s, f->what);
		s++;
		if (s == end)
			return fail(e, (int)(s - base - 1), "a ',' must be "
				    "followed by a value");
	}
}

static int parse_alias(const char *expr, struct schedule *s,
		       struct sched_err *e)
{
	const char *names[NALIASES];
	const char *hint;

	for (size_t i = 0; i < NALIASES; i++) {
		if (!strcasecmp(expr, aliases[i].name)) {
			s->alias = xstrdup(aliases[i].name);
			return cron_parse(aliases[i].expr, s, e);
		}
		names[i] = aliases[i].name;
	}
	if (!strcasecmp(expr, "@reboot"))
		return fail(e, 0, "@reboot is not supported: baton's "
			    "schedules fire at times of day");
	hint = str_suggest(expr, names, NALIASES);
	if (hint)
		return fail(e, 0, "unknown schedule alias '%s' (did you mean "
			    "'%s'?)", expr, hint);
	return fail(e, 0, "unknown schedule alias '%s' (use @hourly, @daily, "
		    "@weekly, @monthly or @yearly)", expr);
}

int cron_parse(const char *expr, struct schedule *s, struct sched_err *e)
{
	const char *p = expr, *start[6], *end[6];
	uint64_t bits[5];
	bool star[5];
	int n = 0;

	e->line = 0;
	e->col = -1;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '@')
		return parse_alias(p, s, e);
	while (*p && n < 6) {
		start[n] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		end[n++] = p;
		while (isspace((unsigned char)*p))
			p++;
	}
	if (n == 0)
		return fail(e, -1, "empty cron expression (write 5 fields: "
			    "minute hour day-of-month month day-of-week)");
	if (n == 6)
		return fail(e, (int)(start[5] - expr), "a cron expression has "
			    "5 fields (minute hour day-of-month month "
			    "day-of-week); baton takes no seconds or year "
			    "field");
	if (n == 1) {
		char word[16];

		snprintf(word, sizeof(word), "@%.*s", (int)(end[0] - start[0]),
			 start[0]);
		for (size_t i = 0; i < NALIASES; i++)
			if (!strcasecmp(word, aliases[i].name))
				return fail(e, (int)(start[0] - expr),
					    "'%s' is not a cron expression "
					    "(did you mean '%s'?)", word + 1,
					    aliases[i].name);
		if (!strcasecmp(word, "@biweekly"))
			return fail(e, (int)(start[0] - expr), "'biweekly' is "
				    "not a cron expression (write {frequency: "
				    "biweekly, days: [Monday], at: "
				    "\"09:00\"})");
	}
	if (n < 5)
		return fail(e, (int)(end[n - 1] - expr), "a cron expression "
			    "has 5 fields (minute hour day-of-month month "
			    "day-of-week), this one has %d", n);
	for (int i = 0; i < 5; i++)
		if (parse_field(&fields[i], start[i], end[i], expr, &bits[i],
				&star[i], e) < 0)
			return -1;
	s->kind = SK_CRON;
	s->minutes = bits[0];
	s->hours = (uint32_t)bits[1];
	s->doms = (uint32_t)bits[2];
	s->months = (uint16_t)bits[3];
	s->dows = (uint8_t)bits[4];
	s->dom_star = star[2];
	s->dow_star = star[4];
	return 0;
}

int sched_parse_at(const char *s, int *hour, int *minute,
		   struct sched_err *e)
{
	int h = 0, m = 0, nh = 0, nm = 0;
	const char *p = s;

	while (isdigit((unsigned char)*p) && nh < 3)
		h = h * 10 + (*p++ - '0'), nh++;
	if (*p == ':')
		for (p++; isdigit((unsigned char)*p) && nm < 3; p++, nm++)
			m = m * 10 + (*p - '0');
	if (nh < 1 || nh > 2 || nm != 2 || *p || h > 23 || m > 59) {
		if (nh && nm == 2 && *p == ':')
			return fail(e, -1, "'at' is hours and minutes "
				    "(\"HH:MM\"): seconds are not supported, "
				    "not '%s'", s);
		return fail(e, -1, "'at' must be a 24-hour time \"HH:MM\" "
			    "from 00:00 to 23:59, not '%s'", s);
	}
	*hour = h;
	*minute = m;
	return 0;
}
