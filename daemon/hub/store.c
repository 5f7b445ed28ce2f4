/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "chain.h"
#include "db.h"
#include "err.h"
#include "nikdir.h"
#include "progress.h"
#include "record.h"
#include "store.h"

/*
 * Schema (PRAGMA user_version 4):
 *   persons     one row per NIK: the whole latest version, its HLC and the
 *               node that wrote it. Rows are stored in insertion order (id),
 *               so a batch of new persons appends to the table. The NIK is
 *               found through the in-memory directory (nikdir.h), which the
 *               store keeps unique, not through an index: version 1 had a
 *               unique index, and rewriting its pages at every commit bounded
 *               one node's apply rate (bench_hub, a million versions:
 *               120 000 with the index, 200 000 versions/s without).
 *   nodes       per node cursor: acked and the chain hash at acked; last_seen
 *               (last_contact) and last_push (last_data); heartbeat_ms, the
 *               stamp of its last heartbeat, so a replayed one is refused.
 *   conflicts   one row each time a NIK is written by a node other than the
 *               one whose version is stored, whichever wins.
 *   aggregates  per kecamatan counters; rec_daily recordings per (day,
 *               kecamatan). Keyed by day first, so the last 30 days or 26
 *               weeks are one range scan. agg_desa and rec_daily_desa the
 *               same per desa (version 4), for persons with a desa;
 *               rec_daily_desa from settings.desa_from_day on only.
 *   settings    the election date the wajib_ktp and pemula counters were
 *               computed for; the first day kept in rec_daily_desa.
 */
static const char *const MIGRATIONS[] = {
	"CREATE TABLE persons ("
	" id INTEGER PRIMARY KEY, nik INTEGER NOT NULL UNIQUE,"
	" hlc INTEGER NOT NULL, node INTEGER NOT NULL,"
	" name TEXT NOT NULL, sex INTEGER NOT NULL, birth_date INTEGER NOT NULL,"
	" kecamatan INTEGER NOT NULL, desa INTEGER NOT NULL, on_dpt INTEGER NOT NULL,"
	" status INTEGER NOT NULL, recorded_at INTEGER NOT NULL, site INTEGER NOT NULL,"
	" operator TEXT NOT NULL, removed INTEGER NOT NULL);"
	"CREATE TABLE nodes ("
	" code INTEGER PRIMARY KEY, acked INTEGER NOT NULL DEFAULT 0,"
	" chain BLOB NOT NULL DEFAULT (zeroblob(32)), head INTEGER NOT NULL DEFAULT 0,"
	" last_seen INTEGER NOT NULL DEFAULT 0, last_push INTEGER NOT NULL DEFAULT 0,"
	" versions INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT NOT NULL DEFAULT '', last_error_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE conflicts ("
	" id INTEGER PRIMARY KEY, nik INTEGER NOT NULL, winner_node INTEGER NOT NULL,"
	" winner_hlc INTEGER NOT NULL, loser_node INTEGER NOT NULL,"
	" loser_hlc INTEGER NOT NULL, at INTEGER NOT NULL);"
	"CREATE TABLE aggregates ("
	" kecamatan INTEGER PRIMARY KEY, persons INTEGER NOT NULL, wajib_ktp INTEGER NOT NULL,"
	" on_dpt INTEGER NOT NULL, recorded INTEGER NOT NULL, dpt_unrecorded INTEGER NOT NULL);"
	"CREATE TABLE rec_daily ("
	" day INTEGER NOT NULL, kecamatan INTEGER NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (day, kecamatan)) WITHOUT ROWID;"
	"CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1),"
	" election_date INTEGER NOT NULL);"
	"INSERT INTO settings VALUES (1, 0);",
	/* 2: NIKs are found through the directory (nikdir.h), not an index. */
	"CREATE TABLE persons2 ("
	" id INTEGER PRIMARY KEY, nik INTEGER NOT NULL,"
	" hlc INTEGER NOT NULL, node INTEGER NOT NULL,"
	" name TEXT NOT NULL, sex INTEGER NOT NULL, birth_date INTEGER NOT NULL,"
	" kecamatan INTEGER NOT NULL, desa INTEGER NOT NULL, on_dpt INTEGER NOT NULL,"
	" status INTEGER NOT NULL, recorded_at INTEGER NOT NULL, site INTEGER NOT NULL,"
	" operator TEXT NOT NULL, removed INTEGER NOT NULL);"
	"INSERT INTO persons2 SELECT * FROM persons;"
	"DROP TABLE persons;"
	"ALTER TABLE persons2 RENAME TO persons;",
	/* 3: the stamp of each node's last heartbeat (PROTOCOL.md 5.5). */
	"ALTER TABLE nodes ADD COLUMN heartbeat_ms INTEGER NOT NULL DEFAULT 0;",
	/* 4 (from 3): per-desa counters and recordings, pemula per kecamatan.
	 * store_open fills them with a recount from the person rows. */
	"ALTER TABLE aggregates ADD COLUMN pemula_unrecorded INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE agg_desa ("
	" desa INTEGER PRIMARY KEY, persons INTEGER NOT NULL, wajib_ktp INTEGER NOT NULL,"
	" on_dpt INTEGER NOT NULL, recorded INTEGER NOT NULL, dpt_unrecorded INTEGER NOT NULL,"
	" pemula_unrecorded INTEGER NOT NULL);"
	"CREATE TABLE rec_daily_desa ("
	" day INTEGER NOT NULL, desa INTEGER NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (day, desa)) WITHOUT ROWID;"
	"ALTER TABLE settings ADD COLUMN desa_from_day INTEGER NOT NULL DEFAULT 0;",
};

