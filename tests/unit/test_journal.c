/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>

#include <jansson.h>
#include <sqlite3.h>

#include "unit.h"
#include "batch.h"
#include "chain.h"
#include "err.h"
#include "hlc.h"
#include "journal.h"
#include "record.h"

#include "journal_fixture.h"

static int64_t
query_int(struct journal *j, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(journal_db(j), sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
test_journal_put_numbers_versions_without_gaps(void **state)
{
	struct journal *j = open_j(state);
	struct journal_head h;
	struct ktp_err err = {0};

	put_four(j);
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.seq, 4);
	assert_int_equal(h.acked, 0);
	assert_int_equal(h.oldest_pending_ms, (int64_t)T0_MS);
	assert_int_equal(journal_pending_count(j), 4);
	assert_int_equal(query_int(j, "SELECT count(*) FROM journal"), 4);
	assert_int_equal(query_int(j, "SELECT min(seq) FROM journal"), 1);
	assert_int_equal(query_int(j, "SELECT max(seq) FROM journal"), 4);
	assert_int_equal(query_int(j, "SELECT count(*) FROM persons"), 3);
	journal_close(j);
}

static void
test_journal_chain_matches_recomputation(void **state)
{
	struct journal *j = open_j(state);
	uint8_t h[KTP_HASH_LEN] = {0}, at[KTP_HASH_LEN];
	struct journal_head head;
	struct ktp_err err = {0};
	sqlite3_stmt *s;
	uint64_t seq = 0;

	put_four(j);
	assert_int_equal(sqlite3_prepare_v2(journal_db(j),
		"SELECT seq, chain, enc FROM journal ORDER BY seq", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_int_equal(sqlite3_column_int64(s, 0), (int64_t)++seq);
		chain_next(h, sqlite3_column_blob(s, 2), (size_t)sqlite3_column_bytes(s, 2), h);
		assert_int_equal(sqlite3_column_bytes(s, 1), KTP_HASH_LEN);
		assert_memory_equal(sqlite3_column_blob(s, 1), h, KTP_HASH_LEN);
		assert_int_equal(journal_chain_at(j, seq, at, &err), 0);
		assert_memory_equal(at, h, KTP_HASH_LEN);
	}
	sqlite3_finalize(s);
	assert_int_equal(seq, 4);
	assert_int_equal(journal_head(j, &head, &err), 0);
	assert_memory_equal(head.chain, h, KTP_HASH_LEN);
	assert_int_equal(journal_chain_at(j, 0, at, &err), 0);
	memset(h, 0, sizeof(h));
	assert_memory_equal(at, h, KTP_HASH_LEN);
	assert_int_equal(journal_chain_at(j, 5, at, &err), -ENOENT);
	assert_string_equal(err.msg, "journal: seq 5 beyond head 4");
	journal_close(j);
}

static void
test_journal_identical_put_creates_no_version(void **state)
{
	struct journal *j = open_j(state);
	struct record r, got;
	struct ktp_err err = {0};
	uint64_t first_hlc;

	make_person(&r, "3201010101900001", "Budi Santoso");
	assert_int_equal(put(j, &r, T0_MS), 1);
	first_hlc = r.hlc;
	make_person(&r, "3201010101900001", "Budi Santoso");
	assert_int_equal(put(j, &r, T0_MS + 1000), 0);
	assert_int_equal(r.hlc, first_hlc);
	r.on_dpt = false;
	assert_int_equal(put(j, &r, T0_MS + 2000), 2);
	assert_int_equal(journal_get(j, "3201010101900001", &got, &err), 0);
	assert_false(got.on_dpt);
	assert_string_equal(got.name, "Budi Santoso");
	assert_int_equal(got.hlc, r.hlc);
	assert_int_equal(journal_get(j, "3201010101900009", &got, &err), -ENOENT);
	journal_close(j);
}

static void
test_journal_put_new_refuses_known_nik(void **state)
{
	struct journal *j = open_j(state);
	struct ktp_err err = {0};
	struct record r, got;
	uint64_t seq = 99;

	put_four(j);
	make_person(&r, "3201014202850002", "Someone Else");
	assert_int_equal(journal_put_new(j, &r, T0_MS, &seq, &err), -EINVAL);
	assert_string_equal(err.msg, "journal: put_new outside a transaction");
	assert_int_equal(journal_begin(j, &err), 0);
	assert_true(journal_in_transaction(j));
	assert_int_equal(journal_put_new(j, &r, T0_MS, &seq, &err), -EEXIST);
	assert_int_equal(seq, 99);
	make_person(&r, "3201014505950004", "Dewi Lestari");
	assert_int_equal(journal_put_new(j, &r, T0_MS, &seq, &err), 0);
	assert_int_equal(seq, 5);
	assert_int_equal(journal_commit(j, &err), 0);
	assert_false(journal_in_transaction(j));
	assert_int_equal(journal_get(j, "3201014202850002", &got, &err), 0);
	assert_string_equal(got.name, "Siti Aminah");
	assert_int_equal(journal_get(j, "3201014505950004", &got, &err), 0);
	assert_string_equal(got.name, "Dewi Lestari");
	assert_int_equal(query_int(j, "SELECT count(*) FROM journal"), 5);
	journal_close(j);
}

static void
test_journal_rollback_restores_head_and_keeps_state(void **state)
{
	struct journal *j = open_j(state);
	uint8_t c2[KTP_HASH_LEN];
	struct journal_head h;
	struct ktp_err err = {0};
	struct batch_builder *b = NULL;
	struct record r;
	char buf[16];
	uint64_t last;

	put_four(j);
	assert_int_equal(journal_chain_at(j, 2, c2, &err), 0);
	assert_int_equal(journal_begin(j, &err), 0);
	make_person(&r, "3201014505950004", "Dewi Lestari");
	assert_int_equal(put(j, &r, T0_MS + 10), 5);
	/* Readers see only what is committed while the import is open. */
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.seq, 4);
	assert_int_equal(batch_builder_new(&b), 0);
	assert_int_equal(journal_read(j, 5, 100, 1 << 20, b, &last, &err), 0);
	assert_int_equal(last, 4);
	assert_int_equal(batch_builder_count(b), 0);
	assert_int_equal(journal_state_set(j, "paused", "1", &err), 0);
	assert_int_equal(journal_mark_acked(j, 2, c2, &err), 0);
	journal_rollback(j);
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.seq, 4);
	assert_int_equal(h.acked, 2);
	assert_int_equal(query_int(j, "SELECT count(*) FROM journal"), 4);
	assert_int_equal(journal_get(j, "3201014505950004", &r, &err), -ENOENT);
	make_person(&r, "3201014505950004", "Dewi Lestari");
	assert_int_equal(put(j, &r, T0_MS + 11), 5);
	batch_builder_free(b);
	journal_close(j);
	j = open_j(state);
	assert_int_equal(journal_state_get(j, "paused", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.seq, 5);
	assert_int_equal(h.acked, 2);
	assert_memory_equal(h.acked_chain, c2, KTP_HASH_LEN);
	journal_close(j);
}

static void
test_journal_acked_moves_only_forward(void **state)
{
	struct journal *j = open_j(state);
	uint8_t c1[KTP_HASH_LEN], c3[KTP_HASH_LEN];
	struct journal_head h;
	struct ktp_err err = {0};

	put_four(j);
	assert_int_equal(journal_chain_at(j, 1, c1, &err), 0);
	assert_int_equal(journal_chain_at(j, 3, c3, &err), 0);
	assert_int_equal(journal_mark_acked(j, 3, c3, &err), 0);
	assert_int_equal(journal_pending_count(j), 1);
	assert_int_equal(journal_mark_acked(j, 1, c1, &err), 0);
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.acked, 3);
	assert_memory_equal(h.acked_chain, c3, KTP_HASH_LEN);
	assert_int_equal(h.oldest_pending_ms, (int64_t)T0_MS + 2);
	journal_close(j);
	j = open_j(state);
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.acked, 3);
	assert_int_equal(journal_pending_count(j), 1);
	journal_close(j);
}

