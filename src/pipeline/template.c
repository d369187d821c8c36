#include "template.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"

#define PATH_MAX_LEN 512

bool template_has_refs(const char *s)
{
	return s && strstr(s, "{{");
}

/* Finds the next reference at or after p; sets *open, *close (the
 * offsets of "{{" and just past "}}") and copies the trimmed path. */
static int next_ref(const char *tmpl, size_t from, size_t *open,
		    size_t *close, char *path, struct error *err)
{
	const char *o = strstr(tmpl + from, "{{"), *c, *a, *b;

	if (!o)
		return 0;
	c = strstr(o + 2, "}}");
	if (!c)
		return error_set(err, -1, "unterminated '{{' at offset %zu",
				 (size_t)(o - tmpl));
	a = o + 2;
	b = c;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	if (a == b)
		return error_set(err, -1, "empty '{{ }}' at offset %zu",
				 (size_t)(o - tmpl));
	if ((size_t)(b - a) >= PATH_MAX_LEN)
		return error_set(err, -1, "reference too long at offset %zu",
				 (size_t)(o - tmpl));
	for (const char *q = a; q < b; q++)
		if (!isalnum((unsigned char)*q) && !strchr("._-", *q))
			return error_set(err, -1,
					 "invalid reference '{{ %.*s }}': use "
					 "a dotted path like params.day",
					 (int)(b - a), a);
	memcpy(path, a, (size_t)(b - a));
	path[b - a] = '\0';
	*open = (size_t)(o - tmpl);
	*close = (size_t)(c + 2 - tmpl);
	return 1;
}

int template_scan(const char *tmpl, template_ref_fn fn, void *arg,
		  struct error *err)
{
	char path[PATH_MAX_LEN];
	size_t pos = 0, open, close;
	int rc;

	if (!tmpl)
		return 0;
	while ((rc = next_ref(tmpl, pos, &open, &close, path, err)) > 0) {
		rc = fn(arg, path, open);
		if (rc)
			return rc;
		pos = close;
	}
	return rc;
}

json_t *template_lookup(const json_t *ctx, const char *path)
{
	char seg[PATH_MAX_LEN];
	const char *p = path;
	json_t *cur = (json_t *)ctx;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		int64_t idx;

		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (json_is_object(cur))
			cur = json_object_get(cur, seg);
		else if (json_is_array(cur) && str_to_i64(seg, &idx) == 0 &&
			 idx >= 0)
			cur = json_array_get(cur, (size_t)idx);
		else
			return NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

static void append_value(struct buf *b, const json_t *v)
{
	char *text;

	if (json_is_string(v)) {
		buf_add(b, json_string_value(v), json_string_length(v));
		return;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text)
		buf_addstr(b, text);
	free(text);
}

int template_render(const char *tmpl, const json_t *ctx, char **out,
		    struct error *err)
{
	char path[PATH_MAX_LEN];
	size_t pos = 0, open, close;
	struct buf b;
	int rc;

	buf_init(&b, 0);
	while ((rc = next_ref(tmpl, pos, &open, &close, path, err)) > 0) {
		json_t *v = template_lookup(ctx, path);

		if (!v) {
			buf_release(&b);
			return error_set(err, -1, "'{{ %s }}' has no value",
					 path);
		}
		buf_add(&b, tmpl + pos, open - pos);
		append_value(&b, v);
		pos = close;
	}
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	buf_addstr(&b, tmpl + pos);
	*out = buf_detach(&b);
	return 0;
}
