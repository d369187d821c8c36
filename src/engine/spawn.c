/* spawn.c - turning a step definition into a running process: its
 * command line, its environment and its input file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"
#include "pipeline/pipeline.h"
#include "pipeline/template.h"
#include "proc.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/timeutil.h"

extern char **environ;

/* A step's environment: baton's own entries (owned) first, then the
 * inherited ones, borrowed from environ without copying. */
struct envv {
	char **v;
	size_t n;
	size_t nown;
	size_t cap;
};

static bool env_has(const struct envv *e, const char *name, size_t len)
{
	for (size_t i = 0; i < e->nown; i++)
		if (!strncmp(e->v[i], name, len) && e->v[i][len] == '=')
			return true;
	return false;
}

static void env_push(struct envv *e, char *entry)
{
	xgrow((void **)&e->v, &e->cap, e->n + 2, sizeof(*e->v));
	e->v[e->n++] = entry;
	e->v[e->n] = NULL;
}

/* Adds NAME=value unless NAME is already set (earlier adds win). */
static void env_add(struct envv *e, const char *name, const char *value)
{
	if (env_has(e, name, strlen(name)))
		return;
	env_push(e, xasprintf("%s=%s", name, value));
	e->nown = e->n;
}

static void env_inherit(struct envv *e)
{
	for (char **p = environ; *p; p++) {
		const char *eq = strchr(*p, '=');

		if (eq && !env_has(e, *p, (size_t)(eq - *p)))
			env_push(e, *p);
	}
}

static void env_free(struct envv *e)
{
	for (size_t i = 0; i < e->nown; i++)
		free(e->v[i]);
	free(e->v);
}

static int env_add_rendered(struct envv *e, const struct kv *kv, size_t n,
			    const json_t *ctx, struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		char *val = NULL;

		if (template_render(kv[i].val ? kv[i].val : "", ctx, &val,
				    err) < 0) {
			char msg[sizeof(err->msg) + 256];

			snprintf(msg, sizeof(msg), "env %s: %s", kv[i].key,
				 err->msg);
			return error_set(err, -EINVAL, "%.1000s", msg);
		}
		env_add(e, kv[i].key, val);
		free(val);
	}
	return 0;
}

/* True when an upstream wrote output, so $BATON_INPUT has content. */
static bool has_input(const struct step_rt *s)
{
	const struct step *def = &s->run->p->steps[s->idx];

	for (size_t j = 0; j < def->ndeps; j++)
		if (s->run->steps[def->dep_idx[j]].st.output)
			return true;
	return false;
}

static int build_env(struct step_rt *s, struct envv *e, struct error *err)
{
	struct run *r = s->run;
	const struct step *def = &r->p->steps[s->idx];
	const char *root = getenv("BATON_ROOT_RUN");
	json_t *params = json_object_get(r->ctx, "params"), *v;
	const char *k;
	char num[16];

	snprintf(num, sizeof(num), "%d", s->st.attempt);
	env_add(e, "BATON_RUN_ID", r->id);
	env_add(e, "BATON_ROOT_RUN", r->parent_run && root ? root : r->id);
	env_add(e, "BATON_PIPELINE", r->p->id);
	env_add(e, "BATON_STEP", def->name);
	env_add(e, "BATON_ATTEMPT", num);
	env_add(e, "BATON_OUTPUT", s->out_path);
	env_add(e, "BATON_PROJECT_DIR", r->e->cfg.project_root);
	env_add(e, "BATON_SCRIPTS_DIR", r->p->scripts_dir);
	if (def->handler && r->handlers_done) {
		json_t *run = json_object_get(r->ctx, "run");
		char *errors = json_dumps(json_object_get(run, "errors"),
					  JSON_COMPACT);

		env_add(e, "BATON_RUN_STATUS",
			json_string_value(json_object_get(run, "status")));
		env_add(e, "BATON_RUN_ERRORS", errors ? errors : "[]");
		free(errors);
	}
	if (r->tenant) {
		static const char *const keys[] = {"id", "name", "platform"};
		static const char *const names[] = {
			"BATON_TENANT_ID", "BATON_TENANT_NAME",
			"BATON_TENANT_PLATFORM"};

		for (size_t i = 0; i < 3; i++) {
			const char *v = json_string_value(
				json_object_get(r->tenant, keys[i]));

			env_add(e, names[i], v ? v : "");
		}
	}
	if (r->input) {
		char *in = xasprintf("%s/input.json", r->dir);

		env_add(e, "BATON_JOB_INPUT", in);
		free(in);
	}
	if (has_input(s)) {
		char *in = xasprintf("%s/%s.input.json", r->dir, def->name);

		env_add(e, "BATON_INPUT", in);
		free(in);
	}
	if (env_add_rendered(e, def->env, def->nenv, r->ctx, err) < 0 ||
	    env_add_rendered(e, r->p->env, r->p->nenv, r->ctx, err) < 0)
		return -EINVAL;
	json_object_foreach(params, k, v) {
		char *name = xasprintf("BATON_PARAM_%s", k);

		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		env_add(e, name, json_string_value(v));
		free(name);
	}
	env_inherit(e);
	return 0;
}

