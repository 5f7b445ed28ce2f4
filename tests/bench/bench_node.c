/* SPDX-License-Identifier: ISC */
/* bench_node — import speed of a 1 M-row CSV file (parse, checks, journal) and read speed of
 * the journal as the pusher reads it. Rows come from the synthetic generator (tests/synth).
 * Prints `bench: NAME VALUE UNIT` lines; never fails on a time. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "batch.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"
#include "record.h"
#include "synth.h"

#define NODE		3201
#define DEFAULT_ROWS	1000000
#define CHUNK		65536		/* what one control-socket read typically brings */
#define READ_BATCH	10000		/* versions per journal_read, the pusher's default */

static void
put_date(FILE *f, uint32_t d)
{
	if (d != 0)
		fprintf(f, "%04u-%02u-%02u", d / 10000, d / 100 % 100, d % 100);
}

/* True when YYYYMMDD agrees with the NIK's DDMMYY (DD + 40 for women). */
static bool
date_matches_nik(uint32_t d, const char *nik)
{
	unsigned dd = (unsigned)((nik[6] - '0') * 10 + nik[7] - '0') % 40;
	unsigned mm = (unsigned)((nik[8] - '0') * 10 + nik[9] - '0');
	unsigned yy = (unsigned)((nik[10] - '0') * 10 + nik[11] - '0');

	return d % 1000000 == yy * 10000 + mm * 100 + dd;
}

/* ingest refuses a birth_date that contradicts the NIK; the generator corrects
 * about 1 % of birth dates away from it, so those rows leave the column empty
 * (the NIK's date is then used) instead of failing the whole file. */
static void
put_row(FILE *f, const struct record *r)
{
	char at[32] = "";
	struct tm tm;
	time_t t = (time_t)r->recorded_at;

	if (r->recorded_at != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s,\"%s\",%c,", r->nik, r->name, r->sex == RECORD_SEX_FEMALE ? 'P' : 'L');
	if (date_matches_nik(r->birth_date, r->nik))
		put_date(f, r->birth_date);
	fprintf(f, ",%06" PRIu32 ",", r->kecamatan);
	if (r->desa != 0)
		fprintf(f, "%010" PRIu64, r->desa);
	fprintf(f, ",%d,%s,%s,%s,%s\n", r->on_dpt, record_status_name(r->status), at,
		r->site ? record_site_name(r->site) : "", r->operator_);
}

/* The whole file in memory, so the figure is the import and not the generator. */
static int
make_csv(size_t rows, char **ret, size_t *ret_len)
{
	struct synth *s = synth_new(7, NODE);
	struct record r;
	FILE *f;
	size_t i;

	if (s == NULL)
		return -errno;
	if ((f = open_memstream(ret, ret_len)) == NULL) {
		synth_free(s);
		return -ENOMEM;
	}
	fputs("nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator\n",
	      f);
	for (i = 0; i < rows; i++) {
		synth_person(s, &r, BENCH_NOW);
		put_row(f, &r);
	}
	synth_free(s);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

static int
import(struct journal *j, const char *csv, size_t len, struct ingest_result *res,
       double *ret_commit_s, struct ktp_err *err)
{
	struct ingest *in = NULL;
	size_t off, n;
	int r;

	if ((r = ingest_begin(j, NODE, INGEST_CSV, "bench.csv", (uint64_t)BENCH_NOW * 1000, &in,
			      err)) < 0)
		return r;
	for (off = 0; off < len; off += n) {
		n = len - off < CHUNK ? len - off : CHUNK;
		if ((r = ingest_feed(in, (const uint8_t *)csv + off, n, err)) < 0) {
			ingest_abort(in);
			return r;
		}
	}
	*ret_commit_s = bench_now_s();
	r = ingest_finish(in, res, err);
	*ret_commit_s = bench_now_s() - *ret_commit_s;
	return r;
}

static int
read_all(struct journal *j, uint64_t head, struct ktp_err *err)
{
	struct batch_builder *b = NULL;
	uint64_t first = 1, last;
	int r;

	if ((r = batch_builder_new(&b)) < 0)
		return r;
	while (first <= head) {
		batch_builder_reset(b);
		if ((r = journal_read(j, first, READ_BATCH, 4u << 20, b, &last, err)) < 0)
			break;
		if (last < first) {
			r = -EIO;
			break;
		}
		first = last + 1;
	}
	batch_builder_free(b);
	return r;
}

static void
remove_dir(const char *dir)
{
	static const char *const files[] = { "node.db", "node.db-wal", "node.db-shm" };
	char path[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int
run(size_t rows, const char *dir, struct ktp_err *err)
{
	struct ingest_result res = {0};
	struct journal *j = NULL;
	char *csv = NULL;
	size_t len = 0;
	double t, cpu, commit_s = 0;
	int r;

	if ((r = make_csv(rows, &csv, &len)) < 0)
		return ktp_err_set(err, r, "synth: cannot make %zu rows", rows);
	if ((r = journal_open(dir, NODE, &j, err)) < 0)
		goto out;
	t = bench_now_s();
	cpu = bench_cpu_s();
	r = import(j, csv, len, &res, &commit_s, err);
	cpu = bench_cpu_s() - cpu;
	t = bench_now_s() - t;
	if (r < 0) {
		if (res.n_msgs > 0)
			fprintf(stderr, "bench_node: %s\n", res.msgs[0]);
		goto out;
	}
	printf("bench: import_rows_s %.0f rows/s\n", (double)res.rows / t);
	printf("bench: import_mb_s %.1f MB/s\n", (double)len / t / 1e6);
	/* On a shared machine the wall figure includes waiting for a core. */
	printf("bench: import_cpu_rows_s %.0f rows/s\n", (double)res.rows / cpu);
	printf("bench: import_commit_s %.2f s\n", commit_s);
	t = bench_now_s();
	if ((r = read_all(j, res.last_seq, err)) < 0)
		goto out;
	t = bench_now_s() - t;
	printf("bench: journal_read_versions_s %.0f versions/s\n", (double)res.versions / t);
out:
	ingest_result_done(&res);
	journal_close(j);
	free(csv);
	return r;
}

int
main(int argc, char **argv)
{
	struct ktp_err err = {0};
	char dir[PATH_MAX];
	const char *base = getenv("TMPDIR");
	size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_ROWS;
	int r;

	snprintf(dir, sizeof(dir), "%s/ktp-bench-node-XXXXXX", base ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench_node: mkdtemp");
		return 1;
	}
	r = run(rows, dir, &err);
	remove_dir(dir);
	if (r < 0) {
		fprintf(stderr, "bench_node: %s\n", err.msg);
		return 1;
	}
	return 0;
}
