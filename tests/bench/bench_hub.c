/* SPDX-License-Identifier: ISC */
/* bench_hub — the hub's apply rate (one node, 21 nodes), report time at 5 M persons, RSS.
 * A child process generates synthetic journals (synth) and streams the opened batch
 * payloads through a pipe; the parent applies them, so only apply is timed and measured. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "apply.h"
#include "batch.h"
#include "chain.h"
#include "err.h"
#include "record.h"
#include "report.h"
#include "store.h"
#include "synth.h"
#include "varint.h"

#define BATCH_VERSIONS	10000
#define NOW0		1790000000	/* 2026-09-21, the synthetic clock's start */
#define MAX_NODES	21

/* What the generator child produces: per round, one batch per node. */
struct gen_plan {
	unsigned	nodes;
	uint64_t	journal_versions;	/* per node, realistic journal order */
	uint64_t	persons_total;		/* then new persons only, until this many exist */
};

struct gen_node {
	struct synth	*syn;
	uint64_t	head;
	uint8_t		chain[KTP_HASH_LEN];
};

/* One frame on the pipe: header, then plain_len bytes. node_id 0 ends a phase. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return n == 0 ? -EPIPE : -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
gen_batch(struct gen_node *g, uint16_t code, unsigned n, bool persons_only, int64_t now,
	  uint8_t *plain, int fd)
{
	struct batch_header h = { .node_id = code, .first = g->head + 1 };
	uint8_t enc[KTP_VERSION_MAX_BYTES];
	struct ktp_err err = { 0 };
	struct record r;
	size_t off = 0, len;
	unsigned i;

	memcpy(h.prev_chain, g->chain, KTP_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (persons_only)
			synth_person(g->syn, &r, now);
		else
			synth_journal_next(g->syn, &r, now);
		if (record_encode(&r, enc, sizeof(enc), &len, &err) < 0) {
			fprintf(stderr, "bench_hub: %s\n", err.msg);
			return -EINVAL;
		}
		chain_next(g->chain, enc, len, g->chain);
		varint_put(plain, (size_t)n * (KTP_VERSION_MAX_BYTES + 4), &off, len);
		memcpy(plain + off, enc, len);
		off += len;
	}
	g->head += n;
	h.last = g->head;
	h.head = g->head;
	h.count = n;
	h.plain_len = (uint32_t)off;
	if (write_all(fd, &h, sizeof(h)) < 0 || write_all(fd, plain, off) < 0)
		return -EPIPE;
	return 0;
}

static uint64_t
persons_made(struct gen_node *g, unsigned nodes)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < nodes; i++)
		n += synth_count(g[i].syn);
	return n;
}

static int
gen_run(const struct gen_plan *p, int fd)
{
	static struct gen_node g[MAX_NODES];
	struct batch_header end = { 0 };
	uint8_t *plain = malloc((size_t)BATCH_VERSIONS * (KTP_VERSION_MAX_BYTES + 4));
	uint64_t done = 0, batch = 0;
	unsigned i;

	if (plain == NULL)
		return -ENOMEM;
	for (i = 0; i < p->nodes; i++)
		if ((g[i].syn = synth_new(7 + i, (uint16_t)(3201 + i))) == NULL)
			return -ENOMEM;
	for (; done < p->journal_versions; done += BATCH_VERSIONS, batch++)
		for (i = 0; i < p->nodes; i++)
			if (gen_batch(&g[i], (uint16_t)(3201 + i), BATCH_VERSIONS, false,
				      NOW0 + (int64_t)batch * 600, plain, fd) < 0)
				return -EPIPE;
	if (write_all(fd, &end, sizeof(end)) < 0)
		return -EPIPE;
	for (; persons_made(g, p->nodes) < p->persons_total; batch++)
		for (i = 0; i < p->nodes; i++)
			if (gen_batch(&g[i], (uint16_t)(3201 + i), BATCH_VERSIONS, true,
				      NOW0 + (int64_t)batch * 600, plain, fd) < 0)
				return -EPIPE;
	return write_all(fd, &end, sizeof(end));
}

static pid_t
gen_start(const struct gen_plan *p, int *ret_fd)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		_exit(gen_run(p, fds[1]) < 0 ? 1 : 0);
	}
	close(fds[1]);
	*ret_fd = fds[0];
	return pid;
}

/* Applies one phase of frames from fd; returns versions applied and the
 * seconds spent inside apply_batch, or -1. */
