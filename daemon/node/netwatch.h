/* SPDX-License-Identifier: ISC */
/* netwatch — tells the node when a network interface or address comes up (rtnetlink).
 * Subscribes to RTMGRP_LINK and the IPv4/IPv6 address groups; parses the messages.
 * Decides nothing about pushing (node.c does); never logs. */
#ifndef KTP_NETWATCH_H
#define KTP_NETWATCH_H

#include <stdbool.h>
#include <stddef.h>

struct ktp_err;
struct netwatch;

int	netwatch_open(struct netwatch **ret, struct ktp_err *err);
void	netwatch_close(struct netwatch *nw);		/* NULL is a no-op */
int	netwatch_fd(const struct netwatch *nw);		/* for the event loop, non-blocking */
/* Drains the socket; *ret_up is true when any message said a non-loopback link is
 * up and running or an address was added. -ENOBUFS (the kernel dropped events) also
 * sets *ret_up: after an overflow we cannot know, and one push too many is cheap. */
int	netwatch_read(struct netwatch *nw, bool *ret_up, struct ktp_err *err);
/* Parses one buffer of netlink messages as received (pure, for tests). */
bool	netwatch_parse(const void *buf, size_t len);

#endif
