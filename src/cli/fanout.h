/* fanout.h - the CLI side of running pipelines for many tenants:
 * selecting tenants, the options run and batch share, and showing a
 * batch from start to summary. */
#ifndef BATON_FANOUT_H
#define BATON_FANOUT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "batch/batch.h"
#include "cli.h"

struct tenant;
struct tenants;

/* Option codes cli_fanout_opt() understands (for getopt_long tables). */
enum {
	FO_ALL = 300,
	FO_TENANT,
	FO_PLATFORM,
	FO_TAG,
	FO_PARALLEL,
	FO_DELAY,
	FO_FAIL_FAST,
	FO_TENANT_TIMEOUT,
};

#define FANOUT_OPTIONS                                                       \
	{"all-tenants", no_argument, NULL, FO_ALL},                          \
	{"tenant", required_argument, NULL, FO_TENANT},                      \
	{"platform", required_argument, NULL, FO_PLATFORM},                  \
	{"tag", required_argument, NULL, FO_TAG},                            \
	{"parallel", required_argument, NULL, FO_PARALLEL},                  \
	{"delay", required_argument, NULL, FO_DELAY},                        \
	{"fail-fast", no_argument, NULL, FO_FAIL_FAST},                      \
	{"tenant-timeout", required_argument, NULL, FO_TENANT_TIMEOUT}

#define FANOUT_HELP                                                          \
	"Tenants (from users.yaml, --tenants FILE or BATON_TENANTS):\n"      \
	"      --all-tenants      once per enabled tenant\n"                 \
	"      --tenant ID        once for this tenant (repeatable, or "      \
	"a,b,c)\n"                                                           \
	"      --platform P       enabled tenants of platform P\n"           \
	"      --tag T            enabled tenants tagged T (repeatable: "     \
	"any)\n"                                                             \
	"      --parallel N       tenants at once (default 1)\n"             \
	"      --delay DURATION   gap between tenant starts (e.g. 4s)\n"     \
	"      --fail-fast        stop everything at the first failure\n"    \
	"      --tenant-timeout D bound on each tenant's run\n"

struct fanout {
	const char **ids;	/* --tenant, borrowed from argv */
	size_t nids;
	bool all;
	const char *platform;
	const char **tags;
	size_t ntags;
	struct batch_opts batch;
	struct exec_opts exec;
};

/* Handles one fan-out option; returns 1 if it was one, 0 if not, -1
 * after printing an error about its value. */
int cli_fanout_opt(struct fanout *f, const struct cmd_entry *cmd, int c,
		   char *optarg);
/* True when any tenant selector was given. */
bool cli_fanout_wanted(const struct fanout *f);
/* Picks the tenants f selects, in file order.  Returns 0 and sets *out
 * (caller frees the array only) or EXIT_CONFIG after printing why
 * (unknown id with did-you-mean, nothing matches). */
int cli_fanout_select(const struct cmd_entry *cmd, const struct tenants *t,
		      const struct fanout *f, const struct tenant ***out,
		      size_t *n);
/* Runs the items as one batch with a board, prints seed 000's summary,
 * writes the report if asked, and returns the exit code.  The batch id
 * is f->batch.id when set (a batch_make_id() id), else a new one. */
int cli_fanout_run(struct cli *cli, struct project *p, struct store *s,
		   const struct tenants *t, const struct batch_item *items,
		   size_t n, struct fanout *f);
void cli_fanout_release(struct fanout *f);

#endif
