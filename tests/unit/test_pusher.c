/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include "answer.h"
#include "pusher.h"

#define CHAIN_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
parse(long st, const char *body, uint64_t retry_after_s, struct push_answer *a)
{
	pusher_parse_answer(st, body, strlen(body), retry_after_s, a);
}

static void
test_pusher_200_gives_acked_and_chain(void **state)
{
	struct push_answer a;

	(void)state;
	parse(200, "{\"acked\":1400,\"chain\":\"" CHAIN_HEX "\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_OK);
	assert_int_equal(a.http_status, 200);
	assert_true(a.has_acked);
	assert_int_equal(a.acked, 1400);
	assert_true(a.has_chain);
	assert_int_equal(a.chain[0], 0x00);
	assert_int_equal(a.chain[1], 0x11);
	assert_int_equal(a.chain[31], 0xff);
	assert_string_equal(a.reason, "");
}

static void
test_pusher_200_without_chain_is_busy(void **state)
{
	struct push_answer a;

	(void)state;
	parse(200, "{\"acked\":7}", 0, &a);
	assert_int_equal(a.outcome, PUSH_BUSY);
	assert_string_equal(a.reason, "HTTP 200 without acked and chain");
	parse(200, "{\"acked\":7,\"chain\":\"zz\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_BUSY);
	parse(200, "not json", 0, &a);
	assert_int_equal(a.outcome, PUSH_BUSY);
	assert_false(a.has_acked);
}

static void
test_pusher_409_gap_gives_hub_acked(void **state)
{
	struct push_answer a;

	(void)state;
	parse(409, "{\"acked\":1200}", 0, &a);
	assert_int_equal(a.outcome, PUSH_GAP);
	assert_int_equal(a.acked, 1200);
	assert_false(a.has_chain);
	parse(409, "{\"acked\":0,\"chain\":\"" CHAIN_HEX "\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_GAP);
	assert_int_equal(a.acked, 0);
	assert_true(a.has_chain);
	parse(409, "{\"acked\":-3}", 0, &a);
	assert_int_equal(a.outcome, PUSH_BUSY);
	assert_string_equal(a.reason, "HTTP 409 without acked");
}

static void
test_pusher_409_diverged_stops(void **state)
{
	struct push_answer a;

	(void)state;
	parse(409, "{\"error\":\"diverged\",\"acked\":1200,\"detail\":\"chain at 1200\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_DIVERGED);
	assert_int_equal(a.acked, 1200);
	assert_string_equal(a.reason, "diverged");
	assert_string_equal(a.detail, "chain at 1200");
}

static void
test_pusher_4xx_keeps_hub_reason(void **state)
{
	struct push_answer a;

	(void)state;
	parse(401, "{\"error\":\"node 3201 is not enrolled\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_REFUSED);
	assert_string_equal(a.reason, "node 3201 is not enrolled");
	parse(403, "{\"error\":\"batch: signature does not verify\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_REFUSED);
	assert_string_equal(a.reason, "batch: signature does not verify");
	parse(400, "", 0, &a);
	assert_int_equal(a.outcome, PUSH_REFUSED);
	assert_string_equal(a.reason, "HTTP 400");
	parse(413, "{\"error\":\"batch too large\"}", 0, &a);
	assert_int_equal(a.outcome, PUSH_TOO_LARGE);
}

static void
test_pusher_503_honours_retry_after(void **state)
{
	struct push_answer a;

	(void)state;
	parse(503, "{\"error\":\"disk full\"}", 30, &a);
	assert_int_equal(a.outcome, PUSH_BUSY);
	assert_int_equal(a.retry_after_ms, 30000);
	assert_string_equal(a.reason, "disk full");
	parse(502, "<html>bad gateway</html>", 0, &a);
	assert_int_equal(a.outcome, PUSH_BUSY);
	assert_int_equal(a.retry_after_ms, 0);
	assert_string_equal(a.reason, "HTTP 502");
}

/* Table: each answer the hub encodes, and what the node makes of it. */
static void
test_pusher_maps_each_hub_answer_to_what_the_node_does(void **state)
{
	static const struct {
		enum answer_outcome	answer;
		enum push_outcome	want;
	} t[] = {
		{ ANSWER_OK, PUSH_OK },			{ ANSWER_GAP, PUSH_GAP },
		{ ANSWER_DIVERGED, PUSH_DIVERGED },	{ ANSWER_REPLAYED, PUSH_REFUSED },
		{ ANSWER_BAD, PUSH_REFUSED },		{ ANSWER_NOT_ENROLLED, PUSH_REFUSED },
		{ ANSWER_FORBIDDEN, PUSH_REFUSED },	{ ANSWER_TOO_LARGE, PUSH_TOO_LARGE },
		{ ANSWER_FAILED, PUSH_BUSY },		{ ANSWER_BUSY, PUSH_BUSY },
	};
	struct answer h = { .acked = 12, .heartbeat_ms = 77 };
	struct push_answer a;
	json_t *j;
	char *body;
	size_t i;

	(void)state;
	assert_int_equal(sizeof(t) / sizeof(t[0]), ANSWER_COUNT);
	snprintf(h.error, sizeof(h.error), "why");
	snprintf(h.detail, sizeof(h.detail), "where");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		h.outcome = t[i].answer;
		assert_non_null(j = answer_encode(&h));
		assert_non_null(body = json_dumps(j, JSON_COMPACT));
		parse(answer_status(t[i].answer), body, 0, &a);
		assert_int_equal(a.outcome, t[i].want);
		assert_string_equal(a.reason, t[i].answer == ANSWER_DIVERGED ? "diverged" :
				    t[i].answer == ANSWER_OK ? "" : "why");
		free(body);
		json_decref(j);
	}
}

static void
test_pusher_size_starts_small_within_limits(void **state)
{
	struct push_size s;

	(void)state;
	pusher_size_init(&s, 10000, 4u << 20);
	assert_int_equal(s.versions, 1000);
	assert_int_equal(s.bytes, 4u << 20);
	pusher_size_init(&s, 300, 1000);
	assert_int_equal(s.versions, 300);
	assert_int_equal(s.bytes, PUSH_SIZE_MIN_BYTES);
}

static void
test_pusher_size_grows_after_fast_full_batches(void **state)
{
	struct push_size s;

	(void)state;
	pusher_size_init(&s, 10000, 4u << 20);
	pusher_size_update(&s, PUSH_OK, true, 1000, 60000);
	assert_int_equal(s.versions, 2000);
	pusher_size_update(&s, PUSH_OK, true, 1000, 60000);
	pusher_size_update(&s, PUSH_OK, true, 1000, 60000);
	assert_int_equal(s.versions, 8000);
	pusher_size_update(&s, PUSH_OK, true, 1000, 60000);
	assert_int_equal(s.versions, 10000);			/* capped */
	assert_int_equal(s.bytes, 4u << 20);
}

static void
test_pusher_size_holds_after_slow_or_short_batches(void **state)
{
	struct push_size s;

	(void)state;
	pusher_size_init(&s, 10000, 4u << 20);
	pusher_size_update(&s, PUSH_OK, true, 15000, 60000);	/* a quarter: not fast */
	assert_int_equal(s.versions, 1000);
	pusher_size_update(&s, PUSH_OK, false, 10, 60000);	/* tail batch */
	assert_int_equal(s.versions, 1000);
	pusher_size_update(&s, PUSH_BUSY, true, 10, 60000);
	pusher_size_update(&s, PUSH_OFFLINE, true, 10, 60000);
	assert_int_equal(s.versions, 1000);
}

static void
test_pusher_size_halves_after_timeout_and_413(void **state)
{
	struct push_size s;
	int i;

	(void)state;
	pusher_size_init(&s, 10000, 4u << 20);
	pusher_size_update(&s, PUSH_TIMEOUT, true, 60000, 60000);
	assert_int_equal(s.versions, 500);
	assert_int_equal(s.bytes, 2u << 20);
	pusher_size_update(&s, PUSH_TOO_LARGE, false, 5, 60000);
	assert_int_equal(s.versions, 250);
	assert_int_equal(s.bytes, 1u << 20);
	assert_false(pusher_size_is_min(&s));
	for (i = 0; i < 20; i++)
		pusher_size_update(&s, PUSH_TOO_LARGE, false, 5, 60000);
	assert_int_equal(s.versions, 1);
	assert_int_equal(s.bytes, PUSH_SIZE_MIN_BYTES);
	assert_true(pusher_size_is_min(&s));
}

static void
test_pusher_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(pusher_outcome_name(PUSH_OK), "ok");
	assert_string_equal(pusher_outcome_name(PUSH_DIVERGED), "diverged");
	assert_string_equal(pusher_outcome_name(PUSH_TOO_LARGE), "too_large");
	assert_string_equal(pusher_outcome_name((enum push_outcome)99), "?");
}

/* Table: the Date header lines the node reads the hub's clock from. */
static void
test_pusher_parse_date_reads_only_a_date_header(void **state)
{
	static const struct {
		const char	*line;
		int64_t		want;
	} cases[] = {
		{ "Date: Thu, 03 Dec 2026 12:00:00 GMT\r\n", 1796299200 },
		{ "date: Thu, 03 Dec 2026 12:00:00 GMT\r\n", 1796299200 },
		{ "DATE:Thu, 01 Jan 1970 00:00:01 GMT", 1 },
		{ "Date: yesterday-ish\r\n", 0 },
		{ "Content-Type: application/json\r\n", 0 },
		{ "Dat", 0 },
		{ "\r\n", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(pusher_parse_date(cases[i].line, strlen(cases[i].line)),
				 cases[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pusher_200_gives_acked_and_chain),
		cmocka_unit_test(test_pusher_200_without_chain_is_busy),
		cmocka_unit_test(test_pusher_409_gap_gives_hub_acked),
		cmocka_unit_test(test_pusher_409_diverged_stops),
		cmocka_unit_test(test_pusher_4xx_keeps_hub_reason),
		cmocka_unit_test(test_pusher_503_honours_retry_after),
		cmocka_unit_test(test_pusher_maps_each_hub_answer_to_what_the_node_does),
		cmocka_unit_test(test_pusher_size_starts_small_within_limits),
		cmocka_unit_test(test_pusher_size_grows_after_fast_full_batches),
		cmocka_unit_test(test_pusher_size_holds_after_slow_or_short_batches),
		cmocka_unit_test(test_pusher_size_halves_after_timeout_and_413),
		cmocka_unit_test(test_pusher_outcome_names),
		cmocka_unit_test(test_pusher_parse_date_reads_only_a_date_header),
	};

	return cmocka_run_group_tests_name("pusher", tests, NULL, NULL);
}
