/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "apply.h"
#include "hlc.h"
#include "hub_fixture.h"
#include "store.h"

#define NOW 1795000000	/* 2026-11-18T...Z, pinned */
#define T0_MS 1795000000000ULL

struct ctx {
	void		*dir;
	struct store	*s;
	struct fixnode	*a;	/* regency 3201 */
	struct fixnode	*b;	/* regency 3202 */
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct ktp_err err = { 0 };

	if (c == NULL || unit_tmpdir_setup(&c->dir) < 0)
		return -1;
	if (store_open(c->dir, &c->s, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	c->a = fixnode_new(3201);
	c->b = fixnode_new(3202);
	*state = c;
	return c->a && c->b ? 0 : -1;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	int r;

	store_close(c->s);
	free(c->a);
	free(c->b);
	r = unit_tmpdir_teardown(&c->dir);
	free(c);
	return r;
}

static int64_t
count(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* n people of kecamatan 320101, NIKs 32010115059000001.. (serial = i + 1). */
static void
append_people(struct fixnode *n, unsigned from, unsigned k, uint64_t hlc0)
{
	struct record r;
	char nik[17];
	unsigned i;

	for (i = from; i < from + k; i++) {
		snprintf(nik, sizeof(nik), "320101150590%04u", i + 1);
		fix_person(&r, nik, hlc0 + i, 320101);
		assert_int_not_equal(fixnode_append(n, &r), 0);
	}
}

static void
apply_range(struct ctx *c, struct fixnode *n, uint64_t first, uint64_t last,
	    struct apply_result *res, struct ktp_err *err)
{
	struct fixbatch b;

	assert_int_equal(fixnode_batch(n, first, last, &b), 0);
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 1000, NOW, res, err), 0);
	fixbatch_done(&b);
}

static void
test_apply_first_batch_applies_and_sets_cursor(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct store_node node;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 3, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 1, 3, &res, &err);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.acked, 3);
	assert_int_equal(res.applied, 3);
	assert_int_equal(res.skipped, 0);
	assert_memory_equal(res.chain, c->a->chain[3], KTP_HASH_LEN);
	assert_int_equal(store_node_get(c->s, 3201, &node, &err), 0);
	assert_int_equal(node.acked, 3);
	assert_memory_equal(node.chain, c->a->chain[3], KTP_HASH_LEN);
	assert_int_equal(node.head, 3);
	assert_int_equal(node.versions, 3);
	assert_int_equal(node.bytes, 1000);
	assert_int_equal(node.last_push, NOW);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 3);
}

static void
test_apply_same_batch_ten_times_applies_once(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct store_node node;
	struct ktp_err err = { 0 };
	int i;

	append_people(c->a, 0, 5, hlc_make(T0_MS, 0));
	for (i = 0; i < 10; i++) {
		apply_range(c, c->a, 1, 5, &res, &err);
		assert_int_equal(res.outcome, APPLY_OK);
		assert_int_equal(res.acked, 5);
		assert_int_equal(res.applied, i == 0 ? 5 : 0);
		assert_int_equal(res.skipped, i == 0 ? 0 : 5);
		assert_memory_equal(res.chain, c->a->chain[5], KTP_HASH_LEN);
	}
	assert_int_equal(store_node_get(c->s, 3201, &node, &err), 0);
	assert_int_equal(node.versions, 5);
	assert_int_equal(node.bytes, 10 * 1000);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 5);
	assert_int_equal(count(c->s, "SELECT persons FROM aggregates WHERE kecamatan = 320101"), 5);
	assert_int_equal(count(c->s, "SELECT dpt_unrecorded FROM aggregates"), 5);
}

static void
test_apply_gap_answers_acked_and_changes_nothing(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 6, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 1, 3, &res, &err);
	apply_range(c, c->a, 5, 6, &res, &err);
	assert_int_equal(res.outcome, APPLY_GAP);
	assert_int_equal(res.acked, 3);
	assert_int_equal(res.applied, 0);
	assert_memory_equal(res.chain, c->a->chain[3], KTP_HASH_LEN);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 3);
	assert_int_equal(count(c->s, "SELECT acked FROM nodes WHERE code = 3201"), 3);
}

