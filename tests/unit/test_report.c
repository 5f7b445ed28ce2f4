/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>
#include <time.h>

#include "apply.h"
#include "area.h"
#include "hlc.h"
#include "hub_fixture.h"
#include "progress.h"
#include "report.h"
#include "store.h"

#define NOW 1795000000	/* 2026-11-18T11:06:40Z, a Wednesday */
#define DAY 86400
#define T0_MS 1795000000000ULL
#define ELECTION 20270214

struct ctx {
	void		*dir;
	struct store	*s;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct ktp_err err = { 0 };

	if (c == NULL || unit_tmpdir_setup(&c->dir) < 0)
		return -1;
	if (store_open(c->dir, &c->s, &err) < 0 ||
	    store_set_election_date(c->s, ELECTION, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	int r;

	store_close(c->s);
	r = unit_tmpdir_teardown(&c->dir);
	free(c);
	return r;
}

static void
person(struct fixnode *n, const char *nik, uint32_t kec, bool on_dpt, uint8_t status,
       int64_t recorded_at)
{
	struct record r;

	fix_person(&r, nik, hlc_make(T0_MS, (uint32_t)n->head), kec);
	r.on_dpt = on_dpt;
	r.status = status;
	r.recorded_at = recorded_at;
	r.site = status ? RECORD_SITE_SCHOOL : RECORD_SITE_NONE;
	assert_int_not_equal(fixnode_append(n, &r), 0);
}

static void
send(struct store *s, struct fixnode *n, uint64_t first, uint64_t last, int64_t now)
{
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct fixbatch b;

	assert_int_equal(fixnode_batch(n, first, last, &b), 0);
	assert_int_equal(apply_batch(s, &b.hdr, b.plain, b.len, 100, now, &res, &err), 0);
	assert_int_equal(res.outcome, APPLY_OK);
	fixbatch_done(&b);
}

/*
 * 3201: 320101 four on the roll (two unrecorded, one recorded 2 days ago,
 *       one issued 40 days ago); 320102 three unrecorded on the roll;
 *       320103 one child not on the roll, recorded yesterday. It pushed
 *       8 of its 9 versions (pending 1) at NOW - 1 hour.
 * 3202: 320201 two on the roll, both recorded 3 days ago, and one person
 *       living in province 33, whom no report of province 32 shows.
 * 3203: enrolled, refused once, never applied.
 */
static void
load_fixture(struct store *s)
{
	struct fixnode *a = fixnode_new(3201), *b = fixnode_new(3202);
	struct record r;
	struct ktp_err err = { 0 };

	assert_non_null(a);
	assert_non_null(b);
	person(a, "3201011505900001", 320101, true, RECORD_STATUS_UNRECORDED, 0);
	person(a, "3201011505900002", 320101, true, RECORD_STATUS_UNRECORDED, 0);
	person(a, "3201011505900003", 320101, true, RECORD_STATUS_RECORDED, NOW - 2 * DAY);
	person(a, "3201011505900004", 320101, true, RECORD_STATUS_ISSUED, NOW - 40 * DAY);
	person(a, "3201021505900001", 320102, true, RECORD_STATUS_UNRECORDED, 0);
	person(a, "3201021505900002", 320102, true, RECORD_STATUS_UNRECORDED, 0);
	person(a, "3201021505900003", 320102, true, RECORD_STATUS_UNRECORDED, 0);
	fix_person(&r, "3201035505120001", hlc_make(T0_MS, 100), 320103);
	r.birth_date = 20120515;
	r.on_dpt = false;
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW - DAY;
	assert_int_not_equal(fixnode_append(a, &r), 0);
	person(a, "3201011505900005", 320101, true, RECORD_STATUS_UNRECORDED, 0);
	send(s, a, 1, 8, NOW - 3600);
	person(b, "3202011505900001", 320201, true, RECORD_STATUS_RECORDED, NOW - 3 * DAY);
	person(b, "3202011505900002", 320201, true, RECORD_STATUS_PRINTED, NOW - 3 * DAY);
	person(b, "3301011505900001", 330101, true, RECORD_STATUS_RECORDED, NOW);
	send(s, b, 1, 3, NOW - 7200);
	assert_int_equal(store_node_note_error(s, 3203, NOW - 60, "bad signature", &err), 0);
	free(a);
	free(b);
}

static const char *
name_of(uint16_t code, void *arg)
{
	(void)arg;
	return code == 3201 ? "Kab. Bogor" : code == 3202 ? "Kab. Sukabumi, \"Selatan\"" : NULL;
}

static char *
dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(REPORT_JSON_REAL_PRECISION));

	json_decref(j);
	return s;
}

/* The projection the report gives (progress.h): rates as recordings in 30 days. */
static void
test_report_projected_completion_dates(void **state)
{
	int64_t today = NOW / DAY;

	(void)state;
	assert_int_equal(progress_projected(0, 0, 30, today), 20261118);
	assert_int_equal(progress_projected(0, 375, 30, today), 20261118);	/* 12.5 a day */
	assert_int_equal(progress_projected(10, 0, 30, today), 0);
	assert_int_equal(progress_projected(2800, 900, 30, today), 20270220);	/* 30 a day */
	assert_int_equal(progress_projected(10, 10, 30, today), 20261218);
	assert_int_equal(progress_projected(1, 3000, 30, today), 20261119);	/* 100 a day */
	/* Across a year end and 29 February. */
	assert_int_equal(progress_projected(103, 30, 30, today), 20270301);
	assert_int_equal(progress_projected(468, 30, 30, today), 20280229);
}

