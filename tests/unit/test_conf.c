/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>

#include "unit.h"

#include "conf.h"
#include "conf_fixture.h"

/* A small schema of its own, so the syntax layer is tested apart from the
 * daemons' keys. */
struct tconf {
	char		*s;
	uint32_t	n;
	char		*item_v[2];
};

struct titem {
	char		*v;
};

static struct titem items[2];

static const struct conf_key tkeys[] = {
	{ "t", "s", conf_parse_string, offsetof(struct tconf, s), 0, 0, 0 },
	{ "t", "n", conf_parse_uint32, offsetof(struct tconf, n), 1, 10, CONF_REQUIRED },
	{ "item *", "v", conf_parse_string, offsetof(struct titem, v), 0, 0, CONF_REQUIRED },
};

static void *
open_item(void *user, const char *name, const char *arg, unsigned line, struct ktp_err *why)
{
	(void)user;
	(void)line;
	if (strcmp(arg, "a") == 0)
		return &items[0];
	if (strcmp(arg, "b") == 0)
		return &items[1];
	ktp_err_set(why, -EINVAL, "[%s %s]: no such item", name, arg);
	return NULL;
}

static const struct conf_schema tschema = { .keys = tkeys, .n_keys = 3, .open_section = open_item };

static void
tconf_done(struct tconf *c)
{
	free(c->s);
	free(items[0].v);
	free(items[1].v);
	memset(items, 0, sizeof(items));
	memset(c, 0, sizeof(*c));
}

/* Parses text and returns the errors joined by '\n' (static buffer). */
static const char *
parse_errors(const char *text, size_t len, struct tconf *c, int want_r)
{
	static char out[CONF_MAX_ERRORS * KTP_ERR_MSG_LEN];
	struct conf_errors errs = {0};
	size_t i, off = 0;

	assert_int_equal(conf_parse(&tschema, c, NULL, text, len, "t.conf", &errs), want_r);
	out[0] = '\0';
	for (i = 0; i < errs.n && i < CONF_MAX_ERRORS; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", i ? "\n" : "",
					errs.msg[i]);
	return out;
}

static const char *
parse_text(const char *text, struct tconf *c, int want_r)
{
	return parse_errors(text, strlen(text), c, want_r);
}

static void
test_conf_parse_reads_values_quotes_and_comments(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("\xEF\xBB\xBF; comment\r\n# another\r\n[t]\r\n"
				       "s = \"a value\" ; trailing comment\r\n"
				       "n: 7\r\n\r\n[item b]\r\nv = bee\r\n", &c, 0), "");
	assert_string_equal(c.s, "a value");
	assert_int_equal(c.n, 7);
	assert_null(items[0].v);
	assert_string_equal(items[1].v, "bee");
	tconf_done(&c);
}

static void
test_conf_unknown_key_names_file_and_line(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("[t]\nn = 1\nm = 2\n", &c, -EINVAL),
			    "t.conf:3: unknown key 'm' in [t]");
	tconf_done(&c);
}

static void
test_conf_unknown_sections_even_empty_ones_are_errors(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("[t]\nn = 1\n[u]\n[v]\nx = 1\ny = 2\n", &c, -EINVAL),
			    "t.conf:3: unknown section [u]\n"
			    "t.conf:4: unknown section [v]");
	tconf_done(&c);
}

/* inih's own buffer is 200 bytes; longer lines up to CONF_LINE_MAX are
 * split by the reader, with inline comments, quotes and stripping as inih. */
static void
test_conf_line_past_inih_buffer_is_read_whole(void **state)
{
	char text[2400], value[1100];
	struct tconf c = {0};

	(void)state;
	memset(value, 'v', 1000);
	value[1000] = '\0';
	snprintf(text, sizeof(text), "[t]\nn = 1\ns  =  \"%s\"  ; note\n", value);
	assert_string_equal(parse_text(text, &c, 0), "");
	assert_int_equal(strlen(c.s), 1000);
	assert_int_equal(c.n, 1);
	tconf_done(&c);
	snprintf(text, sizeof(text), "[t]\ns = %.300s\nn = 11\n  %.300s\n", value, value);
	assert_string_equal(parse_text(text, &c, -EINVAL),
			    "t.conf:3: t.n: '11' out of range (1..10)\n"
			    "t.conf:4: indented line continues 'n' (multi-line values are not allowed)");
	assert_int_equal(strlen(c.s), 300);
	tconf_done(&c);
	snprintf(text, sizeof(text), "[t]\nn = 1\n# %.300s\n[%.300s]\nn = 2\n", value, value);
	assert_string_equal(parse_text(text, &c, -EINVAL),
			    "t.conf:4: unknown section [vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv]");
	tconf_done(&c);
}

