/* SPDX-License-Identifier: ISC */
/* ktpsyncd — the regency daemon: pushes its journal to the provincial hub (node.c) and
 * answers ktpctl. main: options, configuration, init in order (state-dir lock, keys,
 * journal: node_open; control socket, netlink socket, READY=1, the sd-event loop, push
 * thread), the loop (signals, SIGHUP reload, link up, watchdog), then teardown in reverse. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "area.h"
#include "cmdline.h"
#include "conf.h"
#include "conf_node.h"
#include "ctl_node.h"
#include "ctlsock.h"
#include "db.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "netwatch.h"
#include "node.h"
#include "precheck.h"
#include "sysd.h"
#include "tzone.h"
#include "version.h"

#define DEFAULT_CONF "/etc/ktpsync/ktpsyncd.conf"

struct daemon {
	const char		*conf_path;
	struct node		*node;
	sd_event		*loop;
	sd_event_source		*netlink;
	sd_event_source		*push_check;	/* the watchdog's view of the push thread */
	uint64_t		push_check_us;
	struct ctlsock		*ctl;
	struct netwatch		*nw;
	/* What start-up needs of the configuration node_open takes. */
	char			*ctl_path;
	char			*admin_group;
	char			started[512];
};

/* Prints every error of the file, as check mode and a failed start both do. */
static int
load_conf(const char *path, struct node_conf *c)
{
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int r;

	if (errs == NULL) {
		fprintf(stderr, "conf: out of memory\n");
		return -ENOMEM;
	}
	if ((r = conf_node_load(path, c, errs)) < 0)
		conf_errors_print(errs, "conf: ", path, stderr);
	free(errs);
	return r;
}

/* -n loads what start-up loads from the configured paths. */
static int
check_places(const struct node_conf *c)
{
	struct ktp_err err = {0};
	struct area_table *t = NULL;
	struct tzone tz;
	int r;

	if ((r = node_load_places(c, &t, &tz, &err)) < 0)
		fprintf(stderr, "conf: %s\n", err.msg);
	area_table_free(t);
	return r;
}

/* -n runs start-up's checks of the files and places the node will use (the
 * journal's quick_check too) and starts nothing: no lock, no database, no socket. */
static int
check_start(const struct node_conf *c)
{
	struct ktp_err err = {0};
	struct node_keys *k = NULL;
	int r;

	if ((r = precheck_state_dir(c->state_dir, "node.db", DB_JOURNAL_FIX, &err)) < 0 ||
	    (r = keys_load_node(c->key_file, &k, &err)) < 0 ||
	    (r = precheck_socket(c->control_socket, c->admin_group, &err)) < 0)
		fprintf(stderr, "%s\n", err.msg);
	keys_node_free(k);
	return r;
}

static void
log_conf_errors(const struct conf_errors *e)
{
	size_t i;

	for (i = 0; i < e->n && i < CONF_MAX_ERRORS; i++)
		log_err("conf: %s", e->msg[i]);
}

static int
on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	struct daemon *d = arg;
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	struct ktp_err err = {0};
	struct node_conf c = {0};

	(void)s, (void)si;
	sysd_reloading();
	if (errs == NULL || conf_node_load(d->conf_path, &c, errs) < 0) {
		if (errs != NULL)
			log_conf_errors(errs);
		log_warn("conf: %s: reload failed, keeping the running configuration",
			 d->conf_path);
		goto out;
	}
	if (node_reconfigure(d->node, &c, &err) < 0) {
		log_warn("conf: %s: %s, keeping the running configuration", d->conf_path, err.msg);
		conf_node_done(&c);
		goto out;
	}
	log_info("conf: %s reloaded", d->conf_path);
out:
	free(errs);
	sysd_ready();
	node_notify_status(d->node);
	return 0;
}

static int
on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	(void)si, (void)arg;
	log_info("stopping");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int
on_netlink(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct daemon *d = arg;
	struct ktp_err err = {0};
	bool up = false;

	(void)s, (void)fd, (void)revents;
	if (netwatch_read(d->nw, &up, &err) < 0)
		log_warn("%s, ignoring", err.msg);
	if (up) {
		log_debug("netwatch: a link or address came up, pushing now");
		node_push_now(d->node);
	}
	return 0;
}

/* The loop sends WATCHDOG=1 while it runs (sd_event_set_watchdog); this timer
 * turns that off while the push thread is stuck, so systemd restarts a node
 * whose loop is fine but which no longer pushes, and on again if it recovers. */