/* The first schema version with the per-desa tables: a store migrated from
 * before it is recounted once when opened. */
#define SCHEMA_DESA 4

/* A node row as read_node reads it, for one node and for the list. */
#define NODE_COLUMNS "code, acked, chain, head, last_seen, last_push, versions, bytes," \
	" last_error, last_error_at, heartbeat_ms"

enum stmt_id {
	ST_PERSON_GET,
	ST_PERSON_PUT,
	ST_PERSON_UPDATE,
	ST_CONFLICT_ADD,
	ST_NODE_GET,
	ST_NODE_ADVANCE,
	ST_NODE_TOUCH,
	ST_NODE_ERROR,
	ST_NODE_HEARTBEAT,
	ST_COUNT
};

static const char *const STMT_SQL[ST_COUNT] = {
	[ST_PERSON_GET] = "SELECT id, hlc, node, kecamatan, birth_date, on_dpt, status,"
			  " recorded_at, removed, desa FROM persons WHERE id = ?1",
	[ST_PERSON_PUT] = "INSERT INTO persons(nik, hlc, node, name, sex, birth_date,"
			  " kecamatan, desa, on_dpt, status, recorded_at, site, operator, removed)"
			  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[ST_PERSON_UPDATE] = "UPDATE persons SET hlc = ?2, node = ?3, name = ?4, sex = ?5,"
			     " birth_date = ?6, kecamatan = ?7, desa = ?8, on_dpt = ?9, status = ?10,"
			     " recorded_at = ?11, site = ?12, operator = ?13, removed = ?14"
			     " WHERE id = ?1",
	[ST_CONFLICT_ADD] = "INSERT INTO conflicts(nik, winner_node, winner_hlc, loser_node,"
			    " loser_hlc, at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_NODE_GET] = "SELECT " NODE_COLUMNS " FROM nodes WHERE code = ?1",
	[ST_NODE_ADVANCE] = "INSERT INTO nodes(code, acked, chain, head, last_seen, last_push,"
			    " versions, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)"
			    " ON CONFLICT(code) DO UPDATE SET acked = ?2, chain = ?3, head = ?4,"
			    " last_seen = ?5, last_push = ?5, versions = versions + ?6,"
			    " bytes = bytes + ?7",
	/* A replay is not contact: anyone who captured the batch can send it again. */
	[ST_NODE_TOUCH] = "INSERT INTO nodes(code, head, bytes) VALUES(?1, ?2, ?3)"
			  " ON CONFLICT(code) DO UPDATE SET head = max(head, ?2), bytes = bytes + ?3",
	[ST_NODE_HEARTBEAT] = "INSERT INTO nodes(code, head, last_seen, bytes, heartbeat_ms)"
			      " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(code) DO UPDATE SET"
			      " head = max(head, ?2), last_seen = ?3, bytes = bytes + ?4,"
			      " heartbeat_ms = ?5",
	[ST_NODE_ERROR] = "INSERT INTO nodes(code, last_seen, last_error, last_error_at)"
			  " VALUES(?1, ?2, ?3, ?2) ON CONFLICT(code) DO UPDATE SET"
			  " last_seen = ?2, last_error = ?3, last_error_at = ?2",
};

