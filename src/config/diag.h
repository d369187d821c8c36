/* diag.h - collected configuration errors, printed compiler-style.
 *
 * Loaders report every problem they find, not only the first, into a
 * struct diags; the CLI prints them as
 *
 *   pipelines/etl.yaml:12:7: error: step 'load' depends on unknown ...
 *      12 |     depends_on: [trnsform]
 *         |                  ^
 *
 * A struct diags owns its entries; diags_release() frees them.
 */
#ifndef BATON_DIAG_H
#define BATON_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ynode;

struct diag {
	char *file;
	int line;	/* 1-based; 0 when the error is about the whole file */
	int col;
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n;
	size_t cap;
};

void diags_init(struct diags *d);
void diags_release(struct diags *d);
void diags_add(struct diags *d, const char *file, int line, int col,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Adds an error located at node n (which may be NULL: no position). */
void diags_at(struct diags *d, const char *file, const struct ynode *n,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prints every error sorted by file, line and column, each followed by
 * its source line and a caret when the file can be read.  color adds
 * ANSI colours. */
void diags_print(struct diags *d, FILE *out, bool color);

#endif
