/* SPDX-License-Identifier: ISC */
/* keytext — text forms of ktpsync keys: secret key files, public keys, fingerprints.
 * A key file is a type line ("ktpsync-node-secret-v1" or "ktpsync-hub-secret-v1")
 * then one base64 line. Pure: parsing and formatting only; daemon/common/keys does I/O. */
#ifndef KTP_KEYTEXT_H
#define KTP_KEYTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;

enum keytext_type { KEYTEXT_NODE_SECRET, KEYTEXT_HUB_SECRET };

#define KEYTEXT_NODE_TYPE	"ktpsync-node-secret-v1"
#define KEYTEXT_HUB_TYPE	"ktpsync-hub-secret-v1"
#define KEYTEXT_PUBLIC_LEN	45	/* base64 of 32 bytes, with NUL */
#define KEYTEXT_FILE_MAX	256

/* Secret material: node = Ed25519 sk (64 bytes), hub = X25519 sk (32 bytes). */
int	keytext_format_secret(enum keytext_type type, const uint8_t *sk, size_t sk_len,
			      char *out, size_t cap, size_t *ret_len, struct ktp_err *err);
/* Parses a key file's text; -EINVAL "bad type line", "not N bytes of base64". */
int	keytext_parse_secret(const char *text, size_t len, enum keytext_type *ret_type,
			     uint8_t *ret_sk, size_t sk_cap, size_t *ret_sk_len,
			     struct ktp_err *err);
/* base64 (standard, padded) of a 32-byte public key; out holds KEYTEXT_PUBLIC_LEN. */
void	keytext_public_to_text(const uint8_t pk[static 32], char *out);
int	keytext_public_from_text(const char *text, uint8_t ret_pk[static 32], struct ktp_err *err);
/* First 8 bytes of BLAKE2b-256(pk) as 16 hex characters (+NUL). */
void	keytext_fingerprint(const uint8_t pk[static 32], char out[static KTP_FINGERPRINT_LEN + 1]);
/* The hub key id in batch headers: first 4 bytes of BLAKE2b-256(hub X25519 pk), big endian. */
uint32_t keytext_hub_key_id(const uint8_t hub_pk[static KTP_X25519_PK_LEN]);

#endif
