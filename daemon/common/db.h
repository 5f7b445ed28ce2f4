/* SPDX-License-Identifier: ISC */
/* db — SQLite as both daemons use it: WAL, synchronous=FULL, busy timeout, migrations.
 * Translates SQLite result codes to negative errno once, here (STYLE A3), with sqlite's text.
 * Knows no schema; the journal and the hub store bring theirs as migration steps. */
#ifndef KTP_DB_H
#define KTP_DB_H

#include <stddef.h>

#include <sqlite3.h>

struct ktp_err;

/* Opens (creating) path with WAL, synchronous=FULL, foreign_keys=ON and a
 * busy timeout of busy_ms. */
int	db_open(const char *path, unsigned busy_ms, sqlite3 **ret_db, struct ktp_err *err);
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
