/* select.c - which steps a run executes, and which earlier outputs it
 * reuses (--step, --from, baton retry). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"

#define REUSE_SEARCH_RUNS 50

/* Earlier runs of the pipeline, newest first, with their steps loaded
 * on demand: where reusable outputs are looked for. */
struct history {
	struct run_rec *runs;
	size_t nruns;
	struct step_rec **steps;
	size_t *nsteps;
	bool *loaded;
};

static void history_open(struct history *h, struct store *st,
			 const char *pipeline)
{
	struct run_filter f = {.pipeline = pipeline, .status = -1,
			       .limit = REUSE_SEARCH_RUNS};

	memset(h, 0, sizeof(*h));
	if (store_runs_list(st, &f, &h->runs, &h->nruns) < 0)
		h->nruns = 0;
	h->steps = xcalloc(h->nruns + 1, sizeof(*h->steps));
	h->nsteps = xcalloc(h->nruns + 1, sizeof(*h->nsteps));
	h->loaded = xcalloc(h->nruns + 1, sizeof(*h->loaded));
}

static void history_close(struct history *h)
{
	for (size_t i = 0; i < h->nruns; i++)
		step_recs_free(h->steps[i], h->nsteps[i]);
	run_recs_free(h->runs, h->nruns);
	free(h->steps);
	free(h->nsteps);
	free(h->loaded);
}

/* A step its when: skipped counts as done, like a success. */
static bool skipped_by_condition(const struct step_rec *sr)
{
	return sr->status == STEP_SKIPPED && sr->error &&
	       !strncmp(sr->error, "condition not met", 17);
}

/* The newest successful record of step name, or NULL.  Borrowed. */
static const struct step_rec *history_find(struct history *h,
					   struct store *st, const char *name)
{
	for (size_t i = 0; i < h->nruns; i++) {
		if (!h->loaded[i]) {
			h->loaded[i] = true;
			if (store_steps_list(st, h->runs[i].id, &h->steps[i],
					     &h->nsteps[i]) < 0)
				h->nsteps[i] = 0;
		}
		for (size_t k = 0; k < h->nsteps[i]; k++) {
			const struct step_rec *sr = &h->steps[i][k];

			if (!strcmp(sr->name, name) &&
			    (sr->status == STEP_SUCCEEDED ||
			     skipped_by_condition(sr)))
				return sr;
		}
	}
	return NULL;
}

static void reuse(struct run *r, size_t i, const struct step_rec *rec)
{
	struct step_rt *s = &r->steps[i];
	json_t *out = rec->output_json
			      ? json_loads(rec->output_json, JSON_DECODE_ANY,
					   NULL)
			      : NULL;

	s->st.included = true;
	s->st.reused = true;
	s->st.status = STEP_SUCCEEDED;
	s->st.output = out;
	s->st.metrics = rec->metrics_json
				? json_loads(rec->metrics_json, 0, NULL)
				: NULL;
	if (out)
		json_object_set_new(json_object_get(r->ctx, "steps"),
				    r->p->steps[i].name,
				    json_pack("{s:O}", "output", out));
}

static int select_retry(struct run *r, const char *old, bool *sel,
			struct error *err)
{
	struct store *st = r->e->store;
	struct run_rec rec;
	struct step_rec *steps = NULL;
	size_t n = 0;
	int rc = store_run_get(st, old, &rec, err);

	if (rc < 0)
		return rc;
	if (strcmp(rec.pipeline, r->p->id)) {
		rc = error_set(err, -EINVAL, "run %s is of pipeline '%s', "
				 "not '%s'", rec.id, rec.pipeline, r->p->id);
		run_rec_release(&rec);
		return rc;
	}
	free(r->retry_of);
	r->retry_of = xstrdup(rec.id);
	run_rec_release(&rec);
	if (store_steps_list(st, r->retry_of, &steps, &n) < 0)
		return error_set(err, -EIO, "cannot read run %s", r->retry_of);
	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct step_rec *found = NULL;

		for (size_t k = 0; k < n; k++)
			if (!strcmp(steps[k].name, r->p->steps[i].name))
				found = &steps[k];
		if (found && found->status == STEP_SUCCEEDED)
			reuse(r, i, found);
		else
			sel[i] = true;
	}
	step_recs_free(steps, n);
	return 0;
}

/* Upstreams of selected steps come from earlier runs: required for
 * --from, best effort for --step. */
static int reuse_upstream(struct run *r, const bool *sel, bool required,
			  struct error *err)
{
	const struct pipeline *p = r->p;
	struct history h;
	int rc = 0;

	history_open(&h, r->e->store, p->id);
	for (size_t i = 0; i < p->nsteps && !rc; i++) {
		const struct step_rec *rec;
		bool needed = false;

		if (sel[i])
			continue;
		for (size_t k = 0; k < p->nsteps && !needed; k++)
			needed = sel[k] && dag_is_upstream(p, i, k);
		if (!needed)
			continue;
		rec = history_find(&h, r->e->store, p->steps[i].name);
		if (rec)
			reuse(r, i, rec);
		else if (required)
			rc = error_set(err, -EINVAL,
				       "cannot start from here: upstream step "
				       "'%s' has not succeeded in an earlier "
				       "run of '%s' (run the whole pipeline "
				       "first)",
				       p->steps[i].name, p->id);
	}
	history_close(&h);
	return rc;
}

static int find_step(struct run *r, const char *name, struct error *err)
{
	int k = pipeline_step_index(r->p, name);

	if (k < 0)
		return error_set(err, -EINVAL,
				 "pipeline '%s' has no step '%s'", r->p->id,
				 name);
	return k;
}

static int choose(struct run *r, const struct run_spec *spec, bool *sel,
		  struct error *err)
{
	size_t n = r->p->nsteps;
	int k;

	if (spec->retry_of)
		return select_retry(r, spec->retry_of, sel, err);
	if (spec->from_step) {
		if ((k = find_step(r, spec->from_step, err)) < 0)
			return k;
		dag_mark_downstream(r->p, (size_t)k, sel);
		return reuse_upstream(r, sel, true, err);
	}
	if (spec->only_step) {
		if ((k = find_step(r, spec->only_step, err)) < 0)
			return k;
		sel[k] = true;
		return reuse_upstream(r, sel, false, err);
	}
	for (size_t i = 0; i < n; i++)
		sel[i] = true;
	return 0;
}

int run_select(struct run *r, const struct run_spec *spec,
	       struct error *err)
{
	const struct pipeline *p = r->p;
	bool *sel = xcalloc(p->nsteps + 1, sizeof(*sel));
	int rc = choose(r, spec, sel, err);

	if (rc < 0)
		goto out;
	/* Handlers run after the rest (run_handlers), unless asked for by
	 * name with --step. */
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].handler &&
		    !(spec->only_step && !strcmp(spec->only_step,
						 p->steps[i].name)))
			sel[i] = false;
	for (size_t i = 0; i < p->nsteps; i++) {
		struct step_rt *s = &r->steps[i];

		s->selected = sel[i];
		if (s->selected) {
			s->st.included = true;
			s->st.status = STEP_PENDING;
			r->nleft++;
		}
		if (s->st.included)
			r->nincluded++;
		for (size_t j = 0; s->selected && j < p->steps[i].ndeps; j++)
			if (sel[p->steps[i].dep_idx[j]])
				s->ndeps_left++;
	}
	for (size_t k = 0; k < p->nsteps; k++) {
		struct step_rt *s = &r->steps[p->order[k]];

		if (s->selected && !s->ndeps_left)
			r->ready[r->ready_tail++] = p->order[k];
	}
out:
	free(sel);
	return rc;
}
