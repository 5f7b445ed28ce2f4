/* SPDX-License-Identifier: ISC */
/* enroll — the hub's list of enrolled nodes: regency code, name, Ed25519 public key.
 * Built from the [node CODE] sections of ktphubd.conf; rebuilt whole on reload (SIGHUP).
 * Immutable once built, so readers share it under the hub's lock; no I/O, never logs. */
#ifndef KTP_ENROLL_H
#define KTP_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;
struct hub_conf;
struct enroll;

struct enroll_node {
	uint16_t	code;				/* 4-digit regency code */
	char		name[KTP_NAME_MAX + 1];
	uint8_t		public_key[KTP_ED25519_PK_LEN];
};

int	enroll_new(struct enroll **ret, struct ktp_err *err);
void	enroll_free(struct enroll *e);			/* NULL is a no-op */
/* -EINVAL for a code outside 1000..9999 or an empty or too long name; -EEXIST
 * for a code or a public key already enrolled (one key must never speak for
 * two regencies). */
int	enroll_add(struct enroll *e, uint16_t code, const char *name,
		   const uint8_t public_key[static KTP_ED25519_PK_LEN], struct ktp_err *err);
/* Every [node CODE] of the config; a node outside the province is refused. */
int	enroll_from_conf(const struct hub_conf *c, struct enroll **ret, struct ktp_err *err);
/* Borrowed, valid as long as e; NULL when code is not enrolled. */
const struct enroll_node *enroll_find(const struct enroll *e, uint16_t code);
size_t	enroll_count(const struct enroll *e);
const struct enroll_node *enroll_at(const struct enroll *e, size_t i);	/* in code order */

#endif
