/* SPDX-License-Identifier: ISC */
/* backoff — the push retry schedule: exponential, full jitter, capped, Retry-After honoured.
 * Holds only the failure count and the bounds; the caller passes random bytes in.
 * Pure: no clock, no randomness, no I/O, so tests pin every delay. */
#ifndef KTP_BACKOFF_H
#define KTP_BACKOFF_H

#include <stdint.h>

/* A hub may ask for a long pause; an hour is the most we take from it, so a
 * wrong header cannot park a regency for a day. */
#define BACKOFF_RETRY_AFTER_MAX_MS	(3600u * 1000u)

struct backoff {
	uint64_t	min_ms;
	uint64_t	max_ms;
	uint32_t	failures;	/* consecutive failures since the last success */
};

/* max_ms below min_ms is raised to min_ms. */
void	backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms);
/* Counts one failure and returns the delay before the next attempt: uniform in
 * [min, min(max, min * 2^(failures-1))] picked by rnd (0..UINT32_MAX maps onto
 * the range), but never less than retry_after_ms (0 = none; capped at
 * BACKOFF_RETRY_AFTER_MAX_MS). */
uint64_t backoff_next(struct backoff *b, uint32_t rnd, uint64_t retry_after_ms);
/* The upper bound the next failure would draw from (for status and tests). */
uint64_t backoff_ceiling(const struct backoff *b);
void	backoff_reset(struct backoff *b);		/* after a success */

#endif