struct store {
	sqlite3			*db;
	sqlite3_stmt		*st[ST_COUNT];
	struct aggregate	*agg;
	uint32_t		election_date;
	int64_t			desa_from;	/* settings.desa_from_day */
	struct nikdir		*dir;
	uint64_t		*added;		/* NIKs put into dir by the open transaction */
	size_t			nadded, cap_added;
};

/* Durability is db_open's synchronous=FULL (invariant 1); these only trade
 * memory for speed. Up to 256 MiB of page cache keeps the B-tree pages a
 * stream of batches revisits (a 5-million-person table is about 500 MiB);
 * the cache only grows as pages are used. Updates dirty row pages all over
 * persons, and the next batches dirty many of the same pages again: the WAL
 * is checkpointed every 32768 pages (128 MiB), so a checkpoint writes each
 * page once for several batches instead of once per batch (1 M versions of
 * bench_hub with the version-1 NIK index: 4.9 GB written with 16 MiB, 3.3 GB
 * with 128 MiB). A much larger WAL makes page lookups in it slower. The file keeps up to 192 MiB after a
 * checkpoint, the 128 MiB plus the batch that crossed it: cutting it shorter
 * made the file system allocate the same blocks again for every round of
 * batches (20 % of bench_hub's wall time), and the WAL then writes into
 * blocks it already has even when the disk is full. More than that (a
 * reader held the checkpoint back) is cut off, so the WAL cannot keep
 * growing disk space a hub whose disk filled up would need back. */
static const char PRAGMAS[] =
	"PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;"
	" PRAGMA wal_autocheckpoint = 32768; PRAGMA journal_size_limit = 201326592";

static int
read_settings(struct store *s, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = db_prepare(s->db, "SELECT election_date, desa_from_day FROM settings"
			    " WHERE id = 1", &st, err)) < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->election_date = (uint32_t)sqlite3_column_int64(st, 0);
		s->desa_from = sqlite3_column_int64(st, 1);
		r = 0;
	} else {
		r = db_err(s->db, rc, "store: settings", err);
	}
	sqlite3_finalize(st);
	return r;
}

/* Fills the directory from the person rows: one scan, about 3 s for five
 * million persons. Two rows with one NIK would make a person count twice;
 * only a database written by something else can hold them. */
