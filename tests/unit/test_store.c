/* test_store.c - the store against a real SQLite file in a temp dir. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include "store_fixture.h"

#define T0 1700000000000LL	/* an epoch ms to build times on */

/* A minimal finished run; strings borrowed from the arguments. */
static struct run_rec mkrun(char *id, char *pipeline, int64_t created,
			    enum run_status status)
{
	struct run_rec r = {
		.id = id,
		.pipeline = pipeline,
		.status = status,
		.created_at = created,
		.finished_at = run_status_final(status) ? created + 1000 : 0,
		.state_dir = id,
	};
	return r;
}

static void put_run(struct store *s, char *id, char *pipeline,
		    int64_t created, enum run_status status)
{
	struct run_rec r = mkrun(id, pipeline, created, status);

	assert_int_equal(store_run_put(s, &r), 0);
}

static void put_step(struct store *s, char *run_id, char *name, int idx)
{
	struct step_rec st = {
		.run_id = run_id, .name = name, .idx = idx,
		.status = STEP_SUCCEEDED, .attempt = 1, .exit_code = 0,
	};

	assert_int_equal(store_step_put(s, &st), 0);
}

static void put_attempt(struct store *s, char *run_id, char *step, int n)
{
	struct attempt_rec a = {
		.run_id = run_id, .step = step, .attempt = n,
		.status = STEP_FAILED, .exit_code = n,
	};

	assert_int_equal(store_attempt_put(s, &a), 0);
}

static void test_open_sets_up_file(void **state)
{
	struct fix *f = *state;
	char *mode = raw_text(f->path, "PRAGMA journal_mode");

	/* The parent directories were created. */
	assert_int_equal(access(f->path, R_OK | W_OK), 0);
	assert_string_equal(mode, "wal");
	assert_int_equal(raw_int(f->path, "PRAGMA auto_vacuum"), 2);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master "
					  "WHERE type = 'table'"),
			 7);
	free(mode);
}

static void test_open_errors(void **state)
{
	struct fix *f = *state;
	struct store *s = NULL;
	struct error err = { 0 };
	char *bad = xasprintf("%s/baton.db/x/y.db", f->path);

	assert_int_equal(store_open("postgres://u:secret@h/db", &s, &err),
			 -ENOTSUP);
	assert_null(s);
	assert_non_null(strstr(err.msg, "PostgreSQL"));
	assert_null(strstr(err.msg, "secret"));
	assert_int_equal(store_open("postgresql://h/db", &s, NULL), -ENOTSUP);

	/* A regular file stands where a directory is needed. */
	assert_true(store_open(bad, &s, &err) < 0);
	assert_null(s);
	assert_non_null(strstr(err.msg, "cannot create directory"));
	free(bad);

	/* A file written by a newer baton is refused, not misread. */
	raw_exec(f->path, "PRAGMA user_version = 4");
	assert_int_equal(store_open(f->path, &s, &err), -ENOTSUP);
	assert_null(s);
	assert_non_null(strstr(err.msg, "schema version 4"));
}

