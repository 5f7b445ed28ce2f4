/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "unit.h"
#include "err.h"
#include "precheck.h"

static void
touch(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A state_dir that does not exist yet passes when its ancestor is a
 * directory, and the check creates nothing. */
static void
test_precheck_state_dir_missing_passes_and_creates_nothing(void **state)
{
	char dir[PATH_MAX];
	struct ktp_err err = {0};
	struct stat st;

	unit_path(state, "a/b/state", dir);
	assert_int_equal(precheck_state_dir(dir, "node.db", "fix", &err), 0);
	unit_path(state, "a", dir);
	assert_int_equal(stat(dir, &st), -1);
}

static void
test_precheck_state_dir_refusals_name_the_place(void **state)
{
	char file[PATH_MAX], dir[PATH_MAX + 16], want[3 * PATH_MAX];
	struct ktp_err err = {0};

	unit_path(state, "afile", file);
	touch(file, "x");
	snprintf(dir, sizeof(dir), "%s/state", file);
	assert_int_equal(precheck_state_dir(file, "node.db", NULL, &err), -ENOTDIR);
	snprintf(want, sizeof(want), "%s: state_dir: not a directory", file);
	assert_string_equal(err.msg, want);
	/* Below a file: as mkdir would say. */
	assert_int_equal(precheck_state_dir(dir, "node.db", NULL, &err), -ENOTDIR);
	snprintf(want, sizeof(want), "%s: state_dir: Not a directory", dir);
	assert_string_equal(err.msg, want);
}

static void
test_precheck_state_dir_checks_the_database_mode_and_content(void **state)
{
	char db[PATH_MAX], want[3 * PATH_MAX];
	struct ktp_err err = {0};

	unit_path(state, "node.db", db);
	touch(db, "");
	assert_int_equal(chmod(db, 0640), 0);
	assert_int_equal(precheck_state_dir(*state, "node.db", "fix", &err), -EACCES);
	snprintf(want, sizeof(want), "%s: mode 0640, must be 0600 (chmod 600 %s)", db, db);
	assert_string_equal(err.msg, want);
	assert_int_equal(chmod(db, 0600), 0);
	/* An empty file is an empty database: sound. Text is not a database. */
	assert_int_equal(precheck_state_dir(*state, "node.db", "fix", &err), 0);
	touch(db, "this is not an sqlite database, just text long enough to matter.......\n"
		  "......................................................................\n");
	assert_int_equal(precheck_state_dir(*state, "node.db", "fix", &err), -EUCLEAN);
	snprintf(want, sizeof(want), "%s: damaged (file is not a database); fix", db);
	assert_string_equal(err.msg, want);
	/* Without a fix, no quick_check (the hub's store at -n). */
	assert_int_equal(precheck_state_dir(*state, "node.db", NULL, &err), 0);
}

static void
test_precheck_socket_refusals_name_the_place(void **state)
{
	char path[PATH_MAX], want[3 * PATH_MAX], lng[200];
	struct ktp_err err = {0};

	unit_path(state, "ok.sock", path);
	assert_int_equal(precheck_socket(path, NULL, &err), 0);
	unit_path(state, "nodir/k.sock", path);
	assert_int_equal(precheck_socket(path, NULL, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s/nodir: control socket directory: No such file or directory",
		 (const char *)*state);
	assert_string_equal(err.msg, want);
	unit_path(state, "plain", path);
	touch(path, "");
	assert_int_equal(precheck_socket(path, NULL, &err), -EEXIST);
	snprintf(want, sizeof(want), "%s: exists and is not a socket", path);
	assert_string_equal(err.msg, want);
	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	lng[0] = '/';
	assert_int_equal(precheck_socket(lng, NULL, &err), -ENAMETOOLONG);
	snprintf(want, sizeof(want), "%s: path longer than 107 bytes", lng);
	assert_string_equal(err.msg, want);
	unit_path(state, "ok.sock", path);
	assert_int_equal(precheck_socket(path, "no-such-group-ktp", &err), -ENOENT);
	assert_string_equal(err.msg, "ctl: admin_group 'no-such-group-ktp': no such group");
}

static void
test_precheck_pem_refusals_name_the_file(void **state)
{
	char path[PATH_MAX], want[2 * PATH_MAX];
	struct ktp_err err = {0};

	unit_path(state, "cert.pem", path);
	touch(path, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	assert_int_equal(precheck_pem(path, 1024, &err), 0);
	assert_int_equal(precheck_pem(path, 16, &err), -EFBIG);
	snprintf(want, sizeof(want), "%s: larger than 16 bytes", path);
	assert_string_equal(err.msg, want);
	touch(path, "garbage\n");
	assert_int_equal(precheck_pem(path, 1024, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a PEM file (no '-----BEGIN' line)", path);
	assert_string_equal(err.msg, want);
	unit_path(state, "fifo.pem", path);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5);
	assert_int_equal(precheck_pem(path, 1024, &err), -EINVAL);
	alarm(0);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_string_equal(err.msg, want);
	unit_path(state, "none.pem", path);
	assert_int_equal(precheck_pem(path, 1024, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err.msg, want);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_precheck_state_dir_missing_passes_and_creates_nothing),
		T(test_precheck_state_dir_refusals_name_the_place),
		T(test_precheck_state_dir_checks_the_database_mode_and_content),
		T(test_precheck_socket_refusals_name_the_place),
		T(test_precheck_pem_refusals_name_the_file),
	};

	return cmocka_run_group_tests_name("precheck", tests, NULL, NULL);
}