static int
load_directory(struct store *s, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	uint64_t nik;
	int64_t id;
	int rc, r;

	if ((r = nikdir_new(&s->dir)) < 0)
		return ktp_err_set(err, r, "store: NIK directory: out of memory");
	if ((r = db_prepare(s->db, "SELECT id, nik FROM persons", &st, err)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		nik = (uint64_t)sqlite3_column_int64(st, 1);
		r = nikdir_put(s->dir, nik, id);
		if (r == -EEXIST)
			r = ktp_err_set(err, -EUCLEAN, "store: persons: row %lld repeats the NIK"
					" of row %lld", (long long)id,
					(long long)nikdir_get(s->dir, nik));
		else if (r == -ERANGE)
			r = ktp_err_set(err, -EUCLEAN, "store: persons: row %lld: NIK or row id"
					" out of range", (long long)id);
		else if (r < 0)
			r = ktp_err_set(err, r, "store: NIK directory: out of memory");
		if (r < 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : db_err(s->db, rc, "store: persons", err);
out:
	sqlite3_finalize(st);
	return r;
}

static int
schema_version(sqlite3 *db, int *ret, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = db_prepare(db, "PRAGMA user_version", &st, err)) < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int(st, 0);
		r = 0;
	} else {
		r = db_err(db, rc, "store: schema version", err);
	}
	sqlite3_finalize(st);
	return r;
}

/* Sets the election date and rewrites every aggregate for it, in one transaction. */
static int
recount(struct store *s, uint32_t yyyymmdd, struct ktp_err *err)
{
	struct progress_cutoffs cut;
	char sql[64];
	int r;

	progress_cutoffs(yyyymmdd, &cut);
	if ((r = db_begin(s->db, err)) < 0)
		return r;
	snprintf(sql, sizeof(sql), "UPDATE settings SET election_date = %u", yyyymmdd);
	if ((r = db_exec(s->db, sql, err)) < 0 ||
	    (r = aggregate_recount(s->db, &cut, s->desa_from, err)) < 0 ||
	    (r = db_commit(s->db, err)) < 0) {
		db_rollback(s->db);
		return r;
	}
	s->election_date = yyyymmdd;
	return 0;
}

static int
prepare_all(struct store *s, struct ktp_err *err)
{
	int i, r;

	for (i = 0; i < ST_COUNT; i++)
		if ((r = db_prepare(s->db, STMT_SQL[i], &s->st[i], err)) < 0)
			return r;
	if ((r = aggregate_new(s->db, &s->agg, err)) < 0)
		return r;
	aggregate_set_desa_from(s->agg, s->desa_from);
	return 0;
}

int
store_open(const char *state_dir, struct store **ret, struct ktp_err *err)
{
	struct store *s = NULL;
	char path[PATH_MAX];
	int version = 0, r;

	if (snprintf(path, sizeof(path), "%s/hub.db", state_dir) >= (int)sizeof(path))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: state_dir: path too long", state_dir);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ktp_err_set(err, -ENOMEM, "store: out of memory");
	if ((r = db_open(path, 5000, &s->db, err)) < 0)
		goto fail;
	if ((r = db_exec(s->db, PRAGMAS, err)) < 0)
		goto fail;
	if ((r = schema_version(s->db, &version, err)) < 0 ||
	    (r = db_migrate(s->db, MIGRATIONS, sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]),
			    err)) < 0)
		goto fail;
	if ((r = read_settings(s, err)) < 0)
		goto fail;
	if (version > 0 && version < SCHEMA_DESA && (r = recount(s, s->election_date, err)) < 0)
		goto fail;
	if ((r = prepare_all(s, err)) < 0 || (r = load_directory(s, err)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	aggregate_free(s->agg);
	nikdir_free(s->dir);
	free(s->added);
	db_close(s->db);
	free(s);
}

size_t
store_persons(const struct store *s)
{
	return nikdir_count(s->dir);
}

int
store_ping(struct store *s, struct ktp_err *err)
{
	return db_exec(s->db, "SELECT election_date FROM settings", err);
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

struct aggregate *
store_aggregate(struct store *s)
{
	return s->agg;
}

int
store_begin(struct store *s, struct ktp_err *err)
{
	s->nadded = 0;
	return db_begin(s->db, err);
}

int
store_commit(struct store *s, struct ktp_err *err)
{
	int r;

	if ((r = db_commit(s->db, err)) == 0)
		s->nadded = 0;
	return r;
}

/* The directory and the aggregate delta go back with the rows. */
void
store_rollback(struct store *s)
{
	db_rollback(s->db);
	while (s->nadded > 0)
		nikdir_del(s->dir, s->added[--s->nadded]);
	aggregate_reset(s->agg);
}

uint32_t
store_election_date(const struct store *s)
{
	return s->election_date;
}

uint32_t
store_wajib_cutoff(const struct store *s)
{
	return aggregate_wajib_cutoff(s->election_date);
}

void
store_cutoffs(const struct store *s, struct progress_cutoffs *ret)
{
	progress_cutoffs(s->election_date, ret);
}

int
store_set_election_date(struct store *s, uint32_t yyyymmdd, struct ktp_err *err)
{
	if (yyyymmdd == s->election_date)
		return 0;
	return recount(s, yyyymmdd, err);
}

int
store_verify(struct store *s, struct ktp_err *err)
{
	struct progress_cutoffs cut;

	store_cutoffs(s, &cut);
	return aggregate_verify(s->db, &cut, s->desa_from, err);
}

int64_t
store_desa_from(const struct store *s)
{
	return s->desa_from;
}

/* Never back: a day given up is not counted again. */
int
store_trim_desa_days(struct store *s, int64_t now, struct ktp_err *err)
{
	int64_t from = progress_day(now) - STORE_DESA_DAYS_KEPT;
	char sql[128];
	int r;

	if (from <= s->desa_from)
		return 0;
	if ((r = db_begin(s->db, err)) < 0)
		return r;
	snprintf(sql, sizeof(sql), "DELETE FROM rec_daily_desa WHERE day < %lld;"
		 " UPDATE settings SET desa_from_day = %lld", (long long)from, (long long)from);
	if ((r = db_exec(s->db, sql, err)) < 0 || (r = db_commit(s->db, err)) < 0) {
		db_rollback(s->db);
		return r;
	}
	s->desa_from = from;
	aggregate_set_desa_from(s->agg, from);
	return 0;
}

/* Steps a statement that returns no row, then resets it for the next use. */
static int
step_done(struct store *s, sqlite3_stmt *st, const char *what, struct ktp_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(s->db, rc, what, err);
	return 0;
}

static void
read_node(sqlite3_stmt *st, struct store_node *n)
{
	const char *last_error = (const char *)sqlite3_column_text(st, 8);

	memset(n, 0, sizeof(*n));
	n->code = (uint16_t)sqlite3_column_int(st, 0);
	n->acked = (uint64_t)sqlite3_column_int64(st, 1);
	if (sqlite3_column_bytes(st, 2) == KTP_HASH_LEN)
		memcpy(n->chain, sqlite3_column_blob(st, 2), KTP_HASH_LEN);
	n->head = (uint64_t)sqlite3_column_int64(st, 3);
	n->last_seen = sqlite3_column_int64(st, 4);
	n->last_push = sqlite3_column_int64(st, 5);
	n->versions = (uint64_t)sqlite3_column_int64(st, 6);
	n->bytes = (uint64_t)sqlite3_column_int64(st, 7);
	snprintf(n->last_error, sizeof(n->last_error), "%s", last_error != NULL ? last_error : "");
	n->last_error_at = sqlite3_column_int64(st, 9);
	n->heartbeat_ms = (uint64_t)sqlite3_column_int64(st, 10);
}

int
store_node_get(struct store *s, uint16_t code, struct store_node *ret, struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_NODE_GET];
	int rc, r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->code = code;
	sqlite3_bind_int(st, 1, code);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_node(st, ret);
	else if (rc != SQLITE_DONE)
		r = db_err(s->db, rc, "store: node", err);
	sqlite3_reset(st);
	return r;
}

int
store_node_note_error(struct store *s, uint16_t code, int64_t now, const char *reason,
		      struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_NODE_ERROR];

	sqlite3_bind_int(st, 1, code);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	return step_done(s, st, "store: node error", err);
}

