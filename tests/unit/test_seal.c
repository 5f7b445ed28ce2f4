/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include <sodium.h>

#include "err.h"
#include "seal.h"
#include "vector_keys.h"

/* The keys and nonce of PROTOCOL.md section 12.6 (vector_keys.h). */
struct fixed {
	uint8_t	node_pk[32], node_sk[64];
	uint8_t	hub_pk[32], hub_sk[32];
	uint8_t	eph_sk[32], nonce[24];
};

static const char AD[] = "KTPB-vector-ad";
static const char PLAIN[] = "ktpsync seal test vector";

/* The sealed wire of section 12.6, as lowercase hex. */
static const char SEAL_VECTOR_HEX[] =
	"4b5450422d766563746f722d616479a631eede1bf9c98f12032cdeadd0e7a079"
	"398fc786b88cc846ec89af85a51a606162636465666768696a6b6c6d6e6f7071"
	"72737475767730715c21b3826bbae82f66e0367d71c979e3fa8130dd14cd79c9"
	"963b99843118deaa8aa90df88fd86802a4f24b695e5d4dddb2a7bdf0bf446059"
	"c4f87b0d52b46accd2e01694ea0b0ab661170599e3edaca4f21c6b5ff0c7e8f8"
	"8a06353dee80d8432618c52f210a";

static void
fixed_keys(struct fixed *f)
{
	vector_keys(f->node_pk, f->node_sk, f->hub_pk, f->hub_sk, f->eph_sk, f->nonce);
}

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void
seal_fixed(const struct fixed *f, uint8_t **wire, size_t *len)
{
	struct ktp_err err = {0};

	assert_int_equal(seal_box((const uint8_t *)AD, strlen(AD), (const uint8_t *)PLAIN,
				  strlen(PLAIN), f->hub_pk, f->node_sk, f->eph_sk, f->nonce, wire,
				  len, &err), 0);
}

static void
test_seal_vector_matches_protocol_md(void **state)
{
	char hex[2 * 256 + 1];
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_fixed(&f, &wire, &len);
	assert_int_equal(len, strlen(AD) + strlen(PLAIN) + SEAL_OVERHEAD);
	sodium_bin2hex(hex, sizeof(hex), wire, len);
	assert_string_equal(hex, SEAL_VECTOR_HEX);
	free(wire);
}

static void
test_seal_round_trip_returns_plaintext(void **state)
{
	struct ktp_err err = {0};
	uint8_t *wire, *plain;
	size_t len, plain_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	seal_fixed(&f, &wire, &len);
	assert_memory_equal(wire, AD, strlen(AD));
	assert_int_equal(seal_verify(wire, len, strlen(AD), f.node_pk, &err), 0);
	assert_int_equal(seal_unbox(wire, len, strlen(AD), f.hub_sk, &plain, &plain_len, &err), 0);
	assert_int_equal(plain_len, strlen(PLAIN));
	assert_memory_equal(plain, PLAIN, plain_len);
	free(plain);
	free(wire);
}

static void
test_seal_empty_plaintext_round_trips(void **state)
{
	struct ktp_err err = {0};
	uint8_t *wire, *plain;
	size_t len, plain_len = 99;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	assert_int_equal(seal_box((const uint8_t *)AD, strlen(AD), NULL, 0, f.hub_pk, f.node_sk,
				  f.eph_sk, f.nonce, &wire, &len, &err), 0);
	assert_int_equal(len, strlen(AD) + SEAL_OVERHEAD);
	assert_int_equal(seal_verify(wire, len, strlen(AD), f.node_pk, &err), 0);
	assert_int_equal(seal_unbox(wire, len, strlen(AD), f.hub_sk, &plain, &plain_len, &err), 0);
	assert_int_equal(plain_len, 0);
	free(plain);
	free(wire);
}

/* The signature covers every byte before it, and the signature itself is
 * checked, so no single bit anywhere survives seal_verify. */
