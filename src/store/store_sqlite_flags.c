/* store_sqlite_flags.c - the tested flags of pipeline steps in the
 * SQLite store: who marked a step tested, and when.  The statements are
 * store_sqlite.c's, prepared with the others; their SQL is in
 * store_sqlite_sql.h.
 */
#include "store_sqlite_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "../util/timeutil.h"

int store_sqlite_flag_set(struct store *base, const char *pipeline,
			   const char *step, bool tested, const char *by)
{
	sqlite3_stmt *st = sq(base)->st[SQL_FLAG_SET];

	return stmt_put(st, bind_str(st, 1, pipeline) | bind_str(st, 2, step) |
				    sqlite3_bind_int(st, 3, tested) |
				    bind_str(st, 4, by) |
				    sqlite3_bind_int64(st, 5, time_wall_ms()));
}

int store_sqlite_flag_get(struct store *base, const char *pipeline,
			   const char *step, bool *tested)
{
	sqlite3_stmt *st = sq(base)->st[SQL_FLAG_GET];
	int rc = -EIO;

	if ((bind_str(st, 1, pipeline) | bind_str(st, 2, step)) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = -EIO;
		goto out;
	}
	*tested = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	rc = 0;
out:
	stmt_done(st);
	return rc;
}

int store_sqlite_flags_list(struct store *base, const char *pipeline,
			    struct flag_rec **out, size_t *n)
{
	sqlite3_stmt *st = sq(base)->st[SQL_FLAGS_LIST];
	struct flag_rec *v = NULL;
	size_t len = 0, cap = 0;
	int rc = -EIO;

	if (bind_str(st, 1, pipeline) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow((void **)&v, &cap, len + 1, sizeof(*v));
		v[len].step = col_str(st, 0);
		v[len].tested = sqlite3_column_int(st, 1) != 0;
		v[len].by = col_str(st, 2);
		v[len].at = sqlite3_column_int64(st, 3);
		len++;
	}
	if (rc != SQLITE_DONE) {
		flag_recs_free(v, len);
		rc = -EIO;
		goto out;
	}
	*out = v;
	*n = len;
	rc = 0;
out:
	stmt_done(st);
	return rc;
}
