/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "backoff.h"

static void
test_backoff_first_failure_waits_min(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 1000, 300000);
	/* The first window is [min, min]: nothing to jitter yet. */
	assert_int_equal(backoff_next(&b, 0, 0), 1000);
	backoff_reset(&b);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 1000);
}

static void
test_backoff_window_doubles_with_pinned_random(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 1000, 300000);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 1000);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 2000);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 4000);
	assert_int_equal(backoff_next(&b, 0, 0), 1000);		/* low end is min */
	assert_int_equal(backoff_ceiling(&b), 16000);
	assert_int_equal(backoff_next(&b, UINT32_MAX / 2, 0), 8499);	/* mid of [1000, 16000] */
}

static void
test_backoff_caps_at_max(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 1000, 300000);
	for (i = 0; i < 100; i++)
		assert_in_range(backoff_next(&b, (uint32_t)i * 40000000u, 0), 1000, 300000);
	assert_int_equal(backoff_ceiling(&b), 300000);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 300000);
	assert_int_equal(b.failures, 101);
}

static void
test_backoff_reset_restarts_schedule(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 500, 8000);
	backoff_next(&b, 0, 0);
	backoff_next(&b, 0, 0);
	backoff_next(&b, 0, 0);
	assert_int_equal(backoff_ceiling(&b), 4000);
	backoff_reset(&b);
	assert_int_equal(b.failures, 0);
	assert_int_equal(backoff_ceiling(&b), 500);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 500);
}

static void
test_backoff_retry_after_wins_when_longer(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 1000, 300000);
	assert_int_equal(backoff_next(&b, 0, 45000), 45000);
	/* Shorter than the drawn delay: the schedule stands. */
	assert_int_equal(backoff_next(&b, UINT32_MAX, 500), 2000);
	/* A Retry-After of a day is clamped to an hour. */
	assert_int_equal(backoff_next(&b, 0, 86400000), BACKOFF_RETRY_AFTER_MAX_MS);
}

static void
test_backoff_max_below_min_is_raised(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 5000, 1000);
	assert_int_equal(b.max_ms, 5000);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 5000);
	assert_int_equal(backoff_next(&b, UINT32_MAX, 0), 5000);
}

static void
test_backoff_huge_bounds_do_not_overflow(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 1, UINT64_MAX / 2);
	for (i = 0; i < 200; i++)
		backoff_next(&b, 0, 0);
	assert_int_equal(backoff_ceiling(&b), UINT64_MAX / 2);
	assert_true(backoff_next(&b, UINT32_MAX, 0) <= UINT64_MAX / 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_first_failure_waits_min),
		cmocka_unit_test(test_backoff_window_doubles_with_pinned_random),
		cmocka_unit_test(test_backoff_caps_at_max),
		cmocka_unit_test(test_backoff_reset_restarts_schedule),
		cmocka_unit_test(test_backoff_retry_after_wins_when_longer),
		cmocka_unit_test(test_backoff_max_below_min_is_raised),
		cmocka_unit_test(test_backoff_huge_bounds_do_not_overflow),
	};

	return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
