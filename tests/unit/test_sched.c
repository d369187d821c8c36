/* Unit tests for schedules: cron strings, seed 002's objects, zones and
 * DST, month ends, biweekly anchors, errors, descriptions.  Times are
 * passed in: nothing sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "sched/sched.h"
#include "sched/tz.h"
#include "util/error.h"

/* Epoch ms of an RFC 3339 time. */
static int64_t T(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(sched_time_parse(s, &ms), 0);
	return ms;
}

static struct schedule *parse(const char *expr, const char *tz)
{
	struct schedule *s = NULL;
	struct error err = {0};

	if (schedule_parse_string(expr, tz, &s, &err) < 0)
		fail_msg("'%s': %s", expr, err.msg);
	return s;
}

/* Checks that expr (in zone tz) fires at want[0..] (UTC RFC 3339, in
 * order) after from, or at local times "...+02:00" when they carry an
 * offset. */
static void expect_times(const char *expr, const char *tz, const char *from,
			 const char *const *want, size_t n)
{
	struct schedule *s = parse(expr, tz);
	int64_t t = T(from);
	char got[64];

	for (size_t i = 0; i < n; i++) {
		t = schedule_next(s, t);
		assert_true(t != SCHEDULE_NEVER);
		schedule_format_time(strchr(want[i], 'Z') ? NULL : s, t, got,
				     sizeof(got));
		if (strcmp(got, want[i]))
			fail_msg("'%s' (%s) fire %zu after %s: got %s, want %s",
				 expr, tz ? tz : "default", i + 1, from, got,
				 want[i]);
	}
	schedule_free(s);
}

#define EXPECT(expr, tz, from, ...)                                          \
	do {                                                                 \
		const char *const w_[] = {__VA_ARGS__};                      \
		expect_times(expr, tz, from, w_, sizeof(w_) / sizeof(*w_));  \
	} while (0)

/* The error of a schedule given as YAML text under `schedule:`, as
 * "line:col: message". */
static char *node_error(const char *yaml)
{
	struct diags d;
	struct ynode *root;
	struct schedule *s = NULL;
	const struct diag *g;
	char *out = NULL;

	diags_init(&d);
	root = yaml_load_string("p.yaml", yaml, strlen(yaml), &d);
	assert_non_null(root);
	assert_int_equal(schedule_parse_node(ymap_get(root, "schedule"),
					     "p.yaml", &d, &s), -1);
	assert_null(s);
	assert_true(d.n >= 1);
	g = &d.v[0];
	/* The first as printed: by place. */
	for (size_t i = 1; i < d.n; i++)
		if (d.v[i].line < g->line ||
		    (d.v[i].line == g->line && d.v[i].col < g->col))
			g = &d.v[i];
	if (asprintf(&out, "%d:%d: %s", g->line, g->col, g->msg) < 0)
		out = NULL;
	ynode_free(root);
	diags_release(&d);
	return out;
}

#define EXPECT_NODE_ERROR(yaml, want)                                        \
	do {                                                                 \
		char *e_ = node_error(yaml);                                 \
		assert_string_equal(e_, want);                               \
		free(e_);                                                    \
	} while (0)

static void expect_string_error(const char *expr, const char *tz, int col,
				const char *want)
{
	struct schedule *s = NULL;
	struct error err = {0};

	assert_true(schedule_parse_string(expr, tz, &s, &err) < 0);
	assert_null(s);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.col, col);
}

