/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include <sodium.h>

#include "answer.h"
#include "apply.h"
#include "batch.h"
#include "calendar.h"
#include "chain.h"
#include "conf.h"
#include "conf_hub.h"
#include "dashboard.h"
#include "ctl_hub.h"
#include "area.h"
#include "ctlsock.h"
#include "enroll.h"
#include "fileio.h"
#include "http.h"
#include "hub.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "metrics.h"
#include "nodelist.h"
#include "report.h"
#include "store.h"
#include "tzone.h"
#include "version.h"

/*
 * Locks, always taken in this order and never the other way round:
 *   enroll_lock (rwlock) — the enrolled list; pushes and reports read it,
 *                          hub_reload swaps it whole.
 *   store_lock (mutex)   — the one SQLite connection. SQLite has one writer,
 *                          and a report must not read half an apply, so every
 *                          store call holds it. A push that cannot get it
 *                          within STORE_WAIT_S answers 503 instead of piling up.
 * Fields below store_lock are read and written under it.
 */

#define STORE_WAIT_S		10
#define RETRY_BUSY_S		2
#define RETRY_DISK_FULL_S	30
#define CONFLICTS_MAX		1000

struct hub {
	char			*conf_path;
	struct hub_conf		conf;
	struct hub_keys		*key;
	struct hub_keys		*prev_key;
	struct batch_hub_key	*bkeys;		/* sodium_malloc: secret keys */
	size_t			n_bkeys;
	int			lock_fd;
	struct area_table	*areas;		/* the province's part of the code table */
	struct tzone		tz;		/* of [hub] timezone, for times on pages */
	struct metrics		*metrics;
	struct http_server	*http;
	struct ctlsock		*ctl;
	int64_t			started;

	pthread_rwlock_t	enroll_lock;
	struct enroll		*enroll;

	pthread_mutex_t		store_lock;
	struct store		*store;
	int64_t			last_apply;
	uint16_t		last_apply_node;
	uint64_t		pushes_applied;
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* --- Opening ---------------------------------------------------------- */

static int
load_keys(struct hub *h, struct ktp_err *err)
{
	int r;

	if ((r = keys_load_hub(h->conf.key_file, &h->key, err)) < 0)
		return r;
	if (h->conf.previous_key_file != NULL &&
	    (r = keys_load_hub(h->conf.previous_key_file, &h->prev_key, err)) < 0)
		return r;
	h->bkeys = sodium_allocarray(2, sizeof(*h->bkeys));
	if (h->bkeys == NULL)
		return ktp_err_set(err, -ENOMEM, "keys: out of memory");
	h->bkeys[0].id = h->key->id;
	memcpy(h->bkeys[0].sk, h->key->sk, KTP_X25519_SK_LEN);
	h->n_bkeys = 1;
	if (h->prev_key != NULL) {
		h->bkeys[1].id = h->prev_key->id;
		memcpy(h->bkeys[1].sk, h->prev_key->sk, KTP_X25519_SK_LEN);
		h->n_bkeys = 2;
	}
	return 0;
}

static int
open_state(struct hub *h, struct ktp_err *err)
{
	int r;

	if ((r = fileio_mkdirs(h->conf.state_dir, 0750, err)) < 0)
		return r;
	if ((r = fileio_lock_dir(h->conf.state_dir, &h->lock_fd, err)) < 0)
		return r;
	if ((r = store_open(h->conf.state_dir, &h->store, err)) < 0)
		return r;
	log_info("store: %zu persons", store_persons(h->store));
	if ((r = store_set_election_date(h->store, h->conf.election_date, err)) < 0)
		return r;
	return store_trim_desa_days(h->store, now_s(), err);
}

int
hub_load_places(const struct hub_conf *c, struct area_table **ret_areas, struct tzone *ret_tz,
		struct ktp_err *err)
{
	struct area_table *t = NULL;
	int r;

