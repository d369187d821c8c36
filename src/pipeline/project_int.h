/* project_int.h - what project.c and sources.c share inside the
 * pipeline module; not part of its interface (that is project.h). */
#ifndef BATON_PROJECT_INT_H
#define BATON_PROJECT_INT_H

struct diags;
struct settings;
struct ynode;

/* Reads `sources:` of baton.yaml (root, the file's top mapping) into
 * s->sources, reporting every problem into d.  Relative file paths are
 * taken from the project root dir.  Borrows root. */
void sources_load(struct settings *s, const struct ynode *root,
		  const char *dir, const char *file, struct diags *d);
/* Frees s->sources. */
void sources_release(struct settings *s);

#endif
