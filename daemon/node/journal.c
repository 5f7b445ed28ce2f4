/* SPDX-License-Identifier: ISC */
/*
 * Design notes.
 *
 * Seq numbers are assigned here (head + 1), never by SQLite, so the journal
 * has no gaps even after a rolled-back import: the in-memory head is put back
 * to the committed head on rollback.
 *
 * An import keeps one transaction open across many event-loop turns while the
 * pusher keeps reading and acking on the same connection. Two rules keep that
 * safe:
 *   - journal_read, journal_head and journal_chain_at see only the committed
 *     head (j->c_seq), never versions of the open transaction, so nothing that
 *     may still be rolled back is ever sent to the hub;
 *   - state written while a transaction is open (acked, paused, ...) goes into
 *     that transaction and is also remembered; after a rollback it is written
 *     again in a transaction of its own, so an operator's pause or the hub's
 *     ack is never lost with a bad file. Until the import ends such a write is
 *     not yet durable; acked is re-learned from the hub, so that is harmless.
 *
 * The HLC is persisted in the state table at every commit and restored as the
 * larger of that and the newest journal stamp, so stamps stay monotonic across
 * restarts and wall-clock steps backwards.
 *
 * The report's counts and the unrecorded list read through a second connection (rdb).
 * In WAL mode it sees the last committed state, so rows of an import whose
 * transaction is still open (and may yet be rolled back) never show.
 *
 * The journal is not thread-safe: the node's push thread and control handlers
 * serialise every call on one lock (node.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "chain.h"
#include "db.h"
#include "err.h"
#include "grow.h"
#include "hlc.h"
#include "journal.h"
#include "progress.h"
#include "record.h"

#define JOURNAL_BUSY_MS		5000
#define JOURNAL_CACHE_KIB	65536		/* 64 MiB page cache: a 1 M-row import stays in memory */
#define JOURNAL_RELEASE_AFTER	10000		/* versions in one commit */
#define JOURNAL_STATE_MAX	8		/* distinct keys written during one transaction */
#define JOURNAL_VALUE_MAX	128

static const char *const schema_steps[] = {
	/* persons: the current row per NIK (16 digits fit an INTEGER key, so the
	 * table is its own index) points at its newest version in journal, which
	 * holds the encoded row: persons stays small, so an import's random-order
	 * inserts touch few pages. Beside the pointer it keeps only the columns
	 * the local report and the unrecorded list filter on; no other index.
	 * Because of the pointer, versions are never deleted from journal. */
	"CREATE TABLE persons ("
	"  nik INTEGER PRIMARY KEY,"
	"  kecamatan INTEGER NOT NULL,"
	"  birth_date INTEGER NOT NULL,"
	"  on_dpt INTEGER NOT NULL,"
	"  recorded INTEGER NOT NULL,"
	"  recorded_at INTEGER NOT NULL,"
	"  removed INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL);"
	"CREATE TABLE journal ("
	"  seq INTEGER PRIMARY KEY,"
	"  hlc INTEGER NOT NULL,"
	"  chain BLOB NOT NULL,"
	"  enc BLOB NOT NULL);"
	"CREATE TABLE state ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL) WITHOUT ROWID;",
};

enum stmt_id {
	ST_PERSON_GET,
	ST_PERSON_PUT,
	ST_PERSON_NEW,
	ST_JOURNAL_ADD,
	ST_JOURNAL_READ,
	ST_JOURNAL_CHAIN,
	ST_JOURNAL_HLC,
	ST_JOURNAL_LAST,
	ST_STATE_GET,
	ST_STATE_SET,
	ST_STATE_DEL,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_PERSON_GET] = "SELECT j.enc FROM persons p, journal j WHERE p.nik = ?1"
			  " AND j.seq = p.seq",
	[ST_PERSON_PUT] = "INSERT INTO persons (nik, kecamatan, birth_date, on_dpt, recorded,"
			  " recorded_at, removed, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			  " ON CONFLICT (nik) DO UPDATE SET kecamatan = ?2, birth_date = ?3,"
			  " on_dpt = ?4, recorded = ?5, recorded_at = ?6, removed = ?7, seq = ?8",
	[ST_PERSON_NEW] = "INSERT INTO persons (nik, kecamatan, birth_date, on_dpt, recorded,"
			  " recorded_at, removed, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			  " ON CONFLICT (nik) DO NOTHING",
	[ST_JOURNAL_ADD] = "INSERT INTO journal (seq, hlc, chain, enc) VALUES (?1, ?2, ?3, ?4)",
	[ST_JOURNAL_READ] = "SELECT enc FROM journal WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
	[ST_JOURNAL_CHAIN] = "SELECT chain FROM journal WHERE seq = ?1",
	[ST_JOURNAL_HLC] = "SELECT hlc FROM journal WHERE seq = ?1",
	[ST_JOURNAL_LAST] = "SELECT seq, hlc, chain FROM journal ORDER BY seq DESC LIMIT 1",
	[ST_STATE_GET] = "SELECT value FROM state WHERE key = ?1",
	[ST_STATE_SET] = "INSERT INTO state (key, value) VALUES (?1, ?2)"
			 " ON CONFLICT (key) DO UPDATE SET value = ?2",
	[ST_STATE_DEL] = "DELETE FROM state WHERE key = ?1",
};

