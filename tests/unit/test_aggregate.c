/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "aggregate.h"
#include "apply.h"
#include "hlc.h"
#include "hub_fixture.h"
#include "progress.h"
#include "store.h"

#define NOW 1795000000	/* 2026-11-18, pinned */
#define T0_MS 1795000000000ULL

struct ctx {
	void		*dir;
	struct store	*s;
	struct fixnode	*n[3];	/* regencies 3201, 3202, 3203 */
	uint64_t	sent[3];
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct ktp_err err = { 0 };
	int i;

	if (c == NULL || unit_tmpdir_setup(&c->dir) < 0)
		return -1;
	if (store_open(c->dir, &c->s, &err) < 0 ||
	    store_set_election_date(c->s, 20270214, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	for (i = 0; i < 3; i++)
		if ((c->n[i] = fixnode_new((uint16_t)(3201 + i))) == NULL)
			return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	int i, r;

	store_close(c->s);
	for (i = 0; i < 3; i++)
		free(c->n[i]);
	r = unit_tmpdir_teardown(&c->dir);
	free(c);
	return r;
}

static int64_t
q(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Sends node i's unsent versions as one batch and expects them applied. */
static void
flush(struct ctx *c, int i)
{
	struct fixnode *n = c->n[i];
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct fixbatch b;

	assert_int_equal(fixnode_batch(n, c->sent[i] + 1, n->head, &b), 0);
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 1, NOW, &res, &err), 0);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.acked, n->head);
	c->sent[i] = n->head;
	fixbatch_done(&b);
}

static void
put(struct ctx *c, int i, const struct record *r)
{
	assert_int_not_equal(fixnode_append(c->n[i], r), 0);
	flush(c, i);
}

