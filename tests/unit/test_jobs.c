/* Unit tests for src/jobs: seed 002's batch_config.json, the YAML form,
 * errors, filters, categories, user validation and job types. */
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
#include "jobs/jobs.h"
#include "jobs/jobs_int.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/timeutil.h"

/* Seed 002's "Batch Config Example with Multiple Jobs", as written. */
static const char seed[] =
	"{\n"
	"  \"batch_processing_jobs\": [\n"
	"    {\n"
	"      \"id\": \"bat_scheduled_job_20230415123045_a1b2c3d4\",\n"
	"      \"name\": \"Instagram Post Generation\",\n"
	"      \"description\": \"Generate Instagram post ideas for users with at least 1000 followers\",\n"
	"      \"type\": \"individual\",\n"
	"      \"priority\": \"medium\",\n"
	"      \"category\": \"users\",\n"
	"      \"template_id\": \"tpl_api_20230414153012_f7g8h9j0\",\n"
	"      \"schedule\": {\n"
	"        \"frequency\": \"weekly\",\n"
	"        \"days\": [\"Monday\"],\n"
	"        \"at\": \"01:00\"\n"
	"      },\n"
	"      \"filters\": {\n"
	"        \"min_followers\": 1000,\n"
	"        \"has_profile_pic\": true\n"
	"      },\n"
	"      \"limit\": 500,\n"
	"      \"retry_limit\": 3,\n"
	"      \"distribute_results\": true,\n"
	"      \"distribution\": {\n"
	"        \"users\": [\"admin_1\", \"content_manager_1\"]\n"
	"      },\n"
	"      \"purpose_id\": \"content_generation\"\n"
	"    },\n"
	"    {\n"
	"      \"id\": \"bat_scheduled_job_20230416091530_b2c3d4e5\",\n"
	"      \"name\": \"Etsy Product Analysis\",\n"
	"      \"description\": \"Analyze trending Etsy products with high engagement\",\n"
	"      \"type\": \"object\",\n"
	"      \"priority\": \"high\",\n"
	"      \"category\": \"etsy_products\",\n"
	"      \"template_id\": \"tpl_api_20230414160045_g7h8i9j0\",\n"
	"      \"schedule\": {\n"
	"        \"frequency\": \"weekly\",\n"
	"        \"days\": [\"Wednesday\"],\n"
	"        \"at\": \"02:00\"\n"
	"      },\n"
	"      \"filters\": {\n"
	"        \"min_likes\": 1000,\n"
	"        \"min_engagement\": 4.5\n"
	"      },\n"
	"      \"retry_limit\": 2,\n"
	"      \"distribute_results\": false,\n"
	"      \"purpose_id\": \"market_research\"\n"
	"    },\n"
	"    {\n"
	"      \"id\": \"bat_scheduled_job_20230417103000_c3d4e5f6\",\n"
	"      \"name\": \"Cross-Analysis of Audience and Niche\",\n"
	"      \"description\": \"Analyze correlations between audience preferences and niche topics\",\n"
	"      \"type\": \"combined\",\n"
	"      \"priority\": \"high\",\n"
	"      \"categories\": [\"audience\", \"niche\"],\n"
	"      \"template_id\": \"tpl_api_20230415143022_h8i9j0k1\",\n"
	"      \"schedule\": {\n"
	"        \"frequency\": \"monthly\",\n"
	"        \"day_of_month\": 15,\n"
	"        \"at\": \"05:00\"\n"
	"      },\n"
	"      \"filters\": {\n"
	"        \"audience\": {\n"
	"          \"min_size\": 1000,\n"
	"          \"active_last_days\": 30\n"
	"        },\n"
	"        \"niche\": {\n"
	"          \"min_engagement\": 5.0,\n"
	"          \"min_posts\": 100\n"
	"        }\n"
	"      },\n"
	"      \"retry_limit\": 1,\n"
	"      \"distribute_results\": true,\n"
	"      \"distribution\": {\n"
	"        \"users\": [\"marketing_manager\", \"strategy_director\"]\n"
	"      },\n"
	"      \"purpose_id\": \"marketing_strategy\"\n"
	"    }\n"
	"  ]\n"
	"}\n";

