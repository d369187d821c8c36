/* store_sqlite_sql.h - the SQL of the SQLite store (private).
 *
 * The schema and every fixed statement, kept apart from the C that runs
 * them so that both read in one sitting.  Included only by
 * store_sqlite.c, which prepares every statement (their enum stmt is in
 * store_sqlite_int.h): the definitions below are static.
 */
#ifndef BATON_STORE_SQLITE_SQL_H
#define BATON_STORE_SQLITE_SQL_H

#include "store_sqlite_int.h"

#define SCHEMA_VERSION 3

/* Column lists: the put statements bind them as ?1..?N in this order and
 * the readers read them back as columns 0..N-1. */
#define RUN_COLS                                                              \
	"id, pipeline, tenant, batch, parent_run, retry_of, status, "         \
	"created_at, started_at, finished_at, params_json, output_json, "     \
	"error, exit_code, nsteps, pid, pid_start, state_dir"
#define STEP_COLS                                                             \
	"run_id, name, idx, status, attempt, started_at, finished_at, "       \
	"exit_code, error, log_path, output_json, metrics_json, pgid, reused"
#define ATTEMPT_COLS                                                          \
	"run_id, step, attempt, status, started_at, finished_at, exit_code, " \
	"error"
#define BATCH_COLS                                                            \
	"id, source, job_id, pipeline, status, created_at, finished_at, "     \
	"total, succeeded, failed, skipped, cancelled, summary_json, pid, "   \
	"pid_start"
#define SCHED_COLS                                                            \
	"kind, id, expr, last_fire_at, next_fire_at, last_lag_ms, "           \
	"last_batch, last_run, fires, skipped, updated_at"

#define SET(c) c " = excluded." c

/* Version 1: runs, steps, attempts and flags. */
static const char schema_v1_sql[] =
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
	"PRAGMA user_version = 1;";

/* Version 2: batches and the result inbox.  runs.batch names a batch
 * without a foreign key: a run may be written before its batch. */
static const char schema_v2_sql[] =
	"CREATE TABLE batches ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" source TEXT NOT NULL, job_id TEXT, pipeline TEXT,"
	" status TEXT NOT NULL,"
	" created_at INTEGER, finished_at INTEGER,"
	" total INTEGER NOT NULL DEFAULT 0,"
	" succeeded INTEGER NOT NULL DEFAULT 0,"
	" failed INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0,"
	" cancelled INTEGER NOT NULL DEFAULT 0,"
	" summary_json TEXT,"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" pid_start INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX batches_created ON batches (created_at, id);"
	"CREATE INDEX batches_status ON batches (status, created_at, id);"
	"CREATE TABLE inbox ("
	" user TEXT NOT NULL,"
	" batch_id TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,"
	" at INTEGER,"
	" PRIMARY KEY (user, batch_id));"
	/* The cascade looks inbox rows up by batch. */
	"CREATE INDEX inbox_batch ON inbox (batch_id);"
	"PRAGMA user_version = 2;";

/* Version 3: what the scheduler remembers about each schedule, so that
 * a restart neither fires a schedule twice nor forgets one
 * (src/sched/fire.h).  kind is "pipeline" or "job". */
static const char schema_v3_sql[] =
	"CREATE TABLE schedules ("
	" kind TEXT NOT NULL, id TEXT NOT NULL,"
	" expr TEXT,"
	" last_fire_at INTEGER, next_fire_at INTEGER,"
	" last_lag_ms INTEGER,"
	" last_batch TEXT, last_run TEXT,"
	" fires INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER,"
	" PRIMARY KEY (kind, id));"
	"PRAGMA user_version = 3;";

/* migrations[v] takes a database from version v to v + 1, setting
 * user_version itself; version 0 is a new, empty file. */
static const char *const migrations[SCHEMA_VERSION] = {
	schema_v1_sql,
	schema_v2_sql,
	schema_v3_sql,
};

