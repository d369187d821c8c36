/* Unit tests for secret redaction in strings and streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "util/buf.h"
#include "util/redact.h"

/* Builds a redactor from a NULL-terminated list; caller frees. */
static struct redactor *make(const char *first, ...)
{
	struct redactor *r = redactor_new();
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		redactor_add(r, s);
	va_end(ap);
	return r;
}

/* Redacts a C string; caller frees. */
static char *red(const struct redactor *r, const char *s)
{
	size_t n = 12345;
	char *out = redact_string(r, s, strlen(s), &n);

	assert_int_equal(n, strlen(out));
	return out;
}

static void check(const struct redactor *r, const char *in, const char *want)
{
	char *out = red(r, in);

	assert_string_equal(out, want);
	free(out);
}

static void test_no_secrets(void **state)
{
	struct redactor *r = redactor_new();
	size_t n = 99;
	char *out;

	(void)state;
	check(r, "nothing to hide", "nothing to hide");
	check(NULL, "no redactor at all", "no redactor at all");
	out = redact_string(r, NULL, 0, &n);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
	free(out);
	/* Embedded NUL bytes pass through: the length is what counts. */
	out = redact_string(r, "a\0b", 3, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a\0b", 4);
	free(out);
	assert_int_equal(redactor_count(r), 0);
	assert_int_equal(redactor_count(NULL), 0);
	redactor_free(r);
	redactor_free(NULL);
}

static void test_one_and_several(void **state)
{
	struct redactor *r = make("hunter22", NULL);

	(void)state;
	check(r, "password=hunter22 ok", "password=*** ok");
	check(r, "hunter2 is not it", "hunter2 is not it");
	redactor_add(r, "AKIAEXAMPLE");
	redactor_add(r, "ghp_0123456789");
	assert_int_equal(redactor_count(r), 3);
	check(r, "id AKIAEXAMPLE tok ghp_0123456789 pw hunter22.",
	      "id *** tok *** pw ***.");
	redactor_free(r);
}

static void test_start_end_repeated_adjacent(void **state)
{
	struct redactor *r = make("abcd", "wxyz", NULL);

	(void)state;
	check(r, "abcd", "***");
	check(r, "abcd at start", "*** at start");
	check(r, "at end abcd", "at end ***");
	check(r, "abcd abcd abcd", "*** *** ***");
	check(r, "abcdabcdabcd", "*********");
	check(r, "abcdwxyz", "******");
	check(r, "abcabcdd", "abc***d");
	check(r, "abc", "abc");
	check(r, "", "");
	redactor_free(r);
}

static void test_overlapping(void **state)
{
	struct redactor *r = make("secret", "secret-long", "cret-long-tail",
				  NULL);

	(void)state;
	/* The longest match at a position wins... */
	check(r, "x secret-long y", "x *** y");
	check(r, "x secret-lon y", "x ***-lon y");
	/* ...and the leftmost position wins over a longer later match. */
	check(r, "secret-long-tail", "***-tail");
	check(r, "se cret-long-tail", "se ***");
	redactor_free(r);

	r = make("abcdef", "cdefgh", NULL);
	check(r, "abcdefgh", "***gh");
	check(r, "abcdefgh cdefgh", "***gh ***");
	redactor_free(r);
}

static void test_short_and_duplicate_ignored(void **state)
{
	struct redactor *r = make("a", "ab", "abc", "", NULL);

	(void)state;
	redactor_add(r, NULL);
	assert_int_equal(redactor_count(r), 0);
	check(r, "a ab abc", "a ab abc");
	redactor_add(r, "abcd");
	redactor_add(r, "abcd");
	assert_int_equal(redactor_count(r), 1);
	check(r, "abc abcd", "abc ***");
	redactor_free(r);
}

static void test_json_escaped(void **state)
{
	const char *secret = "p\"a/s\\s\tw\x01rd";
	struct redactor *r = make(secret, NULL);
	json_t *j = json_pack("{s:s}", "password", secret);
	char *text, *out;

	(void)state;
	check(r, "raw: p\"a/s\\s\tw\x01rd.", "raw: ***.");
	check(r, "{\"pw\":\"p\\\"a/s\\\\s\\tw\\u0001rd\"}", "{\"pw\":\"***\"}");
	check(r, "{\"pw\":\"p\\\"a\\/s\\\\s\\tw\\u0001rd\"}",
	      "{\"pw\":\"***\"}");
	redactor_free(r);
	r = make("ab\x1f" "cd", NULL);
	check(r, "\"ab\\u001fcd\" \"ab\\u001Fcd\"", "\"***\" \"***\"");
	redactor_free(r);

	/* What baton itself writes, with and without escaped slashes. */
	r = make(secret, NULL);
	text = json_dumps(j, JSON_COMPACT);
	out = red(r, text);
	assert_string_equal(out, "{\"password\":\"***\"}");
	free(out);
	free(text);
	text = json_dumps(j, JSON_COMPACT | JSON_ESCAPE_SLASH);
	out = red(r, text);
	assert_string_equal(out, "{\"password\":\"***\"}");
	free(out);
	free(text);
	json_decref(j);
	redactor_free(r);
}

/* --- streams --- */

struct sink {
	struct buf out;
	int calls;
	const char *last;	/* data pointer of the last emit */
	int fail;	/* return this from emit */
};

static int sink_emit(void *arg, const char *data, size_t n)
{
	struct sink *k = arg;

	assert_true(n > 0);
	k->calls++;
	k->last = data;
	if (k->fail)
		return k->fail;
	buf_add(&k->out, data, n);
	return 0;
}

static void sink_init(struct sink *k)
{
	memset(k, 0, sizeof(*k));
	buf_init(&k->out, 0);
}

/* Streams in[0..n) cut at the given offsets (ascending, may repeat) and
 * checks the result against redact_string().  */
static void stream_vs_string(const struct redactor *r, const char *in,
			     size_t n, const size_t *cuts, size_t ncuts)
{
	struct redact_stream st;
	struct sink k;
	size_t prev = 0, wlen;
	char *want = redact_string(r, in, n, &wlen);

	sink_init(&k);
	redact_stream_init(&st, r, sink_emit, &k);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t c = i < ncuts ? cuts[i] : n;

		assert_int_equal(redact_stream_feed(&st, in + prev, c - prev),
				 0);
		/* Never more than the longest form minus one byte. */
		assert_true(st.hlen == 0 || 2 * st.hlen < st.cap);
		prev = c;
	}
	assert_int_equal(redact_stream_flush(&st), 0);
	assert_int_equal(k.out.len, wlen);
	assert_memory_equal(k.out.data ? k.out.data : "", want, wlen);
	redact_stream_release(&st);
	buf_release(&k.out);
	free(want);
}

