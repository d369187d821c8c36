/* store_sqlite_int.h - what the SQLite store's files share (private).
 *
 * store_sqlite.c opens the file and keeps runs, steps and attempts;
 * store_sqlite_flags.c keeps the steps' tested flags;
 * store_sqlite_batch.c keeps batches and the result inbox;
 * store_sqlite_sched.c keeps the scheduler's schedules.  All
 * use the one connection and the one set of statements, prepared once
 * by store_sqlite.c.  Only those four files include this header.
 */
#ifndef BATON_STORE_SQLITE_INT_H
#define BATON_STORE_SQLITE_INT_H

#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/alloc.h"
#include "store_impl.h"

/* Every fixed statement; the SQL is stmt_sql[] in store_sqlite_sql.h. */
enum stmt {
	SQL_BEGIN,
	SQL_COMMIT,
	SQL_ROLLBACK,
	SQL_RUN_PUT,
	SQL_STEP_PUT,
	SQL_ATTEMPT_PUT,
	SQL_RUN_BY_ID,
	SQL_RUN_LAST,
	SQL_RUN_PREFIX,
	SQL_STEPS_LIST,
	SQL_ATTEMPTS_LIST,
	SQL_PRUNE,
	SQL_FLAG_SET,
	SQL_FLAG_GET,
	SQL_FLAGS_LIST,
	SQL_BATCH_PUT,
	SQL_BATCH_BY_ID,
	SQL_BATCH_LAST,
	SQL_BATCH_PREFIX,
	SQL_BATCHES_LIST,
	SQL_BATCHES_BY_STATUS,
	SQL_BATCHES_PRUNE,
	SQL_INBOX_ADD,
	SQL_INBOX_LIST,
	SQL_SCHED_PUT,
	SQL_SCHED_GET,
	SQL_SCHED_LIST,
	SQL_SCHED_DELETE,
	SQL_SCHED_LAG,
	NSQL
};

/* One runs_list statement per combination of filters, so that each can
 * use its index; bit i set = filter i given (see list_mask()). */
#define NLIST 16

struct sqlite_store {
	struct store base;	/* must stay first */
	sqlite3 *db;
	sqlite3_stmt *st[NSQL];
	sqlite3_stmt *list[NLIST];	/* prepared on first use */
	int depth;		/* store_begin() nesting */
};

/* Describes one kind of record so that store_sqlite_read_rows() can fill
 * any.  read fills a zeroed record from the current row and fails (-EIO)
 * before allocating anything. */
struct row_kind {
	size_t size;
	int (*read)(sqlite3_stmt *st, void *rec);
	void (*release)(void *rec);
};

/* How store_sqlite_get() finds one record: statement by_id is bound with
 * the id as ?1, last takes no parameter, prefix returns count(*) and
 * min(id) of the ids starting with ?1.  noun and nouns word the
 * messages ("run", "runs"). */
struct lookup {
	enum stmt by_id, last, prefix;
	const struct row_kind *kind;
	const char *noun;
	const char *nouns;
};

static inline struct sqlite_store *sq(struct store *base)
{
	return (struct sqlite_store *)base;
}

/* Makes a statement ready for its next use (keeps its error in the db
 * handle for sqlite3_errmsg). */
static inline void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows and readies it again. */
static inline int stmt_exec(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Runs a write whose binding returned bound (the OR of the bind calls'
 * codes) and readies the statement again. */
static inline int stmt_put(sqlite3_stmt *st, int bound)
{
	if (bound != SQLITE_OK) {
		stmt_done(st);
		return -EIO;
	}
	return stmt_exec(st);
}

/* The bind helpers return an SQLite code; callers OR them together.
 * Statuses are stored as their words and unset times (0) as NULL. */
static inline int bind_str(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static inline int bind_time(sqlite3_stmt *st, int i, int64_t ms)
{
	return ms ? sqlite3_bind_int64(st, i, ms) : sqlite3_bind_null(st, i);
}

/* Returns a malloced copy of column i, or NULL for SQL NULL. */
static inline char *col_str(sqlite3_stmt *st, int i)
{
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static inline int col_run_status(sqlite3_stmt *st, int i,
				 enum run_status *out)
{
	const char *w = (const char *)sqlite3_column_text(st, i);

	return w && run_status_parse(w, out) == 0 ? 0 : -EIO;
}

/* Steps the bound statement st to its end, reading every row as a k
 * record, and readies st again.  On success *out holds a malloced array
 * of *n records (NULL when none); caller frees with the kind's
 * *_recs_free(). */
int store_sqlite_read_rows(sqlite3_stmt *st, const struct row_kind *k,
			   void **out, size_t *n);

/* Finds one record by exact id, unique id prefix, or "last" for the
 * newest (see store_run_get()).  On success fills *out, a record of
 * l->kind (caller releases it); -ENOENT, -EEXIST or -EIO otherwise,
 * described in err. */
int store_sqlite_get(struct sqlite_store *s, const struct lookup *l,
		     const char *id, void *out, struct error *err);

/* store_sqlite_flags.c: the store_ops entries for tested flags (same
 * contracts as store.h's store_flag_set() and the others). */
int store_sqlite_flag_set(struct store *base, const char *pipeline,
			  const char *step, bool tested, const char *by);
int store_sqlite_flag_get(struct store *base, const char *pipeline,
			  const char *step, bool *tested);
int store_sqlite_flags_list(struct store *base, const char *pipeline,
			    struct flag_rec **out, size_t *n);

/* store_sqlite_batch.c: the store_ops entries for batches and the inbox
 * (same contracts as store.h's store_batch_put() and the others). */
int store_sqlite_batch_put(struct store *base, const struct batch_rec *b);
int store_sqlite_batch_get(struct store *base, const char *id,
			   struct batch_rec *out, struct error *err);
int store_sqlite_batches_list(struct store *base, int status, int limit,
			      struct batch_rec **out, size_t *n);
int store_sqlite_inbox_add(struct store *base, const char *user,
			   const char *batch_id, int64_t at);
int store_sqlite_inbox_list(struct store *base, const char *user,
			    struct inbox_rec **out, size_t *n);
/* store_sqlite_sched.c: the store_ops entries for schedules (same
 * contracts as store.h's store_schedule_put() and the others). */
int store_sqlite_schedule_put(struct store *base,
			      const struct schedule_rec *r);
int store_sqlite_schedule_get(struct store *base, const char *kind,
			      const char *id, struct schedule_rec *out);
int store_sqlite_schedules_list(struct store *base,
				struct schedule_rec **out, size_t *n);
int store_sqlite_schedule_delete(struct store *base, const char *kind,
				 const char *id);
int store_sqlite_schedule_lag(struct store *base, const char *kind,
			      const char *id, int64_t lag_ms);
/* Deletes the finished batches without runs that finished before
 * before_ms (none when before_ms is 0), their inbox rows with them; part
 * of store_prune(). */
int store_sqlite_batches_prune(struct sqlite_store *s, int64_t before_ms);

#endif