static void
test_journal_mark_acked_detects_diverged_chain(void **state)
{
	struct journal *j = open_j(state);
	uint8_t c[KTP_HASH_LEN];
	struct journal_head h;
	struct ktp_err err = {0};

	put_four(j);
	assert_int_equal(journal_chain_at(j, 2, c, &err), 0);
	c[7] ^= 1;
	assert_int_equal(journal_mark_acked(j, 2, c, &err), -EPROTO);
	assert_string_equal(err.msg, "journal: chain at seq 2 differs from the hub's");
	assert_int_equal(journal_mark_acked(j, 9, c, &err), -EPROTO);
	assert_string_equal(err.msg, "journal: hub acked seq 9 beyond our head 4");
	assert_int_equal(journal_head(j, &h, &err), 0);
	assert_int_equal(h.acked, 0);
	journal_close(j);
}

static void
test_journal_hlc_monotonic_across_reopen_and_clock_step(void **state)
{
	struct journal *j = open_j(state);
	struct record r;
	uint64_t a, b, c;

	make_person(&r, "3201010101900001", "Budi Santoso");
	put(j, &r, T0_MS);
	a = r.hlc;
	assert_int_equal(hlc_wall_ms(a), T0_MS);
	r.on_dpt = false;
	put(j, &r, T0_MS);
	b = r.hlc;
	assert_true(b > a);
	journal_close(j);
	j = open_j(state);
	r.on_dpt = true;
	put(j, &r, T0_MS - 3600 * 1000);	/* the wall clock stepped back an hour */
	c = r.hlc;
	assert_true(c > b);
	assert_int_equal(hlc_wall_ms(c), T0_MS);
	journal_close(j);
}

