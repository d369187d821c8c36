/* run.c - one run: preparing it, starting steps, deciding what an
 * attempt's end means (success, retry, failure, skip), recording it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"
#include "pipeline/backoff.h"
#include "pipeline/pipeline.h"
#include "proc.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define OUTPUT_MAX (16 << 20)

int run_select(struct run *r, const struct run_spec *spec,
	       struct error *err);	/* select.c */

void run_make_id(char *out, size_t size)
{
	id_make(out, size, "run");
}

/* params = declared defaults overridden by --param; all must be set. */
static int resolve_params(struct run *r, const struct run_spec *spec,
			  json_t *params, struct error *err)
{
	const struct pipeline *p = r->p;

	for (size_t i = 0; i < spec->nparams; i++)
		if (pipeline_param_index(p, spec->params[i].key) < 0)
			return error_set(err, -EINVAL,
					 "pipeline '%s' has no param '%s'",
					 p->id, spec->params[i].key);
	for (size_t i = 0; i < p->nparams; i++) {
		const char *v = p->params[i].val;

		for (size_t j = 0; j < spec->nparams; j++)
			if (!strcmp(spec->params[j].key, p->params[i].key))
				v = spec->params[j].val;
		if (!v)
			return error_set(err, -EINVAL,
					 "pipeline '%s' needs param '%s' "
					 "(pass --param %s=VALUE)",
					 p->id, p->params[i].key,
					 p->params[i].key);
		json_object_set_new(params, p->params[i].key, json_string(v));
	}
	return 0;
}

static void build_graph(struct run *r)
{
	const struct pipeline *p = r->p;

	r->down = xcalloc(p->nsteps + 1, sizeof(*r->down));
	r->ndown = xcalloc(p->nsteps + 1, sizeof(*r->ndown));
	for (size_t i = 0; i < p->nsteps; i++)
		for (size_t j = 0; j < p->steps[i].ndeps; j++)
			r->ndown[p->steps[i].dep_idx[j]]++;
	for (size_t i = 0; i < p->nsteps; i++) {
		r->down[i] = xcalloc(r->ndown[i] + 1, sizeof(**r->down));
		r->ndown[i] = 0;
	}
	for (size_t i = 0; i < p->nsteps; i++)
		for (size_t j = 0; j < p->steps[i].ndeps; j++) {
			size_t u = p->steps[i].dep_idx[j];

			r->down[u][r->ndown[u]++] = i;
		}
}

void record_run(struct run *r)
{
	struct run_rec rec = {0};
	char *raw = json_dumps(json_object_get(r->ctx, "params"),
			       JSON_COMPACT | JSON_SORT_KEYS);
	char *params = run_redact(r, raw);
	char *output = r->output ? json_dumps(r->output, JSON_COMPACT |
							 JSON_ENCODE_ANY)
				 : NULL;

	rec.id = r->id;
	rec.pipeline = r->p->id;
	rec.tenant = r->tenant_id;
	rec.batch = r->batch;
	rec.parent_run = r->parent_run;
	rec.retry_of = r->retry_of;
	rec.status = r->status;
	rec.created_at = r->created_wall;
	rec.started_at = r->started_wall;
	rec.finished_at = r->finished ? time_wall_ms() : 0;
	rec.params_json = params;
	rec.output_json = output;
	rec.error = r->error;
	rec.exit_code = r->exit_code;
	rec.nsteps = (int)r->nincluded;
	rec.pid = getpid();
	if (!r->e->pid_start)
		r->e->pid_start = proc_start_time(getpid());
	rec.pid_start = r->e->pid_start;
	rec.state_dir = r->dir;
	store_run_put(r->e->store, &rec);
	r->e->dirty = true;
	free(raw);
	free(params);
	free(output);
}

int run_prepare(struct run *r, const struct run_spec *spec,
		struct error *err)
{
	const struct pipeline *p = spec->pipeline;
	struct engine *e = r->e;
	json_t *params = json_object();
	int rc;