static void test_cron_fields(void **state)
{
	(void)state;
	EXPECT("*/20 9-10 * * *", "UTC", "2026-05-01T09:30:00Z",
	       "2026-05-01T09:40:00Z", "2026-05-01T10:00:00Z",
	       "2026-05-01T10:20:00Z", "2026-05-01T10:40:00Z",
	       "2026-05-02T09:00:00Z");
	EXPECT("0,30 8,20 * * *", "UTC", "2026-05-01T08:00:00Z",
	       "2026-05-01T08:30:00Z", "2026-05-01T20:00:00Z",
	       "2026-05-01T20:30:00Z", "2026-05-02T08:00:00Z");
	EXPECT("10-40/15 0 * * *", "UTC", "2026-05-01T00:00:00Z",
	       "2026-05-01T00:10:00Z", "2026-05-01T00:25:00Z",
	       "2026-05-01T00:40:00Z", "2026-05-02T00:10:00Z");
	/* "50/5": 50 to the end of the field, every 5. */
	EXPECT("50/5 * * * *", "UTC", "2026-05-01T00:00:00Z",
	       "2026-05-01T00:50:00Z", "2026-05-01T00:55:00Z",
	       "2026-05-01T01:50:00Z");
	EXPECT("* * * * *", "UTC", "2026-12-31T23:59:30Z",
	       "2027-01-01T00:00:00Z", "2027-01-01T00:01:00Z");
	/* Strictly after: from a fire time, the next one. */
	EXPECT("0 12 * * *", "UTC", "2026-05-01T12:00:00Z",
	       "2026-05-02T12:00:00Z");
	EXPECT("0 12 * * *", "UTC", "2026-05-01T11:59:59.999Z",
	       "2026-05-01T12:00:00Z");
	/* A month far away: jumps, does not scan. */
	EXPECT("0 0 1 DEC *", "UTC", "2026-12-01T00:00:01Z",
	       "2027-12-01T00:00:00Z");
}

static void test_cron_names(void **state)
{
	(void)state;
	EXPECT("0 12 * jan,JUL mon-fri", "UTC", "2026-06-30T00:00:00Z",
	       "2026-07-01T12:00:00Z", "2026-07-02T12:00:00Z",
	       "2026-07-03T12:00:00Z", "2026-07-06T12:00:00Z");
	/* 7 and 0 are both Sunday. */
	EXPECT("0 6 * * 7", "UTC", "2026-05-01T00:00:00Z",
	       "2026-05-03T06:00:00Z", "2026-05-10T06:00:00Z");
	EXPECT("0 6 * * 5-7", "UTC", "2026-05-01T00:00:00Z",
	       "2026-05-01T06:00:00Z", "2026-05-02T06:00:00Z",
	       "2026-05-03T06:00:00Z", "2026-05-08T06:00:00Z");
	EXPECT("0 6 * * SUN", "UTC", "2026-05-01T00:00:00Z",
	       "2026-05-03T06:00:00Z");
}

static void test_cron_dom_dow_rule(void **state)
{
	(void)state;
	/* Both restricted: the 13th OR a Friday. */
	EXPECT("0 0 13 * FRI", "UTC", "2026-02-01T00:00:00Z",
	       "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z",
	       "2026-02-20T00:00:00Z", "2026-02-27T00:00:00Z",
	       "2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z");
	/* A field starting with '*' counts as unrestricted: odd days
	 * that are Fridays. */
	EXPECT("0 0 */2 * FRI", "UTC", "2026-02-01T00:00:00Z",
	       "2026-02-13T00:00:00Z", "2026-02-27T00:00:00Z",
	       "2026-03-13T00:00:00Z");
	EXPECT("0 0 * * FRI", "UTC", "2026-02-01T00:00:00Z",
	       "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z");
	EXPECT("0 0 1,15 * *", "UTC", "2026-02-01T00:00:00Z",
	       "2026-02-15T00:00:00Z", "2026-03-01T00:00:00Z");
}

