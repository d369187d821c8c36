#include "yaml.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "diag.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "yaml_int.h"

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
	yaml_event_t ev;
	yaml_mark_t start;
	bool second;

	if (parser->stream_end_produced)
		return 0;
	if (!yaml_parser_parse(parser, &ev)) {
		report_syntax(name, text, len, parser, d);
		return -1;
	}
	second = ev.type == YAML_DOCUMENT_START_EVENT;
	start = ev.start_mark;
	yaml_event_delete(&ev);
	if (!second)
		return 0;
	/* Parsed to its end, anchors checked, as libyaml's loader did, so
	 * that a broken second document is reported as such. */
	if (yaml_build_document(parser, name, false, NULL, NULL) < 0)
		report_syntax(name, text, len, parser, d);
	else
		diags_add(d, name, (int)start.line + 1, (int)start.column + 1,
			  "a second YAML document starts here; a file "
			  "holds one (remove the '---' or split the file)");
	return -1;
}

/* Reads the stream's start and its first document: *root is its tree,
 * an empty map for an empty stream, or NULL if a check failed (see
 * yaml_build_document()).  Returns -1 on a syntax error. */
static int load_first_document(yaml_parser_t *p, const char *name,
			       struct ynode **root, struct diags *held)
{
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_parser_parse(p, &ev))
		return -1;
	yaml_event_delete(&ev);	/* STREAM-START */
	if (!yaml_parser_parse(p, &ev))
		return -1;
	if (ev.type == YAML_DOCUMENT_START_EVENT) {
		rc = yaml_build_document(p, name, true, root, held);
	} else {
		*root = xcalloc(1, sizeof(**root));	/* STREAM-END */
		(*root)->kind = YN_MAP;
		(*root)->line = (*root)->col = 1;
	}
	yaml_event_delete(&ev);
	return rc;
}

struct ynode *yaml_load_string(const char *name, const char *text,
			       size_t len, struct diags *d)
{
	yaml_parser_t parser;
	struct diags held;
	struct ynode *root = NULL;

	diags_init(&held);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     len);
	if (load_first_document(&parser, name, &root, &held) < 0) {
		/* libyaml reported a syntax error alone. */
		report_syntax(name, text, len, &parser, d);
		goto out;
	}
	for (size_t i = 0; i < held.n; i++)
		diags_add(d, held.v[i].file, held.v[i].line, held.v[i].col,
			  "%s", held.v[i].msg);
	if (root && check_single_document(name, text, len, &parser, d) < 0) {
		ynode_free(root);
		root = NULL;
	}
out:
	diags_release(&held);
	yaml_parser_delete(&parser);
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
