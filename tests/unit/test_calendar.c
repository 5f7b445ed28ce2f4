/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "calendar.h"

static void
test_calendar_epoch_and_known_days(void **state)
{
	(void)state;
	assert_int_equal(calendar_days(19700101), 0);
	assert_int_equal(calendar_days(19000101), -25567);
	assert_int_equal(calendar_days(20261029), 1793232000 / 86400);
	assert_int_equal(calendar_days(20000301) - calendar_days(20000228), 2);	/* 29 Feb */
	assert_int_equal(calendar_days(19000301) - calendar_days(19000228), 1);	/* no 29 Feb */
	assert_int_equal(calendar_ymd(0), 19700101);
	assert_int_equal(calendar_ymd(-1), 19691231);
	assert_int_equal(calendar_ymd(-25567), 19000101);
}

static void
test_calendar_round_trips_every_day_1800_to_2200(void **state)
{
	int64_t d, from = calendar_days(18000101), to = calendar_days(22001231);
	uint32_t prev = 0, ymd;

	(void)state;
	for (d = from; d <= to; d++) {
		ymd = calendar_ymd(d);
		assert_true(ymd > prev);
		assert_int_equal(calendar_days(ymd), d);
		prev = ymd;
	}
	assert_int_equal(prev, 22001231);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar_epoch_and_known_days),
		cmocka_unit_test(test_calendar_round_trips_every_day_1800_to_2200),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
