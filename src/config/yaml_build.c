/* yaml_build.c - a ynode tree straight from libyaml's events.
 *
 * See yaml_int.h; yaml.c reads the stream and reports its errors.
 */
#include "yaml_int.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util/alloc.h"
#include "yaml.h"

/*
 * libyaml's parser hands us events and we build ynodes from them as
 * they come, never holding libyaml's own document tree.  Every check
 * runs where a recursive copy of that tree (how baton loaded YAML
 * before) ran it, so that messages and positions are the same:
 *
 * - A node is counted, and its depth checked, when it starts.  A node
 *   over a limit is reported (once) and not built, and its parent takes
 *   no more children ("broken"): the recursive copy broke out of its
 *   loop there.  A broken mapping drops a key still waiting for its
 *   value.
 * - A mapping checks a key for a duplicate once its value is complete,
 *   and applies "<<" merges when it ends.
 * - An anchored node is kept raw (no checks, an alias inside it kept as
 *   a link) and, once complete, fed to the builder as if its events
 *   came again; an alias feeds its anchor's raw node again.  So an
 *   alias is expanded as a copy and counted, as libyaml's tree was
 *   copied: a "billion laughs" still hits the node limit, and an alias
 *   to an enclosing node recurses until the depth limit.
 * - Messages go to a list the caller drops if the document then fails
 *   to parse: a syntax error, or an anchor error libyaml's composer
 *   would have raised, was reported alone.
 */

/* Aliases can make a small file expand enormously ("billion laughs"). */
#define YAML_MAX_NODES 1000000
#define YAML_MAX_DEPTH 64

/* An alias inside a raw node: n is the anchor's index.  Only the loader
 * ever sees one. */
#define YN_LINK ((enum ynode_kind)(YN_MAP + 1))

/* A sequence or mapping being built.  Its children wait on the loader's
 * kids stack (a mapping's as key, value, key, value) and are copied to
 * an array of the exact size when it ends. */
struct frame {
	struct ynode *node;
	size_t base;		/* index of its first child in kids */
	struct ypair *merges;	/* "<<" pairs, applied when it ends */
	size_t nmerges;
	size_t mcap;
	bool raw;		/* inside an anchored node: no checks */
	bool broken;		/* a child was over a limit: take no more */
};

struct anchor {
	char *name;
	struct ynode *node;	/* raw node, borrowed; NULL when checking */
	yaml_mark_t mark;
};

struct loader {
	const char *file;
	bool build;		/* false: only check anchors and aliases */
	bool failed;
	struct diags *held;	/* the caller's, dropped on a syntax error */
	size_t nodes;
	size_t skip;		/* ignored collections still open */
	size_t nraw;		/* raw frames, all above the others */
	struct frame *frames;
	size_t nframes;
	size_t fcap;
	struct ynode **kids;
	size_t nkids;
	size_t kcap;
	struct anchor *anchors;
	size_t nanchors;
	size_t acap;
	struct ynode **keep;	/* complete outermost raw nodes, owned */
	size_t nkeep;
	size_t keepcap;
	struct ynode *root;
};

static void loader_init(struct loader *l, const char *file, bool build,
			struct diags *held)
{
	memset(l, 0, sizeof(*l));
	l->file = file;
	l->build = build;
	l->held = held;
}

