/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "unit.h"
#include "err.h"
#include "http.h"

/* The server is real (libmicrohttpd on 127.0.0.1) and so is the client
 * (libcurl); the handlers stand in for the hub and count their calls. */
struct fixture {
	struct http_server	*srv;
	atomic_uint		pushes;
	atomic_uint		gets;
	atomic_size_t		last_len;
	unsigned		push_status;
	unsigned		retry_after;
	unsigned		delay_ms;
};

struct answer {
	long	status;
	char	body[4096];
	size_t	len;
	char	retry_after[32];
	char	location[128];
	char	cookie[256];
	CURLcode rc;
};

static void
on_push(void *ctx, const uint8_t *wire, size_t len, struct http_reply *ret)
{
	struct fixture *f = ctx;
	struct timespec ts = { f->delay_ms / 1000, (long)(f->delay_ms % 1000) * 1000000 };

	if (f->delay_ms)
		nanosleep(&ts, NULL);
	f->pushes++;
	f->last_len = len;
	if (f->push_status != 200) {
		http_reply_error(ret, f->push_status, "store busy");
		ret->retry_after = f->retry_after;
		return;
	}
	http_reply_json(ret, 200, json_pack("{s:I,s:i}", "len", (json_int_t)len,
					    "first", len ? wire[0] : -1));
}

static void
on_report(void *ctx, const char *regency, const char *level, const char *lang,
	  struct http_reply *ret)
{
	struct fixture *f = ctx;

	f->gets++;
	http_reply_json(ret, 200, json_pack("{s:s?, s:s?, s:s?}", "regency", regency,
					    "level", level, "lang", lang));
}

static void
on_text(void *ctx, const char *regency, const char *level, const char *lang,
	struct http_reply *ret)
{
	(void)regency;
	(void)level;
	(void)lang;
	((struct fixture *)ctx)->gets++;
	http_reply_take(ret, 200, "text/csv", strdup("level,code\n"), 11);
}

static void
on_plain(void *ctx, struct http_reply *ret)
{
	((struct fixture *)ctx)->gets++;
	http_reply_take(ret, 200, "text/plain; version=0.0.4", strdup("m 1\n"), 4);
}

static void
on_page(void *ctx, const char *path, const char *lang, struct http_reply *ret)
{
	char *body = NULL;
	int n;

	((struct fixture *)ctx)->gets++;
	n = asprintf(&body, "page %s %s", path, lang ? lang : "-");
	http_reply_take(ret, 200, "text/html; charset=utf-8", n < 0 ? NULL : body,
			n < 0 ? 0 : (size_t)n);
}

static int
start_with(struct fixture *f, const struct http_opts *o)
{
	const struct http_handlers h = {
		.push = on_push, .report = on_report, .report_csv = on_text,
		.nodes = on_plain, .metrics = on_plain, .page = on_page, .ctx = f,
	};
	struct ktp_err err = {0};

	f->push_status = 200;
	return http_start(o, &h, &f->srv, &err);
}

static int
start_server(struct fixture *f, uint64_t max_body, unsigned timeout_s, const char *token)
{
	const struct http_opts o = {
		.host = "127.0.0.1", .port = 0, .max_body = max_body, .max_conns = 200,
		.max_conns_per_ip = 100, .timeout_s = timeout_s, .threads = 2, .token = token,
	};

	return start_with(f, &o);
}

/* A 256-character token, sessions of 2 s, 3 wrong logins per 2 s. */
static char long_token[257];

