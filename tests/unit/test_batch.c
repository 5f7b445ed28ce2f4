/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include <sodium.h>
#include <zstd.h>

/* Included for encode_header and the OFF_* offsets, to build correctly
 * signed batches that batch_seal itself would never produce. */
#include "../../protocol/batch.c"

#include "keytext.h"
#include "vector_keys.h"

/* The keys of PROTOCOL.md sections 12.5 and 12.6: each byte is its index plus an offset. */
struct fixed {
	uint8_t	node_pk[32], node_sk[64];
	uint8_t	hub_pk[32];
	struct batch_hub_key hub;
	uint8_t	eph_sk[32], nonce[24];
};

/* Three opaque versions: batch framing does not look inside them. */
static const char *const VERSIONS[] = { "alpha", "beta-2", "gamma-three" };

/* The sealed batch of section 12.5, as lowercase hex. */
static const char BATCH_VECTOR_HEX[] =
	"4b54504201000c81f6a420b10000000000000029000000000000002b00000003"
	"00000019000000000000002da0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
	"b4b5b6b7b8b9babbbcbdbebf79a631eede1bf9c98f12032cdeadd0e7a079398f"
	"c786b88cc846ec89af85a51a606162636465666768696a6b6c6d6e6f70717273"
	"7475767773b003afeaf5c19a9b4f66e0666175bc6fa6f8857e9b70d83151bd51"
	"73f4057b00c1272285c5c3fbfdf22621ee45f93df0c1b5a0b138372f2f61ed04"
	"7a7283664b2c665c24d6988b8fe2618d712ad2e40dd0604f87aeb4a85c3be533"
	"b83739423e97b13f4781446653f705b1f4cb26c2e60b";

static void
fixed_keys(struct fixed *f)
{
	vector_keys(f->node_pk, f->node_sk, f->hub_pk, f->hub.sk, f->eph_sk, f->nonce);
	f->hub.id = keytext_hub_key_id(f->hub_pk);
}

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void
fixed_header(const struct fixed *f, struct batch_header *h)
{
	memset(h, 0, sizeof(*h));
	h->node_id = 3201;
	h->hub_key_id = f->hub.id;
	h->first = 41;
	h->last = 43;
	h->head = 45;
	vector_fill(h->prev_chain, KTP_HASH_LEN, 0xa0);
}

/* Seals VERSIONS as versions 41..43 of node 3201. */
static void
seal_small(const struct fixed *f, uint8_t **wire, size_t *len)
{
	struct batch_builder *b = NULL;
	struct ktp_err err = {0};
	struct batch_header h;

	assert_int_equal(batch_builder_new(&b), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(batch_builder_add(b, (const uint8_t *)VERSIONS[i],
						   strlen(VERSIONS[i]), &err), 0);
	fixed_header(f, &h);
	assert_int_equal(batch_seal(b, &h, f->node_sk, f->hub_pk, f->eph_sk, f->nonce, wire, len,
				    &err), 0);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.plain_len, 3 + 5 + 6 + 11);
	batch_builder_free(b);
}

/* Seals an arbitrary payload (already compressed, or not a frame at all)
 * under an arbitrary header, correctly signed and encrypted. */
static void
seal_raw(const struct fixed *f, const struct batch_header *h, const void *z, size_t zlen,
	 uint8_t **wire, size_t *len)
{
	uint8_t ad[BATCH_HEADER_LEN];
	struct ktp_err err = {0};

	encode_header(h, ad);
	assert_int_equal(seal_box(ad, sizeof(ad), z, zlen, f->hub_pk, f->node_sk, f->eph_sk,
				  f->nonce, wire, len, &err), 0);
}

static int
open_fixed(const struct fixed *f, const uint8_t *wire, size_t len, struct ktp_err *err)
{
	struct batch_header h;
	uint8_t *plain = NULL;
	size_t plain_len;
	int r;

	r = batch_open(wire, len, f->node_pk, &f->hub, 1, &h, &plain, &plain_len, err);
	free(plain);
	return r;
}

static void
test_batch_vector_matches_protocol_md(void **state)
{
	char hex[2 * 512 + 1];
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	assert_true(len < 512);
	sodium_bin2hex(hex, sizeof(hex), wire, len);
	assert_string_equal(hex, BATCH_VECTOR_HEX);
	free(wire);
}

/* PROTOCOL.md 12.11: the heartbeat of node 3201 at head 45 (first 46, last
 * 45, count 0, plain_len 8), stamped 1796299200000 (2026-12-03T12:00:00Z),
 * keys, eph_sk and nonce as in 12.6. */
