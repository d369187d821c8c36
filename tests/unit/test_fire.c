/* test_fire.c - the firer (src/sched/fire.h) on made-up clocks: fires
 * on time and once, a restart in the middle of a fire, each catch-up
 * and overlap policy, a changed or removed schedule, the policies as
 * written in YAML, the aging bound of scheduled runs, and one short
 * real-time check of the loop's timer and lag. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "sched/fire.h"
#include "sched/prioq.h"
#include "sched/sched.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/timeutil.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* What the fake launcher saw. */
struct shot {
	char id[64];
	int64_t due;
	int64_t at;
	bool late;
};

struct fix {
	char dir[64];
	char *path;
	struct store *st;
	struct firer *f;
	struct schedule *daily;		/* 0 3 * * * UTC */
	struct schedule *minutely;	/* * * * * * UTC */
	struct shot shots[64];
	size_t nshots;
	int nruns;			/* runs each launch makes */
	int fail;			/* launches to fail, as a crash would */
	bool stop_after_one;		/* firer_stop() from the launcher */
};

static int64_t at(const char *rfc3339)
{
	int64_t ms = 0;

	assert_int_equal(sched_time_parse(rfc3339, &ms), 0);
	return ms;
}

/* The launcher: records the fire and its state in the same store, as
 * the real one does in the run's transaction. */
static int launch(void *arg, struct fire *fi, int *nruns)
{
	struct fix *x = arg;
	struct shot *s = &x->shots[x->nshots];

	if (x->fail > 0) {
		x->fail--;
		return -ECANCELED;
	}
	assert_true(x->nshots < 64);
	snprintf(s->id, sizeof(s->id), "%s", fi->entry->id);
	s->due = fi->due_ms;
	s->at = fi->at_ms;
	s->late = fi->late;
	x->nshots++;
	snprintf(fi->batch, sizeof(fi->batch), "bat_schedule_%zu", x->nshots);
	fi->rec->last_batch = fi->batch;
	assert_int_equal(store_schedule_put(x->st, fi->rec), 0);
	*nruns = x->nruns;
	if (x->stop_after_one)
		firer_stop(x->f);
	return 0;
}

static struct firer *new_firer(struct fix *x, int64_t offset)
{
	struct fire_ops ops = {.launch = launch, .arg = x};
	struct firer *f = firer_new(x->st, &ops, offset);

	assert_non_null(f);
	return f;
}

