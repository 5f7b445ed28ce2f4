/* SPDX-License-Identifier: ISC */
/* ctlsock and ctlclient end to end over a real Unix socket in a temporary
 * directory. Credential cases fork children that drop to other uids, so
 * this binary must run as root (make check does). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "ctlclient.h"
#include "ctlio.h"
#include "ctlmsg.h"
#include "ctlsock.h"
#include "err.h"
#include "proto.h"

#define NOBODY		65534
#define NOGROUP		65534
#define DAEMON_UID	1		/* a third uid: neither root nor the server's */

static atomic_int peer_gone_seen;
static atomic_int handler_calls;	/* calls of h_sync and h_upload */

/* --- handlers --- */

static int
h_status(struct ctlconn *c, json_t *req, void *ctx)
{
	json_t *reply = ctlmsg_reply(CTL_STATUS_OK, NULL);

	(void)req;
	/* ctx, when given, names the daemon, as ktphubd and ktpsyncd do. */
	if (ctx != NULL)
		json_object_set_new(reply, "daemon", json_string(ctx));
	json_object_set_new(reply, "state", json_string("idle"));
	json_object_set_new(reply, "uid", json_integer(ctlconn_uid(c)));
	json_object_set_new(reply, "pid", json_integer(ctlconn_pid(c)));
	return ctlconn_reply(c, reply);
}

static int
h_sync(struct ctlconn *c, json_t *req, void *ctx)
{
	(void)req;
	(void)ctx;
	atomic_fetch_add(&handler_calls, 1);
	return ctlconn_reply(c, ctlmsg_reply(CTL_STATUS_OK, NULL));
}

/* FNV-1a, so the test checks every byte's value and place, not only a count. */
static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

static int
h_upload(struct ctlconn *c, json_t *req, void *ctx)
{
	uint64_t h = 0xcbf29ce484222325ull, total = 0, chunks = 0;
	struct ktp_err err = {0};
	const uint8_t *data;
	json_t *reply;
	size_t len;
	int r;

	(void)req;
	(void)ctx;
	atomic_fetch_add(&handler_calls, 1);
	for (;;) {
		if ((r = ctlconn_read_chunk(c, &data, &len, &err)) < 0)
			return ctlconn_reply_error(c, CTL_STATUS_FAILED, "upload: %s", err.msg);
		if (len == 0)
			break;
		h = fnv(h, data, len);
		total += len;
		chunks++;
	}
	reply = ctlmsg_reply(CTL_STATUS_OK, NULL);
	json_object_set_new(reply, "bytes", json_integer((json_int_t)total));
	json_object_set_new(reply, "chunks", json_integer((json_int_t)chunks));
	json_object_set_new(reply, "fnv", json_integer((json_int_t)(h >> 1)));
	return ctlconn_reply(c, reply);
}

static uint8_t
pattern(uint64_t i)
{
	return (uint8_t)(i * 31 + (i >> 9));
}

/* Streams "bytes" bytes of pattern() in chunks of odd sizes, then the end
 * chunk, then the reply. */
static int
h_download(struct ctlconn *c, json_t *req, void *ctx)
{
	uint64_t n = (uint64_t)json_integer_value(json_object_get(req, "bytes")), i = 0;
	static uint8_t buf[70001];
	struct ktp_err err = {0};
	size_t k, len;

	(void)ctx;
	while (i < n) {
		len = n - i < sizeof(buf) ? (size_t)(n - i) : sizeof(buf);
		for (k = 0; k < len; k++)
			buf[k] = pattern(i + k);
		if (ctlconn_write_chunk(c, buf, len, &err) < 0)
			return -EPIPE;
		i += len;
	}
	if (ctlconn_end_stream(c, &err) < 0)
		return -EPIPE;
	return ctlconn_reply(c, ctlmsg_reply(CTL_STATUS_OK, NULL));
}

/* Refuses after the first chunk, as an import does at its first bad row. */
static int
h_early(struct ctlconn *c, json_t *req, void *ctx)
{
	struct ktp_err err = {0};
	const uint8_t *data;
	size_t len;

	(void)req;
	(void)ctx;
	ctlconn_read_chunk(c, &data, &len, &err);
	return ctlconn_reply_error(c, CTL_STATUS_FAILED, "a.csv:2: nik: 15 digits, need 16");
}

/* Sends part of a download, then fails without ending the stream. */
static int
h_partial(struct ctlconn *c, json_t *req, void *ctx)
{
	(void)req;
	(void)ctx;
	ctlconn_write_chunk(c, "abc", 3, NULL);
	return ctlconn_reply_error(c, CTL_STATUS_FAILED, "partial: disk full");
}

static int
h_noreply(struct ctlconn *c, json_t *req, void *ctx)
{
	(void)c;
	(void)req;
	(void)ctx;
	return -EIO;
}

static int
h_wait_gone(struct ctlconn *c, json_t *req, void *ctx)
{
	int i;

	(void)req;
	(void)ctx;
	for (i = 0; i < 500; i++) {
		if (ctlconn_peer_gone(c)) {
			atomic_store(&peer_gone_seen, 1);
			break;
		}
		usleep(10 * 1000);
	}
	return ctlconn_reply(c, ctlmsg_reply(CTL_STATUS_OK, NULL));
}

static const struct ctl_cmd cmds[] = {
	{ "status",	h_status,	CTL_RO },
	{ "sync",	h_sync,		CTL_RW },
	{ "upload",	h_upload,	CTL_RW | CTL_STREAM },
	{ "download",	h_download,	CTL_RO },
	{ "early",	h_early,	CTL_RW | CTL_STREAM },
	{ "noreply",	h_noreply,	CTL_RO },
	{ "wait-gone",	h_wait_gone,	CTL_RO },
	{ "names",	h_status,	CTL_NAMES },
	{ "partial",	h_partial,	CTL_RO },
};

/* --- helpers --- */

struct fixture {
	char		*dir;
	char		path[PATH_MAX];
	struct ctl_opts	copts;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	void *dir = NULL;

	if (f == NULL || unit_tmpdir_setup(&dir) < 0)
		return -1;
	f->dir = dir;
	/* Children that drop to other uids must reach the socket. */
	chmod(f->dir, 0755);
	snprintf(f->path, sizeof(f->path), "%s/ktpsyncd.sock", f->dir);
	f->copts.socket = f->path;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	void *dir = f->dir;
	int r = unit_tmpdir_teardown(&dir);

	free(f);
	return r;
}

static struct ctlsock *
start(struct fixture *f, struct ctlsock_opts *o)
{
	struct ktp_err err = {0};
	struct ctlsock *s = NULL;
	int r;

	o->path = f->path;
	r = ctlsock_start(o, cmds, sizeof(cmds) / sizeof(cmds[0]), NULL, &s, &err);
	if (r < 0)
		fail_msg("ctlsock_start: %s", err.msg);
	return s;
}