static void
test_apply_gap_before_anything_answers_zero(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 4, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 2, 4, &res, &err);
	assert_int_equal(res.outcome, APPLY_GAP);
	assert_int_equal(res.acked, 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 0);
}

static void
test_apply_overlap_skips_what_was_applied(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 6, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 1, 3, &res, &err);
	apply_range(c, c->a, 2, 6, &res, &err);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.acked, 6);
	assert_int_equal(res.applied, 3);
	assert_int_equal(res.skipped, 2);
	assert_memory_equal(res.chain, c->a->chain[6], KTP_HASH_LEN);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 6);
	assert_int_equal(count(c->s, "SELECT versions FROM nodes WHERE code = 3201"), 6);
}

static void
test_apply_wrong_prev_chain_is_diverged(void **state)
{
	struct ctx *c = *state;
	struct fixbatch b;
	struct apply_result res;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 5, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 1, 3, &res, &err);
	assert_int_equal(fixnode_batch(c->a, 4, 5, &b), 0);
	b.hdr.prev_chain[7] ^= 1;
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 10, NOW, &res, &err), 0);
	fixbatch_done(&b);
	assert_int_equal(res.outcome, APPLY_DIVERGED);
	assert_int_equal(res.acked, 3);
	assert_memory_equal(res.chain, c->a->chain[3], KTP_HASH_LEN);
	assert_string_equal(err.msg, "batch 4..5: chain at seq 3 differs from the hub's"
			    " (journal rewound or forked)");
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 3);
}

/* A journal restored from an old backup: seqs 1..2 equal, 3 onwards not. */
static void
test_apply_overlap_from_rewound_journal_is_diverged(void **state)
{
	struct ctx *c = *state;
	struct fixnode *fork = fixnode_new(3201);
	struct apply_result res;
	struct ktp_err err = { 0 };

	assert_non_null(fork);
	append_people(c->a, 0, 3, hlc_make(T0_MS, 0));
	append_people(fork, 0, 2, hlc_make(T0_MS, 0));
	append_people(fork, 10, 3, hlc_make(T0_MS, 100));
	apply_range(c, c->a, 1, 3, &res, &err);
	apply_range(c, fork, 2, 5, &res, &err);
	assert_int_equal(res.outcome, APPLY_DIVERGED);
	assert_string_equal(err.msg, "batch 2..5: chain at seq 3 differs from the hub's"
			    " (journal rewound or forked)");
	assert_int_equal(res.acked, 3);
	assert_int_equal(res.applied, 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 3);
	assert_int_equal(count(c->s, "SELECT acked FROM nodes WHERE code = 3201"), 3);
	free(fork);
}

/* The same range resent with other contents ends at acked: caught too. */
static void
test_apply_replay_ending_at_acked_with_other_contents_is_diverged(void **state)
{
	struct ctx *c = *state;
	struct fixnode *fork = fixnode_new(3201);
	struct apply_result res;
	struct ktp_err err = { 0 };

	assert_non_null(fork);
	append_people(c->a, 0, 3, hlc_make(T0_MS, 0));
	append_people(fork, 0, 2, hlc_make(T0_MS, 0));
	append_people(fork, 10, 1, hlc_make(T0_MS, 100));
	apply_range(c, c->a, 1, 3, &res, &err);
	apply_range(c, fork, 2, 3, &res, &err);
	assert_int_equal(res.outcome, APPLY_DIVERGED);
	assert_int_equal(res.acked, 3);
	assert_string_equal(err.msg, "batch 2..3: chain at seq 3 differs from the hub's"
			    " (journal rewound or forked)");
	apply_range(c, c->a, 2, 3, &res, &err);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.acked, 3);
	assert_int_equal(res.skipped, 2);
	free(fork);
}

