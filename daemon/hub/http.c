/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "answer.h"
#include "dashboard.h"
#include "err.h"
#include "http.h"
#include "ktime.h"
#include "log.h"
#include "proto.h"

/* The life of a request, in libmicrohttpd's calls to on_request:
 *
 *   NEW --GET /healthz, or refused (404, 405, 401, 413)--> answered     [begin_request]
 *   NEW --POST /v1/push, Content-Length within max_body--> COLLECTING    [begin_push]
 *   COLLECTING --chunk within max_body--> COLLECTING                     [collect_body]
 *   COLLECTING --chunk past max_body--> connection closed, nothing kept  [collect_body]
 *   COLLECTING --76 header bytes refused (push_header), or a buffer cap
 *                reached--> REFUSED, buffer freed                         [refuse_push]
 *   REFUSED --chunks--> dropped --end of body--> closed (answer sent
 *             at once, plain HTTP) or answered (TLS)                      [on_request]
 *   COLLECTING --end of body--> WORKING (connection suspended)           [dispatch]
 *   NEW --other GET, token valid--> WORKING (connection suspended)       [dispatch]
 *   NEW --GET /static/NAME, GET /login--> answered, no token needed      [begin_request]
 *   NEW --GET / or /regency/CODE, no token--> 303 to /login              [begin_page]
 *   NEW --POST /login--> FORM --end of form--> 303 to / with a cookie,
 *                                  or the form again with 401            [finish_login]
 *   WORKING --a worker ran the handler--> DONE (connection resumed)      [run_worker]
 *   DONE --> answered                                                    [on_request]
 *   NEW, COLLECTING, FORM --request_timeout after the request began-->
 *                                  connection shut down, no answer       [run_reaper]
 *
 * libmicrohttpd's connection timeout counts idle time only, so a client
 * that sends a byte now and then would hold its connection for ever. Every
 * connection is therefore on a list from accept to close (on_connection),
 * with the time its current request began; a reaper thread shuts down the
 * socket of any request still arriving request_timeout later, and
 * libmicrohttpd, reading end of file, closes the connection itself. A
 * request being handled or answered is not cut.
 *
 * Handlers run on a few worker threads, never on libmicrohttpd's polling
 * threads: an apply waits for the store lock and may take a while, and a
 * polling thread that waited would stall every connection it serves,
 * timeouts included.
 *
 * libmicrohttpd cannot queue a reply while it is handing over body data, so
 * a chunked body without Content-Length that passes the limit is cut off
 * rather than read to its end: the limit is on memory and on time both.
 *
 * Memory follows what a client proved. Nothing past the 76 header bytes of
 * a push is kept before the hub's push_header passed them (a well-formed
 * header of an enrolled node, a length its plain_len explains); then the
 * buffer grows with the data, counted against max_buffer_per_ip and
 * max_buffer_total. A refusal is known while the body still arrives, when
 * libmicrohttpd takes no answer: on plain HTTP the server writes it to the
 * socket itself and shuts its side, so the client reads it at once, then
 * drops the rest of the body and closes; on TLS it answers at the end of
 * the body (request_timeout bounds the wait). Either way nothing more is
 * kept. */

#define HTTP_WORKERS 4

struct job {
	struct MHD_Connection	*conn;
	struct request		*req;
	struct job		*next;
};

struct http_server {
	struct MHD_Daemon	*mhd;
	struct http_handlers	h;
	atomic_uint		active;		/* requests begun and not yet completed */
	uint64_t		max_body;
	uint16_t		port;
	bool			quiesced;	/* by the thread that stops it */
	/* The listening socket MHD_quiesce_daemon gave back: closed only after
	 * MHD_stop_daemon, since a polling thread may still be dropping it from
	 * its epoll set when quiesce returns (a race under TSan otherwise). */
	MHD_socket		quiesced_fd;
	/* has_token, token_hash and session_key are guarded by token_lock:
	 * http_set_token replaces them while requests are served. */
	pthread_mutex_t		token_lock;
	bool			has_token;
	bool			tls;		/* the session cookie is then Secure */
	uint8_t			token_hash[crypto_generichash_BYTES];
	uint8_t			session_key[crypto_generichash_KEYBYTES];	/* signs cookies */
	unsigned		session_lifetime_s;
	unsigned		login_fails_max;
	unsigned		login_window_s;
	/* What the server keeps per client address, guarded by peer_lock. */
	pthread_mutex_t		peer_lock;
	struct peer		*peers;
	size_t			n_peers;
	size_t			peers_max;	/* max_connections + PEERS_SPARE */
	uint64_t		buffered_total;
	uint64_t		max_buffer_per_ip;	/* 0 = no cap */
	uint64_t		max_buffer_total;
	/* Connections from accept to close, guarded by conn_lock. */
	pthread_mutex_t		conn_lock;
	pthread_cond_t		reaper_cond;
	struct conn		*conns;
	uint64_t		request_timeout_ms;
	pthread_t		reaper;
	bool			has_reaper;
	bool			reaper_stop;
	/* The job queue; the fields below q_lock are guarded by it. */
	pthread_t		workers[HTTP_WORKERS];
	size_t			n_workers;
	pthread_mutex_t		q_lock;
	pthread_cond_t		q_cond;
	struct job		*q_head;
	struct job		*q_tail;
	bool			q_closed;
};

enum request_state { REQ_NEW, REQ_COLLECTING, REQ_REFUSED, REQ_FORM, REQ_WORKING, REQ_DONE };

enum route {
	ROUTE_PUSH,
	ROUTE_REPORT,
	ROUTE_REPORT_CSV,
	ROUTE_NODES,
	ROUTE_METRICS,
	ROUTE_HEALTHZ,
	ROUTE_PAGE,
	ROUTE_STATIC,
	ROUTE_LOGIN,
	ROUTE_NONE,
};

