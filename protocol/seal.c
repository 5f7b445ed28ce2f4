/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "seal.h"

/* The BLAKE2b key that separates the seal key derivation from every other
 * use of BLAKE2b in the protocol (chain hash, fingerprints). 16 bytes, the
 * smallest key libsodium's crypto_generichash accepts. */
static const uint8_t seal_kdf_key[16] = "ktpsync-seal-key";

#define SEAL_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES

/* key = BLAKE2b-256(key: "ktpsync-seal-key", msg: shared || eph_pk || hub_pk).
 * Hashing both public keys binds the key to this exchange, as in
 * crypto_box_seal; the all-zero shared secret of a low-order point is refused. */
static int
derive_key(const uint8_t sk[static 32], const uint8_t peer_pk[static 32],
	   const uint8_t eph_pk[static 32], const uint8_t hub_pk[static 32],
	   uint8_t key[static SEAL_KEY_LEN])
{
	crypto_generichash_state st;
	uint8_t shared[crypto_scalarmult_BYTES];
	int r = 0;

	if (crypto_scalarmult(shared, sk, peer_pk) != 0) {
		r = -EBADMSG;
		goto out;
	}
	crypto_generichash_init(&st, seal_kdf_key, sizeof(seal_kdf_key), SEAL_KEY_LEN);
	crypto_generichash_update(&st, shared, sizeof(shared));
	crypto_generichash_update(&st, eph_pk, 32);
	crypto_generichash_update(&st, hub_pk, 32);
	crypto_generichash_final(&st, key, SEAL_KEY_LEN);
out:
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(&st, sizeof(st));
	return r;
}

static int
encrypt_into(uint8_t *wire, const uint8_t *ad, size_t ad_len, const uint8_t *plain,
	     size_t plain_len, const uint8_t hub_pk[static 32], const uint8_t eph_sk[static 32],
	     const uint8_t nonce[static KTP_NONCE_LEN], struct ktp_err *err)
{
	uint8_t key[SEAL_KEY_LEN], *eph_pk = wire + ad_len;
	unsigned long long clen;

	memcpy(wire, ad, ad_len);
	crypto_scalarmult_base(eph_pk, eph_sk);
	memcpy(eph_pk + KTP_X25519_PK_LEN, nonce, KTP_NONCE_LEN);
	if (derive_key(eph_sk, hub_pk, eph_pk, hub_pk, key) < 0) {
		sodium_memzero(key, sizeof(key));
		return ktp_err_set(err, -EINVAL, "seal: hub key: low-order point");
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(eph_pk + KTP_X25519_PK_LEN + KTP_NONCE_LEN,
						   &clen, plain, plain_len, ad, ad_len, NULL,
						   nonce, key);
	sodium_memzero(key, sizeof(key));
	return 0;
}

int
seal_box(const uint8_t *ad, size_t ad_len, const uint8_t *plain, size_t plain_len,
	 const uint8_t hub_pk[static KTP_X25519_PK_LEN],
	 const uint8_t node_sk[static KTP_ED25519_SK_LEN],
	 const uint8_t eph_sk[static KTP_X25519_SK_LEN],
	 const uint8_t nonce[static KTP_NONCE_LEN],
	 uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err)
{
	size_t len;
	uint8_t *wire;
	int r;

	if (plain_len > SIZE_MAX - ad_len - SEAL_OVERHEAD)
		return ktp_err_set(err, -EMSGSIZE, "seal: %zu bytes: too large", plain_len);
	len = ad_len + plain_len + SEAL_OVERHEAD;
	if ((wire = malloc(len)) == NULL)
		return ktp_err_set(err, -ENOMEM, "seal: out of memory");
	r = encrypt_into(wire, ad, ad_len, plain, plain_len, hub_pk, eph_sk, nonce, err);
	if (r < 0) {
		free(wire);
		return r;
	}
	crypto_sign_detached(wire + len - KTP_SIG_LEN, NULL, wire, len - KTP_SIG_LEN, node_sk);
	*ret_wire = wire;
	*ret_len = len;
	return 0;
}

static int
check_len(size_t len, size_t ad_len, struct ktp_err *err)
{
	if (len < SEAL_OVERHEAD || len - SEAL_OVERHEAD < ad_len)
		return ktp_err_set(err, -EPROTO, "seal: truncated: %zu bytes, need at least %zu",
				   len, ad_len + SEAL_OVERHEAD);
	return 0;
}

int
seal_verify(const uint8_t *wire, size_t len, size_t ad_len,
	    const uint8_t node_pk[static KTP_ED25519_PK_LEN], struct ktp_err *err)
{
	int r;

	if ((r = check_len(len, ad_len, err)) < 0)
		return r;
	if (crypto_sign_verify_detached(wire + len - KTP_SIG_LEN, wire, len - KTP_SIG_LEN,
					node_pk) != 0)
		return ktp_err_set(err, -EBADMSG, "signature: does not verify with the node key");
	return 0;
}

int
seal_unbox(const uint8_t *wire, size_t len, size_t ad_len,
	   const uint8_t hub_sk[static KTP_X25519_SK_LEN],
	   uint8_t **ret_plain, size_t *ret_plain_len, struct ktp_err *err)
{
	const uint8_t *eph_pk = wire + ad_len, *nonce = eph_pk + KTP_X25519_PK_LEN;
	uint8_t key[SEAL_KEY_LEN], hub_pk[KTP_X25519_PK_LEN], *plain = NULL;
	size_t clen, plain_len;
	int r;

	if ((r = check_len(len, ad_len, err)) < 0)
		return r;
	clen = len - ad_len - KTP_X25519_PK_LEN - KTP_NONCE_LEN - KTP_SIG_LEN;
	plain_len = clen - KTP_AEAD_TAG_LEN;
	crypto_scalarmult_base(hub_pk, hub_sk);
	if (derive_key(hub_sk, eph_pk, eph_pk, hub_pk, key) < 0) {
		r = ktp_err_set(err, -EBADMSG, "decrypt: ephemeral key is a low-order point");
		goto fail;
	}
	/* malloc(0) may return NULL; an empty plaintext still gets a buffer. */
	if ((plain = malloc(plain_len ? plain_len : 1)) == NULL) {
		r = ktp_err_set(err, -ENOMEM, "decrypt: out of memory");
		goto fail;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, nonce + KTP_NONCE_LEN,
						       clen, wire, ad_len, nonce, key) != 0) {
		r = ktp_err_set(err, -EBADMSG, "decrypt: authentication failed");
		goto fail;
	}
	sodium_memzero(key, sizeof(key));
	*ret_plain = plain;
	*ret_plain_len = plain_len;
	return 0;
fail:
	sodium_memzero(key, sizeof(key));
	free(plain);
	return r;
}