static void test_run_roundtrip(void **state)
{
	struct fix *f = *state;
	struct run_rec in = {
		.id = "run_20261125201500_1a2b3c4d",
		.pipeline = "etl",
		.tenant = "acme",
		.batch = "b1",
		.parent_run = "run_parent",
		.retry_of = "run_old",
		.status = RUN_FAILED,
		.created_at = T0,
		.started_at = T0 + 5,
		.finished_at = T0 + 99,
		.params_json = "{\"day\":\"2026-11-25\"}",
		.output_json = "[1,2]",
		.error = "step 'load' failed",
		.exit_code = 3,
		.nsteps = 7,
		.pid = 4242,
		.pid_start = 987654321012LL,
		.state_dir = "/var/lib/baton/runs/x",
	};
	struct run_rec out = { 0 };

	assert_int_equal(store_run_put(f->s, &in), 0);
	assert_int_equal(store_run_get(f->s, in.id, &out, NULL), 0);
	assert_string_equal(out.id, in.id);
	assert_string_equal(out.pipeline, "etl");
	assert_string_equal(out.tenant, "acme");
	assert_string_equal(out.batch, "b1");
	assert_string_equal(out.parent_run, "run_parent");
	assert_string_equal(out.retry_of, "run_old");
	assert_int_equal(out.status, RUN_FAILED);
	assert_int_equal(out.created_at, T0);
	assert_int_equal(out.started_at, T0 + 5);
	assert_int_equal(out.finished_at, T0 + 99);
	assert_string_equal(out.params_json, in.params_json);
	assert_string_equal(out.output_json, "[1,2]");
	assert_string_equal(out.error, in.error);
	assert_int_equal(out.exit_code, 3);
	assert_int_equal(out.nsteps, 7);
	assert_int_equal(out.pid, 4242);
	assert_int_equal(out.pid_start, 987654321012LL);
	assert_string_equal(out.state_dir, in.state_dir);
	run_rec_release(&out);
	run_rec_release(&out);	/* released records are zeroed */
}

static void test_run_roundtrip_nulls(void **state)
{
	struct fix *f = *state;
	struct run_rec in = { .id = "run_bare", .status = RUN_QUEUED };
	struct run_rec out = { 0 };

	assert_int_equal(store_run_put(f->s, &in), 0);
	assert_int_equal(store_run_get(f->s, "run_bare", &out, NULL), 0);
	assert_string_equal(out.id, "run_bare");
	assert_null(out.pipeline);
	assert_null(out.tenant);
	assert_null(out.batch);
	assert_null(out.parent_run);
	assert_null(out.retry_of);
	assert_null(out.params_json);
	assert_null(out.output_json);
	assert_null(out.error);
	assert_null(out.state_dir);
	assert_int_equal(out.status, RUN_QUEUED);
	assert_int_equal(out.created_at, 0);
	assert_int_equal(out.started_at, 0);
	assert_int_equal(out.finished_at, 0);
	assert_int_equal(out.pid_start, 0);
	run_rec_release(&out);
}

static void test_statuses_stored_as_words(void **state)
{
	struct fix *f = *state;
	char *run, *step;

	put_run(f->s, "run_w", "p", T0, RUN_INTERRUPTED);
	put_step(f->s, "run_w", "a", 0);
	run = raw_text(f->path, "SELECT status FROM runs");
	step = raw_text(f->path, "SELECT status FROM steps");
	assert_string_equal(run, "interrupted");
	assert_string_equal(step, "succeeded");
	free(run);
	free(step);
}

/* Updating a run must not cascade-delete its steps (as REPLACE would). */
static void test_run_put_updates_in_place(void **state)
{
	struct fix *f = *state;
	struct run_rec r = mkrun("run_u", "p", T0, RUN_RUNNING);
	struct run_rec out = { 0 };
	struct step_rec *steps = NULL;
	size_t n = 0;

	assert_int_equal(store_run_put(f->s, &r), 0);
	put_step(f->s, "run_u", "a", 0);
	r.status = RUN_SUCCEEDED;
	r.finished_at = T0 + 50;
	assert_int_equal(store_run_put(f->s, &r), 0);
	assert_int_equal(store_run_get(f->s, "run_u", &out, NULL), 0);
	assert_int_equal(out.status, RUN_SUCCEEDED);
	assert_int_equal(out.finished_at, T0 + 50);
	assert_int_equal(store_steps_list(f->s, "run_u", &steps, &n), 0);
	assert_int_equal(n, 1);
	run_rec_release(&out);
	step_recs_free(steps, n);
}

