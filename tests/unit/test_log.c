/* SPDX-License-Identifier: ISC */
/* log: the text lines, the run-time debug switch, and the journal entry a
 * message with fields becomes (reached through log.c's statics). */
#include <fcntl.h>

#include "unit.h"
#include "../../daemon/common/log.c"

/* Runs fn with stderr sent to a file; returns what it wrote. */
static char *
capture(void **state, void (*fn)(void))
{
	static char out[4096];
	char path[PATH_MAX];
	int fd, saved;
	ssize_t n;

	unit_path(state, "stderr", path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
	return out;
}

static void
say_all(void)
{
	log_debug("debug %d", 1);
	log_info("applied %u versions", 3u);
	log_fields(LOG_LEVEL_WARN, "KTP_NODE=3201", "node %04u %s", 3201u, "silent");
	log_fields(LOG_LEVEL_DEBUG, "KTP_NODE=3201", "hidden unless debug");
}

static void
test_log_writes_timestamped_lines_and_debug_only_when_switched_on(void **state)
{
	const char *out;

	unsetenv("JOURNAL_STREAM");
	log_init("ktpsyncd", false);
	out = capture(state, say_all);
	/* 2026-12-03T15:00:00Z ktpsyncd[info]: ... */
	assert_int_equal(strlen(out), 2 * 20 + strlen(" ktpsyncd[info]: applied 3 versions\n")
			 + strlen(" ktpsyncd[warning]: node 3201 silent\n"));
	assert_non_null(strstr(out, "Z ktpsyncd[info]: applied 3 versions\n"));
	assert_non_null(strstr(out, "Z ktpsyncd[warning]: node 3201 silent\n"));
	assert_null(strstr(out, "debug"));
	assert_false(log_debug_enabled());

	log_set_debug(true);
	assert_true(log_debug_enabled());
	out = capture(state, say_all);
	assert_non_null(strstr(out, "Z ktpsyncd[debug]: debug 1\n"));
	assert_non_null(strstr(out, "Z ktpsyncd[debug]: hidden unless debug\n"));
	log_set_debug(false);
	out = capture(state, say_all);
	assert_null(strstr(out, "debug"));
}

/* Only the stream systemd set up is the journal: an inherited variable
 * with stderr redirected elsewhere is not. */
static void
test_log_knows_the_journal_stream_by_device_and_inode(void **state)
{
	struct stat st;
	char val[64];

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", val, 1), 0);
	assert_true(stderr_is_journal());
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	assert_int_equal(setenv("JOURNAL_STREAM", val, 1), 0);
	assert_false(stderr_is_journal());
	assert_int_equal(setenv("JOURNAL_STREAM", "garbage", 1), 0);
	assert_false(stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
	assert_false(stderr_is_journal());
}

static void
test_log_journal_entry_carries_the_callers_fields(void **state)
{
	struct iovec iov[LOG_MAX_FIELDS];
	char msg[] = "MESSAGE=applied 3 versions", prio[] = "PRIORITY=6",
	     ident[] = "SYSLOG_IDENTIFIER=ktphubd",
	     fields[] = "KTP_NODE=3201\nKTP_SEQ_FIRST=17\nlower=x\n_PID=1\n9X=1\nNOEQUALS\n"
			"KTP_SEQ_LAST=19";
	size_t n;

	(void)state;
	n = journal_iov(iov, msg, prio, ident, fields);
	assert_int_equal(n, 6);
	assert_memory_equal(iov[0].iov_base, "MESSAGE=applied 3 versions", iov[0].iov_len);
	assert_memory_equal(iov[1].iov_base, "PRIORITY=6", iov[1].iov_len);
	assert_memory_equal(iov[2].iov_base, "SYSLOG_IDENTIFIER=ktphubd", iov[2].iov_len);
	assert_int_equal(iov[3].iov_len, strlen("KTP_NODE=3201"));
	assert_memory_equal(iov[3].iov_base, "KTP_NODE=3201", iov[3].iov_len);
	assert_memory_equal(iov[4].iov_base, "KTP_SEQ_FIRST=17", iov[4].iov_len);
	assert_memory_equal(iov[5].iov_base, "KTP_SEQ_LAST=19", iov[5].iov_len);
	/* No fields: the three fixed ones. */
	assert_int_equal(journal_iov(iov, msg, prio, ident, NULL), 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_log_writes_timestamped_lines_and_debug_only_when_switched_on),
		cmocka_unit_test(test_log_knows_the_journal_stream_by_device_and_inode),
		cmocka_unit_test(test_log_journal_entry_carries_the_callers_fields),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
