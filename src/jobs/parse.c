/* parse.c - items from CSV and JSON-lines text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobs_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"

/* A CSV cell as JSON: whole numbers, decimals, true/false as such,
 * empty as null, anything else as the text.  New reference. */
static json_t *cell_json(const char *s, bool quoted)
{
	int64_t i;
	double x;

	if (quoted)
		return json_string(s);
	if (!*s)
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "false"))
		return json_boolean(*s == 't');
	if (str_to_i64(s, &i) == 0)
		return json_integer((json_int_t)i);
	if (strspn(s, "0123456789+-.eE") == strlen(s) &&
	    str_to_double(s, &x) == 0)
		return json_real(x);
	return json_string(s);
}

struct csv {
	const char *p, *end;
	int line;
	struct buf cell;
};

/* Reads one cell at c->p into c->cell; *quoted says it was quoted.
 * Returns 1 when the record goes on, 0 at its end, -1 on an unclosed
 * quote. */
static int csv_cell(struct csv *c, bool *quoted)
{
	buf_reset(&c->cell);
	*quoted = c->p < c->end && *c->p == '"';
	if (*quoted) {
		for (c->p++;; c->p++) {
			if (c->p >= c->end)
				return -1;
			if (*c->p == '"' && c->p + 1 < c->end &&
			    c->p[1] == '"') {
				buf_addch(&c->cell, '"');
				c->p++;
			} else if (*c->p == '"') {
				c->p++;
				break;
			} else {
				c->line += *c->p == '\n';
				buf_addch(&c->cell, *c->p);
			}
		}
	}
	while (c->p < c->end && *c->p != ',' && *c->p != '\n') {
		if (*c->p != '\r')
			buf_addch(&c->cell, *c->p);
		c->p++;
	}
	if (c->p < c->end && *c->p == ',') {
		c->p++;
		return 1;
	}
	if (c->p < c->end) {
		c->p++;
		c->line++;
	}
	return 0;
}

/* Reads one record's cells as strings into a new JSON array; NULL on
 * an unclosed quote. */
static json_t *csv_record(struct csv *c, json_t **quoted)
{
	json_t *row = json_array();
	int more;

	*quoted = json_array();
	do {
		bool q;

		more = csv_cell(c, &q);
		if (more < 0) {
			json_decref(row);
			json_decref(*quoted);
			return NULL;
		}
		json_array_append_new(row, json_string(c->cell.data
							       ? c->cell.data
							       : ""));
		json_array_append_new(*quoted, json_boolean(q));
	} while (more);
	return row;
}

static bool blank_record(const json_t *row)
{
	return json_array_size(row) == 1 &&
	       !json_string_length(json_array_get(row, 0));
}

static json_t *csv_object(const json_t *head, const json_t *row,
			  const json_t *quoted)
{
	json_t *o = json_object();
	size_t i;
	json_t *k;

	json_array_foreach(head, i, k) {
		const char *v = json_string_value(json_array_get(row, i));

		json_object_set_new(o, json_string_value(k),
				    cell_json(v ? v : "",
					      json_is_true(json_array_get(
						      quoted, i))));
	}
	return o;
}

json_t *job_csv_parse(const char *name, const char *text, size_t len,
		      struct error *err)
{
	struct csv c = {.p = text, .end = text + len, .line = 1};
	json_t *items = json_array(), *head = NULL, *row, *quoted;

	buf_init(&c.cell, 0);
	while (c.p < c.end) {
		int line = c.line;

		row = csv_record(&c, &quoted);
		if (!row) {
			error_set(err, -EINVAL, "%s:%d: a quoted CSV field is "
				  "never closed", name, line);
			json_decref(items);
			items = NULL;
			break;
		}
		if (blank_record(row)) {
			json_decref(row);
		} else if (!head) {
			head = row;
		} else if (json_array_size(row) != json_array_size(head)) {
			error_set(err, -EINVAL, "%s:%d: this CSV record has %zu "
				  "fields, the header %zu", name, line,
				  json_array_size(row), json_array_size(head));
			json_decref(row);
			json_decref(quoted);
			json_decref(items);
			items = NULL;
			break;
		} else {
			json_array_append_new(items,
					      csv_object(head, row, quoted));
			json_decref(row);
		}
		json_decref(quoted);
	}
	json_decref(head);
	buf_release(&c.cell);
	return items;
}

/* One JSON value from text[0..len), for line `line` of name.  The text
 * the parsers get is NUL-terminated (struct buf's). */
static json_t *parse_value(const char *name, int line, const char *text,
			   size_t len, struct error *err)
{
	json_error_t je;
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &je);

	if (!v)
		error_set(err, -EINVAL, "%s:%d:%d: invalid JSON: %s", name,
			  line + je.line - 1, je.column, je.text);
	return v;
}

json_t *job_jsonl_parse(const char *name, const char *text, size_t len,
			struct error *err)
{
	const char *p = text, *end = text + len;
	json_t *items;
	int line = 1;

	while (p < end && strchr(" \t\r\n", *p))
		line += *p++ == '\n';
	if (p < end && *p == '[')
		return parse_value(name, line, p, (size_t)(end - p), err);
	items = json_array();
	for (p = text, line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t skip = strspn(p, " \t\r");
		json_t *v;

		if (skip < n) {
			v = parse_value(name, line, p, n, err);
			if (!v) {
				json_decref(items);
				return NULL;
			}
			json_array_append_new(items, v);
		}
		p += n + (nl != NULL);
	}
	return items;
}