	if ((r = area_table_load(c->area_dir, c->province, &t, err)) < 0)
		return ktp_err_prefix(err, "hub.area_dir");
	if ((r = tzone_resolve(c->timezone, now_s(), ret_tz, err)) < 0) {
		area_table_free(t);
		return ktp_err_prefix(err, "hub");
	}
	*ret_areas = t;
	return 0;
}

int
hub_open(const char *conf_path, struct hub_conf *conf, struct hub **ret, struct ktp_err *err)
{
	struct hub *h = calloc(1, sizeof(*h));
	int r;

	if (h == NULL || (h->conf_path = strdup(conf_path)) == NULL) {
		free(h);
		return ktp_err_set(err, -ENOMEM, "hub: out of memory");
	}
	h->conf = *conf;
	memset(conf, 0, sizeof(*conf));
	h->lock_fd = -1;
	h->started = now_s();
	pthread_rwlock_init(&h->enroll_lock, NULL);
	pthread_mutex_init(&h->store_lock, NULL);
	if ((h->metrics = metrics_new()) == NULL) {
		r = ktp_err_set(err, -ENOMEM, "hub: out of memory");
		goto fail;
	}
	if ((r = enroll_from_conf(&h->conf, &h->enroll, err)) < 0 ||
	    (r = hub_load_places(&h->conf, &h->areas, &h->tz, err)) < 0 ||
	    (r = load_keys(h, err)) < 0 || (r = open_state(h, err)) < 0)
		goto fail;
	*ret = h;
	return 0;
fail:
	hub_free(h);
	return r;
}

static int
read_pem(const char *path, char **ret, struct ktp_err *err)
{
	uint8_t *data = NULL;
	size_t len;
	int r;

	if ((r = fileio_read_all(path, HUB_TLS_FILE_MAX, &data, &len, err)) < 0)
		return r;
	*ret = (char *)data;
	return 0;
}

static void http_push(void *ctx, const uint8_t *wire, size_t len, struct http_reply *ret);
static int http_push_header(void *ctx, const uint8_t *hdr, uint64_t wire_len,
			    struct http_reply *ret);
static void http_report(void *ctx, const char *regency, const char *level, const char *lang,
			struct http_reply *ret);
static void http_report_csv(void *ctx, const char *regency, const char *level,
			    const char *lang, struct http_reply *ret);
static void http_nodes(void *ctx, struct http_reply *ret);
static void http_metrics(void *ctx, struct http_reply *ret);
static void http_health(void *ctx, struct http_reply *ret);
static void http_page(void *ctx, const char *path, const char *lang, struct http_reply *ret);

static int
start_http(struct hub *h, struct ktp_err *err)
{
	const struct http_handlers hh = {
		.push = http_push, .push_header = http_push_header,
		.report = http_report, .report_csv = http_report_csv,
		.nodes = http_nodes, .metrics = http_metrics, .health = http_health, .page = http_page, .ctx = h,
	};
	struct http_opts o = {
		.host = h->conf.listen_host, .port = h->conf.listen_port,
		.max_body = h->conf.max_batch_bytes, .max_conns = h->conf.max_connections,
		.max_conns_per_ip = h->conf.max_connections_per_ip,
		.timeout_s = h->conf.connection_timeout_s, .token = h->conf.report_token,
		.session_lifetime_s = h->conf.session_lifetime_s,
		.request_timeout_s = h->conf.request_timeout_s,
		.max_buffer_per_ip = h->conf.max_buffer_per_ip,
		.max_buffer_total = h->conf.max_buffer_total,
	};
	char *cert = NULL, *key = NULL;
	int r = 0;

	if (h->conf.tls_cert != NULL && ((r = read_pem(h->conf.tls_cert, &cert, err)) < 0 ||
					 (r = read_pem(h->conf.tls_key, &key, err)) < 0))
		goto out;
	o.tls_cert_pem = cert;
	o.tls_key_pem = key;
	r = http_start(&o, &hh, &h->http, err);
out:
	free(cert);
	if (key != NULL)
		sodium_memzero(key, strlen(key));
	free(key);
	return r;
}

int
hub_start(struct hub *h, struct ktp_err *err)
{
	const struct ctlsock_opts co = {
		.path = h->conf.control_socket, .admin_group = h->conf.admin_group,
	};
	int r;

	if ((r = start_http(h, err)) < 0)
		return r;
	return ctlsock_start(&co, ctl_hub_cmds, ctl_hub_n_cmds, h, &h->ctl, err);
}

void
hub_stop(struct hub *h)
{
	if (h == NULL)
		return;
	/* Quiesce first, so no new push starts while the ones in flight finish;
	 * http_stop then joins them, each answered after its commit. */
	http_quiesce(h->http);
	ctlsock_stop(h->ctl);
	h->ctl = NULL;
	http_stop(h->http);
	h->http = NULL;
}

void
hub_free(struct hub *h)
{
	if (h == NULL)
		return;
	hub_stop(h);
	store_close(h->store);
	fileio_unlock(h->lock_fd);
	enroll_free(h->enroll);
	area_table_free(h->areas);
	metrics_free(h->metrics);
	if (h->bkeys != NULL)
		sodium_free(h->bkeys);
	keys_hub_free(h->key);
	keys_hub_free(h->prev_key);
	conf_hub_done(&h->conf);
	pthread_rwlock_destroy(&h->enroll_lock);
	pthread_mutex_destroy(&h->store_lock);
	free(h->conf_path);
	free(h);
}

/* --- Reload ----------------------------------------------------------- */

static int
load_conf(const char *path, struct hub_conf *ret, struct ktp_err *err)
{
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int r;

	if (errs == NULL)
		return ktp_err_set(err, -ENOMEM, "reload: out of memory");
	r = conf_hub_load(path, ret, errs);
	if (r < 0 || errs->n > 0) {
		conf_errors_log(errs, path, log_err);
		r = ktp_err_set(err, r < 0 ? r : -EINVAL, "%s: %zu error%s, old settings kept",
				path, errs->n, errs->n == 1 ? "" : "s");
	}
	free(errs);
	return r;
}

int
hub_reload(struct hub *h, struct ktp_err *err)
{
	struct hub_conf c = {0};
	struct enroll *e = NULL, *old;
	int r;

	if ((r = load_conf(h->conf_path, &c, err)) < 0)
		goto out;
	if ((r = enroll_from_conf(&c, &e, err)) < 0)
		goto out;
	if (h->http != NULL)
		http_set_token(h->http, c.report_token);
	pthread_rwlock_wrlock(&h->enroll_lock);
	old = h->enroll;
	h->enroll = e;
	pthread_rwlock_unlock(&h->enroll_lock);
	enroll_free(old);
	log_info("reload: %zu nodes enrolled, report token %s", enroll_count(e),
		 c.report_token != NULL ? "set" : "not set");
out:
	conf_hub_done(&c);
	return r;
}

/* --- The push path ------------------------------------------------------ */

/* The status of every answer comes from the outcome (protocol/answer.c). */
static void
answer(struct hub_push_result *r, enum answer_outcome o)
{
	r->outcome = o;
	r->http_status = answer_status(o);
}

static int
refuse(struct hub_push_result *r, enum answer_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
refuse(struct hub_push_result *r, enum answer_outcome o, const char *fmt, ...)
{
	va_list ap;

	answer(r, o);
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* A batch library's -EMSGSIZE is over a limit (413), anything else malformed. */
static enum answer_outcome
size_outcome(int r)
{
	return r == -EMSGSIZE ? ANSWER_TOO_LARGE : ANSWER_BAD;
}

/* The one parse of the header: the signature check and the opening take
 * *hdr as it is (batch_verify_parsed, batch_open_parsed). */
static int
check_header(struct hub *h, const uint8_t *wire, size_t len, struct batch_header *hdr,
	     struct hub_push_result *ret)
{
	struct ktp_err err = {0};
	int r;

	if (len == 0)
		return refuse(ret, ANSWER_BAD, "empty body: expected one sealed batch");
	if (len > h->conf.max_batch_bytes)
		return refuse(ret, ANSWER_TOO_LARGE, "batch of %zu bytes, limit %" PRIu64
			      " (max_batch_bytes)", len, h->conf.max_batch_bytes);
	if ((r = batch_parse_header(wire, len, hdr, &err)) < 0)
		return refuse(ret, size_outcome(r), "%s", err.msg);
	ret->node = hdr->node_id;
	ret->first = hdr->first;
	ret->last = hdr->last;
	return 0;
}

/* Copies the node's key out under the lock, so a reload may free the list
 * while the signature is being checked. */
static int
find_key(struct hub *h, uint16_t node, uint8_t pk[static KTP_ED25519_PK_LEN],
	 struct hub_push_result *ret)
{
	const struct enroll_node *n;
	int r = 0;

	pthread_rwlock_rdlock(&h->enroll_lock);
	if ((n = enroll_find(h->enroll, node)) != NULL)
		memcpy(pk, n->public_key, KTP_ED25519_PK_LEN);
	else
		r = refuse(ret, ANSWER_NOT_ENROLLED, "node %04u is not enrolled at this hub", node);
	pthread_rwlock_unlock(&h->enroll_lock);
	return r;
}

/* Step 6 of PROTOCOL.md 8.2. Past it the push is the node's own: only then
 * may it change the node's row (last contact, last error). */
static int
verify_signature(const uint8_t *wire, size_t len, const uint8_t pk[static 32],
		 const struct batch_header *hdr, struct hub_push_result *ret)
{
	struct ktp_err err = {0};

	if (batch_verify_parsed(hdr, wire, len, pk, &err) < 0)
		return refuse(ret, ANSWER_FORBIDDEN, "%s (checked against node %04u's enrolled"
			      " key)", err.msg, hdr->node_id);
	ret->authenticated = true;
	ret->heartbeat = hdr->count == 0;
	return 0;
}

static int
open_sealed(struct hub *h, const uint8_t *wire, size_t len, const struct batch_header *hdr,
	    uint8_t **plain, size_t *plain_len, struct hub_push_result *ret)
{
	struct ktp_err err = {0};
	int r;

	r = batch_open_parsed(hdr, wire, len, h->bkeys, h->n_bkeys, plain, plain_len, &err);
	if (r == 0)
		return 0;
	if (r == -EBADMSG)
		return refuse(ret, ANSWER_FORBIDDEN, "%s (checked against node %04u's enrolled"
			      " key)", err.msg, hdr->node_id);
	if (r == -ENOMEM)
		return refuse(ret, ANSWER_BUSY, "%s", err.msg);
	if (r == -ENOKEY)
		return refuse(ret, ANSWER_BAD, "%.160s: the node has another hub public key than "
			      "this hub's (key id 0x%08" PRIx32 ")", err.msg, h->bkeys[0].id);
	return refuse(ret, size_outcome(r), "%s", err.msg);
}

static int
lock_store(struct hub *h)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STORE_WAIT_S;
	return -pthread_mutex_timedlock(&h->store_lock, &until);
}

static void
take_outcome(const struct apply_result *a, const struct ktp_err *err,
	     struct hub_push_result *ret)
{
	ret->acked = a->acked;
	memcpy(ret->chain, a->chain, KTP_HASH_LEN);
	ret->applied = a->applied;
	ret->heartbeat_ms = a->heartbeat_ms;
	switch (a->outcome) {
	case APPLY_OK:
		answer(ret, ANSWER_OK);
		break;
	case APPLY_GAP:
		refuse(ret, ANSWER_GAP, "gap: batch starts at %" PRIu64 ", hub has acked %" PRIu64,
		       ret->first, a->acked);
		break;
	case APPLY_DIVERGED:
		ret->diverged = true;
		refuse(ret, ANSWER_DIVERGED, "%s", err->msg[0] ? err->msg : "chain mismatch");
		break;
	case APPLY_STALE:
		/* Signed by the node once, but sent again by anyone: not contact. */
		ret->authenticated = false;
		ret->replayed = true;
		refuse(ret, ANSWER_REPLAYED, "%s", err->msg);
		break;
	default:
		refuse(ret, ANSWER_BAD, "%s", err->msg);
		break;
	}
}

static void
apply_store_error(int r, const struct ktp_err *err, struct hub_push_result *ret)
{
	if (r == -ENOSPC) {
		refuse(ret, ANSWER_BUSY, "disk full on the hub: %s", err->msg);
		ret->retry_after = RETRY_DISK_FULL_S;
	} else if (r == -EBUSY) {
		refuse(ret, ANSWER_BUSY, "store busy: %s", err->msg);
		ret->retry_after = RETRY_BUSY_S;
	} else {
		refuse(ret, ANSWER_FAILED, "%s", err->msg);
	}
}

/* Under store_lock, after the commit: versions whose HLC was further ahead
 * than max_clock_skew went through last-writer-wins with the hub's clock.
 * Logged and kept as the node's last_error by seq range; never a NIK. */
static void
note_future(struct hub *h, const struct batch_header *hdr, const struct apply_result *a,
	    int64_t now, struct hub_push_result *ret)
{
	struct ktp_err err = {0};
	char skew[32];

	ret->future = a->future;
	ret->future_first = a->future_first;
	ret->future_last = a->future_last;
	conf_format_duration(h->conf.max_clock_skew_s, skew, sizeof(skew));
	snprintf(ret->error, sizeof(ret->error), "batch %" PRIu64 "..%" PRIu64 ": seq %" PRIu64
		 "..%" PRIu64 ": %" PRIu64 " versions stamped more than %s ahead of the hub's"
		 " clock, applied with the hub's clock (is the node's clock right?)", hdr->first,
		 hdr->last, a->future_first, a->future_last, a->future, skew);
	log_warn("push: node %04u: %s", hdr->node_id, ret->error);
	if (store_node_note_error(h->store, hdr->node_id, now, ret->error, &err) < 0)
		log_warn("push: node %04u: cannot record it: %s, ignoring", hdr->node_id, err.msg);
}

static void
apply_locked(struct hub *h, const struct batch_header *hdr, const uint8_t *plain,
	     size_t plain_len, size_t wire_len, struct hub_push_result *ret)
{
	struct apply_result a = {0};
	struct ktp_err err = {0};
	uint64_t now_ms = ktime_wall_ms();
	int64_t now = (int64_t)(now_ms / 1000);
	int r;

	if (lock_store(h) != 0) {
		refuse(ret, ANSWER_BUSY, "store busy: another apply held it for %d s",
		       STORE_WAIT_S);
		ret->retry_after = RETRY_BUSY_S;
		return;
	}
	r = apply_batch_at(h->store, hdr, plain, plain_len, wire_len, now_ms,
			   (uint64_t)h->conf.max_clock_skew_s * 1000, &a, &err);
	if (r < 0) {
		apply_store_error(r, &err, ret);
	} else {
		take_outcome(&a, &err, ret);
		if (a.outcome == APPLY_OK && a.applied > 0) {
			h->last_apply = now;
			h->last_apply_node = hdr->node_id;
			h->pushes_applied++;
		}
		if (a.outcome == APPLY_OK && a.future > 0)
			note_future(h, hdr, &a, now, ret);
	}
	pthread_mutex_unlock(&h->store_lock);
}

/* A refused push is kept in the node's last_error for `ktpctl nodes`, once
 * its signature verified: before that anyone could have sent it (76 bytes of
 * header naming the node and garbage), and it must change nothing stored.
 * Not for a full disk either (it would fail). */
static void
note_refusal(struct hub *h, const struct hub_push_result *ret)
{
	struct ktp_err err = {0};

	if (ret->http_status == 200 || ret->http_status == 503 || !ret->authenticated)
		return;
	if (lock_store(h) != 0)
		return;
	if (store_node_note_error(h->store, ret->node, now_s(), ret->error, &err) < 0)
		log_warn("push: node %04u: cannot record the refusal: %s, ignoring", ret->node,
			 err.msg);
	pthread_mutex_unlock(&h->store_lock);
}

/* With the node and the batch as journal fields (journalctl KTP_NODE=3201). */
static void
log_push(const struct hub_push_result *r, size_t len, uint64_t us)
{
	char f[160];

	snprintf(f, sizeof(f), "KTP_NODE=%04u\nKTP_SEQ_FIRST=%" PRIu64 "\nKTP_SEQ_LAST=%" PRIu64
		 "\nKTP_HTTP_STATUS=%u", r->node, r->first, r->last, r->http_status);
	if (r->http_status == 200 && r->heartbeat)
		log_fields(LOG_LEVEL_DEBUG, f, "push: node %04u: heartbeat at head %" PRIu64
			   ", acked %" PRIu64, r->node, r->last, r->acked);
	else if (r->http_status == 200)
		log_fields(LOG_LEVEL_INFO, f, "push: node %04u: batch %" PRIu64 "..%" PRIu64 ": %"
			   PRIu64 " applied, acked %" PRIu64 " (%zu bytes, %" PRIu64 " ms)", r->node,
			   r->first, r->last, r->applied, r->acked, len, us / 1000);
	else if (r->node != 0)
		log_fields(LOG_LEVEL_WARN, f, "push: node %04u: %u %s", r->node, r->http_status,
			   r->error);
	else
		log_warn("push: %u %s", r->http_status, r->error);
}

void
hub_push(struct hub *h, const uint8_t *wire, size_t len, struct hub_push_result *ret)
{
	struct batch_header hdr;
	uint8_t pk[KTP_ED25519_PK_LEN];
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	uint64_t t0 = mono_us(), us;

	memset(ret, 0, sizeof(*ret));
	if (check_header(h, wire, len, &hdr, ret) < 0)
		metrics_count_unauth(h->metrics, METRICS_UNAUTH_MALFORMED);
	else if (find_key(h, hdr.node_id, pk, ret) < 0)
		metrics_count_unauth(h->metrics, METRICS_UNAUTH_UNKNOWN_NODE);
	else if (verify_signature(wire, len, pk, &hdr, ret) < 0)
		metrics_count_unauth(h->metrics, METRICS_UNAUTH_BAD_SIGNATURE);
	else if (open_sealed(h, wire, len, &hdr, &plain, &plain_len, ret) == 0)
		apply_locked(h, &hdr, plain, plain_len, len, ret);
	if (ret->replayed)
		metrics_count_unauth(h->metrics, METRICS_UNAUTH_REPLAYED);
	free(plain);
	us = mono_us() - t0;
	metrics_count_push(h->metrics, ret->http_status, len);
	if (ret->heartbeat && ret->authenticated)
		metrics_count_heartbeat(h->metrics);
	if (ret->future > 0)
		metrics_count_future(h->metrics, ret->future);
	if (ret->http_status == 200 && !ret->heartbeat)
		metrics_count_apply(h->metrics, ret->applied, us);
	note_refusal(h, ret);
	log_push(ret, len, us);
}

int
hub_push_check_prefix(struct hub *h, const uint8_t *hdr, uint64_t wire_len,
		      struct hub_push_result *ret)
{
	struct batch_header bh;
	struct ktp_err err = {0};
	uint8_t pk[KTP_ED25519_PK_LEN];
	int r;

	memset(ret, 0, sizeof(*ret));
	if ((r = batch_parse_prefix(hdr, wire_len, &bh, &err)) < 0) {
		refuse(ret, size_outcome(r), "%s", err.msg);
		metrics_count_unauth(h->metrics, METRICS_UNAUTH_MALFORMED);
	} else {
		ret->node = bh.node_id;
		ret->first = bh.first;
		ret->last = bh.last;
		if (find_key(h, bh.node_id, pk, ret) < 0)
			metrics_count_unauth(h->metrics, METRICS_UNAUTH_UNKNOWN_NODE);
	}
	if (ret->http_status == 0)
		return 0;
	/* Nothing here was authenticated: counted, logged, never stored. */
	metrics_count_push(h->metrics, ret->http_status, (size_t)wire_len);
	log_push(ret, (size_t)wire_len, 0);
	return -1;
}

json_t *
hub_push_json(const struct hub_push_result *r)
{
	struct answer a = { .outcome = r->outcome, .acked = r->acked,
			    .heartbeat_ms = r->heartbeat_ms };
	char *text = r->outcome == ANSWER_OK ? a.warning :
		     r->outcome == ANSWER_DIVERGED ? a.detail : a.error;

	/* The result's one text is the warning of a 200 ("" without one), the
	 * detail of a divergence and the error of any other answer. */
	memcpy(a.chain, r->chain, KTP_HASH_LEN);
	snprintf(text, ANSWER_TEXT_LEN, "%s", r->error);
	return answer_encode(&a);
}

/* --- Read side ---------------------------------------------------------- */

static const char *
regency_name(uint16_t code, void *arg)
{
	const struct enroll_node *n = enroll_find(arg, code);

	return n != NULL ? n->name : NULL;
}

int
hub_parse_regency(const struct hub *h, const char *text, uint16_t *ret, struct ktp_err *err)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; text[i] != '\0' && i < 5; i++) {
		if (text[i] < '0' || text[i] > '9')
			break;
		v = v * 10 + (unsigned)(text[i] - '0');
	}
	if (i != 4 || text[i] != '\0')
		return ktp_err_set(err, -EINVAL, "regency: '%.16s' is not a 4-digit code", text);
	if (v / 100 != h->conf.province)
		return ktp_err_set(err, -EINVAL, "regency: '%s' is not in province %02u", text,
				   h->conf.province);
	*ret = (uint16_t)v;
	return 0;
}

