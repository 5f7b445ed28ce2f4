/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conf_hub.h"
#include "enroll.h"
#include "err.h"

/* Kept sorted by code so lookups are a binary search on every push. */
struct enroll {
	struct enroll_node	*nodes;
	size_t			n;
	size_t			cap;
};

int
enroll_new(struct enroll **ret, struct ktp_err *err)
{
	struct enroll *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return ktp_err_set(err, -ENOMEM, "enroll: out of memory");
	*ret = e;
	return 0;
}

void
enroll_free(struct enroll *e)
{
	if (e == NULL)
		return;
	free(e->nodes);
	free(e);
}

static int
check_new(const struct enroll *e, uint16_t code, const char *name,
	  const uint8_t pk[static KTP_ED25519_PK_LEN], struct ktp_err *err)
{
	size_t i;

	if (code < 1000 || code > 9999)
		return ktp_err_set(err, -EINVAL, "node %u: code: not 4 digits", code);
	if (name == NULL || name[0] == '\0' || strlen(name) > KTP_NAME_MAX)
		return ktp_err_set(err, -EINVAL, "node %u: name: empty or over %u bytes", code,
				   KTP_NAME_MAX);
	for (i = 0; i < e->n; i++) {
		if (e->nodes[i].code == code)
			return ktp_err_set(err, -EEXIST, "node %u: enrolled twice", code);
		if (sodium_memcmp(e->nodes[i].public_key, pk, KTP_ED25519_PK_LEN) == 0)
			return ktp_err_set(err, -EEXIST, "node %u: same public key as node %u",
					   code, e->nodes[i].code);
	}
	return 0;
}

static int
grow(struct enroll *e, struct ktp_err *err)
{
	struct enroll_node *n;
	size_t cap = e->cap ? e->cap * 2 : 32;

	if ((n = realloc(e->nodes, cap * sizeof(*n))) == NULL)
		return ktp_err_set(err, -ENOMEM, "enroll: out of memory");
	e->nodes = n;
	e->cap = cap;
	return 0;
}

int
enroll_add(struct enroll *e, uint16_t code, const char *name,
	   const uint8_t public_key[static KTP_ED25519_PK_LEN], struct ktp_err *err)
{
	struct enroll_node *n;
	size_t at;
	int r;

	if ((r = check_new(e, code, name, public_key, err)) < 0)
		return r;
	if (e->n == e->cap && (r = grow(e, err)) < 0)
		return r;
	for (at = e->n; at > 0 && e->nodes[at - 1].code > code; at--)
		;
	memmove(&e->nodes[at + 1], &e->nodes[at], (e->n - at) * sizeof(*n));
	n = &e->nodes[at];
	memset(n, 0, sizeof(*n));
	n->code = code;
	memcpy(n->name, name, strlen(name));
	memcpy(n->public_key, public_key, KTP_ED25519_PK_LEN);
	e->n++;
	return 0;
}

int
enroll_from_conf(const struct hub_conf *c, struct enroll **ret, struct ktp_err *err)
{
	struct enroll *e = NULL;
	size_t i;
	int r;

	if ((r = enroll_new(&e, err)) < 0)
		return r;
	for (i = 0; i < c->n_nodes; i++) {
		const struct hub_conf_node *cn = &c->nodes[i];

		if (cn->code / 100 != c->province) {
			r = ktp_err_set(err, -EINVAL, "node %u: not in province %02u", cn->code,
					c->province);
			goto fail;
		}
		if ((r = enroll_add(e, cn->code, cn->name, cn->public_key, err)) < 0)
			goto fail;
	}
	*ret = e;
	return 0;
fail:
	enroll_free(e);
	return r;
}

static int
cmp_code(const void *key, const void *elem)
{
	uint16_t code = *(const uint16_t *)key;
	const struct enroll_node *n = elem;

	return (int)code - (int)n->code;
}

const struct enroll_node *
enroll_find(const struct enroll *e, uint16_t code)
{
	if (e == NULL || e->n == 0)
		return NULL;
	return bsearch(&code, e->nodes, e->n, sizeof(e->nodes[0]), cmp_code);
}

size_t
enroll_count(const struct enroll *e)
{
	return e == NULL ? 0 : e->n;
}

const struct enroll_node *
enroll_at(const struct enroll *e, size_t i)
{
	return i < enroll_count(e) ? &e->nodes[i] : NULL;
}