static const char users_yaml[] =
	"users:\n"
	"  - id: u1\n"
	"    platform: facebook\n"
	"    tags: [vip]\n"
	"    followers: 5000\n"
	"    profile_pic: true\n"
	"    credentials: {token: SECRET1}\n"
	"  - id: u2\n"
	"    platform: instagram\n"
	"    followers: 10\n"
	"    credentials: {token: SECRET2}\n"
	"  - id: u3\n"
	"    enabled: false\n"
	"    followers: 9000\n"
	"    preferences:\n"
	"      features: {posts: {enabled: true, frequency: daily}}\n"
	"  - id: u4\n"
	"    followers: 7000\n"
	"    preferences:\n"
	"      features: {posts: {enabled: false}}\n";

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_jobs.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return fs_remove_tree(dir);
}

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *slash = strrchr(path, '/');
	FILE *f;

	*slash = '\0';
	fs_mkdirs(path);
	*slash = '/';
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Loads jobs from text; asserts success. */
static struct jobs *load_ok(const char *text)
{
	struct jobs *js = NULL;
	struct diags d;

	diags_init(&d);
	if (jobs_load_string("jobs.yaml", text, strlen(text), &js, &d) < 0) {
		diags_print(&d, stderr, false);
		fail();
	}
	assert_int_equal(d.n, 0);
	diags_release(&d);
	return js;
}

/* Loads jobs from text expecting errors; returns them all joined as
 * "line:col: msg\n" lines (caller frees). */
static char *load_bad(const char *text)
{
	struct jobs *js = NULL;
	struct diags d;
	char *all = xstrdup("");

	diags_init(&d);
	assert_int_equal(jobs_load_string("jobs.yaml", text, strlen(text), &js,
					  &d), -1);
	assert_null(js);
	for (size_t i = 0; i < d.n; i++) {
		char *next = xasprintf("%s%d:%d: %s\n", all, d.v[i].line,
				       d.v[i].col, d.v[i].msg);

		free(all);
		all = next;
	}
	diags_release(&d);
	return all;
}

static void test_seed_loads(void **state)
{
	struct jobs *js = load_ok(seed);
	const struct job *a, *b, *c;

	(void)state;
	assert_int_equal(js->n, 3);
	a = &js->v[0];
	b = &js->v[1];
	c = &js->v[2];
	assert_string_equal(a->id, "bat_scheduled_job_20230415123045_a1b2c3d4");
	assert_string_equal(a->name, "Instagram Post Generation");
	assert_int_equal(a->type, JOB_INDIVIDUAL);
	assert_int_equal(a->priority, JOB_MEDIUM);
	assert_int_equal(a->ncategories, 1);
	assert_string_equal(a->categories[0].name, "users");
	assert_int_equal(a->categories[0].nfilters, 2);
	assert_int_equal(a->categories[0].filters[0].kind, JF_MIN);
	assert_string_equal(a->categories[0].filters[0].field, "followers");
	assert_int_equal(a->categories[0].filters[1].kind, JF_HAS);
	assert_true(a->categories[0].filters[1].flag);
	assert_int_equal(a->limit, 500);
	assert_int_equal(a->retry_limit, 3);
	assert_true(a->distribute_results);
	assert_int_equal(a->nusers, 2);
	assert_string_equal(a->users[1], "content_manager_1");
	assert_string_equal(a->purpose_id, "content_generation");
	assert_string_equal(json_string_value(json_object_get(a->schedule,
							      "frequency")),
			    "weekly");
	assert_int_equal(b->type, JOB_OBJECT);
	assert_int_equal(b->priority, JOB_HIGH);
	assert_int_equal(b->limit, 1000);
	assert_int_equal(b->retry_limit, 2);
	assert_false(b->distribute_results);
	assert_null(b->webhook);
	assert_int_equal(c->type, JOB_COMBINED);
	assert_int_equal(c->ncategories, 2);
	assert_string_equal(c->categories[1].name, "niche");
	/* Combined filters are nested per category. */
	assert_int_equal(c->categories[0].nfilters, 2);
	assert_int_equal(c->categories[0].filters[1].kind, JF_ACTIVE_DAYS);
	assert_int_equal(c->categories[1].nfilters, 2);
	assert_true(c->categories[1].filters[0].num == 5.0);
	assert_int_equal(c->retry_limit, 1);
	jobs_free(js);
}