static uint16_t
enrolled_code(size_t i, void *arg)
{
	return enroll_at(arg, i)->code;
}

static void
report_opts(struct hub *h, const struct hub_report_query *q, struct report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->province = h->conf.province;
	o->election_date = h->conf.election_date;
	o->now = now_s();
	o->regency = q->regency;
	o->regency_name = regency_name;
	o->listed = enrolled_code;
	o->n_listed = enroll_count(h->enroll);
	o->arg = h->enroll;
	o->areas = h->areas;
	o->tz_offset_s = h->tz.offset_s;
	o->tz_abbr = h->tz.abbr;
	o->level = q->desa ? REPORT_LEVEL_DESA : REPORT_LEVEL_KECAMATAN;
	o->lang = q->lang_id ? REPORT_LANG_ID : REPORT_LANG_EN;
}

/* A report reads the enrolled list and the store at one instant: both locks,
 * in the order given at the top of this file, until unlock_report. */
static void
lock_report(struct hub *h, uint16_t regency, struct report_opts *o)
{
	const struct hub_report_query q = { .regency = regency };

	pthread_rwlock_rdlock(&h->enroll_lock);
	report_opts(h, &q, o);
	pthread_mutex_lock(&h->store_lock);
}

static void
lock_report_query(struct hub *h, const struct hub_report_query *q, struct report_opts *o)
{
	pthread_rwlock_rdlock(&h->enroll_lock);
	report_opts(h, q, o);
	pthread_mutex_lock(&h->store_lock);
}

