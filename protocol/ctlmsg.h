/* SPDX-License-Identifier: ISC */
/* ctlmsg — control-socket messages, shared by the daemons and ktpctl (jansson).
 * A request is one JSON object on one line with "v" and "cmd"; a reply is one line with
 * "v", "status" and "error". A payload stream of chunks (4-byte BE length, 0 ends) may follow either. */
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

#define CTLMSG_CHUNK_MAX (1u << 20)	/* largest payload chunk */
/* A request line is capped at KTP_CTL_MAX_LINE (proto.h); replies carry
 * reports and node lists, so ktpctl accepts longer lines from a daemon. */
#define CTLMSG_REPLY_MAX (16u << 20)

/* New request {"v":1,"cmd":cmd}; the caller adds arguments and json_decref()s it. */
json_t	*ctlmsg_request(const char *cmd);
/* Parses one request line (without the newline). Checks JSON, object, "v",
 * "cmd". On success *ret_req is a new reference. On failure *ret_status says
 * which reply to send and err has the text ("ctl: protocol version 2, this daemon speaks 1"). */
int	ctlmsg_parse_request(const char *line, size_t len, json_t **ret_req,
			     enum ctl_status *ret_status, struct ktp_err *err);
/* New reply {"v":1,"status":status,"error":text-or-""}; data fields are added by the caller. */
json_t	*ctlmsg_reply(enum ctl_status status, const char *error);
/* Parses a reply line; *ret_reply is a new reference, *ret_status its status. */
int	ctlmsg_parse_reply(const char *line, size_t len, json_t **ret_reply, int *ret_status,
			   struct ktp_err *err);
/* Compact one-line JSON with a trailing "\n"; caller free()s *ret_line. */
int	ctlmsg_dump(const json_t *msg, char **ret_line, size_t *ret_len, struct ktp_err *err);

void	ctlmsg_chunk_header(uint32_t len, uint8_t out[static 4]);
uint32_t ctlmsg_chunk_len(const uint8_t in[static 4]);

#endif
