/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include "dashboard.h"
#include "err.h"

/* 2026-11-22T12:00:00Z */
#define NOW 1795348800
#define ELECTION 20270214

static const char REPORT[] =
	"{\"province\":{\"code\":\"32\",\"persons\":391100,\"dpt_unrecorded\":139000,"
	"\"on_track\":false,\"regencies\":["
	"{\"code\":\"3201\",\"name\":\"Kab. <Bogor>\",\"persons\":181100,\"dpt_unrecorded\":2800,\"recorded_30d\":31000,"
	"\"on_dpt\":175000,\"projected_completion\":\"2026-11-25\",\"on_track\":true,"
	"\"last_sync\":\"2026-11-22T11:50:00Z\",\"acked\":1200,\"pending\":3,"
	"\"kecamatan\":["
	"{\"code\":\"320101\",\"persons\":110,\"dpt_unrecorded\":10,\"recorded_30d\":5,"
	"\"on_dpt\":100,\"projected_completion\":\"2026-12-01\",\"on_track\":true},"
	"{\"code\":\"320102\",\"persons\":1100,\"dpt_unrecorded\":900,\"recorded_30d\":0,"
	"\"on_dpt\":1000,\"projected_completion\":null,\"on_track\":false}]},"
	"{\"code\":\"3202\",\"name\":\"Sukabumi\",\"persons\":210000,\"dpt_unrecorded\":136200,\"recorded_30d\":300,"
	"\"on_dpt\":200000,\"projected_completion\":\"2031-01-01\",\"on_track\":false,"
	"\"last_sync\":\"2026-11-20T12:00:00Z\",\"kecamatan\":[]},"
	"{\"code\":\"3203\",\"name\":\"Cianjur\",\"persons\":0,\"dpt_unrecorded\":null,\"recorded_30d\":0,"
	"\"on_dpt\":0,\"projected_completion\":null,\"on_track\":null,\"has_data\":false,"
	"\"last_sync\":null,\"kecamatan\":[]},"
	"{\"code\":\"3204\",\"name\":\"Bandung\",\"persons\":40,\"dpt_unrecorded\":0,\"recorded_30d\":0,"
	"\"on_dpt\":0,\"projected_completion\":null,\"on_track\":true,\"has_data\":true,"
	"\"last_sync\":null,\"kecamatan\":[]}"
	"]}}";

static json_t *
load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	assert_non_null(j);
	return j;
}

static char *
render_province(enum dashboard_lang lang)
{
	json_t *report = load(REPORT);
	struct dashboard_view v = { .report = report, .election_date = ELECTION, .now = NOW,
				    .lang = lang };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len = 0;

	assert_int_equal(dashboard_province(&v, &html, &len, &err), 0);
	assert_int_equal(strlen(html), len);
	json_decref(report);
	return html;
}

static void
test_dashboard_province_uses_indonesian_numbers_and_labels(void **state)
{
	char *html = render_province(DASHBOARD_LANG_ID);

	(void)state;
	assert_non_null(strstr(html, "<html lang=\"id\">"));
	/* The report names no province; the page does, from its code. */
	assert_non_null(strstr(html, "<title>Perekaman e-KTP — Provinsi Jawa Barat</title>"));
	assert_non_null(strstr(html, "<span class=\"v\" id=\"total-unrecorded\">139.000</span>"));
	assert_non_null(strstr(html, "<td class=\"n\" data-field=\"dpt_unrecorded\">136.200</td>"));
	assert_non_null(strstr(html, "14 Februari 2027"));
	assert_non_null(strstr(html, "84 hari lagi"));
	assert_non_null(strstr(html, "DPT belum rekam"));
	free(html);
}

static void
test_dashboard_province_in_english_on_request(void **state)
{
	char *html = render_province(DASHBOARD_LANG_EN);

	(void)state;
	assert_non_null(strstr(html, "<html lang=\"en\">"));
	assert_non_null(strstr(html, "id=\"total-unrecorded\">139,000</span>"));
	assert_non_null(strstr(html, "14 February 2027"));
	assert_non_null(strstr(html, "href=\"/regency/3201?lang=en\""));
	free(html);
}

static void
test_dashboard_marks_stale_and_never_synced_regencies(void **state)
{
	char *html = render_province(DASHBOARD_LANG_ID);

	(void)state;
	/* 10 minutes old: fresh; 2 days: red; never: red with the word. */
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"600\">10 menit lalu</td>"));
	assert_non_null(strstr(html, "<td class=\"stale-red\" data-age=\"172800\">2 hari lalu</td>"));
	assert_non_null(strstr(html, "<td class=\"stale-red\" data-age=\"never\">belum pernah</td>"));
	free(html);
}

