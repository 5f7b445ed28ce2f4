/* SPDX-License-Identifier: ISC */
/* precheck — what `ktpsyncd -n` and `ktphubd -n` verify beyond the configuration text.
 * Checks the places start-up will use (state_dir, databases, control socket, TLS files).
 * Creates, locks, binds and writes nothing: a running daemon is left alone. */
#ifndef KTP_PRECHECK_H
#define KTP_PRECHECK_H

struct ktp_err;

/* dir is a directory the daemon can write, or can be created under the
 * nearest existing ancestor; dir/db_name and its -wal/-shm, if they exist,
 * have db_open's mode (0600), and dir/db_name, if it exists, passes
 * db_quick_check with fix as the remedy (fix NULL: no quick_check). */
int	precheck_state_dir(const char *dir, const char *db_name, const char *fix,
			   struct ktp_err *err);
/* The control socket can be bound at path: short enough, in a writable
 * directory, nothing but a socket there; admin_group (NULL: none) exists. */
int	precheck_socket(const char *path, const char *admin_group, struct ktp_err *err);
/* A readable regular PEM file of at most max bytes (a "-----BEGIN " line). */
int	precheck_pem(const char *path, size_t max, struct ktp_err *err);

#endif