static void
test_apply_bad_version_applies_nothing(void **state)
{
	struct ctx *c = *state;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff };
	struct apply_result res;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 2, hlc_make(T0_MS, 0));
	assert_int_equal(fixnode_append_raw(c->a, junk, sizeof(junk)), 3);
	append_people(c->a, 2, 1, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 1, 4, &res, &err);
	assert_int_equal(res.outcome, APPLY_BAD);
	assert_int_equal(res.acked, 0);
	assert_int_equal(res.applied, 0);
	assert_string_equal(err.msg, "batch 1..4: seq 3: record: flags: truncated");
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM aggregates"), 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM nodes WHERE acked > 0"), 0);
	/* The store is usable afterwards: the good prefix applies. */
	apply_range(c, c->a, 1, 2, &res, &err);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(count(c->s, "SELECT persons FROM aggregates"), 2);
}

static void
test_apply_count_not_matching_range_is_bad(void **state)
{
	struct ctx *c = *state;
	struct fixbatch b;
	struct apply_result res;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 3, hlc_make(T0_MS, 0));
	assert_int_equal(fixnode_batch(c->a, 1, 3, &b), 0);
	b.hdr.count = 2;
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 10, NOW, &res, &err), 0);
	assert_int_equal(res.outcome, APPLY_BAD);
	assert_string_equal(err.msg, "batch 1..3: count 2 does not match the range");
	b.hdr.count = 3;
	b.hdr.last = 4;
	b.hdr.count = 4;
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 10, NOW, &res, &err), 0);
	assert_int_equal(res.outcome, APPLY_BAD);
	assert_string_equal(err.msg, "batch 1..4: seq 4: payload ends before this version");
	fixbatch_done(&b);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 0);
}

/* Regency 3201's clock runs 10 minutes ahead: its older edit still wins
 * by HLC, and every cross-regency write leaves a conflict row. */
static void
test_apply_lww_across_nodes_with_skewed_clocks(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct record r;
	const char *nik = "3201011505900001";

	fix_person(&r, nik, hlc_make(T0_MS + 600000, 0), 320101);
	fixnode_append(c->a, &r);
	fix_person(&r, nik, hlc_make(T0_MS + 60000, 0), 320101);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW;
	fixnode_append(c->b, &r);
	apply_range(c, c->a, 1, 1, &res, &err);
	apply_range(c, c->b, 1, 1, &res, &err);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.applied, 1);
	assert_int_equal(count(c->s, "SELECT node FROM persons"), 3201);
	assert_int_equal(count(c->s, "SELECT status FROM persons"), 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM conflicts WHERE winner_node = 3201"
			       " AND loser_node = 3202"), 1);
	assert_int_equal(count(c->s, "SELECT recorded FROM aggregates"), 0);

	/* A later stamp from 3202 wins and the aggregates follow it. */
	fix_person(&r, nik, hlc_make(T0_MS + 700000, 0), 320101);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW;
	fixnode_append(c->b, &r);
	apply_range(c, c->b, 2, 2, &res, &err);
	assert_int_equal(count(c->s, "SELECT node FROM persons"), 3202);
	assert_int_equal(count(c->s, "SELECT count(*) FROM conflicts"), 2);
	assert_int_equal(count(c->s, "SELECT winner_node FROM conflicts ORDER BY id DESC"), 3202);
	assert_int_equal(count(c->s, "SELECT winner_hlc FROM conflicts ORDER BY id DESC"),
			 (int64_t)hlc_make(T0_MS + 700000, 0));
	assert_int_equal(count(c->s, "SELECT loser_hlc FROM conflicts ORDER BY id DESC"),
			 (int64_t)hlc_make(T0_MS + 600000, 0));
	assert_int_equal(count(c->s, "SELECT recorded FROM aggregates"), 1);
	assert_int_equal(count(c->s, "SELECT persons FROM aggregates"), 1);
}

/* Equal stamps: the higher node id wins, in either arrival order. */
static void
test_apply_equal_hlc_higher_node_wins(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct record r;

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 5), 320101);
	fixnode_append(c->b, &r);
	r.on_dpt = false;
	fixnode_append(c->a, &r);
	apply_range(c, c->b, 1, 1, &res, &err);
	apply_range(c, c->a, 1, 1, &res, &err);
	assert_int_equal(count(c->s, "SELECT node FROM persons"), 3202);
	assert_int_equal(count(c->s, "SELECT on_dpt FROM persons"), 1);
	assert_int_equal(count(c->s, "SELECT count(*) FROM conflicts WHERE winner_node = 3202"), 1);
}

