/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "ctl_hub.h"
#include "ctlmsg.h"
#include "ctlsock.h"
#include "err.h"
#include "hub.h"
#include "log.h"
#include "proto.h"
#include "version.h"

/* Per-batch outcomes listed in an import-bundle reply; the totals count all. */
#define IMPORT_LIST_MAX 10000

static int
ctl_status(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	json_t *j = NULL;

	(void)req;
	if (hub_status_json(ctx, &j, &err) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "status: %s", err.msg);
	return ctlconn_reply_ok(c, j);
}

static int
ctl_nodes(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	json_t *j = NULL;

	(void)req;
	if (hub_nodes_json(ctx, &j, &err) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "nodes: %s", err.msg);
	return ctlconn_reply_ok(c, json_pack("{s:s,s:s,s:o}", "daemon", "ktphubd", "version",
					     ktp_version(), "nodes", j));
}

/* A regency code under key, "3201" or 3201; absent or null gives 0. */
static int
get_code(struct hub *h, const json_t *req, const char *key, uint16_t *ret, struct ktp_err *err)
{
	const json_t *v = json_object_get(req, key);
	char text[32];

	*ret = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_string(v))
		snprintf(text, sizeof(text), "%s", json_string_value(v));
	else
		return ktp_err_set(err, -EINVAL, "%s: not a string or a number", key);
	return hub_parse_regency(h, text, ret, err);
}

/* "regency" absent or null means the whole province. */
static int
get_regency(struct hub *h, const json_t *req, uint16_t *ret, struct ktp_err *err)
{
	return get_code(h, req, "regency", ret, err);
}

static int
ctl_report(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	uint16_t regency;
	json_t *j = NULL;
	char *csv = NULL;
	size_t len = 0;

	if (get_regency(ctx, req, &regency, &err) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST, "report: %s", err.msg);
	if (json_is_true(json_object_get(req, "csv"))) {
		if (hub_report_csv(ctx, regency, &csv, &len, &err) < 0)
			return ctlconn_reply_error(c, CTL_STATUS_FAILED, "report: %s", err.msg);
		j = json_pack("{s:s,s:s%}", "daemon", "ktphubd", "csv", csv, len);
		free(csv);
		return ctlconn_reply_ok(c, j);
	}
	if (hub_report_json(ctx, regency, &j, &err) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "report: %s", err.msg);
	return ctlconn_reply_ok(c, json_pack("{s:s,s:o}", "daemon", "ktphubd", "report", j));
}

static int
ctl_conflicts(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	const json_t *v = json_object_get(req, "limit");
	json_int_t limit = 0;
	json_t *j = NULL;

	if (v != NULL && (!json_is_integer(v) || (limit = json_integer_value(v)) < 1 ||
			  limit > 100000))
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "conflicts: limit: not a number in 1..100000");
	if (hub_conflicts_json(ctx, (unsigned)limit, &j, &err) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "conflicts: %s", err.msg);
	return ctlconn_reply_ok(c, json_pack("{s:o}", "conflicts", j));
}

/* --- reset-node ------------------------------------------------------------
 *
 * DIVERGED recovery (README.md, PROTOCOL.md section 11.7): the node's cursor
 * goes back to acked 0 so the node, after `ktpctl resume --force`, sends its
 * whole journal again. "yes": true must be in the request too, so a script
 * that builds requests by hand cannot reset a cursor by accident.
 */
static int
ctl_reset_node(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	uint64_t old = 0;
	uint16_t code;

	if (get_code(ctx, req, "node", &code, &err) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST, "reset-node: %s", err.msg);
	if (code == 0)
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "reset-node: node: missing, give the 4-digit regency code");
	if (!json_is_true(json_object_get(req, "yes")))
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "reset-node: refused without \"yes\": true");
	if (hub_reset_node(ctx, code, &old, &err) < 0) {
		log_warn("reset-node: node %04u: %s", code, err.msg);
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "reset-node: %s", err.msg);
	}
	log_warn("reset-node: node %04u: cursor reset by an operator from acked %" PRIu64
		 " to 0; the node sends its journal again after 'ktpctl resume --force'",
		 code, old);
	return ctlconn_reply_ok(c, json_pack("{s:o,s:I,s:I}", "node", json_sprintf("%04u", code),
				       "old_acked", (json_int_t)old, "acked", (json_int_t)0));
}

