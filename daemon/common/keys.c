/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "err.h"
#include "fileio.h"
#include "keys.h"

/* Secret bytes and their text form, both in sodium_malloc memory (guarded
 * pages, wiped by sodium_free) rather than on the stack. */
struct secret {
	uint8_t		sk[KTP_ED25519_SK_LEN];
	char		text[KEYTEXT_FILE_MAX + 1];
	size_t		sk_len;
	size_t		text_len;
};

static int
errno_set(struct ktp_err *err, const char *path, const char *what)
{
	int r = -errno;

	return ktp_err_set(err, r, "%s: %s: %s", path, what, strerror(-r));
}

static int
secret_new(struct secret **ret, struct ktp_err *err)
{
	if (sodium_init() < 0)
		return ktp_err_set(err, -EIO, "keys: libsodium failed to initialise");
	if ((*ret = sodium_malloc(sizeof(**ret))) == NULL)
		return ktp_err_set(err, -ENOMEM, "keys: out of locked memory");
	sodium_memzero(*ret, sizeof(**ret));
	return 0;
}

static void
secret_free(struct secret *s)
{
	if (s != NULL)
		sodium_free(s);
}

/* Creates the key file (mode 0600) and never replaces one: a key that
 * appeared meanwhile is kept, so a key is never lost. */
static int
write_new_file(const char *path, const char *data, size_t len, struct ktp_err *err)
{
	int r = fileio_write_new(path, data, len, 0600, err);

	if (r == -EEXIST)
		ktp_err_set(err, r, "%s: exists; refusing to overwrite a key file", path);
	return r;
}

static void
generate_pair(enum keytext_type type, struct secret *s, uint8_t pk[static 32])
{
	if (type == KEYTEXT_NODE_SECRET) {
		crypto_sign_keypair(pk, s->sk);
		s->sk_len = KTP_ED25519_SK_LEN;
	} else {
		crypto_box_keypair(pk, s->sk);
		s->sk_len = KTP_X25519_SK_LEN;
	}
}

int
keys_generate(enum keytext_type type, const char *path, uint8_t ret_pk[static 32],
	      struct ktp_err *err)
{
	struct secret *s = NULL;
	uint8_t pk[32];
	struct stat st;
	int r;

	if (lstat(path, &st) == 0)
		return ktp_err_set(err, -EEXIST, "%s: exists; refusing to overwrite a key file",
				   path);
	if ((r = secret_new(&s, err)) < 0)
		return r;
	generate_pair(type, s, pk);
	r = keytext_format_secret(type, s->sk, s->sk_len, s->text, sizeof(s->text),
				  &s->text_len, err);
	if (r == 0)
		r = write_new_file(path, s->text, s->text_len, err);
	secret_free(s);
	if (r == 0)
		memcpy(ret_pk, pk, 32);
	return r;
}

/* A daemon's key must be its own: another user who owns it could swap it or
 * open its mode again. `ktpctl pubkey` only reads the public half, so it
 * does not ask for ownership (own false). */
static int
check_mode(int fd, const char *path, bool own, struct ktp_err *err)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return errno_set(err, path, "stat");
	if ((r = fileio_check_private(&st, path, err)) < 0)
		return r;
	if (own && st.st_uid != geteuid())
		return ktp_err_set(err, -EACCES, "%s: owned by uid %u, must be owned by uid %u "
				   "(the daemon's user)", path, (unsigned)st.st_uid,
				   (unsigned)geteuid());
	return 0;
}

