/* SPDX-License-Identifier: ISC */
#include "hlc.h"

/* The wall part is 48 bits: milliseconds until the year 10889. A larger
 * wall_ms is clamped rather than wrapped, so a stamp never goes back. */
#define WALL_MAX ((UINT64_C(1) << (64 - HLC_COUNTER_BITS)) - 1)

uint64_t
hlc_next(struct hlc *c, uint64_t wall_ms)
{
	uint64_t now;

	if (wall_ms > WALL_MAX)
		wall_ms = WALL_MAX;
	now = hlc_make(wall_ms, 0);
	/* A clock that stepped back, or a burst within one millisecond, keeps
	 * counting from the last stamp; a full counter carries into the
	 * millisecond because the stamp is a plain integer. */
	if (now <= c->last)
		now = c->last == UINT64_MAX ? UINT64_MAX : c->last + 1;
	c->last = now;
	return now;
}

void
hlc_merge(struct hlc *c, uint64_t remote)
{
	if (remote > c->last)
		c->last = remote;
}

int
hlc_cmp(uint64_t a, uint16_t node_a, uint64_t b, uint16_t node_b)
{
	if (a != b)
		return a < b ? -1 : 1;
	if (node_a != node_b)
		return node_a < node_b ? -1 : 1;
	return 0;
}
