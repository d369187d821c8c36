/* handlers.c - `when:` conditions on steps, and the on_success,
 * on_failure and on_exit handlers of a pipeline. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "pipeline.h"
#include "template.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

static const char *const cond_keys[] = {
	"value", "equals", "not_equals", "matches", "exists", NULL,
};

static int load_one(const struct ynode *n, const char *file,
		    struct diags *d, struct condition *c)
{
	static const char *const ops[] = {"equals", "not_equals", "matches",
					  "exists"};
	const char *value = NULL, *arg = NULL;
	int nops = 0;

	c->pos = (struct srcpos){n->line, n->col};
	if (n->kind != YN_MAP) {
		diags_at(d, file, n, "a 'when' condition is a mapping like "
			 "{value: \"{{ params.mode }}\", equals: full}");
		return -1;
	}
	if (ymap_check_keys(n, cond_keys, "when", file, d) < 0 ||
	    ymap_require(n, "value", "when", file, d) < 0 ||
	    yget_str(n, "value", &value, file, d) < 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!ymap_get(n, ops[i]))
			continue;
		nops++;
		c->op = (enum cond_op)i;
		if (i == COND_EXISTS) {
			c->exists = true;
			if (yget_bool(n, "exists", &c->exists, file, d) < 0)
				return -1;
		} else if (yget_str(n, ops[i], &arg, file, d) < 0) {
			return -1;
		}
	}
	if (nops != 1) {
		diags_at(d, file, n, "a 'when' condition needs exactly one of "
			 "equals, not_equals, matches or exists");
		return -1;
	}
	c->value = xstrdup(value);
	c->arg = xstrdup(arg ? arg : "");
	if (c->op == COND_MATCHES) {
		c->re = xmalloc(sizeof(regex_t));
		if (regcomp(c->re, c->arg, REG_EXTENDED | REG_NOSUB) != 0) {
			diags_at(d, file, ymap_get(n, "matches"),
				 "'matches' is not a valid regular expression: "
				 "'%s'", c->arg);
			free(c->re);
			c->re = NULL;
			return -1;
		}
	}
	return 0;
}

int condition_load(const struct ynode *node, const char *file,
		   struct diags *d, struct step *s)
{
	size_t n = node->kind == YN_SEQ ? node->n : 1;

	s->when = xcalloc(n + 1, sizeof(*s->when));
	for (size_t i = 0; i < n; i++) {
		if (load_one(node->kind == YN_SEQ ? node->items[i] : node, file,
			     d, &s->when[s->nwhen]) < 0)
			return -1;
		s->nwhen++;
	}
	return 0;
}

bool condition_holds(const struct condition *c, const json_t *ctx,
		     char **why)
{
	struct error err;
	char *v = NULL;
	bool ok, found = template_render(c->value, ctx, &v, &err) == 0;

	switch (c->op) {
	case COND_EXISTS:
		ok = found == c->exists;
		break;
	case COND_EQUALS:
		ok = found && !strcmp(v, c->arg);
		break;
	case COND_NOT_EQUALS:
		ok = !found || strcmp(v, c->arg);
		break;
	default:
		ok = found && regexec(c->re, v, 0, NULL, 0) == 0;
		break;
	}
	if (!ok)
		*why = xasprintf("condition not met: %s is %s%s%s", c->value,
				 found ? "'" : "missing", found ? v : "",
				 found ? "'" : "");
	free(v);
	return ok;
}

void conditions_free(struct condition *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].value);
		free(c[i].arg);
		if (c[i].re) {
			regfree(c[i].re);
			free(c[i].re);
		}
	}
	free(c);
}

static int load_list(const struct ynode *root, const char *key,
		     const char *file, struct diags *d, struct pipeline *p,
		     struct handlers *h)
{
	const char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (yget_strlist(root, key, &names, &n, file, d) < 0)
		return -1;
	h->idx = xcalloc(n + 1, sizeof(*h->idx));
	for (size_t i = 0; i < n; i++) {
		int k = pipeline_step_index(p, names[i]);

		if (k < 0) {
			const char **all = xcalloc(p->nsteps + 1, sizeof(*all));
			const char *hint;

			for (size_t j = 0; j < p->nsteps; j++)
				all[j] = p->steps[j].name;
			hint = str_suggest(names[i], all, p->nsteps);
			diags_at(d, file, ymap_get(root, key),
				 "%s names unknown step '%s'%s%s%s", key,
				 names[i], hint ? " (did you mean '" : "",
				 hint ? hint : "", hint ? "'?)" : "");
			free(all);
			rc = -1;
			continue;
		}
		p->steps[k].handler = true;
		h->idx[h->n++] = (size_t)k;
	}
	free(names);
	return rc;
}

/* A handler runs after everything else: nothing may wait for it, and
 * it waits for nothing. */
