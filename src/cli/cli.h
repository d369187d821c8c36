/* cli.h - what every CLI verb shares: the command table, global
 * options, and opening the project and the store with user-facing
 * messages.
 *
 * Each verb lives in src/cmd/<verb>.c and exports one
 * `const struct cmd_entry cmd_<verb>`, listed in main.c.  A verb returns
 * the process exit code (see enum exit_code); it never calls exit().
 */
#ifndef BATON_CLI_H
#define BATON_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct diags;
struct pipeline;
struct project;
struct store;
struct tenants;

/* Exit codes, exactly seed 001's. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_CONFIG = 1,	/* configuration or usage error */
	EXIT_PARTIAL = 2,	/* some steps/runs failed */
	EXIT_ALL_FAILED = 3,
	EXIT_INTERNAL = 4,
	EXIT_INTERRUPTED = 130,
};

struct cli {
	const char *project_dir;	/* --project, default "." */
	const char *state;		/* --state or BATON_STATE, or NULL */
	const char *tenants;		/* --tenants, or NULL */
	const char *self_exe;		/* absolute path of this binary */
	bool color;			/* stderr is a terminal */
};

struct cmd_entry {
	const char *name;
	const char *usage;	/* "run PIPELINE [options]" */
	const char *summary;	/* one line for `baton --help` */
	const char *help;	/* the option list for `baton VERB --help` */
	int (*exec)(struct cli *cli, int argc, char **argv);
};

/* Prints "baton VERB: " + message to stderr. */
void cli_error(const struct cmd_entry *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct kv;
/* Appends KEY=VALUE (a --param) to the malloced array *params of *n
 * entries; prints an error and returns -1 when arg has no '='.  Caller
 * frees the keys, values and array. */
int cli_add_param(const struct cmd_entry *cmd, struct kv **params,
		  size_t *n, const char *arg);
/* Prints usage and help of cmd to out. */
void cli_usage(const struct cmd_entry *cmd, FILE *out);
/* True (and prints help to stdout) if argv asks for --help / -h. */
bool cli_wants_help(const struct cmd_entry *cmd, int argc, char **argv);
/* Opens the project.  Returns 0, or EXIT_CONFIG (after printing the
 * errors) when baton.yaml is invalid.  Broken pipeline files do not
 * fail here: their errors are added to d for the caller to print or
 * filter, and project->broken lists them. */
int cli_open_project(struct cli *cli, struct project **out,
		     struct diags *d);
/* Checks that pipeline `name` and every pipeline it runs are valid;
 * prints their errors (and a one-line warning for unrelated broken
 * files).  Returns the pipeline, or NULL after printing why not. */
struct pipeline *cli_pipeline(struct cli *cli, const struct cmd_entry *cmd,
			      struct project *p, struct diags *d,
			      const char *name);
/* The tenants file cli_open_tenants() reads, as an absolute path (for
 * child processes, which run elsewhere).  Caller frees with free(). */
char *cli_tenants_location(const struct cli *cli);
/* Opens the tenants file named by --tenants, else BATON_TENANTS, else
 * PROJECT_ROOT/users.yaml (shown as DIR/users.yaml, DIR being --project
 * as given), and checks the pipelines its tenants name exist in p.
 * Returns 0 and sets *out (caller frees with tenants_free()), or
 * EXIT_CONFIG after printing every error.  When !required and no file
 * was named and the default one does not exist, sets *out = NULL and
 * returns 0. */
int cli_open_tenants(struct cli *cli, const struct project *p, bool required,
		     struct tenants **out);

/* What to do around one run (execute.c). */
struct exec_opts {
	bool quiet;		/* no board, no summary */
	bool no_summary;
	const char *report;	/* --report FILE */
	const char *format;	/* json (default) or csv */
};
struct run_spec;
struct engine_config;
struct board;
/* The live board on a terminal (unless BATON_PLAIN is set), plain event
 * lines otherwise.  Caller frees with board_free(). */
struct board *cli_board(bool quiet);
/* Fills cfg from the project and the global options; release what it
 * allocates with cli_engine_config_release(). */
void cli_engine_config(struct cli *cli, const struct project *p,
		       struct engine_config *cfg);
void cli_engine_config_release(struct engine_config *cfg);
/* Runs spec to the end with a board, then prints the summary, writes
 * the report and applies retention.  Returns the exit code. */
int cli_execute(struct cli *cli, struct project *p, struct store *s,
		const struct run_spec *spec, const struct exec_opts *o);
/* Opens the store named by --state, BATON_STATE or baton.yaml, and
 * recovers runs whose baton died (telling the user on stderr).
 * Returns 0 or EXIT_INTERNAL. */
int cli_open_store(struct cli *cli, const struct project *p,
		   struct store **out);
/* The store location cli_open_store() uses.  Borrowed. */
const char *cli_store_location(const struct cli *cli,
			       const struct project *p);
/* True when the store may already hold runs: a database URL, or a
 * SQLite file that exists.  Read-only verbs check this so that looking
 * never creates an empty database. */
bool cli_store_exists(const struct cli *cli, const struct project *p);
/* Deletes the runs that fall outside the retention limits, then their
 * log directories.  days and runs override baton.yaml's retention when
 * >= 0 (0 = no limit).  Returns the number of runs removed, or a
 * negative code when the store failed. */
int cli_apply_retention(const struct project *p, struct store *s,
			int64_t days, int64_t runs);

#endif
