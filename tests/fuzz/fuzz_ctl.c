/* SPDX-License-Identifier: ISC */
/* fuzz_ctl — libFuzzer target for the control socket's framing and messages.
 * The input is what a peer writes on the socket, read back through ctlio as ctlsock
 * reads requests (a line, then its payload stream) or ktpctl reads replies (a payload
 * stream, then a line; a bare line from a peer of another version). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctlio.h"
#include "ctlmsg.h"
#include "err.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough for any input the fuzzer makes (-max_len stays below), so the
 * whole input fits in the socket buffer and one thread suffices. */
#define INPUT_MAX	(64u * 1024)

/* The reply a daemon sends for a refused request must encode: an error
 * text that json_pack or json_dumps refuse would leave the peer unanswered. */
static void
check_error_reply(enum ctl_status st, const char *msg)
{
	struct ktp_err err = {0};
	char *line = NULL;
	size_t len;
	json_t *rep;

	if ((rep = ctlmsg_reply(st, msg)) == NULL)
		abort();
	if (ctlmsg_dump(rep, &line, &len, &err) < 0)
		abort();
	if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1) != NULL)
		abort();
	free(line);
	json_decref(rep);
}

/* A parsed request dumps to one line that parses back to the same request. */
static void
roundtrip(const json_t *req)
{
	struct ktp_err err = {0};
	enum ctl_status st;
	char *line = NULL;
	json_t *again = NULL;
	size_t len;

	if (ctlmsg_dump(req, &line, &len, &err) < 0)
		abort();
	if (memchr(line, '\n', len - 1) != NULL)
		abort();
	if (len - 1 <= KTP_CTL_MAX_LINE) {
		if (ctlmsg_parse_request(line, len - 1, &again, &st, &err) < 0)
			abort();
		if (!json_equal(req, again))
			abort();
		json_decref(again);
	}
	free(line);
}

static void
take_line(const char *line, size_t len)
{
	struct ktp_err err = {0};
	enum ctl_status st;
	json_t *msg = NULL;
	int status;

	if (ctlmsg_parse_request(line, len, &msg, &st, &err) == 0) {
		if (st != CTL_STATUS_OK)
			abort();
		roundtrip(msg);
		json_decref(msg);
	} else {
		if (st == CTL_STATUS_OK || err.msg[0] == '\0')
			abort();
		check_error_reply(st, err.msg);
	}
	memset(&err, 0, sizeof(err));
	if (ctlmsg_parse_reply(line, len, &msg, &status, &err) == 0) {
		if (status < 0 || status > 255)
			abort();
		json_decref(msg);
	}
}

/* Reads chunks until the end chunk or an error; every chunk is bounded. */
static int
take_stream(struct ctlio *io)
{
	struct ktp_err err = {0};
	const uint8_t *p;
	size_t len;
	int r;

	for (;;) {
		if ((r = ctlio_read_chunk(io, &p, &len, &err)) < 0) {
			if (err.msg[0] == '\0')
				abort();
			return r;
		}
		if (len > CTLMSG_CHUNK_MAX)
			abort();
		if (len == 0)
			return 0;
		/* Touch every byte, so ASan sees a chunk handed out past its end. */
		if (p[0] == 0 && p[len - 1] == 0xff)
			err.code = 1;
	}
}

/* A header is taken only with its first byte 0 (lengths up to 1 MiB), and
 * '{' there is told apart as a line of another version. */
static void
check_header(const uint8_t *data, size_t size)
{
	struct ktp_err err = {0};
	uint32_t len = 0;
	int r;

	if (size < 4)
		return;
	r = ctlmsg_chunk_parse(data, &len, &err);
	if (r == 0 && (data[0] != 0 || len > CTLMSG_CHUNK_MAX || len != ctlmsg_chunk_len(data)))
		abort();
	if (r == -EPROTO && data[0] != '{')
		abort();
	if (r < 0 && err.msg[0] == '\0')
		abort();
}

/* One message as ctlsock reads a request: the line, then its payload stream.
 * Returns false when the connection would end. */
static bool
take_request(struct ctlio *io, struct ktp_err *err)
{
	size_t len;
	char *line;

	if (ctlio_read_line(io, &line, &len, err) < 0)
		return false;
	if (len > io->line_max || line[len] != '\0')
		abort();
	take_line(line, len);
	return take_stream(io) == 0;
}

/* One message as ktpctl reads a reply: its payload stream, then the line; a
 * JSON line where the stream was due is read as the line (another version). */
static bool
take_reply(struct ctlio *io, struct ktp_err *err)
{
	size_t len;
	char *line;
	int r;

	r = take_stream(io);
	if (r < 0 && r != -EPROTO)
		return false;
	if (r == -EPROTO && (io->end - io->start == 0 || io->buf[io->start] != '{'))
		abort();
	if (ctlio_read_line(io, &line, &len, err) < 0)
		return false;
	if (len > io->line_max || line[len] != '\0')
		abort();
	take_line(line, len);
	return true;
}

/* data[0]: bit 0..1 pick line_max (tiny, small, the daemon's, the client's),
 * bit 2: read as ktpctl reads replies, else as the daemon reads requests.
 * The rest is the peer's bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t line_max[] = { 8, 200, KTP_CTL_MAX_LINE, CTLMSG_REPLY_MAX };
	struct ktp_err err = {0};
	struct ctlio io;
	size_t n, sent = 0;
	ssize_t w;
	int fd[2], i;
	bool more;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	check_header(data + 1, size - 1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) < 0)
		abort();
	n = 1 << 20;
	setsockopt(fd[1], SOL_SOCKET, SO_SNDBUF, &n, sizeof(n));
	while (sent < size - 1) {
		w = write(fd[1], data + 1 + sent, size - 1 - sent);
		if (w <= 0)
			abort();
		sent += (size_t)w;
	}
	shutdown(fd[1], SHUT_WR);
	ctlio_init(&io, fd[0], line_max[data[0] & 3]);
	for (i = 0, more = true; i < 1000 && more; i++)
		more = (data[0] & 4) ? take_reply(&io, &err) : take_request(&io, &err);
	if (err.code != 0 && err.msg[0] == '\0')
		abort();
	ctlio_done(&io);
	close(fd[0]);
	close(fd[1]);
	return 0;
}
