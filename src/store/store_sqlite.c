/* store_sqlite.c - the store kept in one SQLite file.
 *
 * Several baton processes may share the file (a sub-pipeline runs as a
 * child baton writing the same database), so it runs in WAL mode with a
 * busy timeout, and batches take the write lock up front (BEGIN
 * IMMEDIATE).  The engine writes two rows per step transition, so every
 * statement is prepared once and kept for the life of the store.
 *
 * Statuses are stored as their words and unset times (0) as NULL, so the
 * file reads well in the sqlite3 shell.  Batches and the result inbox
 * live in store_sqlite_batch.c, schedules in store_sqlite_sched.c.
 */
#include "store_sqlite_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/error.h"
#include "../util/fs.h"
#include "../util/timeutil.h"
#include "store_sqlite_sql.h"

/* Describes the last database failure as "what 'path': why" (path may
 * be NULL) and returns -EIO. */
static int db_error(struct sqlite_store *s, struct error *err,
		    const char *what, const char *path)
{
	if (path)
		return error_set(err, -EIO, "%s '%s': %s", what, path,
				 sqlite3_errmsg(s->db));
	return error_set(err, -EIO, "%s: %s", what, sqlite3_errmsg(s->db));
}

static int col_step_status(sqlite3_stmt *st, int i, enum step_status *out)
{
	const char *w = (const char *)sqlite3_column_text(st, i);

	return w && step_status_parse(w, out) == 0 ? 0 : -EIO;
}

/* Creates the missing directories above path (mkdir -p of its dirname).
 * Returns 0 or -errno, described in err. */
static int mkdir_parents(const char *path, struct error *err)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		rc = fs_mkdirs(dir);
		if (rc < 0)
			error_set(err, rc, "cannot create directory '%s': %s",
				  dir, strerror(-rc));
	}
	free(dir);
	return rc;
}

/* Reads an integer pragma such as user_version. */
static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -EIO;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Sets the connection up and reads the schema version into *version.
 * auto_vacuum only takes effect on a database without tables, so it is
 * set before the schema is created, and only then: on an existing file
 * the pragma would take the write lock. */
