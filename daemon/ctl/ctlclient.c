/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlclient.h"
#include "ctlio.h"
#include "ctlmsg.h"
#include "err.h"
#include "proto.h"

/* A command name longer than this is cut in messages, as the daemon does. */
#define CMD_NAME_MAX	64

struct ctlclient {
	int		fd;
	struct ctlio	io;
	char		*last_line;	/* the last reply exactly as received, for --json */
	size_t		last_len;
	char		cmd[CMD_NAME_MAX + 1];	/* of the last request, for messages */
	bool		reply_stream_done;	/* the reply's end chunk was read */
	ctlclient_progress_fn *progress;	/* after each chunk ctlclient_send_fd sent */
	void		*progress_arg;
};

/* The node's socket is tried first: a regency server runs ktpsyncd, and a
 * hub machine only has ktphubd's socket. When neither exists the error
 * names the node's path, the common case. */
static const char *
pick_socket(const struct ctl_opts *o)
{
	struct stat st;

	if (o->socket != NULL)
		return o->socket;
	if (stat(CTL_DEFAULT_NODE_SOCKET, &st) == 0)
		return CTL_DEFAULT_NODE_SOCKET;
	if (stat(CTL_DEFAULT_HUB_SOCKET, &st) == 0)
		return CTL_DEFAULT_HUB_SOCKET;
	return CTL_DEFAULT_NODE_SOCKET;
}

static const char *
daemon_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	return strncmp(base, "ktphubd", 7) == 0 ? "ktphubd" : "ktpsyncd";
}

static int
connect_path(const char *path, int *ret_fd, struct ktp_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ktp_err_set(err, -ENAMETOOLONG, "cannot connect to %s: %s", path,
				   strerror(ENAMETOOLONG));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ktp_err_set(err, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		close(fd);
		return ktp_err_set(err, r, "cannot connect to %s: %s (is %s running?)", path,
				   strerror(-r), daemon_name(path));
	}
	*ret_fd = fd;
	return 0;
}

int
ctlclient_connect(const struct ctl_opts *o, struct ctlclient **ret, struct ktp_err *err)
{
	struct ctlclient *c;
	int fd = -1, r;

	if ((r = connect_path(pick_socket(o), &fd, err)) < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return ktp_err_set(err, -ENOMEM, "out of memory");
	}
	c->fd = fd;
	ctlio_init(&c->io, fd, CTLMSG_REPLY_MAX);
	*ret = c;
	return 0;
}

void
ctlclient_close(struct ctlclient *c)
{
	if (c == NULL)
		return;
	ctlio_done(&c->io);
	close(c->fd);
	free(c->last_line);
	free(c);
}

static void
begin_request(struct ctlclient *c, const json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	snprintf(c->cmd, sizeof(c->cmd), "%s", cmd != NULL ? cmd : "");
	c->reply_stream_done = false;
}

int
ctlclient_request(struct ctlclient *c, const json_t *req, struct ktp_err *err)
{
	begin_request(c, req);
	return ctlio_write_request(&c->io, req, err);
}

int
ctlclient_request_stream(struct ctlclient *c, const json_t *req, struct ktp_err *err)
{
	begin_request(c, req);
	return ctlio_write_msg(&c->io, req, err);
}

static int
keep_line(struct ctlclient *c, const char *line, size_t len, struct ktp_err *err)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return ktp_err_set(err, -ENOMEM, "out of memory");
	memcpy(copy, line, len + 1);
	free(c->last_line);
	c->last_line = copy;
	c->last_len = len;
	return 0;
}

/* A JSON line where the reply's stream was due: a daemon of another protocol
 * version refused the request with a bare line (its first, version 1, sends
 * no stream before a reply). */
static int
other_version(struct ctlclient *c, struct ktp_err *err)
{
	json_int_t v = 0;
	size_t len;
	char *line;
	json_t *j;

	if (ctlio_read_line(&c->io, &line, &len, err) == 0 && keep_line(c, line, len, err) == 0) {
		j = json_loadb(line, len, 0, NULL);
		v = json_integer_value(json_object_get(j, "v"));
		json_decref(j);
	}
	if (v <= 0)
		return ktp_err_set(err, -EPROTONOSUPPORT, "ctl: the daemon speaks another "
				   "control protocol version, this ktpctl speaks %d",
				   KTP_CTL_VERSION);
	return ktp_err_set(err, -EPROTONOSUPPORT, "ctl: the daemon speaks control protocol "
			   "version %" JSON_INTEGER_FORMAT ", this ktpctl speaks %d", v,
			   KTP_CTL_VERSION);
}

