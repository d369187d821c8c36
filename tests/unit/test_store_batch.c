/* test_store_batch.c - batches, the result inbox, their pruning and the
 * schema upgrade that brought them, against a real SQLite file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include "store_fixture.h"

#define T0 1700000000000LL	/* an epoch ms to build times on */
#define DAY 86400000LL

/* A minimal batch; strings borrowed from the arguments.  A final status
 * gets finished_at = created + 1000. */
static struct batch_rec mkbatch(char *id, int64_t created,
				enum run_status status)
{
	struct batch_rec b = {
		.id = id,
		.source = "cli",
		.status = status,
		.created_at = created,
		.finished_at = run_status_final(status) ? created + 1000 : 0,
	};
	return b;
}

static void put_batch(struct store *s, char *id, int64_t created,
		      enum run_status status)
{
	struct batch_rec b = mkbatch(id, created, status);

	assert_int_equal(store_batch_put(s, &b), 0);
}

/* A finished run of batch (NULL = none), its state_dir its id. */
static void put_run(struct store *s, char *id, char *batch, int64_t created,
		    enum run_status status)
{
	struct run_rec r = {
		.id = id,
		.pipeline = "p",
		.batch = batch,
		.status = status,
		.created_at = created,
		.finished_at = run_status_final(status) ? created + 1000 : 0,
		.state_dir = id,
	};

	assert_int_equal(store_run_put(s, &r), 0);
}

/* Lists batches and checks their ids, space-separated, against want. */
static void expect_batches(struct store *s, int status, int limit,
			   const char *want)
{
	struct batch_rec *v = NULL;
	size_t n = 0;
	char got[256] = "";

	assert_int_equal(store_batches_list(s, status, limit, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		strncat(got, i ? " " : "", sizeof(got) - strlen(got) - 1);
		strncat(got, v[i].id, sizeof(got) - strlen(got) - 1);
	}
	assert_string_equal(got, want);
	batch_recs_free(v, n);
}

/* Like expect_batches() for a user's inbox, as "batch@at-T0" words. */
static void expect_inbox(struct store *s, const char *user, const char *want)
{
	struct inbox_rec *v = NULL;
	size_t n = 0;
	char got[256] = "", word[64];

	assert_int_equal(store_inbox_list(s, user, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].user, user);
		snprintf(word, sizeof(word), "%s%s@%lld", i ? " " : "",
			 v[i].batch_id, (long long)(v[i].at - T0));
		strncat(got, word, sizeof(got) - strlen(got) - 1);
	}
	assert_string_equal(got, want);
	inbox_recs_free(v, n);
}

static void test_schema_has_batches(void **state)
{
	struct fix *f = *state;

	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master "
					  "WHERE type = 'table' AND name IN "
					  "('batches', 'inbox')"),
			 2);
}

static void test_batch_roundtrip(void **state)
{
	struct fix *f = *state;
	struct batch_rec in = {
		.id = "bat_job_20261124093000_5f2a9c1e",
		.source = "job",
		.job_id = "nightly-sync",
		.pipeline = "etl",
		.status = RUN_FAILED,
		.created_at = T0,
		.finished_at = T0 + 99,
		.total = 12,
		.succeeded = 8,
		.failed = 2,
		.skipped = 1,
		.cancelled = 1,
		.summary_json = "{\"validated\":12,\"params\":{\"day\":1}}",
		.pid = 4242,
		.pid_start = 987654321012LL,
	};
	struct batch_rec out = { 0 };
	char *status;

	assert_int_equal(store_batch_put(f->s, &in), 0);
	assert_int_equal(store_batch_get(f->s, in.id, &out, NULL), 0);
	assert_string_equal(out.id, in.id);
	assert_string_equal(out.source, "job");
	assert_string_equal(out.job_id, "nightly-sync");
	assert_string_equal(out.pipeline, "etl");
	assert_int_equal(out.status, RUN_FAILED);
	assert_int_equal(out.created_at, T0);
	assert_int_equal(out.finished_at, T0 + 99);
	assert_int_equal(out.total, 12);
	assert_int_equal(out.succeeded, 8);
	assert_int_equal(out.failed, 2);
	assert_int_equal(out.skipped, 1);
	assert_int_equal(out.cancelled, 1);
	assert_string_equal(out.summary_json, in.summary_json);
	assert_int_equal(out.pid, 4242);
	assert_int_equal(out.pid_start, 987654321012LL);
	batch_rec_release(&out);
	batch_rec_release(&out);	/* released records are zeroed */
	batch_rec_release(NULL);

	/* Statuses are words, as for runs. */
	status = raw_text(f->path, "SELECT status FROM batches");
	assert_string_equal(status, "failed");
	free(status);
}

