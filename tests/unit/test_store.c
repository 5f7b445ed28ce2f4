/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "aggregate.h"
#include "apply.h"
#include "hlc.h"
#include "hub_fixture.h"
#include "nodelist.h"
#include "store.h"

#define NOW 1795000000	/* 2026-11-18T11:06:40Z */
#define T0_MS 1795000000000ULL

static struct store *
open_ok(void **state)
{
	struct store *s = NULL;
	struct ktp_err err = { 0 };

	assert_int_equal(store_open(*state, &s, &err), 0);
	return s;
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

static char *
dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

/* Puts a person new to the store; r keeps the record for the caller. */
static void
put_new(struct store *s, struct record *r, const char *nik, uint64_t hlc, uint32_t kecamatan,
	uint16_t node)
{
	struct ktp_err err = { 0 };

	fix_person(r, nik, hlc, kecamatan);
	assert_int_equal(store_person_put(s, strtoull(nik, NULL, 10), r, node, &err), 1);
}

static void
test_store_open_creates_schema_and_reopens(void **state)
{
	struct store *s = open_ok(state);
	char path[PATH_MAX];

	assert_int_equal(q(s, "PRAGMA user_version"), 4);
	assert_int_equal(q(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 8);
	assert_int_equal(q(s, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	assert_int_equal(q(s, "PRAGMA synchronous"), 2);		/* FULL */
	assert_int_equal(store_election_date(s), 0);
	assert_int_equal(store_wajib_cutoff(s), 0);
	store_close(s);
	assert_int_equal(access(unit_path(state, "hub.db", path), F_OK), 0);
	s = open_ok(state);
	assert_int_equal(q(s, "PRAGMA user_version"), 4);
	store_close(s);
	store_close(NULL);
}

static void
test_store_refuses_a_newer_schema(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };

	assert_int_equal(q(s, "PRAGMA user_version = 7"), -1);
	store_close(s);
	s = NULL;
	assert_int_equal(store_open(*state, &s, &err), -EPROTO);
	assert_string_equal(err.msg, "schema version 7 is newer than this program's 4");
	assert_null(s);
}

static void
test_store_open_in_missing_dir_fails(void **state)
{
	struct store *s = NULL;
	struct ktp_err err = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 64];

	unit_path(state, "nope", path);
	assert_int_equal(store_open(path, &s, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s/hub.db: unable to open database file", path);
	assert_string_equal(err.msg, want);
}

static void
test_store_unknown_node_reads_as_zero(void **state)
{
	struct store *s = open_ok(state);
	struct store_node n;
	static const uint8_t zero[KTP_HASH_LEN];
	struct ktp_err err = { 0 };

	memset(&n, 0xaa, sizeof(n));
	assert_int_equal(store_node_get(s, 3201, &n, &err), 0);
	assert_int_equal(n.code, 3201);
	assert_int_equal(n.acked, 0);
	assert_memory_equal(n.chain, zero, KTP_HASH_LEN);
	assert_int_equal(n.last_seen, 0);
	assert_int_equal(n.versions, 0);
	assert_string_equal(n.last_error, "");
	store_close(s);
}

static void
test_store_note_error_keeps_progress(void **state)
{
	struct store *s = open_ok(state);
	struct fixnode *a = fixnode_new(3201);
	struct apply_result res;
	struct store_node n;
	struct ktp_err err = { 0 };
	struct fixbatch b;
	struct record r;

	assert_non_null(a);
	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	fixnode_append(a, &r);
	assert_int_equal(fixnode_batch(a, 1, 1, &b), 0);
	assert_int_equal(apply_batch(s, &b.hdr, b.plain, b.len, 500, NOW - 10, &res, &err), 0);
	fixbatch_done(&b);
	assert_int_equal(store_node_note_error(s, 3201, NOW, "409 diverged at seq 1", &err), 0);
	assert_int_equal(store_node_get(s, 3201, &n, &err), 0);
	assert_int_equal(n.acked, 1);
	assert_memory_equal(n.chain, a->chain[1], KTP_HASH_LEN);
	assert_int_equal(n.last_seen, NOW);
	assert_int_equal(n.last_push, NOW - 10);
	assert_int_equal(n.versions, 1);
	assert_int_equal(n.bytes, 500);
	assert_string_equal(n.last_error, "409 diverged at seq 1");
	free(a);
	store_close(s);
}

/* DIVERGED recovery: the cursor goes to 0 with a zero chain, rows and counters
 * stay, and the node's whole journal sent again applies without doubling a row. */
static void
test_store_node_reset_zeroes_cursor_and_keeps_rows(void **state)
{
	static const uint8_t zero[KTP_HASH_LEN];
	struct store *s = open_ok(state);
	struct fixnode *a = fixnode_new(3201);
	struct apply_result res;
	struct store_node n;
	struct ktp_err err = { 0 };
	struct fixbatch b;
	struct record r;
	uint64_t old = 99;

	assert_non_null(a);
	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	fixnode_append(a, &r);
	fix_person(&r, "3201011505900002", hlc_make(T0_MS, 1), 320101);
	fixnode_append(a, &r);
	assert_int_equal(fixnode_batch(a, 1, 2, &b), 0);
	assert_int_equal(apply_batch(s, &b.hdr, b.plain, b.len, 500, NOW, &res, &err), 0);
	assert_int_equal(res.acked, 2);

	assert_int_equal(store_node_reset(s, 3201, &old, &err), 0);
	assert_int_equal(old, 2);
	assert_int_equal(store_node_get(s, 3201, &n, &err), 0);
	assert_int_equal(n.acked, 0);
	assert_memory_equal(n.chain, zero, KTP_HASH_LEN);
	assert_int_equal(n.versions, 2);
	assert_int_equal(n.bytes, 500);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 2);

	/* The same journal again: applied from seq 1, every row once. */
	assert_int_equal(apply_batch(s, &b.hdr, b.plain, b.len, 500, NOW + 1, &res, &err), 0);
	assert_int_equal(res.outcome, APPLY_OK);
	assert_int_equal(res.acked, 2);
	assert_int_equal(store_node_get(s, 3201, &n, &err), 0);
	assert_int_equal(n.acked, 2);
	assert_memory_equal(n.chain, a->chain[2], KTP_HASH_LEN);
	assert_int_equal(n.versions, 4);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 2);
	assert_int_equal(q(s, "SELECT sum(persons) FROM aggregates"), 2);
	assert_int_equal(store_verify(s, &err), 0);
	fixbatch_done(&b);

	old = 99;
	assert_int_equal(store_node_reset(s, 3204, &old, &err), -ENOENT);
	assert_string_equal(err.msg, "node 3204 has no cursor at this hub (it never contacted it)");
	assert_int_equal(old, 99);
	free(a);
	store_close(s);
}

static void
test_store_nodes_lists_cursors(void **state)
{
	struct store *s = open_ok(state);
	struct fixnode *a = fixnode_new(3201);
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct store_node *rows = NULL;
	struct nodelist l = { 0 };
	struct fixbatch b;
	struct record r;
	size_t n = 0;
	char *got, hex[2 * KTP_HASH_LEN + 1], want[1400];

	assert_non_null(a);
	fix_person(&r, "3201011505900001", hlc_make(T0_MS, 0), 320101);
	fixnode_append(a, &r);
	r.hlc++;
	fixnode_append(a, &r);
	assert_int_equal(fixnode_batch(a, 1, 1, &b), 0);
	b.hdr.head = 2;
	assert_int_equal(apply_batch(s, &b.hdr, b.plain, b.len, 500, NOW, &res, &err), 0);
	fixbatch_done(&b);
	assert_int_equal(store_node_note_error(s, 3205, NOW + 1, "bad signature", &err), 0);
	assert_int_equal(store_nodes(s, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[1].last_error_at, NOW + 1);
	/* Not enrolled: the rows as the store holds them, without names. */
	assert_int_equal(nodelist_merge(rows, n, NULL, &l), 0);
	got = dump(nodelist_json(&l));
	nodelist_done(&l);
	free(rows);
	chain_to_hex(a->chain[1], hex);
	snprintf(want, sizeof(want),
		 "[{\"code\":\"3201\",\"acked\":1,\"chain\":\"%s\",\"head\":2,\"pending\":1,"
		 "\"last_seen\":\"2026-11-18T11:06:40Z\",\"last_push\":\"2026-11-18T11:06:40Z\","
		 "\"last_contact\":\"2026-11-18T11:06:40Z\",\"last_data\":\"2026-11-18T11:06:40Z\","
		 "\"versions\":1,\"bytes\":500,\"last_error\":null,\"last_error_at\":null},"
		 "{\"code\":\"3205\",\"acked\":0,\"chain\":\"%064d\",\"head\":0,\"pending\":0,"
		 "\"last_seen\":\"2026-11-18T11:06:41Z\",\"last_push\":null,"
		 "\"last_contact\":\"2026-11-18T11:06:41Z\",\"last_data\":null,\"versions\":0,"
		 "\"bytes\":0,\"last_error\":\"bad signature\","
		 "\"last_error_at\":\"2026-11-18T11:06:41Z\"}]", hex, 0);
	assert_string_equal(got, want);
	free(got);
	free(a);
	store_close(s);
}

static void
test_store_conflicts_json_masks_nik_newest_first(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	json_t *j = NULL;
	char *got;

	assert_int_equal(store_conflict_add(s, 3201011505900001ULL, 3202, 7, 3201, 5, NOW, &err), 0);
	assert_int_equal(store_conflict_add(s, 3201014101850042ULL, 3201, 9, 3203, 8, NOW + 60,
					    &err), 0);
	assert_int_equal(store_conflicts_json(s, 10, &j, &err), 0);
	got = dump(j);
	assert_string_equal(got,
		"[{\"nik_masked\":\"320101******0042\",\"winner_node\":\"3201\","
		"\"loser_node\":\"3203\",\"winner_hlc\":9,\"loser_hlc\":8,"
		"\"at\":\"2026-11-18T11:07:40Z\"},"
		"{\"nik_masked\":\"320101******0001\",\"winner_node\":\"3202\","
		"\"loser_node\":\"3201\",\"winner_hlc\":7,\"loser_hlc\":5,"
		"\"at\":\"2026-11-18T11:06:40Z\"}]");
	free(got);
	assert_int_equal(store_conflicts_json(s, 1, &j, &err), 0);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	store_close(s);
}

static void
test_store_person_round_trip(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_person p;
	struct record r;

	assert_int_equal(store_person_get(s, 3201011505900001ULL, &p, &err), 0);
	fix_person(&r, "3201011505900001", 77, 320102);
	r.status = RECORD_STATUS_PRINTED;
	r.recorded_at = NOW;
	r.removed = RECORD_REMOVED_MOVED;
	assert_int_equal(store_person_put(s, 3201011505900001ULL, &r, 3202, &err), 1);
	assert_int_equal(store_person_get(s, 3201011505900001ULL, &p, &err), 1);
	assert_true(p.id > 0);
	assert_int_equal(p.hlc, 77);
	assert_int_equal(p.node, 3202);
	assert_int_equal(p.agg.kecamatan, 320102);
	assert_int_equal(p.agg.birth_date, 19900515);
	assert_true(p.agg.on_dpt);
	assert_int_equal(p.agg.status, RECORD_STATUS_PRINTED);
	assert_int_equal(p.agg.recorded_at, NOW);
	assert_int_equal(p.agg.removed, RECORD_REMOVED_MOVED);
	assert_int_equal(q(s, "SELECT count(*) FROM persons WHERE name = 'Siti Aminah'"
			   " AND operator = 'op1' AND desa = 3201020001"), 1);
	store_close(s);
}

static void
test_store_person_put_leaves_a_stored_nik_alone(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_person p;
	struct record r;

	put_new(s, &r, "3201011505900001", 77, 320102, 3201);
	r.hlc = 99;
	snprintf(r.name, sizeof(r.name), "Other Name");
	assert_int_equal(store_person_put(s, 3201011505900001ULL, &r, 3202, &err), 0);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 1);
	assert_int_equal(store_person_get(s, 3201011505900001ULL, &p, &err), 1);
	assert_int_equal(p.hlc, 77);
	assert_int_equal(p.node, 3201);
	assert_int_equal(q(s, "SELECT count(*) FROM persons WHERE name = 'Siti Aminah'"), 1);
	store_close(s);
}

static void
test_store_person_update_replaces_that_row(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_person p;
	struct record r;

	put_new(s, &r, "3201011505900001", 77, 320102, 3201);
	put_new(s, &r, "3201011505900002", 78, 320102, 3201);
	assert_int_equal(store_person_get(s, 3201011505900002ULL, &p, &err), 1);
	r.hlc = 100;
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW;
	assert_int_equal(store_person_update(s, p.id, &r, 3203, &err), 0);
	assert_int_equal(store_person_get(s, 3201011505900002ULL, &p, &err), 1);
	assert_int_equal(p.hlc, 100);
	assert_int_equal(p.node, 3203);
	assert_int_equal(p.agg.status, RECORD_STATUS_RECORDED);
	assert_int_equal(store_person_get(s, 3201011505900001ULL, &p, &err), 1);
	assert_int_equal(p.hlc, 77);
	assert_int_equal(p.node, 3201);
	store_close(s);
}

/* Runs sql on hub.db with a connection of its own, as another program would. */
static void
raw_exec(void **state, const char *sql)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(unit_path(state, "hub.db", path), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_store_reopen_finds_stored_persons(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_person p;
	struct record r;

	put_new(s, &r, "3201011505900001", 77, 320102, 3201);
	put_new(s, &r, "3201015505900002", 78, 320103, 3202);
	store_close(s);
	s = open_ok(state);
	assert_int_equal(store_person_get(s, 3201011505900001ULL, &p, &err), 1);
	assert_int_equal(p.hlc, 77);
	assert_int_equal(p.node, 3201);
	assert_int_equal(store_person_get(s, 3201015505900002ULL, &p, &err), 1);
	assert_int_equal(p.hlc, 78);
	assert_int_equal(p.agg.kecamatan, 320103);
	assert_int_equal(store_person_get(s, 3201011505900003ULL, &p, &err), 0);
	assert_int_equal(store_person_put(s, 3201015505900002ULL, &r, 3202, &err), 0);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 2);
	assert_int_equal(store_persons(s), 2);
	store_close(s);
}

static void
test_store_rollback_forgets_the_persons_it_put(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_person p;
	struct record r;

	put_new(s, &r, "3201011505900001", 77, 320102, 3201);
	assert_int_equal(store_begin(s, &err), 0);
	put_new(s, &r, "3201011505900002", 78, 320102, 3201);
	put_new(s, &r, "3201011505900003", 79, 320102, 3201);
	store_rollback(s);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 1);
	assert_int_equal(store_persons(s), 1);
	assert_int_equal(store_person_get(s, 3201011505900001ULL, &p, &err), 1);
	assert_int_equal(store_person_get(s, 3201011505900002ULL, &p, &err), 0);
	assert_int_equal(store_person_get(s, 3201011505900003ULL, &p, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_person_put(s, 3201011505900003ULL, &r, 3201, &err), 1);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_person_get(s, 3201011505900003ULL, &p, &err), 1);
	assert_int_equal(p.hlc, 79);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 2);
	store_close(s);
}

