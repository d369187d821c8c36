/* test_store_sched.c - the scheduler's schedules table (schema version
 * 3) against a real SQLite file: round trips, NULLs, the lag update,
 * and the in-place upgrade of a version 2 file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include "store_fixture.h"

#define T0 1700000000000LL

static void test_roundtrip(void **state)
{
	struct fix *f = *state;
	struct schedule_rec in = {
		.kind = "pipeline", .id = "nightly",
		.expr = "every day at 03:00 (UTC)",
		.last_fire_at = T0, .next_fire_at = T0 + 86400000,
		.last_lag_ms = 12, .last_batch = "bat_schedule_1",
		.last_run = "run_1", .fires = 4, .skipped = 2,
		.updated_at = T0 + 5,
	};
	struct schedule_rec out;

	assert_int_equal(store_schedule_get(f->s, "pipeline", "nightly", &out),
			 -ENOENT);
	assert_int_equal(store_schedule_put(f->s, &in), 0);
	assert_int_equal(store_schedule_get(f->s, "pipeline", "nightly", &out),
			 0);
	assert_string_equal(out.kind, "pipeline");
	assert_string_equal(out.id, "nightly");
	assert_string_equal(out.expr, in.expr);
	assert_int_equal(out.last_fire_at, T0);
	assert_int_equal(out.next_fire_at, T0 + 86400000);
	assert_int_equal(out.last_lag_ms, 12);
	assert_string_equal(out.last_batch, "bat_schedule_1");
	assert_string_equal(out.last_run, "run_1");
	assert_int_equal(out.fires, 4);
	assert_int_equal(out.skipped, 2);
	assert_int_equal(out.updated_at, T0 + 5);
	schedule_rec_release(&out);

	/* Same key, new values: replaced in place; unset is NULL. */
	in.last_lag_ms = -1;
	in.last_batch = NULL;
	in.last_run = NULL;
	in.last_fire_at = 0;
	assert_int_equal(store_schedule_put(f->s, &in), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM schedules"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM schedules "
					  "WHERE last_fire_at IS NULL AND "
					  "last_lag_ms IS NULL AND "
					  "last_batch IS NULL"),
			 1);
	assert_int_equal(store_schedule_get(f->s, "pipeline", "nightly", &out),
			 0);
	assert_int_equal(out.last_lag_ms, -1);
	assert_null(out.last_batch);
	assert_int_equal(out.last_fire_at, 0);
	schedule_rec_release(&out);

	/* The lag alone. */
	assert_int_equal(store_schedule_lag(f->s, "pipeline", "nightly", 345),
			 0);
	assert_int_equal(store_schedule_get(f->s, "pipeline", "nightly", &out),
			 0);
	assert_int_equal(out.last_lag_ms, 345);
	assert_int_equal(out.fires, 4);
	schedule_rec_release(&out);
}

static void test_kinds_list_delete(void **state)
{
	struct fix *f = *state;
	struct schedule_rec a = {.kind = "pipeline", .id = "x",
				 .last_lag_ms = -1};
	struct schedule_rec b = {.kind = "job", .id = "x", .last_lag_ms = -1};
	struct schedule_rec c = {.kind = "job", .id = "a@daily-09:00",
				 .last_lag_ms = -1};
	struct schedule_rec *v = NULL;
	size_t n = 0;

	assert_int_equal(store_schedule_put(f->s, &a), 0);
	assert_int_equal(store_schedule_put(f->s, &b), 0);
	assert_int_equal(store_schedule_put(f->s, &c), 0);
	assert_int_equal(store_schedules_list(f->s, &v, &n), 0);
	assert_int_equal(n, 3);
	/* By kind, then id: a pipeline and a job may share an id. */
	assert_string_equal(v[0].kind, "job");
	assert_string_equal(v[0].id, "a@daily-09:00");
	assert_string_equal(v[1].kind, "job");
	assert_string_equal(v[1].id, "x");
	assert_string_equal(v[2].kind, "pipeline");
	schedule_recs_free(v, n);
	assert_int_equal(store_schedule_delete(f->s, "job", "x"), 0);
	assert_int_equal(store_schedule_delete(f->s, "job", "nope"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM schedules"), 2);
	/* The lag of a schedule not stored changes nothing. */
	assert_int_equal(store_schedule_lag(f->s, "job", "x", 5), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM schedules"), 2);
}

/* A version 2 file (what baton wrote before the scheduler) gains the
 * schedules table in place, keeping its runs and batches. */
static void test_upgrade_from_v2(void **state)
{
	struct fix *f = *state;
	struct error err = {0};
	struct schedule_rec r = {.kind = "pipeline", .id = "n",
				 .last_lag_ms = -1, .next_fire_at = T0};
	struct run_rec run = {0};
	struct batch_rec b = {0};

	store_free(f->s);
	f->s = NULL;
	raw_exec(f->path, "DROP TABLE schedules; PRAGMA user_version = 2;"
			  "INSERT INTO runs (id, pipeline, status, created_at) "
			  "VALUES ('run_v2', 'etl', 'succeeded', 1);"
			  "INSERT INTO batches (id, source, status, created_at)"
			  " VALUES ('bat_v2', 'cli', 'succeeded', 1);");
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 2);
	assert_int_equal(store_open(f->path, &f->s, &err), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
	assert_int_equal(store_run_get(f->s, "run_v2", &run, NULL), 0);
	assert_string_equal(run.pipeline, "etl");
	run_rec_release(&run);
	assert_int_equal(store_batch_get(f->s, "bat_v2", &b, NULL), 0);
	batch_rec_release(&b);
	assert_int_equal(store_schedule_put(f->s, &r), 0);
	assert_int_equal(raw_int(f->path, "SELECT next_fire_at FROM schedules"),
			 T0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int setup(void **state)
{
	return fix_make(state, "baton.db", true);
}

static int teardown(void **state)
{
	return fix_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_roundtrip),
		T(test_kinds_list_delete),
		T(test_upgrade_from_v2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
