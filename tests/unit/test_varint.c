/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "varint.h"

struct vec {
	uint64_t	v;
	size_t		len;
	uint8_t		bytes[VARINT_MAX_LEN];
};

static const struct vec vecs[] = {
	{ 0, 1, { 0x00 } },
	{ 1, 1, { 0x01 } },
	{ 127, 1, { 0x7f } },
	{ 128, 2, { 0x80, 0x01 } },
	{ 300, 2, { 0xac, 0x02 } },
	{ 16383, 2, { 0xff, 0x7f } },
	{ 16384, 3, { 0x80, 0x80, 0x01 } },
	{ 320101, 3, { 0xe5, 0xc4, 0x13 } },
	{ UINT64_C(1) << 63, 10, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 } },
	{ UINT64_MAX, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } },
};

static void
test_varint_encodes_vectors_byte_for_byte(void **state)
{
	uint8_t buf[VARINT_MAX_LEN];
	size_t i, off;
	uint64_t v;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		off = 0;
		assert_int_equal(varint_put(buf, sizeof(buf), &off, vecs[i].v), 0);
		assert_int_equal(off, vecs[i].len);
		assert_int_equal(varint_len(vecs[i].v), vecs[i].len);
		assert_memory_equal(buf, vecs[i].bytes, vecs[i].len);
		off = 0;
		assert_int_equal(varint_get(vecs[i].bytes, vecs[i].len, &off, &v), 0);
		assert_int_equal(off, vecs[i].len);
		assert_true(v == vecs[i].v);
	}
}

static void
test_varint_put_refuses_short_buffer(void **state)
{
	uint8_t buf[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
	size_t off = 2;

	(void)state;
	assert_int_equal(varint_put(buf, sizeof(buf), &off, 16384), -ENOBUFS);
	assert_int_equal(off, 2);
	assert_int_equal(buf[2], 0xaa);
	assert_int_equal(varint_put(buf, sizeof(buf), &off, 16383), 0);
	assert_int_equal(off, 4);
	off = 5;
	assert_int_equal(varint_put(buf, sizeof(buf), &off, 0), -ENOBUFS);
}

static void
test_varint_get_rejects_truncated_nonminimal_and_overlong(void **state)
{
	static const uint8_t trunc[] = { 0x80, 0x80 };
	static const uint8_t nonmin[] = { 0x80, 0x00 };
	static const uint8_t nonmin2[] = { 0xff, 0x80, 0x00 };
	static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					  0x80, 0x01 };
	static const uint8_t tenth2[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0x02 };
	uint64_t v = 7;
	size_t off = 0;

	(void)state;
	assert_int_equal(varint_get(trunc, sizeof(trunc), &off, &v), -EPROTO);
	assert_int_equal(varint_get(trunc, 0, &off, &v), -EPROTO);
	assert_int_equal(varint_get(nonmin, sizeof(nonmin), &off, &v), -EPROTO);
	assert_int_equal(varint_get(nonmin2, sizeof(nonmin2), &off, &v), -EPROTO);
	assert_int_equal(varint_get(eleven, sizeof(eleven), &off, &v), -EPROTO);
	assert_int_equal(varint_get(tenth2, sizeof(tenth2), &off, &v), -EPROTO);
	assert_int_equal(off, 0);
	assert_int_equal(v, 7);
}

static void
test_varint_signed_uses_zigzag(void **state)
{
	static const int64_t vals[] = { 0, -1, 1, -2, 63, -64, 64, INT64_MAX, INT64_MIN };
	static const uint64_t zz[] = { 0, 1, 2, 3, 126, 127, 128, UINT64_MAX - 1, UINT64_MAX };
	uint8_t buf[VARINT_MAX_LEN];
	size_t i, off, off2;
	uint64_t u;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		off = 0;
		assert_int_equal(varint_put_signed(buf, sizeof(buf), &off, vals[i]), 0);
		off2 = 0;
		assert_int_equal(varint_get(buf, off, &off2, &u), 0);
		assert_true(u == zz[i]);
		off2 = 0;
		assert_int_equal(varint_get_signed(buf, off, &off2, &v), 0);
		assert_true(v == vals[i]);
		assert_int_equal(off2, off);
	}
}

static void
test_varint_round_trips_every_bit_length(void **state)
{
	uint8_t buf[VARINT_MAX_LEN + 2];
	size_t off, off2;
	uint64_t v, got;
	unsigned bits;

	(void)state;
	for (bits = 0; bits < 64; bits++) {
		v = (UINT64_C(1) << bits) | ((UINT64_C(1) << bits) - 1);
		off = 1;
		assert_int_equal(varint_put(buf, sizeof(buf), &off, v), 0);
		assert_int_equal(off - 1, varint_len(v));
		assert_int_equal(off - 1, bits / 7 + 1);
		off2 = 1;
		assert_int_equal(varint_get(buf, off, &off2, &got), 0);
		assert_true(got == v);
		assert_int_equal(off2, off);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_encodes_vectors_byte_for_byte),
		cmocka_unit_test(test_varint_put_refuses_short_buffer),
		cmocka_unit_test(test_varint_get_rejects_truncated_nonminimal_and_overlong),
		cmocka_unit_test(test_varint_signed_uses_zigzag),
		cmocka_unit_test(test_varint_round_trips_every_bit_length),
	};

	return cmocka_run_group_tests_name("varint", tests, NULL, NULL);
}
