/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "answer.h"
#include "chain.h"

#define CHAIN_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define ZERO_HEX "0000000000000000000000000000000000000000000000000000000000000000"
#define WARNING_TEXT "batch 1..4: seq 2..3: 2 versions stamped more than 1d ahead of the hub's " \
	"clock, applied with the hub's clock (is the node's clock right?)"
#define DIVERGED_TEXT "batch 1201..1300: chain at seq 1200 differs from the hub's (journal " \
	"rewound or forked)"
#define REPLAY_TEXT "heartbeat at seq 20: stamp 1796216400000 is not after the node's last, " \
	"1796216400000 (a replay)"

/* Every answer the hub gives a push, with the bytes and status it sends
 * today (PROTOCOL.md 8.2, test_hub, tests/system/2xx). */
static const struct {
	enum answer_outcome outcome;
	uint64_t	acked;
	const char	*chain;		/* hex, or NULL */
	uint64_t	heartbeat_ms;
	const char	*error;
	const char	*detail;
	const char	*warning;
	unsigned	fields;
	unsigned	status;
	const char	*bytes;
} cases[] = {
	{ ANSWER_OK, 1400, CHAIN_HEX, 0, "", "", "", ANSWER_ACKED | ANSWER_CHAIN, 200,
	  "{\"acked\":1400,\"chain\":\"" CHAIN_HEX "\"}" },
	{ ANSWER_OK, 0, ZERO_HEX, 0, "", "", "", ANSWER_ACKED | ANSWER_CHAIN, 200,
	  "{\"acked\":0,\"chain\":\"" ZERO_HEX "\"}" },
	{ ANSWER_OK, 4, CHAIN_HEX, 0, "", "", WARNING_TEXT,
	  ANSWER_ACKED | ANSWER_CHAIN | ANSWER_WARNING, 200,
	  "{\"acked\":4,\"chain\":\"" CHAIN_HEX "\",\"warning\":\"" WARNING_TEXT "\"}" },
	{ ANSWER_GAP, 10, NULL, 0, "gap: batch starts at 21, hub has acked 10", "", "",
	  ANSWER_ERROR | ANSWER_ACKED, 409,
	  "{\"error\":\"gap: batch starts at 21, hub has acked 10\",\"acked\":10}" },
	{ ANSWER_DIVERGED, 1200, NULL, 0, "diverged", DIVERGED_TEXT, "",
	  ANSWER_ERROR | ANSWER_ACKED | ANSWER_DETAIL, 409,
	  "{\"error\":\"diverged\",\"acked\":1200,\"detail\":\"" DIVERGED_TEXT "\"}" },
	{ ANSWER_REPLAYED, 0, NULL, 1796216400000, REPLAY_TEXT, "", "",
	  ANSWER_ERROR | ANSWER_HEARTBEAT, 400,
	  "{\"error\":\"" REPLAY_TEXT "\",\"heartbeat_ms\":1796216400000}" },
	{ ANSWER_BAD, 0, NULL, 0, "empty body: expected one sealed batch", "", "", ANSWER_ERROR,
	  400, "{\"error\":\"empty body: expected one sealed batch\"}" },
	{ ANSWER_NOT_ENROLLED, 0, NULL, 0, "node 3299 is not enrolled at this hub", "", "",
	  ANSWER_ERROR, 401, "{\"error\":\"node 3299 is not enrolled at this hub\"}" },
	{ ANSWER_FORBIDDEN, 0, NULL, 0, "batch 51..60: signature: does not verify with the node "
	  "key (checked against node 3201's enrolled key)", "", "", ANSWER_ERROR, 403,
	  "{\"error\":\"batch 51..60: signature: does not verify with the node key (checked "
	  "against node 3201's enrolled key)\"}" },
	{ ANSWER_TOO_LARGE, 0, NULL, 0, "batch of 9000000 bytes, limit 8388608 (max_batch_bytes)",
	  "", "", ANSWER_ERROR, 413,
	  "{\"error\":\"batch of 9000000 bytes, limit 8388608 (max_batch_bytes)\"}" },
	{ ANSWER_FAILED, 0, NULL, 0, "store: disk I/O error", "", "", ANSWER_ERROR, 500,
	  "{\"error\":\"store: disk I/O error\"}" },
	{ ANSWER_BUSY, 0, NULL, 0, "store busy: another apply held it for 10 s", "", "",
	  ANSWER_ERROR, 503, "{\"error\":\"store busy: another apply held it for 10 s\"}" },
	{ ANSWER_BUSY, 0, NULL, 0, "push: the hub holds 268435456 bytes of pushes in progress, "
	  "limit 268435456 (max_buffer_total)", "", "", ANSWER_ERROR, 503,
	  "{\"error\":\"push: the hub holds 268435456 bytes of pushes in progress, limit "
	  "268435456 (max_buffer_total)\"}" },
};

#define N_CASES	(sizeof(cases) / sizeof(cases[0]))