static int configure(struct sqlite_store *s, const char *path, int *version,
		     struct error *err)
{
	sqlite3_busy_timeout(s->db, 10000);
	if (pragma_int(s->db, "PRAGMA user_version", version) < 0)
		return db_error(s, err, "cannot read store", path);
	if (*version == 0 &&
	    sqlite3_exec(s->db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL,
			 NULL) != SQLITE_OK)
		return db_error(s, err, "cannot set up store", path);
	if (sqlite3_exec(s->db,
			 "PRAGMA journal_mode = WAL;"
			 "PRAGMA synchronous = NORMAL;"
			 "PRAGMA foreign_keys = ON;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_error(s, err, "cannot set up store", path);
	return 0;
}

static int too_new(const char *path, int version, struct error *err)
{
	return error_set(err, -ENOTSUP,
			 "store '%s' has schema version %d; this baton knows "
			 "only version %d (upgrade baton)",
			 path, version, SCHEMA_VERSION);
}

/* Brings the database from version up to SCHEMA_VERSION in one
 * transaction: creates the tables of a new file (version 0), adds those
 * of later versions to an older one.  Another baton may be opening the
 * same file, so the version is read again under the write lock. */
static int migrate(struct sqlite_store *s, const char *path, int version,
		   struct error *err)
{
	const char *what = version ? "cannot upgrade store"
				   : "cannot create store";
	int rc = 0;

	if (version == SCHEMA_VERSION)
		return 0;
	if (version > SCHEMA_VERSION)
		return too_new(path, version, err);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_error(s, err, what, path);
	if (pragma_int(s->db, "PRAGMA user_version", &version) < 0) {
		rc = db_error(s, err, "cannot read store", path);
		goto out;
	}
	if (version > SCHEMA_VERSION) {
		rc = too_new(path, version, err);
		goto out;
	}
	for (; version < SCHEMA_VERSION; version++)
		if (sqlite3_exec(s->db, migrations[version], NULL, NULL,
				 NULL) != SQLITE_OK) {
			rc = db_error(s, err, what, path);
			goto out;
		}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_error(s, err, what, path);
out:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int prepare_all(struct sqlite_store *s, const char *path,
		       struct error *err)
{
	for (int i = 0; i < NSQL; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK)
			return db_error(s, err, "cannot prepare store", path);
	return 0;
}

static void sq_free(struct store *base)
{
	struct sqlite_store *s = sq(base);

	for (int i = 0; i < NSQL; i++)
		sqlite3_finalize(s->st[i]);
	for (int i = 0; i < NLIST; i++)
		sqlite3_finalize(s->list[i]);
	/* Closing rolls back a batch left open by a failing caller. */
	sqlite3_close_v2(s->db);
	free(s);
}

static int sq_begin(struct store *base)
{
	struct sqlite_store *s = sq(base);

	if (s->depth == 0 && stmt_exec(s->st[SQL_BEGIN]) < 0)
		return -EIO;
	s->depth++;
	return 0;
}

static int sq_commit(struct store *base)
{
	struct sqlite_store *s = sq(base);

	if (s->depth == 0)
		return -EINVAL;
	if (--s->depth > 0)
		return 0;
	if (stmt_exec(s->st[SQL_COMMIT]) == 0)
		return 0;
	/* A failed COMMIT may leave the transaction open; end it so that
	 * later writes do not silently join it. */
	if (!sqlite3_get_autocommit(s->db))
		stmt_exec(s->st[SQL_ROLLBACK]);
	return -EIO;
}

/* Ends the group that a failing write opened with sq_begin(): rolls it
 * back when it is the outermost; inside a caller's group, ending that is
 * left to the caller. */
static void sq_abort(struct sqlite_store *s)
{
	if (--s->depth == 0 && !sqlite3_get_autocommit(s->db))
		stmt_exec(s->st[SQL_ROLLBACK]);
}

static int bind_run(sqlite3_stmt *st, const struct run_rec *r)
{
	return bind_str(st, 1, r->id) | bind_str(st, 2, r->pipeline) |
	       bind_str(st, 3, r->tenant) | bind_str(st, 4, r->batch) |
	       bind_str(st, 5, r->parent_run) |
	       bind_str(st, 6, r->retry_of) |
	       bind_str(st, 7, run_status_name(r->status)) |
	       bind_time(st, 8, r->created_at) |
	       bind_time(st, 9, r->started_at) |
	       bind_time(st, 10, r->finished_at) |
	       bind_str(st, 11, r->params_json) |
	       bind_str(st, 12, r->output_json) |
	       bind_str(st, 13, r->error) |
	       sqlite3_bind_int(st, 14, r->exit_code) |
	       sqlite3_bind_int(st, 15, r->nsteps) |
	       sqlite3_bind_int(st, 16, r->pid) |
	       sqlite3_bind_int64(st, 17, r->pid_start) |
	       bind_str(st, 18, r->state_dir);
}

static int sq_run_put(struct store *base, const struct run_rec *r)
{
	sqlite3_stmt *st = sq(base)->st[SQL_RUN_PUT];

	return stmt_put(st, bind_run(st, r));
}

static int bind_step(sqlite3_stmt *st, const struct step_rec *x)
{
	return bind_str(st, 1, x->run_id) | bind_str(st, 2, x->name) |
	       sqlite3_bind_int(st, 3, x->idx) |
	       bind_str(st, 4, step_status_name(x->status)) |
	       sqlite3_bind_int(st, 5, x->attempt) |
	       bind_time(st, 6, x->started_at) |
	       bind_time(st, 7, x->finished_at) |
	       sqlite3_bind_int(st, 8, x->exit_code) |
	       bind_str(st, 9, x->error) | bind_str(st, 10, x->log_path) |
	       bind_str(st, 11, x->output_json) |
	       bind_str(st, 12, x->metrics_json) |
	       sqlite3_bind_int(st, 13, x->pgid) |
	       sqlite3_bind_int(st, 14, x->reused);
}

static int sq_step_put(struct store *base, const struct step_rec *x)
{
	sqlite3_stmt *st = sq(base)->st[SQL_STEP_PUT];

	return stmt_put(st, bind_step(st, x));
}

static int bind_attempt(sqlite3_stmt *st, const struct attempt_rec *a)
{
	return bind_str(st, 1, a->run_id) | bind_str(st, 2, a->step) |
	       sqlite3_bind_int(st, 3, a->attempt) |
	       bind_str(st, 4, step_status_name(a->status)) |
	       bind_time(st, 5, a->started_at) |
	       bind_time(st, 6, a->finished_at) |
	       sqlite3_bind_int(st, 7, a->exit_code) |
	       bind_str(st, 8, a->error);
}

static int sq_attempt_put(struct store *base, const struct attempt_rec *a)
{
	sqlite3_stmt *st = sq(base)->st[SQL_ATTEMPT_PUT];

	return stmt_put(st, bind_attempt(st, a));
}

/* The row readers fill a zeroed record from the columns of *_COLS; the
 * status is checked first so that a failure leaves nothing to free. */
static int read_run(sqlite3_stmt *st, void *rec)
{
	struct run_rec *r = rec;

	memset(r, 0, sizeof(*r));
	if (col_run_status(st, 6, &r->status) < 0)
		return -EIO;
	r->id = col_str(st, 0);
	r->pipeline = col_str(st, 1);
	r->tenant = col_str(st, 2);
	r->batch = col_str(st, 3);
	r->parent_run = col_str(st, 4);
	r->retry_of = col_str(st, 5);
	r->created_at = sqlite3_column_int64(st, 7);
	r->started_at = sqlite3_column_int64(st, 8);
	r->finished_at = sqlite3_column_int64(st, 9);
	r->params_json = col_str(st, 10);
	r->output_json = col_str(st, 11);
	r->error = col_str(st, 12);
	r->exit_code = sqlite3_column_int(st, 13);
	r->nsteps = sqlite3_column_int(st, 14);
	r->pid = sqlite3_column_int(st, 15);
	r->pid_start = sqlite3_column_int64(st, 16);
	r->state_dir = col_str(st, 17);
	return 0;
}

static int read_step(sqlite3_stmt *st, void *rec)
{
	struct step_rec *x = rec;

	memset(x, 0, sizeof(*x));
	if (col_step_status(st, 3, &x->status) < 0)
		return -EIO;
	x->run_id = col_str(st, 0);
	x->name = col_str(st, 1);
	x->idx = sqlite3_column_int(st, 2);
	x->attempt = sqlite3_column_int(st, 4);
	x->started_at = sqlite3_column_int64(st, 5);
	x->finished_at = sqlite3_column_int64(st, 6);
	x->exit_code = sqlite3_column_int(st, 7);
	x->error = col_str(st, 8);
	x->log_path = col_str(st, 9);
	x->output_json = col_str(st, 10);
	x->metrics_json = col_str(st, 11);
	x->pgid = sqlite3_column_int(st, 12);
	x->reused = sqlite3_column_int(st, 13) != 0;
	return 0;
}

static int read_attempt(sqlite3_stmt *st, void *rec)
{
	struct attempt_rec *a = rec;

	memset(a, 0, sizeof(*a));
	if (col_step_status(st, 3, &a->status) < 0)
		return -EIO;
	a->run_id = col_str(st, 0);
	a->step = col_str(st, 1);
	a->attempt = sqlite3_column_int(st, 2);
	a->started_at = sqlite3_column_int64(st, 4);
	a->finished_at = sqlite3_column_int64(st, 5);
	a->exit_code = sqlite3_column_int(st, 6);
	a->error = col_str(st, 7);
	return 0;
}

static void release_run(void *rec)
{
	run_rec_release(rec);
}

static void release_step(void *rec)
{
	step_rec_release(rec);
}

static void release_attempt(void *rec)
{
	attempt_rec_release(rec);
}

static const struct row_kind run_kind = {
	sizeof(struct run_rec), read_run, release_run,
};
static const struct row_kind step_kind = {
	sizeof(struct step_rec), read_step, release_step,
};
static const struct row_kind attempt_kind = {
	sizeof(struct attempt_rec), read_attempt, release_attempt,
};

int store_sqlite_read_rows(sqlite3_stmt *st, const struct row_kind *k,
			   void **out, size_t *n)
{
	void *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow(&v, &cap, len + 1, k->size);
		if (k->read(st, (char *)v + len * k->size) < 0)
			break;
		len++;
	}
	if (rc != SQLITE_DONE) {
		rc = -EIO;
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;
	len = 0;
	rc = 0;
out:
	for (size_t i = 0; i < len; i++)
		k->release((char *)v + i * k->size);
	free(v);
	stmt_done(st);
	return rc;
}

/* Reads the single k record that statement which (bound with id, if
 * any) finds.  Returns 0 with *out filled, -ENOENT or -EIO. */
static int fetch(struct sqlite_store *s, enum stmt which,
		 const struct row_kind *k, const char *id, void *out)
{
	sqlite3_stmt *st = s->st[which];
	void *rec = xmalloc(k->size);
	int rc = -EIO;

	if (id && bind_str(st, 1, id) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = -ENOENT;
		goto out;
	}
	if (rc != SQLITE_ROW || k->read(st, rec) < 0) {
		rc = -EIO;
		goto out;
	}
	memcpy(out, rec, k->size);
	rc = 0;
out:
	free(rec);
	stmt_done(st);
	return rc;
}

/* Finds the one id that starts with prefix.  On success *full is the
 * whole id; caller frees it with free(). */
static int resolve(struct sqlite_store *s, const struct lookup *l,
		   const char *prefix, char **full, struct error *err)
{
	sqlite3_stmt *st = s->st[l->prefix];
	sqlite3_int64 count;
	int rc = -ENOENT;

	if (!*prefix)
		goto out;
	if (bind_str(st, 1, prefix) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = -EIO;
		goto out;
	}
	count = sqlite3_column_int64(st, 0);
	if (count > 1) {
		rc = error_set(err, -EEXIST,
			       "%s id prefix '%s' is ambiguous (%lld %s match)",
			       l->noun, prefix, (long long)count, l->nouns);
	} else if (count == 1) {
		*full = col_str(st, 1);
		rc = 0;
	}
out:
	stmt_done(st);
	return rc;
}

int store_sqlite_get(struct sqlite_store *s, const struct lookup *l,
		     const char *id, void *out, struct error *err)
{
	char *full = NULL;
	int rc;

	rc = fetch(s, l->by_id, l->kind, id, out);
	if (rc != -ENOENT)
		goto out;
	if (!strcmp(id, "last")) {
		rc = fetch(s, l->last, l->kind, NULL, out);
		goto out;
	}
	rc = resolve(s, l, id, &full, err);
	if (rc == 0)
		rc = fetch(s, l->by_id, l->kind, full, out);
out:
	if (rc == -ENOENT)
		error_set(err, rc, "no %s matches '%s'", l->noun, id);
	else if (rc == -EIO)
		error_set(err, rc, "cannot read %s: %s", l->nouns,
			  sqlite3_errmsg(s->db));
	free(full);
	return rc;
}

static int sq_run_get(struct store *base, const char *id, struct run_rec *out,
		      struct error *err)
{
	static const struct lookup runs = {
		SQL_RUN_BY_ID, SQL_RUN_LAST, SQL_RUN_PREFIX, &run_kind,
		"run", "runs",
	};

	return store_sqlite_get(sq(base), &runs, id, out, err);
}

static unsigned list_mask(const struct run_filter *f)
{
	return (f->pipeline ? 1u : 0) | (f->tenant ? 2u : 0) |
	       (f->batch ? 4u : 0) | (f->status >= 0 ? 8u : 0);
}

/* Returns the runs_list statement for f's filters, preparing it on first
 * use (borrowed: the store keeps it), or NULL on error. */
static sqlite3_stmt *list_stmt(struct sqlite_store *s,
			       const struct run_filter *f)
{
	unsigned mask = list_mask(f);
	struct buf sql;

	if (s->list[mask])
		return s->list[mask];
	buf_init(&sql, 0);
	buf_addstr(&sql, "SELECT " RUN_COLS " FROM runs WHERE 1");
	if (mask & 1)
		buf_addstr(&sql, " AND pipeline = ?1");
	if (mask & 2)
		buf_addstr(&sql, " AND tenant = ?2");
	if (mask & 4)
		buf_addstr(&sql, " AND batch = ?3");
	if (mask & 8)
		buf_addstr(&sql, " AND status = ?4");
	/* ?5 is always present, so ?1..?4 can always be bound. */
	buf_addstr(&sql, " ORDER BY created_at DESC, id DESC LIMIT ?5");
	if (sqlite3_prepare_v3(s->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT,
			       &s->list[mask], NULL) != SQLITE_OK)
		s->list[mask] = NULL;
	buf_release(&sql);
	return s->list[mask];
}

static int sq_runs_list(struct store *base, const struct run_filter *f,
			struct run_rec **out, size_t *n)
{
	static const struct run_filter all = { .status = -1 };
	sqlite3_stmt *st;
	const char *status = NULL;
	void *v = NULL;
	int rc;

	if (!f)
		f = &all;
	st = list_stmt(sq(base), f);
	if (!st)
		return -EIO;
	if (f->status >= 0)
		status = run_status_name((enum run_status)f->status);
	if ((bind_str(st, 1, f->pipeline) | bind_str(st, 2, f->tenant) |
	     bind_str(st, 3, f->batch) | bind_str(st, 4, status) |
	     sqlite3_bind_int(st, 5, f->limit > 0 ? f->limit : -1)) !=
	    SQLITE_OK) {
		stmt_done(st);
		return -EIO;
	}
	rc = store_sqlite_read_rows(st, &run_kind, &v, n);
	if (rc == 0)
		*out = v;
	return rc;
}

/* Lists the k records of run_id that statement which finds. */
static int list_of_run(struct store *base, enum stmt which,
		       const char *run_id, const struct row_kind *k,
		       void **out, size_t *n)
{
	sqlite3_stmt *st = sq(base)->st[which];

	if (bind_str(st, 1, run_id) != SQLITE_OK) {
		stmt_done(st);
		return -EIO;
	}
	return store_sqlite_read_rows(st, k, out, n);
}

static int sq_steps_list(struct store *base, const char *run_id,
			 struct step_rec **out, size_t *n)
{
	void *v = NULL;
	int rc;

	rc = list_of_run(base, SQL_STEPS_LIST, run_id, &step_kind, &v, n);
	if (rc == 0)
		*out = v;
	return rc;
}

static int sq_attempts_list(struct store *base, const char *run_id,
			    struct attempt_rec **out, size_t *n)
{
	void *v = NULL;
	int rc;

	rc = list_of_run(base, SQL_ATTEMPTS_LIST, run_id, &attempt_kind, &v,
			 n);
	if (rc == 0)
		*out = v;
	return rc;
}

/* Gives the pages of deleted rows back to the file system.  Best effort:
 * the rows are gone either way, and a checkpoint cannot run inside a
 * batch or finish while another process reads. */
static void reclaim(struct sqlite_store *s)
{
	sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
	if (s->depth == 0)
		sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
			     NULL, NULL);
}

/* Runs the bound prune statement and readies it again.  On success *dirs
 * holds the deleted runs' state_dir values (caller frees with
 * strv_free()). */
static int prune_rows(sqlite3_stmt *st, char ***dirs, size_t *ndirs)
{
	void *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	/* RETURNING: the whole delete happens at the first step. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue;
		xgrow(&v, &cap, len + 1, sizeof(char *));
		((char **)v)[len++] = col_str(st, 0);
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		strv_free(v, len);
		return -EIO;
	}
	*dirs = v;
	*ndirs = len;
	return 0;
}

static int sq_prune(struct store *base, int64_t before_ms, int keep_runs,
		    char ***dirs, size_t *ndirs)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = s->st[SQL_PRUNE];
	char **v = NULL;
	size_t n = 0;
	int rc;

	/* One transaction: the batches emptied go with their runs, and a
	 * failure deletes nothing whose log directory the caller would not
	 * hear of. */
	rc = sq_begin(base);
	if (rc < 0)
		return rc;
	if ((sqlite3_bind_int64(st, 1, before_ms) |
	     sqlite3_bind_int(st, 2, keep_runs) |
	     bind_str(st, 3, run_status_name(RUN_QUEUED)) |
	     bind_str(st, 4, run_status_name(RUN_RUNNING))) != SQLITE_OK) {
		stmt_done(st);
		rc = -EIO;
	}
	if (rc == 0)
		rc = prune_rows(st, &v, &n);
	if (rc == 0)
		rc = store_sqlite_batches_prune(s, before_ms);
	if (rc == 0)
		rc = sq_commit(base);
	else
		sq_abort(s);
	if (rc < 0) {
		strv_free(v, n);
		return rc;
	}
	reclaim(s);
	*dirs = v;
	*ndirs = n;
	return 0;
}

static const struct store_ops sqlite_ops = {
	.free = sq_free,
	.begin = sq_begin,
	.commit = sq_commit,
	.run_put = sq_run_put,
	.step_put = sq_step_put,
	.attempt_put = sq_attempt_put,
	.run_get = sq_run_get,
	.runs_list = sq_runs_list,
	.steps_list = sq_steps_list,
	.attempts_list = sq_attempts_list,
	.prune = sq_prune,
	.batch_put = store_sqlite_batch_put,
	.batch_get = store_sqlite_batch_get,
	.batches_list = store_sqlite_batches_list,
	.inbox_add = store_sqlite_inbox_add,
	.inbox_list = store_sqlite_inbox_list,
	.flag_set = store_sqlite_flag_set,
	.flag_get = store_sqlite_flag_get,
	.flags_list = store_sqlite_flags_list,
	.schedule_put = store_sqlite_schedule_put,
	.schedule_get = store_sqlite_schedule_get,
	.schedules_list = store_sqlite_schedules_list,
	.schedule_delete = store_sqlite_schedule_delete,
	.schedule_lag = store_sqlite_schedule_lag,
};

int store_sqlite_open(const char *path, struct store **out,
		      struct error *err)
{
	struct sqlite_store *s = NULL;
	int version = 0;
	int rc;

	rc = mkdir_parents(path, err);
	if (rc < 0)
		goto out;
	s = xcalloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = error_set(err, -EIO, "cannot open store '%s': %s", path,
			       s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto out;
	}
	rc = configure(s, path, &version, err);
	if (rc == 0)
		rc = migrate(s, path, version, err);
	if (rc == 0)
		rc = prepare_all(s, path, err);
	if (rc < 0)
		goto out;
	*out = &s->base;
	s = NULL;
out:
	if (s)
		sq_free(&s->base);
	return rc;
}
