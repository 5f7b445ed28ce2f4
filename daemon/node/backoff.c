/* SPDX-License-Identifier: ISC */
#include <stdint.h>

#include "backoff.h"

void
backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms)
{
	b->min_ms = min_ms;
	b->max_ms = max_ms < min_ms ? min_ms : max_ms;
	b->failures = 0;
}

/* min * 2^failures without overflow: the doubling stops at max. */
uint64_t
backoff_ceiling(const struct backoff *b)
{
	uint64_t c = b->min_ms;
	uint32_t i;

	for (i = 0; i < b->failures && c < b->max_ms; i++)
		c = c > b->max_ms / 2 ? b->max_ms : c * 2;
	return c < b->max_ms ? c : b->max_ms;
}

/* Full jitter (every value in the window equally likely) spreads the 21
 * regencies of a province apart after a hub outage instead of letting them
 * return in lockstep; the window starts at min so a retry is never instant. */
uint64_t
backoff_next(struct backoff *b, uint32_t rnd, uint64_t retry_after_ms)
{
	uint64_t ceil = backoff_ceiling(b);
	uint64_t span = ceil - b->min_ms;
	uint64_t d;

	/* span * rnd fits 64 bits for any span below 2^32 ms (49 days). */
	if (span <= UINT32_MAX)
		d = b->min_ms + span * rnd / UINT32_MAX;
	else
		d = b->min_ms + span / UINT32_MAX * rnd;

	if (b->failures < UINT32_MAX)
		b->failures++;
	if (retry_after_ms > BACKOFF_RETRY_AFTER_MAX_MS)
		retry_after_ms = BACKOFF_RETRY_AFTER_MAX_MS;
	return d > retry_after_ms ? d : retry_after_ms;
}

void
backoff_reset(struct backoff *b)
{
	b->failures = 0;
}