static void
test_conf_line_too_long_keeps_line_numbers(void **state)
{
	char text[2400], value[1100];
	struct tconf c = {0};

	(void)state;
	/* "s = " and 1019 bytes and '\n' make CONF_LINE_MAX exactly. */
	memset(value, 'v', 1019);
	value[1019] = '\0';
	snprintf(text, sizeof(text), "[t]\nn = 1\ns = %s\n", value);
	assert_string_equal(parse_text(text, &c, 0), "");
	assert_int_equal(strlen(c.s), 1019);
	tconf_done(&c);
	value[1019] = 'v';
	value[1020] = '\0';
	snprintf(text, sizeof(text), "[t]\ns = %s\nn = 11\n", value);
	assert_string_equal(parse_text(text, &c, -EINVAL),
			    "t.conf:2: line too long\n"
			    "t.conf:3: t.n: '11' out of range (1..10)");
	assert_null(c.s);
	tconf_done(&c);
}

static void
test_conf_last_line_too_long_without_newline(void **state)
{
	char text[1400];
	struct tconf c = {0};

	(void)state;
	memset(text, 0, sizeof(text));
	memcpy(text, "[t]\nn = 1\n# ", 12);
	memset(text + 12, 'x', 1100);
	assert_string_equal(parse_text(text, &c, -EINVAL), "t.conf:3: line too long");
	tconf_done(&c);
}

static void
test_conf_duplicate_and_continued_keys_are_errors(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("[t]\nn = 1\ns = a\n  b\n[t]\nn = 2\n", &c, -EINVAL),
			    "t.conf:4: indented line continues 's' "
			    "(multi-line values are not allowed)\n"
			    "t.conf:6: duplicate key 'n' in [t] (first set on line 2)");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.s, "a");
	tconf_done(&c);
}

static void
test_conf_syntax_errors_each_reported(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("n = 1\n[t\njust words\n[t]\nn = 1\nalso words\n",
				       &c, -EINVAL),
			    "t.conf:1: key 'n' is outside any section\n"
			    "t.conf:2: section header without ']'\n"
			    "t.conf:3: expected 'key = value', '[section]' or a comment\n"
			    "t.conf:6: expected 'key = value', '[section]' or a comment");
	tconf_done(&c);
}

static void
test_conf_nul_byte_is_an_error(void **state)
{
	static const char text[] = "[t]\nn = 1\ns = a\0b\n";
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_errors(text, sizeof(text) - 1, &c, -EINVAL),
			    "t.conf:3: NUL byte in line");
	tconf_done(&c);
}

static void
test_conf_dynamic_sections_check_their_required_keys(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("[item a]\n[item c]\nv = 1\n[item b]\nw = 2\n"
				       "[item]\n[t]\nn = 3\n", &c, -EINVAL),
			    "t.conf:1: missing required key 'v' in [item a]\n"
			    "t.conf:2: [item c]: no such item\n"
			    "t.conf:5: unknown key 'w' in [item b]\n"
			    "t.conf:4: missing required key 'v' in [item b]\n"
			    "t.conf:6: [item ]: no such item");
	tconf_done(&c);
}

static void
test_conf_empty_value_and_missing_required(void **state)
{
	struct tconf c = {0};

	(void)state;
	assert_string_equal(parse_text("[t]\ns =\nn = \"\"\n", &c, -EINVAL),
			    "t.conf:2: t.s: empty value\n"
			    "t.conf:3: t.n: empty value");
	assert_string_equal(parse_text("", &c, -EINVAL), "t.conf: missing required key 'n' in [t]");
	tconf_done(&c);
}