static void test_batch_roundtrip_nulls(void **state)
{
	struct fix *f = *state;
	struct batch_rec in = {
		.id = "bat_bare", .source = "api", .status = RUN_QUEUED,
	};
	struct batch_rec out = { 0 };

	assert_int_equal(store_batch_put(f->s, &in), 0);
	assert_int_equal(store_batch_get(f->s, "bat_bare", &out, NULL), 0);
	assert_string_equal(out.source, "api");
	assert_null(out.job_id);
	assert_null(out.pipeline);
	assert_null(out.summary_json);
	assert_int_equal(out.status, RUN_QUEUED);
	assert_int_equal(out.created_at, 0);
	assert_int_equal(out.finished_at, 0);
	assert_int_equal(out.total, 0);
	assert_int_equal(out.pid, 0);
	batch_rec_release(&out);
	/* Unset times are NULL in the file. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM batches WHERE "
					  "created_at IS NULL AND "
					  "finished_at IS NULL"),
			 1);

	/* A batch needs a source. */
	in.id = "bat_nosource";
	in.source = NULL;
	assert_int_equal(store_batch_put(f->s, &in), -EIO);
}

/* Updating a batch (its counts as runs end) must keep its inbox rows,
 * which a REPLACE would cascade-delete. */
static void test_batch_put_updates_in_place(void **state)
{
	struct fix *f = *state;
	struct batch_rec b = mkbatch("bat_u", T0, RUN_RUNNING);
	struct batch_rec out = { 0 };

	b.total = 3;
	assert_int_equal(store_batch_put(f->s, &b), 0);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_u", T0 + 5), 0);
	b.status = RUN_SUCCEEDED;
	b.succeeded = 3;
	b.finished_at = T0 + 50;
	b.summary_json = "{\"ok\":true}";
	assert_int_equal(store_batch_put(f->s, &b), 0);
	assert_int_equal(store_batch_get(f->s, "bat_u", &out, NULL), 0);
	assert_int_equal(out.status, RUN_SUCCEEDED);
	assert_int_equal(out.succeeded, 3);
	assert_int_equal(out.finished_at, T0 + 50);
	assert_string_equal(out.summary_json, "{\"ok\":true}");
	batch_rec_release(&out);
	expect_inbox(f->s, "ann", "bat_u@5");
}

static void test_batch_get_prefix(void **state)
{
	struct fix *f = *state;
	struct batch_rec out = { 0 };
	struct error err = { 0 };

	put_batch(f->s, "bat_cli_20261124_aa1", T0 + 1, RUN_SUCCEEDED);
	put_batch(f->s, "bat_cli_20261124_aa2", T0 + 3, RUN_FAILED);
	put_batch(f->s, "bat_api_20261124_b", T0 + 2, RUN_RUNNING);
	put_batch(f->s, "bat_x", T0, RUN_SUCCEEDED);
	put_batch(f->s, "bat_x1", T0, RUN_SUCCEEDED);

	assert_int_equal(store_batch_get(f->s, "bat_api", &out, &err), 0);
	assert_string_equal(out.id, "bat_api_20261124_b");
	batch_rec_release(&out);

	assert_int_equal(store_batch_get(f->s, "bat_cli", &out, &err),
			 -EEXIST);
	assert_null(out.id);
	assert_string_equal(err.msg, "batch id prefix 'bat_cli' is ambiguous "
				     "(2 batches match)");

	/* An exact id wins over the longer ids it prefixes. */
	assert_int_equal(store_batch_get(f->s, "bat_x", &out, &err), 0);
	assert_string_equal(out.id, "bat_x");
	batch_rec_release(&out);

	assert_int_equal(store_batch_get(f->s, "last", &out, &err), 0);
	assert_string_equal(out.id, "bat_cli_20261124_aa2");
	batch_rec_release(&out);

	assert_int_equal(store_batch_get(f->s, "bat_9", &out, &err), -ENOENT);
	assert_string_equal(err.msg, "no batch matches 'bat_9'");
	assert_int_equal(store_batch_get(f->s, "bat_%", &out, &err), -ENOENT);
	assert_int_equal(store_batch_get(f->s, "BAT_X", &out, &err), -ENOENT);
	assert_int_equal(store_batch_get(f->s, "", &out, &err), -ENOENT);
	assert_null(out.id);

	/* Batches and runs are looked up apart. */
	put_run(f->s, "bat_run_lookalike", NULL, T0, RUN_SUCCEEDED);
	assert_int_equal(store_batch_get(f->s, "bat_run", &out, &err),
			 -ENOENT);
}