static int
setup_login_limits(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct http_opts o = {
		.host = "127.0.0.1", .port = 0, .max_body = 1024 * 1024, .max_conns = 200,
		.max_conns_per_ip = 100, .timeout_s = 5, .threads = 2, .token = long_token,
		.session_lifetime_s = 2, .login_fails_max = 3, .login_window_s = 2,
	};
	size_t i;

	for (i = 0; i < 256; i++)
		long_token[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
	long_token[256] = '\0';
	if (f == NULL || start_with(f, &o) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || start_server(f, 1024 * 1024, 2, NULL) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
setup_token(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || start_server(f, 1024 * 1024, 2, "s3cret") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->srv);
	free(f);
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n, room = sizeof(a->body) - 1 - a->len;

	memcpy(a->body + a->len, data, len < room ? len : room);
	a->len += len < room ? len : room;
	a->body[a->len] = '\0';
	return len;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;

	if (len > 13 && strncasecmp(data, "Retry-After: ", 13) == 0)
		snprintf(a->retry_after, sizeof(a->retry_after), "%.*s", (int)(len - 15), data + 13);
	if (len > 10 && strncasecmp(data, "Location: ", 10) == 0)
		snprintf(a->location, sizeof(a->location), "%.*s", (int)(len - 12), data + 10);
	if (len > 12 && strncasecmp(data, "Set-Cookie: ", 12) == 0)
		snprintf(a->cookie, sizeof(a->cookie), "%.*s", (int)(len - 14), data + 12);
	return len;
}

static CURL *
new_easy(struct fixture *f, const char *path, struct answer *a)
{
	CURL *c = curl_easy_init();
	char url[512];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", http_port(f->srv), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	return c;
}

static void
perform(CURL *c, struct answer *a)
{
	a->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_cleanup(c);
}

static void
post(struct fixture *f, const void *body, size_t len, struct answer *a)
{
	CURL *c = new_easy(f, "/v1/push", a);

	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	perform(c, a);
}

static void
get(struct fixture *f, const char *path, const char *auth, struct answer *a)
{
	CURL *c = new_easy(f, path, a);
	struct curl_slist *hdrs = NULL;

	if (auth != NULL) {
		hdrs = curl_slist_append(hdrs, auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	perform(c, a);
	curl_slist_free_all(hdrs);
}

static void
test_http_push_hands_whole_body_to_handler(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0};
	uint8_t *body = malloc(300000);

	memset(body, 0x4b, 300000);
	post(f, body, 300000, &a);
	assert_int_equal(a.rc, CURLE_OK);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "{\"len\":300000,\"first\":75}");
	assert_int_equal(f->pushes, 1);
	free(body);
}

static void
test_http_push_over_content_length_limit_is_413_without_handler(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0};
	size_t len = 1024 * 1024 + 1;
	uint8_t *body = calloc(1, len);

	post(f, body, len, &a);
	assert_int_equal(a.status, 413);
	assert_string_equal(a.body,
			    "{\"error\":\"batch of 1048577 bytes, limit 1048576 (max_batch_bytes)\"}");
	assert_int_equal(f->pushes, 0);
	free(body);
}

static void
test_http_push_exactly_at_limit_is_accepted(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0};
	size_t len = 1024 * 1024;
	uint8_t *body = calloc(1, len);

	post(f, body, len, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(f->last_len, len);
	free(body);
}

struct chunked {
	size_t	left;
};

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct chunked *ch = arg;
	size_t len = size * n < ch->left ? size * n : ch->left;

	memset(buf, 'z', len);
	ch->left -= len;
	return len;
}

static void
test_http_chunked_push_past_limit_is_cut_without_handler(void **state)
{
	struct fixture *f = *state;
	struct chunked ch = { .left = 3 * 1024 * 1024 };
	struct answer a = {0};
	struct curl_slist *hdrs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
	CURL *c = new_easy(f, "/v1/push", &a);

	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &ch);
	perform(c, &a);
	curl_slist_free_all(hdrs);
	assert_int_not_equal(a.rc, CURLE_OK);
	assert_true(a.status < 200);	/* at most "100 Continue", never a final answer */
	assert_int_equal(f->pushes, 0);
}

static void
test_http_chunked_push_within_limit_is_read_whole(void **state)
{
	struct fixture *f = *state;
	struct chunked ch = { .left = 200000 };
	struct answer a = {0};
	struct curl_slist *hdrs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
	CURL *c = new_easy(f, "/v1/push", &a);

	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &ch);
	perform(c, &a);
	curl_slist_free_all(hdrs);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "{\"len\":200000,\"first\":122}");
}

static void
test_http_handler_retry_after_reaches_client(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0};

	f->push_status = 503;
	f->retry_after = 7;
	post(f, "x", 1, &a);
	assert_int_equal(a.status, 503);
	assert_string_equal(a.body, "{\"error\":\"store busy\"}");
	assert_string_equal(a.retry_after, "7");
}

/* The path is percent-decoded: %ff is a byte no UTF-8 text holds, and a
 * long path of 'é' would be cut inside one; both must still be a 404. */
static void
test_http_unknown_path_that_is_not_utf8_is_404(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0};
	char path[512], want[256];
	size_t i, n;

	get(f, "/%ff", NULL, &a);
	assert_int_equal(a.status, 404);
	assert_string_equal(a.body, "{\"error\":\"no such path '/?'\"}");
	n = (size_t)snprintf(path, sizeof(path), "/");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%%C3%%A9");
	get(f, path, NULL, &b);
	assert_int_equal(b.status, 404);
	/* 64 bytes would end inside the 32nd 'é': the text keeps 31. */
	n = (size_t)snprintf(want, sizeof(want), "{\"error\":\"no such path '/");
	for (i = 0; i < 31; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "\xc3\xa9");
	snprintf(want + n, sizeof(want) - n, "'\"}");
	assert_string_equal(b.body, want);
}

