/* redact_bench - throughput of util/redact over log-like text.
 *
 * usage: redact_bench [MB]   (default 100)
 *
 * Builds MB megabytes of random log-like lines (words, numbers, hex ids)
 * with a secret planted about every 64 KiB, then for 0, 10 and 100 secrets
 * (random tokens of 10-300 bytes) prints the MB/s of redact_string() over
 * the whole text and of a redact_stream fed 64 KiB chunks whose output is
 * copied into a 1 MiB ring (standing in for a buffered log file), and how
 * many bytes redaction removed.  Best of 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/redact.h"
#include "util/str.h"

#define CHUNK (64 * 1024)
#define REPS 3

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns a malloced random token of 10-300 bytes; caller frees. */
static char *make_secret(uint64_t *seed)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789_-";
	size_t len = 10 + rnd(seed) % 291;
	char *s = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++)
		s[i] = alnum[rnd(seed) % (sizeof(alnum) - 1)];
	s[len] = '\0';
	return s;
}

/* Fills t[0..n) with log-like lines, planting one of the secrets (if
 * any) every 64 KiB or so. */
static void make_text(uint64_t *seed, char *t, size_t n, char **sec,
		      size_t nsec)
{
	static const char *const words[] = {
		"INFO", "DEBUG", "WARN", "step", "load", "transform", "rows",
		"copied", "in", "ms", "the", "request", "to", "https://api",
		"returned", "status", "200", "retrying", "connection", "ok",
		"user=", "table", "orders", "batch", "done", "{\"id\":", "},",
	};
	size_t p = 0, next = CHUNK;

	while (p < n) {
		char w[400];
		int len;
		uint64_t x = rnd(seed);

		if (nsec && p >= next) {
			len = snprintf(w, sizeof(w), "token=%s ",
				       sec[x % nsec]);
			next += CHUNK / 2 + x % CHUNK;
		} else if (x % 7 == 0) {
			len = snprintf(w, sizeof(w), "%llu ",
				       (unsigned long long)(x >> 40));
		} else if (x % 11 == 0) {
			len = snprintf(w, sizeof(w), "%08llx\n",
				       (unsigned long long)(x >> 20));
		} else {
			len = snprintf(w, sizeof(w), "%s ",
				       words[x % (sizeof(words) /
						  sizeof(words[0]))]);
		}
		if ((size_t)len > n - p)
			len = (int)(n - p);
		memcpy(t + p, w, (size_t)len);
		p += (size_t)len;
	}
}

/* Stands in for a buffered log file: copies into a 1 MiB ring. */
struct sink {
	char ring[1 << 20];
	size_t pos, total;
};

static int sink_emit(void *arg, const char *data, size_t n)
{
	struct sink *k = arg;

	k->total += n;
	while (n) {
		size_t m = sizeof(k->ring) - k->pos;

		m = m < n ? m : n;
		memcpy(k->ring + k->pos, data, m);
		k->pos = (k->pos + m) % sizeof(k->ring);
		data += m;
		n -= m;
	}
	return 0;
}

static void bench(const char *t, size_t n, size_t nsec, char **sec)
{
	struct redactor *r = redactor_new();
	double best_str = 1e9, best_stream = 1e9, mb = (double)n / 1e6;
	static struct sink k;
	size_t outlen = 0;

	for (size_t i = 0; i < nsec; i++)
		redactor_add(r, sec[i]);
	for (int rep = 0; rep < REPS; rep++) {
		struct redact_stream st;
		double t0 = now(), t1;
		char *out = redact_string(r, t, n, &outlen);

		t1 = now();
		free(out);
		best_str = t1 - t0 < best_str ? t1 - t0 : best_str;

		k.total = 0;
		redact_stream_init(&st, r, sink_emit, &k);
		t0 = now();
		for (size_t off = 0; off < n; off += CHUNK)
			redact_stream_feed(&st, t + off,
					   n - off < CHUNK ? n - off : CHUNK);
		redact_stream_flush(&st);
		t1 = now();
		redact_stream_release(&st);
		best_stream = t1 - t0 < best_stream ? t1 - t0 : best_stream;
	}
	printf("%7zu  %12.0f  %12.0f  %12zu  %12zu\n", nsec, mb / best_str,
	       mb / best_stream, n - outlen, n - k.total);
	redactor_free(r);
}

int main(int argc, char **argv)
{
	int64_t mb = 100;
	uint64_t seed = 0x2545f4914f6cdd1du;
	char *sec[100], *text;
	size_t n;

	if (argc > 1 && (str_to_i64(argv[1], &mb) || mb < 1 || mb > 4096)) {
		fprintf(stderr, "usage: redact_bench [MB]\n");
		return 2;
	}
	n = (size_t)mb * 1000 * 1000;
	for (int i = 0; i < 100; i++)
		sec[i] = make_secret(&seed);
	text = xmalloc(n);
	/* Plant only the first 10 so every run has real matches. */
	make_text(&seed, text, n, sec, 10);
	printf("redact_bench: %lld MB of log-like text, %d KiB stream "
	       "chunks, best of %d\n", (long long)mb, CHUNK / 1024, REPS);
	printf("secrets  string_MB/s  stream_MB/s  string_saved  "
	       "stream_saved\n");
	bench(text, n, 0, sec);
	bench(text, n, 10, sec);
	bench(text, n, 100, sec);
	for (int i = 0; i < 100; i++)
		free(sec[i]);
	free(text);
	return 0;
}
