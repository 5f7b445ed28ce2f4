/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "apply.h"
#include "batch.h"
#include "chain.h"
#include "err.h"
#include "hlc.h"
#include "progress.h"
#include "record.h"
#include "store.h"

/*
 * The exactly-once rule, for a node whose hub cursor is (acked, chain):
 *
 *   count = 0 ................ HEARTBEAT: a fresh stamp is contact, then
 *                              as a batch first = head + 1; else STALE [apply_heartbeat]
 *   last <= acked ............ REPLAY: nothing to do, APPLY_OK at acked  [apply_replay]
 *   first > acked + 1 ........ GAP: APPLY_GAP, the node resumes at acked  [apply_batch]
 *   first <= acked+1 <= last . check every version first:                 [check_versions]
 *       seq <  acked+1: hash only; at seq == acked (or at first-1 when
 *                       first == acked+1) the hash must equal the stored
 *                       chain, else DIVERGED: the node's journal is not
 *                       the one the hub applied (rewound or forked).
 *       seq >= acked+1: must decode, else APPLY_BAD.
 *   then in ONE transaction:                                              [apply_versions]
 *       each new version in journal order: last-writer-wins by (HLC, node),
 *       a conflict row when the stored version is another node's, the
 *       aggregate delta; then aggregates, cursor (acked = last, chain at
 *       last), COMMIT                                                     [apply_commit]
 *
 * Nothing is written before every version checked out, and everything
 * written is one transaction, so APPLY_BAD, DIVERGED and a failed commit
 * (disk full) leave the store exactly as it was; the result is filled only
 * after the commit returned.
 */

struct walk {
	struct store	*s;
	const struct batch_header *hdr;
	struct store_node node;		/* cursor before, then after */
	uint8_t		chain[KTP_HASH_LEN];
	uint64_t	applied;
	uint64_t	skipped;
	int64_t		now;
	struct progress_cutoffs cut;
	uint64_t	now_ms;
	uint64_t	max_stamp;	/* stamps above it are in the future; UINT64_MAX: no bound */
	uint64_t	future;		/* versions restamped with the hub's clock */
	uint64_t	future_first;
	uint64_t	future_last;
	/* The versions > acked, in journal order, decoded once by
	 * check_versions: about 250 bytes a version (2.5 MB for 10 000), held
	 * only while the store lock is, one batch at a time; decoding again in
	 * apply_versions cost 5 % of apply's CPU. */
	struct record	*recs;
	size_t		nrecs;
};

static uint64_t
nik_number(const char *nik)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < 16; i++)
		n = n * 10 + (uint64_t)(nik[i] - '0');
	return n;
}

static int
record_conflict(struct walk *w, uint64_t nik, const struct record *rec,
		const struct store_person *old, bool wins, struct ktp_err *err)
{
	uint16_t node = w->hdr->node_id;

	if (wins)
		return store_conflict_add(w->s, nik, node, rec->hlc, old->node, old->hlc, w->now,
					  err);
	return store_conflict_add(w->s, nik, old->node, old->hlc, node, rec->hlc, w->now, err);
}

/* Last-writer-wins for one decoded version. */
static int
apply_version(struct walk *w, uint64_t nik, const struct record *rec, struct ktp_err *err)
{
	struct aggregate *agg = store_aggregate(w->s);
	struct aggregate_person neu;
	struct store_person old;
	uint16_t node = w->hdr->node_id;
	bool wins;
	int r;

	aggregate_person_from_record(rec, &neu);
	if ((r = store_person_put(w->s, nik, rec, node, err)) < 0)
		return r;
	if (r == 0) {	/* stored already */
		if ((r = store_person_get(w->s, nik, &old, err)) < 0)
			return r;
		if (r == 0)
			return ktp_err_set(err, -EUCLEAN, "apply: person row vanished");
		wins = hlc_cmp(rec->hlc, node, old.hlc, old.node) > 0;
		if (old.node != node &&
		    (r = record_conflict(w, nik, rec, &old, wins, err)) < 0)
			return r;
		if (!wins)
			return 0;
		if ((r = aggregate_add(agg, &old.agg, -1, &w->cut)) < 0)
			return ktp_err_set(err, r, "apply: aggregate: out of memory");
		if ((r = store_person_update(w->s, old.id, rec, node, err)) < 0)
			return r;
	}
	if ((r = aggregate_add(agg, &neu, +1, &w->cut)) < 0)
		return ktp_err_set(err, r, "apply: aggregate: out of memory");
	return 0;
}