static void
test_report_json_of_a_small_province(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency_name = name_of };
	struct ktp_err err = { 0 };
	json_t *j = NULL;
	char *got;

	load_fixture(c->s);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	got = dump(j);
	assert_string_equal(got,
		"{\"generated_at\":\"2026-11-18T11:06:40Z\",\"election_date\":\"2027-02-14\","
		"\"election_passed\":false,\"province\":{\"code\":\"32\",\"name\":null,\"persons\":10,"
		"\"wajib_ktp\":9,\"on_dpt\":9,\"recorded\":5,\"dpt_unrecorded\":5,\"recorded_30d\":4,"
		"\"rate_per_day\":0.13,\"projected_completion\":\"2026-12-26\",\"on_track\":false,"
		"\"pemula_unrecorded\":0,\"recorded_7d\":4,\"rate_per_day_7d\":0.57,"
		"\"projected_completion_30d\":\"2026-12-26\",\"projected_completion_7d\":\"2026-11-27\","
		"\"projection_basis\":\"30d\",\"has_data\":true,\"regencies_without_data\":1,"
		"\"regencies\":[{\"code\":\"3201\",\"name\":\"Kab. Bogor\",\"persons\":8,\"wajib_ktp\":7,"
		"\"on_dpt\":7,\"recorded\":3,\"dpt_unrecorded\":5,\"recorded_30d\":2,"
		"\"rate_per_day\":0.07,\"projected_completion\":\"2027-02-01\",\"on_track\":true,"
		"\"pemula_unrecorded\":0,\"recorded_7d\":2,\"rate_per_day_7d\":0.29,"
		"\"projected_completion_30d\":\"2027-02-01\",\"projected_completion_7d\":\"2026-12-06\","
		"\"projection_basis\":\"30d\",\"has_data\":true,\"last_sync\":\"2026-11-18T10:06:40Z\",\"last_contact\":\"2026-11-18T10:06:40Z\",\"last_data\":\"2026-11-18T10:06:40Z\","
		""
		"\"acked\":8,\"pending\":1,\"kecamatan\":[{\"code\":\"320102\",\"name\":null,"
		"\"persons\":3,\"wajib_ktp\":3,\"on_dpt\":3,\"recorded\":0,\"dpt_unrecorded\":3,"
		"\"recorded_30d\":0,\"rate_per_day\":0.0,\"projected_completion\":null,"
		"\"on_track\":false,\"pemula_unrecorded\":0,\"recorded_7d\":0,\"rate_per_day_7d\":0.0,"
		"\"projected_completion_30d\":null,\"projected_completion_7d\":null,"
		"\"projection_basis\":null,\"has_data\":true},{\"code\":\"320101\",\"name\":null,"
		"\"persons\":4,\"wajib_ktp\":4,\"on_dpt\":4,\"recorded\":2,\"dpt_unrecorded\":2,"
		"\"recorded_30d\":1,\"rate_per_day\":0.03,\"projected_completion\":\"2027-01-17\","
		"\"on_track\":true,\"pemula_unrecorded\":0,\"recorded_7d\":1,\"rate_per_day_7d\":0.14,"
		"\"projected_completion_30d\":\"2027-01-17\",\"projected_completion_7d\":\"2026-12-02\","
		"\"projection_basis\":\"30d\",\"has_data\":true},{\"code\":\"320103\",\"name\":null,"
		"\"persons\":1,\"wajib_ktp\":0,\"on_dpt\":0,\"recorded\":1,\"dpt_unrecorded\":0,"
		"\"recorded_30d\":1,\"rate_per_day\":0.03,\"projected_completion\":\"2026-11-18\","
		"\"on_track\":true,\"pemula_unrecorded\":0,\"recorded_7d\":1,\"rate_per_day_7d\":0.14,"
		"\"projected_completion_30d\":\"2026-11-18\",\"projected_completion_7d\":\"2026-11-18\","
		"\"projection_basis\":\"30d\",\"has_data\":true}]},{\"code\":\"3202\","
		"\"name\":\"Kab. Sukabumi, \\\"Selatan\\\"\",\"persons\":2,\"wajib_ktp\":2,\"on_dpt\":2,"
		"\"recorded\":2,\"dpt_unrecorded\":0,\"recorded_30d\":2,\"rate_per_day\":0.07,"
		"\"projected_completion\":\"2026-11-18\",\"on_track\":true,\"pemula_unrecorded\":0,"
		"\"recorded_7d\":2,\"rate_per_day_7d\":0.29,\"projected_completion_30d\":\"2026-11-18\","
		"\"projected_completion_7d\":\"2026-11-18\",\"projection_basis\":\"30d\","
		"\"has_data\":true,\"last_sync\":\"2026-11-18T09:06:40Z\",\"last_contact\":\"2026-11-18T09:06:40Z\",\"last_data\":\"2026-11-18T09:06:40Z\","
		"\"acked\":3,\"pending\":0,"
		"\"kecamatan\":[{\"code\":\"320201\",\"name\":null,\"persons\":2,\"wajib_ktp\":2,"
		"\"on_dpt\":2,\"recorded\":2,\"dpt_unrecorded\":0,\"recorded_30d\":2,"
		"\"rate_per_day\":0.07,\"projected_completion\":\"2026-11-18\",\"on_track\":true,"
		"\"pemula_unrecorded\":0,\"recorded_7d\":2,\"rate_per_day_7d\":0.29,"
		"\"projected_completion_30d\":\"2026-11-18\",\"projected_completion_7d\":\"2026-11-18\","
		"\"projection_basis\":\"30d\",\"has_data\":true}]},{\"code\":\"3203\",\"name\":null,"
		"\"persons\":0,\"wajib_ktp\":0,\"on_dpt\":0,\"recorded\":0,\"dpt_unrecorded\":null,"
		"\"recorded_30d\":0,\"rate_per_day\":0.0,\"projected_completion\":null,\"on_track\":null,"
		"\"pemula_unrecorded\":null,\"recorded_7d\":0,\"rate_per_day_7d\":0.0,"
		"\"projected_completion_30d\":null,\"projected_completion_7d\":null,"
		"\"projection_basis\":null,\"has_data\":false,\"last_sync\":null,"
		"\"last_contact\":\"2026-11-18T11:05:40Z\",\"last_data\":null,\"acked\":0,"
		"\"pending\":0,\"kecamatan\":[]}]}}");
	free(got);
}

