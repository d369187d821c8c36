/* finish.c - ending a run: its status, exit code and output; and the
 * read-only accessors displays use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"
#include "pipeline/pipeline.h"
#include "proc.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/timeutil.h"

void record_run(struct run *r);	/* run.c */
static void run_release_state(struct run *r);

/* The output of a run: that of its one final step, or of each final
 * step by name.  A final step is one nothing in the run depends on. */
static json_t *collect_output(struct run *r)
{
	json_t *all = json_object(), *one = NULL;
	size_t nout = 0;

	for (size_t i = 0; i < r->p->nsteps; i++) {
		struct step_rt *s = &r->steps[i];
		bool final = true;

		/* Handlers clean up and report; they are not the result. */
		if (!s->st.included || r->p->steps[i].handler)
			continue;
		for (size_t k = 0; k < r->ndown[i]; k++)
			if (r->steps[r->down[i][k]].st.included)
				final = false;
		if (!final)
			continue;
		if (s->st.output) {
			nout++;
			one = s->st.output;
			json_object_set(all, r->p->steps[i].name, s->st.output);
		}
	}
	if (nout == 1) {
		json_decref(all);
		return json_incref(one);
	}
	if (!json_object_size(all)) {
		json_decref(all);
		return NULL;
	}
	return all;
}

static void write_output_file(struct run *r)
{
	FILE *f;

	if (!r->output_file || !r->output)
		return;
	f = fopen(r->output_file, "w");
	if (!f)
		return;
	json_dumpf(r->output, f, JSON_COMPACT | JSON_ENCODE_ANY);
	fclose(f);
}

static void decide_status(struct run *r)
{
	size_t ok = 0, bad = 0;

	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct step_rt *s = &r->steps[i];

		if (!s->st.included || s->st.reused ||
		    r->p->steps[i].handler)
			continue;
		if (s->st.status == STEP_SUCCEEDED)
			ok++;
		else if (s->st.status == STEP_FAILED)
			bad++;
	}
	if (r->aborted) {
		r->status = RUN_FAILED;
		r->exit_code = 4;
	} else if (r->cancel_requested && !r->timed_out) {
		r->status = RUN_CANCELLED;
		r->exit_code = 130;
	} else if (!bad && !r->timed_out) {
		r->status = RUN_SUCCEEDED;
		r->exit_code = 0;
	} else {
		r->status = RUN_FAILED;
		r->exit_code = ok ? 2 : 3;
	}
}

/* notify: a Slack-compatible JSON message: "text" for people, the
 * rest for programs. */
static void notify(struct run *r)
{
	bool ok = r->status == RUN_SUCCEEDED;
	json_t *errors = json_array(), *msg;
	char d[32], *text;

	for (size_t i = 0; i < r->p->nsteps; i++)
		if (r->steps[i].st.included &&
		    r->steps[i].st.status == STEP_FAILED)
			json_array_append_new(
				errors, json_pack("{s:s, s:s?}", "step",
						  r->p->steps[i].name, "error",
						  r->steps[i].st.error));
	duration_format(d, sizeof(d), run_elapsed_ms(r));
	for (size_t i = 0; i < r->p->nnotify; i++) {
		const struct notify *n = &r->p->notify[i];

		if ((n->on == NOTIFY_FAILURE && ok) ||
		    (n->on == NOTIFY_SUCCESS && !ok))
			continue;
		text = xasprintf("%s baton: %s%s%s %s in %s%s%s", ok ? "✅" : "❌",
				 r->p->id, r->tenant_id ? " for " : "",
				 r->tenant_id ? r->tenant_id : "",
				 run_status_name(r->status), d,
				 r->error ? ": " : "", r->error ? r->error : "");
		msg = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:I, s:O, "
				"s:s?}",
				"text", text, "run_id", r->id, "pipeline",
				r->p->id, "tenant", r->tenant_id, "batch",
				r->batch, "status", run_status_name(r->status),
				"duration_ms", (json_int_t)run_elapsed_ms(r),
				"errors", errors, "error", r->error);
		free(text);
		if (msg)
			http_notify(r->e, n->url,
				    json_dumps(msg, JSON_COMPACT));
		json_decref(msg);
	}
	json_decref(errors);
}

