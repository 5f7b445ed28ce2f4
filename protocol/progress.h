/* SPDX-License-Identifier: ISC */
/* progress — the arithmetic of the drive's progress: who is wajib KTP or pemula, rates, projections.
 * Cutoffs from the election date, rates per day, the day the unrecorded voters reach zero, on-track,
 * the later of the 30-day and 7-day projections. Pure: no clock, no I/O; callers pass "now" in. */
#ifndef KTP_PROGRESS_H
#define KTP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_DAY_S		86400
#define PROGRESS_LONG_DAYS	30		/* the window of rate_per_day */
#define PROGRESS_SHORT_DAYS	7		/* the window of rate_per_day_7d */
#define PROGRESS_MAX_DAYS	(365 * 1000)	/* a projection goes no further */

/* Birth-date bounds for one election date (YYYYMMDD arithmetic: minus 17
 * years is minus 170000, so 29 February counts from 1 March in a common year). */
struct progress_cutoffs {
	uint32_t	wajib;		/* born on or before: 17 or older on election day */
	uint32_t	pemula_after;	/* born after this (and not wajib's after): not yet 18 */
};

/* Election date 0 (none) gives cutoffs that nobody with a birth date meets. */
void	progress_cutoffs(uint32_t election_date, struct progress_cutoffs *ret);
/* wajib KTP: 17 or older on election day; without a birth date (0), on the roll. */
bool	progress_is_wajib(const struct progress_cutoffs *c, uint32_t birth_date, bool on_dpt);
/* pemilih pemula: 17 but not yet 18 on election day; never without a birth date. */
bool	progress_is_pemula(const struct progress_cutoffs *c, uint32_t birth_date);

/* The UTC day number (days since 1970-01-01) of Unix time t, rounding down. */
int64_t	progress_day(int64_t t);
/* recorded / days rounded half away from zero to 2 decimals (3.33). */
double	progress_rate(uint64_t recorded, unsigned days);
/* YYYYMMDD on which remaining reaches zero at recorded per days from today
 * (a day number): today + ceil(remaining * days / recorded), at most
 * PROGRESS_MAX_DAYS; today when remaining is 0; 0 (never) when recorded is 0. */
uint32_t progress_projected(uint64_t remaining, uint64_t recorded, unsigned days, int64_t today);
/* Projected (0 = never) on or before the election date (0 = none: never on track). */
bool	progress_is_on_track(uint32_t projected, uint32_t election_date);
/* Today in the time zone offset_s east of UTC is after the election date. */
bool	progress_election_passed(uint32_t election_date, int64_t now, int32_t offset_s);

enum progress_basis {
	PROGRESS_BASIS_NONE = 0,	/* no projection (no evidence) */
	PROGRESS_BASIS_30D,
	PROGRESS_BASIS_7D,
};

/* What one row of a report knows. */
struct progress_input {
	bool		has_evidence;	/* it has live persons: nothing known is no projection */
	uint64_t	remaining;	/* dpt_unrecorded */
	uint64_t	recorded_30d;	/* recordings today and the 29 days before */
	uint64_t	recorded_7d;	/* today and the 6 days before */
	int64_t		today;		/* UTC day number */
	uint32_t	election_date;	/* YYYYMMDD, 0 = none */
};

struct progress {
	double			rate_30d;
	double			rate_7d;
	uint32_t		projected_30d;	/* YYYYMMDD, 0 = none */
	uint32_t		projected_7d;
	/* The later of the two, which decides on_track. A projection that does
	 * not exist while voters remain (no recordings in its window) is later
	 * than any date: projected 0 with its basis. Both absent: basis NONE. */
	uint32_t		projected;
	enum progress_basis	basis;
	bool			on_track;
};

void	progress_compute(const struct progress_input *in, struct progress *ret);
/* "30d", "7d", or NULL for PROGRESS_BASIS_NONE. */
const char *progress_basis_name(enum progress_basis b);

#endif
