/* SPDX-License-Identifier: ISC */
/* pusher — one HTTP client to the hub's /v1/push over a reused keep-alive libcurl handle.
 * Posts sealed batches, reads the hub's answer (answer_decode) as what the node does next,
 * sizes the next batch to the link.
 * Knows no journal and no state machine (node.c does); never logs. */
#ifndef KTP_PUSHER_H
#define KTP_PUSHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;
struct pusher;

/* What the hub's answer means for the node (DESIGN.md "Sync, exactly once"). */
enum push_outcome {
	PUSH_OK,		/* 200: acked (and chain) given */
	PUSH_GAP,		/* 409 {"acked":N}: resume from N + 1 */
	PUSH_DIVERGED,		/* 409 {"error":"diverged"}: stop until an operator acts */
	PUSH_REFUSED,		/* 400, 401, 403 and other 4xx: our key or data; retry slowly */
	PUSH_TOO_LARGE,		/* 413: halve the batch */
	PUSH_BUSY,		/* 503, other 5xx, unreadable answer: back off */
	PUSH_TIMEOUT,		/* no complete answer in time: back off, halve the batch */
	PUSH_OFFLINE,		/* could not connect or resolve: back off */
	PUSH_CANCELLED,		/* the daemon is stopping */
};

struct push_answer {
	enum push_outcome outcome;
	long		http_status;		/* 0 without an HTTP answer */
	bool		has_acked;
	uint64_t	acked;
	bool		has_chain;
	uint8_t		chain[KTP_HASH_LEN];
	uint64_t	retry_after_ms;		/* 0 = none */
	int64_t		hub_date;		/* the answer's Date header, Unix seconds; 0 = none */
	char		reason[256];		/* the hub's "error" text or the transport's */
	char		detail[256];		/* the hub's "detail" (with "diverged"), or "" */
	char		warning[256];		/* the hub's "warning" with a 200, or "" */
	uint64_t	heartbeat_ms;		/* the hub's "heartbeat_ms" (a replay refused), 0 */
};

/* The Unix time of an HTTP Date header line ("Date: Thu, 03 Dec 2026 12:00:00
 * GMT\r\n", any case), or 0 when line is not one or does not parse. */
int64_t	pusher_parse_date(const char *line, size_t len);

/* Classifies one HTTP answer: answer_decode's outcome, or for an answer that
 * does not decode its status alone (413 PUSH_TOO_LARGE, another 4xx but 409
 * PUSH_REFUSED, the rest PUSH_BUSY). body need not be NUL-terminated. A 200
 * without a valid acked and chain is PUSH_BUSY (the hub misbehaved; retrying
 * is safe). */
void	pusher_parse_answer(long http_status, const char *body, size_t len,
			    uint64_t retry_after_s, struct push_answer *ret);
const char *pusher_outcome_name(enum push_outcome o);

/* Adaptive batch size within the configured limits. */
struct push_size {
	uint32_t	versions;		/* current limit */
	uint64_t	bytes;
	uint32_t	max_versions;
	uint64_t	max_bytes;
};

#define PUSH_SIZE_START_VERSIONS	1000u
#define PUSH_SIZE_MIN_BYTES		4096u

void	pusher_size_init(struct push_size *s, uint32_t max_versions, uint64_t max_bytes);
/* After an answer: doubles after a fast (under a quarter of timeout_ms) full
 * batch that succeeded, halves after PUSH_TOO_LARGE or PUSH_TIMEOUT. */
void	pusher_size_update(struct push_size *s, enum push_outcome o, bool batch_was_full,
			   uint64_t elapsed_ms, uint64_t timeout_ms);
/* True when a 413 cannot be cured by halving any more. */
bool	pusher_size_is_min(const struct push_size *s);

struct pusher_opts {
	const char	*hub_url;		/* base URL; KTP_HTTP_PUSH_PATH is appended */
	const char	*ca_file;		/* NULL = the system store */
	uint32_t	timeout_s;		/* whole request */
	uint32_t	connect_timeout_s;
	/* Polled about once a second during a transfer; true aborts it (PUSH_CANCELLED). */
	bool		(*cancel)(void *arg);
	void		*cancel_arg;
};

int	pusher_new(const struct pusher_opts *o, struct pusher **ret, struct ktp_err *err);
void	pusher_free(struct pusher *p);			/* NULL is a no-op */
/* Posts one sealed batch and classifies the answer into *ret (always filled).
 * Returns 0 when the hub answered, -errno for a transport failure (err says). */
int	pusher_post(struct pusher *p, const uint8_t *wire, size_t len, struct push_answer *ret,
		    struct ktp_err *err);

#endif
