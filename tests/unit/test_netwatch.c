/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <stdbool.h>

#include "err.h"

#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netwatch.h"

/* One netlink message with an ifinfomsg or ifaddrmsg body, appended at *off. */
static void
put_link(uint8_t *buf, size_t *off, uint16_t type, unsigned flags)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);
	struct ifinfomsg *ifi = NLMSG_DATA(h);

	memset(h, 0, NLMSG_SPACE(sizeof(*ifi)));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	h->nlmsg_type = type;
	ifi->ifi_flags = flags;
	*off += NLMSG_SPACE(sizeof(*ifi));
}

static void
put_addr(uint8_t *buf, size_t *off, uint16_t type)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);
	struct ifaddrmsg *ifa = NLMSG_DATA(h);

	memset(h, 0, NLMSG_SPACE(sizeof(*ifa)));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	h->nlmsg_type = type;
	*off += NLMSG_SPACE(sizeof(*ifa));
}

static void
test_netwatch_link_up_and_running_triggers(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, IFF_UP | IFF_RUNNING);
	assert_true(netwatch_parse(buf, off));
}

static void
test_netwatch_down_or_loopback_links_do_not_trigger(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, IFF_UP);			/* no carrier */
	put_link(buf, &off, RTM_NEWLINK, IFF_UP | IFF_RUNNING | IFF_LOOPBACK);
	put_link(buf, &off, RTM_DELLINK, IFF_UP | IFF_RUNNING);
	put_addr(buf, &off, RTM_DELADDR);
	assert_false(netwatch_parse(buf, off));
}

static void
test_netwatch_new_address_triggers_after_others(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, 0);
	put_addr(buf, &off, RTM_NEWADDR);
	assert_true(netwatch_parse(buf, off));
}

static void
test_netwatch_truncated_message_is_ignored(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	size_t off = 0;

	(void)state;
	put_link(buf, &off, RTM_NEWLINK, IFF_UP | IFF_RUNNING);
	assert_false(netwatch_parse(buf, 8));
	assert_false(netwatch_parse(buf, 0));
}

static void
test_netwatch_socket_opens_and_reads_nothing(void **state)
{
	struct netwatch *nw = NULL;
	struct ktp_err err = {0};
	bool up = true;

	(void)state;
	assert_int_equal(netwatch_open(&nw, &err), 0);
	assert_true(netwatch_fd(nw) >= 0);
	assert_int_equal(netwatch_read(nw, &up, &err), 0);
	assert_false(up);
	netwatch_close(nw);
	netwatch_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netwatch_link_up_and_running_triggers),
		cmocka_unit_test(test_netwatch_down_or_loopback_links_do_not_trigger),
		cmocka_unit_test(test_netwatch_new_address_triggers_after_others),
		cmocka_unit_test(test_netwatch_truncated_message_is_ignored),
		cmocka_unit_test(test_netwatch_socket_opens_and_reads_nothing),
	};

	return cmocka_run_group_tests_name("netwatch", tests, NULL, NULL);
}