/* --- import-bundle -------------------------------------------------------
 *
 * The payload stream is the bundle file: KTP_BUNDLE_MAGIC, then per batch a
 * 4-byte big-endian length and the sealed batch (PROTOCOL.md section 10).
 * It is parsed as it arrives, so memory stays at one batch however large the
 * bundle; each batch goes through hub_push, the same path as POST /v1/push.
 * After a framing error the rest of the stream is read and dropped, because
 * the connection must stay in step with the peer.
 */

struct import {
	struct hub	*h;
	uint8_t		*buf;
	size_t		len;
	size_t		cap;
	uint64_t	offset;		/* bundle offset of buf[0] */
	bool		magic_ok;
	char		error[KTP_ERR_MSG_LEN];
	json_t		*outcomes;
	uint64_t	batches;
	uint64_t	accepted;	/* answered 200 */
	uint64_t	refused;
	uint64_t	versions;	/* newly applied */
};

static json_t *
outcome_json(const struct hub_push_result *r)
{
	json_t *o = hub_push_json(r);

	json_object_set_new(o, "status", json_integer(r->http_status));
	json_object_set_new(o, "node", r->node ? json_sprintf("%04u", r->node) : json_null());
	json_object_set_new(o, "first", json_integer((json_int_t)r->first));
	json_object_set_new(o, "last", json_integer((json_int_t)r->last));
	json_object_set_new(o, "applied", json_integer((json_int_t)r->applied));
	return o;
}