	r->p = p;
	if (spec->id && *spec->id)
		snprintf(r->id, sizeof(r->id), "%s", spec->id);
	else
		run_make_id(r->id, sizeof(r->id));
	r->rng = (uint64_t)time_mono_ms() * 2654435761u + (uint64_t)getpid();
	r->status = RUN_QUEUED;
	r->tenant_obj = spec->tenant_obj;
	r->tenant_id = xstrdup(spec->tenant_obj ? spec->tenant_obj->id
						: spec->tenant_id);
	r->tenant = spec->tenant ? json_incref(spec->tenant) : NULL;
	r->batch = xstrdup(spec->batch);
	r->rate_key = xstrdup(spec->rate_key);
	r->timeout_ms = spec->timeout_ms;
	r->parent_run = xstrdup(spec->parent_run);
	r->retry_of = xstrdup(spec->retry_of);
	r->output_file = xstrdup(spec->output_file);
	r->max_parallel = spec->max_parallel ? spec->max_parallel
			  : p->max_parallel ? p->max_parallel
					    : e->cfg.default_parallel;
	r->ctx = json_pack("{s:o, s:{s:s}, s:{s:s, s:s}, s:{}, s:O}", "params",
			   params, "run", "id", r->id, "pipeline", "id", p->id,
			   "name", p->name, "steps", "env", e->env);
	if (r->tenant)
		json_object_set(r->ctx, "tenant", r->tenant);
	if (spec->input) {
		r->input = json_incref(spec->input);
		json_object_set(r->ctx, "input", r->input);
	}
	/* The redactor's tables are large: build them when the run starts,
	 * not for every queued run of a big batch. */
	if (spec->nsecrets) {
		r->secrets = xcalloc(spec->nsecrets, sizeof(*r->secrets));
		for (size_t i = 0; i < spec->nsecrets; i++)
			r->secrets[i] = xstrdup(spec->secrets[i]);
		r->nsecrets = spec->nsecrets;
	}
	rc = resolve_params(r, spec, params, err);
	if (rc < 0)
		return rc;
	r->steps = xcalloc(p->nsteps + 1, sizeof(*r->steps));
	r->ready = xcalloc(p->nsteps + 1, sizeof(*r->ready));
	r->dir = xasprintf("%s/runs/%s", e->cfg.state_dir, r->id);
	build_graph(r);
	for (size_t i = 0; i < p->nsteps; i++) {
		struct step_rt *s = &r->steps[i];

		s->run = r;
		s->idx = i;
		s->out_fd = s->log_fd = -1;
		s->st.exit_code = -1;
	}
	rc = run_select(r, spec, err);
	if (rc < 0)
		return rc;
	/* Strictly increasing, so a batch lists its runs in the order they
	 * were added even when many are added in one millisecond. */
	r->created_wall = time_wall_ms();
	if (r->created_wall <= e->last_created)
		r->created_wall = e->last_created + 1;
	e->last_created = r->created_wall;
	store_begin(e->store);
	record_run(r);
	for (size_t i = 0; i < p->nsteps; i++)
		if (r->steps[i].st.included)
			step_record(&r->steps[i]);
	store_commit(e->store);
	return 0;
}