/* The reply's payload stream, when the caller did not read it: for a
 * command without one, just the end chunk. */
static int
skip_reply_stream(struct ctlclient *c, struct ktp_err *err)
{
	int r;

	if (c->reply_stream_done)
		return 0;
	r = ctlio_skip_stream(&c->io, NULL, err);
	if (r == -EPROTO)
		return other_version(c, err);
	if (r == 0)
		c->reply_stream_done = true;
	return r;
}

int
ctlclient_read_reply(struct ctlclient *c, json_t **ret_reply, int *ret_status,
		     struct ktp_err *err)
{
	size_t len;
	char *line;
	int r;

	/* A daemon that closes with our request unread resets the connection.
	 * A stream cut short here is one the caller did not expect data in. */
	r = skip_reply_stream(c, err);
	if (r == 0)
		r = ctlio_read_line(&c->io, &line, &len, err);
	else if (r == -EPIPE)
		r = -ENODATA;
	if (r == -ENODATA || r == -ECONNRESET)
		return ktp_err_set(err, -EPIPE, "ctl: the daemon closed the connection "
				   "without a reply");
	if (r < 0)
		return r;
	if ((r = keep_line(c, line, len, err)) < 0)
		return r;
	return ctlmsg_parse_reply(line, len, ret_reply, ret_status, err);
}

int
ctlclient_call(struct ctlclient *c, const json_t *req, json_t **ret_reply, int *ret_status,
	       struct ktp_err *err)
{
	int r;

	/* A daemon that refuses (busy, denied) may answer and close before it
	 * reads the request, so its reply is read even when the write failed. */
	r = ctlclient_request(c, req, err);
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		return r;
	return ctlclient_read_reply(c, ret_reply, ret_status, err);
}

int
ctlclient_write_chunk(struct ctlclient *c, const void *data, size_t len, struct ktp_err *err)
{
	return ctlio_write_chunk(&c->io, data, len, err);
}

int
ctlclient_end_stream(struct ctlclient *c, struct ktp_err *err)
{
	return ctlio_write_end(&c->io, err);
}

int
ctlclient_send_fd(struct ctlclient *c, int fd, struct ktp_err *err)
{
	uint8_t *buf;
	ssize_t n;
	int r = 0;

	buf = malloc(CTLMSG_CHUNK_MAX);
	if (buf == NULL)
		return ktp_err_set(err, -ENOMEM, "out of memory");
	for (;;) {
		n = read(fd, buf, CTLMSG_CHUNK_MAX);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ktp_err_set(err, -errno, "read: %s", strerror(errno));
			/* The daemon then sees the stream cut short at once and
			 * answers, instead of waiting out its read timeout. */
			shutdown(c->fd, SHUT_WR);
			break;
		}
		if (n == 0) {
			r = ctlio_write_end(&c->io, err);
			break;
		}
		if ((r = ctlio_write_chunk(&c->io, buf, (size_t)n, err)) < 0)
			break;
		if (c->progress != NULL)
			c->progress(c->progress_arg, buf, (size_t)n);
	}
	free(buf);
	return r;
}

void
ctlclient_set_progress(struct ctlclient *c, ctlclient_progress_fn *fn, void *arg)
{
	c->progress = fn;
	c->progress_arg = arg;
}

int
ctlclient_call_with_fd(struct ctlclient *c, const json_t *req, int fd, json_t **ret_reply,
		       int *ret_status, struct ktp_err *err)
{
	struct ktp_err werr = {0};
	int r;

	if ((r = ctlclient_request_stream(c, req, err)) < 0)
		return r;
	ctlclient_send_fd(c, fd, &werr);
	/* The reply is read even when sending failed: a daemon that refused
	 * the stream early closed its side (EPIPE here) and says why. */
	if ((r = ctlclient_read_reply(c, ret_reply, ret_status, err)) < 0 && werr.code != 0)
		*err = werr;
	return r;
}

int
ctlclient_read_chunk(struct ctlclient *c, const uint8_t **ret_data, size_t *ret_len,
		     struct ktp_err *err)
{
	int r;

