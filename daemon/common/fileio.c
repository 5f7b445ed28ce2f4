/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"

static int
errno_set(struct ktp_err *err, const char *path, const char *what)
{
	int r = -errno;

	return ktp_err_set(err, r, "%s: %s: %s", path, what, strerror(-r));
}

int
fileio_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory holding path ("." for a bare name), in buf of PATH_MAX. */
static int
dir_of(const char *path, char *buf, struct ktp_err *err)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		return snprintf(buf, PATH_MAX, ".") < 0 ? -EIO : 0;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= PATH_MAX)
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

static int
fsync_dir(const char *dir, struct ktp_err *err)
{
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno_set(err, dir, "open directory");
	if (fsync(fd) < 0)
		r = errno_set(err, dir, "fsync directory");
	close(fd);
	return r;
}

/* tmp file in the target's directory, written, fsynced, then put in place by
 * rename(2) (replace) or link(2) (create only). */
static int
write_via_tmp(const char *path, const void *data, size_t len, mode_t mode, bool replace,
	      struct ktp_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd = -1, r;

	if ((r = dir_of(path, dir, err)) < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	/* mkostemp opens with O_EXCL, so a stale or hostile tmp file is never
	 * reused; it lives in the target's directory because rename(2) is only
	 * atomic within one file system. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = errno_set(err, path, "create temporary file");
		return r;
	}
	if (fchmod(fd, mode) < 0) {
		r = errno_set(err, tmp, "chmod");
		goto fail;
	}
	if ((r = fileio_write_all(fd, data, len)) < 0) {
		r = ktp_err_set(err, r, "%s: write: %s", tmp, strerror(-r));
		goto fail;
	}
	/* Order matters: rename is atomic only once the data is on disk, and
	 * the rename itself is durable only once the directory is synced. */
	if (fsync(fd) < 0) {
		r = errno_set(err, tmp, "fsync");
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = errno_set(err, tmp, "close");
		goto fail;
	}
	fd = -1;
	if (replace && rename(tmp, path) < 0) {
		r = errno_set(err, path, "rename");
		goto fail;
	}
	/* link(2) makes the whole file appear at once like rename, but fails
	 * with EEXIST instead of replacing a file that appeared meanwhile. */
	if (!replace) {
		if (link(tmp, path) < 0) {
			r = errno == EEXIST ? ktp_err_set(err, -EEXIST, "%s: exists", path) :
					      errno_set(err, path, "link");
			goto fail;
		}
		unlink(tmp);
	}
	return fsync_dir(dir, err);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int
fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct ktp_err *err)
{
	return write_via_tmp(path, data, len, mode, true, err);
}

int
fileio_write_new(const char *path, const void *data, size_t len, mode_t mode,
		 struct ktp_err *err)
{
	return write_via_tmp(path, data, len, mode, false, err);
}

static int
read_capped(int fd, const char *path, size_t max, uint8_t **ret_data, size_t *ret_len,
	    struct ktp_err *err)
{
	uint8_t *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			/* One byte past max tells "exactly max" from "too big". */
			cap = cap == 0 ? 4096 : cap * 2;
			if (max < SIZE_MAX - 1 && cap > max + 1)
				cap = max + 1;
			if ((nbuf = realloc(buf, cap + 1)) == NULL)
				goto nomem;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return errno_set(err, path, "read");
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return ktp_err_set(err, -EFBIG, "%s: larger than %zu bytes", path, max);
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		goto nomem;
	buf[len] = '\0';
	*ret_data = buf;
	*ret_len = len;
	return 0;
nomem:
	free(buf);
	return ktp_err_set(err, -ENOMEM, "%s: read: out of memory", path);
}

int
fileio_read_all(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len,
		struct ktp_err *err)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ktp_err_set(err, -errno, "%s: %s", path, strerror(errno));
	r = read_capped(fd, path, max, ret_data, ret_len, err);
	close(fd);
	return r;
}

static long
read_holder(int fd)
{
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int
write_holder(int fd, const char *path, struct ktp_err *err)
{
	char buf[32];
	int n, r;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0)
		return errno_set(err, path, "truncate");
	if ((r = fileio_write_all(fd, (const uint8_t *)buf, (size_t)n)) < 0)
		return ktp_err_set(err, r, "%s: write: %s", path, strerror(-r));
	return 0;
}

int
fileio_lock_dir(const char *dir, int *ret_fd, struct ktp_err *err)
{
	char path[PATH_MAX];
	int fd = -1, r;
	long holder;

	if (snprintf(path, sizeof(path), "%s/lock", dir) >= (int)sizeof(path))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno_set(err, path, "open");
	/* flock, not a pid file alone: the kernel drops the lock when the
	 * holder dies, even by kill -9, so a stale file never blocks a start. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			r = errno_set(err, path, "flock");
		else if ((holder = read_holder(fd)) > 0)
			r = ktp_err_set(err, -EBUSY, "%s: held by another process (pid %ld)",
					path, holder);
		else	/* the holder has not written its pid yet */
			r = ktp_err_set(err, -EBUSY, "%s: held by another process", path);
		goto fail;
	}
	if ((r = write_holder(fd, path, err)) < 0)
		goto fail;
	*ret_fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

void
fileio_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

static int
mkdir_one(const char *path, mode_t mode, struct ktp_err *err)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return errno_set(err, path, "mkdir");
	if (stat(path, &st) < 0)
		return errno_set(err, path, "stat");
	if (!S_ISDIR(st.st_mode))
		return ktp_err_set(err, -ENOTDIR, "%s: mkdir: %s", path, strerror(ENOTDIR));
	return 0;
}

int
fileio_mkdirs(const char *path, mode_t mode, struct ktp_err *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i;
	int r;

	if (len == 0)
		return ktp_err_set(err, -EINVAL, "mkdir: empty path");
	if (len >= sizeof(buf))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (i = 1; i < len; i++) {
		if (buf[i] != '/' || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if ((r = mkdir_one(buf, mode, err)) < 0)
			return r;
		buf[i] = '/';
	}
	return mkdir_one(buf, mode, err);
}

int
fileio_check_private(const struct stat *st, const char *path, struct ktp_err *err)
{
	unsigned mode = st->st_mode & 07777;

	if (!S_ISREG(st->st_mode))
		return ktp_err_set(err, -EINVAL, "%s: not a regular file", path);
	if (mode & 077)
		return ktp_err_set(err, -EACCES, "%s: mode %04o, must be 0600 (chmod 600 %s)",
				   path, mode, path);
	return 0;
}
