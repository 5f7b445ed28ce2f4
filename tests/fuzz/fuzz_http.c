/* SPDX-License-Identifier: ISC */
/* fuzz_http — libFuzzer target for the hub's HTTP request path and login form.
 * One server runs in the process (libmicrohttpd on 127.0.0.1, stub handlers);
 * each input, by its first byte, is sent as a raw request, as the body
 * of POST /login, as a path with a session cookie, or as a push body; or its
 * bytes go through the UTF-8 helpers error texts use. The stubs never answer
 * 500, so a 500 (the static "out of memory" of a failed JSON text) is a
 * finding, as is a crash or a request the server leaves unanswered and open. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "err.h"
#include "http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum mode { MODE_RAW, MODE_LOGIN, MODE_PATH, MODE_PUSH, MODE_UTF8, MODE_COUNT };

static struct http_server *srv;

static void
on_push(void *ctx, const uint8_t *wire, size_t len, struct http_reply *ret)
{
	(void)ctx;
	http_reply_json(ret, 200, json_pack("{s:I,s:i}", "len", (json_int_t)len,
					    "first", len ? wire[0] : -1));
}

static int
on_push_header(void *ctx, const uint8_t *hdr, uint64_t wire_len, struct http_reply *ret)
{
	(void)ctx;
	(void)wire_len;
	if (hdr[0] != 'X')
		return 0;
	http_reply_error(ret, 401, "node %.*s is not enrolled", 4, (const char *)hdr + 1);
	return -1;
}

static void
on_report(void *ctx, const char *regency, const char *level, const char *lang,
	  struct http_reply *ret)
{
	(void)ctx;
	(void)level;
	(void)lang;
	http_reply_error(ret, 400, "regency '%.*s': not a code",
			 regency ? ktp_utf8_cut(regency, 16) : 1, regency ? regency : "-");
}

static void
on_plain(void *ctx, struct http_reply *ret)
{
	(void)ctx;
	http_reply_take(ret, 200, "text/plain", strdup("m 1\n"), 4);
}

static void
on_page(void *ctx, const char *path, const char *lang, struct http_reply *ret)
{
	(void)ctx;
	(void)lang;
	http_reply_error(ret, 404, "%.*s: no data yet", ktp_utf8_cut(path, 64), path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct http_handlers h = {
		.push = on_push, .push_header = on_push_header, .report = on_report,
		.report_csv = on_report, .nodes = on_plain, .metrics = on_plain, .page = on_page,
	};
	/* Failed logins are not limited here, or the fuzzer would meet 429 only. */
	const struct http_opts o = {
		.host = "127.0.0.1", .port = 0, .max_body = 256 * 1024, .max_conns = 64,
		.max_conns_per_ip = 64, .timeout_s = 1, .request_timeout_s = 2, .threads = 2,
		.token = "fuzz-token-0123456789", .session_lifetime_s = 60,
		.login_fails_max = 1u << 30, .login_window_s = 1,
		.max_buffer_per_ip = 512 * 1024, .max_buffer_total = 1024 * 1024,
	};
	struct ktp_err err = {0};

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || http_start(&o, &h, &srv, &err) < 0) {
		fprintf(stderr, "fuzz_http: %s\n", err.msg);
		abort();
	}
	return 0;
}

static int
connect_srv(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(http_port(srv)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		abort();
	return fd;
}

static void
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0 && (w = send(fd, c, n, MSG_NOSIGNAL)) > 0) {
		c += w;
		n -= (size_t)w;
	}
}

/* Sends, shuts the writing side (a request cut short ends at once) and
 * reads the answer to its end. The status of the first answer, 0 if none. */
