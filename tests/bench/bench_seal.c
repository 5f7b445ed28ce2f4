/* SPDX-License-Identifier: ISC */
/* bench_seal — batch seal and open throughput, and the sealed size of a realistic batch.
 * Versions come from the synthetic generator in journal order (tests/synth).
 * Prints `bench: NAME VALUE UNIT` lines; never fails on a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bench.h"
#include "batch.h"
#include "err.h"
#include "record.h"
#include "synth.h"

#define MIB		(1024.0 * 1024.0)
#define BIG_PLAIN	(1u << 20)	/* a 1 MiB payload */
#define WIRE_VERSIONS	10000
#define ROUNDS		10

struct keys {
	uint8_t	node_pk[32], node_sk[64], hub_pk[32];
	struct batch_hub_key hub;
};

static void
make_keys(struct keys *k)
{
	crypto_sign_keypair(k->node_pk, k->node_sk);
	crypto_box_keypair(k->hub_pk, k->hub.sk);
	k->hub.id = 1;
}

/* Fills b with synthetic versions of regency 3201 in journal order, until
 * n versions or max_plain bytes of payload. */
static int
fill_builder(struct batch_builder *b, uint32_t n, size_t max_plain, struct ktp_err *err)
{
	uint8_t enc[KTP_VERSION_MAX_BYTES];
	struct synth *s = synth_new(42, 3201);
	struct record v;
	size_t len;
	int r = 0;

	if (s == NULL)
		return ktp_err_set(err, -errno, "synth: %s", strerror(errno));
	for (uint32_t i = 0; i < n && batch_builder_plain_len(b) < max_plain; i++) {
		synth_journal_next(s, &v, BENCH_NOW + (int64_t)(i / 50));
		if ((r = record_encode(&v, enc, sizeof(enc), &len, err)) < 0 ||
		    (r = batch_builder_add(b, enc, len, err)) < 0)
			break;
	}
	synth_free(s);
	return r;
}

static int
seal_once(const struct batch_builder *b, const struct keys *k, uint8_t **wire, size_t *len,
	  struct ktp_err *err)
{
	struct batch_header h = { .node_id = 3201, .hub_key_id = k->hub.id, .first = 1 };
	uint8_t eph_sk[32], nonce[24];

	randombytes_buf(eph_sk, sizeof(eph_sk));
	randombytes_buf(nonce, sizeof(nonce));
	h.last = batch_builder_count(b);
	h.head = h.last;
	return batch_seal(b, &h, k->node_sk, k->hub_pk, eph_sk, nonce, wire, len, err);
}

/* Best of ROUNDS, in MiB of payload per second, for seal and for open. */
static int
bench_throughput(const struct keys *k, double *seal_rate, double *open_rate,
		 struct ktp_err *err)
{
	struct batch_builder *b = NULL;
	struct batch_header h;
	uint8_t *wire = NULL, *plain;
	size_t len, plain_len;
	double t, mib;
	int r;

	*seal_rate = *open_rate = 0;
	if ((r = batch_builder_new(&b)) < 0)
		return ktp_err_set(err, r, "batch: out of memory");
	if ((r = fill_builder(b, KTP_BATCH_MAX_VERSIONS, BIG_PLAIN, err)) < 0)
		goto out;
	mib = (double)batch_builder_plain_len(b) / MIB;
	for (int i = 0; i < ROUNDS; i++) {
		free(wire);
		t = bench_now_s();
		if ((r = seal_once(b, k, &wire, &len, err)) < 0)
			goto out;
		t = bench_now_s() - t;
		if (t > 0 && mib / t > *seal_rate)
			*seal_rate = mib / t;
		t = bench_now_s();
		if ((r = batch_open(wire, len, k->node_pk, &k->hub, 1, &h, &plain, &plain_len,
				    err)) < 0)
			goto out;
		t = bench_now_s() - t;
		free(plain);
		if (t > 0 && mib / t > *open_rate)
			*open_rate = mib / t;
	}
out:
	free(wire);
	batch_builder_free(b);
	return r;
}

static int
bench_wire_size(const struct keys *k, double *per_version, double *raw_per_version,
		struct ktp_err *err)
{
	struct batch_builder *b = NULL;
	uint8_t *wire = NULL;
	size_t len;
	int r;

	if ((r = batch_builder_new(&b)) < 0)
		return ktp_err_set(err, r, "batch: out of memory");
	if ((r = fill_builder(b, WIRE_VERSIONS, KTP_BATCH_MAX_PLAIN, err)) == 0 &&
	    (r = seal_once(b, k, &wire, &len, err)) == 0) {
		*per_version = (double)len / batch_builder_count(b);
		*raw_per_version = (double)batch_builder_plain_len(b) / batch_builder_count(b);
	}
	free(wire);
	batch_builder_free(b);
	return r;
}

int
main(void)
{
	struct ktp_err err = { 0 };
	double seal_rate = 0, open_rate = 0, wire = 0, raw = 0;
	struct keys k;

	if (sodium_init() < 0) {
		fprintf(stderr, "bench_seal: libsodium failed to initialise\n");
		return 1;
	}
	make_keys(&k);
	if (bench_throughput(&k, &seal_rate, &open_rate, &err) < 0 ||
	    bench_wire_size(&k, &wire, &raw, &err) < 0) {
		fprintf(stderr, "bench_seal: %s\n", err.msg);
		return 1;
	}
	printf("bench: seal_mb_s %.1f MiB/s\n", seal_rate);
	printf("bench: open_mb_s %.1f MiB/s\n", open_rate);
	printf("bench: wire_bytes_per_version %.1f bytes\n", wire);
	printf("bench: framed_plain_bytes_per_version %.1f bytes\n", raw);
	return 0;
}