static void test_yaml_and_preference(void **state)
{
	struct jobs *js = load_ok(
		"jobs:\n"
		"  - id: pref\n"
		"    name: Preference-Based Instagram Posts\n"
		"    type: preference\n"
		"    feature_type: instagram_posts\n"
		"    template_id: tpl\n"
		"    priority: critical\n"
		"    default_preferences:\n"
		"      frequency: weekly\n"
		"      template_overrides: {tone: casual}\n"
		"  - id: plain\n"
		"    name: Plain\n"
		"    type: object\n"
		"    category: niche\n"
		"    template_id: tpl\n"
		"    schedule: \"0 3 * * *\"\n"
		"    distribute_results: true\n"
		"    distribution: {users: [a], webhook: "
		"\"http://127.0.0.1:9/x\"}\n");
	char *s;

	(void)state;
	assert_int_equal(js->n, 2);
	assert_int_equal(js->v[0].type, JOB_INDIVIDUAL);
	assert_true(js->v[0].preference_based);
	assert_string_equal(js->v[0].type_name, "preference");
	assert_int_equal(js->v[0].priority, JOB_CRITICAL);
	assert_string_equal(js->v[0].categories[0].name, "users");
	assert_non_null(js->v[0].default_preferences);
	s = job_schedule_summary(&js->v[0]);
	assert_string_equal(s, "tenant preferences");
	free(s);
	s = job_schedule_summary(&js->v[1]);
	assert_string_equal(s, "0 3 * * *");
	free(s);
	assert_string_equal(js->v[1].webhook, "http://127.0.0.1:9/x");
	assert_ptr_equal(jobs_find(js, "plain"), &js->v[1]);
	assert_null(jobs_find(js, "nope"));
	jobs_free(js);
}

static void test_errors(void **state)
{
	char *e = load_bad(
		"jobs:\n"
		"  - id: a\n"
		"    name: A\n"
		"    type: individul\n"
		"    category: users\n"
		"    templat_id: tpl\n"
		"    filters: {min_followers: lots, tag: [x], "
		"created_after: yesterday}\n"
		"  - id: b\n"
		"    name: B\n"
		"    type: combined\n"
		"    categories: [audience, niche]\n"
		"    template_id: tpl\n"
		"    filters: {audiense: {min_size: 1}}\n"
		"    distribution: {webhook: \"https://x.example/\"}\n"
		"    priority: urgent\n"
		"  - id: b\n"
		"    name: B2\n"
		"    type: object\n"
		"    categories: [x, y]\n"
		"    template_id: tpl\n"
		"    preference_based: true\n");

	(void)state;
	assert_non_null(strstr(e, "4:11: job 'a': unknown type 'individul' "
			       "(did you mean 'individual'?)"));
	assert_non_null(strstr(e, "6:5: unknown key 'templat_id' in job 'a' "
			       "(did you mean 'template_id'?)"));
	assert_non_null(strstr(e, "job 'a' is missing required key "
			       "'template_id'"));
	assert_non_null(strstr(e, "13:15: job 'b': filters of a combined job "
			       "are per category, and 'audiense' is not one "
			       "of its categories (did you mean "
			       "'audience'?)"));
	assert_non_null(strstr(e, "only http:// URLs"));
	assert_non_null(strstr(e, "15:15: job 'b': unknown priority "
			       "'urgent'"));
	assert_non_null(strstr(e, "duplicate job id 'b' (first defined at "
			       "line 8)"));
	assert_non_null(strstr(e, "object jobs run over one category"));
	assert_non_null(strstr(e, "add 'feature_type'"));
	free(e);
	/* Filters are checked once the type and categories are sound. */
	e = load_bad("jobs:\n"
		     "  - {id: a, name: A, type: individual, category: users,\n"
		     "     template_id: t,\n"
		     "     filters: {min_followers: lots, tag: [x],\n"
		     "               created_after: yesterday, minposts: 3,\n"
		     "               has_pic: maybe}}\n");
	assert_non_null(strstr(e, "4:31: filter 'min_followers' must be a "
			       "number, not lots"));
	assert_non_null(strstr(e, "4:37: unknown filter 'tag' (did you mean "
			       "'tags'?)"));
	assert_non_null(strstr(e, "5:31: filter 'created_after' must be an "
			       "ISO 8601 date"));
	assert_non_null(strstr(e, "unknown filter 'minposts' (did you mean "
			       "'min_posts'?)"));
	assert_non_null(strstr(e, "'has_pic' must be true or false"));
	free(e);
	e = load_bad("batch_processing_jobs: {}\n");
	assert_non_null(strstr(e, "must be a list of jobs"));
	free(e);
	e = load_bad("batch_jobs: []\n");
	assert_non_null(strstr(e, "unknown key 'batch_jobs'"));
	free(e);
}

