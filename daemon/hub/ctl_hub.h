/* SPDX-License-Identifier: ISC */
/* ctl_hub — ktphubd's control-socket commands: status, nodes, report, conflicts, import-bundle.
 * The dispatch table for ctlsock (STYLE A13); the context of every handler is the struct hub.
 * Handlers only translate: the hub does the work, under its own locks. */
#ifndef KTP_CTL_HUB_H
#define KTP_CTL_HUB_H

#include <stddef.h>

#include "ctlsock.h"

extern const struct ctl_cmd ctl_hub_cmds[];
extern const size_t ctl_hub_n_cmds;

#endif
