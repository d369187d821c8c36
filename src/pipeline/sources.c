/* sources.c - `sources:` in baton.yaml: where batch jobs find items. */
#include <stdlib.h>
#include <string.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "project.h"
#include "project_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define DEFAULT_COMMAND_TIMEOUT_MS 60000

static const char *const source_keys[] = {
	"tenants", "file", "command", "format", "timeout", "kind",
	"unknown_users", NULL,
};
static const char *const tenants_keys[] = {"platform", "tags", NULL};

/* `tenants: all`, `tenants: {}` or `tenants: {platform: P, tags: [..]}`. */
static int load_tenants(struct source_setting *src, const struct ynode *v,
			const char *file, struct diags *d)
{
	const char **tags = NULL;
	const char *platform = NULL;
	size_t ntags = 0;

	if (v->kind == YN_SCALAR && (ynode_is_null(v) ||
				     !strcmp(v->str, "all")))
		return 0;
	if (v->kind != YN_MAP) {
		diags_at(d, file, v, "source '%s': 'tenants' must be 'all' or "
			 "a mapping like {platform: facebook, tags: [vip]}",
			 src->name);
		return -1;
	}
	if (ymap_check_keys(v, tenants_keys, "a tenants source", file, d) < 0 ||
	    yget_str(v, "platform", &platform, file, d) < 0 ||
	    yget_strlist(v, "tags", &tags, &ntags, file, d) < 0)
		return -1;
	src->platform = xstrdup(platform);
	src->tags = xcalloc(ntags + 1, sizeof(*src->tags));
	for (size_t i = 0; i < ntags; i++)
		src->tags[i] = xstrdup(tags[i]);
	src->ntags = ntags;
	free(tags);
	return 0;
}

/* The format of a file source: `format:`, else from the extension. */
static int file_format(struct source_setting *src, const struct ynode *m,
		       const char *path, const char *file, struct diags *d)
{
	static const char *const formats[] = {"json", "jsonl", "csv", NULL};
	const char *f = NULL;

	if (yget_str(m, "format", &f, file, d) < 0)
		return -1;
	if (!f)
		f = str_ends(path, ".json")	 ? "json"
		    : str_ends(path, ".jsonl") ? "jsonl"
		    : str_ends(path, ".ndjson") ? "jsonl"
		    : str_ends(path, ".csv")	 ? "csv"
						 : NULL;
	for (size_t i = 0; f && formats[i]; i++)
		if (!strcmp(f, formats[i])) {
			src->format = xstrdup(f);
			return 0;
		}
	diags_at(d, file, ymap_get(m, f ? "format" : "file"),
		 f ? "source '%s': format must be json, jsonl or csv, not "
		     "'%s'"
		   : "source '%s': cannot tell the format of '%s' (name it "
		     ".json, .jsonl or .csv, or add format: json|jsonl|csv)",
		 src->name, f ? f : path);
	return -1;
}

/* kind and unknown_users: how items refer to users. */
static int load_user_opts(struct source_setting *src, const struct ynode *m,
			  const char *file, struct diags *d)
{
	const char *kind = NULL, *unknown = NULL;
	int rc = 0;

	if (yget_str(m, "kind", &kind, file, d) < 0 ||
	    yget_str(m, "unknown_users", &unknown, file, d) < 0)
		return -1;
	if (kind && strcmp(kind, "items") && strcmp(kind, "users")) {
		diags_at(d, file, ymap_get(m, "kind"), "source '%s': kind is "
			 "'items' or 'users', not '%s'", src->name, kind);
		rc = -1;
	}
	if (unknown && strcmp(unknown, "drop") && strcmp(unknown, "prune")) {
		diags_at(d, file, ymap_get(m, "unknown_users"), "source '%s': "
			 "unknown_users is 'drop' or 'prune', not '%s'",
			 src->name, unknown);
		rc = -1;
	}
	src->user_items = kind && !strcmp(kind, "users");
	src->prune_refs = unknown && !strcmp(unknown, "prune");
	return rc;
}

