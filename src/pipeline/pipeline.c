/* pipeline.c - loading one pipeline file into struct pipeline. */
#include "pipeline.h"

#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "sched/fire.h"
#include "sched/sched.h"
#include "template.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

#define DEFAULT_KILL_GRACE_MS 5000

static const char *const pipeline_keys[] = {
	"name", "description", "params", "env", "timeout", "max_parallel",
	"continue_on_failure", "defaults", "steps", "schedule", "on_success",
	"on_failure", "on_exit", "notify", "catch_up", "catch_up_max",
	"overlap", "priority", NULL,
};
static const char *const step_keys[] = {
	"name", "description", "run", "script", "pipeline", "params",
	"depends_on", "env", "timeout", "retry", "continue_on_failure",
	"kill_grace", "http", "when", NULL,
};
static const char *const defaults_keys[] = {
	"env", "timeout", "retry", "continue_on_failure", "kill_grace", NULL,
};
static const char *const retry_keys[] = {
	"max_attempts", "backoff", "multiplier", "max_backoff", "jitter",
	"on_exit_codes", "backoff_seconds", "backoff_multiplier",
	"max_backoff_seconds", NULL,
};

static void index_names(struct pipeline *p);

struct loader {
	struct pipeline *p;
	const char *file;
	struct diags *d;
	int errors;
};

static void fail(struct loader *l)
{
	l->errors++;
}

static bool valid_name(const char *s, bool env)
{
	if (!*s || (env && isdigit((unsigned char)*s)))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' &&
		    (env || *s != '-'))
			return false;
	return true;
}

/* Reads a map of scalars (env, params) into a kv array.  Params may
 * also be written {default: X, description: Y}. */
static void load_kv(struct loader *l, const struct ynode *map,
		    const char *key, bool params, struct kv **out, size_t *n)
{
	static const char *const param_keys[] = {"default", "description",
						  NULL};
	const struct ynode *m = ymap_get(map, key);

	if (!m || ynode_is_null(m))
		return;
	if (m->kind != YN_MAP) {
		diags_at(l->d, l->file, m, "'%s' must be a mapping, not %s",
			 key, ynode_kind_name(m));
		fail(l);
		return;
	}
	*out = xcalloc(m->n + 1, sizeof(**out));
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->pairs[i].key, *v = m->pairs[i].val;
		const struct ynode *at = v;
		struct kv *kv = &(*out)[*n];
		const char *def = NULL, *desc = NULL;

		if (k->kind != YN_SCALAR) {
			diags_at(l->d, l->file, k,
				 "%s names must be plain words, not %s",
				 params ? "param" : "env", ynode_kind_name(k));
			fail(l);
			continue;
		}
		if (!valid_name(k->str, !params)) {
			diags_at(l->d, l->file, k, "invalid %s name '%s' (%s)",
				 params ? "param" : "env", k->str,
				 params ? "use letters, digits, '_' and '-'"
					: "use letters, digits and '_', not "
					  "starting with a digit");
			fail(l);
			continue;
		}
		if (params && v->kind == YN_MAP) {
			char *what = xasprintf("param '%s'", k->str);

			if (ymap_check_keys(v, param_keys, what, l->file,
					    l->d) < 0 ||
			    yget_str(v, "default", &def, l->file, l->d) < 0 ||
			    yget_str(v, "description", &desc, l->file, l->d) < 0)
				fail(l);
			free(what);
			if (ymap_get(v, "default"))
				at = ymap_get(v, "default");
		} else if (v->kind != YN_SCALAR) {
			diags_at(l->d, l->file, v,
				 "value of '%s' must be a string, not %s",
				 k->str, ynode_kind_name(v));
			fail(l);
			continue;
		} else if (!ynode_is_null(v) || !params) {
			def = v->str;
		}
		kv->key = xstrdup(k->str);
		kv->val = xstrdup(def);
		kv->desc = xstrdup(desc);
		kv->pos = (struct srcpos){at->line, at->col};
		(*n)++;
	}
}

static void kv_free(struct kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
		free(v[i].desc);
	}
	free(v);
}

