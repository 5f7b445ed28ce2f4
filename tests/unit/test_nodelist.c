/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "enroll.h"
#include "err.h"
#include "nodelist.h"

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* 2026-11-22T11:06:40Z */
#define T0 1795345600

static struct enroll *
enrolled(const uint16_t *codes, const char *const *names, size_t n)
{
	struct enroll *e = NULL;
	struct ktp_err err = {0};
	uint8_t pk[KTP_ED25519_PK_LEN];
	size_t i;

	assert_int_equal(enroll_new(&e, &err), 0);
	for (i = 0; i < n; i++) {
		memset(pk, (int)i + 1, sizeof(pk));
		assert_int_equal(enroll_add(e, codes[i], names[i], pk, &err), 0);
	}
	return e;
}

static char *
dump(const struct nodelist *l)
{
	json_t *j = nodelist_json(l);
	char *s;

	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* Which codes come out, in which order, named or not, for stored and
 * enrolled inputs: one line per case. */
static void
test_nodelist_merge_lists_stored_and_enrolled_by_code(void **state)
{
	static const struct {
		uint16_t	stored[3];
		size_t		n_stored;
		uint16_t	enrolled[3];
		size_t		n_enrolled;
		uint16_t	want[4];
		bool		named[4];
		size_t		n_want;
	} cases[] = {
		{ {0}, 0, {0}, 0, {0}, {0}, 0 },
		{ {3201}, 1, {0}, 0, {3201}, {false}, 1 },
		{ {0}, 0, {3204, 3201}, 2, {3201, 3204}, {true, true}, 2 },
		{ {3205, 3201}, 2, {3201}, 1, {3201, 3205}, {true, false}, 2 },
		{ {3203}, 1, {3204, 3201}, 2, {3201, 3203, 3204}, {true, false, true}, 3 },
		{ {3201, 3202, 3203}, 3, {3203, 3202, 3201}, 3, {3201, 3202, 3203},
		  {true, true, true}, 3 },
	};
	static const char *const names[] = { "A", "B", "C" };
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_node st[3] = {0};
		struct nodelist l = {0};
		struct enroll *e = enrolled(cases[i].enrolled, names, cases[i].n_enrolled);

		for (k = 0; k < cases[i].n_stored; k++)
			st[k].code = cases[i].stored[k];
		assert_int_equal(nodelist_merge(st, cases[i].n_stored, e, &l), 0);
		assert_int_equal(l.n, cases[i].n_want);
		for (k = 0; k < l.n; k++) {
			assert_int_equal(l.rows[k].n.code, cases[i].want[k]);
			assert_int_equal(l.rows[k].enrolled, cases[i].named[k]);
			assert_int_equal(l.rows[k].name[0] != '\0', cases[i].named[k]);
		}
		nodelist_done(&l);
		enroll_free(e);
	}
}

static void
test_nodelist_json_keeps_each_rows_field_order(void **state)
{
	static const uint16_t codes[] = { 3201, 3204 };
	static const char *const names[] = { "Kab. Bogor", "Kab. Bandung" };
	struct enroll *e = enrolled(codes, names, 2);
	struct store_node st[2] = {
		{ .code = 3201, .acked = 7, .head = 9, .last_seen = T0, .last_push = T0 - 60,
		  .versions = 7, .bytes = 900 },
		{ .code = 3205, .last_seen = T0 + 1, .last_error_at = T0 + 1,
		  .last_error = "bad signature" },
	};
	struct nodelist l = {0};
	char *got;

	(void)state;
	assert_int_equal(nodelist_merge(st, 2, e, &l), 0);
	got = dump(&l);
	/* Stored and enrolled: the name last; stored only: no name; enrolled
	 * only: the name after the code, every count 0 and every time null. */
	assert_string_equal(got,
		"[{\"code\":\"3201\",\"acked\":7,\"chain\":\"" ZERO64 "\",\"head\":9,\"pending\":2,"
		"\"last_seen\":\"2026-11-22T11:06:40Z\",\"last_push\":\"2026-11-22T11:05:40Z\","
		"\"last_contact\":\"2026-11-22T11:06:40Z\",\"last_data\":\"2026-11-22T11:05:40Z\","
		"\"versions\":7,\"bytes\":900,\"last_error\":null,\"last_error_at\":null,"
		"\"name\":\"Kab. Bogor\"},"
		"{\"code\":\"3204\",\"name\":\"Kab. Bandung\",\"acked\":0,\"chain\":\"" ZERO64 "\","
		"\"head\":0,\"pending\":0,\"last_seen\":null,\"last_push\":null,"
		"\"last_contact\":null,\"last_data\":null,\"versions\":0,\"bytes\":0,"
		"\"last_error\":null,\"last_error_at\":null},"
		"{\"code\":\"3205\",\"acked\":0,\"chain\":\"" ZERO64 "\",\"head\":0,\"pending\":0,"
		"\"last_seen\":\"2026-11-22T11:06:41Z\",\"last_push\":null,"
		"\"last_contact\":\"2026-11-22T11:06:41Z\",\"last_data\":null,\"versions\":0,"
		"\"bytes\":0,\"last_error\":\"bad signature\","
		"\"last_error_at\":\"2026-11-22T11:06:41Z\"}]");
	assert_int_equal(nodelist_versions(&l), 7);
	assert_int_equal(l.rows[2].n.code, 3205);
	assert_string_equal(l.rows[2].n.last_error, "bad signature");
	free(got);
	nodelist_done(&l);
	enroll_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodelist_merge_lists_stored_and_enrolled_by_code),
		cmocka_unit_test(test_nodelist_json_keeps_each_rows_field_order),
	};

	return cmocka_run_group_tests_name("nodelist", tests, NULL, NULL);
}
