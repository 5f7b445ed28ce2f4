/* SPDX-License-Identifier: ISC */
/* http — the hub's HTTP server on libmicrohttpd: routes, size and time limits, bearer token.
 * Reads request bodies within max_body (413 from Content-Length before reading), answers JSON errors.
 * Knows nothing of batches or the store: the hub supplies one handler per route. */
#ifndef KTP_HTTP_H
#define KTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ktp_err;
struct http_server;

#define KTP_HTTP_PUSH_HEADER_LEN 76	/* BATCH_HEADER_LEN: the plain batch header */

/* What a handler answers. body is malloc()ed and handed over to the server. */
struct http_reply {
	unsigned	status;
	char		*body;
	size_t		len;
	const char	*content_type;	/* static; NULL = application/json */
	unsigned	retry_after;	/* seconds; 0 = no Retry-After header */
	const char	*location;	/* static; a redirect's Location, or NULL */
	char		cookie[192];	/* a Set-Cookie value, or "" */
};

/* Handlers run on the server's threads, several at once; each fills ret
 * completely (the http_reply_* helpers do). regency, level and lang are the
 * ?regency=, ?level= and ?lang= values or NULL. */
struct http_handlers {
	void	(*push)(void *ctx, const uint8_t *wire, size_t len, struct http_reply *ret);
	/* Called once the first KTP_HTTP_PUSH_HEADER_LEN bytes of a push have
	 * arrived, with the declared length (0 if unknown), on a polling
	 * thread (it must not wait): 0 reads on, -1 refuses with ret, which is
	 * sent at once (over TLS when the body ends) and nothing more of the
	 * body is kept. NULL = no check. */
	int	(*push_header)(void *ctx, const uint8_t *hdr, uint64_t wire_len,
			       struct http_reply *ret);
	void	(*report)(void *ctx, const char *regency, const char *level, const char *lang,
			  struct http_reply *ret);
	void	(*report_csv)(void *ctx, const char *regency, const char *level, const char *lang,
			      struct http_reply *ret);
	void	(*nodes)(void *ctx, struct http_reply *ret);
	void	(*metrics)(void *ctx, struct http_reply *ret);
	/* GET /healthz, open to all and answered at once: it must not wait.
	 * NULL = always 200 {"status":"ok"}. */
	void	(*health)(void *ctx, struct http_reply *ret);
	/* The dashboard: path is "/" or "/regency/CODE"; lang is ?lang= or NULL. */
	void	(*page)(void *ctx, const char *path, const char *lang, struct http_reply *ret);
	void	*ctx;
};

struct http_opts {
	const char	*host;		/* numeric IPv4 or IPv6 address */
	uint16_t	port;		/* 0 = any free port, see http_port() */
	uint64_t	max_body;	/* max_batch_bytes */
	unsigned	max_conns;
	unsigned	max_conns_per_ip;
	unsigned	timeout_s;	/* an idle connection is closed after this */
	unsigned	request_timeout_s;	/* headers and body must arrive within; 0 = none */
	uint64_t	max_buffer_per_ip;	/* push bodies held per address; 0 = no cap */
	uint64_t	max_buffer_total;	/* for all addresses; 0 = no cap */
	unsigned	threads;	/* polling threads, 0 = 4 */
	const char	*tls_cert_pem;	/* both PEM texts, or both NULL for plain HTTP */
	const char	*tls_key_pem;
	const char	*token;		/* report_token; NULL = read endpoints are open */
	unsigned	session_lifetime_s;	/* dashboard sessions; 0 = 12 h */
	unsigned	login_fails_max;	/* wrong tokens per address and window; 0 = 5 */
	unsigned	login_window_s;		/* 0 = 15 min */
};

/* Binds and starts serving; -EADDRINUSE "http: 127.0.0.1:8470: cannot listen: ...". */
int	http_start(const struct http_opts *o, const struct http_handlers *h,
		   struct http_server **ret, struct ktp_err *err);
uint16_t http_port(const struct http_server *s);
/* Replaces the bearer token (SIGHUP); NULL or "" opens the read endpoints.
 * Thread-safe, and it cannot fail: it only hashes the token under a lock.
 * The dashboard's session cookie is derived from the token, so a new token
 * also signs every browser out. */
void	http_set_token(struct http_server *s, const char *token);
/* Stops accepting new connections; requests in flight go on. */
void	http_quiesce(struct http_server *s);
/* Waits for the requests in flight (so an apply that began is answered), then frees. */
void	http_stop(struct http_server *s);		/* NULL is a no-op */

/* Helpers for handlers; on allocation failure they fall back to a static 500. */
void	http_reply_json(struct http_reply *r, unsigned status, json_t *body);	/* steals body */
void	http_reply_error(struct http_reply *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Takes a malloc()ed buffer. */
void	http_reply_take(struct http_reply *r, unsigned status, const char *content_type,
			char *body, size_t len);

#endif