#define HEARTBEAT_MS 1796299200000ULL
static const char HEARTBEAT_VECTOR_HEX[] =
	"4b54504201000c81f6a420b1000000000000002e000000000000002d00000000"
	"00000008000000000000002da0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
	"b4b5b6b7b8b9babbbcbdbebf79a631eede1bf9c98f12032cdeadd0e7a079398f"
	"c786b88cc846ec89af85a51a606162636465666768696a6b6c6d6e6f70717273"
	"7475767773b003afeae4499a9b4a078db432d22c0d645d2473320d9a35ede448"
	"378b9edf0ba1e1247a0ea5f71f99aef2322ceb15117cd7946ff9c156a658eb5d"
	"276c841d30889165dc9ad0f339cb08e3d619eaf1b60e4fef8022bfa9a348549d"
	"d1a9d3180e";

static void
seal_heartbeat_fixed(const struct fixed *f, uint8_t **wire, size_t *len)
{
	struct ktp_err err = {0};
	struct batch_header h;

	fixed_header(f, &h);
	h.first = 46;
	h.last = 45;
	assert_int_equal(batch_seal_heartbeat(&h, HEARTBEAT_MS, f->node_sk, f->hub_pk, f->eph_sk,
					      f->nonce, wire, len, &err), 0);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.plain_len, 8);
}

static void
test_batch_heartbeat_vector_matches_protocol_md(void **state)
{
	char hex[2 * 512 + 1];
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_heartbeat_fixed(&f, &wire, &len);
	assert_true(len < 512);
	sodium_bin2hex(hex, sizeof(hex), wire, len);
	assert_string_equal(hex, HEARTBEAT_VECTOR_HEX);
	free(wire);
}

static void
test_batch_heartbeat_opens_to_zero_versions_at_head(void **state)
{
	struct ktp_err err = {0};
	struct batch_header h;
	struct fixed f;
	uint8_t *wire, *plain = NULL;
	size_t len, plain_len = 1;

	(void)state;
	fixed_keys(&f);
	seal_heartbeat_fixed(&f, &wire, &len);
	assert_int_equal(batch_verify(wire, len, f.node_pk, &err), 0);
	assert_int_equal(batch_open(wire, len, f.node_pk, &f.hub, 1, &h, &plain, &plain_len, &err),
			 0);
	assert_int_equal(h.first, 46);
	assert_int_equal(h.last, 45);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.head, 45);
	assert_int_equal(plain_len, 8);
	assert_int_equal(batch_heartbeat_ms(plain), HEARTBEAT_MS);
	free(plain);
	/* Anything else the signature covers changes: no longer the node's. */
	wire[BATCH_HEADER_LEN + 40] ^= 1;
	assert_int_equal(batch_verify(wire, len, f.node_pk, &err), -EBADMSG);
	assert_string_equal(err.msg, "batch 46..45: signature: does not verify with the node key");
	free(wire);
}

/* Table: the zero-version form is exactly last = first - 1 = head, plain_len 8. */
static void
test_batch_heartbeat_header_rules(void **state)
{
	const struct {
		uint64_t	first, last, head;
		uint32_t	plain_len;
		const char	*msg;
	} cases[] = {
		{ 1, 0, 0, 8, NULL },
		{ 46, 45, 45, 8, NULL },
		{ 46, 45, 46, 8, "batch 46..45: count: 0 needs last = first - 1 = head (heartbeat)" },
		{ 46, 44, 44, 8, "batch 46..44: count: 0 needs last = first - 1 = head (heartbeat)" },
		{ 46, 46, 46, 8, "batch 46..46: count: 0 needs last = first - 1 = head (heartbeat)" },
		{ 46, 45, 45, 0, "batch 46..45: plain_len: 0 bytes in a heartbeat, need 8" },
		{ 46, 45, 45, 9, "batch 46..45: plain_len: 9 bytes in a heartbeat, need 8" },
		{ 0, 0, 0, 8, "batch 0..0: first: seqs start at 1" },
	};
	uint8_t wire[BATCH_HEADER_LEN + SEAL_OVERHEAD + 16] = {0};
	struct batch_header h = {0}, got;
	struct ktp_err err = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h.node_id = 3201;
		h.first = cases[i].first;
		h.last = cases[i].last;
		h.head = cases[i].head;
		h.count = 0;
		h.plain_len = cases[i].plain_len;
		encode_header(&h, wire);
		memset(&err, 0, sizeof(err));
		if (cases[i].msg == NULL) {
			assert_int_equal(batch_parse_header(wire, sizeof(wire), &got, &err), 0);
		} else {
			assert_int_equal(batch_parse_header(wire, sizeof(wire), &got, &err), -EPROTO);
			assert_string_equal(err.msg, cases[i].msg);
		}
	}
}