/* The node's chain at seq differs from the hub's: DIVERGED, with the place. */
static int
diverged(struct walk *w, uint64_t seq, enum apply_outcome *outcome, struct ktp_err *err)
{
	*outcome = APPLY_DIVERGED;
	ktp_err_set(err, -ESTALE, "batch %llu..%llu: chain at seq %llu differs from the hub's"
		    " (journal rewound or forked)", (unsigned long long)w->hdr->first,
		    (unsigned long long)w->hdr->last, (unsigned long long)seq);
	return 0;
}

/* A version the batch could not deliver: APPLY_BAD, with the place in front. */
static int
bad_version(struct walk *w, uint64_t seq, enum apply_outcome *outcome, struct ktp_err *err)
{
	*outcome = APPLY_BAD;
	ktp_err_prefix(err, "batch %llu..%llu: seq %llu", (unsigned long long)w->hdr->first,
		       (unsigned long long)w->hdr->last, (unsigned long long)seq);
	return 0;
}

/* A stamp more than max_clock_skew ahead of the hub's clock (a node whose
 * clock once jumped years ahead keeps that HLC for good, and 2^63 would beat
 * every later write) takes part in last-writer-wins, and is stored, with the
 * hub's clock at apply instead: any later write corrects it. The chain covers
 * the bytes as sent, so only the decoded copy changes. */
static void
bound_stamp(struct walk *w, uint64_t seq, struct record *rec)
{
	if (rec->hlc <= w->max_stamp)
		return;
	rec->hlc = hlc_make(w->now_ms, 0);
	if (w->future++ == 0)
		w->future_first = seq;
	w->future_last = seq;
}

/* Checks every version without writing anything; returns 0 with *outcome
 * set, or -errno. Versions up to acked are hashed only; the others must
 * decode and are kept in w->recs. */
static int
check_versions(struct walk *w, const uint8_t *plain, size_t plain_len,
	       enum apply_outcome *outcome, struct ktp_err *err)
{
	struct batch_reader rd;
	const uint8_t *enc;
	size_t len;
	uint64_t seq;

	*outcome = APPLY_OK;
	memcpy(w->chain, w->hdr->prev_chain, KTP_HASH_LEN);
	if (w->hdr->first == w->node.acked + 1 &&
	    memcmp(w->chain, w->node.chain, KTP_HASH_LEN) != 0)
		return diverged(w, w->node.acked, outcome, err);
	batch_reader_init(&rd, plain, plain_len);
	for (seq = w->hdr->first; seq <= w->hdr->last; seq++) {
		if (batch_reader_next(&rd, &enc, &len, err) < 0)
			return bad_version(w, seq, outcome, err);
		if (enc == NULL) {
			ktp_err_set(err, -EPROTO, "payload ends before this version");
			return bad_version(w, seq, outcome, err);
		}
		chain_next(w->chain, enc, len, w->chain);
		if (seq <= w->node.acked) {
			w->skipped++;
			if (seq == w->node.acked &&
			    memcmp(w->chain, w->node.chain, KTP_HASH_LEN) != 0)
				return diverged(w, seq, outcome, err);
			continue;
		}
		if (record_decode(enc, len, &w->recs[w->nrecs], err) < 0)
			return bad_version(w, seq, outcome, err);
		bound_stamp(w, seq, &w->recs[w->nrecs]);
		w->nrecs++;
	}
	if (rd.off != rd.len) {
		*outcome = APPLY_BAD;
		ktp_err_set(err, -EPROTO, "batch %llu..%llu: %zu bytes after the last version",
			    (unsigned long long)w->hdr->first, (unsigned long long)w->hdr->last,
			    rd.len - rd.off);
	}
	return 0;
}

/* Inside the transaction: every new version, in journal order. */
static int
apply_versions(struct walk *w, struct ktp_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < w->nrecs; i++) {
		if ((r = apply_version(w, nik_number(w->recs[i].nik), &w->recs[i], err)) < 0)
			return r;
		w->applied++;
	}
	return 0;
}

