/* SPDX-License-Identifier: ISC */
/* The push state machine of node.c against a small hub on 127.0.0.1 (libmicrohttpd): it
 * opens every batch with the real protocol code, keeps acked and the chain like ktphubd,
 * and can be told to give scripted answers first. Test names follow the transitions of
 * the diagram in node.c. */
#include "unit.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "batch.h"
#include "chain.h"
#include "conf.h"
#include "conf_node.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"
#include "keys.h"
#include "keytext.h"
#include "log.h"
#include "node.h"
#include "node_export.h"
#include "node_status.h"

#define MAX_SEQ		2000
#define MAX_REQS	64
#define MAX_FORCED	8

struct forced {
	unsigned	status;
	char		body[200];
	unsigned	retry_after;
};

/* The fake hub. */
struct hub {
	struct MHD_Daemon	*mhd;
	uint16_t		port;
	pthread_mutex_t		lock;
	struct hub_keys		*keys;
	uint8_t			node_pk[KTP_ED25519_PK_LEN];
	uint64_t		acked;
	uint8_t			chains[MAX_SEQ + 1][KTP_HASH_LEN];	/* [seq] = chain at seq */
	uint64_t		applied;
	struct forced		forced[MAX_FORCED];
	size_t			n_forced;
	char			date[64];	/* a Date header to answer with, "" = MHD's */
	char			warning[128];	/* a "warning" with each 200, "" = none */
	uint64_t		hb_ms;		/* stamp of the last heartbeat received */
	uint64_t		req_first[MAX_REQS];
	uint32_t		req_count[MAX_REQS];
	size_t			n_reqs;
};

struct fixture {
	char		*dir;
	struct hub	hub;
	struct node	*node;
};

struct upload {
	uint8_t	*buf;
	size_t	len;
};

/* --- the fake hub -------------------------------------------------------- */

static unsigned
answer_json(struct hub *h, unsigned status, const char *error, char *out, size_t cap)
{
	char hex[2 * KTP_HASH_LEN + 1];

	chain_to_hex(h->chains[h->acked], hex);
	if (error != NULL)
		snprintf(out, cap, "{\"error\":\"%s\",\"acked\":%" PRIu64 "}", error, h->acked);
	else if (h->warning[0] != '\0')
		snprintf(out, cap, "{\"acked\":%" PRIu64 ",\"chain\":\"%s\",\"warning\":\"%s\"}",
			 h->acked, hex, h->warning);
	else
		snprintf(out, cap, "{\"acked\":%" PRIu64 ",\"chain\":\"%s\"}", h->acked, hex);
	return status;
}

