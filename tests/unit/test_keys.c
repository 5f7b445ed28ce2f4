/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <sodium.h>

#include "err.h"
#include "keys.h"

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_keys_generate_node_writes_0600_and_loads(void **state)
{
	char path[PATH_MAX];
	struct ktp_err err = {0};
	struct node_keys *k = NULL;
	uint8_t pk[32], sig[64];
	struct stat st;

	unit_path(state, "node.key", path);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, path, pk, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(*state), 1);	/* no temporary file left */
	assert_int_equal(keys_load_node(path, &k, &err), 0);
	assert_memory_equal(k->pk, pk, 32);
	crypto_sign_detached(sig, NULL, (const uint8_t *)"m", 1, k->sk);
	assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"m", 1, pk), 0);
	keys_node_free(k);
}

static void
test_keys_generate_hub_loads_with_key_id(void **state)
{
	char path[PATH_MAX];
	struct ktp_err err = {0};
	struct hub_keys *k = NULL;
	uint8_t pk[32], check[32];

	unit_path(state, "hub.key", path);
	assert_int_equal(keys_generate(KEYTEXT_HUB_SECRET, path, pk, &err), 0);
	assert_int_equal(keys_load_hub(path, &k, &err), 0);
	assert_memory_equal(k->pk, pk, 32);
	crypto_scalarmult_base(check, k->sk);
	assert_memory_equal(check, pk, 32);
	assert_int_equal(k->id, keytext_hub_key_id(pk));
	keys_hub_free(k);
}

static void
test_keys_generate_refuses_to_overwrite(void **state)
{
	char path[PATH_MAX], msg[PATH_MAX + 64];
	struct ktp_err err = {0};
	enum keytext_type type;
	uint8_t pk[32], pk2[32], pub[32];

	unit_path(state, "node.key", path);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, path, pk, &err), 0);
	assert_int_equal(keys_generate(KEYTEXT_HUB_SECRET, path, pk2, &err), -EEXIST);
	snprintf(msg, sizeof(msg), "%s: exists; refusing to overwrite a key file", path);
	assert_string_equal(err.msg, msg);
	assert_int_equal(keys_load_public(path, &type, pub, &err), 0);
	assert_int_equal(type, KEYTEXT_NODE_SECRET);
	assert_memory_equal(pub, pk, 32);
	assert_int_equal(count_entries(*state), 1);
}

static void
test_keys_load_refuses_group_or_world_access(void **state)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0602, 0610 };
	char path[PATH_MAX], msg[2 * PATH_MAX + 64];
	struct ktp_err err = {0};
	struct node_keys *k = NULL;
	uint8_t pk[32];

	unit_path(state, "node.key", path);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, path, pk, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		assert_int_equal(keys_load_node(path, &k, &err), -EACCES);
		snprintf(msg, sizeof(msg), "%s: mode %04o, must be 0600 (chmod 600 %s)", path,
			 (unsigned)bad[i], path);
		assert_string_equal(err.msg, msg);
		assert_null(k);
	}
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(keys_load_node(path, &k, &err), 0);
	keys_node_free(k);
}

/* Another user's key is refused to the daemons, even at mode 0600; the public
 * half stays readable for `ktpctl pubkey`. Needs root to chown. */