/* What schema version 4 added, taken away again. */
/* Version 2: neither the heartbeat stamp (3) nor the desa tables (4). */
#define SCHEMA_VERSION_2 \
	"ALTER TABLE nodes DROP COLUMN heartbeat_ms;" \
	" DROP TABLE agg_desa; DROP TABLE rec_daily_desa;" \
	" ALTER TABLE aggregates DROP COLUMN pemula_unrecorded;" \
	" ALTER TABLE settings DROP COLUMN desa_from_day;"

/* A version-2 store (no desa counters, no pemula) migrates through 3 to 4,
 * and its counters are recounted from the person rows for its election date. */
static void
test_store_migrates_version_2_and_recounts_desa_and_pemula(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };

	store_close(s);
	raw_exec(state, SCHEMA_VERSION_2
		 "UPDATE settings SET election_date = 20270214;"
		 "INSERT INTO persons VALUES (1, 3201011505900001, 77, 3201, 'A', 1, 19900515,"
		 " 320102, 3201020001, 1, 0, 0, 0, 'op', 0);"
		 "INSERT INTO persons VALUES (2, 3201015505090002, 78, 3201, 'B', 1, 20090515,"
		 " 320102, 3201020001, 0, 0, 0, 0, 'op', 0);"
		 "INSERT INTO persons VALUES (3, 3201015505090003, 79, 3201, 'C', 1, 20090515,"
		 " 320102, 3201020002, 1, 1, 1795000000, 1, 'op', 0);"
		 "INSERT INTO persons VALUES (4, 3201015505090004, 80, 3201, 'D', 1, 20090515,"
		 " 320102, 0, 1, 0, 0, 0, 'op', 0);"
		 "PRAGMA user_version = 2;");
	s = open_ok(state);
	assert_int_equal(q(s, "PRAGMA user_version"), 4);
	assert_int_equal(store_election_date(s), 20270214);
	assert_int_equal(q(s, "SELECT pemula_unrecorded FROM aggregates WHERE kecamatan = 320102"),
			 2);
	assert_int_equal(q(s, "SELECT persons * 10 + pemula_unrecorded FROM agg_desa"
			   " WHERE desa = 3201020001"), 21);
	assert_int_equal(q(s, "SELECT recorded FROM agg_desa WHERE desa = 3201020002"), 1);
	assert_int_equal(q(s, "SELECT sum(n) FROM rec_daily_desa WHERE desa = 3201020002"), 1);
	assert_int_equal(q(s, "SELECT sum(persons) FROM agg_desa"), 3);
	assert_int_equal(store_verify(s, &err), 0);
	assert_int_equal(store_desa_from(s), 0);
	store_close(s);
}

