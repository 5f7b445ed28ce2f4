/* SPDX-License-Identifier: ISC */
/* nodelist — the hub's node rows, as /v1/nodes, `ktpctl nodes` and the regency page show them.
 * Merges the store's cursors with the enrolled list into one array sorted by code, and
 * encodes it to JSON once, at the edge. Pure: reads no store and takes no lock. */
#ifndef KTP_NODELIST_H
#define KTP_NODELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto.h"
#include "store.h"

struct enroll;

/* One node: its cursor at the hub (all zero when it never contacted it) and,
 * when enrolled, its configured name. */
struct nodelist_row {
	struct store_node	n;
	bool			stored;			/* the store has a row for it */
	bool			enrolled;
	char			name[KTP_NAME_MAX + 1];	/* "" when not enrolled */
};

struct nodelist {
	struct nodelist_row	*rows;			/* by code */
	size_t			n;
};

/* Every stored row and every enrolled node without one (at acked 0), each
 * enrolled row named, sorted by code. ret is filled on success; free it with
 * nodelist_done. -ENOMEM. */
int	nodelist_merge(const struct store_node *stored, size_t n_stored, const struct enroll *e,
		       struct nodelist *ret);
void	nodelist_done(struct nodelist *l);		/* empties it; a zeroed list is a no-op */
/* Versions applied, summed over the rows. */
uint64_t nodelist_versions(const struct nodelist *l);
/* [{code, acked, chain, head, pending, last_seen, last_push, last_contact,
 * last_data, versions, bytes, last_error, last_error_at, name?}]: a new array,
 * NULL when out of memory. last_contact (= last_seen) is the last authenticated
 * push or heartbeat; last_data (= last_push) the last push that applied versions.
 * A stored row carries its name last, an enrolled node the hub never heard
 * from second (after code); a row not enrolled has none. */
json_t	*nodelist_json(const struct nodelist *l);

#endif
