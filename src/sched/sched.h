/* sched.h - schedules: when a pipeline or a batch job fires.
 *
 * A schedule is written in one of two forms (docs/schedules.md):
 *
 *   - seed 002's object: {frequency: hourly|daily|weekly|biweekly|
 *     monthly, minute, at: "HH:MM", days: [Monday, ...], day_of_month,
 *     anchor: "YYYY-MM-DD", timezone: Europe/Paris};
 *   - a 5-field cron string "minute hour day-of-month month day-of-week"
 *     (*, lists, ranges, steps, JAN-DEC and SUN-SAT, cron's rule that a
 *     day matches either day field when both are restricted), or
 *     @hourly, @daily (@midnight), @weekly, @monthly, @yearly
 *     (@annually).  A zone goes in front ("CRON_TZ=Europe/Paris 0 3 * *
 *     *") or in an object {cron: "0 3 * * *", timezone: Europe/Paris}.
 *
 * Times are in the schedule's zone, by default the server's (TZ, else
 * /etc/localtime).  Zones come from tz.h, which reads the zone files
 * itself: no setenv("TZ"), so schedules of many zones work side by
 * side in any thread.
 *
 * Daylight saving time: a local time that a clock set forward skips
 * fires once, at the first valid instant after it (02:30 on the day
 * Paris goes from 02:00 to 03:00 fires at 03:00); a local time that a
 * clock set back makes occur twice fires once, at its first occurrence.
 * A biweekly schedule fires in every other ISO week (Monday to Sunday):
 * the week holding its anchor date and every second week from it; the
 * default anchor is 1970-01-05, a Monday, so that the "on" weeks are
 * those an even number of weeks after it.  `day_of_month` 29, 30 or 31
 * fires on the last day of shorter months (31 fires on Feb 28, or 29 in
 * a leap year); in cron strings such days are skipped, as cron does.
 *
 * A struct schedule is immutable once parsed: any thread may read it.
 */
#ifndef BATON_SCHED_H
#define BATON_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct diags;
struct error;
struct schedule;
struct ynode;

/* What schedule_next() returns when the schedule never fires again. */
#define SCHEDULE_NEVER INT64_MAX

/* Parses a schedule written at node n of file (a mapping, or a scalar
 * holding a cron string).  On success returns 0 and sets *out (caller
 * frees with schedule_free()).  Otherwise returns -1 after adding every
 * mistake to d at its file:line:col, with a did-you-mean for misspelled
 * keys, frequencies, day and month names and zones.  Borrows n. */
int schedule_parse_node(const struct ynode *n, const char *file,
			struct diags *d, struct schedule **out);
/* Parses expr: a cron string, an @alias, or seed 002's object written
 * in YAML flow style ("{frequency: daily, at: '03:00'}").  tz names the
 * zone, unless NULL (then the expression's own, else the server's).
 * Returns 0 and sets *out (caller frees with schedule_free()), or a
 * negative code with err set; err->col is the 1-based column in expr
 * (err->line is 1) when the mistake has a place. */
int schedule_parse_string(const char *expr, const char *tz,
			  struct schedule **out, struct error *err);
/* Frees s; accepts NULL. */
void schedule_free(struct schedule *s);

/* The first fire time strictly after after_utc_ms (Unix epoch ms), or
 * SCHEDULE_NEVER.  Jumps field by field (month, day, hour, minute):
 * a few microseconds at most, whatever the gap.  Thread-safe. */
int64_t schedule_next(const struct schedule *s, int64_t after_utc_ms);
/* s in words: "every Monday and Thursday at 15:30 (Europe/Paris)".
 * Caller frees with free(). */
char *schedule_describe(const struct schedule *s);
/* The name of s's zone ("Europe/Paris").  Borrowed from s. */
const char *schedule_zone(const struct schedule *s);
/* Formats utc_ms as RFC 3339 in s's zone, with its offset and no
 * fraction ("2026-03-29T03:00:00+02:00"); with s NULL, in UTC
 * ("2026-03-29T01:00:00Z"). */
void schedule_format_time(const struct schedule *s, int64_t utc_ms,
			  char *out, size_t size);
/* The zone abbreviation in force in s's zone at utc_ms ("CEST").
 * Borrowed. */
const char *schedule_abbr(const struct schedule *s, int64_t utc_ms);

/* Parses an RFC 3339 time ("2026-03-29T01:00:00Z", "...T03:00+02:00",
 * fractions allowed; a space may stand for the T) or a bare date
 * ("2026-03-29", midnight UTC) into epoch ms.  Returns 0 or -1. */
int sched_time_parse(const char *s, int64_t *ms);

#endif
