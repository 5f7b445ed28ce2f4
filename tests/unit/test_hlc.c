/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "hlc.h"

static void
test_hlc_next_takes_the_wall_clock_when_it_moves_forward(void **state)
{
	struct hlc c = { 0 };

	(void)state;
	assert_true(hlc_next(&c, 1000) == hlc_make(1000, 0));
	assert_true(hlc_next(&c, 1005) == hlc_make(1005, 0));
	assert_true(c.last == hlc_make(1005, 0));
}

static void
test_hlc_next_counts_within_one_millisecond(void **state)
{
	struct hlc c = { 0 };

	(void)state;
	assert_true(hlc_next(&c, 1000) == hlc_make(1000, 0));
	assert_true(hlc_next(&c, 1000) == hlc_make(1000, 1));
	assert_true(hlc_next(&c, 1000) == hlc_make(1000, 2));
	assert_int_equal(hlc_counter(c.last), 2);
	assert_true(hlc_wall_ms(c.last) == 1000);
}

static void
test_hlc_next_stays_monotonic_when_the_clock_steps_back(void **state)
{
	struct hlc c = { 0 };
	uint64_t prev, s;
	unsigned i;

	(void)state;
	prev = hlc_next(&c, 5000000);
	/* An NTP step of ten seconds back, then a slow return. */
	for (i = 0; i < 10000; i++) {
		s = hlc_next(&c, 4990000 + i);
		assert_true(s > prev);
		prev = s;
	}
	assert_true(hlc_wall_ms(prev) == 5000000);
	assert_int_equal(hlc_counter(prev), 10000);
	/* Once the wall clock passes the stamp again, the counter resets. */
	assert_true(hlc_next(&c, 5000001) == hlc_make(5000001, 0));
}

static void
test_hlc_next_carries_a_full_counter_into_the_millisecond(void **state)
{
	struct hlc c = { hlc_make(1000, 0xfffe) };

	(void)state;
	assert_true(hlc_next(&c, 1000) == hlc_make(1000, 0xffff));
	assert_true(hlc_next(&c, 1000) == hlc_make(1001, 0));
	assert_true(hlc_next(&c, 999) == hlc_make(1001, 1));
}

static void
test_hlc_next_never_wraps(void **state)
{
	struct hlc c = { 0 };

	(void)state;
	assert_true(hlc_next(&c, UINT64_MAX) == hlc_make((UINT64_C(1) << 48) - 1, 0));
	c.last = UINT64_MAX;
	assert_true(hlc_next(&c, 5) == UINT64_MAX);
}

static void
test_hlc_merge_moves_past_a_remote_stamp(void **state)
{
	struct hlc c = { 0 };

	(void)state;
	hlc_next(&c, 1000);
	hlc_merge(&c, hlc_make(2000, 7));
	assert_true(hlc_next(&c, 1001) == hlc_make(2000, 8));
	/* An older remote stamp changes nothing. */
	hlc_merge(&c, hlc_make(1500, 0));
	assert_true(hlc_next(&c, 1002) == hlc_make(2000, 9));
	assert_true(hlc_next(&c, 2001) == hlc_make(2001, 0));
}

static void
test_hlc_cmp_orders_by_stamp_then_node(void **state)
{
	(void)state;
	assert_int_equal(hlc_cmp(hlc_make(10, 0), 3201, hlc_make(10, 1), 3201), -1);
	assert_int_equal(hlc_cmp(hlc_make(11, 0), 3201, hlc_make(10, 9), 3202), 1);
	assert_int_equal(hlc_cmp(hlc_make(10, 0), 3201, hlc_make(10, 0), 3202), -1);
	assert_int_equal(hlc_cmp(hlc_make(10, 0), 3202, hlc_make(10, 0), 3201), 1);
	assert_int_equal(hlc_cmp(hlc_make(10, 0), 3201, hlc_make(10, 0), 3201), 0);
}

static void
test_hlc_make_packs_wall_and_counter(void **state)
{
	(void)state;
	assert_true(hlc_make(0x123456789abc, 0xdef0) == UINT64_C(0x123456789abcdef0));
	assert_true(hlc_wall_ms(UINT64_C(0x123456789abcdef0)) == UINT64_C(0x123456789abc));
	assert_int_equal(hlc_counter(UINT64_C(0x123456789abcdef0)), 0xdef0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hlc_next_takes_the_wall_clock_when_it_moves_forward),
		cmocka_unit_test(test_hlc_next_counts_within_one_millisecond),
		cmocka_unit_test(test_hlc_next_stays_monotonic_when_the_clock_steps_back),
		cmocka_unit_test(test_hlc_next_carries_a_full_counter_into_the_millisecond),
		cmocka_unit_test(test_hlc_next_never_wraps),
		cmocka_unit_test(test_hlc_merge_moves_past_a_remote_stamp),
		cmocka_unit_test(test_hlc_cmp_orders_by_stamp_then_node),
		cmocka_unit_test(test_hlc_make_packs_wall_and_counter),
	};

	return cmocka_run_group_tests_name("hlc", tests, NULL, NULL);
}
