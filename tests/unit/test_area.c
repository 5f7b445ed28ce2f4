/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include "area.h"
#include "err.h"

/* The shipped table, read from the tree root as the unit tests run there. */
#define SHIPPED "protocol/areas"

static struct area_table *
parse(const char *prov, const char *reg, const char *kec, const char *desa, uint16_t within,
      struct ktp_err *err)
{
	const char *text[AREA_LEVELS] = { prov, reg, kec, desa };
	size_t len[AREA_LEVELS];
	struct area_table *t = NULL;
	int i;

	for (i = 0; i < AREA_LEVELS; i++)
		len[i] = strlen(text[i]);
	if (area_table_parse(text, len, "t", within, &t, err) < 0)
		return NULL;
	return t;
}

#define PROV "code,name\r\n15,Jambi\r\n32,Jawa Barat\r\n"
#define REG  "code,province_code,name\n15.07,15,Kabupaten Tanjung Jabung Timur\n32.01,32,Kabupaten Bogor\n"
#define KEC  "code,regency_code,name\n15.07.01,15.07,Muara Sabak Timur\n15.07.02,15.07,Nipah Panjang\n32.01.01,32.01,Cibinong\n"
#define DESA "code,district_code,name\n15.07.01.2001,15.07.01,\"Soka\"\"an\"\n15.07.01.1001,15.07.01,\"Lubuk Pakam I,II\"\n32.01.01.1001,32.01.01,Pakansari\n"

static void
test_area_names_every_level_by_numeric_code(void **state)
{
	struct ktp_err err = {0};
	struct area_table *t;

	(void)state;
	assert_non_null(t = parse(PROV, REG, KEC, DESA, 0, &err));
	assert_string_equal(area_name(t, AREA_PROVINCE, 15), "Jambi");
	assert_string_equal(area_name(t, AREA_REGENCY, 1507), "Kabupaten Tanjung Jabung Timur");
	assert_string_equal(area_name(t, AREA_KECAMATAN, 150702), "Nipah Panjang");
	assert_string_equal(area_name(t, AREA_DESA, 1507012001ULL), "Soka\"an");
	assert_string_equal(area_name(t, AREA_DESA, 1507011001ULL), "Lubuk Pakam I,II");
	assert_null(area_name(t, AREA_KECAMATAN, 150712));
	assert_null(area_name(t, AREA_REGENCY, 150701));
	assert_null(area_name(NULL, AREA_PROVINCE, 15));
	area_table_free(t);
}

static void
test_area_within_a_regency_keeps_its_rows_and_its_province(void **state)
{
	struct ktp_err err = {0};
	struct area_table *t;

	(void)state;
	assert_non_null(t = parse(PROV, REG, KEC, DESA, 1507, &err));
	assert_string_equal(area_name(t, AREA_PROVINCE, 15), "Jambi");
	assert_null(area_name(t, AREA_PROVINCE, 32));
	assert_null(area_name(t, AREA_REGENCY, 3201));
	assert_null(area_name(t, AREA_KECAMATAN, 320101));
	assert_int_equal(area_count(t, AREA_KECAMATAN), 2);
	assert_int_equal(area_count(t, AREA_DESA), 2);
	area_table_free(t);
	assert_non_null(t = parse(PROV, REG, KEC, DESA, 32, &err));
	assert_int_equal(area_count(t, AREA_PROVINCE), 1);
	assert_string_equal(area_name(t, AREA_DESA, 3201011001ULL), "Pakansari");
	assert_null(area_name(t, AREA_KECAMATAN, 150701));
	area_table_free(t);
}

static void
test_area_children_in_code_order(void **state)
{
	struct ktp_err err = {0};
	struct area_table *t;
	uint64_t out[4];

	(void)state;
	assert_non_null(t = parse(PROV, REG, KEC, DESA, 0, &err));
	assert_int_equal(area_children(t, AREA_KECAMATAN, 1507, out, 4), 2);
	assert_int_equal(out[0], 150701);
	assert_int_equal(out[1], 150702);
	assert_int_equal(area_children(t, AREA_DESA, 150701, out, 1), 2);
	assert_int_equal(out[0], 1507011001ULL);
	assert_int_equal(area_children(t, AREA_DESA, 150702, out, 4), 0);
	assert_int_equal(area_children(t, AREA_REGENCY, 32, out, 4), 1);
	assert_int_equal(out[0], 3201);
	area_table_free(t);
}

