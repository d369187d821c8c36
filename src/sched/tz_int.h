/* tz_int.h - what tz.c and tzrule.c share; not an interface (that is
 * tz.h). */
#ifndef BATON_TZ_INT_H
#define BATON_TZ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tz_period;

#define TZ_ABBR_MAX 16

/* One date of a POSIX TZ rule, with the local time of the change. */
struct tz_rule_date {
	char kind;	/* 'J': Julian 1-365 without Feb 29; 'D': 0-365;
			 * 'M': month.week.weekday */
	int n;		/* 'J' and 'D' */
	int m, w, d;	/* 'M': month 1-12, week 1-5 (5 = last), 0 = Sun */
	int32_t time;	/* seconds after local midnight, may be < 0 */
};

/* A POSIX TZ rule: "CET-1CEST,M3.5.0,M10.5.0/3". */
struct tz_rule {
	char std_abbr[TZ_ABBR_MAX];
	char dst_abbr[TZ_ABBR_MAX];
	int32_t std_off;	/* seconds east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct tz_rule_date start;	/* local standard time */
	struct tz_rule_date end;	/* local daylight time */
};

struct tz_type {
	int32_t off;
	bool dst;
	uint32_t abbr;		/* index into chars */
};

struct tz {
	char *name;
	int64_t *trans;		/* transition instants, ascending */
	uint8_t *tidx;		/* type in force from each transition */
	size_t ntrans;
	struct tz_type *types;	/* at least one; types[0] is in force
				 * before the first transition */
	size_t ntypes;
	char *chars;		/* abbreviations, NUL-separated */
	size_t nchars;
	bool has_rule;		/* rule applies after the last transition */
	struct tz_rule rule;
	struct tz *next;	/* the cache's list */
};

/* Parses a POSIX TZ string into *r.  Returns 0 or -1. */
int tzrule_parse(const char *s, struct tz_rule *r);
/* The period of rule r holding instant t. */
void tzrule_period(const struct tz_rule *r, int64_t t, struct tz_period *p);
/* Parses the TZif data d (n bytes) into z (name not set).  Returns 0 or
 * -1; on failure z holds nothing to free. */
int tzif_parse(const unsigned char *d, size_t n, struct tz *z);

#endif
