/* inbox.c - `baton inbox USER`: the batch results delivered to a user
 * (seed 002's result distribution). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/timeutil.h"

extern const struct cmd_entry cmd_inbox;

struct opts {
	bool json;
	const char *user;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == 'j')
			o->json = true;
		else
			return -1;
	if (optind != argc - 1) {
		cli_error(&cmd_inbox, optind >= argc
					      ? "whose inbox? (baton inbox USER)"
					      : "one user at a time");
		return -1;
	}
	o->user = argv[optind];
	return 0;
}

/* One delivery with what its batch holds.  New reference. */
static json_t *entry_json(struct store *s, const struct inbox_rec *r)
{
	struct batch_rec b = {0};
	char at[64];
	json_t *o, *extra = NULL;

	time_format_utc(at, sizeof(at), r->at);
	o = json_pack("{s:s, s:s, s:s}", "user", r->user, "batch_id",
		      r->batch_id, "delivered_at", at);
	if (store_batch_get(s, r->batch_id, &b, NULL) < 0)
		return o;
	if (b.summary_json)
		extra = json_loads(b.summary_json, 0, NULL);
	json_object_set_new(o, "job_id", b.job_id ? json_string(b.job_id)
						  : json_null());
	json_object_set_new(o, "source", json_string(b.source));
	json_object_set_new(o, "status",
			    json_string(run_status_name(b.status)));
	json_object_set_new(o, "total", json_integer(b.total));
	json_object_set_new(o, "succeeded", json_integer(b.succeeded));
	json_object_set_new(o, "failed", json_integer(b.failed));
	json_object_set_new(o, "retry_of",
			    json_incref(json_object_get(
				    json_object_get(extra, "retry"), "of")));
	if (!json_object_get(o, "retry_of"))
		json_object_set_new(o, "retry_of", json_null());
	json_decref(extra);
	batch_rec_release(&b);
	return o;
}

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

static void print_text(const char *user, json_t *rows)
{
	size_t i;
	json_t *r;

	if (!json_array_size(rows)) {
		printf("Nothing delivered to '%s' yet.\n", user);
		return;
	}
	printf("%-40s  %-12s  %5s  %5s  %6s  %-24s  %s\n", "BATCH", "STATUS",
	       "RUNS", "OK", "FAILED", "DELIVERED", "JOB");
	json_array_foreach(rows, i, r) {
		printf("%-40s  %-12s  %5lld  %5lld  %6lld  %-24s  %s\n",
		       str_or(json_object_get(r, "batch_id"), "-"),
		       str_or(json_object_get(r, "status"), "-"),
		       (long long)json_integer_value(json_object_get(r,
								     "total")),
		       (long long)json_integer_value(
			       json_object_get(r, "succeeded")),
		       (long long)json_integer_value(json_object_get(r,
								     "failed")),
		       str_or(json_object_get(r, "delivered_at"), "-"),
		       str_or(json_object_get(r, "job_id"), "-"));
	}
	printf("\n%zu batch%s delivered to '%s' ('baton report BATCH' shows "
	       "one)\n", json_array_size(rows),
	       json_array_size(rows) == 1 ? "" : "es", user);
}

static int exec_inbox(struct cli *cli, int argc, char **argv)
{
	struct opts o = {0};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct inbox_rec *recs = NULL;
	json_t *rows = json_array();
	size_t n = 0;
	struct diags d;
	int code;

	diags_init(&d);
	if (parse(argc, argv, &o) < 0) {
		code = EXIT_CONFIG;
		goto out;
	}
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	/* Looking never creates an empty database. */
	if (cli_store_exists(cli, proj)) {
		code = cli_open_store(cli, proj, &store);
		if (code)
			goto out;
		if (store_inbox_list(store, o.user, &recs, &n) < 0) {
			fprintf(stderr, "baton inbox: cannot read the inbox "
				"from %s\n", cli_store_location(cli, proj));
			code = EXIT_INTERNAL;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, entry_json(store, &recs[i]));
	if (o.json) {
		json_dumpf(rows, stdout, JSON_INDENT(2));
		printf("\n");
	} else {
		print_text(o.user, rows);
	}
out:
	inbox_recs_free(recs, n);
	json_decref(rows);
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_inbox = {
	.name = "inbox",
	.usage = "inbox USER [--json]",
	.summary = "List the batch results delivered to a user (batch jobs' "
		   "distribution).",
	.help = "A batch job with distribute_results: true delivers a "
		"reference to each of\nits batches to every user listed in "
		"distribution.users.  This lists them,\nnewest first, with "
		"the batch's status and counts.  See docs/jobs.md.\n\n"
		"Options:\n"
		"      --json   print a JSON array: user, batch_id, "
		"delivered_at, job_id,\n"
		"               source, status, total, succeeded, failed, "
		"retry_of\n",
	.exec = exec_inbox,
};