static int
on_push_check(sd_event_source *s, uint64_t usec, void *arg)
{
	struct daemon *d = arg;
	uint64_t stuck = node_push_stuck_ms(d->node);
	int r;

	(void)usec;
	if (stuck > 0)
		log_err("watchdog: push thread stuck for %" PRIu64 " s", stuck / 1000);
	(void)sd_event_set_watchdog(d->loop, stuck == 0);
	/* A one-shot timer: again in an interval. */
	if ((r = sd_event_source_set_time_relative(s, d->push_check_us)) < 0)
		return r;
	return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* After READY=1: sd-event sends the first WATCHDOG=1 as soon as the loop has
 * a watchdog, and systemd (and test 065) must see READY=1 first. */
static int
start_loop(struct daemon *d, struct ktp_err *err)
{
	int r;

	if ((r = sysd_loop_new(&d->loop, on_stop, on_reload, d, err)) < 0)
		return ktp_err_prefix(err, "node");
	if (d->nw != NULL &&
	    sd_event_add_io(d->loop, &d->netlink, netwatch_fd(d->nw), EPOLLIN, on_netlink, d) < 0) {
		log_warn("netwatch: cannot watch the socket, pushing on the timer only");
		netwatch_close(d->nw);
		d->nw = NULL;
	}
	d->push_check_us = sysd_watchdog_interval_us();
	if (d->push_check_us == 0)
		return 0;
	/* Once a watchdog interval (half WatchdogSec), with sd-event's default
	 * accuracy (0: 250 ms) to share wakeups with its own watchdog timer. */
	if ((r = sd_event_add_time_relative(d->loop, &d->push_check, CLOCK_MONOTONIC,
					    d->push_check_us, 0, on_push_check, d)) < 0)
		return ktp_err_set(err, r, "node: watchdog timer: %s", strerror(-r));
	return 0;
}

/* A host without rtnetlink (some containers) still pushes on the timer. The
 * socket queues what the kernel says until the loop watches it. */
static void
open_netwatch(struct daemon *d)
{
	struct ktp_err err = {0};

	if (netwatch_open(&d->nw, &err) < 0)
		log_warn("%s, pushing on the timer only", err.msg);
}

static int
start_ctl(struct daemon *d, struct ktp_err *err)
{
	struct ctlsock_opts o = {
		.path = d->ctl_path,
		.admin_group = d->admin_group,
	};
	const struct ctl_cmd *cmds;
	size_t n_cmds;

	cmds = ctl_node_commands(&n_cmds);
	return ctlsock_start(&o, cmds, n_cmds, d->node, &d->ctl, err);
}

/* Stop taking input, give the push in flight its grace, then cancel it. */
static void
stop_all(struct daemon *d)
{
	if (d->node != NULL) {
		sysd_stopping();
		node_stop(d->node);
	}
	ctlsock_stop(d->ctl);
	d->ctl = NULL;
	node_close(d->node);
	d->node = NULL;
	d->netlink = sd_event_source_unref(d->netlink);
	netwatch_close(d->nw);
	d->nw = NULL;
	d->push_check = sd_event_source_unref(d->push_check);
	d->loop = sd_event_unref(d->loop);
}

/* Keeps what start-up reads of c once node_open has taken it. */
static int
keep_start_conf(struct daemon *d, const struct node_conf *c)
{
	d->ctl_path = strdup(c->control_socket);
	d->admin_group = c->admin_group != NULL ? strdup(c->admin_group) : NULL;
	snprintf(d->started, sizeof(d->started), "ktpsyncd %s: node %04u started, pushing to %s",
		 ktp_version(), c->id, c->hub_url);
	if (d->ctl_path == NULL || (c->admin_group != NULL && d->admin_group == NULL))
		return -ENOMEM;
	return 0;
}

static int
run(const char *path, struct node_conf *c)
{
	struct daemon d = { .conf_path = path };
	struct ktp_err err = {0};
	int r;

	/* Both initialise global state and must run before any thread starts. */
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("cannot initialise libsodium or libcurl");
		return 1;
	}
	if ((r = keep_start_conf(&d, c)) < 0) {
		log_err("ktpsyncd: out of memory");
		goto out;
	}
	/* Before any thread: every thread inherits the mask, and a signal during
	 * start-up waits, pending, for the loop. */
	signal(SIGPIPE, SIG_IGN);
	if ((r = sysd_block_signals(&err)) < 0 || (r = node_open(path, c, &d.node, &err)) < 0 ||
	    (r = start_ctl(&d, &err)) < 0)
		goto out;
	open_netwatch(&d);
	sysd_ready();
	/* The loop before the push thread: its first attempt sends STATUS=. */
	if ((r = start_loop(&d, &err)) < 0 || (r = node_start(d.node, &err)) < 0)
		goto out;
	node_notify_status(d.node);
	log_info("%s", d.started);
	if ((r = sd_event_loop(d.loop)) < 0)
		ktp_err_set(&err, r, "node: event loop: %s", strerror(-r));
out:
	if (r < 0 && err.msg[0] != '\0')
		log_err("%s", err.msg);
	stop_all(&d);
	free(d.ctl_path);
	free(d.admin_group);
	curl_global_cleanup();
	return r < 0 ? 1 : 0;
}

/* The node idles for hours between bursts (an import, a catch-up) that
 * allocate batch buffers of megabytes in several threads. glibc by default
 * raises its mmap and trim thresholds after such a buffer is freed, and
 * never trims the top of a thread's arena, so each burst left megabytes
 * resident while idle. Fixed thresholds keep big buffers in mmap (returned
 * on free) and two arenas keep few free lists. */
static void
tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	mallopt(M_TRIM_THRESHOLD, 512 * 1024);
	mallopt(M_ARENA_MAX, 2);
}

int
main(int argc, char **argv)
{
	struct cmdline o = {0};
	struct node_conf c = {0};

	cmdline_parse(argc, argv, "ktpsyncd", DEFAULT_CONF, &o);
	log_init("ktpsyncd", o.debug);
	tune_malloc();
	if (load_conf(o.conf, &c) < 0)
		return 1;
	if (o.check) {
		if (check_places(&c) < 0 || check_start(&c) < 0) {
			conf_node_done(&c);
			return 1;
		}
		conf_node_print(&c, stdout);
		printf("configuration OK\n");
		conf_node_done(&c);
		return 0;
	}
	return run(o.conf, &c);
}
