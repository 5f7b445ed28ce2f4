/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "ctlmsg.h"
#include "err.h"
#include "proto.h"

static json_t *
parse_ok(const char *line)
{
	struct ktp_err err = {0};
	enum ctl_status st = CTL_STATUS_FAILED;
	json_t *req = NULL;

	assert_int_equal(ctlmsg_parse_request(line, strlen(line), &req, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_OK);
	assert_non_null(req);
	return req;
}

static void
parse_bad(const char *line, int code, enum ctl_status want, const char *msg)
{
	struct ktp_err err = {0};
	enum ctl_status st = CTL_STATUS_OK;
	json_t *req = NULL;

	assert_int_equal(ctlmsg_parse_request(line, strlen(line), &req, &st, &err), code);
	assert_int_equal(st, want);
	assert_null(req);
	assert_string_equal(err.msg, msg);
}

static void
test_ctlmsg_request_round_trips_through_dump(void **state)
{
	struct ktp_err err = {0};
	json_t *req, *back;
	char *line = NULL;
	size_t len = 0;

	(void)state;
	req = ctlmsg_request("status");
	json_object_set_new(req, "regency", json_string("3201"));
	assert_int_equal(ctlmsg_dump(req, &line, &len, &err), 0);
	assert_string_equal(line, "{\"v\":2,\"cmd\":\"status\",\"regency\":\"3201\"}\n");
	assert_int_equal(len, strlen(line));
	back = parse_ok(line);		/* the parser stops at the end of the object */
	assert_true(json_equal(req, back));
	free(line);
	json_decref(req);
	json_decref(back);
}

static void
test_ctlmsg_dump_escapes_newlines_in_strings(void **state)
{
	struct ktp_err err = {0};
	json_t *reply;
	char *line = NULL;
	size_t len = 0;

	(void)state;
	reply = ctlmsg_reply(CTL_STATUS_FAILED, "a.csv:3: name: bad\nsecond line");
	assert_int_equal(ctlmsg_dump(reply, &line, &len, &err), 0);
	assert_string_equal(line, "{\"v\":2,\"status\":1,\"error\":\"a.csv:3: name: bad\\n"
			    "second line\"}\n");
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);
	free(line);
	json_decref(reply);
}

static void
test_ctlmsg_version_mismatch_gets_status_version(void **state)
{
	(void)state;
	parse_bad("{\"v\":1,\"cmd\":\"status\"}", -EPROTONOSUPPORT, CTL_STATUS_VERSION,
		  "ctl: protocol version 1, this daemon speaks 2");
}

static void
test_ctlmsg_version_is_checked_before_cmd(void **state)
{
	(void)state;
	parse_bad("{\"v\":7}", -EPROTONOSUPPORT, CTL_STATUS_VERSION,
		  "ctl: protocol version 7, this daemon speaks 2");
}

static void
test_ctlmsg_bad_requests_are_bad_request(void **state)
{
	(void)state;
	parse_bad("{\"cmd\":\"status\"}", -EINVAL, CTL_STATUS_BAD_REQUEST,
		  "ctl: request: missing integer \"v\"");
	parse_bad("{\"v\":\"1\",\"cmd\":\"status\"}", -EINVAL, CTL_STATUS_BAD_REQUEST,
		  "ctl: request: missing integer \"v\"");
	parse_bad("{\"v\":2}", -EINVAL, CTL_STATUS_BAD_REQUEST,
		  "ctl: request: missing string \"cmd\"");
	parse_bad("{\"v\":2,\"cmd\":\"\"}", -EINVAL, CTL_STATUS_BAD_REQUEST,
		  "ctl: request: missing string \"cmd\"");
	parse_bad("[1,2]", -EINVAL, CTL_STATUS_BAD_REQUEST, "ctl: request: not a JSON object");
	parse_bad("{\"v\":2,", -EINVAL, CTL_STATUS_BAD_REQUEST,
		  "ctl: request: invalid JSON at column 7: string or '}' expected near end of file");
}

static void
test_ctlmsg_duplicate_key_is_rejected(void **state)
{
	(void)state;
	parse_bad("{\"v\":2,\"cmd\":\"status\",\"cmd\":\"sync\"}", -EINVAL, CTL_STATUS_BAD_REQUEST,
		  "ctl: request: invalid JSON at column 27: duplicate object key near '\"cmd\"'");
}

static void
test_ctlmsg_oversize_request_is_refused_before_parsing(void **state)
{
	struct ktp_err err = {0};
	enum ctl_status st = CTL_STATUS_OK;
	json_t *req = NULL;
	char *line;

	(void)state;
	line = malloc(KTP_CTL_MAX_LINE + 1);
	memset(line, ' ', KTP_CTL_MAX_LINE + 1);
	assert_int_equal(ctlmsg_parse_request(line, KTP_CTL_MAX_LINE + 1, &req, &st, &err),
			 -EMSGSIZE);
	assert_int_equal(st, CTL_STATUS_BAD_REQUEST);
	assert_string_equal(err.msg, "ctl: request: 65537 bytes, limit 65536");
	free(line);
}

static void
test_ctlmsg_reply_parses_status_and_error(void **state)
{
	const char *line = "{\"v\":2,\"status\":3,\"error\":\"ctl: 'sync' needs root\",\"x\":5}";
	struct ktp_err err = {0};
	json_t *reply = NULL;
	int st = -1;

	(void)state;
	assert_int_equal(ctlmsg_parse_reply(line, strlen(line), &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_DENIED);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "ctl: 'sync' needs root");
	assert_int_equal(json_integer_value(json_object_get(reply, "x")), 5);
	json_decref(reply);
}

