/* sched_bench.c - the next fire time of 10,000 schedules.
 *
 * Loads 10,000 schedules of every form (cron strings, hourly, daily,
 * weekly, biweekly and monthly objects) spread over a dozen zones, then
 * times one schedule_next() for each of them, from a fixed instant and
 * from the current time.  Issue 5's target: at most 50 ms for all.
 *
 *   build/sched_bench [N]    (N schedules, default 10000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "sched/sched.h"
#include "util/alloc.h"
#include "util/error.h"

static const char *const zones[] = {
	"UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo",
	"Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata",
	"Europe/London", "America/Los_Angeles", "Pacific/Auckland",
	"Africa/Cairo", "Asia/Kathmandu",
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

static const char *const crons[] = {
	"*/5 * * * *", "0 3 * * *", "30 9 * * MON-FRI", "0 0 1 * *",
	"15 14 1,15 * *", "0 22 * * 1-5", "0 */2 * * *", "0 0 29 2 *",
	"5 4 * * SUN", "0 9 1-7 * MON", "@hourly", "@weekly",
};
static const char *const days[] = {
	"[Monday]", "[Monday, Thursday]", "[Wednesday]", "[Friday, Sunday]",
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Schedule i's text: a cron string or seed 002's object (YAML flow). */
static char *text_of(size_t i)
{
	const char *zone = zones[i % NZONES];
	int h = (int)(i % 24), m = (int)(i * 7 % 60);

	switch (i % 6) {
	case 0:
		return xasprintf("{cron: \"%s\", timezone: %s}",
				 crons[i / 6 % 12], zone);
	case 1:
		return xasprintf("{frequency: hourly, minute: %d, "
				 "timezone: %s}", m, zone);
	case 2:
		return xasprintf("{frequency: daily, at: \"%02d:%02d\", "
				 "timezone: %s}", h, m, zone);
	case 3:
		return xasprintf("{frequency: weekly, days: %s, at: "
				 "\"%02d:%02d\", timezone: %s}",
				 days[i / 6 % 4], h, m, zone);
	case 4:
		return xasprintf("{frequency: biweekly, days: %s, at: "
				 "\"%02d:%02d\", timezone: %s}",
				 days[i / 6 % 4], h, m, zone);
	default:
		return xasprintf("{frequency: monthly, day_of_month: %d, at: "
				 "\"%02d:%02d\", timezone: %s}",
				 (int)(i / 6 % 31) + 1, h, m, zone);
	}
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct schedule **v = xcalloc(n, sizeof(*v));
	int64_t from[2] = {1774740600000LL, 0}, sum = 0;
	double t0, load_ms, best[2] = {1e9, 1e9};
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	from[1] = (int64_t)ts.tv_sec * 1000;
	t0 = now_ms();
	for (size_t i = 0; i < n; i++) {
		char *text = text_of(i);
		struct error err;

		if (schedule_parse_string(text, NULL, &v[i], &err) < 0) {
			fprintf(stderr, "sched_bench: %s: %s\n", text, err.msg);
			return 1;
		}
		free(text);
	}
	load_ms = now_ms() - t0;
	/* Best of 5 rounds: the figure is the computation, not a hiccup. */
	for (int f = 0; f < 2; f++)
		for (int round = 0; round < 5; round++) {
			double t;

			t0 = now_ms();
			for (size_t i = 0; i < n; i++)
				sum += schedule_next(v[i], from[f]) & 1;
			t = now_ms() - t0;
			if (t < best[f])
				best[f] = t;
		}
	printf("sched_bench: %zu schedules (cron, hourly, daily, weekly, "
	       "biweekly, monthly; %zu zones), parsed in %.1f ms\n", n,
	       NZONES, load_ms);
	printf("next fire time of all %zu from 2026-03-28T23:30Z (DST eve): "
	       "%.2f ms\n", n, best[0]);
	printf("next fire time of all %zu from now: %.2f ms (target <= 50 "
	       "ms: %s)\n", n, best[1],
	       best[0] <= 50 && best[1] <= 50 ? "met" : "MISSED");
	for (size_t i = 0; i < n; i++)
		schedule_free(v[i]);
	free(v);
	return sum < 0;
}