struct state_write {
	char	key[32];
	char	value[JOURNAL_VALUE_MAX];
	bool	del;
};

struct journal {
	sqlite3		*db;
	/* Reports read here: a second connection sees only committed rows
	 * (WAL), never those of an import still open on db. */
	sqlite3		*rdb;
	sqlite3_stmt	*st[ST_COUNT];
	uint16_t	node_id;
	struct hlc	hlc;
	bool		in_tx;
	/* The head including the open transaction, and the committed head. */
	uint64_t	seq;
	uint8_t		chain[KTP_HASH_LEN];
	uint64_t	c_seq;
	uint8_t		c_chain[KTP_HASH_LEN];
	uint64_t	acked;
	uint8_t		acked_chain[KTP_HASH_LEN];
	/* The row journal_get last looked up, so journal_put after it needs no
	 * second lookup: the common path of an import. */
	bool		cur_valid;
	bool		cur_exists;
	struct record	cur;
	/* State written inside the open transaction, replayed after a rollback. */
	struct state_write tx_state[JOURNAL_STATE_MAX];
	size_t		n_tx_state;
};

static int
stmt(struct journal *j, enum stmt_id id, sqlite3_stmt **ret, struct ktp_err *err)
{
	int r;

	if (j->st[id] == NULL) {
		r = db_prepare(j->db, stmt_sql[id], &j->st[id], err);
		if (r < 0)
			return r;
	}
	*ret = j->st[id];
	return 0;
}

/* Resets after use so the statement holds no read lock between calls. Bindings
 * stay: every caller binds all parameters (SQLITE_STATIC ones only live while
 * the caller's buffer does, and no step runs without a fresh bind). */
static int
step_done(struct journal *j, sqlite3_stmt *s, const char *what, struct ktp_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return db_err(j->db, rc, what, err);
}

static int
nik_key(const char *nik, sqlite3_int64 *ret, struct ktp_err *err)
{
	sqlite3_int64 v = 0;
	size_t i;

	for (i = 0; nik[i] != '\0'; i++) {
		if (nik[i] < '0' || nik[i] > '9' || i >= 16)
			break;
		v = v * 10 + (nik[i] - '0');
	}
	if (i != 16 || nik[i] != '\0')
		return ktp_err_set(err, -EINVAL, "journal: nik: not 16 digits");
	*ret = v;
	return 0;
}

/* ---- sync state ---- */

