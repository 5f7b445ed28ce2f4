/* SPDX-License-Identifier: ISC */
/* journal_fixture — persons put into a real node journal, for the journal and report tests.
 * A journal of node 3201 in the test's temporary directory, persons made from their NIK,
 * and four versions of three persons. Needs unit.h, journal.h and record.h included first. */
#ifndef KTP_JOURNAL_FIXTURE_H
#define KTP_JOURNAL_FIXTURE_H

#define NODE 3201
#define T0_MS 1763800000000ull		/* 2025-11-22 */

static inline void
make_person(struct record *r, const char *nik, const char *name)
{
	unsigned dd = (unsigned)((nik[6] - '0') * 10 + nik[7] - '0') % 40;
	unsigned mm = (unsigned)((nik[8] - '0') * 10 + nik[9] - '0');
	unsigned yy = (unsigned)((nik[10] - '0') * 10 + nik[11] - '0');

	memset(r, 0, sizeof(*r));
	snprintf(r->nik, sizeof(r->nik), "%s", nik);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->sex = nik[6] >= '4' ? RECORD_SEX_FEMALE : RECORD_SEX_MALE;
	r->birth_date = (yy > 26 ? 1900 + yy : 2000 + yy) * 10000 + mm * 100 + dd;
	r->kecamatan = 320101;
	r->desa = 3201010003;
	r->on_dpt = true;
	r->status = RECORD_STATUS_UNRECORDED;
}

static inline struct journal *
open_j(void **state)
{
	struct journal *j = NULL;
	struct ktp_err err = {0};

	assert_int_equal(journal_open(*state, NODE, &j, &err), 0);
	assert_non_null(j);
	return j;
}

static inline uint64_t
put(struct journal *j, struct record *r, uint64_t wall_ms)
{
	struct ktp_err err = {0};
	uint64_t seq = 99;

	assert_int_equal(journal_put(j, r, wall_ms, &seq, &err), 0);
	return seq;
}

/* Four versions: three persons, then an update of the first. */
static inline void
put_four(struct journal *j)
{
	struct record r;

	make_person(&r, "3201010101900001", "Budi Santoso");
	assert_int_equal(put(j, &r, T0_MS), 1);
	make_person(&r, "3201014202850002", "Siti Aminah");
	assert_int_equal(put(j, &r, T0_MS), 2);
	make_person(&r, "3201010303770003", "Agus, \"Gus\" Salim");
	r.on_dpt = false;
	assert_int_equal(put(j, &r, T0_MS + 1), 3);
	make_person(&r, "3201010101900001", "Budi Santoso");
	r.status = RECORD_STATUS_RECORDED;
	r.site = RECORD_SITE_SCHOOL;
	r.recorded_at = (int64_t)(T0_MS / 1000) - 86400;
	assert_int_equal(put(j, &r, T0_MS + 2), 4);
}

#endif
