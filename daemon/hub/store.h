/* SPDX-License-Identifier: ISC */
/* store — the hub's SQLite state: schema and migrations, person rows, node cursors, conflicts.
 * Owns the database handle; apply and aggregate work inside its transactions.
 * Never logs; node rows are read as structs (store_nodes), conflicts as jansson objects. */
#ifndef KTP_STORE_H
#define KTP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "aggregate.h"
#include "proto.h"

struct ktp_err;
struct progress_cutoffs;
struct store;

/* Per-node progress, as kept by the hub (the authority on how far a node got). */
struct store_node {
	uint16_t	code;
	uint64_t	acked;				/* highest applied seq, 0 = none */
	uint8_t		chain[KTP_HASH_LEN];		/* chain hash at acked */
	uint64_t	head;				/* node's journal head at last contact */
	int64_t		last_seen;			/* last_contact: signed push, 0 = never */
	int64_t		last_push;			/* last_data: applied versions, 0 = never */
	uint64_t	versions;			/* versions applied in total */
	uint64_t	bytes;				/* wire bytes received in total */
	char		last_error[256];
	int64_t		last_error_at;			/* 0 = never */
	uint64_t	heartbeat_ms;			/* stamp of its last heartbeat, 0 = none */
};

/* Opens or creates STATE_DIR/hub.db, migrates it and reads every person's
 * NIK into memory (about a second for five million persons). */
int	store_open(const char *state_dir, struct store **ret, struct ktp_err *err);
/* Person rows stored, removed persons included. */
size_t	store_persons(const struct store *s);
void	store_close(struct store *s);			/* NULL is a no-op */
sqlite3	*store_db(struct store *s);			/* borrowed */
/* A read of the database, for /healthz: 0 while it answers. */
int	store_ping(struct store *s, struct ktp_err *err);
/* A node that never pushed reads as acked 0 with a zero chain. */
int	store_node_get(struct store *s, uint16_t code, struct store_node *ret, struct ktp_err *err);
/* Records a refused push (time and reason) without touching progress; also
 * its last contact. Only for a push whose signature verified: nothing a
 * stranger sends may change a node's row. */
int	store_node_note_error(struct store *s, uint16_t code, int64_t now, const char *reason,
			      struct ktp_err *err);
/* Sets the node's cursor to acked 0 with a zero chain (DIVERGED recovery), in
 * one transaction; person rows, head and counters stay. *ret_old_acked is the
 * acked before. -ENOENT when the node has no cursor row. */
int	store_node_reset(struct store *s, uint16_t code, uint64_t *ret_old_acked,
			 struct ktp_err *err);
/* Every node row the store holds, by code, as a new array the caller free()s
 * (NULL with *ret_n 0 when there is none). last_seen is the last authenticated
 * push or heartbeat (last_contact), last_push the last push that applied
 * versions (last_data). nodelist.c merges them with the enrolled list. */
int	store_nodes(struct store *s, struct store_node **ret, size_t *ret_n, struct ktp_err *err);
/* ISO 8601 UTC ("2026-11-22T13:05:00Z") as a new JSON string, or JSON null
 * for 0 (never): how every time in the hub's JSON reads. */
json_t	*store_json_time(int64_t t);
/* An HLC as JSON: an integer up to 2^63 - 1, above that its unsigned decimal
 * digits as a string (JSON readers hold signed 64-bit integers). */
json_t	*store_json_hlc(uint64_t hlc);
/* [{nik_masked, winner_node, loser_node, winner_hlc, loser_hlc, at}] newest first, at most limit. */
int	store_conflicts_json(struct store *s, unsigned limit, json_t **ret, struct ktp_err *err);

/* wajib_ktp counts persons 17 or older on the election date, pemula_unrecorded
 * those 17 but not yet 18. The aggregates keep both counts for one election
 * date (progress_cutoffs), so a report needs no scan; a changed date recounts
 * every aggregate, kecamatan and desa, from the person rows once, in one
 * transaction. Call after store_open with the configured date;
 * until then the date is the one last set (0 on a new store: nobody with a
 * known birth date counts). */