static void
test_apply_same_node_update_is_no_conflict(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct record r;

	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	fixnode_append(c->a, &r);
	r.hlc = hlc_make(T0_MS, 1);
	r.status = RECORD_STATUS_ISSUED;
	r.recorded_at = NOW - 86400;
	fixnode_append(c->a, &r);
	apply_range(c, c->a, 1, 2, &res, &err);
	assert_int_equal(res.applied, 2);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 1);
	assert_int_equal(count(c->s, "SELECT status FROM persons"), RECORD_STATUS_ISSUED);
	assert_int_equal(count(c->s, "SELECT count(*) FROM conflicts"), 0);
	assert_int_equal(count(c->s, "SELECT recorded FROM aggregates"), 1);
	assert_int_equal(count(c->s, "SELECT dpt_unrecorded FROM aggregates"), 0);
}

/* A full disk fails the transaction: -ENOSPC and the store unchanged. */
static void
test_apply_disk_full_applies_nothing(void **state)
{
	struct ctx *c = *state;
	struct fixbatch b;
	struct apply_result res;
	struct ktp_err err = { 0 };
	int64_t pages = count(c->s, "PRAGMA page_count");
	char sql[64];

	append_people(c->a, 0, 2000, hlc_make(T0_MS, 0));
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)pages);
	assert_int_equal(count(c->s, sql), pages);
	assert_int_equal(fixnode_batch(c->a, 1, 2000, &b), 0);
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 10, NOW, &res, &err), -ENOSPC);
	assert_int_equal(err.code, -ENOSPC);
	assert_string_equal(err.msg, "store: person: database or disk is full");
	assert_int_equal(count(c->s, "PRAGMA max_page_count = 1000000"), 1000000);
	assert_int_equal(count(c->s, "SELECT count(*) FROM persons"), 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM aggregates"), 0);
	assert_int_equal(count(c->s, "SELECT count(*) FROM nodes"), 0);
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 10, NOW, &res, &err), 0);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.acked, 2000);
	assert_int_equal(count(c->s, "SELECT persons FROM aggregates"), 2000);
	fixbatch_done(&b);
}

/* The cursor survives a close and reopen: it is in the committed file. */
static void
test_apply_cursor_survives_reopen(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct store_node node;
	struct ktp_err err = { 0 };

	append_people(c->a, 0, 4, hlc_make(T0_MS, 0));
	apply_range(c, c->a, 1, 4, &res, &err);
	store_close(c->s);
	assert_int_equal(store_open(c->dir, &c->s, &err), 0);
	assert_int_equal(store_node_get(c->s, 3201, &node, &err), 0);
	assert_int_equal(node.acked, 4);
	assert_memory_equal(node.chain, c->a->chain[4], KTP_HASH_LEN);
	apply_range(c, c->a, 1, 4, &res, &err);
	assert_int_equal(res.applied, 0);
	assert_int_equal(res.acked, 4);
}

/* One person's desa, pemula and recordings through a batch that moves it
 * and one that moves it back: the desa counters follow, and with old
 * recordings outside the per-desa window they still equal a recount. */
