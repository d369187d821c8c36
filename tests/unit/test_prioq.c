/* Unit tests for priorities and the priority queue: order by level,
 * FIFO within a level, and the aging bound, on made-up times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sched/prioq.h"

static void test_names(void **state)
{
	enum priority p = PRIO_LOW;

	(void)state;
	assert_int_equal(priority_parse("low", &p), 0);
	assert_int_equal(p, PRIO_LOW);
	assert_int_equal(priority_parse("Medium", &p), 0);
	assert_int_equal(p, PRIO_MEDIUM);
	assert_int_equal(priority_parse("HIGH", &p), 0);
	assert_int_equal(p, PRIO_HIGH);
	assert_int_equal(priority_parse("critical", &p), 0);
	assert_int_equal(p, PRIO_CRITICAL);
	assert_int_equal(priority_parse("urgent", &p), -1);
	assert_int_equal(p, PRIO_CRITICAL);	/* untouched */
	assert_string_equal(priority_name(PRIO_LOW), "low");
	assert_string_equal(priority_name(PRIO_MEDIUM), "medium");
	assert_string_equal(priority_name(PRIO_HIGH), "high");
	assert_string_equal(priority_name(PRIO_CRITICAL), "critical");
	assert_string_equal(priority_suggest("hihg"), "high");
	assert_string_equal(priority_suggest("critcal"), "critical");
	assert_null(priority_suggest("zzzzzzzz"));
}

/* Pops everything at now_ms into a string of the items' names. */
static void drain(struct prioq *q, int64_t now_ms, char *out, size_t size)
{
	const char *item;

	out[0] = '\0';
	while ((item = prioq_pop(q, now_ms)))
		snprintf(out + strlen(out), size - strlen(out), "%s%s",
			 out[0] ? " " : "", item);
}

static void test_order(void **state)
{
	struct prioq *q = prioq_new(0);
	char got[256];

	(void)state;
	assert_null(prioq_pop(q, 0));
	prioq_push(q, "low1", PRIO_LOW, 0);
	prioq_push(q, "med1", PRIO_MEDIUM, 1);
	prioq_push(q, "crit1", PRIO_CRITICAL, 2);
	prioq_push(q, "high1", PRIO_HIGH, 3);
	prioq_push(q, "med2", PRIO_MEDIUM, 4);
	prioq_push(q, "low2", PRIO_LOW, 5);
	prioq_push(q, "crit2", PRIO_CRITICAL, 6);
	prioq_push(q, "high2", PRIO_HIGH, 6);
	assert_int_equal(prioq_len(q), 8);
	assert_string_equal(prioq_peek(q, 10), "crit1");
	drain(q, 1000000000, got, sizeof(got));
	/* No aging: strict priority, FIFO within each level. */
	assert_string_equal(got, "crit1 crit2 high1 high2 med1 med2 low1 "
			    "low2");
	assert_int_equal(prioq_len(q), 0);
	prioq_free(q);
}

/* Items of one level that arrive at the same instant keep their
 * order; the ring grows past its first size without reordering. */
static void test_fifo_many(void **state)
{
	struct prioq *q = prioq_new(1000);
	static int items[100], other;

	(void)state;
	for (int i = 0; i < 100; i++) {
		prioq_push(q, &items[i], PRIO_MEDIUM, 0);
		if (i % 3 == 0)
			prioq_push(q, &other, PRIO_LOW, 0);
	}
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(prioq_pop(q, 0), &items[i]);
	prioq_free(q);
}

static void test_aging(void **state)
{
	/* One level per 60 s. */
	struct prioq *q = prioq_new(60000);
	char got[256];

	(void)state;
	assert_int_equal(prioq_effective(q, PRIO_LOW, 0, 59999), PRIO_LOW);
	assert_int_equal(prioq_effective(q, PRIO_LOW, 0, 60000),
			 PRIO_MEDIUM);
	assert_int_equal(prioq_effective(q, PRIO_LOW, 0, 120000), PRIO_HIGH);
	assert_int_equal(prioq_effective(q, PRIO_LOW, 0, 180000),
			 PRIO_CRITICAL);
	assert_int_equal(prioq_effective(q, PRIO_LOW, 0, 1 << 30),
			 PRIO_CRITICAL);
	assert_int_equal(prioq_effective(q, PRIO_HIGH, 0, 60000),
			 PRIO_CRITICAL);
	/* A low item queued at 0 and a high one at 100 s: at 110 s the
	 * low one is medium, the high one goes first. */
	prioq_push(q, "low", PRIO_LOW, 0);
	prioq_push(q, "high", PRIO_HIGH, 100000);
	assert_string_equal(prioq_peek(q, 110000), "high");
	/* At 130 s the low one is high too and has waited longer. */
	assert_string_equal(prioq_peek(q, 130000), "low");
	drain(q, 130000, got, sizeof(got));
	assert_string_equal(got, "low high");
	prioq_free(q);
}

/* The bound: a low item waits at most 3 * age_ms while critical items
 * keep coming; from then on only items queued before it go first. */
static void test_aging_bound(void **state)
{
	const int64_t age = 10000;
	struct prioq *q = prioq_new(age);
	int64_t now = 0, started = -1;
	static int crit[1000];
	int low = 0, n = 0;

	(void)state;
	prioq_push(q, &low, PRIO_LOW, 0);
	/* One slot frees every second, and two critical items come every
	 * second: without aging the low item would starve. */
	for (now = 0; now < 100000 && started < 0; now += 1000) {
		void *item;

		prioq_push(q, &crit[n++ % 1000], PRIO_CRITICAL, now);
		prioq_push(q, &crit[n++ % 1000], PRIO_CRITICAL, now);
		item = prioq_pop(q, now);
		if (item == &low)
			started = now;
	}
	assert_true(started >= 0);
	assert_true(started <= 3 * age);
	prioq_free(q);

	/* Without aging it never starts. */
	q = prioq_new(0);
	prioq_push(q, &low, PRIO_LOW, 0);
	for (now = 0; now < 100000; now += 1000) {
		prioq_push(q, &crit[0], PRIO_CRITICAL, now);
		assert_ptr_not_equal(prioq_pop(q, now), &low);
	}
	prioq_free(q);
}

static void test_remove(void **state)
{
	static char a[] = "a", b[] = "b", c[] = "c", d[] = "d", z[] = "z";
	struct prioq *q = prioq_new(0);
	char got[64];

	(void)state;
	prioq_push(q, a, PRIO_HIGH, 0);
	prioq_push(q, b, PRIO_HIGH, 1);
	prioq_push(q, c, PRIO_HIGH, 2);
	prioq_push(q, d, PRIO_LOW, 3);
	assert_int_equal(prioq_remove(q, b), 0);
	assert_int_equal(prioq_remove(q, z), -1);
	assert_int_equal(prioq_len(q), 3);
	drain(q, 10, got, sizeof(got));
	assert_string_equal(got, "a c d");
	prioq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_fifo_many),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_aging_bound),
		cmocka_unit_test(test_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
