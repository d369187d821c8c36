#include "yaml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "diag.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/timeutil.h"

/* Aliases can make a small file expand enormously ("billion laughs"). */
#define YAML_MAX_NODES 1000000
#define YAML_MAX_DEPTH 64

struct conv {
	yaml_document_t *doc;
	const char *file;
	struct diags *d;
	size_t nodes;
	int failed;
};

static struct ynode *convert(struct conv *c, yaml_node_t *yn, int depth);

static struct ynode *node_new(enum ynode_kind kind, yaml_node_t *yn)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (int)yn->start_mark.line + 1;
	n->col = (int)yn->start_mark.column + 1;
	return n;
}

static struct ynode *convert_seq(struct conv *c, yaml_node_t *yn, int depth)
{
	struct ynode *n = node_new(YN_SEQ, yn);
	yaml_node_item_t *it;
	size_t cap = 0;

	for (it = yn->data.sequence.items.start;
	     it < yn->data.sequence.items.top; it++) {
		struct ynode *child = convert(
			c, yaml_document_get_node(c->doc, *it), depth + 1);

		if (!child)
			break;
		xgrow((void **)&n->items, &cap, n->n + 1, sizeof(*n->items));
		n->items[n->n++] = child;
	}
	return n;
}

static void check_duplicate(struct conv *c, struct ynode *map,
			    struct ynode *key)
{
	if (key->kind != YN_SCALAR)
		return;
	for (size_t i = 0; i < map->n; i++) {
		struct ynode *k = map->pairs[i].key;

		if (k->kind == YN_SCALAR && !strcmp(k->str, key->str)) {
			diags_at(c->d, c->file, key,
				 "duplicate key '%s' (first defined at line %d)",
				 key->str, k->line);
			c->failed = 1;
			return;
		}
	}
}

/* Moves the pairs of src whose keys map lacks into map, frees the rest
 * and leaves src empty. */
static void merge_pairs(struct ynode *map, size_t *cap, struct ynode *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct ypair *sp = &src->pairs[i];

		if (sp->key->kind == YN_SCALAR &&
		    ymap_pair(map, sp->key->str)) {
			ynode_free(sp->key);
			ynode_free(sp->val);
			continue;
		}
		xgrow((void **)&map->pairs, cap, map->n + 1,
		      sizeof(*map->pairs));
		map->pairs[map->n++] = *sp;
	}
	src->n = 0;
}

/* Applies a YAML merge key, "<<: *alias" or "<<: [*a, *b]": keys
 * written in the map win, then earlier sources over later ones. */
static void apply_merge(struct conv *c, struct ynode *map, size_t *cap,
			const struct ynode *k, struct ynode *v)
{
	bool ok = v->kind == YN_MAP || v->kind == YN_SEQ;

	for (size_t i = 0; v->kind == YN_SEQ && i < v->n; i++)
		ok = ok && v->items[i]->kind == YN_MAP;
	if (!ok) {
		diags_at(c->d, c->file, k,
			 "'<<' merges mappings: use '<<: *name' where "
			 "'&name' marks a mapping");
		c->failed = 1;
	} else if (v->kind == YN_MAP) {
		merge_pairs(map, cap, v);
	} else {
		for (size_t i = 0; i < v->n; i++)
			merge_pairs(map, cap, v->items[i]);
	}
}

static struct ynode *convert_map(struct conv *c, yaml_node_t *yn, int depth)
{
	struct ynode *n = node_new(YN_MAP, yn);
	struct ypair *merges = NULL;
	yaml_node_pair_t *p;
	size_t cap = 0, nmerges = 0, mcap = 0;

	for (p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top;
	     p++) {
		struct ynode *k, *v;

		k = convert(c, yaml_document_get_node(c->doc, p->key),
			    depth + 1);
		if (!k)
			break;
		v = convert(c, yaml_document_get_node(c->doc, p->value),
			    depth + 1);
		if (!v) {
			ynode_free(k);
			break;
		}
		if (k->kind == YN_SCALAR && k->plain && !strcmp(k->str, "<<")) {
			/* Merged after the loop: explicit keys win. */
			xgrow((void **)&merges, &mcap, nmerges + 1,
			      sizeof(*merges));
			merges[nmerges].key = k;
			merges[nmerges++].val = v;
			continue;
		}
		check_duplicate(c, n, k);
		xgrow((void **)&n->pairs, &cap, n->n + 1, sizeof(*n->pairs));
		n->pairs[n->n].key = k;
		n->pairs[n->n].val = v;
		n->n++;
	}
	for (size_t i = 0; i < nmerges; i++) {
		apply_merge(c, n, &cap, merges[i].key, merges[i].val);
		ynode_free(merges[i].key);
		ynode_free(merges[i].val);
	}
	free(merges);
	return n;
}

static struct ynode *convert(struct conv *c, yaml_node_t *yn, int depth)
{
	struct ynode *n;

	if (!yn)
		return NULL;
	if (++c->nodes > YAML_MAX_NODES || depth > YAML_MAX_DEPTH) {
		if (!c->failed)
			diags_add(c->d, c->file, (int)yn->start_mark.line + 1,
				  (int)yn->start_mark.column + 1,
				  "document is too large or too deeply nested "
				  "(aliases expanding?)");
		c->failed = 1;
		return NULL;
	}
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n = node_new(YN_SCALAR, yn);
		n->str = xstrndup((const char *)yn->data.scalar.value,
				  yn->data.scalar.length);
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_NODE:
		return convert_seq(c, yn, depth);
	case YAML_MAPPING_NODE:
		return convert_map(c, yn, depth);
	default:
		return NULL;
	}
}

/* Length of the indentation at s: spaces, and the "- " of block
 * sequences, which indents what follows it too. */
