/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "version.h"

/* Statuses POST /v1/push can answer (PROTOCOL.md section 8); the last slot
 * counts anything else, so a new status never goes unseen. */
static const unsigned push_statuses[] = { 200, 400, 401, 403, 409, 413, 500, 503 };
#define N_STATUS (sizeof(push_statuses) / sizeof(push_statuses[0]))

/* From 1 ms to 5 s: a 10 000-version batch applies in tens of milliseconds,
 * a disk stall shows up in the top buckets. */
const uint64_t metrics_latency_bounds_us[METRICS_LATENCY_BUCKETS] = {
	1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000,
};

struct counts {
	uint64_t	pushes[N_STATUS + 1];
	uint64_t	bytes;
	uint64_t	versions;
	uint64_t	buckets[METRICS_LATENCY_BUCKETS];
	uint64_t	latency_sum_us;
	uint64_t	latency_count;
	uint64_t	unauth[METRICS_UNAUTH_COUNT];
	uint64_t	heartbeats;
	uint64_t	future;
};

static const char *const unauth_reasons[METRICS_UNAUTH_COUNT] = {
	[METRICS_UNAUTH_MALFORMED] = "malformed",
	[METRICS_UNAUTH_UNKNOWN_NODE] = "unknown_node",
	[METRICS_UNAUTH_BAD_SIGNATURE] = "bad_signature",
	[METRICS_UNAUTH_REPLAYED] = "replayed",
};