static unsigned
exchange(const void *req, size_t len)
{
	struct pollfd pfd;
	char head[16], sink[4096];
	size_t got = 0;
	unsigned status = 0;
	ssize_t n;
	int fd = connect_srv();

	send_all(fd, req, len);
	shutdown(fd, SHUT_WR);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		/* The request deadline is 2 s: no request may stay open longer. */
		if (poll(&pfd, 1, 5000) != 1) {
			fprintf(stderr, "fuzz_http: a request left open and unanswered\n");
			abort();
		}
		if (got < sizeof(head))
			n = recv(fd, head + got, sizeof(head) - got, 0);
		else
			n = recv(fd, sink, sizeof(sink), 0);
		if (n <= 0)
			break;
		if (got < sizeof(head))
			got += (size_t)n;
	}
	close(fd);
	if (got >= 12 && memcmp(head, "HTTP/1.", 7) == 0)
		status = (unsigned)strtoul(head + 9, NULL, 10);
	return status;
}

/* Builds "HEAD\r\n\r\nBODY" in a new buffer. */
static char *
with_body(const char *head, const uint8_t *body, size_t blen, size_t *ret_len)
{
	size_t hlen = strlen(head);
	char *p = malloc(hlen + blen + 1);

	if (p == NULL)
		abort();
	memcpy(p, head, hlen);
	memcpy(p + hlen, body, blen);
	*ret_len = hlen + blen;
	return p;
}

/* The input then an empty line: libmicrohttpd waits out its idle timeout
 * for a header block that never ends, even after end of file. */
static unsigned
send_raw(const uint8_t *data, size_t size)
{
	char *req = malloc(size + 4);
	unsigned st;

	if (req == NULL)
		abort();
	memcpy(req, data, size);
	memcpy(req + size, "\r\n\r\n", 4);
	st = exchange(req, size + 4);
	free(req);
	return st;
}

static unsigned
send_login(const uint8_t *data, size_t size)
{
	char head[160], *req;
	size_t len;
	unsigned st;

	snprintf(head, sizeof(head), "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
		 "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n", size);
	req = with_body(head, data, size, &len);
	st = exchange(req, len);
	free(req);
	return st;
}

static unsigned
send_push(const uint8_t *data, size_t size)
{
	char head[128], *req;
	size_t len;
	unsigned st;

	snprintf(head, sizeof(head), "POST /v1/push HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		 "Content-Length: %zu\r\n\r\n", size);
	req = with_body(head, data, size, &len);
	st = exchange(req, len);
	free(req);
	return st;
}

/* The input up to its first NUL is the path (control bytes and spaces
 * become '%'), the rest the session cookie's value. */
static unsigned
send_path(const uint8_t *data, size_t size)
{
	char *req = malloc(2 * size + 128), *p;
	size_t i = 0;
	unsigned st;

	if (req == NULL)
		abort();
	p = req + sprintf(req, "GET /");
	for (; i < size && data[i] != '\0'; i++)
		*p++ = data[i] <= ' ' || data[i] == 0x7f ? '%' : (char)data[i];
	p += sprintf(p, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: ktp_session=");
	for (i++; i < size; i++)
		*p++ = data[i] <= ' ' || data[i] == ';' || data[i] == 0x7f ? '0' : (char)data[i];
	p += sprintf(p, "\r\n\r\n");
	st = exchange(req, (size_t)(p - req));
	free(req);
	return st;
}

/* What error texts go through before they become JSON. */
static void
check_utf8(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	json_t *j;
	int cut;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	cut = ktp_utf8_cut(s, size / 2);
	if (cut < 0 || (size_t)cut > size / 2)
		abort();
	s[cut] = '\0';
	ktp_utf8_scrub(s);
	if ((j = json_string(s)) == NULL)
		abort();
	json_decref(j);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned st = 0;

	if (size == 0)
		return 0;
	switch (data[0] % MODE_COUNT) {
	case MODE_RAW:
		st = send_raw(data + 1, size - 1);
		break;
	case MODE_LOGIN:
		st = send_login(data + 1, size - 1);
		break;
	case MODE_PATH:
		st = send_path(data + 1, size - 1);
		break;
	case MODE_PUSH:
		st = send_push(data + 1, size - 1);
		break;
	default:
		check_utf8(data + 1, size - 1);
		break;
	}
	if (st == 500) {
		fprintf(stderr, "fuzz_http: HTTP 500 from handlers that never answer it\n");
		abort();
	}
	return 0;
}
