/* check.c - static checks of {{ }} references in a loaded pipeline. */
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "pipeline.h"
#include "template.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

struct refcheck {
	const struct pipeline *p;
	const struct step *s;	/* NULL for pipeline-level env */
	int step_idx;
	struct diags *d;
	const char *where;	/* "run", "env FOO", ... */
	struct srcpos at;	/* where that string is written */
	int errors;
};

static void ref_error(struct refcheck *c, const char *fmt, const char *a,
		      const char *b)
{
	char msg[768];
	int line = c->s ? c->s->line : 1, col = c->s ? c->s->col : 1;

	if (c->at.line > 0) {
		line = c->at.line;
		col = c->at.col;
	}
	snprintf(msg, sizeof(msg), fmt, a, b);
	if (c->s)
		diags_add(c->d, c->p->file, line, col, "step '%s' %s: %s",
			  c->s->name, c->where, msg);
	else
		diags_add(c->d, c->p->file, line, col, "%s: %s", c->where, msg);
	c->errors++;
}

static size_t segment(const char *path, char *out, size_t size)
{
	size_t n = strcspn(path, ".");

	if (n >= size)
		n = size - 1;
	memcpy(out, path, n);
	out[n] = '\0';
	return n;
}

static void check_param(struct refcheck *c, const char *name)
{
	const char **names;
	const char *hint;

	if (pipeline_param_index(c->p, name) >= 0)
		return;
	names = xcalloc(c->p->nparams + 1, sizeof(*names));
	for (size_t i = 0; i < c->p->nparams; i++)
		names[i] = c->p->params[i].key;
	hint = str_suggest(name, names, c->p->nparams);
	free(names);
	if (hint)
		ref_error(c, "unknown param '%s' (did you mean '%s'?)", name,
			  hint);
	else
		ref_error(c, "unknown param '%s'%s (declare it under 'params')",
			  name, "");
}

static void check_step_ref(struct refcheck *c, const char *rest)
{
	char name[256];
	size_t n = segment(rest, name, sizeof(name));
	int k = pipeline_step_index(c->p, name);

	if (!c->s) {
		ref_error(c, "'steps.%s' can only be used in a step that "
			  "depends on '%s'", name, name);
		return;
	}
	if (k < 0) {
		const char **names = xcalloc(c->p->nsteps + 1, sizeof(*names));
		const char *hint;

		for (size_t i = 0; i < c->p->nsteps; i++)
			names[i] = c->p->steps[i].name;
		hint = str_suggest(name, names, c->p->nsteps);
		if (hint)
			ref_error(c, "unknown step '%s' (did you mean '%s'?)",
				  name, hint);
		else
			ref_error(c, "unknown step '%s'%s", name, "");
		free(names);
		return;
	}
	if (!dag_is_upstream(c->p, (size_t)k, (size_t)c->step_idx)) {
		ref_error(c, "uses the output of '%s' but does not depend on it"
			  "%s (add it to depends_on)", name, "");
		return;
	}
	if (strncmp(rest + n, ".output", 7) ||
	    (rest[n + 7] && rest[n + 7] != '.'))
		ref_error(c, "write 'steps.%s.output...' to use a step's "
			  "output%s", name, "");
}

static int on_ref(void *arg, const char *path, size_t off)
{
	struct refcheck *c = arg;
	char root[64];
	size_t n = segment(path, root, sizeof(root));
	const char *rest = path[n] ? path + n + 1 : "";

	(void)off;
	if (!strcmp(root, "params") && *rest) {
		char name[256];

		segment(rest, name, sizeof(name));
		check_param(c, name);
	} else if (!strcmp(root, "steps") && *rest) {
		check_step_ref(c, rest);
	} else if (!strcmp(root, "tenant") || !strcmp(root, "run") ||
		   !strcmp(root, "env") ||
		   !strcmp(root, "pipeline") || !strcmp(root, "input")) {
		/* Known at run time; tenant fields depend on the tenant. */
	} else {
		ref_error(c, "unknown reference '{{ %s }}' (use params., "
			  "steps., tenant., input., env., run. or pipeline.)%s", path, "");
	}
	return 0;
}

static void check_string(struct refcheck *c, const char *where,
			 struct srcpos at, const char *s)
{
	struct error err;

	if (!template_has_refs(s))
		return;
	c->where = where;
	c->at = at;
	if (template_scan(s, on_ref, c, &err) < 0)
		ref_error(c, "%s%s", err.msg, "");
}

static void check_kvs(struct refcheck *c, const char *what,
		      const struct kv *kv, size_t n)
{
	char where[300];

	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "%s '%s'", what, kv[i].key);
		check_string(c, where, kv[i].pos, kv[i].val);
	}
}

/* Templates inside a JSON body: every string, keys included. */
static void check_json(struct refcheck *c, struct srcpos at, json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		check_string(c, "http body", at, json_string_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, x) check_json(c, at, x);
	else if (json_is_object(v))
		json_object_foreach(v, k, x) {
			check_string(c, "http body", at, k);
			check_json(c, at, x);
		}
}

static void check_http(struct refcheck *c, const struct http_spec *h)
{
	check_string(c, "http url", h->pos, h->url);
	check_kvs(c, "http header", h->headers, h->nheaders);
	check_kvs(c, "http query", h->query, h->nquery);
	check_string(c, "http body", h->pos, h->body_text);
	if (h->body)
		check_json(c, h->pos, h->body);
}

int pipeline_check_templates(const struct pipeline *p, struct diags *d)
{
	struct refcheck c = {.p = p, .d = d};

	check_kvs(&c, "env", p->env, p->nenv);
	check_kvs(&c, "param", p->params, p->nparams);
	for (size_t i = 0; i < p->nsteps; i++) {
		c.s = &p->steps[i];
		c.step_idx = (int)i;
		check_string(&c, "run", c.s->run_pos, c.s->run);
		check_kvs(&c, "env", c.s->env, c.s->nenv);
		check_kvs(&c, "param", c.s->with, c.s->nwith);
		if (c.s->http)
			check_http(&c, c.s->http);
		for (size_t k = 0; k < c.s->nwhen; k++)
			check_string(&c, "when", c.s->when[k].pos,
				     c.s->when[k].value);
	}
	return c.errors ? -1 : 0;
}
