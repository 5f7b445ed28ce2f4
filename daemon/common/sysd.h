/* SPDX-License-Identifier: ISC */
/* sysd — the daemons' thin wrapper over libsystemd: sd_notify (READY=1, STATUS=,
 * WATCHDOG=1, STOPPING=1, the watchdog interval) and the sd-event loop both daemons
 * run on. Harmless without systemd (every notify is then a no-op). */
#ifndef KTP_SYSD_H
#define KTP_SYSD_H

#include <stdint.h>

#include <systemd/sd-event.h>

struct ktp_err;

void	sysd_ready(void);
void	sysd_stopping(void);
void	sysd_reloading(void);
void	sysd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	sysd_watchdog(void);
/* Half the configured WatchdogSec in microseconds, 0 when there is no watchdog. */
uint64_t sysd_watchdog_interval_us(void);

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread. Call it before any
 * thread starts: threads inherit the mask, so only the loop sees the signals,
 * and one that arrives before the loop exists waits for it. */
int	sysd_block_signals(struct ktp_err *err);
/* A new sd-event loop for the main thread: SIGTERM and SIGINT call on_stop, SIGHUP
 * calls on_reload (blocked first, as sysd_block_signals does), and when systemd set
 * a watchdog the loop itself sends WATCHDOG=1 (sd_event_set_watchdog), the first at
 * once: create it after READY=1. */
int	sysd_loop_new(sd_event **ret, sd_event_signal_handler_t on_stop,
		      sd_event_signal_handler_t on_reload, void *arg, struct ktp_err *err);

#endif