int
store_node_advance(struct store *s, const struct store_node *n, uint64_t applied,
		   uint64_t bytes, int64_t now, struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_NODE_ADVANCE];

	sqlite3_bind_int(st, 1, n->code);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n->acked);
	sqlite3_bind_blob(st, 3, n->chain, KTP_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)n->head);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)applied);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)bytes);
	return step_done(s, st, "store: node cursor", err);
}

/* One transaction, so a push waiting on the store lock sees either the old
 * cursor or the reset one. The person rows stay: a resend from the node goes
 * through last-writer-wins by HLC, so an old version cannot beat a newer one. */
int
store_node_reset(struct store *s, uint16_t code, uint64_t *ret_old_acked, struct ktp_err *err)
{
	struct store_node n;
	char sql[96];
	int r;

	if ((r = db_begin(s->db, err)) < 0)
		return r;
	if ((r = store_node_get(s, code, &n, err)) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "UPDATE nodes SET acked = 0, chain = zeroblob(%d)"
		 " WHERE code = %u", KTP_HASH_LEN, code);
	if ((r = db_exec(s->db, sql, err)) < 0)
		goto fail;
	if (sqlite3_changes(s->db) == 0) {
		r = ktp_err_set(err, -ENOENT, "node %04u has no cursor at this hub (it never"
				" contacted it)", code);
		goto fail;
	}
	if ((r = db_commit(s->db, err)) < 0)
		goto fail;
	*ret_old_acked = n.acked;
	return 0;
fail:
	db_rollback(s->db);
	return r;
}