static void test_aliases(void **state)
{
	(void)state;
	EXPECT("@hourly", "UTC", "2026-05-01T10:00:00Z",
	       "2026-05-01T11:00:00Z");
	EXPECT("@daily", "UTC", "2026-05-01T10:00:00Z",
	       "2026-05-02T00:00:00Z");
	EXPECT("@midnight", "UTC", "2026-05-01T10:00:00Z",
	       "2026-05-02T00:00:00Z");
	EXPECT("@weekly", "UTC", "2026-05-01T10:00:00Z",
	       "2026-05-03T00:00:00Z");
	EXPECT("@monthly", "UTC", "2026-05-01T10:00:00Z",
	       "2026-06-01T00:00:00Z");
	EXPECT("@yearly", "UTC", "2026-05-01T10:00:00Z",
	       "2027-01-01T00:00:00Z");
	EXPECT("@annually", "UTC", "2026-05-01T10:00:00Z",
	       "2027-01-01T00:00:00Z");
	/* A zone in front of the expression. */
	EXPECT("CRON_TZ=Asia/Tokyo @daily", NULL, "2026-05-01T10:00:00Z",
	       "2026-05-01T15:00:00Z");
	EXPECT("TZ=Asia/Tokyo 0 9 * * *", NULL, "2026-05-01T10:00:00Z",
	       "2026-05-02T00:00:00Z");
}

static void test_seed_frequencies(void **state)
{
	(void)state;
	EXPECT("{frequency: hourly, minute: 30}", "UTC",
	       "2026-05-01T10:30:00Z", "2026-05-01T11:30:00Z",
	       "2026-05-01T12:30:00Z");
	EXPECT("{frequency: hourly}", "UTC", "2026-05-01T10:30:00Z",
	       "2026-05-01T11:00:00Z");
	EXPECT("{frequency: daily, at: \"03:00\"}", "UTC",
	       "2026-05-01T10:00:00Z", "2026-05-02T03:00:00Z",
	       "2026-05-03T03:00:00Z");
	EXPECT("{frequency: weekly, days: [Monday, Thursday], at: \"15:30\"}",
	       "UTC", "2026-05-01T00:00:00Z", "2026-05-04T15:30:00Z",
	       "2026-05-07T15:30:00Z", "2026-05-11T15:30:00Z");
	/* Names in any case, and a single day as a string. */
	EXPECT("{frequency: weekly, days: friday, at: \"9:05\"}", "UTC",
	       "2026-05-01T00:00:00Z", "2026-05-01T09:05:00Z",
	       "2026-05-08T09:05:00Z");
	EXPECT("{frequency: biweekly, days: [Wednesday], at: \"09:00\"}",
	       "UTC", "2026-01-01T00:00:00Z", "2026-01-07T09:00:00Z",
	       "2026-01-21T09:00:00Z", "2026-02-04T09:00:00Z");
	EXPECT("{frequency: monthly, day_of_month: 1, at: \"00:15\"}", "UTC",
	       "2026-05-01T00:15:00Z", "2026-06-01T00:15:00Z",
	       "2026-07-01T00:15:00Z");
	EXPECT("{frequency: monthly, day_of_month: 15, at: \"05:00\"}",
	       "UTC", "2026-05-01T00:00:00Z", "2026-05-15T05:00:00Z",
	       "2026-06-15T05:00:00Z");
	/* The object's zone; --tz (the tz argument) wins over it. */
	EXPECT("{frequency: daily, at: \"09:00\", timezone: Asia/Tokyo}",
	       NULL, "2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z");
	EXPECT("{frequency: daily, at: \"09:00\", timezone: Asia/Tokyo}",
	       "UTC", "2026-05-01T00:00:00Z", "2026-05-01T09:00:00Z");
	EXPECT("{cron: \"0 9 * * *\", timezone: Asia/Tokyo}", NULL,
	       "2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z");
}