static void test_time(void **state)
{
	int64_t ms;
	json_t *v;

	(void)state;
	assert_int_equal(job_time_parse("2023-01-01", &ms), 0);
	assert_int_equal(ms, 1672531200000LL);
	assert_int_equal(job_time_parse("2023-01-01T10:00:00Z", &ms), 0);
	assert_int_equal(ms, 1672531200000LL + 36000000);
	assert_int_equal(job_time_parse("2023-01-01T10:00+02:00", &ms), 0);
	assert_int_equal(ms, 1672531200000LL + 28800000);
	assert_int_equal(job_time_parse("2023-01-01 00:00:01.5", &ms), 0);
	assert_int_equal(ms, 1672531201500LL);
	assert_int_equal(job_time_parse("2023-02-30", &ms), -1);
	assert_int_equal(job_time_parse("yesterday", &ms), -1);
	assert_int_equal(job_time_parse("2023-01-01T25:00", &ms), -1);
	v = json_integer(1672531200);
	assert_int_equal(job_time_of(v, &ms), 0);
	assert_int_equal(ms, 1672531200000LL);
	json_decref(v);
}

static json_t *jsonl(const char *name, const char *text, struct error *err)
{
	return job_jsonl_parse(name, text, strlen(text), err);
}

static void test_csv_jsonl(void **state)
{
	static const char csv[] =
		"id,size,name,tags\r\n"
		"a,10,\"Smith, J\",\"x;y\"\r\n"
		"\n"
		"b,2.5,\"say \"\"hi\"\"\",\r\n";
	struct error err = {0};
	json_t *v;

	(void)state;
	v = job_csv_parse("a.csv", csv, strlen(csv), &err);
	assert_non_null(v);
	assert_int_equal(json_array_size(v), 2);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(v, 0), "size")), 10);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(v, 0), "name")),
			    "Smith, J");
	assert_true(json_real_value(json_object_get(json_array_get(v, 1),
						    "size")) == 2.5);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(v, 1), "name")),
			    "say \"hi\"");
	assert_true(json_is_null(json_object_get(json_array_get(v, 1),
						 "tags")));
	json_decref(v);
	v = job_csv_parse("b.csv", "a,b\n1\n", 6, &err);
	assert_null(v);
	assert_string_equal(err.msg, "b.csv:2: this CSV record has 1 fields, "
				     "the header 2");
	v = jsonl("c.jsonl", "{\"a\":1}\n\n  \n{\"a\":2}\n", &err);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);
	v = jsonl("d.jsonl", "{\"a\":1}\n{oops}\n", &err);
	assert_null(v);
	assert_non_null(strstr(err.msg, "d.jsonl:2:"));
	v = jsonl("e.jsonl", "\n [{\"a\":1},{\"a\":2}]", &err);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);
}

