/* tz.h - IANA time zones, read from TZif files without touching TZ.
 *
 * localtime_r() and mktime() follow the process-wide TZ variable, so
 * code that needs many zones at once (one per schedule) would have to
 * setenv("TZ") and tzset() around every call: a race between threads,
 * and slow.  This module reads the zone files itself instead:
 * $TZDIR/NAME, else /usr/share/zoneinfo/NAME.  It takes the TZif v2+
 * transition table with 64-bit times (a v1 file: its 32-bit table) and,
 * for instants after the table's last transition, the POSIX TZ rule in
 * the file's footer (e.g. "CET-1CEST,M3.5.0,M10.5.0/3").  Leap-second
 * records ("right/" zones) are ignored.
 *
 * A loaded zone is immutable and cached by name for the life of the
 * process, so the same pointer comes back on every call for the same
 * name and any thread may use it.  tz_get() and tz_default() take a
 * mutex around the cache; the other functions only read.
 *
 * Times here are seconds since the Unix epoch (UTC).  "Local" times are
 * wall-clock seconds counted the same way as if the wall clock were UTC
 * (local = utc + offset).
 */
#ifndef BATON_TZ_H
#define BATON_TZ_H

#include <stdbool.h>
#include <stdint.h>

struct error;
struct tz;

/* One stretch of time with a constant UTC offset: [start, end).
 * start is INT64_MIN and end INT64_MAX when unbounded. */
struct tz_period {
	int64_t start;
	int64_t end;
	int32_t off;		/* seconds east of UTC */
	bool dst;
	const char *abbr;	/* "CEST"; borrowed from the zone */
};

/* The zone called name, an IANA name such as "Europe/Paris" or "UTC".
 * Returns 0 and sets *out (borrowed from the cache: never freed), or a
 * negative code with err set: "unknown time zone 'Europe/Pari' (did you
 * mean 'Europe/Paris'?)".  Names with ".." or a leading '/' are
 * refused.  Thread-safe. */
int tz_get(const char *name, const struct tz **out, struct error *err);
/* The server's zone: TZ when set (an IANA name, ":NAME", a file path or
 * a POSIX rule such as "EST5EDT,M3.2.0,M11.1.0"; empty means UTC), else
 * /etc/localtime, else UTC.  Read once, then cached.  Never NULL;
 * borrowed.  Thread-safe (it reads TZ with getenv()). */
const struct tz *tz_default(void);
/* UTC, built in (needs no zone file).  Borrowed. */
const struct tz *tz_utc(void);
/* The zone's name: as given to tz_get(), or for tz_default() the IANA
 * name /etc/localtime links to, or TZ's value.  Borrowed. */
const char *tz_name(const struct tz *z);

/* The period holding instant t. */
void tz_period(const struct tz *z, int64_t t, struct tz_period *p);
/* Seconds east of UTC at instant t. */
int32_t tz_offset(const struct tz *z, int64_t t);
/* The first instant whose local time is local or later.  That is the
 * instant of local when it occurs once; its first occurrence when a
 * clock set back makes it occur twice; and when a clock set forward
 * skips it, the instant of the jump (the first valid local time after
 * it). */
int64_t tz_first_at(const struct tz *z, int64_t local);

#endif
