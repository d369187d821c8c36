/* fanout.c - tenant selection and batch display for the CLI. */
#include "fanout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "engine/engine.h"
#include "pipeline/project.h"
#include "report/batch_report.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

static void add_ids(struct fanout *f, char *arg)
{
	/* --tenant a,b,c is the same as --tenant a --tenant b ... */
	for (char *p = arg; p && *p;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (*p) {
			f->ids = xrealloc(f->ids, (f->nids + 1) * sizeof(*f->ids));
			f->ids[f->nids++] = p;
		}
		p = comma ? comma + 1 : NULL;
	}
}

int cli_fanout_opt(struct fanout *f, const struct cmd_entry *cmd, int c,
		   char *optarg)
{
	int64_t v;

	switch (c) {
	case FO_ALL:
		f->all = true;
		return 1;
	case FO_TENANT:
		add_ids(f, optarg);
		return 1;
	case FO_PLATFORM:
		f->platform = optarg;
		return 1;
	case FO_TAG:
		f->tags = xrealloc(f->tags, (f->ntags + 1) * sizeof(*f->tags));
		f->tags[f->ntags++] = optarg;
		return 1;
	case FO_PARALLEL:
		if (str_to_i64(optarg, &v) < 0 || v < 1 || v > 100000) {
			cli_error(cmd, "--parallel needs a number from 1, not "
				  "'%s'", optarg);
			return -1;
		}
		f->batch.parallel = (int)v;
		return 1;
	case FO_DELAY:
	case FO_TENANT_TIMEOUT:
		if (duration_parse(optarg, &v) < 0) {
			cli_error(cmd, "%s needs a duration like 500ms, 4s or "
				  "5m, not '%s'",
				  c == FO_DELAY ? "--delay" : "--tenant-timeout",
				  optarg);
			return -1;
		}
		if (c == FO_DELAY)
			f->batch.delay_ms = v;
		else
			f->batch.tenant_timeout_ms = v;
		return 1;
	case FO_FAIL_FAST:
		f->batch.fail_fast = true;
		return 1;
	default:
		return 0;
	}
}

bool cli_fanout_wanted(const struct fanout *f)
{
	return f->all || f->nids || f->platform || f->ntags;
}

static int select_ids(const struct cmd_entry *cmd, const struct tenants *t,
		      const struct fanout *f, const struct tenant **v,
		      size_t *n)
{
	for (size_t i = 0; i < f->nids; i++) {
		const struct tenant *x = tenants_find(t, f->ids[i]);

		if (!x) {
			const char **ids = xcalloc(t->n + 1, sizeof(*ids));
			const char *hint;

			for (size_t k = 0; k < t->n; k++)
				ids[k] = t->v[k].id;
			hint = str_suggest(f->ids[i], ids, t->n);
			cli_error(cmd, "no tenant '%s' in %s%s%s%s", f->ids[i],
				  t->file, hint ? " (did you mean '" : "",
				  hint ? hint : "", hint ? "'?)" : "");
			free(ids);
			return EXIT_CONFIG;
		}
		if (!tenant_matches(x, f->platform, f->tags, f->ntags))
			continue;
		v[(*n)++] = x;
	}
	return 0;
}

int cli_fanout_select(const struct cmd_entry *cmd, const struct tenants *t,
		      const struct fanout *f, const struct tenant ***out,
		      size_t *n)
{
	const struct tenant **v = xcalloc(t->n + f->nids + 1, sizeof(*v));

	*n = 0;
	if (f->nids) {
		if (select_ids(cmd, t, f, v, n)) {
			free(v);
			return EXIT_CONFIG;
		}
	} else {
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].enabled &&
			    tenant_matches(&t->v[i], f->platform, f->tags,
					   f->ntags))
				v[(*n)++] = &t->v[i];
	}
	if (!*n) {
		cli_error(cmd, "no enabled tenant in %s matches%s%s%s", t->file,
			  f->platform ? " --platform " : "",
			  f->platform ? f->platform : "",
			  f->ntags ? " the --tag filter" : "");
		free(v);
		return EXIT_CONFIG;
	}
	*out = v;
	return 0;
}

static int summarize(struct store *s, const struct tenants *t,
		     const struct batch_result *res, struct fanout *f)
{
	struct batch_report rep;
	struct error err = {0};
	int code = batch_exit_code(res);
	FILE *out;

	if (batch_report_load(s, res->id, t, &rep, &err) < 0) {
		fprintf(stderr, "baton: cannot read back batch %s: %s\n",
			res->id, err.msg);
		return EXIT_INTERNAL;
	}
	if (!f->exec.quiet) {
		printf("\n");
		batch_report_print(&rep, stdout);
	}
	if (f->exec.report) {
		out = fopen(f->exec.report, "w");
		if (!out) {
			fprintf(stderr, "baton: cannot write %s\n",
				f->exec.report);
			code = EXIT_INTERNAL;
		} else if (f->exec.format && !strcmp(f->exec.format, "csv")) {
			batch_report_csv(&rep, out);
			fclose(out);
		} else {
			json_t *j = batch_report_json(&rep);

			json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
			fputc('\n', out);
			json_decref(j);
			fclose(out);
		}
	}
	batch_report_release(&rep);
	return code;
}

int cli_fanout_run(struct cli *cli, struct project *p, struct store *s,
		   const struct tenants *t, const struct batch_item *items,
		   size_t n, struct fanout *f)
{
	struct engine_config cfg = {0};
	struct batch_result res;
	struct error err = {0};
	struct board *b;
	const char *given = f->batch.id;
	char id[64];
	int code;

	cli_engine_config(cli, p, &cfg);
	b = cli_board(f->exec.quiet);
	board_listen(b, &cfg.listener);
	if (!f->batch.source)
		f->batch.source = "cli";
	/* A caller that names the batch id itself (batch jobs) keeps it. */
	if (given)
		snprintf(id, sizeof(id), "%s", given);
	else
		batch_make_id(id, sizeof(id), f->batch.source);
	f->batch.id = id;
	if (!f->exec.quiet) {
		printf("Batch %s: %zu run%s, %d at a time\n", id, n,
		       n == 1 ? "" : "s",
		       f->batch.parallel > 0 ? f->batch.parallel : 1);
		fflush(stdout);
	}
	if (batch_run(s, &cfg, items, n, &f->batch, &res, &err) < 0) {
		fprintf(stderr, "baton: %s\n", err.msg);
		code = EXIT_CONFIG;
	} else {
		board_finish(b);
		code = summarize(s, t, &res, f);
		cli_apply_retention(p, s, -1, -1);
	}
	f->batch.id = given;
	board_free(b);
	cli_engine_config_release(&cfg);
	return code;
}

void cli_fanout_release(struct fanout *f)
{
	free(f->ids);
	free(f->tags);
}
