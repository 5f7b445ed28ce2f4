/* SPDX-License-Identifier: ISC */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "err.h"
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

int
sysd_block_signals(struct ktp_err *err)
{
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if ((r = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0)
		return ktp_err_set(err, -r, "signals: %s", strerror(r));
	return 0;
}

int
sysd_loop_new(sd_event **ret, sd_event_signal_handler_t on_stop,
	      sd_event_signal_handler_t on_reload, void *arg, struct ktp_err *err)
{
	sd_event *e = NULL;
	int r;

	if ((r = sysd_block_signals(err)) < 0)
		return r;
	if ((r = sd_event_new(&e)) < 0)
		return ktp_err_set(err, r, "event loop: %s", strerror(-r));
	/* NULL sources are floating: the loop owns them and frees them with itself. */
	if ((r = sd_event_add_signal(e, NULL, SIGTERM, on_stop, arg)) < 0 ||
	    (r = sd_event_add_signal(e, NULL, SIGINT, on_stop, arg)) < 0 ||
	    (r = sd_event_add_signal(e, NULL, SIGHUP, on_reload, arg)) < 0) {
		ktp_err_set(err, r, "signals: %s", strerror(-r));
		goto fail;
	}
	if ((r = sd_event_set_watchdog(e, 1)) < 0) {
		ktp_err_set(err, r, "watchdog: %s", strerror(-r));
		goto fail;
	}
	*ret = e;
	return 0;
fail:
	sd_event_unref(e);
	return r;
}
