/* validate.c - `baton validate`: report every problem in pipeline files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "util/alloc.h"
#include "util/str.h"

extern const struct cmd_entry cmd_validate;

/* Validates one file as a pipeline whose steps run in workdir. */
static size_t check_file(const char *file, const char *workdir,
			 struct diags *d)
{
	struct pipeline *p = pipeline_load(file, workdir, d);
	size_t nsteps = p ? p->nsteps : 0;

	pipeline_free(p);
	return nsteps;
}

static int check_dir(const char *dir, struct diags *d, size_t *nfiles)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!dh)
		return -errno;
	while ((de = readdir(dh)))
		if (de->d_name[0] != '.' && (str_ends(de->d_name, ".yaml") ||
					     str_ends(de->d_name, ".yml"))) {
			xgrow((void **)&names, &cap, n + 1, sizeof(*names));
			names[n++] = xasprintf("%s/%s", dir, de->d_name);
		}
	closedir(dh);
	for (size_t i = 0; i < n; i++) {
		check_file(names[i], dir, d);
		free(names[i]);
	}
	free(names);
	*nfiles += n;
	return 0;
}

/* With no arguments: the whole project, including references between
 * pipelines. */
static int check_project(struct cli *cli, struct diags *d, size_t *nfiles)
{
	struct project *p = NULL;
	int code = cli_open_project(cli, &p, d);

	if (code)
		return -1;
	*nfiles = p->n + p->nbroken;
	project_free(p);
	return 0;
}

static int exec_validate(struct cli *cli, int argc, char **argv)
{
	struct diags d;
	size_t nfiles = 0;
	int code = EXIT_OK;
	bool quiet = false;
	int first = 1;

	if (argc > 1 && (!strcmp(argv[1], "-q") || !strcmp(argv[1], "--quiet"))) {
		quiet = true;
		first = 2;
	}
	diags_init(&d);
	if (argc <= first && check_project(cli, &d, &nfiles) < 0) {
		diags_release(&d);
		return EXIT_CONFIG;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			diags_add(&d, argv[i], 0, 0, "cannot read: %s",
				  strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			char *pdir = xasprintf("%s/pipelines", argv[i]);
			struct stat ps;

			check_dir(stat(pdir, &ps) == 0 ? pdir : argv[i], &d,
				  &nfiles);
			free(pdir);
		} else {
			char *dir = xstrdup(argv[i]), *slash = strrchr(dir, '/');

			if (slash)
				*slash = '\0';
			check_file(argv[i], slash ? dir : ".", &d);
			free(dir);
			nfiles++;
		}
	}
	if (d.n) {
		diags_print(&d, stderr, cli->color);
		fprintf(stderr, "%zu error%s in %zu file%s\n", d.n,
			d.n == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
		code = EXIT_CONFIG;
	} else if (!quiet) {
		printf("%zu pipeline file%s OK\n", nfiles, nfiles == 1 ? "" : "s");
	}
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_validate = {
	.name = "validate",
	.usage = "validate [-q] [FILE|DIR ...]",
	.summary = "Check pipeline files and report every problem found.",
	.help = "With no arguments, checks the whole project (pipelines/ and "
		"baton.yaml,\nincluding references between pipelines).  A DIR "
		"is a project root or a\ndirectory of pipeline files.  Errors "
		"read FILE:LINE:COL: error: MESSAGE,\nwith the source line and "
		"a caret.  Exit code 1 when anything is wrong.\n\n"
		"Options:\n  -q, --quiet   print nothing when all is well\n",
	.exec = exec_validate,
};