static void
make(size_t i, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	a->outcome = cases[i].outcome;
	a->fields = cases[i].fields;
	a->acked = cases[i].acked;
	if (cases[i].chain != NULL)
		assert_int_equal(chain_from_hex(cases[i].chain, a->chain, NULL), 0);
	a->heartbeat_ms = cases[i].heartbeat_ms;
	snprintf(a->error, sizeof(a->error), "%s", cases[i].error);
	snprintf(a->detail, sizeof(a->detail), "%s", cases[i].detail);
	snprintf(a->warning, sizeof(a->warning), "%s", cases[i].warning);
}

static char *
encode_text(const struct answer *a)
{
	json_t *j = answer_encode(a);
	char *text;

	assert_non_null(j);
	/* As http.c sends it (http_reply_json). */
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(text);
	return text;
}

static void
assert_same_answer(const struct answer *got, const struct answer *want)
{
	assert_int_equal(got->outcome, want->outcome);
	assert_int_equal(got->fields, want->fields);
	assert_int_equal(got->acked, want->acked);
	assert_memory_equal(got->chain, want->chain, KTP_HASH_LEN);
	assert_int_equal(got->heartbeat_ms, want->heartbeat_ms);
	assert_string_equal(got->error, want->error);
	assert_string_equal(got->detail, want->detail);
	assert_string_equal(got->warning, want->warning);
}

static void
test_answer_encode_gives_todays_bytes_for_every_outcome(void **state)
{
	struct answer a;
	unsigned seen = 0;
	size_t i;
	char *text;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		make(i, &a);
		text = encode_text(&a);
		assert_string_equal(text, cases[i].bytes);
		assert_int_equal(answer_status(a.outcome), cases[i].status);
		free(text);
		seen |= 1u << a.outcome;
	}
	assert_int_equal(seen, (1u << ANSWER_COUNT) - 1);	/* every outcome has a case */
}

static void
test_answer_decode_of_encode_is_the_same_answer(void **state)
{
	struct answer a, back;
	struct ktp_err err = {0};
	size_t i;
	char *text;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		make(i, &a);
		text = encode_text(&a);
		assert_int_equal(answer_decode(cases[i].status, text, strlen(text), &back, &err), 0);
		assert_same_answer(&back, &a);
		free(text);
	}
}

/* The hub's values that its outcome does not carry stay off the wire. */
static void
test_answer_encode_writes_only_the_fields_of_the_outcome(void **state)
{
	struct answer a = { .outcome = ANSWER_DIVERGED, .acked = 5, .heartbeat_ms = 9 };
	char *text;

	(void)state;
	snprintf(a.error, sizeof(a.error), "chain mismatch");
	snprintf(a.detail, sizeof(a.detail), "chain mismatch");
	snprintf(a.warning, sizeof(a.warning), "ignored");
	text = encode_text(&a);
	assert_string_equal(text, "{\"error\":\"diverged\",\"acked\":5,\"detail\":\"chain mismatch\"}");
	free(text);
	a.outcome = ANSWER_BAD;
	text = encode_text(&a);
	assert_string_equal(text, "{\"error\":\"chain mismatch\"}");
	free(text);
	a.outcome = ANSWER_GAP;
	a.warning[0] = '\0';
	text = encode_text(&a);
	assert_string_equal(text, "{\"error\":\"chain mismatch\",\"acked\":5}");
	free(text);
}

static void
test_answer_encode_refuses_what_json_cannot_carry(void **state)
{
	struct answer a = { .outcome = ANSWER_BAD };

	(void)state;
	snprintf(a.error, sizeof(a.error), "bad byte \xff here");
	assert_null(answer_encode(&a));
	a.outcome = ANSWER_COUNT;
	snprintf(a.error, sizeof(a.error), "fine");
	assert_null(answer_encode(&a));
}

static void
test_answer_status_and_name_of_each_outcome(void **state)
{
	static const struct {
		enum answer_outcome o;
		unsigned	status;
		const char	*name;
	} t[] = {
		{ ANSWER_OK, 200, "ok" }, { ANSWER_GAP, 409, "gap" },
		{ ANSWER_DIVERGED, 409, "diverged" }, { ANSWER_REPLAYED, 400, "replayed" },
		{ ANSWER_BAD, 400, "bad" }, { ANSWER_NOT_ENROLLED, 401, "not enrolled" },
		{ ANSWER_FORBIDDEN, 403, "forbidden" }, { ANSWER_TOO_LARGE, 413, "too large" },
		{ ANSWER_FAILED, 500, "failed" }, { ANSWER_BUSY, 503, "busy" },
		{ ANSWER_COUNT, 0, "?" }, { (enum answer_outcome)99, 0, "?" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(answer_status(t[i].o), t[i].status);
		assert_string_equal(answer_outcome_name(t[i].o), t[i].name);
	}
}

/* Table: answers the hub never sends whole, which still tell their outcome. */
static void
test_answer_decode_needs_only_what_tells_the_outcome(void **state)
{
	static const struct {
		long		status;
		const char	*body;
		enum answer_outcome want;
		unsigned	fields;
	} t[] = {
		{ 409, "{\"acked\":1200}", ANSWER_GAP, ANSWER_ACKED },
		{ 409, "{\"acked\":0,\"chain\":\"" CHAIN_HEX "\"}", ANSWER_GAP,
		  ANSWER_ACKED | ANSWER_CHAIN },
		{ 409, "{\"error\":\"diverged\"}", ANSWER_DIVERGED, ANSWER_ERROR },
		{ 400, "{\"error\":\"x\",\"heartbeat_ms\":0}", ANSWER_BAD, ANSWER_ERROR },
		{ 400, "{\"error\":\"x\",\"heartbeat_ms\":7}", ANSWER_REPLAYED,
		  ANSWER_ERROR | ANSWER_HEARTBEAT },
		{ 400, "{\"heartbeat_ms\":7}", ANSWER_REPLAYED, ANSWER_HEARTBEAT },
		{ 200, "{\"acked\":3,\"chain\":\"" CHAIN_HEX "\",\"applied\":3,\"warning\":1}",
		  ANSWER_OK, ANSWER_ACKED | ANSWER_CHAIN },
		{ 503, "{\"error\":\"disk full\",\"acked\":4}", ANSWER_BUSY,
		  ANSWER_ERROR | ANSWER_ACKED },
	};
	struct answer a;
	struct ktp_err err = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(answer_decode(t[i].status, t[i].body, strlen(t[i].body), &a, &err),
				 0);
		assert_int_equal(a.outcome, t[i].want);
		assert_int_equal(a.fields, t[i].fields);
	}
}

