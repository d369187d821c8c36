/* Unit tests for src/tenant: loading users.yaml in both of seed 000's
 * forms, environment references, errors, context and secrets. */
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
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/fs.h"

/* Seed 000's version 1.0 users.yaml, exactly as the seed writes it. */
static const char seed_v1[] =
	"version: \"1.0\"\n"
	"users:\n"
	"  - id: \"user-001\"                    # Internal identifier\n"
	"    name: \"Health & Wellness Page\"    # Human-readable name\n"
	"    platform: facebook                # Platform type\n"
	"    credentials:\n"
	"      page_id: \"123456789\"\n"
	"      access_token: \"EAABs...\"\n"
	"    pipelines:\n"
	"      - name: facebook_echo\n"
	"        enabled: true\n"
	"        \n"
	"  - id: \"user-002\"\n"
	"    name: \"Financial Advice Page\"\n"
	"    platform: facebook\n"
	"    credentials:\n"
	"      page_id: \"987654321\"\n"
	"      access_token: \"EAACs...\"\n"
	"    pipelines:\n"
	"      - name: facebook_echo\n"
	"        enabled: true\n";

/* Seed 000's flat proposal (its Q&A), exactly as written there. */
static const char seed_flat[] =
	"users:\n"
	"  - name: \"Health Tips Page\"\n"
	"    platform: facebook\n"
	"    page_id: \"123456789\"\n"
	"    access_token: \"EAABs...\"\n"
	"    pipelines:\n"
	"      - facebook_echo\n"
	"  - name: \"Finance Page\" \n"
	"    platform: facebook\n"
	"    page_id: \"987654321\"\n"
	"    access_token: \"EAABs...\"\n"
	"    pipelines:\n"
	"      - facebook_echo\n";

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_tenant.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return fs_remove_tree(dir);
}

/* Writes text to DIR/NAME. */
static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Writes text to DIR/users.yaml and loads it with tenants_load(). */
static int load(const char *text, struct tenants **t, struct diags *d)
{
	char *path = xasprintf("%s/users.yaml", dir);
	int rc;

	write_file("users.yaml", text);
	rc = tenants_load(path, t, d);
	free(path);
	return rc;
}

/* Loads text expecting exactly one error, at line:col, saying msg. */
static void expect_error(const char *text, int line, int col,
			 const char *msg)
{
	struct tenants *t = NULL;
	struct diags d;

	diags_init(&d);
	assert_int_equal(load(text, &t, &d), -1);
	assert_null(t);
	if (d.n != 1)
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%d:%d: %s\n", d.v[i].line,
				d.v[i].col, d.v[i].msg);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, msg);
	assert_int_equal(d.v[0].line, line);
	assert_int_equal(d.v[0].col, col);
	diags_release(&d);
}

/* A project in DIR with pipelines/facebook_echo.yaml. */
static struct project *open_project(void)
{
	char *pdir = xasprintf("%s/pipelines", dir);
	struct project *p = NULL;
	struct diags d;

	assert_int_equal(fs_mkdirs(pdir), 0);
	free(pdir);
	write_file("pipelines/facebook_echo.yaml",
		   "steps:\n  - name: post\n    run: echo hi\n");
	diags_init(&d);
	assert_int_equal(project_open(dir, &p, &d), 0);
	assert_int_equal(d.n, 0);
	diags_release(&d);
	return p;
}

static const char *cred(const struct tenant *t, const char *key)
{
	for (size_t i = 0; i < t->ncredentials; i++)
		if (!strcmp(t->credentials[i].key, key))
			return t->credentials[i].val;
	return NULL;
}

