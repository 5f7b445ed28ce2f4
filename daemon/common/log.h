/* SPDX-License-Identifier: ISC */
/* log — the daemons' one logging API: levels, printf-checked, to stderr or the journal.
 * Under journald (JOURNAL_STREAM names our stderr) each message goes to the journal as
 * an entry with PRIORITY= and, from log_fields, the caller's KTP_* fields, so
 * `journalctl KTP_NODE=3201` finds them; elsewhere a timestamped line. Keeps errno.
 * Never given a NIK, a name or a key: callers log seqs, counts, ids, fingerprints. */
#ifndef KTP_LOG_H
#define KTP_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERR = 3, LOG_LEVEL_WARN = 4, LOG_LEVEL_INFO = 6, LOG_LEVEL_DEBUG = 7 };

/* ident is borrowed for the life of the process ("ktpsyncd"). */
void	log_init(const char *ident, bool debug);
/* `ktpctl log debug|info`: any thread, at any time. */
void	log_set_debug(bool on);
bool	log_debug_enabled(void);

void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A message with journal fields: fields is "KEY=VALUE" lines joined by '\n'
 * (KEY upper case, starting KTP_; no value holds a newline), e.g.
 * "KTP_NODE=3201\nKTP_SEQ_FIRST=17". Fields a line cannot carry are dropped;
 * the text is what the plain call would write. */
void	log_fields(enum log_level level, const char *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
