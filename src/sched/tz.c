/* tz.c - loading and caching time zones; offsets and local times. */
#include "tz.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tz_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"

#define TZ_FILE_MAX (1 << 20)
#define TZ_DIR_DEFAULT "/usr/share/zoneinfo"
/* No zone has ever been this far from UTC; tz_first_at() relies on it. */
#define TZ_OFF_MAX (26 * 3600)

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache;		/* every zone tz_get() loaded */
static struct tz *deflt;		/* tz_default()'s answer */

static struct tz_type utc_type = {0, false, 0};
static struct tz utc_zone = {
	.name = "UTC", .types = &utc_type, .ntypes = 1, .chars = "UTC",
	.nchars = 4,
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The six counts of the header at h: isut, isstd, leap, time, type,
 * char.  Returns -1 when they are implausible. */
static int tzif_counts(const unsigned char *h, size_t c[6])
{
	static const size_t max[6] = {256, 256, 10000, 1000000, 256, 65536};

	if (memcmp(h, "TZif", 4))
		return -1;
	for (int i = 0; i < 6; i++) {
		c[i] = be32(h + 20 + 4 * i);
		if (c[i] > max[i])
			return -1;
	}
	return c[4] ? 0 : -1;
}

/* The bytes of a data block with counts c and times of tsize bytes. */
static size_t tzif_block(const size_t c[6], size_t tsize)
{
	return c[3] * tsize + c[3] + c[4] * 6 + c[5] + c[2] * (tsize + 4) +
	       c[1] + c[0];
}

int tzif_parse(const unsigned char *d, size_t n, struct tz *z)
{
	size_t c[6], pos = 44, tsize = 4, i;
	const unsigned char *p;
	char footer[128];

	if (n < 44 || tzif_counts(d, c) < 0)
		return -1;
	if (d[4] >= '2') {
		pos = 44 + tzif_block(c, 4);
		if (n < pos + 44 || tzif_counts(d + pos, c) < 0)
			return -1;
		pos += 44;
		tsize = 8;
	}
	if (n < pos + tzif_block(c, tsize))
		return -1;
	memset(z, 0, sizeof(*z));
	z->ntrans = c[3];
	z->ntypes = c[4];
	z->nchars = c[5] + 1;
	z->trans = xcalloc(z->ntrans + 1, sizeof(*z->trans));
	z->tidx = xcalloc(z->ntrans + 1, 1);
	z->types = xcalloc(z->ntypes, sizeof(*z->types));
	z->chars = xcalloc(z->nchars, 1);
	p = d + pos;
	for (i = 0; i < z->ntrans; i++, p += tsize)
		z->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
	for (i = 0; i < z->ntrans; i++) {
		z->tidx[i] = p[i];
		if (p[i] >= z->ntypes ||
		    (i && z->trans[i] <= z->trans[i - 1]))
			goto bad;
	}
	p += z->ntrans;
	for (i = 0; i < z->ntypes; i++, p += 6) {
		z->types[i].off = (int32_t)be32(p);
		z->types[i].dst = p[4] != 0;
		z->types[i].abbr = p[5];
		if (p[5] >= c[5] || z->types[i].off > TZ_OFF_MAX ||
		    z->types[i].off < -TZ_OFF_MAX)
			goto bad;
	}
	memcpy(z->chars, p, c[5]);
	pos += tzif_block(c, tsize);
	/* v2+: "\nRULE\n" after the data; an empty rule means none. */
	if (tsize == 8 && pos < n && d[pos] == '\n') {
		const unsigned char *end, *rule = d + pos + 1;
		size_t len;

		end = memchr(rule, '\n', n - pos - 1);
		len = end ? (size_t)(end - rule) : 0;

		if (len && len < sizeof(footer)) {
			memcpy(footer, rule, len);
			footer[len] = '\0';
			z->has_rule = tzrule_parse(footer, &z->rule) == 0;
		}
	}
	return 0;
bad:
	free(z->trans);
	free(z->tidx);
	free(z->types);
	free(z->chars);
	memset(z, 0, sizeof(*z));
	return -1;
}

static struct tz *load_file(const char *path, const char *name)
{
	struct buf b;
	struct tz *z = NULL;
	struct tz tmp;