static void test_dst_paris(void **state)
{
	(void)state;
	/* 2026-03-29: 02:00 CET becomes 03:00 CEST.  02:30 does not
	 * exist: it fires once, at 03:00. */
	EXPECT("30 2 * * *", "Europe/Paris", "2026-03-28T00:00:00Z",
	       "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00",
	       "2026-03-30T02:30:00+02:00");
	EXPECT("{frequency: daily, at: \"02:30\"}", "Europe/Paris",
	       "2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z",
	       "2026-03-30T00:30:00Z");
	/* Asked from the very instant of the jump: it has fired. */
	EXPECT("30 2 * * *", "Europe/Paris", "2026-03-29T01:00:00Z",
	       "2026-03-30T00:30:00Z");
	/* Every 15 minutes across the gap: the skipped 02:xx fire once. */
	EXPECT("*/15 * * * *", "Europe/Paris", "2026-03-29T00:30:00Z",
	       "2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00",
	       "2026-03-29T03:15:00+02:00");
	EXPECT("{frequency: hourly, minute: 30}", "Europe/Paris",
	       "2026-03-29T00:00:00Z", "2026-03-29T01:30:00+01:00",
	       "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00");
	/* 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice
	 * and fires once, the first time. */
	EXPECT("30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00Z",
	       "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00");
	/* From inside the repeated hour: 02:30 has fired already. */
	EXPECT("30 2 * * *", "Europe/Paris", "2026-10-25T01:10:00Z",
	       "2026-10-26T01:30:00Z");
	EXPECT("{frequency: hourly, minute: 30}", "Europe/Paris",
	       "2026-10-24T23:45:00Z", "2026-10-25T02:30:00+02:00",
	       "2026-10-25T03:30:00+01:00", "2026-10-25T04:30:00+01:00");
	/* A weekly schedule across both changes keeps its wall time. */
	EXPECT("{frequency: weekly, days: [Sunday], at: \"10:00\"}",
	       "Europe/Paris", "2026-03-22T12:00:00Z",
	       "2026-03-29T08:00:00Z", "2026-04-05T08:00:00Z");
	EXPECT("{frequency: weekly, days: [Sunday], at: \"10:00\"}",
	       "Europe/Paris", "2026-10-18T12:00:00Z",
	       "2026-10-25T09:00:00Z", "2026-11-01T09:00:00Z");
}

static void test_dst_new_york(void **state)
{
	(void)state;
	/* 2026-03-08: 02:00 EST becomes 03:00 EDT. */
	EXPECT("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
	       "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00");
	EXPECT("0,30 * * * *", "America/New_York", "2026-03-08T06:00:00Z",
	       "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00",
	       "2026-03-08T03:30:00-04:00");
	/* 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 fires once. */
	EXPECT("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
	       "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z");
	EXPECT("30 1 * * *", "America/New_York", "2026-11-01T06:00:00Z",
	       "2026-11-02T01:30:00-05:00");
	EXPECT("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z",
	       "2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00",
	       "2026-11-01T03:00:00-05:00");
	/* Southern hemisphere, and the zone file's POSIX rule (2050 is
	 * past its table): Sydney's clocks go back on the first Sunday of
	 * April, 03:00 AEDT -> 02:00 AEST. */
	EXPECT("30 2 * * *", "Australia/Sydney", "2050-04-02T00:00:00Z",
	       "2050-04-03T02:30:00+11:00", "2050-04-04T02:30:00+10:00");
	EXPECT("30 2 * * *", "Europe/Paris", "2090-03-25T12:00:00Z",
	       "2090-03-26T03:00:00+02:00", "2090-03-27T02:30:00+02:00");
}

static void test_month_ends(void **state)
{
	(void)state;
	/* Cron skips months without the day, as cron does. */
	EXPECT("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z",
	       "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z");
	/* day_of_month: 31 fires on the last day of shorter months. */
	EXPECT("{frequency: monthly, day_of_month: 31, at: \"05:00\"}", "UTC",
	       "2027-01-01T00:00:00Z", "2027-01-31T05:00:00Z",
	       "2027-02-28T05:00:00Z", "2027-03-31T05:00:00Z",
	       "2027-04-30T05:00:00Z");
	EXPECT("{frequency: monthly, day_of_month: 31, at: \"05:00\"}", "UTC",
	       "2028-02-01T00:00:00Z", "2028-02-29T05:00:00Z",
	       "2028-03-31T05:00:00Z");
	EXPECT("{frequency: monthly, day_of_month: 30}", "UTC",
	       "2100-02-01T00:00:00Z", "2100-02-28T00:00:00Z",
	       "2100-03-30T00:00:00Z");
	/* Two days that land on the same last day fire once. */
	EXPECT("{frequency: monthly, day_of_month: [30, 31]}", "UTC",
	       "2027-02-01T00:00:00Z", "2027-02-28T00:00:00Z",
	       "2027-03-30T00:00:00Z", "2027-03-31T00:00:00Z");
	/* New Year's Eve to New Year. */
	EXPECT("59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z",
	       "2027-12-31T23:59:00Z");
}

