/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "unit.h"
#include "err.h"
#include "fileio.h"

static size_t
count_entries(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_fileio_write_atomic_replaces_content_and_mode(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX];
	uint8_t *data = NULL;
	struct stat st;
	size_t len = 0;

	unit_path(state, "key", path);
	assert_int_equal(fileio_write_atomic(path, "first version", 13, 0600, &err), 0);
	assert_int_equal(fileio_write_atomic(path, "second", 6, 0640, &err), 0);
	assert_int_equal(fileio_read_all(path, 100, &data, &len, &err), 0);
	assert_int_equal(len, 6);
	assert_string_equal((char *)data, "second");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* No temporary file is left next to it. */
	assert_int_equal(count_entries(*state), 1);
	free(data);
}

static void
test_fileio_write_new_never_replaces_a_file(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX], want[PATH_MAX + 16];
	uint8_t *data = NULL;
	struct stat st;
	size_t len = 0;

	unit_path(state, "key", path);
	assert_int_equal(fileio_write_new(path, "first", 5, 0600, &err), 0);
	assert_int_equal(fileio_write_new(path, "second", 6, 0600, &err), -EEXIST);
	snprintf(want, sizeof(want), "%s: exists", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(fileio_read_all(path, 100, &data, &len, &err), 0);
	assert_string_equal((char *)data, "first");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* Neither call leaves its temporary file behind. */
	assert_int_equal(count_entries(*state), 1);
	free(data);
}

static void
test_fileio_write_atomic_failed_rename_leaves_no_tmp(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX], sub[PATH_MAX];
	uint8_t *data = NULL;
	size_t len = 0;

	unit_path(state, "d", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	unit_path(state, "d/f", path);
	assert_int_equal(fileio_write_atomic(path, "old", 3, 0600, &err), 0);
	/* A directory at the target makes rename fail after the tmp was written. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(fileio_write_atomic(path, "new", 3, 0600, &err), -EISDIR);
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
	assert_string_equal(err.msg + strlen(path), ": rename: Is a directory");
	assert_int_equal(count_entries(sub), 1);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(fileio_read_all(path, 10, &data, &len, &err), -ENOENT);
}

static void
test_fileio_write_atomic_missing_dir_names_path(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX], want[PATH_MAX + 64];

	unit_path(state, "no/such/file", path);
	assert_int_equal(fileio_write_atomic(path, "x", 1, 0600, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: create temporary file: No such file or directory", path);
	assert_string_equal(err.msg, want);
}

static void
test_fileio_read_all_caps_size(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX], want[PATH_MAX + 64];
	uint8_t *data = NULL;
	size_t len = 0;

	unit_path(state, "big", path);
	assert_int_equal(fileio_write_atomic(path, "0123456789", 10, 0600, &err), 0);
	assert_int_equal(fileio_read_all(path, 10, &data, &len, &err), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(data, "0123456789", 11);
	free(data);
	data = NULL;
	assert_int_equal(fileio_read_all(path, 9, &data, &len, &err), -EFBIG);
	assert_null(data);
	snprintf(want, sizeof(want), "%s: larger than 9 bytes", path);
	assert_string_equal(err.msg, want);
}

static void
test_fileio_read_all_large_and_empty(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX];
	uint8_t *big, *data = NULL;
	size_t len = 0, i, n = 100000;

	assert_non_null(big = malloc(n));
	for (i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7);
	unit_path(state, "large", path);
	assert_int_equal(fileio_write_atomic(path, big, n, 0600, &err), 0);
	assert_int_equal(fileio_read_all(path, n, &data, &len, &err), 0);
	assert_int_equal(len, n);
	assert_memory_equal(data, big, n);
	assert_int_equal(data[n], 0);
	free(data);
	free(big);
	unit_path(state, "empty", path);
	assert_int_equal(fileio_write_atomic(path, "", 0, 0600, &err), 0);
	assert_int_equal(fileio_read_all(path, 10, &data, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal((char *)data, "");
	free(data);
}

static void
test_fileio_lock_dir_refuses_second_holder_naming_pid(void **state)
{
	struct ktp_err err = {0};
	char want[PATH_MAX + 64];
	int fd1 = -1, fd2 = -1;

	assert_int_equal(fileio_lock_dir(*state, &fd1, &err), 0);
	/* flock conflicts between open file descriptions, even in one process. */
	assert_int_equal(fileio_lock_dir(*state, &fd2, &err), -EBUSY);
	snprintf(want, sizeof(want), "%s/lock: held by another process (pid %ld)",
		 (char *)*state, (long)getpid());
	assert_string_equal(err.msg, want);
	fileio_unlock(fd1);
	assert_int_equal(fileio_lock_dir(*state, &fd2, &err), 0);
	fileio_unlock(fd2);
	fileio_unlock(-1);
}

static void
test_fileio_lock_dir_released_when_holder_dies(void **state)
{
	struct ktp_err err = {0};
	int fd = -1, status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child takes the lock and dies without unlocking. */
		_exit(fileio_lock_dir(*state, &fd, &err) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(fileio_lock_dir(*state, &fd, &err), 0);
	fileio_unlock(fd);
}

static void
test_fileio_mkdirs_creates_missing_components(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX], file[PATH_MAX], want[PATH_MAX + 64];
	struct stat st;

	unit_path(state, "a/b//c/", path);
	assert_int_equal(fileio_mkdirs(path, 0750, &err), 0);
	assert_int_equal(stat(unit_path(state, "a/b/c", path), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(fileio_mkdirs(path, 0750, &err), 0);
	unit_path(state, "a/f", file);
	assert_int_equal(fileio_write_atomic(file, "x", 1, 0600, &err), 0);
	unit_path(state, "a/f/g", path);
	assert_int_equal(fileio_mkdirs(path, 0750, &err), -ENOTDIR);
	snprintf(want, sizeof(want), "%s: mkdir: Not a directory", file);
	assert_string_equal(err.msg, want);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fileio_write_atomic_replaces_content_and_mode),
		T(test_fileio_write_new_never_replaces_a_file),
		T(test_fileio_write_atomic_failed_rename_leaves_no_tmp),
		T(test_fileio_write_atomic_missing_dir_names_path),
		T(test_fileio_read_all_caps_size),
		T(test_fileio_read_all_large_and_empty),
		T(test_fileio_lock_dir_refuses_second_holder_naming_pid),
		T(test_fileio_lock_dir_released_when_holder_dies),
		T(test_fileio_mkdirs_creates_missing_components),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
