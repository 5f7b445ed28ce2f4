/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "area.h"
#include "err.h"
#include "nik.h"
#include "record.h"
#include "synth.h"

#define NOW INT64_C(1793232000)	/* 2026-10-29T00:00:00Z */

static int
cmp_nik(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_synth_refuses_unknown_regency(void **state)
{
	(void)state;
	errno = 0;
	assert_null(synth_new(1, 9901));
	assert_int_equal(errno, EINVAL);
	assert_null(synth_new(1, 3200));
	synth_free(NULL);
}

static void
test_synth_same_seed_gives_same_journal(void **state)
{
	struct synth *a = synth_new(11, 3201), *b = synth_new(11, 3201), *c = synth_new(12, 3201);
	struct record ra, rb, rc;
	unsigned i, differ = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	for (i = 0; i < 3000; i++) {
		synth_journal_next(a, &ra, NOW);
		synth_journal_next(b, &rb, NOW);
		synth_journal_next(c, &rc, NOW);
		assert_memory_equal(&ra, &rb, sizeof(ra));
		differ += strcmp(ra.nik, rc.nik) != 0;
	}
	assert_true(differ > 2900);
	synth_free(a);
	synth_free(b);
	synth_free(c);
}

/* Every person is valid for import: a unique NIK that parses with this
 * year, a kecamatan of the regency, a desa inside it, the NIK's birth date. */
static void
test_synth_persons_are_valid_and_unique(void **state)
{
	enum { N = 20000 };
	char (*niks)[17] = calloc(N, 17);
	struct synth *s = synth_new(5, 3578);
	uint32_t kec[SYNTH_KECAMATAN_MAX];
	struct record r;
	struct nik n;
	unsigned i, nkec, unrecorded_voters = 0, voters = 0;

	(void)state;
	assert_non_null(niks);
	assert_non_null(s);
	nkec = synth_kecamatans(s, kec, SYNTH_KECAMATAN_MAX);
	assert_true(nkec >= 10 && nkec <= 25);
	for (i = 0; i < N; i++) {
		synth_person(s, &r, NOW);
		assert_int_equal(nik_parse(r.nik, 2026, &n, NULL), 0);
		assert_int_equal(r.birth_date, n.birth_date);
		assert_int_equal(r.kecamatan / 100, 3578);
		assert_true(r.kecamatan % 100 >= 1 && r.kecamatan % 100 <= nkec);
		assert_true(r.desa / 10000 == r.kecamatan);
		assert_true(r.recorded_at <= NOW);
		assert_int_equal(record_is_recorded(&r), r.recorded_at != 0);
		assert_int_equal(record_is_recorded(&r), r.operator_[0] != '\0');
		voters += r.on_dpt;
		unrecorded_voters += r.on_dpt && !record_is_recorded(&r);
		memcpy(niks[i], r.nik, 17);
	}
	assert_int_equal(synth_count(s), N);
	qsort(niks, N, 17, cmp_nik);
	for (i = 1; i < N; i++)
		assert_string_not_equal(niks[i - 1], niks[i]);
	/* Most adults are voters and a few percent of voters are unrecorded. */
	assert_true(voters > N / 2);
	assert_true(unrecorded_voters > voters / 100 && unrecorded_voters < voters / 10);
	free(niks);
	synth_free(s);
}

static void
test_synth_update_moves_a_person_one_status_on(void **state)
{
	enum { N = 500 };
	struct synth *s = synth_new(3, 3201);
	uint8_t status[N];
	struct record r, after;
	uint64_t j, last = 0;
	unsigned i, changed;

	(void)state;
	assert_non_null(s);
	assert_int_equal(synth_update(s, &after, NOW), -ENOENT);
	for (i = 0; i < N; i++) {
		synth_person(s, &r, NOW);
		status[i] = r.status;
		last = r.hlc;
	}
	for (i = 0; i < 100; i++) {
		assert_int_equal(synth_update(s, &after, NOW), 0);
		assert_true(after.hlc > last);
		last = after.hlc;
		changed = 0;
		for (j = 0; j < N; j++) {
			assert_int_equal(synth_person_get(s, j, &r), 0);
			if (r.status == status[j])
				continue;
			/* The one person changed, by exactly one step, is the event. */
			assert_int_equal(r.status, status[j] + 1);
			assert_memory_equal(&r, &after, sizeof(r));
			status[j] = r.status;
			changed++;
		}
		assert_int_equal(changed, 1);
	}
	assert_int_equal(synth_person_get(s, synth_count(s), &r), -ENOENT);
	synth_free(s);
}

/* Versions of a journal carry strictly increasing HLC stamps. */
static void
test_synth_journal_stamps_increase(void **state)
{
	struct synth *s = synth_new(9, 3201);
	struct record r;
	uint64_t last = 0;
	unsigned i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 20000; i++) {
		synth_journal_next(s, &r, NOW + i / 100);
		assert_true(r.hlc > last);
		last = r.hlc;
	}
	synth_free(s);
}