static const char *const stmt_sql[NSQL] = {
	[SQL_BEGIN] = "BEGIN IMMEDIATE",
	[SQL_COMMIT] = "COMMIT",
	[SQL_ROLLBACK] = "ROLLBACK",
	[SQL_RUN_PUT] =
		"INSERT INTO runs (" RUN_COLS ") VALUES (?, ?, ?, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
		"UPDATE SET " SET("pipeline") ", " SET("tenant") ", "
		SET("batch") ", " SET("parent_run") ", " SET("retry_of") ", "
		SET("status") ", " SET("created_at") ", " SET("started_at")
		", " SET("finished_at") ", " SET("params_json") ", "
		SET("output_json") ", " SET("error") ", " SET("exit_code")
		", " SET("nsteps") ", " SET("pid") ", " SET("pid_start")
		", " SET("state_dir"),
	[SQL_STEP_PUT] =
		"INSERT INTO steps (" STEP_COLS ") VALUES (?, ?, ?, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO "
		"UPDATE SET " SET("idx") ", " SET("status") ", "
		SET("attempt") ", " SET("started_at") ", " SET("finished_at")
		", " SET("exit_code") ", " SET("error") ", " SET("log_path")
		", " SET("output_json") ", " SET("metrics_json") ", "
		SET("pgid") ", " SET("reused"),
	[SQL_ATTEMPT_PUT] =
		"INSERT INTO attempts (" ATTEMPT_COLS ") VALUES (?, ?, ?, ?, "
		"?, ?, ?, ?) ON CONFLICT (run_id, step, attempt) DO UPDATE "
		"SET " SET("status") ", " SET("started_at") ", "
		SET("finished_at") ", " SET("exit_code") ", " SET("error"),
	[SQL_RUN_BY_ID] = "SELECT " RUN_COLS " FROM runs WHERE id = ?1",
	/* "last" is the newest run a user started: not a sub-pipeline's. */
	[SQL_RUN_LAST] = "SELECT " RUN_COLS " FROM runs "
			 "WHERE parent_run IS NULL "
			 "ORDER BY created_at DESC, id DESC LIMIT 1",
	/* substr, not LIKE: no wildcards to escape, and case-sensitive. */
	[SQL_RUN_PREFIX] = "SELECT count(*), min(id) FROM runs "
			   "WHERE substr(id, 1, length(?1)) = ?1",
	[SQL_STEPS_LIST] = "SELECT " STEP_COLS " FROM steps "
			   "WHERE run_id = ?1 ORDER BY idx, name",
	[SQL_ATTEMPTS_LIST] =
		"SELECT a.run_id, a.step, a.attempt, a.status, a.started_at, "
		"a.finished_at, a.exit_code, a.error FROM attempts AS a "
		"LEFT JOIN steps AS s ON s.run_id = a.run_id "
		"AND s.name = a.step WHERE a.run_id = ?1 "
		"ORDER BY s.idx, a.step, a.attempt",
	/* ?1 before_ms, ?2 keep_runs, ?3 and ?4 the unfinished statuses.
	 * A finished run without finished_at ages from its creation. */
	[SQL_PRUNE] =
		"DELETE FROM runs WHERE status NOT IN (?3, ?4) AND ("
		"(?1 > 0 AND coalesce(finished_at, created_at, 0) < ?1) OR "
		"(?2 > 0 AND id NOT IN (SELECT id FROM runs "
		"WHERE status NOT IN (?3, ?4) "
		"ORDER BY created_at DESC, id DESC LIMIT ?2))) "
		"RETURNING state_dir",
	[SQL_FLAG_SET] =
		"INSERT INTO flags (pipeline, step, tested, set_by, set_at) "
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT (pipeline, step) DO "
		"UPDATE SET " SET("tested") ", " SET("set_by") ", "
		SET("set_at"),
	[SQL_FLAG_GET] = "SELECT tested FROM flags "
			 "WHERE pipeline = ?1 AND step = ?2",
	[SQL_FLAGS_LIST] = "SELECT step, tested, set_by, set_at FROM flags "
			   "WHERE pipeline = ?1 ORDER BY step",
	[SQL_BATCH_PUT] =
		"INSERT INTO batches (" BATCH_COLS ") VALUES (?, ?, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
		SET("source") ", " SET("job_id") ", " SET("pipeline") ", "
		SET("status") ", " SET("created_at") ", " SET("finished_at")
		", " SET("total") ", " SET("succeeded") ", " SET("failed")
		", " SET("skipped") ", " SET("cancelled") ", "
		SET("summary_json") ", " SET("pid") ", " SET("pid_start"),
	[SQL_BATCH_BY_ID] = "SELECT " BATCH_COLS " FROM batches WHERE id = ?1",
	[SQL_BATCH_LAST] = "SELECT " BATCH_COLS " FROM batches "
			   "ORDER BY created_at DESC, id DESC LIMIT 1",
	[SQL_BATCH_PREFIX] = "SELECT count(*), min(id) FROM batches "
			     "WHERE substr(id, 1, length(?1)) = ?1",
	/* ?1 the status word (unused by the first), ?2 the limit or -1. */
	[SQL_BATCHES_LIST] = "SELECT " BATCH_COLS " FROM batches "
			     "ORDER BY created_at DESC, id DESC LIMIT ?2",
	[SQL_BATCHES_BY_STATUS] =
		"SELECT " BATCH_COLS " FROM batches WHERE status = ?1 "
		"ORDER BY created_at DESC, id DESC LIMIT ?2",
	/* ?1 before_ms, ?2 and ?3 the unfinished statuses; ages like
	 * SQL_PRUNE.  Runs in the same transaction, after it. */
	[SQL_BATCHES_PRUNE] =
		"DELETE FROM batches WHERE status NOT IN (?2, ?3) "
		"AND coalesce(finished_at, created_at, 0) < ?1 "
		"AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.batch = "
		"batches.id)",
	/* A repeat delivery keeps the first one's time. */
	[SQL_INBOX_ADD] = "INSERT INTO inbox (user, batch_id, at) "
			  "VALUES (?1, ?2, ?3) "
			  "ON CONFLICT (user, batch_id) DO NOTHING",
	[SQL_INBOX_LIST] = "SELECT user, batch_id, at FROM inbox "
			   "WHERE user = ?1 ORDER BY at DESC, batch_id DESC",
	[SQL_SCHED_PUT] =
		"INSERT INTO schedules (" SCHED_COLS ") VALUES (?, ?, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET "
		SET("expr") ", " SET("last_fire_at") ", " SET("next_fire_at")
		", " SET("last_lag_ms") ", " SET("last_batch") ", "
		SET("last_run") ", " SET("fires") ", " SET("skipped") ", "
		SET("updated_at"),
	[SQL_SCHED_GET] = "SELECT " SCHED_COLS " FROM schedules "
			  "WHERE kind = ?1 AND id = ?2",
	[SQL_SCHED_LIST] = "SELECT " SCHED_COLS " FROM schedules "
			   "ORDER BY kind, id",
	[SQL_SCHED_DELETE] = "DELETE FROM schedules "
			     "WHERE kind = ?1 AND id = ?2",
	[SQL_SCHED_LAG] = "UPDATE schedules SET last_lag_ms = ?3 "
			  "WHERE kind = ?1 AND id = ?2",
};

#endif
