/* SPDX-License-Identifier: ISC */
/* hlc — hybrid logical clock: wall milliseconds and a counter in one uint64.
 * A stamp is (wall_ms << 16) | counter, so stamps compare as integers.
 * Pure: the wall clock is always passed in; never reads a clock itself. */
#ifndef KTP_HLC_H
#define KTP_HLC_H

#include <stdint.h>

#define HLC_COUNTER_BITS 16

struct hlc {
	uint64_t	last;	/* the last stamp issued or merged */
};

static inline uint64_t hlc_wall_ms(uint64_t stamp) { return stamp >> HLC_COUNTER_BITS; }
static inline uint32_t hlc_counter(uint64_t stamp) { return (uint32_t)(stamp & 0xffff); }
static inline uint64_t hlc_make(uint64_t wall_ms, uint32_t counter)
{
	return (wall_ms << HLC_COUNTER_BITS) | (counter & 0xffff);
}

/* Next local stamp; strictly greater than every stamp seen, even when the
 * wall clock stepped back. A full counter carries into the millisecond. */
uint64_t hlc_next(struct hlc *c, uint64_t wall_ms);
/* Folds in a remote stamp; the next hlc_next is greater than it too. */
void	hlc_merge(struct hlc *c, uint64_t remote);
/* Last-writer-wins order: by stamp, then by node id. <0, 0, >0. */
int	hlc_cmp(uint64_t a, uint16_t node_a, uint64_t b, uint16_t node_b);

#endif