/* The exactly-once rule of PROTOCOL.md section 9, on chains only. */
static unsigned
hub_apply(struct hub *h, const uint8_t *wire, size_t len, char *out, size_t cap)
{
	struct batch_hub_key k = {0};
	struct batch_header hdr;
	struct batch_reader rd;
	const uint8_t *enc;
	uint8_t *plain = NULL, c[KTP_HASH_LEN];
	size_t plain_len, enc_len;
	uint64_t seq;

	k.id = h->keys->id;
	memcpy(k.sk, h->keys->sk, sizeof(k.sk));
	if (batch_open(wire, len, h->node_pk, &k, 1, &hdr, &plain, &plain_len, NULL) < 0)
		return answer_json(h, 400, "bad batch", out, cap);
	if (h->n_reqs < MAX_REQS) {
		h->req_first[h->n_reqs] = hdr.first;
		h->req_count[h->n_reqs++] = hdr.count;
	}
	if (hdr.count == 0)
		h->hb_ms = batch_heartbeat_ms(plain);
	if (hdr.first > h->acked + 1) {
		free(plain);
		return answer_json(h, 409, "gap", out, cap);
	}
	memcpy(c, hdr.prev_chain, sizeof(c));
	batch_reader_init(&rd, plain, plain_len);
	for (seq = hdr.first; seq <= hdr.last; seq++) {
		if (seq - 1 == h->acked && memcmp(c, h->chains[h->acked], KTP_HASH_LEN) != 0) {
			free(plain);
			return answer_json(h, 409, "diverged", out, cap);
		}
		assert_int_equal(batch_reader_next(&rd, &enc, &enc_len, NULL), 0);
		chain_next(c, enc, enc_len, c);
		if (seq > h->acked && seq <= MAX_SEQ) {
			memcpy(h->chains[seq], c, KTP_HASH_LEN);
			h->acked = seq;
			h->applied++;
		}
	}
	free(plain);
	return answer_json(h, 200, NULL, out, cap);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *body, unsigned retry_after,
      const char *date)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[16];

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (date[0] != '\0')
		MHD_add_response_header(r, "Date", date);
	if (retry_after > 0) {
		snprintf(ra, sizeof(ra), "%u", retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *data, size_t *data_len, void **con_cls)
{
	struct hub *h = cls;
	struct upload *u = *con_cls;
	struct forced f = {0};
	char body[256], date[64];
	unsigned st;

	(void)url, (void)method, (void)version;
	if (u == NULL) {
		*con_cls = calloc(1, sizeof(*u));
		return MHD_YES;
	}
	if (*data_len > 0) {
		u->buf = realloc(u->buf, u->len + *data_len);
		memcpy(u->buf + u->len, data, *data_len);
		u->len += *data_len;
		*data_len = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&h->lock);
	if (h->n_forced > 0) {
		f = h->forced[0];
		memmove(h->forced, h->forced + 1, --h->n_forced * sizeof(f));
		if (h->n_reqs < MAX_REQS)
			h->req_count[h->n_reqs++] = 0;
	}
	st = f.status != 0 ? f.status : hub_apply(h, u->buf, u->len, body, sizeof(body));
	snprintf(date, sizeof(date), "%s", h->date);
	pthread_mutex_unlock(&h->lock);
	free(u->buf);
	free(u);
	*con_cls = NULL;
	return reply(conn, st, f.status != 0 ? f.body : body, f.retry_after, date);
}

static void
hub_force(struct hub *h, unsigned status, const char *body, unsigned retry_after)
{
	pthread_mutex_lock(&h->lock);
	h->forced[h->n_forced].status = status;
	snprintf(h->forced[h->n_forced].body, sizeof(h->forced[0].body), "%s", body);
	h->forced[h->n_forced++].retry_after = retry_after;
	pthread_mutex_unlock(&h->lock);
}

static void
hub_start(struct hub *h, const char *dir)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char path[PATH_MAX];
	uint8_t pk[32];

	pthread_mutex_init(&h->lock, NULL);
	snprintf(path, sizeof(path), "%s/hub.key", dir);
	assert_int_equal(keys_generate(KEYTEXT_HUB_SECRET, path, pk, NULL), 0);
	assert_int_equal(keys_load_hub(path, &h->keys, NULL), 0);
	h->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	assert_non_null(h->mhd);
	h->port = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT)->port;
}

/* --- the node ------------------------------------------------------------ */

static void
fill_conf(struct fixture *f, struct node_conf *c)
{
	char buf[PATH_MAX + 32];

	c->id = 3201;
	c->name = strdup("Kabupaten Bogor");
	snprintf(buf, sizeof(buf), "%s/state", f->dir);
	c->state_dir = strdup(buf);
	snprintf(buf, sizeof(buf), "%s/node.key", f->dir);
	c->key_file = strdup(buf);
	snprintf(buf, sizeof(buf), "%s/ctl.sock", f->dir);
	c->control_socket = strdup(buf);
	c->area_dir = strdup("protocol/areas");
	c->timezone = strdup("Asia/Jakarta");
	c->check_area_codes = true;
	snprintf(buf, sizeof(buf), "http://127.0.0.1:%u", f->hub.port);
	c->hub_url = strdup(buf);
	memcpy(c->hub_public_key, f->hub.keys->pk, KTP_X25519_PK_LEN);
	c->push_interval_s = 3600;
	c->backoff_min_s = 1;
	c->backoff_max_s = 2;
	c->batch_max_versions = 100;
	c->batch_max_bytes = 4u << 20;
	c->timeout_s = 5;
}

/* The same configuration as fill_conf, as a file: what a reload (SIGHUP) reads. */
static void
write_conf(struct fixture *f, char *path, size_t cap)
{
	char pk[64], areas[PATH_MAX];
	FILE *out;

	keytext_public_to_text(f->hub.keys->pk, pk);
	assert_non_null(realpath("protocol/areas", areas));
	snprintf(path, cap, "%s/node.conf", f->dir);
	assert_non_null(out = fopen(path, "w"));
	fprintf(out, "[node]\nid = 3201\nname = Kabupaten Bogor\nstate_dir = %s/state\n"
		"key_file = %s/node.key\ncontrol_socket = %s/ctl.sock\narea_dir = %s\n"
		"timezone = Asia/Jakarta\n\n[hub]\nurl = http://127.0.0.1:%u\npublic_key = %s\n\n"
		"[push]\ninterval = 1h\nbackoff_min = 1s\nbackoff_max = 2s\n"
		"batch_max_versions = 100\nbatch_max_bytes = 4M\ntimeout = 5s\n",
		f->dir, f->dir, f->dir, areas, f->hub.port, pk);
	assert_int_equal(fclose(out), 0);
}

