/* Unit tests for src/config: YAML with positions, typed getters, diags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "config/yaml.h"

static struct ynode *load(const char *text, struct diags *d)
{
	return yaml_load_string("t.yaml", text, strlen(text), d);
}

static void test_positions(void **state)
{
	struct diags d;
	struct ynode *root, *steps, *v;

	(void)state;
	diags_init(&d);
	root = load("name: x\nsteps:\n  - name: a\n    run: echo\n", &d);
	assert_non_null(root);
	assert_int_equal(d.n, 0);
	steps = ymap_get(root, "steps");
	assert_int_equal(steps->kind, YN_SEQ);
	assert_int_equal(steps->n, 1);
	v = ymap_get(steps->items[0], "run");
	assert_string_equal(v->str, "echo");
	assert_int_equal(v->line, 4);
	assert_int_equal(v->col, 10);
	ynode_free(root);
	diags_release(&d);
}

static void test_duplicate_key(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("a: 1\nb: 2\na: 3\n", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].col, 1);
	assert_string_equal(d.v[0].msg,
			    "duplicate key 'a' (first defined at line 1)");
	diags_release(&d);
}

static void test_tabs(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("a:\n\tb: 1\n", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_non_null(strstr(d.v[0].msg, "tab character"));
	diags_release(&d);
}

static void test_syntax_error(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("a: [1, 2\nb: 3\n", &d));
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "invalid YAML"));
	diags_release(&d);
}

static void test_empty_and_json(void **state)
{
	struct diags d;
	struct ynode *root;

	(void)state;
	diags_init(&d);
	root = load("", &d);
	assert_non_null(root);
	assert_int_equal(root->kind, YN_MAP);
	ynode_free(root);
	root = load("{\"steps\": [{\"name\": \"a\"}]}", &d);
	assert_non_null(root);
	assert_string_equal(
		ymap_get(ymap_get(root, "steps")->items[0], "name")->str, "a");
	ynode_free(root);
	assert_int_equal(d.n, 0);
	diags_release(&d);
}

static void test_alias_bomb_is_refused(void **state)
{
	const char *bomb =
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load(bomb, &d));
	assert_true(d.n >= 1);
	diags_release(&d);
}

static void test_getters(void **state)
{
	struct diags d;
	struct ynode *root;
	const char *s = NULL, **list = NULL;
	size_t n = 0;
	bool b = false;
	int64_t i = 0, ms = 0;

	(void)state;
	diags_init(&d);
	root = load("s: hello\nb: yes\ni: 42\nt: 1m30s\nl: [x, y]\none: z\n"
		    "bad: [1]\nnul: ~\n",
		    &d);
	assert_non_null(root);
	assert_int_equal(yget_str(root, "s", &s, "t.yaml", &d), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(yget_bool(root, "b", &b, "t.yaml", &d), 0);
	assert_true(b);
	assert_int_equal(yget_int(root, "i", 0, 100, &i, "t.yaml", &d), 0);
	assert_int_equal(i, 42);
	assert_int_equal(yget_duration(root, "t", &ms, "t.yaml", &d), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(yget_strlist(root, "l", &list, &n, "t.yaml", &d), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[1], "y");
	free(list);
	assert_int_equal(yget_strlist(root, "one", &list, &n, "t.yaml", &d), 0);
	assert_int_equal(n, 1);
	free(list);
	assert_int_equal(d.n, 0);
	/* Absent and null keys leave the output alone. */
	s = "keep";
	assert_int_equal(yget_str(root, "nul", &s, "t.yaml", &d), 0);
	assert_int_equal(yget_str(root, "missing", &s, "t.yaml", &d), 0);
	assert_string_equal(s, "keep");
	/* Wrong types are reported where they are. */
	assert_int_equal(yget_str(root, "bad", &s, "t.yaml", &d), -1);
	assert_int_equal(yget_int(root, "i", 0, 10, &i, "t.yaml", &d), -1);
	assert_int_equal(yget_bool(root, "s", &b, "t.yaml", &d), -1);
	assert_int_equal(yget_duration(root, "s", &ms, "t.yaml", &d), -1);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.v[0].line, 7);
	assert_string_equal(d.v[0].msg, "'bad' must be a string, not a list");
	ynode_free(root);
	diags_release(&d);
}

static void test_unknown_keys_suggest(void **state)
{
	static const char *const allowed[] = {"name", "depends_on", "run",
					      NULL};
	struct diags d;
	struct ynode *root;

	(void)state;
	diags_init(&d);
	root = load("name: a\ndepnds_on: [b]\nzzz: 1\n", &d);
	assert_int_equal(ymap_check_keys(root, allowed, "step", "t.yaml", &d),
			 -1);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg, "unknown key 'depnds_on' in step "
					"(did you mean 'depends_on'?)");
	assert_string_equal(d.v[1].msg, "unknown key 'zzz' in step");
	ynode_free(root);
	diags_release(&d);
}

/* An alias is a copy of the anchored node, with its positions. */
static void test_alias_is_a_copy(void **state)
{
	struct diags d;
	struct ynode *root, *a, *b;

	(void)state;
	diags_init(&d);
	root = load("a: &x {k: [1, 2]}\nb: *x\n", &d);
	assert_non_null(root);
	a = ymap_get(root, "a");
	b = ymap_get(root, "b");
	assert_ptr_not_equal(a, b);
	assert_int_equal(b->kind, YN_MAP);
	assert_int_equal(b->line, 1);
	assert_int_equal(b->col, 4);
	assert_int_equal(ymap_get(b, "k")->n, 2);
	assert_string_equal(ymap_get(b, "k")->items[1]->str, "2");
	ynode_free(root);
	assert_int_equal(d.n, 0);
	diags_release(&d);
}

