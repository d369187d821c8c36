/* prune.c - `baton prune`: forget old runs and their logs, on demand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/timeutil.h"

extern const struct cmd_entry cmd_prune;

struct prune_args {
	int64_t days;	/* -1 = baton.yaml's retention */
	int64_t runs;	/* -1 = baton.yaml's retention */
	bool dry_run;
};

static int number(const char *opt, const char *arg, int64_t max,
		  int64_t *out)
{
	int64_t n;

	if (str_to_i64(arg, &n) < 0 || n < 0 || n > max) {
		cli_error(&cmd_prune, "%s needs a whole number from 0 (no "
			  "limit) to %lld, not '%s'", opt, (long long)max, arg);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse(struct prune_args *a, int argc, char **argv)
{
	enum { O_DAYS = 256, O_RUNS, O_DRY };
	static const struct option opts[] = {
		{"days", required_argument, NULL, O_DAYS},
		{"runs", required_argument, NULL, O_RUNS},
		{"dry-run", no_argument, NULL, O_DRY},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == O_DAYS && number("--days", optarg, 100000,
					  &a->days) == 0)
			continue;
		if (c == O_RUNS && number("--runs", optarg, 1000000000,
					  &a->runs) == 0)
			continue;
		if (c == O_DRY) {
			a->dry_run = true;
			continue;
		}
		return -1;
	}
	if (optind < argc) {
		cli_error(&cmd_prune, "unexpected argument '%s' (prune works "
			  "on every pipeline; see baton prune --help)",
			  argv[optind]);
		return -1;
	}
	return 0;
}

/* Size on disk of a SQLite store (the file and its write-ahead log),
 * or -1 when the location is not a file. */
static int64_t db_size(const char *loc)
{
	struct stat st;
	int64_t total;
	char *wal;

	if (strstr(loc, "://") || stat(loc, &st) < 0)
		return -1;
	total = st.st_size;
	wal = xasprintf("%s-wal", loc);
	if (stat(wal, &st) == 0)
		total += st.st_size;
	free(wal);
	return total;
}

static void format_size(char *out, size_t size, int64_t n)
{
	if (n < 1024)
		snprintf(out, size, "%lld B", (long long)n);
	else if (n < 1024 * 1024)
		snprintf(out, size, "%.1f KiB", n / 1024.0);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(out, size, "%.1f MiB", n / (1024.0 * 1024));
	else
		snprintf(out, size, "%.2f GiB", n / (1024.0 * 1024 * 1024));
}

/* Says which limits apply, e.g. "older than 30 days or beyond the
 * newest 1000 runs". */
static void describe(char *out, size_t size, int64_t days, int64_t runs)
{
	char d[64] = "", r[64] = "";

	if (days)
		snprintf(d, sizeof(d), "older than %lld day%s",
			 (long long)days, days == 1 ? "" : "s");
	if (runs)
		snprintf(r, sizeof(r), "beyond the newest %lld run%s",
			 (long long)runs, runs == 1 ? "" : "s");
	snprintf(out, size, "%s%s%s", d, days && runs ? " or " : "", r);
}

/* The runs store_prune() would delete, by the same rule: finished runs
 * older than days, or past the newest `runs` finished ones.  Prints
 * them and returns how many, or -1 when the store failed. */
static int would_prune(struct store *s, int64_t days, int64_t runs)
{
	struct run_filter f = {.status = -1};
	int64_t before = days ? time_wall_ms() - days * 86400000LL : 0;
	struct run_rec *v = NULL;
	size_t n = 0;
	int64_t kept = 0;
	int count = 0;

	if (store_runs_list(s, &f, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct run_rec *r = &v[i];
		int64_t when = r->finished_at ? r->finished_at : r->created_at;
		char started[32] = "-";

		if (r->status == RUN_QUEUED || r->status == RUN_RUNNING)
			continue;
		kept++;
		if (!(days && when < before) && !(runs && kept > runs))
			continue;
		if (r->started_at)
			time_format_local(started, sizeof(started),
					  r->started_at);
		printf("  %s  %-20s %-11s %s\n", r->id, r->pipeline,
		       run_status_name(r->status), started);
		count++;
	}
	run_recs_free(v, n);
	return count;
}

/* Prunes (or, with --dry-run, only lists) and reports.  Closes *s so
 * that the size after is measured once SQLite has checkpointed. */
static int prune(struct cli *cli, const struct project *p, struct store **s,
		 const struct prune_args *a)
{
	const char *loc = cli_store_location(cli, p);
	int64_t days = a->days >= 0 ? a->days : p->settings.retention_days;
	int64_t runs = a->runs >= 0 ? a->runs : p->settings.retention_runs;
	int64_t before = db_size(loc), after;
	char what[160], sb[32], sa[32];
	int n;

	describe(what, sizeof(what), days, runs);
	if (a->dry_run) {
		printf("Runs prune would remove (%s):\n", what);
		n = would_prune(*s, days, runs);
		if (n == 0)
			printf("  (none)\n");
	} else {
		n = cli_apply_retention(p, *s, days, runs);
	}
	if (n < 0) {
		cli_error(&cmd_prune, "the state store %s failed; nothing more "
			  "was removed", loc);
		return EXIT_INTERNAL;
	}
	store_free(*s);
	*s = NULL;
	after = db_size(loc);
	format_size(sb, sizeof(sb), before);
	format_size(sa, sizeof(sa), after);
	if (a->dry_run)
		printf("Would remove %d run%s; nothing was deleted (drop "
		       "--dry-run to prune).\n", n, n == 1 ? "" : "s");
	else
		printf("Removed %d run%s (%s), with their logs.\n", n,
		       n == 1 ? "" : "s", what);
	if (before >= 0 && !a->dry_run)
		printf("Database %s: %s before, %s after.\n", loc, sb, sa);
	else if (before >= 0)
		printf("Database %s: %s.\n", loc, sb);
	return EXIT_OK;
}

static int exec_prune(struct cli *cli, int argc, char **argv)
{
	struct prune_args a = {.days = -1, .runs = -1};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct diags d;
	int code;

	if (parse(&a, argc, argv) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	if ((a.days >= 0 ? a.days : proj->settings.retention_days) == 0 &&
	    (a.runs >= 0 ? a.runs : proj->settings.retention_runs) == 0) {
		cli_error(&cmd_prune, "no limits to prune by: set retention: "
			  "{days: 30, runs: 1000} in baton.yaml, or pass "
			  "--days N and/or --runs N");
		code = EXIT_CONFIG;
		goto out;
	}
	if (!cli_store_exists(cli, proj)) {
		printf("Nothing to prune: no run history yet (%s does not "
		       "exist).\n", cli_store_location(cli, proj));
		goto out;
	}
	code = cli_open_store(cli, proj, &store);
	if (!code)
		code = prune(cli, proj, &store, &a);
out:
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_prune = {
	.name = "prune",
	.usage = "prune [--days N] [--runs N] [--dry-run]",
	.summary = "Delete old runs and their logs (retention, on demand).",
	.help = "Removes finished runs older than N days or beyond the newest "
		"N runs, with\ntheir steps, attempts and log directories, "
		"then reclaims database space.\nRunning and queued runs are "
		"never removed.  The limits come from baton.yaml\n"
		"(retention: {days: 30, runs: 1000}); the options override "
		"them, and 0\nmeans no limit.  Every run also applies "
		"baton.yaml's retention when it ends.\n\n"
		"Options:\n"
		"      --days N    remove runs that finished more than N days "
		"ago\n"
		"      --runs N    keep only the newest N runs\n"
		"      --dry-run   list what would be removed; delete "
		"nothing\n",
	.exec = exec_prune,
};