static int setup(void **state)
{
	struct fix *x = xcalloc(1, sizeof(*x));
	struct error err = {0};

	snprintf(x->dir, sizeof(x->dir), "/tmp/baton-fire-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	x->path = xasprintf("%s/state.db", x->dir);
	assert_int_equal(store_open(x->path, &x->st, &err), 0);
	assert_int_equal(schedule_parse_string("0 3 * * *", "UTC", &x->daily,
					       &err), 0);
	assert_int_equal(schedule_parse_string("* * * * *", "UTC",
					       &x->minutely, &err), 0);
	x->nruns = 1;
	x->f = new_firer(x, 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fix *x = *state;

	firer_free(x->f);
	store_free(x->st);
	schedule_free(x->daily);
	schedule_free(x->minutely);
	fs_remove_tree(x->dir);
	free(x->path);
	free(x);
	return 0;
}

static void set_one(struct fix *x, const char *id, const struct schedule *s,
		    const struct fire_policy *p)
{
	struct fire_entry e = {.kind = "pipeline", .id = id, .s = s};

	if (p)
		e.policy = *p;
	else
		fire_policy_init(&e.policy);
	firer_set(x->f, &e, 1, NULL, NULL);
}

/* The crash: the firer goes away without a word; a new process opens
 * the same store. */
static void restart(struct fix *x)
{
	firer_free(x->f);
	x->f = new_firer(x, 0);
}

static void stored(struct fix *x, const char *id, struct schedule_rec *out)
{
	assert_int_equal(store_schedule_get(x->st, "pipeline", id, out), 0);
}

static void test_fires_on_time_once(void **state)
{
	struct fix *x = *state;
	struct schedule_rec r;
	int64_t t0 = at("2026-03-01T00:00:00Z");

	set_one(x, "nightly", x->daily, NULL);
	/* Seen for the first time: the next fire is remembered at once. */
	assert_int_equal(firer_tick(x->f, t0), at("2026-03-01T03:00:00Z"));
	assert_int_equal(x->nshots, 0);
	stored(x, "nightly", &r);
	assert_int_equal(r.next_fire_at, at("2026-03-01T03:00:00Z"));
	assert_int_equal(r.fires, 0);
	schedule_rec_release(&r);

	assert_int_equal(firer_tick(x->f, at("2026-03-01T02:59:59.999Z")),
			 at("2026-03-01T03:00:00Z"));
	assert_int_equal(x->nshots, 0);
	assert_int_equal(firer_tick(x->f, at("2026-03-01T03:00:00.004Z")),
			 at("2026-03-02T03:00:00Z"));
	assert_int_equal(x->nshots, 1);
	assert_string_equal(x->shots[0].id, "nightly");
	assert_int_equal(x->shots[0].due, at("2026-03-01T03:00:00Z"));
	assert_false(x->shots[0].late);
	firer_run_ended(x->f, "pipeline", "nightly");
	/* Ticking again at once, or a bit later, fires nothing more. */
	firer_tick(x->f, at("2026-03-01T03:00:00.004Z"));
	firer_tick(x->f, at("2026-03-01T03:00:30Z"));
	assert_int_equal(x->nshots, 1);
	stored(x, "nightly", &r);
	assert_int_equal(r.last_fire_at, at("2026-03-01T03:00:00Z"));
	assert_int_equal(r.next_fire_at, at("2026-03-02T03:00:00Z"));
	assert_int_equal(r.fires, 1);
	assert_string_equal(r.last_batch, "bat_schedule_1");
	assert_string_equal(r.expr, "every day at 03:00 (UTC)");
	schedule_rec_release(&r);
}

/* Killed just after the fire was recorded (its runs going): the new
 * process does not fire it again, and fires the next one. */
static void test_restart_after_fire_no_double(void **state)
{
	struct fix *x = *state;

	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T00:00:00Z"));
	firer_tick(x->f, at("2026-03-01T03:00:00.010Z"));
	assert_int_equal(x->nshots, 1);
	restart(x);
	set_one(x, "nightly", x->daily, NULL);
	assert_int_equal(firer_tick(x->f, at("2026-03-01T03:00:02Z")),
			 at("2026-03-02T03:00:00Z"));
	assert_int_equal(x->nshots, 1);
	firer_tick(x->f, at("2026-03-02T03:00:00.001Z"));
	assert_int_equal(x->nshots, 2);
	assert_int_equal(x->shots[1].due, at("2026-03-02T03:00:00Z"));
}

/* Killed in the middle of a fire, before its transaction committed:
 * nothing of it exists, so the new process makes it, once. */
static void test_restart_during_fire_fires_once(void **state)
{
	struct fix *x = *state;

	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T00:00:00Z"));
	x->fail = 1;
	firer_tick(x->f, at("2026-03-01T03:00:00.010Z"));
	assert_int_equal(x->nshots, 0);
	restart(x);
	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T03:00:05Z"));
	assert_int_equal(x->nshots, 1);
	assert_int_equal(x->shots[0].due, at("2026-03-01T03:00:00Z"));
	assert_false(x->shots[0].late);
	firer_tick(x->f, at("2026-03-01T03:00:06Z"));
	restart(x);
	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T03:00:07Z"));
	assert_int_equal(x->nshots, 1);
}

/* Down from Mar 1 00:00 to Mar 5 12:00: five nightly fires missed. */
static void down_five_days(struct fix *x, const struct fire_policy *p)
{
	set_one(x, "nightly", x->daily, p);
	firer_tick(x->f, at("2026-03-01T00:00:00Z"));
	restart(x);
	set_one(x, "nightly", x->daily, p);
	assert_int_equal(firer_tick(x->f, at("2026-03-05T12:00:00Z")),
			 at("2026-03-06T03:00:00Z"));
}

static void test_catch_up_skip(void **state)
{
	struct fix *x = *state;
	struct schedule_rec r;

	down_five_days(x, NULL);
	assert_int_equal(x->nshots, 0);
	stored(x, "nightly", &r);
	assert_int_equal(r.skipped, 5);
	assert_int_equal(r.next_fire_at, at("2026-03-06T03:00:00Z"));
	schedule_rec_release(&r);
	/* Not forgotten: counted, and the schedule goes on. */
	firer_tick(x->f, at("2026-03-06T03:00:00Z"));
	assert_int_equal(x->nshots, 1);
}

static void test_catch_up_latest(void **state)
{
	struct fix *x = *state;
	struct fire_policy p;
	struct schedule_rec r;

	fire_policy_init(&p);
	p.catch_up = CATCH_UP_LATEST;
	down_five_days(x, &p);
	assert_int_equal(x->nshots, 1);
	assert_int_equal(x->shots[0].due, at("2026-03-05T03:00:00Z"));
	assert_true(x->shots[0].late);
	assert_int_equal(x->shots[0].at, at("2026-03-05T12:00:00Z"));
	stored(x, "nightly", &r);
	assert_int_equal(r.skipped, 4);
	assert_int_equal(r.last_fire_at, at("2026-03-05T03:00:00Z"));
	schedule_rec_release(&r);
}

static void test_catch_up_all_capped_in_order(void **state)
{
	struct fix *x = *state;
	struct fire_policy p;
	struct schedule_rec r;

	fire_policy_init(&p);
	p.catch_up = CATCH_UP_ALL;
	p.catch_up_max = 3;
	down_five_days(x, &p);
	/* The 3 latest, one after the other: the first now, the next when
	 * its run has ended. */
	assert_int_equal(x->nshots, 1);
	assert_int_equal(x->shots[0].due, at("2026-03-03T03:00:00Z"));
	stored(x, "nightly", &r);
	/* A crash now would start again from the first not yet fired. */
	assert_int_equal(r.next_fire_at, at("2026-03-04T03:00:00Z"));
	assert_int_equal(r.skipped, 2);
	schedule_rec_release(&r);
	firer_run_ended(x->f, "pipeline", "nightly");
	firer_tick(x->f, at("2026-03-05T12:00:10Z"));
	assert_int_equal(x->nshots, 2);
	assert_int_equal(x->shots[1].due, at("2026-03-04T03:00:00Z"));
	firer_run_ended(x->f, "pipeline", "nightly");
	firer_tick(x->f, at("2026-03-05T12:00:20Z"));
	assert_int_equal(x->nshots, 3);
	assert_int_equal(x->shots[2].due, at("2026-03-05T03:00:00Z"));
	assert_true(x->shots[2].late);
	firer_run_ended(x->f, "pipeline", "nightly");
	firer_tick(x->f, at("2026-03-05T12:00:30Z"));
	assert_int_equal(x->nshots, 3);
	stored(x, "nightly", &r);
	assert_int_equal(r.next_fire_at, at("2026-03-06T03:00:00Z"));
	assert_int_equal(r.fires, 3);
	schedule_rec_release(&r);
}

/* Fires that make no run do not wait for each other. */
static void test_catch_up_all_without_runs(void **state)
{
	struct fix *x = *state;
	struct fire_policy p;

	fire_policy_init(&p);
	p.catch_up = CATCH_UP_ALL;
	x->nruns = 0;
	down_five_days(x, &p);
	assert_int_equal(x->nshots, 5);
	for (size_t i = 1; i < 5; i++)
		assert_true(x->shots[i].due > x->shots[i - 1].due);
}

/* A restart within the grace minute is not downtime: the fire is on
 * time, whatever the catch-up policy. */
static void test_restart_within_grace(void **state)
{
	struct fix *x = *state;

	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T02:59:00Z"));
	restart(x);
	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T03:00:45Z"));
	assert_int_equal(x->nshots, 1);
	assert_false(x->shots[0].late);
}

/* Every minute; the run of 00:01 is still going at 00:02. */
static void overlap_case(struct fix *x, enum overlap o)
{
	struct fire_policy p;

	fire_policy_init(&p);
	p.overlap = o;
	set_one(x, "minutely", x->minutely, &p);
	firer_tick(x->f, at("2026-03-01T00:00:30Z"));
	firer_tick(x->f, at("2026-03-01T00:01:00Z"));
	assert_int_equal(x->nshots, 1);
	firer_tick(x->f, at("2026-03-01T00:02:00Z"));
}

static void test_overlap_skip(void **state)
{
	struct fix *x = *state;
	struct schedule_rec r;

	overlap_case(x, OVERLAP_SKIP);
	assert_int_equal(x->nshots, 1);
	firer_run_ended(x->f, "pipeline", "minutely");
	firer_tick(x->f, at("2026-03-01T00:02:10Z"));
	assert_int_equal(x->nshots, 1);
	firer_tick(x->f, at("2026-03-01T00:03:00Z"));
	assert_int_equal(x->nshots, 2);
	assert_int_equal(x->shots[1].due, at("2026-03-01T00:03:00Z"));
	stored(x, "minutely", &r);
	assert_int_equal(r.skipped, 1);
	schedule_rec_release(&r);
}

static void test_overlap_queue(void **state)
{
	struct fix *x = *state;

	overlap_case(x, OVERLAP_QUEUE);
	assert_int_equal(x->nshots, 1);
	firer_tick(x->f, at("2026-03-01T00:02:30Z"));
	assert_int_equal(x->nshots, 1);
	firer_run_ended(x->f, "pipeline", "minutely");
	firer_tick(x->f, at("2026-03-01T00:02:40Z"));
	assert_int_equal(x->nshots, 2);
	assert_int_equal(x->shots[1].due, at("2026-03-01T00:02:00Z"));
	assert_int_equal(x->shots[1].at, at("2026-03-01T00:02:40Z"));
	assert_false(x->shots[1].late);
}

static void test_overlap_allow(void **state)
{
	struct fix *x = *state;

	overlap_case(x, OVERLAP_ALLOW);
	assert_int_equal(x->nshots, 2);
	assert_int_equal(x->shots[1].due, at("2026-03-01T00:02:00Z"));
}

static void collect_info(void *arg, const struct fire_entry *e,
			 const struct fire_info *info)
{
	struct fire_info *out = arg;

	(void)e;
	*out = *info;
}

/* A queued fire is not lost by a crash: the state names it as the
 * first due time not handled. */
static void test_overlap_queue_survives_restart(void **state)
{
	struct fix *x = *state;
	struct fire_info info;
	struct schedule_rec r;

	overlap_case(x, OVERLAP_QUEUE);
	firer_foreach(x->f, collect_info, &info);
	assert_int_equal(info.queued, 1);
	assert_int_equal(info.running, 1);
	stored(x, "minutely", &r);
	assert_int_equal(r.next_fire_at, at("2026-03-01T00:02:00Z"));
	schedule_rec_release(&r);
	restart(x);
	set_one(x, "minutely", x->minutely, NULL);
	firer_tick(x->f, at("2026-03-01T00:02:20Z"));
	assert_int_equal(x->nshots, 2);
	assert_int_equal(x->shots[1].due, at("2026-03-01T00:02:00Z"));
}

static void test_changed_and_removed_schedule(void **state)
{
	struct fix *x = *state;
	struct schedule *other = NULL;
	struct schedule_rec r;
	struct error err;
	struct fire_entry e[2] = {
		{.kind = "pipeline", .id = "a", .s = x->daily},
		{.kind = "job", .id = "b", .s = x->daily},
	};

	fire_policy_init(&e[0].policy);
	fire_policy_init(&e[1].policy);
	assert_int_equal(schedule_parse_string("30 4 * * *", "UTC", &other,
					       &err), 0);
	firer_set(x->f, e, 2, NULL, NULL);
	firer_tick(x->f, at("2026-03-01T00:00:00Z"));
	assert_int_equal(store_schedule_get(x->st, "job", "b", &r), 0);
	schedule_rec_release(&r);
	/* a changes its time, b goes away. */
	e[0].s = other;
	firer_set(x->f, e, 1, NULL, NULL);
	assert_int_equal(firer_tick(x->f, at("2026-03-01T01:00:00Z")),
			 at("2026-03-01T04:30:00Z"));
	stored(x, "a", &r);
	assert_string_equal(r.expr, "every day at 04:30 (UTC)");
	assert_int_equal(r.next_fire_at, at("2026-03-01T04:30:00Z"));
	schedule_rec_release(&r);
	assert_int_equal(store_schedule_get(x->st, "job", "b", &r), -ENOENT);
	/* Changed while down: the old expression's missed fire is not
	 * owed. */
	restart(x);
	e[0].s = x->daily;
	firer_set(x->f, e, 1, NULL, NULL);
	firer_tick(x->f, at("2026-03-02T12:00:00Z"));
	assert_int_equal(x->nshots, 0);
	stored(x, "a", &r);
	assert_int_equal(r.next_fire_at, at("2026-03-03T03:00:00Z"));
	schedule_rec_release(&r);
	firer_free(x->f);
	x->f = new_firer(x, 0);
	schedule_free(other);
}

static int drops;

static void count_drop(void *cookie)
{
	(void)cookie;
	drops++;
}

/* The caller's set lives until the firer lets it go. */
static void test_set_cookie_dropped(void **state)
{
	struct fix *x = *state;
	struct fire_entry e = {.kind = "pipeline", .id = "a", .s = x->daily};

	fire_policy_init(&e.policy);
	drops = 0;
	firer_set(x->f, &e, 1, &e, count_drop);
	firer_set(x->f, &e, 1, &e, count_drop);	/* replaces, unused */
	assert_int_equal(drops, 1);
	firer_tick(x->f, at("2026-03-01T00:00:00Z"));
	assert_int_equal(drops, 1);
	firer_set(x->f, &e, 1, &e, count_drop);
	firer_apply(x->f, at("2026-03-01T00:00:01Z"));
	assert_int_equal(drops, 2);
	firer_free(x->f);
	assert_int_equal(drops, 3);
	x->f = new_firer(x, 0);
}

static void test_lag_shown(void **state)
{
	struct fix *x = *state;
	struct fire_info info;

	set_one(x, "nightly", x->daily, NULL);
	firer_tick(x->f, at("2026-03-01T03:00:00.002Z"));
	firer_foreach(x->f, collect_info, &info);
	assert_int_equal(info.last_lag_ms, -1);
	firer_lag(x->f, "pipeline", "nightly", 37);
	firer_foreach(x->f, collect_info, &info);
	assert_int_equal(info.last_lag_ms, 37);
	assert_int_equal(info.next_fire_at, at("2026-03-02T03:00:00Z"));
}

static void test_policy_load(void **state)
{
	static const char good[] = "catch_up: all\ncatch_up_max: 4\n"
				   "overlap: queue\npriority: high\n";
	static const char bad[] = "catch_up: lastest\noverlap: sometimes\n"
				  "priority: urgent\ncatch_up_max: 0\n";
	struct fire_policy p;
	struct ynode *root;
	struct diags d;

	(void)state;
	diags_init(&d);
	root = yaml_load_string("p.yaml", good, sizeof(good) - 1, &d);
	assert_int_equal(fire_policy_load(root, "p.yaml", true, &d, &p), 0);
	assert_int_equal(p.catch_up, CATCH_UP_ALL);
	assert_int_equal(p.catch_up_max, 4);
	assert_int_equal(p.overlap, OVERLAP_QUEUE);
	assert_int_equal(p.priority, PRIO_HIGH);
	ynode_free(root);
	root = yaml_load_string("p.yaml", bad, sizeof(bad) - 1, &d);
	assert_int_equal(fire_policy_load(root, "p.yaml", true, &d, &p), -1);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.v[0].msg,
			    "unknown catch_up 'lastest' (did you mean "
			    "'latest'?)");
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[0].col, 11);
	assert_string_equal(d.v[1].msg, "unknown overlap 'sometimes' (use "
					"skip, queue or allow)");
	assert_string_equal(d.v[2].msg, "unknown priority 'urgent' (use low, "
					"medium, high or critical)");
	assert_int_equal(d.v[3].line, 4);
	ynode_free(root);
	/* Without the keys: the defaults. */
	root = yaml_load_string("p.yaml", "x: 1\n", 5, &d);
	assert_int_equal(fire_policy_load(root, "p.yaml", true, &d, &p), 0);
	assert_int_equal(p.catch_up, CATCH_UP_SKIP);
	assert_int_equal(p.catch_up_max, FIRE_CATCH_UP_MAX);
	assert_int_equal(p.overlap, OVERLAP_SKIP);
	assert_int_equal(p.priority, PRIO_MEDIUM);
	ynode_free(root);
	diags_release(&d);
}