static void test_leap_years(void **state)
{
	(void)state;
	EXPECT("0 0 29 2 *", "UTC", "2025-01-01T00:00:00Z",
	       "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z");
	/* 2100 is not a leap year: from 2096 to 2104. */
	EXPECT("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z",
	       "2104-02-29T00:00:00Z");
	/* 2000 was one (divisible by 400). */
	EXPECT("0 0 29 2 *", "UTC", "1999-01-01T00:00:00Z",
	       "2000-02-29T00:00:00Z");
	EXPECT("{frequency: monthly, day_of_month: 29}", "UTC",
	       "2027-02-01T00:00:00Z", "2027-02-28T00:00:00Z");
	EXPECT("{frequency: monthly, day_of_month: 29}", "UTC",
	       "2028-02-01T00:00:00Z", "2028-02-29T00:00:00Z");
}

static void test_biweekly_anchor(void **state)
{
	(void)state;
	/* Default anchor: 1970-01-05; 2026-01-05 is 2922 weeks later, an
	 * "on" week. */
	EXPECT("{frequency: biweekly, days: [Monday, Friday], at: \"08:00\"}",
	       "UTC", "2026-01-04T00:00:00Z", "2026-01-05T08:00:00Z",
	       "2026-01-09T08:00:00Z", "2026-01-19T08:00:00Z",
	       "2026-01-23T08:00:00Z");
	/* An anchor a week later flips the weeks. */
	EXPECT("{frequency: biweekly, days: [Monday, Friday], at: \"08:00\", "
	       "anchor: \"2026-01-12\"}", "UTC", "2026-01-04T00:00:00Z",
	       "2026-01-12T08:00:00Z", "2026-01-16T08:00:00Z",
	       "2026-01-26T08:00:00Z");
	/* Any day of the anchor's week names the same weeks, and the
	 * anchor may be in the future. */
	EXPECT("{frequency: biweekly, days: [Wednesday], anchor: "
	       "\"2030-06-15\"}", "UTC", "2026-01-01T00:00:00Z",
	       "2026-01-14T00:00:00Z", "2026-01-28T00:00:00Z");
	/* Weeks start on Monday: a Sunday belongs to the week before. */
	EXPECT("{frequency: biweekly, days: [Sunday, Monday], at: \"12:00\"}",
	       "UTC", "2026-01-01T00:00:00Z", "2026-01-05T12:00:00Z",
	       "2026-01-11T12:00:00Z", "2026-01-19T12:00:00Z",
	       "2026-01-25T12:00:00Z");
	/* In the schedule's zone: Monday 00:30 in Tokyo is Sunday UTC. */
	EXPECT("{frequency: biweekly, days: [Monday], at: \"00:30\", "
	       "timezone: Asia/Tokyo}", NULL, "2026-01-01T00:00:00Z",
	       "2026-01-04T15:30:00Z", "2026-01-18T15:30:00Z");
}