static void
test_http_unknown_path_and_wrong_method_are_json_errors(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0};

	get(f, "/v2/push", NULL, &a);
	assert_int_equal(a.status, 404);
	assert_string_equal(a.body, "{\"error\":\"no such path '/v2/push'\"}");
	get(f, "/v1/push", NULL, &b);
	assert_int_equal(b.status, 405);
	assert_string_equal(b.body, "{\"error\":\"GET: push takes POST\"}");
	get(f, "/v1", NULL, &c);
	assert_int_equal(c.status, 404);
	assert_string_equal(c.body, "{\"error\":\"no such path '/v1'\"}");
	assert_int_equal(f->pushes, 0);
}

static void
test_http_report_passes_regency_argument(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0}, d = {0};

	get(f, "/v1/report?regency=3201", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "{\"regency\":\"3201\",\"level\":null,\"lang\":null}");
	get(f, "/v1/report", NULL, &b);
	assert_string_equal(b.body, "{\"regency\":null,\"level\":null,\"lang\":null}");
	get(f, "/healthz", NULL, &c);
	assert_string_equal(c.body, "{\"status\":\"ok\"}");
	get(f, "/v1/report?regency=3201&level=desa&lang=id", NULL, &d);
	assert_string_equal(d.body, "{\"regency\":\"3201\",\"level\":\"desa\",\"lang\":\"id\"}");
}

static void
test_http_token_guards_read_endpoints_but_not_healthz(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0}, d = {0}, e = {0};

	get(f, "/v1/nodes", NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_equal(a.body,
			    "{\"error\":\"missing or wrong bearer token (report_token)\"}");
	get(f, "/metrics", "Authorization: Bearer s3cre", &b);
	assert_int_equal(b.status, 401);
	get(f, "/healthz", NULL, &c);
	assert_int_equal(c.status, 200);
	assert_int_equal(f->gets, 0);
	get(f, "/v1/report.csv", "Authorization: Bearer s3cret", &d);
	assert_int_equal(d.status, 200);
	assert_string_equal(d.body, "level,code\n");
	http_set_token(f->srv, NULL);
	get(f, "/v1/nodes", NULL, &e);
	assert_int_equal(e.status, 200);
	assert_int_equal(f->gets, 2);
}

static void
login(struct fixture *f, const char *form, struct answer *a)
{
	CURL *c = new_easy(f, "/login", a);

	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	perform(c, a);
}

/* "ktp_session=EXPIRY.MAC": returns EXPIRY after checking the MAC's form. */
static long long
session_expiry(const char *cookie)
{
	const char *v = cookie + strlen("ktp_session="), *dot;
	long long expiry;

	assert_memory_equal(cookie, "ktp_session=", strlen("ktp_session="));
	assert_non_null(dot = strchr(v, '.'));
	assert_int_equal(strcspn(dot + 1, ";"), 64);
	assert_int_equal(strspn(dot + 1, "0123456789abcdef"), 64);
	expiry = strtoll(v, NULL, 10);
	return expiry;
}

static void
test_http_dashboard_login_sets_a_session_cookie(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0}, d = {0}, e = {0}, g = {0}, h = {0};
	char cookie[200];

	get(f, "/", NULL, &a);
	assert_int_equal(a.status, 303);
	assert_string_equal(a.location, "/login");
	login(f, "token=wrong", &b);
	assert_int_equal(b.status, 401);
	assert_non_null(strstr(b.body, "Token salah."));
	assert_string_equal(b.cookie, "");
	login(f, "token=s3cret", &c);
	assert_int_equal(c.status, 303);
	assert_string_equal(c.location, "/");
	/* The cookie is a digest, never the token itself. */
	assert_non_null(strstr(c.cookie, "; Path=/; HttpOnly; SameSite=Strict"));
	assert_null(strstr(c.cookie, "s3cret"));
	/* It expires after the session lifetime, 12 h by default. */
	assert_string_equal(strstr(c.cookie, "; HttpOnly"), "; HttpOnly; SameSite=Strict; Max-Age=43200");
	assert_in_range(session_expiry(c.cookie), (long long)time(NULL) + 43200 - 5,
			(long long)time(NULL) + 43200);
	snprintf(cookie, sizeof(cookie), "Cookie: %.*s", (int)strcspn(c.cookie, ";"), c.cookie);
	get(f, "/regency/3201?lang=en", cookie, &d);
	assert_int_equal(d.status, 200);
	assert_string_equal(d.body, "page /regency/3201 en");
	get(f, "/v1/report", cookie, &e);
	assert_int_equal(e.status, 200);
	/* A new token signs every browser out. */
	http_set_token(f->srv, "an0ther-t0ken");
	get(f, "/", cookie, &g);
	assert_int_equal(g.status, 303);
	assert_int_equal(f->gets, 2);
	get(f, "/?lang=en", NULL, &h);
	assert_string_equal(h.location, "/login?lang=en");
}

/* One login and one bearer request against the token in force; returns
 * the login's status, and puts its cookie value ("" for none) in cookie. */
