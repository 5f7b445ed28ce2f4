/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include "err.h"

static void
test_err_set_returns_code_and_formats(void **state)
{
	struct ktp_err err = {0};

	(void)state;
	assert_int_equal(ktp_err_set(&err, -EINVAL, "t.conf:%d: %s", 3, "bad"), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.msg, "t.conf:3: bad");
}

static void
test_err_prefix_puts_place_first(void **state)
{
	struct ktp_err err = {0};

	(void)state;
	ktp_err_set(&err, -EPROTO, "nik: 15 digits, need 16");
	assert_int_equal(ktp_err_prefix(&err, "residents.csv:%d", 1042), -EPROTO);
	assert_string_equal(err.msg, "residents.csv:1042: nik: 15 digits, need 16");
}

static void
test_err_set_truncates_long_message(void **state)
{
	struct ktp_err err = {0};
	char big[600];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ktp_err_set(&err, -E2BIG, "%s", big);
	assert_int_equal(strlen(err.msg), KTP_ERR_MSG_LEN - 1);
}

static void
test_err_accepts_null(void **state)
{
	(void)state;
	assert_int_equal(ktp_err_set(NULL, -EIO, "x"), -EIO);
	ktp_err_clear(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_returns_code_and_formats),
		cmocka_unit_test(test_err_prefix_puts_place_first),
		cmocka_unit_test(test_err_set_truncates_long_message),
		cmocka_unit_test(test_err_accepts_null),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
