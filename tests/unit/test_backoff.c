/* Unit tests for retry delays and duration parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipeline/backoff.h"
#include "pipeline/pipeline.h"
#include "util/timeutil.h"

static void test_exponential_and_cap(void **state)
{
	struct retry r = {.max_attempts = 5, .backoff_ms = 60000,
			  .multiplier = 2, .max_backoff_ms = 200000};
	uint64_t rng = 1;

	(void)state;
	/* Seed 001: 60s, 120s, 240s (capped here at 200s). */
	assert_int_equal(backoff_delay(&r, 2, &rng), 60000);
	assert_int_equal(backoff_delay(&r, 3, &rng), 120000);
	assert_int_equal(backoff_delay(&r, 4, &rng), 200000);
	assert_int_equal(backoff_delay(&r, 50, &rng), 200000);
}

static void test_jitter_bounds(void **state)
{
	struct retry r = {.backoff_ms = 1000, .multiplier = 2, .jitter = 0.25};
	uint64_t rng = 12345;
	int64_t lo = INT64_MAX, hi = 0;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		int64_t d = backoff_delay(&r, 2, &rng);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo >= 750 && lo < 800);
	assert_true(hi <= 1250 && hi > 1200);
}

static void test_durations(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(duration_parse("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(duration_parse("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(duration_parse("5m", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(duration_parse("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(duration_parse("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(duration_parse("90", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(duration_parse("1.5", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(duration_parse("5 minutes", &ms), -1);
	assert_int_equal(duration_parse("-1s", &ms), -1);
	assert_int_equal(duration_parse("s", &ms), -1);
	assert_int_equal(duration_parse("10x", &ms), -1);
	assert_int_equal(duration_parse("", &ms), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exponential_and_cap),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
