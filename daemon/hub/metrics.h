/* SPDX-License-Identifier: ISC */
/* metrics — the hub's counters and their Prometheus text exposition (GET /metrics).
 * Owns push counts by HTTP status, versions applied, bytes, the apply latency histogram.
 * Knows no store: per-node gauges are passed in by the caller at render time. */
#ifndef KTP_METRICS_H
#define KTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;

/* Upper bounds of the apply latency buckets, in microseconds (+Inf is implied). */
#define METRICS_LATENCY_BUCKETS 10
extern const uint64_t metrics_latency_bounds_us[METRICS_LATENCY_BUCKETS];

/* One enrolled node's progress as /metrics shows it. */
struct metrics_node {
	uint16_t	code;
	const char	*name;		/* the regency's name, borrowed; NULL = none known */
	uint64_t	acked;
	int64_t		last_push;	/* Unix seconds, 0 = never */
	int64_t		last_contact;	/* last authenticated push or heartbeat, 0 = never */
	int64_t		last_data;	/* last push that applied versions, 0 = never */
	int64_t		pending;	/* its head at last contact minus acked; -1 = unknown */
	int64_t		dpt_unrecorded;	/* voters on the roll not recorded; -1 = no data */
	/* Unix time of the later of its 30- and 7-day projections (PROTOCOL.md 8.4):
	 * -1 = no data or none needed, METRICS_NEVER = no recordings to project from. */
	int64_t		projected_completion;
};

#define METRICS_NEVER INT64_MAX

/* What /metrics says of the hub itself. */
struct metrics_hub {
	int64_t		election;	/* Unix time of election day 00:00 in the hub's zone */
};

/* Why a push was refused before its signature verified. Such a refusal is
 * counted here only: it names no node in the store and commits nothing. */
enum metrics_unauth {
	METRICS_UNAUTH_MALFORMED,	/* empty, too large, or a header that does not parse */
	METRICS_UNAUTH_UNKNOWN_NODE,	/* node_id not enrolled */
	METRICS_UNAUTH_BAD_SIGNATURE,	/* does not verify with the enrolled key */
	METRICS_UNAUTH_REPLAYED,	/* a heartbeat whose stamp is not after the last */
	METRICS_UNAUTH_COUNT
};

/* Returns NULL with errno set when out of memory. */
struct metrics *metrics_new(void);
void	metrics_free(struct metrics *m);		/* NULL is a no-op */
/* Thread-safe. An HTTP status not in the fixed list counts as "other". */
void	metrics_count_push(struct metrics *m, unsigned http_status, uint64_t bytes);
void	metrics_count_apply(struct metrics *m, uint64_t versions, uint64_t latency_us);
uint64_t metrics_pushes(struct metrics *m, unsigned http_status);
void	metrics_count_unauth(struct metrics *m, enum metrics_unauth reason);
uint64_t metrics_unauth(struct metrics *m, enum metrics_unauth reason);
/* An authenticated heartbeat (a batch of zero versions, PROTOCOL.md 5.5). */
void	metrics_count_heartbeat(struct metrics *m);
/* Versions stamped more than max_clock_skew ahead, applied at the hub's clock. */
void	metrics_count_future(struct metrics *m, uint64_t versions);
/* The whole exposition as a new NUL-terminated buffer (free()); -ENOMEM. */
int	metrics_render(struct metrics *m, const struct metrics_hub *hub,
		       const struct metrics_node *nodes, size_t n_nodes, char **ret, size_t *ret_len);

#endif