static int64_t field(struct fixture *f, const char *key);

/* What ktpsyncd does on SIGHUP: the file again, handed to the running node. */
static void
reload(struct fixture *f)
{
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	struct node_conf c = {0};
	struct ktp_err err = {0};
	char path[PATH_MAX];

	assert_non_null(errs);
	snprintf(path, sizeof(path), "%s/node.conf", f->dir);
	assert_int_equal(conf_node_load(path, &c, errs), 0);
	assert_int_equal(node_reconfigure(f->node, &c, &err), 0);
	free(errs);
}

/* The push thread's first attempt (nothing pending: a heartbeat) has run
 * once the next attempt is an interval away; only then do the tests start
 * acting, with the fake hub's request log cleared. */
static void
wait_settled(struct fixture *f)
{
	int i;

	for (i = 0; i < 200 && field(f, "next_attempt") < (int64_t)time(NULL) + 60; i++)
		usleep(20000);
	assert_true(field(f, "next_attempt") >= (int64_t)time(NULL) + 60);
	pthread_mutex_lock(&f->hub.lock);
	assert_int_equal(f->hub.n_reqs, 1);
	assert_int_equal(f->hub.req_first[0], 1);	/* the heartbeat at head 0 */
	assert_int_equal(f->hub.req_count[0], 0);
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct node_conf c = {0};
	struct ktp_err err = {0};
	char path[PATH_MAX], conf[PATH_MAX];

	if (f == NULL || unit_tmpdir_setup((void **)&f->dir) < 0)
		return -1;
	hub_start(&f->hub, f->dir);
	snprintf(path, sizeof(path), "%s/node.key", f->dir);
	assert_int_equal(keys_generate(KEYTEXT_NODE_SECRET, path, f->hub.node_pk, NULL), 0);
	fill_conf(f, &c);
	write_conf(f, conf, sizeof(conf));
	if (node_open(conf, &c, &f->node, &err) < 0) {
		fprintf(stderr, "node_open: %s\n", err.msg);
		return -1;
	}
	if (node_start(f->node, &err) < 0) {
		fprintf(stderr, "node_start: %s\n", err.msg);
		return -1;
	}
	*state = f;
	wait_settled(f);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	void *dir = f->dir;

	node_stop(f->node);
	node_close(f->node);
	if (f->hub.mhd != NULL)
		MHD_stop_daemon(f->hub.mhd);
	keys_hub_free(f->hub.keys);
	free(f);
	return unit_tmpdir_teardown(&dir);
}

/* n persons of kecamatan 320101 with distinct NIKs; tag changes every name. */
static void
import_rows(struct fixture *f, unsigned first, unsigned n, const char *tag)
{
	struct ingest_result res = {0};
	struct node_import *im = NULL;
	struct ktp_err err = {0};
	char line[160];
	unsigned i;
	int r;

	assert_int_equal(node_import_begin(f->node, INGEST_CSV, "t.csv", &im, &err), 0);
	snprintf(line, sizeof(line), "nik,name,kecamatan,on_dpt\n");
	assert_int_equal(node_import_feed(im, line, strlen(line), &err), 0);
	for (i = first; i < first + n; i++) {
		snprintf(line, sizeof(line), "32010112039%05u,Warga %u %s,320101,1\n", i, i, tag);
		assert_int_equal(node_import_feed(im, line, strlen(line), &err), 0);
	}
	r = node_import_finish(im, &res, &err);
	if (r < 0)
		fprintf(stderr, "import: %s\n", err.msg);
	assert_int_equal(r, 0);
	assert_int_equal(res.versions, n);
	ingest_result_done(&res);
}

/* A key of the journal's state table as the node stored it, read through a
 * connection of our own (the node's locks are its own). */
static int
stored_state(struct fixture *f, const char *key, char *buf, size_t cap)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "%s/state/node.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM state WHERE key = ?", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
		r = 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

static json_t *
status(struct fixture *f)
{
	json_t *st = NULL;

	assert_int_equal(node_status_json(f->node, &st, NULL), 0);
	return st;
}

static const char *
state_of(struct fixture *f)
{
	static char buf[32];
	json_t *st = status(f);

	snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(st, "state")));
	json_decref(st);
	return buf;
}

static int64_t
field(struct fixture *f, const char *key)
{
	json_t *st = status(f);
	int64_t v = (int64_t)json_integer_value(json_object_get(st, key));

	json_decref(st);
	return v;
}