static void test_batch_get_last_empty(void **state)
{
	struct fix *f = *state;
	struct batch_rec out = { 0 };
	struct error err = { 0 };

	assert_int_equal(store_batch_get(f->s, "last", &out, &err), -ENOENT);
	assert_string_equal(err.msg, "no batch matches 'last'");
}

static void test_batches_list(void **state)
{
	struct fix *f = *state;

	expect_batches(f->s, -1, 0, "");
	put_batch(f->s, "bat_1", T0 + 1, RUN_SUCCEEDED);
	put_batch(f->s, "bat_2", T0 + 2, RUN_FAILED);
	put_batch(f->s, "bat_3a", T0 + 3, RUN_RUNNING);
	put_batch(f->s, "bat_3b", T0 + 3, RUN_SUCCEEDED);
	put_batch(f->s, "bat_4", T0 + 4, RUN_SUCCEEDED);
	put_batch(f->s, "bat_0", T0, RUN_INTERRUPTED);

	expect_batches(f->s, -1, 0, "bat_4 bat_3b bat_3a bat_2 bat_1 bat_0");
	expect_batches(f->s, -1, 2, "bat_4 bat_3b");
	expect_batches(f->s, RUN_SUCCEEDED, 0, "bat_4 bat_3b bat_1");
	expect_batches(f->s, RUN_SUCCEEDED, 2, "bat_4 bat_3b");
	expect_batches(f->s, RUN_RUNNING, 0, "bat_3a");
	expect_batches(f->s, RUN_CANCELLED, 0, "");
	/* Statements are reused: the same calls again. */
	expect_batches(f->s, -1, 1, "bat_4");
	expect_batches(f->s, RUN_INTERRUPTED, 0, "bat_0");
}

static void test_inbox(void **state)
{
	struct fix *f = *state;

	put_batch(f->s, "bat_a", T0, RUN_SUCCEEDED);
	put_batch(f->s, "bat_b", T0 + 1, RUN_SUCCEEDED);
	put_batch(f->s, "bat_c", T0 + 2, RUN_FAILED);
	expect_inbox(f->s, "ann", "");

	assert_int_equal(store_inbox_add(f->s, "ann", "bat_a", T0 + 10), 0);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_c", T0 + 30), 0);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_b", T0 + 20), 0);
	assert_int_equal(store_inbox_add(f->s, "bob", "bat_a", T0 + 15), 0);
	expect_inbox(f->s, "ann", "bat_c@30 bat_b@20 bat_a@10");
	expect_inbox(f->s, "bob", "bat_a@15");

	/* Delivering again changes nothing, not even the time. */
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_a", T0 + 99), 0);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_a", T0 + 10), 0);
	expect_inbox(f->s, "ann", "bat_c@30 bat_b@20 bat_a@10");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM inbox"), 4);

	/* Only stored batches can be delivered. */
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_none", T0), -ENOENT);
	expect_inbox(f->s, "ann", "bat_c@30 bat_b@20 bat_a@10");
	expect_inbox(f->s, "nobody", "");
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