static size_t indent_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || (s[i] == '-' && i + 1 < n &&
					 (s[i + 1] == ' ' || s[i + 1] == '\t'))))
		i++;
	return i;
}

/* Reports tabs used as indentation on lines up to last_line; returns the
 * number found.  libyaml's own message for these is cryptic. */
static int report_tabs(const char *name, const char *text, size_t len,
		       int last_line, struct diags *d)
{
	int line = 1, found = 0;
	size_t i = 0;

	while (i < len && line <= last_line) {
		size_t col = indent_len(text + i, len - i);

		if (i + col < len && text[i + col] == '\t') {
			diags_add(d, name, line, (int)col + 1,
				  "tab character in indentation (YAML "
				  "indents with spaces)");
			found++;
		}
		while (i < len && text[i] != '\n')
			i++;
		i++;
		line++;
	}
	return found;
}

static void report_syntax(const char *name, const char *text, size_t len,
			  yaml_parser_t *p, struct diags *d)
{
	int line = (int)p->problem_mark.line + 1;
	int col = (int)p->problem_mark.column + 1;

	if (p->error == YAML_READER_ERROR) {
		/* Encoding errors carry a byte offset, not a mark. */
		line = 1;
		col = 1;
		for (size_t i = 0; i < p->problem_offset && i < len; i++) {
			col++;
			if (text[i] == '\n') {
				line++;
				col = 1;
			}
		}
		diags_add(d, name, line, col,
			  "file is not valid UTF-8 (%s); save it as UTF-8",
			  p->problem ? p->problem : "bad encoding");
		return;
	}
	if (report_tabs(name, text, len, line, d))
		return;
	if (p->context && p->problem_mark.index >= len) {
		/* At the end of the file there is nothing to show; point at
		 * what was left open instead (a quote, a bracket). */
		line = (int)p->context_mark.line + 1;
		col = (int)p->context_mark.column + 1;
	}
	if (p->context)
		diags_add(d, name, line, col,
			  "invalid YAML: %s (%s at line %d)%s", p->problem,
			  p->context, (int)p->context_mark.line + 1,
			  strstr(p->context, "block")
				  ? "; check the indentation"
				  : "");
	else if (p->problem && strstr(p->problem, "mapping values"))
		diags_add(d, name, line, col,
			  "invalid YAML: %s; put the value in quotes if it "
			  "contains ': '",
			  p->problem);
	else
		diags_add(d, name, line, col, "invalid YAML: %s",
			  p->problem ? p->problem : "cannot parse");
}

/* Reports a second document in the stream: it would be silently
 * ignored.  Returns -1 if there is one (or it does not parse). */
static int check_single_document(const char *name, const char *text,
				 size_t len, yaml_parser_t *parser,
				 struct diags *d)
{
	yaml_document_t doc;
	int rc = 0;

	if (!yaml_parser_load(parser, &doc)) {
		report_syntax(name, text, len, parser, d);
		return -1;
	}
	if (yaml_document_get_root_node(&doc)) {
		diags_add(d, name, (int)doc.start_mark.line + 1,
			  (int)doc.start_mark.column + 1,
			  "a second YAML document starts here; a file "
			  "holds one (remove the '---' or split the file)");
		rc = -1;
	}
	yaml_document_delete(&doc);
	return rc;
}

struct ynode *yaml_load_string(const char *name, const char *text,
			       size_t len, struct diags *d)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct conv c = {.file = name, .d = d};
	struct ynode *root = NULL;
	yaml_node_t *yroot;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     len);
	if (!yaml_parser_load(&parser, &doc)) {
		report_syntax(name, text, len, &parser, d);
		yaml_parser_delete(&parser);
		return NULL;
	}
	c.doc = &doc;
	yroot = yaml_document_get_root_node(&doc);
	if (!yroot) {
		root = xcalloc(1, sizeof(*root));
		root->kind = YN_MAP;
		root->line = root->col = 1;
	} else {
		root = convert(&c, yroot, 0);
	}
	yaml_document_delete(&doc);
	if (root && !c.failed &&
	    check_single_document(name, text, len, &parser, d) < 0)
		c.failed = 1;
	yaml_parser_delete(&parser);
	if (c.failed || !root) {
		ynode_free(root);
		return NULL;
	}
	return root;
}

struct ynode *yaml_load(const char *path, struct diags *d)
{
	struct buf b;
	struct ynode *root;
	int rc;

	buf_init(&b, 16 << 20);
	rc = buf_read_file(&b, path);
	if (rc < 0) {
		diags_add(d, path, 0, 0, "cannot read file: %s", strerror(-rc));
		buf_release(&b);
		return NULL;
	}
	if (b.truncated) {
		diags_add(d, path, 0, 0, "file is larger than 16 MiB");
		buf_release(&b);
		return NULL;
	}
	root = yaml_load_string(path, b.data, b.len, d);
	buf_release(&b);
	return root;
}

void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; n->kind == YN_SEQ && i < n->n; i++)
		ynode_free(n->items[i]);
	for (size_t i = 0; n->kind == YN_MAP && i < n->n; i++) {
		ynode_free(n->pairs[i].key);
		ynode_free(n->pairs[i].val);
	}
	free(n->items);
	free(n->pairs);
	free(n->str);
	free(n);
}

const struct ypair *ymap_pair(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;

		if (k->kind == YN_SCALAR && !strcmp(k->str, key))
			return &map->pairs[i];
	}
	return NULL;
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ymap_pair(map, key);

	return p ? p->val : NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR && n->plain &&
	       (!*n->str || !strcmp(n->str, "null") || !strcmp(n->str, "~") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (!n)
		return "nothing";
	if (ynode_is_null(n))
		return "null";
	switch (n->kind) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}
