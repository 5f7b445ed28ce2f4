/* SPDX-License-Identifier: ISC */
/* Each handler answers with exactly one reply (ctlsock's contract). Commands
 * that send a payload back (export, unrecorded) stream it first and reply
 * after, so the reply can say whether the stream was complete; ktpctl keeps
 * the payload only on an OK reply. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_node.h"
#include "ctlmsg.h"
#include "ctlsock.h"
#include "err.h"
#include "evloop.h"
#include "ingest.h"
#include "journal.h"
#include "log.h"
#include "node.h"
#include "proto.h"

static int
reply_err(struct ctlconn *c, const struct ktp_err *err)
{
	ctlconn_reply_error(c, CTL_STATUS_FAILED, "%s", err->msg);
	return err->code;
}

static int
ctl_status(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	json_t *st = NULL;

	(void)req;
	if (node_status_json(ctx, &st, &err) < 0)
		return reply_err(c, &err);
	return ctlconn_reply_ok(c, st);
}

static bool
peer_gone(void *arg)
{
	return ctlconn_peer_gone(arg);
}

static int
ctl_sync(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	bool wait = !json_is_true(json_object_get(req, "no_wait"));
	uint64_t acked = 0;

	if (node_sync(ctx, wait, peer_gone, c, &acked, &err) < 0)
		return reply_err(c, &err);
	if (!wait)
		return ctlconn_reply_ok(c, json_pack("{s:s}", "outcome", "started"));
	return ctlconn_reply_ok(c, json_pack("{s:s,s:I}", "outcome", "acked",
					     "acked", (json_int_t)acked));
}

static int
ctl_pause(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};

	(void)req;
	if (node_pause(ctx, &err) < 0)
		return reply_err(c, &err);
	return ctlconn_reply(c, ctlmsg_reply(CTL_STATUS_OK, ""));
}

static int
ctl_resume(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};

	if (node_resume(ctx, json_is_true(json_object_get(req, "force")), &err) < 0)
		return reply_err(c, &err);
	return ctlconn_reply(c, ctlmsg_reply(CTL_STATUS_OK, ""));
}

/* --- import and put ------------------------------------------------------ */

static int
parse_format(const json_t *req, enum ingest_format def, enum ingest_format *ret)
{
	const char *f = json_string_value(json_object_get(req, "format"));

	if (f == NULL)
		*ret = def;
	else if (strcmp(f, "csv") == 0)
		*ret = INGEST_CSV;
	else if (strcmp(f, "jsonl") == 0)
		*ret = INGEST_JSONL;
	else
		return -EINVAL;
	return 0;
}

/* Feeds the payload chunk by chunk, taking the journal lock per chunk so the
 * push thread and status keep going during a long import. */
static int
feed_stream(struct node *n, struct ctlconn *c, struct ingest *in, struct ktp_err *err)
{
	const uint8_t *data;
	size_t len;
	int r;

	for (;;) {
		if ((r = ctlconn_read_chunk(c, &data, &len, err)) < 0)
			return r;
		if (len == 0)
			return 0;
		if (node_is_stopping(n))
			return ktp_err_set(err, -ESHUTDOWN, "import: daemon is stopping");
		node_journal_lock(n);
		r = ingest_feed(in, data, len, err);
		node_journal_unlock(n);
		if (r < 0)
			return r;
	}
}

static json_t *
result_json(const struct ingest_result *res)
{
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "rows", (json_int_t)res->rows,
			      "versions", (json_int_t)res->versions,
			      "unchanged", (json_int_t)res->unchanged,
			      "first_seq", (json_int_t)res->first_seq,
			      "last_seq", (json_int_t)res->last_seq,
			      "error_count", (json_int_t)res->errors);
	json_t *msgs = json_array();
	size_t i;

	for (i = 0; msgs != NULL && i < res->n_msgs; i++)
		json_array_append_new(msgs, json_string(res->msgs[i]));
	if (o != NULL)
		json_object_set_new(o, "errors", msgs);
	else
		json_decref(msgs);
	return o;
}

static int
reply_import(struct ctlconn *c, int r, const struct ingest_result *res, const struct ktp_err *err)
{
	json_t *data = result_json(res), *reply;

	if (r == 0) {
		ctlconn_reply_ok(c, data);
		return 0;
	}
	/* A refused file still tells how many rows and which errors. */
	reply = ctlmsg_reply(CTL_STATUS_FAILED, err->msg);
	if (reply != NULL && data != NULL)
		json_object_update(reply, data);
	json_decref(data);
	ctlconn_reply(c, reply);
	return r;
}