static void loader_release(struct loader *l)
{
	for (size_t i = 0; i < l->nframes; i++) {
		struct frame *f = &l->frames[i];

		for (size_t j = 0; j < f->nmerges; j++) {
			ynode_free(f->merges[j].key);
			ynode_free(f->merges[j].val);
		}
		free(f->merges);
		ynode_free(f->node);
	}
	free(l->frames);
	for (size_t i = 0; i < l->nkids; i++)
		ynode_free(l->kids[i]);
	free(l->kids);
	for (size_t i = 0; i < l->nanchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	for (size_t i = 0; i < l->nkeep; i++)
		ynode_free(l->keep[i]);
	free(l->keep);
	ynode_free(l->root);
}

static struct ynode *node_new(enum ynode_kind kind, int line, int col)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

static struct frame *top(struct loader *l)
{
	return &l->frames[l->nframes - 1];
}

/* Takes ownership of n until its parent ends. */
static void kids_push(struct loader *l, struct ynode *n)
{
	xgrow((void **)&l->kids, &l->kcap, l->nkids + 1, sizeof(*l->kids));
	l->kids[l->nkids++] = n;
}

/* Opens a frame for the collection n; takes ownership of n. */
static void frame_push(struct loader *l, struct ynode *n, bool raw)
{
	struct frame *f;

	xgrow((void **)&l->frames, &l->fcap, l->nframes + 1,
	      sizeof(*l->frames));
	f = &l->frames[l->nframes++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	f->base = l->nkids;
	f->raw = raw;
	l->nraw += raw;
}

/* Ends the top frame: moves its children into arrays of the exact size
 * and returns its node, which the caller then owns. */
static struct ynode *frame_close(struct loader *l)
{
	struct frame *f = &l->frames[--l->nframes];
	struct ynode **kids = l->kids + f->base;
	struct ynode *n = f->node;
	size_t k = l->nkids - f->base;

	if (n->kind == YN_SEQ && k) {
		n->items = xmalloc(k * sizeof(*n->items));
		memcpy(n->items, kids, k * sizeof(*n->items));
		n->n = k;
	} else if (k) {
		n->n = k / 2;
		n->pairs = xmalloc(n->n * sizeof(*n->pairs));
		for (size_t i = 0; i < n->n; i++) {
			n->pairs[i].key = kids[2 * i];
			n->pairs[i].val = kids[2 * i + 1];
		}
	}
	l->nkids = f->base;
	l->nraw -= f->raw;
	free(f->merges);
	return n;
}

/* The first key of the mapping being built in f that is the scalar s,
 * among its first npairs pairs; NULL if none.  Borrowed. */
static const struct ynode *frame_key(const struct loader *l,
				     const struct frame *f, size_t npairs,
				     const char *s)
{
	for (size_t i = 0; i < npairs; i++) {
		const struct ynode *k = l->kids[f->base + 2 * i];

		if (k->kind == YN_SCALAR && !strcmp(k->str, s))
			return k;
	}
	return NULL;
}

static void check_duplicate(struct loader *l, struct frame *f,
			    const struct ynode *key)
{
	const struct ynode *k;

	if (key->kind != YN_SCALAR)
		return;
	k = frame_key(l, f, (l->nkids - f->base) / 2 - 1, key->str);
	if (k) {
		diags_at(l->held, l->file, key,
			 "duplicate key '%s' (first defined at line %d)",
			 key->str, k->line);
		l->failed = true;
	}
}

/* Moves the pairs of src whose keys the mapping in f lacks into it,
 * frees the rest and leaves src empty (the caller still frees src). */
static void merge_pairs(struct loader *l, struct frame *f, struct ynode *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct ypair *sp = &src->pairs[i];

		if (sp->key->kind == YN_SCALAR &&
		    frame_key(l, f, (l->nkids - f->base) / 2, sp->key->str)) {
			ynode_free(sp->key);
			ynode_free(sp->val);
			continue;
		}
		kids_push(l, sp->key);
		kids_push(l, sp->val);
	}
	src->n = 0;
}

/* Applies a YAML merge key, "<<: *alias" or "<<: [*a, *b]": keys
 * written in the map win, then earlier sources over later ones. */
static void apply_merge(struct loader *l, struct frame *f,
			const struct ynode *k, struct ynode *v)
{
	bool ok = v->kind == YN_MAP || v->kind == YN_SEQ;

	for (size_t i = 0; v->kind == YN_SEQ && i < v->n; i++)
		ok = ok && v->items[i]->kind == YN_MAP;
	if (!ok) {
		diags_at(l->held, l->file, k,
			 "'<<' merges mappings: use '<<: *name' where "
			 "'&name' marks a mapping");
		l->failed = true;
	} else if (v->kind == YN_MAP) {
		merge_pairs(l, f, v);
	} else {
		for (size_t i = 0; i < v->n; i++)
			merge_pairs(l, f, v->items[i]);
	}
}

/* True while events are ignored: inside a node over a limit, or after
 * one in the same parent.  Only asked outside raw nodes. */
static bool skipping(struct loader *l)
{
	return l->skip || (l->nframes && top(l)->broken);
}

/* Counts a node about to start at the current depth.  Returns false if
 * it is over a limit: then it is reported (unless something else was)
 * and its parent breaks. */
static bool count_node(struct loader *l, int line, int col)
{
	struct frame *f;

	if (++l->nodes <= YAML_MAX_NODES && l->nframes <= YAML_MAX_DEPTH)
		return true;
	if (!l->failed)
		diags_add(l->held, l->file, line, col,
			  "document is too large or too deeply nested "
			  "(aliases expanding?)");
	l->failed = true;
	f = top(l);	/* the root, node 1 at depth 0, is never over */
	f->broken = true;
	if (f->node->kind == YN_MAP && (l->nkids - f->base) % 2)
		ynode_free(l->kids[--l->nkids]);
	return false;
}

/* Gives a complete node to its parent (or makes it the root), checking
 * a mapping's new pair.  Takes ownership of n. */
static void attach(struct loader *l, struct ynode *n)
{
	struct frame *f;
	struct ynode *k;

	if (!l->nframes) {
		l->root = n;
		return;
	}
	f = top(l);
	kids_push(l, n);
	if (f->node->kind != YN_MAP || (l->nkids - f->base) % 2)
		return;
	k = l->kids[l->nkids - 2];
	if (k->kind == YN_SCALAR && k->plain && !strcmp(k->str, "<<")) {
		/* Merged when the mapping ends: explicit keys win. */
		xgrow((void **)&f->merges, &f->mcap, f->nmerges + 1,
		      sizeof(*f->merges));
		f->merges[f->nmerges].key = k;
		f->merges[f->nmerges++].val = n;
		l->nkids -= 2;
		return;
	}
	check_duplicate(l, f, k);
}

static void add_scalar(struct loader *l, int line, int col, const char *s,
		       size_t len, bool plain)
{
	struct ynode *n;

	if (!count_node(l, line, col))
		return;
	n = node_new(YN_SCALAR, line, col);
	n->str = xstrndup(s, len);
	n->plain = plain;
	attach(l, n);
}

/* Starts a sequence or mapping; returns false if it is over a limit. */
static bool add_start(struct loader *l, enum ynode_kind kind, int line,
		      int col)
{
	if (!count_node(l, line, col))
		return false;
	frame_push(l, node_new(kind, line, col), false);
	return true;
}

static void add_end(struct loader *l)
{
	struct frame *f = top(l);

	for (size_t i = 0; i < f->nmerges; i++) {
		apply_merge(l, f, f->merges[i].key, f->merges[i].val);
		ynode_free(f->merges[i].key);
		ynode_free(f->merges[i].val);
	}
	f->nmerges = 0;
	attach(l, frame_close(l));
}

/* Feeds the raw node r (borrowed) to the builder again, as a copy.
 * Called only while not skipping; stops where the copy breaks, so an
 * alias to an enclosing node ends at the depth limit. */
static void replay(struct loader *l, const struct ynode *r)
{
	size_t nkids;

	if (r->kind == YN_LINK)
		r = l->anchors[r->n].node;
	if (r->kind == YN_SCALAR) {
		add_scalar(l, r->line, r->col, r->str, strlen(r->str),
			   r->plain);
		return;
	}
	if (!add_start(l, r->kind, r->line, r->col))
		return;
	nkids = r->kind == YN_SEQ ? r->n : 2 * r->n;
	for (size_t i = 0; i < nkids && !top(l)->broken; i++) {
		if (r->kind == YN_SEQ)
			replay(l, r->items[i]);
		else
			replay(l, i % 2 ? r->pairs[i / 2].val
					: r->pairs[i / 2].key);
	}
	add_end(l);
}

/* Takes a complete raw node: into its raw parent, or, if it is
 * outermost, kept for the aliases to come and copied into the tree. */
static void raw_done(struct loader *l, struct ynode *n)
{
	if (l->nraw) {
		kids_push(l, n);
		return;
	}
	xgrow((void **)&l->keep, &l->keepcap, l->nkeep + 1, sizeof(*l->keep));
	l->keep[l->nkeep++] = n;
	if (!skipping(l))
		replay(l, n);
}

/* Sets an error in p as libyaml's composer would; returns -1. */
static int composer_error(yaml_parser_t *p, const char *context,
			  const yaml_mark_t *cmark, const char *problem,
			  const yaml_mark_t *pmark)
{
	p->error = YAML_COMPOSER_ERROR;
	p->context = context;
	if (cmark)
		p->context_mark = *cmark;
	p->problem = problem;
	p->problem_mark = *pmark;
	return -1;
}

static int find_anchor(const struct loader *l, const yaml_char_t *name)
{
	for (size_t i = 0; i < l->nanchors; i++)
		if (!strcmp(l->anchors[i].name, (const char *)name))
			return (int)i;
	return -1;
}

/* Registers the anchor of the node n (borrowed; NULL when only
 * checking) starting at m, refusing one defined twice as libyaml's
 * composer does.  Returns -1 on that error. */
static int add_anchor(struct loader *l, yaml_parser_t *p,
		      const yaml_char_t *name, const yaml_mark_t *m,
		      struct ynode *n)
{
	struct anchor *a;
	int i;

	if (!name)
		return 0;
	i = find_anchor(l, name);
	if (i >= 0)
		return composer_error(
			p, "found duplicate anchor; first occurrence",
			&l->anchors[i].mark, "second occurrence", m);
	xgrow((void **)&l->anchors, &l->acap, l->nanchors + 1,
	      sizeof(*l->anchors));
	a = &l->anchors[l->nanchors++];
	a->name = xstrdup((const char *)name);
	a->node = n;
	a->mark = *m;
	return 0;
}

static int on_scalar(struct loader *l, yaml_parser_t *p, yaml_event_t *ev)
{
	const yaml_char_t *anchor = ev->data.scalar.anchor;
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	struct ynode *n;

	if (!l->build)
		return add_anchor(l, p, anchor, &ev->start_mark, NULL);
	if (!anchor && !l->nraw) {
		if (!skipping(l))
			add_scalar(l, line, col,
				   (const char *)ev->data.scalar.value,
				   ev->data.scalar.length, plain);
		return 0;
	}
	n = node_new(YN_SCALAR, line, col);
	n->str = xstrndup((const char *)ev->data.scalar.value,
			  ev->data.scalar.length);
	n->plain = plain;
	if (add_anchor(l, p, anchor, &ev->start_mark, n) < 0) {
		ynode_free(n);
		return -1;
	}
	raw_done(l, n);
	return 0;
}

static int on_start(struct loader *l, yaml_parser_t *p, yaml_event_t *ev,
		    enum ynode_kind kind, const yaml_char_t *anchor)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;
	struct ynode *n;

	if (!l->build)
		return add_anchor(l, p, anchor, &ev->start_mark, NULL);
	if (!anchor && !l->nraw) {
		if (skipping(l) || !add_start(l, kind, line, col))
			l->skip++;
		return 0;
	}
	n = node_new(kind, line, col);
	if (add_anchor(l, p, anchor, &ev->start_mark, n) < 0) {
		ynode_free(n);
		return -1;
	}
	frame_push(l, n, true);
	return 0;
}

