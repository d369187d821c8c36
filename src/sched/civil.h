/* civil.h - proleptic Gregorian calendar arithmetic on day numbers.
 *
 * A day number counts days since 1970-01-01 (day 0, a Thursday); it may
 * be negative.  These are pure functions (Howard Hinnant's algorithms),
 * exact for any year an int64 day number can hold, and thread-safe.
 */
#ifndef BATON_CIVIL_H
#define BATON_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

/* Floor division and the matching non-negative remainder (b > 0). */
int64_t civil_div(int64_t a, int64_t b);
int64_t civil_mod(int64_t a, int64_t b);
bool civil_is_leap(int64_t y);
/* Days in month m (1-12) of year y. */
int civil_month_days(int64_t y, int m);
/* The day number of y-m-d (m 1-12, d 1-31). */
int64_t civil_days(int64_t y, int m, int d);
/* The date of day number days. */
void civil_date(int64_t days, int64_t *y, int *m, int *d);
/* Day of the week of day number days: 0 = Sunday ... 6 = Saturday. */
int civil_weekday(int64_t days);

#endif
