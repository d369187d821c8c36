/* cli.c - helpers shared by the CLI verbs. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/diag.h"
#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "store/store.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/timeutil.h"

void cli_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "baton %s: ", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_add_param(const struct cmd_entry *cmd, struct kv **params,
		  size_t *n, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg) {
		cli_error(cmd, "--param needs KEY=VALUE, not '%s'", arg);
		return -1;
	}
	*params = xrealloc(*params, (*n + 1) * sizeof(**params));
	(*params)[*n] = (struct kv){.key = xstrndup(arg, (size_t)(eq - arg)),
				    .val = xstrdup(eq + 1)};
	(*n)++;
	return 0;
}

void cli_usage(const struct cmd_entry *cmd, FILE *out)
{
	fprintf(out, "usage: baton %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->help && *cmd->help)
		fprintf(out, "\n%s", cmd->help);
	fprintf(out, "\nGlobal options (anywhere on the line):\n"
		     "  --project DIR   project root (default: .)\n"
		     "  --state PATH    state database (default: "
		     ".baton/state.db; env BATON_STATE)\n"
		     "  --tenants FILE  tenants file (default: users.yaml "
		     "in the project;\n"
		     "                  env BATON_TENANTS)\n");
}

bool cli_wants_help(const struct cmd_entry *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_usage(cmd, stdout);
			return true;
		}
	}
	return false;
}

int cli_open_project(struct cli *cli, struct project **out,
		     struct diags *d)
{
	if (project_open(cli->project_dir, out, d) < 0) {
		diags_print(d, stderr, cli->color);
		return EXIT_CONFIG;
	}
	project_check_refs(*out, d);
	return 0;
}

/* The tenants file to read: --tenants, BATON_TENANTS, or the project's
 * users.yaml.  *from names where it came from, NULL for the default.
 * Caller frees. */
static char *tenants_path(const struct cli *cli, const char **from)
{
	const char *env = getenv("BATON_TENANTS");
	const char *dir = cli->project_dir;
	size_t len = strlen(dir);

	*from = NULL;
	if (cli->tenants) {
		*from = "--tenants";
		return xstrdup(cli->tenants);
	}
	if (env && *env) {
		*from = "BATON_TENANTS";
		return xstrdup(env);
	}
	/* Keep the path as the user wrote --project: messages then read
	 * users.yaml:9:21 from the project root. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (!strcmp(dir, "."))
		return xstrdup("users.yaml");
	return xasprintf("%.*s/users.yaml", (int)len, dir);
}

char *cli_tenants_location(const struct cli *cli)
{
	const char *from;
	char *file = tenants_path(cli, &from), *abs, *cwd;

	if (file[0] == '/')
		return file;
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return file;
	abs = xasprintf("%s/%s", cwd, file);
	free(cwd);
	free(file);
	return abs;
}

int cli_open_tenants(struct cli *cli, const struct project *p, bool required,
		     struct tenants **out)
{
	struct tenants *t = NULL;
	struct diags d;
	const char *from;
	char *file = tenants_path(cli, &from);
	int code = EXIT_CONFIG;

	diags_init(&d);
	if (access(file, F_OK) < 0) {
		if (!from && !required) {
			*out = NULL;
			code = 0;
		} else if (from) {
			fprintf(stderr, "baton: cannot read the tenants file "
					"%s (named by %s): %s\n",
				file, from, strerror(errno));
		} else {
			fprintf(stderr, "baton: no tenants file: %s does not "
					"exist (create it, or name one with "
					"--tenants FILE or BATON_TENANTS)\n",
				file);
		}
		goto out;
	}
	if (tenants_load(file, &t, &d) < 0 ||
	    tenants_check_pipelines(t, p, &d) < 0) {
		diags_print(&d, stderr, cli->color);
		tenants_free(t);
		goto out;
	}
	*out = t;
	code = 0;
out:
	diags_release(&d);
	free(file);
	return code;
}

/* Adds p's id and the ids of every pipeline it runs to *ids. */
static void needed(struct project *proj, const char *id, const char ***ids,
		   size_t *n, size_t *cap)
{
	struct pipeline *p;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*ids)[i], id))
			return;
	xgrow((void **)ids, cap, *n + 1, sizeof(**ids));
	(*ids)[(*n)++] = id;
	p = project_find(proj, id);
	for (size_t i = 0; p && i < p->nsteps; i++)
		if (p->steps[i].kind == STEP_KIND_PIPELINE)
			needed(proj, p->steps[i].pipeline, ids, n, cap);
}

