/* SPDX-License-Identifier: ISC */
#include <stddef.h>

#include "calendar.h"
#include "progress.h"

void
progress_cutoffs(uint32_t election_date, struct progress_cutoffs *ret)
{
	ret->wajib = election_date >= 170000 ? election_date - 170000 : 0;
	ret->pemula_after = election_date >= 180000 ? election_date - 180000 : 0;
}

bool
progress_is_wajib(const struct progress_cutoffs *c, uint32_t birth_date, bool on_dpt)
{
	/* Without a birth date, being on the voter roll is the evidence of age. */
	if (birth_date == 0)
		return on_dpt;
	return birth_date <= c->wajib;
}

bool
progress_is_pemula(const struct progress_cutoffs *c, uint32_t birth_date)
{
	return birth_date != 0 && birth_date > c->pemula_after && birth_date <= c->wajib;
}

int64_t
progress_day(int64_t t)
{
	return t >= 0 ? t / PROGRESS_DAY_S : -((-t + PROGRESS_DAY_S - 1) / PROGRESS_DAY_S);
}

double
progress_rate(uint64_t recorded, unsigned days)
{
	/* floor(100 n / days + 1/2) in integers: no binary fraction in between. */
	if (days == 0)
		return 0;
	return (double)((200 * recorded + days) / (2 * (uint64_t)days)) / 100;
}

uint32_t
progress_projected(uint64_t remaining, uint64_t recorded, unsigned days, int64_t today)
{
	uint64_t n;

	if (remaining == 0)
		return calendar_ymd(today);
	if (recorded == 0)
		return 0;
	if (remaining > UINT64_MAX / PROGRESS_MAX_DAYS)
		n = PROGRESS_MAX_DAYS;
	else
		n = (remaining * days + recorded - 1) / recorded;
	if (n > PROGRESS_MAX_DAYS)
		n = PROGRESS_MAX_DAYS;
	return calendar_ymd(today + (int64_t)n);
}

bool
progress_is_on_track(uint32_t projected, uint32_t election_date)
{
	return projected != 0 && election_date != 0 && projected <= election_date;
}

bool
progress_election_passed(uint32_t election_date, int64_t now, int32_t offset_s)
{
	return election_date != 0 &&
	       calendar_ymd(progress_day(now + offset_s)) > election_date;
}

/* 0 (never) is later than every date. */
static bool
is_later(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b != 0;
	return b != 0 && a > b;
}

void
progress_compute(const struct progress_input *in, struct progress *ret)
{
	ret->rate_30d = progress_rate(in->recorded_30d, PROGRESS_LONG_DAYS);
	ret->rate_7d = progress_rate(in->recorded_7d, PROGRESS_SHORT_DAYS);
	ret->projected_30d = ret->projected_7d = ret->projected = 0;
	ret->basis = PROGRESS_BASIS_NONE;
	ret->on_track = false;
	if (!in->has_evidence)
		return;
	ret->projected_30d = progress_projected(in->remaining, in->recorded_30d,
						PROGRESS_LONG_DAYS, in->today);
	ret->projected_7d = progress_projected(in->remaining, in->recorded_7d,
					       PROGRESS_SHORT_DAYS, in->today);
	if (ret->projected_30d == 0 && ret->projected_7d == 0)
		return;
	if (is_later(ret->projected_7d, ret->projected_30d)) {
		ret->projected = ret->projected_7d;
		ret->basis = PROGRESS_BASIS_7D;
	} else {
		ret->projected = ret->projected_30d;
		ret->basis = PROGRESS_BASIS_30D;
	}
	ret->on_track = progress_is_on_track(ret->projected, in->election_date);
}

const char *
progress_basis_name(enum progress_basis b)
{
	switch (b) {
	case PROGRESS_BASIS_30D:
		return "30d";
	case PROGRESS_BASIS_7D:
		return "7d";
	default:
		return NULL;
	}
}