/* Holds the writer lock for the whole file: one journal transaction at a time. */
static int
run_ingest(struct node *n, struct ctlconn *c, enum ingest_format fmt, const char *name)
{
	struct ingest_result res = {0};
	const struct area_table *areas = node_checks_area_codes(n) ? node_areas(n) : NULL;
	struct ingest *in = NULL;
	struct ktp_err err = {0};
	int r;

	node_writer_lock(n);
	r = ingest_begin(node_journal_lock(n), node_id(n), fmt, name, evloop_wall_ms(), &in, &err);
	if (r == 0) {
		ingest_set_areas(in, areas);
		ingest_set_tz_offset(in, node_tz_offset(n));
	}
	node_journal_unlock(n);
	if (r == 0 && (r = feed_stream(n, c, in, &err)) < 0) {
		node_journal_lock(n);
		ingest_abort(in);
		node_journal_unlock(n);
		in = NULL;
	}
	if (in != NULL) {
		node_journal_lock(n);
		r = ingest_finish(in, &res, &err);
		node_journal_unlock(n);
	}
	node_writer_unlock(n);
	if (r == 0 && res.versions > 0) {
		log_info("import: %s: %" PRIu64 " rows, %" PRIu64 " new versions (seq %" PRIu64
			 "..%" PRIu64 ")", name, res.rows, res.versions, res.first_seq, res.last_seq);
		node_data_changed(n);
	} else if (r < 0) {
		log_warn("import: %s", err.msg);
	}
	reply_import(c, r, &res, &err);
	ingest_result_done(&res);
	return r;
}

/* The request's "name", or def when it has none fit to use. The name only
 * labels messages; a path would leak the operator's tree. */
static const char *
input_name(const json_t *req, const char *def)
{
	const char *name = json_string_value(json_object_get(req, "name"));

	if (name == NULL || name[0] == '\0' || strlen(name) > 200)
		return def;
	return name;
}

static int
ctl_import(struct ctlconn *c, json_t *req, void *ctx)
{
	enum ingest_format fmt;

	if (parse_format(req, INGEST_CSV, &fmt) < 0)
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "import: format: not 'csv' or 'jsonl'");
	return run_ingest(ctx, c, fmt, input_name(req, "import"));
}

static int
ctl_put(struct ctlconn *c, json_t *req, void *ctx)
{
	return run_ingest(ctx, c, INGEST_JSONL, input_name(req, "stdin"));
}

static int
ctl_remove(struct ctlconn *c, json_t *req, void *ctx)
{
	const char *nik = json_string_value(json_object_get(req, "nik"));
	const char *reason = json_string_value(json_object_get(req, "reason"));
	struct ktp_err err = {0};
	struct node *n = ctx;
	uint64_t seq = 0;
	int r;

	if (nik == NULL || reason == NULL)
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "remove: needs \"nik\" and \"reason\"");
	node_writer_lock(n);
	r = ingest_remove(node_journal_lock(n), nik, reason, evloop_wall_ms(), &seq, &err);
	node_journal_unlock(n);
	node_writer_unlock(n);
	if (r < 0)
		return reply_err(c, &err);
	if (seq > 0)
		node_data_changed(n);
	return ctlconn_reply_ok(c, json_pack("{s:I}", "seq", (json_int_t)seq));
}

/* --- reports ------------------------------------------------------------- */

static int
ctl_report(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	struct node *n = ctx;
	json_t *rep = NULL;
	uint32_t election = node_election_date(n);
	int r;

	(void)req;
	r = journal_report_json(node_journal_lock(n), election,
				(int64_t)(evloop_wall_ms() / 1000), &rep, &err);
	node_journal_unlock(n);
	if (r < 0)
		return reply_err(c, &err);
	json_object_set_new(rep, "daemon", json_string("ktpsyncd"));
	return ctlconn_reply_ok(c, rep);
}

static uint64_t
count_lines(const char *s, size_t len)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* One field of a CSV line as journal_unrecorded writes it (RFC 4180 quoting);
 * advances *p past the field and its comma. */
static json_t *
csv_field(const char **p, const char *end)
{
	const char *s = *p;
	char *buf = malloc((size_t)(end - s) + 1);
	size_t n = 0;
	json_t *v;

	if (buf == NULL)
		return NULL;
	if (s < end && *s == '"') {
		for (s++; s < end && !(*s == '"' && (s + 1 >= end || s[1] != '"')); s++) {
			if (*s == '"')
				s++;
			buf[n++] = *s;
		}
		s++;
	} else {
		while (s < end && *s != ',')
			buf[n++] = *s++;
	}
	*p = s < end ? s + 1 : end;
	buf[n] = '\0';
	v = json_string(buf);
	free(buf);
	return v;
}

