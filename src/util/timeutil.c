#include "timeutil.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "str.h"

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int unit_ms(const char *u, size_t n, double *mult)
{
	static const struct {
		const char *name;
		double ms;
	} units[] = {
		{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000},
		{"d", 86400000},
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !strncmp(u, units[i].name, n)) {
			*mult = units[i].ms;
			return 0;
		}
	return -1;
}

int duration_parse(const char *s, int64_t *ms)
{
	double total = 0, plain;
	const char *p = s;

	if (!s || !*s)
		return -1;
	if (str_to_double(s, &plain) == 0) {
		/* Also keeps llround() from overflowing. */
		if (plain < 0 || plain > 9e12)
			return -1;
		*ms = (int64_t)llround(plain * 1000);
		return 0;
	}
	while (*p) {
		char *end;
		double v, mult;
		const char *u;

		if (!isdigit((unsigned char)*p))
			return -1;
		v = strtod(p, &end);
		u = end;
		while (isalpha((unsigned char)*end))
			end++;
		if (end == u || unit_ms(u, (size_t)(end - u), &mult) < 0)
			return -1;
		total += v * mult;
		p = end;
	}
	if (total > 9e15)
		return -1;
	*ms = (int64_t)llround(total);
	return 0;
}

void duration_format(char *out, size_t size, int64_t ms)
{
	if (ms < 1000)
		snprintf(out, size, "%" PRId64 "ms", ms);
	else if (ms < 60000)
		snprintf(out, size, "%.1fs", ms / 1000.0);
	else if (ms < 3600000)
		snprintf(out, size, "%" PRId64 "m%02" PRId64 "s", ms / 60000,
			 ms / 1000 % 60);
	else
		snprintf(out, size, "%" PRId64 "h%02" PRId64 "m", ms / 3600000,
			 ms / 60000 % 60);
}

void time_format_utc(char *out, size_t size, int64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03dZ", tmp, (int)(wall_ms % 1000));
}

void time_format_local(char *out, size_t size, int64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

void id_make(char *out, size_t size, const char *prefix)
{
	uint32_t rnd = 0;
	time_t t = time(NULL);
	struct tm tm;
	char ts[32];

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)getpid() ^ (uint32_t)time_mono_ms();
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
	snprintf(out, size, "%s_%s_%08x", prefix, ts, rnd);
}
