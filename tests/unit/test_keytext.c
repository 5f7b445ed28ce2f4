/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include <sodium.h>

#include "err.h"
#include "keytext.h"
#include "vector_keys.h"

/* PROTOCOL.md section 12.7: the hub secret 0x20..0x3f and its forms. */
static const char HUB_FILE[] =
	"ktpsync-hub-secret-v1\n"
	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n";
static const char HUB_PUBLIC[] = "NYBy1jZYgNGu6jKa35EhODhR7SGijjt16WXQ0s0WYlQ=";
static const char HUB_FINGERPRINT[] = "f6a420b14a2d8975";
static const uint32_t HUB_KEY_ID = 0xf6a420b1;
/* The node key of the same section: Ed25519 seed 0x00..0x1f. */
static const char NODE_FILE[] =
	"ktpsync-node-secret-v1\n"
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==\n";
static const char NODE_PUBLIC[] = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";
static const char NODE_FINGERPRINT[] = "9d24e2eeaf27c2a0";

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void
test_keytext_hub_vector_matches_protocol_md(void **state)
{
	char text[KEYTEXT_FILE_MAX], pub[KEYTEXT_PUBLIC_LEN], fp[KTP_FINGERPRINT_LEN + 1];
	struct ktp_err err = {0};
	uint8_t sk[32], pk[32];
	size_t len;

	(void)state;
	vector_fill(sk, 32, 0x20);
	crypto_scalarmult_base(pk, sk);
	assert_int_equal(keytext_format_secret(KEYTEXT_HUB_SECRET, sk, 32, text, sizeof(text),
					       &len, &err), 0);
	assert_string_equal(text, HUB_FILE);
	assert_int_equal(len, strlen(HUB_FILE));
	keytext_public_to_text(pk, pub);
	assert_string_equal(pub, HUB_PUBLIC);
	keytext_fingerprint(pk, fp);
	assert_string_equal(fp, HUB_FINGERPRINT);
	assert_int_equal(keytext_hub_key_id(pk), HUB_KEY_ID);
}

static void
test_keytext_node_vector_matches_protocol_md(void **state)
{
	char text[KEYTEXT_FILE_MAX], pub[KEYTEXT_PUBLIC_LEN], fp[KTP_FINGERPRINT_LEN + 1];
	struct ktp_err err = {0};
	uint8_t seed[32], sk[64], pk[32];
	size_t len;

	(void)state;
	vector_fill(seed, 32, 0x00);
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_int_equal(keytext_format_secret(KEYTEXT_NODE_SECRET, sk, 64, text, sizeof(text),
					       &len, &err), 0);
	assert_string_equal(text, NODE_FILE);
	keytext_public_to_text(pk, pub);
	assert_string_equal(pub, NODE_PUBLIC);
	keytext_fingerprint(pk, fp);
	assert_string_equal(fp, NODE_FINGERPRINT);
}

static void
test_keytext_node_secret_round_trips(void **state)
{
	char text[KEYTEXT_FILE_MAX];
	struct ktp_err err = {0};
	uint8_t pk[32], sk[64], back[64];
	enum keytext_type type;
	size_t len, back_len;

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_int_equal(keytext_format_secret(KEYTEXT_NODE_SECRET, sk, 64, text, sizeof(text),
					       &len, &err), 0);
	assert_int_equal(len, strlen(KEYTEXT_NODE_TYPE) + 1 + 88 + 1);
	assert_int_equal(keytext_parse_secret(text, len, &type, back, sizeof(back), &back_len,
					      &err), 0);
	assert_int_equal(type, KEYTEXT_NODE_SECRET);
	assert_int_equal(back_len, 64);
	assert_memory_equal(back, sk, 64);
	/* The final newline is optional. */
	assert_int_equal(keytext_parse_secret(text, len - 1, &type, back, sizeof(back), &back_len,
					      &err), 0);
}

static void
test_keytext_parse_rejects_bad_text(void **state)
{
	static const char *const bad_type[] = {
		"", "ktpsync-hub-secret-v2\nAAAA\n", "ktpsync-hub-secret-v1",
		" ktpsync-hub-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n",
	};
	static const char *const bad_b64[] = {
		"ktpsync-hub-secret-v1\n",
		"ktpsync-hub-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8\n",
		"ktpsync-hub-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n\n",
		"ktpsync-hub-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=x\n",
		"ktpsync-hub-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\nICEi\n",
		"ktpsync-node-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n",
	};
	struct ktp_err err = {0};
	enum keytext_type type;
	uint8_t sk[64];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_type) / sizeof(bad_type[0]); i++) {
		assert_int_equal(keytext_parse_secret(bad_type[i], strlen(bad_type[i]), &type, sk,
						      sizeof(sk), &n, &err), -EINVAL);
		assert_string_equal(err.msg, "bad type line");
	}
	for (size_t i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++) {
		assert_int_equal(keytext_parse_secret(bad_b64[i], strlen(bad_b64[i]), &type, sk,
						      sizeof(sk), &n, &err), -EINVAL);
		assert_string_equal(err.msg, i == 5 ? "not 64 bytes of base64"
						    : "not 32 bytes of base64");
	}
}

static void
test_keytext_format_refuses_wrong_length_and_small_buffer(void **state)
{
	struct ktp_err err = {0};
	uint8_t sk[64] = {0};
	char text[40];
	size_t len;

	(void)state;
	assert_int_equal(keytext_format_secret(KEYTEXT_HUB_SECRET, sk, 64, text, sizeof(text),
					       &len, &err), -EINVAL);
	assert_string_equal(err.msg, "key: 64 bytes, a ktpsync-hub-secret-v1 key has 32");
	assert_int_equal(keytext_format_secret(KEYTEXT_HUB_SECRET, sk, 32, text, sizeof(text),
					       &len, &err), -ENOBUFS);
	assert_string_equal(err.msg, "key: text needs 68 bytes");
}

static void
test_keytext_public_text_round_trips_and_rejects_garbage(void **state)
{
	char pub[KEYTEXT_PUBLIC_LEN];
	struct ktp_err err = {0};
	uint8_t pk[32], back[32];

	(void)state;
	vector_fill(pk, 32, 0x80);
	keytext_public_to_text(pk, pub);
	assert_int_equal(strlen(pub), 44);
	assert_int_equal(keytext_public_from_text(pub, back, &err), 0);
	assert_memory_equal(back, pk, 32);
	pub[43] = 'A';			/* "=" replaced: 33 bytes' worth, no padding */
	assert_int_equal(keytext_public_from_text(pub, back, &err), -EINVAL);
	assert_string_equal(err.msg, "public key: not 32 bytes of base64");
	assert_int_equal(keytext_public_from_text("", back, &err), -EINVAL);
	assert_int_equal(keytext_public_from_text("gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8= ",
						  back, &err), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keytext_hub_vector_matches_protocol_md),
		cmocka_unit_test(test_keytext_node_vector_matches_protocol_md),
		cmocka_unit_test(test_keytext_node_secret_round_trips),
		cmocka_unit_test(test_keytext_parse_rejects_bad_text),
		cmocka_unit_test(test_keytext_format_refuses_wrong_length_and_small_buffer),
		cmocka_unit_test(test_keytext_public_text_round_trips_and_rejects_garbage),
	};

	return cmocka_run_group_tests_name("keytext", tests, setup, NULL);
}