/* A project with sources, pipelines/tpl.yaml and users.yaml. */
static void make_project(struct project **p, struct tenants **t)
{
	struct diags d;

	write_file("pipelines/tpl.yaml", "steps:\n  - name: a\n    run: "
					 "\"true\"\n");
	write_file("users.yaml", users_yaml);
	write_file("data/items.json",
		   "[{\"id\": \"i1\", \"likes\": 5, \"tags\": [\"x\"],"
		   "  \"created_at\": \"2023-03-01\", \"owner\": \"\"},\n"
		   " {\"id\": \"i2\", \"likes\": \"50\", \"tags\": \"y, z\","
		   "  \"created_at\": \"2023-06-01T12:00:00Z\", \"owner\": "
		   "\"u1\"},\n"
		   " {\"id\": \"i3\", \"likes\": 500, \"created_at\": "
		   "1700000000, \"user_id\": \"u2\"},\n"
		   " {\"id\": \"i4\", \"likes\": 5000, \"user_id\": \"ghost\"},\n"
		   " {\"id\": \"i5\", \"likes\": 7, \"user_ids\": [\"u1\", "
		   "\"nobody\"], \"member_ids\": \"u2;u9\"}]\n");
	write_file("data/members.csv", "id,name\nu1,One\nx9,Nine\n");
	write_file("baton.yaml",
		   "sources:\n"
		   "  items: {file: data/items.json}\n"
		   "  pruned: {file: data/items.json, unknown_users: prune}\n"
		   "  members: {file: data/members.csv, kind: users}\n"
		   "  vip: {tenants: {tags: [vip]}}\n"
		   "  lines: {command: \"printf '{\\\"id\\\":1}\\\\n"
		   "{\\\"id\\\":2}\\\\n'\"}\n"
		   "  broken: {command: \"echo nope; exit 3\"}\n"
		   "  slow: {command: \"sleep 5\", timeout: 200ms}\n");
	diags_init(&d);
	if (project_open(dir, p, &d) < 0 || d.n) {
		diags_print(&d, stderr, false);
		fail();
	}
	*t = NULL;
	{
		char *path = xasprintf("%s/users.yaml", dir);

		assert_int_equal(tenants_load(path, t, &d), 0);
		free(path);
	}
	diags_release(&d);
}

/* Loads one job from YAML text and selects its items. */
static int select_one(const struct project *p, const struct tenants *t,
		      const char *job_yaml, struct jobs **js,
		      struct job_selection *sel, struct error *err)
{
	*js = load_ok(job_yaml);
	return job_select(&(*js)->v[0], p, t, sel, err);
}

static void done(struct job_selection *sel, struct jobs *js)
{
	job_selection_release(sel);
	jobs_free(js);
}

static const char *item_id(const struct job_set *s, size_t i)
{
	return json_string_value(json_object_get(s->v[i].data, "id"));
}

static void test_filters(void **state)
{
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct job_selection sel;
	struct error err = {0};

	(void)state;
	make_project(&p, &t);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl, filters: {min_likes: 6, max_likes: 1000}}]",
		&js, &sel, &err), 0);
	/* i4 is dropped (ghost), i5 too (nobody, u9); "50" reads as 50. */
	assert_int_equal(sel.sets[0].n, 2);
	assert_string_equal(item_id(&sel.sets[0], 0), "i2");
	assert_string_equal(item_id(&sel.sets[0], 1), "i3");
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl, filters: {tags: [z, x]}}]",
		&js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 2);	/* i1 (array), i2 (text) */
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl, filters: {created_after: \"2023-03-01\","
		" created_before: \"2023-11-14T22:13:21Z\"}}]",
		&js, &sel, &err), 0);
	/* i1 at the bound (kept), i2, not i3 (1700000000 = 22:13:20Z is
	 * before the bound... kept too). */
	assert_int_equal(sel.sets[0].n, 3);
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl, filters: {has_owner: true}}]",
		&js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 1);	/* "" is not having one */
	assert_string_equal(item_id(&sel.sets[0], 0), "i2");
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl, limit: 3, filters: {max_items: 1}}]",
		&js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 1);
	assert_int_equal(sel.stats.limited, 2);
	done(&sel, js);
	tenants_free(t);
	project_free(p);
}

