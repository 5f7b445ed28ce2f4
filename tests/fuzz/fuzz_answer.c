/* SPDX-License-Identifier: ISC */
/* fuzz_answer — libFuzzer target for the reading of the hub's answers: answer_decode and pusher.c.
 * A decoded answer has a status of its outcome and the fields that outcome needs, encodes and
 * decodes back to itself; the node classifies any status and body consistently with the body. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "pusher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(long status, const struct push_answer *a)
{
	if (a->http_status != status)
		abort();
	if (memchr(a->reason, '\0', sizeof(a->reason)) == NULL ||
	    memchr(a->detail, '\0', sizeof(a->detail)) == NULL)
		abort();
	switch (a->outcome) {
	case PUSH_OK:
		if (status != 200 || !a->has_acked || !a->has_chain)
			abort();
		break;
	case PUSH_GAP:
		if (status != 409 || !a->has_acked || strcmp(a->reason, "diverged") == 0)
			abort();
		break;
	case PUSH_DIVERGED:
		if (status != 409)
			abort();
		break;
	case PUSH_TOO_LARGE:
		if (status != 413)
			abort();
		break;
	case PUSH_REFUSED:
		if (status < 400 || status >= 500 || status == 409 || status == 413)
			abort();
		break;
	case PUSH_BUSY:
		break;
	default:
		abort();	/* timeout, offline and cancelled come from the transport only */
	}
	if (a->outcome != PUSH_OK && a->reason[0] == '\0')
		abort();
	if (pusher_outcome_name(a->outcome)[0] == '?')
		abort();
}

/* The fields both decodes have (the second one only those the outcome writes)
 * carry the same values. */
static void
check_same(const struct answer *a, const struct answer *b)
{
	unsigned both = a->fields & b->fields;

	if (a->outcome != b->outcome)
		abort();
	if (((both & ANSWER_ACKED) && a->acked != b->acked) ||
	    ((both & ANSWER_CHAIN) && memcmp(a->chain, b->chain, KTP_HASH_LEN) != 0) ||
	    ((both & ANSWER_HEARTBEAT) && a->heartbeat_ms != b->heartbeat_ms) ||
	    ((both & ANSWER_ERROR) && strcmp(a->error, b->error) != 0) ||
	    ((both & ANSWER_DETAIL) && strcmp(a->detail, b->detail) != 0) ||
	    ((both & ANSWER_WARNING) && strcmp(a->warning, b->warning) != 0))
		abort();
}

/* A decoded answer is one the hub could have sent: encoding it and decoding
 * that gives it back. A text cut inside a UTF-8 character at the buffer's
 * end cannot be encoded; nothing else may fail. */
static void
check_decode(long status, const char *body, size_t len)
{
	struct answer a, back;
	struct ktp_err err = {0};
	json_t *j;
	char *text;

	if (answer_decode(status, body, len, &a, &err) < 0) {
		if (err.code != -EBADMSG || strncmp(err.msg, "answer ", 7) != 0)
			abort();
		return;
	}
	if (answer_status(a.outcome) != status || answer_outcome_name(a.outcome)[0] == '?')
		abort();
	if ((j = answer_encode(&a)) == NULL)
		return;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL || answer_decode(status, text, strlen(text), &back, &err) < 0)
		abort();
	free(text);
	check_same(&a, &back);
}

/* data[0..1]: the HTTP status (100..1123), data[2..9]: Retry-After in
 * seconds, big-endian; the rest is the body, as the hub sent it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct push_answer a;
	uint64_t retry = 0;
	long status;
	size_t i;

	if (size < 10)
		return 0;
	status = 100 + (((long)data[0] << 8 | data[1]) % 1024);
	for (i = 2; i < 10; i++)
		retry = retry << 8 | data[i];
	check_decode(status, (const char *)data + 10, size - 10);
	pusher_parse_answer(status, (const char *)data + 10, size - 10, retry, &a);
	check(status, &a);
	if (retry > 0 && a.retry_after_ms < retry)
		abort();
	return 0;
}
