/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "apply.h"
#include "hlc.h"
#include "hub_fixture.h"
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

static void
test_report_projected_completion_dates(void **state)
{
	(void)state;
	assert_int_equal(report_projected_completion(0, 0, NOW), 20261118);
	assert_int_equal(report_projected_completion(0, 12.5, NOW), 20261118);
	assert_int_equal(report_projected_completion(10, 0, NOW), 0);
	assert_int_equal(report_projected_completion(2800, 30.0, NOW), 20270220);
	assert_int_equal(report_projected_completion(10, 10 / 30.0, NOW), 20261218);
	assert_int_equal(report_projected_completion(1, 100, NOW), 20261119);
	/* Across a year end and 29 February. */
	assert_int_equal(report_projected_completion(103, 1, NOW), 20270301);
	assert_int_equal(report_projected_completion(468, 1, NOW), 20280229);
}

#define REPORT_3201_KEC \
	"\"kecamatan\":[" \
	"{\"code\":\"320102\",\"persons\":3,\"wajib_ktp\":3,\"on_dpt\":3,\"recorded\":0," \
	"\"dpt_unrecorded\":3,\"recorded_30d\":0,\"rate_per_day\":0.0," \
	"\"projected_completion\":null,\"on_track\":false}," \
	"{\"code\":\"320101\",\"persons\":4,\"wajib_ktp\":4,\"on_dpt\":4,\"recorded\":2," \
	"\"dpt_unrecorded\":2,\"recorded_30d\":1,\"rate_per_day\":0.03," \
	"\"projected_completion\":\"2027-01-17\",\"on_track\":true}," \
	"{\"code\":\"320103\",\"persons\":1,\"wajib_ktp\":0,\"on_dpt\":0,\"recorded\":1," \
	"\"dpt_unrecorded\":0,\"recorded_30d\":1,\"rate_per_day\":0.03," \
	"\"projected_completion\":\"2026-11-18\",\"on_track\":true}]"

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
		"\"province\":{\"code\":\"32\",\"persons\":10,\"wajib_ktp\":9,\"on_dpt\":9,"
		"\"recorded\":5,\"dpt_unrecorded\":5,\"recorded_30d\":4,\"rate_per_day\":0.13,"
		"\"projected_completion\":\"2026-12-26\",\"on_track\":true,"
		"\"regencies\":["
		"{\"code\":\"3201\",\"name\":\"Kab. Bogor\",\"persons\":8,\"wajib_ktp\":7,"
		"\"on_dpt\":7,\"recorded\":3,\"dpt_unrecorded\":5,\"recorded_30d\":2,"
		"\"rate_per_day\":0.07,\"projected_completion\":\"2027-02-01\",\"on_track\":true,"
		"\"last_sync\":\"2026-11-18T10:06:40Z\",\"last_contact\":\"2026-11-18T10:06:40Z\",\"last_data\":\"2026-11-18T10:06:40Z\","
		"\"acked\":8,\"pending\":1,"
		REPORT_3201_KEC "},"
		"{\"code\":\"3202\",\"name\":\"Kab. Sukabumi, \\\"Selatan\\\"\",\"persons\":2,"
		"\"wajib_ktp\":2,\"on_dpt\":2,\"recorded\":2,\"dpt_unrecorded\":0,\"recorded_30d\":2,"
		"\"rate_per_day\":0.07,\"projected_completion\":\"2026-11-18\",\"on_track\":true,"
		"\"last_sync\":\"2026-11-18T09:06:40Z\",\"last_contact\":\"2026-11-18T09:06:40Z\",\"last_data\":\"2026-11-18T09:06:40Z\","
		"\"acked\":3,\"pending\":0,"
		"\"kecamatan\":[{\"code\":\"320201\",\"persons\":2,\"wajib_ktp\":2,\"on_dpt\":2,"
		"\"recorded\":2,\"dpt_unrecorded\":0,\"recorded_30d\":2,\"rate_per_day\":0.07,"
		"\"projected_completion\":\"2026-11-18\",\"on_track\":true}]},"
		"{\"code\":\"3203\",\"name\":null,\"persons\":0,\"wajib_ktp\":0,\"on_dpt\":0,"
		"\"recorded\":0,\"dpt_unrecorded\":0,\"recorded_30d\":0,\"rate_per_day\":0.0,"
		"\"projected_completion\":null,\"on_track\":false,\"last_sync\":null,"
		"\"last_contact\":\"2026-11-18T11:05:40Z\",\"last_data\":null,"
		"\"acked\":0,\"pending\":0,\"kecamatan\":[]}]}}");
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
	assert_true(json_is_false(json_object_get(r, "on_track")));
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
	assert_non_null(strstr(csv, "\r\nregency,3210,,0,0,0,0,0,0,0.00,,false,,0,0\r\n"));
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
		"level,code,name,persons,wajib_ktp,on_dpt,recorded,dpt_unrecorded,recorded_30d,"
		"rate_per_day,projected_completion,on_track,last_sync,acked,pending\r\n"
		"province,32,,10,9,9,5,5,4,0.13,2026-12-26,true,,,\r\n"
		"regency,3201,Kab. Bogor,8,7,7,3,5,2,0.07,2027-02-01,true,"
		"2026-11-18T10:06:40Z,8,1\r\n"
		"kecamatan,320102,,3,3,3,0,3,0,0.00,,false,,,\r\n"
		"kecamatan,320101,,4,4,4,2,2,1,0.03,2027-01-17,true,,,\r\n"
		"kecamatan,320103,,1,0,0,1,0,1,0.03,2026-11-18,true,,,\r\n"
		"regency,3202,\"Kab. Sukabumi, \"\"Selatan\"\"\",2,2,2,2,0,2,0.07,2026-11-18,true,"
		"2026-11-18T09:06:40Z,3,0\r\n"
		"kecamatan,320201,,2,2,2,2,0,2,0.07,2026-11-18,true,,,\r\n"
		"regency,3203,,0,0,0,0,0,0,0.00,,false,,0,0\r\n";

	load_fixture(c->s);
	assert_int_equal(report_csv(c->s, &o, &csv, &len, &err), 0);
	assert_string_equal(csv, want);
	assert_int_equal(len, strlen(want));
	free(csv);
}