/* The counters of one kecamatan as "persons,wajib,on_dpt,recorded,unrecorded". */
static const char *
counters(struct store *s, uint32_t kec, char *buf, size_t cap)
{
	sqlite3_stmt *st = NULL;

	snprintf(buf, cap, "none");
	if (sqlite3_prepare_v2(store_db(s), "SELECT persons, wajib_ktp, on_dpt, recorded,"
			       " dpt_unrecorded FROM aggregates WHERE kecamatan = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, kec);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(buf, cap, "%lld,%lld,%lld,%lld,%lld",
				 (long long)sqlite3_column_int64(st, 0),
				 (long long)sqlite3_column_int64(st, 1),
				 (long long)sqlite3_column_int64(st, 2),
				 (long long)sqlite3_column_int64(st, 3),
				 (long long)sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	return buf;
}

/* The cutoffs of the store's election date (one test thread). */
static const struct progress_cutoffs *
cuts(struct store *s)
{
	static struct progress_cutoffs c;

	store_cutoffs(s, &c);
	return &c;
}

/* One desa's row as "persons,wajib,on_dpt,recorded,unrecorded,pemula" and its
 * recordings of all days. */
static const char *
desa_counters(struct store *s, uint64_t desa, char *buf, size_t cap)
{
	sqlite3_stmt *st = NULL;

	snprintf(buf, cap, "none");
	if (sqlite3_prepare_v2(store_db(s), "SELECT persons, wajib_ktp, on_dpt, recorded,"
			       " dpt_unrecorded, pemula_unrecorded, (SELECT coalesce(sum(n), 0)"
			       " FROM rec_daily_desa WHERE desa = ?1) FROM agg_desa WHERE desa = ?1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)desa);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(buf, cap, "%lld,%lld,%lld,%lld,%lld,%lld rec %lld",
				 (long long)sqlite3_column_int64(st, 0),
				 (long long)sqlite3_column_int64(st, 1),
				 (long long)sqlite3_column_int64(st, 2),
				 (long long)sqlite3_column_int64(st, 3),
				 (long long)sqlite3_column_int64(st, 4),
				 (long long)sqlite3_column_int64(st, 5),
				 (long long)sqlite3_column_int64(st, 6));
	}
	sqlite3_finalize(st);
	return buf;
}

static void
test_aggregate_contribution_of_each_kind_of_person(void **state)
{
	struct aggregate_person p = { .kecamatan = 320101, .birth_date = 19900515, .on_dpt = true };
	struct aggregate_counts k;
	struct progress_cutoffs cut;

	(void)state;
	progress_cutoffs(20270214, &cut);
	aggregate_contribution(&p, &cut, &k);
	assert_true(k.persons == 1 && k.wajib_ktp == 1 && k.on_dpt == 1 && k.recorded == 0 &&
		    k.dpt_unrecorded == 1);
	p.status = RECORD_STATUS_PRINTED;
	aggregate_contribution(&p, &cut, &k);
	assert_true(k.recorded == 1 && k.dpt_unrecorded == 0 && k.on_dpt == 1);
	p.on_dpt = false;
	p.status = RECORD_STATUS_UNRECORDED;
	aggregate_contribution(&p, &cut, &k);
	assert_true(k.persons == 1 && k.on_dpt == 0 && k.dpt_unrecorded == 0 && k.wajib_ktp == 1);
	p.removed = RECORD_REMOVED_DIED;
	p.status = RECORD_STATUS_ISSUED;
	p.recorded_at = NOW;
	aggregate_contribution(&p, &cut, &k);
	assert_true(k.persons == 0 && k.wajib_ktp == 0 && k.recorded == 0);
	assert_int_equal(aggregate_recording_day(&p), -1);
	p.removed = RECORD_REMOVED_NONE;
	assert_int_equal(aggregate_recording_day(&p), NOW / 86400);
	p.status = RECORD_STATUS_UNRECORDED;
	assert_int_equal(aggregate_recording_day(&p), -1);
}

static void
test_aggregate_wajib_ktp_is_17_on_election_day(void **state)
{
	struct aggregate_person p = { .kecamatan = 320101 };
	struct aggregate_counts k;
	struct progress_cutoffs cut;

	(void)state;
	progress_cutoffs(20270214, &cut);
	assert_int_equal(cut.wajib, 20100214);
	assert_int_equal(aggregate_wajib_cutoff(20270214), 20100214);
	assert_int_equal(aggregate_wajib_cutoff(0), 0);
	p.birth_date = 20100214;	/* 17th birthday on election day */
	aggregate_contribution(&p, &cut, &k);
	assert_int_equal(k.wajib_ktp, 1);
	p.birth_date = 20100215;	/* one day short */
	aggregate_contribution(&p, &cut, &k);
	assert_int_equal(k.wajib_ktp, 0);
	p.birth_date = 0;		/* unknown: the voter roll decides */
	aggregate_contribution(&p, &cut, &k);
	assert_int_equal(k.wajib_ktp, 0);
	p.on_dpt = true;
	aggregate_contribution(&p, &cut, &k);
	assert_int_equal(k.wajib_ktp, 1);
}

static void
test_aggregate_status_changes_move_counts(void **state)
{
	struct ctx *c = *state;
	struct record r;
	char buf[64];

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	put(c, 0, &r);
	fix_person(&r, "3201015505100002", hlc_make(T0_MS, 1), 320101);
	r.birth_date = 20100515;	/* 16 on election day, not on the roll */
	r.on_dpt = false;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "2,1,1,0,1");
	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 2), 320101);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW - 86400;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "2,1,1,1,0");
	assert_int_equal(q(c->s, "SELECT n FROM rec_daily WHERE day = 1794913600 / 86400"), 1);
	/* Printed later: still one recording, on the new day. */
	r.hlc = hlc_make(T0_MS, 3);
	r.status = RECORD_STATUS_PRINTED;
	r.recorded_at = NOW;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "2,1,1,1,0");
	assert_int_equal(q(c->s, "SELECT sum(n) FROM rec_daily"), 1);
	assert_int_equal(q(c->s, "SELECT n FROM rec_daily WHERE day = 1795000000 / 86400"), 1);
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), NULL), 0);
}