/* The earlier of two deadlines, where 0 means none. */
static int64_t earliest(int64_t a, int64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* A tenant given as tenant_obj: its context and secrets now. */
static void load_tenant(struct run *r)
{
	const char **secrets;
	size_t n;

	if (!r->tenant_obj || r->tenant)
		return;
	r->tenant = tenant_context(r->tenant_obj);
	json_object_set(r->ctx, "tenant", r->tenant);
	secrets = tenant_secrets(r->tenant_obj, &n);
	r->secrets = xcalloc(n + 1, sizeof(*r->secrets));
	for (size_t i = 0; i < n; i++)
		r->secrets[i] = xstrdup(secrets[i]);
	r->nsecrets = n;
	free(secrets);
}

static void build_redactor(struct run *r)
{
	load_tenant(r);
	if (!r->nsecrets)
		return;
	r->redactor = redactor_new();
	for (size_t i = 0; i < r->nsecrets; i++) {
		redactor_add(r->redactor, r->secrets[i]);
		free(r->secrets[i]);
	}
	free(r->secrets);
	r->secrets = NULL;
	r->nsecrets = 0;
}

void run_begin(struct run *r)
{
	/* The run's directory is made when something goes in it (a log,
	 * an input file): creating ten thousand empty ones costs more than
	 * the steps of a big batch of trivial runs. */
	int rc = r->input ? fs_mkdirs(r->dir) : 0;

	build_redactor(r);
	r->status = RUN_RUNNING;
	r->started_wall = time_wall_ms();
	r->started_mono = time_mono_ms();
	if (r->p->timeout_ms)
		r->deadline = r->started_mono + r->p->timeout_ms;
	if (r->timeout_ms)
		r->deadline = earliest(r->deadline,
				       r->started_mono + r->timeout_ms);
	if (!rc && r->input) {
		char *path = xasprintf("%s/input.json", r->dir);

		if (json_dump_file(r->input, path, JSON_COMPACT) < 0)
			rc = -EIO;
		free(path);
	}
	record_run(r);
	engine_emit(r->e, r, EV_RUN_START, -1, 0, NULL);
	if (rc < 0) {
		/* No place for logs: fail every step rather than lose them. */
		free(r->error);
		r->error = xasprintf("cannot create %s: %s", r->dir,
				     strerror(-rc));
		r->aborted = true;
		run_stop(r, false);
	}
}

void step_record(struct step_rt *s)
{
	struct step_rec rec = {0};
	const struct step *def = &s->run->p->steps[s->idx];
	char *output = s->st.output ? json_dumps(s->st.output,
						 JSON_COMPACT |
							 JSON_ENCODE_ANY)
				    : NULL;
	char *metrics = s->st.metrics ? json_dumps(s->st.metrics,
						   JSON_COMPACT)
				      : NULL;

	rec.run_id = s->run->id;
	rec.name = def->name;
	rec.idx = (int)s->idx;
	rec.status = s->st.status;
	rec.attempt = s->st.attempt;
	rec.started_at = s->first_wall;
	rec.finished_at = s->finished_wall;
	rec.exit_code = s->st.exit_code;
	rec.error = s->st.error;
	rec.log_path = s->log_path;
	rec.output_json = output;
	rec.metrics_json = metrics;
	rec.pgid = s->pid > 0 && !s->exited ? s->pid : 0;
	rec.reused = s->st.reused;
	store_step_put(s->run->e->store, &rec);
	s->run->e->dirty = true;
	free(output);
	free(metrics);
}

void record_attempt(struct step_rt *s)
{
	struct attempt_rec a = {0};

	a.run_id = s->run->id;
	a.step = s->run->p->steps[s->idx].name;
	a.attempt = s->st.attempt;
	a.status = s->st.status;
	a.started_at = s->started_wall;
	a.finished_at = s->finished_wall;
	a.exit_code = s->st.exit_code;
	a.error = s->st.error;
	store_attempt_put(s->run->e->store, &a);
	s->run->e->dirty = true;
}

char *run_redact(const struct run *r, const char *text)
{
	if (!text)
		return NULL;
	return redact_string(r->redactor, text, strlen(text), NULL);
}

/* Takes ownership of msg; stores it with the run's secrets removed. */
static void set_error(struct step_rt *s, char *msg)
{
	free(s->st.error);
	s->st.error = run_redact(s->run, msg);
	free(msg);
}

static void push_ready(struct run *r, size_t i)
{
	r->ready[r->ready_tail++ % (r->p->nsteps + 1)] = i;
}

/* A final state for step s; emits and records it. */
static void finalize(struct step_rt *s, enum step_status st)
{
	struct run *r = s->run;

	s->st.status = st;
	if (!s->finished_wall)
		s->finished_wall = time_wall_ms();
	if (s->first_mono)
		s->st.elapsed_ms = time_mono_ms() - s->first_mono;
	r->nleft--;
	step_record(s);
	engine_emit(r->e, r, EV_STEP_END, (int)s->idx, 0, s->st.error);
}

static void satisfy_downstream(struct step_rt *s)
{
	struct run *r = s->run;

	for (size_t k = 0; k < r->ndown[s->idx]; k++) {
		struct step_rt *d = &r->steps[r->down[s->idx][k]];

		if (d->st.included && d->selected && --d->ndeps_left == 0 &&
		    d->st.status == STEP_PENDING)
			push_ready(r, d->idx);
	}
}

static void skip_downstream(struct step_rt *s)
{
	struct run *r = s->run;
	const char *name = r->p->steps[s->idx].name;

	for (size_t k = 0; k < r->ndown[s->idx]; k++) {
		struct step_rt *d = &r->steps[r->down[s->idx][k]];

		if (!d->st.included || d->st.status != STEP_PENDING)
			continue;
		set_error(d, xasprintf("upstream step '%s' did not "
				       "succeed", name));
		finalize(d, STEP_SKIPPED);
		skip_downstream(d);
	}
}

/* Skips a ready step whose when: does not hold; its dependants go on
 * as if it had succeeded. */
static bool skip_by_condition(struct step_rt *s)
{
	const struct step *def = &s->run->p->steps[s->idx];
	char *why = NULL;

	for (size_t k = 0; k < def->nwhen; k++)
		if (!condition_holds(&def->when[k], s->run->ctx, &why)) {
			set_error(s, why);
			finalize(s, STEP_SKIPPED);
			satisfy_downstream(s);
			return true;
		}
	return false;
}

/* The run's status so far, for handlers: {{ run.status }} and
 * {{ run.errors }} (the failed steps and why). */
static const char *status_so_far(struct run *r, json_t *errors)
{
	bool failed = r->timed_out || r->aborted;

	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct step_rt *s = &r->steps[i];

		if (!s->st.included || r->p->steps[i].handler ||
		    s->st.status != STEP_FAILED)
			continue;
		failed = true;
		json_array_append_new(errors,
				      json_pack("{s:s, s:s}", "step",
						r->p->steps[i].name, "error",
						s->st.error ? s->st.error : ""));
	}
	if (r->cancel_requested && !r->timed_out)
		return "cancelled";
	return failed ? "failed" : "succeeded";
}

