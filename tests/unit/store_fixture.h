/* store_fixture.h - what the store's unit tests share: a store in a
 * fresh temp directory, and raw reads through a separate SQLite
 * connection, as another process (or the sqlite3 shell) would make.
 * Included by test_store*.c only; functions are static inline so that
 * each test uses what it needs without warnings. */
#ifndef BATON_STORE_FIXTURE_H
#define BATON_STORE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

struct fix {
	char dir[64];
	char *path;
	struct store *s;
};

/* Makes the temp dir and DIR/subpath; opens the store there if open. */
static inline int fix_make(void **state, const char *subpath, bool open)
{
	struct fix *f = xcalloc(1, sizeof(*f));
	struct error err = {0};

	snprintf(f->dir, sizeof(f->dir), "/tmp/baton-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xasprintf("%s/%s", f->dir, subpath);
	if (open)
		assert_int_equal(store_open(f->path, &f->s, &err), 0);
	*state = f;
	return 0;
}

static inline int fix_teardown(void **state)
{
	struct fix *f = *state;

	store_free(f->s);
	fs_remove_tree(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* Reads one integer with a separate connection. */
static inline int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static inline void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Like raw_int() for text; caller frees the result with free(). */
static inline char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

#endif