static void
test_dashboard_marks_projection_after_election_late(void **state)
{
	char *html = render_province(DASHBOARD_LANG_ID);

	(void)state;
	assert_non_null(strstr(html, "<td class=\"late\">1 Januari 2031 (terlambat)</td>"));
	assert_non_null(strstr(html, "<td class=\"ok\">25 November 2026</td>"));
	assert_non_null(strstr(html, "id=\"province-track\">terlambat</span>"));
	/* 3203 sent nothing yet: neither done nor late, unknown; something to chase. */
	assert_non_null(strstr(html, "<td class=\"unknown\">tidak diketahui</td>"));
	free(html);
}

static void
test_dashboard_amber_after_one_hour(void **state)
{
	json_t *report = load(REPORT);
	json_t *r = json_array_get(json_object_get(json_object_get(report, "province"),
						   "regencies"), 0);
	struct dashboard_view v = { .report = report, .election_date = ELECTION, .now = NOW,
				    .lang = DASHBOARD_LANG_EN };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	json_object_set_new(r, "last_sync", json_string("2026-11-22T09:00:00Z"));
	assert_int_equal(dashboard_province(&v, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<td class=\"stale-amber\" data-age=\"10800\">3 h ago</td>"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_regency_sorts_kecamatan_by_unrecorded_and_escapes(void **state)
{
	json_t *report = load(REPORT);
	json_t *weekly = load("[{\"week_start\":\"2026-11-02\",\"recorded\":40},"
			      "{\"week_start\":\"2026-11-09\",\"recorded\":80}]");
	struct dashboard_view v = { .report = report, .weekly = weekly, .election_date = ELECTION,
				    .now = NOW, .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL, *big, *small;
	size_t len;

	(void)state;
	assert_int_equal(dashboard_regency(&v, 3201, &html, &len, &err), 0);
	big = strstr(html, "data-kecamatan=\"320102\"");
	small = strstr(html, "data-kecamatan=\"320101\"");
	assert_non_null(big);
	assert_non_null(small);
	assert_true(big < small);
	assert_non_null(strstr(html, "Kab. &lt;Bogor&gt;"));
	assert_null(strstr(html, "<Bogor>"));
	assert_non_null(strstr(html, "<td class=\"late\">tidak ada perekaman (terlambat)</td>"));
	assert_non_null(strstr(html, "<title>minggu mulai 2026-11-09: 80</title>"));
	assert_non_null(strstr(html, "href=\"/v1/report.csv?regency=3201&amp;level=desa&amp;lang=id\""));
	free(html);
	assert_int_equal(dashboard_regency(&v, 3299, &html, &len, &err), -ENOENT);
	assert_string_equal(err.msg, "dashboard: no regency 3299");
	json_decref(weekly);
	json_decref(report);
}

static void
test_dashboard_progress_uses_the_languages_decimal_sign(void **state)
{
	char *id = render_province(DASHBOARD_LANG_ID), *en = render_province(DASHBOARD_LANG_EN);

	(void)state;
	/* 3201: 172 200 of 175 000 recorded; 3204: nobody on the roll */
	assert_non_null(strstr(id, "<progress max=\"175000\" value=\"172200\"></progress> 98,4%</td>"));
	assert_non_null(strstr(en, "<progress max=\"175000\" value=\"172200\"></progress> 98.4%</td>"));
	assert_non_null(strstr(id, "<progress max=\"1\" value=\"0\"></progress> 0,0%</td>"));
	free(id);
	free(en);
}

static void
test_dashboard_hides_the_regency_code_on_a_phone(void **state)
{
	char *html = render_province(DASHBOARD_LANG_ID);

	(void)state;
	assert_non_null(strstr(html, "<a href=\"/regency/3201\">Kab. &lt;Bogor&gt;</a> "
				     "<span class=\"muted wide\">3201</span></th>"));
	assert_non_null(strstr(html, "<th scope=\"col\">Kabupaten/<wbr>kota</th>"));
	free(html);
}

static void
test_dashboard_sync_under_a_minute_is_just_now(void **state)
{
	json_t *report = load(REPORT);
	json_t *r = json_array_get(json_object_get(json_object_get(report, "province"),
						   "regencies"), 0);
	struct dashboard_view v = { .report = report, .election_date = ELECTION, .now = NOW,
				    .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	json_object_set_new(r, "last_sync", json_string("2026-11-22T11:59:01Z"));
	assert_int_equal(dashboard_province(&v, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"59\">baru saja</td>"));
	free(html);
	json_object_set_new(r, "last_sync", json_string("2026-11-22T11:59:00Z"));
	v.lang = DASHBOARD_LANG_EN;
	assert_int_equal(dashboard_province(&v, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"60\">1 min ago</td>"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_chart_marks_its_scale(void **state)
{
	json_t *report = load(REPORT);
	json_t *weekly = load("[{\"week_start\":\"2026-11-02\",\"recorded\":1500},"
			      "{\"week_start\":\"2026-11-09\",\"recorded\":3000}]");
	json_t *empty = load("[{\"week_start\":\"2026-11-09\",\"recorded\":0}]");
	struct dashboard_view v = { .report = report, .weekly = weekly, .election_date = ELECTION,
				    .now = NOW, .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	assert_int_equal(dashboard_regency(&v, 3201, &html, &len, &err), 0);
	/* the tallest bar is 130 high from the axis at 150, half of it 65 */
	assert_non_null(strstr(html, "<rect class=\"bar\" x=\"10\" y=\"85\" width=\"20\" "
				     "height=\"65\">"));
	assert_non_null(strstr(html, "<line class=\"top\" x1=\"8\" y1=\"20\" x2=\"632\" "
				     "y2=\"20\"/><text x=\"10\" y=\"14\">tertinggi 3.000</text>"));
	free(html);
	v.weekly = empty;
	assert_int_equal(dashboard_regency(&v, 3201, &html, &len, &err), 0);
	assert_non_null(strstr(html, "height=\"0\"><title>minggu mulai 2026-11-09: 0</title>"));
	assert_null(strstr(html, "tertinggi"));
	free(html);
	json_decref(empty);
	json_decref(weekly);
	json_decref(report);
}

static void
test_dashboard_regency_breaks_ties_by_kecamatan_code(void **state)
{
	json_t *report = load("{\"province\":{\"code\":\"32\",\"regencies\":[{\"code\":\"3201\","
			      "\"kecamatan\":[{\"code\":\"320103\",\"dpt_unrecorded\":5},"
			      "{\"code\":\"320101\",\"dpt_unrecorded\":5},"
			      "{\"code\":\"320102\",\"dpt_unrecorded\":9}]}]}}");
	struct dashboard_view v = { .report = report, .election_date = ELECTION, .now = NOW };
	struct ktp_err err = {0};
	char *html = NULL, *k1, *k2, *k3;
	size_t len;

	(void)state;
	assert_int_equal(dashboard_regency(&v, 3201, &html, &len, &err), 0);
	k1 = strstr(html, "data-kecamatan=\"320101\"");
	k2 = strstr(html, "data-kecamatan=\"320102\"");
	k3 = strstr(html, "data-kecamatan=\"320103\"");
	assert_non_null(k1);
	assert_non_null(k2);
	assert_non_null(k3);
	assert_true(k2 < k1);
	assert_true(k1 < k3);
	free(html);
	json_decref(report);
}

static void
test_dashboard_login_form_reports_failure(void **state)
{
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	assert_int_equal(dashboard_login(DASHBOARD_LANG_ID, true, &html, &len, &err), 0);
	assert_non_null(strstr(html, "role=\"alert\">Token salah.</p>"));
	assert_non_null(strstr(html, "type=\"password\""));
	free(html);
}

static void
test_dashboard_assets_are_served_by_path(void **state)
{
	const char *type = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(dashboard_asset("/static/dashboard.css", &type, &len));
	assert_string_equal(type, "text/css; charset=utf-8");
	assert_true(len > 100);
	assert_null(dashboard_asset("/static/../etc/passwd", &type, &len));
	assert_int_equal(dashboard_lang_from_query("en"), DASHBOARD_LANG_EN);
	assert_int_equal(dashboard_lang_from_query(NULL), DASHBOARD_LANG_ID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dashboard_province_uses_indonesian_numbers_and_labels),
		cmocka_unit_test(test_dashboard_province_in_english_on_request),
		cmocka_unit_test(test_dashboard_marks_stale_and_never_synced_regencies),
		cmocka_unit_test(test_dashboard_marks_projection_after_election_late),
		cmocka_unit_test(test_dashboard_amber_after_one_hour),
		cmocka_unit_test(test_dashboard_regency_sorts_kecamatan_by_unrecorded_and_escapes),
		cmocka_unit_test(test_dashboard_progress_uses_the_languages_decimal_sign),
		cmocka_unit_test(test_dashboard_hides_the_regency_code_on_a_phone),
		cmocka_unit_test(test_dashboard_sync_under_a_minute_is_just_now),
		cmocka_unit_test(test_dashboard_chart_marks_its_scale),
		cmocka_unit_test(test_dashboard_regency_breaks_ties_by_kecamatan_code),
		cmocka_unit_test(test_dashboard_login_form_reports_failure),
		cmocka_unit_test(test_dashboard_assets_are_served_by_path),
	};

	return cmocka_run_group_tests_name("dashboard", tests, NULL, NULL);
}