static int check_handlers(const char *file, struct diags *d,
			  struct pipeline *p)
{
	int rc = 0;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *s = &p->steps[i];

		if (s->handler && s->ndeps) {
			diags_add(d, file, s->line, s->col,
				  "handler step '%s' cannot have depends_on "
				  "(it runs after all other steps)", s->name);
			rc = -1;
		}
		for (size_t j = 0; j < s->ndeps; j++)
			if (s->dep_idx && p->steps[s->dep_idx[j]].handler) {
				diags_add(d, file, s->line, s->col,
					  "step '%s' depends on handler step "
					  "'%s'", s->name, s->deps[j]);
				rc = -1;
			}
	}
	return rc;
}

int handlers_load(const struct ynode *root, const char *file,
		  struct diags *d, struct pipeline *p)
{
	int rc = 0;

	if (load_list(root, "on_success", file, d, p, &p->on_success) < 0 ||
	    load_list(root, "on_failure", file, d, p, &p->on_failure) < 0 ||
	    load_list(root, "on_exit", file, d, p, &p->on_exit) < 0)
		rc = -1;
	if (!rc && check_handlers(file, d, p) < 0)
		rc = -1;
	return rc;
}

static const char *const notify_keys[] = {"url", "on", NULL};

static int notify_one(const struct ynode *n, const char *file,
		      struct diags *d, struct notify *out)
{
	const char *url = NULL, *on = NULL;

	if (n->kind == YN_SCALAR) {
		url = n->str;
	} else if (n->kind != YN_MAP ||
		   ymap_check_keys(n, notify_keys, "notify", file, d) < 0 ||
		   ymap_require(n, "url", "notify", file, d) < 0 ||
		   yget_str(n, "url", &url, file, d) < 0 ||
		   yget_str(n, "on", &on, file, d) < 0) {
		if (n->kind != YN_MAP)
			diags_at(d, file, n, "'notify' takes a URL or "
				 "{url: URL, on: always|failure|success}");
		return -1;
	}
	if (!str_starts(url, "http://") && !str_starts(url, "https://") &&
	    !str_starts(url, "${")) {
		diags_at(d, file, n, "notify url must start with http:// or "
			 "https://, not '%s'", url);
		return -1;
	}
	out->on = NOTIFY_ALWAYS;
	if (on && !strcmp(on, "failure"))
		out->on = NOTIFY_FAILURE;
	else if (on && !strcmp(on, "success"))
		out->on = NOTIFY_SUCCESS;
	else if (on && strcmp(on, "always")) {
		diags_at(d, file, ymap_get(n, "on"), "notify 'on' is always, "
			 "failure or success, not '%s'", on);
		return -1;
	}
	out->url = xstrdup(url);
	return 0;
}

int notify_load(const struct ynode *root, const char *file, struct diags *d,
		struct pipeline *p)
{
	const struct ynode *n = ymap_get(root, "notify");
	size_t count;

	if (!n || ynode_is_null(n))
		return 0;
	count = n->kind == YN_SEQ ? n->n : 1;
	p->notify = xcalloc(count + 1, sizeof(*p->notify));
	for (size_t i = 0; i < count; i++) {
		if (notify_one(n->kind == YN_SEQ ? n->items[i] : n, file, d,
			       &p->notify[p->nnotify]) < 0)
			return -1;
		p->nnotify++;
	}
	return 0;
}