static void
unlock_report(struct hub *h)
{
	pthread_mutex_unlock(&h->store_lock);
	pthread_rwlock_unlock(&h->enroll_lock);
}

int
hub_report_query_json(struct hub *h, const struct hub_report_query *q, json_t **ret,
		      struct ktp_err *err)
{
	struct report_opts o;
	int r;

	lock_report_query(h, q, &o);
	r = report_json(h->store, &o, ret, err);
	unlock_report(h);
	return r;
}

int
hub_report_query_csv(struct hub *h, const struct hub_report_query *q, char **ret,
		     size_t *ret_len, struct ktp_err *err)
{
	struct report_opts o;
	int r;

	lock_report_query(h, q, &o);
	r = report_csv(h->store, &o, ret, ret_len, err);
	unlock_report(h);
	return r;
}

int
hub_report_json(struct hub *h, uint16_t regency, json_t **ret, struct ktp_err *err)
{
	const struct hub_report_query q = { .regency = regency };

	return hub_report_query_json(h, &q, ret, err);
}

int
hub_report_csv(struct hub *h, uint16_t regency, char **ret, size_t *ret_len,
	       struct ktp_err *err)
{
	const struct hub_report_query q = { .regency = regency };

	return hub_report_query_csv(h, &q, ret, ret_len, err);
}

