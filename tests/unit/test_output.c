/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "output.h"

/* Prints rows_json as a table into a memory stream; the caller frees the text. */
static char *
capture_table(const char *rows_json, const char *const *cols, size_t n)
{
	json_t *rows = json_loads(rows_json, JSON_PRESERVE_ORDER, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(rows);
	output_table(out, rows, cols, n);
	fclose(out);
	json_decref(rows);
	return text;
}

static void
test_output_table_aligns_columns_and_numbers_right(void **state)
{
	static const char *const cols[] = { "code", "name", "acked", "on_track" };
	char *text;

	(void)state;
	text = capture_table("[{\"code\":\"3201\",\"name\":\"Bogor\",\"acked\":175000,"
			     "\"on_track\":true},"
			     "{\"code\":\"3273\",\"name\":\"Kota Bandung\",\"acked\":42,"
			     "\"on_track\":false}]", cols, 4);
	assert_string_equal(text,
			    "code  name           acked  on_track\n"
			    "3201  Bogor         175000  yes\n"
			    "3273  Kota Bandung      42  no\n");
	free(text);
}

static void
test_output_table_prints_dash_for_missing_and_null(void **state)
{
	static const char *const cols[] = { "node", "last_error", "pending" };
	char *text;

	(void)state;
	text = capture_table("[{\"node\":\"3201\",\"last_error\":null,\"pending\":1.5},"
			     "{\"node\":\"3202\"}]", cols, 3);
	assert_string_equal(text,
			    "node  last_error  pending\n"
			    "3201  -              1.50\n"
			    "3202  -                 -\n");
	free(text);
}

static void
test_output_table_with_no_rows_prints_the_header(void **state)
{
	static const char *const cols[] = { "nik", "name" };
	char *text;

	(void)state;
	text = capture_table("[]", cols, 2);
	assert_string_equal(text, "nik  name\n");
	free(text);
}

static void
test_output_fields_aligns_values(void **state)
{
	static const char *const keys[] = { "state", "journal_seq", "last_error", "paused", "x" };
	json_t *obj = json_loads("{\"state\":\"idle\",\"journal_seq\":12,\"last_error\":\"\","
				 "\"paused\":false,\"x\":[1,2]}", 0, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	output_fields(out, obj, keys, 5);
	fclose(out);
	assert_string_equal(text,
			    "state:       idle\n"
			    "journal_seq: 12\n"
			    "last_error:  \n"
			    "paused:      no\n"
			    "x:           [1,2]\n");
	free(text);
	json_decref(obj);
}

static void
test_output_json_is_one_compact_line_in_order(void **state)
{
	json_t *obj = json_loads("{\"v\":1, \"status\":0, \"b\":[1, 2], \"a\":\"x\"}",
				 JSON_PRESERVE_ORDER, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	output_json(out, obj);
	fclose(out);
	assert_string_equal(text, "{\"v\":1,\"status\":0,\"b\":[1,2],\"a\":\"x\"}\n");
	free(text);
	json_decref(obj);
}

static void
check_duration(int64_t s, const char *want)
{
	char buf[32];

	output_duration(buf, sizeof(buf), s);
	assert_string_equal(buf, want);
}

static void
test_output_duration_uses_two_units_at_most(void **state)
{
	(void)state;
	check_duration(-1, "-");
	check_duration(0, "0s");
	check_duration(40, "40s");
	check_duration(60, "1m");
	check_duration(200, "3m 20s");
	check_duration(3600, "1h");
	check_duration(7500, "2h 5m");
	check_duration(7513, "2h 5m");
	check_duration(86400, "1d");
	check_duration(3 * 86400 + 4 * 3600 + 59, "3d 4h");
	check_duration(400 * 86400, "400d");
}

static void
check_bytes(uint64_t b, const char *want)
{
	char buf[32];

	output_bytes(buf, sizeof(buf), b);
	assert_string_equal(buf, want);
}

static void
test_output_bytes_in_binary_units(void **state)
{
	(void)state;
	check_bytes(0, "0 B");
	check_bytes(1023, "1023 B");
	check_bytes(1024, "1.0 KiB");
	check_bytes(1536 * 1024, "1.5 MiB");
	check_bytes(5ull << 30, "5.0 GiB");
	check_bytes(3ull << 40, "3.0 TiB");
	check_bytes(2048ull << 40, "2048.0 TiB");
}

static void
test_output_time_and_age(void **state)
{
	char buf[64];

	(void)state;
	output_time(buf, sizeof(buf), 1795353900);
	assert_string_equal(buf, "2026-11-22 13:25:00 UTC");
	output_time(buf, sizeof(buf), 0);
	assert_string_equal(buf, "-");
	output_age(buf, sizeof(buf), 1000, 1200);
	assert_string_equal(buf, "3m 20s ago");
	output_age(buf, sizeof(buf), 1240, 1200);
	assert_string_equal(buf, "in 40s");
	output_age(buf, sizeof(buf), 0, 1200);
	assert_string_equal(buf, "never");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_table_aligns_columns_and_numbers_right),
		cmocka_unit_test(test_output_table_prints_dash_for_missing_and_null),
		cmocka_unit_test(test_output_table_with_no_rows_prints_the_header),
		cmocka_unit_test(test_output_fields_aligns_values),
		cmocka_unit_test(test_output_json_is_one_compact_line_in_order),
		cmocka_unit_test(test_output_duration_uses_two_units_at_most),
		cmocka_unit_test(test_output_bytes_in_binary_units),
		cmocka_unit_test(test_output_time_and_age),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
