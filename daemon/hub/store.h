/* SPDX-License-Identifier: ISC */
/* store — the hub's SQLite state: schema and migrations, person rows, node cursors, conflicts.
 * Owns the database handle; apply and aggregate work inside its transactions.
 * Never logs; read queries for reports, nodes and conflicts return jansson objects. */
#ifndef KTP_STORE_H
#define KTP_STORE_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "proto.h"

struct ktp_err;
struct store;

/* Per-node progress, as kept by the hub (the authority on how far a node got). */
struct store_node {
	uint16_t	code;
	uint64_t	acked;				/* highest applied seq, 0 = none */
	uint8_t		chain[KTP_HASH_LEN];		/* chain hash at acked */
	uint64_t	head;				/* node's journal head at last contact */
	int64_t		last_seen;			/* Unix seconds, 0 = never */
	int64_t		last_push;			/* last successful apply, 0 = never */
	uint64_t	versions;			/* versions applied in total */
	uint64_t	bytes;				/* wire bytes received in total */
	char		last_error[256];
};

/* Opens or creates STATE_DIR/hub.db and migrates it. */
int	store_open(const char *state_dir, struct store **ret, struct ktp_err *err);
void	store_close(struct store *s);			/* NULL is a no-op */
sqlite3	*store_db(struct store *s);			/* borrowed */
/* A node that never pushed reads as acked 0 with a zero chain. */
int	store_node_get(struct store *s, uint16_t code, struct store_node *ret, struct ktp_err *err);
/* Records a refused push (time and reason) without touching progress. */
int	store_node_note_error(struct store *s, uint16_t code, int64_t now, const char *reason,
			      struct ktp_err *err);
/* [{code, name?, acked, chain, head, last_seen, last_push, versions, bytes, last_error}] */
int	store_nodes_json(struct store *s, json_t **ret, struct ktp_err *err);
/* [{nik_masked, winner_node, loser_node, winner_hlc, loser_hlc, at}] newest first, at most limit. */
int	store_conflicts_json(struct store *s, unsigned limit, json_t **ret, struct ktp_err *err);

#endif
