/* template.h - {{ path }} substitution in commands, env and params.
 *
 * A template is any string; each "{{ path }}" in it is replaced by the
 * value found at the dotted path in a JSON context object, e.g.
 * {{ params.day }}, {{ steps.fetch.output.rows.0.id }}, {{ tenant.id }}.
 * Strings are inserted as they are; numbers, booleans and null as their
 * JSON text; objects and arrays as compact JSON.  Shell syntax such as
 * $VAR and ${VAR} is left alone.
 */
#ifndef BATON_TEMPLATE_H
#define BATON_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct error;

/* Called for each reference; path is NUL-terminated and trimmed, off is
 * the byte offset of "{{" in the template.  Non-zero stops the scan. */
typedef int (*template_ref_fn)(void *arg, const char *path, size_t off);

bool template_has_refs(const char *s);
/* Calls fn for every reference in tmpl.  Returns 0, fn's non-zero
 * result, or -1 with err set for a malformed template. */
int template_scan(const char *tmpl, template_ref_fn fn, void *arg,
		  struct error *err);
/* Renders tmpl against ctx (borrowed).  On success *out is a malloced
 * string the caller frees; on failure err says which reference failed. */
int template_render(const char *tmpl, const json_t *ctx, char **out,
		    struct error *err);
/* Looks up a dotted path in ctx; returns a borrowed value or NULL. */
json_t *template_lookup(const json_t *ctx, const char *path);

#endif