static void
test_ctlmsg_reply_of_another_version_is_refused(void **state)
{
	const char *line = "{\"v\":1,\"status\":0,\"error\":\"\"}";
	struct ktp_err err = {0};
	json_t *reply = NULL;
	int st = -1;

	(void)state;
	assert_int_equal(ctlmsg_parse_reply(line, strlen(line), &reply, &st, &err),
			 -EPROTONOSUPPORT);
	assert_string_equal(err.msg, "ctl: reply: protocol version is not 2");
	assert_null(reply);
	assert_int_equal(st, -1);
	line = "{\"v\":2,\"error\":\"\"}";
	assert_int_equal(ctlmsg_parse_reply(line, strlen(line), &reply, &st, &err), -EINVAL);
	assert_string_equal(err.msg, "ctl: reply: missing integer \"status\"");
}

static void
test_ctlmsg_reply_defaults_error_to_empty(void **state)
{
	json_t *reply;

	(void)state;
	reply = ctlmsg_reply(CTL_STATUS_OK, NULL);
	assert_int_equal(json_integer_value(json_object_get(reply, "v")), 2);
	assert_int_equal(json_integer_value(json_object_get(reply, "status")), 0);
	assert_string_equal(json_string_value(json_object_get(reply, "error")), "");
	json_decref(reply);
}

static void
test_ctlmsg_chunk_header_is_big_endian(void **state)
{
	uint8_t h[4];

	(void)state;
	ctlmsg_chunk_header(0x01020304u, h);
	assert_int_equal(h[0], 1);
	assert_int_equal(h[1], 2);
	assert_int_equal(h[2], 3);
	assert_int_equal(h[3], 4);
	assert_int_equal(ctlmsg_chunk_len(h), 0x01020304u);
	ctlmsg_chunk_header(CTLMSG_CHUNK_MAX, h);
	assert_memory_equal(h, "\x00\x10\x00\x00", 4);
	ctlmsg_chunk_header(0, h);
	assert_int_equal(ctlmsg_chunk_len(h), 0);
}

/* One header decision per row: the length, or why the header is refused. */
static void
test_ctlmsg_chunk_parse_takes_lengths_up_to_the_limit(void **state)
{
	static const struct {
		uint8_t		hdr[4];
		int		code;
		uint32_t	len;
		const char	*msg;
	} rows[] = {
		{ { 0, 0, 0, 0 },	0, 0, "" },
		{ { 0, 0, 0, 1 },	0, 1, "" },
		{ { 0, 0x10, 0, 0 },	0, CTLMSG_CHUNK_MAX, "" },
		{ { 0, 0x10, 0, 1 },	-EMSGSIZE, 0, "ctl: chunk of 1048577 bytes, limit 1048576" },
		{ { 0xff, 0xff, 0xff, 0xff }, -EMSGSIZE, 0,
		  "ctl: chunk of 4294967295 bytes, limit 1048576" },
		{ { '{', '"', 'v', '"' }, -EPROTO, 0, "ctl: a JSON line where a chunk header "
		  "was due (the peer speaks another protocol version)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ktp_err err = {0};
		uint32_t len = 99;

		assert_int_equal(ctlmsg_chunk_parse(rows[i].hdr, &len, &err), rows[i].code);
		assert_int_equal(len, rows[i].code == 0 ? rows[i].len : 99);
		assert_string_equal(err.msg, rows[i].msg);
	}
}

/* A client of version 1 checks "v" of the reply before its text: the
 * refusal carries the client's own "v" so that it prints the text. */
static void
test_ctlmsg_version_reply_echoes_the_peers_version(void **state)
{
	const char *req = "{\"v\":1,\"cmd\":\"import\"}";
	struct ktp_err err = {0};
	char *line = NULL;
	size_t len;
	json_t *rep;

	(void)state;
	rep = ctlmsg_version_reply(req, strlen(req), "ctl: protocol version 1, this daemon speaks 2");
	assert_int_equal(ctlmsg_dump(rep, &line, &len, &err), 0);
	assert_string_equal(line, "{\"v\":1,\"status\":4,"
			    "\"error\":\"ctl: protocol version 1, this daemon speaks 2\"}\n");
	free(line);
	json_decref(rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctlmsg_request_round_trips_through_dump),
		cmocka_unit_test(test_ctlmsg_dump_escapes_newlines_in_strings),
		cmocka_unit_test(test_ctlmsg_version_mismatch_gets_status_version),
		cmocka_unit_test(test_ctlmsg_version_is_checked_before_cmd),
		cmocka_unit_test(test_ctlmsg_bad_requests_are_bad_request),
		cmocka_unit_test(test_ctlmsg_duplicate_key_is_rejected),
		cmocka_unit_test(test_ctlmsg_oversize_request_is_refused_before_parsing),
		cmocka_unit_test(test_ctlmsg_reply_parses_status_and_error),
		cmocka_unit_test(test_ctlmsg_reply_of_another_version_is_refused),
		cmocka_unit_test(test_ctlmsg_reply_defaults_error_to_empty),
		cmocka_unit_test(test_ctlmsg_chunk_header_is_big_endian),
		cmocka_unit_test(test_ctlmsg_chunk_parse_takes_lengths_up_to_the_limit),
		cmocka_unit_test(test_ctlmsg_version_reply_echoes_the_peers_version),
	};

	return cmocka_run_group_tests_name("ctlmsg", tests, NULL, NULL);
}