int
hub_nodes(struct hub *h, struct nodelist *ret, struct ktp_err *err)
{
	struct store_node *stored = NULL;
	size_t n = 0;
	int r;

	pthread_rwlock_rdlock(&h->enroll_lock);
	pthread_mutex_lock(&h->store_lock);
	r = store_nodes(h->store, &stored, &n, err);
	pthread_mutex_unlock(&h->store_lock);
	if (r == 0 && (r = nodelist_merge(stored, n, h->enroll, ret)) < 0)
		ktp_err_set(err, r, "nodes: out of memory");
	pthread_rwlock_unlock(&h->enroll_lock);
	free(stored);
	return r;
}

int
hub_nodes_json(struct hub *h, json_t **ret, struct ktp_err *err)
{
	struct nodelist l = {0};
	json_t *j;
	int r;

	if ((r = hub_nodes(h, &l, err)) < 0)
		return r;
	j = nodelist_json(&l);
	nodelist_done(&l);
	if (j == NULL)
		return ktp_err_set(err, -ENOMEM, "nodes: out of memory");
	*ret = j;
	return 0;
}

int
hub_reset_node(struct hub *h, uint16_t code, uint64_t *ret_old_acked, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&h->store_lock);
	r = store_node_reset(h->store, code, ret_old_acked, err);
	pthread_mutex_unlock(&h->store_lock);
	return r;
}

