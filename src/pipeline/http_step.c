/* http_step.c - the `http:` mapping of a step. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "pipeline.h"
#include "util/alloc.h"
#include "util/str.h"

#define DEFAULT_MAX_BYTES (10 << 20)

static const char *const http_keys[] = {
	"method", "url", "headers", "query", "body", "timeout", "expect",
	"output", "max_bytes", NULL,
};
static const char *const methods[] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", NULL,
};

/* A YAML value as JSON: plain scalars that read as numbers, booleans or
 * null become those; everything quoted stays a string. */
static json_t *to_json(const struct ynode *n)
{
	json_t *v;
	int64_t i;
	double x;

	switch (n->kind) {
	case YN_SEQ:
		v = json_array();
		for (size_t k = 0; k < n->n; k++)
			json_array_append_new(v, to_json(n->items[k]));
		return v;
	case YN_MAP:
		v = json_object();
		for (size_t k = 0; k < n->n; k++)
			json_object_set_new(v, n->pairs[k].key->str,
					    to_json(n->pairs[k].val));
		return v;
	default:
		break;
	}
	if (n->plain) {
		if (ynode_is_null(n))
			return json_null();
		if (!strcmp(n->str, "true"))
			return json_true();
		if (!strcmp(n->str, "false"))
			return json_false();
		if (str_to_i64(n->str, &i) == 0)
			return json_integer(i);
		if (str_to_double(n->str, &x) == 0)
			return json_real(x);
	}
	return json_string(n->str);
}

static int load_map(const struct ynode *h, const char *key, const char *file,
		    struct diags *d, struct kv **out, size_t *n)
{
	const struct ynode *m = ymap_get(h, key);

	if (!m || ynode_is_null(m))
		return 0;
	if (m->kind != YN_MAP) {
		diags_at(d, file, m, "http '%s' must be a mapping", key);
		return -1;
	}
	*out = xcalloc(m->n + 1, sizeof(**out));
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *v = m->pairs[i].val;

		if (v->kind != YN_SCALAR) {
			diags_at(d, file, v, "http %s '%s' must be a string",
				 key, m->pairs[i].key->str);
			return -1;
		}
		(*out)[*n].key = xstrdup(m->pairs[i].key->str);
		(*out)[*n].val = xstrdup(v->str);
		(*out)[*n].pos = (struct srcpos){v->line, v->col};
		(*n)++;
	}
	return 0;
}

static int load_expect(const struct ynode *h, const char *file,
		       struct diags *d, struct http_spec *s)
{
	const struct ynode *e = ymap_get(h, "expect");
	size_t n;

	if (!e || ynode_is_null(e))
		return 0;
	n = e->kind == YN_SEQ ? e->n : 1;
	s->expect = xcalloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const struct ynode *v = e->kind == YN_SEQ ? e->items[i] : e;
		int64_t code;

		if (v->kind != YN_SCALAR || str_to_i64(v->str, &code) < 0 ||
		    code < 100 || code > 599) {
			diags_at(d, file, v, "http 'expect' takes HTTP status "
				 "codes (100-599)");
			return -1;
		}
		s->expect[s->nexpect++] = (int)code;
	}
	return 0;
}

static int load_method(const struct ynode *h, const char *file,
		       struct diags *d, struct http_spec *s)
{
	const char *m = NULL;

	if (yget_str(h, "method", &m, file, d) < 0)
		return -1;
	if (!m) {
		s->method = xstrdup(s->body || s->body_text ? "POST" : "GET");
		return 0;
	}
	for (size_t i = 0; methods[i]; i++)
		if (!strcasecmp(m, methods[i])) {
			s->method = xstrdup(methods[i]);
			return 0;
		}
	diags_at(d, file, ymap_get(h, "method"),
		 "http method '%s' is not one of GET, POST, PUT, PATCH, "
		 "DELETE, HEAD", m);
	return -1;
}

int http_spec_load(const struct ynode *h, const char *file,
		   struct diags *d, struct http_spec **out)
{
	struct http_spec *s = xcalloc(1, sizeof(*s));
	const char *url = NULL, *output = NULL;
	const struct ynode *body;
	int64_t max = DEFAULT_MAX_BYTES;
	int rc = 0;

	s->pos = (struct srcpos){h->line, h->col};
	if (h->kind != YN_MAP) {
		diags_at(d, file, h, "'http' must be a mapping with at least "
			 "a 'url'");
		http_spec_free(s);
		return -1;
	}
	if (ymap_check_keys(h, http_keys, "http", file, d) < 0 ||
	    ymap_require(h, "url", "http", file, d) < 0 ||
	    yget_str(h, "url", &url, file, d) < 0 ||
	    yget_str(h, "output", &output, file, d) < 0 ||
	    yget_int(h, "max_bytes", 1, 1LL << 32, &max, file, d) < 0 ||
	    load_map(h, "headers", file, d, &s->headers, &s->nheaders) < 0 ||
	    load_map(h, "query", file, d, &s->query, &s->nquery) < 0 ||
	    load_expect(h, file, d, s) < 0)
		rc = -1;
	body = ymap_get(h, "body");
	if (body && !ynode_is_null(body)) {
		if (body->kind == YN_SCALAR)
			s->body_text = xstrdup(body->str);
		else
			s->body = to_json(body);
	}
	if (!rc && load_method(h, file, d, s) < 0)
		rc = -1;
	s->url = xstrdup(url);
	s->output = xstrdup(output);
	s->max_bytes = max;
	if (rc < 0) {
		http_spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static void kv_release(struct kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
		free(v[i].desc);
	}
	free(v);
}

void http_spec_free(struct http_spec *h)
{
	if (!h)
		return;
	free(h->method);
	free(h->url);
	kv_release(h->headers, h->nheaders);
	kv_release(h->query, h->nquery);
	json_decref(h->body);
	free(h->body_text);
	free(h->expect);
	free(h->output);
	free(h);
}