/* Recordings per desa older than 40 days before now are dropped once and
 * no longer written; the counters still equal a recount, and the first day
 * kept never moves back. */
static void
test_store_trim_desa_days_keeps_the_last_40(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct record r;
	int64_t today = NOW / 86400;

	put_new(s, &r, "3201011505900001", 77, 320102, 3201);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW - 50 * 86400;
	assert_int_equal(store_person_update(s, 1, &r, 3201, &err), 0);
	put_new(s, &r, "3201011505900002", 78, 320102, 3201);
	r.status = RECORD_STATUS_RECORDED;
	r.recorded_at = NOW - 2 * 86400;
	assert_int_equal(store_person_update(s, 2, &r, 3201, &err), 0);
	/* The rows were written behind the counters' back: recount them. */
	assert_int_equal(store_set_election_date(s, 20270214, &err), 0);
	assert_int_equal(q(s, "SELECT count(*) FROM rec_daily_desa"), 2);
	assert_int_equal(store_trim_desa_days(s, NOW, &err), 0);
	assert_int_equal(store_desa_from(s), today - STORE_DESA_DAYS_KEPT);
	assert_int_equal(q(s, "SELECT count(*) FROM rec_daily_desa"), 1);
	assert_int_equal(q(s, "SELECT day FROM rec_daily_desa"), today - 2);
	assert_int_equal(q(s, "SELECT sum(n) FROM rec_daily"), 2);
	assert_int_equal(store_verify(s, &err), 0);
	/* An earlier clock does not bring the old days back. */
	assert_int_equal(store_trim_desa_days(s, NOW - 30 * 86400, &err), 0);
	assert_int_equal(store_desa_from(s), today - STORE_DESA_DAYS_KEPT);
	store_close(s);
	s = open_ok(state);
	assert_int_equal(store_desa_from(s), today - STORE_DESA_DAYS_KEPT);
	assert_int_equal(store_verify(s, &err), 0);
	store_close(s);
}