static const struct {
	const char	*path;
	enum route	route;
} routes[] = {
	{ KTP_HTTP_PUSH_PATH,	ROUTE_PUSH },
	{ "/v1/report",		ROUTE_REPORT },
	{ "/v1/report.csv",	ROUTE_REPORT_CSV },
	{ "/v1/nodes",		ROUTE_NODES },
	{ "/metrics",		ROUTE_METRICS },
	{ "/healthz",		ROUTE_HEALTHZ },
	{ "/",			ROUTE_PAGE },
	{ "/login",		ROUTE_LOGIN },
};

#define SESSION_COOKIE	"ktp_session"
#define LOGIN_FORM_MAX	1024
#define TOKEN_MAX	256		/* the longest report_token (conf_hub) */
#define PEERS_SPARE	1024		/* addresses remembered beyond max_connections */

/* One TCP connection, for the request deadline. */
struct conn {
	struct http_server *s;
	int		fd;
	uint64_t	since_ms;	/* when its current request began */
	bool		receiving;	/* the request's headers or body are still coming */
	bool		cut;		/* shut down by the reaper */
	struct conn	*prev, *next;
};

/* One client address: the push bodies held for it, the failed logins in
 * its current window. An address that has nothing left to remember is
 * dropped from the table. */
struct peer {
	uint8_t		addr[16];	/* IPv6, or IPv4 as ::ffff:a.b.c.d */
	uint64_t	buffered;	/* push body buffers held for it */
	unsigned	fails;
	time_t		fail_since;
};

/* One per request, made at its first call so that every request is counted
 * in `active` until libmicrohttpd reports it completed. */
struct request {
	enum request_state state;
	enum route	route;
	char		*regency;	/* ?regency=, copied: the worker outlives the call */
	char		*level;		/* ?level=, copied */
	char		*path;		/* dashboard page path, copied */
	char		*lang;		/* ?lang=, copied */
	struct MHD_PostProcessor *form;	/* POST /login */
	char		token[TOKEN_MAX + 1];	/* the form's token field */
	size_t		token_len;
	bool		token_too_long;	/* then no token can match */
	bool		form_bad;	/* answered 400 once the body is read */
	uint8_t		*buf;
	size_t		len;
	size_t		cap;
	size_t		expect;		/* Content-Length, 0 when absent */
	bool		hdr_checked;	/* the batch header passed push_header */
	bool		answered_early;	/* REQ_REFUSED: the answer went out already */
	uint64_t	charged;	/* bytes of buf counted against the caps */
	size_t		discarded;	/* REQ_REFUSED: body bytes read and dropped */
	uint8_t		addr[16];
	struct http_reply reply;	/* filled by the worker */
};

static const char oom_body[] = "{\"error\":\"out of memory\"}";

static void mark_conn(struct MHD_Connection *mc, bool receiving);

void
http_reply_take(struct http_reply *r, unsigned status, const char *content_type,
		char *body, size_t len)
{
	r->status = status;
	r->content_type = content_type;
	r->body = body;
	r->len = len;
}

void
http_reply_json(struct http_reply *r, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	http_reply_take(r, text ? status : 500, NULL, text, text ? strlen(text) : 0);
}

