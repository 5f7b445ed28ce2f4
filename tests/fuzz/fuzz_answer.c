/* SPDX-License-Identifier: ISC */
/* fuzz_answer — libFuzzer target for the node's reading of the hub's answers (pusher.c).
 * Any status, Retry-After and body classify into one outcome consistent with what the
 * body gave: OK only with acked and chain, GAP only with acked, a reason for the rest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	pusher_parse_answer(status, (const char *)data + 10, size - 10, retry, &a);
	check(status, &a);
	if (retry > 0 && a.retry_after_ms < retry)
		abort();
	return 0;
}
