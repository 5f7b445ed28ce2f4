/* SPDX-License-Identifier: ISC */
/* ctlio — buffered reads and full writes of control-socket frames on one stream fd.
 * Lines and payload chunks share one read buffer, because a client may send a
 * request line and its chunks in one write. Used by ctlsock (daemons) and ctlclient (ktpctl).
 * Knows the frames (line, chunk, end chunk), not which message carries which payload. */
#ifndef KTP_CTLIO_H
#define KTP_CTLIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ktp_err;

struct ctlio {
	int		fd;		/* borrowed; ctlio never closes it */
	uint8_t		*buf;		/* read buffer, grows up to line_max + 1 */
	size_t		cap;
	size_t		start;		/* unread bytes are buf[start..end) */
	size_t		end;
	size_t		line_max;	/* longest line accepted, newline not counted */
	uint8_t		*chunk;		/* holds a chunk that did not fit in buf */
	size_t		chunk_cap;
};

void	ctlio_init(struct ctlio *io, int fd, size_t line_max);
void	ctlio_done(struct ctlio *io);		/* frees the buffers, not the fd */

/* Next line without its "\n", NUL-terminated, valid until the next read.
 * -ENODATA: the peer closed between lines; -EMSGSIZE: longer than line_max;
 * -ETIMEDOUT: SO_RCVTIMEO expired; -EPIPE: closed inside a line. */
int	ctlio_read_line(struct ctlio *io, char **ret_line, size_t *ret_len, struct ktp_err *err);
/* Next chunk, valid until the next read; *ret_len == 0 is the end chunk.
 * -EPIPE: closed inside the stream; -EMSGSIZE: a declared length over
 * CTLMSG_CHUNK_MAX; -EPROTO: a JSON line where the header was due, left
 * unread for ctlio_read_line (a peer of another protocol version). */
int	ctlio_read_chunk(struct ctlio *io, const uint8_t **ret_data, size_t *ret_len,
			 struct ktp_err *err);
/* Reads chunks up to and with the end chunk, discarding them; *ret_bytes
 * (may be NULL) is how many payload bytes there were. */
int	ctlio_skip_stream(struct ctlio *io, uint64_t *ret_bytes, struct ktp_err *err);

/* Full writes with MSG_NOSIGNAL: a peer that hung up is -EPIPE, never SIGPIPE. */
int	ctlio_write(struct ctlio *io, const void *data, size_t len, struct ktp_err *err);
int	ctlio_write_msg(struct ctlio *io, const json_t *msg, struct ktp_err *err);
/* A request without payload: its line, then the end chunk (one write). */
int	ctlio_write_request(struct ctlio *io, const json_t *req, struct ktp_err *err);
/* A reply: the end chunk unless stream_ended (its payload was sent and
 * ended), then its line (one write). */
int	ctlio_write_reply(struct ctlio *io, const json_t *reply, bool stream_ended,
			  struct ktp_err *err);
/* Splits data into chunks of at most CTLMSG_CHUNK_MAX; len 0 writes nothing,
 * so an empty buffer can never end a stream by accident. */
int	ctlio_write_chunk(struct ctlio *io, const void *data, size_t len, struct ktp_err *err);
int	ctlio_write_end(struct ctlio *io, struct ktp_err *err);	/* the 0 chunk */

#endif
