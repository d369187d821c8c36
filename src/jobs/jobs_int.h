/* jobs_int.h - what the files of the jobs module share; not part of its
 * interface (that is jobs.h). */
#ifndef BATON_JOBS_INT_H
#define BATON_JOBS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct diags;
struct error;
struct job;
struct job_category;
struct job_filter;
struct project;
struct source_setting;
struct tenant;
struct tenants;
struct ynode;

/* Caps on what a source may hand over. */
#define JOB_SOURCE_MAX_BYTES (64 << 20)
#define JOB_SOURCE_MAX_ITEMS 10000000

/* Parses an ISO 8601 date ("2023-01-01", midnight UTC) or date-time
 * ("2023-01-01T10:00", "...:30Z", "...+02:00"; no zone is UTC) into
 * epoch ms.  Returns 0 or -1. */
int job_time_parse(const char *s, int64_t *ms);
/* A JSON value as epoch ms: an ISO 8601 string, or a number of seconds
 * (milliseconds when above 1e11).  Returns 0 or -1. */
int job_time_of(const json_t *v, int64_t *ms);
/* Reads the flat filters mapping m into c->filters, reporting every
 * unknown or malformed filter into d.  Returns 0 or -1.  Borrows m. */
int job_filters_load(const struct ynode *m, struct job_category *c,
		     const char *file, struct diags *d);
void job_filter_release(struct job_filter *f);
/* True when item passes every filter of c but max_items; now_ms is the
 * time active_last_days counts back from. */
bool job_filters_match(const struct job_category *c, const json_t *item,
		       int64_t now_ms);
/* The smallest max_items filter of c, or -1 when there is none. */
int64_t job_filters_max_items(const struct job_category *c);

/* Loads the raw items of category `name` for job j: a JSON array of
 * objects in *items (new reference) and, in *tenants (malloced array,
 * caller frees it only), for each item the tenant it is or NULL.  *src
 * is the baton.yaml source (NULL for the built-in users/tenants).
 * Returns 0 or a negative code with err set. */
int job_source_load(const struct project *p, const struct tenants *t,
		    const struct job *j, const char *name, json_t **items,
		    const struct tenant ***tenants,
		    const struct source_setting **src, struct error *err);
/* Parses CSV text (a header row, then records; RFC 4180 quoting) into
 * a JSON array of objects; cells that read as numbers or true/false
 * become those, empty cells null.  Returns a new reference, or NULL
 * with err set (file and line of the bad record). */
json_t *job_csv_parse(const char *name, const char *text, size_t len,
		      struct error *err);
/* Parses JSON lines (blank lines skipped), or one JSON array, into an
 * array of objects.  Returns a new reference, or NULL with err set. */
json_t *job_jsonl_parse(const char *name, const char *text, size_t len,
			struct error *err);
/* The category is the built-in tenant category (no source named so). */
bool job_builtin_tenants(const struct project *p, const char *name);

#endif
