/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "err.h"
#include "netwatch.h"

struct netwatch {
	int	fd;
};

static bool
link_is_up(const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return false;
	/* Loopback carries no hub traffic; IFF_RUNNING means carrier, not just admin up. */
	return (ifi->ifi_flags & IFF_LOOPBACK) == 0 &&
	    (ifi->ifi_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

bool
netwatch_parse(const void *buf, size_t len)
{
	const struct nlmsghdr *h;
	bool up = false;
	int n = (int)(len > INT32_MAX ? INT32_MAX : len);

	for (h = buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == RTM_NEWLINK && link_is_up(h))
			up = true;
		else if (h->nlmsg_type == RTM_NEWADDR)
			up = true;
	}
	return up;
}

int
netwatch_open(struct netwatch **ret, struct ktp_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct netwatch *nw;
	int fd, r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return ktp_err_set(err, -errno, "netwatch: socket: %s", strerror(errno));
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return ktp_err_set(err, r, "netwatch: bind: %s", strerror(-r));
	}
	if ((nw = malloc(sizeof(*nw))) == NULL) {
		close(fd);
		return ktp_err_set(err, -ENOMEM, "netwatch: out of memory");
	}
	nw->fd = fd;
	*ret = nw;
	return 0;
}

void
netwatch_close(struct netwatch *nw)
{
	if (nw == NULL)
		return;
	close(nw->fd);
	free(nw);
}

int
netwatch_fd(const struct netwatch *nw)
{
	return nw->fd;
}

int
netwatch_read(struct netwatch *nw, bool *ret_up, struct ktp_err *err)
{
	/* 8 KiB holds a burst of link messages; the loop drains the rest. */
	uint8_t buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool up = false;
	ssize_t n;
	int i;

	for (i = 0; i < 64; i++) {
		n = recv(nw->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == ENOBUFS) {
			up = true;
			continue;
		}
		if (n < 0)
			return ktp_err_set(err, -errno, "netwatch: recv: %s", strerror(errno));
		if (netwatch_parse(buf, (size_t)n))
			up = true;
	}
	*ret_up = up;
	return 0;
}