static void
push_one(struct import *im, const uint8_t *wire, size_t len)
{
	struct hub_push_result r;

	hub_push(im->h, wire, len, &r);
	im->batches++;
	if (r.http_status == 200) {
		im->accepted++;
		im->versions += r.applied;
	} else {
		im->refused++;
	}
	if (im->batches <= IMPORT_LIST_MAX)
		json_array_append_new(im->outcomes, outcome_json(&r));
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Takes whole items off the front of the buffer: the magic, then batches. */
static void
take_items(struct import *im)
{
	const size_t mlen = sizeof(KTP_BUNDLE_MAGIC) - 1;
	size_t off = 0;
	uint32_t n;

	if (!im->magic_ok && im->len >= mlen) {
		if (memcmp(im->buf, KTP_BUNDLE_MAGIC, mlen) != 0) {
			snprintf(im->error, sizeof(im->error),
				 "bundle: not a ktpsync bundle (bad magic)");
			return;
		}
		im->magic_ok = true;
		off = mlen;
	}
	while (im->magic_ok && im->len - off >= 4) {
		n = be32(im->buf + off);
		if (n == 0 || n > KTP_BATCH_MAX_BYTES) {
			snprintf(im->error, sizeof(im->error), n == 0 ?
				 "bundle: offset %" PRIu64 ": batch of %" PRIu32 " bytes is empty" :
				 "bundle: offset %" PRIu64 ": batch of %" PRIu32 " bytes, limit %u",
				 im->offset + off, n, KTP_BATCH_MAX_BYTES);
			break;
		}
		if (im->len - off - 4 < n)
			break;
		push_one(im, im->buf + off + 4, n);
		off += 4 + (size_t)n;
	}
	memmove(im->buf, im->buf + off, im->len - off);
	im->len -= off;
	im->offset += off;
}

static int
feed(struct import *im, const uint8_t *data, size_t len)
{
	size_t cap;
	uint8_t *b;

	if (im->error[0] != '\0')
		return 0;
	if (im->len + len > im->cap) {
		for (cap = im->cap ? im->cap : 1u << 20; cap < im->len + len; cap *= 2)
			;
		if ((b = realloc(im->buf, cap)) == NULL)
			return -ENOMEM;
		im->buf = b;
		im->cap = cap;
	}
	memcpy(im->buf + im->len, data, len);
	im->len += len;
	take_items(im);
	return 0;
}

/* The texts are those of batch_bundle_next (PROTOCOL.md section 10). */
static void
check_end(struct import *im)
{
	if (!im->magic_ok)
		snprintf(im->error, sizeof(im->error), "bundle: not a ktpsync bundle (bad magic)");
	else if (im->len > 0 && im->len < 4)
		snprintf(im->error, sizeof(im->error), "bundle: offset %" PRIu64
			 ": truncated length", im->offset);
	else if (im->len > 0)
		snprintf(im->error, sizeof(im->error), "bundle: offset %" PRIu64 ": batch of %"
			 PRIu32 " bytes is truncated", im->offset, be32(im->buf));
}

static int
feed_chunk(void *im, const uint8_t *data, size_t len, struct ktp_err *err)
{
	int r = feed(im, data, len);

	return r < 0 ? ktp_err_set(err, r, "import-bundle: out of memory") : 0;
}

static int
read_stream(struct ctlconn *c, struct import *im, struct ktp_err *err)
{
	int r;

	if ((r = ctlconn_read_stream(c, feed_chunk, im, err)) < 0)
		return r;
	if (im->error[0] == '\0')
		check_end(im);
	return 0;
}

static int
reply_import(struct ctlconn *c, struct import *im)
{
	char msg[KTP_ERR_MSG_LEN] = "";
	json_t *rep;

	if (im->error[0] != '\0')
		snprintf(msg, sizeof(msg), "import-bundle: %.200s (%" PRIu64 " batches before it)",
			 im->error, im->batches);
	else if (im->refused > 0)
		snprintf(msg, sizeof(msg), "import-bundle: %" PRIu64 " of %" PRIu64
			 " batches refused", im->refused, im->batches);
	rep = ctlmsg_reply(msg[0] ? CTL_STATUS_FAILED : CTL_STATUS_OK, msg);
	if (rep == NULL)
		return -ENOMEM;
	json_object_set_new(rep, "batches", json_integer((json_int_t)im->batches));
	json_object_set_new(rep, "accepted", json_integer((json_int_t)im->accepted));
	json_object_set_new(rep, "refused", json_integer((json_int_t)im->refused));
	json_object_set_new(rep, "applied", json_integer((json_int_t)im->versions));
	json_object_set(rep, "outcomes", im->outcomes);
	log_info("import-bundle: %" PRIu64 " batches, %" PRIu64 " accepted, %" PRIu64
		 " refused, %" PRIu64 " versions applied%s%s", im->batches, im->accepted,
		 im->refused, im->versions, im->error[0] ? ": " : "", im->error);
	return ctlconn_reply(c, rep);
}

static int
ctl_import_bundle(struct ctlconn *c, json_t *req, void *ctx)
{
	struct import im = { .h = ctx };
	struct ktp_err err = {0};
	int r;

	(void)req;
	if ((im.outcomes = json_array()) == NULL)
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "import-bundle: out of memory");
	if ((r = read_stream(c, &im, &err)) < 0) {
		log_warn("import-bundle: %s", err.msg);
		r = ctlconn_reply_error(c, CTL_STATUS_FAILED, "import-bundle: %s", err.msg);
	} else {
		r = reply_import(c, &im);
	}
	json_decref(im.outcomes);
	free(im.buf);
	return r;
}

const struct ctl_cmd ctl_hub_cmds[] = {
	{ "status",		ctl_status,		CTL_RO },
	{ "nodes",		ctl_nodes,		CTL_RO },
	{ "report",		ctl_report,		CTL_RO },
	{ "conflicts",		ctl_conflicts,		CTL_RO },
	{ "import-bundle",	ctl_import_bundle,	CTL_RW | CTL_STREAM },
	{ "reset-node",		ctl_reset_node,		CTL_RW },
};

const size_t ctl_hub_n_cmds = sizeof(ctl_hub_cmds) / sizeof(ctl_hub_cmds[0]);
