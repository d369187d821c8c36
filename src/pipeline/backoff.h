/* backoff.h - delay before a step's next attempt. */
#ifndef BATON_BACKOFF_H
#define BATON_BACKOFF_H

#include <stdint.h>

struct retry;

/* Delay in ms before attempt number `next` (2 = first retry):
 * backoff * multiplier^(next-2), capped at max_backoff, then moved by up
 * to +/- jitter of itself using *rng (any non-zero seed; advanced). */
int64_t backoff_delay(const struct retry *r, int next, uint64_t *rng);

#endif