/* Persons from the code table live in real kecamatan and desa of the regency
 * only, spread over most of them, deterministically, and the generator's
 * persons and events are those of synth_new (only where they live differs). */
static void
test_synth_with_areas_uses_real_codes_only(void **state)
{
	const char *dir = getenv("AREA_DIR") ? getenv("AREA_DIR") : "protocol/areas";
	struct synth *a = NULL, *b = NULL, *plain = synth_new(5, 3201);
	struct area_table *t = NULL;
	uint32_t kec[SYNTH_KECAMATAN_MAX];
	struct record ra, rb, rp;
	struct ktp_err err = {0};
	bool seen[SYNTH_KECAMATAN_MAX] = {false};
	unsigned i, k, nkec, nseen = 0, with_desa = 0;

	(void)state;
	assert_int_equal(area_table_load(dir, 3201, &t, &err), 0);
	assert_non_null(a = synth_new_areas(5, 3201, t));
	assert_non_null(b = synth_new_areas(5, 3201, t));
	nkec = synth_kecamatans(a, kec, SYNTH_KECAMATAN_MAX);
	assert_int_equal(nkec, area_count(t, AREA_KECAMATAN));	/* 40 in Kabupaten Bogor */
	assert_int_equal(nkec, 40);
	for (i = 0; i < 5000; i++) {
		synth_journal_next(a, &ra, NOW);
		synth_journal_next(b, &rb, NOW);
		synth_journal_next(plain, &rp, NOW);
		assert_memory_equal(&ra, &rb, sizeof(ra));
		assert_int_equal(ra.status, rp.status);
		assert_int_equal(ra.birth_date, rp.birth_date);
		assert_non_null(area_name(t, AREA_KECAMATAN, ra.kecamatan));
		if (ra.desa != 0) {
			assert_non_null(area_name(t, AREA_DESA, ra.desa));
			assert_int_equal(ra.desa / 10000, ra.kecamatan);
			with_desa++;
		}
		for (k = 0; k < nkec; k++)
			if (kec[k] == ra.kecamatan && !seen[k]) {
				seen[k] = true;
				nseen++;
			}
	}
	assert_int_equal(with_desa, 5000);
	assert_int_equal(nseen, nkec);
	errno = 0;
	assert_null(synth_new_areas(1, 3202, t));		/* not in this table */
	assert_int_equal(errno, EINVAL);
	synth_free(a);
	synth_free(b);
	synth_free(plain);
	area_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synth_refuses_unknown_regency),
		cmocka_unit_test(test_synth_same_seed_gives_same_journal),
		cmocka_unit_test(test_synth_persons_are_valid_and_unique),
		cmocka_unit_test(test_synth_update_moves_a_person_one_status_on),
		cmocka_unit_test(test_synth_journal_stamps_increase),
		cmocka_unit_test(test_synth_with_areas_uses_real_codes_only),
	};

	return cmocka_run_group_tests_name("synth", tests, NULL, NULL);
}
