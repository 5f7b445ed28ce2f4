/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctlmsg.h"
#include "err.h"
#include "proto.h"

json_t *
ctlmsg_request(const char *cmd)
{
	return json_pack("{s:i, s:s}", "v", KTP_CTL_VERSION, "cmd", cmd);
}

/* JSON_REJECT_DUPLICATES: a request naming a key twice is ambiguous, and
 * two readers could disagree about which value counts. */
static int
load_object(const char *what, const char *line, size_t len, size_t max, json_t **ret,
	    struct ktp_err *err)
{
	json_error_t jerr;
	json_t *j;

	if (len > max)
		return ktp_err_set(err, -EMSGSIZE, "ctl: %s: %zu bytes, limit %zu", what, len, max);
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		return ktp_err_set(err, -EINVAL, "ctl: %s: invalid JSON at column %d: %s", what,
				   jerr.column, jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return ktp_err_set(err, -EINVAL, "ctl: %s: not a JSON object", what);
	}
	*ret = j;
	return 0;
}

/* The version is checked before anything else in the request, so a newer
 * ktpctl learns why it was refused even if its other fields changed shape. */
static int
check_request(const json_t *req, enum ctl_status *ret_status, struct ktp_err *err)
{
	const json_t *v = json_object_get(req, "v");
	const json_t *cmd = json_object_get(req, "cmd");

	*ret_status = CTL_STATUS_BAD_REQUEST;
	if (!json_is_integer(v))
		return ktp_err_set(err, -EINVAL, "ctl: request: missing integer \"v\"");
	if (json_integer_value(v) != KTP_CTL_VERSION) {
		*ret_status = CTL_STATUS_VERSION;
		return ktp_err_set(err, -EPROTONOSUPPORT,
				   "ctl: protocol version %" JSON_INTEGER_FORMAT
				   ", this daemon speaks %d", json_integer_value(v), KTP_CTL_VERSION);
	}
	if (!json_is_string(cmd) || json_string_length(cmd) == 0)
		return ktp_err_set(err, -EINVAL, "ctl: request: missing string \"cmd\"");
	return 0;
}

int
ctlmsg_parse_request(const char *line, size_t len, json_t **ret_req,
		     enum ctl_status *ret_status, struct ktp_err *err)
{
	json_t *req = NULL;
	int r;

	*ret_status = CTL_STATUS_BAD_REQUEST;
	if ((r = load_object("request", line, len, KTP_CTL_MAX_LINE, &req, err)) < 0)
		return r;
	if ((r = check_request(req, ret_status, err)) < 0) {
		json_decref(req);
		return r;
	}
	*ret_status = CTL_STATUS_OK;
	*ret_req = req;
	return 0;
}

json_t *
ctlmsg_reply(enum ctl_status status, const char *error)
{
	return json_pack("{s:i, s:i, s:s}", "v", KTP_CTL_VERSION, "status", (int)status,
			 "error", error != NULL ? error : "");
}

json_t *
ctlmsg_version_reply(const char *line, size_t len, const char *error)
{
	json_t *req = json_loadb(line, len, 0, NULL), *rep;
	json_int_t v = json_integer_value(json_object_get(req, "v"));

	json_decref(req);
	rep = ctlmsg_reply(CTL_STATUS_VERSION, error);
	if (rep != NULL && json_object_set_new(rep, "v", json_integer(v)) < 0) {
		json_decref(rep);
		return NULL;
	}
	return rep;
}

int
ctlmsg_parse_reply(const char *line, size_t len, json_t **ret_reply, int *ret_status,
		   struct ktp_err *err)
{
	json_t *reply = NULL, *v, *st;
	int r;

	if ((r = load_object("reply", line, len, CTLMSG_REPLY_MAX, &reply, err)) < 0)
		return r;
	v = json_object_get(reply, "v");
	st = json_object_get(reply, "status");
	if (!json_is_integer(v) || json_integer_value(v) != KTP_CTL_VERSION) {
		r = ktp_err_set(err, -EPROTONOSUPPORT, "ctl: reply: protocol version is not %d",
				KTP_CTL_VERSION);
		goto fail;
	}
	if (!json_is_integer(st) || json_integer_value(st) < 0 ||
	    json_integer_value(st) > 255) {
		r = ktp_err_set(err, -EINVAL, "ctl: reply: missing integer \"status\"");
		goto fail;
	}
	*ret_status = (int)json_integer_value(st);
	*ret_reply = reply;
	return 0;
fail:
	json_decref(reply);
	return r;
}

int
ctlmsg_dump(const json_t *msg, char **ret_line, size_t *ret_len, struct ktp_err *err)
{
	char *s, *line;
	size_t n;

	/* JSON_COMPACT escapes every control character inside strings, so the
	 * only newline in the result is the one added here: the line framing. */
	s = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: cannot encode message");
	n = strlen(s);
	line = realloc(s, n + 2);
	if (line == NULL) {
		free(s);
		return ktp_err_set(err, -ENOMEM, "ctl: cannot encode message");
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*ret_line = line;
	*ret_len = n + 1;
	return 0;
}

void
ctlmsg_chunk_header(uint32_t len, uint8_t out[static 4])
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

uint32_t
ctlmsg_chunk_len(const uint8_t in[static 4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

int
ctlmsg_chunk_parse(const uint8_t in[static 4], uint32_t *ret_len, struct ktp_err *err)
{
	uint32_t len = ctlmsg_chunk_len(in);

	if (in[0] == '{')
		return ktp_err_set(err, -EPROTO, "ctl: a JSON line where a chunk header was due "
				   "(the peer speaks another protocol version)");
	if (len > CTLMSG_CHUNK_MAX)
		return ktp_err_set(err, -EMSGSIZE, "ctl: chunk of %" PRIu32 " bytes, limit %u",
				   len, CTLMSG_CHUNK_MAX);
	*ret_len = len;
	return 0;
}

const char *
ctlmsg_status_name(int status)
{
	static const char *const names[] = {
		[CTL_STATUS_OK] = "ok", [CTL_STATUS_FAILED] = "failed",
		[CTL_STATUS_BAD_REQUEST] = "bad_request", [CTL_STATUS_DENIED] = "denied",
		[CTL_STATUS_VERSION] = "version", [CTL_STATUS_UNKNOWN_CMD] = "unknown_cmd",
		[CTL_STATUS_BUSY] = "busy",
	};

	return status >= 0 && (size_t)status < sizeof(names) / sizeof(names[0]) ? names[status] : "?";
}