void
http_reply_error(struct http_reply *r, unsigned status, const char *fmt, ...)
{
	char msg[KTP_ERR_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* JSON takes UTF-8 only; a client's bytes must not turn a 404 into a 500. */
	ktp_utf8_scrub(msg);
	http_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

static enum route
find_route(const char *url)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(url, routes[i].path) == 0)
			return routes[i].route;
	if (strncmp(url, "/regency/", 9) == 0)
		return ROUTE_PAGE;
	if (strncmp(url, "/static/", 8) == 0)
		return ROUTE_STATIC;
	return ROUTE_NONE;
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct http_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	char secs[16];

	mark_conn(conn, false);
	if (r->body == NULL) {
		r->status = 500;
		resp = MHD_create_response_from_buffer(sizeof(oom_body) - 1, (void *)oom_body,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	}
	if (resp == NULL) {
		free(r->body);
		r->body = NULL;
		return MHD_NO;
	}
	r->body = NULL;		/* the response owns it now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type ? r->content_type : "application/json");
	if (r->retry_after > 0) {
		snprintf(secs, sizeof(secs), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	if (r->status == 401 && r->content_type == NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (r->location != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->cookie[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD (POST for " KTP_HTTP_PUSH_PATH ")");
	ok = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result
send_error(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result
send_error(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
{
	struct http_reply r = {0};
	char msg[KTP_ERR_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktp_utf8_scrub(msg);
	http_reply_json(&r, status, json_pack("{s:s}", "error", msg));
	return send_reply(conn, &r);
}

/* A push refused here, before the hub saw its batch, answers in the shape of
 * the hub's own answers (protocol/answer.c). The text may hold a client's
 * bytes. */
static void
reply_push_refusal(struct http_reply *r, enum answer_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reply_push_refusal(struct http_reply *r, enum answer_outcome o, const char *fmt, ...)
{
	struct answer a = { .outcome = o };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a.error, sizeof(a.error), fmt, ap);
	va_end(ap);
	ktp_utf8_scrub(a.error);
	http_reply_json(r, answer_status(o), answer_encode(&a));
}

static void
hash_token(const char *token, uint8_t out[static crypto_generichash_BYTES])
{
	crypto_generichash(out, crypto_generichash_BYTES, (const uint8_t *)token,
			   strlen(token), NULL, 0);
}

/* The dashboard's cookie is signed with a key derived from the token, and
 * never holds the token: a browser's cookie store never holds what the API
 * accepts as a bearer, and a new token signs every browser out. */
static void
derive_session_key(const char *token, uint8_t out[static crypto_generichash_KEYBYTES])
{
	static const char key[] = "ktpsync-dashboard-session";

	crypto_generichash(out, crypto_generichash_KEYBYTES, (const uint8_t *)token,
			   strlen(token), (const uint8_t *)key, sizeof(key) - 1);
}

/* A session is "EXPIRY.MAC": EXPIRY in seconds since the epoch, MAC the
 * keyed digest of the EXPIRY text, in hex. */
#define SESSION_MAC_HEX	(2 * crypto_generichash_BYTES)
#define SESSION_LEN	(20 + 1 + SESSION_MAC_HEX)

static void
sign_session(const uint8_t key[static crypto_generichash_KEYBYTES], const char *expiry,
	     size_t len, char hex[static SESSION_MAC_HEX + 1])
{
	uint8_t mac[crypto_generichash_BYTES];

	crypto_generichash(mac, sizeof(mac), (const uint8_t *)expiry, len, key,
			   crypto_generichash_KEYBYTES);
	sodium_bin2hex(hex, SESSION_MAC_HEX + 1, mac, sizeof(mac));
}

/* Called with token_lock held. */
static void
make_session(struct http_server *s, time_t now, char out[static SESSION_LEN + 1])
{
	char hex[SESSION_MAC_HEX + 1];
	int n;

	n = snprintf(out, SESSION_LEN + 1, "%lld", (long long)now + s->session_lifetime_s);
	sign_session(s->session_key, out, (size_t)n, hex);
	snprintf(out + n, SESSION_LEN + 1 - (size_t)n, ".%s", hex);
}

void
http_set_token(struct http_server *s, const char *token)
{
	pthread_mutex_lock(&s->token_lock);
	s->has_token = token != NULL && token[0] != '\0';
	if (s->has_token) {
		hash_token(token, s->token_hash);
		derive_session_key(token, s->session_key);
	}
	pthread_mutex_unlock(&s->token_lock);
}

/* The token may be replaced (SIGHUP) while a polling thread asks. */
static bool
token_is_set(struct http_server *s)
{
	bool set;

	pthread_mutex_lock(&s->token_lock);
	set = s->has_token;
	pthread_mutex_unlock(&s->token_lock);
	return set;
}

/* Called with token_lock held. A session is good until its expiry, which
 * is never further than session_lifetime away (a lifetime shortened by a
 * restart shortens the sessions given before). */
static bool
session_is_valid(struct http_server *s, struct MHD_Connection *conn, time_t now)
{
	const char *c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE);
	char hex[SESSION_MAC_HEX + 1];
	const char *dot;
	long long expiry;
	char *end;

	if (c == NULL || (dot = strchr(c, '.')) == NULL || dot == c || dot - c > 20 ||
	    strlen(dot + 1) != SESSION_MAC_HEX)
		return false;
	errno = 0;
	expiry = strtoll(c, &end, 10);
	if (errno != 0 || end != dot || *c < '0' || *c > '9')
		return false;
	if (expiry <= (long long)now || expiry > (long long)now + s->session_lifetime_s)
		return false;
	sign_session(s->session_key, c, (size_t)(dot - c), hex);
	return sodium_memcmp(hex, dot + 1, SESSION_MAC_HEX) == 0;
}

/* Compares digests, not the texts, so the time taken says nothing about
 * how much of a guessed token was right. */
static bool
token_is_valid(struct http_server *s, struct MHD_Connection *conn)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	uint8_t given[crypto_generichash_BYTES];
	bool ok;

	pthread_mutex_lock(&s->token_lock);
	if (!s->has_token) {
		pthread_mutex_unlock(&s->token_lock);
		return true;
	}
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
		ok = session_is_valid(s, conn, time(NULL));
		pthread_mutex_unlock(&s->token_lock);
		return ok;
	}
	hash_token(auth + 7, given);
	ok = sodium_memcmp(given, s->token_hash, sizeof(given)) == 0;
	pthread_mutex_unlock(&s->token_lock);
	return ok;
}

/* --- The request deadline ---------------------------------------------------- */

#define REAP_EVERY_MS	250

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *c = *socket_context;

	pthread_mutex_lock(&s->conn_lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL && (c = calloc(1, sizeof(*c))) != NULL) {
			c->s = s;
			c->fd = ci->connect_fd;
			c->since_ms = ktime_mono_ms();
			c->receiving = true;
			c->next = s->conns;
			if (s->conns != NULL)
				s->conns->prev = c;
			s->conns = c;
			*socket_context = c;
		}
	} else if (c != NULL) {
		/* Off the list before libmicrohttpd closes the socket, so the
		 * reaper never shuts down a descriptor that was reused. */
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		free(c);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&s->conn_lock);
}

/* receiving: a new request begins on the connection (keep-alive), or the
 * current one has all arrived and is being handled or answered. */
static void
mark_conn(struct MHD_Connection *mc, bool receiving)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = ci != NULL ? ci->socket_context : NULL;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->s->conn_lock);
	c->receiving = receiving;
	if (receiving)
		c->since_ms = ktime_mono_ms();
	pthread_mutex_unlock(&c->s->conn_lock);
}

/* Called with conn_lock held; returns how many it cut. */
static unsigned
cut_late(struct http_server *s, uint64_t now)
{
	struct conn *c;
	unsigned n = 0;

	for (c = s->conns; c != NULL; c = c->next) {
		if (!c->receiving || c->cut || now - c->since_ms < s->request_timeout_ms)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		c->cut = true;
		n++;
	}
	return n;
}

static void *
run_reaper(void *arg)
{
	struct http_server *s = arg;
	struct timespec until;
	unsigned n;

	pthread_mutex_lock(&s->conn_lock);
	while (!s->reaper_stop) {
		if ((n = cut_late(s, ktime_mono_ms())) > 0) {
			pthread_mutex_unlock(&s->conn_lock);
			log_warn("http: %u request%s not received within %llu s (request_timeout), "
				 "connection%s closed", n, n == 1 ? "" : "s",
				 (unsigned long long)s->request_timeout_ms / 1000, n == 1 ? "" : "s");
			pthread_mutex_lock(&s->conn_lock);
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += REAP_EVERY_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->reaper_cond, &s->conn_lock, &until);
	}
	pthread_mutex_unlock(&s->conn_lock);
	return NULL;
}