static void test_tenant_categories(void **state)
{
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct job_selection sel;
	struct error err = {0};
	json_t *it;
	char *text;

	(void)state;
	make_project(&p, &t);
	/* Seed 002's first job: enabled tenants with >= 1000 followers
	 * and a profile picture. */
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: users,"
		" template_id: tpl, filters: {min_followers: 1000,"
		" has_profile_pic: true}}]", &js, &sel, &err), 0);
	assert_int_equal(sel.stats.total_items, 3);	/* u3 is disabled */
	assert_int_equal(sel.sets[0].n, 1);
	it = sel.sets[0].v[0].data;
	assert_string_equal(item_id(&sel.sets[0], 0), "u1");
	assert_ptr_equal(sel.sets[0].v[0].tenant, tenants_find(t, "u1"));
	assert_string_equal(json_string_value(json_object_get(it, "platform")),
			    "facebook");
	assert_null(json_object_get(it, "credentials"));
	text = json_dumps(it, 0);
	assert_null(strstr(text, "SECRET"));
	free(text);
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: object, category: vip,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 1);
	done(&sel, js);
	/* Preference-based: u4 turned the feature off. */
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: preference, feature_type: posts,"
		" template_id: tpl, default_preferences: {frequency: weekly}}]",
		&js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(sel.sets[0].v[0].data,
						    "preferences"),
				    "frequency")),
			    "weekly");
	done(&sel, js);
	tenants_free(t);
	project_free(p);
}