static int
apply_commit(struct walk *w, size_t wire_len, struct ktp_err *err)
{
	int r;

	if ((r = aggregate_flush(store_aggregate(w->s), err)) < 0)
		return r;
	w->node.acked = w->hdr->last;
	memcpy(w->node.chain, w->chain, KTP_HASH_LEN);
	w->node.head = w->hdr->head > w->hdr->last ? w->hdr->head : w->hdr->last;
	if ((r = store_node_advance(w->s, &w->node, w->applied, wire_len, w->now, err)) < 0)
		return r;
	return store_commit(w->s, err);
}

/* A batch that is entirely applied already: harmless, acked unchanged. When
 * it ends exactly at acked its chain must still match, so a rewound journal
 * that resends its last versions with other contents is caught too. */
static int
apply_replay(struct walk *w, const uint8_t *plain, size_t plain_len, size_t wire_len,
	     struct apply_result *ret, struct ktp_err *err)
{
	struct batch_reader rd;
	const uint8_t *enc;
	size_t len;
	uint64_t seq;
	int r;

	/* ret->acked and ret->chain already hold the cursor. */
	if (w->hdr->last == w->node.acked) {
		memcpy(w->chain, w->hdr->prev_chain, KTP_HASH_LEN);
		batch_reader_init(&rd, plain, plain_len);
		for (seq = w->hdr->first; seq <= w->hdr->last; seq++) {
			if (batch_reader_next(&rd, &enc, &len, err) < 0 || enc == NULL) {
				ret->outcome = APPLY_BAD;
				ktp_err_set(err, -EPROTO, "batch %llu..%llu: bad framing",
					    (unsigned long long)w->hdr->first,
					    (unsigned long long)w->hdr->last);
				return 0;
			}
			chain_next(w->chain, enc, len, w->chain);
		}
		if (memcmp(w->chain, w->node.chain, KTP_HASH_LEN) != 0)
			return diverged(w, w->node.acked, &ret->outcome, err);
	}
	if ((r = store_node_touch(w->s, w->hdr->node_id, w->hdr->head, wire_len, err)) < 0)
		return r;
	ret->outcome = APPLY_OK;
	ret->skipped = w->hdr->last - w->hdr->first + 1;
	return 0;
}

/* A heartbeat (PROTOCOL.md 5.5) applies nothing. A stamp not after the
 * node's last heartbeat is a replay (anyone who captured it could send it
 * again): APPLY_STALE, nothing written. Otherwise the contact is recorded
 * first, then the answer is the exactly-once rule's for first = head + 1: a
 * gap, or a replay whose chain at acked must match when head = acked. */
static int
apply_heartbeat(struct walk *w, const uint8_t *plain, size_t plain_len, size_t wire_len,
		struct apply_result *ret, struct ktp_err *err)
{
	const struct batch_header *h = w->hdr;
	uint64_t sent;
	int r;

	if (plain_len != BATCH_HEARTBEAT_PLAIN_LEN) {
		ret->outcome = APPLY_BAD;
		ktp_err_set(err, -EPROTO, "heartbeat at seq %llu: payload of %zu bytes, need %u",
			    (unsigned long long)h->head, plain_len, BATCH_HEARTBEAT_PLAIN_LEN);
		return 0;
	}
	sent = batch_heartbeat_ms(plain);
	ret->heartbeat_ms = w->node.heartbeat_ms;
	if (sent <= w->node.heartbeat_ms) {
		ret->outcome = APPLY_STALE;
		ktp_err_set(err, -EALREADY, "heartbeat at seq %llu: stamp %llu is not after the "
			    "node's last, %llu (a replay)", (unsigned long long)h->head,
			    (unsigned long long)sent, (unsigned long long)w->node.heartbeat_ms);
		return 0;
	}
	if ((r = store_node_heartbeat(w->s, h->node_id, h->head, sent, wire_len, w->now, err)) < 0)
		return r;
	ret->heartbeat_ms = sent;
	if (h->first > w->node.acked + 1) {
		ret->outcome = APPLY_GAP;
		return 0;
	}
	if (h->last == w->node.acked &&
	    memcmp(h->prev_chain, w->node.chain, KTP_HASH_LEN) != 0)
		return diverged(w, w->node.acked, &ret->outcome, err);
	ret->outcome = APPLY_OK;
	return 0;
}