static void test_node_errors(void **state)
{
	(void)state;
	EXPECT_NODE_ERROR("schedule: \"0 25 * * *\"\n",
			  "1:14: hour 25 is out of range (0-23)");
	EXPECT_NODE_ERROR("schedule: 0 3 * * MOON\n",
			  "1:19: unknown day of week name 'MOON' (did you "
			  "mean 'MON'?)");
	EXPECT_NODE_ERROR("schedule:\n  frequency: wekly\n",
			  "2:14: unknown frequency 'wekly' (did you mean "
			  "'weekly'?)");
	EXPECT_NODE_ERROR("schedule:\n  frequency: weekly\n  day: [Monday]\n",
			  "2:3: a weekly schedule needs 'days', e.g. days: "
			  "[Monday, Thursday]");
	EXPECT_NODE_ERROR("schedule:\n  frequency: weekly\n"
			  "  days: [Monday, Thursdy]\n",
			  "3:18: unknown day 'Thursdy' in 'days' (did you "
			  "mean 'Thursday'?)");
	EXPECT_NODE_ERROR("schedule:\n  frequency: daily\n  at: \"25:00\"\n",
			  "3:7: 'at' must be a 24-hour time \"HH:MM\" from "
			  "00:00 to 23:59, not '25:00'");
	EXPECT_NODE_ERROR("schedule:\n  frequency: daily\n  minute: 5\n",
			  "3:3: a daily schedule has no 'minute' (it takes "
			  "'at: \"HH:MM\"')");
	EXPECT_NODE_ERROR("schedule:\n  frequency: monthly\n"
			  "  day_of_month: 32\n",
			  "3:17: 'day_of_month' must be a day from 1 to 31, "
			  "not '32' (31 means the last day in shorter "
			  "months)");
	EXPECT_NODE_ERROR("schedule:\n  frequency: daily\n"
			  "  timezone: Europe/Pari\n",
			  "3:13: unknown time zone 'Europe/Pari' (did you "
			  "mean 'Europe/Paris'?)");
	EXPECT_NODE_ERROR("schedule:\n  frequency: daily\n  timezon: UTC\n",
			  "3:3: unknown key 'timezon' in schedule (did you "
			  "mean 'timezone'?)");
	EXPECT_NODE_ERROR("schedule:\n  frequency: biweekly\n"
			  "  days: [Monday]\n  anchor: 2026-02-30\n",
			  "4:11: 'anchor' must be a date \"YYYY-MM-DD\" in an "
			  "\"on\" week, not '2026-02-30'");
	EXPECT_NODE_ERROR("schedule: {}\n",
			  "1:11: a schedule needs 'frequency' (hourly, daily, "
			  "weekly, biweekly or monthly) or 'cron'");
	EXPECT_NODE_ERROR("schedule: [daily]\n",
			  "1:11: a schedule must be a mapping like "
			  "{frequency: daily, at: \"03:00\"} or a cron string "
			  "like \"0 3 * * *\", not a list");
	EXPECT_NODE_ERROR("schedule: '0 0 30 2 *'\n",
			  "1:11: the cron expression '0 0 30 2 *' never "
			  "fires: no month in it has such a day");
	EXPECT_NODE_ERROR("schedule: {cron: '0 3 * * *', frequency: daily}\n",
			  "1:31: a schedule has either 'frequency' or "
			  "'cron', not both");
}