static void
test_apply_desa_move_and_undo_keep_desa_counters_equal_to_a_recount(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct record r;

	assert_int_equal(store_set_election_date(c->s, 20270214, &err), 0);
	fix_person(&r, "3201015505090001", hlc_make(T0_MS, 0), 320101);
	r.birth_date = 20090515;	/* 17 on election day: a pemula */
	r.on_dpt = false;
	fixnode_append(c->a, &r);
	r.hlc = hlc_make(T0_MS, 1);
	r.desa = 3201010002;
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW - 86400;
	fixnode_append(c->a, &r);
	apply_range(c, c->a, 1, 2, &res, &err);
	assert_int_equal(res.applied, 2);
	assert_int_equal(count(c->s, "SELECT persons * 100 + recorded * 10 + pemula_unrecorded"
			       " FROM agg_desa WHERE desa = 3201010002"), 110);
	/* Put and moved within one batch: no row for desa 0001 at all. */
	assert_int_equal(count(c->s, "SELECT count(*) FROM agg_desa WHERE desa = 3201010001"), 0);
	assert_int_equal(count(c->s, "SELECT n FROM rec_daily_desa WHERE desa = 3201010002"), 1);
	assert_int_equal(store_verify(c->s, &err), 0);
	/* Undone: back in desa 0001, unrecorded again. */
	r.hlc = hlc_make(T0_MS, 2);
	r.desa = 3201010001;
	r.status = RECORD_STATUS_UNRECORDED;
	r.recorded_at = 0;
	fixnode_append(c->a, &r);
	apply_range(c, c->a, 3, 3, &res, &err);
	assert_int_equal(count(c->s, "SELECT persons * 100 + recorded * 10 + pemula_unrecorded"
			       " FROM agg_desa WHERE desa = 3201010001"), 101);
	assert_int_equal(count(c->s, "SELECT persons FROM agg_desa WHERE desa = 3201010002"), 0);
	assert_int_equal(count(c->s, "SELECT coalesce(sum(n), 0) FROM rec_daily_desa"), 0);
	assert_int_equal(count(c->s, "SELECT pemula_unrecorded FROM aggregates"), 1);
	assert_int_equal(store_verify(c->s, &err), 0);
	/* A recording 60 days old counts in the kecamatan's days, not the desa's. */
	assert_int_equal(store_trim_desa_days(c->s, NOW, &err), 0);
	r.hlc = hlc_make(T0_MS, 3);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW - 60 * 86400;
	fixnode_append(c->a, &r);
	apply_range(c, c->a, 4, 4, &res, &err);
	assert_int_equal(count(c->s, "SELECT sum(n) FROM rec_daily"), 1);
	assert_int_equal(count(c->s, "SELECT coalesce(sum(n), 0) FROM rec_daily_desa"), 0);
	assert_int_equal(count(c->s, "SELECT recorded FROM agg_desa WHERE desa = 3201010001"), 1);
	assert_int_equal(store_verify(c->s, &err), 0);
}

#define DAY_MS 86400000ULL

/* One person (NIK 3201011505900001) written by node n at stamp hlc, applied
 * at the hub's clock T0_MS with a skew bound of one day. */
static void
write_one_at(struct ctx *c, struct fixnode *n, uint64_t seq, const char *nik, uint64_t hlc,
	     struct apply_result *res)
{
	struct ktp_err err = { 0 };
	struct fixbatch b;
	struct record r;

	fix_person(&r, nik, hlc, 320101);
	assert_int_not_equal(fixnode_append(n, &r), 0);
	assert_int_equal(fixnode_batch(n, seq, seq, &b), 0);
	assert_int_equal(apply_batch_at(c->s, &b.hdr, b.plain, b.len, 10, T0_MS, DAY_MS, res,
					&err), 0);
	assert_int_equal(res->outcome, APPLY_OK);
	fixbatch_done(&b);
}

/* Table: which stamps the bound replaces, and with what. */
static void
test_apply_future_stamp_bound_table(void **state)
{
	const struct {
		uint64_t	hlc;
		uint64_t	stored;
		uint64_t	future;
	} cases[] = {
		{ hlc_make(T0_MS, 5), hlc_make(T0_MS, 5), 0 },			/* now */
		{ hlc_make(T0_MS + DAY_MS, 0xffff), hlc_make(T0_MS + DAY_MS, 0xffff), 0 },
		{ hlc_make(T0_MS + DAY_MS + 1, 0), hlc_make(T0_MS, 0), 1 },	/* 1 ms past */
		{ hlc_make(T0_MS + 3650 * DAY_MS, 0), hlc_make(T0_MS, 0), 1 },	/* years ahead */
		{ UINT64_C(1) << 63, hlc_make(T0_MS, 0), 1 },			/* 2^63 */
		{ UINT64_MAX, hlc_make(T0_MS, 0), 1 },
	};
	struct ctx *c = *state;
	struct apply_result res;
	struct store_person p;
	struct ktp_err err = { 0 };
	size_t i;

	char nik[17];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(nik, sizeof(nik), "320101150590%04zu", i + 1);	/* a new person each */
		write_one_at(c, c->a, i + 1, nik, cases[i].hlc, &res);
		assert_int_equal(res.future, cases[i].future);
		assert_int_equal(res.future_first, cases[i].future ? i + 1 : 0);
		assert_int_equal(res.future_last, cases[i].future ? i + 1 : 0);
		assert_int_equal(store_person_get(c->s, strtoull(nik, NULL, 10), &p, &err), 1);
		assert_int_equal(p.hlc, cases[i].stored);
	}
}

