/* SPDX-License-Identifier: ISC */
#include "unit.h"
#include "csvout.h"

static void
test_csvout_quotes_only_what_needs_it(void **state)
{
	static const struct {
		const char *in;
		char sep;
		const char *want;
	} cases[] = {
		{ "Cibinong", ',', "Cibinong" },
		{ "Lubuk Pakam I,II", ',', "\"Lubuk Pakam I,II\"" },
		{ "Lubuk Pakam I,II", ';', "Lubuk Pakam I,II" },
		{ "Sukahati; Tengah", ';', "\"Sukahati; Tengah\"" },
		{ "Soka\"an", ',', "\"Soka\"\"an\"" },
		{ "two\nlines", ',', "\"two\nlines\"" },
		{ "cr\r", ';', "\"cr\r\"" },
		{ "", ',', "" },
		{ NULL, ',', "" },
	};
	char buf[64];
	size_t i;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 0, sizeof(buf));
		assert_non_null(f = fmemopen(buf, sizeof(buf) - 1, "w"));
		csvout_text(f, cases[i].in, cases[i].sep);
		assert_int_equal(fclose(f), 0);
		assert_string_equal(buf, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csvout_quotes_only_what_needs_it),
	};

	return cmocka_run_group_tests_name("csvout", tests, NULL, NULL);
}