static void test_steps_roundtrip(void **state)
{
	struct fix *f = *state;
	struct step_rec full = {
		.run_id = "run_s", .name = "load", .idx = 2,
		.status = STEP_RETRYING, .attempt = 2,
		.started_at = T0 + 1, .finished_at = T0 + 2, .exit_code = 1,
		.error = "exit 1", .log_path = "/logs/load.log",
		.output_json = "{\"rows\":10}", .metrics_json = "{\"s\":1.5}",
		.pgid = 777, .reused = true,
	};
	struct step_rec bare = {
		.run_id = "run_s", .name = "extract", .idx = 0,
		.status = STEP_PENDING, .exit_code = -1,
	};
	struct step_rec *v = NULL;
	size_t n = 0;

	put_run(f->s, "run_s", "p", T0, RUN_RUNNING);
	assert_int_equal(store_step_put(f->s, &full), 0);
	assert_int_equal(store_step_put(f->s, &bare), 0);
	put_step(f->s, "run_s", "transform", 1);
	assert_int_equal(store_steps_list(f->s, "run_s", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "extract");
	assert_int_equal(v[0].status, STEP_PENDING);
	assert_int_equal(v[0].exit_code, -1);
	assert_int_equal(v[0].started_at, 0);
	assert_null(v[0].error);
	assert_null(v[0].log_path);
	assert_null(v[0].output_json);
	assert_null(v[0].metrics_json);
	assert_false(v[0].reused);
	assert_string_equal(v[1].name, "transform");
	assert_string_equal(v[2].run_id, "run_s");
	assert_string_equal(v[2].name, "load");
	assert_int_equal(v[2].idx, 2);
	assert_int_equal(v[2].status, STEP_RETRYING);
	assert_int_equal(v[2].attempt, 2);
	assert_int_equal(v[2].started_at, T0 + 1);
	assert_int_equal(v[2].finished_at, T0 + 2);
	assert_int_equal(v[2].exit_code, 1);
	assert_string_equal(v[2].error, "exit 1");
	assert_string_equal(v[2].log_path, "/logs/load.log");
	assert_string_equal(v[2].output_json, "{\"rows\":10}");
	assert_string_equal(v[2].metrics_json, "{\"s\":1.5}");
	assert_int_equal(v[2].pgid, 777);
	assert_true(v[2].reused);
	step_recs_free(v, n);

	/* A step of an unknown run breaks the foreign key. */
	full.run_id = "run_nope";
	assert_int_equal(store_step_put(f->s, &full), -EIO);
}

static void test_attempts_roundtrip(void **state)
{
	struct fix *f = *state;
	struct attempt_rec a = {
		.run_id = "run_a", .step = "b", .attempt = 1,
		.status = STEP_FAILED, .started_at = T0, .finished_at = T0 + 9,
		.exit_code = 2, .error = "boom",
	};
	struct attempt_rec *v = NULL;
	size_t n = 0;

	put_run(f->s, "run_a", "p", T0, RUN_RUNNING);
	put_step(f->s, "run_a", "a", 1);	/* "a" after "b" in the file */
	put_step(f->s, "run_a", "b", 0);
	put_attempt(f->s, "run_a", "a", 2);
	put_attempt(f->s, "run_a", "a", 1);
	assert_int_equal(store_attempt_put(f->s, &a), 0);
	put_attempt(f->s, "run_a", "b", 2);
	a.attempt = 3;
	a.error = NULL;
	a.started_at = 0;
	assert_int_equal(store_attempt_put(f->s, &a), 0);

	assert_int_equal(store_attempts_list(f->s, "run_a", &v, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].step, "b");
	assert_int_equal(v[0].attempt, 1);
	assert_string_equal(v[0].run_id, "run_a");
	assert_int_equal(v[0].status, STEP_FAILED);
	assert_int_equal(v[0].started_at, T0);
	assert_int_equal(v[0].finished_at, T0 + 9);
	assert_int_equal(v[0].exit_code, 2);
	assert_string_equal(v[0].error, "boom");
	assert_int_equal(v[1].attempt, 2);
	assert_int_equal(v[2].attempt, 3);
	assert_null(v[2].error);
	assert_int_equal(v[2].started_at, 0);
	assert_string_equal(v[3].step, "a");
	assert_int_equal(v[3].attempt, 1);
	assert_string_equal(v[4].step, "a");
	assert_int_equal(v[4].attempt, 2);
	attempt_recs_free(v, n);

	assert_int_equal(store_attempts_list(f->s, "run_none", &v, &n), 0);
	assert_int_equal(n, 0);
	attempt_recs_free(v, n);
}

static void test_run_get_prefix(void **state)
{
	struct fix *f = *state;
	struct run_rec out = { 0 };
	struct error err = { 0 };

	put_run(f->s, "run_2026_aaa1", "p", T0 + 1, RUN_SUCCEEDED);
	put_run(f->s, "run_2026_aaa2", "p", T0 + 3, RUN_FAILED);
	put_run(f->s, "run_2026_abc", "p", T0 + 2, RUN_SUCCEEDED);
	put_run(f->s, "run_x", "p", T0, RUN_SUCCEEDED);
	put_run(f->s, "run_x1", "p", T0, RUN_SUCCEEDED);

	assert_int_equal(store_run_get(f->s, "run_2026_ab", &out, &err), 0);
	assert_string_equal(out.id, "run_2026_abc");
	run_rec_release(&out);

	assert_int_equal(store_run_get(f->s, "run_2026_aa", &out, &err),
			 -EEXIST);
	assert_null(out.id);
	assert_string_equal(err.msg, "run id prefix 'run_2026_aa' is "
				     "ambiguous (2 runs match)");

	/* An exact id wins over the longer ids it prefixes. */
	assert_int_equal(store_run_get(f->s, "run_x", &out, &err), 0);
	assert_string_equal(out.id, "run_x");
	run_rec_release(&out);

	assert_int_equal(store_run_get(f->s, "last", &out, &err), 0);
	assert_string_equal(out.id, "run_2026_aaa2");
	run_rec_release(&out);

	assert_int_equal(store_run_get(f->s, "run_9", &out, &err), -ENOENT);
	assert_string_equal(err.msg, "no run matches 'run_9'");
	/* LIKE wildcards are plain characters in a prefix. */
	assert_int_equal(store_run_get(f->s, "run_%", &out, &err), -ENOENT);
	assert_int_equal(store_run_get(f->s, "RUN_2026_AB", &out, &err),
			 -ENOENT);
	assert_int_equal(store_run_get(f->s, "", &out, &err), -ENOENT);
	assert_int_equal(store_run_get(f->s, "run_2026_abc", &out, NULL), 0);
	run_rec_release(&out);
}

static void test_run_get_last_empty(void **state)
{
	struct fix *f = *state;
	struct run_rec out = { 0 };
	struct error err = { 0 };

	assert_int_equal(store_run_get(f->s, "last", &out, &err), -ENOENT);
	assert_string_equal(err.msg, "no run matches 'last'");
}

static void list_fixture(struct store *s)
{
	struct run_rec r;

	put_run(s, "run_1", "etl", T0 + 1, RUN_SUCCEEDED);
	put_run(s, "run_2", "etl", T0 + 2, RUN_FAILED);
	put_run(s, "run_3", "report", T0 + 3, RUN_SUCCEEDED);
	put_run(s, "run_4a", "etl", T0 + 4, RUN_RUNNING);
	put_run(s, "run_4b", "etl", T0 + 4, RUN_SUCCEEDED);
	r = mkrun("run_5", "etl", T0 + 5, RUN_SUCCEEDED);
	r.tenant = "acme";
	r.batch = "nightly";
	assert_int_equal(store_run_put(s, &r), 0);
}

static void expect_ids(struct store *s, const struct run_filter *flt,
		       const char *want)
{
	struct run_rec *v = NULL;
	size_t n = 0;
	char got[256] = "";

	assert_int_equal(store_runs_list(s, flt, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		strncat(got, i ? " " : "", sizeof(got) - strlen(got) - 1);
		strncat(got, v[i].id, sizeof(got) - strlen(got) - 1);
	}
	assert_string_equal(got, want);
	run_recs_free(v, n);
}

static void test_runs_list(void **state)
{
	struct fix *f = *state;
	struct run_filter flt = { .status = -1 };

	list_fixture(f->s);
	expect_ids(f->s, NULL, "run_5 run_4b run_4a run_3 run_2 run_1");
	expect_ids(f->s, &flt, "run_5 run_4b run_4a run_3 run_2 run_1");
	flt.limit = 2;
	expect_ids(f->s, &flt, "run_5 run_4b");
	flt.limit = 0;
	flt.pipeline = "report";
	expect_ids(f->s, &flt, "run_3");
	flt.pipeline = "etl";
	flt.status = RUN_SUCCEEDED;
	expect_ids(f->s, &flt, "run_5 run_4b run_1");
	flt.limit = 1;
	expect_ids(f->s, &flt, "run_5");
	flt = (struct run_filter){ .tenant = "acme", .status = -1 };
	expect_ids(f->s, &flt, "run_5");
	flt = (struct run_filter){ .batch = "nightly", .status = -1 };
	expect_ids(f->s, &flt, "run_5");
	flt = (struct run_filter){ .status = RUN_RUNNING };
	expect_ids(f->s, &flt, "run_4a");
	flt = (struct run_filter){ .pipeline = "none", .status = -1 };
	expect_ids(f->s, &flt, "");
	/* Repeating a filter reuses its prepared statement. */
	flt = (struct run_filter){ .status = RUN_RUNNING };
	expect_ids(f->s, &flt, "run_4a");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prunes and checks the returned state dirs, sorted, against want. */
static void expect_pruned(struct store *s, int64_t before, int keep,
			  const char *want)
{
	char **dirs = NULL;
	size_t n = 0;
	char got[256] = "";

	assert_int_equal(store_prune(s, before, keep, &dirs, &n), 0);
	if (n)
		qsort(dirs, n, sizeof(*dirs), cmp_str);
	for (size_t i = 0; i < n; i++) {
		strncat(got, i ? " " : "", sizeof(got) - strlen(got) - 1);
		strncat(got, dirs[i], sizeof(got) - strlen(got) - 1);
	}
	assert_string_equal(got, want);
	strv_free(dirs, n);
}

static void prune_fixture(struct store *s)
{
	put_run(s, "run_q", "p", T0, RUN_QUEUED);	/* oldest of all */
	put_run(s, "run_r", "p", T0 + 1, RUN_RUNNING);
	put_run(s, "run_1", "p", T0 + 10, RUN_SUCCEEDED);
	put_run(s, "run_2", "p", T0 + 20, RUN_FAILED);
	put_run(s, "run_3", "p", T0 + 30, RUN_CANCELLED);
	put_run(s, "run_4", "p", T0 + 40, RUN_SUCCEEDED);
	put_run(s, "run_5", "p", T0 + 50, RUN_INTERRUPTED);
	put_step(s, "run_1", "a", 0);
	put_attempt(s, "run_1", "a", 1);
	put_step(s, "run_5", "a", 0);
}

static void test_prune_by_count(void **state)
{
	struct fix *f = *state;
	struct run_filter flt = { .status = -1 };

	prune_fixture(f->s);
	expect_pruned(f->s, 0, 0, "");	/* no limit: nothing goes */
	expect_pruned(f->s, 0, 2, "run_1 run_2 run_3");
	expect_ids(f->s, &flt, "run_5 run_4 run_r run_q");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM steps"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM attempts"),
			 0);
	expect_pruned(f->s, 0, 2, "");
	expect_pruned(f->s, 0, 1, "run_4");
	expect_ids(f->s, &flt, "run_5 run_r run_q");
}

static void test_prune_by_age(void **state)
{
	struct fix *f = *state;
	struct run_filter flt = { .status = -1 };
	struct run_rec r = mkrun("run_nodir", "p", T0 + 5, RUN_FAILED);

	prune_fixture(f->s);
	r.state_dir = NULL;
	assert_int_equal(store_run_put(f->s, &r), 0);
	/* Finished at created + 1000: run_1 and run_2 finished before. */
	expect_pruned(f->s, T0 + 1025, 0, "run_1 run_2");
	expect_ids(f->s, &flt, "run_5 run_4 run_3 run_r run_q");
	/* Both limits: either one is enough to go. */
	expect_pruned(f->s, T0 + 1035, 2, "run_3");
	expect_pruned(f->s, T0 + 999999, 5, "run_4 run_5");
	expect_ids(f->s, &flt, "run_r run_q");
}

static off_t disk_size(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat sb;
	off_t total = 0;

	if (stat(path, &sb) == 0)
		total += sb.st_size;
	if (stat(wal, &sb) == 0)
		total += sb.st_size;
	free(wal);
	return total;
}

static void test_prune_shrinks_file(void **state)
{
	struct fix *f = *state;
	char *big = xcalloc(1, 2001);
	char id[32], name[16];
	char **dirs = NULL;
	size_t n = 0;
	off_t full, pruned;

	memset(big, 'x', 2000);
	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 500; i++) {
		struct run_rec r;

		snprintf(id, sizeof(id), "run_%04d", i);
		r = mkrun(id, "p", T0 + i, RUN_SUCCEEDED);
		r.params_json = big;
		assert_int_equal(store_run_put(f->s, &r), 0);
		for (int j = 0; j < 4; j++) {
			struct step_rec st = {
				.run_id = id, .name = name, .idx = j,
				.status = STEP_SUCCEEDED, .output_json = big,
			};

			snprintf(name, sizeof(name), "s%d", j);
			assert_int_equal(store_step_put(f->s, &st), 0);
		}
	}
	assert_int_equal(store_commit(f->s), 0);
	expect_pruned(f->s, 0, 0, "");	/* checkpoints, deletes nothing */
	full = disk_size(f->path);
	assert_true(full > 4 * 1024 * 1024);

	assert_int_equal(store_prune(f->s, 0, 1, &dirs, &n), 0);
	assert_int_equal(n, 499);
	strv_free(dirs, n);
	free(big);
	pruned = disk_size(f->path);
	assert_true(pruned < full / 20);
}

