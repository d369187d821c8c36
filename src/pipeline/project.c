/* project.c - discovering pipelines and reading baton.yaml. */
#include "project.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "pipeline.h"
#include "project_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define DEFAULT_LOG_MAX (10 << 20)

static const char *const settings_keys[] = {
	"state", "state_dir", "retention", "log_max", "max_parallel",
	"rate_limits", "sources", "tokens", "cors", NULL,	/* tokens, cors:
								 * baton serve */
};
static const char *const rate_keys[] = {"per_minute", "burst", NULL};

static void load_rates(struct settings *s, const struct ynode *root,
		       const char *file, struct diags *d)
{
	const struct ynode *m = ymap_get(root, "rate_limits");

	if (!m || ynode_is_null(m))
		return;
	if (m->kind != YN_MAP) {
		diags_at(d, file, m, "'rate_limits' must be a mapping like "
			 "{facebook: {per_minute: 15}}");
		return;
	}
	s->rates = xcalloc(m->n + 1, sizeof(*s->rates));
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->pairs[i].key, *v = m->pairs[i].val;
		struct rate_setting *r = &s->rates[s->nrates];
		int64_t burst = 1;
		double pm = 0;

		if (v->kind != YN_MAP) {
			diags_at(d, file, v, "rate limit '%s' must be a mapping "
				 "like {per_minute: 15}", k->str);
			continue;
		}
		ymap_check_keys(v, rate_keys, "rate limit", file, d);
		if (ymap_require(v, "per_minute", "rate limit", file, d) < 0 ||
		    yget_double(v, "per_minute", 0.001, 1e9, &pm, file, d) < 0 ||
		    yget_int(v, "burst", 1, 1000000, &burst, file, d) < 0)
			continue;
		r->key = xstrdup(k->str);
		r->per_minute = pm;
		r->burst = (int)burst;
		s->nrates++;
	}
}
static const char *const retention_keys[] = {"days", "runs", NULL};

static int load_settings(struct project *p, struct diags *d)
{
	char *file = xasprintf("%s/baton.yaml", p->root);
	struct settings *s = &p->settings;
	struct ynode *root = NULL, *ret;
	const char *state = NULL, *state_dir = NULL, *logmax = NULL;
	int64_t mp = 0;
	size_t before = d->n;

	s->log_max_bytes = DEFAULT_LOG_MAX;
	if (access(file, F_OK) < 0)
		goto out;
	root = yaml_load(file, d);
	if (!root)
		goto out;
	if (root->kind != YN_MAP) {
		diags_at(d, file, root, "baton.yaml must be a mapping");
		goto out;
	}
	ymap_check_keys(root, settings_keys, "baton.yaml", file, d);
	yget_str(root, "state", &state, file, d);
	yget_str(root, "state_dir", &state_dir, file, d);
	yget_str(root, "log_max", &logmax, file, d);
	yget_int(root, "max_parallel", 1, 100000, &mp, file, d);
	s->max_parallel = (int)mp;
	if (logmax && str_to_size(logmax, &s->log_max_bytes) < 0)
		diags_at(d, file, ymap_get(root, "log_max"),
			 "'log_max' must be a size like 10MB or 512KiB, not "
			 "'%s'", logmax);
	load_rates(s, root, file, d);
	sources_load(s, root, p->root, file, d);
	ret = ymap_get(root, "retention");
	if (ret && ret->kind == YN_MAP) {
		ymap_check_keys(ret, retention_keys, "retention", file, d);
		yget_int(ret, "days", 0, 100000, &s->retention_days, file, d);
		yget_int(ret, "runs", 0, 1000000000, &s->retention_runs, file,
			 d);
	} else if (ret && !ynode_is_null(ret)) {
		diags_at(d, file, ret,
			 "'retention' must be a mapping like {days: 30, "
			 "runs: 1000}");
	}
out:
	if (state_dir)
		s->state_dir = state_dir[0] == '/'
				       ? xstrdup(state_dir)
				       : xasprintf("%s/%s", p->root, state_dir);
	else
		s->state_dir = xasprintf("%s/.baton", p->root);
	if (state)
		s->state = state[0] == '/' || strstr(state, "://")
				   ? xstrdup(state)
				   : xasprintf("%s/%s", p->root, state);
	else
		s->state = xasprintf("%s/state.db", s->state_dir);
	ynode_free(root);
	free(file);
	return d->n > before ? -1 : 0;
}

static int cmp_pipeline(const void *a, const void *b)
{
	const struct pipeline *x = *(struct pipeline *const *)a;
	const struct pipeline *y = *(struct pipeline *const *)b;

	return strcmp(x->id, y->id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists *.yaml / *.yml in dir, sorted; caller frees with strv_free-like
 * loop.  Returns the count, or -errno. */
static int list_yaml(const char *dir, char ***out)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!dh)
		return -errno;
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.' ||
		    (!str_ends(de->d_name, ".yaml") &&
		     !str_ends(de->d_name, ".yml")))
			continue;
		xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		v[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(dh);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return (int)n;
}

