/* SPDX-License-Identifier: ISC */
/* answer — the hub's answer to a push (PROTOCOL.md 8.2): outcome, HTTP status and JSON body.
 * One table maps each outcome to its status and fields; the hub encodes, the node decodes.
 * Pure: no I/O, never logs; Retry-After and the other headers are the HTTP layer's. */
#ifndef KTP_ANSWER_H
#define KTP_ANSWER_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "proto.h"

/* Every answer the hub gives a push. A replay (a batch applied before) is an
 * ANSWER_OK with the unchanged cursor: the same bytes as a first apply. */
enum answer_outcome {
	ANSWER_OK,		/* 200 {"acked","chain"} (+ "warning"): applied up to acked */
	ANSWER_GAP,		/* 409 {"error","acked"}: resume from acked + 1 */
	ANSWER_DIVERGED,	/* 409 {"error":"diverged","acked","detail"}: chains differ */
	ANSWER_REPLAYED,	/* 400 {"error","heartbeat_ms"}: a heartbeat sent again */
	ANSWER_BAD,		/* 400 {"error"}: malformed batch or version */
	ANSWER_NOT_ENROLLED,	/* 401 {"error"}: unknown node */
	ANSWER_FORBIDDEN,	/* 403 {"error"}: signature or seal does not verify */
	ANSWER_TOO_LARGE,	/* 413 {"error"}: over max_batch_bytes or a protocol limit */
	ANSWER_FAILED,		/* 500 {"error"}: any other store failure */
	ANSWER_BUSY,		/* 503 {"error"} (with Retry-After): store busy, disk full */
	ANSWER_COUNT
};

/* The JSON fields of an answer, for answer.fields. */
#define ANSWER_ERROR		(1u << 0)	/* "error": string */
#define ANSWER_ACKED		(1u << 1)	/* "acked": integer >= 0 */
#define ANSWER_CHAIN		(1u << 2)	/* "chain": 64 hex digits, the chain at acked */
#define ANSWER_DETAIL		(1u << 3)	/* "detail": string */
#define ANSWER_HEARTBEAT	(1u << 4)	/* "heartbeat_ms": integer > 0 */
#define ANSWER_WARNING		(1u << 5)	/* "warning": string */

#define ANSWER_TEXT_LEN		KTP_ERR_MSG_LEN

struct answer {
	enum answer_outcome outcome;
	unsigned	fields;			/* ANSWER_*: which of the values below are given */
	uint64_t	acked;
	uint8_t		chain[KTP_HASH_LEN];
	uint64_t	heartbeat_ms;		/* with ANSWER_REPLAYED: the node's last stamp */
	char		error[ANSWER_TEXT_LEN];	/* why; "diverged" for ANSWER_DIVERGED */
	char		detail[ANSWER_TEXT_LEN];	/* with ANSWER_DIVERGED: where the chains differ */
	char		warning[ANSWER_TEXT_LEN];	/* with ANSWER_OK: versions stamped ahead, or "" */
};

/* The HTTP status of an outcome (200 409 400 401 403 413 500 503); 0 for none. */
unsigned answer_status(enum answer_outcome o);
/* "ok", "gap", "diverged", "replayed", ...; "?" for none. */
const char *answer_outcome_name(enum answer_outcome o);

/* The body of a's answer: the fields of its outcome, in the order of the
 * table, from a's values whatever a->fields says; "warning" only when not "",
 * and "error" of ANSWER_DIVERGED always "diverged". New object, or NULL when
 * out of memory or a text is not UTF-8. */
json_t	*answer_encode(const struct answer *a);

/* Reads the hub's answer: the outcome from the status (and, for 409, from
 * "error" being "diverged"; for 400, from a valid "heartbeat_ms"), then the
 * fields that outcome needs. body need not be NUL-terminated. Every known
 * field that is well-formed is kept in *ret (fields says which), even when
 * decoding fails, so a caller can still show the hub's "error". -EBADMSG
 * ("answer 409: acked: missing") for a body that is not a JSON object, a
 * status no push answer has, or a field the outcome needs that is missing or
 * malformed. */
int	answer_decode(long status, const char *body, size_t len, struct answer *ret,
		      struct ktp_err *err);

#endif
