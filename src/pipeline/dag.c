/* dag.c - dependency resolution, cycle detection and topological order. */
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "pipeline.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

static const char **step_names(const struct pipeline *p)
{
	const char **v = xcalloc(p->nsteps + 1, sizeof(*v));

	for (size_t i = 0; i < p->nsteps; i++)
		v[i] = p->steps[i].name;
	return v;
}

/* Suggests a step for a misspelt dependency of step i, never step i
 * itself (that would only lead to a self-dependency). */
static const char *suggest_dep(const struct pipeline *p, const char **names,
			       size_t i, const char *word)
{
	const char *last = names[p->nsteps - 1], *hint;

	names[p->nsteps - 1] = names[i];
	names[i] = last;
	hint = str_suggest(word, names, p->nsteps - 1);
	names[i] = names[p->nsteps - 1];
	names[p->nsteps - 1] = last;
	return hint;
}

static int resolve_deps(struct pipeline *p, struct diags *d)
{
	const char **names = step_names(p);
	int rc = 0;

	for (size_t i = 0; i < p->nsteps; i++) {
		struct step *s = &p->steps[i];

		s->dep_idx = xcalloc(s->ndeps + 1, sizeof(*s->dep_idx));
		for (size_t j = 0; j < s->ndeps; j++) {
			int k = pipeline_step_index(p, s->deps[j]);
			struct srcpos at = {s->line, s->col};
			const char *hint;

			/* Point at the depends_on entry when it is known. */
			if (s->dep_pos && s->dep_pos[j].line)
				at = s->dep_pos[j];
			if (k == (int)i) {
				diags_add(d, p->file, at.line, at.col,
					  "step '%s' depends on itself",
					  s->name);
				rc = -1;
			} else if (k < 0) {
				hint = suggest_dep(p, names, i, s->deps[j]);
				diags_add(d, p->file, at.line, at.col,
					  "step '%s' depends on unknown step "
					  "'%s'%s%s%s",
					  s->name, s->deps[j],
					  hint ? " (did you mean '" : "",
					  hint ? hint : "", hint ? "'?)" : "");
				rc = -1;
			}
			s->dep_idx[j] = (size_t)k;
		}
	}
	free(names);
	return rc;
}

/* Iterative DFS colouring; reports each back edge as a cycle path. */
enum { WHITE, GREY, BLACK };

static void report_cycle(struct pipeline *p, const size_t *stack, size_t top,
			 size_t to, struct diags *d)
{
	struct buf b;
	size_t start = 0;

	buf_init(&b, 0);
	for (size_t i = 0; i < top; i++)
		if (stack[i] == to)
			start = i;
	for (size_t i = start; i < top; i++)
		buf_addf(&b, "%s -> ", p->steps[stack[i]].name);
	buf_addstr(&b, p->steps[to].name);
	diags_add(d, p->file, p->steps[to].line, p->steps[to].col,
		  "dependency cycle: %s (each step depends on the next)",
		  b.data);
	buf_release(&b);
}

static int find_cycles(struct pipeline *p, struct diags *d)
{
	size_t n = p->nsteps, top;
	unsigned char *color = xcalloc(n + 1, 1);
	size_t *stack = xcalloc(n + 1, sizeof(*stack));
	size_t *next = xcalloc(n + 1, sizeof(*next));
	int rc = 0;

	for (size_t root = 0; root < n; root++) {
		if (color[root] != WHITE)
			continue;
		top = 0;
		stack[top++] = root;
		color[root] = GREY;
		while (top) {
			size_t u = stack[top - 1];
			struct step *s = &p->steps[u];

			if (next[u] < s->ndeps) {
				size_t v = s->dep_idx[next[u]++];

				if (v == u || v >= n)
					continue;
				if (color[v] == GREY) {
					report_cycle(p, stack, top, v, d);
					rc = -1;
				} else if (color[v] == WHITE) {
					color[v] = GREY;
					stack[top++] = v;
				}
				continue;
			}
			color[u] = BLACK;
			top--;
		}
	}
	free(color);
	free(stack);
	free(next);
	return rc;
}

/* Kahn's algorithm; stable (file order among ready steps). */
static void topo_order(struct pipeline *p)
{
	size_t n = p->nsteps, head = 0, tail = 0;
	size_t *indeg = xcalloc(n + 1, sizeof(*indeg));
	size_t *nout = xcalloc(n + 1, sizeof(*nout));
	size_t **out = xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->steps[i].ndeps; j++)
			nout[p->steps[i].dep_idx[j]]++;
	for (size_t i = 0; i < n; i++) {
		out[i] = xcalloc(nout[i] + 1, sizeof(**out));
		nout[i] = 0;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->steps[i].ndeps; j++) {
			size_t u = p->steps[i].dep_idx[j];

			out[u][nout[u]++] = i;
			indeg[i]++;
		}
	p->order = xcalloc(n + 1, sizeof(*p->order));
	p->level = xcalloc(n + 1, sizeof(*p->level));
	for (size_t i = 0; i < n; i++)
		if (!indeg[i])
			p->order[tail++] = i;
	p->nlevels = n ? 1 : 0;
	while (head < tail) {
		size_t u = p->order[head++];

		for (size_t k = 0; k < nout[u]; k++) {
			size_t v = out[u][k];

			if (p->level[u] + 1 > p->level[v])
				p->level[v] = p->level[u] + 1;
			if (p->level[v] + 1 > p->nlevels)
				p->nlevels = p->level[v] + 1;
			if (!--indeg[v])
				p->order[tail++] = v;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(out[i]);
	free(out);
	free(nout);
	free(indeg);
}

int dag_build(struct pipeline *p, struct diags *d)
{
	if (resolve_deps(p, d) < 0)
		return -1;
	if (find_cycles(p, d) < 0)
		return -1;
	topo_order(p);
	return 0;
}

bool dag_is_upstream(const struct pipeline *p, size_t a, size_t b)
{
	bool *seen = xcalloc(p->nsteps + 1, sizeof(*seen));
	size_t *stack = xcalloc(p->nsteps + 1, sizeof(*stack)), top = 0;
	bool found = false;

	stack[top++] = b;
	while (top && !found) {
		const struct step *s = &p->steps[stack[--top]];

		for (size_t j = 0; j < s->ndeps; j++) {
			size_t u = s->dep_idx[j];

			if (u == a)
				found = true;
			else if (u < p->nsteps && !seen[u]) {
				seen[u] = true;
				stack[top++] = u;
			}
		}
	}
	free(seen);
	free(stack);
	return found;
}

void dag_mark_downstream(const struct pipeline *p, size_t s, bool *mark)
{
	/* order is topological, so one pass over it propagates marks. */
	mark[s] = true;
	for (size_t k = 0; k < p->nsteps; k++) {
		const struct step *st = &p->steps[p->order[k]];

		for (size_t j = 0; j < st->ndeps && !mark[p->order[k]]; j++)
			if (mark[st->dep_idx[j]])
				mark[p->order[k]] = true;
	}
}
