/* SPDX-License-Identifier: ISC */
/* log — the daemons' one logging API: levels, printf-checked, to stderr.
 * Adds journald <N> priority prefixes when JOURNAL_STREAM is set; keeps errno.
 * Never given a NIK, a name or a key: callers log seqs, counts, ids, fingerprints. */
#ifndef KTP_LOG_H
#define KTP_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERR = 3, LOG_LEVEL_WARN = 4, LOG_LEVEL_INFO = 6, LOG_LEVEL_DEBUG = 7 };

/* ident is borrowed for the life of the process ("ktpsyncd"). */
void	log_init(const char *ident, bool debug);

void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