	buf_init(&b, TZ_FILE_MAX);
	if (buf_read_file(&b, path) == 0 && !b.truncated &&
	    tzif_parse((const unsigned char *)b.data, b.len, &tmp) == 0) {
		z = xmalloc(sizeof(*z));
		*z = tmp;
		z->name = xstrdup(name);
	}
	buf_release(&b);
	return z;
}

/* A zone made of a POSIX rule alone (TZ="EST5EDT,M3.2.0,M11.1.0"). */
static struct tz *rule_zone(const char *rule)
{
	struct tz *z = xcalloc(1, sizeof(*z));

	if (tzrule_parse(rule, &z->rule) < 0) {
		free(z);
		return NULL;
	}
	z->has_rule = true;
	z->name = xstrdup(rule);
	z->types = xcalloc(1, sizeof(*z->types));
	z->types[0].off = z->rule.std_off;
	z->ntypes = 1;
	z->chars = xstrdup(z->rule.std_abbr);
	z->nchars = strlen(z->chars) + 1;
	return z;
}

static const char *zone_dir(void)
{
	const char *dir = getenv("TZDIR");

	return dir && *dir ? dir : TZ_DIR_DEFAULT;
}

/* An IANA name: letters, digits, '_', '-', '+', '.', '/', no component
 * starting with '.' (so no ".."), not starting with '/'. */
static bool valid_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 255 || name[0] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if ((i == 0 || name[i - 1] == '/') && (ch == '.' || ch == '/'))
			return false;
		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && !strchr("_-+./", ch))
			return false;
	}
	return true;
}

/* Loads zone name from the zone directory (UTC needs no file).  Called
 * with cache_lock held. */
static struct tz *load_named(const char *name)
{
	struct tz *z;
	char *path;

	for (z = cache; z; z = z->next)
		if (!strcmp(z->name, name))
			return z;
	if (!valid_name(name))
		return NULL;
	path = xasprintf("%s/%s", zone_dir(), name);
	z = load_file(path, name);
	free(path);
	if (!z && (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))) {
		z = xmalloc(sizeof(*z));
		*z = utc_zone;
		z->name = xstrdup(name);
	}
	if (z) {
		z->next = cache;
		cache = z;
	}
	return z;
}

/* The n-th space-separated word of line (0-based), cut in place, or
 * NULL. */
static char *word(char *line, int n)
{
	char *w = line;

	for (int i = 0; i < n && w; i++) {
		w = strchr(w, ' ');
		if (w)
			w++;
	}
	if (!w || !*w)
		return NULL;
	w[strcspn(w, " ")] = '\0';
	return w;
}

/* The known zone name closest to name, from tzdata.zi's "Z NAME ..."
 * and "L TARGET NAME" lines.  Caller frees with free(); NULL if none. */
static char *suggest_zone(const char *name)
{
	struct buf b;
	const char **names = NULL, *hint = NULL;
	size_t n = 0, cap = 0;
	char *path = xasprintf("%s/tzdata.zi", zone_dir()), *line, *nl, *res;

	buf_init(&b, 4 << 20);
	if (buf_read_file(&b, path) < 0)
		goto out;
	for (line = b.data; line && *line; line = nl) {
		char *w;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if ((line[0] != 'Z' && line[0] != 'L') || line[1] != ' ')
			continue;
		w = word(line, line[0] == 'Z' ? 1 : 2);
		if (!w)
			continue;
		if (!strcasecmp(w, name)) {
			hint = w;
			goto out;
		}
		xgrow((void **)&names, &cap, n + 1, sizeof(*names));
		names[n++] = w;
	}
	hint = str_suggest(name, names, n);
out:
	res = xstrdup(hint);
	free(names);
	free(path);
	buf_release(&b);
	return res;
}