static char **script_argv(const char *path)
{
	char **argv = xcalloc(3, sizeof(*argv));

	if (str_ends(path, ".py")) {
		argv[0] = xstrdup("python3");
		argv[1] = xstrdup(path);
	} else if (access(path, X_OK) == 0) {
		argv[0] = xstrdup(path);
	} else {
		argv[0] = xstrdup("/bin/sh");
		argv[1] = xstrdup(path);
	}
	return argv;
}

static char **sub_argv(struct step_rt *s, struct error *err)
{
	struct run *r = s->run;
	const struct step *def = &r->p->steps[s->idx];
	char **argv = xcalloc(18 + 2 * def->nwith, sizeof(*argv));
	size_t n = 0;

	argv[n++] = xstrdup(r->e->cfg.self_exe);
	argv[n++] = xstrdup("--project");
	argv[n++] = xstrdup(r->e->cfg.project_root);
	argv[n++] = xstrdup("--state");
	argv[n++] = xstrdup(r->e->cfg.store_location);
	argv[n++] = xstrdup("run");
	argv[n++] = xstrdup(def->pipeline);
	argv[n++] = xstrdup("--parent-run");
	argv[n++] = xstrdup(r->id);
	argv[n++] = xstrdup("--output-file");
	argv[n++] = xstrdup(s->out_path);
	if (r->tenant_id && r->e->cfg.tenants_file) {
		/* The child loads the tenant itself: credentials never
		 * travel on a command line. */
		argv[n++] = xstrdup("--tenants");
		argv[n++] = xstrdup(r->e->cfg.tenants_file);
		argv[n++] = xstrdup("--as-tenant");
		argv[n++] = xstrdup(r->tenant_id);
	}
	for (size_t i = 0; i < def->nwith; i++) {
		char *val = NULL;

		if (template_render(def->with[i].val ? def->with[i].val : "",
				    r->ctx, &val, err) < 0) {
			proc_argv_free(argv);
			return NULL;
		}
		argv[n++] = xstrdup("--param");
		argv[n++] = xasprintf("%s=%s", def->with[i].key, val);
		free(val);
	}
	return argv;
}

static char **build_argv(struct step_rt *s, struct error *err)
{
	const struct step *def = &s->run->p->steps[s->idx];
	char **argv, *cmd = NULL;

	switch (def->kind) {
	case STEP_KIND_SCRIPT:
		return script_argv(def->script);
	case STEP_KIND_PIPELINE:
		return sub_argv(s, err);
	case STEP_KIND_HTTP:	/* made by http.c, never spawned */
	case STEP_KIND_RUN:
		break;
	}
	if (template_render(def->run, s->run->ctx, &cmd, err) < 0)
		return NULL;
	if (proc_needs_shell(cmd)) {
		argv = xcalloc(4, sizeof(*argv));
		argv[0] = xstrdup("/bin/sh");
		argv[1] = xstrdup("-c");
		argv[2] = cmd;
		return argv;
	}
	argv = proc_split(cmd);
	free(cmd);
	if (!argv[0]) {
		proc_argv_free(argv);
		error_set(err, -EINVAL, "the command is empty");
		return NULL;
	}
	return argv;
}