/* Table: malformed answers, the exact error, and the hub's text still read. */
static void
test_answer_decode_of_malformed_answers_says_what_is_wrong(void **state)
{
	static const struct {
		long		status;
		const char	*body;
		const char	*msg;
		const char	*error;
		unsigned	fields;
	} t[] = {
		{ 200, "", "answer 200: body: not a JSON object", "", 0 },
		{ 200, "not json", "answer 200: body: not a JSON object", "", 0 },
		{ 200, "[1,2]", "answer 200: body: not a JSON object", "", 0 },
		{ 503, "<html>busy</html>", "answer 503: body: not a JSON object", "", 0 },
		{ 200, "{\"acked\":7}", "answer 200: chain: missing", "", ANSWER_ACKED },
		{ 200, "{\"acked\":7,\"chain\":\"zz\"}", "answer 200: chain: not 64 hex digits", "",
		  ANSWER_ACKED },
		{ 200, "{\"acked\":-1,\"chain\":\"" CHAIN_HEX "\"}",
		  "answer 200: acked: not a sequence number", "", ANSWER_CHAIN },
		{ 200, "{\"acked\":\"7\",\"chain\":\"" CHAIN_HEX "\"}",
		  "answer 200: acked: not a sequence number", "", ANSWER_CHAIN },
		{ 409, "{\"acked\":-3}", "answer 409: acked: not a sequence number", "", 0 },
		{ 409, "{\"error\":\"gap\"}", "answer 409: acked: missing", "gap", ANSWER_ERROR },
		{ 400, "{}", "answer 400: error: missing", "", 0 },
		{ 401, "{\"error\":5}", "answer 401: error: not a string", "", 0 },
		{ 413, "{\"detail\":\"x\"}", "answer 413: error: missing", "", ANSWER_DETAIL },
		{ 404, "{\"error\":\"no such path '/v1/pus'\"}",
		  "answer 404: status: not one of a push answer", "no such path '/v1/pus'",
		  ANSWER_ERROR },
		{ 502, "{}", "answer 502: status: not one of a push answer", "", 0 },
	};
	struct answer a;
	struct ktp_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(answer_decode(t[i].status, t[i].body, strlen(t[i].body), &a, &err),
				 -EBADMSG);
		assert_string_equal(err.msg, t[i].msg);
		assert_string_equal(a.error, t[i].error);
		assert_int_equal(a.fields, t[i].fields);
	}
}

/* A body need not end in NUL: only len bytes are read. */
static void
test_answer_decode_reads_only_len_bytes(void **state)
{
	static const char body[] = "{\"error\":\"busy\"}garbage";
	struct answer a;
	struct ktp_err err = {0};

	(void)state;
	assert_int_equal(answer_decode(503, body, strlen("{\"error\":\"busy\"}"), &a, &err), 0);
	assert_int_equal(a.outcome, ANSWER_BUSY);
	assert_string_equal(a.error, "busy");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_encode_gives_todays_bytes_for_every_outcome),
		cmocka_unit_test(test_answer_decode_of_encode_is_the_same_answer),
		cmocka_unit_test(test_answer_encode_writes_only_the_fields_of_the_outcome),
		cmocka_unit_test(test_answer_encode_refuses_what_json_cannot_carry),
		cmocka_unit_test(test_answer_status_and_name_of_each_outcome),
		cmocka_unit_test(test_answer_decode_needs_only_what_tells_the_outcome),
		cmocka_unit_test(test_answer_decode_of_malformed_answers_says_what_is_wrong),
		cmocka_unit_test(test_answer_decode_reads_only_len_bytes),
	};

	return cmocka_run_group_tests_name("answer", tests, NULL, NULL);
}
