/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "varint.h"

int
varint_put(uint8_t *buf, size_t cap, size_t *off, uint64_t v)
{
	size_t n = varint_len(v), o = *off;

	if (o > cap || cap - o < n)
		return -ENOBUFS;
	while (v >= 0x80) {
		buf[o++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	buf[o++] = (uint8_t)v;
	*off = o;
	return 0;
}

/* A last byte of 0 after a continuation would encode the same value in
 * more bytes; rejecting it keeps one encoding per value, which the chain
 * hash over encoded versions relies on. The tenth byte may only carry
 * bit 63. */
int
varint_get(const uint8_t *buf, size_t len, size_t *off, uint64_t *ret_v)
{
	uint64_t v = 0;
	size_t o = *off;
	unsigned shift = 0, i;
	uint8_t b;

	for (i = 0; i < VARINT_MAX_LEN; i++) {
		if (o >= len)
			return -EPROTO;
		b = buf[o++];
		if (i == VARINT_MAX_LEN - 1 && b > 1)
			return -EPROTO;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			if (b == 0 && i > 0)
				return -EPROTO;
			*off = o;
			*ret_v = v;
			return 0;
		}
		shift += 7;
	}
	return -EPROTO;
}

int
varint_put_signed(uint8_t *buf, size_t cap, size_t *off, int64_t v)
{
	uint64_t u = (uint64_t)v;

	return varint_put(buf, cap, off, (u << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

int
varint_get_signed(const uint8_t *buf, size_t len, size_t *off, int64_t *ret_v)
{
	uint64_t u;
	int r;

	if ((r = varint_get(buf, len, off, &u)) < 0)
		return r;
	*ret_v = (int64_t)((u >> 1) ^ (0 - (u & 1)));
	return 0;
}

size_t
varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}
