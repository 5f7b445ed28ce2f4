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

#include "area.h"
#include "csvout.h"
#include "ctl_node.h"
#include "ctlmsg.h"
#include "ctlsock.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"
#include "log.h"
#include "node.h"
#include "node_export.h"
#include "node_status.h"
#include "proto.h"

static int
reply_err(struct ctlconn *c, const struct ktp_err *err)
{
	ctlconn_reply_error(c, err->code == -EBUSY ? CTL_STATUS_BUSY : CTL_STATUS_FAILED, "%s",
			    err->msg);
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

/* Feeds the payload chunk by chunk as it arrives. */
static int
feed_chunk(void *im, const uint8_t *data, size_t len, struct ktp_err *err)
{
	return node_import_feed(im, data, len, err);
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

/* One journal transaction for the whole file (node_import_begin). */
static int
run_ingest(struct node *n, struct ctlconn *c, enum ingest_format fmt, const char *name)
{
	struct ingest_result res = {0};
	struct node_import *im = NULL;
	struct ktp_err err = {0};
	int r;

	if (node_import_begin(n, fmt, name, &im, &err) < 0)
		return reply_err(c, &err);
	if ((r = ctlconn_read_stream(c, feed_chunk, im, &err)) < 0)
		node_import_abort(im);
	else
		r = node_import_finish(im, &res, &err);
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

	if (nik == NULL || reason == NULL)
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "remove: needs \"nik\" and \"reason\"");
	if (node_remove(n, nik, reason, &seq, &err) < 0)
		return reply_err(c, &err);
	if (seq > 0)
		node_data_changed(n);
	return ctlconn_reply_ok(c, json_pack("{s:I}", "seq", (json_int_t)seq));
}

/* --- reports ------------------------------------------------------------- */

static json_t *
name_json(const struct area_table *t, enum area_level level, uint64_t code)
{
	const char *name = area_name(t, level, code);

	return name != NULL ? json_string(name) : json_null();
}

/* The official names beside the codes: the regency's at the top, each
 * kecamatan's in its object; null where the table has none. */
static int
add_report_names(struct node *n, json_t *rep)
{
	const struct area_table *t = node_areas(n);
	json_t *k;
	size_t i;

	if (json_object_set_new(rep, "name", name_json(t, AREA_REGENCY, node_id(n))) < 0)
		return -ENOMEM;
	json_array_foreach(json_object_get(rep, "kecamatan"), i, k) {
		if (json_object_set_new(k, "name", name_json(t, AREA_KECAMATAN,
				(uint64_t)json_integer_value(json_object_get(k, "code")))) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int
ctl_report(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	struct node *n = ctx;
	json_t *rep = NULL;

	(void)req;
	if (node_report(n, &rep, &err) < 0)
		return reply_err(c, &err);
	if (json_object_set_new(rep, "daemon", json_string("ktpsyncd")) < 0 ||
	    add_report_names(n, rep) < 0) {
		json_decref(rep);
		rep = NULL;	/* ctlconn_reply_ok answers "ctl: out of memory" */
	}
	return ctlconn_reply_ok(c, rep);
}

/* --- unrecorded: the call-in lists --------------------------------------- */

struct unrec {
	struct journal_unrecorded_query q;
	bool			json_rows;	/* ktpctl --json: rows in the reply, no stream */
	const struct area_table	*areas;
	uint32_t		election;
};

/* Request keys: kecamatan (6 digits), desa (10 digits), pemula, site_plan, rows.
 * A refusal sets *ret_status and err. */
static int
parse_unrec(const json_t *req, struct node *n, struct unrec *u, enum ctl_status *ret_status,
	    struct ktp_err *err)
{
	const json_t *k = json_object_get(req, "kecamatan"), *d = json_object_get(req, "desa");

	memset(u, 0, sizeof(*u));
	*ret_status = CTL_STATUS_BAD_REQUEST;
	if (k != NULL && (!json_is_integer(k) || json_integer_value(k) < 0 ||
			  json_integer_value(k) > 999999))
		return ktp_err_set(err, -EINVAL, "unrecorded: kecamatan: not a 6-digit code");
	if (d != NULL && (!json_is_integer(d) || json_integer_value(d) < 1000000000 ||
			  json_integer_value(d) > 9999999999))
		return ktp_err_set(err, -EINVAL, "unrecorded: desa: not a 10-digit code");
	u->q.kecamatan = k != NULL ? (uint32_t)json_integer_value(k) : 0;
	u->q.desa = d != NULL ? (uint64_t)json_integer_value(d) : 0;
	u->q.by_site = json_is_true(json_object_get(req, "site_plan"));
	u->json_rows = json_is_true(json_object_get(req, "rows"));
	u->areas = node_areas(n);
	u->election = node_election_date(n);
	*ret_status = CTL_STATUS_FAILED;
	if (json_is_true(json_object_get(req, "pemula"))) {
		if (u->election == 0)
			return ktp_err_set(err, -ENOENT, "unrecorded: pemula: [node] election_date "
					   "is not set, so nobody is known to be 17 on election day");
		u->q.pemula_of = u->election;
	}
	return 0;
}

static const char *
name_or_empty(const struct area_table *t, enum area_level level, uint64_t code)
{
	const char *name = area_name(t, level, code);

	return name != NULL ? name : "";
}

static void
write_csv(FILE *f, const struct unrec *u, const struct journal_person *p, size_t n)
{
	size_t i;

	fputs("nik,name,kecamatan,desa,kecamatan_name,desa_name\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s,", p[i].nik);
		csvout_text(f, p[i].name, ',');
		fprintf(f, ",%06" PRIu32 ",", p[i].kecamatan);
		if (p[i].desa != 0)
			fprintf(f, "%010" PRIu64, p[i].desa);
		fputc(',', f);
		csvout_text(f, name_or_empty(u->areas, AREA_KECAMATAN, p[i].kecamatan), ',');
		fputc(',', f);
		if (p[i].desa != 0)
			csvout_text(f, name_or_empty(u->areas, AREA_DESA, p[i].desa), ',');
		fputc('\n', f);
	}
}

/* Rows of one desa (or of one kecamatan's persons without a desa) follow
 * each other in site-plan order; returns how many from p. */
static size_t
site_len(const struct journal_person *p, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (p[i].desa != p[0].desa || (p[0].desa == 0 && p[i].kecamatan != p[0].kecamatan))
			break;
	return n > 0 ? i : 0;
}

static size_t
count_sites(const struct journal_person *p, size_t n)
{
	size_t sites = 0, i;

	for (i = 0; i < n; i += site_len(&p[i], n - i))
		sites++;
	return sites;
}

static void
write_site_head(FILE *f, const struct unrec *u, const struct journal_person *p, size_t count)
{
	const char *dn = area_name(u->areas, AREA_DESA, p->desa);
	const char *kn = area_name(u->areas, AREA_KECAMATAN, p->kecamatan);

	if (p->desa != 0)
		fprintf(f, "desa %010" PRIu64 "%s%s", p->desa, dn ? " " : "", dn ? dn : "");
	else
		fputs("no desa", f);
	fprintf(f, " (kecamatan %06" PRIu32 "%s%s): %zu\n", p->kecamatan, kn ? " " : "",
		kn ? kn : "", count);
}

/* The call-in list for a mobile team: desa by desa, the largest first. */
static void
write_site_plan(FILE *f, const struct unrec *u, const struct journal_person *p, size_t n)
{
	size_t i, k, len;

	if (u->q.pemula_of != 0)
		fprintf(f, "site plan: %zu unrecorded first-time voters (17 on %04" PRIu32 "-%02"
			PRIu32 "-%02" PRIu32 ") in %zu desa\n", n, u->election / 10000,
			u->election / 100 % 100, u->election % 100, count_sites(p, n));
	else
		fprintf(f, "site plan: %zu unrecorded voters on the roll in %zu desa\n", n,
			count_sites(p, n));
	for (i = 0; i < n; i += len) {
		len = site_len(&p[i], n - i);
		write_site_head(f, u, &p[i], len);
		for (k = i; k < i + len; k++)
			fprintf(f, "  %s %s\n", p[k].nik, p[k].name);
	}
}

static int
unrec_text(const struct unrec *u, const struct journal_person *p, size_t n, char **ret,
	   size_t *ret_len, struct ktp_err *err)
{
	FILE *f = open_memstream(ret, ret_len);

	if (f == NULL)
		return ktp_err_set(err, -ENOMEM, "unrecorded: out of memory");
	if (u->q.by_site)
		write_site_plan(f, u, p, n);
	else
		write_csv(f, u, p, n);
	if (fclose(f) != 0) {
		free(*ret);
		*ret = NULL;
		return ktp_err_set(err, -ENOMEM, "unrecorded: out of memory");
	}
	return 0;
}

static json_t *
code_json(uint64_t code, int digits)
{
	char buf[24];

	if (code == 0)
		return json_string("");
	snprintf(buf, sizeof(buf), "%0*" PRIu64, digits, code);
	return json_string(buf);
}

/* {nik, name, kecamatan, kecamatan_name, desa, desa_name}; codes as strings. */
static json_t *
person_json(const struct unrec *u, const struct journal_person *p)
{
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "nik", p->nik, "name", p->name,
			 "kecamatan", code_json(p->kecamatan, 6),
			 "kecamatan_name", name_json(u->areas, AREA_KECAMATAN, p->kecamatan),
			 "desa", code_json(p->desa, 10),
			 "desa_name", p->desa != 0 ? name_json(u->areas, AREA_DESA, p->desa) :
			 json_null());
}

static json_t *
site_json(const struct unrec *u, const struct journal_person *p, size_t len)
{
	json_t *rows = json_array(), *o;
	size_t i;

	for (i = 0; rows != NULL && i < len; i++)
		if (json_array_append_new(rows, json_pack("{s:s,s:s}", "nik", p[i].nik,
							  "name", p[i].name)) < 0)
			break;
	o = json_pack("{s:o,s:o,s:o,s:o,s:I,s:o}",
		      "code", p->desa != 0 ? code_json(p->desa, 10) : json_null(),
		      "name", p->desa != 0 ? name_json(u->areas, AREA_DESA, p->desa) : json_null(),
		      "kecamatan", code_json(p->kecamatan, 6),
		      "kecamatan_name", name_json(u->areas, AREA_KECAMATAN, p->kecamatan),
		      "count", (json_int_t)len, "rows", rows != NULL ? rows : json_null());
	return o;
}

/* The reply's data: count, and for --json the rows or (site plan) the desa. */
static json_t *
unrec_reply(const struct unrec *u, const struct journal_person *p, size_t n)
{
	json_t *data = json_pack("{s:I}", "count", (json_int_t)n), *list = json_array();
	size_t i, len;

	if (data == NULL || list == NULL || !u->json_rows) {
		json_decref(list);
		return data;
	}
	for (i = 0; i < n; i += len) {
		len = u->q.by_site ? site_len(&p[i], n - i) : 1;
		if (json_array_append_new(list, u->q.by_site ? site_json(u, &p[i], len) :
					  person_json(u, &p[i])) < 0) {
			json_decref(list);
			json_decref(data);
			return NULL;
		}
	}
	json_object_set_new(data, u->q.by_site ? "desa" : "rows", list);
	return data;
}

static int
ctl_unrecorded(struct ctlconn *c, json_t *req, void *ctx)
{
	struct journal_person *rows = NULL;
	struct ktp_err err = {0};
	struct node *n = ctx;
	enum ctl_status st;
	struct unrec u;
	char *text = NULL;
	size_t n_rows = 0, len = 0;
	int r;

	if ((r = parse_unrec(req, n, &u, &st, &err)) == 0) {
		r = node_unrecorded(n, &u.q, &rows, &n_rows, &err);
		st = CTL_STATUS_FAILED;
	}
	if (r == 0 && !u.json_rows)
		r = unrec_text(&u, rows, n_rows, &text, &len, &err);
	/* The stream always comes, empty on failure, so ktpctl reads one shape. */
	if (r == 0 && !u.json_rows)
		r = ctlconn_write_chunk(c, text, len, &err);
	free(text);
	if (ctlconn_end_stream(c, r < 0 ? NULL : &err) < 0 && r == 0)
		r = err.code;
	if (r < 0) {
		free(rows);
		ctlconn_reply_error(c, st, "%s", err.msg);
		return r;
	}
	ctlconn_reply_ok(c, unrec_reply(&u, rows, n_rows));
	free(rows);
	return 0;
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
	{ "unrecorded",	ctl_unrecorded,	CTL_NAMES },
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