static int
start_reaper(struct http_server *s, struct ktp_err *err)
{
	int r;

	if (s->request_timeout_ms == 0)
		return 0;
	if ((r = pthread_create(&s->reaper, NULL, run_reaper, s)) != 0)
		return ktp_err_set(err, -r, "http: reaper: %s", strerror(r));
	s->has_reaper = true;
	return 0;
}

static void
stop_reaper(struct http_server *s)
{
	if (!s->has_reaper)
		return;
	pthread_mutex_lock(&s->conn_lock);
	s->reaper_stop = true;
	pthread_cond_signal(&s->reaper_cond);
	pthread_mutex_unlock(&s->conn_lock);
	pthread_join(s->reaper, NULL);
	s->has_reaper = false;
}

/* --- Workers ------------------------------------------------------------ */

static void
run_handler(struct http_server *s, struct request *req)
{
	struct http_reply *r = &req->reply;

	switch (req->route) {
	case ROUTE_PUSH:
		s->h.push(s->h.ctx, req->buf, req->len, r);
		break;
	case ROUTE_REPORT:
		s->h.report(s->h.ctx, req->regency, req->level, req->lang, r);
		break;
	case ROUTE_REPORT_CSV:
		s->h.report_csv(s->h.ctx, req->regency, req->level, req->lang, r);
		break;
	case ROUTE_NODES:
		s->h.nodes(s->h.ctx, r);
		break;
	case ROUTE_PAGE:
		s->h.page(s->h.ctx, req->path, req->lang, r);
		break;
	default:
		s->h.metrics(s->h.ctx, r);
		break;
	}
}

/* The request may be freed as soon as its connection is resumed, so the
 * worker touches neither after MHD_resume_connection. */
static void *
run_worker(void *arg)
{
	struct http_server *s = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&s->q_lock);
		while (s->q_head == NULL && !s->q_closed)
			pthread_cond_wait(&s->q_cond, &s->q_lock);
		if ((j = s->q_head) == NULL) {
			pthread_mutex_unlock(&s->q_lock);
			return NULL;
		}
		s->q_head = j->next;
		if (s->q_head == NULL)
			s->q_tail = NULL;
		pthread_mutex_unlock(&s->q_lock);
		run_handler(s, j->req);
		j->req->state = REQ_DONE;
		MHD_resume_connection(j->conn);
		free(j);
	}
}

/* Hands the request to a worker and suspends its connection until the
 * worker is done; once the workers are gone (stopping), runs it here. */
static enum MHD_Result
dispatch(struct http_server *s, struct MHD_Connection *conn, struct request *req)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return MHD_NO;
	j->conn = conn;
	j->req = req;
	req->state = REQ_WORKING;
	mark_conn(conn, false);
	pthread_mutex_lock(&s->q_lock);
	if (s->q_closed) {
		pthread_mutex_unlock(&s->q_lock);
		free(j);
		run_handler(s, req);
		req->state = REQ_DONE;
		return send_reply(conn, &req->reply);
	}
	MHD_suspend_connection(conn);
	if (s->q_tail != NULL)
		s->q_tail->next = j;
	else
		s->q_head = j;
	s->q_tail = j;
	pthread_cond_signal(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	return MHD_YES;
}

static int
start_workers(struct http_server *s, struct ktp_err *err)
{
	int r;

	for (s->n_workers = 0; s->n_workers < HTTP_WORKERS; s->n_workers++) {
		r = pthread_create(&s->workers[s->n_workers], NULL, run_worker, s);
		if (r != 0)
			return ktp_err_set(err, -r, "http: workers: %s", strerror(r));
	}
	return 0;
}

/* Lets the workers finish every queued job, then joins them. */
static void
stop_workers(struct http_server *s)
{
	size_t i;

	pthread_mutex_lock(&s->q_lock);
	s->q_closed = true;
	pthread_cond_broadcast(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	for (i = 0; i < s->n_workers; i++)
		pthread_join(s->workers[i], NULL);
	s->n_workers = 0;
}

/* --- Client addresses ------------------------------------------------------ */

static void
peer_addr(struct MHD_Connection *conn, uint8_t out[static 16])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	memset(out, 0, 16);
	if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else if (sa != NULL && sa->sa_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	}
}

/* Called with peer_lock held. The table has room for every connection's
 * address; when failed logins from many addresses fill it, the one that
 * failed first and holds no push makes room. NULL if none can (or out of
 * memory): the caller then refuses. */
static struct peer *
find_peer(struct http_server *s, const uint8_t addr[static 16], bool create)
{
	struct peer *p = NULL;
	size_t i;

	for (i = 0; i < s->n_peers; i++)
		if (memcmp(s->peers[i].addr, addr, 16) == 0)
			return &s->peers[i];
	if (!create)
		return NULL;
	if (s->peers == NULL && (s->peers = calloc(s->peers_max, sizeof(*s->peers))) == NULL)
		return NULL;
	if (s->n_peers < s->peers_max) {
		p = &s->peers[s->n_peers++];
	} else {
		for (i = 0; i < s->n_peers; i++)
			if (s->peers[i].buffered == 0 &&
			    (p == NULL || s->peers[i].fail_since < p->fail_since))
				p = &s->peers[i];
		if (p == NULL)
			return NULL;
	}
	memset(p, 0, sizeof(*p));
	memcpy(p->addr, addr, 16);
	return p;
}

/* Called with peer_lock held. */
static void
forget_peer_if_idle(struct http_server *s, struct peer *p, time_t now)
{
	if (p->buffered > 0 || (p->fails > 0 && now < p->fail_since + (time_t)s->login_window_s))
		return;
	*p = s->peers[--s->n_peers];
}

/* --- Failed logins ------------------------------------------------------------
 * An address gets login_fails_max wrong tokens per login_window; past
 * that, POST /login answers 429 until the window that began with its first
 * failure ends, whatever token it sends. A right token clears the count. */

