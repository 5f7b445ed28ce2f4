/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "batch.h"
#include "err.h"
#include "journal.h"
#include "node.h"
#include "node_export.h"

static int
emit_record(const uint8_t *wire, size_t len,
	    int (*out)(void *arg, const void *data, size_t len, struct ktp_err *err),
	    void *arg, struct ktp_err *err)
{
	uint8_t len4[4];
	int r;

	if (len > UINT32_MAX)
		return ktp_err_set(err, -EMSGSIZE, "export: batch of %zu bytes", len);
	len4[0] = (uint8_t)(len >> 24);
	len4[1] = (uint8_t)(len >> 16);
	len4[2] = (uint8_t)(len >> 8);
	len4[3] = (uint8_t)len;
	if ((r = out(arg, len4, sizeof(len4), err)) < 0)
		return r;
	return out(arg, wire, len, err);
}

/* Seals and emits pending versions in batches of at most the configured size. */
static int
export_range(struct node *n, struct batch_builder *b, const struct journal_head *h,
	     int (*out)(void *arg, const void *data, size_t len, struct ktp_err *err),
	     void *arg, struct node_export *ex, struct ktp_err *err)
{
	uint64_t first = h->acked + 1, last = 0;
	uint8_t *wire = NULL;
	size_t len = 0;
	int r = 0;

	while (r == 0 && first <= h->seq) {
		r = node_seal_batch(n, b, first, h->seq, &wire, &len, &last, err);
		if (r == 0 && last < first)
			r = ktp_err_set(err, -EIO, "export: seq %" PRIu64 " unreadable", first);
		if (r == 0 && (r = emit_record(wire, len, out, arg, err)) == 0) {
			ex->batches++;
			ex->bytes += len + 4;
			first = last + 1;
		}
		free(wire);
		wire = NULL;
	}
	return r;
}

int
node_export(struct node *n, int (*out)(void *arg, const void *data, size_t len,
				       struct ktp_err *err),
	    void *arg, struct node_export *ret, struct ktp_err *err)
{
	struct batch_builder *b = NULL;
	struct journal_head h;
	struct node_export ex = {0};
	int r;

	r = node_head(n, &h, err);
	if (r < 0)
		return r;
	if ((r = batch_builder_new(&b)) < 0)
		return ktp_err_set(err, r, "export: out of memory");
	ex.first = h.acked + 1;
	ex.last = h.seq;
	r = export_range(n, b, &h, out, arg, &ex, err);
	batch_builder_free(b);
	if (r == 0 && h.seq > h.acked)
		r = node_mark_exported(n, h.seq, err);
	if (r == 0)
		*ret = ex;
	return r;
}
