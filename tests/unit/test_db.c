/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "unit.h"
#include "db.h"
#include "err.h"

static const char *const steps[] = {
	"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);",
	"CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL REFERENCES t(id));",
};

static sqlite3 *
open_in(void **state, const char *name)
{
	char path[PATH_MAX];
	struct ktp_err err = {0};
	sqlite3 *db = NULL;

	assert_int_equal(db_open(unit_path(state, name, path), 1000, &db, &err), 0);
	return db;
}

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	struct ktp_err err = {0};
	int64_t v;

	assert_int_equal(db_prepare(db, sql, &st, &err), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *
query_text(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
	sqlite3_stmt *st = NULL;
	struct ktp_err err = {0};

	assert_int_equal(db_prepare(db, sql, &st, &err), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
test_db_open_sets_wal_full_and_foreign_keys(void **state)
{
	sqlite3 *db = open_in(state, "a.db");
	char buf[32];

	assert_string_equal(query_text(db, "PRAGMA journal_mode", buf, sizeof(buf)), "wal");
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA busy_timeout"), 1000);
	db_close(db);
}

static void
test_db_open_reports_path_and_sqlite_text(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = NULL;
	char path[PATH_MAX];

	unit_path(state, "missing/dir/a.db", path);
	assert_int_equal(db_open(path, 10, &db, &err), -ENOENT);
	assert_null(db);
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);
	assert_string_equal(err.msg + strlen(path), ": unable to open database file");
}

static void
test_db_migrate_runs_steps_once_and_sets_user_version(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "m.db");

	assert_int_equal(db_migrate(db, steps, 1, &err), 0);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(db_migrate(db, steps, 2, &err), 0);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 2);
	/* Re-running would fail on CREATE TABLE if a step ran twice. */
	assert_int_equal(db_migrate(db, steps, 2, &err), 0);
	assert_int_equal(query_int(db,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 2);
	db_close(db);
}

static void
test_db_migrate_refuses_newer_schema(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "n.db");

	assert_int_equal(db_migrate(db, steps, 2, &err), 0);
	assert_int_equal(db_migrate(db, steps, 1, &err), -EPROTO);
	assert_string_equal(err.msg, "schema version 2 is newer than this program's 1");
	db_close(db);
}

static void
test_db_migrate_failed_step_leaves_version_and_schema(void **state)
{
	static const char *const bad[] = {
		"CREATE TABLE a (x);",
		"CREATE TABLE b (x); CREATE TABLE a (y);",
	};
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "f.db");

	assert_int_equal(db_migrate(db, bad, 2, &err), -EIO);
	assert_string_equal(err.msg, "migration to schema 2: table a already exists");
	assert_int_equal(query_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(query_int(db,
		"SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 0);
	db_close(db);
}

static void
test_db_constraint_maps_to_eexist(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "c.db");

	assert_int_equal(db_migrate(db, steps, 2, &err), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (v) VALUES ('x')", &err), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (v) VALUES ('x')", &err), -EEXIST);
	assert_string_equal(err.msg, "exec: UNIQUE constraint failed: t.v");
	assert_int_equal(db_exec(db, "INSERT INTO u (t_id) VALUES (99)", &err), -EEXIST);
	assert_string_equal(err.msg, "exec: FOREIGN KEY constraint failed");
	db_close(db);
}

static void
test_db_full_maps_to_enospc(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "full.db");
	int i, r = 0;

	assert_int_equal(db_migrate(db, steps, 2, &err), 0);
	assert_int_equal(db_exec(db, "PRAGMA max_page_count = 8", &err), 0);
	for (i = 0; i < 1000 && r == 0; i++)
		r = db_exec(db, "INSERT INTO t (v) VALUES (hex(randomblob(400)))", &err);
	assert_int_equal(r, -ENOSPC);
	assert_string_equal(err.msg, "exec: database or disk is full");
	assert_true(i > 1);
	db_close(db);
}

static void
test_db_rollback_discards_and_is_safe_outside_tx(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "r.db");

	assert_int_equal(db_migrate(db, steps, 1, &err), 0);
	db_rollback(db);
	assert_int_equal(db_begin(db, &err), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (v) VALUES ('a')", &err), 0);
	db_rollback(db);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 0);
	assert_int_equal(db_begin(db, &err), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (v) VALUES ('b')", &err), 0);
	assert_int_equal(db_commit(db, &err), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	db_close(db);
}

static void
test_db_second_writer_gets_ebusy(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *a = open_in(state, "b.db"), *b = NULL;
	char path[PATH_MAX];

	assert_int_equal(db_open(unit_path(state, "b.db", path), 0, &b, &err), 0);
	assert_int_equal(db_begin(a, &err), 0);
	assert_int_equal(db_begin(b, &err), -EBUSY);
	assert_string_equal(err.msg, "begin: database is locked");
	db_rollback(a);
	db_close(b);
	db_close(a);
}

static void
test_db_prepare_error_names_step(void **state)
{
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "p.db");
	sqlite3_stmt *st = (sqlite3_stmt *)&err;

	assert_int_equal(db_prepare(db, "SELECT * FROM nope", &st, &err), -EIO);
	assert_null(st);
	assert_string_equal(err.msg, "prepare: no such table: nope");
	db_close(db);
}