static void test_validation(void **state)
{
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct job_selection sel;
	struct error err = {0};
	json_t *st, *ids;

	(void)state;
	make_project(&p, &t);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	st = job_stats_json(&sel.stats);
	assert_int_equal(json_integer_value(json_object_get(st,
							    "total_items")), 5);
	assert_int_equal(json_integer_value(json_object_get(st,
							    "valid_items")), 3);
	assert_int_equal(json_integer_value(json_object_get(
				 st, "dropped_items")), 2);
	ids = json_object_get(st, "unknown_user_refs");
	assert_int_equal(json_array_size(ids), 3);
	assert_string_equal(json_string_value(json_array_get(ids, 0)),
			    "ghost");
	assert_string_equal(json_string_value(json_array_get(ids, 2)), "u9");
	json_decref(st);
	done(&sel, js);
	/* unknown_users: prune keeps i5 with its valid references. */
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: pruned,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 4);
	assert_int_equal(sel.stats.pruned_refs, 2);
	ids = json_object_get(sel.sets[0].v[3].data, "member_ids");
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), "u2");
	done(&sel, js);
	/* kind: users: each item is a user (seed's user batch). */
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: object, category: members,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 1);
	assert_int_equal(sel.stats.dropped_items, 1);
	done(&sel, js);
	/* Without a tenants file no user is known. */
	assert_int_equal(select_one(p, NULL,
		"jobs: [{id: j, name: J, type: object, category: items,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 2);	/* i1, i2: no references */
	done(&sel, js);
	tenants_free(t);
	project_free(p);
}

static void test_commands(void **state)
{
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct job_selection sel;
	struct error err = {0};
	int64_t t0;

	(void)state;
	make_project(&p, &t);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: object, category: lines,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	assert_int_equal(sel.sets[0].n, 2);
	done(&sel, js);
	assert_true(select_one(p, t,
		"jobs: [{id: j, name: J, type: object, category: broken,"
		" template_id: tpl}]", &js, &sel, &err) < 0);
	assert_string_equal(err.msg, "source 'broken': the command exited "
				     "with status 3");
	jobs_free(js);
	t0 = time_mono_ms();
	assert_true(select_one(p, t,
		"jobs: [{id: j, name: J, type: object, category: slow,"
		" template_id: tpl}]", &js, &sel, &err) < 0);
	assert_true(time_mono_ms() - t0 < 3000);
	assert_non_null(strstr(err.msg, "did not finish within"));
	jobs_free(js);
	tenants_free(t);
	project_free(p);
}

static void test_plan(void **state)
{
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct job_selection sel;
	struct error err = {0};
	struct job_run *runs;
	size_t n;

	(void)state;
	make_project(&p, &t);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: users,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	job_plan(&js->v[0], &sel, &runs, &n);
	assert_int_equal(n, 3);
	assert_ptr_equal(runs[1].tenant, tenants_find(t, "u2"));
	assert_string_equal(runs[1].label, "tenant 'u2'");
	assert_true(json_is_object(runs[1].input));
	job_runs_free(runs, n);
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: object, category: items,"
		" template_id: tpl}]", &js, &sel, &err), 0);
	job_plan(&js->v[0], &sel, &runs, &n);
	assert_int_equal(n, 1);
	assert_null(runs[0].tenant);
	assert_int_equal(json_array_size(runs[0].input), 3);
	assert_string_equal(runs[0].label, "3 items of items");
	job_runs_free(runs, n);
	done(&sel, js);
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: combined, categories: [vip, "
		"lines], template_id: tpl, filters: {lines: {min_id: 2}}}]",
		&js, &sel, &err), 0);
	job_plan(&js->v[0], &sel, &runs, &n);
	assert_int_equal(n, 1);
	assert_int_equal(json_array_size(json_object_get(runs[0].input,
							 "vip")), 1);
	assert_int_equal(json_array_size(json_object_get(runs[0].input,
							 "lines")), 1);
	job_runs_free(runs, n);
	done(&sel, js);
	/* An individual job over nothing makes no run. */
	assert_int_equal(select_one(p, t,
		"jobs: [{id: j, name: J, type: individual, category: items,"
		" template_id: tpl, filters: {min_likes: 1e9}}]",
		&js, &sel, &err), 0);
	job_plan(&js->v[0], &sel, &runs, &n);
	assert_int_equal(n, 0);
	job_runs_free(runs, n);
	done(&sel, js);
	tenants_free(t);
	project_free(p);
}

static void test_check(void **state)
{
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct diags d;

	(void)state;
	make_project(&p, &t);
	js = load_ok("jobs:\n"
		     "  - {id: j, name: J, type: combined, template_id: tlp,\n"
		     "     categories: [users, itemz, nothing_like_it]}\n");
	diags_init(&d);
	assert_int_equal(job_check(&js->v[0], "jobs.yaml", p, t, &d), -1);
	assert_int_equal(d.n, 3);
	assert_non_null(strstr(d.v[0].msg, "unknown template 'tlp'"));
	assert_non_null(strstr(d.v[0].msg, "(did you mean 'tpl'?)"));
	assert_int_equal(d.v[1].line, 3);
	assert_int_equal(d.v[1].col, 26);
	assert_non_null(strstr(d.v[1].msg, "unknown category 'itemz' (did "
				       "you mean 'items'?)"));
	assert_null(strstr(d.v[2].msg, "did you mean"));
	diags_release(&d);
	/* A tenant category needs a tenants file. */
	diags_init(&d);
	assert_int_equal(job_check(&js->v[0], "jobs.yaml", p, NULL, &d), -1);
	assert_non_null(strstr(d.v[1].msg, "no tenants file"));
	diags_release(&d);
	jobs_free(js);
	tenants_free(t);
	project_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_loads),
		cmocka_unit_test(test_yaml_and_preference),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_csv_jsonl),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_categories, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