int
hub_conflicts_json(struct hub *h, unsigned limit, json_t **ret, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&h->store_lock);
	r = store_conflicts_json(h->store, limit ? limit : CONFLICTS_MAX, ret, err);
	pthread_mutex_unlock(&h->store_lock);
	return r;
}

int
hub_status_json(struct hub *h, json_t **ret, struct ktp_err *err)
{
	char listen[300];
	struct nodelist nodes = {0};
	json_t *j;
	int64_t last;
	uint16_t last_node;
	size_t persons;
	int r;

	if ((r = hub_nodes(h, &nodes, err)) < 0)
		return r;
	pthread_mutex_lock(&h->store_lock);
	last = h->last_apply;
	last_node = h->last_apply_node;
	persons = store_persons(h->store);
	pthread_mutex_unlock(&h->store_lock);
	snprintf(listen, sizeof(listen), "%s:%u", h->conf.listen_host, hub_http_port(h));
	j = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:o}", "daemon", "ktphubd",
		      "version", ktp_version(), "listen", listen, "province", (json_int_t)h->conf.province,
		      "nodes", (json_int_t)nodes.n,
		      "persons", (json_int_t)persons,
		      "last_apply", store_json_time(last),
		      "last_apply_node", last_node ? json_sprintf("%04u", last_node) : json_null(),
		      "versions", (json_int_t)nodelist_versions(&nodes),
		      "pushes_ok", (json_int_t)metrics_pushes(h->metrics, 200),
		      "uptime", (json_int_t)(now_s() - h->started),
		      "started", store_json_time(h->started));
	nodelist_done(&nodes);
	if (j == NULL)
		return ktp_err_set(err, -ENOMEM, "status: out of memory");
	*ret = j;
	return 0;
}