int tz_get(const char *name, const struct tz **out, struct error *err)
{
	struct tz *z;
	char *hint;

	pthread_mutex_lock(&cache_lock);
	z = load_named(name);
	pthread_mutex_unlock(&cache_lock);
	if (z) {
		*out = z;
		return 0;
	}
	hint = valid_name(name) ? suggest_zone(name) : NULL;
	if (hint)
		error_set(err, -ENOENT, "unknown time zone '%s' (did you mean "
			  "'%s'?)", name, hint);
	else
		error_set(err, -ENOENT, "unknown time zone '%s' (use an IANA "
			  "name such as 'Europe/Paris' or 'UTC')", name);
	free(hint);
	return -ENOENT;
}

/* The IANA name /etc/localtime stands for, or "localtime". */
static char *localtime_name(void)
{
	char link[PATH_MAX];
	ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
	const char *at;
	struct buf b;
	char *name;

	if (n > 0) {
		link[n] = '\0';
		at = strstr(link, "zoneinfo/");
		if (at && valid_name(at + 9))
			return xstrdup(at + 9);
	}
	buf_init(&b, 256);
	if (buf_read_file(&b, "/etc/timezone") == 0) {
		b.data[strcspn(b.data, "\n")] = '\0';
		if (valid_name(b.data)) {
			name = buf_detach(&b);
			return name;
		}
	}
	buf_release(&b);
	return xstrdup("localtime");
}

/* Works out the server's zone.  Called with cache_lock held. */
static struct tz *find_default(void)
{
	const char *env = getenv("TZ");
	struct tz *z = NULL;
	char *name;

	if (!env) {
		name = localtime_name();
		z = load_file("/etc/localtime", name);
		free(name);
	} else if (*env) {
		const char *s = env + (env[0] == ':');
		const char *at = strstr(s, "zoneinfo/");

		if (s[0] == '/')
			z = load_file(s, at && valid_name(at + 9) ? at + 9 : s);
		else if (!(z = load_named(s)))
			z = rule_zone(s);
	}
	if (!z) {
		z = xmalloc(sizeof(*z));
		*z = utc_zone;
		z->name = xstrdup("UTC");
	}
	return z;
}

const struct tz *tz_default(void)
{
	const struct tz *z;

	pthread_mutex_lock(&cache_lock);
	if (!deflt)
		deflt = find_default();
	z = deflt;
	pthread_mutex_unlock(&cache_lock);
	return z;
}

const struct tz *tz_utc(void)
{
	return &utc_zone;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

static void from_type(const struct tz *z, size_t type, struct tz_period *p)
{
	p->off = z->types[type].off;
	p->dst = z->types[type].dst;
	p->abbr = z->chars + z->types[type].abbr;
}

void tz_period(const struct tz *z, int64_t t, struct tz_period *p)
{
	size_t lo = 0, hi = z->ntrans;

	if (z->ntrans == 0 || t < z->trans[0]) {
		if (z->ntrans == 0 && z->has_rule) {
			tzrule_period(&z->rule, t, p);
			return;
		}
		p->start = INT64_MIN;
		p->end = z->ntrans ? z->trans[0] : INT64_MAX;
		from_type(z, 0, p);
		return;
	}
	/* The last transition at or before t. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo + 1 < z->ntrans) {
		p->start = z->trans[lo];
		p->end = z->trans[lo + 1];
		from_type(z, z->tidx[lo], p);
	} else if (z->has_rule) {
		tzrule_period(&z->rule, t, p);
		if (p->start < z->trans[lo])
			p->start = z->trans[lo];
	} else {
		p->start = z->trans[lo];
		p->end = INT64_MAX;
		from_type(z, z->tidx[lo], p);
	}
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
	struct tz_period p;

	tz_period(z, t, &p);
	return p.off;
}

int64_t tz_first_at(const struct tz *z, int64_t local)
{
	struct tz_period p;

	/* Before local - TZ_OFF_MAX every local time is below local. */
	tz_period(z, local - TZ_OFF_MAX, &p);
	for (int guard = 0; guard < 64; guard++) {
		if (p.end == INT64_MAX || local < p.end + p.off) {
			int64_t t = local - p.off;

			return t > p.start ? t : p.start;
		}
		tz_period(z, p.end, &p);
	}
	return local - p.off;
}