/* The CSV body as [{nik, name, kecamatan, desa}], for ktpctl --json. */
static json_t *
csv_rows(const char *csv, size_t len)
{
	static const char *const keys[] = { "nik", "name", "kecamatan", "desa" };
	const char *p = memchr(csv, '\n', len), *end = csv + len, *eol;
	json_t *rows = json_array(), *row;
	size_t i;

	for (p = p != NULL ? p + 1 : end; rows != NULL && p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		row = json_object();
		for (i = 0; row != NULL && i < 4; i++)
			json_object_set_new(row, keys[i], csv_field(&p, eol));
		json_array_append_new(rows, row);
	}
	return rows;
}

static int
ctl_unrecorded(struct ctlconn *c, json_t *req, void *ctx)
{
	json_t *k = json_object_get(req, "kecamatan");
	struct ktp_err err = {0};
	struct node *n = ctx;
	json_t *data;
	char *csv = NULL;
	size_t len = 0;
	bool json_rows;
	int r;

	if (k != NULL && (!json_is_integer(k) || json_integer_value(k) < 0 ||
			  json_integer_value(k) > 999999))
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "unrecorded: kecamatan: not a 6-digit code");
	r = journal_unrecorded(node_journal_lock(n), k != NULL ? (uint32_t)json_integer_value(k) : 0,
			       &csv, &len, &err);
	node_journal_unlock(n);
	/* The stream always comes, empty on failure, so ktpctl reads one shape. */
	json_rows = json_is_true(json_object_get(req, "rows"));
	if (r == 0 && !json_rows)
		r = ctlconn_write_chunk(c, csv, len, &err);
	if (ctlconn_end_stream(c, r < 0 ? NULL : &err) < 0 && r == 0)
		r = err.code;
	if (r < 0) {
		free(csv);
		return reply_err(c, &err);
	}
	data = json_pack("{s:I}", "count", (json_int_t)(count_lines(csv, len) - (len > 0)));
	if (data != NULL && json_rows)
		json_object_set_new(data, "rows", csv_rows(csv, len));
	ctlconn_reply_ok(c, data);
	free(csv);
	return r;
}

static int
ctl_metrics(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	char *text = NULL;
	size_t len;

	(void)req;
	if (node_metrics_text(ctx, &text, &len, &err) < 0)
		return reply_err(c, &err);
	ctlconn_reply_ok(c, json_pack("{s:s}", "metrics", text));
	free(text);
	return 0;
}

/* --- export -------------------------------------------------------------- */

static int
write_out(void *arg, const void *data, size_t len, struct ktp_err *err)
{
	return ctlconn_write_chunk(arg, data, len, err);
}

static int
ctl_export(struct ctlconn *c, json_t *req, void *ctx)
{
	struct node_export ex = {0};
	struct ktp_err err = {0};
	int r;

	(void)req;
	r = ctlconn_write_chunk(c, KTP_BUNDLE_MAGIC, strlen(KTP_BUNDLE_MAGIC), &err);
	if (r == 0)
		r = node_export(ctx, write_out, c, &ex, &err);
	/* The end chunk goes out even after a failure, so ktpctl reads the reply. */
	if (ctlconn_end_stream(c, r < 0 ? NULL : &err) < 0 && r == 0)
		r = err.code;
	if (r < 0)
		return reply_err(c, &err);
	log_info("export: seq %" PRIu64 "..%" PRIu64 " in %" PRIu64 " batches (%" PRIu64 " bytes)",
		 ex.first, ex.last, ex.batches, ex.bytes);
	return ctlconn_reply_ok(c, json_pack("{s:I,s:I,s:I,s:I,s:I}",
					     "first", (json_int_t)ex.first, "last", (json_int_t)ex.last,
					     "versions", (json_int_t)(ex.last + 1 - ex.first),
					     "batches", (json_int_t)ex.batches,
					     "bytes", (json_int_t)ex.bytes));
}

static const struct ctl_cmd node_cmds[] = {
	{ "status",	ctl_status,	CTL_RO },
	{ "report",	ctl_report,	CTL_RO },
	{ "unrecorded",	ctl_unrecorded,	CTL_RO },
	{ "metrics",	ctl_metrics,	CTL_RO },
	{ "sync",	ctl_sync,	CTL_RW },
	{ "pause",	ctl_pause,	CTL_RW },
	{ "resume",	ctl_resume,	CTL_RW },
	{ "import",	ctl_import,	CTL_RW | CTL_STREAM },
	{ "put",	ctl_put,	CTL_RW | CTL_STREAM },
	{ "remove",	ctl_remove,	CTL_RW },
	{ "export",	ctl_export,	CTL_RW },
};

const struct ctl_cmd *
ctl_node_commands(size_t *ret_n)
{
	*ret_n = sizeof(node_cmds) / sizeof(node_cmds[0]);
	return node_cmds;
}
