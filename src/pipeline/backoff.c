#include "backoff.h"

#include <math.h>

#include "pipeline.h"

/* xorshift64*: small, seedable, good enough for jitter. */
static double rng_unit(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

int64_t backoff_delay(const struct retry *r, int next, uint64_t *rng)
{
	double d = (double)r->backoff_ms;

	for (int i = 2; i < next && d < 1e15; i++)
		d *= r->multiplier;
	if (r->max_backoff_ms > 0 && d > (double)r->max_backoff_ms)
		d = (double)r->max_backoff_ms;
	if (r->jitter > 0)
		d += d * r->jitter * (2 * rng_unit(rng) - 1);
	if (d < 0)
		d = 0;
	return (int64_t)llround(d);
}