static long
try_token(struct fixture *f, const char *token, long want_bearer, char *cookie, size_t cap)
{
	struct answer a = {0}, b = {0};
	char form[64], auth[96];

	snprintf(form, sizeof(form), "token=%s", token);
	login(f, form, &a);
	snprintf(cookie, cap, "%.*s", (int)strcspn(a.cookie, ";"), a.cookie);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	get(f, "/v1/nodes", auth, &b);
	assert_int_equal(b.status, want_bearer);
	return a.status;
}

/* POST /login and the bearer check follow the token as it is set, replaced,
 * cleared and set again. */
static void
test_http_login_follows_the_token_set_replaced_and_cleared(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0}, d = {0};
	char first[128], second[128], none[128], junk[128], cookie[160];

	assert_int_equal(try_token(f, "s3cret", 200, first, sizeof(first)), 303);
	session_expiry(first);
	assert_int_equal(try_token(f, "an0ther-t0ken", 401, junk, sizeof(junk)), 401);
	assert_string_equal(junk, "");

	http_set_token(f->srv, "an0ther-t0ken");
	assert_int_equal(try_token(f, "s3cret", 401, junk, sizeof(junk)), 401);
	assert_string_equal(junk, "");
	assert_int_equal(try_token(f, "an0ther-t0ken", 200, second, sizeof(second)), 303);
	session_expiry(second);
	assert_string_not_equal(strchr(second, '.'), strchr(first, '.'));

	/* No token: the login form has nothing to check and sends the
	 * browser to the dashboard, which is open, without a cookie. */
	http_set_token(f->srv, NULL);
	assert_int_equal(try_token(f, "anything", 200, none, sizeof(none)), 303);
	assert_string_equal(none, "");
	get(f, "/v1/nodes", NULL, &a);
	assert_int_equal(a.status, 200);

	/* "" opens the endpoints as NULL does. */
	http_set_token(f->srv, "s3cret");
	http_set_token(f->srv, "");
	get(f, "/v1/nodes", NULL, &b);
	assert_int_equal(b.status, 200);

	http_set_token(f->srv, "s3cret");
	get(f, "/v1/nodes", NULL, &c);
	assert_int_equal(c.status, 401);
	assert_int_equal(try_token(f, "s3cret", 200, junk, sizeof(junk)), 303);
	/* The first token's sessions are good again. */
	snprintf(cookie, sizeof(cookie), "Cookie: %s", first);
	get(f, "/v1/nodes", cookie, &d);
	assert_int_equal(d.status, 200);
	assert_int_equal(f->gets, 7);
}

static void
login_from(struct fixture *f, const char *from, const char *form, size_t len,
	   struct answer *a)
{
	CURL *c = new_easy(f, "/login", a);

	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (from != NULL)
		curl_easy_setopt(c, CURLOPT_INTERFACE, from);
	perform(c, a);
}

/* Debian's inih capped a config line at 200 bytes, and the form took 255
 * characters: a 256-character token could neither be set nor sent. */
static void
test_http_login_takes_a_256_character_token(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0};
	char form[300], auth[300];

	snprintf(form, sizeof(form), "token=%s", long_token);
	login_from(f, NULL, form, strlen(form), &a);
	assert_int_equal(a.status, 303);
	assert_string_equal(strstr(a.cookie, "; Max-Age"), "; Max-Age=2");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", long_token);
	get(f, "/v1/nodes", auth, &b);
	assert_int_equal(b.status, 200);
}

/* A token past 255 characters made the form handler give up and the
 * connection drop; any length now reads as a wrong token. */
static void
test_http_wrong_token_of_any_length_is_401_with_the_form(void **state)
{
	static const size_t lens[] = { 1, 257, 5000, 200000 };
	struct fixture *f = *state;
	char *form = malloc(200000 + 8);
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct answer a = {0};

		memcpy(form, "token=", 6);
		memset(form + 6, 'w', lens[i]);
		form[6 + lens[i]] = '\0';
		login_from(f, NULL, form, 6 + lens[i], &a);
		assert_int_equal(a.rc, CURLE_OK);
		assert_int_equal(a.status, 401);
		assert_non_null(strstr(a.body, "Token salah."));
		assert_non_null(strstr(a.body, "<form method=\"post\""));
		assert_string_equal(a.cookie, "");
	}
	free(form);
}

/* 3 wrong tokens per 2 s here: the 4th attempt is refused before its form
 * is read, right token or not, until the window ends; other addresses are
 * not held back. */