static void load_exit_codes(struct loader *l, const struct ynode *node,
			    struct retry *r)
{
	if (node->kind != YN_SEQ) {
		diags_at(l->d, l->file, node,
			 "'on_exit_codes' must be a list of exit codes");
		fail(l);
		return;
	}
	free(r->on_exit_codes);
	r->on_exit_codes = xcalloc(node->n + 1, sizeof(int));
	r->non_exit_codes = 0;
	for (size_t i = 0; i < node->n; i++) {
		const struct ynode *it = node->items[i];
		int64_t c;

		if (it->kind != YN_SCALAR) {
			diags_at(l->d, l->file, it,
				 "exit codes must be whole numbers 0-255, "
				 "not %s",
				 ynode_kind_name(it));
			fail(l);
			continue;
		}
		if (str_to_i64(it->str, &c) < 0 || c < 0 || c > 255) {
			diags_at(l->d, l->file, it,
				 "exit codes must be whole numbers 0-255, "
				 "not '%s'",
				 it->str);
			fail(l);
			continue;
		}
		r->on_exit_codes[r->non_exit_codes++] = (int)c;
	}
}

static void load_retry(struct loader *l, const struct ynode *owner,
		       struct retry *r)
{
	const struct ynode *node = ymap_get(owner, "retry"), *codes;
	int64_t n = r->max_attempts, ms;
	double x;

	if (!node || ynode_is_null(node))
		return;
	if (node->kind == YN_SCALAR) {
		/* retry: 3 is short for retry: {max_attempts: 3} */
		if (yget_int(owner, "retry", 1, 1000, &n, l->file, l->d) < 0)
			fail(l);
		r->max_attempts = (int)n;
		return;
	}
	if (node->kind != YN_MAP) {
		diags_at(l->d, l->file, node,
			 "'retry' must be a mapping or a number of attempts");
		fail(l);
		return;
	}
	if (ymap_check_keys(node, retry_keys, "retry", l->file, l->d) < 0)
		fail(l);
	if (yget_int(node, "max_attempts", 1, 1000, &n, l->file, l->d) < 0)
		fail(l);
	r->max_attempts = (int)n;
	if (yget_duration(node, "backoff_seconds", &r->backoff_ms, l->file,
			  l->d) < 0 ||
	    yget_duration(node, "backoff", &r->backoff_ms, l->file, l->d) < 0)
		fail(l);
	x = r->multiplier;
	if (yget_double(node, "backoff_multiplier", 1, 100, &x, l->file,
			l->d) < 0 ||
	    yget_double(node, "multiplier", 1, 100, &x, l->file, l->d) < 0)
		fail(l);
	r->multiplier = x;
	ms = r->max_backoff_ms;
	if (yget_duration(node, "max_backoff_seconds", &ms, l->file, l->d) < 0 ||
	    yget_duration(node, "max_backoff", &ms, l->file, l->d) < 0)
		fail(l);
	r->max_backoff_ms = ms;
	x = r->jitter;
	if (yget_double(node, "jitter", 0, 1, &x, l->file, l->d) < 0)
		fail(l);
	r->jitter = x;
	codes = ymap_get(node, "on_exit_codes");
	if (codes && !ynode_is_null(codes))
		load_exit_codes(l, codes, r);
}

static void retry_copy(struct retry *dst, const struct retry *src)
{
	*dst = *src;
	if (src->non_exit_codes) {
		dst->on_exit_codes = xcalloc(src->non_exit_codes, sizeof(int));
		memcpy(dst->on_exit_codes, src->on_exit_codes,
		       src->non_exit_codes * sizeof(int));
	} else {
		dst->on_exit_codes = NULL;
	}
}

/* Settings that `defaults:` provides and a step may override. */
struct step_defaults {
	struct kv *env;
	size_t nenv;
	int64_t timeout_ms;
	int64_t kill_grace_ms;
	bool continue_on_failure;
	struct retry retry;
};

static void load_defaults(struct loader *l, const struct ynode *root,
			  struct step_defaults *df)
{
	const struct ynode *node = ymap_get(root, "defaults");

