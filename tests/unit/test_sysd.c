/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "unit.h"
#include "err.h"
#include "sysd.h"

static int
bind_notify(void **state, char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	unit_path(state, "notify", path);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* A bound on the wait: a missing message fails, it does not hang. */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void
expect_message(int fd, const char *want)
{
	char buf[512];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void
test_sysd_without_notify_socket_is_a_noop(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
	sysd_ready();
	sysd_status("idle, %d pending", 3);
	sysd_watchdog();
	sysd_reloading();
	sysd_stopping();
	assert_int_equal(sysd_watchdog_interval_us(), 0);
}

static void
test_sysd_sends_each_state_to_notify_socket(void **state)
{
	char path[PATH_MAX];
	int fd;

	fd = bind_notify(state, path);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	sysd_ready();
	expect_message(fd, "READY=1");
	sysd_status("idle, %d pending", 3);
	expect_message(fd, "STATUS=idle, 3 pending");
	sysd_watchdog();
	expect_message(fd, "WATCHDOG=1");
	sysd_reloading();
	expect_message(fd, "RELOADING=1");
	sysd_stopping();
	expect_message(fd, "STOPPING=1");
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	close(fd);
}

/* "@name" is the abstract namespace, as systemd passes it in containers. */
static void
test_sysd_sends_to_abstract_notify_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };
	char name[64];
	int fd, len;

	(void)state;
	len = snprintf(name, sizeof(name), "@ktp-test-sysd-%ld", (long)getpid());
	memcpy(sa.sun_path, name, (size_t)len);
	sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)len)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	sysd_ready();
	expect_message(fd, "READY=1");
	sysd_status("%s", "paused");
	expect_message(fd, "STATUS=paused");
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	close(fd);
}

static void
test_sysd_watchdog_interval_is_half_of_watchdog_usec(void **state)
{
	char pid[32];

	(void)state;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	assert_int_equal(setenv("WATCHDOG_USEC", "20000000", 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
	assert_int_equal(sysd_watchdog_interval_us(), 10000000);
	/* A watchdog meant for another process is not ours to feed. */
	assert_int_equal(setenv("WATCHDOG_PID", "1", 1), 0);
	assert_int_equal(sysd_watchdog_interval_us(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static int
count_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	int *seen = arg;

	(void)s;
	seen[si->ssi_signo == SIGHUP ? 0 : 1]++;
	if (si->ssi_signo != SIGHUP)
		return sd_event_exit(sd_event_source_get_event(s), 7);
	return 0;
}

/* SIGHUP reaches on_reload and the loop goes on; SIGTERM and SIGINT reach
 * on_stop, which ends it with its code. */
static void
test_sysd_loop_delivers_signals_to_their_handlers(void **state)
{
	struct ktp_err err = {0};
	sd_event *e = NULL;
	int seen[2] = {0, 0};

	(void)state;
	assert_int_equal(unsetenv("WATCHDOG_USEC"), 0);
	assert_int_equal(sysd_loop_new(&e, count_signal, count_signal, seen, &err), 0);
	assert_int_equal(raise(SIGHUP), 0);
	assert_true(sd_event_run(e, 2000000) > 0);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 0);
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(sd_event_loop(e), 7);
	assert_int_equal(seen[1], 1);
	sd_event_unref(e);
	e = NULL;
	assert_int_equal(sysd_loop_new(&e, count_signal, count_signal, seen, &err), 0);
	assert_int_equal(raise(SIGINT), 0);
	assert_int_equal(sd_event_loop(e), 7);
	assert_int_equal(seen[1], 2);
	sd_event_unref(e);
}

/* Under systemd's watchdog the loop feeds it by itself while it runs. */
static void
test_sysd_loop_feeds_the_watchdog(void **state)
{
	struct ktp_err err = {0};
	char path[PATH_MAX], pid[32], buf[64];
	sd_event *e = NULL;
	ssize_t n;
	int fd, seen[2] = {0, 0};

	fd = bind_notify(state, path);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	assert_int_equal(setenv("WATCHDOG_USEC", "200000", 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
	assert_int_equal(sysd_loop_new(&e, count_signal, count_signal, seen, &err), 0);
	/* Nothing else to do: the loop wakes for the watchdog alone. */
	assert_true(sd_event_run(e, 1000000) >= 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "WATCHDOG=1");
	sd_event_unref(e);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	close(fd);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysd_without_notify_socket_is_a_noop),
		T(test_sysd_sends_each_state_to_notify_socket),
		cmocka_unit_test(test_sysd_sends_to_abstract_notify_socket),
		cmocka_unit_test(test_sysd_watchdog_interval_is_half_of_watchdog_usec),
		cmocka_unit_test(test_sysd_loop_delivers_signals_to_their_handlers),
		T(test_sysd_loop_feeds_the_watchdog),
	};

	return cmocka_run_group_tests_name("sysd", tests, NULL, NULL);
}