static void
test_journal_open_refuses_other_node_id(void **state)
{
	struct journal *j = open_j(state);
	struct ktp_err err = {0};

	journal_close(j);
	j = NULL;
	assert_int_equal(journal_open(*state, 3202, &j, &err), -EINVAL);
	assert_null(j);
	assert_string_equal(err.msg, "journal: node.db belongs to node 3201, not 3202");
}

static void
test_journal_read_respects_version_and_byte_limits(void **state)
{
	struct journal *j = open_j(state);
	struct batch_builder *b = NULL;
	struct ktp_err err = {0};
	uint64_t last;
	size_t one;

	put_four(j);
	assert_int_equal(batch_builder_new(&b), 0);
	assert_int_equal(journal_read(j, 1, 100, 1 << 20, b, &last, &err), 0);
	assert_int_equal(last, 4);
	assert_int_equal(batch_builder_count(b), 4);
	batch_builder_reset(b);
	assert_int_equal(journal_read(j, 2, 2, 1 << 20, b, &last, &err), 0);
	assert_int_equal(last, 3);
	assert_int_equal(batch_builder_count(b), 2);
	batch_builder_reset(b);
	/* A byte limit below one version still yields that version. */
	assert_int_equal(journal_read(j, 1, 100, 1, b, &last, &err), 0);
	assert_int_equal(last, 1);
	assert_int_equal(batch_builder_count(b), 1);
	one = (size_t)query_int(j, "SELECT length(enc) FROM journal WHERE seq = 1") +
	      (size_t)query_int(j, "SELECT length(enc) FROM journal WHERE seq = 2");
	batch_builder_reset(b);
	assert_int_equal(journal_read(j, 1, 100, one, b, &last, &err), 0);
	assert_int_equal(last, 2);
	batch_builder_reset(b);
	assert_int_equal(journal_read(j, 5, 100, 1 << 20, b, &last, &err), 0);
	assert_int_equal(last, 4);
	assert_int_equal(batch_builder_count(b), 0);
	batch_builder_free(b);
	journal_close(j);
}