static struct ctlclient *
connect_ok(struct fixture *f)
{
	struct ktp_err err = {0};
	struct ctlclient *c = NULL;

	if (ctlclient_connect(&f->copts, &c, &err) < 0)
		fail_msg("connect: %s", err.msg);
	return c;
}

/* Sends {"v":2,"cmd":cmd}; returns the status and puts the error text in text. */
static int
call(struct ctlclient *c, const char *cmd, char *text, size_t cap)
{
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request(cmd), *reply = NULL;
	int st = -1, r;

	r = ctlclient_call(c, req, &reply, &st, &err);
	json_decref(req);
	if (r < 0) {
		snprintf(text, cap, "%s", err.msg);
		return r;
	}
	snprintf(text, cap, "%s", json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	return st;
}

static int
raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) <
		    (int)sizeof(sun.sun_path));
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Sends raw bytes and the end chunk (the request's empty payload), and
 * reads one reply with ctlio: its (empty) stream, then its line. */
static int
raw_exchange(const char *path, const char *data, size_t len, char *text, size_t cap)
{
	struct ktp_err err = {0};
	struct ctlio io;
	json_t *reply = NULL;
	uint64_t bytes = 99;
	size_t n;
	char *line;
	int fd = raw_connect(path), st = -1;

	ctlio_init(&io, fd, CTLMSG_REPLY_MAX);
	/* Either may fail once the daemon has closed. */
	if (ctlio_write(&io, data, len, &err) == 0)
		ctlio_write_end(&io, &err);
	assert_int_equal(ctlio_skip_stream(&io, &bytes, &err), 0);
	assert_int_equal(bytes, 0);
	assert_int_equal(ctlio_read_line(&io, &line, &n, &err), 0);
	assert_int_equal(ctlmsg_parse_reply(line, n, &reply, &st, &err), 0);
	snprintf(text, cap, "%s", json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	ctlio_done(&io);
	close(fd);
	return st;
}

/* --- basic exchange --- */

static void
test_ctlsock_serves_several_requests_on_one_connection(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("status"), *reply = NULL;
	int i, st = -1;

	for (i = 0; i < 3; i++) {
		assert_int_equal(ctlclient_call(c, req, &reply, &st, &err), 0);
		assert_int_equal(st, CTL_STATUS_OK);
		assert_string_equal(json_string_value(json_object_get(reply, "state")), "idle");
		assert_int_equal(json_integer_value(json_object_get(reply, "uid")), 0);
		assert_int_equal(json_integer_value(json_object_get(reply, "pid")), getpid());
		json_decref(reply);
	}
	assert_non_null(strstr(ctlclient_last_reply(c),
				"{\"v\":2,\"status\":0,\"error\":\"\",\"state\":\"idle\",\"uid\":0,"));
	json_decref(req);
	ctlclient_close(c);
	ctlsock_stop(s);
}

/* A ktpctl of version 1 sends its request line with no payload stream after
 * it and reads a bare reply line: it gets one, with its own "v" so that it
 * prints the text, and the connection closes (its framing differs). */
static void
test_ctlsock_version_mismatch_is_answered_not_dropped(void **state)
{
	static const char *const reqs[] = {
		"{\"v\":1,\"cmd\":\"status\"}\n",
		/* An import of version 1: its chunks follow at once, and are not read. */
		"{\"v\":1,\"cmd\":\"upload\"}\n\0\0\0\x05a,b,c\0\0\0\0",
	};
	static const size_t lens[] = { 23, 23 + 4 + 5 + 4 };
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ktp_err err = {0};
	struct ctlio io;
	char *line;
	size_t i, len;
	int fd;

	for (i = 0; i < 2; i++) {
		atomic_store(&handler_calls, 0);
		fd = raw_connect(f->path);
		ctlio_init(&io, fd, CTLMSG_REPLY_MAX);
		assert_int_equal(ctlio_write(&io, reqs[i], lens[i], &err), 0);
		assert_int_equal(ctlio_read_line(&io, &line, &len, &err), 0);
		assert_string_equal(line, "{\"v\":1,\"status\":4,"
				    "\"error\":\"ctl: protocol version 1, this daemon speaks 2\"}");
		assert_int_equal(ctlio_read_line(&io, &line, &len, &err), -ENODATA);
		assert_int_equal(atomic_load(&handler_calls), 0);
		ctlio_done(&io);
		close(fd);
	}
	ctlsock_stop(s);
}

/* "'%.64s'" cut "x" and 40 'é' inside the 32nd 'é', the reply was not
 * UTF-8 and jansson refused it: the connection closed unanswered. */
static void
test_ctlsock_long_utf8_command_name_gets_status_5(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	char name[128], want[128], text[256];
	size_t i;

	name[0] = 'x';
	for (i = 0; i < 40; i++)
		memcpy(name + 1 + 2 * i, "\xc3\xa9", 2);
	name[81] = '\0';
	assert_int_equal(call(c, name, text, sizeof(text)), CTL_STATUS_UNKNOWN_CMD);
	/* The name is cut before the character, at 63 bytes. */
	snprintf(want, sizeof(want), "ctl: unknown command '%.63s'", name);
	assert_string_equal(text, want);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_unknown_command_gets_status_5(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	char text[256];

	assert_int_equal(call(c, "frobnicate", text, sizeof(text)), CTL_STATUS_UNKNOWN_CMD);
	assert_string_equal(text, "ctl: unknown command 'frobnicate'");
	/* Its payload stream was empty, so the daemon goes on with the next request. */
	assert_int_equal(call(c, "status", text, sizeof(text)), CTL_STATUS_OK);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_malformed_json_gets_bad_request(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	char text[256];

	assert_int_equal(raw_exchange(f->path, "{\"v\":2,\n", 8, text, sizeof(text)),
			 CTL_STATUS_BAD_REQUEST);
	assert_string_equal(text, "ctl: request: invalid JSON at column 7: "
			    "string or '}' expected near end of file");
	ctlsock_stop(s);
}

static void
test_ctlsock_handler_without_reply_gets_failed(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	char text[256];

	assert_int_equal(call(c, "noreply", text, sizeof(text)), CTL_STATUS_FAILED);
	assert_string_equal(text, "ctl: 'noreply' failed");
	ctlclient_close(c);
	ctlsock_stop(s);
}

/* --- line limit --- */

static char *
request_of_length(size_t n)
{
	const char *head = "{\"v\":2,\"cmd\":\"status\",\"pad\":\"";
	char *line = malloc(n + 2);

	memset(line, 'x', n);
	memcpy(line, head, strlen(head));
	memcpy(line + n - 2, "\"}\n", 4);
	return line;
}

static void
test_ctlsock_request_of_max_line_is_served(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	char *line = request_of_length(KTP_CTL_MAX_LINE), text[256];

	assert_int_equal(raw_exchange(f->path, line, KTP_CTL_MAX_LINE + 1, text, sizeof(text)),
			 CTL_STATUS_OK);
	free(line);
	ctlsock_stop(s);
}

static void
test_ctlsock_oversize_line_gets_clear_reply(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	char *line = request_of_length(KTP_CTL_MAX_LINE + 1), text[256];

	assert_int_equal(raw_exchange(f->path, line, KTP_CTL_MAX_LINE + 2, text, sizeof(text)),
			 CTL_STATUS_BAD_REQUEST);
	assert_string_equal(text, "ctl: request longer than 65536 bytes");
	free(line);
	ctlsock_stop(s);
}

/* --- payload streams --- */

static void
test_ctlsock_upload_stream_round_trips_every_byte(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	size_t n = 3 * CTLMSG_CHUNK_MAX + 12345, i;
	uint8_t *data = malloc(n);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("upload"), *reply = NULL;
	char path[PATH_MAX], text[256];
	int fd, st = -1;

	for (i = 0; i < n; i++)
		data[i] = pattern(i);
	snprintf(path, sizeof(path), "%s/payload", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(ctlclient_request_stream(c, req, &err), 0);
	assert_int_equal(ctlclient_send_fd(c, fd, &err), 0);
	assert_int_equal(ctlclient_read_reply(c, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_OK);
	assert_int_equal(json_integer_value(json_object_get(reply, "bytes")), n);
	assert_int_equal(json_integer_value(json_object_get(reply, "chunks")), 4);
	assert_int_equal(json_integer_value(json_object_get(reply, "fnv")),
			 (json_int_t)(fnv(0xcbf29ce484222325ull, data, n) >> 1));
	json_decref(reply);
	/* The stream ended cleanly, so the connection goes on. */
	assert_int_equal(call(c, "status", text, sizeof(text)), CTL_STATUS_OK);
	close(fd);
	free(data);
	json_decref(req);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_download_stream_round_trips_every_byte(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	uint64_t want = 2 * CTLMSG_CHUNK_MAX + 777, got = 0, bad = 0;
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("download"), *reply = NULL;
	const uint8_t *data;
	size_t len, k;
	int st = -1;

	json_object_set_new(req, "bytes", json_integer((json_int_t)want));
	assert_int_equal(ctlclient_request(c, req, &err), 0);
	for (;;) {
		assert_int_equal(ctlclient_read_chunk(c, &data, &len, &err), 0);
		if (len == 0)
			break;
		for (k = 0; k < len; k++)
			bad += data[k] != pattern(got + k);
		got += len;
	}
	assert_int_equal(got, want);
	assert_int_equal(bad, 0);
	assert_int_equal(ctlclient_read_reply(c, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_OK);
	json_decref(reply);
	json_decref(req);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_stream_refused_midway_still_delivers_the_reply(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	size_t n = 8u << 20;
	uint8_t *data = calloc(1, n);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("early"), *reply = NULL;
	int st = -1, r;

	assert_int_equal(ctlclient_request_stream(c, req, &err), 0);
	r = ctlclient_write_chunk(c, data, n, &err);
	assert_true(r == -EPIPE || r == -ECONNRESET);
	assert_int_equal(ctlclient_read_reply(c, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_FAILED);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "a.csv:2: nik: 15 digits, need 16");
	json_decref(reply);
	json_decref(req);
	free(data);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlclient_send_fd_read_error_cuts_the_stream_at_once(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .io_timeout_s = 30 };
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("upload"), *reply = NULL;
	struct timespec t0, t1;
	int dirfd = open(f->dir, O_RDONLY | O_DIRECTORY), st = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ctlclient_request_stream(c, req, &err), 0);
	assert_int_equal(ctlclient_send_fd(c, dirfd, &err), -EISDIR);
	assert_string_equal(err.msg, "read: Is a directory");
	assert_int_equal(ctlclient_read_reply(c, &reply, &st, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(st, CTL_STATUS_FAILED);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "upload: ctl: stream cut short");
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	json_decref(reply);
	json_decref(req);
	close(dirfd);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_oversize_chunk_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	const char *req = "{\"v\":2,\"cmd\":\"upload\"}\n";
	char buf[64], text[256];
	size_t n = strlen(req);

	memcpy(buf, req, n);
	ctlmsg_chunk_header(CTLMSG_CHUNK_MAX + 1, (uint8_t *)buf + n);
	assert_int_equal(raw_exchange(f->path, buf, n + 4, text, sizeof(text)),
			 CTL_STATUS_FAILED);
	assert_string_equal(text, "upload: ctl: chunk of 1048577 bytes, limit 1048576");
	ctlsock_stop(s);
}

/* A stream request refused before its handler (for its version, or as
 * malformed) is followed by its payload. Payload lines that look like
 * requests must not be served: one reply, then the daemon closes. The
 * request and its payload go in one small write, so the daemon has read all
 * of it before it closes and the close is a clean end of file, not a reset.
 * The version refusal is a bare line; the others come after an empty stream. */
static void
test_ctlsock_refused_stream_request_closes_before_its_payload(void **state)
{
	static const char payload[] = "{\"v\":2,\"cmd\":\"sync\"}\n{\"v\":2,\"cmd\":\"sync\"}\n";
	static const char *const heads[] = {
		"{\"v\":1,\"cmd\":\"upload\"}\n",
		"{\"v\":\"1\",\"cmd\":\"upload\"}\n",
		"{\"v\":2,\"cmd\":\"upload\"\n",
	};
	static const int want_st[] = {
		CTL_STATUS_VERSION, CTL_STATUS_BAD_REQUEST, CTL_STATUS_BAD_REQUEST,
	};
	static const char *const want_text[] = {
		"ctl: protocol version 1, this daemon speaks 2",
		"ctl: request: missing integer \"v\"",
		"ctl: request: invalid JSON at column 21: '}' expected near end of file",
	};
	struct fixture *f = *state;
	struct ctlsock_opts o = { .io_timeout_s = 2 };
	struct ctlsock *s = start(f, &o);
	struct ktp_err err = {0};
	struct ctlio io;
	json_t *reply = NULL;
	char buf[256], *line;
	size_t i, n, len;
	int fd, st;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		atomic_store(&handler_calls, 0);
		n = strlen(heads[i]);
		memcpy(buf, heads[i], n);
		ctlmsg_chunk_header(sizeof(payload) - 1, (uint8_t *)buf + n);
		memcpy(buf + n + 4, payload, sizeof(payload) - 1);
		n += 4 + sizeof(payload) - 1;
		memset(buf + n, 0, 4);		/* the end chunk */
		n += 4;
		fd = raw_connect(f->path);
		ctlio_init(&io, fd, CTLMSG_REPLY_MAX);
		assert_int_equal(ctlio_write(&io, buf, n, &err), 0);
		if (want_st[i] != CTL_STATUS_VERSION)
			assert_int_equal(ctlio_skip_stream(&io, NULL, &err), 0);
		assert_int_equal(ctlio_read_line(&io, &line, &len, &err), 0);
		/* Read as JSON: the version refusal carries the peer's "v" (1). */
		assert_non_null(reply = json_loadb(line, len, 0, NULL));
		st = (int)json_integer_value(json_object_get(reply, "status"));
		assert_int_equal(st, want_st[i]);
		assert_int_equal(json_integer_value(json_object_get(reply, "v")),
				 want_st[i] == CTL_STATUS_VERSION ? 1 : KTP_CTL_VERSION);
		assert_string_equal(json_string_value(json_object_get(reply, "error")),
				    want_text[i]);
		json_decref(reply);
		assert_int_equal(ctlio_read_line(&io, &line, &len, &err), -ENODATA);
		assert_int_equal(atomic_load(&handler_calls), 0);
		ctlio_done(&io);
		close(fd);
	}
	ctlsock_stop(s);
}

/* A malformed request whose payload stream is empty keeps the connection,
 * and the next request is served. */
static void
test_ctlsock_refused_plain_request_keeps_the_connection(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = json_pack("{s:s, s:s}", "v", "2", "cmd", "sync"), *reply = NULL;
	char text[256];
	int st = -1;

	atomic_store(&handler_calls, 0);
	assert_int_equal(ctlclient_call(c, req, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_BAD_REQUEST);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "ctl: request: missing integer \"v\"");
	json_decref(reply);
	json_decref(req);
	assert_int_equal(atomic_load(&handler_calls), 0);
	assert_int_equal(call(c, "sync", text, sizeof(text)), CTL_STATUS_OK);
	assert_int_equal(atomic_load(&handler_calls), 1);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_handler_sees_peer_gone(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("wait-gone");
	int i;

	atomic_store(&peer_gone_seen, 0);
	assert_int_equal(ctlclient_request(c, req, &err), 0);
	usleep(50 * 1000);
	assert_int_equal(atomic_load(&peer_gone_seen), 0);
	ctlclient_close(c);
	for (i = 0; i < 300 && atomic_load(&peer_gone_seen) == 0; i++)
		usleep(10 * 1000);
	assert_int_equal(atomic_load(&peer_gone_seen), 1);
	json_decref(req);
	ctlsock_stop(s);
}

static void
test_ctlsock_stop_wakes_a_handler_waiting_for_its_peer(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("wait-gone");
	struct timespec t0, t1;

	atomic_store(&peer_gone_seen, 0);
	assert_int_equal(ctlclient_request(c, req, &err), 0);
	usleep(50 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ctlsock_stop(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The handler would wait 5 s for a peer that stays connected. */
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_int_equal(atomic_load(&peer_gone_seen), 1);
	json_decref(req);
	ctlclient_close(c);
}

/* --- the socket file --- */

static void
test_ctlsock_socket_is_0660_with_the_given_group(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup" };
	struct ctlsock *s = start(f, &o);
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, NOGROUP);
	ctlsock_stop(s);
	assert_int_equal(stat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_ctlsock_unknown_group_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .path = f->path, .admin_group = "no-such-group-x" };
	struct ktp_err err = {0};
	struct ctlsock *s = NULL;

	assert_int_equal(ctlsock_start(&o, cmds, 1, NULL, &s, &err), -ENOENT);
	assert_string_equal(err.msg, "ctl: admin_group 'no-such-group-x': no such group");
	o.admin_group = NULL;
	o.group = "no-such-group-x";
	assert_int_equal(ctlsock_start(&o, cmds, 1, NULL, &s, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/ktpsyncd.sock: group 'no-such-group-x': no such group"));
	assert_null(s);
}

static void
test_ctlsock_stale_socket_is_replaced(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctlsock_opts o = {0};
	struct ctlsock *s;
	struct ctlclient *c;
	char text[256];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	/* A bound socket nobody listens on is what a crashed daemon leaves. */
	assert_true(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path) <
		    (int)sizeof(sun.sun_path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	s = start(f, &o);
	c = connect_ok(f);
	assert_int_equal(call(c, "status", text, sizeof(text)), CTL_STATUS_OK);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_live_socket_is_refused_and_kept(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o), *s2 = NULL;
	struct ktp_err err = {0};
	struct ctlclient *c;
	char want[PATH_MAX + 64], text[256];

	assert_int_equal(ctlsock_start(&o, cmds, 1, NULL, &s2, &err), -EADDRINUSE);
	snprintf(want, sizeof(want), "%s: another daemon is listening", f->path);
	assert_string_equal(err.msg, want);
	assert_null(s2);
	c = connect_ok(f);
	assert_int_equal(call(c, "status", text, sizeof(text)), CTL_STATUS_OK);
	ctlclient_close(c);
	ctlsock_stop(s);
}

static void
test_ctlsock_file_that_is_not_a_socket_is_kept(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .path = f->path };
	struct ktp_err err = {0};
	struct ctlsock *s = NULL;
	char want[PATH_MAX + 64];
	struct stat st;
	int fd = open(f->path, O_WRONLY | O_CREAT, 0600);

	close(fd);
	assert_int_equal(ctlsock_start(&o, cmds, 1, NULL, &s, &err), -EEXIST);
	snprintf(want, sizeof(want), "%s: exists and is not a socket", f->path);
	assert_string_equal(err.msg, want);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void
test_ctlsock_stop_returns_promptly_with_idle_clients(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .io_timeout_s = 60 };
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c1 = connect_ok(f), *c2 = connect_ok(f);
	struct timespec t0, t1;
	char text[256];

	assert_int_equal(call(c1, "status", text, sizeof(text)), CTL_STATUS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ctlsock_stop(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_int_equal(access(f->path, F_OK), -1);
	ctlclient_close(c1);
	ctlclient_close(c2);
}

static void
test_ctlsock_idle_connection_times_out(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .io_timeout_s = 1 };
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	char text[256];

	sleep(2);
	assert_int_equal(call(c, "status", text, sizeof(text)), -EPIPE);
	ctlclient_close(c);
	ctlsock_stop(s);
}

/* --- connection caps --- */

static void
test_ctlsock_total_cap_answers_busy(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .max_conns = 2, .max_conns_per_uid = 8 };
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c1 = connect_ok(f), *c2 = connect_ok(f), *c3;
	char text[256];
	int i, st = -1;

	assert_int_equal(call(c1, "status", text, sizeof(text)), CTL_STATUS_OK);
	assert_int_equal(call(c2, "status", text, sizeof(text)), CTL_STATUS_OK);
	c3 = connect_ok(f);
	assert_int_equal(call(c3, "status", text, sizeof(text)), CTL_STATUS_BUSY);
	assert_string_equal(text, "ctl: connection limit (2) reached, try again");
	ctlclient_close(c3);
	ctlclient_close(c1);
	/* The slot frees once c1's thread has seen the hang-up. */
	for (i = 0; i < 200 && st != CTL_STATUS_OK; i++) {
		c3 = connect_ok(f);
		st = call(c3, "status", text, sizeof(text));
		ctlclient_close(c3);
		if (st != CTL_STATUS_OK)
			usleep(10 * 1000);
	}
	assert_int_equal(st, CTL_STATUS_OK);
	ctlclient_close(c2);
	ctlsock_stop(s);
}

static void
test_ctlsock_per_uid_cap_answers_busy(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .max_conns = 8, .max_conns_per_uid = 1 };
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c1 = connect_ok(f), *c2;
	char text[256];

	assert_int_equal(call(c1, "status", text, sizeof(text)), CTL_STATUS_OK);
	c2 = connect_ok(f);
	assert_int_equal(call(c2, "status", text, sizeof(text)), CTL_STATUS_BUSY);
	assert_string_equal(text, "ctl: uid 0: connection limit (1) reached, try again");
	ctlclient_close(c2);
	ctlclient_close(c1);
	ctlsock_stop(s);
}

/* --- credentials, with children that drop privileges --- */

/* In the child: become uid/gid with the given supplementary groups, call cmd,
 * and exit 0 only when the status and error text are as expected. */
static void
child_call(struct fixture *f, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
	   const char *cmd, int want_st, const char *want_text)
{
	struct ktp_err err = {0};
	struct ctlclient *c = NULL;
	char text[256];
	int st;

	/* No cmocka assertion here: a failing one would jump back into the
	 * test runner inside the child. */
	if (setgroups(n_groups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		_exit(10);
	if (ctlclient_connect(&f->copts, &c, &err) < 0) {
		fprintf(stderr, "child uid %u: %s\n", (unsigned)uid, err.msg);
		_exit(11);
	}
	st = call(c, cmd, text, sizeof(text));
	if (st != want_st || strcmp(text, want_text) != 0) {
		fprintf(stderr, "child uid %u: status %d '%s', want %d '%s'\n", (unsigned)uid, st,
			text, want_st, want_text);
		_exit(1);
	}
	_exit(0);
}

static void
expect_child(struct fixture *f, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
	     const char *cmd, int want_st, const char *want_text)
{
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_call(f, uid, gid, groups, n_groups, cmd, want_st, want_text);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_ctlsock_read_write_needs_root_or_admin_group(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup", .admin_group = "adm" };
	struct ctlsock *s = start(f, &o);
	const gid_t adm = 4, nogroup = NOGROUP;

	expect_child(f, NOBODY, NOGROUP, NULL, 0, "status", CTL_STATUS_OK, "");
	expect_child(f, NOBODY, NOGROUP, NULL, 0, "sync", CTL_STATUS_DENIED,
		     "ctl: 'sync' needs root or group adm");
	expect_child(f, NOBODY, NOGROUP, &adm, 1, "sync", CTL_STATUS_OK, "");
	/* adm as the primary group; nogroup (the socket's) as a supplementary one. */
	expect_child(f, NOBODY, adm, &nogroup, 1, "sync", CTL_STATUS_OK, "");
	ctlsock_stop(s);
}

/* A list of persons by name is personal data: the socket's group alone may
 * not read it, the admin group may. */
static void
test_ctlsock_names_need_root_or_admin_group_not_the_socket_group(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup", .admin_group = "adm" };
	struct ctlsock *s = start(f, &o);
	const gid_t adm = 4;

	expect_child(f, NOBODY, NOGROUP, NULL, 0, "status", CTL_STATUS_OK, "");
	expect_child(f, NOBODY, NOGROUP, NULL, 0, "names", CTL_STATUS_DENIED,
		     "ctl: 'names' needs root or group adm");
	expect_child(f, NOBODY, NOGROUP, &adm, 1, "names", CTL_STATUS_OK, "");
	expect_child(f, 0, 0, NULL, 0, "names", CTL_STATUS_OK, "");
	ctlsock_stop(s);
}

/* With an admin group the file is 0666, so a member of that group who is
 * not in the socket's group can connect; the daemon refuses everyone else. */
static void
test_ctlsock_admin_group_member_outside_the_socket_group_connects(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup", .admin_group = "adm" };
	struct ctlsock *s = start(f, &o);
	const gid_t users = 100;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(st.st_gid, NOGROUP);
	expect_child(f, NOBODY, 4, NULL, 0, "names", CTL_STATUS_OK, "");
	expect_child(f, NOBODY, users, NULL, 0, "status", CTL_STATUS_DENIED,
		     "ctl: uid 65534 may not connect: needs root or group nogroup or adm");
	expect_child(f, DAEMON_UID, users, &users, 1, "sync", CTL_STATUS_DENIED,
		     "ctl: uid 1 may not connect: needs root or group nogroup or adm");
	ctlsock_stop(s);
}

/* In the child, as nobody: an upload with data in its stream is denied, and
 * the daemon closes rather than read the data. Exit 0 when both hold. */
static void
child_denied_upload(struct fixture *f)
{
	struct ktp_err err = {0};
	struct ctlclient *c = NULL;
	json_t *req = ctlmsg_request("upload"), *reply = NULL;
	char text[256];
	int st = -1, fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (setgroups(0, NULL) < 0 || setgid(NOGROUP) < 0 || setuid(NOBODY) < 0)
		_exit(10);
	if (fd < 0 || ctlclient_connect(&f->copts, &c, &err) < 0)
		_exit(11);
	if (ctlclient_call_with_fd(c, req, fd, &reply, &st, &err) < 0 || st != CTL_STATUS_DENIED ||
	    strcmp(json_string_value(json_object_get(reply, "error")),
		   "ctl: 'upload' needs root") != 0)
		_exit(1);
	if (call(c, "status", text, sizeof(text)) != -EPIPE)
		_exit(2);
	_exit(0);
}

static void
test_ctlsock_denied_stream_command_closes_after_reply(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup" };
	struct ctlsock *s = start(f, &o);
	int status = -1;
	pid_t pid;

	/* Without data (the end chunk alone) the connection goes on. */
	expect_child(f, NOBODY, NOGROUP, NULL, 0, "upload", CTL_STATUS_DENIED,
		     "ctl: 'upload' needs root");
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_denied_upload(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	ctlsock_stop(s);
}

/* The daemon itself runs as nobody here, so the text names its uid. */
static void
test_ctlsock_daemon_uid_may_write_and_others_are_told_who_may(void **state)
{
	struct fixture *f = *state;
	int status = -1, pipefd[2], i;
	pid_t server;
	char c;

	assert_int_equal(chown(f->dir, NOBODY, NOGROUP), 0);
	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		struct ctlsock_opts o = { .path = f->path, .admin_group = "staff" };
		struct ktp_err err = {0};
		struct ctlsock *s = NULL;

		if (setgroups(0, NULL) < 0 || setgid(NOGROUP) < 0 || setuid(NOBODY) < 0)
			_exit(10);
		if (ctlsock_start(&o, cmds, sizeof(cmds) / sizeof(cmds[0]), NULL, &s, &err) < 0)
			_exit(11);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(13);
		for (i = 0; i < 3000; i++)	/* killed by the parent; 30 s at most */
			usleep(10 * 1000);
		_exit(12);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	expect_child(f, DAEMON_UID, NOGROUP, NULL, 0, "sync", CTL_STATUS_DENIED,
		     "ctl: 'sync' needs root, uid 65534 or group staff");
	expect_child(f, NOBODY, NOGROUP, NULL, 0, "sync", CTL_STATUS_OK, "");
	expect_child(f, 0, 0, NULL, 0, "sync", CTL_STATUS_OK, "");
	kill(server, SIGKILL);
	assert_int_equal(waitpid(server, &status, 0), server);
	assert_true(WIFSIGNALED(status));
}

/* --- the client's own errors --- */

static void
test_ctlclient_missing_socket_names_the_daemon(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	struct ctlclient *c = NULL;
	char want[PATH_MAX + 128];

	assert_int_equal(ctlclient_connect(&f->copts, &c, &err), -ENOENT);
	snprintf(want, sizeof(want), "cannot connect to %s: No such file or directory "
		 "(is ktpsyncd running?)", f->path);
	assert_string_equal(err.msg, want);
	snprintf(f->path, sizeof(f->path), "%s/ktphubd.sock", f->dir);
	assert_int_equal(ctlclient_connect(&f->copts, &c, &err), -ENOENT);
	snprintf(want, sizeof(want), "cannot connect to %s: No such file or directory "
		 "(is ktphubd running?)", f->path);
	assert_string_equal(err.msg, want);
	assert_null(c);
}

/* Runs ctlclient_simple with stdout and stderr sent to files; returns its exit code. */
static int
run_simple(struct fixture *f, const struct ctl_opts *o, const char *cmd, json_t *args,
	   json_t **ret_reply, char *out, char *errtext, size_t cap)
{
	char po[PATH_MAX], pe[PATH_MAX];
	int so = dup(1), se = dup(2), fo, fe, rc;
	ssize_t n;

	snprintf(po, sizeof(po), "%s/out", f->dir);
	snprintf(pe, sizeof(pe), "%s/err", f->dir);
	fflush(NULL);
	fo = open(po, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fe = open(pe, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = ctlclient_simple(o, cmd, args, ret_reply);
	fflush(NULL);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	n = pread(fo, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	n = pread(fe, errtext, cap - 1, 0);
	errtext[n > 0 ? n : 0] = '\0';
	close(fo);
	close(fe);
	return rc;
}

static void
test_ctlclient_simple_maps_status_to_exit_code(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup" };
	struct ctlsock *s = start(f, &o);
	struct ctl_opts jo = { .socket = f->path, .json = true };
	char out[1024], errtext[1024], want[PATH_MAX + 64];
	json_t *reply = NULL;

	assert_int_equal(run_simple(f, &f->copts, "status", NULL, &reply, out, errtext,
				    sizeof(out)), 0);
	assert_non_null(reply);
	assert_string_equal(json_string_value(json_object_get(reply, "state")), "idle");
	assert_string_equal(out, "");
	json_decref(reply);
	assert_int_equal(run_simple(f, &f->copts, "nope", json_pack("{s:s}", "x", "y"), &reply,
				    out, errtext, sizeof(out)), 1);
	assert_null(reply);
	/* This status reply names no daemon, so the socket is named instead. */
	snprintf(want, sizeof(want), "ktpctl: the daemon on %s does not know 'nope'\n", f->path);
	assert_string_equal(errtext, want);
	ctlsock_stop(s);
	assert_int_equal(run_simple(f, &jo, "status", NULL, &reply, out, errtext, sizeof(out)), 1);
	assert_null(reply);
	assert_non_null(strstr(errtext, "(is ktpsyncd running?)\n"));
}

/* A download command the daemon does not know: the reply's stream is just the
 * end chunk, as for every refusal; the client sees it, then the reply, and
 * the connection goes on. */
static void
test_ctlclient_refused_download_gets_an_empty_stream_then_the_reply(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = { .group = "nogroup" };
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("unrecorded"), *reply = NULL;
	const uint8_t *data = (const uint8_t *)"x";
	char text[256];
	size_t len = 99;
	int st = -1;

	assert_int_equal(ctlclient_request(c, req, &err), 0);
	assert_int_equal(ctlclient_read_chunk(c, &data, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_int_equal(ctlclient_read_reply(c, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_UNKNOWN_CMD);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "ctl: unknown command 'unrecorded'");
	json_decref(reply);
	json_decref(req);
	assert_int_equal(call(c, "status", text, sizeof(text)), CTL_STATUS_OK);
	ctlclient_close(c);
	ctlsock_stop(s);
}

/* A command of the other daemon: ktpctl asks the daemon its name (status) and
 * says which daemon has the command, once, without the daemon's "ctl:" prefix. */
static void
test_ctlclient_unknown_command_names_both_daemons(void **state)
{
	static const char *const names[][2] = {
		{ "ktphubd", "ktpctl: ktphubd does not know 'nope' (it is a ktpsyncd command)\n" },
		{ "ktpsyncd", "ktpctl: ktpsyncd does not know 'nope' (it is a ktphubd command)\n" },
	};
	struct fixture *f = *state;
	struct ctlsock_opts o = { .path = f->path, .group = "nogroup" };
	struct ktp_err err = {0};
	struct ctl_opts jo = { .socket = f->path, .json = true };
	char out[1024], errtext[1024];
	struct ctlsock *s;
	json_t *reply = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		s = NULL;
		assert_int_equal(ctlsock_start(&o, cmds, sizeof(cmds) / sizeof(cmds[0]),
					       (void *)names[i][0], &s, &err), 0);
		assert_int_equal(run_simple(f, &f->copts, "nope", NULL, &reply, out, errtext,
					    sizeof(out)), 1);
		assert_null(reply);
		assert_string_equal(out, "");
		assert_string_equal(errtext, names[i][1]);
		/* --json prints the daemon's reply line unchanged, nothing else. */
		assert_int_equal(run_simple(f, &jo, "nope", NULL, &reply, out, errtext,
					    sizeof(out)), 1);
		assert_string_equal(out, "{\"v\":2,\"status\":5,"
				    "\"error\":\"ctl: unknown command 'nope'\"}\n");
		assert_string_equal(errtext, "");
		ctlsock_stop(s);
	}
}

static void
test_ctlclient_json_prints_the_reply_unchanged(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctl_opts jo = { .socket = f->path, .json = true };
	char out[1024], errtext[1024], want[1024];
	json_t *reply = NULL;

	assert_int_equal(run_simple(f, &jo, "status", NULL, &reply, out, errtext, sizeof(out)), 0);
	assert_null(reply);
	snprintf(want, sizeof(want), "{\"v\":2,\"status\":0,\"error\":\"\",\"state\":\"idle\","
		 "\"uid\":0,\"pid\":%d}\n", (int)getpid());
	assert_string_equal(out, want);
	assert_string_equal(errtext, "");
	ctlsock_stop(s);
}

/* A scripted daemon: accepts one connection, reads the request, writes
 * `answer` and closes. */
struct fake_daemon {
	int		lfd;
	const char	*answer;
	size_t		len;
	pthread_t	thread;
};

static void *
fake_daemon_main(void *arg)
{
	struct fake_daemon *d = arg;
	char buf[256];
	int fd;

	fd = accept(d->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	if (read(fd, buf, sizeof(buf)) > 0 && write(fd, d->answer, d->len) < 0)
		buf[0] = '\0';
	close(fd);
	return NULL;
}

static void
fake_daemon_start(struct fixture *f, struct fake_daemon *d, const char *answer, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	d->answer = answer;
	d->len = len;
	d->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path) <
		    (int)sizeof(sun.sun_path));
	assert_int_equal(bind(d->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(d->lfd, 1), 0);
	assert_int_equal(pthread_create(&d->thread, NULL, fake_daemon_main, d), 0);
}

static void
fake_daemon_stop(struct fixture *f, struct fake_daemon *d)
{
	pthread_join(d->thread, NULL);
	close(d->lfd);
	unlink(f->path);
}

/* A daemon of version 1 answers a request of version 2 with a bare line where
 * ktpctl reads the reply's stream: ktpctl says which versions meet. */

static void
test_ctlclient_old_daemon_is_named_by_its_version(void **state)
{
	static const char answer[] = "{\"v\":1,\"status\":4,"
		"\"error\":\"ctl: protocol version 2, this daemon speaks 1\"}\n";
	struct fixture *f = *state;
	char out[1024], errtext[1024];
	json_t *reply = NULL;
	struct fake_daemon d;

	fake_daemon_start(f, &d, answer, sizeof(answer) - 1);
	assert_int_equal(run_simple(f, &f->copts, "status", NULL, &reply, out, errtext,
				    sizeof(out)), 1);
	assert_null(reply);
	assert_string_equal(out, "");
	assert_string_equal(errtext, "ktpctl: ctl: the daemon speaks control protocol version 1, "
			    "this ktpctl speaks 2\n");
	fake_daemon_stop(f, &d);
}

/* A daemon's chunk over the limit is refused before anything is allocated. */
static void
test_ctlclient_oversize_chunk_from_the_daemon_is_refused(void **state)
{
	struct fixture *f = *state;
	struct fake_daemon d;
	struct ktp_err err = {0};
	struct ctlclient *c;
	json_t *req = ctlmsg_request("download");
	const uint8_t *data;
	char answer[4];
	size_t len;

	ctlmsg_chunk_header(CTLMSG_CHUNK_MAX + 1, (uint8_t *)answer);
	fake_daemon_start(f, &d, answer, sizeof(answer));
	c = connect_ok(f);
	assert_int_equal(ctlclient_request(c, req, &err), 0);
	assert_int_equal(ctlclient_read_chunk(c, &data, &len, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "ctl: chunk of 1048577 bytes, limit 1048576");
	ctlclient_close(c);
	json_decref(req);
	fake_daemon_stop(f, &d);
}

/* The chunks of an upload, and their headers, cut into writes of 1 to 7
 * bytes: the daemon reads the same bytes whatever the boundaries. */
static void
test_ctlsock_chunk_boundaries_anywhere_keep_every_byte(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 255, 256, 4097, 1, 70000 };
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	const char *head = "{\"v\":2,\"cmd\":\"upload\"}\n";
	uint64_t h = 0xcbf29ce484222325ull, total = 0;
	struct ktp_err err = {0};
	uint8_t *buf = malloc(80000 + 64), *p;
	size_t i, k, n, off, step;
	struct ctlio io;
	json_t *reply = NULL;
	char *line;
	int fd, st = -1;

	n = strlen(head);
	memcpy(buf, head, n);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ctlmsg_chunk_header((uint32_t)sizes[i], buf + n);
		p = buf + n + 4;
		for (k = 0; k < sizes[i]; k++)
			p[k] = pattern(total + k);
		h = fnv(h, p, sizes[i]);
		total += sizes[i];
		n += 4 + sizes[i];
	}
	memset(buf + n, 0, 4);
	n += 4;
	fd = raw_connect(f->path);
	ctlio_init(&io, fd, CTLMSG_REPLY_MAX);
	for (off = 0, step = 1; off < n; off += step, step = step % 7 + 1) {
		if (step > n - off)
			step = n - off;
		assert_int_equal(ctlio_write(&io, buf + off, step, &err), 0);
		if (off < 200)
			usleep(1000);	/* so that the first boundaries reach the daemon apart */
	}
	assert_int_equal(ctlio_skip_stream(&io, NULL, &err), 0);
	assert_int_equal(ctlio_read_line(&io, &line, &n, &err), 0);
	assert_int_equal(ctlmsg_parse_reply(line, n, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_OK);
	assert_int_equal(json_integer_value(json_object_get(reply, "bytes")), total);
	assert_int_equal(json_integer_value(json_object_get(reply, "chunks")), 8);
	assert_int_equal(json_integer_value(json_object_get(reply, "fnv")), (json_int_t)(h >> 1));
	json_decref(reply);
	ctlio_done(&io);
	close(fd);
	free(buf);
	ctlsock_stop(s);
}

/* A peer that stops inside a header or inside a chunk: the handler learns
 * that the stream was cut short, and the reply says so. */
static void
test_ctlsock_truncated_stream_is_refused(void **state)
{
	static const char *const tails[] = { "\0\0", "\0\0\0\x10" "abc" };
	static const size_t tail_lens[] = { 2, 7 };
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	const char *head = "{\"v\":2,\"cmd\":\"upload\"}\n";
	struct ktp_err err = {0};
	struct ctlio io;
	json_t *reply = NULL;
	char *line;
	size_t i, n;
	int fd, st;

	for (i = 0; i < 2; i++) {
		fd = raw_connect(f->path);
		ctlio_init(&io, fd, CTLMSG_REPLY_MAX);
		assert_int_equal(ctlio_write(&io, head, strlen(head), &err), 0);
		assert_int_equal(ctlio_write(&io, tails[i], tail_lens[i], &err), 0);
		shutdown(fd, SHUT_WR);
		assert_int_equal(ctlio_skip_stream(&io, NULL, &err), 0);
		assert_int_equal(ctlio_read_line(&io, &line, &n, &err), 0);
		st = -1;
		assert_int_equal(ctlmsg_parse_reply(line, n, &reply, &st, &err), 0);
		assert_int_equal(st, CTL_STATUS_FAILED);
		assert_string_equal(json_string_value(json_object_get(reply, "error")),
				    "upload: ctl: stream cut short");
		json_decref(reply);
		ctlio_done(&io);
		close(fd);
	}
	ctlsock_stop(s);
}

/* A command without a payload that gets one is refused before its handler
 * runs, and the daemon closes rather than read the payload. */
static void
test_ctlsock_plain_command_with_a_payload_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("sync"), *reply = NULL;
	char text[256];
	int st = -1;

	atomic_store(&handler_calls, 0);
	assert_int_equal(ctlclient_call_with_fd(c, req, open("/dev/zero", O_RDONLY | O_CLOEXEC),
						&reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_BAD_REQUEST);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "ctl: 'sync' takes no payload");
	assert_int_equal(atomic_load(&handler_calls), 0);
	json_decref(reply);
	assert_int_equal(call(c, "status", text, sizeof(text)), -EPIPE);
	assert_string_equal(text, "ctl: the daemon closed the connection without a reply");
	json_decref(req);
	ctlclient_close(c);
	ctlsock_stop(s);
}

/* A download that fails part way: the handler replies without ending its
 * stream, and the reply ends it, so the client reads what came, the end, the
 * reply, and the connection goes on. */
static void
test_ctlsock_reply_ends_a_download_the_handler_left_open(void **state)
{
	struct fixture *f = *state;
	struct ctlsock_opts o = {0};
	struct ctlsock *s = start(f, &o);
	struct ctlclient *c = connect_ok(f);
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("partial"), *reply = NULL;
	const uint8_t *data;
	char text[256];
	size_t len;
	int st = -1;

	assert_int_equal(ctlclient_request(c, req, &err), 0);
	assert_int_equal(ctlclient_read_chunk(c, &data, &len, &err), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "abc", 3);
	assert_int_equal(ctlclient_read_chunk(c, &data, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_int_equal(ctlclient_read_reply(c, &reply, &st, &err), 0);
	assert_int_equal(st, CTL_STATUS_FAILED);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "partial: disk full");
	json_decref(reply);
	assert_int_equal(call(c, "status", text, sizeof(text)), CTL_STATUS_OK);
	json_decref(req);
	ctlclient_close(c);
	ctlsock_stop(s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ctlsock_serves_several_requests_on_one_connection),
		T(test_ctlsock_version_mismatch_is_answered_not_dropped),
		T(test_ctlsock_unknown_command_gets_status_5),
		T(test_ctlsock_long_utf8_command_name_gets_status_5),
		T(test_ctlsock_malformed_json_gets_bad_request),
		T(test_ctlsock_handler_without_reply_gets_failed),
		T(test_ctlsock_request_of_max_line_is_served),
		T(test_ctlsock_oversize_line_gets_clear_reply),
		T(test_ctlsock_upload_stream_round_trips_every_byte),
		T(test_ctlsock_download_stream_round_trips_every_byte),
		T(test_ctlsock_stream_refused_midway_still_delivers_the_reply),
		T(test_ctlclient_send_fd_read_error_cuts_the_stream_at_once),
		T(test_ctlsock_oversize_chunk_is_refused),
		T(test_ctlsock_refused_stream_request_closes_before_its_payload),
		T(test_ctlsock_refused_plain_request_keeps_the_connection),
		T(test_ctlsock_handler_sees_peer_gone),
		T(test_ctlsock_stop_wakes_a_handler_waiting_for_its_peer),
		T(test_ctlsock_socket_is_0660_with_the_given_group),
		T(test_ctlsock_unknown_group_is_refused),
		T(test_ctlsock_stale_socket_is_replaced),
		T(test_ctlsock_live_socket_is_refused_and_kept),
		T(test_ctlsock_file_that_is_not_a_socket_is_kept),
		T(test_ctlsock_stop_returns_promptly_with_idle_clients),
		T(test_ctlsock_idle_connection_times_out),
		T(test_ctlsock_total_cap_answers_busy),
		T(test_ctlsock_per_uid_cap_answers_busy),
		T(test_ctlsock_read_write_needs_root_or_admin_group),
		T(test_ctlsock_names_need_root_or_admin_group_not_the_socket_group),
		T(test_ctlsock_admin_group_member_outside_the_socket_group_connects),
		T(test_ctlsock_denied_stream_command_closes_after_reply),
		T(test_ctlsock_daemon_uid_may_write_and_others_are_told_who_may),
		T(test_ctlclient_missing_socket_names_the_daemon),
		T(test_ctlclient_simple_maps_status_to_exit_code),
		T(test_ctlclient_unknown_command_names_both_daemons),
		T(test_ctlclient_refused_download_gets_an_empty_stream_then_the_reply),
		T(test_ctlclient_json_prints_the_reply_unchanged),
		T(test_ctlclient_old_daemon_is_named_by_its_version),
		T(test_ctlclient_oversize_chunk_from_the_daemon_is_refused),
		T(test_ctlsock_chunk_boundaries_anywhere_keep_every_byte),
		T(test_ctlsock_truncated_stream_is_refused),
		T(test_ctlsock_plain_command_with_a_payload_is_refused),
		T(test_ctlsock_reply_ends_a_download_the_handler_left_open),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_ctlsock: needs root (credential cases change uid)\n");
		return 1;
	}
	/* SIGPIPE keeps its default: a write without MSG_NOSIGNAL would kill the test. */
	return cmocka_run_group_tests_name("ctlsock", tests, NULL, NULL);
}