static void
test_report_json_for_one_regency(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency = 3201 };
	struct ktp_err err = { 0 };
	json_t *j = NULL, *regs;

	load_fixture(c->s);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	regs = json_object_get(json_object_get(j, "province"), "regencies");
	assert_int_equal(json_array_size(regs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(regs, 0), "code")),
			    "3201");
	assert_true(json_is_null(json_object_get(json_array_get(regs, 0), "name")));
	/* The province totals stay those of the whole province. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "province"),
							    "persons")), 10);
	json_decref(j);
}

static uint16_t
listed_at(size_t i, void *arg)
{
	static const uint16_t codes[] = { 3201, 3210, 3301 };

	(void)arg;
	return codes[i];
}

/* 3210 is enrolled and never sent anything; 3301 is another province's. */
static void
test_report_lists_enrolled_regencies_without_data(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .listed = listed_at, .n_listed = 3 };
	static const char *const want[] = { "3201", "3202", "3203", "3210" };
	struct ktp_err err = { 0 };
	json_t *j = NULL, *regs, *r;
	char *csv = NULL;
	size_t len = 0, i;

	load_fixture(c->s);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	regs = json_object_get(json_object_get(j, "province"), "regencies");
	assert_int_equal(json_array_size(regs), 4);
	json_array_foreach(regs, i, r)
		assert_string_equal(json_string_value(json_object_get(r, "code")), want[i]);
	r = json_array_get(regs, 3);
	assert_int_equal(json_integer_value(json_object_get(r, "persons")), 0);
	assert_true(json_is_null(json_object_get(r, "last_sync")));
	assert_true(json_is_null(json_object_get(r, "projected_completion")));
	/* No data is unknown, not zero and not on track. */
	assert_true(json_is_null(json_object_get(r, "on_track")));
	assert_true(json_is_null(json_object_get(r, "dpt_unrecorded")));
	assert_true(json_is_null(json_object_get(r, "pemula_unrecorded")));
	assert_true(json_is_null(json_object_get(r, "projection_basis")));
	assert_true(json_is_false(json_object_get(r, "has_data")));
	assert_int_equal(json_array_size(json_object_get(r, "kecamatan")), 0);
	/* The province totals are those of the data alone. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "province"),
							    "persons")), 10);
	json_decref(j);

	o.regency = 3210;
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	regs = json_object_get(json_object_get(j, "province"), "regencies");
	assert_int_equal(json_array_size(regs), 1);
	json_decref(j);

	o.regency = 0;
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_non_null(strstr(csv, "\r\nregency,3210,,0,0,0,0,,0,0.00,,,,0,0,,0,0.00,,,false,,\r\n"));
	assert_null(strstr(csv, "3301"));
	free(csv);
}

/* An election date already past: nothing is on track except what is done. */
static void
test_report_on_track_false_after_the_election(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = 20261201, .now = NOW };
	struct ktp_err err = { 0 };
	json_t *j = NULL, *reg;

	load_fixture(c->s);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	reg = json_object_get(json_object_get(j, "province"), "regencies");
	assert_true(json_is_false(json_object_get(json_array_get(reg, 0), "on_track")));
	assert_true(json_is_true(json_object_get(json_array_get(reg, 1), "on_track")));
	json_decref(j);
}

