/* SPDX-License-Identifier: ISC */
#include <time.h>

#include "ktime.h"

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these two clocks on Linux. */
	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
ktime_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t
ktime_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}
