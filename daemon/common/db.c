/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "fileio.h"

/* synchronous=FULL makes a committed transaction survive power loss in WAL
 * mode too (NORMAL would only survive a process crash): invariant 1. */
#define DB_PRAGMAS \
	"PRAGMA journal_mode=WAL;" \
	"PRAGMA synchronous=FULL;" \
	"PRAGMA foreign_keys=ON;"

int
db_errno(int sqlite_rc)
{
	/* Extended codes (SQLITE_IOERR_FSYNC, ...) carry the primary one in the
	 * low byte. */
	switch (sqlite_rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EUCLEAN;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return -EACCES;
	default:
		return -EIO;
	}
}

int
db_err(sqlite3 *db, int rc, const char *what, struct ktp_err *err)
{
	const char *why = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int sys = db != NULL ? sqlite3_system_errno(db) : 0;

	/* A write into the WAL that meets a full disk comes back as an I/O
	 * error, not SQLITE_FULL; the OS errno tells the two apart, and a full
	 * disk must read as one (the hub then answers 503, not 500). */
	if ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
		return ktp_err_set(err, -ENOSPC, "%s: disk full (%s)", what, why);
	return ktp_err_set(err, db_errno(rc) != 0 ? db_errno(rc) : -EIO, "%s: %s", what, why);
}

static int
check_wal(sqlite3 *db, const char *path, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_err(db, rc, path, err);
	rc = sqlite3_step(st);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (rc != SQLITE_ROW)
		r = db_err(db, rc, path, err);
	else if (mode == NULL || sqlite3_stricmp((const char *)mode, "wal") != 0)
		r = ktp_err_set(err, -EIO, "%s: journal mode is '%s', need 'wal'", path,
				mode != NULL ? (const char *)mode : "");
	sqlite3_finalize(st);
	return r;
}

/* The Debian library is built without lookaside memory, so every statement
 * step mallocs its records and cursors; with memory statistics on (the
 * default) each of those takes a global mutex and updates counters nobody
 * here reads. Off: 4 % fewer instructions per imported row. It can only be
 * set before the library initialises, hence before the first open. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void
config_library(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* A missing file is fine (it is created 0600 below, or never was written). */
static int
check_one_mode(const char *path, struct ktp_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return ktp_err_set(err, -errno, "%s: stat: %s", path, strerror(errno));
	}
	return fileio_check_private(&st, path, err);
}

int
db_check_modes(const char *path, struct ktp_err *err)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char p[PATH_MAX];
	size_t i;
	int r;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(p, sizeof(p), "%s%s", path, suffixes[i]) >= (int)sizeof(p))
			return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
		if ((r = check_one_mode(p, err)) < 0)
			return r;
	}
	return 0;
}

/* SQLite creates a database 0644 whatever the caller wants, and its WAL and
 * SHM files with the database's mode: creating the empty file 0600 first
 * makes all three 0600. A failure here is left to sqlite3_open_v2 to report
 * in its own words (a missing directory, say). */
static void
create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
}

int
db_open(const char *path, unsigned busy_ms, sqlite3 **ret_db, struct ktp_err *err)
{
	sqlite3 *db = NULL;
	int rc, r;

	pthread_once(&config_once, config_library);
	/* The databases hold names and NIKs: nobody but the daemon reads them. */
	if ((r = db_check_modes(path, err)) < 0)
		return r;
	create_private(path);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = db_err(db, rc, path, err);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if ((rc = sqlite3_busy_timeout(db, (int)busy_ms)) != SQLITE_OK ||
	    (rc = sqlite3_exec(db, DB_PRAGMAS, NULL, NULL, NULL)) != SQLITE_OK) {
		r = db_err(db, rc, path, err);
		goto fail;
	}
	/* WAL cannot be had on some file systems; the durability argument
	 * (STYLE A15) assumes it, so refuse rather than run without. */
	if ((r = check_wal(db, path, err)) < 0)
		goto fail;
	*ret_db = db;
	return 0;
fail:
	sqlite3_close(db);
	return r;
}

int
db_quick_check(sqlite3 *db, const char *path, const char *fix, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *row;
	char first[128] = "";
	int rc, r = 0;

	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row = sqlite3_column_text(st, 0);
		snprintf(first, sizeof(first), "%s", row != NULL ? (const char *)row : "");
		if (strcmp(first, "ok") != 0)
			r = ktp_err_set(err, -EUCLEAN, "%s: damaged (quick_check: %s); %s", path,
					first, fix);
	} else if (db_errno(rc) == -EUCLEAN) {
		r = ktp_err_set(err, -EUCLEAN, "%s: damaged (%s); %s", path, sqlite3_errmsg(db),
				fix);
	} else {
		r = db_err(db, rc, path, err);
	}
	sqlite3_finalize(st);
	return r;
}

