/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "chain.h"
#include "err.h"

void
chain_next(const uint8_t prev[static KTP_HASH_LEN], const uint8_t *enc, size_t enc_len,
	   uint8_t ret[static KTP_HASH_LEN])
{
	crypto_generichash_state st;

	/* Unkeyed BLAKE2b with a 32-byte output, over prev then enc: the
	 * same as hashing the concatenation, without copying it. */
	crypto_generichash_init(&st, NULL, 0, KTP_HASH_LEN);
	crypto_generichash_update(&st, prev, KTP_HASH_LEN);
	crypto_generichash_update(&st, enc, enc_len);
	crypto_generichash_final(&st, ret, KTP_HASH_LEN);
}

void
chain_to_hex(const uint8_t h[static KTP_HASH_LEN], char *out)
{
	sodium_bin2hex(out, 2 * KTP_HASH_LEN + 1, h, KTP_HASH_LEN);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
chain_from_hex(const char *hex, uint8_t ret[static KTP_HASH_LEN], struct ktp_err *err)
{
	uint8_t h[KTP_HASH_LEN];
	size_t i;
	int hi, lo;

	for (i = 0; i < KTP_HASH_LEN; i++) {
		if (hex[2 * i] == '\0' || hex[2 * i + 1] == '\0')
			return ktp_err_set(err, -EINVAL, "chain: %zu hex digits, need %d",
					   2 * i + (hex[2 * i] != '\0'), 2 * KTP_HASH_LEN);
		hi = hex_value(hex[2 * i]);
		lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ktp_err_set(err, -EINVAL, "chain: not a hex digit at %zu",
					   2 * i + (hi < 0 ? 0 : 1));
		h[i] = (uint8_t)(hi << 4 | lo);
	}
	if (hex[2 * KTP_HASH_LEN] != '\0')
		return ktp_err_set(err, -EINVAL, "chain: more than %d hex digits", 2 * KTP_HASH_LEN);
	memcpy(ret, h, KTP_HASH_LEN);
	return 0;
}
