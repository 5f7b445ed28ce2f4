/* SPDX-License-Identifier: ISC */
/* varint — bounds-checked LEB128 unsigned varints and zigzag signed ones.
 * The only integer encoding of the version and batch formats.
 * Never reads or writes past the given length; no allocation. */
#ifndef KTP_VARINT_H
#define KTP_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX_LEN 10

/* Writes v at buf[*off], advances *off. -ENOBUFS if it does not fit in cap. */
int	varint_put(uint8_t *buf, size_t cap, size_t *off, uint64_t v);
/* Reads at buf[*off], advances *off. -EPROTO on truncation, overlong or
 * non-minimal encodings (so every value has exactly one encoding). */
int	varint_get(const uint8_t *buf, size_t len, size_t *off, uint64_t *ret_v);
int	varint_put_signed(uint8_t *buf, size_t cap, size_t *off, int64_t v);
int	varint_get_signed(const uint8_t *buf, size_t len, size_t *off, int64_t *ret_v);
size_t	varint_len(uint64_t v);

#endif