static void
test_http_failed_logins_are_limited_per_address(void **state)
{
	struct fixture *f = *state;
	struct answer a[3] = {{0}}, b = {0}, c = {0}, d = {0};
	char form[300];
	size_t i;

	snprintf(form, sizeof(form), "token=%s", long_token);
	for (i = 0; i < 3; i++) {
		login_from(f, "127.0.0.1", "token=guess", 11, &a[i]);
		assert_int_equal(a[i].status, 401);
	}
	login_from(f, "127.0.0.1", form, strlen(form), &b);
	assert_int_equal(b.status, 429);
	assert_in_range(strtol(b.retry_after, NULL, 10), 1, 2);
	assert_non_null(strstr(b.body, "{\"error\":\"login: 3 failed logins from this address "
				       "within 2 s; try again in "));
	assert_string_equal(b.cookie, "");
	login_from(f, "127.0.0.2", form, strlen(form), &c);
	assert_int_equal(c.status, 303);
	sleep(3);
	login_from(f, "127.0.0.1", form, strlen(form), &d);
	assert_int_equal(d.status, 303);
}

/* Sessions last 2 s here; a cookie whose expiry was moved is refused. */
static void
test_http_session_expires_after_its_lifetime(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0}, d = {0};
	char form[300], cookie[200], forged[200];
	long long expiry;

	snprintf(form, sizeof(form), "token=%s", long_token);
	login_from(f, NULL, form, strlen(form), &a);
	assert_int_equal(a.status, 303);
	expiry = session_expiry(a.cookie);
	snprintf(cookie, sizeof(cookie), "Cookie: %.*s", (int)strcspn(a.cookie, ";"), a.cookie);
	snprintf(forged, sizeof(forged), "Cookie: ktp_session=%lld%s", expiry + 1,
		 strchr(cookie, '.'));
	get(f, "/", cookie, &b);
	assert_int_equal(b.status, 200);
	get(f, "/", forged, &c);
	assert_int_equal(c.status, 303);
	sleep(3);
	get(f, "/", cookie, &d);
	assert_int_equal(d.status, 303);
	assert_string_equal(d.location, "/login");
}

static void
test_http_dashboard_assets_need_no_token(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0}, b = {0}, c = {0};

	get(f, "/static/dashboard.css", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "font-family"));
	get(f, "/static/nothing.js", NULL, &b);
	assert_int_equal(b.status, 404);
	get(f, "/login?lang=en", NULL, &c);
	assert_int_equal(c.status, 200);
	assert_non_null(strstr(c.body, "Report token"));
	assert_int_equal(f->gets, 0);
}

static int
connect_raw(struct fixture *f)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(http_port(f->srv)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A client that sends half its headers and stalls is closed after the
 * connection timeout (2 s here), and others are served meanwhile. */
static void
test_http_slow_client_times_out_while_others_are_served(void **state)
{
	struct fixture *f = *state;
	const char partial[] = "POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Le";
	struct pollfd pfd;
	struct answer a = {0};
	char buf[64];
	int fd = connect_raw(f);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, partial, sizeof(partial) - 1), (ssize_t)(sizeof(partial) - 1));
	post(f, "abc", 3, &a);
	assert_int_equal(a.status, 200);
	pfd.fd = fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 6000), 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);	/* closed, nothing sent */
	close(fd);
}