static void
test_db_errno_maps_codes(void **state)
{
	(void)state;
	assert_int_equal(db_errno(SQLITE_OK), 0);
	assert_int_equal(db_errno(SQLITE_DONE), 0);
	assert_int_equal(db_errno(SQLITE_FULL), -ENOSPC);
	assert_int_equal(db_errno(SQLITE_BUSY), -EBUSY);
	assert_int_equal(db_errno(SQLITE_LOCKED), -EBUSY);
	assert_int_equal(db_errno(SQLITE_CONSTRAINT_UNIQUE), -EEXIST);
	assert_int_equal(db_errno(SQLITE_CORRUPT), -EUCLEAN);
	assert_int_equal(db_errno(SQLITE_NOTADB), -EUCLEAN);
	assert_int_equal(db_errno(SQLITE_NOMEM), -ENOMEM);
	assert_int_equal(db_errno(SQLITE_IOERR_FSYNC), -EIO);
}

static void
test_db_open_rejects_non_database(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX];
	sqlite3 *db = NULL;
	FILE *f;

	unit_path(state, "junk.db", path);
	assert_non_null(f = fopen(path, "w"));
	fputs("this is not an sqlite database, just text long enough to matter.....\n"
	      "................................................................\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(db_open(path, 10, &db, &err), -EUCLEAN);
	assert_string_equal(err.msg + strlen(path), ": file is not a database");
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Under the usual umask 022 SQLite alone makes all three files 0644. */
static void
test_db_open_creates_database_wal_and_shm_0600(void **state)
{
	char path[PATH_MAX], side[PATH_MAX + 8];
	struct ktp_err err = {0};
	sqlite3 *db = NULL;
	mode_t old = umask(022);

	assert_int_equal(db_open(unit_path(state, "p.db", path), 100, &db, &err), 0);
	assert_int_equal(db_exec(db, "CREATE TABLE t (v); INSERT INTO t VALUES (1);", &err), 0);
	assert_int_equal(mode_of(path), 0600);
	snprintf(side, sizeof(side), "%s-wal", path);
	assert_int_equal(mode_of(side), 0600);
	snprintf(side, sizeof(side), "%s-shm", path);
	assert_int_equal(mode_of(side), 0600);
	db_close(db);
	umask(old);
}

/* Each of the three files, group- or other-readable, stops the open before
 * SQLite touches anything, with the chmod that fixes it. */
static void
test_db_open_refuses_group_or_other_readable_files(void **state)
{
	static const struct {
		const char	*suffix;
		mode_t		mode;
	} cases[] = {
		{ "", 0644 }, { "", 0640 }, { "", 0604 }, { "-wal", 0644 }, { "-shm", 0660 },
	};
	char path[PATH_MAX], bad[PATH_MAX + 8], want[3 * PATH_MAX];
	struct ktp_err err = {0};
	sqlite3 *db = NULL;
	size_t i;
	int fd;

	unit_path(state, "q.db", path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		db = open_in(state, "q.db");
		db_close(db);
		db = NULL;
		snprintf(bad, sizeof(bad), "%s%s", path, cases[i].suffix);
		assert_true((fd = open(bad, O_WRONLY | O_CREAT, 0600)) >= 0);
		close(fd);
		assert_int_equal(chmod(bad, cases[i].mode), 0);
		memset(&err, 0, sizeof(err));
		assert_int_equal(db_open(path, 10, &db, &err), -EACCES);
		assert_null(db);
		snprintf(want, sizeof(want), "%s: mode %04o, must be 0600 (chmod 600 %s)", bad,
			 (unsigned)cases[i].mode, bad);
		assert_string_equal(err.msg, want);
		assert_int_equal(db_check_modes(path, &err), -EACCES);
		assert_int_equal(chmod(bad, 0600), 0);
		if (cases[i].suffix[0] != '\0')
			assert_int_equal(unlink(bad), 0);
	}
	assert_int_equal(db_check_modes(path, &err), 0);
}

static void
test_db_check_modes_accepts_missing_files_and_creates_none(void **state)
{
	char path[PATH_MAX];
	struct ktp_err err = {0};
	struct stat st;

	assert_int_equal(db_check_modes(unit_path(state, "none.db", path), &err), 0);
	assert_int_equal(stat(path, &st), -1);
}

static void
test_db_quick_check_passes_a_sound_database(void **state)
{
	char path[PATH_MAX];
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "ok.db");

	assert_int_equal(db_exec(db, "CREATE TABLE t (v); INSERT INTO t VALUES ('x');", &err), 0);
	assert_int_equal(db_quick_check(db, unit_path(state, "ok.db", path), "fix it", &err), 0);
	assert_string_equal(err.msg, "");
	db_close(db);
}

