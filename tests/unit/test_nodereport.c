/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include <jansson.h>

#include "unit.h"
#include "err.h"
#include "journal.h"
#include "nodereport.h"
#include "record.h"

#include "journal_fixture.h"

/* Counts as journal_counts gives them, rendered without a journal: each
 * kecamatan with its code last, the total with node and the list last. */
static void
test_nodereport_renders_counts_in_the_reports_order(void **state)
{
	static const struct journal_counts rows[] = {
		{ .kecamatan = 320101, .persons = 3, .wajib_ktp = 3, .on_dpt = 2, .recorded = 1,
		  .dpt_unrecorded = 1, .recorded_30d = 1, .recorded_7d = 1 },
		{ .kecamatan = 320102, .persons = 1, .pemula_unrecorded = 1 },
	};
	struct ktp_err err = {0};
	json_t *rep = NULL;
	char *txt;

	(void)state;
	assert_int_equal(nodereport_render(NODE, rows, 2, 20261231, (int64_t)(T0_MS / 1000), &rep,
					   &err), 0);
	txt = json_dumps(rep, JSON_COMPACT | JSON_REAL_PRECISION(15));
	assert_string_equal(txt, "{\"persons\":4,\"wajib_ktp\":3,\"on_dpt\":2,\"recorded\":1,"
			    "\"dpt_unrecorded\":1,\"recorded_30d\":1,\"rate_per_day\":0.03,"
			    "\"projected_completion\":20251222,\"on_track\":true,\"recorded_7d\":1,"
			    "\"rate_per_day_7d\":0.14,\"projected_completion_30d\":20251222,"
			    "\"projected_completion_7d\":20251129,\"projection_basis\":\"30d\","
			    "\"pemula_unrecorded\":1,\"node\":3201,\"kecamatan\":["
			    "{\"persons\":3,\"wajib_ktp\":3,\"on_dpt\":2,\"recorded\":1,"
			    "\"dpt_unrecorded\":1,\"recorded_30d\":1,\"rate_per_day\":0.03,"
			    "\"projected_completion\":20251222,\"on_track\":true,\"recorded_7d\":1,"
			    "\"rate_per_day_7d\":0.14,\"projected_completion_30d\":20251222,"
			    "\"projected_completion_7d\":20251129,\"projection_basis\":\"30d\","
			    "\"pemula_unrecorded\":0,\"code\":320101},"
			    "{\"persons\":1,\"wajib_ktp\":0,\"on_dpt\":0,\"recorded\":0,"
			    "\"dpt_unrecorded\":0,\"recorded_30d\":0,\"rate_per_day\":0.0,"
			    "\"projected_completion\":20251122,\"on_track\":true,\"recorded_7d\":0,"
			    "\"rate_per_day_7d\":0.0,\"projected_completion_30d\":20251122,"
			    "\"projected_completion_7d\":20251122,\"projection_basis\":\"30d\","
			    "\"pemula_unrecorded\":1,\"code\":320102}]}");
	free(txt);
	json_decref(rep);
}

/* No kecamatan: zeros, no projection, an empty list; no election date: no
 * pemula known. */
static void
test_nodereport_renders_an_empty_journal(void **state)
{
	struct ktp_err err = {0};
	json_t *rep = NULL;
	char *txt;

	(void)state;
	assert_int_equal(nodereport_render(NODE, NULL, 0, 0, (int64_t)(T0_MS / 1000), &rep, &err),
			 0);
	txt = json_dumps(rep, JSON_COMPACT);
	assert_string_equal(txt, "{\"persons\":0,\"wajib_ktp\":0,\"on_dpt\":0,\"recorded\":0,"
			    "\"dpt_unrecorded\":0,\"recorded_30d\":0,\"rate_per_day\":0.0,"
			    "\"projected_completion\":0,\"on_track\":false,\"recorded_7d\":0,"
			    "\"rate_per_day_7d\":0.0,\"projected_completion_30d\":0,"
			    "\"projected_completion_7d\":0,\"projection_basis\":null,"
			    "\"pemula_unrecorded\":null,\"node\":3201,\"kecamatan\":[]}");
	free(txt);
	json_decref(rep);
}