void
hub_status_line(struct hub *h, char *buf, size_t cap)
{
	char when[32] = "never";
	int64_t last;
	uint16_t node;
	size_t n;
	struct tm tm;
	time_t tt;

	pthread_rwlock_rdlock(&h->enroll_lock);
	n = enroll_count(h->enroll);
	pthread_rwlock_unlock(&h->enroll_lock);
	pthread_mutex_lock(&h->store_lock);
	last = h->last_apply;
	node = h->last_apply_node;
	pthread_mutex_unlock(&h->store_lock);
	tt = (time_t)last;
	if (last > 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(when, sizeof(when), "%H:%M:%S UTC", &tm);
	if (last > 0)
		snprintf(buf, cap, "%zu nodes enrolled, last apply node %04u at %s", n, node, when);
	else
		snprintf(buf, cap, "%zu nodes enrolled, no apply yet", n);
}

struct metrics *
hub_metrics(struct hub *h)
{
	return h->metrics;
}

uint16_t
hub_http_port(const struct hub *h)
{
	return h->http != NULL ? http_port(h->http) : h->conf.listen_port;
}

/* --- HTTP handlers ------------------------------------------------------ */

static void
http_push(void *ctx, const uint8_t *wire, size_t len, struct http_reply *ret)
{
	struct hub_push_result r;

	hub_push(ctx, wire, len, &r);
	http_reply_json(ret, r.http_status, hub_push_json(&r));
	ret->retry_after = r.retry_after;
}

_Static_assert(KTP_HTTP_PUSH_HEADER_LEN == BATCH_HEADER_LEN, "the header http.c waits for");

static int
http_push_header(void *ctx, const uint8_t *hdr, uint64_t wire_len, struct http_reply *ret)
{
	struct hub_push_result r;

	if (hub_push_check_prefix(ctx, hdr, wire_len, &r) == 0)
		return 0;
	http_reply_json(ret, r.http_status, hub_push_json(&r));
	return -1;
}

static unsigned
read_status(int r)
{
	if (r == -EBUSY)
		return 503;
	if (r == -ENOENT)
		return 404;
	return r == -EINVAL ? 400 : 500;
}

static bool
get_regency(struct hub *h, const char *text, uint16_t *code, struct http_reply *ret)
{
	struct ktp_err err = {0};

	*code = 0;
	if (text == NULL)
		return true;
	if (hub_parse_regency(h, text, code, &err) == 0)
		return true;
	http_reply_error(ret, 400, "%s", err.msg);
	return false;
}

/* ?regency=, ?level= and (for the CSV) ?lang=; false with a 400 in ret. */
static bool
get_query(struct hub *h, const char *regency, const char *level, const char *lang,
	  struct hub_report_query *q, struct http_reply *ret)
{
	struct ktp_err err = {0};
	enum report_level lv;
	enum report_lang lg = REPORT_LANG_EN;

	memset(q, 0, sizeof(*q));
	if (!get_regency(h, regency, &q->regency, ret))
		return false;
	if (report_level_from_text(level, &lv, &err) < 0 ||
	    (lang != NULL && report_lang_from_text(lang, &lg, &err) < 0)) {
		http_reply_error(ret, 400, "%s", err.msg);
		return false;
	}
	if (lv == REPORT_LEVEL_DESA && q->regency == 0) {
		http_reply_error(ret, 400, "level: desa needs regency=CODE");
		return false;
	}
	q->desa = lv == REPORT_LEVEL_DESA;
	q->lang_id = lg == REPORT_LANG_ID;
	return true;
}

static void
http_report(void *ctx, const char *regency, const char *level, const char *lang,
	    struct http_reply *ret)
{
	struct hub_report_query q;
	struct ktp_err err = {0};
	json_t *j = NULL;
	int r;

	/* JSON has no language: ?lang= is the CSV's and the pages'. */
	(void)lang;
	if (!get_query(ctx, regency, level, NULL, &q, ret))
		return;
	if ((r = hub_report_query_json(ctx, &q, &j, &err)) < 0)
		http_reply_error(ret, read_status(r), "report: %s", err.msg);
	else
		http_reply_json(ret, 200, j);
}

int
hub_weekly(struct hub *h, uint16_t regency, struct report_week **ret, struct ktp_err *err)
{
	struct report_opts o;
	int r;

	lock_report(h, regency, &o);
	r = report_weekly(h->store, &o, DASHBOARD_WEEKS, ret, err);
	unlock_report(h);
	return r;
}

int
hub_report_view(struct hub *h, const struct hub_report_query *q, struct report_view **ret,
		struct ktp_err *err)
{
	struct report_opts o;
	int r;

	lock_report_query(h, q, &o);
	r = report_view_new(h->store, &o, ret, err);
	unlock_report(h);
	return r;
}

static int
render_page(struct hub *h, uint16_t code, struct dashboard_view *v, char **html,
	    size_t *len, struct ktp_err *err)
{
	/* A regency page lists each kecamatan's desa too. */
	const struct hub_report_query q = { .regency = code, .desa = code != 0 };
	struct report_view *report = NULL;
	struct report_week *weekly = NULL;
	struct nodelist nodes = {0};
	int r;

	if ((r = hub_report_view(h, &q, &report, err)) < 0 ||
	    (r = hub_nodes(h, &nodes, err)) < 0 ||
	    (code != 0 && (r = hub_weekly(h, code, &weekly, err)) < 0))
		goto out;
	v->report = report;
	v->nodes = &nodes;
	v->weekly = weekly;
	v->n_weekly = weekly != NULL ? DASHBOARD_WEEKS : 0;
	v->election_date = h->conf.election_date;
	v->now = now_s();
	v->tz_offset_s = h->tz.offset_s;
	v->tz_abbr = h->tz.abbr;
	r = code == 0 ? dashboard_province(v, html, len, err) :
			dashboard_regency(v, code, html, len, err);
out:
	report_view_free(report);
	nodelist_done(&nodes);
	free(weekly);
	return r;
}

static void
http_page(void *ctx, const char *path, const char *lang, struct http_reply *ret)
{
	struct dashboard_view v = { .lang = dashboard_lang_from_query(lang) };
	struct ktp_err err = {0};
	uint16_t code = 0;
	char *html = NULL;
	size_t len = 0;
	int r;

	if (strncmp(path, "/regency/", 9) == 0 &&
	    hub_parse_regency(ctx, path + 9, &code, &err) < 0) {
		http_reply_error(ret, 404, "%s", err.msg);
		return;
	}
	if ((r = render_page(ctx, code, &v, &html, &len, &err)) == -ENOENT)
		http_reply_error(ret, 404, "regency %04u: no data yet", code);
	else if (r < 0)
		http_reply_error(ret, read_status(r), "dashboard: %s", err.msg);
	else
		http_reply_take(ret, 200, "text/html; charset=utf-8", html, len);
}

static void
http_report_csv(void *ctx, const char *regency, const char *level, const char *lang,
		struct http_reply *ret)
{
	struct hub_report_query q;
	struct ktp_err err = {0};
	char *csv = NULL;
	size_t len = 0;
	int r;

	if (!get_query(ctx, regency, level, lang, &q, ret))
		return;
	if ((r = hub_report_query_csv(ctx, &q, &csv, &len, &err)) < 0)
		http_reply_error(ret, read_status(r), "report: %s", err.msg);
	else
		http_reply_take(ret, 200, "text/csv; charset=utf-8", csv, len);
}

static void
http_nodes(void *ctx, struct http_reply *ret)
{
	struct ktp_err err = {0};
	json_t *j = NULL;
	int r;

	if ((r = hub_nodes_json(ctx, &j, &err)) < 0)
		http_reply_error(ret, read_status(r), "nodes: %s", err.msg);
	else
		http_reply_json(ret, 200, j);
}

/* What the report says of regency code, for the per-regency gauges: its
 * name (borrowed from the view), voters left and when they would be done. */
static void
metrics_from_report(const struct hub *h, const struct report_view *rv, struct metrics_node *m)
{
	size_t i;

	for (i = 0; rv != NULL && i < rv->province.n_sub; i++) {
		const struct report_area *a = &rv->province.sub[i];

		if (atoi(a->code) != m->code)
			continue;
		m->name = a->name;
		if (!a->has_data || !a->dpt_unrecorded.known)
			return;
		m->dpt_unrecorded = a->dpt_unrecorded.v;
		if (a->projected != 0)
			m->projected_completion = calendar_days(a->projected) * 86400 -
						  h->tz.offset_s;
		else if (a->dpt_unrecorded.v > 0)
			m->projected_completion = METRICS_NEVER;
		return;
	}
}

static int
metrics_nodes(struct hub *h, const struct report_view *rv, struct metrics_node **ret,
	      size_t *ret_n)
{
	struct metrics_node *v;
	struct store_node sn;
	struct ktp_err err = {0};
	size_t n, i;

	pthread_rwlock_rdlock(&h->enroll_lock);
	n = enroll_count(h->enroll);
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL) {
		pthread_rwlock_unlock(&h->enroll_lock);
		return -ENOMEM;
	}
	pthread_mutex_lock(&h->store_lock);
	for (i = 0; i < n; i++) {
		v[i].code = enroll_at(h->enroll, i)->code;
		v[i].pending = v[i].dpt_unrecorded = v[i].projected_completion = -1;
		if (store_node_get(h->store, v[i].code, &sn, &err) == 0) {
			if (sn.last_seen > 0)
				v[i].pending = sn.head > sn.acked ? (int64_t)(sn.head - sn.acked) : 0;
			v[i].acked = sn.acked;
			v[i].last_push = sn.last_push;
			v[i].last_contact = sn.last_seen;
			v[i].last_data = sn.last_push;
		}
		metrics_from_report(h, rv, &v[i]);
	}
	pthread_mutex_unlock(&h->store_lock);
	pthread_rwlock_unlock(&h->enroll_lock);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* GET /healthz: 200 while state_dir has min_free_disk and the store answers a
 * read; else 503 naming what fails, so a load balancer or monitor sends nodes
 * elsewhere. It never waits: a store busy applying is a store that answers. */
static void
http_health(void *ctx, struct http_reply *ret)
{
	struct hub *h = ctx;
	struct ktp_err err = {0};
	struct statvfs st;
	char why[KTP_ERR_MSG_LEN + 64] = "";

	if (statvfs(h->conf.state_dir, &st) < 0)
		snprintf(why, sizeof(why), "disk: %s: %s", h->conf.state_dir, strerror(errno));
	else if ((uint64_t)st.f_bavail * st.f_frsize < h->conf.min_free_disk)
		snprintf(why, sizeof(why), "disk: %s has %llu bytes free, less than "
			 "hub.min_free_disk (%llu)", h->conf.state_dir,
			 (unsigned long long)st.f_bavail * st.f_frsize,
			 (unsigned long long)h->conf.min_free_disk);
	else if (pthread_mutex_trylock(&h->store_lock) == 0) {
		if (store_ping(h->store, &err) < 0)
			snprintf(why, sizeof(why), "store: %s", err.msg);
		pthread_mutex_unlock(&h->store_lock);
	}
	if (why[0] == '\0')
		http_reply_json(ret, 200, json_pack("{s:s}", "status", "ok"));
	else
		http_reply_json(ret, 503, json_pack("{s:s,s:s}", "status", "unavailable",
						    "error", why));
}

static void
http_metrics(void *ctx, struct http_reply *ret)
{
	const struct hub_report_query q = {0};
	struct hub *h = ctx;
	struct report_view *rv = NULL;
	struct metrics_node *nodes = NULL;
	struct ktp_err err = {0};
	char *text = NULL;
	size_t n = 0, len = 0;
	struct metrics_hub mh = {
		.election = calendar_days(h->conf.election_date) * 86400 - h->tz.offset_s,
	};

	if (hub_report_view(h, &q, &rv, &err) < 0) {
		http_reply_error(ret, 500, "metrics: %s", err.msg);
		return;
	}
	if (metrics_nodes(h, rv, &nodes, &n) < 0 ||
	    metrics_render(h->metrics, &mh, nodes, n, &text, &len) < 0) {
		free(nodes);
		report_view_free(rv);
		http_reply_error(ret, 500, "metrics: out of memory");
		return;
	}
	free(nodes);
	report_view_free(rv);
	http_reply_take(ret, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
