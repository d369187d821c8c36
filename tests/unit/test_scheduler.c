/* test_scheduler.c - what the scheduler schedules (src/scheduler/plan.c):
 * the tenants a scheduled pipeline runs for, job schedules, and the
 * groups of a preference-based job's tenants, with their merged
 * preferences and template_overrides as params. */
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
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "sched/sched.h"
#include "scheduler/scheduler_int.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/fs.h"

static const char users[] =
	"version: \"1.0\"\n"
	"users:\n"
	"  - id: t1\n"
	"    pipelines: [{name: nightly, enabled: true}]\n"
	"    preferences:\n"
	"      features:\n"
	"        posts:\n"
	"          preferred_time: \"09:00\"\n"
	"          template_overrides: {tone: professional, extra: 1}\n"
	"  - id: t2\n"
	"    pipelines: [{name: Nightly report, enabled: true}]\n"
	"  - id: t3\n"
	"    pipelines: [{name: nightly, enabled: false}]\n"
	"    preferences:\n"
	"      posts: {frequency: weekly, preferred_day: [Thursday, monday],\n"
	"              preferred_time: \"10:00\", timezone: Europe/Paris}\n"
	"  - id: t4\n"
	"    enabled: false\n"
	"    pipelines: [nightly]\n"
	"  - id: t5\n"
	"    preferences:\n"
	"      features:\n"
	"        posts: {enabled: false}\n"
	"  - id: t6\n"
	"    preferences:\n"
	"      features:\n"
	"        posts: {frequency: monthly, preferred_day: \"15\",\n"
	"                preferred_time: \"05:00\"}\n"
	"  - id: t7\n"
	"    preferences:\n"
	"      features:\n"
	"        posts: {frequency: daily, preferred_time: \"25:00\"}\n"
	"  - id: t8\n"
	"    preferences:\n"
	"      features:\n"
	"        posts: {frequency: hourly, preferred_time: \"00:45\"}\n";

static const char jobs_text[] =
	"jobs:\n"
	"  - id: posts\n"
	"    name: Posts\n"
	"    type: preference\n"
	"    feature_type: posts\n"
	"    template_id: post\n"
	"    priority: high\n"
	"    overlap: queue\n"
	"    default_preferences:\n"
	"      frequency: daily\n"
	"      preferred_time: \"08:00\"\n"
	"      template_overrides: {tone: casual, length: short}\n"
	"  - id: report\n"
	"    name: Report\n"
	"    type: object\n"
	"    category: users\n"
	"    template_id: nowhere\n"
	"    schedule: \"30 6 * * MON\"\n"
	"    catch_up: all\n"
	"  - id: manual\n"
	"    name: Manual\n"
	"    type: object\n"
	"    category: users\n"
	"    template_id: post\n";

