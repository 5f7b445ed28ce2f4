/* SPDX-License-Identifier: ISC */
/* sysd — the daemons' thin wrapper over libsystemd's sd_notify.
 * READY=1, STATUS=, WATCHDOG=1, STOPPING=1 and the watchdog interval.
 * Harmless without systemd (every call is then a no-op). */
#ifndef KTP_SYSD_H
#define KTP_SYSD_H

#include <stdint.h>

void	sysd_ready(void);
void	sysd_stopping(void);
void	sysd_reloading(void);
void	sysd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	sysd_watchdog(void);
/* Half the configured WatchdogSec in microseconds, 0 when there is no watchdog. */
uint64_t sysd_watchdog_interval_us(void);

#endif
