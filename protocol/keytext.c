/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "keytext.h"

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

static const char *
type_line(enum keytext_type type)
{
	return type == KEYTEXT_NODE_SECRET ? KEYTEXT_NODE_TYPE : KEYTEXT_HUB_TYPE;
}

static size_t
secret_len(enum keytext_type type)
{
	return type == KEYTEXT_NODE_SECRET ? KTP_ED25519_SK_LEN : KTP_X25519_SK_LEN;
}

int
keytext_format_secret(enum keytext_type type, const uint8_t *sk, size_t sk_len,
		      char *out, size_t cap, size_t *ret_len, struct ktp_err *err)
{
	const char *tl = type_line(type);
	size_t tl_len = strlen(tl), b64_len = sodium_base64_encoded_len(sk_len, B64_VARIANT);

	if (sk_len != secret_len(type))
		return ktp_err_set(err, -EINVAL, "key: %zu bytes, a %s key has %zu", sk_len, tl,
				   secret_len(type));
	/* type line, newline, base64 (its length counts the NUL), newline, NUL */
	if (tl_len + 1 + b64_len + 1 > cap)
		return ktp_err_set(err, -ENOBUFS, "key: text needs %zu bytes", tl_len + b64_len + 2);
	memcpy(out, tl, tl_len);
	out[tl_len] = '\n';
	sodium_bin2base64(out + tl_len + 1, b64_len, sk, sk_len, B64_VARIANT);
	out[tl_len + b64_len] = '\n';
	out[tl_len + b64_len + 1] = '\0';
	*ret_len = tl_len + b64_len + 1;
	return 0;
}

static int
parse_type(const char *text, size_t len, enum keytext_type *ret_type, size_t *ret_off)
{
	static const enum keytext_type types[] = { KEYTEXT_NODE_SECRET, KEYTEXT_HUB_SECRET };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *tl = type_line(types[i]);
		size_t n = strlen(tl);

		if (len > n && memcmp(text, tl, n) == 0 && text[n] == '\n') {
			*ret_type = types[i];
			*ret_off = n + 1;
			return 0;
		}
	}
	return -EINVAL;
}

/* The base64 line ends at an optional single newline and the end of the text;
 * anything else (a second key, trailing words) is refused. */
int
keytext_parse_secret(const char *text, size_t len, enum keytext_type *ret_type,
		     uint8_t *ret_sk, size_t sk_cap, size_t *ret_sk_len, struct ktp_err *err)
{
	enum keytext_type type;
	const char *end;
	size_t off, b64_len, want, got;

	if (parse_type(text, len, &type, &off) < 0)
		return ktp_err_set(err, -EINVAL, "bad type line");
	want = secret_len(type);
	b64_len = len - off;
	if (b64_len > 0 && text[off + b64_len - 1] == '\n')
		b64_len--;
	if (want > sk_cap)
		return ktp_err_set(err, -ENOBUFS, "key: %zu bytes do not fit", want);
	if (sodium_base642bin(ret_sk, sk_cap, text + off, b64_len, NULL, &got, &end,
			      B64_VARIANT) != 0 || end != text + off + b64_len || got != want) {
		sodium_memzero(ret_sk, sk_cap);
		return ktp_err_set(err, -EINVAL, "not %zu bytes of base64", want);
	}
	*ret_type = type;
	*ret_sk_len = got;
	return 0;
}

void
keytext_public_to_text(const uint8_t pk[static 32], char *out)
{
	sodium_bin2base64(out, KEYTEXT_PUBLIC_LEN, pk, 32, B64_VARIANT);
}

int
keytext_public_from_text(const char *text, uint8_t ret_pk[static 32], struct ktp_err *err)
{
	size_t n = strlen(text), got;
	const char *end;

	if (sodium_base642bin(ret_pk, 32, text, n, NULL, &got, &end, B64_VARIANT) != 0 ||
	    end != text + n || got != 32)
		return ktp_err_set(err, -EINVAL, "public key: not 32 bytes of base64");
	return 0;
}

void
keytext_fingerprint(const uint8_t pk[static 32], char out[static KTP_FINGERPRINT_LEN + 1])
{
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), pk, 32, NULL, 0);
	sodium_bin2hex(out, KTP_FINGERPRINT_LEN + 1, h, KTP_FINGERPRINT_LEN / 2);
}

uint32_t
keytext_hub_key_id(const uint8_t hub_pk[static KTP_X25519_PK_LEN])
{
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), hub_pk, KTP_X25519_PK_LEN, NULL, 0);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}