static void test_string_errors(void **state)
{
	(void)state;
	expect_string_error("61 3 * * *", NULL, 1,
			    "minute 61 is out of range (0-59)");
	expect_string_error("0 3 * *", NULL, 8, "a cron expression has 5 "
			    "fields (minute hour day-of-month month "
			    "day-of-week), this one has 4");
	expect_string_error("0 0 3 * * *", NULL, 11, "a cron expression has "
			    "5 fields (minute hour day-of-month month "
			    "day-of-week); baton takes no seconds or year "
			    "field");
	expect_string_error("0 22-2 * * *", NULL, 3, "hour range 22-2 goes "
			    "backwards (split it: 22-23,0-2)");
	expect_string_error("*/0 * * * *", NULL, 3, "minute step must be a "
			    "number from 1 to 60");
	expect_string_error("0 0 * JANN *", NULL, 7, "unknown month name "
			    "'JANN' (did you mean 'JAN'?)");
	expect_string_error("0 0 * * Monday", NULL, 9, "unknown day of week "
			    "name 'Monday' (did you mean 'MON'?)");
	expect_string_error("1,,2 * * * *", NULL, 3, "expected a minute, "
			    "found ','");
	expect_string_error("@dayly", NULL, 1, "unknown schedule alias "
			    "'@dayly' (did you mean '@daily'?)");
	expect_string_error("daily", NULL, 1, "'daily' is not a cron "
			    "expression (did you mean '@daily'?)");
	expect_string_error("@reboot", NULL, 1, "@reboot is not supported: "
			    "baton's schedules fire at times of day");
	expect_string_error("CRON_TZ=Mars/Olympus 0 3 * * *", NULL, 9,
			    "unknown time zone 'Mars/Olympus' (use an IANA "
			    "name such as 'Europe/Paris' or 'UTC')");
	expect_string_error("0 3 * * *", "../../etc/passwd", 0,
			    "unknown time zone '../../etc/passwd' (use an "
			    "IANA name such as 'Europe/Paris' or 'UTC')");
	expect_string_error("{frequency: weekly, days: [Mondy]}", NULL, 28,
			    "unknown day 'Mondy' in 'days' (did you mean "
			    "'Monday'?)");
}

static void expect_words(const char *expr, const char *tz, const char *want)
{
	struct schedule *s = parse(expr, tz);
	char *got = schedule_describe(s);

	assert_string_equal(got, want);
	free(got);
	schedule_free(s);
}

static void test_describe(void **state)
{
	(void)state;
	expect_words("{frequency: weekly, days: [Monday, Thursday], at: "
		     "\"15:30\", timezone: Europe/Paris}", NULL,
		     "every Monday and Thursday at 15:30 (Europe/Paris)");
	expect_words("{frequency: hourly, minute: 30}", "UTC",
		     "every hour at minute 30 (UTC)");
	expect_words("{frequency: daily, at: \"03:00\"}", "UTC",
		     "every day at 03:00 (UTC)");
	expect_words("{frequency: biweekly, days: [Wednesday], at: "
		     "\"09:00\"}", "UTC", "every other Wednesday at 09:00, "
		     "counting from the week of 1970-01-05 (UTC)");
	expect_words("{frequency: monthly, day_of_month: 1, at: \"00:15\"}",
		     "UTC", "on the 1st of every month at 00:15 (UTC)");
	expect_words("{frequency: monthly, day_of_month: 31, at: \"05:00\"}",
		     "UTC", "on the 31st of every month (the last day in "
		     "shorter months) at 05:00 (UTC)");
	expect_words("30 9 * * MON-FRI", "UTC",
		     "every Monday to Friday at 09:30 (UTC)");
	expect_words("0 9,17 * * SAT,SUN", "UTC",
		     "every Saturday and Sunday at 09:00 and 17:00 (UTC)");
	expect_words("*/15 * * * *", "UTC", "every 15 minutes (UTC)");
	expect_words("*/10 9-17 * * 1-5", "America/New_York",
		     "every 10 minutes during hours 9 to 17, every Monday "
		     "to Friday (America/New_York)");
	expect_words("0 0 13 * FRI", "UTC", "on the 13th of every month and "
		     "every Friday at 00:00 (UTC)");
	expect_words("0 12 1 JAN,JUL *", "UTC",
		     "on the 1st of January and July at 12:00 (UTC)");
	expect_words("@hourly", "UTC", "every hour at minute 0 (UTC)");
	expect_words("* * * * *", "UTC", "every minute (UTC)");
}

/* Offsets agree with glibc's (which the test may drive through TZ:
 * it is single-threaded) from 1900 to 2200, covering the TZif tables
 * and the POSIX rules after them. */
