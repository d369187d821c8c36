/* graph.c - `baton graph`: a pipeline's DAG as Mermaid or Graphviz DOT. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "util/alloc.h"
#include "util/buf.h"

extern const struct cmd_entry cmd_graph;

enum format { FMT_MERMAID, FMT_DOT };

/* Mermaid node ids: "step_" + the name with anything but letters,
 * digits and '_' replaced by '_' (the prefix keeps ids clear of
 * keywords such as "end").  Names that collide after sanitizing get
 * their step index appended.  Caller frees with free_ids(). */
static char **mermaid_ids(const struct pipeline *p)
{
	char **ids = xcalloc(p->nsteps ? p->nsteps : 1, sizeof(*ids));

	for (size_t i = 0; i < p->nsteps; i++) {
		char *id = xasprintf("step_%s", p->steps[i].name);

		for (char *c = id; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				*c = '_';
		for (size_t k = 0; k < i; k++)
			if (!strcmp(ids[k], id)) {
				char *again = xasprintf("%s_%zu", id, i);

				free(id);
				id = again;
				break;
			}
		ids[i] = id;
	}
	return ids;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Writes s as the text of a quoted Mermaid label: quotes and angle
 * brackets become entity codes so that no name can break the syntax. */
static void mermaid_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			fputs("#quot;", out);
		else if (*s == '<')
			fputs("#lt;", out);
		else if (*s == '>')
			fputs("#gt;", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void print_mermaid(const struct pipeline *p)
{
	char **ids = mermaid_ids(p);

	printf("graph TD\n");
	for (size_t k = 0; k < p->nsteps; k++) {
		size_t i = p->order[k];
		const struct step *s = &p->steps[i];
		bool sub = s->kind == STEP_KIND_PIPELINE;

		if (sub) {
			printf("    %%%% %s runs pipeline ", ids[i]);
			mermaid_text(stdout, s->pipeline);
			putchar('\n');
		}
		printf("    %s%s\"", ids[i], sub ? "[[" : "[");
		mermaid_text(stdout, s->name);
		printf("\"%s\n", sub ? "]]" : "]");
	}
	for (size_t k = 0; k < p->nsteps; k++) {
		size_t i = p->order[k];

		for (size_t d = 0; d < p->steps[i].ndeps; d++)
			printf("    %s --> %s\n", ids[p->steps[i].dep_idx[d]],
			       ids[i]);
	}
	free_ids(ids, p->nsteps);
}

/* Writes s as a DOT double-quoted string, escaping what DOT would
 * otherwise read as syntax or as label escapes. */
static void dot_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else if (*s != '\r')
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_dot(const struct pipeline *p)
{
	printf("digraph ");
	dot_quoted(stdout, p->id);
	printf(" {\n\trankdir=TB;\n\tnode [shape=box, style=rounded];\n");
	for (size_t k = 0; k < p->nsteps; k++) {
		const struct step *s = &p->steps[p->order[k]];

		putchar('\t');
		dot_quoted(stdout, s->name);
		if (s->kind == STEP_KIND_PIPELINE) {
			struct buf tip;

			buf_init(&tip, 0);
			buf_addf(&tip, "runs pipeline %s", s->pipeline);
			printf(" [style=\"\", peripheries=2, tooltip=");
			dot_quoted(stdout, tip.data);
			putchar(']');
			buf_release(&tip);
		}
		printf(";\n");
	}
	for (size_t k = 0; k < p->nsteps; k++) {
		const struct step *s = &p->steps[p->order[k]];

		for (size_t d = 0; d < s->ndeps; d++) {
			putchar('\t');
			dot_quoted(stdout, p->steps[s->dep_idx[d]].name);
			printf(" -> ");
			dot_quoted(stdout, s->name);
			printf(";\n");
		}
	}
	printf("}\n");
}

/* Parses the options; sets *name to the pipeline argument. */
static int parse(int argc, char **argv, enum format *fmt, const char **name)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'F')
			return -1;
		if (!strcmp(optarg, "mermaid")) {
			*fmt = FMT_MERMAID;
		} else if (!strcmp(optarg, "dot")) {
			*fmt = FMT_DOT;
		} else {
			cli_error(&cmd_graph, "--format is mermaid or dot, not "
					      "'%s'", optarg);
			return -1;
		}
	}
	if (optind != argc - 1) {
		cli_error(&cmd_graph, optind >= argc
					      ? "which pipeline? (baton list "
						"shows them)"
					      : "one pipeline at a time");
		return -1;
	}
	*name = argv[optind];
	return 0;
}

static int exec_graph(struct cli *cli, int argc, char **argv)
{
	struct project *proj = NULL;
	struct pipeline *p;
	enum format fmt = FMT_MERMAID;
	const char *name = NULL;
	struct diags d;
	int code;

	if (parse(argc, argv, &fmt, &name) < 0)
		return EXIT_CONFIG;
	diags_init(&d);
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	p = cli_pipeline(cli, &cmd_graph, proj, &d, name);
	if (!p) {
		code = EXIT_CONFIG;
		goto out;
	}
	if (fmt == FMT_DOT)
		print_dot(p);
	else
		print_mermaid(p);
out:
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_graph = {
	.name = "graph",
	.usage = "graph PIPELINE [--format mermaid|dot]",
	.summary = "Print a pipeline's steps and dependencies as a graph.",
	.help = "Mermaid output (the default) pastes into Markdown on GitHub "
		"or GitLab inside a\n```mermaid block; DOT renders with "
		"Graphviz:\n\n"
		"  baton graph etl --format dot | dot -Tsvg > etl.svg\n\n"
		"An arrow goes from a step to each step that depends on it.  "
		"Steps that run\nanother pipeline are drawn with a double "
		"border, and a comment (Mermaid) or\ntooltip (DOT) names "
		"that pipeline.\n\n"
		"Options:\n"
		"      --format mermaid|dot   output format (default "
		"mermaid)\n",
	.exec = exec_graph,
};