int
journal_state_get(struct journal *j, const char *key, char *buf, size_t cap, struct ktp_err *err)
{
	sqlite3_stmt *s;
	const unsigned char *v;
	int r, rc;

	if ((r = stmt(j, ST_STATE_GET, &s, err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(s, 0);
		if (snprintf(buf, cap, "%s", v ? (const char *)v : "") >= (int)cap)
			r = ktp_err_set(err, -ENOBUFS, "journal: state '%s': value too long", key);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
		ktp_err_set(err, r, "journal: state '%s': not set", key);
	} else {
		r = db_err(j->db, rc, "journal: state", err);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

static int
state_write(struct journal *j, const char *key, const char *value, struct ktp_err *err)
{
	sqlite3_stmt *s;
	int r;

	if (value == NULL) {
		if ((r = stmt(j, ST_STATE_DEL, &s, err)) < 0)
			return r;
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		return step_done(j, s, "journal: state", err);
	}
	if ((r = stmt(j, ST_STATE_SET, &s, err)) < 0)
		return r;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return step_done(j, s, "journal: state", err);
}

static void
remember_tx_state(struct journal *j, const char *key, const char *value)
{
	struct state_write *w = NULL;
	size_t i;

	for (i = 0; i < j->n_tx_state; i++)
		if (strcmp(j->tx_state[i].key, key) == 0)
			w = &j->tx_state[i];
	if (w == NULL && j->n_tx_state < JOURNAL_STATE_MAX)
		w = &j->tx_state[j->n_tx_state++];
	if (w == NULL)
		return;		/* more keys than the daemon uses; see JOURNAL_STATE_MAX */
	snprintf(w->key, sizeof(w->key), "%s", key);
	snprintf(w->value, sizeof(w->value), "%s", value ? value : "");
	w->del = value == NULL;
}

int
journal_state_set(struct journal *j, const char *key, const char *value, struct ktp_err *err)
{
	int r;

	if (strlen(key) >= sizeof(j->tx_state[0].key) ||
	    (value != NULL && strlen(value) >= JOURNAL_VALUE_MAX))
		return ktp_err_set(err, -EINVAL, "journal: state '%s': too long", key);
	if (j->in_tx) {
		if ((r = state_write(j, key, value, err)) < 0)
			return r;
		remember_tx_state(j, key, value);
		return 0;
	}
	if ((r = db_begin(j->db, err)) < 0)
		return r;
	if ((r = state_write(j, key, value, err)) < 0 || (r = db_commit(j->db, err)) < 0) {
		db_rollback(j->db);
		return r;
	}
	return 0;
}

/* ---- open and close ---- */

static int
check_node_id(struct journal *j, struct ktp_err *err)
{
	char buf[16], want[16];
	int r;

	snprintf(want, sizeof(want), "%04u", j->node_id);
	r = journal_state_get(j, "node_id", buf, sizeof(buf), err);
	if (r == -ENOENT)
		return journal_state_set(j, "node_id", want, err);
	if (r < 0)
		return r;
	if (strcmp(buf, want) != 0)
		return ktp_err_set(err, -EINVAL,
				   "journal: node.db belongs to node %s, not %s", buf, want);
	return 0;
}

static int
load_u64(struct journal *j, const char *key, uint64_t *ret, struct ktp_err *err)
{
	char buf[32], *end;
	unsigned long long v;
	int r;

	r = journal_state_get(j, key, buf, sizeof(buf), err);
	if (r == -ENOENT) {
		ktp_err_clear(err);
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return ktp_err_set(err, -EUCLEAN, "journal: state '%s': not a number", key);
	*ret = v;
	return 0;
}

static int
load_head(struct journal *j, struct ktp_err *err)
{
	sqlite3_stmt *s;
	uint64_t hlc_saved;
	int r, rc;

	if ((r = stmt(j, ST_JOURNAL_LAST, &s, err)) < 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		j->seq = (uint64_t)sqlite3_column_int64(s, 0);
		j->hlc.last = (uint64_t)sqlite3_column_int64(s, 1);
		if (sqlite3_column_bytes(s, 2) == KTP_HASH_LEN)
			memcpy(j->chain, sqlite3_column_blob(s, 2), KTP_HASH_LEN);
		else
			r = ktp_err_set(err, -EUCLEAN, "journal: seq %" PRIu64 ": bad chain", j->seq);
	} else if (rc != SQLITE_DONE) {
		r = db_err(j->db, rc, "journal: head", err);
	}
	sqlite3_reset(s);
	if (r < 0)
		return r;
	j->c_seq = j->seq;
	memcpy(j->c_chain, j->chain, KTP_HASH_LEN);
	if ((r = load_u64(j, "hlc", &hlc_saved, err)) < 0)
		return r;
	if (hlc_saved > j->hlc.last)
		j->hlc.last = hlc_saved;
	return 0;
}

static int
load_acked(struct journal *j, struct ktp_err *err)
{
	char hex[2 * KTP_HASH_LEN + 1];
	int r;

	if ((r = load_u64(j, "acked", &j->acked, err)) < 0)
		return r;
	r = journal_state_get(j, "acked_chain", hex, sizeof(hex), err);
	if (r == -ENOENT) {
		ktp_err_clear(err);
		memset(j->acked_chain, 0, KTP_HASH_LEN);
		return 0;
	}
	if (r < 0)
		return r;
	return chain_from_hex(hex, j->acked_chain, err);
}

int
journal_open(const char *state_dir, uint16_t node_id, struct journal **ret, struct ktp_err *err)
{
	struct journal *j = NULL;
	char path[PATH_MAX], pragma[64];
	int r;

	if (snprintf(path, sizeof(path), "%s/node.db", state_dir) >= (int)sizeof(path))
		return ktp_err_set(err, -ENAMETOOLONG, "journal: %s: path too long", state_dir);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return ktp_err_set(err, -ENOMEM, "journal: out of memory");
	j->node_id = node_id;
	if ((r = db_open(path, JOURNAL_BUSY_MS, &j->db, err)) < 0 ||
	    (r = db_quick_check(j->db, path, DB_JOURNAL_FIX, err)) < 0)
		goto fail;
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d", JOURNAL_CACHE_KIB);
	if ((r = db_exec(j->db, pragma, err)) < 0)
		goto fail;
	if ((r = db_migrate(j->db, schema_steps, sizeof(schema_steps) / sizeof(schema_steps[0]),
			    err)) < 0)
		goto fail;
	if ((r = check_node_id(j, err)) < 0 || (r = load_head(j, err)) < 0 ||
	    (r = load_acked(j, err)) < 0)
		goto fail;
	if ((r = db_open(path, JOURNAL_BUSY_MS, &j->rdb, err)) < 0 ||
	    (r = db_exec(j->rdb, "PRAGMA query_only = 1", err)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	journal_close(j);
	return r;
}

void
journal_close(struct journal *j)
{
	size_t i;

	if (j == NULL)
		return;
	if (j->in_tx)
		db_rollback(j->db);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(j->st[i]);
	db_close(j->rdb);
	db_close(j->db);
	free(j);
}

sqlite3 *
journal_db(struct journal *j)
{
	return j->db;
}

void
journal_release_memory(struct journal *j)
{
	if (!j->in_tx)
		(void)sqlite3_db_release_memory(j->db);
	(void)sqlite3_db_release_memory(j->rdb);
}

/* ---- transactions ---- */

int
journal_begin(struct journal *j, struct ktp_err *err)
{
	int r;

	if (j->in_tx)
		return ktp_err_set(err, -EBUSY, "journal: a transaction is already open");
	if ((r = db_begin(j->db, err)) < 0)
		return r;
	j->in_tx = true;
	j->n_tx_state = 0;
	return 0;
}

static int
save_hlc(struct journal *j, struct ktp_err *err)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, j->hlc.last);
	return state_write(j, "hlc", buf, err);
}

int
journal_commit(struct journal *j, struct ktp_err *err)
{
	int r;

	if (!j->in_tx)
		return ktp_err_set(err, -EINVAL, "journal: commit without a transaction");
	if ((r = save_hlc(j, err)) < 0 || (r = db_commit(j->db, err)) < 0) {
		journal_rollback(j);
		return r;
	}
	j->in_tx = false;
	j->n_tx_state = 0;
	/* A big import filled the page cache; an idle daemon should not keep it. */
	if (j->seq - j->c_seq >= JOURNAL_RELEASE_AFTER)
		sqlite3_db_release_memory(j->db);
	j->c_seq = j->seq;
	memcpy(j->c_chain, j->chain, KTP_HASH_LEN);
	return 0;
}

bool
journal_in_transaction(const struct journal *j)
{
	return j->in_tx;
}

void
journal_rollback(struct journal *j)
{
	struct ktp_err ignored = {0};
	size_t i, n;

	if (!j->in_tx)
		return;
	db_rollback(j->db);
	j->in_tx = false;
	j->cur_valid = false;
	j->seq = j->c_seq;
	memcpy(j->chain, j->c_chain, KTP_HASH_LEN);
	/* The HLC stays where it is: stamps only have to grow. */
	n = j->n_tx_state;
	j->n_tx_state = 0;
	for (i = 0; i < n; i++)
		journal_state_set(j, j->tx_state[i].key,
				  j->tx_state[i].del ? NULL : j->tx_state[i].value, &ignored);
}

/* ---- persons and versions ---- */

#define ENOENT_MSG "journal: nik: unknown"

int
journal_get(struct journal *j, const char *nik, struct record *ret, struct ktp_err *err)
{
	sqlite3_stmt *s;
	sqlite3_int64 key;
	int r, rc;

	if ((r = nik_key(nik, &key, err)) < 0)
		return r;
	if ((r = stmt(j, ST_PERSON_GET, &s, err)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r = record_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0),
				  &j->cur, err);
	} else if (rc == SQLITE_DONE) {
		/* The common case of an import of new persons: no formatting. */
		r = -ENOENT;
		if (err != NULL) {
			err->code = r;
			memcpy(err->msg, ENOENT_MSG, sizeof(ENOENT_MSG));
		}
	} else {
		r = db_err(j->db, rc, "journal: get", err);
	}
	sqlite3_reset(s);
	j->cur_valid = r == 0 || r == -ENOENT;
	j->cur_exists = r == 0;
	if (r == -ENOENT)
		snprintf(j->cur.nik, sizeof(j->cur.nik), "%s", nik);
	if (r == 0)
		*ret = j->cur;
	return r;
}

/* Every field but the HLC stamp, which is what makes a version new. */
static bool
same_person(const struct record *a, const struct record *b)
{
	return strcmp(a->nik, b->nik) == 0 && strcmp(a->name, b->name) == 0 &&
	       a->sex == b->sex && a->birth_date == b->birth_date &&
	       a->kecamatan == b->kecamatan && a->desa == b->desa && a->on_dpt == b->on_dpt &&
	       a->status == b->status && a->recorded_at == b->recorded_at &&
	       a->site == b->site && strcmp(a->operator_, b->operator_) == 0 &&
	       a->removed == b->removed;
}

static int
current_row(struct journal *j, const char *nik, const struct record **ret, struct ktp_err *err)
{
	struct record tmp;
	int r;

	if (!j->cur_valid || strcmp(j->cur.nik, nik) != 0) {
		r = journal_get(j, nik, &tmp, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	*ret = j->cur_exists ? &j->cur : NULL;
	return 0;
}

static int
add_version(struct journal *j, const struct record *r, const uint8_t *enc, size_t len,
	    const uint8_t chain[static KTP_HASH_LEN], struct ktp_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = stmt(j, ST_JOURNAL_ADD, &s, err)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)(j->seq + 1));
	sqlite3_bind_int64(s, 2, (sqlite3_int64)r->hlc);
	sqlite3_bind_blob(s, 3, chain, KTP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, enc, (int)len, SQLITE_STATIC);
	return step_done(j, s, "journal: append", err);
}

/* With only_new, -EEXIST (and nothing written) when the NIK is known. */
static int
store_person(struct journal *j, sqlite3_int64 key, const struct record *r, bool only_new,
	     struct ktp_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = stmt(j, only_new ? ST_PERSON_NEW : ST_PERSON_PUT, &s, err)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, key);
	sqlite3_bind_int64(s, 2, r->kecamatan);
	sqlite3_bind_int64(s, 3, r->birth_date);
	sqlite3_bind_int(s, 4, r->on_dpt);
	sqlite3_bind_int(s, 5, record_is_recorded(r));
	sqlite3_bind_int64(s, 6, r->recorded_at);
	sqlite3_bind_int(s, 7, r->removed);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)(j->seq + 1));
	if ((rc = step_done(j, s, "journal: person", err)) < 0)
		return rc;
	if (only_new && sqlite3_changes(j->db) == 0)
		return -EEXIST;
	return 0;
}

/* The person row goes first, so a known NIK under only_new costs one
 * statement and leaves nothing behind, not even a used HLC stamp. */
static int
append(struct journal *j, struct record *r, uint64_t wall_ms, bool only_new,
       struct ktp_err *err)
{
	uint8_t enc[KTP_VERSION_MAX_BYTES], chain[KTP_HASH_LEN];
	sqlite3_int64 key;
	size_t len;
	uint64_t saved_hlc = j->hlc.last;
	int rc;

	if ((rc = nik_key(r->nik, &key, err)) < 0)
		return rc;
	r->hlc = hlc_next(&j->hlc, wall_ms);
	if ((rc = record_encode(r, enc, sizeof(enc), &len, err)) < 0 ||
	    (rc = store_person(j, key, r, only_new, err)) < 0) {
		j->hlc.last = saved_hlc;
		return rc;
	}
	chain_next(j->chain, enc, len, chain);
	if ((rc = add_version(j, r, enc, len, chain, err)) < 0) {
		j->cur_valid = false;
		return rc;
	}
	j->seq++;
	memcpy(j->chain, chain, KTP_HASH_LEN);
	j->cur = *r;
	j->cur_valid = true;
	j->cur_exists = true;
	return 0;
}

int
journal_put_new(struct journal *j, struct record *r, uint64_t wall_ms, uint64_t *ret_seq,
		struct ktp_err *err)
{
	int rc;

	if (!j->in_tx)
		return ktp_err_set(err, -EINVAL, "journal: put_new outside a transaction");
	if ((rc = append(j, r, wall_ms, true, err)) < 0)
		return rc;
	*ret_seq = j->seq;
	return 0;
}

int
journal_put(struct journal *j, struct record *r, uint64_t wall_ms, uint64_t *ret_seq,
	    struct ktp_err *err)
{
	const struct record *cur;
	bool own_tx = !j->in_tx;
	int rc;

	if (own_tx && (rc = journal_begin(j, err)) < 0)
		return rc;
	if ((rc = current_row(j, r->nik, &cur, err)) < 0)
		goto fail;
	if (cur != NULL && same_person(cur, r)) {
		r->hlc = cur->hlc;
		*ret_seq = 0;
	} else {
		if ((rc = append(j, r, wall_ms, false, err)) < 0)
			goto fail;
		*ret_seq = j->seq;
	}
	if (own_tx && (rc = journal_commit(j, err)) < 0)
		return rc;
	return 0;
fail:
	if (own_tx)
		journal_rollback(j);
	return rc;
}

/* ---- reading for the pusher ---- */

int
journal_head(struct journal *j, struct journal_head *ret, struct ktp_err *err)
{
	sqlite3_stmt *s;
	int r, rc;

	memset(ret, 0, sizeof(*ret));
	ret->seq = j->c_seq;
	memcpy(ret->chain, j->c_chain, KTP_HASH_LEN);
	ret->acked = j->acked;
	memcpy(ret->acked_chain, j->acked_chain, KTP_HASH_LEN);
	if (j->acked >= j->c_seq)
		return 0;
	if ((r = stmt(j, ST_JOURNAL_HLC, &s, err)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)(j->acked + 1));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret->oldest_pending_ms = (int64_t)hlc_wall_ms((uint64_t)sqlite3_column_int64(s, 0));
	else if (rc != SQLITE_DONE)
		r = db_err(j->db, rc, "journal: head", err);
	sqlite3_reset(s);
	return r;
}

uint64_t
journal_pending_count(struct journal *j)
{
	return j->c_seq > j->acked ? j->c_seq - j->acked : 0;
}

int
journal_read(struct journal *j, uint64_t first, uint32_t max_versions, size_t max_bytes,
	     struct batch_builder *b, uint64_t *ret_last, struct ktp_err *err)
{
	sqlite3_stmt *s;
	uint64_t last = first - 1;
	size_t bytes = 0, len;
	uint32_t n = 0;
	int r, rc = SQLITE_DONE;

	if (first == 0 || first > j->c_seq || max_versions == 0) {
		*ret_last = first - 1;
		return 0;
	}
	if ((r = stmt(j, ST_JOURNAL_READ, &s, err)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)j->c_seq);
	while (n < max_versions && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		len = (size_t)sqlite3_column_bytes(s, 0);
		/* The first version always goes, so a batch is never empty. */
		if (n > 0 && bytes + len > max_bytes)
			break;
		if ((r = batch_builder_add(b, sqlite3_column_blob(s, 0), len, err)) < 0)
			break;
		bytes += len;
		n++;
		last++;
	}
	if (r == 0 && n < max_versions && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_err(j->db, rc, "journal: read", err);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (r == -EMSGSIZE && n > 0) {
		/* The builder is full: the batch ends here. */
		ktp_err_clear(err);
		r = 0;
	}
	if (r < 0)
		return r;
	*ret_last = last;
	return 0;
}

int
journal_chain_at(struct journal *j, uint64_t seq, uint8_t ret[static KTP_HASH_LEN],
		 struct ktp_err *err)
{
	sqlite3_stmt *s;
	int r, rc;

	if (seq == 0) {
		memset(ret, 0, KTP_HASH_LEN);
		return 0;
	}
	if (seq > j->c_seq)
		return ktp_err_set(err, -ENOENT, "journal: seq %" PRIu64 " beyond head %" PRIu64,
				   seq, j->c_seq);
	if ((r = stmt(j, ST_JOURNAL_CHAIN, &s, err)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == KTP_HASH_LEN)
		memcpy(ret, sqlite3_column_blob(s, 0), KTP_HASH_LEN);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		r = ktp_err_set(err, -EUCLEAN, "journal: seq %" PRIu64 ": no chain", seq);
	else
		r = db_err(j->db, rc, "journal: chain", err);
	sqlite3_reset(s);
	return r;
}

static int
save_acked(struct journal *j, uint64_t seq, const uint8_t chain[static KTP_HASH_LEN],
	   struct ktp_err *err)
{
	char num[24], hex[2 * KTP_HASH_LEN + 1];
	int r;

	snprintf(num, sizeof(num), "%" PRIu64, seq);
	chain_to_hex(chain, hex);
	if (j->in_tx) {
		if ((r = journal_state_set(j, "acked", num, err)) < 0)
			return r;
		return journal_state_set(j, "acked_chain", hex, err);
	}
	if ((r = db_begin(j->db, err)) < 0)
		return r;
	if ((r = state_write(j, "acked", num, err)) < 0 ||
	    (r = state_write(j, "acked_chain", hex, err)) < 0 ||
	    (r = db_commit(j->db, err)) < 0) {
		db_rollback(j->db);
		return r;
	}
	return 0;
}

int
journal_mark_acked(struct journal *j, uint64_t seq, const uint8_t chain[static KTP_HASH_LEN],
		   struct ktp_err *err)
{
	uint8_t ours[KTP_HASH_LEN];
	int r;

	if (seq <= j->acked)
		return 0;
	if (seq > j->c_seq)
		return ktp_err_set(err, -EPROTO,
				   "journal: hub acked seq %" PRIu64 " beyond our head %" PRIu64,
				   seq, j->c_seq);
	if ((r = journal_chain_at(j, seq, ours, err)) < 0)
		return r;
	if (memcmp(ours, chain, KTP_HASH_LEN) != 0)
		return ktp_err_set(err, -EPROTO,
				   "journal: chain at seq %" PRIu64 " differs from the hub's", seq);
	if ((r = save_acked(j, seq, chain, err)) < 0)
		return r;
	j->acked = seq;
	memcpy(j->acked_chain, chain, KTP_HASH_LEN);
	return 0;
}

/* ---- counts for the local report, and the unrecorded list ---- */

/* The columns of one row of journal_counts' query, in its order. */
static void
read_counts(sqlite3_stmt *s, struct journal_counts *c)
{
	uint64_t *v[] = { &c->persons, &c->wajib_ktp, &c->on_dpt, &c->recorded,
			  &c->dpt_unrecorded, &c->recorded_30d, &c->pemula_unrecorded,
			  &c->recorded_7d };
	int i;

	c->kecamatan = (uint32_t)sqlite3_column_int64(s, 0);
	for (i = 0; i < 8; i++)
		*v[i] = (uint64_t)sqlite3_column_int64(s, i + 1);
}

static int
collect_counts(struct journal *j, sqlite3_stmt *s, struct journal_counts **ret_rows,
	       size_t *ret_n, struct ktp_err *err)
{
	struct journal_counts *rows = NULL, *tmp;
	size_t n = 0, cap = 0;
	int rc, r;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((tmp = grow(rows, n, &cap, sizeof(*rows))) == NULL) {
			r = ktp_err_set(err, -ENOMEM, "journal: report: out of memory");
			goto fail;
		}
		rows = tmp;
		read_counts(s, &rows[n++]);
	}
	if (rc != SQLITE_DONE) {
		r = db_err(j->rdb, rc, "journal: report", err);
		goto fail;
	}
	*ret_rows = rows;
	*ret_n = n;
	return 0;
fail:
	free(rows);
	return r;
}

/* Every count follows PROTOCOL.md section 8.4 to the letter, so the node's
 * report equals the hub's for the same rows (tests/system/150 compares them). */
int
journal_counts(struct journal *j, uint32_t election_date, int64_t now,
	       struct journal_counts **ret_rows, size_t *ret_n, struct ktp_err *err)
{
	static const char sql[] =
		"SELECT kecamatan, count(*),"
		" sum(CASE WHEN birth_date > 0 THEN birth_date <= ?1 ELSE on_dpt END),"
		" sum(on_dpt), sum(recorded), sum(on_dpt AND NOT recorded),"
		" sum(recorded AND recorded_at > 0 AND recorded_at / 86400 BETWEEN ?2 AND ?3),"
		" sum(NOT recorded AND birth_date > ?4 AND birth_date <= ?1),"
		" sum(recorded AND recorded_at > 0 AND recorded_at / 86400 BETWEEN ?5 AND ?3)"
		" FROM persons WHERE removed = 0 GROUP BY kecamatan ORDER BY kecamatan";
	sqlite3_stmt *s = NULL;
	struct progress_cutoffs cut;
	int64_t today;
	int r;

	*ret_rows = NULL;
	*ret_n = 0;
	if ((r = db_prepare(j->rdb, sql, &s, err)) < 0)
		return r;
	today = progress_day(now);
	progress_cutoffs(election_date, &cut);
	sqlite3_bind_int64(s, 1, cut.wajib);
	sqlite3_bind_int64(s, 4, cut.pemula_after);
	/* "The last 30 days" are today and the 29 UTC days before it; 7 likewise. */
	sqlite3_bind_int64(s, 2, today - (PROGRESS_LONG_DAYS - 1));
	sqlite3_bind_int64(s, 3, today);
	sqlite3_bind_int64(s, 5, today - (PROGRESS_SHORT_DAYS - 1));
	r = collect_counts(j, s, ret_rows, ret_n, err);
	sqlite3_finalize(s);
	return r;
}

uint16_t
journal_node_id(const struct journal *j)
{
	return j->node_id;
}

static int
cmp_person(const void *pa, const void *pb)
{
	const struct journal_person *a = pa, *b = pb;
	int c;

	if (a->kecamatan != b->kecamatan)
		return a->kecamatan < b->kecamatan ? -1 : 1;
	if (a->desa != b->desa)
		return a->desa < b->desa ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c != 0 ? c : strcmp(a->nik, b->nik);
}

/* The place a team goes to: the desa, or for a person without one the
 * kecamatan (as desa code KKKKKK0000, which no real desa has). */
static uint64_t
site_of(const struct journal_person *p)
{
	return p->desa != 0 ? p->desa : (uint64_t)p->kecamatan * 10000;
}

static int
cmp_person_by_site(const void *pa, const void *pb)
{
	const struct journal_person *a = pa, *b = pb;
	uint64_t sa = site_of(a), sb = site_of(b);
	int c;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c != 0 ? c : strcmp(a->nik, b->nik);
}

struct site {
	uint64_t	code;
	size_t		first;		/* in the rows sorted by cmp_person_by_site */
	size_t		n;
};

static int
cmp_site(const void *pa, const void *pb)
{
	const struct site *a = pa, *b = pb;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return a->code < b->code ? -1 : a->code > b->code;
}

/* The rows desa by desa, the desa with the most first (then by code);
 * inside a desa by name. */
static int
order_by_site(struct journal_person *rows, size_t n, struct ktp_err *err)
{
	struct journal_person *out = NULL;
	struct site *sites = NULL;
	size_t n_sites = 0, i, k = 0;

	if (n < 2)
		return 0;
	qsort(rows, n, sizeof(*rows), cmp_person_by_site);
	if ((sites = calloc(n, sizeof(*sites))) == NULL ||
	    (out = malloc(n * sizeof(*out))) == NULL) {
		free(sites);
		return ktp_err_set(err, -ENOMEM, "journal: unrecorded: out of memory");
	}
	for (i = 0; i < n; i++) {
		if (n_sites == 0 || sites[n_sites - 1].code != site_of(&rows[i]))
			sites[n_sites++] = (struct site){ .code = site_of(&rows[i]), .first = i };
		sites[n_sites - 1].n++;
	}
	qsort(sites, n_sites, sizeof(*sites), cmp_site);
	for (i = 0; i < n_sites; k += sites[i].n, i++)
		memcpy(&out[k], &rows[sites[i].first], sites[i].n * sizeof(*out));
	memcpy(rows, out, n * sizeof(*rows));
	free(out);
	free(sites);
	return 0;
}

static bool
wanted(const struct journal_unrecorded_query *q, const struct record *rec)
{
	return q->desa == 0 || rec->desa == q->desa;
}

static int
collect_unrecorded(struct journal *j, sqlite3_stmt *s, const struct journal_unrecorded_query *q,
		   struct journal_person **ret_rows, size_t *ret_n, struct ktp_err *err)
{
	struct journal_person *rows = NULL, *tmp;
	struct record rec;
	size_t n = 0, cap = 0;
	int r = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = record_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0),
				  &rec, err);
		if (r < 0)
			goto fail;
		if (!wanted(q, &rec))
			continue;
		if ((tmp = grow(rows, n, &cap, sizeof(*rows))) == NULL) {
			r = ktp_err_set(err, -ENOMEM, "journal: unrecorded: out of memory");
			goto fail;
		}
		rows = tmp;
		rows[n].kecamatan = rec.kecamatan;
		rows[n].desa = rec.desa;
		rows[n].birth_date = rec.birth_date;
		rows[n].on_dpt = rec.on_dpt;
		memcpy(rows[n].nik, rec.nik, sizeof(rows[n].nik));
		memcpy(rows[n].name, rec.name, sizeof(rows[n].name));
		n++;
	}
	if (rc != SQLITE_DONE) {
		r = db_err(j->rdb, rc, "journal: unrecorded", err);
		goto fail;
	}
	*ret_rows = rows;
	*ret_n = n;
	return 0;