/* A table's pages overwritten with garbage: the open succeeds (only page 1
 * is read), quick_check finds it and names the file and the fix. */
static void
test_db_quick_check_names_path_and_fix_of_a_damaged_database(void **state)
{
	char path[PATH_MAX], junk[4096], want[PATH_MAX + 64];
	struct ktp_err err = {0};
	sqlite3 *db = open_in(state, "bad.db");
	int fd;

	assert_int_equal(db_exec(db, "CREATE TABLE t (v TEXT);"
				 "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
				 "WHERE i < 400) INSERT INTO t SELECT printf('%0100d', i) FROM c;",
				 &err), 0);
	db_close(db);
	unit_path(state, "bad.db", path);
	memset(junk, 0x5a, sizeof(junk));
	assert_true((fd = open(path, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 2 * 4096), (ssize_t)sizeof(junk));
	close(fd);
	db = NULL;
	assert_int_equal(db_open(path, 10, &db, &err), 0);
	assert_int_equal(db_quick_check(db, path, "restore it from a backup", &err), -EUCLEAN);
	snprintf(want, sizeof(want), "%s: damaged (", path);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_non_null(strstr(err.msg, "); restore it from a backup"));
	assert_string_equal(err.msg + strlen(err.msg) - strlen("); restore it from a backup"),
			    "); restore it from a backup");
	db_close(db);
}

/* ktpsyncd -n checks a stopped node's journal: read, never written, and
 * nothing created beside it, whatever characters its path holds. */
static void
test_db_quick_check_file_creates_nothing_beside_a_stopped_database(void **state)
{
	static const char *const names[] = { "plain.db", "odd?name%2f#x.db" };
	char path[PATH_MAX], side[PATH_MAX + 8], junk[4096], want[PATH_MAX + 64];
	struct ktp_err err = {0};
	struct stat st;
	sqlite3 *db;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		db = open_in(state, names[i]);
		assert_int_equal(db_exec(db, "CREATE TABLE t (v TEXT);"
					 "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
					 "FROM c WHERE i < 400) INSERT INTO t SELECT "
					 "printf('%0100d', i) FROM c;", &err), 0);
		db_close(db);
		unit_path(state, names[i], path);
		assert_int_equal(db_quick_check_file(path, "fix", &err), 0);
		snprintf(side, sizeof(side), "%s-wal", path);
		assert_int_equal(stat(side, &st), -1);
		snprintf(side, sizeof(side), "%s-shm", path);
		assert_int_equal(stat(side, &st), -1);
		memset(junk, 0x5a, sizeof(junk));
		assert_true((fd = open(path, O_WRONLY)) >= 0);
		assert_int_equal(pwrite(fd, junk, sizeof(junk), 2 * 4096), (ssize_t)sizeof(junk));
		close(fd);
		assert_int_equal(db_quick_check_file(path, "fix", &err), -EUCLEAN);
		snprintf(want, sizeof(want), "%s: damaged (", path);
		assert_memory_equal(err.msg, want, strlen(want));
		assert_string_equal(err.msg + strlen(err.msg) - strlen("); fix"), "); fix");
	}
	unit_path(state, "none.db", path);
	assert_int_equal(db_quick_check_file(path, "fix", &err), 0);
	assert_int_equal(stat(path, &st), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_db_open_sets_wal_full_and_foreign_keys),
		T(test_db_open_reports_path_and_sqlite_text),
		T(test_db_migrate_runs_steps_once_and_sets_user_version),
		T(test_db_migrate_refuses_newer_schema),
		T(test_db_migrate_failed_step_leaves_version_and_schema),
		T(test_db_constraint_maps_to_eexist),
		T(test_db_full_maps_to_enospc),
		T(test_db_rollback_discards_and_is_safe_outside_tx),
		T(test_db_second_writer_gets_ebusy),
		T(test_db_prepare_error_names_step),
		cmocka_unit_test(test_db_errno_maps_codes),
		T(test_db_open_rejects_non_database),
		T(test_db_open_creates_database_wal_and_shm_0600),
		T(test_db_open_refuses_group_or_other_readable_files),
		T(test_db_check_modes_accepts_missing_files_and_creates_none),
		T(test_db_quick_check_passes_a_sound_database),
		T(test_db_quick_check_names_path_and_fix_of_a_damaged_database),
		T(test_db_quick_check_file_creates_nothing_beside_a_stopped_database),
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
