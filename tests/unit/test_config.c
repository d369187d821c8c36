/* Unit tests for src/config: YAML with positions, typed getters, diags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