static void
test_report_csv_of_a_small_province(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency_name = name_of };
	struct ktp_err err = { 0 };
	char *csv = NULL;
	size_t len = 0;
	static const char want[] =
		REPORT_CSV_HEADER "\r\n"
		"province,32,,10,9,9,5,5,4,0.13,2026-12-26,false,,,,0,4,0.57,2026-11-27,30d,true,,\r\n"
		"regency,3201,Kab. Bogor,8,7,7,3,5,2,0.07,2027-02-01,true,"
		"2026-11-18T10:06:40Z,8,1,0,2,0.29,2026-12-06,30d,true,"
		"2026-11-18T10:06:40Z,2026-11-18T10:06:40Z\r\n"
		"kecamatan,320102,,3,3,3,0,3,0,0.00,,false,,,,0,0,0.00,,,true,,\r\n"
		"kecamatan,320101,,4,4,4,2,2,1,0.03,2027-01-17,true,,,,0,1,0.14,2026-12-02,30d,true,,\r\n"
		"kecamatan,320103,,1,0,0,1,0,1,0.03,2026-11-18,true,,,,0,1,0.14,2026-11-18,30d,true,,\r\n"
		"regency,3202,\"Kab. Sukabumi, \"\"Selatan\"\"\",2,2,2,2,0,2,0.07,2026-11-18,true,"
		"2026-11-18T09:06:40Z,3,0,0,2,0.29,2026-11-18,30d,true,"
		"2026-11-18T09:06:40Z,2026-11-18T09:06:40Z\r\n"
		"kecamatan,320201,,2,2,2,2,0,2,0.07,2026-11-18,true,,,,0,2,0.29,2026-11-18,30d,true,,\r\n"
		"regency,3203,,0,0,0,0,,0,0.00,,,,0,0,,0,0.00,,,false,2026-11-18T11:05:40Z,\r\n";

	load_fixture(c->s);
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_string_equal(csv, want);
	assert_int_equal(len, strlen(want));
	free(csv);
}

static void
test_report_weekly_recordings(void **state)
{
	static const struct report_week want[] = {
		{ 20261005, 1 }, { 20261012, 0 }, { 20261019, 0 }, { 20261026, 0 },
		{ 20261102, 0 }, { 20261109, 0 }, { 20261116, 2 },
	};
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .now = NOW, .regency = 3201 };
	struct ktp_err err = { 0 };
	struct report_week *w = NULL;
	size_t i;

	load_fixture(c->s);
	assert_int_equal(report_weekly(c->s, &o, 7, &w, &err), 0);
	/* 40 days ago (Oct 9) is in the week of Oct 5; 2 days ago and
	 * yesterday in the current week, which began Monday Nov 16. 3202's
	 * two of 3 days ago fell on Sunday, in the week before. */
	for (i = 0; i < 7; i++) {
		assert_int_equal(w[i].week_start, want[i].week_start);
		assert_int_equal(w[i].recorded, want[i].recorded);
	}
	free(w);
	o.regency = 0;
	assert_int_equal(report_weekly(c->s, &o, 1, &w, &err), 0);
	assert_int_equal(w[0].week_start, 20261116);
	assert_int_equal(w[0].recorded, 2);
	free(w);
	assert_int_equal(report_weekly(c->s, &o, 0, &w, &err), -EINVAL);
	assert_string_equal(err.msg, "report: weeks: 0 not in 1..520");
}

static void
test_report_of_an_empty_store(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = 0, .now = NOW };
	struct ktp_err err = { 0 };
	json_t *j = NULL;
	char *got;

	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	got = dump(j);
	assert_string_equal(got,
		"{\"generated_at\":\"2026-11-18T11:06:40Z\",\"election_date\":null,"
		"\"election_passed\":false,\"province\":{\"code\":\"32\",\"name\":null,\"persons\":0,"
		"\"wajib_ktp\":0,\"on_dpt\":0,\"recorded\":0,\"dpt_unrecorded\":null,\"recorded_30d\":0,"
		"\"rate_per_day\":0.0,\"projected_completion\":null,\"on_track\":null,"
		"\"pemula_unrecorded\":null,\"recorded_7d\":0,\"rate_per_day_7d\":0.0,"
		"\"projected_completion_30d\":null,\"projected_completion_7d\":null,"
		"\"projection_basis\":null,\"has_data\":false,\"regencies_without_data\":0,"
		"\"regencies\":[]}}");
	free(got);
}

/* Names come from the code table; a configured [node CODE] name wins. */
#define AREA_PROV "code,name\n32,Jawa Barat\n"
#define AREA_REG "code,province_code,name\n32.01,32,Kabupaten Bogor\n32.02,32,Kabupaten Sukabumi\n" \
	"32.03,32,Kabupaten Cianjur\n"
#define AREA_KEC "code,regency_code,name\n32.01.01,32.01,Cibinong\n32.01.02,32.01,Gunung Putri\n" \
	"32.02.01,32.02,Pelabuhanratu\n"
#define AREA_DESA "code,district_code,name\n32.01.01.0001,32.01.01,Pakansari\n" \
	"32.01.01.0002,32.01.01,\"Sukahati; Tengah\"\n"

