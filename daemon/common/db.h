/* SPDX-License-Identifier: ISC */
/* db — SQLite as both daemons use it: WAL, synchronous=FULL, busy timeout, migrations.
 * Translates SQLite result codes to negative errno once, here (STYLE A3), with sqlite's text.
 * Knows no schema; the journal and the hub store bring theirs as migration steps. */
#ifndef KTP_DB_H
#define KTP_DB_H

#include <stddef.h>

#include <sqlite3.h>

struct ktp_err;

/* Opens (creating, mode 0600) path with WAL, synchronous=FULL, foreign_keys=ON
 * and a busy timeout of busy_ms. Refuses (-EACCES) a database, WAL or SHM file
 * that group or others may read: see db_check_modes. */
int	db_open(const char *path, unsigned busy_ms, sqlite3 **ret_db, struct ktp_err *err);
/* Checks path, path-wal and path-shm, those that exist: regular files with
 * no group or other permission ("PATH: mode 0644, must be 0600 (chmod 600
 * PATH)"). Creates and opens nothing; ktpsyncd -n and ktphubd -n use it. */
int	db_check_modes(const char *path, struct ktp_err *err);
/* PRAGMA quick_check: -EUCLEAN "PATH: damaged (quick_check: FIRST PROBLEM);
 * FIX" when the database is damaged. Reads every page: once, at start. */
int	db_quick_check(sqlite3 *db, const char *path, const char *fix, struct ktp_err *err);
/* The remedy a damaged node journal names, at start and in ktpsyncd -n. */
#define DB_JOURNAL_FIX	"restore it from a backup or move it away to start a new journal"
/* The same on a file opened read-only; a missing file passes. */
int	db_quick_check_file(const char *path, const char *fix, struct ktp_err *err);
void	db_close(sqlite3 *db);				/* NULL is a no-op */
/* Brings PRAGMA user_version up to n by running steps[user_version..n-1],
 * each in its own transaction. A database newer than n is refused (-EPROTO). */
int	db_migrate(sqlite3 *db, const char *const *steps, size_t n, struct ktp_err *err);
int	db_exec(sqlite3 *db, const char *sql, struct ktp_err *err);
int	db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct ktp_err *err);
int	db_begin(sqlite3 *db, struct ktp_err *err);	/* BEGIN IMMEDIATE */
int	db_commit(sqlite3 *db, struct ktp_err *err);
void	db_rollback(sqlite3 *db);			/* safe outside a transaction */
/* SQLITE_FULL -> -ENOSPC, BUSY/LOCKED -> -EBUSY, CONSTRAINT -> -EEXIST,
 * CORRUPT/NOTADB -> -EUCLEAN, NOMEM -> -ENOMEM, others -> -EIO. */
int	db_errno(int sqlite_rc);
/* ktp_err_set with db_errno(rc) and "WHAT: sqlite's message". */
int	db_err(sqlite3 *db, int rc, const char *what, struct ktp_err *err);

#endif
