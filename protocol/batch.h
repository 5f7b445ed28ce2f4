/* SPDX-License-Identifier: ISC */
/* batch — a self-contained sealed run of journal versions first..last from one node.
 * Plain header (the AEAD's associated data), zstd-compressed length-prefixed versions, seal.
 * Pure: no I/O; sizes and the declared decompressed length are checked before any work. */
#ifndef KTP_BATCH_H
#define KTP_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;

#define BATCH_HEADER_LEN 76
/* A heartbeat's payload: the node's send time, Unix ms, u64 big endian. */
#define BATCH_HEARTBEAT_PLAIN_LEN 8

/* All integers big endian on the wire; PROTOCOL.md gives the offsets. */
struct batch_header {
	uint16_t	node_id;	/* 4-digit regency code, e.g. 3201 */
	uint32_t	hub_key_id;	/* keytext_hub_key_id of the hub key it is sealed to */
	uint64_t	first;		/* seq of the first version */
	uint64_t	last;		/* seq of the last; last - first + 1 == count */
	uint32_t	count;
	uint32_t	plain_len;	/* declared decompressed payload size */
	uint64_t	head;		/* the node's journal head when sealed (pending = head - acked) */
	uint8_t		prev_chain[KTP_HASH_LEN];	/* chain hash at first - 1 */
};

struct batch_hub_key {
	uint32_t	id;
	uint8_t		sk[KTP_X25519_SK_LEN];
};

/* Collects encoded versions in journal order. */
struct batch_builder;

int	batch_builder_new(struct batch_builder **ret);
/* Copies enc; -EMSGSIZE past KTP_BATCH_MAX_VERSIONS or KTP_BATCH_MAX_PLAIN. */
int	batch_builder_add(struct batch_builder *b, const uint8_t *enc, size_t len,
			  struct ktp_err *err);
uint32_t batch_builder_count(const struct batch_builder *b);
size_t	batch_builder_plain_len(const struct batch_builder *b);
void	batch_builder_reset(struct batch_builder *b);
void	batch_builder_free(struct batch_builder *b);	/* NULL is a no-op */

/* Compresses (zstd level 3) and seals. The caller sets node_id, hub_key_id,
 * first, last, head and prev_chain; count and plain_len are filled in.
 * Returns a new wire buffer the caller frees with free(). */
int	batch_seal(const struct batch_builder *b, struct batch_header *hdr,
		   const uint8_t node_sk[static KTP_ED25519_SK_LEN],
		   const uint8_t hub_pk[static KTP_X25519_PK_LEN],
		   const uint8_t eph_sk[static KTP_X25519_SK_LEN],
		   const uint8_t nonce[static KTP_NONCE_LEN],
		   uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err);

/* The heartbeat (PROTOCOL.md 5.5): zero versions, the caller sets first =
 * head + 1, last = head, prev_chain the chain at head; the payload is sent_ms,
 * which must grow from one heartbeat of the node to the next. */
int	batch_seal_heartbeat(struct batch_header *hdr, uint64_t sent_ms,
			     const uint8_t node_sk[static KTP_ED25519_SK_LEN],
			     const uint8_t hub_pk[static KTP_X25519_PK_LEN],
			     const uint8_t eph_sk[static KTP_X25519_SK_LEN],
			     const uint8_t nonce[static KTP_NONCE_LEN],
			     uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err);
/* The stamp of an opened heartbeat's payload. */
uint64_t batch_heartbeat_ms(const uint8_t plain[static BATCH_HEARTBEAT_PLAIN_LEN]);

/* Parses the plain header only (to find the node's key): length limits, magic,
 * version, count and range consistency. No crypto. -EPROTO / -EMSGSIZE. */
int	batch_parse_header(const uint8_t *wire, size_t len, struct batch_header *ret,
			   struct ktp_err *err);
/* The same checks on the first BATCH_HEADER_LEN bytes alone, as soon as
 * they have arrived (the hub runs them before it reads on); with the whole
 * length known (wire_len > 0) also that it is a length a batch of the
 * header's plain_len can have (-EMSGSIZE past it, -EPROTO below the least). */
int	batch_parse_prefix(const uint8_t hdr[static BATCH_HEADER_LEN], uint64_t wire_len,
			   struct batch_header *ret, struct ktp_err *err);
/* Verifies the signature with node_pk (-EBADMSG), picks the hub key by id
 * (-ENOKEY), decrypts (-EBADMSG), decompresses into exactly plain_len bytes
 * (-EPROTO; -EMSGSIZE if the frame declares more) and checks the framing holds
 * exactly count versions (-EPROTO). The payload buffer is new; free() it.
 * Nothing is decrypted before the signature verifies. Errors read
 * "batch FIRST..LAST: what: why"; PROTOCOL.md 5.4 lists the checks in order. */
int	batch_open(const uint8_t *wire, size_t len, const uint8_t node_pk[static KTP_ED25519_PK_LEN],
		   const struct batch_hub_key *keys, size_t n_keys,
		   struct batch_header *ret_hdr, uint8_t **ret_plain, size_t *ret_plain_len,
		   struct ktp_err *err);

/* The signature check of batch_open alone (steps 1 to 7 of PROTOCOL.md 5.4):
 * the header parses and the Ed25519 signature verifies with node_pk (-EBADMSG).
 * A wire that passed it is authenticated: it came from the node's key. */
int	batch_verify(const uint8_t *wire, size_t len,
		     const uint8_t node_pk[static KTP_ED25519_PK_LEN], struct ktp_err *err);
/* batch_open after batch_verify accepted the same bytes: steps 8 to 11 only. */
int	batch_open_verified(const uint8_t *wire, size_t len, const struct batch_hub_key *keys,
			    size_t n_keys, struct batch_header *ret_hdr, uint8_t **ret_plain,
			    size_t *ret_plain_len, struct ktp_err *err);

/* batch_verify and batch_open_verified for a caller that parsed the header
 * already (the hub, before it looks up the node's key): hdr is what
 * batch_parse_header gave for these wire bytes, and is not parsed again.
 * batch_open_parsed does steps 8 to 11 only: call it after batch_verify_parsed
 * accepted the same bytes. */
int	batch_verify_parsed(const struct batch_header *hdr, const uint8_t *wire, size_t len,
			    const uint8_t node_pk[static KTP_ED25519_PK_LEN], struct ktp_err *err);
int	batch_open_parsed(const struct batch_header *hdr, const uint8_t *wire, size_t len,
			  const struct batch_hub_key *keys, size_t n_keys, uint8_t **ret_plain,
			  size_t *ret_plain_len, struct ktp_err *err);

/* Walks an opened payload: each call yields the next encoded version, borrowed
 * from the payload, and sets *ret_enc = NULL at the clean end. -EPROTO on bad
 * framing (a length outside 1..KTP_VERSION_MAX_BYTES or past the payload). */
struct batch_reader {
	const uint8_t	*plain;
	size_t		len;
	size_t		off;
};
void	batch_reader_init(struct batch_reader *r, const uint8_t *plain, size_t len);
int	batch_reader_next(struct batch_reader *r, const uint8_t **ret_enc, size_t *ret_len,
			  struct ktp_err *err);

/* Offline bundle: KTP_BUNDLE_MAGIC then, per batch, a 4-byte big-endian length
 * and the batch wire. batch_bundle_next yields each wire, borrowed from buf;
 * *off starts at 0 and the magic is checked on the first call.
 * Sets *ret_wire = NULL at the clean end. */
int	batch_bundle_next(const uint8_t *buf, size_t len, size_t *off,
			  const uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err);

#endif
