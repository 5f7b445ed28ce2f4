/* SPDX-License-Identifier: ISC */
/* ctlmsg — control-socket messages, shared by the daemons and ktpctl (jansson).
 * A request is one JSON line ("v", "cmd") then its payload stream; a reply is its payload
 * stream then one JSON line ("v", "status", "error"). A stream is chunks (4-byte BE length), 0 ends it. */
#ifndef KTP_CTLMSG_H
#define KTP_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ktp_err;

/* Stable reply status numbers (scripts may test them). */
enum ctl_status {
	CTL_STATUS_OK = 0,
	CTL_STATUS_FAILED = 1,		/* the daemon tried and said no; "error" says why */
	CTL_STATUS_BAD_REQUEST = 2,	/* malformed request or arguments */
	CTL_STATUS_DENIED = 3,		/* peer credentials do not allow a read-write command */
	CTL_STATUS_VERSION = 4,		/* "v" is not KTP_CTL_VERSION */
	CTL_STATUS_UNKNOWN_CMD = 5,
	CTL_STATUS_BUSY = 6,		/* connection cap reached, try again */
};

/* "ok", "failed", "bad_request", "denied", "version", "unknown_cmd", "busy";
 * "?" for a number not in the list. */
const char *ctlmsg_status_name(int status);

#define CTLMSG_CHUNK_MAX (1u << 20)	/* largest payload chunk */
/* A request line is capped at KTP_CTL_MAX_LINE (proto.h); replies carry
 * reports and node lists, so ktpctl accepts longer lines from a daemon. */
#define CTLMSG_REPLY_MAX (16u << 20)

/* New request {"v":2,"cmd":cmd}; the caller adds arguments and json_decref()s it. */
json_t	*ctlmsg_request(const char *cmd);
/* Parses one request line (without the newline). Checks JSON, object, "v",
 * "cmd". On success *ret_req is a new reference. On failure *ret_status says
 * which reply to send and err has the text ("ctl: protocol version 1, this daemon speaks 2"). */
int	ctlmsg_parse_request(const char *line, size_t len, json_t **ret_req,
			     enum ctl_status *ret_status, struct ktp_err *err);
/* New reply {"v":2,"status":status,"error":text-or-""}; data fields are added by the caller. */
json_t	*ctlmsg_reply(enum ctl_status status, const char *error);
/* The refusal of a request line of another version: status VERSION, and "v"
 * is the request's own, so that a client of that version accepts the reply
 * and prints the text. New reference; NULL when out of memory. */
json_t	*ctlmsg_version_reply(const char *line, size_t len, const char *error);
/* Parses a reply line; *ret_reply is a new reference, *ret_status its status. */
int	ctlmsg_parse_reply(const char *line, size_t len, json_t **ret_reply, int *ret_status,
			   struct ktp_err *err);
/* Compact one-line JSON with a trailing "\n"; caller free()s *ret_line. */
int	ctlmsg_dump(const json_t *msg, char **ret_line, size_t *ret_len, struct ktp_err *err);

void	ctlmsg_chunk_header(uint32_t len, uint8_t out[static 4]);
uint32_t ctlmsg_chunk_len(const uint8_t in[static 4]);
/* Checks a chunk header: *ret_len is its length (0 = the end of the stream).
 * -EMSGSIZE over CTLMSG_CHUNK_MAX ("ctl: chunk of N bytes, limit 1048576");
 * -EPROTO when it is the start of a JSON line, which only a peer of another
 * protocol version sends where a header is due (a valid header starts with 0). */
int	ctlmsg_chunk_parse(const uint8_t in[static 4], uint32_t *ret_len, struct ktp_err *err);

#endif
