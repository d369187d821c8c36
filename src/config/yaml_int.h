/* yaml_int.h - what yaml.c and yaml_build.c share; not part of the
 * config module's interface (that is yaml.h). */
#ifndef BATON_YAML_INT_H
#define BATON_YAML_INT_H

#include <stdbool.h>
#include <yaml.h>

struct diags;
struct ynode;

/* Reads from p the events of the document whose DOCUMENT-START p has
 * just produced, up to its DOCUMENT-END.  With build, makes its tree
 * and runs the checks (limits, duplicate keys, merges): *root is then
 * the tree (caller frees with ynode_free()), or NULL when a check
 * failed and added to held.  Without build, only anchors and aliases
 * are checked and root is not used.  Returns -1 on a syntax error, or
 * an anchor error libyaml's composer would have raised, with the
 * details in p as yaml_parser_load() left them; held then has messages
 * the caller should drop, and *root is untouched. */
int yaml_build_document(yaml_parser_t *p, const char *file, bool build,
			struct ynode **root, struct diags *held);

#endif