static void on_end(struct loader *l)
{
	if (!l->build)
		return;
	if (l->nraw)
		raw_done(l, frame_close(l));
	else if (l->skip)
		l->skip--;
	else
		add_end(l);
}

static int on_alias(struct loader *l, yaml_parser_t *p, yaml_event_t *ev)
{
	int i = find_anchor(l, ev->data.alias.anchor);
	struct ynode *link;

	if (i < 0)
		return composer_error(p, NULL, NULL, "found undefined alias",
				      &ev->start_mark);
	if (!l->build)
		return 0;
	if (l->nraw) {
		link = node_new(YN_LINK, (int)ev->start_mark.line + 1,
				(int)ev->start_mark.column + 1);
		link->n = (size_t)i;
		kids_push(l, link);
	} else if (!skipping(l)) {
		replay(l, l->anchors[i].node);
	}
	return 0;
}

static int on_event(struct loader *l, yaml_parser_t *p, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return on_alias(l, p, ev);
	case YAML_SCALAR_EVENT:
		return on_scalar(l, p, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(l, p, ev, YN_SEQ,
				ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return on_start(l, p, ev, YN_MAP,
				ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(l);
		return 0;
	default:
		return 0;
	}
}

/* Feeds l the events of a document up to its end, its DOCUMENT-START
 * read.  Returns -1 on a syntax error or an anchor error (details in
 * p, as yaml_parser_load() left them). */
static int load_document(struct loader *l, yaml_parser_t *p)
{
	yaml_event_t ev;
	int rc = 0;

	while (!rc) {
		if (!yaml_parser_parse(p, &ev))
			return -1;
		if (ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		rc = on_event(l, p, &ev);
		yaml_event_delete(&ev);
	}
	return rc;
}

int yaml_build_document(yaml_parser_t *p, const char *file, bool build,
			struct ynode **root, struct diags *held)
{
	struct loader l;
	int rc;

	loader_init(&l, file, build, held);
	rc = load_document(&l, p);
	if (!rc && build) {
		*root = l.failed ? NULL : l.root;
		if (!l.failed)
			l.root = NULL;
	}
	loader_release(&l);
	return rc;
}