	df->kill_grace_ms = DEFAULT_KILL_GRACE_MS;
	df->continue_on_failure = l->p->continue_on_failure;
	df->retry = (struct retry){.max_attempts = 1, .backoff_ms = 1000,
				   .multiplier = 2, .max_backoff_ms = 600000,
				   .jitter = 0.1};
	if (!node || ynode_is_null(node))
		return;
	if (node->kind != YN_MAP) {
		diags_at(l->d, l->file, node,
			 "'defaults' must be a mapping, not %s",
			 ynode_kind_name(node));
		fail(l);
		return;
	}
	if (ymap_check_keys(node, defaults_keys, "defaults", l->file, l->d) < 0)
		fail(l);
	load_kv(l, node, "env", false, &df->env, &df->nenv);
	if (yget_duration(node, "timeout", &df->timeout_ms, l->file, l->d) < 0 ||
	    yget_duration(node, "kill_grace", &df->kill_grace_ms, l->file,
			  l->d) < 0 ||
	    yget_bool(node, "continue_on_failure", &df->continue_on_failure,
		      l->file, l->d) < 0)
		fail(l);
	load_retry(l, node, &df->retry);
}

/* Step env = defaults env overridden key by key by the step's own. */
static void merge_env(struct step *s, const struct step_defaults *df)
{
	size_t n = s->nenv;

	for (size_t i = 0; i < df->nenv; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (!strcmp(s->env[j].key, df->env[i].key))
				break;
		if (j < n)
			continue;
		s->env = xrealloc(s->env, (s->nenv + 1) * sizeof(*s->env));
		s->env[s->nenv].key = xstrdup(df->env[i].key);
		s->env[s->nenv].val = xstrdup(df->env[i].val);
		s->env[s->nenv].desc = NULL;
		s->env[s->nenv].pos = df->env[i].pos;
		s->nenv++;
	}
}

static void load_action(struct loader *l, const struct ynode *node,
			struct step *s)
{
	const char *run = NULL, *script = NULL, *sub = NULL;
	const struct ynode *http = ymap_get(node, "http");
	int count;

	if (yget_str(node, "run", &run, l->file, l->d) < 0 ||
	    yget_str(node, "script", &script, l->file, l->d) < 0 ||
	    yget_str(node, "pipeline", &sub, l->file, l->d) < 0) {
		fail(l);
		return;
	}
	for (int i = 0; i < 3; i++) {
		static const char *const keys[] = {"run", "script", "pipeline"};
		const char *val = i == 0 ? run : i == 1 ? script : sub;

		if (val && !*val) {
			diags_at(l->d, l->file, ymap_get(node, keys[i]),
				 "step '%s' has an empty '%s'", s->name,
				 keys[i]);
			fail(l);
			return;
		}
	}
	count = !!run + !!script + !!sub + !!http;
	if (count == 0) {
		diags_at(l->d, l->file, node,
			 "step '%s' needs one of 'run', 'script', 'pipeline' "
			 "or 'http'",
			 s->name);
		fail(l);
	} else if (count > 1) {
		diags_at(l->d, l->file, node,
			 "step '%s' has more than one of 'run', 'script', "
			 "'pipeline' and 'http'; choose one",
			 s->name);
		fail(l);
	}
	if (run) {
		const struct ynode *v = ymap_get(node, "run");

		s->kind = STEP_KIND_RUN;
		s->run = xstrdup(run);
		s->run_pos = (struct srcpos){v->line, v->col};
	} else if (script) {
		const struct ynode *v = ymap_get(node, "script");
		struct stat st;

		s->kind = STEP_KIND_SCRIPT;
		s->script = xasprintf("%s/%s", l->p->scripts_dir, script);
		if (stat(s->script, &st) < 0 || !S_ISREG(st.st_mode)) {
			/* A missing folder is the likelier mistake. */
			if (stat(l->p->scripts_dir, &st) < 0 ||
			    !S_ISDIR(st.st_mode))
				diags_at(l->d, l->file, v,
					 "script '%s' not found: there is no "
					 "folder %s/ (scripts live in a folder "
					 "named after the pipeline file)",
					 script, l->p->scripts_dir);
			else
				diags_at(l->d, l->file, v,
					 "script '%s' not found (looked for "
					 "%s)",
					 script, s->script);
			fail(l);
		}
	} else if (sub) {
		s->kind = STEP_KIND_PIPELINE;
		s->pipeline = xstrdup(sub);
	} else if (http) {
		s->kind = STEP_KIND_HTTP;
		if (http_spec_load(http, l->file, l->d, &s->http) < 0)
			fail(l);
	}
	if (ymap_get(node, "params") && s->kind != STEP_KIND_PIPELINE) {
		diags_at(l->d, l->file, ymap_pair(node, "params")->key,
			 "'params' on a step is only for 'pipeline' steps "
			 "(did you mean 'env'?)");
		fail(l);
	}
}