static void
test_aggregate_removal_takes_everything_away(void **state)
{
	struct ctx *c = *state;
	struct record r;
	char buf[64];

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	r.status = RECORD_STATUS_ISSUED;
	r.recorded_at = NOW;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "1,1,1,1,0");
	r.hlc = hlc_make(T0_MS, 1);
	r.removed = RECORD_REMOVED_DIED;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "0,0,0,0,0");
	assert_int_equal(q(c->s, "SELECT sum(n) FROM rec_daily"), 0);
	assert_int_equal(q(c->s, "SELECT count(*) FROM persons WHERE removed = 1"), 1);
	/* Back from the dead (a wrong removal corrected). */
	r.hlc = hlc_make(T0_MS, 2);
	r.removed = RECORD_REMOVED_NONE;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "1,1,1,1,0");
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), NULL), 0);
}

static void
test_aggregate_kecamatan_move_moves_counts_and_recordings(void **state)
{
	struct ctx *c = *state;
	struct record r;
	char buf[64];

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW;
	put(c, 0, &r);
	/* Moved to a kecamatan of another regency, written there. */
	r.hlc = hlc_make(T0_MS, 1);
	r.kecamatan = 320203;
	r.desa = 3202030004;
	put(c, 1, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "0,0,0,0,0");
	assert_string_equal(counters(c->s, 320203, buf, sizeof(buf)), "1,1,1,1,0");
	assert_int_equal(q(c->s, "SELECT kecamatan FROM rec_daily WHERE n = 1"), 320203);
	assert_int_equal(q(c->s, "SELECT count(*) FROM rec_daily WHERE n != 0"), 1);
	assert_int_equal(q(c->s, "SELECT count(*) FROM conflicts"), 1);
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), NULL), 0);
}

/* Pemula: 17 but not yet 18 on election day, unrecorded, on the roll or not. */
static void
test_aggregate_pemula_unrecorded_is_17_not_18_on_election_day(void **state)
{
	static const struct {
		uint32_t	birth;
		bool		on_dpt;
		uint8_t		status;
		uint8_t		removed;
		int64_t		pemula;
	} cases[] = {
		{ 20100214, false, RECORD_STATUS_UNRECORDED, RECORD_REMOVED_NONE, 1 },	/* 17 that day */
		{ 20100215, false, RECORD_STATUS_UNRECORDED, RECORD_REMOVED_NONE, 0 },	/* 16 */
		{ 20090215, true, RECORD_STATUS_UNRECORDED, RECORD_REMOVED_NONE, 1 },	/* 18 the day after */
		{ 20090214, true, RECORD_STATUS_UNRECORDED, RECORD_REMOVED_NONE, 0 },	/* 18 that day */
		{ 20100101, true, RECORD_STATUS_RECORDED, RECORD_REMOVED_NONE, 0 },
		{ 20100101, true, RECORD_STATUS_UNRECORDED, RECORD_REMOVED_MOVED, 0 },
		{ 0, true, RECORD_STATUS_UNRECORDED, RECORD_REMOVED_NONE, 0 },
	};
	struct aggregate_person p = { .kecamatan = 320101, .desa = 3201010001 };
	struct progress_cutoffs cut;
	struct aggregate_counts k;
	size_t i;

	(void)state;
	progress_cutoffs(20270214, &cut);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p.birth_date = cases[i].birth;
		p.on_dpt = cases[i].on_dpt;
		p.status = cases[i].status;
		p.removed = cases[i].removed;
		aggregate_contribution(&p, &cut, &k);
		assert_int_equal(k.pemula_unrecorded, cases[i].pemula);
	}
}

/* A person moves to another desa of the kecamatan, then the move is undone:
 * counters and recordings follow, and both equal a recount. */
