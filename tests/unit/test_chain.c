/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "chain.h"
#include "err.h"
#include "record.h"

/* The three version vectors of PROTOCOL.md section 12 and the chain over
 * them from h(0) = 32 zero bytes; the hashes were computed independently
 * with Python's hashlib.blake2b(digest_size=32). */
static const char *const versions[] = {
	"00e5c41301000000000000ca8e0400",
	"ad1ae9c413d40f03046f70303701a0c4524e40cb8e04f6010e53697469204e757268616c697a61",
	"dffe06b4eb15e9c413f1a8b1f60b7b0f706574756761732d333230312d303701a0c4524e4081049fc504"
	"aa9d02f6abea551d4e69204c756820507574752041797520c3916fc3b16f20e697a5e69cac",
};

static const char *const heads[] = {
	"e1087c11842485fdf53fafa4ad0d15bfa34957cbc0450d10f01d68ee01e18a3d",
	"337e6e71475f47c2f83f2b00a3018ed6f6d1bb63cfcd540bd8723e0dbc5d68b9",
	"7245806ee69f4b7ded1844be73960576b8fb94e1a6957a7b7481a30263e334f0",
};

static size_t
from_hex(const char *hex, uint8_t *out)
{
	size_t i, n = strlen(hex) / 2;
	unsigned v;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
test_chain_matches_the_vectors(void **state)
{
	uint8_t h[KTP_HASH_LEN] = { 0 }, enc[KTP_VERSION_MAX_BYTES];
	char hex[2 * KTP_HASH_LEN + 1];
	struct record r;
	size_t i, n;

	(void)state;
	for (i = 0; i < 3; i++) {
		n = from_hex(versions[i], enc);
		/* The vectors are valid versions, as the chain requires. */
		assert_int_equal(record_decode(enc, n, &r, NULL), 0);
		chain_next(h, enc, n, h);
		chain_to_hex(h, hex);
		assert_string_equal(hex, heads[i]);
	}
}

static void
test_chain_depends_on_every_byte_and_the_previous_hash(void **state)
{
	uint8_t zero[KTP_HASH_LEN] = { 0 }, prev[KTP_HASH_LEN], a[KTP_HASH_LEN], b[KTP_HASH_LEN];
	uint8_t enc[KTP_VERSION_MAX_BYTES];
	size_t n, i;

	(void)state;
	n = from_hex(versions[1], enc);
	chain_next(zero, enc, n, a);
	for (i = 0; i < n; i++) {
		enc[i] ^= 1;
		chain_next(zero, enc, n, b);
		assert_memory_not_equal(a, b, KTP_HASH_LEN);
		enc[i] ^= 1;
	}
	memcpy(prev, zero, sizeof(prev));
	prev[31] = 1;
	chain_next(prev, enc, n, b);
	assert_memory_not_equal(a, b, KTP_HASH_LEN);
	chain_next(zero, enc, n - 1, b);
	assert_memory_not_equal(a, b, KTP_HASH_LEN);
}

static void
test_chain_hex_round_trips(void **state)
{
	uint8_t h[KTP_HASH_LEN], back[KTP_HASH_LEN];
	char hex[2 * KTP_HASH_LEN + 1], upper[2 * KTP_HASH_LEN + 1];
	struct ktp_err err = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < KTP_HASH_LEN; i++)
		h[i] = (uint8_t)(i * 37 + 5);
	chain_to_hex(h, hex);
	assert_int_equal(strlen(hex), 64);
	assert_string_equal(hex, "052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80");
	assert_int_equal(chain_from_hex(hex, back, &err), 0);
	assert_memory_equal(back, h, KTP_HASH_LEN);
	for (i = 0; i < sizeof(upper); i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	assert_int_equal(chain_from_hex(upper, back, &err), 0);
	assert_memory_equal(back, h, KTP_HASH_LEN);
}

static void
test_chain_from_hex_rejects_bad_text(void **state)
{
	char text[80];
	uint8_t h[KTP_HASH_LEN] = { 7 };
	struct ktp_err err = { 0 };

	(void)state;
	assert_int_equal(chain_from_hex("", h, &err), -EINVAL);
	assert_string_equal(err.msg, "chain: 0 hex digits, need 64");
	memset(text, 'a', 63);
	text[63] = '\0';
	assert_int_equal(chain_from_hex(text, h, &err), -EINVAL);
	assert_string_equal(err.msg, "chain: 63 hex digits, need 64");
	memset(text, 'a', 65);
	text[65] = '\0';
	assert_int_equal(chain_from_hex(text, h, &err), -EINVAL);
	assert_string_equal(err.msg, "chain: more than 64 hex digits");
	memset(text, 'a', 64);
	text[64] = '\0';
	text[10] = 'g';
	assert_int_equal(chain_from_hex(text, h, &err), -EINVAL);
	assert_string_equal(err.msg, "chain: not a hex digit at 10");
	text[10] = 'a';
	text[11] = ' ';
	assert_int_equal(chain_from_hex(text, h, &err), -EINVAL);
	assert_string_equal(err.msg, "chain: not a hex digit at 11");
	assert_int_equal(h[0], 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_matches_the_vectors),
		cmocka_unit_test(test_chain_depends_on_every_byte_and_the_previous_hash),
		cmocka_unit_test(test_chain_hex_round_trips),
		cmocka_unit_test(test_chain_from_hex_rejects_bad_text),
	};

	return cmocka_run_group_tests_name("chain", tests, NULL, NULL);
}
