/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sysd.h"

/*
 * The notification protocol of sd_notify(3), spoken directly: one datagram
 * to the AF_UNIX socket named by $NOTIFY_SOCKET (a leading '@' means the
 * abstract namespace). Linking libsystemd for it loaded five more shared
 * libraries (libgcrypt, liblzma, liblz4, libcap, libgpg-error) into every
 * daemon, about 0.9 MB of an idle node's resident memory, for four lines of
 * socket code.
 *
 * Without NOTIFY_SOCKET every call is a no-op; a send that fails (systemd
 * gone) may not stop a daemon either, so every result is ignored.
 */

static void
notify(const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	if ((len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

void
sysd_ready(void)
{
	notify("READY=1");
}

void
sysd_stopping(void)
{
	notify("STOPPING=1");
}

void
sysd_reloading(void)
{
	notify("RELOADING=1");
}

void
sysd_status(const char *fmt, ...)
{
	char buf[256 + sizeof("STATUS=")];
	va_list ap;

	memcpy(buf, "STATUS=", sizeof("STATUS=") - 1);
	va_start(ap, fmt);
	vsnprintf(buf + sizeof("STATUS=") - 1, sizeof(buf) - (sizeof("STATUS=") - 1), fmt, ap);
	va_end(ap);
	notify(buf);
}

void
sysd_watchdog(void)
{
	notify("WATCHDOG=1");
}

/* $WATCHDOG_USEC, when $WATCHDOG_PID is absent or names this process, as
 * sd_watchdog_enabled(3) reads them. */
static uint64_t
watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL || usec[0] < '0' || usec[0] > '9')
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	if (pid != NULL) {
		errno = 0;
		if (strtol(pid, &end, 10) != (long)getpid() || errno != 0 || *end != '\0' ||
		    end == pid)
			return 0;
	}
	return v;
}

uint64_t
sysd_watchdog_interval_us(void)
{
	/* Half the interval, as sd_watchdog_enabled(3) advises, so one late
	 * loop iteration does not get the daemon killed. */
	return watchdog_usec() / 2;
}