static void
test_store_migrates_version_1_keeping_persons(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_person p;
	struct record r;

	store_close(s);
	/* persons as schema version 1 had it: a UNIQUE index on nik. */
	raw_exec(state, SCHEMA_VERSION_2 "DROP TABLE persons;"
		 "CREATE TABLE persons (id INTEGER PRIMARY KEY, nik INTEGER NOT NULL UNIQUE,"
		 " hlc INTEGER NOT NULL, node INTEGER NOT NULL, name TEXT NOT NULL,"
		 " sex INTEGER NOT NULL, birth_date INTEGER NOT NULL, kecamatan INTEGER NOT NULL,"
		 " desa INTEGER NOT NULL, on_dpt INTEGER NOT NULL, status INTEGER NOT NULL,"
		 " recorded_at INTEGER NOT NULL, site INTEGER NOT NULL, operator TEXT NOT NULL,"
		 " removed INTEGER NOT NULL);"
		 "INSERT INTO persons VALUES (5, 3201011505900001, 77, 3201, 'A', 1, 19900515,"
		 " 320102, 3201020001, 1, 0, 0, 0, 'op', 0);"
		 "INSERT INTO persons VALUES (9, 3201015505900002, 78, 3202, 'B', 2, 19900515,"
		 " 320103, 3201030001, 0, 1, 1795000000, 0, 'op', 0);"
		 "PRAGMA user_version = 1;");
	s = open_ok(state);
	assert_int_equal(q(s, "PRAGMA user_version"), 4);
	assert_int_equal(store_verify(s, &err), 0);
	assert_int_equal(q(s, "SELECT count(*) FROM agg_desa WHERE persons = 1"), 2);
	assert_int_equal(q(s, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'persons'"
			   " AND type = 'index'"), 0);
	assert_int_equal(q(s, "SELECT count(*) FROM persons"), 2);
	assert_int_equal(store_person_get(s, 3201015505900002ULL, &p, &err), 1);
	assert_int_equal(p.id, 9);
	assert_int_equal(p.hlc, 78);
	assert_int_equal(p.agg.kecamatan, 320103);
	fix_person(&r, "3201011505900001", 80, 320102);
	assert_int_equal(store_person_put(s, 3201011505900001ULL, &r, 3201, &err), 0);
	store_close(s);
}