static void
test_nodereport_counts_per_kecamatan(void **state)
{
	struct journal *j = open_j(state);
	struct ktp_err err = {0};
	struct record r;
	json_t *rep = NULL, *k;
	char *txt;

	put_four(j);
	make_person(&r, "3201024101150005", "Ani Kecil");		/* born 2015: not wajib */
	r.kecamatan = 320102;
	r.desa = 0;
	r.on_dpt = false;
	put(j, &r, T0_MS + 5);
	assert_int_equal(nodereport_json(j, 20261231, (int64_t)(T0_MS / 1000), &rep, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "node")), NODE);
	assert_int_equal(json_integer_value(json_object_get(rep, "persons")), 4);
	assert_int_equal(json_integer_value(json_object_get(rep, "wajib_ktp")), 3);
	assert_int_equal(json_integer_value(json_object_get(rep, "on_dpt")), 2);
	assert_int_equal(json_integer_value(json_object_get(rep, "recorded")), 1);
	assert_int_equal(json_integer_value(json_object_get(rep, "dpt_unrecorded")), 1);
	assert_int_equal(json_integer_value(json_object_get(rep, "recorded_30d")), 1);
	/* 1 remaining at 1/30 a day: 30 days after 2025-11-22. */
	assert_int_equal(json_integer_value(json_object_get(rep, "projected_completion")),
			 20251222);
	assert_true(json_is_true(json_object_get(rep, "on_track")));
	assert_int_equal(json_array_size(json_object_get(rep, "kecamatan")), 2);
	k = json_array_get(json_object_get(rep, "kecamatan"), 1);
	txt = json_dumps(k, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(txt, "{\"code\":320102,\"dpt_unrecorded\":0,\"on_dpt\":0,"
			    "\"on_track\":true,\"pemula_unrecorded\":0,\"persons\":1,"
			    "\"projected_completion\":20251122,\"projected_completion_30d\":20251122,"
			    "\"projected_completion_7d\":20251122,\"projection_basis\":\"30d\","
			    "\"rate_per_day\":0.0,\"rate_per_day_7d\":0.0,\"recorded\":0,"
			    "\"recorded_30d\":0,\"recorded_7d\":0,\"wajib_ktp\":0}");
	free(txt);
	json_decref(rep);
	journal_close(j);
}

/* One person of kecamatan 320103 for the report test below. */
static void
put_kec3(struct journal *j, const char *nik, uint32_t birth, bool on_dpt, int64_t recorded_at,
	 uint64_t wall_ms)
{
	struct record r;

	make_person(&r, nik, "Warga");
	r.kecamatan = 320103;
	r.desa = 0;
	r.birth_date = birth;
	r.on_dpt = on_dpt;
	if (recorded_at != 0) {
		r.status = RECORD_STATUS_RECORDED;
		r.site = RECORD_SITE_OFFICE;
		r.recorded_at = recorded_at;
	}
	put(j, &r, wall_ms);
}

