#include "status.h"

#include <string.h>

static const char *const run_names[] = {
	"queued", "running", "succeeded", "failed", "cancelled", "interrupted",
};

static const char *const step_names[] = {
	"pending", "running", "retrying", "succeeded", "failed", "skipped",
	"cancelled",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *run_status_name(enum run_status s)
{
	return (unsigned)s < NELEM(run_names) ? run_names[s] : "unknown";
}

const char *step_status_name(enum step_status s)
{
	return (unsigned)s < NELEM(step_names) ? step_names[s] : "unknown";
}

int run_status_parse(const char *word, enum run_status *out)
{
	for (unsigned i = 0; i < NELEM(run_names); i++)
		if (!strcmp(word, run_names[i])) {
			*out = (enum run_status)i;
			return 0;
		}
	return -1;
}

int step_status_parse(const char *word, enum step_status *out)
{
	for (unsigned i = 0; i < NELEM(step_names); i++)
		if (!strcmp(word, step_names[i])) {
			*out = (enum step_status)i;
			return 0;
		}
	return -1;
}

bool run_status_final(enum run_status s)
{
	return s != RUN_QUEUED && s != RUN_RUNNING;
}

bool step_status_final(enum step_status s)
{
	return s == STEP_SUCCEEDED || s == STEP_FAILED || s == STEP_SKIPPED ||
	       s == STEP_CANCELLED;
}