/* Keys written in the mapping win, then earlier sources; a merge source
 * can carry an anchor used again later. */
static void test_merge_keys(void **state)
{
	struct diags d;
	struct ynode *root, *m, *c;

	(void)state;
	diags_init(&d);
	root = load("m: {<<: [&p {x: 1, y: 1}, {y: 2, z: 2}], x: 0}\n"
		    "c: *p\n",
		    &d);
	assert_non_null(root);
	m = ymap_get(root, "m");
	assert_int_equal(m->n, 3);
	assert_string_equal(ymap_get(m, "x")->str, "0");
	assert_string_equal(ymap_get(m, "y")->str, "1");
	assert_string_equal(ymap_get(m, "z")->str, "2");
	assert_null(ymap_get(m, "<<"));
	c = ymap_get(root, "c");
	assert_int_equal(c->n, 2);
	assert_string_equal(ymap_get(c, "y")->str, "1");
	ynode_free(root);
	assert_int_equal(d.n, 0);
	/* A quoted "<<" is an ordinary key. */
	root = load("m: {\"<<\": 1}\n", &d);
	assert_string_equal(ymap_get(ymap_get(root, "m"), "<<")->str, "1");
	ynode_free(root);
	assert_null(load("s: &s [1]\nm: {<<: *s}\n", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 5);
	diags_release(&d);
}

/* A node is counted each time an alias copies it: exactly at the limit
 * a file loads, one node more and it is refused, at the position of the
 * node that went over. */
static void test_node_limit_counts_copies(void **state)
{
	static const char head[] = "a: &a [x", tail[] = "]\nb: *a\n";
	struct diags d;
	struct ynode *root;
	char *text;
	size_t n, len;

	(void)state;
	diags_init(&d);
	/* root, "a", the list, "b" and the copy: 5 nodes beside the items */
	for (n = 499997; n <= 499998; n++) {
		text = malloc(sizeof(head) + 2 * n + sizeof(tail));
		memcpy(text, head, sizeof(head) - 1);
		len = sizeof(head) - 1;
		for (size_t i = 1; i < n; i++, len += 2)
			memcpy(text + len, ",x", 2);
		memcpy(text + len, tail, sizeof(tail));
		len += sizeof(tail) - 1;
		root = yaml_load_string("t.yaml", text, len, &d);
		if (n == 499997) {
			assert_non_null(root);
			assert_int_equal(ymap_get(root, "b")->n, n);
			assert_int_equal(d.n, 0);
		} else {
			/* the copy's last item, at the anchored one's place */
			assert_null(root);
			assert_int_equal(d.n, 1);
			assert_int_equal(d.v[0].line, 1);
			assert_int_equal(d.v[0].col, (int)(8 + 2 * (n - 1)));
			assert_non_null(strstr(d.v[0].msg, "too large"));
		}
		ynode_free(root);
		free(text);
	}
	diags_release(&d);
}

/* An alias to a node that encloses it would never end: it stops at the
 * depth limit, reported where the anchored node starts. */
static void test_recursive_alias_is_refused(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("a: 1\nb: &x [*x]\n", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 4);
	assert_non_null(strstr(d.v[0].msg, "deeply nested"));
	diags_release(&d);
}

/* An anchor inside a part too deep to build can still be used. */
static void test_anchor_in_too_deep_part(void **state)
{
	char text[256];
	struct diags d;

	(void)state;
	diags_init(&d);
	snprintf(text, sizeof(text), "a: %.66s&q {k: 1}%.66s\nb: *q\n",
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		 "[[[[[[[[",
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		 "]]]]]]]]");
	assert_null(load(text, &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].col, 4 + 64);
	assert_non_null(strstr(d.v[0].msg, "deeply nested"));
	diags_release(&d);
}

/* Anchor mistakes are syntax errors, reported alone, as are syntax
 * errors after a duplicate key. */
static void test_anchor_and_syntax_errors(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("a: &x 1\nb: &x 2\n", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 4);
	assert_string_equal(d.v[0].msg,
			    "invalid YAML: second occurrence (found duplicate "
			    "anchor; first occurrence at line 1)");
	assert_null(load("a: 1\nb: *nope\n", &d));
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[1].col, 4);
	assert_string_equal(d.v[1].msg, "invalid YAML: found undefined alias");
	assert_null(load("a: 1\na: 2\nb: [\n", &d));
	assert_int_equal(d.n, 3);
	assert_non_null(strstr(d.v[2].msg, "invalid YAML"));
	diags_release(&d);
}

/* A second document is refused; a broken one is reported as broken. */
static void test_second_document(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("a: 1\n---\nb: 2\n", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_non_null(strstr(d.v[0].msg, "second YAML document"));
	assert_null(load("a: 1\n---\nb: *a\n", &d));
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[1].msg, "invalid YAML: found undefined alias");
	diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_empty_and_json),
		cmocka_unit_test(test_alias_bomb_is_refused),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_unknown_keys_suggest),
		cmocka_unit_test(test_alias_is_a_copy),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_node_limit_counts_copies),
		cmocka_unit_test(test_recursive_alias_is_refused),
		cmocka_unit_test(test_anchor_in_too_deep_part),
		cmocka_unit_test(test_anchor_and_syntax_errors),
		cmocka_unit_test(test_second_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