/* Waits (at most 10 s) until the status has state s. */
static void
wait_state(struct fixture *f, const char *s)
{
	int i;

	for (i = 0; i < 200 && strcmp(state_of(f), s) != 0; i++)
		usleep(50000);
	assert_string_equal(state_of(f), s);
}

/* --- the transitions ----------------------------------------------------- */

static void
test_node_push_ok_then_idle(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	import_rows(f, 1, 250, "a");
	node_data_changed(f->node);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 250);
	wait_state(f, "idle");
	assert_int_equal(f->hub.acked, 250);
	assert_int_equal(f->hub.applied, 250);
	assert_int_equal(f->hub.n_reqs, 3);
	assert_int_equal(f->hub.req_first[0], 1);
	assert_int_equal(f->hub.req_count[0], 100);
	assert_int_equal(f->hub.req_first[2], 201);
	assert_int_equal(f->hub.req_count[2], 50);
	assert_int_equal(field(f, "versions_sent"), 250);
	assert_int_equal(field(f, "pending"), 0);
}

static void
test_node_gap_resumes_from_hub_acked(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	import_rows(f, 1, 150, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	/* The hub is restored to seq 50; our next batch starts at 151. */
	pthread_mutex_lock(&f->hub.lock);
	f->hub.acked = 50;
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	import_rows(f, 151, 30, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 180);
	assert_int_equal(f->hub.acked, 180);
	assert_int_equal(f->hub.req_first[0], 151);		/* answered 409 gap, acked 50 */
	assert_int_equal(f->hub.req_first[1], 51);
	assert_int_equal(f->hub.req_count[1], 100);
	assert_int_equal(f->hub.req_first[2], 151);
}

static void
test_node_diverged_stops_until_forced_resume(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	char buf[256];
	uint64_t acked = 0;
	int r;

	import_rows(f, 1, 10, "a");
	hub_force(&f->hub, 409, "{\"error\":\"diverged\",\"acked\":0,\"detail\":\"chain at 0\"}", 0);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), -EPROTO);
	assert_string_equal(err.msg, "sync: diverged: batch 1..10: hub answered 409 diverged at "
			    "seq 0: chain at 0");
	assert_string_equal(state_of(f), "diverged");
	r = stored_state(f, "diverged", buf, sizeof(buf));
	assert_int_equal(r, 0);
	assert_string_equal(buf, "batch 1..10: hub answered 409 diverged at seq 0: chain at 0");
	assert_int_equal(node_resume(f->node, false, &err), -EPERM);
	assert_string_equal(state_of(f), "diverged");
	assert_int_equal(node_resume(f->node, true, &err), 0);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 10);
	r = stored_state(f, "diverged", buf, sizeof(buf));
	assert_int_equal(r, -ENOENT);
}

static void
test_node_refused_goes_error_and_retries_slowly(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;
	int64_t wait;

	import_rows(f, 1, 10, "a");
	hub_force(&f->hub, 401, "{\"error\":\"node 3201 is not enrolled at this hub\"}", 0);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), -EAGAIN);
	assert_string_equal(err.msg, "sync: batch 1..10: hub answered 401: node 3201 is not "
			    "enrolled at this hub");
	assert_string_equal(state_of(f), "error");
	wait = field(f, "next_attempt") - (int64_t)time(NULL);
	assert_in_range(wait, 1, 2);				/* backoff_max */
	/* The key is enrolled meanwhile: the slow retry gets through by itself. */
	wait_state(f, "idle");
	assert_int_equal(f->hub.acked, 10);
}

static void
test_node_too_large_halves_batch(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	import_rows(f, 1, 120, "a");
	hub_force(&f->hub, 413, "{\"error\":\"batch of 9000 bytes, limit 8000\"}", 0);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 120);
	assert_int_equal(f->hub.req_count[0], 0);		/* the forced 413 */
	assert_int_equal(f->hub.req_first[1], 1);
	assert_int_equal(f->hub.req_count[1], 50);
	/* A fast full batch of 50 doubles the size again. */
	assert_int_equal(f->hub.req_first[2], 51);
	assert_int_equal(f->hub.req_count[2], 70);
	assert_int_equal(field(f, "batch_size"), 100);
}

/* The value of one line of `ktpctl metrics`. */
static uint64_t
metric(struct fixture *f, const char *name)
{
	struct ktp_err err = {0};
	char *text = NULL, *p;
	size_t len = 0, n = strlen(name);
	uint64_t v = UINT64_MAX;

	assert_int_equal(node_metrics_text(f->node, &text, &len, &err), 0);
	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			v = strtoull(p + n + 1, NULL, 10);
	free(text);
	assert_true(v != UINT64_MAX);
	return v;
}