static struct area_table *
areas(void)
{
	const char *const text[AREA_LEVELS] = { AREA_PROV, AREA_REG, AREA_KEC, AREA_DESA };
	size_t len[AREA_LEVELS];
	struct area_table *t = NULL;
	struct ktp_err err = { 0 };
	int i;

	for (i = 0; i < AREA_LEVELS; i++)
		len[i] = strlen(text[i]);
	assert_int_equal(area_table_parse(text, len, "t", 32, &t, &err), 0);
	return t;
}

static const char *
str_at(json_t *j, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while ((dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		j = key[0] >= '0' && key[0] <= '9' ? json_array_get(j, strtoul(key, NULL, 10)) :
						     json_object_get(j, key);
		path = dot + 1;
	}
	j = path[0] >= '0' && path[0] <= '9' ? json_array_get(j, strtoul(path, NULL, 10)) :
					       json_object_get(j, path);
	return json_is_null(j) ? "null" : json_string_value(j);
}

static void
test_report_names_from_the_code_table(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency_name = name_of, .areas = areas() };
	struct ktp_err err = { 0 };
	json_t *j = NULL;
	char *csv = NULL;
	size_t len = 0;

	load_fixture(c->s);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	assert_string_equal(str_at(j, "province.name"), "Jawa Barat");
	assert_string_equal(str_at(j, "province.regencies.0.name"), "Kab. Bogor");
	assert_string_equal(str_at(j, "province.regencies.0.kecamatan.0.code"), "320102");
	assert_string_equal(str_at(j, "province.regencies.0.kecamatan.0.name"), "Gunung Putri");
	assert_string_equal(str_at(j, "province.regencies.0.kecamatan.1.name"), "Cibinong");
	/* 320103 is not in the table. */
	assert_string_equal(str_at(j, "province.regencies.0.kecamatan.2.name"), "null");
	assert_string_equal(str_at(j, "province.regencies.1.kecamatan.0.name"), "Pelabuhanratu");
	/* No configured name: the table's. */
	assert_string_equal(str_at(j, "province.regencies.2.name"), "Kabupaten Cianjur");
	json_decref(j);
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_non_null(strstr(csv, "\r\nprovince,32,Jawa Barat,10,"));
	assert_non_null(strstr(csv, "\r\nkecamatan,320102,Gunung Putri,3,"));
	assert_non_null(strstr(csv, "\r\nkecamatan,320101,Cibinong,4,"));
	assert_non_null(strstr(csv, "\r\nkecamatan,320103,,1,"));
	assert_non_null(strstr(csv, "\r\nregency,3203,Kabupaten Cianjur,0,"));
	free(csv);
	area_table_free((struct area_table *)o.areas);
}

static void
person_in(struct fixnode *n, const char *nik, uint64_t desa, uint32_t birth, bool on_dpt,
	  uint8_t status, int64_t recorded_at)
{
	struct record r;

	/* In the desa's kecamatan; without a desa in 320101. */
	fix_person(&r, nik, hlc_make(T0_MS, (uint32_t)n->head),
		   desa != 0 ? (uint32_t)(desa / 10000) : 320101);
	r.desa = desa;
	r.birth_date = birth;
	r.on_dpt = on_dpt;
	r.status = status;
	r.recorded_at = recorded_at;
	r.site = status ? RECORD_SITE_SCHOOL : RECORD_SITE_NONE;
	assert_int_not_equal(fixnode_append(n, &r), 0);
}

/*
 * 3201: 320101 desa 0001 one unrecorded voter and one recorded yesterday;
 *       desa 0002 two unrecorded voters and a pemula (17 on election day,
 *       not on the roll); one unrecorded voter without a desa.
 *       320102 desa 0001 one recorded 10 days ago.
 */
static void
load_desa_fixture(struct store *s)
{
	struct fixnode *a = fixnode_new(3201);

	assert_non_null(a);
	person_in(a, "3201011505900001", 3201010001, 19900515, true, RECORD_STATUS_UNRECORDED, 0);
	person_in(a, "3201011505900002", 3201010001, 19900515, true, RECORD_STATUS_RECORDED,
		  NOW - DAY);
	person_in(a, "3201011505900003", 3201010002, 19900515, true, RECORD_STATUS_UNRECORDED, 0);
	person_in(a, "3201011505900004", 3201010002, 19900515, true, RECORD_STATUS_UNRECORDED, 0);
	person_in(a, "3201015505090005", 3201010002, 20090515, false, RECORD_STATUS_UNRECORDED, 0);
	person_in(a, "3201011505900006", 0, 19900515, true, RECORD_STATUS_UNRECORDED, 0);
	person_in(a, "3201021505900001", 3201020001, 19900515, true, RECORD_STATUS_RECORDED,
		  NOW - 10 * DAY);
	send(s, a, 1, 7, NOW - 60);
	free(a);
}

