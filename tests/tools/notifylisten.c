/* SPDX-License-Identifier: ISC */
/* notifylisten — stands in for systemd's notify socket in the sd_notify system tests.
 *
 *   notifylisten SOCKET LOG DAEMON ARGS...
 *
 * Binds a datagram socket at SOCKET, runs DAEMON ARGS... with NOTIFY_SOCKET=SOCKET and
 * WATCHDOG_USEC=400000 (stderr appended to LOG), and drives it through a life: after three
 * WATCHDOG=1 it sends SIGHUP, after RELOADING=1 and a READY=1 following it SIGTERM, then
 * waits for STOPPING=1 and the exit. Each stage waits at most 5 s, each receive 3 s, as a
 * stage that never completes must still end the test. Prints "exit N" (the daemon's exit
 * status, or 128+signal) and then every datagram received, one per line, in order.
 * Exit 0 when the daemon was run, 1 on a failure of this tool, 2 on usage. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX		4096
#define MSGS_MAX	4096
#define STAGE_MS	5000
#define RECV_MS		3000
#define EXIT_WAIT_MS	15000

struct listen {
	int	fd;
	char	*msgs[MSGS_MAX];
	size_t	n;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
bind_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = RECV_MS / 1000 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notifylisten: %s: path too long\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		fprintf(stderr, "notifylisten: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static pid_t
spawn(const char *sock, const char *log, char **argv)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 || setenv("NOTIFY_SOCKET", sock, 1) < 0 ||
	    setenv("WATCHDOG_USEC", "400000", 1) < 0)
		_exit(127);
	execv(argv[0], argv);
	_exit(127);
}

static size_t
count(const struct listen *l, size_t from, const char *msg)
{
	size_t i, n = 0;

	for (i = from; i < l->n; i++)
		n += strcmp(l->msgs[i], msg) == 0;
	return n;
}

/* The index of the first msg at or after from, or l->n. */
static size_t
find(const struct listen *l, size_t from, const char *msg)
{
	while (from < l->n && strcmp(l->msgs[from], msg) != 0)
		from++;
	return from;
}

static bool
stage_done(const struct listen *l, int stage)
{
	size_t reload;

	switch (stage) {
	case 0:
		return count(l, 0, "WATCHDOG=1") >= 3;
	case 1:
		reload = find(l, 0, "RELOADING=1");
		return reload < l->n && count(l, reload, "READY=1") >= 1;
	default:
		return count(l, 0, "STOPPING=1") >= 1;
	}
}

/* Receives until the stage is done, a receive times out, or STAGE_MS passed. */
static int
recv_stage(struct listen *l, int stage)
{
	uint64_t end = now_ms() + STAGE_MS;
	char buf[MSG_MAX + 1];
	ssize_t len;

	while (now_ms() < end && !stage_done(l, stage)) {
		len = recv(l->fd, buf, MSG_MAX, 0);
		if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 || l->n == MSGS_MAX) {
			fprintf(stderr, "notifylisten: recv: %s\n",
				len < 0 ? strerror(errno) : "too many messages");
			return -1;
		}
		buf[len] = '\0';
		if ((l->msgs[l->n] = strdup(buf)) == NULL)
			return -1;
		l->n++;
	}
	return 0;
}

/* The exit status as the shell gives it; 128+signal, or -1 after EXIT_WAIT_MS. */
static int
wait_exit(pid_t pid)
{
	uint64_t end = now_ms() + EXIT_WAIT_MS;
	int st;

	while (now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGHUP, SIGTERM, 0 };
	struct listen l = { .fd = -1 };
	pid_t pid;
	size_t i;
	int stage;

	if (argc < 4) {
		fputs("usage: notifylisten SOCKET LOG DAEMON [ARGS...]\n", stderr);
		return 2;
	}
	if ((l.fd = bind_socket(argv[1])) < 0)
		return 1;
	if ((pid = spawn(argv[1], argv[2], argv + 3)) < 0) {
		fprintf(stderr, "notifylisten: fork: %s\n", strerror(errno));
		return 1;
	}
	for (stage = 0; stage < 3; stage++) {
		if (recv_stage(&l, stage) < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 1;
		}
		if (sigs[stage] != 0)
			kill(pid, sigs[stage]);
	}
	printf("exit %d\n", wait_exit(pid));
	for (i = 0; i < l.n; i++) {
		printf("%s\n", l.msgs[i]);
		free(l.msgs[i]);
	}
	close(l.fd);
	unlink(argv[1]);
	return 0;
}