struct fix {
	char dir[64];
	struct project *p;
	struct tenants *t;
	struct jobs *js;
	struct plan *pl;
	int holds, drops;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void hold(void *arg, void *owner)
{
	(void)owner;
	((struct fix *)arg)->holds++;
}

static void drop(void *arg, void *owner)
{
	(void)owner;
	((struct fix *)arg)->drops++;
}

static struct scheduler_config cfg;

static int setup(void **state)
{
	struct fix *x = xcalloc(1, sizeof(*x));
	struct scheduler_world w;
	char *pipes, *file;
	struct diags d;

	snprintf(x->dir, sizeof(x->dir), "/tmp/baton-plan-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	pipes = xasprintf("%s/pipelines", x->dir);
	assert_int_equal(fs_mkdirs(pipes), 0);
	write_file(pipes, "nightly.yaml",
		   "name: Nightly report\n"
		   "schedule: {cron: \"0 3 * * *\", timezone: UTC}\n"
		   "overlap: allow\npriority: low\n"
		   "steps: [{name: s, run: echo}]\n");
	write_file(pipes, "post.yaml",
		   "params: {tone: neutral, length: medium}\n"
		   "steps: [{name: s, run: \"echo {{ params.tone }}\"}]\n");
	write_file(x->dir, "users.yaml", users);
	diags_init(&d);
	assert_int_equal(project_open(x->dir, &x->p, &d), 0);
	file = xasprintf("%s/users.yaml", x->dir);
	assert_int_equal(tenants_load(file, &x->t, &d), 0);
	assert_int_equal(jobs_load_string("jobs.yaml", jobs_text,
					  sizeof(jobs_text) - 1, &x->js, &d),
			 0);
	if (d.n)
		diags_print(&d, stderr, false);
	assert_int_equal(d.n, 0);
	diags_release(&d);
	cfg = (struct scheduler_config){.hold = hold, .drop = drop, .arg = x};
	w = (struct scheduler_world){x->p, x->t, x->js, x};
	x->pl = plan_build(&w, &cfg);
	free(file);
	free(pipes);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fix *x = *state;

	plan_unref(x->pl);
	assert_int_equal(x->holds, 1);
	assert_int_equal(x->drops, 1);
	jobs_free(x->js);
	tenants_free(x->t);
	project_free(x->p);
	fs_remove_tree(x->dir);
	free(x);
	return 0;
}

static const struct plan_item *item(const struct fix *x, const char *id)
{
	for (size_t i = 0; i < x->pl->n; i++)
		if (!strcmp(x->pl->v[i].id, id))
			return &x->pl->v[i];
	fail_msg("no schedule '%s'", id);
	return NULL;
}

static void members(const struct plan_item *it, const char *want)
{
	char got[256] = "";

	for (size_t i = 0; i < it->ntenants; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? " " : "", it->tenants[i]->id);
	assert_string_equal(got, want);
}

static void describes(const struct plan_item *it, const char *want)
{
	char *words = schedule_describe(it->fe.s);

	assert_string_equal(words, want);
	free(words);
}

static void test_items(void **state)
{
	struct fix *x = *state;
	const char *ids[] = {
		"nightly", "posts@daily-09:00", "posts@daily-08:00",
		"posts@weekly-thu+mon-10:00-Europe/Paris",
		"posts@monthly-15-05:00", "posts@hourly-:45", "report",
	};

	/* In order: pipelines, then jobs in file order, groups in the
	 * order their first tenant comes; the manual job is not here. */
	assert_int_equal(x->pl->n, sizeof(ids) / sizeof(*ids));
	for (size_t i = 0; i < x->pl->n; i++) {
		assert_string_equal(x->pl->v[i].id, ids[i]);
		assert_ptr_equal(x->pl->v[i].fe.data, &x->pl->v[i]);
		assert_ptr_equal(x->pl->v[i].plan, x->pl);
	}
}

static void test_pipeline_tenants(void **state)
{
	const struct plan_item *it = item(*state, "nightly");

	assert_string_equal(it->fe.kind, "pipeline");
	/* By id or display name; not disabled tenants or pipelines. */
	members(it, "t1 t2");
	assert_int_equal(it->fe.policy.overlap, OVERLAP_ALLOW);
	assert_int_equal(it->fe.policy.priority, PRIO_LOW);
	assert_null(it->job);
	assert_string_equal(it->p->id, "nightly");
}

static void test_preference_groups(void **state)
{
	struct fix *x = *state;
	const struct plan_item *it = item(x, "posts@daily-09:00");

	assert_string_equal(it->fe.kind, "job");
	assert_true(it->pref);
	assert_string_equal(it->job->id, "posts");
	assert_string_equal(it->p->id, "post");
	assert_int_equal(it->fe.policy.priority, PRIO_HIGH);
	assert_int_equal(it->fe.policy.overlap, OVERLAP_QUEUE);
	describes(it, "every day at 09:00 (UTC)");
	members(it, "t1");
	/* The defaults fill in what the tenant does not say. */
	it = item(x, "posts@daily-08:00");
	members(it, "t2");
}

static void test_group_schedules(void **state)
{
	struct fix *x = *state;

	describes(item(x, "posts@weekly-thu+mon-10:00-Europe/Paris"),
		  "every Monday and Thursday at 10:00 (Europe/Paris)");
	members(item(x, "posts@weekly-thu+mon-10:00-Europe/Paris"), "t3");
	/* A day of the month written as text. */
	describes(item(x, "posts@monthly-15-05:00"),
		  "on the 15th of every month at 05:00 (UTC)");
	/* Hourly: the minutes of preferred_time. */
	describes(item(x, "posts@hourly-:45"),
		  "every hour at minute 45 (UTC)");
	members(item(x, "posts@hourly-:45"), "t8");
}

static void test_overrides_become_params(void **state)
{
	struct fix *x = *state;
	const struct plan_item *it = item(x, "posts@daily-09:00");
	struct kv *v;
	size_t n;

	/* Merged key by key with the defaults; undeclared keys dropped. */
	v = plan_params(it->p, it->overrides[0], &n);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].key, "tone"))
			assert_string_equal(v[i].val, "professional");
		else
			assert_string_equal(v[i].key, "length"),
				assert_string_equal(v[i].val, "short");
	}
	kv_list_free(v, n);
}

static void test_job_schedule_and_problem(void **state)
{
	const struct plan_item *it = item(*state, "report");

	assert_false(it->pref);
	assert_int_equal(it->fe.policy.catch_up, CATCH_UP_ALL);
	describes(it, "every Monday at 06:30 (UTC)");
	assert_null(it->p);
	assert_string_equal(it->problem,
			    "template 'nowhere' is not a pipeline of the "
			    "project");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_items),
		T(test_pipeline_tenants),
		T(test_preference_groups),
		T(test_group_schedules),
		T(test_overrides_become_params),
		T(test_job_schedule_and_problem),
	};

	/* The server's zone would vary from machine to machine. */
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