static void test_seed_v1(void **state)
{
	struct tenants *t = NULL;
	struct project *p = open_project();
	const struct tenant *u;
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_int_equal(load(seed_v1, &t, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(t->version, "1.0");
	assert_int_equal(t->n, 2);
	u = &t->v[0];
	assert_string_equal(u->id, "user-001");
	assert_string_equal(u->name, "Health & Wellness Page");
	assert_string_equal(u->platform, "facebook");
	assert_true(u->enabled);
	assert_int_equal(u->line, 3);
	assert_int_equal(u->col, 5);
	assert_int_equal(u->ncredentials, 2);
	assert_string_equal(u->credentials[0].key, "page_id");
	assert_string_equal(u->credentials[0].val, "123456789");
	assert_int_equal(u->credentials[0].pos.line, 7);
	assert_int_equal(u->credentials[0].pos.col, 16);
	assert_string_equal(u->credentials[1].key, "access_token");
	assert_string_equal(u->credentials[1].val, "EAABs...");
	assert_int_equal(u->npipelines, 1);
	assert_string_equal(u->pipelines[0].name, "facebook_echo");
	assert_true(u->pipelines[0].enabled);
	assert_int_equal(u->pipelines[0].line, 10);
	assert_int_equal(u->pipelines[0].col, 15);
	assert_int_equal(u->ntags, 0);
	assert_null(u->preferences);
	assert_int_equal(json_object_size(u->fields), 0);
	u = tenants_find(t, "user-002");
	assert_ptr_equal(u, &t->v[1]);
	assert_string_equal(u->name, "Financial Advice Page");
	assert_string_equal(cred(u, "access_token"), "EAACs...");
	assert_null(tenants_find(t, "user-003"));
	assert_int_equal(tenants_check_pipelines(t, p, &d), 0);
	assert_int_equal(d.n, 0);
	tenants_free(t);
	project_free(p);
	diags_release(&d);
}

static void test_seed_flat(void **state)
{
	struct tenants *t = NULL;
	struct project *p = open_project();
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_int_equal(load(seed_flat, &t, &d), 0);
	assert_int_equal(d.n, 0);
	assert_null(t->version);
	assert_int_equal(t->n, 2);
	/* Flat users have no id: page_id is theirs. */
	assert_string_equal(t->v[0].id, "123456789");
	assert_string_equal(t->v[0].name, "Health Tips Page");
	assert_string_equal(t->v[1].id, "987654321");
	assert_string_equal(t->v[1].name, "Finance Page");
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(t->v[i].platform, "facebook");
		assert_int_equal(t->v[i].ncredentials, 2);
		assert_string_equal(cred(&t->v[i], "access_token"),
				    "EAABs...");
		assert_int_equal(t->v[i].npipelines, 1);
		assert_string_equal(t->v[i].pipelines[0].name,
				    "facebook_echo");
		assert_true(t->v[i].pipelines[0].enabled);
	}
	assert_string_equal(cred(&t->v[1], "page_id"), "987654321");
	assert_int_equal(tenants_check_pipelines(t, p, &d), 0);
	tenants_free(t);
	project_free(p);
	diags_release(&d);
}

static void test_slug_id_and_extras(void **state)
{
	struct tenants *t = NULL;
	struct diags d;
	const struct tenant *u;

	(void)state;
	diags_init(&d);
	assert_int_equal(load("tenants:\n"
			      "  - name: \"Health & Wellness Page!\"\n"
			      "    enabled: false\n"
			      "    tags: [health, \"en\"]\n"
			      "    preferences:\n"
			      "      schedule: daily\n"
			      "      hours: [9, 17]\n"
			      "      digest: {enabled: true}\n"
			      "    followers: 1200\n"
			      "    ratio: 0.25\n"
			      "    zip: \"0042\"\n"
			      "    created_at: 2024-01-15\n"
			      "    has_profile_pic: true\n"
			      "    bio: ~\n"
			      "    age: 30\n"
			      "    pipelines:\n"
			      "      - facebook_echo\n"
			      "      - {name: weekly, enabled: false}\n",
			      &t, &d),
			 0);
	assert_int_equal(d.n, 0);
	u = &t->v[0];
	assert_string_equal(u->id, "health-wellness-page");
	assert_null(u->platform);
	assert_false(u->enabled);
	assert_int_equal(u->ntags, 2);
	assert_string_equal(u->tags[0], "health");
	assert_string_equal(u->tags[1], "en");
	assert_int_equal(u->ncredentials, 0);
	assert_int_equal(u->npipelines, 2);
	assert_true(u->pipelines[0].enabled);
	assert_false(u->pipelines[1].enabled);
	assert_string_equal(u->pipelines[1].name, "weekly");
	assert_string_equal(json_string_value(json_object_get(u->preferences,
							      "schedule")),
			    "daily");
	assert_int_equal(json_integer_value(json_array_get(
				 json_object_get(u->preferences, "hours"), 1)),
			 17);
	assert_true(json_is_true(json_object_get(
		json_object_get(u->preferences, "digest"), "enabled")));
	assert_int_equal(json_object_size(u->fields), 7);
	assert_int_equal(json_integer_value(json_object_get(u->fields,
							    "followers")),
			 1200);
	assert_true(json_is_real(json_object_get(u->fields, "ratio")));
	assert_string_equal(json_string_value(json_object_get(u->fields,
							      "zip")),
			    "0042");
	assert_string_equal(json_string_value(json_object_get(u->fields,
							      "created_at")),
			    "2024-01-15");
	assert_true(json_is_true(json_object_get(u->fields,
						 "has_profile_pic")));
	assert_true(json_is_null(json_object_get(u->fields, "bio")));
	assert_int_equal(json_integer_value(json_object_get(u->fields, "age")),
			 30);
	tenants_free(t);
	diags_release(&d);
}

static void test_env_refs(void **state)
{
	struct tenants *t = NULL;
	struct diags d;

	(void)state;
	setenv("BATON_TEST_TOKEN", "s3cr3t", 1);
	setenv("BATON_TEST_PAGE", "42", 1);
	diags_init(&d);
	assert_int_equal(load("version: '1.0'\n"
			      "users:\n"
			      "  - id: a\n"
			      "    credentials:\n"
			      "      access_token: ${BATON_TEST_TOKEN}\n"
			      "      header: \"Bearer ${BATON_TEST_TOKEN}!\"\n"
			      "      both: ${BATON_TEST_PAGE}-"
			      "${BATON_TEST_TOKEN}\n"
			      "      literal: $${NOT_A_REF} and $HOME\n"
			      "  - name: flat\n"
			      "    page_id: ${BATON_TEST_PAGE}\n",
			      &t, &d),
			 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(cred(&t->v[0], "access_token"), "s3cr3t");
	assert_string_equal(cred(&t->v[0], "header"), "Bearer s3cr3t!");
	assert_string_equal(cred(&t->v[0], "both"), "42-s3cr3t");
	assert_string_equal(cred(&t->v[0], "literal"),
			    "${NOT_A_REF} and $HOME");
	/* The flat id comes from the resolved page_id. */
	assert_string_equal(t->v[1].id, "42");
	tenants_free(t);
	diags_release(&d);
	unsetenv("BATON_TEST_TOKEN");
	unsetenv("BATON_TEST_PAGE");
}

static void test_missing_env(void **state)
{
	(void)state;
	unsetenv("FB_TOKEN_FINANCE");
	expect_error("version: \"1.0\"\n"
		     "users:\n"
		     "  - id: \"user-002\"\n"
		     "    name: \"Financial Advice Page\"\n"
		     "    platform: facebook\n"
		     "    credentials:\n"
		     "      page_id: \"987654321\"\n"
		     "      access_token: \"${FB_TOKEN_FINANCE}\"\n",
		     8, 21,
		     "tenant 'user-002' credential 'access_token': "
		     "environment variable FB_TOKEN_FINANCE is not set");
	expect_error("users:\n"
		     "  - name: Health\n"
		     "    access_token: \"x${BAD-NAME}\"\n",
		     3, 19,
		     "tenant 'Health' credential 'access_token': malformed "
		     "'${' reference (write ${NAME}, NAME being letters, "
		     "digits and '_'; write $${ for a literal ${)");
	setenv("BATON_TEST_EMPTY", "", 1);
	expect_error("users:\n"
		     "  - id: e\n"
		     "    credentials: {k: \"${BATON_TEST_EMPTY}\"}\n",
		     3, 22,
		     "tenant 'e' credential 'k': environment variable "
		     "BATON_TEST_EMPTY is empty");
	unsetenv("BATON_TEST_EMPTY");
}

static void test_duplicate_ids(void **state)
{
	(void)state;
	expect_error("users:\n"
		     "  - id: a\n"
		     "    name: A\n"
		     "  - id: b\n"
		     "  - id: a\n",
		     5, 9,
		     "duplicate tenant id 'a' (first defined at line 2)");
	/* Flat users with the same page_id collide too. */
	expect_error("users:\n"
		     "  - name: One\n"
		     "    page_id: \"1\"\n"
		     "  - name: Two\n"
		     "    page_id: \"1\"\n",
		     5, 14,
		     "duplicate tenant id '1' (first defined at line 3)");
}

static void test_unknown_pipeline(void **state)
{
	struct tenants *t = NULL;
	struct project *p = open_project();
	struct diags d;

	(void)state;
	diags_init(&d);
	assert_int_equal(load("users:\n"
			      "  - id: a\n"
			      "    pipelines:\n"
			      "      - name: facebok_echo\n"
			      "        enabled: false\n"
			      "      - zzz_nothing\n",
			      &t, &d),
			 0);
	assert_int_equal(tenants_check_pipelines(t, p, &d), -1);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 4);
	assert_int_equal(d.v[0].col, 15);
	assert_string_equal(d.v[0].msg,
			    "tenant 'a' names unknown pipeline 'facebok_echo' "
			    "(did you mean 'facebook_echo'?)");
	assert_int_equal(d.v[1].line, 6);
	assert_int_equal(d.v[1].col, 9);
	assert_string_equal(d.v[1].msg,
			    "tenant 'a' names unknown pipeline 'zzz_nothing'");
	tenants_free(t);
	project_free(p);
	diags_release(&d);
}

static void test_misspelled_keys(void **state)
{
	(void)state;
	expect_error("users:\n"
		     "  - id: a\n"
		     "    credentails:\n"
		     "      token: x\n",
		     3, 5,
		     "unknown key 'credentails' in tenant 'a' (did you mean "
		     "'credentials'?)");
	expect_error("users:\n"
		     "  - id: a\n"
		     "    pipelnes: [x]\n",
		     3, 5,
		     "unknown key 'pipelnes' in tenant 'a' (did you mean "
		     "'pipelines'?)");
	expect_error("users:\n"
		     "  - id: a\n"
		     "    Platform: x\n",
		     3, 5,
		     "unknown key 'Platform' in tenant 'a' (did you mean "
		     "'platform'?)");
	expect_error("version: 1.0\n"
		     "user:\n"
		     "  - id: a\n",
		     2, 1,
		     "unknown key 'user' in the tenants file (did you mean "
		     "'users'?)");
	expect_error("users:\n"
		     "  - id: a\n"
		     "    refresh_token: abc\n",
		     3, 5,
		     "tenant 'a': 'refresh_token' looks like a credential; "
		     "put it under 'credentials:' so that baton keeps it "
		     "secret");
	expect_error("users:\n"
		     "  - id: a\n"
		     "    stats: {likes: 3}\n",
		     3, 12,
		     "tenant 'a': field 'stats' must be a single value (a "
		     "string, number or true/false), not a mapping; put "
		     "nested data under 'preferences'");
}

static void test_empty_list(void **state)
{
	struct diags d;
	struct tenants *t = NULL;
	char *msg;

	(void)state;
	msg = xasprintf("no tenants defined in %s/users.yaml", dir);
	expect_error("version: \"1.0\"\nusers: []\n", 2, 1, msg);
	expect_error("version: \"1.0\"\nusers:\n", 2, 1, msg);
	free(msg);
	msg = xasprintf("no tenants defined in %s/users.yaml (add a "
			"'users:' list)", dir);
	expect_error("version: \"1.0\"\n", 1, 1, msg);
	free(msg);
	/* A malformed file gives the YAML error. */
	diags_init(&d);
	assert_int_equal(load("users:\n  - id: [a\n", &t, &d), -1);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "invalid YAML"));
	diags_release(&d);
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("users:\n  - id: a\n    credentials: [x]\n", 3, 18,
		     "tenant 'a': 'credentials' must be a mapping of names "
		     "to values, not a list");
	expect_error("users:\n  - id: a\n    pipelines: {x: 1}\n", 3, 16,
		     "tenant 'a': 'pipelines' must be a list of pipeline "
		     "names, not a mapping");
	expect_error("users:\n  - id: a\n    credentials: {k: [1]}\n", 3, 22,
		     "tenant 'a' credential 'k' must be a string, not a "
		     "list");
	expect_error("users: {id: a}\n", 1, 8,
		     "'users' must be a list of tenants, not a mapping");
	expect_error("users:\n  - just a name\n", 2, 5,
		     "each tenant must be a mapping (id, name, platform, "
		     "credentials, pipelines), not a scalar");
	expect_error("users:\n  - id: \"a b\"\n", 2, 9,
		     "tenant 'a b': invalid tenant id 'a b' (use up to 128 "
		     "letters, digits, '.', '_', '-' and '@', not starting "
		     "with '.' or '-')");
	expect_error("users:\n  - platform: x\n", 2, 5,
		     "tenant #1 has no 'id' (nor a 'name' or 'page_id' to "
		     "make one from)");
	expect_error("users:\n  - id: a\n    page_id: \"1\"\n"
		     "    credentials: {page_id: \"1\"}\n",
		     3, 5,
		     "tenant 'a': credential 'page_id' is given twice, here "
		     "and under 'credentials' at line 4");
	expect_error("users:\n  - id: a\n    pipelines: [x, {name: x}]\n",
		     3, 27,
		     "tenant 'a' lists pipeline 'x' twice (first at line 3)");
	expect_error("version: \"2.0\"\nusers:\n  - id: a\n", 1, 10,
		     "unsupported version '2.0' (baton reads version 1.0)");
}