	if (c->reply_stream_done) {
		*ret_data = NULL;
		*ret_len = 0;
		return 0;
	}
	r = ctlio_read_chunk(&c->io, ret_data, ret_len, err);
	if (r == -EPROTO)
		return other_version(c, err);
	if (r == 0 && *ret_len == 0)
		c->reply_stream_done = true;
	return r;
}

const char *
ctlclient_last_reply(const struct ctlclient *c)
{
	return c->last_line != NULL ? c->last_line : "";
}

static int
call_once(const struct ctl_opts *o, json_t *req, struct ctlclient **ret_c, json_t **ret_reply,
	  int *ret_status, struct ktp_err *err)
{
	struct ctlclient *c = NULL;
	int r;

	if ((r = ctlclient_connect(o, &c, err)) < 0)
		return r;
	if ((r = ctlclient_call(c, req, ret_reply, ret_status, err)) < 0) {
		ctlclient_close(c);
		return r;
	}
	*ret_c = c;
	return 0;
}

int
ctlclient_simple(const struct ctl_opts *o, const char *cmd, json_t *args, json_t **ret_reply)
{
	struct ctlclient *c = NULL;
	struct ktp_err err = {0};
	json_t *req, *reply = NULL;
	int status = 0, r;

	if (ret_reply != NULL)
		*ret_reply = NULL;
	req = ctlmsg_request(cmd);
	if (req == NULL || (args != NULL && json_object_update_missing(req, args) < 0)) {
		json_decref(args);
		json_decref(req);
		return ctlclient_out_of_memory();
	}
	json_decref(args);
	r = call_once(o, req, &c, &reply, &status, &err);
	json_decref(req);
	if (r < 0) {
		fprintf(stderr, "ktpctl: %s\n", err.msg);
		return 1;
	}
	r = ctlclient_print_reply(o, c, reply, status);
	ctlclient_close(c);
	if (r == 0 && ret_reply != NULL && !o->json)
		*ret_reply = reply;
	else
		json_decref(reply);
	return r;
}

/* The "daemon" of a status reply on a new connection, or "" when that fails
 * or names no daemon we know. */
static void
ask_daemon_name(const struct ctl_opts *o, char *buf, size_t cap)
{
	struct ctlclient *c = NULL;
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("status"), *reply = NULL;
	const char *name;
	int status = -1;

	buf[0] = '\0';
	if (req != NULL && call_once(o, req, &c, &reply, &status, &err) == 0 &&
	    status == CTL_STATUS_OK) {
		name = json_string_value(json_object_get(reply, "daemon"));
		if (name != NULL && (strcmp(name, "ktphubd") == 0 || strcmp(name, "ktpsyncd") == 0))
			snprintf(buf, cap, "%s", name);
	}
	json_decref(reply);
	json_decref(req);
	ctlclient_close(c);
}

/* The daemon's own text ("ctl: unknown command 'sync'") does not say which
 * daemon answered, and the usual cause is a command of the other daemon sent
 * to this one's socket. Every command ktpctl sends belongs to one of the two
 * daemons, so the other one is named. */
static void
print_unknown(const struct ctl_opts *o, const struct ctlclient *c)
{
	char name[16];

	ask_daemon_name(o, name, sizeof(name));
	if (name[0] != '\0')
		fprintf(stderr, "ktpctl: %s does not know '%s' (it is a %s command)\n", name,
			c->cmd, strcmp(name, "ktphubd") == 0 ? "ktpsyncd" : "ktphubd");
	else
		fprintf(stderr, "ktpctl: the daemon on %s does not know '%s'\n", pick_socket(o),
			c->cmd);
}

int
ctlclient_print_reply(const struct ctl_opts *o, const struct ctlclient *c, const json_t *reply,
		      int status)
{
	const char *text = json_string_value(json_object_get(reply, "error"));

	if (o->json)
		printf("%s\n", ctlclient_last_reply(c));
	else if (status == CTL_STATUS_UNKNOWN_CMD && c->cmd[0] != '\0')
		print_unknown(o, c);
	else if (status != CTL_STATUS_OK)
		fprintf(stderr, "ktpctl: %s\n", text != NULL && text[0] != '\0' ? text :
			"the daemon refused the request");
	return status == CTL_STATUS_OK ? 0 : 1;
}

int64_t
ctlclient_int(const json_t *obj, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(obj, key));
}

const char *
ctlclient_str(const json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : def;
}

int
ctlclient_out_of_memory(void)
{
	fprintf(stderr, "ktpctl: out of memory\n");
	return 1;
}
