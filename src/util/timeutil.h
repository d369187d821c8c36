/* timeutil.h - clocks, durations and timestamps.
 *
 * Times are int64 milliseconds: monotonic for deadlines, Unix epoch for
 * anything stored or shown.
 */
#ifndef BATON_TIMEUTIL_H
#define BATON_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t time_mono_ms(void);
int64_t time_wall_ms(void);
/* Parses "500ms", "30s", "5m", "2h", "1d", "1h30m" or a bare number of
 * seconds ("90", "1.5"); returns 0 or -1. */
int duration_parse(const char *s, int64_t *ms);
/* Formats a duration for people: "850ms", "12.3s", "4m05s", "2h03m". */
void duration_format(char *out, size_t size, int64_t ms);
/* Formats epoch ms as RFC 3339 UTC with milliseconds. */
void time_format_utc(char *out, size_t size, int64_t wall_ms);
/* Makes an id PREFIX_YYYYmmddHHMMSS_XXXXXXXX (UTC time, 32 random
 * bits in hex): run and batch ids. */
void id_make(char *out, size_t size, const char *prefix);
/* Formats epoch ms as local "YYYY-mm-dd HH:MM:SS". */
void time_format_local(char *out, size_t size, int64_t wall_ms);

#endif