static void test_context(void **state)
{
	struct tenants *t = NULL;
	struct diags d;
	json_t *ctx;

	(void)state;
	diags_init(&d);
	assert_int_equal(load("users:\n"
			      "  - id: a\n"
			      "    name: Alpha\n"
			      "    platform: facebook\n"
			      "    credentials: {page_id: \"1\", token: t0k}\n"
			      "    tags: [x]\n"
			      "    followers: 10\n"
			      "  - id: b\n",
			      &t, &d),
			 0);
	ctx = tenant_context(&t->v[0]);
	assert_int_equal(json_object_size(ctx), 7);
	assert_string_equal(json_string_value(json_object_get(ctx, "id")),
			    "a");
	assert_string_equal(json_string_value(json_object_get(ctx, "name")),
			    "Alpha");
	assert_string_equal(
		json_string_value(json_object_get(ctx, "platform")),
		"facebook");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(ctx, "credentials"),
				    "token")),
			    "t0k");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(ctx, "tags"),
						 0)),
		"x");
	assert_true(json_is_object(json_object_get(ctx, "preferences")));
	assert_int_equal(
		json_integer_value(json_object_get(ctx, "followers")), 10);
	json_decref(ctx);
	/* The defaults: name is the id, platform null. */
	ctx = tenant_context(&t->v[1]);
	assert_string_equal(json_string_value(json_object_get(ctx, "name")),
			    "b");
	assert_true(json_is_null(json_object_get(ctx, "platform")));
	assert_int_equal(json_object_size(json_object_get(ctx, "credentials")),
			 0);
	json_decref(ctx);
	tenants_free(t);
	diags_release(&d);
}