static void
test_report_desa_level_lists_desa_by_need(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency = 3201, .level = REPORT_LEVEL_DESA, .areas = areas() };
	struct ktp_err err = { 0 };
	json_t *j = NULL, *kec;
	char *got, *csv = NULL;
	size_t len = 0;

	load_desa_fixture(c->s);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	kec = json_object_get(json_array_get(json_object_get(json_object_get(j, "province"),
							     "regencies"), 0), "kecamatan");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(kec, 0),
							    "pemula_unrecorded")), 1);
	got = json_dumps(json_object_get(json_array_get(kec, 0), "desa"), JSON_COMPACT);
	assert_string_equal(got,
		"[{\"code\":\"3201010002\",\"name\":\"Sukahati; Tengah\",\"persons\":3,\"on_dpt\":2,"
		"\"recorded\":0,\"dpt_unrecorded\":2,\"pemula_unrecorded\":1,\"recorded_30d\":0},"
		"{\"code\":\"3201010001\",\"name\":\"Pakansari\",\"persons\":2,\"on_dpt\":2,"
		"\"recorded\":1,\"dpt_unrecorded\":1,\"pemula_unrecorded\":0,\"recorded_30d\":1}]");
	free(got);
	got = json_dumps(json_object_get(json_array_get(kec, 1), "desa"), JSON_COMPACT);
	assert_string_equal(got,
		"[{\"code\":\"3201020001\",\"name\":null,\"persons\":1,\"on_dpt\":1,"
		"\"recorded\":1,\"dpt_unrecorded\":0,\"pemula_unrecorded\":0,\"recorded_30d\":1}]");
	free(got);
	json_decref(j);

	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_non_null(strstr(csv,
		"\r\nkecamatan,320101,Cibinong,6,6,5,1,4,1,0.03,2027-03-18,false,,,,1,1,0.14,"
		"2026-12-16,30d,true,,\r\n"
		"desa,3201010002,Sukahati; Tengah,3,,2,0,2,0,,,,,,,1,,,,,,,\r\n"
		"desa,3201010001,Pakansari,2,,2,1,1,1,,,,,,,0,,,,,,,\r\n"
		"kecamatan,320102,Gunung Putri,1,1,1,1,0,1,0.03,2026-11-18,true,,,,0,0,0.00,"
		"2026-11-18,30d,true,,\r\n"
		"desa,3201020001,,1,,1,1,0,1,,,,,,,0,,,,,,,\r\n"));
	free(csv);

	/* The desa level is one regency's. */
	o.regency = 0;
	assert_int_equal(report_json(c->s, &o, &j, &err), -EINVAL);
	assert_string_equal(err.msg, "level: desa needs regency=CODE");
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), -EINVAL);
	area_table_free((struct area_table *)o.areas);
}

static void
test_report_level_and_lang_from_text(void **state)
{
	enum report_level level = REPORT_LEVEL_DESA;
	enum report_lang lang = REPORT_LANG_ID;
	struct ktp_err err = { 0 };

	(void)state;
	assert_int_equal(report_level_from_text(NULL, &level, &err), 0);
	assert_int_equal(level, REPORT_LEVEL_KECAMATAN);
	assert_int_equal(report_level_from_text("desa", &level, &err), 0);
	assert_int_equal(level, REPORT_LEVEL_DESA);
	assert_int_equal(report_level_from_text("kecamatan", &level, &err), 0);
	assert_int_equal(level, REPORT_LEVEL_KECAMATAN);
	assert_int_equal(report_level_from_text("village", &level, &err), -EINVAL);
	assert_string_equal(err.msg, "level: 'village' is not kecamatan or desa");
	assert_int_equal(report_lang_from_text(NULL, &lang, &err), 0);
	assert_int_equal(lang, REPORT_LANG_EN);
	assert_int_equal(report_lang_from_text("id", &lang, &err), 0);
	assert_int_equal(lang, REPORT_LANG_ID);
	assert_int_equal(report_lang_from_text("fr", &lang, &err), -EINVAL);
	assert_string_equal(err.msg, "lang: 'fr' is not en or id");
}

/* A recording 10 days ago and none since: at the 7-day pace never, so the
 * 7-day projection (absent) decides, and the kecamatan is not on track. */
static void
test_report_7d_projection_decides_when_later(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW };
	struct ktp_err err = { 0 };
	struct fixnode *a = fixnode_new(3201);
	json_t *j = NULL, *k;

	assert_non_null(a);
	person_in(a, "3201011505900001", 3201010001, 19900515, true, RECORD_STATUS_RECORDED,
		  NOW - 10 * DAY);
	person_in(a, "3201011505900002", 3201010001, 19900515, true, RECORD_STATUS_UNRECORDED, 0);
	send(c->s, a, 1, 2, NOW - 60);
	free(a);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	k = json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(j,
		"province"), "regencies"), 0), "kecamatan"), 0);
	assert_string_equal(str_at(k, "projected_completion_30d"), "2026-12-18");
	assert_string_equal(str_at(k, "projected_completion_7d"), "null");
	assert_string_equal(str_at(k, "projected_completion"), "null");
	assert_string_equal(str_at(k, "projection_basis"), "7d");
	assert_true(json_is_false(json_object_get(k, "on_track")));
	assert_float_equal(json_real_value(json_object_get(k, "rate_per_day")), 0.03, 1e-9);
	assert_float_equal(json_real_value(json_object_get(k, "rate_per_day_7d")), 0.0, 1e-9);
	json_decref(j);
}

