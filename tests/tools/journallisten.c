/* SPDX-License-Identifier: ISC */
/* journallisten — stands in for journald's native socket in the structured-logging tests.
 *
 *   journallisten SOCKET OUT
 *
 * Binds a datagram socket at SOCKET (tests bind it at /run/systemd/journal/socket inside a
 * mount namespace of their own) and appends each entry received to OUT: its fields one per
 * line as KEY=VALUE, a newline in a value written as "\n", then an empty line; flushed per
 * entry. Reads journald's native protocol: "KEY=VALUE\n", or "KEY\n" with a 64-bit
 * little-endian length, the value and "\n". An entry passed as a memfd is read from it.
 * Runs until SIGTERM or SIGINT; at most 100 000 entries. Exit 0, 1 on failure, 2 on usage. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ENTRY_MAX	(1 << 20)
#define ENTRIES_MAX	100000

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
put_value(FILE *out, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] == '\n')
			fputs("\\n", out);
		else
			fputc(v[i], out);
	}
}

/* One entry in journald's native format; -1 when it does not parse. */
static int
write_entry(FILE *out, const char *p, size_t len)
{
	const char *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eq;

		if (nl == NULL)
			return -1;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL) {
			fwrite(p, 1, (size_t)(eq - p + 1), out);
			put_value(out, eq + 1, (size_t)(nl - eq - 1));
			p = nl + 1;
		} else {
			uint64_t n = 0;
			int i;

			if (end - nl - 1 < 8)
				return -1;
			for (i = 7; i >= 0; i--)
				n = n << 8 | (uint8_t)nl[1 + i];
			if (n > (uint64_t)(end - nl - 9) || nl[9 + n] != '\n')
				return -1;
			fwrite(p, 1, (size_t)(nl - p), out);
			fputc('=', out);
			put_value(out, nl + 9, (size_t)n);
			p = nl + 10 + n;
		}
		fputc('\n', out);
	}
	fputc('\n', out);
	fflush(out);
	return 0;
}

/* The passed memfd's contents into buf; its length, or -1. */
static ssize_t
read_memfd(int fd, char *buf)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || st.st_size > ENTRY_MAX)
		return -1;
	n = pread(fd, buf, (size_t)st.st_size, 0);
	close(fd);
	return n;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_signal };
	char *buf;
	FILE *out;
	int fd, one = 1;
	size_t entries = 0;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: journallisten SOCKET OUT\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	if ((buf = malloc(ENTRY_MAX)) == NULL || (out = fopen(argv[2], "a")) == NULL ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "journallisten: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (!stop && entries < ENTRIES_MAX) {
		char cbuf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, ENTRY_MAX };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "journallisten: recvmsg: %s\n", strerror(errno));
			return 1;
		}
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int mfd;

				memcpy(&mfd, CMSG_DATA(c), sizeof(mfd));
				n = read_memfd(mfd, buf);
			}
		if (n < 0 || write_entry(out, buf, (size_t)n) < 0)
			fprintf(out, "UNPARSED=%zd bytes\n\n", n);
		entries++;
	}
	fclose(out);
	return 0;
}