int
store_node_touch(struct store *s, uint16_t code, uint64_t head, uint64_t bytes,
		 struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_NODE_TOUCH];

	sqlite3_bind_int(st, 1, code);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)head);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)bytes);
	return step_done(s, st, "store: node", err);
}

int
store_node_heartbeat(struct store *s, uint16_t code, uint64_t head, uint64_t sent_ms,
		     uint64_t bytes, int64_t now, struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_NODE_HEARTBEAT];

	sqlite3_bind_int(st, 1, code);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)head);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)bytes);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)sent_ms);
	return step_done(s, st, "store: node heartbeat", err);
}

int
store_person_get(struct store *s, uint64_t nik, struct store_person *ret, struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_PERSON_GET];
	int64_t id = nikdir_get(s->dir, nik);
	int rc, r = 0;

	if (id == 0)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->id = sqlite3_column_int64(st, 0);
		ret->hlc = (uint64_t)sqlite3_column_int64(st, 1);
		ret->node = (uint16_t)sqlite3_column_int(st, 2);
		ret->agg.kecamatan = (uint32_t)sqlite3_column_int64(st, 3);
		ret->agg.birth_date = (uint32_t)sqlite3_column_int64(st, 4);
		ret->agg.on_dpt = sqlite3_column_int(st, 5) != 0;
		ret->agg.status = (uint8_t)sqlite3_column_int(st, 6);
		ret->agg.recorded_at = sqlite3_column_int64(st, 7);
		ret->agg.removed = (uint8_t)sqlite3_column_int(st, 8);
		ret->agg.desa = (uint64_t)sqlite3_column_int64(st, 9);
		r = 1;
	} else if (rc != SQLITE_DONE) {
		r = db_err(s->db, rc, "store: person", err);
	}
	sqlite3_reset(st);
	return r;
}

/* key is the NIK for an insert, the row id for an update. */
static int
write_person(struct store *s, sqlite3_stmt *st, int64_t key, const struct record *rec,
	     uint16_t node, struct ktp_err *err)
{
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rec->hlc);
	sqlite3_bind_int(st, 3, node);
	sqlite3_bind_text(st, 4, rec->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, rec->sex);
	sqlite3_bind_int64(st, 6, rec->birth_date);
	sqlite3_bind_int64(st, 7, rec->kecamatan);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)rec->desa);
	sqlite3_bind_int(st, 9, rec->on_dpt);
	sqlite3_bind_int(st, 10, rec->status);
	sqlite3_bind_int64(st, 11, rec->recorded_at);
	sqlite3_bind_int(st, 12, rec->site);
	sqlite3_bind_text(st, 13, rec->operator_, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, rec->removed);
	return step_done(s, st, "store: person", err);
}

int
store_person_put(struct store *s, uint64_t nik, const struct record *rec, uint16_t node,
		 struct ktp_err *err)
{
	uint64_t *added;
	size_t n;
	int r;

	if (nikdir_get(s->dir, nik) != 0)
		return 0;
	if (s->nadded == s->cap_added) {
		n = s->cap_added < 1024 ? 1024 : s->cap_added * 2;
		if ((added = realloc(s->added, n * sizeof(*added))) == NULL)
			return ktp_err_set(err, -ENOMEM, "store: person: out of memory");
		s->added = added;
		s->cap_added = n;
	}
	if ((r = write_person(s, s->st[ST_PERSON_PUT], (int64_t)nik, rec, node, err)) < 0)
		return r;
	if ((r = nikdir_put(s->dir, nik, sqlite3_last_insert_rowid(s->db))) < 0)
		return ktp_err_set(err, r, "store: NIK directory: %s",
				   r == -ENOMEM ? "out of memory" : "row id out of range");
	/* Outside a transaction the row is committed already. */
	if (!sqlite3_get_autocommit(s->db))
		s->added[s->nadded++] = nik;
	return 1;
}

int
store_person_update(struct store *s, int64_t id, const struct record *rec, uint16_t node,
		    struct ktp_err *err)
{
	return write_person(s, s->st[ST_PERSON_UPDATE], id, rec, node, err);
}