static void
test_journal_state_set_get_delete(void **state)
{
	struct journal *j = open_j(state);
	struct ktp_err err = {0};
	char buf[32];

	assert_int_equal(journal_state_get(j, "diverged", buf, sizeof(buf), &err), -ENOENT);
	assert_int_equal(journal_state_set(j, "diverged", "seq 12", &err), 0);
	assert_int_equal(journal_state_get(j, "diverged", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "seq 12");
	assert_int_equal(journal_state_get(j, "diverged", buf, 4, &err), -ENOBUFS);
	assert_int_equal(journal_state_set(j, "diverged", NULL, &err), 0);
	assert_int_equal(journal_state_get(j, "diverged", buf, sizeof(buf), &err), -ENOENT);
	journal_close(j);
}

/* The persons q selects, one "nik name kecamatan desa" line each. */
static char *
unrecorded_text(struct journal *j, const struct journal_unrecorded_query *q)
{
	struct journal_person *p = NULL;
	struct ktp_err err = {0};
	size_t n = 0, i, len = 0;
	char *buf = NULL;
	FILE *f;

	assert_int_equal(journal_unrecorded(j, q, &p, &n, &err), 0);
	assert_non_null(f = open_memstream(&buf, &len));
	for (i = 0; i < n; i++)
		fprintf(f, "%s %s %06" PRIu32 " %" PRIu64 "\n", p[i].nik, p[i].name, p[i].kecamatan,
			p[i].desa);
	fclose(f);
	free(p);
	return buf;
}

static void
test_journal_unrecorded_lists_voters_by_name(void **state)
{
	struct journal *j = open_j(state);
	struct journal_unrecorded_query q = {0};
	struct record r;
	char *txt;

	put_four(j);
	make_person(&r, "3201020101900005", "Ani");
	r.kecamatan = 320102;
	r.desa = 0;
	put(j, &r, T0_MS + 5);
	make_person(&r, "3201014202850006", "Rudi");
	r.removed = RECORD_REMOVED_DIED;
	put(j, &r, T0_MS + 6);
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201014202850002 Siti Aminah 320101 3201010003\n"
				 "3201020101900005 Ani 320102 0\n");
	free(txt);
	q.kecamatan = 320102;
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201020101900005 Ani 320102 0\n");
	free(txt);
	journal_close(j);
}

static void
test_journal_unrecorded_of_one_desa(void **state)
{
	struct journal *j = open_j(state);
	struct journal_unrecorded_query q = { .desa = 3201010007 };
	struct record r;
	char *txt;

	put_four(j);
	make_person(&r, "3201010505900007", "Dewi");
	r.desa = 3201010007;
	put(j, &r, T0_MS + 5);
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201010505900007 Dewi 320101 3201010007\n");
	free(txt);
	q.desa = 3201010003;
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201014202850002 Siti Aminah 320101 3201010003\n");
	free(txt);
	journal_close(j);
}

/* Election 2029-02-14: pemula are born 2011-02-15 .. 2012-02-14, on the roll or not;
 * a recorded or removed one is not listed. */