static void test_stream_split_everywhere(void **state)
{
	struct redactor *r = make("tok_ABCDEFGH", NULL);
	const char *in = "before tok_ABCDEFGH after";
	char want[] = "before *** after";
	size_t n = strlen(in);

	(void)state;
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			size_t cuts[2] = {i, j};
			struct redact_stream st;
			struct sink k;

			sink_init(&k);
			redact_stream_init(&st, r, sink_emit, &k);
			redact_stream_feed(&st, in, i);
			redact_stream_feed(&st, in + i, j - i);
			redact_stream_feed(&st, in + j, n - j);
			redact_stream_flush(&st);
			assert_string_equal(k.out.data, want);
			redact_stream_release(&st);
			buf_release(&k.out);
			stream_vs_string(r, in, n, cuts, 2);
		}
	}
	redactor_free(r);
}

static void test_stream_byte_at_a_time(void **state)
{
	struct redactor *r = make("secret", "secret-long", "cret-long-tail",
				  "abcdef", "cdefgh", NULL);
	const char *in = "secret-long-tail secret-lon abcdefgh secret sec";
	size_t n = strlen(in), cuts[64];

	(void)state;
	for (size_t i = 0; i < n; i++)
		cuts[i] = i;
	stream_vs_string(r, in, n, cuts, n);
	redactor_free(r);
}

static void test_stream_overlap_boundaries(void **state)
{
	/* Candidates overlap: a hold-back may resolve into a shorter match,
	 * a longer one, or a match starting inside the held bytes. */
	struct redactor *r = make("abcdefgh", "abcdXY", "cdefXYZW",
				  "defg", NULL);
	const char *ins[] = {"abcdefgh", "abcdefgX", "abcdXYZ", "abcdefXYZW",
			     "ab abcd abcdef abcdefg", "abcdeabcdefgh",
			     "abcdefXYZ"};

	(void)state;
	for (size_t t = 0; t < sizeof(ins) / sizeof(ins[0]); t++) {
		size_t n = strlen(ins[t]);

		for (size_t i = 0; i <= n; i++) {
			size_t cuts[1] = {i};

			stream_vs_string(r, ins[t], n, cuts, 1);
		}
	}
	redactor_free(r);
}

