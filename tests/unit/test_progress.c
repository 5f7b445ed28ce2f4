/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "calendar.h"
#include "progress.h"

#define ELECTION	20270214u
#define TODAY		20261118u

static void
test_progress_wajib_and_pemula_at_the_birthday_boundaries(void **state)
{
	static const struct {
		uint32_t	election, birth;
		bool		on_dpt, wajib, pemula;
	} cases[] = {
		/* 17 exactly on election day: wajib and pemula. */
		{ ELECTION, 20100214, false, true, true },
		/* 17 the day after: neither. */
		{ ELECTION, 20100215, true, false, false },
		/* 18 exactly on election day: wajib, no longer pemula. */
		{ ELECTION, 20090214, false, true, false },
		/* 18 the day after: still pemula. */
		{ ELECTION, 20090215, false, true, true },
		{ ELECTION, 19700101, false, true, false },
		/* Born 29 February 2008: 18 on 1 March 2026 in a common year. */
		{ 20260228, 20080229, false, true, true },
		{ 20260301, 20080229, false, true, false },
		/* Born 29 February 2012: 17 on 1 March 2029. */
		{ 20290228, 20120229, false, false, false },
		{ 20290301, 20120229, false, true, true },
		/* An election on 29 February 2028. */
		{ 20280229, 20110228, false, true, true },
		{ 20280229, 20110301, false, false, false },
		{ 20280229, 20100229, false, true, false },
		{ 20280229, 20100301, false, true, true },
		/* No birth date: the roll says wajib, nothing says pemula. */
		{ ELECTION, 0, true, true, false },
		{ ELECTION, 0, false, false, false },
		/* No election date: nobody with a birth date counts. */
		{ 0, 20100214, false, false, false },
		{ 0, 19700101, true, false, false },
		{ 0, 0, true, true, false },
	};
	struct progress_cutoffs c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		progress_cutoffs(cases[i].election, &c);
		assert_int_equal(progress_is_wajib(&c, cases[i].birth, cases[i].on_dpt),
				 cases[i].wajib);
		assert_int_equal(progress_is_pemula(&c, cases[i].birth), cases[i].pemula);
	}
}

