/* policy.c - a schedule's catch-up, overlap and priority settings, as
 * written beside `schedule:` in a pipeline file or a batch job. */
#include "fire.h"

#include <string.h>

#include "config/diag.h"
#include "config/yaml.h"
#include "util/buf.h"
#include "util/str.h"

static const char *const catch_up_names[] = {"skip", "latest", "all",
					      NULL};
static const char *const overlap_names[] = {"skip", "queue", "allow", NULL};
static const char *const priority_names[] = {"low", "medium", "high",
					      "critical", NULL};

void fire_policy_init(struct fire_policy *p)
{
	p->catch_up = CATCH_UP_SKIP;
	p->catch_up_max = FIRE_CATCH_UP_MAX;
	p->overlap = OVERLAP_SKIP;
	p->priority = PRIO_MEDIUM;
}

const char *catch_up_name(enum catch_up c)
{
	return c >= CATCH_UP_SKIP && c <= CATCH_UP_ALL ? catch_up_names[c]
						       : "?";
}

const char *overlap_name(enum overlap o)
{
	return o >= OVERLAP_SKIP && o <= OVERLAP_ALLOW ? overlap_names[o]
						       : "?";
}

/* Reads key as one of names[]; returns its index, dflt when the key is
 * absent, or -1 after reporting. */
static int pick(const struct ynode *map, const char *key,
		const char *const *names, int dflt, const char *file,
		struct diags *d)
{
	const char *v = NULL, *hint;
	struct buf list;
	size_t n;

	if (yget_str(map, key, &v, file, d) < 0)
		return -1;
	if (!v)
		return dflt;
	for (n = 0; names[n]; n++)
		if (!strcmp(v, names[n]))
			return (int)n;
	hint = str_suggest(v, names, n);
	if (hint) {
		diags_at(d, file, ymap_get(map, key),
			 "unknown %s '%s' (did you mean '%s'?)", key, v, hint);
		return -1;
	}
	buf_init(&list, 0);
	for (size_t i = 0; i < n; i++)
		buf_addf(&list, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
			 names[i]);
	diags_at(d, file, ymap_get(map, key), "unknown %s '%s' (use %s)", key,
		 v, list.data);
	buf_release(&list);
	return -1;
}

int fire_policy_load(const struct ynode *map, const char *file,
		     bool with_priority, struct diags *d,
		     struct fire_policy *out)
{
	int64_t max = FIRE_CATCH_UP_MAX;
	int c, o, p = PRIO_MEDIUM, rc = 0;

	fire_policy_init(out);
	c = pick(map, "catch_up", catch_up_names, CATCH_UP_SKIP, file, d);
	o = pick(map, "overlap", overlap_names, OVERLAP_SKIP, file, d);
	if (with_priority)
		p = pick(map, "priority", priority_names, PRIO_MEDIUM, file,
			 d);
	if (yget_int(map, "catch_up_max", 1, FIRE_CATCH_UP_LIMIT, &max, file,
		     d) < 0)
		rc = -1;
	if (c < 0 || o < 0 || p < 0)
		return -1;
	out->catch_up = (enum catch_up)c;
	out->overlap = (enum overlap)o;
	out->priority = (enum priority)p;
	out->catch_up_max = (int)max;
	return rc;
}
