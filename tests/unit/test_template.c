/* Unit tests for {{ }} templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/template.h"
#include "util/error.h"

static json_t *ctx(void)
{
	return json_loads("{\"params\": {\"day\": \"2026-01-22\", \"n\": 3},"
			  " \"steps\": {\"a\": {\"output\": {\"rows\": [{\"id\":"
			  " 7}], \"ok\": true, \"obj\": {\"k\": \"v\"}}}}}",
			  0, NULL);
}

static void check(const char *tmpl, const char *want)
{
	json_t *c = ctx();
	struct error err;
	char *out = NULL;

	assert_int_equal(template_render(tmpl, c, &out, &err), 0);
	assert_string_equal(out, want);
	free(out);
	json_decref(c);
}

static void test_render(void **state)
{
	(void)state;
	check("plain", "plain");
	check("day={{ params.day }}", "day=2026-01-22");
	check("{{params.n}}x{{  params.n  }}", "3x3");
	check("id {{ steps.a.output.rows.0.id }}", "id 7");
	check("{{ steps.a.output.ok }}", "true");
	check("{{ steps.a.output.obj }}", "{\"k\":\"v\"}");
}

static void test_shell_untouched(void **state)
{
	(void)state;
	check("echo $HOME ${HOME} $(date) {x}", "echo $HOME ${HOME} $(date) {x}");
}

static void test_errors(void **state)
{
	json_t *c = ctx();
	struct error err;
	char *out = NULL;

	(void)state;
	assert_int_equal(template_render("{{ params.nope }}", c, &out, &err),
			 -1);
	assert_string_equal(err.msg, "'{{ params.nope }}' has no value");
	assert_int_equal(template_render("a {{ params.day", c, &out, &err), -1);
	assert_non_null(strstr(err.msg, "unterminated"));
	assert_int_equal(template_render("{{ }}", c, &out, &err), -1);
	assert_int_equal(template_render("{{ a b }}", c, &out, &err), -1);
	assert_null(out);
	json_decref(c);
}

static int count_ref(void *arg, const char *path, size_t off)
{
	(void)path;
	(void)off;
	(*(int *)arg)++;
	return 0;
}

static void test_scan(void **state)
{
	struct error err;
	int n = 0;

	(void)state;
	assert_true(template_has_refs("x {{ a }}"));
	assert_false(template_has_refs("x { a }"));
	assert_int_equal(template_scan("{{ a }} {{ b.c }} $X", count_ref, &n,
				       &err),
			 0);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_shell_untouched),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
