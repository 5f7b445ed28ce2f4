/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "output.h"
#include "proto.h"

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

static void
test_output_node_state_by_contact_age_and_refusals(void **state)
{
	static const struct {
		int64_t contact, error_at;
		const char *want;
	} rows[] = {
		{ 0, 0, "never" },
		{ 0, 199000, "error" },				/* refused, never taken */
		{ 200000, 0, "ok" },				/* just now */
		{ 200000 - KTP_FRESH_LATE_S, 0, "ok" },		/* exactly an hour: not yet late */
		{ 200000 - KTP_FRESH_LATE_S - 1, 0, "late" },
		{ 200000 - KTP_FRESH_SILENT_S, 0, "late" },
		{ 200000 - KTP_FRESH_SILENT_S - 1, 0, "silent" },
		{ 199000, 199500, "error" },			/* the last word was a refusal */
		{ 199000, 199000, "error" },
		{ 199500, 199000, "ok" },				/* taken again since */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_string_equal(output_node_state(rows[i].contact, rows[i].error_at, 200000),
				    rows[i].want);
}

static void
test_output_parse_time_reads_the_hubs_iso_times_only(void **state)
{
	(void)state;
	assert_int_equal(output_parse_time("2026-11-22T13:25:00Z"), 1795353900);
	assert_int_equal(output_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(output_parse_time(NULL), 0);
	assert_int_equal(output_parse_time(""), 0);
	assert_int_equal(output_parse_time("2026-11-22 13:25:00"), 0);
	assert_int_equal(output_parse_time("2026-11-22T13:25:00Z junk"), 0);
}

static void
test_output_progress_line(void **state)
{
	char buf[160];

	(void)state;
	output_progress(buf, sizeof(buf), 12000, 1258291, 5033164, 2000);
	assert_string_equal(buf, "12000 rows, 1.2 MiB of 4.8 MiB (25%), 6000 rows/s, 6s left");
	output_progress(buf, sizeof(buf), 12000, 1258291, 0, 2000);	/* a pipe */
	assert_string_equal(buf, "12000 rows, 1.2 MiB, 6000 rows/s");
	output_progress(buf, sizeof(buf), 300, 30000, 30000, 999);	/* within a second */
	assert_string_equal(buf, "300 rows, 29.3 KiB of 29.3 KiB (100%)");
	output_progress(buf, 12, 12000, 1258291, 5033164, 2000);	/* cut, not overrun */
	assert_string_equal(buf, "12000 rows,");
}

static int shown;

static int
show_three_times(void *arg)
{
	fprintf(arg, "run %d\n", shown);
	return ++shown < 3 ? 0 : 7;
}

/* Not a terminal: the runs follow each other, an empty line between, and the
 * first failure ends the watch with its code. */
static void
test_output_watch_repeats_until_show_fails(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	shown = 0;
	assert_int_equal(output_watch(f, 1, show_three_times, f), 7);
	fclose(f);
	assert_string_equal(buf, "run 0\n\nrun 1\n\nrun 2\n");
	free(buf);
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
		cmocka_unit_test(test_output_node_state_by_contact_age_and_refusals),
		cmocka_unit_test(test_output_parse_time_reads_the_hubs_iso_times_only),
		cmocka_unit_test(test_output_watch_repeats_until_show_fails),
		cmocka_unit_test(test_output_progress_line),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