/* Runs one parser on text with k's range; returns why.msg or "" on success. */
static const char *
run(conf_parse_fn *fn, int64_t min, int64_t max, const char *text, void *out)
{
	static struct ktp_err why;
	struct conf_key k = { "x", "y", fn, 0, min, max, 0 };

	ktp_err_clear(&why);
	if (fn(&k, text, out, &why) == 0)
		return "";
	assert_int_equal(why.code, -EINVAL);
	return why.msg;
}

static void
test_conf_parse_duration_units_and_range(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_string_equal(run(conf_parse_duration, 1, 86400, "90s", &v), "");
	assert_int_equal(v, 90);
	assert_string_equal(run(conf_parse_duration, 1, 86400, "5m", &v), "");
	assert_int_equal(v, 300);
	assert_string_equal(run(conf_parse_duration, 1, 86400, "12h", &v), "");
	assert_int_equal(v, 43200);
	assert_string_equal(run(conf_parse_duration, 1, 86400, "1d", &v), "");
	assert_int_equal(v, 86400);
	assert_string_equal(run(conf_parse_duration, 1, 86400, "0s", &v),
			    "'0s' out of range (1s..1d)");
	assert_string_equal(run(conf_parse_duration, 1, 86400, "25h", &v),
			    "'25h' out of range (1s..1d)");
	assert_string_equal(run(conf_parse_duration, 1, 86400, "99999999999999999999s", &v),
			    "'99999999999999999999s' out of range (1s..1d)");
	assert_string_equal(run(conf_parse_duration, 1, 86400, "30", &v),
			    "'30' is not a duration (a number and s, m, h or d)");
	assert_string_equal(run(conf_parse_duration, 1, 86400, "-1s", &v),
			    "'-1s' is not a duration (a number and s, m, h or d)");
	assert_string_equal(run(conf_parse_duration, 1, 86400, "5ms", &v),
			    "'5ms' is not a duration (a number and s, m, h or d)");
	assert_int_equal(v, 86400);
}

static void
test_conf_parse_size_units_and_range(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_string_equal(run(conf_parse_size, 1, 1 << 30, "512", &v), "");
	assert_int_equal(v, 512);
	assert_string_equal(run(conf_parse_size, 1, 1 << 30, "64K", &v), "");
	assert_int_equal(v, 65536);
	assert_string_equal(run(conf_parse_size, 1, 1 << 30, "4M", &v), "");
	assert_int_equal(v, 4194304);
	assert_string_equal(run(conf_parse_size, 1, 1 << 30, "1G", &v), "");
	assert_int_equal(v, 1073741824);
	assert_string_equal(run(conf_parse_size, 65536, 64 << 20, "2G", &v),
			    "'2G' out of range (64K..64M)");
	assert_string_equal(run(conf_parse_size, 65536, 64 << 20, "4MB", &v),
			    "'4MB' is not a size (bytes, or a number and K, M or G)");
	assert_string_equal(run(conf_parse_size, 65536, 64 << 20, "M", &v),
			    "'M' is not a size (bytes, or a number and K, M or G)");
}

static void
test_conf_parse_uint32_and_bool(void **state)
{
	uint32_t v = 0;
	bool b = false;

	(void)state;
	assert_string_equal(run(conf_parse_uint32, 1, 100000, "10000", &v), "");
	assert_int_equal(v, 10000);
	assert_string_equal(run(conf_parse_uint32, 1, 100000, "100001", &v),
			    "'100001' out of range (1..100000)");
	assert_string_equal(run(conf_parse_uint32, 1, 100000, "1e4", &v),
			    "'1e4' is not a whole number");
	assert_string_equal(run(conf_parse_uint32, 1, 100000, " 5", &v),
			    "' 5' is not a whole number");
	assert_string_equal(run(conf_parse_bool, 0, 0, "Yes", &b), "");
	assert_true(b);
	assert_string_equal(run(conf_parse_bool, 0, 0, "off", &b), "");
	assert_false(b);
	assert_string_equal(run(conf_parse_bool, 0, 0, "TRUE", &b), "");
	assert_true(b);
	assert_string_equal(run(conf_parse_bool, 0, 0, "0", &b), "");
	assert_false(b);
	assert_string_equal(run(conf_parse_bool, 0, 0, "maybe", &b),
			    "'maybe' is not yes or no (or true/false, on/off, 1/0)");
}