static int64_t
apply_phase(struct store *s, int fd, uint8_t *plain, double *ret_s)
{
	struct apply_result res;
	struct ktp_err err = { 0 };
	struct batch_header h;
	int64_t total = 0;
	double t;

	*ret_s = 0;
	for (;;) {
		if (read_all(fd, &h, sizeof(h)) < 0)
			return -1;
		if (h.node_id == 0)
			return total;
		if (read_all(fd, plain, h.plain_len) < 0)
			return -1;
		t = bench_now_s();
		if (apply_batch(s, &h, plain, h.plain_len, h.plain_len, NOW0 + total / 1000, &res,
				&err) < 0 || res.outcome != APPLY_OK) {
			fprintf(stderr, "bench_hub: apply: outcome %d: %s\n", res.outcome, err.msg);
			return -1;
		}
		*ret_s += bench_now_s() - t;
		total += (int64_t)res.applied;
	}
}

static struct store *
open_store(const char *dir, struct ktp_err *err)
{
	struct store *s = NULL;

	/* As ktphubd opens its store at start. */
	if (store_open(dir, &s, err) < 0 || store_set_election_date(s, 20270214, err) < 0 ||
	    store_trim_desa_days(s, time(NULL), err) < 0) {
		fprintf(stderr, "bench_hub: %s\n", err->msg);
		store_close(s);
		return NULL;
	}
	return s;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of 9 full province reports, JSON built and dumped. */
static double
time_report(struct store *s, int64_t now)
{
	struct report_opts o = { .province = 32, .election_date = 20270214, .now = now };
	struct ktp_err err = { 0 };
	double t[9];
	json_t *j;
	char *text;
	int i;

	for (i = 0; i < 9; i++) {
		t[i] = bench_now_s();
		if (report_json(s, &o, &j, &err) < 0) {
			fprintf(stderr, "bench_hub: report: %s\n", err.msg);
			return -1;
		}
		text = json_dumps(j, JSON_COMPACT);
		t[i] = bench_now_s() - t[i];
		free(text);
		json_decref(j);
	}
	qsort(t, 9, sizeof(t[0]), cmp_double);
	return t[4] * 1000;
}

static int64_t
person_rows(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(store_db(s), "SELECT sum(persons) FROM aggregates", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
run(const char *dir, const struct gen_plan *p, const char *name, uint8_t *plain, bool report)
{
	struct ktp_err err = { 0 };
	struct store *s = open_store(dir, &err);
	int fd = -1, status = 0;
	int64_t n, n2;
	double secs, secs2;
	pid_t pid;

	if (s == NULL || (pid = gen_start(p, &fd)) < 0)
		return -1;
	n = apply_phase(s, fd, plain, &secs);
	if (n > 0)
		printf("bench: %s %.0f versions/s\n", name, (double)n / secs);
	if (getenv("BENCH_HUB_TRACE") != NULL)
		fprintf(stderr, "cpu %.2f s wall %.2f s\n", bench_cpu_s(), secs);
	n2 = n < 0 ? -1 : apply_phase(s, fd, plain, &secs2);
	close(fd);
	waitpid(pid, &status, 0);
	if (n2 >= 0 && report) {
		fprintf(stderr, "bench_hub: %" PRId64 " live persons\n", person_rows(s));
		printf("bench: report_ms_5m %.2f ms\n", time_report(s, NOW0 + 86400 * 60));
		/* A restart reads every person row into the NIK directory. */
		store_close(s);
		secs = bench_now_s();
		if ((s = open_store(dir, &err)) == NULL)
			return -1;
		printf("bench: hub_open_ms_5m %.0f ms\n", (bench_now_s() - secs) * 1000);
	}
	store_close(s);
	return n < 0 || n2 < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ? -1 : 0;
}

int
main(void)
{
	char base[] = "/tmp/bench-hub-XXXXXX", dir[64], cmd[96];
	uint8_t *plain = malloc((size_t)BATCH_VERSIONS * (KTP_VERSION_MAX_BYTES + 4));
	struct gen_plan one = { .nodes = 1, .journal_versions = 1000000 };
	struct gen_plan many = { .nodes = 21, .journal_versions = 50000, .persons_total = 5000000 };
	struct rusage ru;
	int r = 0;

	if (plain == NULL || mkdtemp(base) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/one", base);
	mkdir(dir, 0700);
	if (run(dir, &one, "hub_apply_versions_s", plain, false) < 0)
		r = 1;
	if (getenv("BENCH_HUB_ONE_ONLY") != NULL)
		many.journal_versions = many.persons_total = 0;
	snprintf(dir, sizeof(dir), "%s/many", base);
	mkdir(dir, 0700);
	if (getenv("BENCH_HUB_QUICK") != NULL)
		many.persons_total = 0;
	if (run(dir, &many, "hub_apply_21_nodes_versions_s", plain, many.persons_total > 0) < 0)
		r = 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench: hub_rss_mb %.1f MB\n", (double)ru.ru_maxrss / 1024);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		r = 1;
	free(plain);
	return r;
}