static int
check_header(const struct batch_header *hdr, struct ktp_err *err)
{
	if (hdr->count > KTP_BATCH_MAX_VERSIONS)
		return ktp_err_set(err, -EMSGSIZE, "batch %llu..%llu: %u versions, limit %u",
				   (unsigned long long)hdr->first, (unsigned long long)hdr->last,
				   hdr->count, KTP_BATCH_MAX_VERSIONS);
	if (hdr->count == 0 && hdr->first != 0 && hdr->last == hdr->first - 1)
		return 0;	/* a heartbeat: a replay or a gap, never an apply */
	if (hdr->first == 0 || hdr->last < hdr->first ||
	    hdr->last - hdr->first + 1 != hdr->count)
		return ktp_err_set(err, -EPROTO, "batch %llu..%llu: count %u does not match the range",
				   (unsigned long long)hdr->first, (unsigned long long)hdr->last,
				   hdr->count);
	return 0;
}

/* Runs the transaction: versions, aggregates, cursor, commit; or nothing. */
static int
apply_transaction(struct walk *w, size_t wire_len, struct ktp_err *err)
{
	int r;

	if ((r = store_begin(w->s, err)) < 0)
		return r;
	if ((r = apply_versions(w, err)) < 0 || (r = apply_commit(w, wire_len, err)) < 0) {
		store_rollback(w->s);
		return r;
	}
	return 0;
}

/* The highest stamp within max_skew_ms of now_ms; UINT64_MAX without a bound. */
static uint64_t
max_stamp(uint64_t now_ms, uint64_t max_skew_ms)
{
	uint64_t wall;

	if (max_skew_ms == 0)
		return UINT64_MAX;
	wall = now_ms + max_skew_ms;
	if (wall < now_ms || wall >= (UINT64_C(1) << (64 - HLC_COUNTER_BITS)))
		return UINT64_MAX;
	return hlc_make(wall, 0xffff);
}

int
apply_batch(struct store *s, const struct batch_header *hdr, const uint8_t *plain,
	    size_t plain_len, size_t wire_len, int64_t now, struct apply_result *ret,
	    struct ktp_err *err)
{
	return apply_batch_at(s, hdr, plain, plain_len, wire_len, (uint64_t)now * 1000, 0, ret,
			      err);
}

int
apply_batch_at(struct store *s, const struct batch_header *hdr, const uint8_t *plain,
	       size_t plain_len, size_t wire_len, uint64_t now_ms, uint64_t max_skew_ms,
	       struct apply_result *ret, struct ktp_err *err)
{
	struct walk w = { .s = s, .hdr = hdr, .now = (int64_t)(now_ms / 1000), .now_ms = now_ms,
			  .max_stamp = max_stamp(now_ms, max_skew_ms) };
	enum apply_outcome outcome;
	int r;

	store_cutoffs(s, &w.cut);
	memset(ret, 0, sizeof(*ret));
	if (check_header(hdr, err) < 0) {
		ret->outcome = APPLY_BAD;
		return 0;
	}
	if ((r = store_node_get(s, hdr->node_id, &w.node, err)) < 0)
		return r;
	ret->acked = w.node.acked;
	memcpy(ret->chain, w.node.chain, KTP_HASH_LEN);
	if (hdr->count == 0)
		return apply_heartbeat(&w, plain, plain_len, wire_len, ret, err);
	if (hdr->first > w.node.acked + 1) {
		ret->outcome = APPLY_GAP;
		return 0;
	}
	if (hdr->last <= w.node.acked)
		return apply_replay(&w, plain, plain_len, wire_len, ret, err);
	if ((w.recs = malloc(hdr->count * sizeof(*w.recs))) == NULL)
		return ktp_err_set(err, -ENOMEM, "apply: out of memory");
	if ((r = check_versions(&w, plain, plain_len, &outcome, err)) == 0 &&
	    outcome == APPLY_OK && (r = apply_transaction(&w, wire_len, err)) == 0) {
		ret->acked = w.node.acked;
		memcpy(ret->chain, w.node.chain, KTP_HASH_LEN);
		ret->applied = w.applied;
		ret->skipped = w.skipped;
		ret->future = w.future;
		ret->future_first = w.future_first;
		ret->future_last = w.future_last;
	}
	free(w.recs);
	ret->outcome = outcome;
	return r;
}