/* $BATON_INPUT: the direct upstreams' outputs, keyed by step name.
 * Written only when one of them wrote something: creating a file per
 * step is the costliest part of starting a trivial step. */
static int write_input(struct step_rt *s, struct error *err)
{
	struct run *r = s->run;
	const struct step *def = &r->p->steps[s->idx];
	json_t *in;
	char *path;
	int rc = 0;

	if (!has_input(s))
		return 0;
	in = json_object();
	for (size_t j = 0; j < def->ndeps; j++) {
		json_t *o = r->steps[def->dep_idx[j]].st.output;

		json_object_set_new(in, def->deps[j], o ? json_incref(o)
							: json_null());
	}
	path = xasprintf("%s/%s.input.json", r->dir, def->name);
	fs_mkdirs(r->dir);
	if (json_dump_file(in, path, JSON_COMPACT) < 0)
		rc = error_set(err, -EIO, "cannot write %s", path);
	free(path);
	json_decref(in);
	return rc;
}

static void log_attempt_header(struct step_rt *s)
{
	const struct step *def = &s->run->p->steps[s->idx];
	char line[128];
	int n;

	if (s->st.attempt < 2)
		return;
	s->log_fd = step_log_open(s);
	n = snprintf(line, sizeof(line), "\n--- baton: attempt %d of %d ---\n",
		     s->st.attempt, def->retry.max_attempts);
	if (s->log_fd >= 0 && write(s->log_fd, line, (size_t)n) == n)
		s->log_bytes += n;
}

void step_spawn(struct step_rt *s)
{
	struct run *r = s->run;
	const struct step *def = &r->p->steps[s->idx];
	struct envv env = {0};
	struct error err = {0};
	struct proc proc;
	char **argv = NULL;

	if (!s->log_path) {
		/* Made when first needed: a big queue holds no paths. */
		s->log_path = xasprintf("%s/%s.log", r->dir, def->name);
		/* Outputs pass through one shared directory (made once by
		 * engine_new) and are deleted once read into the store. */
		s->out_path = xasprintf("%s/tmp/%s.%s.output.json",
					r->e->cfg.state_dir, r->id, def->name);
	}
	s->st.attempt++;
	s->exited = s->timed_out = s->stopping = false;
	s->wstatus = 0;
	s->deadline = s->kill_at = s->pipe_deadline = 0;
	s->started_wall = time_wall_ms();
	s->finished_wall = 0;
	s->st.started_mono = time_mono_ms();
	if (!s->first_mono) {
		s->first_mono = s->st.started_mono;
		s->first_wall = s->started_wall;
	}
	free(s->st.error);
	s->st.error = NULL;
	s->st.status = STEP_RUNNING;
	r->running++;
	redact_stream_init(&s->rs, r->redactor, step_log_append, s);
	log_attempt_header(s);
	if (def->kind == STEP_KIND_HTTP) {
		http_start(s);
		if (s->exited) {
			run_attempt_done(s);
			return;
		}
		if (def->timeout_ms)
			s->deadline = 0; /* libcurl enforces it */
		step_record(s);
		record_attempt(s);
		engine_emit(r->e, r, EV_STEP_START, (int)s->idx, 0, NULL);
		return;
	}
	if (build_env(s, &env, &err) < 0 ||
	    !(argv = build_argv(s, &err)) || write_input(s, &err) < 0 ||
	    proc_spawn(strchr(argv[0], '/') ? NULL
					    : proc_which(&r->e->paths, argv[0]),
		       argv, env.v, r->p->workdir, &proc, &err) < 0) {
		s->spawn_error = xstrdup(err.msg);
		s->exited = true;
		goto out;
	}
	s->pid = proc.pid;
	s->out_fd = proc.out_fd;
	engine_watch(r->e, s);
	if (def->timeout_ms)
		s->deadline = s->st.started_mono + def->timeout_ms;
	step_record(s);
	record_attempt(s);
	engine_emit(r->e, r, EV_STEP_START, (int)s->idx, 0, NULL);
out:
	proc_argv_free(argv);
	env_free(&env);
	if (s->spawn_error)
		run_attempt_done(s);
}
