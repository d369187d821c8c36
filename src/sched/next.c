/* next.c - when a schedule fires next, and times in its zone. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "sched.h"
#include "sched_int.h"
#include "tz.h"

/* Years searched for a match before giving up (a schedule that fires at
 * all fires at least every 8 years: Feb 29 after 2096 is in 2104). */
#define SEARCH_YEARS 100
/* schedule_next() answers between years 1 and 9999. */
#define MIN_MS (-62135596800000LL)
#define MAX_MS (253402300799999LL)

/* Days of the month (bit d = day d) in the week parity of the anchor. */
static uint32_t parity_mask(const struct schedule *s, int64_t first, int nd)
{
	/* Weeks start on Monday; day 4 (1970-01-05) is one. */
	int64_t week = civil_div(first - 4, 7);
	int64_t anchor = civil_div(s->anchor - 4, 7);
	bool on = civil_mod(week - anchor, 2) == 0;
	uint32_t mask = 0;

	for (int d = 1; d <= nd; d++) {
		if (d > 1 && civil_weekday(first + d - 1) == 1)
			on = !on;
		if (on)
			mask |= 1u << d;
	}
	return mask;
}

/* The days of month m of year y that match s (bit d = day d). */
static uint32_t day_mask(const struct schedule *s, int64_t y, int m,
			 int64_t first)
{
	int nd = civil_month_days(y, m), wd = civil_weekday(first);
	uint32_t valid = (uint32_t)(((1ull << nd) - 1) << 1);
	uint32_t dom = s->doms & valid, dow, mask;
	uint64_t pat = 0, rep;

	if (s->clamp && (s->doms & ~valid & ~1u))
		dom |= 1u << nd;
	/* Bit k of pat: day k + 1 matches the weekday set; then repeat it
	 * every 7 days. */
	for (int k = 0; k < 7; k++)
		if (s->dows >> ((wd + k) % 7) & 1)
			pat |= 1ull << k;
	rep = pat | pat << 7 | pat << 14 | pat << 21 | pat << 28;
	dow = (uint32_t)(rep << 1) & valid;
	/* cron: when either day field is '*', a day must match both; when
	 * both are restricted, either. */
	mask = s->dom_star || s->dow_star ? dom & dow : dom | dow;
	if (s->biweekly)
		mask &= parity_mask(s, first, nd);
	return mask;
}

int64_t sched_next_local(const struct schedule *s, int64_t from)
{
	int64_t days = civil_div(from, 1440), y, limit;
	int mod = (int)(from - days * 1440), m, d, h = mod / 60;
	int mi = mod % 60;

	civil_date(days, &y, &m, &d);
	limit = y + SEARCH_YEARS;
	while (y <= limit) {
		uint32_t dm, hm;
		uint64_t mm;
		int64_t first;

		if (d > 31 || !(s->months >> m & 1)) {
			/* On to the first day of the next month in the set. */
			uint32_t later = s->months & ~((2u << m) - 1);

			if (later) {
				m = __builtin_ctz(later);
			} else {
				y++;
				m = __builtin_ctz(s->months);
			}
			d = 1;
			h = mi = 0;
			continue;
		}
		first = civil_days(y, m, 1);
		dm = day_mask(s, y, m, first) & (~0u << d);
		if (!dm) {
			d = 32;
			continue;
		}
		if (__builtin_ctz(dm) != d) {
			d = __builtin_ctz(dm);
			h = mi = 0;
		}
		hm = s->hours & (~0u << h);
		if (!hm) {
			d++;
			h = mi = 0;
			continue;
		}
		if (__builtin_ctz(hm) != h) {
			h = __builtin_ctz(hm);
			mi = 0;
		}
		mm = s->minutes & (~0ull << mi);
		if (!mm) {
			mi = 0;
			if (++h > 23) {
				d++;
				h = 0;
			}
			continue;
		}
		mi = __builtin_ctzll(mm);
		return (first + d - 1) * 1440 + h * 60 + mi;
	}
	return SCHEDULE_NEVER;
}

int64_t schedule_next(const struct schedule *s, int64_t after)
{
	struct tz_period p, q;
	int64_t sec, local, from;

	if (after < MIN_MS || after > MAX_MS)
		return SCHEDULE_NEVER;
	sec = civil_div(after, 1000);
	tz_period(s->tz, sec, &p);
	local = after + (int64_t)p.off * 1000;
	/* Just after a clock was set back, the local times up to where it
	 * stood have happened already (and fired: first occurrences). */
	if (p.start != INT64_MIN && sec - p.start < 2 * 86400) {
		tz_period(s->tz, p.start - 1, &q);
		if (q.off > p.off &&
		    p.start * 1000 - 1 + (int64_t)q.off * 1000 > local)
			local = p.start * 1000 - 1 + (int64_t)q.off * 1000;
	}
	from = civil_div(local, 60000) + 1;
	for (int i = 0; i < 16; i++) {
		int64_t l = sched_next_local(s, from), t;

		if (l == SCHEDULE_NEVER)
			return SCHEDULE_NEVER;
		/* A skipped local time maps to the end of the gap, which may
		 * be a time that has fired already: then look further. */
		t = tz_first_at(s->tz, l * 60);
		if (t * 1000 > after)
			return t * 1000 > MAX_MS ? SCHEDULE_NEVER : t * 1000;
		from = l + 1;
	}
	return SCHEDULE_NEVER;
}

const char *schedule_zone(const struct schedule *s)
{
	return tz_name(s->tz);
}

const char *schedule_abbr(const struct schedule *s, int64_t utc_ms)
{
	struct tz_period p;

	tz_period(s->tz, civil_div(utc_ms, 1000), &p);
	return p.abbr;
}

void schedule_format_time(const struct schedule *s, int64_t utc_ms,
			  char *out, size_t size)
{
	int64_t sec = civil_div(utc_ms, 1000), days, y;
	int32_t off = s ? tz_offset(s->tz, sec) : 0;
	int m, d, tod, aoff = off < 0 ? -off : off;

	sec += off;
	days = civil_div(sec, 86400);
	tod = (int)(sec - days * 86400);
	civil_date(days, &y, &m, &d);
	if (!s)
		snprintf(out, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
			 (long long)y, m, d, tod / 3600, tod / 60 % 60,
			 tod % 60);
	else
		snprintf(out, size,
			 "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 (long long)y, m, d, tod / 3600, tod / 60 % 60,
			 tod % 60, off < 0 ? '-' : '+', aoff / 3600,
			 aoff / 60 % 60);
}

/* n digits at *p into *out; advances *p.  Returns 0 or -1. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int sched_time_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 1;
	int64_t frac = 0, scale = 1000;
	const char *p = s;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > civil_month_days(y, mo))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':' && (p++, digits(&p, 2, &sec)))
			return -1;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				if (scale > 1)
					frac += (*p - '0') * (scale /= 10);
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &oh) || *p++ != ':' ||
			    digits(&p, 2, &om))
				return -1;
		}
		if (h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
			return -1;
	}
	if (*p)
		return -1;
	*ms = ((civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
	       sign * (oh * 3600 + om * 60)) * 1000 + frac;
	return 0;
}
