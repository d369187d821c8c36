/* str.h - small string helpers: suggestions, prefixes, numbers. */
#ifndef BATON_STR_H
#define BATON_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Levenshtein distance between a and b (case-sensitive). */
size_t str_distance(const char *a, const char *b);
/* Returns the candidate closest to word if it is close enough to be a
 * likely typo, else NULL.  Borrows: the result points into cands. */
const char *str_suggest(const char *word, const char *const *cands, size_t n);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
/* Parses a whole decimal integer; returns 0 or -1. */
int str_to_i64(const char *s, int64_t *out);
/* Parses a whole decimal number; returns 0 or -1. */
int str_to_double(const char *s, double *out);
/* Parses a size: "10MB", "512KiB", "1G" or a number of bytes. */
int str_to_size(const char *s, int64_t *out);
/* Formats n with thousands separators into out ("45,690"). */
void str_thousands(char *out, size_t size, int64_t n);

#endif
