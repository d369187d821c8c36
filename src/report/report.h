/* report.h - what a run did, summed up: seed 001's summary box, and its
 * JSON and CSV report shapes.
 *
 * A report is built from the store, so `baton run --report`, `baton
 * status` and (later) the API all say the same thing.  A struct report
 * owns its records; report_release() frees them.
 */
#ifndef BATON_REPORT_H
#define BATON_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

struct error;

struct report {
	struct run_rec run;
	struct step_rec *steps;
	size_t nsteps;
	size_t completed;	/* succeeded (reused ones included) */
	size_t failed;
	size_t skipped;
	size_t cancelled;
	size_t reused;
	size_t not_needed;	/* skipped because their when: was false */
	double success_rate;	/* percent of steps that succeeded, not
				 * counting those a when: skipped */
	int64_t total_rows;	/* sum of metrics.rows_processed */
	double duration_s;
	json_t *metrics;	/* every numeric metric, summed */
};

/* Loads run id (exact, prefix or "last").  Returns 0 or a negative
 * code with err set. */
int report_load(struct store *s, const char *id, struct report *out,
		struct error *err);
void report_release(struct report *r);
/* Prints seed 001's "Execution Summary" box. */
void report_print_summary(const struct report *r, FILE *out);
/* The JSON report: {run, summary, steps[]}.  Caller decrefs. */
json_t *report_json(const struct report *r);
/* Writes the report to path in format "json" or "csv". */
int report_write(const struct report *r, const char *path,
		 const char *format, struct error *err);
void report_write_csv(const struct report *r, FILE *out);
/* Writes s as one CSV field, quoted per RFC 4180 when needed; NULL
 * writes nothing (an empty field). */
void report_csv_field(FILE *out, const char *s);

#endif