static void
test_conf_parse_key32_needs_exactly_32_bytes(void **state)
{
	uint8_t key[32] = {0}, want[32];
	size_t i;

	(void)state;
	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	assert_string_equal(run(conf_parse_key32, 0, 0,
				"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", key), "");
	assert_memory_equal(key, want, 32);
	assert_string_equal(run(conf_parse_key32, 0, 0,
				"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", key),
			    "not 32 bytes of base64");
	assert_string_equal(run(conf_parse_key32, 0, 0,
				"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", key),
			    "not 32 bytes of base64");
	assert_string_equal(run(conf_parse_key32, 0, 0, "not base64 at all!", key),
			    "not 32 bytes of base64");
}

static void
test_conf_parse_date_needs_real_dates(void **state)
{
	uint32_t d = 0;

	(void)state;
	assert_string_equal(run(conf_parse_date, 0, 0, "2028-02-29", &d), "");
	assert_int_equal(d, 20280229);
	assert_string_equal(run(conf_parse_date, 0, 0, "2029-02-29", &d),
			    "'2029-02-29' is not a real date");
	assert_string_equal(run(conf_parse_date, 0, 0, "2029-13-01", &d),
			    "'2029-13-01' is not a real date");
	assert_string_equal(run(conf_parse_date, 0, 0, "2029-2-1", &d),
			    "'2029-2-1' is not a date as YYYY-MM-DD");
	assert_string_equal(run(conf_parse_date, 0, 0, "2029-02-14x", &d),
			    "'2029-02-14x' is not a date as YYYY-MM-DD");
	assert_int_equal(d, 20280229);
}

static void
test_conf_parse_region_codes(void **state)
{
	uint16_t regency = 0;
	uint8_t province = 0;

	(void)state;
	assert_string_equal(run(conf_parse_regency, 0, 0, "3273", &regency), "");
	assert_int_equal(regency, 3273);
	assert_string_equal(run(conf_parse_regency, 0, 0, "1101", &regency), "");
	assert_int_equal(regency, 1101);
	assert_string_equal(run(conf_parse_regency, 0, 0, "2001", &regency),
			    "'2001': unknown province code '20'");
	assert_string_equal(run(conf_parse_regency, 0, 0, "3200", &regency),
			    "'3200': regency number 00 does not exist");
	assert_string_equal(run(conf_parse_regency, 0, 0, "321", &regency),
			    "'321' is not a 4-digit regency code");
	assert_string_equal(run(conf_parse_province, 0, 0, "32", &province), "");
	assert_int_equal(province, 32);
	assert_string_equal(run(conf_parse_province, 0, 0, "96", &province), "");
	assert_int_equal(province, 96);
	assert_string_equal(run(conf_parse_province, 0, 0, "10", &province),
			    "'10' is not a known province code");
	assert_string_equal(run(conf_parse_province, 0, 0, "032", &province),
			    "'032' is not a 2-digit province code");
}

static void
test_conf_parse_url_scheme_and_host(void **state)
{
	char *url = NULL;

	(void)state;
	assert_string_equal(run(conf_parse_url, 0, 0, "https://hub.example.org:8443/x", &url), "");
	assert_string_equal(url, "https://hub.example.org:8443/x");
	assert_string_equal(run(conf_parse_url, 0, 0, "HTTP://127.0.0.1:8470", &url), "");
	assert_string_equal(url, "HTTP://127.0.0.1:8470");
	assert_string_equal(run(conf_parse_url, 0, 0, "ftp://hub", &url),
			    "'ftp://hub' must start with http:// or https://");
	assert_string_equal(run(conf_parse_url, 0, 0, "hub.example.org", &url),
			    "'hub.example.org' must start with http:// or https://");
	assert_string_equal(run(conf_parse_url, 0, 0, "https://", &url), "'https://' has no host");
	assert_string_equal(run(conf_parse_url, 0, 0, "http://h:70000", &url),
			    "'http://h:70000' is not a valid URL "
			    "(Port number was not a decimal number between 0 and 65535)");
	free(url);
}

