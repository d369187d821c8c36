/* yaml.h - YAML files as a tree of positioned nodes, and typed getters
 * that report mistakes.
 *
 * yaml_load() parses the first document of a file with libyaml and keeps
 * every node's line and column, so that later checks can point at the
 * exact spot.  It also catches what libyaml accepts but a config must not
 * have: tabs in indentation, duplicate keys and a second document.
 * Aliases are expanded and merge keys ("<<: *defaults") applied, keys
 * written in the mapping winning.  JSON files load too (YAML is a
 * superset of JSON).
 *
 * The y*_get helpers check a value's type and report a diagnostic when
 * it is wrong; they return 0 when the key is absent or valid, -1 when
 * they reported an error (and then leave *out untouched).
 */
#ifndef BATON_YAML_H
#define BATON_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diags;

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ypair;

struct ynode {
	enum ynode_kind kind;
	int line;		/* 1-based */
	int col;		/* 1-based */
	char *str;		/* scalar text (YN_SCALAR) */
	bool plain;		/* scalar was unquoted: null/true/123 mean so */
	size_t n;		/* number of items or pairs */
	struct ynode **items;	/* YN_SEQ */
	struct ypair *pairs;	/* YN_MAP */
};

struct ypair {
	struct ynode *key;
	struct ynode *val;
};

/* Parses path.  On success returns the root node (caller frees with
 * ynode_free()); an empty file gives an empty map.  On failure adds to
 * d and returns NULL. */
struct ynode *yaml_load(const char *path, struct diags *d);
/* Same, from a string; `name` is used in messages. */
struct ynode *yaml_load_string(const char *name, const char *text,
			       size_t len, struct diags *d);
void ynode_free(struct ynode *n);

/* Returns the value under key in a map, or NULL.  Borrows. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
/* Returns the pair whose value is v (to point at its key), or NULL. */
const struct ypair *ymap_pair(const struct ynode *map, const char *key);
/* True for a plain scalar null/~ or an empty plain scalar. */
bool ynode_is_null(const struct ynode *n);
const char *ynode_kind_name(const struct ynode *n);

/* Reports every key of map not in allowed[] (NULL-terminated), with a
 * did-you-mean; `what` names the map in the message ("step 'x'"). */
int ymap_check_keys(const struct ynode *map, const char *const *allowed,
		    const char *what, const char *file, struct diags *d);
/* Reports a missing required key; returns -1 if missing. */
int ymap_require(const struct ynode *map, const char *key, const char *what,
		 const char *file, struct diags *d);

/* Typed getters.  *out strings are borrowed from the tree. */
int yget_str(const struct ynode *map, const char *key, const char **out,
	     const char *file, struct diags *d);
int yget_bool(const struct ynode *map, const char *key, bool *out,
	      const char *file, struct diags *d);
int yget_int(const struct ynode *map, const char *key, int64_t min,
	     int64_t max, int64_t *out, const char *file, struct diags *d);
int yget_double(const struct ynode *map, const char *key, double min,
		double max, double *out, const char *file, struct diags *d);
/* A duration: "500ms", "30s", "5m", "2h", or a number of seconds. */
int yget_duration(const struct ynode *map, const char *key, int64_t *ms,
		  const char *file, struct diags *d);
/* A list of strings, or one string taken as a list of one.  *out is a
 * malloced array of borrowed strings; caller frees the array only. */
int yget_strlist(const struct ynode *map, const char *key,
		 const char ***out, size_t *n, const char *file,
		 struct diags *d);

#endif