static void test_tz_matches_libc(void **state)
{
	static const char *const zones[] = {
		"Europe/Paris", "America/New_York", "Australia/Sydney",
		"Asia/Kolkata", "America/Sao_Paulo", "Pacific/Auckland",
		"Africa/Casablanca", "Asia/Kathmandu", "Europe/Dublin",
		"America/St_Johns", "Pacific/Chatham", "UTC",
	};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		const struct tz *tz = NULL;

		assert_int_equal(tz_get(zones[z], &tz, NULL), 0);
		setenv("TZ", zones[z], 1);
		tzset();
		for (int64_t t = -2208988800LL; t < 7258118400LL;
		     t += 86400 * 7 + 3607) {
			time_t tt = (time_t)t;
			struct tm tm;

			localtime_r(&tt, &tm);
			if (tm.tm_gmtoff != tz_offset(tz, t))
				fail_msg("%s at %lld: libc %ld, tz %d",
					 zones[z], (long long)t,
					 (long)tm.tm_gmtoff, tz_offset(tz, t));
		}
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* tz_first_at() is the first instant whose local time is at or after
 * the one asked: checked by a walk, minute by minute, over both of
 * 2026's changes in Paris and New York. */
static void test_tz_first_at(void **state)
{
	static const char *const zones[] = {"Europe/Paris",
					    "America/New_York"};
	static const int64_t days[][2] = {
		{1774742400, 1792886400}, {1772928000, 1793491200},
	};

	(void)state;
	for (int z = 0; z < 2; z++) {
		const struct tz *tz = NULL;

		assert_int_equal(tz_get(zones[z], &tz, NULL), 0);
		for (int k = 0; k < 2; k++)
			for (int64_t l = days[z][k] - 86400;
			     l < days[z][k] + 86400; l += 600) {
				int64_t want = l - 30 * 3600;

				/* The first t with t + offset(t) >= l. */
				while (want + tz_offset(tz, want) < l)
					want += 60;
				assert_int_equal(tz_first_at(tz, l), want);
			}
	}
}

static void test_default_zone(void **state)
{
	struct schedule *s = parse("0 9 * * *", NULL);

	(void)state;
	/* main() set TZ=America/New_York before anything asked. */
	assert_string_equal(schedule_zone(s), "America/New_York");
	assert_int_equal(schedule_next(s, T("2026-07-01T00:00:00Z")),
			 T("2026-07-01T13:00:00Z"));
	assert_string_equal(schedule_abbr(s, T("2026-07-01T00:00:00Z")),
			    "EDT");
	schedule_free(s);
}

static void test_time_parse(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(T("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(T("1970-01-01T01:00:00+01:00"), 0);
	assert_int_equal(T("1969-12-31T19:00:00-05:00"), 0);
	assert_int_equal(T("1970-01-01T00:00:01.5Z"), 1500);
	assert_int_equal(T("1970-01-02"), 86400000);
	assert_int_equal(T("1970-01-01 00:01:00Z"), 60000);
	assert_int_equal(sched_time_parse("2026-02-30T00:00:00Z", &ms), -1);
	assert_int_equal(sched_time_parse("2026-01-01T25:00:00Z", &ms), -1);
	assert_int_equal(sched_time_parse("tomorrow", &ms), -1);
	assert_int_equal(sched_time_parse("2026-01-01T00:00:00Zjunk", &ms),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_zone),
		cmocka_unit_test(test_cron_fields),
		cmocka_unit_test(test_cron_names),
		cmocka_unit_test(test_cron_dom_dow_rule),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_seed_frequencies),
		cmocka_unit_test(test_dst_paris),
		cmocka_unit_test(test_dst_new_york),
		cmocka_unit_test(test_month_ends),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_biweekly_anchor),
		cmocka_unit_test(test_node_errors),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_tz_matches_libc),
		cmocka_unit_test(test_tz_first_at),
		cmocka_unit_test(test_time_parse),
	};

	/* The server's zone for schedules without one (read once). */
	setenv("TZ", "America/New_York", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