struct metrics {
	pthread_mutex_t	lock;
	struct counts	c;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static size_t
status_slot(unsigned http_status)
{
	size_t i;

	for (i = 0; i < N_STATUS; i++)
		if (push_statuses[i] == http_status)
			return i;
	return N_STATUS;
}

void
metrics_count_push(struct metrics *m, unsigned http_status, uint64_t bytes)
{
	pthread_mutex_lock(&m->lock);
	m->c.pushes[status_slot(http_status)]++;
	m->c.bytes += bytes;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_count_apply(struct metrics *m, uint64_t versions, uint64_t latency_us)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	m->c.versions += versions;
	for (i = 0; i < METRICS_LATENCY_BUCKETS; i++)
		if (latency_us <= metrics_latency_bounds_us[i])
			m->c.buckets[i]++;
	m->c.latency_sum_us += latency_us;
	m->c.latency_count++;
	pthread_mutex_unlock(&m->lock);
}

uint64_t
metrics_pushes(struct metrics *m, unsigned http_status)
{
	uint64_t n;

	pthread_mutex_lock(&m->lock);
	n = m->c.pushes[status_slot(http_status)];
	pthread_mutex_unlock(&m->lock);
	return n;
}

void
metrics_count_unauth(struct metrics *m, enum metrics_unauth reason)
{
	if ((unsigned)reason >= METRICS_UNAUTH_COUNT)
		return;
	pthread_mutex_lock(&m->lock);
	m->c.unauth[reason]++;
	pthread_mutex_unlock(&m->lock);
}

uint64_t
metrics_unauth(struct metrics *m, enum metrics_unauth reason)
{
	uint64_t n = 0;

	pthread_mutex_lock(&m->lock);
	if ((unsigned)reason < METRICS_UNAUTH_COUNT)
		n = m->c.unauth[reason];
	pthread_mutex_unlock(&m->lock);
	return n;
}

void
metrics_count_heartbeat(struct metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->c.heartbeats++;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_count_future(struct metrics *m, uint64_t versions)
{
	pthread_mutex_lock(&m->lock);
	m->c.future += versions;
	pthread_mutex_unlock(&m->lock);
}

/* Seconds with six decimals, from integer microseconds, so the text is exact. */
static void
put_seconds(FILE *f, uint64_t us)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

static void
render_pushes(FILE *f, const struct counts *m)
{
	size_t i;

	fputs("# HELP ktphubd_pushes_total Pushes answered, by HTTP status.\n"
	      "# TYPE ktphubd_pushes_total counter\n", f);
	for (i = 0; i < N_STATUS; i++)
		fprintf(f, "ktphubd_pushes_total{status=\"%u\"} %" PRIu64 "\n",
			push_statuses[i], m->pushes[i]);
	fprintf(f, "ktphubd_pushes_total{status=\"other\"} %" PRIu64 "\n", m->pushes[N_STATUS]);
	fprintf(f, "# HELP ktphubd_push_bytes_total Sealed batch bytes received.\n"
		"# TYPE ktphubd_push_bytes_total counter\n"
		"ktphubd_push_bytes_total %" PRIu64 "\n", m->bytes);
	fprintf(f, "# HELP ktphubd_versions_applied_total Versions newly applied.\n"
		"# TYPE ktphubd_versions_applied_total counter\n"
		"ktphubd_versions_applied_total %" PRIu64 "\n", m->versions);
}

static void
render_trust(FILE *f, const struct counts *m)
{
	size_t i;

	fputs("# HELP ktphubd_unauthenticated_refusals_total Pushes refused before their "
	      "signature verified, by reason; nothing of them is stored.\n"
	      "# TYPE ktphubd_unauthenticated_refusals_total counter\n", f);
	for (i = 0; i < METRICS_UNAUTH_COUNT; i++)
		fprintf(f, "ktphubd_unauthenticated_refusals_total{reason=\"%s\"} %" PRIu64 "\n",
			unauth_reasons[i], m->unauth[i]);
	fprintf(f, "# HELP ktphubd_heartbeats_total Authenticated heartbeats (pushes of zero "
		"versions).\n"
		"# TYPE ktphubd_heartbeats_total counter\n"
		"ktphubd_heartbeats_total %" PRIu64 "\n"
		"# HELP ktphubd_future_versions_total Versions stamped more than max_clock_skew "
		"ahead of the hub's clock, applied with the hub's clock.\n"
		"# TYPE ktphubd_future_versions_total counter\n"
		"ktphubd_future_versions_total %" PRIu64 "\n", m->heartbeats, m->future);
}

static void
render_latency(FILE *f, const struct counts *m)
{
	size_t i;

	fputs("# HELP ktphubd_apply_seconds Time to verify, open and apply one batch.\n"
	      "# TYPE ktphubd_apply_seconds histogram\n", f);
	for (i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
		fputs("ktphubd_apply_seconds_bucket{le=\"", f);
		put_seconds(f, metrics_latency_bounds_us[i]);
		fprintf(f, "\"} %" PRIu64 "\n", m->buckets[i]);
	}
	fprintf(f, "ktphubd_apply_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", m->latency_count);
	fputs("ktphubd_apply_seconds_sum ", f);
	put_seconds(f, m->latency_sum_us);
	fprintf(f, "\nktphubd_apply_seconds_count %" PRIu64 "\n", m->latency_count);
}

/* One gauge per node from the int64_t at offset off in struct metrics_node.
 * With known_only, -1 (unknown) has no sample, so an alert on it fires only
 * on what is known; times print 0 for never, as they always have. */
static void
node_gauge(FILE *f, const char *name, const char *help, const struct metrics_node *nodes,
	   size_t n, size_t off, bool known_only)
{
	size_t i;

	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (i = 0; i < n; i++) {
		int64_t v;

		memcpy(&v, (const char *)&nodes[i] + off, sizeof(v));
		if (v >= 0 || !known_only)
			fprintf(f, "%s{node=\"%04u\"} %" PRId64 "\n", name, nodes[i].code, v);
	}
}

/* A label value as text a PromQL matcher takes plainly: a space becomes '_',
 * and '"', '\\' and control bytes are left out. */
static void
put_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == ' ')
			fputc('_', f);
		else if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
}

/* Projected completion per node: +Inf when it would never finish at the
 * current rate, no sample when unknown or nothing is left to record. */
