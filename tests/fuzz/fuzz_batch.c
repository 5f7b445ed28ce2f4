/* SPDX-License-Identifier: ISC */
/* fuzz_batch — libFuzzer target for everything that reads a batch off the wire.
 * Each input is tried as a sealed batch, as a bundle, as a payload, and (re-sealed
 * with the fixed test keys) as a header plus zstd frame, so the fuzzer reaches
 * decompression and framing without forging a signature; the hub's parse-once path
 * (batch_verify_parsed, batch_open_parsed) must answer as batch_open does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "batch.h"
#include "err.h"
#include "seal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The keys of PROTOCOL.md 12.6, so the committed seed (the 12.5 vector) opens. */
static uint8_t node_pk[32], node_sk[64], hub_pk[32], eph_sk[32], nonce[24];
static struct batch_hub_key hub;

static void
fill(uint8_t *p, size_t n, uint8_t base)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(base + i);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t seed[32];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	fill(seed, 32, 0x00);
	crypto_sign_seed_keypair(node_pk, node_sk, seed);
	fill(hub.sk, 32, 0x20);
	crypto_scalarmult_base(hub_pk, hub.sk);
	hub.id = 0xf6a420b1;
	fill(eph_sk, 32, 0x40);
	fill(nonce, 24, 0x60);
	return 0;
}

static void
walk_payload(const uint8_t *plain, size_t len)
{
	struct batch_reader rd;
	struct ktp_err err = {0};
	const uint8_t *enc;
	size_t enc_len;

	batch_reader_init(&rd, plain, len);
	while (batch_reader_next(&rd, &enc, &enc_len, &err) == 0 && enc != NULL)
		if (enc < plain || enc + enc_len > plain + len)
			abort();
}

/* The hub's way: the header parsed once and handed on. The same answer as
 * batch_open's, and the same payload. */
static int
open_parsed(const uint8_t *wire, size_t len, uint8_t **plain, size_t *plain_len)
{
	struct batch_header h;
	struct ktp_err err = {0};
	int r;

	if ((r = batch_parse_header(wire, len, &h, &err)) < 0 ||
	    (r = batch_verify_parsed(&h, wire, len, node_pk, &err)) < 0)
		return r;
	return batch_open_parsed(&h, wire, len, &hub, 1, plain, plain_len, &err);
}

static void
open_wire(const uint8_t *wire, size_t len)
{
	struct batch_header h;
	struct ktp_err err = {0};
	uint8_t *plain = NULL, *plain2 = NULL;
	size_t plain_len, plain_len2;
	int r;

	batch_parse_header(wire, len, &h, &err);
	r = batch_open(wire, len, node_pk, &hub, 1, &h, &plain, &plain_len, &err);
	if (open_parsed(wire, len, &plain2, &plain_len2) != r)
		abort();
	if (r == 0) {
		if (plain_len != h.plain_len || plain_len2 != plain_len ||
		    memcmp(plain, plain2, plain_len) != 0)
			abort();
		walk_payload(plain, plain_len);
		free(plain);
		free(plain2);
	}
}

static void
walk_bundle(const uint8_t *buf, size_t len)
{
	struct ktp_err err = {0};
	const uint8_t *wire;
	size_t off = 0, wire_len;

	while (batch_bundle_next(buf, len, &off, &wire, &wire_len, &err) == 0 && wire != NULL)
		open_wire(wire, wire_len);
}

/* data = header (BATCH_HEADER_LEN) || zstd frame, sealed here with the fixed
 * keys so that the signature and AEAD pass and open reaches zstd. */
static void
reseal_and_open(const uint8_t *data, size_t size)
{
	struct ktp_err err = {0};
	uint8_t *wire = NULL;
	size_t len;

	if (size < BATCH_HEADER_LEN)
		return;
	if (seal_box(data, BATCH_HEADER_LEN, data + BATCH_HEADER_LEN, size - BATCH_HEADER_LEN,
		     hub_pk, node_sk, eph_sk, nonce, &wire, &len, &err) != 0)
		return;
	open_wire(wire, len);
	free(wire);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	open_wire(data, size);
	walk_bundle(data, size);
	walk_payload(data, size);
	reseal_and_open(data, size);
	return 0;
}
