/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

/* The journal takes at most this many fields from one message: MESSAGE,
 * PRIORITY, SYSLOG_IDENTIFIER and the caller's. */
#define LOG_MAX_FIELDS 16

static const char *log_ident = "ktpsync";
static atomic_bool log_debug_on;
static bool log_journald;

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected to our
 * stderr; a child that inherited the variable but not the stream (a shell
 * redirect) must write lines, not entries. */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, bool debug)
{
	log_ident = ident;
	atomic_store(&log_debug_on, debug);
	log_journald = stderr_is_journal();
}

void
log_set_debug(bool on)
{
	atomic_store(&log_debug_on, on);
}

bool
log_debug_enabled(void)
{
	return atomic_load(&log_debug_on);
}

/* Splits fields into iov (pointing into buf, which it edits), after the
 * three fixed ones; returns how many iov entries in all. A field that is
 * not KEY=VALUE with an upper-case KEY is left out: the journal would refuse
 * the whole entry for it. */
static size_t
journal_iov(struct iovec *iov, char *msg, char *prio, char *ident, char *fields)
{
	size_t n = 0;
	char *save = NULL, *f;

	iov[n++] = (struct iovec){ msg, strlen(msg) };
	iov[n++] = (struct iovec){ prio, strlen(prio) };
	iov[n++] = (struct iovec){ ident, strlen(ident) };
	for (f = fields != NULL ? strtok_r(fields, "\n", &save) : NULL;
	     f != NULL && n < LOG_MAX_FIELDS; f = strtok_r(NULL, "\n", &save)) {
		size_t k = strspn(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

		if (k == 0 || f[k] != '=' || f[0] == '_' || (f[0] >= '0' && f[0] <= '9'))
			continue;
		iov[n++] = (struct iovec){ f, strlen(f) };
	}
	return n;
}

static bool
to_journal(enum log_level level, const char *line, const char *fields)
{
	struct iovec iov[LOG_MAX_FIELDS];
	char msg[1100], prio[16], ident[80], copy[512];
	size_t n;

	snprintf(msg, sizeof(msg), "MESSAGE=%s", line);
	snprintf(prio, sizeof(prio), "PRIORITY=%d", (int)level);
	snprintf(ident, sizeof(ident), "SYSLOG_IDENTIFIER=%s", log_ident);
	snprintf(copy, sizeof(copy), "%s", fields != NULL ? fields : "");
	n = journal_iov(iov, msg, prio, ident, copy);
	return sd_journal_sendv(iov, (int)n) >= 0;
}

static void
vlog(enum log_level level, const char *fields, const char *fmt, va_list ap)
{
	static const char *names[] = {
		[LOG_LEVEL_ERR] = "error", [LOG_LEVEL_WARN] = "warning",
		[LOG_LEVEL_INFO] = "info", [LOG_LEVEL_DEBUG] = "debug",
	};
	char line[1024];
	int saved = errno;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_journald) {
		/* The stream is still there when the journal socket is not
		 * (a sandbox): "<N>" prefixes keep the level. */
		if (!to_journal(level, line, fields))
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

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	if (level == LOG_LEVEL_DEBUG && !log_debug_enabled())	\
		return;						\
	va_start(ap, fmt);					\
	vlog(level, NULL, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_err, LOG_LEVEL_ERR)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)

void
log_fields(enum log_level level, const char *fields, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_LEVEL_DEBUG && !log_debug_enabled())
		return;
	va_start(ap, fmt);
	vlog(level, fields, fmt, ap);
	va_end(ap);
}