static void
test_node_sends_read_ahead_batches_in_order_once(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;
	size_t i;

	import_rows(f, 1, 450, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 450);
	assert_int_equal(f->hub.n_reqs, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(f->hub.req_first[i], 1 + 100 * i);
		assert_int_equal(f->hub.req_count[i], i < 4 ? 100 : 50);
	}
	assert_int_equal(f->hub.applied, 450);
	/* Batches 2..5 were sealed while the one before was on the wire. */
	assert_int_equal(metric(f, "ktpsyncd_readahead_batches_total"), 4);
}

static void
test_node_drops_read_ahead_when_the_push_fails(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	import_rows(f, 1, 250, "a");
	hub_force(&f->hub, 503, "{\"error\":\"store busy\"}", 1);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), -EAGAIN);
	wait_state(f, "idle");
	assert_int_equal(f->hub.acked, 250);
	assert_int_equal(f->hub.applied, 250);
	assert_int_equal(f->hub.n_reqs, 4);
	assert_int_equal(f->hub.req_count[0], 0);		/* the forced 503 */
	assert_int_equal(f->hub.req_first[1], 1);		/* not 101, read ahead */
	assert_int_equal(f->hub.req_first[2], 101);
	assert_int_equal(f->hub.req_first[3], 201);
	assert_int_equal(metric(f, "ktpsyncd_readahead_batches_total"), 2);
}

static void
test_node_busy_backs_off_with_retry_after(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;
	int64_t wait;

	import_rows(f, 1, 10, "a");
	hub_force(&f->hub, 503, "{\"error\":\"disk full on the hub\"}", 3);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), -EAGAIN);
	assert_string_equal(err.msg, "sync: batch 1..10: hub answered 503: disk full on the hub");
	assert_string_equal(state_of(f), "backoff");
	wait = field(f, "next_attempt") - (int64_t)time(NULL);
	assert_in_range(wait, 2, 3);				/* Retry-After over backoff_max */
	wait_state(f, "idle");
	assert_int_equal(f->hub.acked, 10);
}

static void
test_node_offline_when_hub_unreachable(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	MHD_stop_daemon(f->hub.mhd);
	f->hub.mhd = NULL;
	import_rows(f, 1, 5, "a");
	/* With the listener closed the connect is refused. */
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), -EAGAIN);
	assert_string_equal(state_of(f), "offline");
}

static int
collect(void *arg, const void *data, size_t len, struct ktp_err *err)
{
	struct upload *u = arg;

	(void)err;
	u->buf = realloc(u->buf, u->len + len);
	memcpy(u->buf + u->len, data, len);
	u->len += len;
	return 0;
}

static void
test_node_export_then_probe_sends_one_version(void **state)
{
	struct fixture *f = *state;
	struct node_export ex = {0};
	struct upload u = {0};
	struct ktp_err err = {0};
	const uint8_t *wire;
	size_t off = 0, len;
	uint64_t acked = 0;
	char body[256];

	assert_int_equal(node_pause(f->node, &err), 0);
	import_rows(f, 1, 230, "a");
	collect(&u, KTP_BUNDLE_MAGIC, 8, NULL);
	assert_int_equal(node_export(f->node, collect, &u, &ex, &err), 0);
	assert_int_equal(ex.first, 1);
	assert_int_equal(ex.last, 230);
	assert_int_equal(ex.batches, 3);
	/* The hub imports the bundle through its apply rule. */
	pthread_mutex_lock(&f->hub.lock);
	for (;;) {
		assert_int_equal(batch_bundle_next(u.buf, u.len, &off, &wire, &len, NULL), 0);
		if (wire == NULL)
			break;
		assert_int_equal(hub_apply(&f->hub, wire, len, body, sizeof(body)), 200);
	}
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	assert_int_equal(f->hub.acked, 230);
	assert_int_equal(node_resume(f->node, false, &err), 0);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 230);
	/* The fake hub's thread writes these; read them under its lock. The
	 * resume and the sync may each start an attempt: the second then finds
	 * nothing pending and sends a heartbeat (no versions), never data. */
	pthread_mutex_lock(&f->hub.lock);
	assert_in_range(f->hub.n_reqs, 1, 2);
	assert_int_equal(f->hub.req_first[0], 230);
	assert_int_equal(f->hub.req_count[0], 1);
	if (f->hub.n_reqs == 2)
		assert_int_equal(f->hub.req_count[1], 0);
	assert_int_equal(f->hub.applied, 230);
	pthread_mutex_unlock(&f->hub.lock);
	free(u.buf);
}

