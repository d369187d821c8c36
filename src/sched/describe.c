/* describe.c - a schedule in words: "every Monday and Thursday at 15:30
 * (Europe/Paris)". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "sched.h"
#include "sched_int.h"
#include "tz.h"
#include "util/alloc.h"
#include "util/buf.h"

#define ALL_DOMS 0xfffffffeu
#define ALL_DOWS 0x7f
#define ALL_MONTHS 0x1ffe
#define ALL_HOURS ((1u << 24) - 1)
#define ALL_MINUTES ((1ull << 60) - 1)

static const char *const day_names[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday",
};
static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* Joins words[0..n) as "a", "a and b", "a, b and c". */
static void add_list(struct buf *b, char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addstr(b, i + 1 == n ? " and " : ", ");
		buf_addstr(b, words[i]);
	}
}

static void free_words(char **words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(words[i]);
}

/* The values lo..hi set in bits as words, runs of three or more as
 * "first to last" (name(v) gives each word; caller frees the words). */
static size_t set_words(uint64_t bits, int lo, int hi,
			char *(*name)(int v), char **words)
{
	size_t n = 0;

	for (int v = lo; v <= hi; v++) {
		int end = v;

		if (!(bits >> v & 1))
			continue;
		while (end < hi && bits >> (end + 1) & 1)
			end++;
		if (end - v >= 2) {
			char *a = name(v), *z = name(end);

			words[n++] = xasprintf("%s to %s", a, z);
			free(a);
			free(z);
			v = end;
		} else {
			words[n++] = name(v);
		}
	}
	return n;
}

static char *num_name(int v)
{
	return xasprintf("%d", v);
}

static char *ordinal_name(int v)
{
	const char *suf = "th";

	if (v % 10 == 1 && v != 11)
		suf = "st";
	else if (v % 10 == 2 && v != 12)
		suf = "nd";
	else if (v % 10 == 3 && v != 13)
		suf = "rd";
	return xasprintf("%d%s", v, suf);
}

static char *month_name(int v)
{
	return xstrdup(month_names[v - 1]);
}

/* Weekdays Monday first: v = 1..7, 7 standing for Sunday. */
static char *day_name(int v)
{
	return xstrdup(day_names[v % 7]);
}

static void add_set(struct buf *b, uint64_t bits, int lo, int hi,
		    char *(*name)(int v))
{
	char *words[64];
	size_t n = set_words(bits, lo, hi, name, words);

	add_list(b, words, n);
	free_words(words, n);
}

static void add_months(struct buf *b, const struct schedule *s,
		       const char *prefix)
{
	if (s->months == ALL_MONTHS)
		return;
	buf_addstr(b, prefix);
	add_set(b, s->months, 1, 12, month_name);
}

/* "every Monday and Thursday", "on the 1st of every month", ... */
static void add_days(struct buf *b, const struct schedule *s)
{
	/* Monday first: bit 7 stands for Sunday. */
	uint64_t dows = (s->dows & 0x7e) | (uint64_t)(s->dows & 1) << 7;
	bool and_rule = s->dom_star || s->dow_star;
	bool dom_sel = s->doms != ALL_DOMS, dow_sel = s->dows != ALL_DOWS;

	if (and_rule ? !dom_sel && !dow_sel : !dom_sel || !dow_sel) {
		buf_addstr(b, "every day");
		add_months(b, s, " in ");
		return;
	}
	if (dom_sel) {
		buf_addstr(b, "on the ");
		add_set(b, s->doms, 1, 31, ordinal_name);
		if (s->months == ALL_MONTHS)
			buf_addstr(b, " of every month");
		else
			add_months(b, s, " of ");
		if (s->clamp && (s->doms >> 29))
			buf_addstr(b, " (the last day in shorter months)");
		if (!dow_sel)
			return;
		buf_addstr(b, and_rule ? " when it is a " : " and every ");
	} else {
		buf_addstr(b, s->biweekly ? "every other " : "every ");
	}
	add_set(b, dows, 1, 7, day_name);
	if (!dom_sel)
		add_months(b, s, " in ");
}

static void add_times(struct buf *b, const struct schedule *s)
{
	char *words[8];
	size_t n = 0;

	for (int h = 0; h < 24; h++)
		for (int m = 0; m < 60; m++)
			if (s->hours >> h & 1 && s->minutes >> m & 1)
				words[n++] = xasprintf("%02d:%02d", h, m);
	buf_addstr(b, " at ");
	add_list(b, words, n);
	free_words(words, n);
}

/* Every minute / every 15 minutes / every hour at minute 30. */
static void add_frequent(struct buf *b, const struct schedule *s)
{
	int step = 0;

	for (int k = 2; k <= 30 && !step; k++) {
		uint64_t want = 0;

		for (int m = 0; m < 60; m += k)
			want |= 1ull << m;
		if (60 % k == 0 && s->minutes == want)
			step = k;
	}
	if (s->minutes == ALL_MINUTES)
		buf_addstr(b, "every minute");
	else if (step)
		buf_addf(b, "every %d minutes", step);
	else if (__builtin_popcountll(s->minutes) == 1)
		buf_addf(b, "every hour at minute %d",
			 __builtin_ctzll(s->minutes));
	else {
		buf_addstr(b, "every hour at minutes ");
		add_set(b, s->minutes, 0, 59, num_name);
	}
	if (s->hours != ALL_HOURS) {
		buf_addstr(b, " during hour");
		buf_addstr(b, __builtin_popcount(s->hours) > 1 ? "s " : " ");
		add_set(b, s->hours, 0, 23, num_name);
	}
}

char *schedule_describe(const struct schedule *s)
{
	struct buf b;
	int ntimes = __builtin_popcountll(s->minutes) *
		     __builtin_popcount(s->hours);
	int64_t y;
	int m, d;

	buf_init(&b, 0);
	if (ntimes <= 6) {
		add_days(&b, s);
		add_times(&b, s);
	} else {
		struct buf days;

		add_frequent(&b, s);
		buf_init(&days, 0);
		add_days(&days, s);
		if (strcmp(days.data, "every day"))
			buf_addf(&b, ", %s", days.data);
		buf_release(&days);
	}
	if (s->biweekly) {
		civil_date(s->anchor, &y, &m, &d);
		buf_addf(&b, ", counting from the week of %04lld-%02d-%02d",
			 (long long)y, m, d);
	}
	buf_addf(&b, " (%s)", tz_name(s->tz));
	return buf_detach(&b);
}
