/* SPDX-License-Identifier: ISC */
/* keys — key files on disk: generate, write atomically 0600, load with a mode check.
 * Secret keys live in sodium_malloc memory and are wiped on every path.
 * Never logs and never prints a secret; callers show the public key or fingerprint. */
#ifndef KTP_KEYS_H
#define KTP_KEYS_H

#include <stdint.h>

#include "keytext.h"
#include "proto.h"

struct ktp_err;

struct node_keys {
	uint8_t		sk[KTP_ED25519_SK_LEN];
	uint8_t		pk[KTP_ED25519_PK_LEN];
};

struct hub_keys {
	uint8_t		sk[KTP_X25519_SK_LEN];
	uint8_t		pk[KTP_X25519_PK_LEN];
	uint32_t	id;				/* keytext_hub_key_id(pk) */
};

/* Writes a new key file (refuses to overwrite: -EEXIST) and returns the public key. */
int	keys_generate(enum keytext_type type, const char *path, uint8_t ret_pk[static 32],
		      struct ktp_err *err);
/* Refuses a file readable or writable by group or others:
 * "PATH: mode 0644, must be 0600 (chmod 600 PATH)". */
int	keys_load_node(const char *path, struct node_keys **ret, struct ktp_err *err);
int	keys_load_hub(const char *path, struct hub_keys **ret, struct ktp_err *err);
/* The public key of any key file (for `ktpctl pubkey`). */
int	keys_load_public(const char *path, enum keytext_type *ret_type, uint8_t ret_pk[static 32],
			 struct ktp_err *err);
void	keys_node_free(struct node_keys *k);	/* wipes; NULL is a no-op */
void	keys_hub_free(struct hub_keys *k);

#endif