static void
test_batch_open_returns_header_and_versions(void **state)
{
	struct ktp_err err = {0};
	struct batch_reader rd;
	struct batch_header h;
	const uint8_t *enc;
	uint8_t *wire, *plain;
	size_t len, plain_len, enc_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	assert_int_equal(batch_open(wire, len, f.node_pk, &f.hub, 1, &h, &plain, &plain_len, &err),
			 0);
	assert_int_equal(h.node_id, 3201);
	assert_int_equal(h.hub_key_id, f.hub.id);
	assert_int_equal(h.first, 41);
	assert_int_equal(h.last, 43);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.head, 45);
	assert_int_equal(plain_len, 25);
	batch_reader_init(&rd, plain, plain_len);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(batch_reader_next(&rd, &enc, &enc_len, &err), 0);
		assert_int_equal(enc_len, strlen(VERSIONS[i]));
		assert_memory_equal(enc, VERSIONS[i], enc_len);
	}
	assert_int_equal(batch_reader_next(&rd, &enc, &enc_len, &err), 0);
	assert_null(enc);
	free(plain);
	free(wire);
}

/* The error class a single flipped bit must produce, by header region. */
static int
flip_class(size_t bit)
{
	size_t byte = bit / 8;
	uint64_t head;

	if (byte < OFF_NODE)			/* magic, version, flags */
		return -EPROTO;
	if (byte >= OFF_FIRST && byte < OFF_PLAIN_LEN)	/* first, last, count */
		return -EPROTO;
	if (byte >= OFF_PLAIN_LEN && byte < OFF_HEAD) {
		/* plain_len is 25: a bit of value 2^27 or more passes the cap. */
		size_t value_bit = (OFF_HEAD - 1 - byte) * 8 + bit % 8;
		return value_bit >= 27 ? -EMSGSIZE : -EBADMSG;
	}
	if (byte >= OFF_HEAD && byte < OFF_PREV_CHAIN) {
		head = 45 ^ (1ull << ((OFF_PREV_CHAIN - 1 - byte) * 8 + bit % 8));
		return head < 43 ? -EPROTO : -EBADMSG;
	}
	return -EBADMSG;			/* node id, hub key id, chain, envelope */
}

static void
test_batch_open_rejects_every_bit_flip_by_region(void **state)
{
	struct ktp_err err = {0};
	size_t len, n_class[4] = {0};
	struct fixed f;
	uint8_t *wire;
	int want;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	for (size_t bit = 0; bit < len * 8; bit++) {
		wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		want = flip_class(bit);
		assert_int_equal(open_fixed(&f, wire, len, &err), want);
		wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		n_class[want == -EPROTO ? 0 : want == -EMSGSIZE ? 1 : 2]++;
	}
	/* magic..flags 48 + first..count 160 + head bits that undercut last 3. */
	assert_int_equal(n_class[0], 48 + 160 + 3);
	assert_int_equal(n_class[1], 5);
	assert_int_equal(n_class[2], len * 8 - 48 - 160 - 3 - 5);
	assert_int_equal(open_fixed(&f, wire, len, &err), 0);
	free(wire);
}

static void
test_batch_open_rejects_every_truncation(void **state)
{
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(open_fixed(&f, wire, n, &err),
				 n < BATCH_MIN_WIRE ? -EPROTO : -EBADMSG);
	assert_int_equal(open_fixed(&f, wire, BATCH_MIN_WIRE - 1, &err), -EPROTO);
	assert_string_equal(err.msg, "batch: truncated: 212 bytes, need at least 213");
	assert_int_equal(open_fixed(&f, wire, len - 1, &err), -EBADMSG);
	assert_string_equal(err.msg, "batch 41..43: signature: does not verify with the node key");
	free(wire);
}

/* The hub checks the 76 header bytes before it reads the rest: the same
 * rules, and a declared length the header's plain_len can explain. */
