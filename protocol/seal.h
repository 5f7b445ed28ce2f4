/* SPDX-License-Identifier: ISC */
/* seal — the batch envelope: X25519 ephemeral key agreement with the hub's static key,
 * XChaCha20-Poly1305 with the plain header as associated data, Ed25519 signature by the node.
 * Pure: the ephemeral secret and nonce are passed in; open verifies before it decrypts.
 * The daemons call sodium_init() once at start, before any of these. */
#ifndef KTP_SEAL_H
#define KTP_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;

/* Wire: ad || eph_pk(32) || nonce(24) || ciphertext(plain_len + 16) || sig(64);
 * the signature covers every byte before it. */
#define SEAL_OVERHEAD (KTP_X25519_PK_LEN + KTP_NONCE_LEN + KTP_AEAD_TAG_LEN + KTP_SIG_LEN)

/* Returns a new buffer the caller frees with free(). */
int	seal_box(const uint8_t *ad, size_t ad_len, const uint8_t *plain, size_t plain_len,
		 const uint8_t hub_pk[static KTP_X25519_PK_LEN],
		 const uint8_t node_sk[static KTP_ED25519_SK_LEN],
		 const uint8_t eph_sk[static KTP_X25519_SK_LEN],
		 const uint8_t nonce[static KTP_NONCE_LEN],
		 uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err);
/* Checks the Ed25519 signature of the whole wire; -EBADMSG if it does not verify,
 * -EPROTO if the wire is shorter than ad_len + SEAL_OVERHEAD. */
int	seal_verify(const uint8_t *wire, size_t len, size_t ad_len,
		    const uint8_t node_pk[static KTP_ED25519_PK_LEN], struct ktp_err *err);
/* Decrypts a wire that seal_verify accepted. Returns a new buffer (free()). */
int	seal_unbox(const uint8_t *wire, size_t len, size_t ad_len,
		   const uint8_t hub_sk[static KTP_X25519_SK_LEN],
		   uint8_t **ret_plain, size_t *ret_plain_len, struct ktp_err *err);

#endif
