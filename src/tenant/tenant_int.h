/* tenant_int.h - what tenant.c and entry.c share inside the tenant
 * module; not part of its interface (that is tenant.h). */
#ifndef BATON_TENANT_INT_H
#define BATON_TENANT_INT_H

#include <stddef.h>

struct diags;
struct tenant;
struct ynode;

struct tenant_loader {
	const char *file;	/* for messages */
	struct diags *d;	/* where problems go */
};

/* Reads entry idx (0-based) of the tenant list, user, into t (zeroed
 * by the caller), reporting every problem into l->d.  Even after
 * errors t->id and t->name are set (maybe to ""), so that t can be
 * indexed and freed.  *idnode is set to the node t's id comes from
 * (borrowed from the tree), for messages about it. */
void tenant_entry_load(const struct tenant_loader *l,
		       const struct ynode *user, size_t idx, struct tenant *t,
		       const struct ynode **idnode);

#endif
