/* job.h - what the `baton job` subcommands share (job.c, job_run.c).
 * Not a module interface: the jobs module's is src/jobs/jobs.h. */
#ifndef BATON_CMD_JOB_H
#define BATON_CMD_JOB_H

#include <stdbool.h>

#include "config/diag.h"

struct cli;
struct cmd_entry;
struct job;
struct jobs;
struct project;
struct tenants;

extern const struct cmd_entry cmd_job;

/* Everything a subcommand reads: the project, the tenants file (NULL
 * when there is none) and the jobs file. */
struct job_env {
	struct project *proj;
	struct tenants *t;
	struct jobs *js;	/* NULL when there is no jobs file */
	char *file;		/* the jobs file as shown in messages */
	bool tenants_broken;	/* the tenants file has errors (printed) */
	struct diags d;		/* the project's pipeline problems */
};

/* Opens what the subcommands need.  jobs_opt is --jobs or NULL.  When
 * need_jobs is false, a missing default jobs file leaves e->js NULL;
 * when tolerant, a broken tenants file is reported and e->t left NULL.
 * Returns 0 or an exit code after printing why; release e with
 * job_env_release() either way. */
int job_env_open(struct cli *cli, const char *jobs_opt, bool need_jobs,
		 bool tolerant, struct job_env *e);
void job_env_release(struct job_env *e);
/* The job named id, or NULL after printing a did-you-mean. */
const struct job *job_env_find(const struct job_env *e, const char *id);
/* Checks j against the project and tenants (job_check(), and whether
 * its template has errors of its own), adding the problems to d.
 * Returns how many it added. */
size_t job_env_check(const struct job_env *e, const struct job *j,
		     struct diags *d);
/* `baton job run`. */
int job_cmd_run(struct cli *cli, int argc, char **argv);

#endif