static void
test_batch_parse_prefix_checks_header_and_length(void **state)
{
	struct batch_header h;
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	assert_int_equal(batch_parse_prefix(wire, len, &h, &err), 0);
	assert_int_equal(h.first, 41);
	assert_int_equal(h.last, 43);
	assert_int_equal(batch_parse_prefix(wire, 0, &h, &err), 0);
	assert_int_equal(batch_parse_prefix(wire, BATCH_HEADER_LEN + SEAL_OVERHEAD, &h, &err),
			 -EPROTO);
	assert_string_equal(err.msg, "batch: truncated: 212 bytes, need at least 213");
	assert_int_equal(batch_parse_prefix(wire, 8u << 20, &h, &err), -EMSGSIZE);
	assert_int_equal(strncmp(err.msg, "batch 41..43: 8388608 bytes, more than a batch of "
				 "plain_len ", 60), 0);
	wire[OFF_COUNT + 3] = 4;
	assert_int_equal(batch_parse_prefix(wire, len, &h, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 41..43: count: 4 does not match the range");
	free(wire);
}

static void
test_batch_header_errors_name_the_field(void **state)
{
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	wire[0] = 'X';
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch: bad magic");
	wire[0] = 'K';
	wire[OFF_VERSION] = 2;
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch: version 2 not supported (want 1)");
	wire[OFF_VERSION] = 1;
	wire[OFF_FLAGS] = 0x80;
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch: flags 0x80 not supported");
	wire[OFF_FLAGS] = 0;
	wire[OFF_COUNT + 3] = 4;
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 41..43: count: 4 does not match the range");
	wire[OFF_COUNT + 3] = 3;
	wire[OFF_HEAD + 7] = 42;
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 41..43: head: 42 is before last");
	wire[OFF_HEAD + 7] = 45;
	wire[OFF_PLAIN_LEN] = 0x10;
	assert_int_equal(open_fixed(&f, wire, len, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "batch 41..43: plain_len: 268435481 bytes, limit 134217728");
	free(wire);
}

static void
test_batch_open_rejects_other_node_key(void **state)
{
	struct ktp_err err = {0};
	uint8_t other_pk[32], other_sk[64], *wire, *plain = NULL;
	struct batch_header h;
	size_t len, plain_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	crypto_sign_keypair(other_pk, other_sk);
	seal_small(&f, &wire, &len);
	assert_int_equal(batch_open(wire, len, other_pk, &f.hub, 1, &h, &plain, &plain_len, &err),
			 -EBADMSG);
	assert_string_equal(err.msg, "batch 41..43: signature: does not verify with the node key");
	assert_null(plain);
	free(wire);
}

/* The hub parses the header once (check_header) and hands it on: the parsed
 * calls give what batch_open gives, errors included. */
static void
test_batch_open_parsed_opens_as_batch_open_does(void **state)
{
	struct ktp_err err = {0};
	uint8_t other_pk[32], other_sk[64], *wire, *plain = NULL, *plain2 = NULL;
	struct batch_header h, h2;
	struct batch_hub_key other;
	size_t len, plain_len = 0, plain_len2 = 0;
	char want[96];
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	assert_int_equal(batch_parse_header(wire, len, &h, &err), 0);
	assert_int_equal(batch_verify_parsed(&h, wire, len, f.node_pk, &err), 0);
	assert_int_equal(batch_open_parsed(&h, wire, len, &f.hub, 1, &plain, &plain_len, &err), 0);
	assert_int_equal(batch_open(wire, len, f.node_pk, &f.hub, 1, &h2, &plain2, &plain_len2,
				    &err), 0);
	assert_int_equal(plain_len, h.plain_len);
	assert_int_equal(plain_len, plain_len2);
	assert_memory_equal(plain, plain2, plain_len);
	/* Field by field: the padding between them is nobody's. */
	assert_int_equal(h.node_id, h2.node_id);
	assert_int_equal(h.hub_key_id, h2.hub_key_id);
	assert_int_equal(h.first, h2.first);
	assert_int_equal(h.last, h2.last);
	assert_int_equal(h.count, h2.count);
	assert_int_equal(h.plain_len, h2.plain_len);
	assert_int_equal(h.head, h2.head);
	assert_memory_equal(h.prev_chain, h2.prev_chain, sizeof(h.prev_chain));
	free(plain);
	free(plain2);
	plain = NULL;

	crypto_sign_keypair(other_pk, other_sk);
	assert_int_equal(batch_verify_parsed(&h, wire, len, other_pk, &err), -EBADMSG);
	assert_string_equal(err.msg, "batch 41..43: signature: does not verify with the node key");
	other = f.hub;
	other.id = h.hub_key_id ^ 1;
	assert_int_equal(batch_open_parsed(&h, wire, len, &other, 1, &plain, &plain_len, &err),
			 -ENOKEY);
	snprintf(want, sizeof(want), "batch 41..43: unknown hub key id 0x%08" PRIx32,
		 h.hub_key_id);
	assert_string_equal(err.msg, want);
	other = f.hub;
	other.sk[0] ^= 0x40;
	assert_int_equal(batch_open_parsed(&h, wire, len, &other, 1, &plain, &plain_len, &err),
			 -EBADMSG);
	assert_string_equal(err.msg, "batch 41..43: decrypt: authentication failed");
	assert_null(plain);
	free(wire);
}

/* The hub finds the node key by the header's node id. The same bytes sent
 * as another node (node id rewritten) fail that node's signature check. */
static void
test_batch_open_rejects_replay_under_other_node_id(void **state)
{
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	put_be(wire + OFF_NODE, 3202, 2);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EBADMSG);
	assert_string_equal(err.msg, "batch 41..43: signature: does not verify with the node key");
	free(wire);
}

/* A consistent header edit (here: a later head) passes parsing and is caught
 * by the signature. */
static void
test_batch_open_rejects_altered_header_field(void **state)
{
	struct ktp_err err = {0};
	struct batch_header h;
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	put_be(wire + OFF_HEAD, 1000, 8);
	assert_int_equal(batch_parse_header(wire, len, &h, &err), 0);
	assert_int_equal(h.head, 1000);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EBADMSG);
	free(wire);
}

static void
test_batch_open_rejects_unknown_hub_key_id(void **state)
{
	struct ktp_err err = {0};
	struct batch_header h;
	uint8_t *wire;
	size_t len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	fixed_header(&f, &h);
	h.hub_key_id = 0x0badcafe;
	h.count = 3;
	h.plain_len = 25;
	seal_raw(&f, &h, "x", 1, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -ENOKEY);
	assert_string_equal(err.msg, "batch 41..43: unknown hub key id 0x0badcafe");
	free(wire);
}

/* During rotation the hub holds the previous and the current key; a batch
 * sealed to either opens, and a key with the right id but the wrong secret
 * fails authentication. */
static void
test_batch_open_picks_hub_key_by_id(void **state)
{
	struct ktp_err err = {0};
	struct batch_hub_key keys[2];
	struct batch_header h;
	uint8_t *wire, *plain;
	size_t len, plain_len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	keys[0].id = f.hub.id ^ 1;
	vector_fill(keys[0].sk, 32, 0x55);
	keys[1] = f.hub;
	assert_int_equal(batch_open(wire, len, f.node_pk, keys, 2, &h, &plain, &plain_len, &err), 0);
	free(plain);
	keys[1].sk[0] ^= 0x40;
	assert_int_equal(batch_open(wire, len, f.node_pk, keys, 2, &h, &plain, &plain_len, &err),
			 -EBADMSG);
	assert_string_equal(err.msg, "batch 41..43: decrypt: authentication failed");
	free(wire);
}

static uint8_t *
compress_with(const void *src, size_t n, int content_size, size_t *ret_len)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n), zlen;
	uint8_t *z = malloc(cap);

	assert_non_null(z);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, content_size);
	zlen = ZSTD_compress2(cctx, z, cap, src, n);
	assert_false(ZSTD_isError(zlen));
	ZSTD_freeCCtx(cctx);
	*ret_len = zlen;
	return z;
}