static void
test_journal_unrecorded_pemula_are_17_on_election_day(void **state)
{
	static const struct {
		const char	*nik;
		uint32_t	birth_date;
		bool		on_dpt;
		bool		listed;
	} cases[] = {
		{ "3201011402110001", 20110214, true, false },	/* 18 on the day */
		{ "3201011502110002", 20110215, true, true },	/* 17, 18 the day after */
		{ "3201010101120003", 20120101, false, true },	/* not on the roll */
		{ "3201011402120004", 20120214, false, true },	/* 17 that very day */
		{ "3201011502120005", 20120215, true, false },	/* still 16 */
		{ "3201010101000006", 0, true, false },		/* birth date unknown */
	};
	struct journal *j = open_j(state);
	struct journal_unrecorded_query q = { .pemula_of = 20290214 };
	struct journal_person *p = NULL;
	struct ktp_err err = {0};
	struct record r;
	size_t n = 0, i, k = 0;
	char name[8];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "P%zu", i);	/* listed in case order */
		make_person(&r, cases[i].nik, name);
		r.birth_date = cases[i].birth_date;
		r.on_dpt = cases[i].on_dpt;
		put(j, &r, T0_MS + i);
	}
	make_person(&r, "3201010211110007", "Recorded");
	r.birth_date = 20111102;
	r.status = RECORD_STATUS_RECORDED;
	put(j, &r, T0_MS + 10);
	assert_int_equal(journal_unrecorded(j, &q, &p, &n, &err), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].listed)
			continue;
		assert_true(k < n);
		assert_string_equal(p[k++].nik, cases[i].nik);
	}
	assert_int_equal(n, k);
	free(p);
	journal_close(j);
}

/* The site plan: desa by desa, the largest first, then by code; persons without a
 * desa under their kecamatan; by name inside. */
static void
test_journal_unrecorded_site_plan_puts_the_largest_desa_first(void **state)
{
	static const struct { const char *nik, *name; uint32_t kec; uint64_t desa; } rows[] = {
		{ "3201010101900001", "Zaki", 320101, 3201010001 },
		{ "3201010101900002", "Budi", 320101, 3201010002 },
		{ "3201010101900003", "Ayu", 320101, 3201010002 },
		{ "3201020101900004", "Cici", 320102, 0 },
		{ "3201020101900005", "Abe", 320102, 0 },
		{ "3201010101900006", "Dodi", 320101, 3201010001 },
		{ "3201010101900007", "Eko", 320101, 3201010003 },
		{ "3201010101900008", "Fajar", 320101, 3201010002 },
	};
	struct journal *j = open_j(state);
	struct journal_unrecorded_query q = { .by_site = true };
	struct record r;
	size_t i;
	char *txt;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make_person(&r, rows[i].nik, rows[i].name);
		r.kecamatan = rows[i].kec;
		r.desa = rows[i].desa;
		put(j, &r, T0_MS + i);
	}
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201010101900003 Ayu 320101 3201010002\n"
				 "3201010101900002 Budi 320101 3201010002\n"
				 "3201010101900008 Fajar 320101 3201010002\n"
				 "3201010101900006 Dodi 320101 3201010001\n"
				 "3201010101900001 Zaki 320101 3201010001\n"
				 "3201020101900005 Abe 320102 0\n"
				 "3201020101900004 Cici 320102 0\n"
				 "3201010101900007 Eko 320101 3201010003\n");
	free(txt);
	journal_close(j);
}

/* The persons the report counts (journal_counts), all kecamatan together. */
static uint64_t
count_persons(struct journal *j)
{
	struct journal_counts *rows = NULL;
	struct ktp_err err = {0};
	uint64_t sum = 0;
	size_t n = 0, i;

	assert_int_equal(journal_counts(j, 20290214, (int64_t)(T0_MS / 1000), &rows, &n, &err), 0);
	for (i = 0; i < n; i++)
		sum += rows[i].persons;
	free(rows);
	return sum;
}

/* An import's rows are in its open transaction; the report and the list show
 * only what was committed, and everything once it is. */
static void
test_journal_readers_see_only_committed_rows(void **state)
{
	struct journal *j = open_j(state);
	struct journal_unrecorded_query q = {0};
	struct ktp_err err = {0};
	struct record r;
	uint64_t seq;
	char *txt;

	put_four(j);
	assert_int_equal(journal_begin(j, &err), 0);
	make_person(&r, "3201010505900007", "Dewi");
	assert_int_equal(journal_put(j, &r, T0_MS + 5, &seq, &err), 0);
	assert_int_equal(count_persons(j), 3);
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201014202850002 Siti Aminah 320101 3201010003\n");
	free(txt);
	assert_int_equal(journal_commit(j, &err), 0);
	assert_int_equal(count_persons(j), 4);
	txt = unrecorded_text(j, &q);
	assert_string_equal(txt, "3201010505900007 Dewi 320101 3201010003\n"
				 "3201014202850002 Siti Aminah 320101 3201010003\n");
	free(txt);
	journal_close(j);
}