static void
test_aggregate_desa_move_and_undo_move_counts_and_recordings(void **state)
{
	struct ctx *c = *state;
	struct ktp_err err = { 0 };
	struct record r, pemula;
	char buf[64];

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW;
	put(c, 0, &r);
	fix_person(&pemula, "3201015505090002", hlc_make(T0_MS, 1), 320101);
	pemula.birth_date = 20090515;	/* 17 on election day */
	put(c, 0, &pemula);
	assert_string_equal(desa_counters(c->s, 3201010001, buf, sizeof(buf)),
			    "2,2,2,1,1,1 rec 1");
	r.hlc = hlc_make(T0_MS, 2);
	r.desa = 3201010002;
	put(c, 0, &r);
	assert_string_equal(desa_counters(c->s, 3201010001, buf, sizeof(buf)),
			    "1,1,1,0,1,1 rec 0");
	assert_string_equal(desa_counters(c->s, 3201010002, buf, sizeof(buf)),
			    "1,1,1,1,0,0 rec 1");
	assert_int_equal(store_verify(c->s, &err), 0);
	/* Undone: back where it was, the kecamatan untouched throughout. */
	r.hlc = hlc_make(T0_MS, 3);
	r.desa = 3201010001;
	put(c, 0, &r);
	assert_string_equal(desa_counters(c->s, 3201010001, buf, sizeof(buf)),
			    "2,2,2,1,1,1 rec 1");
	assert_string_equal(desa_counters(c->s, 3201010002, buf, sizeof(buf)),
			    "0,0,0,0,0,0 rec 0");
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "2,2,2,1,1");
	assert_int_equal(q(c->s, "SELECT pemula_unrecorded FROM aggregates WHERE kecamatan = 320101"),
			 1);
	/* Recorded at last: no longer a pemula to reach. */
	pemula.hlc = hlc_make(T0_MS, 4);
	pemula.status = RECORD_STATUS_RECORDED;
	pemula.recorded_at = NOW;
	put(c, 0, &pemula);
	assert_string_equal(desa_counters(c->s, 3201010001, buf, sizeof(buf)),
			    "2,2,2,2,0,0 rec 2");
	assert_int_equal(store_verify(c->s, &err), 0);
}

/* A person without a desa counts in the kecamatan only. */
static void
test_aggregate_unknown_desa_counts_in_kecamatan_only(void **state)
{
	struct ctx *c = *state;
	struct ktp_err err = { 0 };
	struct record r;
	char buf[64];

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	r.desa = 0;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "1,1,1,0,1");
	assert_int_equal(q(c->s, "SELECT count(*) FROM agg_desa"), 0);
	assert_int_equal(store_verify(c->s, &err), 0);
}