/* Correctly signed and encrypted, but the frame declares 64 MiB for a header
 * that promises 25 bytes: refused before any output buffer is allocated. */
static void
test_batch_open_rejects_bomb_beyond_plain_len(void **state)
{
	size_t bomb_len = 64u << 20, zlen, len;
	struct ktp_err err = {0};
	uint8_t *bomb = calloc(1, bomb_len), *z, *wire;
	struct batch_header h;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	assert_non_null(bomb);
	z = compress_with(bomb, bomb_len, 1, &zlen);
	free(bomb);
	assert_true(zlen < 4096);
	fixed_header(&f, &h);
	h.count = 3;
	h.plain_len = 25;
	seal_raw(&f, &h, z, zlen, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "batch 41..43: zstd: frame declares 67108864 bytes, header 25");
	free(wire);
	free(z);
}

/* A hand-made frame header declaring 1 TiB (single segment, 8-byte size)
 * with one RLE block: refused from the frame header alone. */
static void
test_batch_open_rejects_frame_declaring_a_terabyte(void **state)
{
	static const uint8_t frame[] = {
		0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0,
		0x0b, 0x00, 0x80, 'x',		/* last block, RLE, size 2^14 + 1 */
	};
	struct ktp_err err = {0};
	struct batch_header h;
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	assert_int_equal(ZSTD_getFrameContentSize(frame, sizeof(frame)), 1ull << 40);
	fixed_header(&f, &h);
	h.count = 3;
	h.plain_len = 25;
	seal_raw(&f, &h, frame, sizeof(frame), &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EMSGSIZE);
	assert_string_equal(err.msg,
			    "batch 41..43: zstd: frame declares 1099511627776 bytes, header 25");
	free(wire);
}