static uint16_t
listed_3202_3210(size_t i, void *arg)
{
	(void)arg;
	return i == 0 ? 3202 : 3210;
}

/* A regency that never sent data keeps the province off on_track. */
static void
test_report_province_not_on_track_with_a_silent_regency(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .listed = listed_3202_3210, .n_listed = 1 };
	struct ktp_err err = { 0 };
	struct fixnode *b = fixnode_new(3202);
	json_t *j = NULL, *p;

	assert_non_null(b);
	person(b, "3202011505900001", 320201, true, RECORD_STATUS_RECORDED, NOW - 3 * DAY);
	send(c->s, b, 1, 1, NOW - 60);
	free(b);
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	p = json_object_get(j, "province");
	assert_true(json_is_true(json_object_get(p, "on_track")));
	assert_int_equal(json_integer_value(json_object_get(p, "regencies_without_data")), 0);
	json_decref(j);
	o.n_listed = 2;
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	p = json_object_get(j, "province");
	assert_true(json_is_false(json_object_get(p, "on_track")));
	assert_true(json_is_true(json_object_get(p, "has_data")));
	assert_int_equal(json_integer_value(json_object_get(p, "regencies_without_data")), 1);
	/* Its own sums are done; the silent regency is what is unknown. */
	assert_int_equal(json_integer_value(json_object_get(p, "dpt_unrecorded")), 0);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(p, "regencies"), 1),
						 "on_track")));
	json_decref(j);
}

static void
test_report_csv_in_indonesian(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency = 3202, .lang = REPORT_LANG_ID,
				 .regency_name = name_of, .tz_offset_s = 7 * 3600, .tz_abbr = "WIB" };
	struct ktp_err err = { 0 };
	char *csv = NULL;
	size_t len = 0;
	static const char want[] =
		"\xef\xbb\xbf"
		"tingkat;kode;nama;penduduk;wajib_ktp;dpt;terekam;dpt_belum_rekam;terekam_30h;"
		"laju_per_hari;perkiraan_selesai;sesuai_jadwal;sinkron_terakhir;acked;tertunda;"
		"pemula_belum_rekam;terekam_7h;laju_per_hari_7h;perkiraan_selesai_7h;"
		"dasar_perkiraan;ada_data;kontak_terakhir;data_terakhir\r\n"
		"provinsi;32;;10;9;9;5;5;4;0,13;2026-12-26;tidak;;;;0;4;0,57;2026-11-27;30d;ya;;\r\n"
		"kabupaten;3202;\"Kab. Sukabumi, \"\"Selatan\"\"\";2;2;2;2;0;2;0,07;2026-11-18;ya;"
		"2026-11-18 16:06:40 WIB;3;0;0;2;0,29;2026-11-18;30d;ya;2026-11-18 16:06:40 WIB;"
		"2026-11-18 16:06:40 WIB\r\n"
		"kecamatan;320201;;2;2;2;2;0;2;0,07;2026-11-18;ya;;;;0;2;0,29;2026-11-18;30d;ya;;\r\n";

	load_fixture(c->s);
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_string_equal(csv, want);
	assert_int_equal(len, strlen(want));
	free(csv);
	o.regency = 3203;
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_non_null(strstr(csv, "\r\nkabupaten;3203;;0;0;0;0;;0;0,00;;;;0;0;;0;0,00;;;tidak;2026-11-18 18:05:40 WIB;\r\n"));
	free(csv);
}