static void test_secrets_and_match(void **state)
{
	static const char *const tags[] = {"nope", "x"};
	struct tenants *t = NULL;
	struct diags d;
	const char **s;
	size_t n;

	(void)state;
	diags_init(&d);
	assert_int_equal(load("users:\n"
			      "  - id: a\n"
			      "    platform: facebook\n"
			      "    tags: [x]\n"
			      "    credentials:\n"
			      "      short: abc\n"
			      "      long: abcdef\n"
			      "      again: abc\n"
			      "  - id: b\n"
			      "  - page_id: \"77\"\n"
			      "    access_token: tok\n",
			      &t, &d),
			 0);
	s = tenant_secrets(&t->v[0], &n);
	assert_int_equal(n, 2);
	assert_string_equal(s[0], "abcdef");
	assert_string_equal(s[1], "abc");
	free(s);
	s = tenant_secrets(&t->v[1], &n);
	assert_non_null(s);
	assert_int_equal(n, 0);
	free(s);
	/* A flat tenant's id is its page_id, which is then no secret. */
	s = tenant_secrets(&t->v[2], &n);
	assert_int_equal(n, 1);
	assert_string_equal(s[0], "tok");
	free(s);
	assert_true(tenant_matches(&t->v[0], NULL, NULL, 0));
	assert_true(tenant_matches(&t->v[0], "facebook", tags, 2));
	assert_false(tenant_matches(&t->v[0], "twitter", NULL, 0));
	assert_false(tenant_matches(&t->v[0], NULL, tags, 1));
	assert_false(tenant_matches(&t->v[1], "facebook", NULL, 0));
	tenants_free(t);
	diags_release(&d);
}

static void test_many_tenants(void **state)
{
	struct tenants *t = NULL;
	struct diags d;
	char *text = xstrdup("users:\n"), *next;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		next = xasprintf("%s  - {id: t%04d, platform: p}\n", text,
				 1999 - i);
		free(text);
		text = next;
	}
	diags_init(&d);
	assert_int_equal(load(text, &t, &d), 0);
	assert_int_equal(t->n, 2000);
	for (int i = 0; i < 2000; i += 97) {
		char id[16];

		snprintf(id, sizeof(id), "t%04d", i);
		assert_string_equal(tenants_find(t, id)->id, id);
	}
	assert_null(tenants_find(t, "t2000"));
	tenants_free(t);
	diags_release(&d);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seed_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_flat, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slug_id_and_extras, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_env_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_env, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_ids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_pipeline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_misspelled_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_list, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_types, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_and_match, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_tenants, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
