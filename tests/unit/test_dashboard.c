/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include <time.h>

#include <jansson.h>

#include "dashboard.h"
#include "err.h"
#include "report.h"

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

/* --- The fixtures ---
 * Each fixture is report JSON as PROTOCOL.md 8.4 shows it, some of it partial
 * on purpose. The pages render from the report's view (report.h), so a fixture
 * is read into one the way the pages once read the JSON: a missing or null
 * count is unknown, a missing has_data is data, a missing on_track no verdict,
 * a missing last_contact or last_data falls back to last_sync. */

/* Counts beyond this are not counts: reals are cut to integers, clamped. */
#define JINT_LIMIT	((int64_t)1 << 50)

static int64_t
jint(const json_t *o, const char *key)
{
	const json_t *j = json_object_get(o, key);
	int64_t n;
	double d;

	if (json_is_integer(j)) {
		n = json_integer_value(j);
		return n < -JINT_LIMIT ? -JINT_LIMIT : n > JINT_LIMIT ? JINT_LIMIT : n;
	}
	if (!json_is_real(j))
		return 0;
	d = json_real_value(j);
	return d < -(double)JINT_LIMIT ? -JINT_LIMIT : d > (double)JINT_LIMIT ? JINT_LIMIT :
	       (int64_t)d;
}

