/* sched_int.h - what the files of the sched module share; not an
 * interface (that is sched.h). */
#ifndef BATON_SCHED_INT_H
#define BATON_SCHED_INT_H

#include <stdbool.h>
#include <stdint.h>

struct tz;

enum sched_kind {
	SK_CRON, SK_HOURLY, SK_DAILY, SK_WEEKLY, SK_BIWEEKLY, SK_MONTHLY,
};

/* Every form becomes cron-like sets of allowed values. */
struct schedule {
	enum sched_kind kind;
	uint64_t minutes;	/* bit m: minute m, 0-59 */
	uint32_t hours;		/* bit h: hour h, 0-23 */
	uint32_t doms;		/* bit d: day of month d, 1-31 */
	uint16_t months;	/* bit m: month m, 1-12 */
	uint8_t dows;		/* bit d: weekday d, 0 = Sunday */
	bool dom_star;		/* the day-of-month field starts with '*' */
	bool dow_star;		/* the day-of-week field starts with '*' */
	bool clamp;		/* days past a month's end: its last day */
	bool biweekly;		/* only weeks of the anchor's parity */
	int64_t anchor;		/* day number of the anchor date */
	char *expr;		/* the cron string (without CRON_TZ=) */
	char *alias;		/* "@daily" ... as written, or NULL */
	const struct tz *tz;	/* borrowed from tz.h's cache */
};

/* Where and what a mistake is, for the parsers. */
struct sched_err {
	int line;		/* 0: on the line of the whole schedule */
	int col;		/* 0-based offset in the text, -1: none */
	char msg[1024];
};

/* Parses the cron string expr (no CRON_TZ= prefix) into s's sets.
 * Returns 0 or -1 with e set (e->col: offset in expr). */
int cron_parse(const char *expr, struct schedule *s, struct sched_err *e);
/* Parses "HH:MM" into *hour and *minute.  Returns 0 or -1 with e->msg
 * set. */
int sched_parse_at(const char *s, int *hour, int *minute,
		   struct sched_err *e);
/* The first matching local minute (minutes since the epoch, wall clock
 * read as UTC) at or after from, or SCHEDULE_NEVER if none comes within
 * 100 years. */
int64_t sched_next_local(const struct schedule *s, int64_t from);

#endif