static unsigned
login_blocked_for(struct http_server *s, const uint8_t addr[static 16], time_t now)
{
	struct peer *p;
	unsigned left = 0;

	pthread_mutex_lock(&s->peer_lock);
	if ((p = find_peer(s, addr, false)) != NULL) {
		if (p->fails >= s->login_fails_max &&
		    now < p->fail_since + (time_t)s->login_window_s)
			left = (unsigned)(p->fail_since + (time_t)s->login_window_s - now);
		else
			forget_peer_if_idle(s, p, now);
	}
	pthread_mutex_unlock(&s->peer_lock);
	return left;
}

static void
note_login(struct http_server *s, const uint8_t addr[static 16], bool ok, time_t now)
{
	struct peer *p;

	pthread_mutex_lock(&s->peer_lock);
	if ((p = find_peer(s, addr, !ok)) != NULL) {
		if (ok) {
			p->fails = 0;
		} else {
			if (p->fails == 0 || now >= p->fail_since + (time_t)s->login_window_s) {
				p->fails = 0;
				p->fail_since = now;
			}
			p->fails++;
		}
		forget_peer_if_idle(s, p, now);
	}
	pthread_mutex_unlock(&s->peer_lock);
}

/* --- Dashboard ------------------------------------------------------------ */

static const char *
lang_of(struct MHD_Connection *conn)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "lang");
}

static bool
is_english(const char *lang)
{
	return dashboard_lang_from_query(lang) == DASHBOARD_LANG_EN;
}

/* Assets are public (they hold no data) and compiled in. */
static enum MHD_Result
send_static(struct MHD_Connection *conn, const char *url)
{
	struct MHD_Response *resp;
	const char *type = NULL, *body;
	size_t len = 0;
	enum MHD_Result ok;

	mark_conn(conn, false);
	if ((body = dashboard_asset(url, &type, &len)) == NULL)
		return send_error(conn, 404, "no such path '%.*s'", ktp_utf8_cut(url, 64), url);
	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "max-age=3600");
	ok = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result
send_login(struct MHD_Connection *conn, const char *lang, bool failed)
{
	struct http_reply r = {0};
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len = 0;

	if (dashboard_login(dashboard_lang_from_query(lang), failed, &html, &len, &err) < 0)
		return send_error(conn, 500, "%s", err.msg);
	http_reply_take(&r, failed ? 401 : 200, "text/html; charset=utf-8", html, len);
	return send_reply(conn, &r);
}

static enum MHD_Result
send_redirect(struct MHD_Connection *conn, const char *to, const char *cookie)
{
	struct http_reply r = {0};
	char *body = strdup("");

	http_reply_take(&r, 303, "text/plain; charset=utf-8", body, 0);
	r.location = to;
	if (cookie != NULL)
		snprintf(r.cookie, sizeof(r.cookie), "%s", cookie);
	return send_reply(conn, &r);
}

/* Pages need the token like every read endpoint, but a browser without one
 * is sent to the login form instead of getting a JSON 401. */
static enum MHD_Result
begin_page(struct http_server *s, struct MHD_Connection *conn, const char *url,
	   struct request *req)
{
	const char *lang = lang_of(conn);

	if (!token_is_valid(s, conn))
		return send_redirect(conn, is_english(lang) ? "/login?lang=en" : "/login", NULL);
	if ((req->path = strdup(url)) == NULL ||
	    (lang != NULL && (req->lang = strdup(lang)) == NULL))
		return MHD_NO;
	return dispatch(s, conn, req);
}

/* A token longer than any report_token is read to its end and fails: the
 * answer is the form with 401, whatever the length. */
static enum MHD_Result
on_form_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
	      const char *content_type, const char *encoding, const char *data,
	      uint64_t off, size_t size)
{
	struct request *req = cls;

	(void)kind; (void)filename; (void)content_type; (void)encoding;
	if (strcmp(key, "token") != 0 || size == 0 || req->token_too_long)
		return MHD_YES;
	if (off + size > TOKEN_MAX) {
		req->token_too_long = true;
		return MHD_YES;
	}
	memcpy(req->token + off, data, size);
	req->token_len = (size_t)off + size;
	return MHD_YES;
}

static enum MHD_Result
begin_login(struct http_server *s, struct MHD_Connection *conn, const char *method,
	    struct request *req)
{
	struct http_reply r = {0};
	uint8_t addr[16];
	unsigned wait;

	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return send_login(conn, lang_of(conn), false);
	if (!token_is_set(s))
		return send_redirect(conn, "/", NULL);
	peer_addr(conn, addr);
	if ((wait = login_blocked_for(s, addr, time(NULL))) > 0) {
		http_reply_error(&r, 429, "login: %u failed logins from this address within %u s; "
				 "try again in %u s", s->login_fails_max, s->login_window_s, wait);
		r.retry_after = wait;
		return send_reply(conn, &r);
	}
	req->form = MHD_create_post_processor(conn, LOGIN_FORM_MAX, on_form_field, req);
	if (req->form == NULL)
		return send_error(conn, 400, "login: not a form (application/x-www-form-urlencoded)");
	req->state = REQ_FORM;
	return MHD_YES;
}

static bool
login_token_is_right(struct http_server *s, struct request *req)
{
	uint8_t key[crypto_generichash_KEYBYTES];
	bool ok;

	req->token[req->token_len] = '\0';
	derive_session_key(req->token, key);
	sodium_memzero(req->token, sizeof(req->token));
	pthread_mutex_lock(&s->token_lock);
	ok = s->has_token && !req->token_too_long &&
	     sodium_memcmp(key, s->session_key, sizeof(key)) == 0;
	pthread_mutex_unlock(&s->token_lock);
	sodium_memzero(key, sizeof(key));
	return ok;
}

