/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "sysd.h"

/* sd_notify returns 0 without NOTIFY_SOCKET and a negative errno when the
 * socket is gone; neither may stop a daemon, so every result is ignored. */

void
sysd_ready(void)
{
	(void)sd_notify(0, "READY=1");
}

void
sysd_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

void
sysd_reloading(void)
{
	(void)sd_notify(0, "RELOADING=1");
}

void
sysd_status(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)sd_notifyf(0, "STATUS=%s", buf);
}

void
sysd_watchdog(void)
{
	(void)sd_notify(0, "WATCHDOG=1");
}

uint64_t
sysd_watchdog_interval_us(void)
{
	uint64_t usec = 0;

	/* Half the interval, as sd_watchdog_enabled(3) advises, so one late
	 * loop iteration does not get the daemon killed. */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec / 2;
}
