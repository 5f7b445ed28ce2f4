/* SPDX-License-Identifier: ISC */
/* hub_fixture — a fake node journal for the hub tests: records, chain, batch payloads.
 * Keeps every encoded version and the chain at every seq, so a test can cut any range.
 * Builds the opened payload (varint-framed versions) that apply_batch takes; no crypto. */
#ifndef KTP_HUB_FIXTURE_H
#define KTP_HUB_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "chain.h"
#include "err.h"
#include "proto.h"
#include "record.h"
#include "varint.h"

#define FIX_MAX_SEQ 4096

struct fixnode {
	uint16_t	code;
	uint64_t	head;
	uint8_t		chain[FIX_MAX_SEQ + 1][KTP_HASH_LEN];	/* chain[0] is zero */
	uint8_t		enc[FIX_MAX_SEQ + 1][KTP_VERSION_MAX_BYTES];
	size_t		len[FIX_MAX_SEQ + 1];
};

struct fixbatch {
	struct batch_header	hdr;
	uint8_t			*plain;
	size_t			len;
};

static inline struct fixnode *
fixnode_new(uint16_t code)
{
	struct fixnode *n = calloc(1, sizeof(*n));

	if (n != NULL)
		n->code = code;
	return n;
}

/* A live, unrecorded person on the roll; tests change what they need. */
static inline void
fix_person(struct record *r, const char *nik, uint64_t hlc, uint32_t kecamatan)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->nik, sizeof(r->nik), "%s", nik);
	r->hlc = hlc;
	snprintf(r->name, sizeof(r->name), "%s", "Siti Aminah");
	r->sex = RECORD_SEX_FEMALE;
	r->birth_date = 19900515;
	r->kecamatan = kecamatan;
	r->desa = (uint64_t)kecamatan * 10000 + 1;
	r->on_dpt = true;
	r->status = RECORD_STATUS_UNRECORDED;
	snprintf(r->operator_, sizeof(r->operator_), "%s", "op1");
}

/* Appends one version to the node's journal; returns its seq (0 on failure). */
static inline uint64_t
fixnode_append(struct fixnode *n, const struct record *r)
{
	struct ktp_err err = { 0 };
	uint64_t seq = n->head + 1;

	if (seq > FIX_MAX_SEQ ||
	    record_encode(r, n->enc[seq], sizeof(n->enc[seq]), &n->len[seq], &err) < 0)
		return 0;
	chain_next(n->chain[seq - 1], n->enc[seq], n->len[seq], n->chain[seq]);
	n->head = seq;
	return seq;
}

/* Appends raw bytes as a version (for malformed ones); the chain covers them. */
static inline uint64_t
fixnode_append_raw(struct fixnode *n, const uint8_t *enc, size_t len)
{
	uint64_t seq = n->head + 1;

	memcpy(n->enc[seq], enc, len);
	n->len[seq] = len;
	chain_next(n->chain[seq - 1], enc, len, n->chain[seq]);
	n->head = seq;
	return seq;
}

/* The opened payload of versions first..last, as batch_open hands it over. */
static inline int
fixnode_batch(const struct fixnode *n, uint64_t first, uint64_t last, struct fixbatch *b)
{
	size_t cap = 0, off = 0;
	uint64_t s;

	for (s = first; s <= last; s++)
		cap += n->len[s] + 10;
	memset(b, 0, sizeof(*b));
	if ((b->plain = malloc(cap + 1)) == NULL)
		return -1;
	for (s = first; s <= last; s++) {
		varint_put(b->plain, cap, &off, n->len[s]);
		memcpy(b->plain + off, n->enc[s], n->len[s]);
		off += n->len[s];
	}
	b->len = off;
	b->hdr.node_id = n->code;
	b->hdr.first = first;
	b->hdr.last = last;
	b->hdr.count = (uint32_t)(last - first + 1);
	b->hdr.plain_len = (uint32_t)off;
	b->hdr.head = n->head;
	memcpy(b->hdr.prev_chain, n->chain[first - 1], KTP_HASH_LEN);
	return 0;
}

static inline void
fixbatch_done(struct fixbatch *b)
{
	free(b->plain);
	b->plain = NULL;
}

#endif