static enum MHD_Result
finish_login(struct http_server *s, struct MHD_Connection *conn, struct request *req)
{
	const char *lang = lang_of(conn);
	char session[SESSION_LEN + 1], cookie[sizeof(((struct http_reply *)0)->cookie)];
	time_t now = time(NULL);
	uint8_t addr[16];
	bool ok;

	if (req->form_bad)
		return send_error(conn, 400, "login: form too large or malformed");
	ok = login_token_is_right(s, req);
	peer_addr(conn, addr);
	note_login(s, addr, ok, now);
	if (!ok) {
		log_warn("http: dashboard login with a wrong token");
		return send_login(conn, lang, true);
	}
	pthread_mutex_lock(&s->token_lock);
	make_session(s, now, session);
	pthread_mutex_unlock(&s->token_lock);
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; "
		 "Max-Age=%u%s", session, s->session_lifetime_s, s->tls ? "; Secure" : "");
	return send_redirect(conn, is_english(lang) ? "/?lang=en" : "/", cookie);
}

/* libmicrohttpd takes no answer while a body is coming in: a bad form is
 * read to its end (the post processor keeps nothing of it) and answered then. */
static enum MHD_Result
feed_form(struct http_server *s, struct MHD_Connection *conn, struct request *req,
	  const char *data, size_t *size)
{
	if (*size == 0)
		return finish_login(s, conn, req);
	if (!req->form_bad && MHD_post_process(req->form, data, *size) != MHD_YES)
		req->form_bad = true;
	*size = 0;
	return MHD_YES;
}

/* --- Requests ------------------------------------------------------------- */

static enum MHD_Result
begin_get(struct http_server *s, struct MHD_Connection *conn, struct request *req)
{
	const char *regency = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "regency");
	const char *level = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "level");
	const char *lang = lang_of(conn);
	struct http_reply r = {0};

	if (req->route == ROUTE_HEALTHZ) {
		if (s->h.health != NULL)
			s->h.health(s->h.ctx, &r);
		else
			http_reply_json(&r, 200, json_pack("{s:s}", "status", "ok"));
		return send_reply(conn, &r);
	}
	if (!token_is_valid(s, conn))
		return send_error(conn, 401, "missing or wrong bearer token (report_token)");
	if ((regency != NULL && (req->regency = strdup(regency)) == NULL) ||
	    (level != NULL && (req->level = strdup(level)) == NULL) ||
	    (lang != NULL && (req->lang = strdup(lang)) == NULL))
		return MHD_NO;
	return dispatch(s, conn, req);
}

static bool
parse_length(const char *text, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (text == NULL || *text < '0' || *text > '9')
		return false;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*ret = v;
	return true;
}

static enum MHD_Result
begin_push(struct http_server *s, struct MHD_Connection *conn, struct request *req)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t len = 0;

	if (cl != NULL && !parse_length(cl, &len)) {
		reply_push_refusal(&req->reply, ANSWER_BAD, "Content-Length: '%.32s' is not a"
				   " number", cl);
		return send_reply(conn, &req->reply);
	}
	if (len > s->max_body) {
		reply_push_refusal(&req->reply, ANSWER_TOO_LARGE, "batch of %llu bytes, limit %llu"
				   " (max_batch_bytes)", (unsigned long long)len,
				   (unsigned long long)s->max_body);
		return send_reply(conn, &req->reply);
	}
	req->expect = (size_t)len;
	req->state = REQ_COLLECTING;
	peer_addr(conn, req->addr);
	return MHD_YES;
}

/* --- Push bodies ------------------------------------------------------------ */

#define BUSY_RETRY_S	10

/* Called with peer_lock held: which cap add more bytes would pass, if any. */
static const char *
cap_passed(struct http_server *s, const struct peer *p, uint64_t add, uint64_t *ret_held)
{
	if (p == NULL || (s->max_buffer_total != 0 &&
			  s->buffered_total + add > s->max_buffer_total)) {
		*ret_held = s->buffered_total;
		return "max_buffer_total";
	}
	if (s->max_buffer_per_ip != 0 && p->buffered + add > s->max_buffer_per_ip) {
		*ret_held = p->buffered;
		return "max_buffer_per_ip";
	}
	return NULL;
}

/* Counts add more bytes against both caps, or fills req->reply with 503.
 * An address the table has no room for (every entry holds a push) counts
 * as past the total. */
static int
charge(struct http_server *s, struct request *req, uint64_t add)
{
	const char *cap;
	struct peer *p;
	uint64_t held = 0;

	if (s->max_buffer_per_ip == 0 && s->max_buffer_total == 0)
		return 0;
	pthread_mutex_lock(&s->peer_lock);
	p = find_peer(s, req->addr, true);
	if ((cap = cap_passed(s, p, add, &held)) == NULL) {
		p->buffered += add;
		s->buffered_total += add;
		req->charged += add;
	} else if (p != NULL) {
		forget_peer_if_idle(s, p, time(NULL));
	}
	pthread_mutex_unlock(&s->peer_lock);
	if (cap == NULL)
		return 0;
	if (strcmp(cap, "max_buffer_per_ip") == 0)
		reply_push_refusal(&req->reply, ANSWER_BUSY, "push: this address holds %llu bytes"
				   " of pushes in progress, limit %llu (max_buffer_per_ip)",
				   (unsigned long long)held,
				   (unsigned long long)s->max_buffer_per_ip);
	else
		reply_push_refusal(&req->reply, ANSWER_BUSY, "push: the hub holds %llu bytes of"
				   " pushes in progress, limit %llu (max_buffer_total)",
				   (unsigned long long)held,
				   (unsigned long long)s->max_buffer_total);
	req->reply.retry_after = BUSY_RETRY_S;
	return -EBUSY;
}

static void
uncharge(struct http_server *s, struct request *req)
{
	struct peer *p;

	if (req->charged == 0)
		return;
	pthread_mutex_lock(&s->peer_lock);
	if ((p = find_peer(s, req->addr, false)) != NULL) {
		p->buffered -= req->charged;
		forget_peer_if_idle(s, p, time(NULL));
	}
	s->buffered_total -= req->charged;
	req->charged = 0;
	pthread_mutex_unlock(&s->peer_lock);
}

