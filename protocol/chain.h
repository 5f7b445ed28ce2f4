/* SPDX-License-Identifier: ISC */
/* chain — the journal's tamper-evident hash chain: h(n) = BLAKE2b-256(h(n-1) || v(n)).
 * h(0) is 32 zero bytes; v(n) is the encoded version n (record_encode).
 * Pure; hex helpers for showing a chain head to operators and in JSON. */
#ifndef KTP_CHAIN_H
#define KTP_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;

void	chain_next(const uint8_t prev[static KTP_HASH_LEN], const uint8_t *enc, size_t enc_len,
		   uint8_t ret[static KTP_HASH_LEN]);
/* out must hold 2 * KTP_HASH_LEN + 1 bytes. */
void	chain_to_hex(const uint8_t h[static KTP_HASH_LEN], char *out);
int	chain_from_hex(const char *hex, uint8_t ret[static KTP_HASH_LEN], struct ktp_err *err);

#endif