static void
test_conf_parse_strings_paths_groups_secrets(void **state)
{
	char *s = NULL;
	char big[300];

	(void)state;
	assert_string_equal(run(conf_parse_string, 0, 8, "Kota Ba", &s), "");
	assert_string_equal(s, "Kota Ba");
	assert_string_equal(run(conf_parse_string, 0, 8, "Kab. Garut", &s),
			    "longer than 8 bytes");
	assert_string_equal(run(conf_parse_string, 0, 0, "Tasik\xc3\xa2", &s), "");
	assert_string_equal(run(conf_parse_string, 0, 0, "bad \xc3\x28", &s), "not valid UTF-8");
	assert_string_equal(run(conf_parse_string, 0, 0, "\xed\xa0\x80", &s), "not valid UTF-8");
	assert_string_equal(run(conf_parse_string, 0, 0, "tab\there", &s),
			    "contains a control character");
	assert_string_equal(run(conf_parse_path, 0, 0, "/var/lib/x", &s), "");
	assert_string_equal(s, "/var/lib/x");
	assert_string_equal(run(conf_parse_path, 0, 0, "var/lib", &s),
			    "'var/lib' is not an absolute path");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(run(conf_parse_path, 0, 107, big, &s), "longer than 107 bytes");
	assert_string_equal(run(conf_parse_group, 0, 0, "dukcapil_ops", &s), "");
	assert_string_equal(run(conf_parse_group, 0, 0, "du kcapil", &s),
			    "'du kcapil' is not a valid group name");
	assert_string_equal(run(conf_parse_secret, 16, 0, "hunter2", &s),
			    "shorter than 16 characters");
	assert_string_equal(run(conf_parse_secret, 16, 0, "0123456789abcdef", &s), "");
	assert_string_equal(s, "0123456789abcdef");
	free(s);
}

static void
test_conf_split_hostport_forms(void **state)
{
	struct ktp_err why = {0};
	char *host = NULL;
	uint16_t port = 0;

	(void)state;
	assert_int_equal(conf_split_hostport("0.0.0.0:8470", &host, &port, &why), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 8470);
	free(host);
	assert_int_equal(conf_split_hostport("[::1]:443", &host, &port, &why), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 443);
	free(host);
	assert_int_equal(conf_split_hostport(":80", &host, &port, &why), -EINVAL);
	assert_string_equal(why.msg, "':80' has no host");
	assert_int_equal(conf_split_hostport("[::1]80", &host, &port, &why), -EINVAL);
	assert_string_equal(why.msg, "'[::1]80' is not [ADDRESS]:PORT");
	assert_int_equal(conf_split_hostport("h:65536", &host, &port, &why), -EINVAL);
	assert_string_equal(why.msg, "'h:65536': port '65536' not in 1..65535");
	assert_int_equal(conf_split_hostport("h:http", &host, &port, &why), -EINVAL);
	assert_string_equal(why.msg, "'h:http': port 'http' not in 1..65535");
	/* What would not print back as the same listen (found by fuzz_conf). */
	assert_int_equal(conf_split_hostport("[[;]:944", &host, &port, &why), -EINVAL);
	assert_string_equal(why.msg, "'[[;]:944': host has a character that is not in a name "
			    "or address");
	assert_int_equal(conf_split_hostport("a b:80", &host, &port, &why), -EINVAL);
	assert_int_equal(conf_split_hostport("[fe80::1%eth0]:80", &host, &port, &why), 0);
	assert_string_equal(host, "fe80::1%eth0");
	free(host);
}

