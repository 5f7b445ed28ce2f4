/* SPDX-License-Identifier: ISC */
/* fuzz_record — libFuzzer target for record_decode.
 * Every input that decodes must encode back to the very same bytes (the
 * encoding is canonical); every other input must fail with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t again[KTP_VERSION_MAX_BYTES];
	struct ktp_err err = { 0 };
	struct record r;
	size_t len;

	if (record_decode(data, size, &r, &err) != 0) {
		if (err.code == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (record_encode(&r, again, sizeof(again), &len, &err) != 0)
		abort();
	if (len != size || memcmp(again, data, size) != 0)
		abort();
	return 0;
}