static void load_step(struct loader *l, const struct ynode *node,
		      struct step *s, const struct step_defaults *df)
{
	const char *name = NULL, *desc = NULL;
	const char **deps = NULL;
	const struct ynode *dv;
	size_t ndeps = 0;
	char *what;

	s->line = node->line;
	s->col = node->col;
	s->timeout_ms = df->timeout_ms;
	s->kill_grace_ms = df->kill_grace_ms;
	s->continue_on_failure = df->continue_on_failure;
	retry_copy(&s->retry, &df->retry);
	if (node->kind != YN_MAP) {
		diags_at(l->d, l->file, node, "a step must be a mapping, not %s",
			 ynode_kind_name(node));
		fail(l);
		s->name = xstrdup("?");
		return;
	}
	if (ymap_require(node, "name", "step", l->file, l->d) < 0 ||
	    yget_str(node, "name", &name, l->file, l->d) < 0)
		fail(l);
	s->name = xstrdup(name ? name : "?");
	if (name && !*name) {
		diags_at(l->d, l->file, ymap_get(node, "name"),
			 "step name is empty");
		fail(l);
	} else if (name && !valid_name(name, false)) {
		diags_at(l->d, l->file, ymap_get(node, "name"),
			 "step name '%s' may contain only letters, digits, "
			 "'_' and '-'",
			 name);
		fail(l);
	}
	what = name ? xasprintf("step '%s'", name) : xstrdup("step");
	if (ymap_check_keys(node, step_keys, what, l->file, l->d) < 0)
		fail(l);
	free(what);
	if (yget_str(node, "description", &desc, l->file, l->d) < 0 ||
	    yget_strlist(node, "depends_on", &deps, &ndeps, l->file, l->d) < 0 ||
	    yget_duration(node, "timeout", &s->timeout_ms, l->file, l->d) < 0 ||
	    yget_duration(node, "kill_grace", &s->kill_grace_ms, l->file,
			  l->d) < 0 ||
	    yget_bool(node, "continue_on_failure", &s->continue_on_failure,
		      l->file, l->d) < 0)
		fail(l);
	s->description = xstrdup(desc);
	s->deps = xcalloc(ndeps + 1, sizeof(*s->deps));
	s->dep_pos = xcalloc(ndeps + 1, sizeof(*s->dep_pos));
	dv = ymap_get(node, "depends_on");
	for (size_t i = 0; i < ndeps; i++) {
		const struct ynode *at = dv->kind == YN_SEQ ? dv->items[i] : dv;

		s->deps[i] = xstrdup(deps[i]);
		s->dep_pos[i] = (struct srcpos){at->line, at->col};
	}
	s->ndeps = ndeps;
	free(deps);
	load_kv(l, node, "env", false, &s->env, &s->nenv);
	load_kv(l, node, "params", true, &s->with, &s->nwith);
	merge_env(s, df);
	load_retry(l, node, &s->retry);
	if (ymap_get(node, "when") && !ynode_is_null(ymap_get(node, "when")) &&
	    condition_load(ymap_get(node, "when"), l->file, l->d, s) < 0)
		fail(l);
	load_action(l, node, s);
}