/* A node whose clock jumped years ahead once wrote a person; another
 * regency's later write, stamped by a right clock, corrects it. */
static void
test_apply_future_stamp_loses_to_a_later_write(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct store_person p;
	struct ktp_err err = { 0 };

	write_one_at(c, c->a, 1, "3201011505900001", UINT64_C(1) << 63, &res);
	assert_int_equal(res.future, 1);
	write_one_at(c, c->b, 1, "3201011505900001", hlc_make(T0_MS + 1000, 0), &res);
	assert_int_equal(res.future, 0);
	assert_int_equal(store_person_get(c->s, 3201011505900001ULL, &p, &err), 1);
	assert_int_equal(p.node, 3202);
	assert_int_equal(p.hlc, hlc_make(T0_MS + 1000, 0));
	assert_int_equal(count(c->s, "SELECT count(*) FROM conflicts WHERE winner_node = 3202"
			       " AND loser_node = 3201 AND loser_hlc >= 0"), 1);
}

/* apply_batch (no bound) keeps a stamp as sent. */
static void
test_apply_without_bound_keeps_a_future_stamp(void **state)
{
	struct ctx *c = *state;
	struct apply_result res;
	struct store_person p;
	struct ktp_err err = { 0 };
	struct fixbatch b;
	struct record r;

	fix_person(&r, "3201011505900001", hlc_make(T0_MS + 3650 * DAY_MS, 0), 320101);
	assert_int_not_equal(fixnode_append(c->a, &r), 0);
	assert_int_equal(fixnode_batch(c->a, 1, 1, &b), 0);
	assert_int_equal(apply_batch(c->s, &b.hdr, b.plain, b.len, 10, NOW, &res, &err), 0);
	fixbatch_done(&b);
	assert_int_equal(res.future, 0);
	assert_int_equal(store_person_get(c->s, 3201011505900001ULL, &p, &err), 1);
	assert_int_equal(p.hlc, hlc_make(T0_MS + 3650 * DAY_MS, 0));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_apply_first_batch_applies_and_sets_cursor),
		T(test_apply_same_batch_ten_times_applies_once),
		T(test_apply_gap_answers_acked_and_changes_nothing),
		T(test_apply_gap_before_anything_answers_zero),
		T(test_apply_overlap_skips_what_was_applied),
		T(test_apply_wrong_prev_chain_is_diverged),
		T(test_apply_overlap_from_rewound_journal_is_diverged),
		T(test_apply_replay_ending_at_acked_with_other_contents_is_diverged),
		T(test_apply_bad_version_applies_nothing),
		T(test_apply_count_not_matching_range_is_bad),
		T(test_apply_lww_across_nodes_with_skewed_clocks),
		T(test_apply_equal_hlc_higher_node_wins),
		T(test_apply_same_node_update_is_no_conflict),
		T(test_apply_disk_full_applies_nothing),
		T(test_apply_cursor_survives_reopen),
		T(test_apply_desa_move_and_undo_keep_desa_counters_equal_to_a_recount),
		T(test_apply_future_stamp_bound_table),
		T(test_apply_future_stamp_loses_to_a_later_write),
		T(test_apply_without_bound_keeps_a_future_stamp),
	};

	return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
