/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctlio.h"
#include "ctlmsg.h"
#include "err.h"

/* The first allocation; a daemon's replies usually fit, and the buffer only
 * grows (up to line_max) for a long report. */
#define CTLIO_INITIAL_CAP	(16u * 1024)

void
ctlio_init(struct ctlio *io, int fd, size_t line_max)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->line_max = line_max;
}

void
ctlio_done(struct ctlio *io)
{
	if (io == NULL)
		return;
	free(io->buf);
	free(io->chunk);
	io->buf = io->chunk = NULL;
	io->cap = io->chunk_cap = io->start = io->end = 0;
}

static int
read_errno(int e, struct ktp_err *err)
{
	/* SO_RCVTIMEO expiry shows as EAGAIN on a blocking socket. */
	if (e == EAGAIN || e == EWOULDBLOCK)
		return ktp_err_set(err, -ETIMEDOUT, "ctl: read: timed out");
	return ktp_err_set(err, -e, "ctl: read: %s", strerror(e));
}

/* Reads what is available into dst; 0 bytes means the peer closed. */
static int
recv_some(int fd, void *dst, size_t cap, size_t *ret_n, struct ktp_err *err)
{
	ssize_t n;

	do
		n = recv(fd, dst, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return read_errno(errno, err);
	*ret_n = (size_t)n;
	return 0;
}

/* Makes room for at least one more byte at buf[end], moving unread bytes
 * to the front first and growing (never past line_max + 1) only when that
 * is not enough. Callers never fill a buffer that already holds a line. */
static int
make_room(struct ctlio *io, struct ktp_err *err)
{
	size_t ncap;
	uint8_t *nb;

	if (io->start > 0) {
		memmove(io->buf, io->buf + io->start, io->end - io->start);
		io->end -= io->start;
		io->start = 0;
	}
	if (io->end < io->cap)
		return 0;
	ncap = io->cap == 0 ? CTLIO_INITIAL_CAP : io->cap * 2;
	if (ncap > io->line_max + 1)
		ncap = io->line_max + 1;
	nb = realloc(io->buf, ncap);
	if (nb == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: read: out of memory");
	io->buf = nb;
	io->cap = ncap;
	return 0;
}

/* Returns 1 when bytes arrived, 0 when the peer closed. */
static int
fill(struct ctlio *io, struct ktp_err *err)
{
	size_t n;
	int r;

	if ((r = make_room(io, err)) < 0)
		return r;
	if ((r = recv_some(io->fd, io->buf + io->end, io->cap - io->end, &n, err)) < 0)
		return r;
	io->end += n;
	return n > 0;
}

int
ctlio_read_line(struct ctlio *io, char **ret_line, size_t *ret_len, struct ktp_err *err)
{
	uint8_t *nl;
	size_t have;
	int r;

	for (;;) {
		have = io->end - io->start;
		nl = have > 0 ? memchr(io->buf + io->start, '\n', have) : NULL;
		if (nl != NULL)
			break;
		if (have > io->line_max)
			return ktp_err_set(err, -EMSGSIZE, "ctl: line longer than %zu bytes",
					   io->line_max);
		if ((r = fill(io, err)) < 0)
			return r;
		if (r == 0 && have == 0)
			return ktp_err_set(err, -ENODATA, "ctl: connection closed");
		if (r == 0)
			return ktp_err_set(err, -EPIPE, "ctl: connection closed inside a line");
	}
	if ((size_t)(nl - (io->buf + io->start)) > io->line_max)
		return ktp_err_set(err, -EMSGSIZE, "ctl: line longer than %zu bytes",
				   io->line_max);
	*nl = '\0';
	*ret_line = (char *)io->buf + io->start;
	*ret_len = (size_t)(nl - (io->buf + io->start));
	io->start += *ret_len + 1;
	return 0;
}

/* Copies n bytes into dst, from the buffer first and then from the fd. */
static int
read_exact(struct ctlio *io, uint8_t *dst, size_t n, struct ktp_err *err)
{
	size_t take = io->end - io->start, got;
	int r;

	if (take > n)
		take = n;
	if (take > 0)
		memcpy(dst, io->buf + io->start, take);
	io->start += take;
	while (take < n) {
		if ((r = recv_some(io->fd, dst + take, n - take, &got, err)) < 0)
			return r;
		if (got == 0)
			return ktp_err_set(err, -EPIPE, "ctl: stream cut short");
		take += got;
	}
	return 0;
}

static int
chunk_buffer(struct ctlio *io, size_t len, struct ktp_err *err)
{
	uint8_t *nb;

	if (len <= io->chunk_cap)
		return 0;
	nb = realloc(io->chunk, len);
	if (nb == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: read: out of memory");
	io->chunk = nb;
	io->chunk_cap = len;
	return 0;
}

int
ctlio_read_chunk(struct ctlio *io, const uint8_t **ret_data, size_t *ret_len,
		 struct ktp_err *err)
{
	const size_t hdr = 4;
	uint32_t len;
	int r;

	/* Buffered, so a stream of small chunks costs one recv per buffer. */
	while (io->end - io->start < hdr) {
		if ((r = fill(io, err)) < 0)
			return r;
		if (r == 0)
			return ktp_err_set(err, -EPIPE, "ctl: stream cut short");
	}
	/* Checked in place: a JSON line where a header is due stays unread,
	 * for the caller to read as the reply of another protocol version. */
	if ((r = ctlmsg_chunk_parse(io->buf + io->start, &len, err)) < 0)
		return r;
	io->start += hdr;
	/* A chunk already in the read buffer is handed out in place. */
	if (io->end - io->start >= len) {
		*ret_data = io->buf + io->start;
		io->start += len;
		*ret_len = len;
		return 0;
	}
	if ((r = chunk_buffer(io, len, err)) < 0 || (r = read_exact(io, io->chunk, len, err)) < 0)
		return r;
	*ret_data = io->chunk;
	*ret_len = len;
	return 0;
}

int
ctlio_write(struct ctlio *io, const void *data, size_t len, struct ktp_err *err)
{
	const uint8_t *p = data;
	ssize_t n;

	while (len > 0) {
		n = send(io->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ktp_err_set(err, -ETIMEDOUT, "ctl: write: timed out");
		if (n < 0)
			return ktp_err_set(err, -errno, "ctl: write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The line and the end chunk, or the end chunk and the line, in one write. */
static int
write_framed(struct ctlio *io, const json_t *msg, bool end_first, struct ktp_err *err)
{
	char *line = NULL, *buf;
	size_t len;
	int r;

	if ((r = ctlmsg_dump(msg, &line, &len, err)) < 0)
		return r;
	buf = realloc(line, len + 4);
	if (buf == NULL) {
		free(line);
		return ktp_err_set(err, -ENOMEM, "ctl: cannot encode message");
	}
	if (end_first) {
		memmove(buf + 4, buf, len);
		memset(buf, 0, 4);
	} else {
		memset(buf + len, 0, 4);
	}
	r = ctlio_write(io, buf, len + 4, err);
	free(buf);
	return r;
}

int
ctlio_write_request(struct ctlio *io, const json_t *req, struct ktp_err *err)
{
	return write_framed(io, req, false, err);
}

int
ctlio_write_reply(struct ctlio *io, const json_t *reply, bool stream_ended, struct ktp_err *err)
{
	if (stream_ended)
		return ctlio_write_msg(io, reply, err);
	return write_framed(io, reply, true, err);
}

int
ctlio_skip_stream(struct ctlio *io, uint64_t *ret_bytes, struct ktp_err *err)
{
	const uint8_t *data;
	uint64_t n = 0;
	size_t len;
	int r;

	do {
		if ((r = ctlio_read_chunk(io, &data, &len, err)) < 0)
			return r;
		n += len;
	} while (len > 0);
	if (ret_bytes != NULL)
		*ret_bytes = n;
	return 0;
}

int
ctlio_write_msg(struct ctlio *io, const json_t *msg, struct ktp_err *err)
{
	char *line = NULL;
	size_t len;
	int r;

	if ((r = ctlmsg_dump(msg, &line, &len, err)) < 0)
		return r;
	r = ctlio_write(io, line, len, err);
	free(line);
	return r;
}

int
ctlio_write_chunk(struct ctlio *io, const void *data, size_t len, struct ktp_err *err)
{
	const uint8_t *p = data;
	uint8_t hdr[4];
	size_t n;
	int r;

	while (len > 0) {
		n = len < CTLMSG_CHUNK_MAX ? len : CTLMSG_CHUNK_MAX;
		ctlmsg_chunk_header((uint32_t)n, hdr);
		if ((r = ctlio_write(io, hdr, sizeof(hdr), err)) < 0 ||
		    (r = ctlio_write(io, p, n, err)) < 0)
			return r;
		p += n;
		len -= n;
	}
	return 0;
}

int
ctlio_write_end(struct ctlio *io, struct ktp_err *err)
{
	static const uint8_t end[4];

	return ctlio_write(io, end, sizeof(end), err);
}