static void
test_area_bad_files_name_file_line_and_cause(void **state)
{
	static const struct {
		const char *kec, *want;
	} cases[] = {
		{ "code,name\n", "t/districts.csv:1: header: not 'code,regency_code,name'" },
		{ "code,regency_code,name\n15.07.x,15.07,A\n",
		  "t/districts.csv:2: code: '15.07.x' is not a kecamatan code" },
		{ "code,regency_code,name\n15.07.01,15.07,A\n15.07,15.07,B\n",
		  "t/districts.csv:3: code: '15.07' is not a kecamatan code" },
		{ "code,regency_code,name\n15.07.01,15.07\n", "t/districts.csv:2: 2 fields, need 3" },
		{ "code,regency_code,name\n15.07.01,15.07,\"A\n", "t/districts.csv:2: unterminated quote" },
		{ "code,regency_code,name\n15.07.01,15.07,\n", "t/districts.csv:2: name: empty or not printable" },
		{ "code,regency_code,name\n15.07.01,15.07,A\n15.07.01,15.07,B\n",
		  "t/districts.csv: code 150701: listed twice" },
		{ "", "t/districts.csv: empty" },
	};
	struct ktp_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_null(parse(PROV, REG, cases[i].kec, DESA, 0, &err));
		assert_int_equal(err.code, -EINVAL);
		assert_string_equal(err.msg, cases[i].want);
	}
}

static void
test_area_shipped_table_names_tanjung_jabung_timur(void **state)
{
	static const char *const kec[] = {
		"Muara Sabak Timur", "Nipah Panjang", "Mendahara", "Rantau Rasau", "Sadu",
		"Dendang", "Muara Sabak Barat", "Kuala Jambi", "Mendahara Ulu",
		"Geragai", "Berbak",
	};
	struct ktp_err err = {0};
	struct area_table *t = NULL;
	uint64_t out[16];
	size_t i;

	(void)state;
	assert_int_equal(area_table_load(SHIPPED, 0, &t, &err), 0);
	assert_int_equal(area_count(t, AREA_PROVINCE), 38);
	assert_int_equal(area_count(t, AREA_REGENCY), 514);
	assert_int_equal(area_count(t, AREA_KECAMATAN), 7285);
	assert_string_equal(area_name(t, AREA_REGENCY, 1507), "Kabupaten Tanjung Jabung Timur");
	assert_int_equal(area_children(t, AREA_KECAMATAN, 1507, out, 16), 11);
	for (i = 0; i < 11; i++)
		assert_string_equal(area_name(t, AREA_KECAMATAN, out[i]), kec[i]);
	area_table_free(t);
	assert_int_equal(area_table_load(SHIPPED, 1507, &t, &err), 0);
	assert_int_equal(area_count(t, AREA_KECAMATAN), 11);
	assert_int_equal(area_count(t, AREA_REGENCY), 1);
	area_table_free(t);
}

static void
test_area_missing_directory_names_the_file(void **state)
{
	struct ktp_err err = {0};
	struct area_table *t = NULL;

	(void)state;
	assert_int_equal(area_table_load("/nonexistent/areas", 0, &t, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/areas/provinces.csv"));
	assert_null(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_area_names_every_level_by_numeric_code),
		cmocka_unit_test(test_area_within_a_regency_keeps_its_rows_and_its_province),
		cmocka_unit_test(test_area_children_in_code_order),
		cmocka_unit_test(test_area_bad_files_name_file_line_and_cause),
		cmocka_unit_test(test_area_shipped_table_names_tanjung_jabung_timur),
		cmocka_unit_test(test_area_missing_directory_names_the_file),
	};

	return cmocka_run_group_tests_name("area", tests, NULL, NULL);
}