static char *
report_kec_text(struct journal *j, uint32_t election_date)
{
	struct ktp_err err = {0};
	json_t *rep = NULL;
	char *txt;

	assert_int_equal(nodereport_json(j, election_date, (int64_t)(T0_MS / 1000), &rep, &err),
			 0);
	assert_int_equal(json_array_size(json_object_get(rep, "kecamatan")), 1);
	/* 15 significant digits print the double 7 / 100.0 as 0.07, as jq does. */
	txt = json_dumps(json_array_get(json_object_get(rep, "kecamatan"), 0),
			 JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(rep);
	return txt;
}

/* PROTOCOL.md 8.4: wajib_ktp is 17 on the election date (29 February counts
 * from 1 March), on_dpt without a birth date; recorded_30d is today and the 29
 * UTC days before; the rate is rounded to 2 decimals; no election date is
 * never on track. */
static void
test_nodereport_follows_the_hub_definitions(void **state)
{
	struct journal *j = open_j(state);
	int64_t today = (int64_t)(T0_MS / 1000) / 86400;	/* 2025-11-22 */
	char *txt;

	put_kec3(j, "3201036902080001", 20080229, true, (int64_t)(T0_MS / 1000), T0_MS);
	put_kec3(j, "3201030101000002", 0, true, 0, T0_MS + 1);
	put_kec3(j, "3201030101000003", 0, false, 0, T0_MS + 2);
	put_kec3(j, "3201032802080004", 20080228, true, (today - 29) * 86400 - 1, T0_MS + 3);
	put_kec3(j, "3201030101900005", 19900101, true, (today + 1) * 86400, T0_MS + 4);
	put_kec3(j, "3201030101000006", 0, false, (today - 29) * 86400, T0_MS + 5);

	/* Born 2008-02-29 is 17 from 2025-03-01: not yet on the 28th. */
	txt = report_kec_text(j, 20250228);
	assert_string_equal(txt, "{\"code\":320103,\"dpt_unrecorded\":1,\"on_dpt\":4,"
			    "\"on_track\":false,\"pemula_unrecorded\":0,\"persons\":6,"
			    "\"projected_completion\":20251207,\"projected_completion_30d\":20251207,"
			    "\"projected_completion_7d\":20251129,\"projection_basis\":\"30d\","
			    "\"rate_per_day\":0.07,\"rate_per_day_7d\":0.14,\"recorded\":4,"
			    "\"recorded_30d\":2,\"recorded_7d\":1,"
			    "\"wajib_ktp\":3}");
	free(txt);
	txt = report_kec_text(j, 20250301);
	assert_string_equal(txt, "{\"code\":320103,\"dpt_unrecorded\":1,\"on_dpt\":4,"
			    "\"on_track\":false,\"pemula_unrecorded\":0,\"persons\":6,"
			    "\"projected_completion\":20251207,\"projected_completion_30d\":20251207,"
			    "\"projected_completion_7d\":20251129,\"projection_basis\":\"30d\","
			    "\"rate_per_day\":0.07,\"rate_per_day_7d\":0.14,\"recorded\":4,"
			    "\"recorded_30d\":2,\"recorded_7d\":1,"
			    "\"wajib_ktp\":4}");
	free(txt);
	txt = report_kec_text(j, 20261231);
	assert_string_equal(txt, "{\"code\":320103,\"dpt_unrecorded\":1,\"on_dpt\":4,"
			    "\"on_track\":true,\"pemula_unrecorded\":0,\"persons\":6,"
			    "\"projected_completion\":20251207,\"projected_completion_30d\":20251207,"
			    "\"projected_completion_7d\":20251129,\"projection_basis\":\"30d\","
			    "\"rate_per_day\":0.07,\"rate_per_day_7d\":0.14,\"recorded\":4,"
			    "\"recorded_30d\":2,\"recorded_7d\":1,"
			    "\"wajib_ktp\":4}");
	free(txt);
	/* No election date: only the undated voter is wajib, nothing is on track. */
	txt = report_kec_text(j, 0);
	assert_string_equal(txt, "{\"code\":320103,\"dpt_unrecorded\":1,\"on_dpt\":4,"
			    "\"on_track\":false,\"pemula_unrecorded\":null,\"persons\":6,"
			    "\"projected_completion\":20251207,\"projected_completion_30d\":20251207,"
			    "\"projected_completion_7d\":20251129,\"projection_basis\":\"30d\","
			    "\"rate_per_day\":0.07,\"rate_per_day_7d\":0.14,\"recorded\":4,"
			    "\"recorded_30d\":2,\"recorded_7d\":1,"
			    "\"wajib_ktp\":1}");
	free(txt);
	journal_close(j);
}

/* pemula_unrecorded counts the live, unrecorded persons 17 but not yet 18 on
 * election day, on the roll or not, per kecamatan and in total. */
static void
test_nodereport_counts_pemula_unrecorded(void **state)
{
	struct journal *j = open_j(state);
	struct ktp_err err = {0};
	json_t *rep = NULL;
	char *txt;

	put_kec3(j, "3201031502110001", 20110215, false, 0, T0_MS);	/* pemula, off the roll */
	put_kec3(j, "3201031402120002", 20120214, true, 0, T0_MS + 1);	/* pemula */
	put_kec3(j, "3201031402110003", 20110214, true, 0, T0_MS + 2);	/* 18 on the day */
	put_kec3(j, "3201031502120004", 20120215, false, 0, T0_MS + 3);	/* still 16 */
	put_kec3(j, "3201030101120005", 20120101, true, (int64_t)(T0_MS / 1000), T0_MS + 4);
	txt = report_kec_text(j, 20290214);
	assert_non_null(strstr(txt, "\"pemula_unrecorded\":2,"));
	free(txt);
	assert_int_equal(nodereport_json(j, 20290214, (int64_t)(T0_MS / 1000), &rep, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "pemula_unrecorded")), 2);
	json_decref(rep);
	journal_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)
		cmocka_unit_test(test_nodereport_renders_counts_in_the_reports_order),
		cmocka_unit_test(test_nodereport_renders_an_empty_journal),
		T(test_nodereport_counts_per_kecamatan),
		T(test_nodereport_follows_the_hub_definitions),
		T(test_nodereport_counts_pemula_unrecorded),
#undef T
	};

	return cmocka_run_group_tests_name("nodereport", tests, NULL, NULL);
}
