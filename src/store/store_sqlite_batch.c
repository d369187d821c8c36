/* store_sqlite_batch.c - batches and the result inbox in the SQLite store.
 *
 * A batch row sums up the runs one trigger started; the runs point at it
 * through runs.batch.  The inbox holds, per user, references to batches
 * whose results were distributed to them (seed 002), and goes with its
 * batch (ON DELETE CASCADE).  The statements are store_sqlite.c's,
 * prepared with the others; their SQL is in store_sqlite_sql.h.
 */
#include "store_sqlite_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

static int bind_batch(sqlite3_stmt *st, const struct batch_rec *b)
{
	return bind_str(st, 1, b->id) | bind_str(st, 2, b->source) |
	       bind_str(st, 3, b->job_id) | bind_str(st, 4, b->pipeline) |
	       bind_str(st, 5, run_status_name(b->status)) |
	       bind_time(st, 6, b->created_at) |
	       bind_time(st, 7, b->finished_at) |
	       sqlite3_bind_int(st, 8, b->total) |
	       sqlite3_bind_int(st, 9, b->succeeded) |
	       sqlite3_bind_int(st, 10, b->failed) |
	       sqlite3_bind_int(st, 11, b->skipped) |
	       sqlite3_bind_int(st, 12, b->cancelled) |
	       bind_str(st, 13, b->summary_json) |
	       sqlite3_bind_int(st, 14, b->pid) |
	       sqlite3_bind_int64(st, 15, b->pid_start);
}

int store_sqlite_batch_put(struct store *base, const struct batch_rec *b)
{
	sqlite3_stmt *st = sq(base)->st[SQL_BATCH_PUT];

	return stmt_put(st, bind_batch(st, b));
}

/* Fills a zeroed batch from the columns of BATCH_COLS; the status is
 * checked first so that a failure leaves nothing to free. */
static int read_batch(sqlite3_stmt *st, void *rec)
{
	struct batch_rec *b = rec;

	memset(b, 0, sizeof(*b));
	if (col_run_status(st, 4, &b->status) < 0)
		return -EIO;
	b->id = col_str(st, 0);
	b->source = col_str(st, 1);
	b->job_id = col_str(st, 2);
	b->pipeline = col_str(st, 3);
	b->created_at = sqlite3_column_int64(st, 5);
	b->finished_at = sqlite3_column_int64(st, 6);
	b->total = sqlite3_column_int(st, 7);
	b->succeeded = sqlite3_column_int(st, 8);
	b->failed = sqlite3_column_int(st, 9);
	b->skipped = sqlite3_column_int(st, 10);
	b->cancelled = sqlite3_column_int(st, 11);
	b->summary_json = col_str(st, 12);
	b->pid = sqlite3_column_int(st, 13);
	b->pid_start = sqlite3_column_int64(st, 14);
	return 0;
}

static int read_inbox(sqlite3_stmt *st, void *rec)
{
	struct inbox_rec *r = rec;

	memset(r, 0, sizeof(*r));
	r->user = col_str(st, 0);
	r->batch_id = col_str(st, 1);
	r->at = sqlite3_column_int64(st, 2);
	return 0;
}

static void release_batch(void *rec)
{
	batch_rec_release(rec);
}

static void release_inbox(void *rec)
{
	inbox_rec_release(rec);
}

static const struct row_kind batch_kind = {
	sizeof(struct batch_rec), read_batch, release_batch,
};
static const struct row_kind inbox_kind = {
	sizeof(struct inbox_rec), read_inbox, release_inbox,
};

int store_sqlite_batch_get(struct store *base, const char *id,
			   struct batch_rec *out, struct error *err)
{
	static const struct lookup batches = {
		SQL_BATCH_BY_ID, SQL_BATCH_LAST, SQL_BATCH_PREFIX, &batch_kind,
		"batch", "batches",
	};

	return store_sqlite_get(sq(base), &batches, id, out, err);
}

int store_sqlite_batches_list(struct store *base, int status, int limit,
			      struct batch_rec **out, size_t *n)
{
	sqlite3_stmt *st;
	const char *word = NULL;
	void *v = NULL;
	int rc;

	/* Two statements rather than "?1 IS NULL OR", so that a status
	 * filter uses its index. */
	if (status >= 0) {
		st = sq(base)->st[SQL_BATCHES_BY_STATUS];
		word = run_status_name((enum run_status)status);
	} else {
		st = sq(base)->st[SQL_BATCHES_LIST];
	}
	if ((bind_str(st, 1, word) |
	     sqlite3_bind_int(st, 2, limit > 0 ? limit : -1)) != SQLITE_OK) {
		stmt_done(st);
		return -EIO;
	}
	rc = store_sqlite_read_rows(st, &batch_kind, &v, n);
	if (rc == 0)
		*out = v;
	return rc;
}

int store_sqlite_inbox_add(struct store *base, const char *user,
			   const char *batch_id, int64_t at)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = s->st[SQL_INBOX_ADD];
	int rc = -EIO;

	if ((bind_str(st, 1, user) | bind_str(st, 2, batch_id) |
	     bind_time(st, 3, at)) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (sqlite3_extended_errcode(s->db) ==
		 SQLITE_CONSTRAINT_FOREIGNKEY)
		rc = -ENOENT;	/* no such batch */
	else
		rc = -EIO;
out:
	stmt_done(st);
	return rc;
}

int store_sqlite_inbox_list(struct store *base, const char *user,
			    struct inbox_rec **out, size_t *n)
{
	sqlite3_stmt *st = sq(base)->st[SQL_INBOX_LIST];
	void *v = NULL;
	int rc;

	if (bind_str(st, 1, user) != SQLITE_OK) {
		stmt_done(st);
		return -EIO;
	}
	rc = store_sqlite_read_rows(st, &inbox_kind, &v, n);
	if (rc == 0)
		*out = v;
	return rc;
}

int store_sqlite_batches_prune(struct sqlite_store *s, int64_t before_ms)
{
	sqlite3_stmt *st = s->st[SQL_BATCHES_PRUNE];
	int bound;

	if (before_ms <= 0)
		return 0;
	bound = sqlite3_bind_int64(st, 1, before_ms) |
		bind_str(st, 2, run_status_name(RUN_QUEUED)) |
		bind_str(st, 3, run_status_name(RUN_RUNNING));
	return stmt_put(st, bound);
}