/* A declared size over KTP_BATCH_MAX_PLAIN stops at the header, before the
 * signature is even checked. */
static void
test_batch_open_rejects_plain_len_over_cap(void **state)
{
	struct ktp_err err = {0};
	struct batch_header h;
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	fixed_header(&f, &h);
	h.count = 3;
	h.plain_len = KTP_BATCH_MAX_PLAIN + 1;
	seal_raw(&f, &h, "x", 1, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "batch 41..43: plain_len: 134217729 bytes, limit 134217728");
	free(wire);
}

static void
test_batch_open_rejects_frame_without_size(void **state)
{
	struct ktp_err err = {0};
	struct batch_header h;
	uint8_t plain[25] = { 5, 'a', 'l', 'p', 'h', 'a' }, *z, *wire;
	size_t zlen, len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	z = compress_with(plain, sizeof(plain), 0, &zlen);
	fixed_header(&f, &h);
	h.count = 3;
	h.plain_len = 25;
	seal_raw(&f, &h, z, zlen, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 41..43: zstd: frame does not declare its size");
	free(wire);
	free(z);
}

/* A frame whose declared size was edited down to plain_len but whose blocks
 * inflate to more: decompression stops at plain_len (ASan would see any
 * write past it) and the batch is refused. */
static void
test_batch_open_stops_frame_that_inflates_past_its_size(void **state)
{
	uint8_t src[1000], *z, *wire;
	struct ktp_err err = {0};
	struct batch_header h;
	size_t zlen, len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	memset(src, 'v', sizeof(src));
	z = compress_with(src, sizeof(src), 1, &zlen);
	/* Frame header descriptor 0x60: single segment, 2-byte size, stored
	 * as size - 256 at offset 5. 1000 - 256 = 0x02e8. */
	assert_int_equal(z[4], 0x60);
	assert_int_equal(z[5] | z[6] << 8, 1000 - 256);
	z[5] = 0x00;
	z[6] = 0x01;			/* declares 512 bytes */
	fixed_header(&f, &h);
	h.first = 1;
	h.last = 1;
	h.count = 1;
	h.head = 1;
	h.plain_len = 512;
	seal_raw(&f, &h, z, zlen, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 1..1: zstd: Destination buffer is too small");
	free(wire);
	free(z);
}

static void
test_batch_open_rejects_data_after_frame(void **state)
{
	uint8_t plain[25] = { 5, 'a', 'l', 'p', 'h', 'a' }, *z, *wire;
	struct ktp_err err = {0};
	struct batch_header h;
	size_t zlen, len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	z = compress_with(plain, sizeof(plain), 1, &zlen);
	z = realloc(z, zlen + 1);
	z[zlen++] = 0;
	fixed_header(&f, &h);
	h.count = 3;
	h.plain_len = 25;
	seal_raw(&f, &h, z, zlen, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 41..43: zstd: data after the frame");
	free(wire);
	free(z);
}

static void
seal_framed(const struct fixed *f, const uint8_t *plain, size_t n, uint32_t count,
	    uint8_t **wire, size_t *len)
{
	struct batch_header h;
	uint8_t *z;
	size_t zlen;

	z = compress_with(plain, n, 1, &zlen);
	fixed_header(f, &h);
	h.first = 1;
	h.last = count;
	h.count = count;
	h.head = count;
	h.plain_len = (uint32_t)n;
	seal_raw(f, &h, z, zlen, wire, len);
	free(z);
}

/* Correctly signed, but the payload holds two versions where the header
 * counts three (and, the other way, four). */
static void
test_batch_open_rejects_count_mismatch(void **state)
{
	static const uint8_t two[] = { 1, 'a', 2, 'b', 'c' };
	static const uint8_t four[] = { 1, 'a', 1, 'b', 1, 'c', 1, 'd' };
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_framed(&f, two, sizeof(two), 3, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 1..3: count: payload holds 2 versions, header 3");
	free(wire);
	seal_framed(&f, four, sizeof(four), 3, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 1..3: count: payload holds 4 versions, header 3");
	free(wire);
}

static void
test_batch_open_rejects_bad_framing(void **state)
{
	static const uint8_t past[] = { 1, 'a', 9, 'b', 'c' };
	static const uint8_t empty[] = { 1, 'a', 0 };
	static const uint8_t varint[] = { 1, 'a', 0x80 };
	struct ktp_err err = {0};
	struct fixed f;
	uint8_t *wire;
	size_t len;

	(void)state;
	fixed_keys(&f);
	seal_framed(&f, past, sizeof(past), 2, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg,
			    "batch 1..2: framing: offset 2: version of 9 bytes runs past the payload");
	free(wire);
	seal_framed(&f, empty, sizeof(empty), 2, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 1..2: framing: offset 2: version length 0 outside 1..1024");
	free(wire);
	seal_framed(&f, varint, sizeof(varint), 2, &wire, &len);
	assert_int_equal(open_fixed(&f, wire, len, &err), -EPROTO);
	assert_string_equal(err.msg, "batch 1..2: framing: offset 2: bad length varint");
	free(wire);
}

static void
test_batch_parse_header_rejects_oversized_wire_unread(void **state)
{
	struct ktp_err err = {0};
	struct batch_header h;
	uint8_t one = 0;

	(void)state;
	/* Only the length is looked at; the one-byte buffer is never read past. */
	assert_int_equal(batch_parse_header(&one, KTP_BATCH_MAX_BYTES + 1, &h, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "batch: too large: 67108865 bytes, limit 67108864");
}

static void
test_batch_builder_enforces_limits(void **state)
{
	uint8_t big[KTP_VERSION_MAX_BYTES + 1] = {0};
	struct ktp_err err = {0};
	struct batch_builder *b = NULL;

	(void)state;
	assert_int_equal(batch_builder_new(&b), 0);
	assert_int_equal(batch_builder_add(b, big, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "batch: version 1: empty");
	assert_int_equal(batch_builder_add(b, big, sizeof(big), &err), -EMSGSIZE);
	assert_string_equal(err.msg, "batch: version 1: 1025 bytes, limit 1024");
	assert_int_equal(batch_builder_add(b, big, KTP_VERSION_MAX_BYTES, &err), 0);
	assert_int_equal(batch_builder_plain_len(b), 2 + KTP_VERSION_MAX_BYTES);
	for (uint32_t i = 1; i < KTP_BATCH_MAX_VERSIONS; i++)
		assert_int_equal(batch_builder_add(b, big, 1, NULL), 0);
	assert_int_equal(batch_builder_count(b), KTP_BATCH_MAX_VERSIONS);
	assert_int_equal(batch_builder_add(b, big, 1, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "batch: full: 100000 versions");
	batch_builder_reset(b);
	assert_int_equal(batch_builder_count(b), 0);
	assert_int_equal(batch_builder_plain_len(b), 0);
	batch_builder_free(b);
	batch_builder_free(NULL);
}

static void
test_batch_seal_refuses_inconsistent_header(void **state)
{
	struct ktp_err err = {0};
	struct batch_builder *b = NULL;
	struct batch_header h;
	uint8_t *wire = NULL;
	size_t len;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	assert_int_equal(batch_builder_new(&b), 0);
	assert_int_equal(batch_builder_add(b, (const uint8_t *)"v", 1, &err), 0);
	fixed_header(&f, &h);
	assert_int_equal(batch_seal(b, &h, f.node_sk, f.hub_pk, f.eph_sk, f.nonce, &wire, &len,
				    &err), -EINVAL);
	assert_string_equal(err.msg, "batch 41..43: count: 1 does not match the range");
	batch_builder_reset(b);
	h.last = 41;
	assert_int_equal(batch_seal(b, &h, f.node_sk, f.hub_pk, f.eph_sk, f.nonce, &wire, &len,
				    &err), -EINVAL);
	assert_string_equal(err.msg, "batch 41..41: count: 0 needs last = first - 1 = head "
			    "(heartbeat)");
	assert_null(wire);
	batch_builder_free(b);
}

/* bundle = magic, then (u32 BE length, wire) per batch */
static uint8_t *
make_bundle(const uint8_t *w1, size_t l1, const uint8_t *w2, size_t l2, size_t *ret_len)
{
	size_t n = 8 + 4 + l1 + 4 + l2;
	uint8_t *buf = malloc(n), *p = buf;

	assert_non_null(buf);
	memcpy(p, KTP_BUNDLE_MAGIC, 8);
	put_be(p + 8, l1, 4);
	memcpy(p + 12, w1, l1);
	put_be(p + 12 + l1, l2, 4);
	memcpy(p + 16 + l1, w2, l2);
	*ret_len = n;
	return buf;
}

static void
test_batch_bundle_yields_each_batch_then_end(void **state)
{
	const uint8_t *w;
	struct ktp_err err = {0};
	size_t len, blen, off = 0, wl;
	uint8_t *wire, *bundle;
	struct fixed f;

	(void)state;
	fixed_keys(&f);
	seal_small(&f, &wire, &len);
	bundle = make_bundle(wire, len, (const uint8_t *)"xyz", 3, &blen);
	assert_int_equal(batch_bundle_next(bundle, blen, &off, &w, &wl, &err), 0);
	assert_ptr_equal(w, bundle + 12);
	assert_int_equal(wl, len);
	assert_int_equal(open_fixed(&f, w, wl, &err), 0);
	assert_int_equal(batch_bundle_next(bundle, blen, &off, &w, &wl, &err), 0);
	assert_int_equal(wl, 3);
	assert_memory_equal(w, "xyz", 3);
	assert_int_equal(batch_bundle_next(bundle, blen, &off, &w, &wl, &err), 0);
	assert_null(w);
	assert_int_equal(off, blen);
	free(bundle);
	free(wire);
}

static void
test_batch_bundle_rejects_bad_framing(void **state)
{
	const uint8_t *w;
	struct ktp_err err = {0};
	size_t blen, off, wl;
	uint8_t *bundle;

	(void)state;
	bundle = make_bundle((const uint8_t *)"ab", 2, (const uint8_t *)"cd", 2, &blen);
	off = 0;
	assert_int_equal(batch_bundle_next(bundle, 7, &off, &w, &wl, &err), -EPROTO);
	assert_string_equal(err.msg, "bundle: not a ktpsync bundle (bad magic)");
	off = 0;
	assert_int_equal(batch_bundle_next(bundle, blen - 1, &off, &w, &wl, &err), 0);
	assert_int_equal(batch_bundle_next(bundle, blen - 1, &off, &w, &wl, &err), -EPROTO);
	assert_string_equal(err.msg, "bundle: offset 14: batch of 2 bytes is truncated");
	assert_null(w);
	off = 14;
	assert_int_equal(batch_bundle_next(bundle, 17, &off, &w, &wl, &err), -EPROTO);
	assert_string_equal(err.msg, "bundle: offset 14: truncated length");
	put_be(bundle + 14, 0, 4);
	assert_int_equal(batch_bundle_next(bundle, blen, &off, &w, &wl, &err), -EPROTO);
	assert_string_equal(err.msg, "bundle: offset 14: batch of 0 bytes is empty");
	put_be(bundle + 14, KTP_BATCH_MAX_BYTES + 1, 4);
	assert_int_equal(batch_bundle_next(bundle, blen, &off, &w, &wl, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "bundle: offset 14: batch of 67108865 bytes, limit 67108864");
	free(bundle);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_vector_matches_protocol_md),
		cmocka_unit_test(test_batch_open_returns_header_and_versions),
		cmocka_unit_test(test_batch_open_rejects_every_bit_flip_by_region),
		cmocka_unit_test(test_batch_open_rejects_every_truncation),
		cmocka_unit_test(test_batch_header_errors_name_the_field),
		cmocka_unit_test(test_batch_parse_prefix_checks_header_and_length),
		cmocka_unit_test(test_batch_open_parsed_opens_as_batch_open_does),
		cmocka_unit_test(test_batch_open_rejects_other_node_key),
		cmocka_unit_test(test_batch_open_rejects_replay_under_other_node_id),
		cmocka_unit_test(test_batch_open_rejects_altered_header_field),
		cmocka_unit_test(test_batch_open_rejects_unknown_hub_key_id),
		cmocka_unit_test(test_batch_open_picks_hub_key_by_id),
		cmocka_unit_test(test_batch_open_rejects_bomb_beyond_plain_len),
		cmocka_unit_test(test_batch_open_rejects_frame_declaring_a_terabyte),
		cmocka_unit_test(test_batch_open_rejects_plain_len_over_cap),
		cmocka_unit_test(test_batch_open_rejects_frame_without_size),
		cmocka_unit_test(test_batch_open_stops_frame_that_inflates_past_its_size),
		cmocka_unit_test(test_batch_open_rejects_data_after_frame),
		cmocka_unit_test(test_batch_open_rejects_count_mismatch),
		cmocka_unit_test(test_batch_open_rejects_bad_framing),
		cmocka_unit_test(test_batch_parse_header_rejects_oversized_wire_unread),
		cmocka_unit_test(test_batch_builder_enforces_limits),
		cmocka_unit_test(test_batch_seal_refuses_inconsistent_header),
		cmocka_unit_test(test_batch_bundle_yields_each_batch_then_end),
		cmocka_unit_test(test_batch_bundle_rejects_bad_framing),
		cmocka_unit_test(test_batch_heartbeat_vector_matches_protocol_md),
		cmocka_unit_test(test_batch_heartbeat_opens_to_zero_versions_at_head),
		cmocka_unit_test(test_batch_heartbeat_header_rules),
	};

	return cmocka_run_group_tests_name("batch", tests, setup, NULL);
}