/* Version 3 adds nodes.heartbeat_ms; a node's row keeps its cursor. */
static void
test_store_migrates_version_2_adds_heartbeat_stamp(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct store_node n;

	store_close(s);
	raw_exec(state, SCHEMA_VERSION_2
		 "INSERT INTO nodes(code, acked, head, last_seen, last_push)"
		 " VALUES (3201, 7, 9, 1795000000, 1794999000);"
		 "PRAGMA user_version = 2;");
	s = open_ok(state);
	assert_int_equal(q(s, "PRAGMA user_version"), 4);
	assert_int_equal(store_node_get(s, 3201, &n, &err), 0);
	assert_int_equal(n.acked, 7);
	assert_int_equal(n.head, 9);
	assert_int_equal(n.last_seen, 1795000000);
	assert_int_equal(n.heartbeat_ms, 0);
	assert_int_equal(store_node_heartbeat(s, 3201, 9, 1795000001000ULL, 221, NOW, &err), 0);
	assert_int_equal(store_node_get(s, 3201, &n, &err), 0);
	assert_int_equal(n.heartbeat_ms, 1795000001000ULL);
	assert_int_equal(n.last_seen, NOW);
	assert_int_equal(n.last_push, 1794999000);
	store_close(s);
}

static void
test_store_open_refuses_a_nik_stored_twice(void **state)
{
	struct store *s = open_ok(state);
	struct ktp_err err = { 0 };
	struct record r;

	put_new(s, &r, "3201011505900001", 77, 320102, 3201);
	store_close(s);
	raw_exec(state, "INSERT INTO persons SELECT NULL, nik, hlc, node, name, sex, birth_date,"
		 " kecamatan, desa, on_dpt, status, recorded_at, site, operator, removed"
		 " FROM persons");
	s = NULL;
	assert_int_equal(store_open(*state, &s, &err), -EUCLEAN);
	assert_string_equal(err.msg, "store: persons: row 2 repeats the NIK of row 1");
	assert_null(s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_open_creates_schema_and_reopens),
		T(test_store_refuses_a_newer_schema),
		T(test_store_open_in_missing_dir_fails),
		T(test_store_unknown_node_reads_as_zero),
		T(test_store_note_error_keeps_progress),
		T(test_store_node_reset_zeroes_cursor_and_keeps_rows),
		T(test_store_nodes_lists_cursors),
		T(test_store_conflicts_json_masks_nik_newest_first),
		T(test_store_person_round_trip),
		T(test_store_person_put_leaves_a_stored_nik_alone),
		T(test_store_person_update_replaces_that_row),
		T(test_store_reopen_finds_stored_persons),
		T(test_store_rollback_forgets_the_persons_it_put),
		T(test_store_migrates_version_1_keeping_persons),
		T(test_store_migrates_version_2_and_recounts_desa_and_pemula),
		T(test_store_trim_desa_days_keeps_the_last_40),
		T(test_store_open_refuses_a_nik_stored_twice),
		T(test_store_migrates_version_2_adds_heartbeat_stamp),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