int
store_conflict_add(struct store *s, uint64_t nik, uint16_t winner, uint64_t winner_hlc,
		   uint16_t loser, uint64_t loser_hlc, int64_t at, struct ktp_err *err)
{
	sqlite3_stmt *st = s->st[ST_CONFLICT_ADD];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)nik);
	sqlite3_bind_int(st, 2, winner);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)winner_hlc);
	sqlite3_bind_int(st, 4, loser);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)loser_hlc);
	sqlite3_bind_int64(st, 6, at);
	return step_done(s, st, "store: conflict", err);
}

json_t *
store_json_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* Runs a query, with ?1 bound to bind1 when it has a parameter, and hands
 * each row to fn, which fails only for want of memory. */
static int
each_row(struct store *s, const char *sql, int64_t bind1,
	 int (*fn)(sqlite3_stmt *, void *), void *arg, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = db_prepare(s->db, sql, &st, err)) < 0)
		return r;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, bind1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = fn(st, arg)) < 0) {
			sqlite3_finalize(st);
			return ktp_err_set(err, r, "store: out of memory");
		}
	}
	r = rc == SQLITE_DONE ? 0 : db_err(s->db, rc, "store: query", err);
	sqlite3_finalize(st);
	return r;
}

struct node_rows {
	struct store_node	*v;
	size_t			n;
	size_t			cap;
};

static int
add_node_row(sqlite3_stmt *st, void *arg)
{
	struct node_rows *rows = arg;
	struct store_node *p;

	if (rows->n == rows->cap) {
		if ((p = realloc(rows->v, (2 * rows->cap + 16) * sizeof(*p))) == NULL)
			return -ENOMEM;
		rows->v = p;
		rows->cap = 2 * rows->cap + 16;
	}
	read_node(st, &rows->v[rows->n++]);
	return 0;
}

int
store_nodes(struct store *s, struct store_node **ret, size_t *ret_n, struct ktp_err *err)
{
	struct node_rows rows = {0};
	int r;

	if ((r = each_row(s, "SELECT " NODE_COLUMNS " FROM nodes ORDER BY code", 0, add_node_row,
			  &rows, err)) < 0) {
		free(rows.v);
		return r;
	}
	*ret = rows.v;
	*ret_n = rows.n;
	return 0;
}

/* Region and serial stay visible, the birth date (digits 7..12) does not. */
static void
mask_nik(uint64_t nik, char out[17])
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%016llu", (unsigned long long)nik);
	snprintf(out, 17, "%.6s******%.4s", digits, digits + 12);
}

json_t *
store_json_hlc(uint64_t hlc)
{
	char digits[24];

	if (hlc <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)hlc);
	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)hlc);
	return json_string(digits);
}

static json_t *
conflict_row_json(sqlite3_stmt *st)
{
	char masked[17], winner[8], loser[8];

	mask_nik((uint64_t)sqlite3_column_int64(st, 0), masked);
	snprintf(winner, sizeof(winner), "%04d", sqlite3_column_int(st, 1));
	snprintf(loser, sizeof(loser), "%04d", sqlite3_column_int(st, 3));
	/* HLCs are stored as SQLite's signed 64 bits; shown unsigned. */
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "nik_masked", masked,
			 "winner_node", winner, "loser_node", loser,
			 "winner_hlc", store_json_hlc((uint64_t)sqlite3_column_int64(st, 2)),
			 "loser_hlc", store_json_hlc((uint64_t)sqlite3_column_int64(st, 4)),
			 "at", store_json_time(sqlite3_column_int64(st, 5)));
}

static int
add_conflict_row(sqlite3_stmt *st, void *arg)
{
	json_t *o = conflict_row_json(st);

	return o != NULL && json_array_append_new(arg, o) == 0 ? 0 : -ENOMEM;
}

int
store_conflicts_json(struct store *s, unsigned limit, json_t **ret, struct ktp_err *err)
{
	json_t *arr = json_array();
	int r;

	if (arr == NULL)
		return ktp_err_set(err, -ENOMEM, "store: out of memory");
	if ((r = each_row(s, "SELECT nik, winner_node, winner_hlc, loser_node, loser_hlc, at"
			  " FROM conflicts ORDER BY id DESC LIMIT ?1", limit, add_conflict_row, arr,
			  err)) < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}