/* Grows to the declared length at most (or doubling when there is none),
 * so a client that announces 8 MB and sends 10 bytes costs 10 bytes; before
 * its header passed, to the header's length only. -EBUSY past a cap (the
 * reply is filled), -ENOMEM. */
static int
reserve(struct http_server *s, struct request *req, size_t add)
{
	size_t need = req->len + add, cap;
	uint8_t *b;

	if (need <= req->cap)
		return 0;
	cap = !req->hdr_checked ? need : req->cap > 64 * 1024 ? req->cap : 64 * 1024;
	while (cap < need)
		cap *= 2;
	if (req->expect >= need && cap > req->expect)
		cap = req->expect;
	if (cap > s->max_body)
		cap = (size_t)s->max_body;
	if (charge(s, req, cap - req->cap) < 0)
		return -EBUSY;
	if ((b = realloc(req->buf, cap)) == NULL)
		return -ENOMEM;
	req->buf = b;
	req->cap = cap;
	return 0;
}

static int
keep(struct http_server *s, struct request *req, const char *data, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	if ((r = reserve(s, req, n)) < 0)
		return r;
	memcpy(req->buf + req->len, data, n);
	req->len += n;
	return 0;
}

/* The answer as libmicrohttpd would send it, written to the socket while
 * the body still comes in; then the server's side is shut, so the client
 * reads the answer and end of file. Plain HTTP only. */
static int
write_early(struct MHD_Connection *conn, const struct http_reply *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	char head[256], retry[48] = "";
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;
	int len;

	if (ci == NULL || r->body == NULL)
		return -EIO;
	if (r->retry_after > 0)
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n", r->retry_after);
	len = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\nConnection: close\r\n"
		       "Content-Type: application/json\r\nContent-Length: %zu\r\n%s%s\r\n",
		       r->status, MHD_get_reason_phrase_for(r->status), r->len, retry,
		       r->status == 401 ? "WWW-Authenticate: Bearer\r\n" : "");
	iov[0] = (struct iovec){ head, (size_t)len };
	iov[1] = (struct iovec){ r->body, r->len };
	n = sendmsg(ci->connect_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)((size_t)len + r->len))
		return -EIO;
	shutdown(ci->connect_fd, SHUT_WR);
	return 0;
}

/* Frees what was kept and answers as early as the transport allows. */
static enum MHD_Result
refuse_push(struct http_server *s, struct MHD_Connection *conn, struct request *req)
{
	free(req->buf);
	req->buf = NULL;
	req->len = req->cap = 0;
	uncharge(s, req);
	req->state = REQ_REFUSED;
	if (!s->tls) {
		if (write_early(conn, &req->reply) < 0)
			return MHD_NO;
		req->answered_early = true;
	}
	return MHD_YES;
}

static enum MHD_Result
collect_body(struct http_server *s, struct MHD_Connection *conn, struct request *req,
	     const char *data, size_t *size)
{
	size_t n = *size, first = 0;
	int r;

	if (n > s->max_body - req->len) {
		log_warn("http: push body passed %llu bytes (max_batch_bytes), connection closed",
			 (unsigned long long)s->max_body);
		return MHD_NO;
	}
	*size = 0;
	/* Up to the end of the header first: nothing past it is kept before
	 * the header passed. */
	if (!req->hdr_checked) {
		first = n < KTP_HTTP_PUSH_HEADER_LEN - req->len ? n
							  : KTP_HTTP_PUSH_HEADER_LEN - req->len;
		if ((r = keep(s, req, data, first)) == -EBUSY)
			return refuse_push(s, conn, req);
		if (r < 0)
			return MHD_NO;
		if (req->len < KTP_HTTP_PUSH_HEADER_LEN)
			return MHD_YES;
		req->hdr_checked = true;
		if (s->h.push_header != NULL &&
		    s->h.push_header(s->h.ctx, req->buf, req->expect, &req->reply) < 0)
			return refuse_push(s, conn, req);
	}
	if ((r = keep(s, req, data + first, n - first)) == -EBUSY)
		return refuse_push(s, conn, req);
	return r < 0 ? MHD_NO : MHD_YES;
}

/* After a refusal the body is read and dropped, up to max_batch_bytes. */
static enum MHD_Result
drop_body(struct http_server *s, struct MHD_Connection *conn, struct request *req,
	  size_t *size)
{
	if (*size == 0)
		return req->answered_early ? MHD_NO : send_reply(conn, &req->reply);
	if (*size > s->max_body - req->discarded)
		return MHD_NO;
	req->discarded += *size;
	*size = 0;
	return MHD_YES;
}

static enum MHD_Result
begin_request(struct http_server *s, struct MHD_Connection *conn, const char *url,
	      const char *method, struct request *req)
{
	req->route = find_route(url);
	if (req->route == ROUTE_NONE)
		return send_error(conn, 404, "no such path '%.*s'", ktp_utf8_cut(url, 64), url);
	if (req->route == ROUTE_LOGIN)
		return begin_login(s, conn, method, req);
	if (req->route == ROUTE_PUSH) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return send_error(conn, 405, "%.16s: push takes POST", method);
		return begin_push(s, conn, req);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_error(conn, 405, "%.*s: '%.*s' takes GET", ktp_utf8_cut(method, 16),
				  method, ktp_utf8_cut(url, 64), url);
	if (req->route == ROUTE_STATIC)
		return send_static(conn, url);
	if (req->route == ROUTE_PAGE)
		return begin_page(s, conn, url, req);
	return begin_get(s, conn, req);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size,
	   void **con_cls)
{
	struct http_server *s = cls;
	struct request *req = *con_cls;

	(void)version;
	if (req == NULL) {
		if ((req = calloc(1, sizeof(*req))) == NULL)
			return MHD_NO;
		*con_cls = req;
		s->active++;
		return begin_request(s, conn, url, method, req);
	}
	switch (req->state) {
	case REQ_COLLECTING:
		if (*upload_data_size > 0)
			return collect_body(s, conn, req, upload_data, upload_data_size);
		return dispatch(s, conn, req);
	case REQ_REFUSED:
		return drop_body(s, conn, req, upload_data_size);
	case REQ_FORM:
		return feed_form(s, conn, req, upload_data, upload_data_size);
	case REQ_DONE:
		return send_reply(conn, &req->reply);
	default:
		*upload_data_size = 0;	/* a body where none belongs is dropped */
		return MHD_YES;
	}
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct request *req = *con_cls;

	(void)toe;
	if (req == NULL)
		return;
	mark_conn(conn, true);
	uncharge(s, req);
	free(req->reply.body);
	free(req->regency);
	free(req->path);
	free(req->lang);
	free(req->level);
	if (req->form != NULL)
		MHD_destroy_post_processor(req->form);
	sodium_memzero(req->token, sizeof(req->token));
	free(req->buf);
	free(req);
	*con_cls = NULL;
	s->active--;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[KTP_ERR_MSG_LEN];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

static int
parse_addr(const struct http_opts *o, struct sockaddr_storage *ss, bool *ret_v6,
	   struct ktp_err *err)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, o->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
		*ret_v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, o->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		*ret_v6 = true;
		return 0;
	}
	return ktp_err_set(err, -EINVAL, "http: listen: '%s' is not a numeric address", o->host);
}