/* Waits (at most 10 s) until the fake hub has logged n requests. */
static void
wait_reqs(struct fixture *f, size_t n)
{
	size_t got = 0;
	int i;

	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&f->hub.lock);
		got = f->hub.n_reqs;
		pthread_mutex_unlock(&f->hub.lock);
		if (got >= n)
			break;
		usleep(50000);
	}
	assert_int_equal(got, n);
}

/* Nothing pending: an attempt is a signed heartbeat (zero versions at our
 * head) that counts as a success and reads the clock off the answer. */
static void
test_node_idle_attempt_sends_heartbeat_at_head(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	import_rows(f, 1, 30, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	wait_state(f, "idle");
	pthread_mutex_lock(&f->hub.lock);
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	node_data_changed(f->node);		/* an attempt with nothing pending */
	wait_reqs(f, 1);
	wait_state(f, "idle");
	assert_int_equal(f->hub.req_first[0], 31);
	assert_int_equal(f->hub.req_count[0], 0);
	assert_int_equal(f->hub.applied, 30);
	assert_int_equal(metric(f, "ktpsyncd_heartbeats_total"), 2);	/* at start, now */
	assert_int_equal(field(f, "versions_sent"), 30);
	assert_true(field(f, "last_success") >= (int64_t)time(NULL) - 5);
	assert_in_range(field(f, "clock_offset_s") + 2, 0, 4);	/* same clock, Date in s */
}

/* A hub restored from an old backup answers the heartbeat with a gap and
 * its acked: the node sends the rest again without anything new to send. */
static void
test_node_heartbeat_finds_restored_hub_and_resends(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	import_rows(f, 1, 80, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	wait_state(f, "idle");
	pthread_mutex_lock(&f->hub.lock);
	f->hub.acked = 20;
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	node_data_changed(f->node);
	wait_reqs(f, 2);
	wait_state(f, "idle");
	assert_int_equal(f->hub.req_first[0], 81);		/* heartbeat: 409 gap, acked 20 */
	assert_int_equal(f->hub.req_count[0], 0);
	assert_int_equal(f->hub.req_first[1], 21);		/* sent again, then idle */
	assert_int_equal(f->hub.req_count[1], 60);
	assert_int_equal(f->hub.n_reqs, 2);
	assert_int_equal(f->hub.acked, 80);
}

/* The hub's clock (its answers' Date) is 3 days behind ours: status says how
 * far and warns, since the hub would apply our versions with its clock. */
static void
test_node_clock_far_from_hub_warns_in_status(void **state)
{
	struct fixture *f = *state;
	char want[256];
	time_t hub = time(NULL) - 3 * 86400;
	struct tm tm;
	json_t *st;
	int64_t off;

	gmtime_r(&hub, &tm);
	pthread_mutex_lock(&f->hub.lock);
	strftime(f->hub.date, sizeof(f->hub.date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	node_data_changed(f->node);
	wait_reqs(f, 1);
	wait_state(f, "idle");
	off = field(f, "clock_offset_s");
	assert_in_range(off, 3 * 86400 - 2, 3 * 86400 + 2);
	st = status(f);
	snprintf(want, sizeof(want), "our clock is %" PRId64 " s ahead of the hub's (more than 1d): "
		 "versions stamped further ahead are applied with the hub's clock; check NTP", off);
	assert_string_equal(json_string_value(json_object_get(st, "clock_warning")), want);
	json_decref(st);
	/* Back in step: the warning goes. */
	pthread_mutex_lock(&f->hub.lock);
	f->hub.date[0] = '\0';
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	node_data_changed(f->node);
	wait_reqs(f, 1);
	wait_state(f, "idle");
	st = status(f);
	assert_true(json_is_null(json_object_get(st, "clock_warning")));
	assert_in_range(json_integer_value(json_object_get(st, "clock_offset_s")) + 2, 0, 4);
	json_decref(st);
}

/* Heartbeat stamps grow; a hub that took a later stamp (our clock went back
 * across a restart) refuses ours as a replay and says which: the next
 * heartbeat goes past it. */
static void
test_node_heartbeat_stamps_grow_past_a_refused_one(void **state)
{
	struct fixture *f = *state;
	uint64_t first, ahead = (uint64_t)time(NULL) * 1000 + 3600000;
	char body[200];

	pthread_mutex_lock(&f->hub.lock);
	first = f->hub.hb_ms;			/* the heartbeat at start */
	f->hub.n_reqs = 0;
	pthread_mutex_unlock(&f->hub.lock);
	assert_true(first > 0);
	node_data_changed(f->node);
	wait_reqs(f, 1);
	wait_state(f, "idle");
	assert_true(f->hub.hb_ms > first);
	snprintf(body, sizeof(body), "{\"error\":\"heartbeat at seq 0: stamp 1 is not after the "
		 "node's last, %" PRIu64 " (a replay)\",\"heartbeat_ms\":%" PRIu64 "}", ahead, ahead);
	hub_force(&f->hub, 400, body, 0);
	node_data_changed(f->node);
	wait_state(f, "error");
	wait_state(f, "idle");			/* the retry after backoff_max */
	assert_true(f->hub.hb_ms > ahead);
}

/* A 200 with a warning (versions stamped past the hub's max_clock_skew):
 * acked as usual, and the warning is the node's last_error. */
static void
test_node_hub_warning_with_200_is_last_error(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;
	json_t *st;

	pthread_mutex_lock(&f->hub.lock);
	snprintf(f->hub.warning, sizeof(f->hub.warning), "batch 1..5: seq 2..3: 2 versions "
		 "stamped more than 1d ahead of the hub's clock");
	pthread_mutex_unlock(&f->hub.lock);
	import_rows(f, 1, 5, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 5);
	st = status(f);
	assert_string_equal(json_string_value(json_object_get(st, "last_error")),
			    "hub: batch 1..5: seq 2..3: 2 versions stamped more than 1d ahead of the "
			    "hub's clock");
	json_decref(st);
}

#define REMOVERS	3
#define REMOVES		40

struct remover {
	struct node	*node;
	unsigned	unknown;	/* removes answered "nik: unknown", i.e. let in */
	unsigned	busy;		/* told busy: an import held the writer role */
	unsigned	other;
};

/* Removes of a NIK the journal does not hold: each takes and gives back
 * the writer role, and is answered -ENOENT once it got it. */
static void *
remove_many(void *arg)
{
	struct remover *rm = arg;
	struct ktp_err err = {0};
	uint64_t seq = 0;
	int i, r;

	for (i = 0; i < REMOVES; i++) {
		ktp_err_clear(&err);
		r = node_remove(rm->node, "3201011203999999", "moved", &seq, &err);
		if (r == -ENOENT && strcmp(err.msg, "nik: unknown") == 0)
			rm->unknown++;
		else if (r == -EBUSY && strcmp(err.msg, "busy: an import is running") == 0)
			rm->busy++;
		else
			rm->other++;
	}
	return NULL;
}

static void
start_removers(struct fixture *f, struct remover *rm, pthread_t *t)
{
	unsigned i;

	for (i = 0; i < REMOVERS; i++) {
		memset(&rm[i], 0, sizeof(rm[i]));
		rm[i].node = f->node;
		assert_int_equal(pthread_create(&t[i], NULL, remove_many, &rm[i]), 0);
	}
}

/* An import may hold the writer role as long as its client takes: every
 * other import, put or remove is told at once. A remove is short: other
 * removes and an import wait for it instead of being told busy. */
static void
test_node_second_writer_is_told_busy_while_an_import_runs(void **state)
{
	struct fixture *f = *state;
	struct remover rm[REMOVERS] = {0};
	struct node_import *im = NULL, *im2 = NULL;
	struct ktp_err err = {0};
	pthread_t t[REMOVERS];
	uint64_t seq = 0;
	unsigned i, imports_busy = 0;

	assert_int_equal(node_import_begin(f->node, INGEST_CSV, "a.csv", &im, &err), 0);
	assert_int_equal(node_remove(f->node, "3201011203900001", "moved", &seq, &err), -EBUSY);
	assert_string_equal(err.msg, "busy: an import is running");
	ktp_err_clear(&err);
	assert_int_equal(node_import_begin(f->node, INGEST_JSONL, "stdin", &im2, &err), -EBUSY);
	assert_string_equal(err.msg, "busy: an import is running");
	assert_null(im2);
	node_import_abort(im);

	/* Removes alone wait for each other: every one gets in. */
	start_removers(f, rm, t);
	for (i = 0; i < REMOVERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rm[i].unknown, REMOVES);
		assert_int_equal(rm[i].busy + rm[i].other, 0);
	}
	/* Imports among removes wait for them: none is told busy. */
	start_removers(f, rm, t);
	for (i = 0; i < 20; i++) {
		if (node_import_begin(f->node, INGEST_CSV, "b.csv", &im, &err) < 0) {
			imports_busy++;
			continue;
		}
		usleep(1000);
		node_import_abort(im);
		usleep(1000);
	}
	for (i = 0; i < REMOVERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rm[i].other, 0);
		assert_int_equal(rm[i].unknown + rm[i].busy, REMOVES);
	}
	assert_int_equal(imports_busy, 0);
}

/* SIGHUP with another [node] id: refused with the reason, the running
 * configuration kept. */
static void
test_node_reconfigure_refuses_what_needs_a_restart(void **state)
{
	struct fixture *f = *state;
	struct node_conf c = {0};
	struct ktp_err err = {0};

	fill_conf(f, &c);
	c.id = 3202;
	assert_int_equal(node_reconfigure(f->node, &c, &err), -EPERM);
	assert_string_equal(err.msg, "[node] id, state_dir, key_file or control_socket changed; "
			    "they need a restart");
	assert_int_equal(c.id, 3202);		/* still the caller's */
	conf_node_done(&c);
	assert_int_equal(node_id(f->node), 3201);
	assert_string_equal(state_of(f), "idle");
}

/* The watchdog's question: a push thread that waits for its next attempt,
 * or has just pushed, is not stuck. */
static void
test_node_push_thread_between_attempts_is_not_stuck(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	assert_int_equal(node_push_stuck_ms(f->node), 0);
	import_rows(f, 1, 5, "a");
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 5);
	assert_int_equal(node_push_stuck_ms(f->node), 0);
}

/* An import fed after the daemon began to stop is refused and rolled back. */
static void
test_node_import_refused_once_stopping(void **state)
{
	struct fixture *f = *state;
	struct node_import *im = NULL;
	struct ktp_err err = {0};
	struct journal_head h;
	const char *line = "nik,name,kecamatan,on_dpt\n";

	assert_int_equal(node_import_begin(f->node, INGEST_CSV, "t.csv", &im, &err), 0);
	node_stop(f->node);
	assert_int_equal(node_import_feed(im, line, strlen(line), &err), -ESHUTDOWN);
	assert_string_equal(err.msg, "import: daemon is stopping");
	node_import_abort(im);
	assert_int_equal(node_head(f->node, &h, NULL), 0);
	assert_int_equal(h.seq, 0);
}

/* Reloads replace the configuration while batches are sealed, by the push
 * thread and by its read-ahead thread; the node id they stamp is not read from
 * the configuration being replaced (a data race under TSan before), and every
 * version arrives once. */
static void
test_node_reload_while_sealing_keeps_pushing_as_this_node(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;
	int i;

	import_rows(f, 1, 1500, "r");	/* the fake hub holds MAX_SEQ */
	assert_int_equal(node_sync(f->node, false, NULL, NULL, &acked, &err), 0);
	for (i = 0; i < 50; i++) {
		reload(f);
		usleep(3000);
	}
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 1500);
	assert_int_equal(f->hub.acked, 1500);
	assert_int_equal(f->hub.applied, 1500);
	assert_int_equal(node_id(f->node), 3201);
}

