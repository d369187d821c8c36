/* tzrule.c - POSIX TZ rules ("EST5EDT,M3.2.0,M11.1.0"), the footer of a
 * TZif file that says what happens after its last transition. */
#include <ctype.h>
#include <string.h>

#include "civil.h"
#include "tz.h"
#include "tz_int.h"

/* "CET" or "<+03>" into out.  Returns the rest of s, or NULL. */
static const char *parse_abbr(const char *s, char *out)
{
	size_t n = 0;

	if (*s == '<') {
		for (s++; *s && *s != '>'; s++) {
			if (!isalnum((unsigned char)*s) && *s != '+' &&
			    *s != '-')
				return NULL;
			if (n + 1 >= TZ_ABBR_MAX)
				return NULL;
			out[n++] = *s;
		}
		if (*s != '>' || n < 1)
			return NULL;
		s++;
	} else {
		for (; isalpha((unsigned char)*s); s++) {
			if (n + 1 >= TZ_ABBR_MAX)
				return NULL;
			out[n++] = *s;
		}
		if (n < 3)
			return NULL;
	}
	out[n] = '\0';
	return s;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh, into seconds.  Returns the rest of
 * s, or NULL. */
static const char *parse_hms(const char *s, int maxh, int32_t *out)
{
	int sign = 1, part[3] = {0, 0, 0}, np = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	while (np < 3) {
		int v = 0, digits = 0;

		while (isdigit((unsigned char)*s) && digits < 3) {
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (!digits)
			return NULL;
		part[np++] = v;
		if (*s != ':')
			break;
		s++;
	}
	if (part[0] > maxh || part[1] > 59 || part[2] > 59)
		return NULL;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return s;
}

static const char *parse_num(const char *s, int lo, int hi, int *out)
{
	int v = 0, digits = 0;

	while (isdigit((unsigned char)*s) && digits < 4) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || v < lo || v > hi)
		return NULL;
	*out = v;
	return s;
}

static const char *parse_date(const char *s, struct tz_rule_date *r)
{
	if (*s == 'J') {
		r->kind = 'J';
		s = parse_num(s + 1, 1, 365, &r->n);
	} else if (*s == 'M') {
		r->kind = 'M';
		s = parse_num(s + 1, 1, 12, &r->m);
		if (s && *s == '.')
			s = parse_num(s + 1, 1, 5, &r->w);
		else
			s = NULL;
		if (s && *s == '.')
			s = parse_num(s + 1, 0, 6, &r->d);
		else
			s = NULL;
	} else {
		r->kind = 'D';
		s = parse_num(s, 0, 365, &r->n);
	}
	if (!s)
		return NULL;
	r->time = 7200;
	if (*s == '/')
		s = parse_hms(s + 1, 167, &r->time);
	return s;
}

int tzrule_parse(const char *s, struct tz_rule *r)
{
	int32_t west;

	memset(r, 0, sizeof(*r));
	s = parse_abbr(s, r->std_abbr);
	if (!s || !(s = parse_hms(s, 24, &west)))
		return -1;
	r->std_off = -west;
	if (!*s)
		return 0;
	s = parse_abbr(s, r->dst_abbr);
	if (!s)
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*s && *s != ',') {
		if (!(s = parse_hms(s, 24, &west)))
			return -1;
		r->dst_off = -west;
	}
	if (!*s) {
		/* POSIX leaves the default to the implementation; glibc and
		 * tzcode use the US rules. */
		s = ",M3.2.0,M11.1.0";
	}
	if (*s != ',' || !(s = parse_date(s + 1, &r->start)) || *s != ',' ||
	    !(s = parse_date(s + 1, &r->end)) || *s)
		return -1;
	return 0;
}

/* The local time (seconds, as if UTC) at which date d happens in y. */
static int64_t rule_local(const struct tz_rule_date *d, int64_t y)
{
	int64_t days;

	if (d->kind == 'J') {
		days = civil_days(y, 1, 1) + d->n - 1;
		if (civil_is_leap(y) && d->n >= 60)
			days++;
	} else if (d->kind == 'D') {
		days = civil_days(y, 1, 1) + d->n;
	} else {
		int64_t first = civil_days(y, d->m, 1);
		int day = 1 + (int)civil_mod(d->d - civil_weekday(first), 7) +
			  (d->w - 1) * 7;

		while (day > civil_month_days(y, d->m))
			day -= 7;
		days = first + day - 1;
	}
	return days * 86400 + d->time;
}

void tzrule_period(const struct tz_rule *r, int64_t t, struct tz_period *p)
{
	struct {
		int64_t at;
		bool dst;
	} ev[6], tmp;
	int64_t y;
	int m, d, n = 0, i, last = -1;

	if (!r->has_dst) {
		p->start = INT64_MIN;
		p->end = INT64_MAX;
		p->off = r->std_off;
		p->dst = false;
		p->abbr = r->std_abbr;
		return;
	}
	civil_date(civil_div(t + r->std_off, 86400), &y, &m, &d);
	/* The changes of the years around t, in time order; changes of a
	 * later year sort after an earlier year's at the same instant. */
	for (int64_t yy = y - 1; yy <= y + 1; yy++) {
		int64_t s = rule_local(&r->start, yy) - r->std_off;
		int64_t e = rule_local(&r->end, yy) - r->dst_off;

		ev[n].at = s;
		ev[n++].dst = true;
		ev[n].at = e;
		ev[n++].dst = false;
		if (e < s) {
			tmp = ev[n - 1];
			ev[n - 1] = ev[n - 2];
			ev[n - 2] = tmp;
		}
	}
	for (i = 1; i < n; i++)
		for (int j = i; j > 0 && ev[j].at < ev[j - 1].at; j--) {
			tmp = ev[j];
			ev[j] = ev[j - 1];
			ev[j - 1] = tmp;
		}
	for (i = 0; i < n; i++)
		if (ev[i].at <= t)
			last = i;
	if (last < 0) {
		p->start = INT64_MIN;
		p->end = ev[0].at;
		p->dst = !ev[0].dst;
	} else {
		p->start = ev[last].at;
		p->end = last + 1 < n ? ev[last + 1].at : INT64_MAX;
		p->dst = ev[last].dst;
	}
	p->off = p->dst ? r->dst_off : r->std_off;
	p->abbr = p->dst ? r->dst_abbr : r->std_abbr;
}