static void add_handlers(struct run *r, const struct handlers *h)
{
	for (size_t k = 0; k < h->n; k++) {
		struct step_rt *s = &r->steps[h->idx[k]];

		if (s->st.included)
			continue;
		s->st.included = s->selected = true;
		s->st.status = STEP_PENDING;
		r->nleft++;
		r->nincluded++;
		step_record(s);
		push_ready(r, h->idx[k]);
	}
}

/* When everything else is done: on_success or on_failure, then
 * on_exit.  Returns true if handlers were queued. */
static bool run_handlers(struct run *r)
{
	json_t *errors = json_array();
	const char *st = status_so_far(r, errors);
	json_t *run = json_object_get(r->ctx, "run");
	size_t before = r->nleft;

	r->handlers_done = true;
	json_object_set_new(run, "status", json_string(st));
	json_object_set_new(run, "errors", errors);
	if (r->cancel_requested || r->aborted)
		return false;
	if (!strcmp(st, "succeeded"))
		add_handlers(r, &r->p->on_success);
	else
		add_handlers(r, &r->p->on_failure);
	add_handlers(r, &r->p->on_exit);
	return r->nleft > before;
}

void run_pump(struct run *r)
{
	if (r->finished || r->status == RUN_QUEUED)
		return;
	while (r->running < r->max_parallel &&
	       r->ready_head != r->ready_tail && !r->cancel_requested &&
	       (!r->timed_out || r->handlers_done) && !r->aborted) {
		size_t i = r->ready[r->ready_head++ % (r->p->nsteps + 1)];

		if (r->p->steps[i].nwhen && skip_by_condition(&r->steps[i]))
			continue;
		step_spawn(&r->steps[i]);
	}
	if (!r->nleft && !r->running) {
		if (!r->handlers_done && run_handlers(r)) {
			run_pump(r);
			return;
		}
		run_finish(r);
	}
}