static void
test_keys_load_refuses_a_key_owned_by_another_user(void **state)
{
	char path[PATH_MAX], msg[PATH_MAX + 96];
	struct ktp_err err = {0};
	struct hub_keys *k = NULL;
	enum keytext_type type;
	uint8_t pk[32], pub[32];

	if (geteuid() != 0)
		fail_msg("this test needs root to give the key to another user");
	unit_path(state, "hub.key", path);
	assert_int_equal(keys_generate(KEYTEXT_HUB_SECRET, path, pk, &err), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(keys_load_hub(path, &k, &err), -EACCES);
	snprintf(msg, sizeof(msg), "%s: owned by uid 65534, must be owned by uid 0 "
		 "(the daemon's user)", path);
	assert_string_equal(err.msg, msg);
	assert_null(k);
	assert_int_equal(keys_load_public(path, &type, pub, &err), 0);
	assert_memory_equal(pub, pk, 32);
}

static void
test_keys_load_rejects_wrong_type_and_bad_text(void **state)
{
	char node[PATH_MAX], junk[PATH_MAX], msg[PATH_MAX + 64];
	struct ktp_err err = {0};
	struct hub_keys *hk = NULL;
	struct node_keys *nk = NULL;
	uint8_t pk[32];

	unit_path(state, "node.key", node);
	unit_path(state, "junk.key", junk);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, node, pk, &err), 0);
	assert_int_equal(keys_load_hub(node, &hk, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s: a node key, need a hub key", node);
	assert_string_equal(err.msg, msg);
	write_file(junk, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0600);
	assert_int_equal(keys_load_node(junk, &nk, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s: bad type line", junk);
	assert_string_equal(err.msg, msg);
	assert_null(hk);
	assert_null(nk);
}

static void
test_keys_load_rejects_missing_symlinked_and_huge_files(void **state)
{
	char path[PATH_MAX], link_path[PATH_MAX], msg[PATH_MAX + 64], big[400];
	struct ktp_err err = {0};
	struct node_keys *k = NULL;
	uint8_t pk[32];

	unit_path(state, "none.key", path);
	assert_int_equal(keys_load_node(path, &k, &err), -ENOENT);
	snprintf(msg, sizeof(msg), "%s: open: No such file or directory", path);
	assert_string_equal(err.msg, msg);
	unit_path(state, "node.key", path);
	unit_path(state, "link.key", link_path);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, path, pk, &err), 0);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(keys_load_node(link_path, &k, &err), -ELOOP);
	unit_path(state, "big.key", path);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(path, big, 0600);
	assert_int_equal(keys_load_node(path, &k, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s: larger than 256 bytes", path);
	assert_string_equal(err.msg, msg);
	assert_null(k);
}

/* A FIFO at the key path used to block open() until a writer came: the
 * daemon hung at start-up. The alarm turns a hang into a failed test. */
static void
test_keys_load_refuses_a_fifo_at_once(void **state)
{
	char path[PATH_MAX], msg[PATH_MAX + 64];
	struct ktp_err err = {0};
	struct node_keys *nk = NULL;
	struct hub_keys *hk = NULL;
	enum keytext_type type;
	uint8_t pk[32];

	unit_path(state, "fifo.key", path);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(msg, sizeof(msg), "%s: not a regular file", path);
	alarm(5);
	assert_int_equal(keys_load_node(path, &nk, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(keys_load_hub(path, &hk, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(keys_load_public(path, &type, pk, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	alarm(0);
	assert_null(nk);
	assert_null(hk);
}

/* An Ed25519 key file whose public half was edited would sign with one key
 * while `ktpctl pubkey` showed another. */
static void
test_keys_load_node_rejects_mismatched_public_half(void **state)
{
	char path[PATH_MAX], text[KEYTEXT_FILE_MAX], msg[PATH_MAX + 64];
	struct ktp_err err = {0};
	struct node_keys *k = NULL;
	uint8_t pk[32], sk[64];
	size_t len;

	unit_path(state, "node.key", path);
	crypto_sign_keypair(pk, sk);
	sk[40] ^= 1;
	assert_int_equal(keytext_format_secret(KEYTEXT_NODE_SECRET, sk, 64, text, sizeof(text),
					       &len, &err), 0);
	write_file(path, text, 0600);
	assert_int_equal(keys_load_node(path, &k, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s: public half does not match the seed", path);
	assert_string_equal(err.msg, msg);
	assert_null(k);
}

static void
test_keys_load_public_of_both_types(void **state)
{
	char node[PATH_MAX], hub[PATH_MAX];
	struct ktp_err err = {0};
	enum keytext_type type;
	uint8_t npk[32], hpk[32], pub[32];

	unit_path(state, "node.key", node);
	unit_path(state, "hub.key", hub);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, node, npk, &err), 0);
	assert_int_equal(keys_generate(KEYTEXT_HUB_SECRET, hub, hpk, &err), 0);
	assert_int_equal(keys_load_public(node, &type, pub, &err), 0);
	assert_int_equal(type, KEYTEXT_NODE_SECRET);
	assert_memory_equal(pub, npk, 32);
	assert_int_equal(keys_load_public(hub, &type, pub, &err), 0);
	assert_int_equal(type, KEYTEXT_HUB_SECRET);
	assert_memory_equal(pub, hpk, 32);
	keys_node_free(NULL);
	keys_hub_free(NULL);
}

static void
test_keys_generate_reports_missing_directory(void **state)
{
	char path[PATH_MAX], msg[PATH_MAX + 64];
	struct ktp_err err = {0};
	uint8_t pk[32];

	unit_path(state, "no/such/dir/node.key", path);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, path, pk, &err), -ENOENT);
	snprintf(msg, sizeof(msg), "%s: create temporary file: No such file or directory", path);
	assert_string_equal(err.msg, msg);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_keys_generate_node_writes_0600_and_loads),
		T(test_keys_generate_hub_loads_with_key_id),
		T(test_keys_generate_refuses_to_overwrite),
		T(test_keys_load_refuses_group_or_world_access),
		T(test_keys_load_refuses_a_key_owned_by_another_user),
		T(test_keys_load_rejects_wrong_type_and_bad_text),
		T(test_keys_load_refuses_a_fifo_at_once),
		T(test_keys_load_rejects_missing_symlinked_and_huge_files),
		T(test_keys_load_node_rejects_mismatched_public_half),
		T(test_keys_load_public_of_both_types),
		T(test_keys_generate_reports_missing_directory),
	};

	return cmocka_run_group_tests_name("keys", tests, setup, NULL);
}
