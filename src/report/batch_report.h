/* batch_report.h - what a batch did: seed 000's per-tenant summary,
 * seed 001's totals, and the JSON and CSV exports.
 *
 * Built from the store, like struct report, so the CLI summary, `baton
 * report` and the API agree.  A struct batch_report owns its records;
 * batch_report_release() frees them.
 */
#ifndef BATON_BATCH_REPORT_H
#define BATON_BATCH_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

struct error;
struct tenants;

struct batch_line {
	const struct run_rec *run;	/* borrowed from the report */
	const char *tenant_name;	/* borrowed; the id when unknown */
	char *error;			/* why it failed, or NULL */
	char *url;			/* output URL, when the run made one */
	double duration_s;
	int64_t rows;
};

struct batch_report {
	struct batch_rec batch;
	struct run_rec *runs;		/* oldest first */
	size_t nruns;
	struct batch_line *lines;	/* one per run */
	size_t succeeded, failed, skipped;	/* runs */
	size_t steps, steps_ok, steps_failed, steps_skipped;
	int64_t total_rows;
	double duration_s;
};

/* Loads batch id (exact, prefix or "last").  tenants (may be NULL)
 * gives tenants' display names.  Returns 0 or a negative code with err
 * set. */
int batch_report_load(struct store *s, const char *id,
		      const struct tenants *tenants, struct batch_report *out,
		      struct error *err);
void batch_report_release(struct batch_report *r);
/* Seed 000's "Execution Summary", then seed 001's totals. */
void batch_report_print(const struct batch_report *r, FILE *out);
/* {batch, summary, runs[]}; caller decrefs. */
json_t *batch_report_json(const struct batch_report *r);
void batch_report_csv(const struct batch_report *r, FILE *out);

#endif
