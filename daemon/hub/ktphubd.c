/* SPDX-License-Identifier: ISC */
/* ktphubd — the provincial hub: receives sealed batches over HTTP, applies them exactly once,
 * keeps aggregates and serves reports. main: options, init in order, loop, teardown.
 * The main thread runs an sd-event loop for the signals, the watchdog and the STATUS=
 * line; libmicrohttpd and the control socket run on threads of their own. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-event.h>

#include "area.h"
#include "cmdline.h"
#include "conf.h"
#include "conf_hub.h"
#include "err.h"
#include "hub.h"
#include "keys.h"
#include "log.h"
#include "precheck.h"
#include "sysd.h"
#include "tzone.h"
#include "version.h"

#define DEFAULT_CONF	"/etc/ktpsync/ktphubd.conf"
#define STATUS_EVERY_US	(10 * 1000 * 1000)


struct daemon {
	sd_event		*loop;
	sd_event_source		*status;
	struct hub		*hub;
};

/* Prints every error of the file, each once, as "conf: FILE:LINE: ...". */
static int
load_conf(const char *path, struct hub_conf *c)
{
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int r;

	if (errs == NULL) {
		fprintf(stderr, "ktphubd: out of memory\n");
		return -ENOMEM;
	}
	r = conf_hub_load(path, c, errs);
	conf_errors_print(errs, "conf: ", path, stderr);
	if (r == 0 && errs->n > 0)
		r = -EINVAL;
	free(errs);
	return r;
}

static int
on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	struct daemon *d = arg;

	(void)s;
	(void)si;
	log_info("stopping: finishing the applies in flight");
	sysd_stopping();
	return sd_event_exit(d->loop, 0);
}

static int
on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	struct daemon *d = arg;
	struct ktp_err err = {0};

	(void)s;
	(void)si;
	sysd_reloading();
	if (hub_reload(d->hub, &err) < 0)
		log_err("reload: %s", err.msg);
	sysd_ready();
	return 0;
}

static void
send_status(struct daemon *d)
{
	char line[256];

	hub_status_line(d->hub, line, sizeof(line));
	sysd_status("%s", line);
}

/* A one-shot timer, re-armed from its handler: the next line is due
 * STATUS_EVERY_US after this one was sent, however late it ran. */
static int
on_status(sd_event_source *s, uint64_t usec, void *arg)
{
	int r;

	(void)usec;
	send_status(arg);
	if ((r = sd_event_source_set_time_relative(s, STATUS_EVERY_US)) < 0 ||
	    (r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT)) < 0)
		log_err("status: %s", strerror(-r));
	return 0;
}

/* Made only after READY=1: the loop's watchdog sends its first WATCHDOG=1 at once,
 * and systemd hears that the hub is up before it hears from the watchdog. */
static int
setup_loop(struct daemon *d, struct ktp_err *err)
{
	int r;

	if ((r = sysd_loop_new(&d->loop, on_stop, on_reload, d, err)) < 0)
		return r;
	if ((r = sd_event_add_time_relative(d->loop, &d->status, CLOCK_MONOTONIC,
					    STATUS_EVERY_US, 0, on_status, d)) < 0)
		return ktp_err_set(err, r, "status timer: %s", strerror(-r));
	return 0;
}

/* -n loads what start-up loads from the configured paths. */
static int
check_places(const struct hub_conf *c)
{
	struct ktp_err err = {0};
	struct area_table *t = NULL;
	struct tzone tz;
	int r;

	if ((r = hub_load_places(c, &t, &tz, &err)) < 0)
		fprintf(stderr, "conf: %s\n", err.msg);
	area_table_free(t);
	return r;
}

static int
check_key(const char *path, struct ktp_err *err)
{
	struct hub_keys *k = NULL;
	int r;

	r = keys_load_hub(path, &k, err);
	keys_hub_free(k);
	return r;
}

/* -n runs start-up's checks of the files and places the hub will use and
 * starts nothing: no lock, no database, no socket, no listening port. */
static int
check_start(const struct hub_conf *c)
{
	struct ktp_err err = {0};
	int r;

	if ((r = check_key(c->key_file, &err)) < 0 ||
	    (c->previous_key_file != NULL && (r = check_key(c->previous_key_file, &err)) < 0) ||
	    (r = precheck_state_dir(c->state_dir, "hub.db", NULL, &err)) < 0 ||
	    (c->tls_cert != NULL && (r = precheck_pem(c->tls_cert, HUB_TLS_FILE_MAX, &err)) < 0) ||
	    (c->tls_key != NULL && (r = precheck_pem(c->tls_key, HUB_TLS_FILE_MAX, &err)) < 0) ||
	    (r = precheck_socket(c->control_socket, c->admin_group, &err)) < 0)
		fprintf(stderr, "%s\n", err.msg);
	return r;
}

static int
run(const char *conf_path, struct hub_conf *conf)
{
	struct daemon d = {0};
	struct ktp_err err = {0};
	char line[256];
	int r;

	signal(SIGPIPE, SIG_IGN);
	/* Before any thread: every thread inherits the mask, and a signal during
	 * start-up waits, pending, for the loop. */
	if ((r = sysd_block_signals(&err)) < 0 ||
	    (r = hub_open(conf_path, conf, &d.hub, &err)) < 0 ||
	    (r = hub_start(d.hub, &err)) < 0) {
		log_err("%s", err.msg);
		goto out;
	}
	hub_status_line(d.hub, line, sizeof(line));
	log_info("ktphubd %s listening on port %u, %s", ktp_version(), hub_http_port(d.hub), line);
	sysd_ready();
	send_status(&d);
	if ((r = setup_loop(&d, &err)) < 0) {
		log_err("%s", err.msg);
		goto out;
	}
	if ((r = sd_event_loop(d.loop)) < 0)
		log_err("event loop: %s", strerror(-r));
out:
	hub_free(d.hub);
	sd_event_source_unref(d.status);
	sd_event_unref(d.loop);
	if (r == 0)
		log_info("stopped");
	return r;
}

int
main(int argc, char **argv)
{
	struct hub_conf conf = {0};
	struct cmdline o = {0};
	char warning[512];
	int r;

	cmdline_parse(argc, argv, "ktphubd", DEFAULT_CONF, &o);
	log_init("ktphubd", o.debug);
	if (load_conf(o.conf, &conf) < 0) {
		conf_hub_done(&conf);
		return 1;
	}
	if (conf_hub_open_warning(&conf, o.conf, warning, sizeof(warning))) {
		if (o.check)
			fprintf(stderr, "conf: warning: %s\n", warning);
		else
			log_warn("conf: %s", warning);
	}
	if (o.check) {
		if (check_places(&conf) < 0 || check_start(&conf) < 0) {
			conf_hub_done(&conf);
			return 1;
		}
		conf_hub_print(&conf, stdout);
		printf("configuration OK\n");
		conf_hub_done(&conf);
		return 0;
	}
	if (sodium_init() < 0) {
		log_err("libsodium: cannot initialise");
		conf_hub_done(&conf);
		return 1;
	}
	r = run(o.conf, &conf);
	conf_hub_done(&conf);
	return r < 0 ? 1 : 0;
}
