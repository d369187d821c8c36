/* status.h - the one vocabulary for run and step states.
 *
 * The CLI, JSON reports, the store and (later) the API all use these
 * words and nothing else.
 */
#ifndef BATON_STATUS_H
#define BATON_STATUS_H

#include <stdbool.h>

enum run_status {
	RUN_QUEUED,
	RUN_RUNNING,
	RUN_SUCCEEDED,
	RUN_FAILED,
	RUN_CANCELLED,
	RUN_INTERRUPTED,
};

enum step_status {
	STEP_PENDING,
	STEP_RUNNING,
	STEP_RETRYING,
	STEP_SUCCEEDED,
	STEP_FAILED,
	STEP_SKIPPED,
	STEP_CANCELLED,
};

const char *run_status_name(enum run_status s);
const char *step_status_name(enum step_status s);
/* Parse a status word; return 0 or -1 if the word is unknown. */
int run_status_parse(const char *word, enum run_status *out);
int step_status_parse(const char *word, enum step_status *out);
bool run_status_final(enum run_status s);
bool step_status_final(enum step_status s);

#endif
