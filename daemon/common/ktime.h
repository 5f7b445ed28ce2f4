/* SPDX-License-Identifier: ISC */
/* ktime — the two clocks the daemons read, in milliseconds: monotonic for
 * deadlines and intervals (never jumps), wall for what is stored or shown. */
#ifndef KTP_KTIME_H
#define KTP_KTIME_H

#include <stdint.h>

uint64_t ktime_mono_ms(void);			/* CLOCK_MONOTONIC */
uint64_t ktime_wall_ms(void);			/* CLOCK_REALTIME */

#endif