/* Reads the JSON the step wrote to $BATON_OUTPUT.  Returns 0 (with
 * *out NULL when the step wrote nothing) or -1 with *msg set. */
static int read_output(struct step_rt *s, json_t **out, char **msg)
{
	struct buf b;
	json_error_t je;
	int rc;

	*out = NULL;
	buf_init(&b, OUTPUT_MAX);
	rc = buf_read_file(&b, s->out_path);
	/* The file is only a way in: the output lives in the store. */
	unlink(s->out_path);
	if (rc == -ENOENT) {
		buf_release(&b);
		return 0;
	}
	if (rc < 0 || b.truncated) {
		*msg = rc < 0 ? xasprintf("cannot read output: %s",
					  strerror(-rc))
			      : xasprintf("output is larger than 16 MiB");
		buf_release(&b);
		return -1;
	}
	if (b.len == 0) {
		buf_release(&b);
		return 0;
	}
	if (s->run->redactor) {
		/* Secrets never reach the store, templates or reports. */
		size_t n;
		char *clean = redact_string(s->run->redactor, b.data, b.len, &n);

		buf_reset(&b);
		buf_add(&b, clean, n);
		free(clean);
	}
	*out = json_loadb(b.data, b.len, JSON_DECODE_ANY, &je);
	buf_release(&b);
	if (!*out) {
		*msg = xasprintf("$BATON_OUTPUT is not valid JSON (line %d: "
				 "%s)",
				 je.line, je.text);
		return -1;
	}
	return 0;
}