static void
test_progress_rate_rounds_half_away_to_two_decimals(void **state)
{
	static const struct {
		uint64_t	n;
		unsigned	days;
		double		rate;
	} cases[] = {
		{ 0, 30, 0.0 }, { 1, 30, 0.03 }, { 2, 30, 0.07 }, { 4, 30, 0.13 },
		{ 100, 30, 3.33 }, { 200, 30, 6.67 }, { 30, 30, 1.0 },
		{ 1, 7, 0.14 }, { 3, 7, 0.43 }, { 5, 7, 0.71 }, { 7, 7, 1.0 }, { 10, 7, 1.43 },
		{ 1, 8, 0.13 },		/* 0.125 rounds up */
		{ 5, 0, 0.0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_float_equal(progress_rate(cases[i].n, cases[i].days), cases[i].rate, 1e-9);
}

static void
test_progress_projection_is_ceil_of_remaining_over_rate(void **state)
{
	int64_t today = calendar_days(TODAY);
	static const struct {
		uint64_t	remaining, recorded;
		unsigned	days;
		uint32_t	want;
	} cases[] = {
		{ 0, 0, 30, TODAY },		/* done: today */
		{ 5, 0, 30, 0 },		/* nothing recorded: never */
		{ 10, 10, 30, 20261218 },	/* 30 days, not 31 */
		{ 5, 2, 30, 20270201 },		/* ceil(75) */
		{ 7, 7, 7, 20261125 },
		{ 1, 3, 7, 20261121 },		/* ceil(7/3) = 3 */
		{ 1000000, 1, 30, 0xffffffff },	/* capped, checked below */
	};
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(progress_projected(cases[i].remaining, cases[i].recorded,
						    cases[i].days, today), cases[i].want);
	assert_int_equal(progress_projected(1000000, 1, 30, today),
			 calendar_ymd(today + PROGRESS_MAX_DAYS));
	assert_int_equal(progress_projected(UINT64_MAX, 1, 30, today),
			 calendar_ymd(today + PROGRESS_MAX_DAYS));
}

static void
test_progress_later_projection_decides_basis_and_on_track(void **state)
{
	static const struct {
		const char	*what;
		bool		evidence;
		uint64_t	remaining, rec30, rec7;
		uint32_t	p30, p7, projected;
		enum progress_basis basis;
		bool		on_track;
	} cases[] = {
		{ "no data", false, 0, 0, 0, 0, 0, 0, PROGRESS_BASIS_NONE, false },
		{ "done", true, 0, 0, 0, TODAY, TODAY, TODAY, PROGRESS_BASIS_30D, true },
		{ "never recorded", true, 5, 0, 0, 0, 0, 0, PROGRESS_BASIS_NONE, false },
		/* Steady pace: both the same day, 30d wins the tie. */
		{ "steady", true, 30, 30, 7, 20261218, 20261218, 20261218, PROGRESS_BASIS_30D, true },
		/* Slowing down: the 7-day projection is later and late. */
		{ "slowing", true, 60, 60, 2, 20261218, 20270616, 20270616, PROGRESS_BASIS_7D,
		  false },
		/* Speeding up: the 30-day one is later and decides. */
		{ "speeding", true, 70, 30, 14, 20270127, 20261223, 20270127, PROGRESS_BASIS_30D,
		  true },
		/* Nothing in the last week: at that pace never, so not on track. */
		{ "stalled", true, 10, 30, 0, 20261128, 0, 0, PROGRESS_BASIS_7D, false },
	};
	struct progress_input in = { .today = calendar_days(TODAY), .election_date = ELECTION };
	struct progress p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.has_evidence = cases[i].evidence;
		in.remaining = cases[i].remaining;
		in.recorded_30d = cases[i].rec30;
		in.recorded_7d = cases[i].rec7;
		progress_compute(&in, &p);
		print_message("%s\n", cases[i].what);
		assert_int_equal(p.projected_30d, cases[i].p30);
		assert_int_equal(p.projected_7d, cases[i].p7);
		assert_int_equal(p.projected, cases[i].projected);
		assert_int_equal(p.basis, cases[i].basis);
		assert_int_equal(p.on_track, cases[i].on_track);
	}
	assert_string_equal(progress_basis_name(PROGRESS_BASIS_30D), "30d");
	assert_string_equal(progress_basis_name(PROGRESS_BASIS_7D), "7d");
	assert_null(progress_basis_name(PROGRESS_BASIS_NONE));
}

static void
test_progress_on_track_needs_a_projection_and_a_date(void **state)
{
	(void)state;
	assert_true(progress_is_on_track(ELECTION, ELECTION));
	assert_false(progress_is_on_track(ELECTION + 1, ELECTION));
	assert_false(progress_is_on_track(0, ELECTION));
	assert_false(progress_is_on_track(TODAY, 0));
}

static void
test_progress_election_passed_in_the_local_day(void **state)
{
	/* 2027-02-14T17:00:00Z is 2027-02-15 00:00 WIB. */
	int64_t t = calendar_days(20270214) * PROGRESS_DAY_S + 17 * 3600;

	(void)state;
	assert_false(progress_election_passed(ELECTION, t - 1, 25200));
	assert_true(progress_election_passed(ELECTION, t, 25200));
	assert_false(progress_election_passed(ELECTION, t, 0));
	assert_true(progress_election_passed(ELECTION, t + 7 * 3600, 0));
	assert_false(progress_election_passed(0, t, 25200));
	assert_int_equal(progress_day(-1), -1);
	assert_int_equal(progress_day(PROGRESS_DAY_S), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_wajib_and_pemula_at_the_birthday_boundaries),
		cmocka_unit_test(test_progress_rate_rounds_half_away_to_two_decimals),
		cmocka_unit_test(test_progress_projection_is_ceil_of_remaining_over_rate),
		cmocka_unit_test(test_progress_later_projection_decides_basis_and_on_track),
		cmocka_unit_test(test_progress_on_track_needs_a_projection_and_a_date),
		cmocka_unit_test(test_progress_election_passed_in_the_local_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