static void check_duplicate_steps(struct loader *l)
{
	struct pipeline *p = l->p;

	/* At the step, not its name: with "<<: *anchor" the name may be
	 * written elsewhere. */
	for (size_t i = 0; i < p->nsteps; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->steps[i].name, p->steps[j].name) &&
			    strcmp(p->steps[i].name, "?")) {
				diags_add(l->d, l->file, p->steps[i].line,
					  p->steps[i].col,
					  "duplicate step name '%s' (first "
					  "defined at line %d)",
					  p->steps[i].name, p->steps[j].line);
				fail(l);
				break;
			}
}

static void load_steps(struct loader *l, const struct ynode *root,
		       const struct step_defaults *df)
{
	const struct ynode *seq = ymap_get(root, "steps");

	if (!seq) {
		ymap_require(root, "steps", "pipeline", l->file, l->d);
		fail(l);
		return;
	}
	if (ynode_is_null(seq) || (seq->kind == YN_SEQ && seq->n == 0)) {
		diags_at(l->d, l->file, seq,
			 "pipeline has no steps (list at least one under "
			 "'steps')");
		fail(l);
		return;
	}
	if (seq->kind != YN_SEQ) {
		diags_at(l->d, l->file, seq, "'steps' must be a list, not %s",
			 ynode_kind_name(seq));
		fail(l);
		return;
	}
	l->p->steps = xcalloc(seq->n, sizeof(*l->p->steps));
	for (size_t i = 0; i < seq->n; i++) {
		load_step(l, seq->items[i], &l->p->steps[i], df);
		l->p->nsteps++;
	}
	check_duplicate_steps(l);
}

static void load_top(struct loader *l, const struct ynode *root)
{
	struct pipeline *p = l->p;
	const char *name = NULL, *desc = NULL;
	int64_t mp = 0;

	if (ymap_check_keys(root, pipeline_keys, "pipeline", l->file, l->d) < 0)
		fail(l);
	if (yget_str(root, "name", &name, l->file, l->d) < 0 ||
	    yget_str(root, "description", &desc, l->file, l->d) < 0 ||
	    yget_duration(root, "timeout", &p->timeout_ms, l->file, l->d) < 0 ||
	    yget_int(root, "max_parallel", 1, 100000, &mp, l->file, l->d) < 0 ||
	    yget_bool(root, "continue_on_failure", &p->continue_on_failure,
		      l->file, l->d) < 0)
		fail(l);
	p->name = xstrdup(name ? name : p->id);
	p->description = xstrdup(desc);
	p->max_parallel = (int)mp;
	load_kv(l, root, "params", true, &p->params, &p->nparams);
	load_kv(l, root, "env", false, &p->env, &p->nenv);
	/* schedule: ~ is no schedule, as if the key were not there. */
	if (ymap_get(root, "schedule") &&
	    !ynode_is_null(ymap_get(root, "schedule")) &&
	    schedule_parse_node(ymap_get(root, "schedule"), l->file, l->d,
				&p->schedule) < 0)
		fail(l);
	/* Read even without a schedule, so that a typo is reported. */
	p->policy = xcalloc(1, sizeof(*p->policy));
	if (fire_policy_load(root, l->file, true, l->d, p->policy) < 0)
		fail(l);
	if (!p->schedule) {
		free(p->policy);
		p->policy = NULL;
	}
}

static char *file_stem(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (str_ends(base, ".yaml"))
		n -= 5;
	else if (str_ends(base, ".yml"))
		n -= 4;
	return xstrndup(base, n);
}

static void init_paths(struct pipeline *p, const char *file,
		       const char *workdir)
{
	const char *slash = strrchr(file, '/');

	p->file = xstrdup(file);
	p->id = file_stem(file);
	if (slash)
		p->scripts_dir = xasprintf("%.*s/%s", (int)(slash - file), file,
					   p->id);
	else
		p->scripts_dir = xstrdup(p->id);
	p->workdir = xstrdup(workdir ? workdir : ".");
}

struct pipeline *pipeline_load(const char *file, const char *workdir,
			       struct diags *d)
{
	struct loader l = {.file = file, .d = d};
	struct step_defaults df = {0};
	size_t before = d->n;
	struct ynode *root = yaml_load(file, d);

