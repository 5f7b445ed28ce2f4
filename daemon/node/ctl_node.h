/* SPDX-License-Identifier: ISC */
/* ctl_node — ktpsyncd's control-socket commands: the dispatch table and its handlers.
 * status, sync, pause, resume, import, put, remove, report, unrecorded, export, metrics.
 * Handlers run on ctlsock's threads and take no lock: node.h's operations lock inside. */
#ifndef KTP_CTL_NODE_H
#define KTP_CTL_NODE_H

#include <stddef.h>

struct ctl_cmd;

/* The table ctlsock_start takes; ctx is the struct node. Static storage. */
const struct ctl_cmd *ctl_node_commands(size_t *ret_n);

#endif
