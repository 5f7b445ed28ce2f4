/* SPDX-License-Identifier: ISC */
/* journal — the node's SQLite state: current persons, the append-only version journal
 * (seq without gaps, HLC, chain hash, encoded version), sync state, the report's counts.
 * One writer; each write commits (synchronous=FULL) before it returns. No logs, no JSON. */
#ifndef KTP_JOURNAL_H
#define KTP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "proto.h"

struct ktp_err;
struct journal;
struct record;
struct batch_builder;

struct journal_head {
	uint64_t	seq;				/* last appended seq, 0 = empty */
	uint8_t		chain[KTP_HASH_LEN];		/* chain hash at seq */
	uint64_t	acked;				/* highest seq the hub acked */
	uint8_t		acked_chain[KTP_HASH_LEN];
	int64_t		oldest_pending_ms;		/* HLC wall time of acked+1, 0 = none */
};

/* Opens or creates STATE_DIR/node.db (migrating it); node_id stamps nothing
 * in the rows but is checked against the stored one (-EINVAL if it changed). */
int	journal_open(const char *state_dir, uint16_t node_id, struct journal **ret,
		     struct ktp_err *err);
void	journal_close(struct journal *j);		/* NULL is a no-op */
sqlite3	*journal_db(struct journal *j);			/* borrowed, for tests */
/* Drops the page cache's unused pages (an import or a catch-up push fills
 * up to 64 MiB of it); an idle node does not need them. Outside a transaction. */
void	journal_release_memory(struct journal *j);

int	journal_head(struct journal *j, struct journal_head *ret, struct ktp_err *err);
/* Committed versions the hub has not acked yet (head - acked). */
uint64_t journal_pending_count(struct journal *j);

/* Transactions for ingest: all of a file in one. Not thread-safe: callers serialise every
 * call. While a transaction is open, journal_head/read/chain_at/pending_count see only
 * committed versions, and state written meanwhile (acked, paused) survives a rollback. */
int	journal_begin(struct journal *j, struct ktp_err *err);
int	journal_commit(struct journal *j, struct ktp_err *err);
void	journal_rollback(struct journal *j);
bool	journal_in_transaction(const struct journal *j);

/* Current row of a NIK; -ENOENT when unknown. */
int	journal_get(struct journal *j, const char *nik, struct record *ret, struct ktp_err *err);
/* Stamps r->hlc from wall_ms, appends a version if r differs from the current
 * row (identical values create none: *ret_seq = 0, r->hlc = the current stamp),
 * updates the current row and the chain. Outside a transaction it commits its own. */
int	journal_put(struct journal *j, struct record *r, uint64_t wall_ms, uint64_t *ret_seq,
		    struct ktp_err *err);
/* Inside a transaction: appends r as a new person, or returns -EEXIST (nothing
 * written, no message) when the NIK is known. One lookup fewer than get + put for
 * the common case of an import: new persons. */
int	journal_put_new(struct journal *j, struct record *r, uint64_t wall_ms, uint64_t *ret_seq,
			struct ktp_err *err);

/* Adds versions first.. (up to max_versions and about max_bytes of encoded
 * data) to b; *ret_last is the last seq added (first - 1 if none). */
int	journal_read(struct journal *j, uint64_t first, uint32_t max_versions, size_t max_bytes,
		     struct batch_builder *b, uint64_t *ret_last, struct ktp_err *err);
/* Chain hash at seq (0 gives 32 zero bytes). */
int	journal_chain_at(struct journal *j, uint64_t seq, uint8_t ret[static KTP_HASH_LEN],
			 struct ktp_err *err);
/* Moves acked forward only (a smaller seq is ignored); -EPROTO if the hub's
 * chain at seq differs from ours or seq is beyond our head (the journal
 * diverged, e.g. restored from an old backup). Sets no state itself. */
int	journal_mark_acked(struct journal *j, uint64_t seq, const uint8_t chain[static KTP_HASH_LEN],
			   struct ktp_err *err);

/* One kecamatan's figures for the node's report (nodereport.c renders them), as
 * PROTOCOL.md 8.4 defines them for the hub's: live persons (removed ones are not
 * counted), wajib KTP and pemula by the cutoffs of the election date, recordings on
 * today and the 29 (6) UTC days before. pemula_unrecorded counts whom
 * journal_unrecorded lists for pemula_of = the election date (0 without one). */
struct journal_counts {
	uint32_t	kecamatan;
	uint64_t	persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded, recorded_30d;
	uint64_t	pemula_unrecorded, recorded_7d;
};

/* The counts of each kecamatan from the committed rows (never those of an open
 * import), in code order. now is Unix seconds; election_date YYYYMMDD (0 = none).
 * New array the caller frees with free() (NULL when *ret_n is 0). */
int	journal_counts(struct journal *j, uint32_t election_date, int64_t now,
		       struct journal_counts **ret_rows, size_t *ret_n, struct ktp_err *err);
/* The node id the journal was opened for. */
uint16_t journal_node_id(const struct journal *j);
/* Who journal_unrecorded lists: live persons not recorded, either voters on the roll
 * (pemula_of 0) or the first-time voters (pemula) of the election on pemula_of
 * (YYYYMMDD): 17 but not yet 18 on that day, i.e. born after it minus 18 years and on
 * or before it minus 17 years, whether or not on the roll. */
struct journal_unrecorded_query {
	uint32_t	kecamatan;	/* 0 = every kecamatan */
	uint64_t	desa;		/* 0 = every desa */
	uint32_t	pemula_of;	/* election date YYYYMMDD, 0 = voters on the roll */
	bool		by_site;	/* desa by desa, the desa with the most first */
};

struct journal_person {
	char		nik[17];
	char		name[KTP_NAME_MAX + 1];
	uint32_t	kecamatan;
	uint64_t	desa;		/* 0 = none */
	uint32_t	birth_date;	/* YYYYMMDD, 0 = unknown */
	bool		on_dpt;
};

/* The persons q selects from the committed rows (never those of an open import),
 * ordered by kecamatan, desa, name, nik; with by_site by desa (a person without
 * one counts under the kecamatan), the desa with the most first, then by code, then
 * name. New array the caller frees with free() (NULL when *ret_n is 0). */
int	journal_unrecorded(struct journal *j, const struct journal_unrecorded_query *q,
			   struct journal_person **ret_rows, size_t *ret_n, struct ktp_err *err);

/* Small persisted key/value sync state ("paused", "diverged", ...): keys up to 31
 * bytes, values up to 127 (-EINVAL beyond). Kept: node_id, acked, acked_chain, hlc. */
int	journal_state_get(struct journal *j, const char *key, char *buf, size_t cap,
			  struct ktp_err *err);	/* -ENOENT when unset */
int	journal_state_set(struct journal *j, const char *key, const char *value,
			  struct ktp_err *err);	/* value NULL deletes */

#endif
