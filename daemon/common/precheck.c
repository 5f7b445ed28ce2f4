/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "precheck.h"

static int
errno_set(struct ktp_err *err, const char *path, const char *what)
{
	int r = -errno;

	return ktp_err_set(err, r, "%s: %s: %s", path, what, strerror(-r));
}

/* The directory part of path ("." for a bare name). */
static void
parent_of(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL) {
		snprintf(buf, cap, ".");
		return;
	}
	len = slash == path ? 1 : (size_t)(slash - path);
	snprintf(buf, cap, "%.*s", (int)len, path);
}

static int
check_writable_dir(const char *dir, const char *what, struct ktp_err *err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return errno_set(err, dir, what);
	if (!S_ISDIR(st.st_mode))
		return ktp_err_set(err, -ENOTDIR, "%s: %s: not a directory", dir, what);
	if (access(dir, W_OK | X_OK) < 0)
		return errno_set(err, dir, what);
	return 0;
}

/* A missing state_dir is made by start-up (fileio_mkdirs): its nearest
 * existing ancestor must then let the daemon create it. */
static int
check_dir_or_creatable(const char *dir, struct ktp_err *err)
{
	char cur[PATH_MAX], up[PATH_MAX];
	struct stat st;

	if (snprintf(cur, sizeof(cur), "%s", dir) >= (int)sizeof(cur))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", dir);
	while (stat(cur, &st) < 0) {
		if (errno != ENOENT)
			return errno_set(err, cur, "state_dir");
		parent_of(cur, up, sizeof(up));
		if (strcmp(up, cur) == 0)
			return errno_set(err, cur, "state_dir");
		memcpy(cur, up, sizeof(cur));
	}
	return check_writable_dir(cur, "state_dir", err);
}

int
precheck_state_dir(const char *dir, const char *db_name, const char *fix, struct ktp_err *err)
{
	char path[PATH_MAX];
	int r;

	if ((r = check_dir_or_creatable(dir, err)) < 0)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s", dir, db_name) >= (int)sizeof(path))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: state_dir: path too long", dir);
	if ((r = db_check_modes(path, err)) < 0)
		return r;
	return fix != NULL ? db_quick_check_file(path, fix, err) : 0;
}

int
precheck_socket(const char *path, const char *admin_group, struct ktp_err *err)
{
	struct sockaddr_un sun;
	char dir[PATH_MAX];
	struct group *gr;
	struct stat st;
	int r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path longer than %zu bytes", path,
				   sizeof(sun.sun_path) - 1);
	parent_of(path, dir, sizeof(dir));
	if ((r = check_writable_dir(dir, "control socket directory", err)) < 0)
		return r;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return ktp_err_set(err, -EEXIST, "%s: exists and is not a socket", path);
	if (admin_group == NULL)
		return 0;
	errno = 0;
	if ((gr = getgrnam(admin_group)) == NULL)
		return ktp_err_set(err, errno != 0 ? -errno : -ENOENT, "ctl: admin_group '%s': %s",
				   admin_group, errno != 0 ? strerror(errno) : "no such group");
	return 0;
}

static int
read_file(int fd, const char *path, char *buf, size_t cap, size_t *ret_len,
	  struct ktp_err *err)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno_set(err, path, "read");
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap)
			return ktp_err_set(err, -EFBIG, "%s: larger than %zu bytes", path, cap - 1);
	}
	buf[len] = '\0';
	*ret_len = len;
	return 0;
}

int
precheck_pem(const char *path, size_t max, struct ktp_err *err)
{
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, r;

	/* O_NONBLOCK: a FIFO must not hang the check. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return ktp_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = errno_set(err, path, "stat");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = ktp_err_set(err, -EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		r = ktp_err_set(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if ((r = read_file(fd, path, buf, max + 1, &len, err)) < 0)
		goto out;
	if (memmem(buf, len, "-----BEGIN ", 11) == NULL)
		r = ktp_err_set(err, -EINVAL, "%s: not a PEM file (no '-----BEGIN' line)", path);
out:
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	close(fd);
	return r;
}