static void test_prune_batches(void **state)
{
	struct fix *f = *state;

	/* Old batches (finished at T0 + 1000)... */
	put_batch(f->s, "bat_empty", T0, RUN_SUCCEEDED);
	put_batch(f->s, "bat_emptied", T0, RUN_FAILED);
	put_run(f->s, "run_e1", "bat_emptied", T0, RUN_SUCCEEDED);
	put_run(f->s, "run_e2", "bat_emptied", T0, RUN_FAILED);
	put_batch(f->s, "bat_kept", T0, RUN_FAILED);
	put_run(f->s, "run_k1", "bat_kept", T0, RUN_FAILED);
	put_run(f->s, "run_k2", "bat_kept", T0 + 5 * DAY, RUN_SUCCEEDED);
	put_batch(f->s, "bat_live", T0, RUN_RUNNING);
	put_run(f->s, "run_l", "bat_live", T0, RUN_SUCCEEDED);
	put_batch(f->s, "bat_queued", T0, RUN_QUEUED);
	/* ...and a recent one without runs. */
	put_batch(f->s, "bat_new", T0 + 5 * DAY, RUN_SUCCEEDED);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_empty", T0), 0);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_emptied", T0), 0);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_kept", T0), 0);

	/* A count limit alone leaves every batch, even emptied ones. */
	expect_pruned(f->s, 0, 1, "run_e1 run_e2 run_k1 run_l");
	expect_batches(f->s, -1, 0,
		       "bat_new bat_queued bat_live bat_kept bat_empty "
		       "bat_emptied");
	put_run(f->s, "run_e1", "bat_emptied", T0, RUN_SUCCEEDED);
	put_run(f->s, "run_e2", "bat_emptied", T0, RUN_FAILED);
	put_run(f->s, "run_k1", "bat_kept", T0, RUN_FAILED);
	put_run(f->s, "run_l", "bat_live", T0, RUN_SUCCEEDED);

	/* The returned dirs are still the runs' only. */
	expect_pruned(f->s, T0 + DAY, 0, "run_e1 run_e2 run_k1 run_l");
	expect_batches(f->s, -1, 0, "bat_new bat_queued bat_live bat_kept");
	expect_inbox(f->s, "ann", "bat_kept@0");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM inbox"), 1);
	expect_pruned(f->s, T0 + DAY, 0, "");
	expect_batches(f->s, -1, 0, "bat_new bat_queued bat_live bat_kept");

	/* Once its last run goes, so does the batch. */
	expect_pruned(f->s, T0 + 10 * DAY, 0, "run_k2");
	expect_batches(f->s, -1, 0, "bat_queued bat_live");
	expect_inbox(f->s, "ann", "");
}

/* The schema baton 0.1 wrote (version 1), kept as it was. */
static const char v1_sql[] =
	"PRAGMA auto_vacuum = INCREMENTAL;"
	"PRAGMA journal_mode = WAL;"
	"CREATE TABLE runs ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" pipeline TEXT, tenant TEXT, batch TEXT, parent_run TEXT,"
	" retry_of TEXT, status TEXT NOT NULL,"
	" created_at INTEGER, started_at INTEGER, finished_at INTEGER,"
	" params_json TEXT, output_json TEXT, error TEXT,"
	" exit_code INTEGER NOT NULL DEFAULT 0,"
	" nsteps INTEGER NOT NULL DEFAULT 0,"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" pid_start INTEGER NOT NULL DEFAULT 0,"
	" state_dir TEXT);"
	"CREATE INDEX runs_pipeline ON runs (pipeline, created_at);"
	"CREATE INDEX runs_created ON runs (created_at, id);"
	"CREATE INDEX runs_status ON runs (status);"
	"CREATE INDEX runs_batch ON runs (batch);"
	"CREATE TABLE steps ("
	" run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" idx INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL,"
	" attempt INTEGER NOT NULL DEFAULT 0,"
	" started_at INTEGER, finished_at INTEGER,"
	" exit_code INTEGER NOT NULL DEFAULT -1,"
	" error TEXT, log_path TEXT, output_json TEXT, metrics_json TEXT,"
	" pgid INTEGER NOT NULL DEFAULT 0,"
	" reused INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, name));"
	"CREATE TABLE attempts ("
	" run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" step TEXT NOT NULL,"
	" attempt INTEGER NOT NULL,"
	" status TEXT NOT NULL,"
	" started_at INTEGER, finished_at INTEGER,"
	" exit_code INTEGER NOT NULL DEFAULT -1,"
	" error TEXT,"
	" PRIMARY KEY (run_id, step, attempt));"
	"CREATE TABLE flags ("
	" pipeline TEXT NOT NULL, step TEXT NOT NULL,"
	" tested INTEGER NOT NULL, set_by TEXT, set_at INTEGER NOT NULL,"
	" PRIMARY KEY (pipeline, step));"
	"PRAGMA user_version = 1;"
	"INSERT INTO runs (id, pipeline, batch, status, created_at, "
	"finished_at, state_dir) VALUES ('run_old', 'etl', 'bat_old', "
	"'succeeded', 1700000000000, 1700000001000, '/state/run_old');"
	"INSERT INTO steps (run_id, name, status) "
	"VALUES ('run_old', 'load', 'succeeded');"
	"INSERT INTO attempts (run_id, step, attempt, status) "
	"VALUES ('run_old', 'load', 1, 'succeeded');"
	"INSERT INTO flags VALUES ('etl', 'load', 1, 'ann', 1700000000000);";

