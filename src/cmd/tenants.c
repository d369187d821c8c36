/* tenants.c - `baton tenants`: the tenants of users.yaml, without their
 * credentials. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/diag.h"
#include "pipeline/pipeline.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"

extern const struct cmd_entry cmd_tenants;

struct opts {
	bool json;
	const char *platform;
	const char **tags;	/* borrowed from argv */
	size_t ntags;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'J'},
		{"platform", required_argument, NULL, 'P'},
		{"tag", required_argument, NULL, 'T'},
		{0},
	};
	size_t cap = 0;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'J') {
			o->json = true;
		} else if (c == 'P') {
			o->platform = optarg;
		} else if (c == 'T') {
			xgrow((void **)&o->tags, &cap, o->ntags + 1,
			      sizeof(*o->tags));
			o->tags[o->ntags++] = optarg;
		} else {
			return -1;
		}
	}
	if (optind < argc) {
		cli_error(&cmd_tenants, "unexpected argument '%s' (filter "
			  "with --platform P or --tag T)", argv[optind]);
		return -1;
	}
	return 0;
}

/* The enabled pipelines of t, comma-separated, or "-".  Caller frees. */
static char *enabled_pipelines(const struct tenant *t)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->npipelines; i++) {
		if (!t->pipelines[i].enabled)
			continue;
		if (b.len)
			buf_addch(&b, ',');
		buf_addstr(&b, t->pipelines[i].name);
	}
	if (!b.len)
		buf_addch(&b, '-');
	return buf_detach(&b);
}

static char *join_tags(const struct tenant *t)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->ntags; i++) {
		if (i)
			buf_addch(&b, ',');
		buf_addstr(&b, t->tags[i]);
	}
	if (!b.len)
		buf_addch(&b, '-');
	return buf_detach(&b);
}

static int width(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

static void print_table(const struct tenants *t, const bool *show)
{
	int wid = 2, wname = 4, wplat = 8, wtags = 4;

	for (size_t i = 0; i < t->n; i++) {
		const struct tenant *tn = &t->v[i];
		char *tags = join_tags(tn);

		if (show[i]) {
			wid = width(wid, tn->id);
			wname = width(wname, tn->name);
			wplat = width(wplat, tn->platform ? tn->platform : "-");
			wtags = width(wtags, tags);
		}
		free(tags);
	}
	printf("%-*s  %-*s  %-*s  %-7s  %-*s  %s\n", wid, "ID", wname, "NAME",
	       wplat, "PLATFORM", "ENABLED", wtags, "TAGS", "PIPELINES");
	for (size_t i = 0; i < t->n; i++) {
		const struct tenant *tn = &t->v[i];
		char *tags, *pipes;

		if (!show[i])
			continue;
		tags = join_tags(tn);
		pipes = enabled_pipelines(tn);
		printf("%-*s  %-*s  %-*s  %-7s  %-*s  %s\n", wid, tn->id, wname,
		       tn->name, wplat, tn->platform ? tn->platform : "-",
		       tn->enabled ? "yes" : "no", wtags, tags, pipes);
		free(tags);
		free(pipes);
	}
}

/* One tenant as JSON: everything but the credential values (only
 * their names).  Returns a new reference. */
static json_t *tenant_json(const struct tenant *t)
{
	json_t *o = json_object(), *tags = json_array(), *on = json_array();
	json_t *off = json_array(), *creds = json_array();

	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "platform", t->platform
						   ? json_string(t->platform)
						   : json_null());
	json_object_set_new(o, "enabled", json_boolean(t->enabled));
	for (size_t i = 0; i < t->ntags; i++)
		json_array_append_new(tags, json_string(t->tags[i]));
	json_object_set_new(o, "tags", tags);
	for (size_t i = 0; i < t->npipelines; i++)
		json_array_append_new(t->pipelines[i].enabled ? on : off,
				      json_string(t->pipelines[i].name));
	json_object_set_new(o, "pipelines", on);
	json_object_set_new(o, "disabled_pipelines", off);
	for (size_t i = 0; i < t->ncredentials; i++)
		json_array_append_new(creds,
				      json_string(t->credentials[i].key));
	json_object_set_new(o, "credentials", creds);
	json_object_set_new(o, "preferences",
			    t->preferences ? json_deep_copy(t->preferences)
					   : json_null());
	json_object_set_new(o, "fields", json_deep_copy(t->fields));
	json_object_set_new(o, "line", json_integer(t->line));
	return o;
}

static void print_json(const struct tenants *t, const bool *show)
{
	json_t *a = json_array();

	for (size_t i = 0; t && i < t->n; i++)
		if (show[i])
			json_array_append_new(a, tenant_json(&t->v[i]));
	json_dumpf(a, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(a);
}

static void print_text(const struct tenants *t, const bool *show,
		       size_t nshown)
{
	if (!t) {
		printf("No tenants: there is no users.yaml in the project. "
		       "Create one (see docs/tenants.md),\nor name a file "
		       "with --tenants FILE or BATON_TENANTS.\n");
		return;
	}
	if (!nshown) {
		printf("No tenant in %s matches the filters.\n", t->file);
		return;
	}
	print_table(t, show);
	if (nshown < t->n)
		printf("\n%zu of %zu tenants in %s\n", nshown, t->n, t->file);
	else
		printf("\n%zu tenant%s in %s\n", t->n, t->n == 1 ? "" : "s",
		       t->file);
}

static int exec_tenants(struct cli *cli, int argc, char **argv)
{
	struct opts o = {0};
	struct project *proj = NULL;
	struct tenants *t = NULL;
	bool *show = NULL;
	size_t nshown = 0;
	struct diags d;
	int code;

	diags_init(&d);
	if (parse(argc, argv, &o) < 0) {
		code = EXIT_CONFIG;
		goto out;
	}
	/* Broken pipeline files are `baton validate`'s business here; a
	 * tenant naming one is not an error. */
	code = cli_open_project(cli, &proj, &d);
	if (code)
		goto out;
	code = cli_open_tenants(cli, proj, false, &t);
	if (code)
		goto out;
	show = xcalloc(t ? t->n + 1 : 1, sizeof(*show));
	for (size_t i = 0; t && i < t->n; i++) {
		show[i] = tenant_matches(&t->v[i], o.platform, o.tags,
					 o.ntags);
		nshown += show[i];
	}
	if (o.json)
		print_json(t, show);
	else
		print_text(t, show, nshown);
out:
	free(show);
	free(o.tags);
	tenants_free(t);
	project_free(proj);
	diags_release(&d);
	return code;
}

const struct cmd_entry cmd_tenants = {
	.name = "tenants",
	.usage = "tenants [--json] [--platform P] [--tag T]",
	.summary = "List the tenants of users.yaml (never their credentials).",
	.help = "Reads the tenants file (users.yaml at the project root, or "
		"--tenants FILE,\nor BATON_TENANTS), checks it, and lists each "
		"tenant: id, name, platform,\nwhether it is enabled, its tags "
		"and its enabled pipelines.  Credential\nvalues are never "
		"shown.  See docs/tenants.md for the file format.\n\n"
		"Options:\n"
		"      --json         print a JSON array: id, name, platform, "
		"enabled, tags,\n"
		"                     pipelines, disabled_pipelines, "
		"credentials (names only),\n"
		"                     preferences, fields, line\n"
		"      --platform P   only tenants on platform P\n"
		"      --tag T        only tenants tagged T (repeat: any of "
		"them)\n",
	.exec = exec_tenants,
};