static uint64_t
rnd(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
random_version(uint64_t *seed, int node, uint64_t hlc, struct record *r)
{
	static const uint32_t kec[] = { 320101, 320102, 320105, 320201, 320207, 320301 };
	char nik[17];

	snprintf(nik, sizeof(nik), "3201011505%02u%04u", (unsigned)(rnd(seed) % 20 + 80),
		 (unsigned)(rnd(seed) % 15 + 1));
	fix_person(r, nik, hlc, kec[rnd(seed) % 6]);
	r->desa = rnd(seed) % 5 == 0 ? 0 : (uint64_t)r->kecamatan * 10000 + 1 + rnd(seed) % 3;
	r->birth_date = rnd(seed) % 8 == 0 ? 0 :
			rnd(seed) % 6 == 0 ? (uint32_t)(20090501 + rnd(seed) % 8 * 100) :
			(uint32_t)(19500101 + rnd(seed) % 65 * 10000 + rnd(seed) % 12 * 100 +
				   rnd(seed) % 28);
	r->on_dpt = rnd(seed) % 4 != 0;
	r->status = (uint8_t)(rnd(seed) % 4);
	r->recorded_at = r->status ? NOW - (int64_t)(rnd(seed) % (90 * 86400)) : 0;
	r->site = r->status ? RECORD_SITE_OFFICE : RECORD_SITE_NONE;
	r->removed = rnd(seed) % 10 == 0 ? RECORD_REMOVED_MOVED : RECORD_REMOVED_NONE;
	(void)node;
}

/* Random writes from three regencies with skewed clocks over a small set of
 * NIKs (so updates, conflicts, moves and removals are frequent), sent in
 * random batch sizes with replays: the incremental tables equal a recount. */
static void
test_aggregate_random_applies_equal_a_recount(void **state)
{
	struct ctx *c = *state;
	static const int64_t skew_ms[3] = { 0, 300000, -120000 };
	uint64_t seed = 42, hlc[3] = { 0 }, before_k, before_d;
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct fixbatch b;
	struct record r;
	int i, k;

	for (k = 0; k < 3000; k++) {
		i = (int)(rnd(&seed) % 3);
		hlc[i] = hlc_make((uint64_t)((int64_t)T0_MS + k * 1000 + skew_ms[i]), 0);
		random_version(&seed, i, hlc[i], &r);
		assert_int_not_equal(fixnode_append(c->n[i], &r), 0);
		if (rnd(&seed) % 40 == 0)
			flush(c, i);
		if (rnd(&seed) % 50 == 0 && c->sent[i] > 3) {
			/* A replay of an already applied range changes nothing. */
			assert_int_equal(fixnode_batch(c->n[i], c->sent[i] - 3, c->sent[i], &b), 0);
			assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 1, NOW, &res,
						     &err), 0);
			assert_int_equal(res.applied, 0);
			fixbatch_done(&b);
		}
	}
	for (i = 0; i < 3; i++)
		if (c->n[i]->head > c->sent[i])
			flush(c, i);
	assert_true(q(c->s, "SELECT count(*) FROM conflicts") > 100);
	assert_true(q(c->s, "SELECT count(*) FROM persons WHERE removed != 0") > 0);
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), &err), 0);
	assert_int_equal(store_verify(c->s, &err), 0);
	before_k = (uint64_t)q(c->s, "SELECT sum(persons * 3 + wajib_ktp * 5 + on_dpt * 7"
			       " + recorded * 11 + dpt_unrecorded * 13 + kecamatan) FROM aggregates");
	before_d = (uint64_t)q(c->s, "SELECT sum(n * (day + kecamatan)) FROM rec_daily");
	assert_int_equal(aggregate_recount(store_db(c->s), cuts(c->s), store_desa_from(c->s), &err), 0);
	assert_int_equal(q(c->s, "SELECT sum(persons * 3 + wajib_ktp * 5 + on_dpt * 7"
			   " + recorded * 11 + dpt_unrecorded * 13 + kecamatan) FROM aggregates"),
			 before_k);
	assert_int_equal(q(c->s, "SELECT sum(n * (day + kecamatan)) FROM rec_daily"), before_d);
	assert_int_equal(q(c->s, "SELECT sum(persons) FROM aggregates"),
			 q(c->s, "SELECT count(*) FROM persons WHERE removed = 0"));
	assert_int_equal(q(c->s, "SELECT sum(persons) FROM agg_desa"),
			 q(c->s, "SELECT count(*) FROM persons WHERE removed = 0 AND desa != 0"));
	assert_true(q(c->s, "SELECT sum(pemula_unrecorded) FROM agg_desa") > 0);
	assert_int_equal(q(c->s, "SELECT sum(pemula_unrecorded) FROM aggregates"),
			 q(c->s, "SELECT count(*) FROM persons WHERE removed = 0 AND status = 0"
			   " AND birth_date > 20090214 AND birth_date <= 20100214"));
	assert_int_equal(q(c->s, "SELECT sum(n) FROM rec_daily_desa"),
			 q(c->s, "SELECT count(*) FROM persons WHERE removed = 0 AND status != 0"
			   " AND recorded_at > 0 AND desa != 0"));
}

