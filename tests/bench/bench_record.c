/* SPDX-License-Identifier: ISC */
/* bench_record — encode and decode speed of person versions, and their raw size.
 * Versions come from the synthetic generator in journal order (tests/synth).
 * Prints `bench: NAME VALUE UNIT` lines; never fails on a time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "err.h"
#include "record.h"
#include "synth.h"

#define NVERSIONS	100000
#define ROUNDS		5

static int
make_versions(struct record *v, size_t n)
{
	struct synth *s = synth_new(42, 3201);
	size_t i;

	if (s == NULL)
		return -errno;
	for (i = 0; i < n; i++)
		synth_journal_next(s, &v[i], BENCH_NOW + (int64_t)(i / 50));
	synth_free(s);
	return 0;
}

/* Encodes every version ROUNDS times; returns the best rate. */
static int
bench_encode(const struct record *v, uint8_t *buf, size_t *off, double *rate,
	     struct ktp_err *err)
{
	double best = 0, t;
	size_t i, len;
	int k, r;

	for (k = 0; k < ROUNDS; k++) {
		t = bench_now_s();
		for (i = 0; i < NVERSIONS; i++) {
			if ((r = record_encode(&v[i], buf + off[i], KTP_VERSION_MAX_BYTES, &len,
					       err)) < 0)
				return r;
			off[i + 1] = off[i] + len;
		}
		t = bench_now_s() - t;
		if (t > 0 && NVERSIONS / t > best)
			best = NVERSIONS / t;
	}
	*rate = best;
	return 0;
}

static int
bench_decode(const uint8_t *buf, const size_t *off, double *rate, struct ktp_err *err)
{
	struct record r;
	double best = 0, t;
	size_t i;
	int k, rc;

	for (k = 0; k < ROUNDS; k++) {
		t = bench_now_s();
		for (i = 0; i < NVERSIONS; i++)
			if ((rc = record_decode(buf + off[i], off[i + 1] - off[i], &r, err)) < 0)
				return rc;
		t = bench_now_s() - t;
		if (t > 0 && NVERSIONS / t > best)
			best = NVERSIONS / t;
	}
	*rate = best;
	return 0;
}

int
main(void)
{
	struct record *v = calloc(NVERSIONS, sizeof(*v));
	uint8_t *buf = malloc((size_t)NVERSIONS * KTP_VERSION_MAX_BYTES);
	size_t *off = calloc(NVERSIONS + 1, sizeof(*off));
	struct ktp_err err = { 0 };
	double enc, dec;
	int rc = 1;

	if (v == NULL || buf == NULL || off == NULL || make_versions(v, NVERSIONS) < 0) {
		fprintf(stderr, "bench_record: out of memory\n");
		goto out;
	}
	if (bench_encode(v, buf, off, &enc, &err) < 0 || bench_decode(buf, off, &dec, &err) < 0) {
		fprintf(stderr, "bench_record: %s\n", err.msg);
		goto out;
	}
	printf("bench: encode_versions_s %.0f versions/s\n", enc);
	printf("bench: decode_versions_s %.0f versions/s\n", dec);
	printf("bench: raw_bytes_per_version %.1f bytes\n", (double)off[NVERSIONS] / NVERSIONS);
	rc = 0;
out:
	free(v);
	free(buf);
	free(off);
	return rc;
}
