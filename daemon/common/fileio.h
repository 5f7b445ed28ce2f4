/* SPDX-License-Identifier: ISC */
/* fileio — durable small-file I/O: atomic replace, capped reads, the state-dir lock.
 * Atomic write is tmp file, fsync, rename, fsync of the directory (STYLE A15).
 * Never logs; errors name the path and the cause. */
#ifndef KTP_FILEIO_H
#define KTP_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ktp_err;
struct stat;

int	fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			    struct ktp_err *err);
/* The same for a file that must not exist yet: -EEXIST "PATH: exists" if it
 * does (or appears meanwhile); an existing file is never replaced. */
int	fileio_write_new(const char *path, const void *data, size_t len, mode_t mode,
			 struct ktp_err *err);
/* Writes all len bytes to fd, retrying short writes and EINTR; -errno. */
int	fileio_write_all(int fd, const void *data, size_t len);
/* Reads a whole file of at most max bytes into a new NUL-terminated buffer (free()). */
int	fileio_read_all(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len,
			struct ktp_err *err);
/* Takes an exclusive flock on DIR/lock, held until fileio_unlock. -EBUSY
 * "DIR/lock: held by another process (pid N)" when a second daemon tries. */
int	fileio_lock_dir(const char *dir, int *ret_fd, struct ktp_err *err);
void	fileio_unlock(int fd);				/* -1 is a no-op */
/* A file only its owner may read (keys, journals): a regular file of mode
 * 0600 or stricter, else "PATH: mode 0644, must be 0600 (chmod 600 PATH)". */
int	fileio_check_private(const struct stat *st, const char *path, struct ktp_err *err);
/* mkdir -p with mode for missing components. */
int	fileio_mkdirs(const char *path, mode_t mode, struct ktp_err *err);

#endif
