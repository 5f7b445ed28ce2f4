/* SPDX-License-Identifier: ISC */
/* apply — the hub's exactly-once rule for one opened batch, in one SQLite transaction.
 * Applies only if first <= acked+1 <= last and the chain at first-1 matches; skips <= acked;
 * LWW by (HLC, node id), conflicts recorded, aggregates and cursor updated; answers after commit. */
#ifndef KTP_APPLY_H
#define KTP_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;
struct store;
struct batch_header;

enum apply_outcome {
	APPLY_OK,		/* 200: applied (or a harmless replay), acked = new cursor */
	APPLY_GAP,		/* 409: first > acked + 1; resume from acked */
	APPLY_DIVERGED,		/* 409: chain mismatch; the node must stop */
	APPLY_BAD,		/* 400: a version failed to decode or is invalid; nothing applied */
	APPLY_STALE,		/* 400: a heartbeat whose stamp is not after the last; nothing written */
};

struct apply_result {
	enum apply_outcome outcome;
	uint64_t	acked;			/* the cursor after this call */
	uint8_t		chain[KTP_HASH_LEN];	/* chain hash at acked */
	uint64_t	applied;		/* versions newly applied by this call */
	uint64_t	skipped;		/* versions <= acked before the call */
	uint64_t	heartbeat_ms;		/* a heartbeat: the node's last stamp after the call */
	/* Versions stamped more than max_skew_ms ahead of the hub's clock,
	 * applied with the hub's clock instead (apply_batch_at), and the seqs
	 * of the first and last of them. */
	uint64_t	future;
	uint64_t	future_first;
	uint64_t	future_last;
};

/* hdr and plain come from batch_open (already verified and decrypted); wire_len
 * is counted in the node's bytes; now is Unix seconds. Returns 0 with an
 * outcome, or -errno when the store failed (-ENOSPC disk full, -EBUSY) and
 * nothing was applied; err then says why, as it does for APPLY_BAD. */
int	apply_batch(struct store *s, const struct batch_header *hdr, const uint8_t *plain,
		    size_t plain_len, size_t wire_len, int64_t now, struct apply_result *ret,
		    struct ktp_err *err);
/* apply_batch at the hub's clock now_ms (Unix milliseconds): a version whose
 * HLC wall time is more than max_skew_ms ahead of it takes part in
 * last-writer-wins, and is stored, with hlc_make(now_ms, 0) instead of its own
 * stamp, and is counted in ret->future. max_skew_ms 0: no bound (apply_batch). */
int	apply_batch_at(struct store *s, const struct batch_header *hdr, const uint8_t *plain,
		       size_t plain_len, size_t wire_len, uint64_t now_ms, uint64_t max_skew_ms,
		       struct apply_result *ret, struct ktp_err *err);

#endif