static struct report_count
jcount(const json_t *o, const char *key)
{
	return (struct report_count){ jint(o, key), json_is_number(json_object_get(o, key)) };
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "2026-11-22" or "2026-11-22T10:00:00Z" to YYYYMMDD; 0 if unparsable. */
static uint32_t
jymd(const json_t *o, const char *key)
{
	const char *s = jstr(o, key);
	unsigned y, m, d;

	if (s == NULL || sscanf(s, "%4u-%2u-%2u", &y, &m, &d) != 3)
		return 0;
	return y * 10000 + m * 100 + d;
}

static int64_t
jtime(const json_t *o, const char *key)
{
	const char *s = jstr(o, key);
	struct tm tm = {0};

	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

static enum progress_basis
jbasis(const json_t *o)
{
	const char *b = jstr(o, "projection_basis");

	if (b != NULL && strcmp(b, "7d") == 0)
		return PROGRESS_BASIS_7D;
	if (b != NULL && strcmp(b, "30d") == 0)
		return PROGRESS_BASIS_30D;
	return PROGRESS_BASIS_NONE;
}

/* The area o and, under it, the areas of its array keys[0] (whose own
 * areas are under keys[1], and so on; keys ends with NULL). */
static void
read_area(struct report_area *a, const json_t *o, const char *const *keys)
{
	const json_t *t = json_object_get(o, "on_track"), *subs;
	size_t i;

	memset(a, 0, sizeof(*a));
	snprintf(a->code, sizeof(a->code), "%s", jstr(o, "code") != NULL ? jstr(o, "code") : "");
	if (jstr(o, "name") != NULL)
		assert_non_null(a->name = strdup(jstr(o, "name")));
	a->has_data = !json_is_false(json_object_get(o, "has_data"));
	a->dpt_unrecorded = jcount(o, "dpt_unrecorded");
	a->pemula_unrecorded = jcount(o, "pemula_unrecorded");
	a->recorded_30d = jcount(o, "recorded_30d");
	a->on_dpt = jcount(o, "on_dpt");
	a->track = !json_is_boolean(t) ? REPORT_TRACK_UNKNOWN :
		   json_is_true(t) ? REPORT_TRACK_OK : REPORT_TRACK_LATE;
	a->projected = jymd(o, "projected_completion");
	a->projected_30d = jymd(o, "projected_completion_30d");
	a->projected_7d = jymd(o, "projected_completion_7d");
	a->has_30d = json_object_get(o, "projected_completion_30d") != NULL;
	a->has_7d = json_object_get(o, "projected_completion_7d") != NULL;
	a->basis = jbasis(o);
	a->last_contact = jtime(o, "last_contact");
	a->last_data = jtime(o, "last_data");
	a->last_sync = jtime(o, "last_sync");
	a->acked = jint(o, "acked");
	a->pending = jint(o, "pending");
	if (keys[0] == NULL || (a->n_sub = json_array_size(subs = json_object_get(o, keys[0]))) == 0)
		return;
	assert_non_null(a->sub = calloc(a->n_sub, sizeof(*a->sub)));
	for (i = 0; i < a->n_sub; i++)
		read_area(&a->sub[i], json_array_get(subs, i), keys + 1);
}

static struct report_view *
view_of(const json_t *report)
{
	static const char *const keys[] = { "regencies", "kecamatan", "desa", NULL };
	const json_t *prov = json_object_get(report, "province");
	const json_t *passed = json_object_get(report, "election_passed");
	struct report_view *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	prov = prov != NULL ? prov : report;
	read_area(&v->province, prov, keys);
	v->regencies_without_data = jcount(prov, "regencies_without_data");
	v->election_passed_known = json_is_boolean(passed);
	v->election_passed = json_is_true(passed);
	return v;
}

static struct report_week *
weeks_of(const json_t *weekly, size_t *ret_n)
{
	struct report_week *w;
	size_t i;

	*ret_n = json_array_size(weekly);
	if (*ret_n == 0)
		return NULL;
	assert_non_null(w = calloc(*ret_n, sizeof(*w)));
	for (i = 0; i < *ret_n; i++) {
		w[i].week_start = jymd(json_array_get(weekly, i), "week_start");
		w[i].recorded = jint(json_array_get(weekly, i), "recorded");
	}
	return w;
}

/* dashboard_province and dashboard_regency (code != 0) of v, with the fixture
 * report (and weekly, which may be NULL) read into the view first. */
static int
render_json(struct dashboard_view *v, const json_t *report, const json_t *weekly, uint16_t code,
	    char **html, size_t *len, struct ktp_err *err)
{
	struct report_view *view = view_of(report);
	struct report_week *weeks = weeks_of(weekly, &v->n_weekly);
	int r;

	v->report = view;
	v->weekly = weeks;
	r = code == 0 ? dashboard_province(v, html, len, err) :
			dashboard_regency(v, code, html, len, err);
	v->report = NULL;
	v->weekly = NULL;
	report_view_free(view);
	free(weeks);
	return r;
}

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
	struct dashboard_view v = { .election_date = ELECTION, .now = NOW,
				    .lang = lang };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len = 0;

	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
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
	struct dashboard_view v = { .election_date = ELECTION, .now = NOW,
				    .lang = DASHBOARD_LANG_EN };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	json_object_set_new(r, "last_sync", json_string("2026-11-22T09:00:00Z"));
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
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
	struct dashboard_view v = { .election_date = ELECTION,
				    .now = NOW, .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL, *big, *small;
	size_t len;

	(void)state;
	assert_int_equal(render_json(&v, report, weekly, 3201, &html, &len, &err), 0);
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
	assert_int_equal(render_json(&v, report, weekly, 3299, &html, &len, &err), -ENOENT);
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
	struct dashboard_view v = { .election_date = ELECTION, .now = NOW,
				    .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	json_object_set_new(r, "last_sync", json_string("2026-11-22T11:59:01Z"));
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"59\">baru saja</td>"));
	free(html);
	json_object_set_new(r, "last_sync", json_string("2026-11-22T11:59:00Z"));
	v.lang = DASHBOARD_LANG_EN;
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
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
	struct dashboard_view v = { .election_date = ELECTION,
				    .now = NOW, .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	assert_int_equal(render_json(&v, report, weekly, 3201, &html, &len, &err), 0);
	/* the tallest bar is 130 high from the axis at 150, half of it 65 */
	assert_non_null(strstr(html, "<rect class=\"bar\" x=\"10\" y=\"85\" width=\"20\" "
				     "height=\"65\">"));
	assert_non_null(strstr(html, "<line class=\"top\" x1=\"8\" y1=\"20\" x2=\"632\" "
				     "y2=\"20\"/><text x=\"10\" y=\"14\">tertinggi 3.000</text>"));
	free(html);
	assert_int_equal(render_json(&v, report, empty, 3201, &html, &len, &err), 0);
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
	struct dashboard_view v = { .election_date = ELECTION, .now = NOW };
	struct ktp_err err = {0};
	char *html = NULL, *k1, *k2, *k3;
	size_t len;

	(void)state;
	assert_int_equal(render_json(&v, report, NULL, 3201, &html, &len, &err), 0);
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

/* --- issue 11: honest status, liveness, names, desa, time zone ---------- */

/* A province as report_json gives it since has_data: 1507 on track, 1508
 * enrolled and silent (its counts null), 1509 silent too. */
static const char SILENT[] =
	"{\"election_passed\":false,\"province\":{\"code\":\"15\",\"name\":\"Jambi\","
	"\"dpt_unrecorded\":500,\"pemula_unrecorded\":40,\"on_track\":false,\"has_data\":true,"
	"\"regencies_without_data\":2,\"projected_completion\":\"2027-01-10\","
	"\"projection_basis\":\"30d\",\"regencies\":["
	"{\"code\":\"1507\",\"name\":\"Kabupaten Tanjung Jabung Timur\",\"has_data\":true,"
	"\"persons\":900,\"on_dpt\":800,\"dpt_unrecorded\":500,\"pemula_unrecorded\":40,"
	"\"recorded_30d\":300,\"projected_completion\":\"2027-01-10\","
	"\"projected_completion_30d\":\"2027-01-10\",\"projected_completion_7d\":\"2026-12-30\","
	"\"projection_basis\":\"30d\",\"on_track\":true,"
	"\"last_contact\":\"2026-11-22T11:55:00Z\",\"last_data\":\"2026-11-22T11:55:00Z\","
	"\"last_sync\":\"2026-11-22T11:55:00Z\",\"kecamatan\":[]},"
	"{\"code\":\"1508\",\"name\":\"Kabupaten Tebo\",\"has_data\":false,\"persons\":0,"
	"\"on_dpt\":0,\"dpt_unrecorded\":null,\"pemula_unrecorded\":null,\"recorded_30d\":0,"
	"\"projected_completion\":null,\"projected_completion_30d\":null,"
	"\"projected_completion_7d\":null,\"projection_basis\":null,\"on_track\":null,"
	"\"last_contact\":null,\"last_data\":null,\"last_sync\":null,\"kecamatan\":[]},"
	"{\"code\":\"1509\",\"name\":\"Kabupaten Bungo\",\"has_data\":false,\"persons\":0,"
	"\"on_dpt\":0,\"dpt_unrecorded\":null,\"pemula_unrecorded\":null,\"recorded_30d\":0,"
	"\"on_track\":null,\"last_sync\":null,\"kecamatan\":[]}]}}";

static char *
render(json_t *report, uint16_t regency, enum dashboard_lang lang)
{
	struct dashboard_view v = { .election_date = ELECTION, .now = NOW,
				    .lang = lang };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len = 0;

	if (regency == 0)
		assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	else
		assert_int_equal(render_json(&v, report, NULL, regency, &html, &len, &err), 0);
	assert_int_equal(strlen(html), len);
	return html;
}

static char *
render_text(const char *fixture, uint16_t regency, enum dashboard_lang lang)
{
	json_t *report = load(fixture);
	char *html = render(report, regency, lang);

	json_decref(report);
	return html;
}

/* The text of the <tr> holding needle, up to its </tr>, in a new string. */
static char *
row_with(const char *html, const char *needle)
{
	const char *at = strstr(html, needle), *start, *end;
	char *row;

	assert_non_null(at);
	for (start = at; start > html && strncmp(start, "<tr", 3) != 0; start--)
		;
	end = strstr(at, "</tr>");
	assert_non_null(end);
	row = strndup(start, (size_t)(end - start) + 5);
	assert_non_null(row);
	return row;
}

static void
test_dashboard_silent_regency_is_unknown_and_never_green(void **state)
{
	char *id = render_text(SILENT, 0, DASHBOARD_LANG_ID);
	char *en = render_text(SILENT, 0, DASHBOARD_LANG_EN);
	char *row = row_with(id, "data-regency=\"1508\"");

	(void)state;
	assert_non_null(strstr(row, "<td class=\"n unknown\" data-field=\"dpt_unrecorded\">"
				    "tidak diketahui</td>"));
	assert_non_null(strstr(row, "<td class=\"n unknown\" data-field=\"pemula_unrecorded\">"
				    "tidak diketahui</td>"));
	assert_non_null(strstr(row, "<td class=\"unknown\">tidak diketahui</td>"));
	assert_non_null(strstr(row, "<td class=\"wide unknown\">tidak diketahui</td>"));
	assert_non_null(strstr(row, "<td class=\"stale-red\" data-age=\"never\">belum pernah</td>"));
	assert_null(strstr(row, "class=\"ok\""));
	assert_null(strstr(row, "unrecorded\">0<"));
	assert_non_null(strstr(row, "data-field=\"recorded_30d\">0</td>"));	/* a real 0 */
	free(row);
	row = row_with(en, "data-regency=\"1508\"");
	assert_non_null(strstr(row, "data-field=\"dpt_unrecorded\">unknown</td>"));
	assert_non_null(strstr(row, "data-field=\"pemula_unrecorded\">unknown</td>"));
	assert_non_null(strstr(row, "<td class=\"unknown\">unknown</td>"));
	free(row);
	/* the regency with data beside it is on track, from its own verdict */
	row = row_with(id, "data-regency=\"1507\"");
	assert_non_null(strstr(row, "<td class=\"ok\">10 Januari 2027 (laju 30 hari)</td>"));
	assert_non_null(strstr(row, "data-field=\"pemula_unrecorded\">40</td>"));
	free(row);
	free(id);
	free(en);
}

static void
test_dashboard_silent_regency_shows_zero_counts_as_unknown(void **state)
{
	json_t *report = load(SILENT);
	json_t *r = json_array_get(json_object_get(json_object_get(report, "province"),
						   "regencies"), 1);
	char *html, *row;

	(void)state;
	/* No data is no evidence even if a count reads 0 and on_track true. */
	json_object_set_new(r, "dpt_unrecorded", json_integer(0));
	json_object_set_new(r, "pemula_unrecorded", json_integer(0));
	json_object_set_new(r, "on_track", json_true());
	html = render(report, 0, DASHBOARD_LANG_ID);
	row = row_with(html, "data-regency=\"1508\"");
	assert_non_null(strstr(row, "data-field=\"dpt_unrecorded\">tidak diketahui</td>"));
	assert_non_null(strstr(row, "data-field=\"pemula_unrecorded\">tidak diketahui</td>"));
	assert_non_null(strstr(row, "<td class=\"unknown\">tidak diketahui</td>"));
	assert_null(strstr(row, "class=\"ok\""));
	free(row);
	free(html);
	html = render(report, 1508, DASHBOARD_LANG_ID);
	assert_non_null(strstr(html, "<span class=\"v unknown\" id=\"total-unrecorded\">"
				     "tidak diketahui</span>"));
	assert_non_null(strstr(html, "<span class=\"v unknown\" id=\"total-pemula\">"
				     "tidak diketahui</span>"));
	assert_non_null(strstr(html, "<span class=\"v unknown\" id=\"province-track\">"
				     "tidak diketahui</span>"));
	assert_non_null(strstr(html, "<span class=\"line\" id=\"projection\">"
				     "perkiraan selesai tidak diketahui</span>"));
	assert_non_null(strstr(html, "id=\"without-data\">kabupaten/kota ini belum mengirim "
				     "data</span>"));
	assert_null(strstr(html, "sesuai jadwal"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_headline_counts_regencies_without_data(void **state)
{
	char *id = render_text(SILENT, 0, DASHBOARD_LANG_ID);
	char *en = render_text(SILENT, 0, DASHBOARD_LANG_EN);

	(void)state;
	/* Only missing data keeps it off track: unknown, not late, and the count. */
	assert_non_null(strstr(id, "<span class=\"v unknown\" id=\"province-track\">"
				   "tidak diketahui</span>"));
	assert_non_null(strstr(id, "<span class=\"line late\" id=\"without-data\">"
				   "2 kabupaten/kota belum mengirim data</span>"));
	assert_non_null(strstr(en, "<span class=\"line late\" id=\"without-data\">"
				   "2 regencies have not sent data</span>"));
	assert_null(strstr(id, "sesuai jadwal"));
	assert_non_null(strstr(id, "<span class=\"v\" id=\"total-pemula\">40</span>"));
	assert_non_null(strstr(id, "<title>Perekaman e-KTP — Provinsi Jambi</title>"));
	free(id);
	free(en);
}

static void
test_dashboard_headline_is_on_track_only_on_the_reports_word(void **state)
{
	json_t *report = load(SILENT);
	json_t *prov = json_object_get(report, "province");
	json_t *regs = json_object_get(prov, "regencies");
	char *html;

	(void)state;
	/* one silent regency left, and a late one: late, and 1 without data */
	json_array_remove(regs, 2);
	json_object_set_new(prov, "regencies_without_data", json_integer(1));
	json_object_set_new(json_array_get(regs, 0), "on_track", json_false());
	html = render(report, 0, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<span class=\"v late\" id=\"province-track\">late</span>"));
	assert_non_null(strstr(html, "id=\"without-data\">1 regency has not sent data</span>"));
	free(html);
	/* nothing left unrecorded is not on track unless the report says so */
	json_object_set_new(prov, "dpt_unrecorded", json_integer(0));
	json_object_set_new(prov, "regencies_without_data", json_integer(0));
	json_array_remove(regs, 1);
	html = render(report, 0, DASHBOARD_LANG_ID);
	assert_non_null(strstr(html, "<span class=\"v late\" id=\"province-track\">"
				     "terlambat</span>"));
	assert_null(strstr(html, "sesuai jadwal"));
	assert_null(strstr(html, "without-data"));
	free(html);
	json_object_set_new(prov, "on_track", json_true());
	html = render(report, 0, DASHBOARD_LANG_ID);
	assert_non_null(strstr(html, "<span class=\"v ok\" id=\"province-track\">"
				     "sesuai jadwal</span>"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_says_the_election_has_passed(void **state)
{
	json_t *report = load(SILENT);
	char *html;

	(void)state;
	json_object_set_new(report, "election_passed", json_true());
	html = render(report, 0, DASHBOARD_LANG_ID);
	assert_non_null(strstr(html, "<span class=\"v\">14 Februari 2027</span>"
				     "<span id=\"election-passed\">pemilu sudah lewat</span>"));
	assert_null(strstr(html, "hari lagi"));
	free(html);
	html = render(report, 1507, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<span id=\"election-passed\">the election has passed</span>"));
	assert_null(strstr(html, "days left"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_counts_days_on_the_hubs_calendar(void **state)
{
	json_t *report = load(REPORT);
	/* 2026-11-22T20:00Z is already 23 November in WIB */
	struct dashboard_view v = { .election_date = ELECTION,
				    .now = NOW + 8 * 3600, .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "</span>84 hari lagi</li>"));
	free(html);
	v.tz_offset_s = 7 * 3600;
	v.tz_abbr = "WIB";
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "</span>83 hari lagi</li>"));
	free(html);
	/* the day itself, on that calendar, and the day after without the report's word */
	v.election_date = 20261123;
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "</span>hari ini</li>"));
	free(html);
	v.election_date = 20261122;
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<span id=\"election-passed\">pemilu sudah lewat</span>"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_names_the_rate_that_decides_the_projection(void **state)
{
	json_t *report = load(SILENT);
	json_t *r = json_array_get(json_object_get(json_object_get(report, "province"),
						   "regencies"), 0);
	char *html, *row;

	(void)state;
	json_object_set_new(r, "projected_completion", json_string("2027-03-01"));
	json_object_set_new(r, "projected_completion_30d", json_string("2027-02-10"));
	json_object_set_new(r, "projected_completion_7d", json_string("2027-03-01"));
	json_object_set_new(r, "projection_basis", json_string("7d"));
	json_object_set_new(r, "on_track", json_false());
	html = render(report, 1507, DASHBOARD_LANG_ID);
	assert_non_null(strstr(html, "<span class=\"line\" id=\"projection\">perkiraan selesai "
				     "2027-03-01 (laju 7 hari); laju 30 hari: 2027-02-10</span>"));
	free(html);
	html = render(report, 1507, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<span class=\"line\" id=\"projection\">projected completion "
				     "2027-03-01 (7-day rate); 30-day rate: 2027-02-10</span>"));
	free(html);
	html = render(report, 0, DASHBOARD_LANG_ID);
	row = row_with(html, "data-regency=\"1507\"");
	assert_non_null(strstr(row, "<td class=\"late\">1 Maret 2027 (laju 7 hari; terlambat)</td>"));
	free(row);
	free(html);
	/* no recordings in the last 7 days: the 30-day projection decides */
	json_object_set_new(r, "projected_completion", json_string("2027-02-10"));
	json_object_set_new(r, "projected_completion_7d", json_null());
	json_object_set_new(r, "projection_basis", json_string("30d"));
	html = render(report, 1507, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "id=\"projection\">projected completion 2027-02-10 "
				     "(30-day rate); 7-day rate: no recordings</span>"));
	free(html);
	json_decref(report);
}

/* Regency 1507 down to desa, out of order as a report need not be. */
static const char DESA[] =
	"{\"province\":{\"code\":\"15\",\"name\":\"Jambi\",\"regencies\":[{\"code\":\"1507\","
	"\"name\":\"Kabupaten Tanjung Jabung Timur\",\"has_data\":true,\"dpt_unrecorded\":130,"
	"\"kecamatan\":["
	"{\"code\":\"150701\",\"name\":\"Mendahara\",\"has_data\":true,\"dpt_unrecorded\":50,"
	"\"pemula_unrecorded\":7,\"recorded_30d\":11,\"on_dpt\":90,\"on_track\":false,\"desa\":["
	"{\"code\":\"1507012001\",\"name\":\"Mendahara Ilir\",\"dpt_unrecorded\":5,"
	"\"pemula_unrecorded\":1,\"recorded_30d\":2,\"on_dpt\":20,\"persons\":25,\"recorded\":15},"
	"{\"code\":\"1507012003\",\"name\":\"Sungai <Tawar>\",\"dpt_unrecorded\":30,"
	"\"pemula_unrecorded\":4,\"recorded_30d\":0,\"on_dpt\":40},"
	"{\"code\":\"1507012002\",\"name\":null,\"dpt_unrecorded\":30,"
	"\"pemula_unrecorded\":2,\"recorded_30d\":9,\"on_dpt\":30}]},"
	"{\"code\":\"150702\",\"name\":\"Dendang\",\"has_data\":true,\"dpt_unrecorded\":80,"
	"\"pemula_unrecorded\":3,\"recorded_30d\":1200,\"on_dpt\":100,\"on_track\":false,\"desa\":["
	"{\"code\":\"1507022001\",\"name\":\"Rantau Indah\",\"dpt_unrecorded\":80,"
	"\"pemula_unrecorded\":3,\"recorded_30d\":1200,\"on_dpt\":100}]}]}]}}";

static void
test_dashboard_lists_desa_under_their_kecamatan_by_need(void **state)
{
	char *html = render_text(DESA, 1507, DASHBOARD_LANG_ID), *row;
	const char *order[] = { "data-kecamatan=\"150702\"", "data-desa=\"1507022001\"",
				"data-kecamatan=\"150701\"", "data-desa=\"1507012002\"",
				"data-desa=\"1507012003\"", "data-desa=\"1507012001\"" };
	const char *prev = html, *at;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		at = strstr(html, order[i]);
		assert_non_null(at);
		assert_true(at > prev);
		prev = at;
	}
	row = row_with(html, "data-desa=\"1507012003\"");
	assert_string_equal(row, "<tr class=\"desa\" data-desa=\"1507012003\"><th scope=\"row\">"
			    "Sungai &lt;Tawar&gt; <span class=\"muted wide\">1507012003</span></th>"
			    "<td class=\"n\" data-field=\"dpt_unrecorded\">30</td>"
			    "<td class=\"n\" data-field=\"pemula_unrecorded\">4</td>"
			    "<td class=\"n wide\" data-field=\"recorded_30d\">0</td>"
			    "<td class=\"n wide\">40</td><td class=\"wide\"><progress max=\"40\" "
			    "value=\"10\"></progress> 25,0%</td><td></td></tr>");
	free(row);
	row = row_with(html, "data-kecamatan=\"150702\"");
	assert_non_null(strstr(row, "<th scope=\"row\">Dendang <span class=\"muted wide\">"
				    "150702</span></th>"));
	assert_non_null(strstr(row, "data-field=\"recorded_30d\">1.200</td>"));
	free(row);
	/* a desa the table does not name shows its code */
	assert_non_null(strstr(html, "<th scope=\"row\">1507012002</th>"));
	assert_null(strstr(html, "<Tawar>"));
	assert_non_null(strstr(html, "<title>Perekaman e-KTP — Kabupaten Tanjung Jabung Timur"
				     "</title>"));
	assert_non_null(strstr(html, "Kabupaten Tanjung Jabung Timur <span class=\"code\">1507"
				     "</span></h1>"));
	free(html);
}

static void
test_dashboard_shows_times_in_the_hubs_time_zone(void **state)
{
	json_t *report = load(SILENT);
	struct dashboard_view v = { .election_date = ELECTION, .now = NOW,
				    .tz_offset_s = 7 * 3600, .tz_abbr = "WIB",
				    .lang = DASHBOARD_LANG_ID };
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len;

	(void)state;
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<footer>Diperbarui <span id=\"updated\">2026-11-22 19:00 WIB"
				     "</span></footer>"));
	free(html);
	v.tz_offset_s = 8 * 3600;
	v.tz_abbr = "WITA";
	assert_int_equal(render_json(&v, report, NULL, 1507, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<td class=\"time\" data-time=\"contact\">2026-11-22 19:55 "
				     "WITA</td>"));
	assert_non_null(strstr(html, "<span id=\"updated\">2026-11-22 20:00 WITA</span>"));
	free(html);
	v.tz_offset_s = 0;
	v.tz_abbr = NULL;
	assert_int_equal(render_json(&v, report, NULL, 0, &html, &len, &err), 0);
	assert_non_null(strstr(html, "<span id=\"updated\">2026-11-22 12:00 UTC</span>"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_freshness_goes_by_last_contact(void **state)
{
	json_t *report = load(SILENT);
	json_t *r = json_array_get(json_object_get(json_object_get(report, "province"),
						   "regencies"), 0);
	char *html, *row;

	(void)state;
	/* an idle node: in touch 10 minutes ago, nothing new for three days */
	json_object_set_new(r, "last_contact", json_string("2026-11-22T11:50:00Z"));
	json_object_set_new(r, "last_data", json_string("2026-11-19T11:00:00Z"));
	json_object_set_new(r, "last_sync", json_string("2026-11-19T11:00:00Z"));
	html = render(report, 0, DASHBOARD_LANG_ID);
	row = row_with(html, "data-regency=\"1507\"");
	assert_non_null(strstr(row, "<td class=\"fresh\" data-age=\"600\">10 menit lalu <span "
				    "class=\"quiet\" data-note=\"no-new-data\">tidak ada data baru "
				    "selama 3 hari</span></td>"));
	free(row);
	free(html);
	json_object_set_new(r, "last_data", json_string("2026-11-21T10:00:00Z"));
	html = render(report, 0, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"600\">10 min ago <span "
				     "class=\"quiet\" data-note=\"no-new-data\">no new data for 1 "
				     "day</span></td>"));
	free(html);
	/* data within the day: no note */
	json_object_set_new(r, "last_data", json_string("2026-11-21T13:00:00Z"));
	html = render(report, 0, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"600\">10 min ago</td>"));
	free(html);
	/* in touch but never any data */
	json_object_set_new(r, "last_data", json_null());
	json_object_set_new(r, "last_sync", json_null());
	html = render(report, 0, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<td class=\"fresh\" data-age=\"600\">10 min ago <span "
				     "class=\"quiet\" data-note=\"no-data\">no data yet</span></td>"));
	free(html);
	/* the contact ages too: red after a day, whatever the data */
	json_object_set_new(r, "last_contact", json_string("2026-11-20T12:00:00Z"));
	html = render(report, 0, DASHBOARD_LANG_EN);
	assert_non_null(strstr(html, "<td class=\"stale-red\" data-age=\"172800\">2 days ago"));
	free(html);
	json_decref(report);
}

static void
test_dashboard_offers_the_csv_in_both_forms(void **state)
{
	char *prov = render_text(SILENT, 0, DASHBOARD_LANG_ID);
	char *reg = render_text(SILENT, 1507, DASHBOARD_LANG_EN);

	(void)state;
	assert_non_null(strstr(prov, "<a href=\"/v1/report.csv?lang=id\" download id=\"csv-id\">"
				     "Unduh CSV (spreadsheet)</a>"));
	assert_non_null(strstr(prov, "<a href=\"/v1/report.csv?lang=en\" download id=\"csv-en\">"
				     "CSV (English)</a>"));
	assert_non_null(strstr(reg, "<a href=\"/v1/report.csv?regency=1507&amp;level=desa&amp;"
				    "lang=en\" download id=\"csv-en\">Download CSV (English)</a>"));
	free(prov);
	free(reg);
}

static void
test_dashboard_places_carry_their_code(void **state)
{
	char *html = render_text(SILENT, 0, DASHBOARD_LANG_ID);

	(void)state;
	assert_non_null(strstr(html, "Perekaman e-KTP — Provinsi Jambi <span class=\"code\">15"
				     "</span></h1>"));
	assert_non_null(strstr(html, "<a href=\"/regency/1508\">Kabupaten Tebo</a> <span "
				     "class=\"muted wide\">1508</span></th>"));
	free(html);
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
		cmocka_unit_test(test_dashboard_silent_regency_is_unknown_and_never_green),
		cmocka_unit_test(test_dashboard_silent_regency_shows_zero_counts_as_unknown),
		cmocka_unit_test(test_dashboard_headline_counts_regencies_without_data),
		cmocka_unit_test(test_dashboard_headline_is_on_track_only_on_the_reports_word),
		cmocka_unit_test(test_dashboard_says_the_election_has_passed),
		cmocka_unit_test(test_dashboard_counts_days_on_the_hubs_calendar),
		cmocka_unit_test(test_dashboard_names_the_rate_that_decides_the_projection),
		cmocka_unit_test(test_dashboard_lists_desa_under_their_kecamatan_by_need),
		cmocka_unit_test(test_dashboard_shows_times_in_the_hubs_time_zone),
		cmocka_unit_test(test_dashboard_freshness_goes_by_last_contact),
		cmocka_unit_test(test_dashboard_offers_the_csv_in_both_forms),
		cmocka_unit_test(test_dashboard_places_carry_their_code),
		cmocka_unit_test(test_dashboard_login_form_reports_failure),
		cmocka_unit_test(test_dashboard_assets_are_served_by_path),
	};

	return cmocka_run_group_tests_name("dashboard", tests, NULL, NULL);
}