fail:
	free(rows);
	return r;
}

int
journal_unrecorded(struct journal *j, const struct journal_unrecorded_query *q,
		   struct journal_person **ret_rows, size_t *ret_n, struct ktp_err *err)
{
	static const char sql[] =
		"SELECT j.enc FROM persons p JOIN journal j ON j.seq = p.seq"
		" WHERE p.recorded = 0 AND p.removed = 0"
		" AND (?1 = 0 OR p.kecamatan = ?1)"
		" AND (CASE WHEN ?2 = 0 THEN p.on_dpt = 1"
		"  ELSE p.birth_date > ?3 AND p.birth_date <= ?4 END)";
	struct journal_person *rows = NULL;
	struct progress_cutoffs cut;
	sqlite3_stmt *s = NULL;
	size_t n = 0;
	int r;

	if ((r = db_prepare(j->rdb, sql, &s, err)) < 0)
		return r;
	progress_cutoffs(q->pemula_of, &cut);
	sqlite3_bind_int64(s, 1, q->kecamatan);
	sqlite3_bind_int64(s, 2, q->pemula_of);
	sqlite3_bind_int64(s, 3, cut.pemula_after);
	sqlite3_bind_int64(s, 4, cut.wajib);
	r = collect_unrecorded(j, s, q, &rows, &n, err);
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	if (q->by_site)
		r = order_by_site(rows, n, err);
	else if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_person);
	if (r < 0) {
		free(rows);
		return r;
	}
	*ret_rows = rows;
	*ret_n = n;
	return 0;
}