/* The counts nodereport.c renders: each kecamatan's, in code order, by the
 * definitions of PROTOCOL.md 8.4 (born 2015: not wajib on 2026-12-31). */
static void
test_journal_counts_each_kecamatan_in_code_order(void **state)
{
	struct journal *j = open_j(state);
	struct journal_counts *rows = NULL;
	struct ktp_err err = {0};
	struct record r;
	size_t n = 0;

	put_four(j);
	make_person(&r, "3201024101150005", "Ani Kecil");
	r.kecamatan = 320102;
	r.desa = 0;
	r.on_dpt = false;
	put(j, &r, T0_MS + 5);
	assert_int_equal(journal_counts(j, 20261231, (int64_t)(T0_MS / 1000), &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].kecamatan, 320101);
	assert_int_equal(rows[0].persons, 3);
	assert_int_equal(rows[0].wajib_ktp, 3);
	assert_int_equal(rows[0].on_dpt, 2);
	assert_int_equal(rows[0].recorded, 1);
	assert_int_equal(rows[0].dpt_unrecorded, 1);
	assert_int_equal(rows[0].recorded_30d, 1);
	assert_int_equal(rows[0].recorded_7d, 1);
	assert_int_equal(rows[0].pemula_unrecorded, 0);
	assert_int_equal(rows[1].kecamatan, 320102);
	assert_int_equal(rows[1].persons, 1);
	assert_int_equal(rows[1].wajib_ktp, 0);
	assert_int_equal(rows[1].on_dpt, 0);
	assert_int_equal(rows[1].recorded, 0);
	assert_int_equal(rows[1].dpt_unrecorded, 0);
	assert_int_equal(rows[1].recorded_30d, 0);
	assert_int_equal(rows[1].recorded_7d, 0);
	assert_int_equal(rows[1].pemula_unrecorded, 0);
	assert_int_equal(journal_node_id(j), NODE);
	free(rows);
	journal_close(j);
}

static void
test_journal_counts_of_an_empty_journal_are_none(void **state)
{
	struct journal *j = open_j(state);
	struct journal_counts *rows = (void *)1;
	struct ktp_err err = {0};
	size_t n = 9;

	assert_int_equal(journal_counts(j, 20261231, (int64_t)(T0_MS / 1000), &rows, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(rows);
	journal_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)
		T(test_journal_put_numbers_versions_without_gaps),
		T(test_journal_chain_matches_recomputation),
		T(test_journal_identical_put_creates_no_version),
		T(test_journal_put_new_refuses_known_nik),
		T(test_journal_rollback_restores_head_and_keeps_state),
		T(test_journal_acked_moves_only_forward),
		T(test_journal_mark_acked_detects_diverged_chain),
		T(test_journal_hlc_monotonic_across_reopen_and_clock_step),
		T(test_journal_open_refuses_other_node_id),
		T(test_journal_read_respects_version_and_byte_limits),
		T(test_journal_state_set_get_delete),
		T(test_journal_unrecorded_lists_voters_by_name),
		T(test_journal_unrecorded_of_one_desa),
		T(test_journal_unrecorded_pemula_are_17_on_election_day),
		T(test_journal_unrecorded_site_plan_puts_the_largest_desa_first),
		T(test_journal_readers_see_only_committed_rows),
		T(test_journal_counts_each_kecamatan_in_code_order),
		T(test_journal_counts_of_an_empty_journal_are_none),
#undef T
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
