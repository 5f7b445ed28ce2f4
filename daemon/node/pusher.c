/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "answer.h"
#include "err.h"
#include "pusher.h"

/* An answer is a small JSON object; anything longer is not from our hub. */
#define ANSWER_MAX	(16u * 1024)

struct pusher {
	CURL		*curl;
	struct curl_slist *headers;
	char		*url;
	char		body[ANSWER_MAX + 1];
	size_t		body_len;
	char		errbuf[CURL_ERROR_SIZE];
	int64_t		date;			/* Date header of the answer, 0 = none */
	bool		(*cancel)(void *arg);
	void		*cancel_arg;
};

const char *
pusher_outcome_name(enum push_outcome o)
{
	static const char *const names[] = {
		[PUSH_OK] = "ok", [PUSH_GAP] = "gap", [PUSH_DIVERGED] = "diverged",
		[PUSH_REFUSED] = "refused", [PUSH_TOO_LARGE] = "too_large",
		[PUSH_BUSY] = "busy", [PUSH_TIMEOUT] = "timeout", [PUSH_OFFLINE] = "offline",
		[PUSH_CANCELLED] = "cancelled",
	};

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

/* What the node does with each answer of the hub (PROTOCOL.md 8.2). */
static const enum push_outcome from_answer[ANSWER_COUNT] = {
	[ANSWER_OK] = PUSH_OK,			[ANSWER_GAP] = PUSH_GAP,
	[ANSWER_DIVERGED] = PUSH_DIVERGED,	[ANSWER_REPLAYED] = PUSH_REFUSED,
	[ANSWER_BAD] = PUSH_REFUSED,		[ANSWER_NOT_ENROLLED] = PUSH_REFUSED,
	[ANSWER_FORBIDDEN] = PUSH_REFUSED,	[ANSWER_TOO_LARGE] = PUSH_TOO_LARGE,
	[ANSWER_FAILED] = PUSH_BUSY,		[ANSWER_BUSY] = PUSH_BUSY,
};

/* An answer that does not decode (a proxy's page, a cut body, a status no
 * push answer has) goes by its status alone: a 200 or 409 the node cannot
 * read is retried, like any 5xx. */
static enum push_outcome
by_status(long st)
{
	if (st == 413)
		return PUSH_TOO_LARGE;
	if (st >= 400 && st < 500 && st != 409)
		return PUSH_REFUSED;
	return PUSH_BUSY;
}

static void
take_answer(const struct answer *a, struct push_answer *ret)
{
	ret->has_acked = (a->fields & ANSWER_ACKED) != 0;
	ret->acked = a->acked;
	ret->has_chain = (a->fields & ANSWER_CHAIN) != 0;
	memcpy(ret->chain, a->chain, KTP_HASH_LEN);
	ret->heartbeat_ms = a->heartbeat_ms;
	snprintf(ret->reason, sizeof(ret->reason), "%s", a->error);
	snprintf(ret->detail, sizeof(ret->detail), "%s", a->detail);
	snprintf(ret->warning, sizeof(ret->warning), "%s", a->warning);
}

void
pusher_parse_answer(long http_status, const char *body, size_t len, uint64_t retry_after_s,
		    struct push_answer *ret)
{
	struct answer a;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->http_status = http_status;
	r = answer_decode(http_status, body, len, &a, NULL);
	take_answer(&a, ret);
	ret->outcome = r == 0 ? from_answer[a.outcome] : by_status(http_status);
	if (retry_after_s > 0)
		ret->retry_after_ms = retry_after_s > UINT64_MAX / 1000 ? UINT64_MAX :
		    retry_after_s * 1000;
	if (ret->reason[0] == '\0' && ret->outcome != PUSH_OK)
		snprintf(ret->reason, sizeof(ret->reason), "HTTP %ld%s", http_status,
			 ret->outcome == PUSH_BUSY && http_status == 200 ? " without acked and chain" :
			 ret->outcome == PUSH_BUSY && http_status == 409 ? " without acked" : "");
}

void
pusher_size_init(struct push_size *s, uint32_t max_versions, uint64_t max_bytes)
{
	s->max_versions = max_versions > 0 ? max_versions : 1;
	s->max_bytes = max_bytes > PUSH_SIZE_MIN_BYTES ? max_bytes : PUSH_SIZE_MIN_BYTES;
	s->versions = s->max_versions < PUSH_SIZE_START_VERSIONS ? s->max_versions :
	    PUSH_SIZE_START_VERSIONS;
	s->bytes = s->max_bytes;
}

bool
pusher_size_is_min(const struct push_size *s)
{
	return s->versions == 1 && s->bytes == PUSH_SIZE_MIN_BYTES;
}

static void
halve(struct push_size *s)
{
	s->versions = s->versions > 1 ? s->versions / 2 : 1;
	s->bytes = s->bytes / 2 > PUSH_SIZE_MIN_BYTES ? s->bytes / 2 : PUSH_SIZE_MIN_BYTES;
}

/* Grows only after a full batch went through fast: a short tail batch says
 * nothing about the link, and a slow one already uses what the link has. */
static void
grow(struct push_size *s)
{
	s->versions = s->versions > s->max_versions / 2 ? s->max_versions : s->versions * 2;
	s->bytes = s->bytes > s->max_bytes / 2 ? s->max_bytes : s->bytes * 2;
}

void
pusher_size_update(struct push_size *s, enum push_outcome o, bool batch_was_full,
		   uint64_t elapsed_ms, uint64_t timeout_ms)
{
	if (o == PUSH_TOO_LARGE || o == PUSH_TIMEOUT)
		halve(s);
	else if (o == PUSH_OK && batch_was_full && elapsed_ms < timeout_ms / 4)
		grow(s);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pusher *p = arg;
	size_t n = size * nmemb, room = ANSWER_MAX - p->body_len;

	/* Keep what fits; an oversized answer is then simply unparseable. */
	memcpy(p->body + p->body_len, data, n < room ? n : room);
	p->body_len += n < room ? n : room;
	return n;
}

int64_t
pusher_parse_date(const char *line, size_t len)
{
	char buf[128];
	time_t t;

	if (len < 5 || len >= sizeof(buf) || strncasecmp(line, "date:", 5) != 0)
		return 0;
	memcpy(buf, line + 5, len - 5);
	buf[len - 5] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	t = curl_getdate(buf, NULL);
	return t > 0 ? (int64_t)t : 0;
}

/* The hub's Date header: how far our clock is from the hub's (status). */
static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pusher *p = arg;
	size_t n = size * nmemb;
	int64_t t = pusher_parse_date(data, n);

	if (t > 0)
		p->date = t;
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct pusher *p = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return p->cancel != NULL && p->cancel(p->cancel_arg) ? 1 : 0;
}

