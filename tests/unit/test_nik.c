/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "err.h"
#include "nik.h"

struct good {
	const char	*text;
	unsigned	ref_year;
	bool		female;
	uint32_t	birth;
	uint16_t	serial;
};

static const struct good goods[] = {
	{ "3201010508900001", 2026, false, 19900805, 1 },
	{ "3201014508900002", 2026, true, 19900805, 2 },	/* women: day + 40 */
	{ "3201017112990123", 2026, true, 19991231, 123 },	/* 71 = 31 + 40 */
	{ "3201012902880001", 2026, false, 19880229, 1 },	/* 1988 is a leap year */
	{ "3201016902240001", 2026, true, 20240229, 1 },	/* 29 Feb 2024, female */
	{ "3201012902000001", 2026, false, 20000229, 1 },	/* 2000 is a leap year */
	{ "3201010101269999", 2026, false, 20260101, 9999 },	/* YY = ref year: 20YY */
	{ "3201010101270001", 2026, false, 19270101, 1 },	/* YY > ref year: 19YY */
	{ "1101010101500001", 2026, false, 19500101, 1 },	/* Aceh */
	{ "9601010101500001", 2026, false, 19500101, 1 },	/* Papua Barat Daya, 2022 */
};

static void
test_nik_parses_valid_numbers(void **state)
{
	struct ktp_err err = { 0 };
	struct nik n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		assert_int_equal(nik_parse(goods[i].text, goods[i].ref_year, &n, &err), 0);
		assert_string_equal(n.digits, goods[i].text);
		assert_int_equal(n.female, goods[i].female);
		assert_int_equal(n.birth_date, goods[i].birth);
		assert_int_equal(n.serial, goods[i].serial);
		assert_int_equal(err.code, 0);
	}
}

static void
test_nik_splits_region_codes(void **state)
{
	struct nik n;

	(void)state;
	assert_int_equal(nik_parse("3578124508900002", 2026, &n, NULL), 0);
	assert_int_equal(n.province, 35);
	assert_int_equal(n.regency, 78);
	assert_int_equal(n.kecamatan, 12);
	assert_int_equal(nik_regency_code(&n), 3578);
	assert_int_equal(nik_kecamatan_code(&n), 357812);
}

struct bad {
	const char	*text;
	const char	*msg;
};

static const struct bad bads[] = {
	{ "", "nik: empty" },
	{ "320101050890001", "nik: 15 digits, need 16" },
	{ "32010105089000011", "nik: 17 digits, need 16" },
	{ "320101050890000A", "nik: not all digits" },
	{ " 201010508900001", "nik: not all digits" },
	{ "320101-508900001", "nik: not all digits" },
	{ "9901010508900001", "nik: unknown province code '99'" },
	{ "2001010508900001", "nik: unknown province code '20'" },
	{ "1001010508900001", "nik: unknown province code '10'" },
	{ "9701010508900001", "nik: unknown province code '97'" },
	{ "3200010508900001", "nik: regency code 00" },
	{ "3201000508900001", "nik: kecamatan code 00" },
	{ "3201010008900001", "nik: birth date: day 00 not in 1..31 or 41..71" },
	{ "3201013208900001", "nik: birth date: day 32 not in 1..31 or 41..71" },
	{ "3201014008900001", "nik: birth date: day 40 not in 1..31 or 41..71" },
	{ "3201017208900001", "nik: birth date: day 72 not in 1..31 or 41..71" },
	{ "3201010500900001", "nik: birth date: month 00 not in 1..12" },
	{ "3201010513900001", "nik: birth date: month 13 not in 1..12" },
	{ "3201013102900001", "nik: birth date: 31 February 1990 does not exist" },
	{ "3201017102900001", "nik: birth date: 31 February 1990 does not exist" },
	{ "3201013002000001", "nik: birth date: 30 February 2000 does not exist" },
	{ "3201012902900001", "nik: birth date: 29 February 1990 does not exist" },
	{ "3201016902230001", "nik: birth date: 29 February 2023 does not exist" },
	{ "3201013104850001", "nik: birth date: 31 April 1985 does not exist" },
	{ "3201010508900000", "nik: serial 0000" },
};

static void
test_nik_rejects_each_failure_with_its_reason(void **state)
{
	struct ktp_err err;
	struct nik n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		ktp_err_clear(&err);
		assert_int_equal(nik_parse(bads[i].text, 2026, &n, &err), -EINVAL);
		assert_int_equal(err.code, -EINVAL);
		assert_string_equal(err.msg, bads[i].msg);
	}
}

/* 38 provinces since the 2022 Papua split, and nothing else. */
static void
test_nik_knows_exactly_the_38_provinces(void **state)
{
	static const unsigned known[] = {
		11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
		61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
	};
	unsigned code, n = 0;
	size_t i;

	(void)state;
	for (code = 0; code < 200; code++)
		if (nik_province_is_known(code))
			n++;
	assert_int_equal(n, 38);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_true(nik_province_is_known(known[i]));
}

static void
test_nik_date_is_valid_follows_the_calendar(void **state)
{
	(void)state;
	assert_true(nik_date_is_valid(20240229));
	assert_true(nik_date_is_valid(20000229));
	assert_false(nik_date_is_valid(19000229));
	assert_false(nik_date_is_valid(20230229));
	assert_true(nik_date_is_valid(19000101));
	assert_true(nik_date_is_valid(20991231));
	assert_false(nik_date_is_valid(18991231));
	assert_false(nik_date_is_valid(21000101));
	assert_false(nik_date_is_valid(20240431));
	assert_false(nik_date_is_valid(20241301));
	assert_false(nik_date_is_valid(20240100));
	assert_false(nik_date_is_valid(0));
}

static void
test_nik_leaves_result_untouched_on_failure(void **state)
{
	struct nik n;

	(void)state;
	memset(&n, 0x5a, sizeof(n));
	assert_int_equal(nik_parse("3201013102900001", 2026, &n, NULL), -EINVAL);
	assert_int_equal(n.serial, 0x5a5a);
}

static void
test_nik_province_names_follow_the_codes(void **state)
{
	(void)state;
	assert_string_equal(nik_province_name(32), "Jawa Barat");
	assert_string_equal(nik_province_name(11), "Aceh");
	assert_string_equal(nik_province_name(96), "Papua Barat Daya");
	assert_null(nik_province_name(20));
	assert_null(nik_province_name(99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nik_province_names_follow_the_codes),
		cmocka_unit_test(test_nik_parses_valid_numbers),
		cmocka_unit_test(test_nik_splits_region_codes),
		cmocka_unit_test(test_nik_rejects_each_failure_with_its_reason),
		cmocka_unit_test(test_nik_knows_exactly_the_38_provinces),
		cmocka_unit_test(test_nik_date_is_valid_follows_the_calendar),
		cmocka_unit_test(test_nik_leaves_result_untouched_on_failure),
	};

	return cmocka_run_group_tests_name("nik", tests, NULL, NULL);
}
