/* SPDX-License-Identifier: ISC */
/* proto — constants of the ktpsync wire protocol shared by node, hub and ktpctl.
 * Magic, version, key and hash sizes, protocol limits, HTTP paths.
 * Defines no functions; PROTOCOL.md is the normative text for every number here. */
#ifndef KTP_PROTO_H
#define KTP_PROTO_H

#define KTP_BATCH_MAGIC		"KTPB"		/* 4 bytes at offset 0 of every batch */
#define KTP_BATCH_VERSION	1
#define KTP_BUNDLE_MAGIC	"KTPBUNDL"	/* 8 bytes: offline bundle file header */

#define KTP_HASH_LEN		32	/* BLAKE2b-256 chain hash */
#define KTP_X25519_PK_LEN	32
#define KTP_X25519_SK_LEN	32
#define KTP_ED25519_PK_LEN	32
#define KTP_ED25519_SK_LEN	64	/* libsodium form: seed || public key */
#define KTP_SIG_LEN		64
#define KTP_NONCE_LEN		24	/* XChaCha20-Poly1305 */
#define KTP_AEAD_TAG_LEN	16
#define KTP_FINGERPRINT_LEN	16	/* hex characters shown to operators */

/* Limits; a batch over any of them is refused before allocation. */
#define KTP_BATCH_MAX_BYTES	(64u * 1024 * 1024)	/* sealed wire size */
#define KTP_BATCH_MAX_VERSIONS	100000u
#define KTP_BATCH_MAX_PLAIN	(128u * 1024 * 1024)	/* declared decompressed size */
#define KTP_VERSION_MAX_BYTES	1024u			/* one encoded version */
#define KTP_NAME_MAX		128u	/* bytes of UTF-8 */
#define KTP_OPERATOR_MAX	64u	/* bytes of UTF-8 */

#define KTP_HTTP_PUSH_PATH	"/v1/push"
#define KTP_CTL_VERSION		2	/* "v" of every control request; 2: every message has a stream */
#define KTP_CTL_MAX_LINE	(64u * 1024)

/* A regency's freshness by its last authenticated contact, as the dashboard
 * colours it and `ktpctl nodes` names it: late past an hour, silent past a day. */
#define KTP_FRESH_LATE_S	3600
#define KTP_FRESH_SILENT_S	86400

#endif