/* Priorities of scheduled runs: the documented bound with the
 * scheduler's own aging (FIRE_AGING_MS, one level a minute).  A low
 * run waits while two critical runs arrive each second and one slot
 * frees each second; it starts within 3 minutes. */
static void test_priority_order_and_aging_bound(void **state)
{
	struct prioq *q = prioq_new(FIRE_AGING_MS);
	static char crit[1000][8];
	const char *got;
	int64_t t;
	size_t nc = 0;

	(void)state;
	prioq_push(q, "low", PRIO_LOW, 0);
	prioq_push(q, "med", PRIO_MEDIUM, 0);
	prioq_push(q, "high", PRIO_HIGH, 0);
	prioq_push(q, "crit", PRIO_CRITICAL, 0);
	prioq_push(q, "high2", PRIO_HIGH, 0);
	assert_string_equal(prioq_pop(q, 0), "crit");
	assert_string_equal(prioq_pop(q, 0), "high");
	assert_string_equal(prioq_pop(q, 0), "high2");
	assert_string_equal(prioq_pop(q, 0), "med");
	assert_string_equal(prioq_pop(q, 0), "low");
	assert_null(prioq_pop(q, 0));

	prioq_push(q, "low", PRIO_LOW, 0);
	for (t = 1000;; t += 1000) {
		for (int k = 0; k < 2 && nc < 1000; k++) {
			snprintf(crit[nc], sizeof(crit[nc]), "c%zu", nc);
			prioq_push(q, crit[nc++], PRIO_CRITICAL, t);
		}
		got = prioq_pop(q, t);
		if (!strcmp(got, "low"))
			break;
		assert_true(t <= 3 * FIRE_AGING_MS + 1000);
	}
	assert_true(t <= 3 * FIRE_AGING_MS + 1000);
	assert_true(t >= 3 * FIRE_AGING_MS);
	prioq_free(q);
}

