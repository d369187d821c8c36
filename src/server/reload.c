/* reload.c - loading the project, tenants, jobs and tokens as one
 * generation, and noticing when their files change. */
#include "server_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/diag.h"
#include "jobs/jobs.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/str.h"

static char *diags_text(struct diags *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	diags_print(d, f, false);
	fclose(f);
	return text;
}

/* {id: [messages]} for p's broken pipeline files. */
static json_t *broken_json(const struct project *p)
{
	json_t *o = json_object();

	for (size_t i = 0; i < p->nbroken; i++) {
		const char *base = strrchr(p->broken[i], '/');
		char *id = xstrdup(base ? base + 1 : p->broken[i]);
		char *dot = strrchr(id, '.');
		json_t *msgs = json_array();
		struct diags d;
		struct pipeline *pl;

		if (dot)
			*dot = '\0';
		diags_init(&d);
		pl = pipeline_load(p->broken[i], p->root, &d);
		pipeline_free(pl);
		for (size_t k = 0; k < d.n; k++) {
			const char *f = strrchr(d.v[k].file, '/');

			json_array_append_new(
				msgs, json_sprintf("%s:%d:%d: %s",
						   f ? f + 1 : d.v[k].file,
						   d.v[k].line, d.v[k].col,
						   d.v[k].msg));
		}
		diags_release(&d);
		json_object_set_new(o, id, msgs);
		free(id);
	}
	return o;
}

struct gen *gen_wrap(struct project *p, struct tenants *t, struct jobs *js,
		     struct diags *d, char **why)
{
	struct gen *g = xcalloc(1, sizeof(*g));
	struct diags own;

	diags_init(&own);
	g->p = p;
	g->t = t;
	g->js = js;
	if (auth_load(p->root, &g->auth, d ? d : &own) < 0) {
		*why = diags_text(d ? d : &own);
		g->auth = NULL;
		diags_release(&own);
		gen_free(g);
		return NULL;
	}
	diags_release(&own);
	g->broken = broken_json(p);
	return g;
}

void gen_free(struct gen *g)
{
	if (!g)
		return;
	project_free(g->p);
	tenants_free(g->t);
	jobs_free(g->js);
	auth_free(g->auth);
	json_decref(g->broken);
	free(g);
}

static char *tenants_file(const struct server_config *cfg,
			  const struct project *p)
{
	if (cfg->tenants_file)
		return xstrdup(cfg->tenants_file);
	return xasprintf("%s/users.yaml", p->root);
}

/* The jobs file: cfg's, else the project's batch_config.json, else its
 * jobs.yaml; NULL when none exists (and none was named).  Caller
 * frees. */
static char *jobs_path(const struct server_config *cfg,
		       const struct project *p)
{
	static const char *const names[] = {"batch_config.json", "jobs.yaml"};

	if (cfg->jobs_file)
		return xstrdup(cfg->jobs_file);
	for (size_t i = 0; i < 2; i++) {
		char *f = xasprintf("%s/%s", p->root, names[i]);

		if (access(f, F_OK) == 0)
			return f;
		free(f);
	}
	return NULL;
}

int gen_load_jobs(const struct server_config *cfg, const struct project *p,
		  struct jobs **out, char **why)
{
	char *file = jobs_path(cfg, p);
	struct diags d;
	int rc = 0;

	*out = NULL;
	if (!file)
		return 0;
	diags_init(&d);
	if (jobs_load(file, out, &d) < 0) {
		*why = diags_text(&d);
		rc = -1;
	}
	diags_release(&d);
	free(file);
	return rc;
}

struct gen *gen_load(const struct server_config *cfg, char **why)
{
	struct project *p = NULL;
	struct tenants *t = NULL;
	struct jobs *js = NULL;
	struct gen *g = NULL;
	struct diags d;
	char *file = NULL;

	diags_init(&d);
	*why = NULL;
	if (project_open(cfg->project_dir, &p, &d) < 0) {
		*why = diags_text(&d);
		goto out;
	}
	file = tenants_file(cfg, p);
	if (access(file, F_OK) == 0 || cfg->tenants_required) {
		if (tenants_load(file, &t, &d) < 0 ||
		    tenants_check_pipelines(t, p, &d) < 0) {
			*why = diags_text(&d);
			tenants_free(t);
			project_free(p);
			goto out;
		}
	}
	if (gen_load_jobs(cfg, p, &js, why) < 0) {
		tenants_free(t);
		project_free(p);
		goto out;
	}
	diags_release(&d);
	diags_init(&d);
	g = gen_wrap(p, t, js, &d, why);
out:
	diags_release(&d);
	free(file);
	return g;
}

static uint64_t mix(uint64_t h, const void *data, size_t n)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t mix_file(uint64_t h, const char *path)
{
	struct stat st;

	h = mix(h, path, strlen(path));
	if (stat(path, &st) < 0)
		return mix(h, "-", 1);
	h = mix(h, &st.st_mtim, sizeof(st.st_mtim));
	h = mix(h, &st.st_size, sizeof(st.st_size));
	return mix(h, &st.st_ino, sizeof(st.st_ino));
}

uint64_t gen_files_sig(const struct server_config *cfg)
{
	uint64_t h = 14695981039346656037ULL;
	char *path = xasprintf("%s/baton.yaml", cfg->project_dir);
	char *dir = xasprintf("%s/pipelines", cfg->project_dir);
	char *users = cfg->tenants_file
			      ? xstrdup(cfg->tenants_file)
			      : xasprintf("%s/users.yaml", cfg->project_dir);
	DIR *dp;
	struct dirent *de;

	h = mix_file(h, path);
	h = mix_file(h, users);
	h = mix_file(h, dir);
	if (cfg->jobs_file) {
		h = mix_file(h, cfg->jobs_file);
	} else {
		char *json = xasprintf("%s/batch_config.json",
				       cfg->project_dir);
		char *yaml = xasprintf("%s/jobs.yaml", cfg->project_dir);

		h = mix_file(h, json);
		h = mix_file(h, yaml);
		free(json);
		free(yaml);
	}
	dp = opendir(dir);
	while (dp && (de = readdir(dp))) {
		char *f;

		if (!str_ends(de->d_name, ".yaml") &&
		    !str_ends(de->d_name, ".yml"))
			continue;
		f = xasprintf("%s/%s", dir, de->d_name);
		h = mix_file(h, f);
		free(f);
	}
	if (dp)
		closedir(dp);
	free(path);
	free(dir);
	free(users);
	return h;
}