static void test_stream_prefix_not_secret(void **state)
{
	struct redactor *r = make("supersecret", NULL);
	struct redact_stream st;
	struct sink k;

	(void)state;
	sink_init(&k);
	redact_stream_init(&st, r, sink_emit, &k);
	/* Everything before a possible secret goes out at once. */
	assert_int_equal(redact_stream_feed(&st, "xx supers", 9), 0);
	assert_string_equal(k.out.data, "xx ");
	assert_int_equal(st.hlen, 6);
	/* The held prefix turns out not to be a secret: emitted unchanged. */
	assert_int_equal(redact_stream_feed(&st, "tition\n", 7), 0);
	assert_string_equal(k.out.data, "xx superstition\n");
	assert_int_equal(st.hlen, 0);
	/* A held prefix at EOF: flush emits it. */
	assert_int_equal(redact_stream_feed(&st, "and supersecre", 14), 0);
	assert_string_equal(k.out.data, "xx superstition\nand ");
	assert_int_equal(redact_stream_flush(&st), 0);
	assert_string_equal(k.out.data, "xx superstition\nand supersecre");
	assert_int_equal(redact_stream_flush(&st), 0);
	/* The stream goes on after a flush. */
	assert_int_equal(redact_stream_feed(&st, " supersecret", 12), 0);
	assert_int_equal(redact_stream_flush(&st), 0);
	assert_string_equal(k.out.data, "xx superstition\nand supersecre ***");
	redact_stream_release(&st);
	redact_stream_release(NULL);
	buf_release(&k.out);
	redactor_free(r);
}

static void test_stream_zero_copy_and_bounded(void **state)
{
	struct redactor *r = make("0123456789", NULL);
	struct redact_stream st;
	struct sink k;
	char big[4096];

	(void)state;
	memset(big, 'x', sizeof(big));
	/* No secrets: each chunk is handed over as is. */
	sink_init(&k);
	redact_stream_init(&st, NULL, sink_emit, &k);
	assert_int_equal(redact_stream_feed(&st, big, sizeof(big)), 0);
	assert_int_equal(redact_stream_feed(&st, big, 0), 0);
	assert_ptr_equal(k.last, big);
	assert_int_equal(k.calls, 1);
	redact_stream_release(&st);
	buf_release(&k.out);

	/* With secrets: clean text still comes straight from the chunk, and
	 * at most maxlen-1 bytes are ever held back. */
	sink_init(&k);
	redact_stream_init(&st, r, sink_emit, &k);
	memcpy(big + sizeof(big) - 9, "012345678", 9);
	assert_int_equal(redact_stream_feed(&st, big, sizeof(big)), 0);
	assert_ptr_equal(k.last, big);
	assert_int_equal(k.calls, 1);
	assert_int_equal(k.out.len, sizeof(big) - 9);
	assert_int_equal(st.hlen, 9);
	assert_int_equal(redact_stream_feed(&st, "9", 1), 0);
	assert_int_equal(st.hlen, 0);
	assert_int_equal(k.out.len, sizeof(big) - 9 + 3);
	redact_stream_release(&st);
	buf_release(&k.out);
	redactor_free(r);
}

static void test_stream_emit_error(void **state)
{
	struct redactor *r = make("0123456789", NULL);
	struct redact_stream st;
	struct sink k;

	(void)state;
	sink_init(&k);
	k.fail = -5;
	redact_stream_init(&st, r, sink_emit, &k);
	assert_int_equal(redact_stream_feed(&st, "hello 0123", 10), -5);
	assert_int_equal(k.calls, 1);
	assert_int_equal(redact_stream_feed(&st, "456789", 6), -5);
	assert_int_equal(redact_stream_flush(&st), -5);
	assert_int_equal(k.calls, 1);
	redact_stream_release(&st);
	redactor_free(r);
}