static bool file_of(const char *file, const char *id)
{
	const char *base = strrchr(file, '/');
	size_t n = strlen(id);

	base = base ? base + 1 : file;
	return !strncmp(base, id, n) &&
	       (!strcmp(base + n, ".yaml") || !strcmp(base + n, ".yml"));
}

struct pipeline *cli_pipeline(struct cli *cli, const struct cmd_entry *cmd,
			      struct project *p, struct diags *d,
			      const char *name)
{
	struct pipeline *pl = project_find(p, name);
	const char **ids = NULL;
	size_t n = 0, cap = 0;
	struct diags mine;
	bool bad = false;

	if (!pl && !project_is_broken(p, name)) {
		const char *hint = project_suggest(p, name);

		cli_error(cmd, "no pipeline '%s' in %s%s%s%s", name,
			  p->pipelines_dir, hint ? " (did you mean '" : "",
			  hint ? hint : "", hint ? "'?)" : "");
		return NULL;
	}
	needed(p, pl ? pl->id : name, &ids, &n, &cap);
	diags_init(&mine);
	for (size_t i = 0; i < d->n; i++) {
		bool ours = false;

		for (size_t k = 0; k < n && !ours; k++)
			ours = file_of(d->v[i].file, ids[k]);
		if (ours) {
			diags_add(&mine, d->v[i].file, d->v[i].line,
				  d->v[i].col, "%s", d->v[i].msg);
			bad = true;
		}
	}
	for (size_t i = 0; i < p->nbroken; i++) {
		bool ours = false;

		for (size_t k = 0; k < n && !ours; k++)
			ours = file_of(p->broken[i], ids[k]);
		if (!ours)
			fprintf(stderr, "baton: warning: %s has errors (run "
					"'baton validate')\n", p->broken[i]);
	}
	free(ids);
	if (bad) {
		diags_print(&mine, stderr, cli->color);
		fprintf(stderr, "baton %s: %zu error%s; nothing was run\n",
			cmd->name, mine.n, mine.n == 1 ? "" : "s");
	}
	diags_release(&mine);
	return bad ? NULL : pl;
}

const char *cli_store_location(const struct cli *cli,
			       const struct project *p)
{
	const char *env = getenv("BATON_STATE");

	if (cli->state)
		return cli->state;
	if (env && *env)
		return env;
	return p->settings.state;
}

int cli_open_store(struct cli *cli, const struct project *p,
		   struct store **out)
{
	struct error err = {0};
	char *notes = NULL;
	int n;

	if (store_open(cli_store_location(cli, p), out, &err) < 0) {
		fprintf(stderr, "baton: cannot open the state store %s: %s\n",
			cli_store_location(cli, p), err.msg);
		return EXIT_INTERNAL;
	}
	n = engine_recover(*out, &notes);
	if (n > 0 && notes)
		fprintf(stderr, "baton: %s", notes);
	free(notes);
	return 0;
}

bool cli_store_exists(const struct cli *cli, const struct project *p)
{
	const char *loc = cli_store_location(cli, p);

	return strstr(loc, "://") || access(loc, F_OK) == 0;
}

int cli_apply_retention(const struct project *p, struct store *s,
			int64_t days, int64_t runs)
{
	char **dirs = NULL;
	size_t n = 0;
	int64_t before = 0;
	int rc;

	if (days < 0)
		days = p->settings.retention_days;
	if (runs < 0)
		runs = p->settings.retention_runs;
	if (!days && !runs)
		return 0;
	if (runs > INT_MAX)
		runs = INT_MAX;
	if (days)
		before = time_wall_ms() - days * 86400000LL;
	rc = store_prune(s, before, (int)runs, &dirs, &n);
	if (rc < 0)
		return rc;
	/* Only ever delete what baton created: STATE_DIR/runs/run_... */
	for (size_t i = 0; i < n; i++)
		if (dirs[i] && strstr(dirs[i], "/runs/run_"))
			fs_remove_tree(dirs[i]);
	strv_free(dirs, n);
	return n > INT_MAX ? INT_MAX : (int)n;
}
