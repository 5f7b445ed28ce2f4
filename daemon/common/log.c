/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

static const char *log_ident = "ktpsync";
static bool log_debug_on;
static bool log_journald;

void
log_init(const char *ident, bool debug)
{
	log_ident = ident;
	log_debug_on = debug;
	/* journald reads "<N>" prefixes only from a stream it set up itself. */
	log_journald = getenv("JOURNAL_STREAM") != NULL;
}

static void
vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const char *names[] = {
		[LOG_LEVEL_ERR] = "error", [LOG_LEVEL_WARN] = "warning",
		[LOG_LEVEL_INFO] = "info", [LOG_LEVEL_DEBUG] = "debug",
	};
	char line[1024];
	int saved = errno;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_journald) {
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	} else {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s[%s]: %s\n", stamp, log_ident, names[level], line);
	}
	errno = saved;
}

#define LOG_FN(name, level, guard)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	if (guard)						\
		return;						\
	va_start(ap, fmt);					\
	vlog(level, fmt, ap);					\
	va_end(ap);						\
}

LOG_FN(log_err, LOG_LEVEL_ERR, 0)
LOG_FN(log_warn, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, !log_debug_on)