/* --- randomised comparisons (fixed seed) --- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The obvious quadratic implementation, for raw-form secrets. */
static void naive(char **sec, size_t nsec, const char *in, size_t n,
		  struct buf *out)
{
	for (size_t p = 0; p < n;) {
		size_t best = 0;

		for (size_t i = 0; i < nsec; i++) {
			size_t l = strlen(sec[i]);

			if (l >= 4 && l <= n - p && l > best &&
			    !memcmp(in + p, sec[i], l))
				best = l;
		}
		if (best) {
			buf_addstr(out, "***");
			p += best;
		} else {
			buf_addch(out, in[p++]);
		}
	}
}

/* Random text over a tiny alphabet, salted with the secrets, so that
 * partial and overlapping matches are everywhere. */
static size_t random_text(uint64_t *seed, const char *alpha, char **sec,
			  size_t nsec, char *in, size_t max)
{
	size_t n = rnd(seed) % max, na = strlen(alpha);

	for (size_t p = 0; p < n;) {
		if (rnd(seed) % 8 == 0) {
			const char *s = sec[rnd(seed) % nsec];
			size_t l = strlen(s) - rnd(seed) % 2;

			if (l > n - p)
				l = n - p;
			memcpy(in + p, s, l);
			p += l;
		} else {
			in[p++] = alpha[rnd(seed) % na];
		}
	}
	return n;
}

/* Random secrets of minlen..minlen+spread-1 bytes over alpha. */
static void fuzz(const char *alpha, size_t minlen, size_t spread,
		 bool with_naive)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	char in[1500], secbuf[8][64], *sec[8];
	size_t cuts[40];

	for (int round = 0; round < 400; round++) {
		struct redactor *r = redactor_new();
		size_t nsec = 1 + rnd(&seed) % 8, na = strlen(alpha), n, nc;

		for (size_t i = 0; i < nsec; i++) {
			size_t l = minlen + rnd(&seed) % spread;

			for (size_t j = 0; j < l; j++)
				secbuf[i][j] = alpha[rnd(&seed) % na];
			secbuf[i][l] = '\0';
			sec[i] = secbuf[i];
			redactor_add(r, sec[i]);
		}
		n = random_text(&seed, alpha, sec, nsec, in, sizeof(in));
		if (with_naive) {
			struct buf want;
			char *got;
			size_t glen;

			buf_init(&want, 0);
			naive(sec, nsec, in, n, &want);
			got = redact_string(r, in, n, &glen);
			assert_int_equal(glen, want.len);
			assert_memory_equal(got, want.data ? want.data : "",
					    glen);
			free(got);
			buf_release(&want);
		}
		for (int k = 0; k < 10; k++) {
			nc = rnd(&seed) % 40;
			for (size_t i = 0; i < nc; i++)
				cuts[i] = n ? rnd(&seed) % (n + 1) : 0;
			for (size_t i = 1; i < nc; i++)	/* insertion sort */
				for (size_t j = i; j && cuts[j - 1] > cuts[j];
				     j--) {
					size_t t = cuts[j];

					cuts[j] = cuts[j - 1];
					cuts[j - 1] = t;
				}
			stream_vs_string(r, in, n, cuts, nc);
		}
		redactor_free(r);
	}
}

static void test_fuzz_against_naive(void **state)
{
	(void)state;
	fuzz("abc ", 1, 12, true);
}

/* Long secrets take the Wu-Manber path. */
static void test_fuzz_long_secrets(void **state)
{
	(void)state;
	fuzz("abcdefgh ", 7, 50, true);
}

static void test_fuzz_stream_json(void **state)
{
	(void)state;
	fuzz("ab\"\\/\n\x01u0", 1, 12, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_secrets),
		cmocka_unit_test(test_one_and_several),
		cmocka_unit_test(test_start_end_repeated_adjacent),
		cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_short_and_duplicate_ignored),
		cmocka_unit_test(test_json_escaped),
		cmocka_unit_test(test_stream_split_everywhere),
		cmocka_unit_test(test_stream_byte_at_a_time),
		cmocka_unit_test(test_stream_overlap_boundaries),
		cmocka_unit_test(test_stream_prefix_not_secret),
		cmocka_unit_test(test_stream_zero_copy_and_bounded),
		cmocka_unit_test(test_stream_emit_error),
		cmocka_unit_test(test_fuzz_against_naive),
		cmocka_unit_test(test_fuzz_long_secrets),
		cmocka_unit_test(test_fuzz_stream_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