static void *loop_main(void *arg)
{
	firer_run(arg);
	return NULL;
}

/* The real loop: a fire due 300 ms from now (on the firer's clock,
 * offset so that the next minute is near) starts within a second, and
 * the loop sleeps meanwhile. */
static void test_loop_fires_on_time(void **state)
{
	struct fix *x = *state;
	int64_t now = time_wall_ms(), minute, offset;
	pthread_t th;

	/* The firer's clock reads 300 ms before a whole minute. */
	minute = (now / MIN + 5) * MIN;
	offset = minute - 300 - now;
	firer_free(x->f);
	x->f = new_firer(x, offset);
	x->stop_after_one = true;
	set_one(x, "minutely", x->minutely, NULL);
	assert_int_equal(pthread_create(&th, NULL, loop_main, x->f), 0);
	pthread_join(th, NULL);
	assert_int_equal(x->nshots, 1);
	assert_int_equal(x->shots[0].due, minute);
	/* Lag of the decision, on the firer's clock: well under 1 s. */
	assert_true(x->shots[0].at >= minute);
	assert_true(x->shots[0].at - minute < 1000);
	assert_true(time_wall_ms() - now < 2000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fires_on_time_once),
		T(test_restart_after_fire_no_double),
		T(test_restart_during_fire_fires_once),
		T(test_catch_up_skip),
		T(test_catch_up_latest),
		T(test_catch_up_all_capped_in_order),
		T(test_catch_up_all_without_runs),
		T(test_restart_within_grace),
		T(test_overlap_skip),
		T(test_overlap_queue),
		T(test_overlap_allow),
		T(test_overlap_queue_survives_restart),
		T(test_changed_and_removed_schedule),
		T(test_set_cookie_dropped),
		T(test_lag_shown),
		cmocka_unit_test(test_policy_load),
		cmocka_unit_test(test_priority_order_and_aging_bound),
		T(test_loop_fires_on_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