static void
test_node_pause_blocks_push(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint64_t acked = 0;

	assert_int_equal(node_pause(f->node, &err), 0);
	import_rows(f, 1, 5, "a");
	node_data_changed(f->node);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), -EAGAIN);
	assert_string_equal(err.msg, "sync: node is paused (ktpctl resume)");
	usleep(400000);
	assert_string_equal(state_of(f), "paused");
	assert_int_equal(f->hub.n_reqs, 0);
	assert_int_equal(node_resume(f->node, false, &err), 0);
	assert_int_equal(node_sync(f->node, true, NULL, NULL, &acked, &err), 0);
	assert_int_equal(acked, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_node_push_ok_then_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_gap_resumes_from_hub_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_diverged_stops_until_forced_resume, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_refused_goes_error_and_retries_slowly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_too_large_halves_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_sends_read_ahead_batches_in_order_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_drops_read_ahead_when_the_push_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_busy_backs_off_with_retry_after, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_offline_when_hub_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_export_then_probe_sends_one_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_pause_blocks_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_idle_attempt_sends_heartbeat_at_head,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_heartbeat_finds_restored_hub_and_resends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_clock_far_from_hub_warns_in_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_hub_warning_with_200_is_last_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_heartbeat_stamps_grow_past_a_refused_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_reload_while_sealing_keeps_pushing_as_this_node,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_second_writer_is_told_busy_while_an_import_runs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_reconfigure_refuses_what_needs_a_restart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_import_refused_once_stopping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_push_thread_between_attempts_is_not_stuck,
						setup, teardown),
	};
	sigset_t set;

	/* The node's loop takes SIGTERM through a signalfd; this thread must not
	 * take it first. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	log_init("test_node", false);
	return cmocka_run_group_tests_name("node", tests, NULL, NULL);
}

