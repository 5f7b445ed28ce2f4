/* SPDX-License-Identifier: ISC */
#include <errno.h>

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
	assert_int_equal(db_open(path, 10, &db, &err), -EUCLEAN);
	assert_string_equal(err.msg + strlen(path), ": file is not a database");
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
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