static void
test_report_election_passed_in_the_hub_time_zone(void **state)
{
	struct ctx *c = *state;
	/* 2026-11-18T17:00:00Z is 2026-11-19 00:00 WIB. */
	struct report_opts o = { .province = 32, .election_date = 20261118,
				 .now = 1795021200 - 1, .tz_offset_s = 25200 };
	struct ktp_err err = { 0 };
	json_t *j = NULL;

	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	assert_true(json_is_false(json_object_get(j, "election_passed")));
	json_decref(j);
	o.now++;
	assert_int_equal(report_json(c->s, &o, &j, &err), 0);
	assert_true(json_is_true(json_object_get(j, "election_passed")));
	json_decref(j);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* --- The view the pages render from says what the JSON says ----------- */

static void
expect_count(const struct report_count *c, const json_t *o, const char *key)
{
	const json_t *j = json_object_get(o, key);

	assert_int_equal(c->known, json_is_integer(j));
	if (c->known)
		assert_int_equal(c->v, json_integer_value(j));
}

static void
expect_date(uint32_t ymd, const json_t *o, const char *key)
{
	const json_t *j = json_object_get(o, key);
	char text[16];

	if (ymd == 0) {
		assert_true(j == NULL || json_is_null(j));
		return;
	}
	snprintf(text, sizeof(text), "%04u-%02u-%02u", ymd / 10000, ymd / 100 % 100, ymd % 100);
	assert_string_equal(json_string_value(j), text);
}

static void
expect_time(int64_t t, const json_t *o, const char *key)
{
	const json_t *j = json_object_get(o, key);
	time_t tt = (time_t)t;
	char text[32];
	struct tm tm;

	if (t == 0) {
		assert_true(j == NULL || json_is_null(j));
		return;
	}
	assert_non_null(gmtime_r(&tt, &tm));
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_string_equal(json_string_value(j), text);
}

/* One area of the view against its JSON object, and the areas under it
 * against the array keys[0] (keys ends with NULL). */
static void
expect_area(const struct report_area *a, const json_t *o, const char *const *keys)
{
	const json_t *track = json_object_get(o, "on_track"), *subs;
	const char *basis = json_string_value(json_object_get(o, "projection_basis"));
	size_t i;

	assert_string_equal(a->code, json_string_value(json_object_get(o, "code")));
	if (a->name == NULL)
		assert_true(json_is_null(json_object_get(o, "name")));
	else
		assert_string_equal(a->name, json_string_value(json_object_get(o, "name")));
	assert_int_equal(a->has_data, !json_is_false(json_object_get(o, "has_data")));
	expect_count(&a->dpt_unrecorded, o, "dpt_unrecorded");
	expect_count(&a->pemula_unrecorded, o, "pemula_unrecorded");
	expect_count(&a->recorded_30d, o, "recorded_30d");
	expect_count(&a->on_dpt, o, "on_dpt");
	assert_int_equal(a->track, !json_is_boolean(track) ? REPORT_TRACK_UNKNOWN :
			 json_is_true(track) ? REPORT_TRACK_OK : REPORT_TRACK_LATE);
	expect_date(a->projected, o, "projected_completion");
	expect_date(a->projected_30d, o, "projected_completion_30d");
	expect_date(a->projected_7d, o, "projected_completion_7d");
	assert_int_equal(a->has_30d, json_object_get(o, "projected_completion_30d") != NULL);
	assert_int_equal(a->has_7d, json_object_get(o, "projected_completion_7d") != NULL);
	assert_int_equal(a->basis, basis == NULL ? PROGRESS_BASIS_NONE :
			 strcmp(basis, "7d") == 0 ? PROGRESS_BASIS_7D : PROGRESS_BASIS_30D);
	expect_time(a->last_contact, o, "last_contact");
	expect_time(a->last_data, o, "last_data");
	expect_time(a->last_sync, o, "last_sync");
	assert_int_equal(a->acked, json_integer_value(json_object_get(o, "acked")));
	assert_int_equal(a->pending, json_integer_value(json_object_get(o, "pending")));
	subs = keys[0] != NULL ? json_object_get(o, keys[0]) : NULL;
	assert_int_equal(a->n_sub, json_array_size(subs));
	for (i = 0; i < a->n_sub; i++)
		expect_area(&a->sub[i], json_array_get(subs, i), keys + 1);
}

static void
expect_view_is_json(struct store *s, const struct report_opts *o)
{
	static const char *const keys[] = { "regencies", "kecamatan", "desa", NULL };
	struct report_view *v = NULL;
	struct ktp_err err = { 0 };
	json_t *j = NULL, *prov;

	assert_int_equal(report_json(s, o, &j, &err), 0);
	assert_int_equal(report_view_new(s, o, &v, &err), 0);
	prov = json_object_get(j, "province");
	expect_area(&v->province, prov, keys);
	expect_count(&v->regencies_without_data, prov, "regencies_without_data");
	assert_true(v->election_passed_known);
	assert_int_equal(v->election_passed, json_is_true(json_object_get(j, "election_passed")));
	report_view_free(v);
	json_decref(j);
}

static void
test_report_view_holds_what_the_json_says(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .listed = listed_at, .n_listed = 3, .regency_name = name_of,
				 .areas = areas() };

	load_fixture(c->s);
	expect_view_is_json(c->s, &o);		/* a silent enrolled regency among them */
	o.regency = 3201;
	expect_view_is_json(c->s, &o);
	o.election_date = 20261101;		/* passed: nothing on track */
	expect_view_is_json(c->s, &o);
	area_table_free((struct area_table *)o.areas);
}

static void
test_report_view_lists_desa_as_the_json_does(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .election_date = ELECTION, .now = NOW,
				 .regency = 3201, .level = REPORT_LEVEL_DESA, .areas = areas() };

	load_desa_fixture(c->s);
	expect_view_is_json(c->s, &o);
	area_table_free((struct area_table *)o.areas);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_projected_completion_dates),
		T(test_report_json_of_a_small_province),
		T(test_report_json_for_one_regency),
		T(test_report_lists_enrolled_regencies_without_data),
		T(test_report_on_track_false_after_the_election),
		T(test_report_csv_of_a_small_province),
		T(test_report_weekly_recordings),
		T(test_report_of_an_empty_store),
		T(test_report_names_from_the_code_table),
		T(test_report_desa_level_lists_desa_by_need),
		cmocka_unit_test(test_report_level_and_lang_from_text),
		T(test_report_7d_projection_decides_when_later),
		T(test_report_province_not_on_track_with_a_silent_regency),
		T(test_report_csv_in_indonesian),
		T(test_report_election_passed_in_the_hub_time_zone),
		T(test_report_view_holds_what_the_json_says),
		T(test_report_view_lists_desa_as_the_json_does),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