static struct MHD_Daemon *
start_mhd(struct http_server *s, const struct http_opts *o, struct sockaddr_storage *ss,
	  bool v6)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

	if (v6)
		flags |= MHD_USE_IPv6;
	if (s->tls)
		flags |= MHD_USE_TLS;
	/* The logger comes first, so that libmicrohttpd's messages about the
	 * options themselves reach it; without TLS the list ends before the
	 * certificate options. */
	return MHD_start_daemon(flags, o->port, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads ? o->threads : 4),
		MHD_OPTION_CONNECTION_LIMIT, o->max_conns,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_conns_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, o->tls_cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, o->tls_key_pem,
		MHD_OPTION_END);
}

static void
free_server(struct http_server *s)
{
	stop_workers(s);
	stop_reaper(s);
	pthread_mutex_destroy(&s->conn_lock);
	pthread_cond_destroy(&s->reaper_cond);
	pthread_mutex_destroy(&s->token_lock);
	pthread_mutex_destroy(&s->peer_lock);
	free(s->peers);
	pthread_mutex_destroy(&s->q_lock);
	pthread_cond_destroy(&s->q_cond);
	sodium_memzero(s->token_hash, sizeof(s->token_hash));
	sodium_memzero(s->session_key, sizeof(s->session_key));
	free(s);
}

static struct http_server *
new_server(const struct http_opts *o, const struct http_handlers *h)
{
	struct http_server *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (s == NULL)
		return NULL;
	s->h = *h;
	s->max_body = o->max_body;
	s->tls = o->tls_cert_pem != NULL && o->tls_key_pem != NULL;
	s->session_lifetime_s = o->session_lifetime_s ? o->session_lifetime_s : 12 * 3600;
	s->login_fails_max = o->login_fails_max ? o->login_fails_max : 5;
	s->login_window_s = o->login_window_s ? o->login_window_s : 15 * 60;
	pthread_mutex_init(&s->token_lock, NULL);
	pthread_mutex_init(&s->peer_lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->reaper_cond, &ca);
	pthread_condattr_destroy(&ca);
	s->request_timeout_ms = (uint64_t)o->request_timeout_s * 1000;
	s->max_buffer_per_ip = o->max_buffer_per_ip;
	s->max_buffer_total = o->max_buffer_total;
	s->peers_max = (size_t)o->max_conns + PEERS_SPARE;
	pthread_mutex_init(&s->q_lock, NULL);
	pthread_cond_init(&s->q_cond, NULL);
	http_set_token(s, o->token);
	return s;
}

int
http_start(const struct http_opts *o, const struct http_handlers *h,
	   struct http_server **ret, struct ktp_err *err)
{
	struct http_server *s = NULL;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	bool v6 = false;
	int r;

	if ((r = parse_addr(o, &ss, &v6, err)) < 0)
		return r;
	if ((s = new_server(o, h)) == NULL)
		return ktp_err_set(err, -ENOMEM, "http: out of memory");
	if ((r = start_workers(s, err)) < 0 || (r = start_reaper(s, err)) < 0) {
		free_server(s);
		return r;
	}
	if ((s->mhd = start_mhd(s, o, &ss, v6)) == NULL) {
		r = errno ? -errno : -EADDRINUSE;
		ktp_err_set(err, r, "http: %s:%u: cannot listen: %s", o->host, o->port,
			    strerror(-r));
		free_server(s);
		return r;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : o->port;
	*ret = s;
	return 0;
}

uint16_t
http_port(const struct http_server *s)
{
	return s->port;
}

void
http_quiesce(struct http_server *s)
{
	MHD_socket fd;

	if (s == NULL || s->mhd == NULL || s->quiesced)
		return;
	s->quiesced = true;
	fd = MHD_quiesce_daemon(s->mhd);
	s->quiesced_fd = fd;
}

/* libmicrohttpd closes every connection when it stops, answered or not, so
 * the requests in flight are waited for first (at most STOP_WAIT_MS): an
 * apply that began gets its answer out. */
#define STOP_WAIT_MS 15000

void
http_stop(struct http_server *s)
{
	unsigned waited = 0;

	if (s == NULL)
		return;
	http_quiesce(s);
	while (atomic_load(&s->active) > 0 && waited < STOP_WAIT_MS) {
		usleep(10000);
		waited += 10;
	}
	/* Workers first: each resumes its connection, and from now on a request
	 * that completes its body runs inline, so none stays suspended. */
	stop_workers(s);
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd);
	s->mhd = NULL;
	if (s->quiesced && s->quiesced_fd != MHD_INVALID_SOCKET)
		close(s->quiesced_fd);
	free_server(s);
}