static void test_flags(void **state)
{
	struct fix *f = *state;
	bool tested = true;
	char *by;

	assert_int_equal(store_flag_get(f->s, "etl", "load", &tested), 0);
	assert_false(tested);
	assert_int_equal(store_flag_set(f->s, "etl", "load", true, "ann"), 0);
	assert_int_equal(store_flag_get(f->s, "etl", "load", &tested), 0);
	assert_true(tested);
	assert_int_equal(store_flag_get(f->s, "etl", "other", &tested), 0);
	assert_false(tested);
	assert_int_equal(store_flag_set(f->s, "etl", "load", false, "bob"), 0);
	assert_int_equal(store_flag_get(f->s, "etl", "load", &tested), 0);
	assert_false(tested);
	by = raw_text(f->path, "SELECT set_by FROM flags");
	assert_string_equal(by, "bob");
	free(by);
	assert_true(raw_int(f->path, "SELECT set_at FROM flags") > T0);
}

static void test_reopen_keeps_data(void **state)
{
	struct fix *f = *state;
	struct run_rec out = { 0 };
	struct step_rec *v = NULL;
	size_t n = 0;
	bool tested = false;

	put_run(f->s, "run_keep", "p", T0, RUN_SUCCEEDED);
	put_step(f->s, "run_keep", "a", 0);
	assert_int_equal(store_flag_set(f->s, "p", "a", true, NULL), 0);
	store_free(f->s);
	f->s = NULL;

	assert_int_equal(store_open(f->path, &f->s, NULL), 0);
	assert_int_equal(store_run_get(f->s, "run_k", &out, NULL), 0);
	assert_string_equal(out.id, "run_keep");
	assert_int_equal(store_steps_list(f->s, "run_keep", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_flag_get(f->s, "p", "a", &tested), 0);
	assert_true(tested);
	run_rec_release(&out);
	step_recs_free(v, n);
}

static void test_batching(void **state)
{
	struct fix *f = *state;
	struct store *other = NULL;
	struct run_rec out = { 0 };
	const char *count = "SELECT count(*) FROM runs";

	assert_int_equal(store_commit(f->s), -EINVAL);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_begin(f->s), 0);
	put_run(f->s, "run_b1", "p", T0, RUN_RUNNING);
	put_step(f->s, "run_b1", "a", 0);
	assert_int_equal(store_commit(f->s), 0);
	/* Only the outermost commit makes the writes visible. */
	assert_int_equal(raw_int(f->path, count), 0);
	put_run(f->s, "run_b2", "p", T0, RUN_RUNNING);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(raw_int(f->path, count), 2);

	/* A second store on the file, as a child baton would open. */
	assert_int_equal(store_open(f->path, &other, NULL), 0);
	assert_int_equal(store_run_get(other, "run_b2", &out, NULL), 0);
	run_rec_release(&out);
	put_run(other, "run_c", "p", T0 + 1, RUN_RUNNING);
	store_free(other);
	assert_int_equal(store_run_get(f->s, "last", &out, NULL), 0);
	assert_string_equal(out.id, "run_c");
	run_rec_release(&out);
}

