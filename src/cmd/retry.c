/* retry.c - `baton retry`: re-run only what failed or was skipped. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"

extern const struct cmd_entry cmd_retry;

/* The old run's params become the new run's, so it retries the same
 * work.  Caller frees the array and its strings. */
static struct kv *old_params(const struct run_rec *r, size_t *n)
{
	json_t *j = r->params_json ? json_loads(r->params_json, 0, NULL)
				   : NULL, *v;
	struct kv *kv = xcalloc(json_object_size(j) + 1, sizeof(*kv));
	const char *k;

	*n = 0;
	json_object_foreach(j, k, v) if (json_is_string(v)) {
		kv[*n].key = xstrdup(k);
		kv[*n].val = xstrdup(json_string_value(v));
		(*n)++;
	}
	json_decref(j);
	return kv;
}

static int parse(int argc, char **argv, struct run_spec *spec,
		 struct exec_opts *o, const char **id)
{
	static const struct option opts[] = {
		{"max-parallel", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"report", required_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	int c;
	int64_t n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "j:q", opts, NULL)) != -1) {
		if (c == 'j' && str_to_i64(optarg, &n) == 0 && n > 0)
			spec->max_parallel = (int)n;
		else if (c == 'q')
			o->quiet = true;
		else if (c == 'r')
			o->report = optarg;
		else if (c == 'F')
			o->format = optarg;
		else {
			cli_error(&cmd_retry, "bad option; see baton retry "
				  "--help");
			return -1;
		}
	}
	if (optind != argc - 1) {
		cli_error(&cmd_retry, "which run? (a run id, prefix or 'last')");
		return -1;
	}
	*id = argv[optind];
	return 0;
}

static int exec_retry(struct cli *cli, int argc, char **argv)
{
	struct run_spec spec = {0};
	struct exec_opts o = {0};
	struct project *proj = NULL;
	struct store *store = NULL;
	struct run_rec old = {0};
	struct error err = {0};
	struct kv *params = NULL;
	size_t nparams = 0;
	struct diags d;
	const char *id;
	int code;

	if (parse(argc, argv, &spec, &o, &id) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (!code)
		code = cli_open_store(cli, proj, &store);
	if (code)
		goto out;
	if (store_run_get(store, id, &old, &err) < 0) {
		cli_error(&cmd_retry, "%s", err.msg);
		code = EXIT_CONFIG;
		goto out;
	}
	if (old.status == RUN_SUCCEEDED) {
		printf("run %s succeeded; nothing to retry\n", old.id);
		goto out;
	}
	spec.pipeline = cli_pipeline(cli, &cmd_retry, proj, &d, old.pipeline);
	if (!spec.pipeline) {
		code = EXIT_CONFIG;
		goto out;
	}
	params = old_params(&old, &nparams);
	spec.params = params;
	spec.nparams = nparams;
	spec.retry_of = old.id;
	code = cli_execute(cli, proj, store, &spec, &o);
out:
	for (size_t i = 0; i < nparams; i++) {
		free(params[i].key);
		free(params[i].val);
	}
	free(params);
	run_rec_release(&old);
	store_free(store);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_retry = {
	.name = "retry",
	.usage = "retry RUN [options]",
	.summary = "Re-run only the failed, skipped and cancelled steps of a "
		   "run.",
	.help = "Starts a new run of the same pipeline with the same params. "
		"Steps that\nsucceeded in RUN are not run again: their outputs "
		"are reused.\n\nOptions:\n"
		"  -j, --max-parallel N   at most N steps at once\n"
		"      --report FILE      write a report when the run ends\n"
		"      --format json|csv  report format (default json)\n"
		"  -q, --quiet            print nothing but errors\n",
	.exec = exec_retry,
};