static void
test_conf_format_normalises(void **state)
{
	char buf[32];

	(void)state;
	conf_format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	conf_format_duration(90, buf, sizeof(buf));
	assert_string_equal(buf, "90s");
	conf_format_duration(5400, buf, sizeof(buf));
	assert_string_equal(buf, "90m");
	conf_format_duration(7200, buf, sizeof(buf));
	assert_string_equal(buf, "2h");
	conf_format_duration(172800, buf, sizeof(buf));
	assert_string_equal(buf, "2d");
	conf_format_size(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000");
	conf_format_size(1536, buf, sizeof(buf));
	assert_string_equal(buf, "1536");
	conf_format_size(8u << 20, buf, sizeof(buf));
	assert_string_equal(buf, "8M");
	conf_format_size(3ull << 30, buf, sizeof(buf));
	assert_string_equal(buf, "3G");
	conf_format_date(20290214, buf, sizeof(buf));
	assert_string_equal(buf, "2029-02-14");
}

static void
test_conf_errors_beyond_the_cap_are_counted(void **state)
{
	struct conf_errors errs = {0};
	char *out = NULL;
	size_t len = 0, lines = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < CONF_MAX_ERRORS + 6; i++)
		conf_errors_add(&errs, "t.conf:%zu: bad", i + 1);
	assert_int_equal(errs.n, CONF_MAX_ERRORS + 6);
	assert_non_null(f = open_memstream(&out, &len));
	conf_errors_print(&errs, "conf: ", NULL, f);
	fclose(f);
	for (i = 0; i < len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, CONF_MAX_ERRORS + 1);
	assert_non_null(strstr(out, "conf: t.conf:64: bad\nconf: 6 more errors\n"));
	assert_int_equal(strncmp(out, "conf: t.conf:1: bad\n", 20), 0);
	free(out);
}

/* The daemons' lines: check mode prints them, a failed reload logs them,
 * both through the same walk, and the count line names the file. */
static char logged[4096];

static void
capture_log(const char *fmt, ...)
{
	size_t n = strlen(logged);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(logged + n, sizeof(logged) - n, fmt, ap);
	va_end(ap);
	n = strlen(logged);
	snprintf(logged + n, sizeof(logged) - n, "|");
}

static void
test_conf_errors_print_and_log_give_the_same_lines(void **state)
{
	struct conf_errors errs = {0};
	char *out = NULL, want[4096] = "";
	size_t len = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < CONF_MAX_ERRORS + 2; i++)
		conf_errors_add(&errs, "/etc/k.conf:%zu: bad", i + 1);
	assert_non_null(f = open_memstream(&out, &len));
	conf_errors_print(&errs, "conf: ", "/etc/k.conf", f);
	fclose(f);
	logged[0] = '\0';
	conf_errors_log(&errs, "/etc/k.conf", capture_log);
	for (i = 0; i < CONF_MAX_ERRORS; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "conf: /etc/k.conf:%zu: bad|", i + 1);
	strcat(want, "conf: /etc/k.conf: 2 more errors|");
	assert_string_equal(logged, want);
	for (i = 0; want[i] != '\0'; i++)
		if (want[i] == '|')
			want[i] = '\n';
	assert_string_equal(out, want);
	free(out);
	/* Without more than the cap, no count line. */
	errs.n = 1;
	logged[0] = '\0';
	conf_errors_log(&errs, "/etc/k.conf", capture_log);
	assert_string_equal(logged, "conf: /etc/k.conf:1: bad|");
}

/* conf_load_string, the load both schemas share: defaults first, the check
 * of the whole file only after a clean parse, the destructor on failure. */
static int tcheck_calls, tdone_calls;

static int
tset_defaults(void *base)
{
	struct tconf *c = base;

	memset(c, 0, sizeof(*c));
	return conf_set_string(&c->s, "default");
}

static void
tcheck(void *base, void *user, const char *name, struct conf_errors *errs)
{
	const struct tconf *c = base;

	assert_ptr_equal(user, &tcheck_calls);
	tcheck_calls++;
	if (c->n == 9)
		conf_errors_add(errs, "%s: t.n: 9 is not allowed here", name);
}

static void
tdone(void *base)
{
	tdone_calls++;
	tconf_done(base);
}

static const struct conf_schema tload = {
	.keys = tkeys, .n_keys = 2, .size = sizeof(struct tconf),
	.set_defaults = tset_defaults, .check = tcheck, .done = tdone,
};