void run_finish(struct run *r)
{
	r->finished = true;
	r->finished_mono = time_mono_ms();
	r->e->nfinished++;
	decide_status(r);
	r->output = collect_output(r);
	write_output_file(r);
	if (r->started_mono)
		engine_run_done(r->e, r);
	record_run(r);
	engine_emit(r->e, r, EV_RUN_END, -1, 0, r->error);
	notify(r);
	/* Its tables are large; a batch may hold thousands of runs. */
	redactor_free(r->redactor);
	r->redactor = NULL;
	if (r->e->cfg.release_finished)
		run_release_state(r);
	if (r->status == RUN_FAILED && r->e->cfg.fail_fast)
		for (size_t i = 0; i < r->e->nruns; i++)
			run_cancel(r->e->runs[i]);
	/* Processes that escaped their group (setsid, double fork) still
	 * carry the run's id in their environment. */
	if (r->killed_any || r->e->orphans_seen || r->orphans)
		proc_kill_tagged(r->parent_run ? "BATON_RUN_ID"
					       : "BATON_ROOT_RUN",
				 r->id);
}

/* Frees what only a running run needs: steps, template context,
 * outputs.  The run keeps its id, status and times. */
static void run_release_state(struct run *r)
{
	for (size_t i = 0; r->steps && i < r->p->nsteps; i++) {
		struct step_rt *s = &r->steps[i];

		if (s->out_fd >= 0)
			close(s->out_fd);
		if (s->log_fd >= 0)
			close(s->log_fd);
		free(s->st.error);
		json_decref(s->st.output);
		json_decref(s->http_output);
		json_decref(s->st.metrics);
		free(s->spawn_error);
		free(s->log_path);
		free(s->out_path);
	}
	for (size_t i = 0; r->down && i < r->p->nsteps; i++)
		free(r->down[i]);
	free(r->down);
	free(r->ndown);
	free(r->steps);
	free(r->ready);
	json_decref(r->ctx);
	json_decref(r->tenant);
	json_decref(r->input);
	json_decref(r->output);
	redactor_free(r->redactor);
	for (size_t i = 0; i < r->nsecrets; i++)
		free(r->secrets[i]);
	free(r->secrets);
	r->steps = NULL;
	r->down = NULL;
	r->ndown = NULL;
	r->ready = NULL;
	r->ctx = r->tenant = r->input = r->output = NULL;
	r->redactor = NULL;
	r->secrets = NULL;
	r->nsecrets = 0;
}

void run_free(struct run *r)
{
	if (!r)
		return;
	run_release_state(r);
	free(r->tenant_id);
	free(r->batch);
	free(r->rate_key);
	free(r->dir);
	free(r->parent_run);
	free(r->retry_of);
	free(r->output_file);
	free(r->error);
	free(r);
}

const char *run_id(const struct run *r)
{
	return r->id;
}

const char *run_tenant(const struct run *r)
{
	return r->tenant_id;
}

const char *run_batch(const struct run *r)
{
	return r->batch;
}

const struct pipeline *run_pipeline(const struct run *r)
{
	return r->p;
}

enum run_status run_status(const struct run *r)
{
	return r->status;
}

size_t run_nsteps(const struct run *r)
{
	return r->steps ? r->p->nsteps : 0;
}

const struct step_state *run_step(const struct run *r, size_t i)
{
	return &r->steps[i].st;
}

int64_t run_elapsed_ms(const struct run *r)
{
	return (r->finished ? r->finished_mono : time_mono_ms()) -
	       r->started_mono;
}

int run_exit_code(const struct run *r)
{
	return r->exit_code;
}

json_t *run_output(const struct run *r)
{
	return r->output;
}