	if (!root)
		return NULL;
	l.p = xcalloc(1, sizeof(*l.p));
	init_paths(l.p, file, workdir);
	if (root->kind != YN_MAP) {
		diags_at(d, file, root,
			 "a pipeline file must be a mapping with 'steps', "
			 "not %s",
			 ynode_kind_name(root));
		fail(&l);
		goto out;
	}
	if (root->n == 0) {
		/* An empty file or only comments: no line to point at. */
		diags_add(d, file, 0, 0,
			  "pipeline file defines nothing (it needs a 'steps' "
			  "list)");
		fail(&l);
		goto out;
	}
	load_top(&l, root);
	load_defaults(&l, root, &df);
	load_steps(&l, root, &df);
	if (!l.errors)
		index_names(l.p);
	if (!l.errors && dag_build(l.p, d) < 0)
		fail(&l);
	if (!l.errors && (handlers_load(root, file, d, l.p) < 0 ||
			  notify_load(root, file, d, l.p) < 0))
		fail(&l);
	if (!l.errors && pipeline_check_templates(l.p, d) < 0)
		fail(&l);
out:
	kv_free(df.env, df.nenv);
	free(df.retry.on_exit_codes);
	ynode_free(root);
	if (l.errors || d->n > before) {
		pipeline_free(l.p);
		return NULL;
	}
	return l.p;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsteps; i++) {
		struct step *s = &p->steps[i];

		free(s->name);
		free(s->description);
		free(s->run);
		free(s->script);
		free(s->pipeline);
		http_spec_free(s->http);
		conditions_free(s->when, s->nwhen);
		kv_free(s->with, s->nwith);
		for (size_t j = 0; j < s->ndeps; j++)
			free(s->deps[j]);
		free(s->deps);
		free(s->dep_idx);
		free(s->dep_pos);
		kv_free(s->env, s->nenv);
		free(s->retry.on_exit_codes);
	}
	free(p->steps);
	schedule_free(p->schedule);
	free(p->policy);
	kv_free(p->params, p->nparams);
	kv_free(p->env, p->nenv);
	free(p->order);
	free(p->level);
	free(p->by_name);
	free(p->on_success.idx);
	free(p->on_failure.idx);
	free(p->on_exit.idx);
	for (size_t i = 0; i < p->nnotify; i++)
		free(p->notify[i].url);
	free(p->notify);
	free(p->id);
	free(p->name);
	free(p->description);
	free(p->file);
	free(p->scripts_dir);
	free(p->workdir);
	free(p);
}

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Builds the name -> index hash, so looking up the ends of thousands of
 * edges is not quadratic.  Slots hold index + 1; 0 is empty.  With
 * duplicate names (an error reported elsewhere) the first one wins. */
static void index_names(struct pipeline *p)
{
	size_t n = 16;

	while (n < p->nsteps * 2)
		n *= 2;
	p->by_name = xcalloc(n, sizeof(*p->by_name));
	p->nby_name = n;
	for (size_t i = 0; i < p->nsteps; i++) {
		size_t h = name_hash(p->steps[i].name) & (n - 1);

		while (p->by_name[h] &&
		       strcmp(p->steps[p->by_name[h] - 1].name,
			      p->steps[i].name))
			h = (h + 1) & (n - 1);
		if (!p->by_name[h])
			p->by_name[h] = i + 1;
	}
}

int pipeline_step_index(const struct pipeline *p, const char *name)
{
	size_t h;

	if (!p->by_name) {
		for (size_t i = 0; i < p->nsteps; i++)
			if (!strcmp(p->steps[i].name, name))
				return (int)i;
		return -1;
	}
	h = name_hash(name) & (p->nby_name - 1);
	while (p->by_name[h]) {
		if (!strcmp(p->steps[p->by_name[h] - 1].name, name))
			return (int)(p->by_name[h] - 1);
		h = (h + 1) & (p->nby_name - 1);
	}
	return -1;
}

int pipeline_param_index(const struct pipeline *p, const char *name)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (!strcmp(p->params[i].key, name))
			return (int)i;
	return -1;
}