int project_open(const char *root, struct project **out, struct diags *d)
{
	struct project *p = xcalloc(1, sizeof(*p));
	char real[PATH_MAX], **files = NULL;
	int n;

	if (!realpath(root, real)) {
		diags_add(d, root, 0, 0, "cannot open project: %s",
			  strerror(errno));
		free(p);
		return -1;
	}
	p->root = xstrdup(real);
	p->pipelines_dir = xasprintf("%s/pipelines", p->root);
	if (load_settings(p, d) < 0) {
		project_free(p);
		return -1;
	}
	n = list_yaml(p->pipelines_dir, &files);
	if (n < 0 && n != -ENOENT) {
		diags_add(d, p->pipelines_dir, 0, 0, "cannot read: %s",
			  strerror(-n));
		project_free(p);
		return -1;
	}
	p->pipelines = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*p->pipelines));
	p->broken = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*p->broken));
	for (int i = 0; i < n; i++) {
		struct pipeline *pl = pipeline_load(files[i], p->root, d);

		if (pl)
			p->pipelines[p->n++] = pl;
		else
			p->broken[p->nbroken++] = xstrdup(files[i]);
		free(files[i]);
	}
	free(files);
	qsort(p->pipelines, p->n, sizeof(*p->pipelines), cmp_pipeline);
	*out = p;
	return 0;
}

void project_free(struct project *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		pipeline_free(p->pipelines[i]);
	for (size_t i = 0; i < p->nbroken; i++)
		free(p->broken[i]);
	free(p->pipelines);
	free(p->broken);
	for (size_t i = 0; i < p->settings.nrates; i++)
		free(p->settings.rates[i].key);
	free(p->settings.rates);
	sources_release(&p->settings);
	free(p->settings.state);
	free(p->settings.state_dir);
	free(p->root);
	free(p->pipelines_dir);
	free(p);
}

struct pipeline *project_find(const struct project *p, const char *name)
{
	struct pipeline *byname = NULL;
	int nbyname = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->pipelines[i]->id, name))
			return p->pipelines[i];
		if (!strcmp(p->pipelines[i]->name, name)) {
			byname = p->pipelines[i];
			nbyname++;
		}
	}
	return nbyname == 1 ? byname : NULL;
}

const char *project_suggest(const struct project *p, const char *name)
{
	const char **ids = xcalloc(p->n + p->nbroken + 1, sizeof(*ids));
	const char *hint;

	for (size_t i = 0; i < p->n; i++)
		ids[i] = p->pipelines[i]->id;
	hint = str_suggest(name, ids, p->n);
	free(ids);
	return hint;
}

bool project_is_broken(const struct project *p, const char *id)
{
	for (size_t i = 0; i < p->nbroken; i++) {
		const char *base = strrchr(p->broken[i], '/');
		size_t n = strlen(id);

		base = base ? base + 1 : p->broken[i];
		if (!strncmp(base, id, n) &&
		    (!strcmp(base + n, ".yaml") || !strcmp(base + n, ".yml")))
			return true;
	}
	return false;
}

/* Depth-first walk through pipeline: steps looking for recursion. */
static int check_recursion(const struct project *proj,
			   const struct pipeline *p, const char **stack,
			   size_t depth, struct diags *d)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *s = &p->steps[i];
		const struct pipeline *sub;

		if (s->kind != STEP_KIND_PIPELINE)
			continue;
		sub = project_find(proj, s->pipeline);
		if (!sub)
			continue;
		for (size_t k = 0; k < depth; k++)
			if (!strcmp(stack[k], sub->id)) {
				diags_add(d, p->file, s->line, s->col,
					  "step '%s' runs pipeline '%s', "
					  "which leads back to '%s' "
					  "(pipelines cannot recurse)",
					  s->name, sub->id, stack[0]);
				return -1;
			}
		if (depth >= 32)
			return 0;
		stack[depth] = sub->id;
		if (check_recursion(proj, sub, stack, depth + 1, d) < 0)
			return -1;
	}
	return 0;
}

int project_check_refs(const struct project *proj, struct diags *d)
{
	int rc = 0;

	for (size_t k = 0; k < proj->n; k++) {
		const struct pipeline *p = proj->pipelines[k];
		const char *stack[33] = {p->id};

		for (size_t i = 0; i < p->nsteps; i++) {
			const struct step *s = &p->steps[i];
			const char *hint;

			if (s->kind != STEP_KIND_PIPELINE ||
			    project_find(proj, s->pipeline) ||
			    project_is_broken(proj, s->pipeline))
				continue;
			hint = project_suggest(proj, s->pipeline);
			diags_add(d, p->file, s->line, s->col,
				  "step '%s' runs unknown pipeline '%s'%s%s%s",
				  s->name, s->pipeline,
				  hint ? " (did you mean '" : "",
				  hint ? hint : "", hint ? "'?)" : "");
			rc = -1;
		}
		if (check_recursion(proj, p, stack, 1, d) < 0)
			rc = -1;
	}
	return rc;
}