static int
setup_deadline(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct http_opts o = {
		.host = "127.0.0.1", .port = 0, .max_body = 1024 * 1024, .max_conns = 200,
		.max_conns_per_ip = 100, .timeout_s = 2, .request_timeout_s = 3, .threads = 2,
	};

	if (f == NULL || start_with(f, &o) != 0)
		return -1;
	*state = f;
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends one line every second (below the 2 s idle timeout) until the
 * server closes; returns the milliseconds that took, or 0 if it answered. */
static uint64_t
trickle_until_closed(int fd, const char *first, const char *each)
{
	uint64_t t0 = now_ms();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[64];
	int i;

	assert_int_equal(write(fd, first, strlen(first)), (ssize_t)strlen(first));
	for (i = 0; i < 10; i++) {
		if (poll(&pfd, 1, 1000) == 1)
			return read(fd, buf, sizeof(buf)) <= 0 ? now_ms() - t0 : 0;
		if (send(fd, each, strlen(each), MSG_NOSIGNAL) < 0)
			return now_ms() - t0;
	}
	return 0;
}

/* One header line, or one body byte, every second never let the idle
 * timeout (2 s) pass; the request deadline (3 s) closes them unanswered,
 * and a normal request is served meanwhile. */
static void
test_http_request_deadline_closes_trickling_clients(void **state)
{
	struct fixture *f = *state;
	struct answer a = {0};
	int hdr = connect_raw(f), body;
	uint64_t ms;

	assert_true(hdr >= 0);
	ms = trickle_until_closed(hdr, "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n");
	assert_in_range(ms, 2900, 4500);
	get(f, "/healthz", NULL, &a);
	assert_int_equal(a.status, 200);
	assert_true((body = connect_raw(f)) >= 0);
	ms = trickle_until_closed(body, "POST /v1/push HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 100\r\n\r\nKTPB", "x");
	assert_in_range(ms, 2900, 4500);
	assert_int_equal(f->pushes, 0);
	close(hdr);
	close(body);
}

/* A request that trickles in over 2 s but arrives whole within the
 * deadline (3 s) is answered. */
static void
test_http_request_deadline_spares_requests_that_arrive_in_time(void **state)
{
	struct fixture *f = *state;
	const char *parts[] = { "GET /v1/report HTTP/1.1\r\n", "Host: x\r\n", "X-Slow: 1\r\n",
				"\r\n" };
	struct pollfd pfd;
	char buf[512];
	int fd = connect_raw(f);
	size_t i;

	assert_true(fd >= 0);
	for (i = 0; i < 4; i++) {
		if (i > 0)
			usleep(700000);
		assert_int_equal(write(fd, parts[i], strlen(parts[i])), (ssize_t)strlen(parts[i]));
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(read(fd, buf, sizeof(buf)) > 12);
	assert_memory_equal(buf, "HTTP/1.1 200", 12);
	assert_int_equal(f->gets, 1);
	close(fd);
}

/* The hub's header check stands in: a header starting 'X' names a node
 * that is not enrolled. */
static int
on_push_header(void *ctx, const uint8_t *hdr, uint64_t wire_len, struct http_reply *ret)
{
	(void)ctx;
	(void)wire_len;
	if (hdr[0] != 'X')
		return 0;
	http_reply_error(ret, 401, "node 9999 is not enrolled at this hub");
	return -1;
}

/* Pushes up to 1 MiB; 2 MiB of them held per address, 3 MiB in all. */
static int
setup_caps(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct http_handlers h = {
		.push = on_push, .push_header = on_push_header, .report = on_report,
		.report_csv = on_text, .nodes = on_plain, .metrics = on_plain, .page = on_page,
		.ctx = f,
	};
	const struct http_opts o = {
		.host = "127.0.0.1", .port = 0, .max_body = 1024 * 1024, .max_conns = 200,
		.max_conns_per_ip = 100, .timeout_s = 10, .request_timeout_s = 30, .threads = 2,
		.max_buffer_per_ip = 2 * 1024 * 1024, .max_buffer_total = 3 * 1024 * 1024,
	};
	struct ktp_err err = {0};

	if (f == NULL)
		return -1;
	f->push_status = 200;
	if (http_start(&o, &h, &f->srv, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
connect_from(struct fixture *f, const char *from)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(http_port(f->srv)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, from, &me.sin_addr);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends a push's headers declaring len bytes, then the first n bytes of a
 * body that begins with c. */
static void
send_partial(int fd, size_t len, size_t n, char c)
{
	char head[128];
	char *body = malloc(n);
	size_t off = 0;
	ssize_t w;

	snprintf(head, sizeof(head), "POST /v1/push HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: %zu\r\n\r\n", len);
	assert_int_equal(write(fd, head, strlen(head)), (ssize_t)strlen(head));
	memset(body, c, n);
	while (off < n && (w = send(fd, body + off, n - off, MSG_NOSIGNAL)) > 0)
		off += (size_t)w;
	free(body);
}

/* Waits at most ms for an answer and reads it ("" when none came). */
static void
read_answer(int fd, int ms, char *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	while (len < cap - 1 && poll(&pfd, 1, len == 0 ? ms : 200) == 1 &&
	       (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* A push whose 76 header bytes are refused is answered at once, while its
 * body is still coming, and nothing of it reaches the handler; a good
 * header is read on. */
static void
test_http_push_refused_by_its_header_is_answered_before_the_body(void **state)
{
	struct fixture *f = *state;
	char buf[1024];
	int bad = connect_raw(f), good = connect_raw(f);
	uint64_t t0 = now_ms();

	assert_true(bad >= 0 && good >= 0);
	send_partial(bad, 1000000, 200000, 'X');
	read_answer(bad, 2000, buf, sizeof(buf));
	assert_true(now_ms() - t0 < 1500);
	assert_memory_equal(buf, "HTTP/1.1 401 Unauthorized\r\n", 27);
	assert_null(strstr(buf, "\r\nRetry-After"));
	assert_non_null(strstr(buf, "\r\nWWW-Authenticate: Bearer\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\n{\"error\":\"node 9999 is not enrolled at this hub\"}"));
	send_partial(good, 1000, 999, 'K');
	read_answer(good, 300, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(send(good, "K", 1, MSG_NOSIGNAL), 1);
	read_answer(good, 2000, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 200", 12);
	assert_non_null(strstr(buf, "{\"len\":1000,\"first\":75}"));
	assert_int_equal(f->pushes, 1);
	close(bad);
	close(good);
}

/* Two pushes of 1 MiB from 127.0.0.1 fill its 2 MiB: a third is refused at
 * once (503, Retry-After); one from 127.0.0.2 fills the 3 MiB in all, and
 * one from 127.0.0.3 is refused. When a push ends, its memory is free again. */
static void
test_http_push_buffers_are_capped_per_address_and_in_total(void **state)
{
	struct fixture *f = *state;
	const size_t mib = 1024 * 1024;
	char buf[1024];
	int a1 = connect_from(f, "127.0.0.1"), a2 = connect_from(f, "127.0.0.1");
	int a3 = connect_from(f, "127.0.0.1"), b1 = connect_from(f, "127.0.0.2");
	int b2 = connect_from(f, "127.0.0.3"), a4;

	assert_true(a1 >= 0 && a2 >= 0 && a3 >= 0 && b1 >= 0 && b2 >= 0);
	send_partial(a1, mib, mib - 1, 'K');
	send_partial(a2, mib, mib - 1, 'K');
	usleep(300000);
	send_partial(a3, mib, 100000, 'K');
	read_answer(a3, 1000, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 503 Service Unavailable\r\n", 34);
	assert_non_null(strstr(buf, "\r\nRetry-After: 10\r\n"));
	assert_non_null(strstr(buf, "{\"error\":\"push: this address holds 2097152 bytes of "
				    "pushes in progress, limit 2097152 (max_buffer_per_ip)\"}"));
	send_partial(b1, mib, mib - 1, 'K');
	usleep(300000);
	send_partial(b2, mib, 100000, 'K');
	read_answer(b2, 1000, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 503", 12);
	assert_non_null(strstr(buf, "{\"error\":\"push: the hub holds 3145728 bytes of pushes in "
				    "progress, limit 3145728 (max_buffer_total)\"}"));
	assert_int_equal(f->pushes, 0);
	assert_int_equal(send(a1, "K", 1, MSG_NOSIGNAL), 1);
	read_answer(a1, 2000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "{\"len\":1048576,\"first\":75}"));
	usleep(100000);
	assert_true((a4 = connect_from(f, "127.0.0.1")) >= 0);
	send_partial(a4, mib, mib, 'K');
	read_answer(a4, 2000, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 200", 12);
	assert_int_equal(f->pushes, 2);
	close(a1); close(a2); close(a3); close(a4); close(b1); close(b2);
}

/* max_connections 4: the server remembers 4 + 1024 addresses. */
static int
setup_small_table(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct http_opts o = {
		.host = "127.0.0.1", .port = 0, .max_body = 1024 * 1024, .max_conns = 4,
		.max_conns_per_ip = 4, .timeout_s = 10, .threads = 2, .token = "s3cret",
		.max_buffer_per_ip = 2 * 1024 * 1024, .max_buffer_total = 3 * 1024 * 1024,
	};

	if (f == NULL || start_with(f, &o) != 0)
		return -1;
	*state = f;
	return 0;
}

/* Failed logins from more addresses than the table holds push out the
 * oldest of them, never a push in progress, and a push from yet another
 * address still gets its buffer. */
static void
test_http_failed_logins_from_many_addresses_leave_room_for_pushes(void **state)
{
	struct fixture *f = *state;
	struct answer b = {0};
	char from[32], buf[1024];
	int held = connect_from(f, "127.0.0.1"), fd, i;

	assert_true(held >= 0);
	send_partial(held, 1024 * 1024, 1024 * 1024 - 1, 'K');
	for (i = 0; i < 1100; i++) {
		struct answer a = {0};

		snprintf(from, sizeof(from), "127.0.%d.%d", 10 + i / 200, 1 + i % 200);
		login_from(f, from, "token=guess", 11, &a);
		assert_int_equal(a.status, 401);
	}
	assert_true((fd = connect_from(f, "127.0.99.1")) >= 0);
	send_partial(fd, 1000, 1000, 'K');
	read_answer(fd, 2000, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 200", 12);
	close(fd);
	/* The push held from before the logins still has its memory. */
	assert_int_equal(send(held, "K", 1, MSG_NOSIGNAL), 1);
	read_answer(held, 2000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "{\"len\":1048576,\"first\":75}"));
	close(held);
	login_from(f, "127.0.0.1", "token=s3cret", 12, &b);
	assert_int_equal(b.status, 303);
}

/* 64 pushes at once, each handler sleeping 50 ms: every one gets its 200. */
static void
test_http_serves_64_concurrent_pushes(void **state)
{
	struct fixture *f = *state;
	struct answer *a = calloc(64, sizeof(*a));
	CURLM *m = curl_multi_init();
	CURLMsg *msg;
	CURL *c[64];
	int running = 1, i, loops = 0, left;

	f->delay_ms = 50;
	for (i = 0; i < 64; i++) {
		c[i] = new_easy(f, "/v1/push", &a[i]);
		curl_easy_setopt(c[i], CURLOPT_POSTFIELDS, "0123456789");
		curl_multi_add_handle(m, c[i]);
	}
	while (running && loops++ < 20000) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->data.result != CURLE_OK)
			fprintf(stderr, "transfer failed: %s\n", curl_easy_strerror(msg->data.result));
	for (i = 0; i < 64; i++) {
		curl_easy_getinfo(c[i], CURLINFO_RESPONSE_CODE, &a[i].status);
		assert_int_equal(a[i].status, 200);
		curl_multi_remove_handle(m, c[i]);
		curl_easy_cleanup(c[i]);
	}
	assert_int_equal(f->pushes, 64);
	curl_multi_cleanup(m);
	free(a);
}

struct bg_post {
	struct fixture	*f;
	struct answer	a;
};

static void *
post_in_background(void *arg)
{
	struct bg_post *b = arg;

	post(b->f, "slow", 4, &b->a);
	return NULL;
}

/* Stopping while a push is in its handler: the handler finishes and its
 * answer reaches the client before the server is gone. */
static void
test_http_stop_answers_request_in_flight(void **state)
{
	struct fixture *f = *state;
	struct bg_post b = { .f = f };
	struct timespec ts = { 0, 150 * 1000000 };
	pthread_t t;

	f->delay_ms = 600;
	assert_int_equal(pthread_create(&t, NULL, post_in_background, &b), 0);
	nanosleep(&ts, NULL);		/* the handler is now sleeping */
	http_stop(f->srv);
	f->srv = NULL;
	pthread_join(t, NULL);
	assert_int_equal(b.a.rc, CURLE_OK);
	assert_int_equal(b.a.status, 200);
	assert_string_equal(b.a.body, "{\"len\":4,\"first\":115}");
	assert_int_equal(f->pushes, 1);
}

static void
test_http_start_on_busy_port_names_address(void **state)
{
	struct fixture *f = *state;
	const struct http_handlers h = { .push = on_push, .ctx = f };
	struct http_opts o = { .host = "127.0.0.1", .port = http_port(f->srv), .max_body = 10,
			       .max_conns = 10, .max_conns_per_ip = 10, .timeout_s = 1 };
	struct http_server *s = NULL;
	struct ktp_err err = {0};
	char want[128];

	assert_int_equal(http_start(&o, &h, &s, &err), -EADDRINUSE);
	snprintf(want, sizeof(want), "http: 127.0.0.1:%u: cannot listen: Address already in use",
		 o.port);
	assert_string_equal(err.msg, want);
	o.host = "localhost";
	assert_int_equal(http_start(&o, &h, &s, &err), -EINVAL);
	assert_string_equal(err.msg, "http: listen: 'localhost' is not a numeric address");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_http_push_hands_whole_body_to_handler,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_push_over_content_length_limit_is_413_without_handler,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_push_exactly_at_limit_is_accepted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_chunked_push_past_limit_is_cut_without_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_chunked_push_within_limit_is_read_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_handler_retry_after_reaches_client,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_unknown_path_and_wrong_method_are_json_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_report_passes_regency_argument,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_token_guards_read_endpoints_but_not_healthz, setup_token, teardown),
		cmocka_unit_test_setup_teardown(test_http_unknown_path_that_is_not_utf8_is_404,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_login_takes_a_256_character_token,
						setup_login_limits, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_wrong_token_of_any_length_is_401_with_the_form, setup_token,
			teardown),
		cmocka_unit_test_setup_teardown(test_http_failed_logins_are_limited_per_address,
						setup_login_limits, teardown),
		cmocka_unit_test_setup_teardown(test_http_session_expires_after_its_lifetime,
						setup_login_limits, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_dashboard_login_sets_a_session_cookie, setup_token, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_login_follows_the_token_set_replaced_and_cleared, setup_token,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_http_dashboard_assets_need_no_token, setup_token, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_slow_client_times_out_while_others_are_served, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_serves_64_concurrent_pushes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_push_refused_by_its_header_is_answered_before_the_body,
			setup_caps, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_push_buffers_are_capped_per_address_and_in_total,
			setup_caps, teardown),
		cmocka_unit_test_setup_teardown(
			test_http_failed_logins_from_many_addresses_leave_room_for_pushes,
			setup_small_table, teardown),
		cmocka_unit_test_setup_teardown(test_http_request_deadline_closes_trickling_clients,
						setup_deadline, teardown),
		cmocka_unit_test_setup_teardown(test_http_request_deadline_spares_requests_that_arrive_in_time,
						setup_deadline, teardown),
		cmocka_unit_test_setup_teardown(test_http_stop_answers_request_in_flight,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_start_on_busy_port_names_address,
						setup, teardown),
	};
	int r;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = cmocka_run_group_tests_name("http", tests, NULL, NULL);
	curl_global_cleanup();
	return r;
}