static void
test_seal_verify_rejects_every_bit_flip(void **state)
{
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_fixed(&f, &wire, &len);
	for (size_t bit = 0; bit < len * 8; bit++) {
		wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(seal_verify(wire, len, strlen(AD), f.node_pk, &err), -EBADMSG);
		wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_string_equal(err.msg, "signature: does not verify with the node key");
	free(wire);
}

/* Below ad + overhead the wire cannot hold the envelope (-EPROTO); above it,
 * a cut wire loses signed bytes (-EBADMSG). */
static void
test_seal_verify_rejects_every_truncation(void **state)
{
	struct ktp_err err = {0};
	size_t len, min = strlen(AD) + SEAL_OVERHEAD;
	struct fixed f;
	uint8_t *wire;

	(void)state;
	fixed_keys(&f);
	seal_fixed(&f, &wire, &len);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(seal_verify(wire, n, strlen(AD), f.node_pk, &err),
				 n < min ? -EPROTO : -EBADMSG);
	assert_int_equal(seal_verify(wire, min - 1, strlen(AD), f.node_pk, &err), -EPROTO);
	assert_string_equal(err.msg, "seal: truncated: 149 bytes, need at least 150");
	free(wire);
}

static void
test_seal_verify_rejects_other_node_key(void **state)
{
	struct ktp_err err = {0};
	uint8_t other_pk[32], other_sk[64], *wire;
	struct fixed f;
	size_t len;

	(void)state;
	fixed_keys(&f);
	crypto_sign_keypair(other_pk, other_sk);
	seal_fixed(&f, &wire, &len);
	assert_int_equal(seal_verify(wire, len, strlen(AD), other_pk, &err), -EBADMSG);
	free(wire);
}

static void
test_seal_unbox_rejects_other_hub_key(void **state)
{
	struct ktp_err err = {0};
	uint8_t other_sk[32], *wire, *plain = NULL;
	size_t len, plain_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	vector_fill(other_sk, 32, 0x21);
	seal_fixed(&f, &wire, &len);
	assert_int_equal(seal_unbox(wire, len, strlen(AD), other_sk, &plain, &plain_len, &err),
			 -EBADMSG);
	assert_string_equal(err.msg, "decrypt: authentication failed");
	assert_null(plain);
	free(wire);
}

/* The AD is authenticated by the AEAD as well as signed: a wire whose
 * header changed and was re-signed by the node still does not decrypt. */
static void
test_seal_unbox_rejects_changed_ad_even_if_resigned(void **state)
{
	struct ktp_err err = {0};
	uint8_t *wire, *plain = NULL;
	size_t len, plain_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	seal_fixed(&f, &wire, &len);
	wire[0] ^= 1;
	crypto_sign_detached(wire + len - 64, NULL, wire, len - 64, f.node_sk);
	assert_int_equal(seal_verify(wire, len, strlen(AD), f.node_pk, &err), 0);
	assert_int_equal(seal_unbox(wire, len, strlen(AD), f.hub_sk, &plain, &plain_len, &err),
			 -EBADMSG);
	free(wire);
}

/* A low-order hub key would make the shared secret all zero, so anyone could
 * derive the batch key; seal refuses it, and open refuses such an ephemeral key. */
static void
test_seal_refuses_low_order_points(void **state)
{
	static const uint8_t zero[32];
	struct ktp_err err = {0};
	uint8_t *wire = NULL, *plain = NULL;
	size_t len, plain_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	assert_int_equal(seal_box((const uint8_t *)AD, strlen(AD), (const uint8_t *)PLAIN,
				  strlen(PLAIN), zero, f.node_sk, f.eph_sk, f.nonce, &wire, &len,
				  &err), -EINVAL);
	assert_string_equal(err.msg, "seal: hub key: low-order point");
	assert_null(wire);
	seal_fixed(&f, &wire, &len);
	memset(wire + strlen(AD), 0, 32);
	assert_int_equal(seal_unbox(wire, len, strlen(AD), f.hub_sk, &plain, &plain_len, &err),
			 -EBADMSG);
	assert_string_equal(err.msg, "decrypt: ephemeral key is a low-order point");
	free(wire);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_vector_matches_protocol_md),
		cmocka_unit_test(test_seal_round_trip_returns_plaintext),
		cmocka_unit_test(test_seal_empty_plaintext_round_trips),
		cmocka_unit_test(test_seal_verify_rejects_every_bit_flip),
		cmocka_unit_test(test_seal_verify_rejects_every_truncation),
		cmocka_unit_test(test_seal_verify_rejects_other_node_key),
		cmocka_unit_test(test_seal_unbox_rejects_other_hub_key),
		cmocka_unit_test(test_seal_unbox_rejects_changed_ad_even_if_resigned),
		cmocka_unit_test(test_seal_refuses_low_order_points),
	};

	return cmocka_run_group_tests_name("seal", tests, setup, NULL);
}