static json_t *pick_metrics(const json_t *output)
{
	json_t *m = json_is_object(output) ? json_object_get(output, "metrics")
					   : NULL, *out, *v;
	const char *k;

	if (!json_is_object(m))
		return NULL;
	out = json_object();
	json_object_foreach(m, k, v) if (json_is_number(v))
		json_object_set(out, k, v);
	if (!json_object_size(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static bool retryable(const struct step_rt *s, int code)
{
	const struct retry *rt = &s->run->p->steps[s->idx].retry;

	if (s->st.attempt >= rt->max_attempts || s->run->cancel_requested ||
	    s->run->timed_out || s->http_permanent)
		return false;
	if (!rt->non_exit_codes)
		return true;
	for (size_t i = 0; i < rt->non_exit_codes; i++)
		if (rt->on_exit_codes[i] == code)
			return true;
	return false;
}

static void succeed(struct step_rt *s)
{
	struct run *r = s->run;
	json_t *out = NULL;
	char *msg = NULL;

	if (r->p->steps[s->idx].kind == STEP_KIND_HTTP) {
		out = s->http_output;
		s->http_output = NULL;
	} else if (read_output(s, &out, &msg) < 0) {
		set_error(s, msg);
		s->st.status = STEP_FAILED;
		record_attempt(s);
		finalize(s, STEP_FAILED);
		skip_downstream(s);
		return;
	}
	s->st.output = out;
	s->st.metrics = pick_metrics(out);
	if (out)
		json_object_set_new(json_object_get(r->ctx, "steps"),
				    r->p->steps[s->idx].name,
				    json_pack("{s:O}", "output", out));
	s->st.status = STEP_SUCCEEDED;
	record_attempt(s);
	finalize(s, STEP_SUCCEEDED);
	satisfy_downstream(s);
}

static void fail_attempt(struct step_rt *s)
{
	struct run *r = s->run;
	int code;

	set_error(s, failure_text(s, &code));
	s->st.exit_code = code;
	s->st.status = STEP_FAILED;
	record_attempt(s);
	if (retryable(s, code)) {
		const struct step *def = &r->p->steps[s->idx];
		int64_t delay = backoff_delay(&def->retry, s->st.attempt + 1,
					      &r->rng);

		/* A server that says when to come back is believed. */
		if (s->retry_after > delay)
			delay = s->retry_after;

		s->st.status = STEP_RETRYING;
		s->retry_at = time_mono_ms() + delay;
		r->nretrying++;
		step_record(s);
		engine_emit(r->e, r, EV_STEP_RETRY, (int)s->idx, delay,
			    s->st.error);
		return;
	}
	finalize(s, STEP_FAILED);
	if (r->p->steps[s->idx].continue_on_failure)
		satisfy_downstream(s);
	else
		skip_downstream(s);
}

void run_attempt_done(struct step_rt *s)
{
	struct run *r = s->run;

	r->running--;
	s->finished_wall = time_wall_ms();
	redact_stream_release(&s->rs);
	if (s->log_fd >= 0)
		close(s->log_fd);
	s->log_fd = -1;
	if (!s->spawn_error && WIFEXITED(s->wstatus) &&
	    r->p->steps[s->idx].kind != STEP_KIND_HTTP)
		s->st.exit_code = WEXITSTATUS(s->wstatus);
	if (s->stopping) {
		char d[32];

		duration_format(d, sizeof(d), r->p->timeout_ms);
		set_error(s, r->timed_out
				     ? xasprintf("pipeline timed out after %s", d)
				     : xstrdup("cancelled"));
		s->st.status = r->timed_out ? STEP_FAILED : STEP_CANCELLED;
		record_attempt(s);
		finalize(s, s->st.status);
	} else if (!s->spawn_error && !s->timed_out &&
		   WIFEXITED(s->wstatus) && WEXITSTATUS(s->wstatus) == 0) {
		succeed(s);
	} else {
		fail_attempt(s);
	}
	s->pid = 0;
	free(s->spawn_error);
	s->spawn_error = NULL;
}

void run_stop(struct run *r, bool timed_out)
{
	int64_t now = time_mono_ms();
	char d[32];

	if (timed_out) {
		r->timed_out = true;
		duration_format(d, sizeof(d), r->p->timeout_ms);
		free(r->error);
		r->error = xasprintf("pipeline timed out after %s", d);
	}
	for (size_t i = 0; i < r->p->nsteps; i++) {
		struct step_rt *s = &r->steps[i];

		if (!s->st.included || step_status_final(s->st.status))
			continue;
		if (s->st.status == STEP_RUNNING && s->http) {
			s->stopping = true;
			http_stop(s);
			continue;
		}
		if (s->st.status == STEP_RUNNING) {
			if (!s->exited && !s->stopping) {
				proc_kill_group(s->pid, SIGTERM);
				s->kill_at = now + r->p->steps[i].kill_grace_ms;
				r->killed_any = true;
			}
			s->stopping = true;
			continue;
		}
		if (s->st.status == STEP_RETRYING)
			r->nretrying--;
		set_error(s, xstrdup(timed_out ? "not started: pipeline timed "
						 "out"
					       : "cancelled"));
		finalize(s, STEP_CANCELLED);
	}
}

void run_cancel(struct run *r)
{
	if (r->finished)
		return;
	r->cancel_requested = true;
	run_stop(r, false);
	if (r->status == RUN_QUEUED)
		run_finish(r);
}

void run_fire_retries(struct run *r, int64_t now)
{
	for (size_t i = 0; i < r->p->nsteps && r->nretrying; i++) {
		struct step_rt *s = &r->steps[i];

		if (s->st.status != STEP_RETRYING || now < s->retry_at)
			continue;
		s->retry_at = 0;
		r->nretrying--;
		s->st.status = STEP_PENDING;
		push_ready(r, i);
	}
}
