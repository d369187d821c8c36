#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "yaml.h"

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	diags_init(d);
}

static void diags_vadd(struct diags *d, const char *file, int line, int col,
		       const char *fmt, va_list ap)
{
	struct diag *g;
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	xgrow((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	g = &d->v[d->n++];
	g->file = xstrdup(file ? file : "<input>");
	g->line = line;
	g->col = col;
	g->msg = msg;
}

void diags_add(struct diags *d, const char *file, int line, int col,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_vadd(d, file, line, col, fmt, ap);
	va_end(ap);
}

void diags_at(struct diags *d, const char *file, const struct ynode *n,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_vadd(d, file, n ? n->line : 0, n ? n->col : 0, fmt, ap);
	va_end(ap);
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line - y->line;
	return x->col - y->col;
}

/* Finds line `line` (1-based) of text; sets *len. Borrows. */
static const char *source_line(const char *text, int line, size_t *len)
{
	const char *p = text, *nl;

	for (int i = 1; i < line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return NULL;
	nl = strchr(p, '\n');
	*len = nl ? (size_t)(nl - p) : strlen(p);
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	return p;
}

static void print_context(FILE *out, const char *text, const struct diag *g,
			  bool color)
{
	size_t len, i;
	const char *src = source_line(text, g->line, &len);

	if (!src)
		return;
	fprintf(out, "%5d | %.*s\n      | ", g->line, (int)len, src);
	/* Keep tabs in the padding so the caret lines up with the source. */
	for (i = 0; g->col > 1 && i < (size_t)g->col - 1 && i < len; i++)
		fputc(src[i] == '\t' ? '\t' : ' ', out);
	fprintf(out, "%s^%s\n", color ? "\033[1;32m" : "",
		color ? "\033[0m" : "");
}

void diags_print(struct diags *d, FILE *out, bool color)
{
	struct buf text;
	const char *loaded = NULL;

	buf_init(&text, 0);
	qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (g->line > 0)
			fprintf(out, "%s%s:%d:%d:%s %serror:%s %s\n",
				color ? "\033[1m" : "", g->file, g->line,
				g->col, color ? "\033[0m" : "",
				color ? "\033[1;31m" : "",
				color ? "\033[0m" : "", g->msg);
		else
			fprintf(out, "%s: %serror:%s %s\n", g->file,
				color ? "\033[1;31m" : "",
				color ? "\033[0m" : "", g->msg);
		if (g->line <= 0)
			continue;
		if (!loaded || strcmp(loaded, g->file)) {
			buf_reset(&text);
			if (buf_read_file(&text, g->file) < 0) {
				loaded = NULL;
				continue;
			}
			loaded = g->file;
		}
		print_context(out, text.data, g, color);
	}
	buf_release(&text);
}
