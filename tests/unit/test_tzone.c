/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include "err.h"
#include "tzone.h"

/* 2024-06-01T03:00:00Z */
#define AT 1717210800

static void
test_tzone_indonesian_zones_resolve_to_fixed_offsets(void **state)
{
	static const struct {
		const char *name, *abbr;
		int32_t off;
	} cases[] = {
		{ "Asia/Jakarta", "WIB", 7 * 3600 },
		{ "Asia/Pontianak", "WIB", 7 * 3600 },
		{ "Asia/Makassar", "WITA", 8 * 3600 },
		{ "Asia/Jayapura", "WIT", 9 * 3600 },
		{ "UTC", "UTC", 0 },
	};
	struct ktp_err err = {0};
	struct tzone tz;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&tz, 0, sizeof(tz));
		assert_int_equal(tzone_resolve(cases[i].name, AT, &tz, &err), 0);
		assert_int_equal(tz.offset_s, cases[i].off);
		assert_string_equal(tz.abbr, cases[i].abbr);
	}
}

static void
test_tzone_unknown_or_unsafe_names_are_refused(void **state)
{
	static const struct {
		const char *name, *want;
		int code;
	} cases[] = {
		{ "Asia/Jakartx", "timezone: 'Asia/Jakartx': no such zone in /usr/share/zoneinfo",
		  -ENOENT },
		{ "../../etc/passwd", "timezone: '../../etc/passwd': not a zone name such as "
		  "Asia/Jakarta", -EINVAL },
		{ "/etc/localtime", "timezone: '/etc/localtime': not a zone name such as "
		  "Asia/Jakarta", -EINVAL },
		{ "", "timezone: '': not a zone name such as Asia/Jakarta", -EINVAL },
		{ "Asia", "timezone: 'Asia': no such zone in /usr/share/zoneinfo", -ENOENT },
	};
	struct ktp_err err;
	struct tzone tz;
	size_t i;

	(void)state;
	unsetenv("TZDIR");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(tzone_resolve(cases[i].name, AT, &tz, &err), cases[i].code);
		assert_string_equal(err.msg, cases[i].want);
	}
}

static void
test_tzone_leaves_the_process_zone_as_it_was(void **state)
{
	struct ktp_err err = {0};
	struct tzone tz;

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_int_equal(tzone_resolve("Asia/Jayapura", AT, &tz, &err), 0);
	assert_string_equal(getenv("TZ"), "UTC");
	unsetenv("TZ");
	assert_int_equal(tzone_resolve("Asia/Jayapura", AT, &tz, &err), 0);
	assert_null(getenv("TZ"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tzone_indonesian_zones_resolve_to_fixed_offsets),
		cmocka_unit_test(test_tzone_unknown_or_unsafe_names_are_refused),
		cmocka_unit_test(test_tzone_leaves_the_process_zone_as_it_was),
	};

	return cmocka_run_group_tests_name("tzone", tests, NULL, NULL);
}