static void
node_projection(FILE *f, const struct metrics_node *nodes, size_t n)
{
	size_t i;

	fputs("# HELP ktphubd_node_projected_completion_timestamp_seconds When the regency "
	      "would have recorded every voter on the roll, at the slower of its 30- and "
	      "7-day rates.\n"
	      "# TYPE ktphubd_node_projected_completion_timestamp_seconds gauge\n", f);
	for (i = 0; i < n; i++) {
		int64_t t = nodes[i].projected_completion;

		if (t == METRICS_NEVER)
			fprintf(f, "ktphubd_node_projected_completion_timestamp_seconds"
				"{node=\"%04u\"} +Inf\n", nodes[i].code);
		else if (t >= 0)
			fprintf(f, "ktphubd_node_projected_completion_timestamp_seconds"
				"{node=\"%04u\"} %" PRId64 "\n", nodes[i].code, t);
	}
}

static void
render_info(FILE *f, const struct metrics_hub *hub, const struct metrics_node *nodes, size_t n)
{
	size_t i;

	fprintf(f, "# HELP ktphubd_build_info The running ktphubd's version.\n"
		"# TYPE ktphubd_build_info gauge\n"
		"ktphubd_build_info{version=\"");
	put_label(f, ktp_version());
	fprintf(f, "\"} 1\n"
		"# HELP ktphubd_election_timestamp_seconds Election day (hub.election_date), "
		"00:00 in the hub's time zone.\n"
		"# TYPE ktphubd_election_timestamp_seconds gauge\n"
		"ktphubd_election_timestamp_seconds %" PRId64 "\n", hub->election);
	fputs("# HELP ktphubd_node_info The regency of each enrolled node, for alerts "
	      "to name it (spaces as '_').\n"
	      "# TYPE ktphubd_node_info gauge\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "ktphubd_node_info{node=\"%04u\",name=\"", nodes[i].code);
		put_label(f, nodes[i].name != NULL ? nodes[i].name : "");
		fputs("\"} 1\n", f);
	}
}

static void
render_nodes(FILE *f, const struct metrics_node *nodes, size_t n)
{
	size_t i;

	fputs("# HELP ktphubd_node_acked Highest journal seq applied, per node.\n"
	      "# TYPE ktphubd_node_acked gauge\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "ktphubd_node_acked{node=\"%04u\"} %" PRIu64 "\n",
			nodes[i].code, nodes[i].acked);
	node_gauge(f, "ktphubd_node_pending_versions",
		   "Versions the node held that the hub had not applied, at its last contact.",
		   nodes, n, offsetof(struct metrics_node, pending), true);
	node_gauge(f, "ktphubd_node_dpt_unrecorded",
		   "Voters on the roll without a recorded e-KTP, per regency with data.",
		   nodes, n, offsetof(struct metrics_node, dpt_unrecorded), true);
	node_projection(f, nodes, n);
	node_gauge(f, "ktphubd_node_last_push_timestamp_seconds",
		   "Unix time of the last applied push, per node (0 = never).",
		   nodes, n, offsetof(struct metrics_node, last_push), false);
	node_gauge(f, "ktphubd_node_last_contact_timestamp_seconds",
		   "Unix time of the last authenticated push or heartbeat, per node (0 = never).",
		   nodes, n, offsetof(struct metrics_node, last_contact), false);
	node_gauge(f, "ktphubd_node_last_data_timestamp_seconds",
		   "Unix time of the last push that applied versions, per node (0 = never).",
		   nodes, n, offsetof(struct metrics_node, last_data), false);
}

int
metrics_render(struct metrics *m, const struct metrics_hub *hub,
	       const struct metrics_node *nodes, size_t n_nodes, char **ret, size_t *ret_len)
{
	struct counts snap;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	/* Render from a copy so the lock is not held across stdio. */
	pthread_mutex_lock(&m->lock);
	snap = m->c;
	pthread_mutex_unlock(&m->lock);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return -ENOMEM;
	render_pushes(f, &snap);
	render_trust(f, &snap);
	render_latency(f, &snap);
	render_info(f, hub, nodes, n_nodes);
	render_nodes(f, nodes, n_nodes);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}
