/* store_sqlite_sched.c - the scheduler's schedules in the SQLite store.
 *
 * One row per schedule, keyed by (kind, id): when it last fired, the
 * first due time not yet handled, and the latest fire's lag, batch and
 * run (src/sched/fire.h says how they are used).  The statements are
 * store_sqlite.c's, prepared with the others; their SQL is in
 * store_sqlite_sql.h.  Times unset (0) are stored as NULL.
 */
#include "store_sqlite_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

int store_sqlite_schedule_put(struct store *base,
			      const struct schedule_rec *r)
{
	sqlite3_stmt *st = sq(base)->st[SQL_SCHED_PUT];
	int bound = bind_str(st, 1, r->kind) | bind_str(st, 2, r->id) |
		    bind_str(st, 3, r->expr) |
		    bind_time(st, 4, r->last_fire_at) |
		    bind_time(st, 5, r->next_fire_at) |
		    (r->last_lag_ms >= 0
			     ? sqlite3_bind_int64(st, 6, r->last_lag_ms)
			     : sqlite3_bind_null(st, 6)) |
		    bind_str(st, 7, r->last_batch) |
		    bind_str(st, 8, r->last_run) |
		    sqlite3_bind_int64(st, 9, r->fires) |
		    sqlite3_bind_int64(st, 10, r->skipped) |
		    bind_time(st, 11, r->updated_at);

	return stmt_put(st, bound);
}

/* Fills a zeroed record from the columns of SCHED_COLS. */
static int read_sched(sqlite3_stmt *st, void *rec)
{
	struct schedule_rec *r = rec;

	memset(r, 0, sizeof(*r));
	r->kind = col_str(st, 0);
	r->id = col_str(st, 1);
	r->expr = col_str(st, 2);
	r->last_fire_at = sqlite3_column_int64(st, 3);
	r->next_fire_at = sqlite3_column_int64(st, 4);
	r->last_lag_ms = sqlite3_column_type(st, 5) == SQLITE_NULL
				 ? -1
				 : sqlite3_column_int64(st, 5);
	r->last_batch = col_str(st, 6);
	r->last_run = col_str(st, 7);
	r->fires = sqlite3_column_int64(st, 8);
	r->skipped = sqlite3_column_int64(st, 9);
	r->updated_at = sqlite3_column_int64(st, 10);
	return 0;
}

static void release_sched(void *rec)
{
	schedule_rec_release(rec);
}

static const struct row_kind sched_kind = {
	sizeof(struct schedule_rec), read_sched, release_sched,
};

int store_sqlite_schedule_get(struct store *base, const char *kind,
			      const char *id, struct schedule_rec *out)
{
	sqlite3_stmt *st = sq(base)->st[SQL_SCHED_GET];
	void *v = NULL;
	size_t n = 0;
	int rc;

	if ((bind_str(st, 1, kind) | bind_str(st, 2, id)) != SQLITE_OK) {
		stmt_done(st);
		return -EIO;
	}
	rc = store_sqlite_read_rows(st, &sched_kind, &v, &n);
	if (rc < 0)
		return rc;
	if (!n)
		return -ENOENT;
	*out = *(struct schedule_rec *)v;
	free(v);	/* the key makes n 1: its strings moved to *out */
	return 0;
}

int store_sqlite_schedules_list(struct store *base,
				struct schedule_rec **out, size_t *n)
{
	void *v = NULL;
	int rc = store_sqlite_read_rows(sq(base)->st[SQL_SCHED_LIST],
					&sched_kind, &v, n);

	if (rc == 0)
		*out = v;
	return rc;
}

int store_sqlite_schedule_delete(struct store *base, const char *kind,
				 const char *id)
{
	sqlite3_stmt *st = sq(base)->st[SQL_SCHED_DELETE];

	return stmt_put(st, bind_str(st, 1, kind) | bind_str(st, 2, id));
}

int store_sqlite_schedule_lag(struct store *base, const char *kind,
			      const char *id, int64_t lag_ms)
{
	sqlite3_stmt *st = sq(base)->st[SQL_SCHED_LAG];

	return stmt_put(st, bind_str(st, 1, kind) | bind_str(st, 2, id) |
				    sqlite3_bind_int64(st, 3, lag_ms));
}