static void
test_aggregate_verify_names_the_kecamatan_that_drifted(void **state)
{
	struct ctx *c = *state;
	struct ktp_err err = { 0 };
	struct record r;

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320102);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW;
	put(c, 0, &r);
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), &err), 0);
	assert_int_equal(q(c->s, "UPDATE aggregates SET on_dpt = 2 RETURNING kecamatan"), 320102);
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), &err),
			 -EUCLEAN);
	assert_string_equal(err.msg, "aggregate: kecamatan 320102: differs from a recount");
	assert_int_equal(store_verify(c->s, &err), -EUCLEAN);
	assert_int_equal(q(c->s, "UPDATE aggregates SET on_dpt = 1 RETURNING 1"), 1);
	assert_int_equal(q(c->s, "UPDATE rec_daily SET n = 2 RETURNING n"), 2);
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), &err),
			 -EUCLEAN);
	assert_string_equal(err.msg, "aggregate: kecamatan 320102 day 20775: differs from a recount");
	assert_int_equal(q(c->s, "UPDATE rec_daily SET n = 1 RETURNING n"), 1);
	assert_int_equal(q(c->s, "UPDATE agg_desa SET pemula_unrecorded = 1 RETURNING desa"),
			 3201020001);
	assert_int_equal(store_verify(c->s, &err), -EUCLEAN);
	assert_string_equal(err.msg, "aggregate: desa 3201020001: differs from a recount");
	assert_int_equal(q(c->s, "UPDATE agg_desa SET pemula_unrecorded = 0 RETURNING 1"), 1);
	assert_int_equal(q(c->s, "UPDATE rec_daily_desa SET n = 3 RETURNING n"), 3);
	assert_int_equal(store_verify(c->s, &err), -EUCLEAN);
	assert_string_equal(err.msg, "aggregate: desa 3201020001 day 20775: differs from a recount");
}

/* A new election date recounts wajib_ktp once and is remembered. */
static void
test_aggregate_new_election_date_recounts_wajib(void **state)
{
	struct ctx *c = *state;
	struct ktp_err err = { 0 };
	struct record r;
	char buf[64];

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	r.birth_date = 20100301;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "1,0,1,0,1");
	assert_string_equal(desa_counters(c->s, 3201010001, buf, sizeof(buf)), "1,0,1,0,1,0 rec 0");
	assert_int_equal(store_set_election_date(c->s, 20270301, &err), 0);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "1,1,1,0,1");
	/* 17 on the new date: a pemula now, in the kecamatan and the desa. */
	assert_int_equal(q(c->s, "SELECT pemula_unrecorded FROM aggregates WHERE kecamatan = 320101"),
			 1);
	assert_string_equal(desa_counters(c->s, 3201010001, buf, sizeof(buf)), "1,1,1,0,1,1 rec 0");
	assert_int_equal(store_verify(c->s, &err), 0);
	store_close(c->s);
	assert_int_equal(store_open(c->dir, &c->s, &err), 0);
	assert_int_equal(store_election_date(c->s), 20270301);
	assert_int_equal(store_wajib_cutoff(c->s), 20100301);
	assert_int_equal(cuts(c->s)->pemula_after, 20090301);
	r.hlc = hlc_make(T0_MS, 1);
	r.birth_date = 20100302;
	put(c, 0, &r);
	assert_string_equal(counters(c->s, 320101, buf, sizeof(buf)), "1,0,1,0,1");
	assert_int_equal(aggregate_verify(store_db(c->s), cuts(c->s), store_desa_from(c->s), &err), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregate_contribution_of_each_kind_of_person),
		cmocka_unit_test(test_aggregate_wajib_ktp_is_17_on_election_day),
		cmocka_unit_test(test_aggregate_pemula_unrecorded_is_17_not_18_on_election_day),
		T(test_aggregate_status_changes_move_counts),
		T(test_aggregate_desa_move_and_undo_move_counts_and_recordings),
		T(test_aggregate_unknown_desa_counts_in_kecamatan_only),
		T(test_aggregate_removal_takes_everything_away),
		T(test_aggregate_kecamatan_move_moves_counts_and_recordings),
		T(test_aggregate_random_applies_equal_a_recount),
		T(test_aggregate_verify_names_the_kecamatan_that_drifted),
		T(test_aggregate_new_election_date_recounts_wajib),
	};

	return cmocka_run_group_tests_name("aggregate", tests, NULL, NULL);
}
