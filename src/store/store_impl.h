/* store_impl.h - what a store implementation provides (private).
 *
 * Each implementation embeds struct store first in its own struct and
 * points ops at a static table; store.c's public functions call through
 * it.  Only store.c and the implementations include this header.
 */
#ifndef BATON_STORE_IMPL_H
#define BATON_STORE_IMPL_H

#include "store.h"

/* One entry per public function of store.h, with the same contract. */
struct store_ops {
	void (*free)(struct store *s);
	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	int (*run_put)(struct store *s, const struct run_rec *r);
	int (*step_put)(struct store *s, const struct step_rec *st);
	int (*attempt_put)(struct store *s, const struct attempt_rec *a);
	int (*run_get)(struct store *s, const char *id, struct run_rec *out,
		       struct error *err);
	int (*runs_list)(struct store *s, const struct run_filter *f,
			 struct run_rec **out, size_t *n);
	int (*steps_list)(struct store *s, const char *run_id,
			  struct step_rec **out, size_t *n);
	int (*attempts_list)(struct store *s, const char *run_id,
			     struct attempt_rec **out, size_t *n);
	int (*prune)(struct store *s, int64_t before_ms, int keep_runs,
		     char ***dirs, size_t *ndirs);
	int (*batch_put)(struct store *s, const struct batch_rec *b);
	int (*batch_get)(struct store *s, const char *id,
			 struct batch_rec *out, struct error *err);
	int (*batches_list)(struct store *s, int status, int limit,
			    struct batch_rec **out, size_t *n);
	int (*inbox_add)(struct store *s, const char *user,
			 const char *batch_id, int64_t at);
	int (*inbox_list)(struct store *s, const char *user,
			  struct inbox_rec **out, size_t *n);
	int (*flag_set)(struct store *s, const char *pipeline,
			const char *step, bool tested, const char *by);
	int (*flag_get)(struct store *s, const char *pipeline,
			const char *step, bool *tested);
	int (*flags_list)(struct store *s, const char *pipeline,
			  struct flag_rec **out, size_t *n);
	int (*schedule_put)(struct store *s, const struct schedule_rec *r);
	int (*schedule_get)(struct store *s, const char *kind,
			    const char *id, struct schedule_rec *out);
	int (*schedules_list)(struct store *s, struct schedule_rec **out,
			      size_t *n);
	int (*schedule_delete)(struct store *s, const char *kind,
			       const char *id);
	int (*schedule_lag)(struct store *s, const char *kind,
			    const char *id, int64_t lag_ms);
};

struct store {
	const struct store_ops *ops;
};

/* Opens the SQLite store at path (see store_open()).  On success *out is
 * set; caller frees with store_free(). */
int store_sqlite_open(const char *path, struct store **out,
		      struct error *err);

#endif