int	store_set_election_date(struct store *s, uint32_t yyyymmdd, struct ktp_err *err);
uint32_t store_election_date(const struct store *s);
/* YYYYMMDD born on or before it is wajib_ktp; 0 when no date is set. */
uint32_t store_wajib_cutoff(const struct store *s);
/* The cutoffs of the current election date. */
void	store_cutoffs(const struct store *s, struct progress_cutoffs *ret);

/* Recordings per desa serve only the report's last 30 days: the store keeps
 * them from STORE_DESA_DAYS_KEPT days before now on (a margin for a clock
 * set back) and drops older days, so a backlog of old recordings costs no
 * per-desa row. Called at start; the first day only moves forward. A new
 * store keeps every day until then. */
#define STORE_DESA_DAYS_KEPT 40
int	store_trim_desa_days(struct store *s, int64_t now, struct ktp_err *err);
/* The first day (since 1970-01-01 UTC) of recordings kept per desa, 0 = all. */
int64_t	store_desa_from(const struct store *s);

/* 0 when the incremental aggregates (kecamatan and desa counters, pemula
 * included, and both daily recordings) equal a recount from the person rows,
 * else -EUCLEAN naming the first kecamatan or desa that differs (aggregate_verify).
 * Reads every person row: for tests, fault checks and operators, not reports. */
int	store_verify(struct store *s, struct ktp_err *err);

/* --- For apply.c and aggregate.c: they run inside one store transaction. --- */

struct record;
struct aggregate;

/* A stored person as apply needs it (no name, no operator). */
struct store_person {
	int64_t			id;		/* the row, for store_person_update */
	uint64_t		hlc;
	uint16_t		node;
	struct aggregate_person	agg;
};

/* 1 found, 0 absent, or -errno. nik is the 16 digits as an integer. */
int	store_person_get(struct store *s, uint64_t nik, struct store_person *ret,
			 struct ktp_err *err);
/* Inserts a person new to the hub: 1 inserted, 0 when the NIK is stored
 * already (nothing written), or -errno. */
int	store_person_put(struct store *s, uint64_t nik, const struct record *r, uint16_t node,
			 struct ktp_err *err);
/* Replaces row id (from store_person_get) with r. */
int	store_person_update(struct store *s, int64_t id, const struct record *r, uint16_t node,
			    struct ktp_err *err);
int	store_conflict_add(struct store *s, uint64_t nik, uint16_t winner, uint64_t winner_hlc,
			   uint16_t loser, uint64_t loser_hlc, int64_t at, struct ktp_err *err);
/* Sets the cursor after an apply: acked, chain, head, last_seen and last_push
 * = now, versions += applied, bytes += bytes. */
int	store_node_advance(struct store *s, const struct store_node *n, uint64_t applied,
			   uint64_t bytes, int64_t now, struct ktp_err *err);
/* A replayed batch, which changed nothing: head and bytes; not last_seen, since
 * anyone who captured the batch could send it again. */
int	store_node_touch(struct store *s, uint16_t code, uint64_t head, uint64_t bytes,
			 struct ktp_err *err);
/* A heartbeat whose stamp sent_ms is after the node's last (PROTOCOL.md 5.5):
 * head, last_seen = now, bytes, heartbeat_ms = sent_ms. */
int	store_node_heartbeat(struct store *s, uint16_t code, uint64_t head, uint64_t sent_ms,
			     uint64_t bytes, int64_t now, struct ktp_err *err);
/* The aggregate delta the current transaction accumulates into. */
struct aggregate *store_aggregate(struct store *s);
/* The transaction apply writes in. store_rollback also takes back what the
 * transaction put into the NIK directory and the aggregate delta; call it
 * after any failure, store_commit's included. */
int	store_begin(struct store *s, struct ktp_err *err);
int	store_commit(struct store *s, struct ktp_err *err);
void	store_rollback(struct store *s);

#endif