static int
read_text(int fd, const char *path, struct secret *s, struct ktp_err *err)
{
	ssize_t n;

	s->text_len = 0;
	for (;;) {
		n = read(fd, s->text + s->text_len, sizeof(s->text) - s->text_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno_set(err, path, "read");
		if (n == 0)
			return 0;
		s->text_len += (size_t)n;
		if (s->text_len == sizeof(s->text))
			return ktp_err_set(err, -EINVAL, "%s: larger than %d bytes", path,
					   KEYTEXT_FILE_MAX);
	}
}

/* Opens, checks the mode and parses a key file into s. */
static int
load_secret(const char *path, bool own, struct secret *s, enum keytext_type *ret_type,
	    struct ktp_err *err)
{
	int fd, r;

	/* O_NONBLOCK: a FIFO or a device would block the open itself, before
	 * check_mode could say it is not a key file. A regular file ignores it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return errno_set(err, path, "open");
	if ((r = check_mode(fd, path, own, err)) == 0)
		r = read_text(fd, path, s, err);
	close(fd);
	if (r < 0)
		return r;
	r = keytext_parse_secret(s->text, s->text_len, ret_type, s->sk, sizeof(s->sk),
				 &s->sk_len, err);
	if (r < 0)
		ktp_err_prefix(err, "%s", path);
	return r;
}

/* An Ed25519 secret key is seed || public key; the public half must be the
 * one the seed yields, or signatures would not verify under the key that an
 * operator enrolled from `ktpctl pubkey`. */
static int
public_of(enum keytext_type type, const char *path, struct secret *s, uint8_t pk[static 32],
	  struct ktp_err *err)
{
	uint8_t check[KTP_ED25519_SK_LEN];
	int bad;

	if (type == KEYTEXT_HUB_SECRET) {
		crypto_scalarmult_base(pk, s->sk);
		return 0;
	}
	crypto_sign_seed_keypair(pk, check, s->sk);
	sodium_memzero(check, sizeof(check));
	bad = sodium_memcmp(pk, s->sk + 32, 32) != 0;
	if (bad)
		return ktp_err_set(err, -EINVAL, "%s: public half does not match the seed", path);
	return 0;
}

static int
load_typed(const char *path, enum keytext_type want, struct secret **ret_s,
	   uint8_t pk[static 32], struct ktp_err *err)
{
	enum keytext_type type;
	struct secret *s = NULL;
	int r;

	if ((r = secret_new(&s, err)) < 0)
		return r;
	if ((r = load_secret(path, true, s, &type, err)) < 0)
		goto fail;
	if (type != want) {
		r = ktp_err_set(err, -EINVAL, "%s: a %s key, need a %s key", path,
				type == KEYTEXT_NODE_SECRET ? "node" : "hub",
				want == KEYTEXT_NODE_SECRET ? "node" : "hub");
		goto fail;
	}
	if ((r = public_of(type, path, s, pk, err)) < 0)
		goto fail;
	*ret_s = s;
	return 0;
fail:
	secret_free(s);
	return r;
}

/* Where a daemon's own key pair goes in its struct. */
struct own_layout {
	enum keytext_type	type;
	size_t			size;
	size_t			sk_off, sk_len;
	size_t			pk_off;
};

static const struct own_layout node_layout = {
	KEYTEXT_NODE_SECRET, sizeof(struct node_keys),
	offsetof(struct node_keys, sk), KTP_ED25519_SK_LEN, offsetof(struct node_keys, pk),
};

static const struct own_layout hub_layout = {
	KEYTEXT_HUB_SECRET, sizeof(struct hub_keys),
	offsetof(struct hub_keys, sk), KTP_X25519_SK_LEN, offsetof(struct hub_keys, pk),
};

/* The one reader of a daemon's own key file (keys_load_node, keys_load_hub):
 * checks, parses and verifies it, then returns a new struct of l's layout in
 * sodium_malloc memory with the secret and public keys in place. */
static int
load_own(const char *path, const struct own_layout *l, void **ret, struct ktp_err *err)
{
	struct secret *s = NULL;
	uint8_t pk[32], *k;
	int r;

	if ((r = load_typed(path, l->type, &s, pk, err)) < 0)
		return r;
	if ((k = sodium_malloc(l->size)) == NULL) {
		secret_free(s);
		return ktp_err_set(err, -ENOMEM, "keys: out of locked memory");
	}
	memcpy(k + l->sk_off, s->sk, l->sk_len);
	memcpy(k + l->pk_off, pk, sizeof(pk));
	secret_free(s);
	*ret = k;
	return 0;
}

int
keys_load_node(const char *path, struct node_keys **ret, struct ktp_err *err)
{
	void *k = NULL;
	int r;

	if ((r = load_own(path, &node_layout, &k, err)) == 0)
		*ret = k;
	return r;
}

int
keys_load_hub(const char *path, struct hub_keys **ret, struct ktp_err *err)
{
	struct hub_keys *k;
	void *p = NULL;
	int r;

	if ((r = load_own(path, &hub_layout, &p, err)) < 0)
		return r;
	k = p;
	k->id = keytext_hub_key_id(k->pk);
	*ret = k;
	return 0;
}

int
keys_load_public(const char *path, enum keytext_type *ret_type, uint8_t ret_pk[static 32],
		 struct ktp_err *err)
{
	enum keytext_type type;
	struct secret *s = NULL;
	int r;

	if ((r = secret_new(&s, err)) < 0)
		return r;
	if ((r = load_secret(path, false, s, &type, err)) == 0)
		r = public_of(type, path, s, ret_pk, err);
	secret_free(s);
	if (r == 0)
		*ret_type = type;
	return r;
}

void
keys_node_free(struct node_keys *k)
{
	if (k != NULL)
		sodium_free(k);
}

void
keys_hub_free(struct hub_keys *k)
{
	if (k != NULL)
		sodium_free(k);
}