static void
test_report_weekly_recordings(void **state)
{
	struct ctx *c = *state;
	struct report_opts o = { .province = 32, .now = NOW, .regency = 3201 };
	struct ktp_err err = { 0 };
	json_t *j = NULL;
	char *got;

	load_fixture(c->s);
	assert_int_equal(report_weekly_json(c->s, &o, 7, &j, &err), 0);
	got = dump(j);
	/* 40 days ago (Oct 9) is in the week of Oct 5; 2 days ago and
	 * yesterday in the current week, which began Monday Nov 16. 3202's
	 * two of 3 days ago fell on Sunday, in the week before. */
	assert_string_equal(got,
		"[{\"week_start\":\"2026-10-05\",\"recorded\":1},"
		"{\"week_start\":\"2026-10-12\",\"recorded\":0},"
		"{\"week_start\":\"2026-10-19\",\"recorded\":0},"
		"{\"week_start\":\"2026-10-26\",\"recorded\":0},"
		"{\"week_start\":\"2026-11-02\",\"recorded\":0},"
		"{\"week_start\":\"2026-11-09\",\"recorded\":0},"
		"{\"week_start\":\"2026-11-16\",\"recorded\":2}]");
	free(got);
	o.regency = 0;
	assert_int_equal(report_weekly_json(c->s, &o, 1, &j, &err), 0);
	got = dump(j);
	assert_string_equal(got, "[{\"week_start\":\"2026-11-16\",\"recorded\":2}]");
	free(got);
	assert_int_equal(report_weekly_json(c->s, &o, 0, &j, &err), -EINVAL);
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
		"\"province\":{\"code\":\"32\",\"persons\":0,\"wajib_ktp\":0,\"on_dpt\":0,"
		"\"recorded\":0,\"dpt_unrecorded\":0,\"recorded_30d\":0,\"rate_per_day\":0.0,"
		"\"projected_completion\":null,\"on_track\":false,\"regencies\":[]}}");
	free(got);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

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
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