static void
test_conf_load_string_checks_only_a_clean_parse_and_frees_on_failure(void **state)
{
	static const struct {
		const char	*text;
		int		r;
		int		checks, dones;
		const char	*first_error;
	} rows[] = {
		{ "[t]\nn = 3\n",		0,	 1, 0, NULL },
		{ "[t]\nn = 9\n",		-EINVAL, 1, 1, "t.conf: t.n: 9 is not allowed here" },
		{ "[t]\nn = 0\nx = 1\n",	-EINVAL, 0, 1, "t.conf:2: t.n: '0' out of range" },
	};
	struct conf_errors errs = {0};
	struct tconf c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&c, 0xa5, sizeof(c));
		tcheck_calls = tdone_calls = 0;
		assert_int_equal(conf_load_string(&tload, &c, &tcheck_calls, rows[i].text, "t.conf",
						  &errs), rows[i].r);
		assert_int_equal(tcheck_calls, rows[i].checks);
		assert_int_equal(tdone_calls, rows[i].dones);
		if (rows[i].r == 0) {
			assert_int_equal(errs.n, 0);
			assert_int_equal(c.n, 3);
			assert_string_equal(c.s, "default");
			tconf_done(&c);
		} else {
			assert_true(errs.n >= 1);
			assert_int_equal(strncmp(errs.msg[0], rows[i].first_error,
						 strlen(rows[i].first_error)), 0);
			assert_null(c.s);
		}
	}
}

/* Every golden case is a node or hub config and has its expected errors. */
static void
test_conf_every_bad_file_has_a_golden_err(void **state)
{
	char dir[PATH_MAX], err[PATH_MAX + 300];
	struct dirent *de;
	size_t n = 0, len;
	DIR *d;

	(void)state;
	assert_non_null(d = opendir(conf_fix_data_dir(dir)));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, "bad-", 4) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		assert_true(strncmp(de->d_name, "bad-node-", 9) == 0 ||
			    strncmp(de->d_name, "bad-hub-", 8) == 0);
		snprintf(err, sizeof(err), "%s/%.*s.err", dir, (int)(len - 5), de->d_name);
		assert_int_equal(access(err, R_OK), 0);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_parse_reads_values_quotes_and_comments),
		cmocka_unit_test(test_conf_unknown_key_names_file_and_line),
		cmocka_unit_test(test_conf_unknown_sections_even_empty_ones_are_errors),
		cmocka_unit_test(test_conf_line_past_inih_buffer_is_read_whole),
		cmocka_unit_test(test_conf_line_too_long_keeps_line_numbers),
		cmocka_unit_test(test_conf_last_line_too_long_without_newline),
		cmocka_unit_test(test_conf_duplicate_and_continued_keys_are_errors),
		cmocka_unit_test(test_conf_syntax_errors_each_reported),
		cmocka_unit_test(test_conf_nul_byte_is_an_error),
		cmocka_unit_test(test_conf_dynamic_sections_check_their_required_keys),
		cmocka_unit_test(test_conf_empty_value_and_missing_required),
		cmocka_unit_test(test_conf_parse_duration_units_and_range),
		cmocka_unit_test(test_conf_parse_size_units_and_range),
		cmocka_unit_test(test_conf_parse_uint32_and_bool),
		cmocka_unit_test(test_conf_parse_key32_needs_exactly_32_bytes),
		cmocka_unit_test(test_conf_parse_date_needs_real_dates),
		cmocka_unit_test(test_conf_parse_region_codes),
		cmocka_unit_test(test_conf_parse_url_scheme_and_host),
		cmocka_unit_test(test_conf_parse_strings_paths_groups_secrets),
		cmocka_unit_test(test_conf_split_hostport_forms),
		cmocka_unit_test(test_conf_format_normalises),
		cmocka_unit_test(test_conf_errors_beyond_the_cap_are_counted),
		cmocka_unit_test(test_conf_errors_print_and_log_give_the_same_lines),
		cmocka_unit_test(test_conf_load_string_checks_only_a_clean_parse_and_frees_on_failure),
		cmocka_unit_test(test_conf_every_bad_file_has_a_golden_err),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
