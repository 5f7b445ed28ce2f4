/* SPDX-License-Identifier: ISC */
/* ktpsyncd — the regency daemon: options, configuration, then node.c does the rest.
 * Start-up order (config, state-dir lock, keys, journal, control socket, READY=1)
 * and the reverse teardown are node_open and node_run's. */
#include <errno.h>
#include <stdbool.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "area.h"
#include "conf.h"
#include "conf_node.h"
#include "db.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "node.h"
#include "precheck.h"
#include "tzone.h"

#define DEFAULT_CONF "/etc/ktpsync/ktpsyncd.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: ktpsyncd [-dn] [-f file]\n");
	exit(2);
}

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

static int
run(const char *path, struct node_conf *c)
{
	struct ktp_err err = {0};
	struct node *n = NULL;
	int r;

	/* Both initialise global state and must run before any thread starts. */
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("cannot initialise libsodium or libcurl");
		return 1;
	}
	if ((r = node_open(path, c, &n, &err)) < 0) {
		log_err("%s", err.msg);
		goto out;
	}
	if ((r = node_run(n, &err)) < 0)
		log_err("%s", err.msg);
out:
	node_close(n);
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
	const char *path = DEFAULT_CONF;
	struct node_conf c = {0};
	bool check = false, debug = false;
	int ch;

	while ((ch = getopt(argc, argv, "df:n")) != -1) {
		switch (ch) {
		case 'd':
			debug = true;
			break;
		case 'f':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("ktpsyncd", debug);
	tune_malloc();
	if (load_conf(path, &c) < 0)
		return 1;
	if (check) {
		if (check_places(&c) < 0 || check_start(&c) < 0) {
			conf_node_done(&c);
			return 1;
		}
		conf_node_print(&c, stdout);
		printf("configuration OK\n");
		conf_node_done(&c);
		return 0;
	}
	return run(path, &c);
}