static int
make_url(const char *base, char **ret, struct ktp_err *err)
{
	size_t n = strlen(base);
	char *u;

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (asprintf(&u, "%.*s%s", (int)n, base, KTP_HTTP_PUSH_PATH) < 0)
		return ktp_err_set(err, -ENOMEM, "push: out of memory");
	*ret = u;
	return 0;
}

/* Options that make one handle reuse one keep-alive connection, never raise
 * signals from resolver timeouts (we are threaded) and verify TLS. */
static int
set_options(struct pusher *p, const struct pusher_opts *o)
{
	CURL *c = p->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val)
	SET(CURLOPT_URL, p->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
	SET(CURLOPT_TIMEOUT, (long)o->timeout_s);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file != NULL)
		SET(CURLOPT_CAINFO, o->ca_file);
	SET(CURLOPT_HTTPHEADER, p->headers);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, p);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, p);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, p);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_ERRORBUFFER, p->errbuf);
	SET(CURLOPT_USERAGENT, "ktpsyncd/1");
#undef SET
	return rc == CURLE_OK ? 0 : -EINVAL;
}

int
pusher_new(const struct pusher_opts *o, struct pusher **ret, struct ktp_err *err)
{
	struct pusher *p;
	int r;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ktp_err_set(err, -ENOMEM, "push: out of memory");
	p->cancel = o->cancel;
	p->cancel_arg = o->cancel_arg;
	if ((r = make_url(o->hub_url, &p->url, err)) < 0)
		goto fail;
	p->headers = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	if ((p->curl = curl_easy_init()) == NULL || p->headers == NULL) {
		r = ktp_err_set(err, -ENOMEM, "push: cannot create a libcurl handle");
		goto fail;
	}
	if ((r = set_options(p, o)) < 0) {
		ktp_err_set(err, r, "push: %s: libcurl refused an option", o->hub_url);
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	pusher_free(p);
	return r;
}

void
pusher_free(struct pusher *p)
{
	if (p == NULL)
		return;
	if (p->curl != NULL)
		curl_easy_cleanup(p->curl);
	curl_slist_free_all(p->headers);
	free(p->url);
	free(p);
}

static enum push_outcome
transport_outcome(CURLcode rc, int *ret_errno)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		*ret_errno = -ETIMEDOUT;
		return PUSH_TIMEOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		*ret_errno = -ECANCELED;
		return PUSH_CANCELLED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		*ret_errno = -ENETUNREACH;
		return PUSH_OFFLINE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		/* Configuration, not weather: retrying fast would not help. */
		*ret_errno = -EPROTO;
		return PUSH_REFUSED;
	default:
		/* A link cut mid-batch (send/recv error, empty reply). */
		*ret_errno = -ECONNRESET;
		return PUSH_OFFLINE;
	}
}

int
pusher_post(struct pusher *p, const uint8_t *wire, size_t len, struct push_answer *ret,
	    struct ktp_err *err)
{
	CURLcode rc;
	long status = 0;
	curl_off_t retry_after = 0;
	int r = 0;

	p->body_len = 0;
	p->errbuf[0] = '\0';
	p->date = 0;
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, (const char *)wire);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(p->curl);
	if (rc != CURLE_OK) {
		memset(ret, 0, sizeof(*ret));
		ret->outcome = transport_outcome(rc, &r);
		snprintf(ret->reason, sizeof(ret->reason), "%s",
			 p->errbuf[0] != '\0' ? p->errbuf : curl_easy_strerror(rc));
		return ktp_err_set(err, r, "push: %s", ret->reason);
	}
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(p->curl, CURLINFO_RETRY_AFTER, &retry_after);
	p->body[p->body_len] = '\0';
	pusher_parse_answer(status, p->body, p->body_len,
			    retry_after > 0 ? (uint64_t)retry_after : 0, ret);
	ret->hub_date = p->date;
	return 0;
}