/* "file:PATH?immutable=1", with the characters a URI gives a meaning escaped. */
static int
immutable_uri(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	const char *p;

	n = (size_t)snprintf(buf, cap, "file:");
	for (p = path; *p != '\0' && n + 4 < cap; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			n += (size_t)snprintf(buf + n, cap - n, "%%%02x", (unsigned char)*p);
		else
			buf[n++] = *p;
	}
	if (*p != '\0' || n + sizeof("?immutable=1") > cap)
		return -ENAMETOOLONG;
	memcpy(buf + n, "?immutable=1", sizeof("?immutable=1"));
	return 0;
}

/* Without a WAL (the daemon stopped cleanly) the file alone is the database:
 * opened immutable, nothing is created beside it. With one (the daemon runs,
 * or crashed), a plain read-only open reads the WAL and SHM already there. */
int
db_quick_check_file(const char *path, const char *fix, struct ktp_err *err)
{
	char wal[PATH_MAX], uri[3 * PATH_MAX + 32];
	sqlite3 *db = NULL;
	struct stat st;
	int rc, r, flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	const char *name = path;

	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal) ||
	    immutable_uri(path, uri, sizeof(uri)) < 0)
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", path);
	if (stat(wal, &st) < 0 && errno == ENOENT) {
		name = uri;
		flags |= SQLITE_OPEN_URI;
	}
	pthread_once(&config_once, config_library);
	rc = sqlite3_open_v2(name, &db, flags, NULL);
	if (rc != SQLITE_OK)
		r = db_err(db, rc, path, err);
	else
		r = db_quick_check(db, path, fix, err);
	sqlite3_close(db);
	return r;
}

void
db_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db);
}

/* Runs sql; a failure reads "WHAT: sqlite's message". */
static int
exec_as(sqlite3 *db, const char *sql, const char *what, struct ktp_err *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_err(db, rc, what, err);
}

int
db_exec(sqlite3 *db, const char *sql, struct ktp_err *err)
{
	return exec_as(db, sql, "exec", err);
}

int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct ktp_err *err)
{
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, ret, NULL);
	if (rc != SQLITE_OK) {
		*ret = NULL;
		return db_err(db, rc, "prepare", err);
	}
	return 0;
}

int
db_begin(sqlite3 *db, struct ktp_err *err)
{
	/* IMMEDIATE takes the write lock now, so a busy database fails here,
	 * before any work, and never halfway through a transaction. */
	return exec_as(db, "BEGIN IMMEDIATE", "begin", err);
}

int
db_commit(sqlite3 *db, struct ktp_err *err)
{
	return exec_as(db, "COMMIT", "commit", err);
}

void
db_rollback(sqlite3 *db)
{
	if (db == NULL || sqlite3_get_autocommit(db))
		return;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int
read_user_version(sqlite3 *db, int *ret, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*ret = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	return db_err(db, rc, "schema version", err);
}

static int
run_step(sqlite3 *db, const char *sql, size_t to, struct ktp_err *err)
{
	char what[64], bump[64];
	int r;

	snprintf(what, sizeof(what), "migration to schema %zu", to);
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %zu", to);
	if ((r = db_begin(db, err)) < 0)
		return r;
	/* The step and the version bump commit together, so a crash leaves the
	 * schema either wholly before or wholly after the step. */
	if ((r = exec_as(db, sql, what, err)) < 0 || (r = exec_as(db, bump, what, err)) < 0 ||
	    (r = exec_as(db, "COMMIT", what, err)) < 0) {
		db_rollback(db);
		return r;
	}
	return 0;
}

int
db_migrate(sqlite3 *db, const char *const *steps, size_t n, struct ktp_err *err)
{
	int v = 0, r;
	size_t i;

	if ((r = read_user_version(db, &v, err)) < 0)
		return r;
	if (v < 0 || (size_t)v > n)
		return ktp_err_set(err, -EPROTO,
				   "schema version %d is newer than this program's %zu", v, n);
	for (i = (size_t)v; i < n; i++)
		if ((r = run_step(db, steps[i], i + 1, err)) < 0)
			return r;
	return 0;
}
