/* SPDX-License-Identifier: ISC */
/* bench — what every compiled benchmark shares: its clocks and the fixed synthetic "now". */
#ifndef KTP_BENCH_H
#define KTP_BENCH_H

#include <stdint.h>
#include <time.h>

/* 2026-10-29T00:00:00Z: synthetic data stamped from a fixed time, so runs repeat. */
#define BENCH_NOW	INT64_C(1793232000)

/* Wall seconds, monotonic. */
static inline double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process, every thread. */
static inline double
bench_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