/* Which of tenants/file/command m gives; reports none or several. */
static const struct ypair *what_of(const char *name, const struct ynode *m,
				   const char *file, struct diags *d)
{
	static const char *const kinds[] = {"tenants", "file", "command"};
	const struct ypair *found = NULL;

	for (size_t i = 0; i < 3; i++) {
		const struct ypair *p = ymap_pair(m, kinds[i]);

		if (!p)
			continue;
		if (found) {
			diags_at(d, file, p->key, "source '%s' gives both '%s' "
				 "and '%s'; give one", name, found->key->str,
				 p->key->str);
			return NULL;
		}
		found = p;
	}
	if (!found)
		diags_at(d, file, m, "source '%s' needs one of 'tenants', "
			 "'file' or 'command'", name);
	return found;
}

static int load_one(struct source_setting *src, const struct ynode *m,
		    const char *dir, const char *file, struct diags *d)
{
	const struct ypair *what = what_of(src->name, m, file, d);
	const char *s = NULL;

	if (!what || load_user_opts(src, m, file, d) < 0)
		return -1;
	if (!strcmp(what->key->str, "tenants")) {
		src->kind = SOURCE_TENANTS;
		return load_tenants(src, what->val, file, d);
	}
	if (yget_str(m, what->key->str, &s, file, d) < 0)
		return -1;
	if (!s || !*s) {
		diags_at(d, file, what->val, "source '%s' has an empty '%s'",
			 src->name, what->key->str);
		return -1;
	}
	if (!strcmp(what->key->str, "command")) {
		src->kind = SOURCE_COMMAND;
		src->command = xstrdup(s);
		src->timeout_ms = DEFAULT_COMMAND_TIMEOUT_MS;
		return yget_duration(m, "timeout", &src->timeout_ms, file, d);
	}
	src->kind = SOURCE_FILE;
	src->path = s[0] == '/' ? xstrdup(s) : xasprintf("%s/%s", dir, s);
	return file_format(src, m, s, file, d);
}

static void source_release(struct source_setting *src)
{
	free(src->name);
	free(src->path);
	free(src->format);
	free(src->command);
	free(src->platform);
	for (size_t i = 0; i < src->ntags; i++)
		free(src->tags[i]);
	free(src->tags);
	memset(src, 0, sizeof(*src));
}

void sources_load(struct settings *s, const struct ynode *root,
		  const char *dir, const char *file, struct diags *d)
{
	const struct ynode *m = ymap_get(root, "sources");

	if (!m || ynode_is_null(m))
		return;
	if (m->kind != YN_MAP) {
		diags_at(d, file, m, "'sources' must be a mapping like "
			 "{niche: {file: data/niche.json}}");
		return;
	}
	s->sources = xcalloc(m->n + 1, sizeof(*s->sources));
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->pairs[i].key, *v = m->pairs[i].val;
		struct source_setting *src = &s->sources[s->nsources];

		if (k->kind != YN_SCALAR || v->kind != YN_MAP) {
			diags_at(d, file, v, "source '%s' must be a mapping "
				 "like {file: data/items.json}",
				 k->kind == YN_SCALAR ? k->str : "?");
			continue;
		}
		src->name = xstrdup(k->str);
		src->line = k->line;
		src->col = k->col;
		if (ymap_check_keys(v, source_keys, "a source", file, d) < 0 ||
		    load_one(src, v, dir, file, d) < 0) {
			source_release(src);
			continue;
		}
		s->nsources++;
	}
}

void sources_release(struct settings *s)
{
	for (size_t i = 0; i < s->nsources; i++)
		source_release(&s->sources[i]);
	free(s->sources);
	s->sources = NULL;
	s->nsources = 0;
}

const struct source_setting *project_source(const struct project *p,
					    const char *name)
{
	for (size_t i = 0; i < p->settings.nsources; i++)
		if (!strcmp(p->settings.sources[i].name, name))
			return &p->settings.sources[i];
	return NULL;
}