/* Writes runs prefix_0..n-1 with a step each, every other one inside a
 * batch; returns 0 or the first error.  No asserts: a child runs it. */
static int write_runs(const char *path, const char *prefix, int n)
{
	struct store *s = NULL;
	char id[32];
	int rc = store_open(path, &s, NULL);

	for (int i = 0; rc == 0 && i < n; i++) {
		struct run_rec r;
		struct step_rec st = { .name = "a", .status = STEP_RUNNING };

		snprintf(id, sizeof(id), "%s_%d", prefix, i);
		r = mkrun(id, "p", T0 + i, RUN_RUNNING);
		st.run_id = id;
		if (i % 2 && (rc = store_begin(s)) < 0)
			break;
		rc = store_run_put(s, &r);
		if (rc == 0)
			rc = store_step_put(s, &st);
		if (i % 2 && rc == 0)
			rc = store_commit(s);
	}
	store_free(s);
	return rc;
}

/* A sub-pipeline's child baton writes the file while its parent does. */
static void test_two_processes(void **state)
{
	struct fix *f = *state;
	int status = 0;
	pid_t pid;

	/* As baton does, fork with no connection open (SQLite forbids
	 * carrying one across fork()). */
	store_free(f->s);
	f->s = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(write_runs(f->path, "child", 300) == 0 ? 0 : 1);
	assert_int_equal(write_runs(f->path, "parent", 300), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM runs"), 600);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM steps"), 600);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int setup(void **state)
{
	return fix_make(state, "state/sub/baton.db", true);
}

static int teardown(void **state)
{
	return fix_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_sets_up_file),
		T(test_open_errors),
		T(test_run_roundtrip),
		T(test_run_roundtrip_nulls),
		T(test_statuses_stored_as_words),
		T(test_run_put_updates_in_place),
		T(test_steps_roundtrip),
		T(test_attempts_roundtrip),
		T(test_run_get_prefix),
		T(test_run_get_last_empty),
		T(test_runs_list),
		T(test_prune_by_count),
		T(test_prune_by_age),
		T(test_prune_shrinks_file),
		T(test_flags),
		T(test_reopen_keeps_data),
		T(test_batching),
		T(test_two_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
