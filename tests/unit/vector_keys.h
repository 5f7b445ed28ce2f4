/* SPDX-License-Identifier: ISC */
/* vector_keys — the fixed keys and nonce of PROTOCOL.md sections 12.5 and 12.6.
 * Every byte is its index plus a per-key offset, so a second implementation can rebuild them.
 * One definition for the seal, batch and keytext tests, so their vectors cannot drift apart. */
#ifndef KTP_VECTOR_KEYS_H
#define KTP_VECTOR_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

static inline void
vector_fill(uint8_t *p, size_t n, uint8_t base)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(base + i);
}

/* Node Ed25519 pair from seed 0x00.., hub X25519 secret 0x20.. and its
 * public key, ephemeral secret 0x40.., nonce 0x60... */
static inline void
vector_keys(uint8_t node_pk[static 32], uint8_t node_sk[static 64], uint8_t hub_pk[static 32],
	    uint8_t hub_sk[static 32], uint8_t eph_sk[static 32], uint8_t nonce[static 24])
{
	uint8_t seed[32];

	vector_fill(seed, 32, 0x00);
	crypto_sign_seed_keypair(node_pk, node_sk, seed);
	vector_fill(hub_sk, 32, 0x20);
	crypto_scalarmult_base(hub_pk, hub_sk);
	vector_fill(eph_sk, 32, 0x40);
	vector_fill(nonce, 24, 0x60);
}

#endif
