/* SPDX-License-Identifier: ISC */
/* conf — INI syntax through inih with a counting reader, and the typed value parsers.
 * Drives a schema table {section, key, parser, offset, min, max}; collects every error.
 * Knows no daemon's keys (conf_node, conf_hub do); never logs, never exits. */
#ifndef KTP_CONF_H
#define KTP_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONF_MAX_ERRORS 64

/* Every error of one load, in file order, each "FILE:LINE: what: why"
 * (or "FILE: ..." for a file-wide one such as a missing required key). */
struct conf_errors {
	size_t	n;				/* may exceed CONF_MAX_ERRORS */
	char	msg[CONF_MAX_ERRORS][KTP_ERR_MSG_LEN];
};

void	conf_errors_add(struct conf_errors *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
