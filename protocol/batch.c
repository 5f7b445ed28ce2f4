/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "batch.h"
#include "err.h"
#include "seal.h"
#include "varint.h"

#define BATCH_ZSTD_LEVEL	3
/* A batch must carry at least one byte of ciphertext (a zstd frame). */
#define BATCH_MIN_WIRE		(BATCH_HEADER_LEN + SEAL_OVERHEAD + 1)

/* Header offsets; PROTOCOL.md section 5 is the normative table. */
enum {
	OFF_MAGIC = 0, OFF_VERSION = 4, OFF_FLAGS = 5, OFF_NODE = 6, OFF_HUB_KEY = 8,
	OFF_FIRST = 12, OFF_LAST = 20, OFF_COUNT = 28, OFF_PLAIN_LEN = 32, OFF_HEAD = 36,
	OFF_PREV_CHAIN = 44
};

struct batch_builder {
	uint8_t		*buf;
	size_t		len;
	size_t		cap;
	uint32_t	count;
};

static void
put_be(uint8_t *p, uint64_t v, unsigned n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int
batch_builder_new(struct batch_builder **ret)
{
	struct batch_builder *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	*ret = b;
	return 0;
}

static int
grow(struct batch_builder *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	while (cap - b->len < need)
		cap *= 2;
	if (cap == b->cap)
		return 0;
	if ((p = realloc(b->buf, cap)) == NULL)
		return -ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

int
batch_builder_add(struct batch_builder *b, const uint8_t *enc, size_t len, struct ktp_err *err)
{
	size_t need = varint_len(len) + len;

	if (len == 0)
		return ktp_err_set(err, -EINVAL, "batch: version %" PRIu32 ": empty", b->count + 1);
	if (len > KTP_VERSION_MAX_BYTES)
		return ktp_err_set(err, -EMSGSIZE, "batch: version %" PRIu32 ": %zu bytes, limit %u",
				   b->count + 1, len, KTP_VERSION_MAX_BYTES);
	if (b->count >= KTP_BATCH_MAX_VERSIONS)
		return ktp_err_set(err, -EMSGSIZE, "batch: full: %u versions", KTP_BATCH_MAX_VERSIONS);
	if (b->len + need > KTP_BATCH_MAX_PLAIN)
		return ktp_err_set(err, -EMSGSIZE, "batch: full: %zu bytes, limit %u", b->len,
				   KTP_BATCH_MAX_PLAIN);
	if (grow(b, need) < 0)
		return ktp_err_set(err, -ENOMEM, "batch: out of memory");
	varint_put(b->buf, b->cap, &b->len, len);
	memcpy(b->buf + b->len, enc, len);
	b->len += len;
	b->count++;
	return 0;
}

uint32_t
batch_builder_count(const struct batch_builder *b)
{
	return b->count;
}

size_t
batch_builder_plain_len(const struct batch_builder *b)
{
	return b->len;
}

void
batch_builder_reset(struct batch_builder *b)
{
	b->len = 0;
	b->count = 0;
}

void
batch_builder_free(struct batch_builder *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b);
}

static void
encode_header(const struct batch_header *h, uint8_t out[static BATCH_HEADER_LEN])
{
	memcpy(out + OFF_MAGIC, KTP_BATCH_MAGIC, 4);
	out[OFF_VERSION] = KTP_BATCH_VERSION;
	out[OFF_FLAGS] = 0;
	put_be(out + OFF_NODE, h->node_id, 2);
	put_be(out + OFF_HUB_KEY, h->hub_key_id, 4);
	put_be(out + OFF_FIRST, h->first, 8);
	put_be(out + OFF_LAST, h->last, 8);
	put_be(out + OFF_COUNT, h->count, 4);
	put_be(out + OFF_PLAIN_LEN, h->plain_len, 4);
	put_be(out + OFF_HEAD, h->head, 8);
	memcpy(out + OFF_PREV_CHAIN, h->prev_chain, KTP_HASH_LEN);
}

static void
decode_header(const uint8_t in[static BATCH_HEADER_LEN], struct batch_header *h)
{
	h->node_id = (uint16_t)get_be(in + OFF_NODE, 2);
	h->hub_key_id = (uint32_t)get_be(in + OFF_HUB_KEY, 4);
	h->first = get_be(in + OFF_FIRST, 8);
	h->last = get_be(in + OFF_LAST, 8);
	h->count = (uint32_t)get_be(in + OFF_COUNT, 4);
	h->plain_len = (uint32_t)get_be(in + OFF_PLAIN_LEN, 4);
	h->head = get_be(in + OFF_HEAD, 8);
	memcpy(h->prev_chain, in + OFF_PREV_CHAIN, KTP_HASH_LEN);
}

/* The rules a header must satisfy, shared by batch_seal (a caller's mistake,
 * -EINVAL) and batch_parse_header (a bad batch, -EPROTO). Range consistency
 * comes before the size limits so that any single changed bit in first, last
 * or count reads as a malformed range. */
static int
check_header(const struct batch_header *h, int bad, struct ktp_err *err)
{
	uint64_t s = h->first, e = h->last;

	if (h->first == 0)
		return ktp_err_set(err, bad, "batch %" PRIu64 "..%" PRIu64 ": first: seqs start at 1",
				   s, e);
	if (h->count == 0) {
		/* The heartbeat (PROTOCOL.md 5.5): no version, first = head + 1. */
		if (h->last != h->first - 1 || h->head != h->last)
			return ktp_err_set(err, bad, "batch %" PRIu64 "..%" PRIu64 ": count: 0 "
					   "needs last = first - 1 = head (heartbeat)", s, e);
		if (h->plain_len != BATCH_HEARTBEAT_PLAIN_LEN)
			return ktp_err_set(err, bad, "batch %" PRIu64 "..%" PRIu64 ": plain_len: %"
					   PRIu32 " bytes in a heartbeat, need %u", s, e, h->plain_len,
					   BATCH_HEARTBEAT_PLAIN_LEN);
		return 0;
	}
	if (h->last < h->first || h->last - h->first != h->count - 1)
		return ktp_err_set(err, bad, "batch %" PRIu64 "..%" PRIu64 ": count: %" PRIu32
				   " does not match the range", s, e, h->count);
	if (h->count > KTP_BATCH_MAX_VERSIONS)
		return ktp_err_set(err, -EMSGSIZE, "batch %" PRIu64 "..%" PRIu64 ": count: %" PRIu32
				   " versions, limit %u", s, e, h->count, KTP_BATCH_MAX_VERSIONS);
	if (h->plain_len > KTP_BATCH_MAX_PLAIN)
		return ktp_err_set(err, -EMSGSIZE, "batch %" PRIu64 "..%" PRIu64 ": plain_len: %"
				   PRIu32 " bytes, limit %u", s, e, h->plain_len,
				   KTP_BATCH_MAX_PLAIN);
	if (h->head < h->last)
		return ktp_err_set(err, bad, "batch %" PRIu64 "..%" PRIu64 ": head: %" PRIu64
				   " is before last", s, e, h->head);
	return 0;
}

static int
compress_payload(const uint8_t *plain, size_t len, uint8_t **ret, size_t *ret_len,
		 struct ktp_err *err)
{
	size_t cap = ZSTD_compressBound(len), n;
	uint8_t *out = malloc(cap);

	if (out == NULL)
		return ktp_err_set(err, -ENOMEM, "batch: out of memory");
	/* The one-shot API always writes the content size into the frame
	 * header, which batch_open requires. */
	n = ZSTD_compress(out, cap, plain, len, BATCH_ZSTD_LEVEL);
	if (ZSTD_isError(n)) {
		free(out);
		return ktp_err_set(err, -EIO, "batch: zstd: %s", ZSTD_getErrorName(n));
	}
	*ret = out;
	*ret_len = n;
	return 0;
}

/* Checks hdr (count and plain_len set), compresses plain and seals. */
static int
seal_payload(const uint8_t *plain, size_t len, struct batch_header *hdr,
	     const uint8_t node_sk[static KTP_ED25519_SK_LEN],
	     const uint8_t hub_pk[static KTP_X25519_PK_LEN],
	     const uint8_t eph_sk[static KTP_X25519_SK_LEN],
	     const uint8_t nonce[static KTP_NONCE_LEN],
	     uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err)
{
	uint8_t ad[BATCH_HEADER_LEN], *z = NULL;
	size_t zlen = 0;
	int r;

	if ((r = check_header(hdr, -EINVAL, err)) < 0)
		return r;
	if ((r = compress_payload(plain, len, &z, &zlen, err)) < 0)
		return r;
	encode_header(hdr, ad);
	r = seal_box(ad, sizeof(ad), z, zlen, hub_pk, node_sk, eph_sk, nonce, ret_wire, ret_len,
		     err);
	free(z);
	if (r < 0)
		ktp_err_prefix(err, "batch %" PRIu64 "..%" PRIu64, hdr->first, hdr->last);
	return r;
}

int
batch_seal(const struct batch_builder *b, struct batch_header *hdr,
	   const uint8_t node_sk[static KTP_ED25519_SK_LEN],
	   const uint8_t hub_pk[static KTP_X25519_PK_LEN],
	   const uint8_t eph_sk[static KTP_X25519_SK_LEN],
	   const uint8_t nonce[static KTP_NONCE_LEN],
	   uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err)
{
	hdr->count = b->count;
	hdr->plain_len = (uint32_t)b->len;
	return seal_payload(b->buf, b->len, hdr, node_sk, hub_pk, eph_sk, nonce, ret_wire, ret_len,
			    err);
}

int
batch_seal_heartbeat(struct batch_header *hdr, uint64_t sent_ms,
		     const uint8_t node_sk[static KTP_ED25519_SK_LEN],
		     const uint8_t hub_pk[static KTP_X25519_PK_LEN],
		     const uint8_t eph_sk[static KTP_X25519_SK_LEN],
		     const uint8_t nonce[static KTP_NONCE_LEN],
		     uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err)
{
	uint8_t plain[BATCH_HEARTBEAT_PLAIN_LEN];

	put_be(plain, sent_ms, sizeof(plain));
	hdr->count = 0;
	hdr->plain_len = sizeof(plain);
	return seal_payload(plain, sizeof(plain), hdr, node_sk, hub_pk, eph_sk, nonce, ret_wire,
			    ret_len, err);
}

uint64_t
batch_heartbeat_ms(const uint8_t plain[static BATCH_HEARTBEAT_PLAIN_LEN])
{
	return get_be(plain, BATCH_HEARTBEAT_PLAIN_LEN);
}

/* Magic, version, flags and the header rules, on the header bytes alone. */
static int
parse_fixed(const uint8_t *wire, struct batch_header *ret, struct ktp_err *err)
{
	if (memcmp(wire + OFF_MAGIC, KTP_BATCH_MAGIC, 4) != 0)
		return ktp_err_set(err, -EPROTO, "batch: bad magic");
	if (wire[OFF_VERSION] != KTP_BATCH_VERSION)
		return ktp_err_set(err, -EPROTO, "batch: version %u not supported (want %u)",
				   wire[OFF_VERSION], KTP_BATCH_VERSION);
	if (wire[OFF_FLAGS] != 0)
		return ktp_err_set(err, -EPROTO, "batch: flags 0x%02x not supported",
				   wire[OFF_FLAGS]);
	decode_header(wire, ret);
	return check_header(ret, -EPROTO, err);
}

int
batch_parse_header(const uint8_t *wire, size_t len, struct batch_header *ret,
		   struct ktp_err *err)
{
	struct batch_header h;
	int r;

	if (len > KTP_BATCH_MAX_BYTES)
		return ktp_err_set(err, -EMSGSIZE, "batch: too large: %zu bytes, limit %u", len,
				   KTP_BATCH_MAX_BYTES);
	if (len < BATCH_MIN_WIRE)
		return ktp_err_set(err, -EPROTO, "batch: truncated: %zu bytes, need at least %zu",
				   len, (size_t)BATCH_MIN_WIRE);
	if ((r = parse_fixed(wire, &h, err)) < 0)
		return r;
	*ret = h;
	return 0;
}

int
batch_parse_prefix(const uint8_t hdr[static BATCH_HEADER_LEN], uint64_t wire_len,
		   struct batch_header *ret, struct ktp_err *err)
{
	struct batch_header h;
	uint64_t most;
	int r;

	if (wire_len != 0 && wire_len < BATCH_MIN_WIRE)
		return ktp_err_set(err, -EPROTO, "batch: truncated: %" PRIu64 " bytes, need at "
				   "least %zu", wire_len, (size_t)BATCH_MIN_WIRE);
	if ((r = parse_fixed(hdr, &h, err)) < 0)
		return r;
	/* batch_seal compresses in one shot: the frame never passes the bound. */
	most = BATCH_HEADER_LEN + SEAL_OVERHEAD + ZSTD_COMPRESSBOUND((uint64_t)h.plain_len);
	if (wire_len > most)
		return ktp_err_set(err, -EMSGSIZE, "batch %" PRIu64 "..%" PRIu64 ": %" PRIu64
				   " bytes, more than a batch of plain_len %" PRIu32 " can take (%"
				   PRIu64 ")", h.first, h.last, wire_len, h.plain_len, most);
	*ret = h;
	return 0;
}

static const struct batch_hub_key *
find_hub_key(const struct batch_hub_key *keys, size_t n_keys, uint32_t id)
{
	for (size_t i = 0; i < n_keys; i++)
		if (keys[i].id == id)
			return &keys[i];
	return NULL;
}

/* Inflates into exactly plain_len bytes. The frame must declare its content
 * size and it must equal the signed plain_len, so the output buffer is sized
 * from a capped, authenticated number and never grows: a frame that would
 * inflate further fails with dstSize_tooSmall instead of eating memory. */
static int
decompress_payload(const uint8_t *z, size_t zlen, uint32_t plain_len, uint8_t **ret,
		   struct ktp_err *err)
{
	unsigned long long fcs = ZSTD_getFrameContentSize(z, zlen);
	uint8_t *out = NULL;
	size_t n;

	if (fcs == ZSTD_CONTENTSIZE_ERROR)
		return ktp_err_set(err, -EPROTO, "zstd: not a zstd frame");
	if (fcs == ZSTD_CONTENTSIZE_UNKNOWN)
		return ktp_err_set(err, -EPROTO, "zstd: frame does not declare its size");
	if (fcs != plain_len)
		return ktp_err_set(err, fcs > plain_len ? -EMSGSIZE : -EPROTO,
				   "zstd: frame declares %llu bytes, header %" PRIu32, fcs, plain_len);
	if (ZSTD_findFrameCompressedSize(z, zlen) != zlen)
		return ktp_err_set(err, -EPROTO, "zstd: data after the frame");
	if ((out = malloc(plain_len ? plain_len : 1)) == NULL)
		return ktp_err_set(err, -ENOMEM, "zstd: out of memory");
	n = ZSTD_decompress(out, plain_len, z, zlen);
	if (ZSTD_isError(n) || n != plain_len) {
		free(out);
		return ktp_err_set(err, -EPROTO, "zstd: %s",
				   ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
	}
	*ret = out;
	return 0;
}

static int
check_framing(const uint8_t *plain, size_t len, uint32_t count, struct ktp_err *err)
{
	struct batch_reader rd;
	const uint8_t *enc;
	size_t enc_len;
	uint32_t n = 0;
	int r;

	batch_reader_init(&rd, plain, len);
	for (;;) {
		if ((r = batch_reader_next(&rd, &enc, &enc_len, err)) < 0)
			return r;
		if (enc == NULL)
			break;
		n++;
	}
	if (n != count)
		return ktp_err_set(err, -EPROTO, "count: payload holds %" PRIu32
				   " versions, header %" PRIu32, n, count);
	return 0;
}

static int
open_checked(const uint8_t *wire, size_t len, const struct batch_header *h,
	     const struct batch_hub_key *keys, size_t n_keys, uint8_t **ret_plain,
	     struct ktp_err *err)
{
	const struct batch_hub_key *k;
	uint8_t *z = NULL, *plain = NULL;
	size_t zlen = 0;
	int r;

	if ((k = find_hub_key(keys, n_keys, h->hub_key_id)) == NULL)
		return ktp_err_set(err, -ENOKEY, "unknown hub key id 0x%08" PRIx32, h->hub_key_id);
	if ((r = seal_unbox(wire, len, BATCH_HEADER_LEN, k->sk, &z, &zlen, err)) < 0)
		return r;
	r = decompress_payload(z, zlen, h->plain_len, &plain, err);
	free(z);
	if (r < 0)
		return r;
	/* A heartbeat's payload is its 8-byte stamp, not versions. */
	if (h->count > 0 && (r = check_framing(plain, h->plain_len, h->count, err)) < 0) {
		free(plain);
		return r;
	}
	*ret_plain = plain;
	return 0;
}

int
batch_verify_parsed(const struct batch_header *hdr, const uint8_t *wire, size_t len,
		    const uint8_t node_pk[static KTP_ED25519_PK_LEN], struct ktp_err *err)
{
	int r;

	if ((r = seal_verify(wire, len, BATCH_HEADER_LEN, node_pk, err)) < 0)
		ktp_err_prefix(err, "batch %" PRIu64 "..%" PRIu64, hdr->first, hdr->last);
	return r;
}

int
batch_open_parsed(const struct batch_header *hdr, const uint8_t *wire, size_t len,
		  const struct batch_hub_key *keys, size_t n_keys, uint8_t **ret_plain,
		  size_t *ret_plain_len, struct ktp_err *err)
{
	uint8_t *plain = NULL;
	int r;

	if ((r = open_checked(wire, len, hdr, keys, n_keys, &plain, err)) < 0) {
		ktp_err_prefix(err, "batch %" PRIu64 "..%" PRIu64, hdr->first, hdr->last);
		return r;
	}
	*ret_plain = plain;
	*ret_plain_len = hdr->plain_len;
	return 0;
}

int
batch_verify(const uint8_t *wire, size_t len, const uint8_t node_pk[static KTP_ED25519_PK_LEN],
	     struct ktp_err *err)
{
	struct batch_header h = {0};	/* gcc cannot see parse_header fill it */
	int r;

	if ((r = batch_parse_header(wire, len, &h, err)) < 0)
		return r;
	return batch_verify_parsed(&h, wire, len, node_pk, err);
}

int
batch_open(const uint8_t *wire, size_t len, const uint8_t node_pk[static KTP_ED25519_PK_LEN],
	   const struct batch_hub_key *keys, size_t n_keys,
	   struct batch_header *ret_hdr, uint8_t **ret_plain, size_t *ret_plain_len,
	   struct ktp_err *err)
{
	struct batch_header h = {0};
	int r;

	if ((r = batch_parse_header(wire, len, &h, err)) < 0 ||
	    (r = batch_verify_parsed(&h, wire, len, node_pk, err)) < 0 ||
	    (r = batch_open_parsed(&h, wire, len, keys, n_keys, ret_plain, ret_plain_len,
				   err)) < 0)
		return r;
	*ret_hdr = h;
	return 0;
}

int
batch_open_verified(const uint8_t *wire, size_t len, const struct batch_hub_key *keys,
		    size_t n_keys, struct batch_header *ret_hdr, uint8_t **ret_plain,
		    size_t *ret_plain_len, struct ktp_err *err)
{
	struct batch_header h;
	int r;

	if ((r = batch_parse_header(wire, len, &h, err)) < 0 ||
	    (r = batch_open_parsed(&h, wire, len, keys, n_keys, ret_plain, ret_plain_len,
				   err)) < 0)
		return r;
	*ret_hdr = h;
	return 0;
}

void
batch_reader_init(struct batch_reader *r, const uint8_t *plain, size_t len)
{
	r->plain = plain;
	r->len = len;
	r->off = 0;
}

int
batch_reader_next(struct batch_reader *r, const uint8_t **ret_enc, size_t *ret_len,
		  struct ktp_err *err)
{
	size_t at = r->off;
	uint64_t n;

	*ret_enc = NULL;
	*ret_len = 0;
	if (r->off == r->len)
		return 0;
	if (varint_get(r->plain, r->len, &r->off, &n) < 0)
		return ktp_err_set(err, -EPROTO, "framing: offset %zu: bad length varint", at);
	if (n == 0 || n > KTP_VERSION_MAX_BYTES)
		return ktp_err_set(err, -EPROTO, "framing: offset %zu: version length %" PRIu64
				   " outside 1..%u", at, n, KTP_VERSION_MAX_BYTES);
	if (n > r->len - r->off)
		return ktp_err_set(err, -EPROTO, "framing: offset %zu: version of %" PRIu64
				   " bytes runs past the payload", at, n);
	*ret_enc = r->plain + r->off;
	*ret_len = (size_t)n;
	r->off += (size_t)n;
	return 0;
}

int
batch_bundle_next(const uint8_t *buf, size_t len, size_t *off,
		  const uint8_t **ret_wire, size_t *ret_len, struct ktp_err *err)
{
	size_t magic_len = sizeof(KTP_BUNDLE_MAGIC) - 1, at;
	uint32_t n;

	*ret_wire = NULL;
	*ret_len = 0;
	if (*off == 0) {
		if (len < magic_len || memcmp(buf, KTP_BUNDLE_MAGIC, magic_len) != 0)
			return ktp_err_set(err, -EPROTO, "bundle: not a ktpsync bundle (bad magic)");
		*off = magic_len;
	}
	at = *off;
	if (at > len)
		return ktp_err_set(err, -EINVAL, "bundle: offset %zu past the end", at);
	if (at == len)
		return 0;
	if (len - at < 4)
		return ktp_err_set(err, -EPROTO, "bundle: offset %zu: truncated length", at);
	n = (uint32_t)get_be(buf + at, 4);
	if (n > KTP_BATCH_MAX_BYTES)
		return ktp_err_set(err, -EMSGSIZE, "bundle: offset %zu: batch of %" PRIu32
				   " bytes, limit %u", at, n, KTP_BATCH_MAX_BYTES);
	if (n == 0 || n > len - at - 4)
		return ktp_err_set(err, -EPROTO, "bundle: offset %zu: batch of %" PRIu32
				   " bytes %s", at, n, n == 0 ? "is empty" : "is truncated");
	*ret_wire = buf + at + 4;
	*ret_len = n;
	*off = at + 4 + n;
	return 0;
}
