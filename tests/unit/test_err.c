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
test_err_set_cuts_between_utf8_characters(void **state)
{
	struct ktp_err err = {0};
	char big[600];
	size_t i;

	(void)state;
	/* 'é' (2 bytes) repeated: byte 255 would be the first half of one. */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	ktp_err_set(&err, -E2BIG, "%s", big);
	assert_int_equal(strlen(err.msg), KTP_ERR_MSG_LEN - 2);
	assert_memory_equal(err.msg + strlen(err.msg) - 2, "\xc3\xa9", 2);
	assert_int_equal(ktp_err_prefix(&err, "pp"), -E2BIG);
	assert_int_equal(strlen(err.msg), KTP_ERR_MSG_LEN - 2);
	assert_memory_equal(err.msg, "pp: \xc3\xa9", 6);
	assert_memory_equal(err.msg + strlen(err.msg) - 2, "\xc3\xa9", 2);
}

static void
test_err_utf8_cut_stops_before_a_split_character(void **state)
{
	static const struct {
		const char	*text;
		size_t		max;
		int		want;
	} cases[] = {
		{ "abc", 2, 2 },
		{ "abc", 9, 3 },
		{ "a\xc3\xa9", 2, 1 },		/* é would be cut */
		{ "a\xc3\xa9", 3, 3 },
		{ "\xe2\x82\xac\xe2\x82\xac", 5, 3 },	/* € € */
		{ "\xf0\x9f\x98\x80z", 3, 0 },	/* a 4-byte emoji */
		{ "\xf0\x9f\x98\x80z", 5, 5 },
		{ "\xff\xfe", 1, 1 },		/* bytes that start nothing are cut anywhere */
		{ "", 4, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ktp_utf8_cut(cases[i].text, cases[i].max), cases[i].want);
}

static void
test_err_utf8_scrub_replaces_malformed_bytes(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "/\xff", "/?" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "caf\xc3", "caf?" },			/* cut inside a character */
		{ "\xc0\xaf", "??" },			/* overlong '/' */
		{ "\xed\xa0\x80", "???" },		/* a UTF-16 surrogate */
		{ "\xf4\x90\x80\x80", "????" },	/* past U+10FFFF */
		{ "\xe2\x82\xac!", "\xe2\x82\xac!" },
		{ "\xe2\x82z", "??z" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		ktp_utf8_scrub(buf);
		assert_string_equal(buf, cases[i].out);
	}
}

static void
test_err_accepts_null(void **state)
{
	(void)state;
	assert_int_equal(ktp_err_set(NULL, -EIO, "x"), -EIO);
	ktp_err_clear(NULL);
}

static void
test_err_utf8_validation(void **state)
{
	(void)state;
	assert_true(ktp_utf8_is_valid("", 0));
	assert_true(ktp_utf8_is_valid("Budi", 4));
	assert_true(ktp_utf8_is_valid("\xc3\x91", 2));
	assert_true(ktp_utf8_is_valid("\xe6\x97\xa5", 3));
	assert_true(ktp_utf8_is_valid("\xf0\x9f\x98\x80", 4));
	assert_true(ktp_utf8_is_valid("\xf4\x8f\xbf\xbf", 4));	/* U+10FFFF */
	assert_true(ktp_utf8_is_valid("\xed\x9f\xbf", 3));		/* U+D7FF */
	assert_false(ktp_utf8_is_valid("a\0b", 3));
	assert_false(ktp_utf8_is_valid("\x80", 1));
	assert_false(ktp_utf8_is_valid("\xc0\xaf", 2));		/* overlong '/' */
	assert_false(ktp_utf8_is_valid("\xc1\xbf", 2));
	assert_false(ktp_utf8_is_valid("\xe0\x80\xaf", 3));
	assert_false(ktp_utf8_is_valid("\xf0\x80\x80\xaf", 4));
	assert_false(ktp_utf8_is_valid("\xed\xa0\x80", 3));		/* U+D800 */
	assert_false(ktp_utf8_is_valid("\xf4\x90\x80\x80", 4));	/* U+110000 */
	assert_false(ktp_utf8_is_valid("\xf5\x80\x80\x80", 4));
	assert_false(ktp_utf8_is_valid("\xff", 1));
	assert_false(ktp_utf8_is_valid("\xe6\x97", 2));		/* cut short */
	assert_false(ktp_utf8_is_valid("\xe6\x97\x41", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_returns_code_and_formats),
		cmocka_unit_test(test_err_prefix_puts_place_first),
		cmocka_unit_test(test_err_set_truncates_long_message),
		cmocka_unit_test(test_err_set_cuts_between_utf8_characters),
		cmocka_unit_test(test_err_utf8_cut_stops_before_a_split_character),
		cmocka_unit_test(test_err_utf8_scrub_replaces_malformed_bytes),
		cmocka_unit_test(test_err_utf8_validation),
		cmocka_unit_test(test_err_accepts_null),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