static void test_upgrade_from_v1(void **state)
{
	struct fix *f = *state;
	struct error err = { 0 };
	struct run_rec run = { 0 };
	struct step_rec *steps = NULL;
	struct attempt_rec *attempts = NULL;
	size_t nsteps = 0, nattempts = 0;
	bool tested = false;

	raw_exec(f->path, v1_sql);
	assert_int_equal(store_open(f->path, &f->s, &err), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);

	/* Everything version 1 held is still there. */
	assert_int_equal(store_run_get(f->s, "last", &run, NULL), 0);
	assert_string_equal(run.id, "run_old");
	assert_string_equal(run.batch, "bat_old");
	assert_int_equal(run.status, RUN_SUCCEEDED);
	assert_int_equal(run.finished_at, T0 + 1000);
	assert_string_equal(run.state_dir, "/state/run_old");
	run_rec_release(&run);
	assert_int_equal(store_steps_list(f->s, "run_old", &steps, &nsteps),
			 0);
	assert_int_equal(nsteps, 1);
	assert_int_equal(store_attempts_list(f->s, "run_old", &attempts,
					     &nattempts),
			 0);
	assert_int_equal(nattempts, 1);
	assert_int_equal(store_flag_get(f->s, "etl", "load", &tested), 0);
	assert_true(tested);
	step_recs_free(steps, nsteps);
	attempt_recs_free(attempts, nattempts);

	/* The new tables work, cascade included. */
	put_batch(f->s, "bat_old", T0, RUN_SUCCEEDED);
	assert_int_equal(store_inbox_add(f->s, "ann", "bat_old", T0 + 1), 0);
	expect_inbox(f->s, "ann", "bat_old@1");
	expect_pruned(f->s, T0 + DAY, 0, "/state/run_old");
	expect_batches(f->s, -1, 0, "");
	expect_inbox(f->s, "ann", "");

	/* Reopening an upgraded file changes nothing. */
	store_free(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->path, &f->s, &err), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master "
					  "WHERE type = 'table'"),
			 7);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
}

/* A failed upgrade leaves the file as it was, at version 1. */
static void test_upgrade_is_atomic(void **state)
{
	struct fix *f = *state;
	struct error err = { 0 };

	raw_exec(f->path, v1_sql);
	/* Something in the way of the new inbox table. */
	raw_exec(f->path, "CREATE TABLE inbox (x);");
	assert_int_equal(store_open(f->path, &f->s, &err), -EIO);
	assert_null(f->s);
	assert_non_null(strstr(err.msg, "cannot upgrade store"));
	assert_non_null(strstr(err.msg, "inbox"));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master "
					  "WHERE name = 'batches'"),
			 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM runs"), 1);

	raw_exec(f->path, "DROP TABLE inbox;");
	assert_int_equal(store_open(f->path, &f->s, &err), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TD(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown)

/* Makes the temp dir and the path; the test opens the store itself. */
static int setup_dir(void **state)
{
	return fix_make(state, "baton.db", false);
}

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
		T(test_schema_has_batches),
		T(test_batch_roundtrip),
		T(test_batch_roundtrip_nulls),
		T(test_batch_put_updates_in_place),
		T(test_batch_get_prefix),
		T(test_batch_get_last_empty),
		T(test_batches_list),
		T(test_inbox),
		T(test_prune_batches),
		TD(test_upgrade_from_v1),
		TD(test_upgrade_is_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
