/* Unit tests for the DAG: resolution, cycles, order, levels, reach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/diag.h"
#include "pipeline/pipeline.h"

static char dir[64];

static struct pipeline *load(const char *yaml, struct diags *d)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.yaml", dir);
	f = fopen(path, "w");
	fputs(yaml, f);
	fclose(f);
	return pipeline_load(path, dir, d);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/baton-dag-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/p.yaml", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void test_order_and_levels(void **state)
{
	struct diags d;
	struct pipeline *p;

	(void)state;
	diags_init(&d);
	p = load("steps:\n"
		 "  - {name: d, run: x, depends_on: [b, c]}\n"
		 "  - {name: b, run: x, depends_on: [a]}\n"
		 "  - {name: c, run: x, depends_on: a}\n"
		 "  - {name: a, run: x}\n",
		 &d);
	assert_non_null(p);
	assert_int_equal(p->nlevels, 3);
	assert_int_equal(p->level[3], 0);	/* a */
	assert_int_equal(p->level[1], 1);	/* b */
	assert_int_equal(p->level[0], 2);	/* d */
	/* Topological: every step after its dependencies. */
	for (size_t k = 0; k < p->nsteps; k++) {
		const struct step *s = &p->steps[p->order[k]];

		for (size_t j = 0; j < s->ndeps; j++) {
			size_t pos = 0;

			while (p->order[pos] != s->dep_idx[j])
				pos++;
			assert_true(pos < k);
		}
	}
	assert_true(dag_is_upstream(p, 3, 0));
	assert_false(dag_is_upstream(p, 0, 3));
	assert_false(dag_is_upstream(p, 1, 2));
	pipeline_free(p);
	diags_release(&d);
}

static void test_downstream(void **state)
{
	struct diags d;
	struct pipeline *p;
	bool mark[4] = {false};

	(void)state;
	diags_init(&d);
	p = load("steps:\n"
		 "  - {name: a, run: x}\n"
		 "  - {name: b, run: x, depends_on: [a]}\n"
		 "  - {name: c, run: x, depends_on: [b]}\n"
		 "  - {name: z, run: x}\n",
		 &d);
	assert_non_null(p);
	dag_mark_downstream(p, 1, mark);
	assert_false(mark[0]);
	assert_true(mark[1]);
	assert_true(mark[2]);
	assert_false(mark[3]);
	pipeline_free(p);
	diags_release(&d);
}

static void test_cycle_path(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("steps:\n"
			 "  - {name: a, run: x, depends_on: [c]}\n"
			 "  - {name: b, run: x, depends_on: [a]}\n"
			 "  - {name: c, run: x, depends_on: [b]}\n",
			 &d));
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "dependency cycle: "));
	assert_non_null(strstr(d.v[0].msg, " -> "));
	diags_release(&d);
}

static void test_unknown_and_self(void **state)
{
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_null(load("steps:\n"
			 "  - {name: transform, run: x}\n"
			 "  - {name: load, run: x, depends_on: [trnsform]}\n"
			 "  - {name: self, run: x, depends_on: [self]}\n",
			 &d));
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg,
			    "step 'load' depends on unknown step 'trnsform' "
			    "(did you mean 'transform'?)");
	assert_int_equal(d.v[0].line, 3);
	assert_string_equal(d.v[1].msg, "step 'self' depends on itself");
	diags_release(&d);
}

static void test_big_chain(void **state)
{
	struct diags d;
	struct pipeline *p;
	char *yaml = malloc(200000), *w = yaml;

	(void)state;
	w += sprintf(w, "steps:\n  - {name: s0, run: x}\n");
	for (int i = 1; i < 2000; i++)
		w += sprintf(w, "  - {name: s%d, run: x, depends_on: [s%d]}\n",
			     i, i - 1);
	diags_init(&d);
	p = load(yaml, &d);
	assert_non_null(p);
	assert_int_equal(p->nlevels, 2000);
	pipeline_free(p);
	diags_release(&d);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_levels),
		cmocka_unit_test(test_downstream),
		cmocka_unit_test(test_cycle_path),
		cmocka_unit_test(test_unknown_and_self),
		cmocka_unit_test(test_big_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
