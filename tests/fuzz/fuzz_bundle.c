/* SPDX-License-Identifier: ISC */
/* fuzz_bundle — libFuzzer target for the hub's import-bundle stream (ctl_hub.c take_items).
 * Drives the real handler with the bundle cut into chunks at input-chosen boundaries and
 * checks it against batch_bundle_next on the whole bundle: the same batches, the same error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

/* The handler and its helpers are static: compiled here, with the hub and
 * the control socket replaced by the stubs below. */
#include "ctl_hub.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EXPECT_MAX	4096

struct ctlconn {
	const uint8_t	*stream;	/* the bundle bytes, handed out in chunks */
	size_t		len;
	size_t		off;
	uint32_t	rng;
	uint32_t	chunk_max;
	json_t		*reply;
};

static struct {
	const uint8_t	*wire[EXPECT_MAX];
	size_t		len[EXPECT_MAX];
	size_t		n;
	size_t		seen;
	char		error[KTP_ERR_MSG_LEN];
	uint8_t		statuses;	/* bit i % 8: batch i answered 403 */
} want;

/* The stream cut at random boundaries, as a client's writes may arrive. */
int
ctlconn_read_stream(struct ctlconn *c, ctlconn_chunk_fn *fn, void *arg, struct ktp_err *err)
{
	int r;

	while (c->off < c->len) {
		size_t n;

		c->rng = c->rng * 1103515245u + 12345u;
		n = 1 + (c->rng >> 8) % c->chunk_max;
		if (n > c->len - c->off)
			n = c->len - c->off;
		if ((r = fn(arg, c->stream + c->off, n, err)) < 0)
			return r;
		c->off += n;
	}
	return 0;
}

int
ctlconn_reply(struct ctlconn *c, json_t *reply)
{
	if (reply == NULL || c->reply != NULL)
		abort();
	c->reply = reply;
	return 0;
}

int
ctlconn_reply_ok(struct ctlconn *c, json_t *data)
{
	return ctlconn_reply(c, data);
}

int
ctlconn_reply_error(struct ctlconn *c, enum ctl_status status, const char *fmt, ...)
{
	(void)c, (void)status, (void)fmt;
	abort();	/* the import path answers through ctlconn_reply */
}

void
hub_push(struct hub *h, const uint8_t *wire, size_t len, struct hub_push_result *ret)
{
	size_t i = want.seen++;

	(void)h;
	if (i >= want.n || len != want.len[i] || memcmp(wire, want.wire[i], len) != 0)
		abort();
	memset(ret, 0, sizeof(*ret));
	ret->http_status = (want.statuses >> (i % 8)) & 1 ? 403 : 200;
	ret->applied = ret->http_status == 200 ? 1 : 0;
}

json_t *
hub_push_json(const struct hub_push_result *r)
{
	(void)r;
	return json_object();
}

/* Never called on the import path. */
int hub_status_json(struct hub *h, json_t **ret, struct ktp_err *err)
{ (void)h, (void)ret, (void)err; abort(); }
int hub_nodes_json(struct hub *h, json_t **ret, struct ktp_err *err)
{ (void)h, (void)ret, (void)err; abort(); }
int hub_report_json(struct hub *h, uint16_t regency, json_t **ret, struct ktp_err *err)
{ (void)h, (void)regency, (void)ret, (void)err; abort(); }
int hub_report_csv(struct hub *h, uint16_t regency, char **ret, size_t *ret_len,
		   struct ktp_err *err)
{ (void)h, (void)regency, (void)ret, (void)ret_len, (void)err; abort(); }
int hub_conflicts_json(struct hub *h, unsigned limit, json_t **ret, struct ktp_err *err)
{ (void)h, (void)limit, (void)ret, (void)err; abort(); }
int hub_reset_node(struct hub *h, uint16_t code, uint64_t *ret_old_acked, struct ktp_err *err)
{ (void)h, (void)code, (void)ret_old_acked, (void)err; abort(); }
int hub_parse_regency(const struct hub *h, const char *text, uint16_t *ret, struct ktp_err *err)
{ (void)h, (void)text, (void)ret, (void)err; abort(); }
void log_info(const char *fmt, ...) { (void)fmt; }
void log_warn(const char *fmt, ...) { (void)fmt; }

/* What batch_bundle_next finds in the whole bundle; 0 when too many batches to list. */
static int
expect(const uint8_t *buf, size_t len)
{
	struct ktp_err err = {0};
	const uint8_t *wire;
	size_t off = 0, wlen;

	want.n = want.seen = 0;
	want.error[0] = '\0';
	for (;;) {
		if (batch_bundle_next(buf, len, &off, &wire, &wlen, &err) < 0) {
			snprintf(want.error, sizeof(want.error), "%s", err.msg);
			return 1;
		}
		if (wire == NULL)
			return 1;
		if (want.n == EXPECT_MAX)
			return 0;
		want.wire[want.n] = wire;
		want.len[want.n++] = wlen;
	}
}

static void
check_reply(const json_t *rep)
{
	char msg[KTP_ERR_MSG_LEN + 64] = "";
	uint64_t refused = 0, i;
	const char *e;

	if (want.seen != want.n)
		abort();
	for (i = 0; i < want.n; i++)
		refused += (want.statuses >> (i % 8)) & 1;
	if (want.error[0] != '\0')
		snprintf(msg, sizeof(msg), "import-bundle: %.200s (%zu batches before it)",
			 want.error, want.n);
	else if (refused > 0)
		snprintf(msg, sizeof(msg), "import-bundle: %" PRIu64 " of %zu batches refused",
			 refused, want.n);
	e = json_string_value(json_object_get(rep, "error"));
	if (e == NULL || strcmp(e, msg) != 0)
		abort();
	if (json_integer_value(json_object_get(rep, "batches")) != (json_int_t)want.n ||
	    json_integer_value(json_object_get(rep, "refused")) != (json_int_t)refused)
		abort();
}

/* data[0]: the largest chunk (1..1021 bytes), data[1]: which batches the
 * stub hub refuses, data[2]: the chunk-size sequence. The rest is the bundle. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctlconn c = {0};

	if (size < 3)
		return 0;
	c.stream = data + 3;
	c.len = size - 3;
	c.chunk_max = 1 + (uint32_t)data[0] * 4;
	c.rng = data[2];
	want.statuses = data[1];
	if (!expect(c.stream, c.len))
		return 0;
	ctl_import_bundle(&c, NULL, NULL);
	if (c.reply == NULL)
		abort();
	check_reply(c.reply);
	json_decref(c.reply);
	return 0;
}
