/* SPDX-License-Identifier: ISC */
/* inih does the syntax; this file gives it a reader that counts lines and
 * catches what Debian's libinih 55 gets wrong or keeps silent about:
 *
 *  - it is built without INI_HANDLER_LINENO, so the handler reads the line
 *    number from the reader, which inih calls right before each handler call;
 *  - a line longer than its 200-byte buffer is split and the tail parsed as
 *    the next line, so the reader splits such a line itself (up to
 *    CONF_LINE_MAX: a 256-character report_token needs more than 200) and
 *    hands inih a blank one instead, keeping the numbering right;
 *  - it returns only the first syntax error and never calls the handler for
 *    a section header, so the reader reports each bad line itself and opens
 *    sections (also empty ones) as their headers go by;
 *  - an indented line continues the previous value and calls the handler
 *    with the same key again, which the handler refuses.
 *
 * Every error is collected and parsing goes on, so an operator sees all of
 * a file's mistakes at once. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <ini.h>
#include <sodium.h>

#include "conf.h"
#include "fileio.h"
#include "nik.h"

/* inih copies a section name into a buffer of this size (ini.c). */
#define INIH_MAX_SECTION	50

/* inih keeps the last key's name in a buffer of this size (ini.c). */
#define INIH_MAX_NAME		50

enum section_kind { SECTION_NONE, SECTION_STATIC, SECTION_DYNAMIC, SECTION_BAD };
enum line_kind { LINE_OTHER, LINE_PAIR, LINE_CONTINUED };

struct parse {
	const struct conf_schema *s;
	void		*base, *user;
	const char	*name;
	struct conf_errors *errs;
	/* the reader */
	const char	*pos, *end;
	unsigned	line;
	bool		prev_key;		/* an indented line would continue it */
	bool		continued;		/* this line continues the previous value */
	char		last_key[INIH_MAX_NAME];	/* what a continued line continues */
	unsigned	first_syntax_line;
	/* the section being read */
	enum section_kind kind;
	char		section[INIH_MAX_SECTION];
	char		pattern[INIH_MAX_SECTION + 2];	/* "node *" for [node 3201] */
	unsigned	section_line;
	void		*section_base;
	unsigned	*seen;			/* per key: line it was set on, or 0 */
};

void
conf_errors_add(struct conf_errors *e, const char *fmt, ...)
{
	va_list ap;

	if (e->n < CONF_MAX_ERRORS) {
		va_start(ap, fmt);
		vsnprintf(e->msg[e->n], sizeof(e->msg[e->n]), fmt, ap);
		va_end(ap);
	}
	e->n++;
}

/* The one walk over the messages, for printing and for logging alike. */
static void
each_line(const struct conf_errors *e, const char *path,
	  void (*emit)(void *arg, const char *line), void *arg)
{
	char more[KTP_ERR_MSG_LEN + 64];
	size_t i;

	for (i = 0; i < e->n && i < CONF_MAX_ERRORS; i++)
		emit(arg, e->msg[i]);
	if (e->n <= CONF_MAX_ERRORS)
		return;
	snprintf(more, sizeof(more), "%s%s%zu more errors", path ? path : "", path ? ": " : "",
		 e->n - CONF_MAX_ERRORS);
	emit(arg, more);
}

struct print_to {
	const char	*prefix;
	FILE		*out;
};

static void
print_line(void *arg, const char *line)
{
	const struct print_to *p = arg;

	fprintf(p->out, "%s%s\n", p->prefix ? p->prefix : "", line);
}

void
conf_errors_print(const struct conf_errors *e, const char *prefix, const char *path, FILE *out)
{
	struct print_to p = { prefix, out };

	each_line(e, path, print_line, &p);
}

static void
log_line(void *arg, const char *line)
{
	void (**logfn)(const char *, ...) = arg;

	(*logfn)("conf: %s", line);
}

void
conf_errors_log(const struct conf_errors *e, const char *path, void (*logfn)(const char *fmt, ...))
{
	each_line(e, path, log_line, &logfn);
}

int
conf_set_string(char **slot, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Sections */

static bool
is_dynamic(const char *section)
{
	size_t n = strlen(section);

	return n >= 2 && strcmp(section + n - 2, " *") == 0;
}

static bool
schema_has_section(const struct conf_schema *s, const char *section)
{
	size_t i;

	for (i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].section, section) == 0)
			return true;
	return false;
}

static void
check_required(struct parse *p, bool dynamic)
{
	const struct conf_key *k;
	size_t i;

	for (i = 0; i < p->s->n_keys; i++) {
		k = &p->s->keys[i];
		if (!(k->flags & CONF_REQUIRED) || p->seen[i] != 0)
			continue;
		if (dynamic && strcmp(k->section, p->pattern) == 0)
			conf_errors_add(p->errs, "%s:%u: missing required key '%s' in [%s]",
					p->name, p->section_line, k->key, p->section);
		else if (!dynamic && !is_dynamic(k->section))
			conf_errors_add(p->errs, "%s: missing required key '%s' in [%s]",
					p->name, k->key, k->section);
	}
}

static void
close_section(struct parse *p)
{
	if (p->kind == SECTION_DYNAMIC && p->section_base != NULL)
		check_required(p, true);
	p->kind = SECTION_NONE;
}

static void
forget_dynamic_keys(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->s->n_keys; i++)
		if (strcmp(p->s->keys[i].section, p->pattern) == 0)
			p->seen[i] = 0;
}

/* Splits "node 3201" into NAME "node" (and the pattern "node *") and
 * returns the ARG "3201" ("" when there is none). */
static const char *
split_section(struct parse *p, char *name, size_t cap)
{
	const char *sp = strchr(p->section, ' '), *arg = "";
	int n = sp != NULL ? (int)(sp - p->section) : (int)strlen(p->section);

	snprintf(name, cap, "%.*s", n, p->section);
	snprintf(p->pattern, sizeof(p->pattern), "%s *", name);
	if (sp != NULL)
		for (arg = sp; *arg == ' '; arg++)
			;
	return arg;
}

static void
open_dynamic(struct parse *p, const char *name, const char *arg)
{
	struct ktp_err why = {0};

	p->kind = SECTION_DYNAMIC;
	forget_dynamic_keys(p);
	p->section_base = p->s->open_section(p->user, name, arg, p->section_line, &why);
	if (p->section_base == NULL)
		conf_errors_add(p->errs, "%s:%u: %s", p->name, p->section_line, why.msg);
}

static void
begin_section(struct parse *p, const char *section, unsigned line)
{
	char name[INIH_MAX_SECTION];
	const char *arg;

	close_section(p);
	snprintf(p->section, sizeof(p->section), "%s", section);
	p->section_line = line;
	p->section_base = NULL;
	p->pattern[0] = '\0';
	if (!is_dynamic(p->section) && schema_has_section(p->s, p->section)) {
		p->kind = SECTION_STATIC;
		p->section_base = p->base;
		return;
	}
	arg = split_section(p, name, sizeof(name));
	if (p->s->open_section != NULL && schema_has_section(p->s, p->pattern)) {
		open_dynamic(p, name, arg);
		return;
	}
	p->kind = SECTION_BAD;
	conf_errors_add(p->errs, "%s:%u: unknown section [%s]", p->name, line, p->section);
}

/* Keys */

static const struct conf_key *
find_key(const struct parse *p, const char *key, size_t *ret_i)
{
	const char *section = p->kind == SECTION_DYNAMIC ? p->pattern : p->section;
	size_t i;

	for (i = 0; i < p->s->n_keys; i++)
		if (strcmp(p->s->keys[i].section, section) == 0 &&
		    strcmp(p->s->keys[i].key, key) == 0) {
			*ret_i = i;
			return &p->s->keys[i];
		}
	return NULL;
}

/* Quotes are not INI syntax, but operators write them; a value in one
 * pair of double quotes means the value inside. */
static void
unquote(const char *value, char *buf, size_t cap)
{
	size_t n = strlen(value);

	if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
		snprintf(buf, cap, "%.*s", (int)(n - 2), value + 1);
	else
		snprintf(buf, cap, "%s", value);
}

static void
set_value(struct parse *p, const struct conf_key *k, size_t i, const char *value)
{
	struct ktp_err why = {0};
	char text[CONF_LINE_MAX];

	unquote(value, text, sizeof(text));
	if (text[0] == '\0') {
		conf_errors_add(p->errs, "%s:%u: %s.%s: empty value", p->name, p->line,
				p->section, k->key);
	} else if (k->parse(k, text, p->section_base, &why) < 0) {
		conf_errors_add(p->errs, "%s:%u: %s.%s: %s", p->name, p->line, p->section,
				k->key, why.msg);
	}
	/* Set even on error, so a repeat is still reported as one. */
	p->seen[i] = p->line;
}

static int
on_pair(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	const struct conf_key *k;
	size_t i = 0;

	if (key != p->last_key)
		snprintf(p->last_key, sizeof(p->last_key), "%s", key);
	if (p->kind == SECTION_NONE && section[0] == '\0') {
		conf_errors_add(p->errs, "%s:%u: key '%s' is outside any section",
				p->name, p->line, key);
		return 1;
	}
	/* The reader opens sections; this only happens for a header it did
	 * not see as one. */
	if (strcmp(section, p->section) != 0)
		begin_section(p, section, p->line);
	if (p->kind == SECTION_BAD)
		return 1;
	if ((k = find_key(p, key, &i)) == NULL) {
		conf_errors_add(p->errs, "%s:%u: unknown key '%s' in [%s]", p->name, p->line,
				key, p->section);
		return 1;
	}
	if (p->section_base == NULL)
		return 1;
	if (p->continued)
		conf_errors_add(p->errs, "%s:%u: indented line continues '%s' "
				"(multi-line values are not allowed)", p->name, p->line, key);
	else if (p->seen[i] != 0)
		conf_errors_add(p->errs, "%s:%u: duplicate key '%s' in [%s] (first set on line %u)",
				p->name, p->line, key, p->section, p->seen[i]);
	else
		set_value(p, k, i, value);
	/* Always 1: errors are collected here, inih's count is for syntax. */
	return 1;
}

/* The reader */

static void
syntax_error(struct parse *p, const char *what)
{
	if (p->first_syntax_line == 0)
		p->first_syntax_line = p->line;
	conf_errors_add(p->errs, "%s:%u: %s", p->name, p->line, what);
}

/* Where inih's find_chars_or_comment stops: at one of chars, or at an
 * inline comment (';' after whitespace). */
static const char *
find_chars(const char *s, const char *chars)
{
	bool was_space = false;

	for (; *s != '\0' && strchr(chars, *s) == NULL; s++) {
		if (was_space && *s == ';')
			break;
		was_space = *s == ' ' || *s == '\t';
	}
	return s;
}

static void
read_header(struct parse *p, const char *start)
{
	const char *end = find_chars(start + 1, "]");
	char section[INIH_MAX_SECTION];

	if (*end != ']') {
		syntax_error(p, "section header without ']'");
		return;
	}
	/* inih cuts the name at its buffer size; match it. */
	snprintf(section, sizeof(section), "%.*s", (int)(end - start - 1), start + 1);
	begin_section(p, section, p->line);
	p->prev_key = false;
}

/* Classifies one line as inih will (ini_parse_stream in ini.c). */
static enum line_kind
classify(struct parse *p, const char *line)
{
	const char *start = line, *sep;

	p->continued = false;
	if (p->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
		start += 3;
	start += strspn(start, " \t\r\n\v\f");
	if (*start == '\0' || *start == ';' || *start == '#')
		return LINE_OTHER;
	if (p->prev_key && start > line) {
		p->continued = true;
		return LINE_CONTINUED;
	}
	if (*start == '[') {
		read_header(p, start);
		return LINE_OTHER;
	}
	sep = find_chars(start, "=:");
	if (*sep == '\0' || *sep == ';') {
		syntax_error(p, "expected 'key = value', '[section]' or a comment");
		return LINE_OTHER;
	}
	p->prev_key = true;
	return LINE_PAIR;
}

static char *
strip(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n\v\f");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n\v\f", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

/* A line longer than inih's buffer, split here as ini_parse_stream splits
 * a pair (name before the first '=' or ':', an inline comment cut off, both
 * sides stripped) and handed to the same handler. inih gets a blank line in
 * its place, or the section header cut short so that it knows the section. */
static void
read_long_line(struct parse *p, size_t len, char *str, int num)
{
	char line[CONF_LINE_MAX + 1], *name, *value, *end;

	memcpy(line, p->pos, len);
	line[len] = '\0';
	switch (classify(p, line)) {
	case LINE_PAIR:
		name = line;
		if (p->line == 1 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
			name += 3;
		end = (char *)find_chars(name, "=:");
		*end = '\0';
		value = end + 1;
		*(char *)find_chars(value, "") = '\0';
		on_pair(p, p->section, strip(name), strip(value));
		break;
	case LINE_CONTINUED:
		on_pair(p, p->section, p->last_key, strip(line));
		break;
	default:
		if (p->section_line == p->line) {
			snprintf(str, (size_t)num, "[%s]\n", p->section);
			return;
		}
		break;
	}
	snprintf(str, (size_t)num, "\n");
}

static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *nl;
	size_t len;

	if (p->pos >= p->end)
		return NULL;
	p->line++;
	nl = memchr(p->pos, '\n', (size_t)(p->end - p->pos));
	len = nl != NULL ? (size_t)(nl - p->pos) + 1 : (size_t)(p->end - p->pos);
	if (memchr(p->pos, '\0', len) != NULL) {
		syntax_error(p, "NUL byte in line");
		len = 0;
	} else if (len > CONF_LINE_MAX) {
		syntax_error(p, "line too long");
		len = 0;
	} else if (len > (size_t)num - 1) {
		read_long_line(p, len, str, num);
		p->pos = nl != NULL ? nl + 1 : p->end;
		return str;
	}
	if (len == 0) {
		/* A blank line in its place keeps inih's count in step. */
		p->pos = nl != NULL ? nl + 1 : p->end;
		p->continued = false;
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, p->pos, len);
	str[len] = '\0';
	p->pos += len;
	classify(p, str);
	return str;
}

int
conf_parse(const struct conf_schema *s, void *base, void *user, const char *text,
	   size_t len, const char *name, struct conf_errors *errs)
{
	struct parse p = {
		.s = s, .base = base, .user = user, .name = name, .errs = errs,
		.pos = text, .end = text + len,
	};
	size_t before = errs->n;
	int r;

	if ((p.seen = calloc(s->n_keys + 1, sizeof(*p.seen))) == NULL) {
		conf_errors_add(errs, "%s: out of memory", name);
		return -ENOMEM;
	}
	r = ini_parse_stream(read_line, &p, on_pair, &p);
	close_section(&p);
	/* The reader reports every line inih rejects; this is a safety net. */
	if (r > 0 && (unsigned)r != p.first_syntax_line)
		conf_errors_add(errs, "%s:%d: syntax error", name, r);
	else if (r < 0)
		conf_errors_add(errs, "%s: out of memory", name);
	check_required(&p, false);
	free(p.seen);
	return errs->n > before ? -EINVAL : 0;
}

int
conf_read_file(const char *path, char **ret_text, size_t *ret_len, struct conf_errors *errs)
{
	struct ktp_err err = {0};
	uint8_t *data = NULL;
	int r;

	r = fileio_read_all(path, CONF_MAX_FILE, &data, ret_len, &err);
	if (r < 0) {
		conf_errors_add(errs, "%s", err.msg);
		return r;
	}
	/* inih would stop at the NUL and silently ignore the rest. */
	if (strlen((char *)data) != *ret_len) {
		conf_errors_add(errs, "%s: contains a NUL byte; not a text file", path);
		free(data);
		return -EINVAL;
	}
	*ret_text = (char *)data;
	return 0;
}

int
conf_load_string(const struct conf_schema *s, void *base, void *user, const char *text,
		 const char *name, struct conf_errors *errs)
{
	errs->n = 0;
	if (s->set_defaults(base) < 0) {
		conf_errors_add(errs, "%s: out of memory", name);
		s->done(base);
		return -ENOMEM;
	}
	conf_parse(s, base, user, text, strlen(text), name, errs);
	if (errs->n == 0 && s->check != NULL)
		s->check(base, user, name, errs);
	if (errs->n == 0)
		return 0;
	s->done(base);
	return -EINVAL;
}

int
conf_load(const struct conf_schema *s, void *base, void *user, const char *path,
	  struct conf_errors *errs)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	errs->n = 0;
	memset(base, 0, s->size);
	if ((r = conf_read_file(path, &text, &len, errs)) < 0)
		return r;
	r = conf_load_string(s, base, user, text, path, errs);
	free(text);
	return r;
}

/* The parser trims the spaces around a value, takes one pair of double
 * quotes off it (unquote), and inih takes a ';' after a space for a comment
 * ("key =;x" is ";x", "key = ;x" is empty): a value that starts or ends with a
 * space, starts with a comment character or is itself in quotes is printed in
 * one more pair, so that it reads back as it is. */
static bool
needs_quotes(const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return false;
	return isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]) ||
	    v[0] == ';' || v[0] == '#' || (n >= 2 && v[0] == '"' && v[n - 1] == '"');
}

void
conf_print_opt(FILE *out, const char *key, const char *v, const char *unset)
{
	if (v != NULL)
		fprintf(out, needs_quotes(v) ? "%s = \"%s\"\n" : "%s = %s\n", key, v);
	else
		fprintf(out, "# %s is not set (%s)\n", key, unset);
}

/* Value parsers */

static void *
field(const struct conf_key *k, void *base)
{
	return (char *)base + k->offset;
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int
store_string(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	if (conf_set_string(field(k, base), text) < 0)
		return ktp_err_set(why, -ENOMEM, "out of memory");
	return 0;
}

int
conf_parse_string(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	if (k->max > 0 && strlen(text) > (size_t)k->max)
		return ktp_err_set(why, -EINVAL, "longer than %lld bytes", (long long)k->max);
	if (has_control(text))
		return ktp_err_set(why, -EINVAL, "contains a control character");
	/* Names go into JSON (jansson refuses invalid UTF-8) and HTML, so they
	 * are checked here, where the operator can still fix them. */
	if (!ktp_utf8_is_valid(text, strlen(text)))
		return ktp_err_set(why, -EINVAL, "not valid UTF-8");
	return store_string(k, text, base, why);
}

int
conf_parse_path(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	size_t max = k->max > 0 ? (size_t)k->max : PATH_MAX - 1;

	if (text[0] != '/')
		return ktp_err_set(why, -EINVAL, "'%s' is not an absolute path", text);
	if (strlen(text) > max)
		return ktp_err_set(why, -EINVAL, "longer than %zu bytes", max);
	if (has_control(text))
		return ktp_err_set(why, -EINVAL, "contains a control character");
	return store_string(k, text, base, why);
}

static int
check_url(const char *text, struct ktp_err *why)
{
	CURLU *u;
	CURLUcode rc;
	char *host = NULL;

	if ((u = curl_url()) == NULL)
		return ktp_err_set(why, -ENOMEM, "out of memory");
	rc = curl_url_set(u, CURLUPART_URL, text, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_free(host);
	curl_url_cleanup(u);
	if (rc == CURLUE_NO_HOST)
		return ktp_err_set(why, -EINVAL, "'%s' has no host", text);
	if (rc != CURLUE_OK)
		return ktp_err_set(why, -EINVAL, "'%s' is not a valid URL (%s)", text,
				   curl_url_strerror(rc));
	return 0;
}

int
conf_parse_url(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	int r;

	if (strncasecmp(text, "http://", 7) != 0 && strncasecmp(text, "https://", 8) != 0)
		return ktp_err_set(why, -EINVAL, "'%s' must start with http:// or https://", text);
	if ((r = check_url(text, why)) < 0)
		return r;
	return store_string(k, text, base, why);
}

int
conf_parse_group(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	size_t n = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._-");

	/* The portable set of POSIX.1 user and group names. */
	if (text[n] != '\0' || text[0] == '-' || n > 32)
		return ktp_err_set(why, -EINVAL, "'%s' is not a valid group name", text);
	return store_string(k, text, base, why);
}

int
conf_parse_secret(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	/* The value is never repeated in a message: it is a secret. */
	if (k->min > 0 && strlen(text) < (size_t)k->min)
		return ktp_err_set(why, -EINVAL, "shorter than %lld characters", (long long)k->min);
	if (k->max > 0 && strlen(text) > (size_t)k->max)
		return ktp_err_set(why, -EINVAL, "longer than %lld characters", (long long)k->max);
	if (has_control(text) || strchr(text, ' ') != NULL)
		return ktp_err_set(why, -EINVAL, "contains a space or a control character");
	return store_string(k, text, base, why);
}

/* A decimal number with nothing else; *ret_end is where the digits stop. */
static int
parse_digits(const char *text, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *s = text;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	*ret_end = s;
	return 0;
}

static bool
in_range(const struct conf_key *k, uint64_t v)
{
	return v >= (uint64_t)k->min && (k->max <= 0 || v <= (uint64_t)k->max);
}

int
conf_parse_uint32(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	const char *end;
	uint64_t v;
	int r;

	r = parse_digits(text, &v, &end);
	if (r == -EINVAL || (r == 0 && *end != '\0'))
		return ktp_err_set(why, -EINVAL, "'%s' is not a whole number", text);
	if (r < 0 || !in_range(k, v) || v > UINT32_MAX)
		return ktp_err_set(why, -EINVAL, "'%s' out of range (%lld..%lld)", text,
				   (long long)k->min, (long long)k->max);
	*(uint32_t *)field(k, base) = (uint32_t)v;
	return 0;
}

static int
scale(const char *text, uint64_t *ret, const char *units, const uint64_t *mult, bool bare_ok)
{
	const char *end, *u;
	uint64_t v;
	int r;

	if ((r = parse_digits(text, &v, &end)) < 0)
		return r;
	if (*end == '\0' && bare_ok) {
		*ret = v;
		return 0;
	}
	if (*end == '\0' || end[1] != '\0' || (u = strchr(units, *end)) == NULL)
		return -EINVAL;
	if (v > UINT64_MAX / mult[u - units])
		return -ERANGE;
	*ret = v * mult[u - units];
	return 0;
}

/* "'TEXT' out of range (MIN..MAX)", the bounds in the value's own units. */
static int
out_of_range(const struct conf_key *k, const char *text,
	     void (*format)(uint64_t, char *, size_t), struct ktp_err *why)
{
	char lo[32], hi[32];

	format((uint64_t)k->min, lo, sizeof(lo));
	format((uint64_t)k->max, hi, sizeof(hi));
	return ktp_err_set(why, -EINVAL, "'%s' out of range (%s..%s)", text, lo, hi);
}

int
conf_parse_duration(const struct conf_key *k, const char *text, void *base,
		    struct ktp_err *why)
{
	static const uint64_t mult[] = { 1, 60, 3600, 86400 };
	uint64_t v;
	int r;

	r = scale(text, &v, "smhd", mult, false);
	if (r == -EINVAL)
		return ktp_err_set(why, -EINVAL,
				   "'%s' is not a duration (a number and s, m, h or d)", text);
	if (r < 0 || !in_range(k, v) || v > UINT32_MAX)
		return out_of_range(k, text, conf_format_duration, why);
	*(uint32_t *)field(k, base) = (uint32_t)v;
	return 0;
}

int
conf_parse_size(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	static const uint64_t mult[] = { 1u << 10, 1u << 20, 1u << 30 };
	uint64_t v;
	int r;

	r = scale(text, &v, "KMG", mult, true);
	if (r == -EINVAL)
		return ktp_err_set(why, -EINVAL,
				   "'%s' is not a size (bytes, or a number and K, M or G)", text);
	if (r < 0 || !in_range(k, v))
		return out_of_range(k, text, conf_format_size, why);
	*(uint64_t *)field(k, base) = v;
	return 0;
}

int
conf_parse_bool(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*(bool *)field(k, base) = strcasecmp(text, yes[i]) == 0;
			return 0;
		}
	}
	return ktp_err_set(why, -EINVAL, "'%s' is not yes or no (or true/false, on/off, 1/0)",
			   text);
}

int
conf_parse_key32(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	uint8_t bin[64];
	size_t len = 0;
	const char *end = NULL;

	if (sodium_base642bin(bin, sizeof(bin), text, strlen(text), NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *end != '\0' || len != 32)
		return ktp_err_set(why, -EINVAL, "not 32 bytes of base64");
	memcpy(field(k, base), bin, 32);
	return 0;
}

static bool
is_digits(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789") == n;
}

int
conf_parse_date(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	uint32_t v;

	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
	    strspn(text, "0123456789") != 4 || strspn(text + 5, "0123456789") != 2 ||
	    strspn(text + 8, "0123456789") != 2)
		return ktp_err_set(why, -EINVAL, "'%s' is not a date as YYYY-MM-DD", text);
	v = (uint32_t)strtoul(text, NULL, 10) * 10000 +
	    (uint32_t)strtoul(text + 5, NULL, 10) * 100 + (uint32_t)strtoul(text + 8, NULL, 10);
	if (!nik_date_is_valid(v))
		return ktp_err_set(why, -EINVAL, "'%s' is not a real date", text);
	*(uint32_t *)field(k, base) = v;
	return 0;
}

int
conf_parse_regency(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	unsigned v;

	if (!is_digits(text, 4))
		return ktp_err_set(why, -EINVAL, "'%s' is not a 4-digit regency code", text);
	v = (unsigned)strtoul(text, NULL, 10);
	if (!nik_province_is_known(v / 100))
		return ktp_err_set(why, -EINVAL, "'%s': unknown province code '%.2s'", text, text);
	if (v % 100 == 0)
		return ktp_err_set(why, -EINVAL, "'%s': regency number 00 does not exist", text);
	*(uint16_t *)field(k, base) = (uint16_t)v;
	return 0;
}

int
conf_parse_province(const struct conf_key *k, const char *text, void *base,
		    struct ktp_err *why)
{
	unsigned v;

	if (!is_digits(text, 2))
		return ktp_err_set(why, -EINVAL, "'%s' is not a 2-digit province code", text);
	v = (unsigned)strtoul(text, NULL, 10);
	if (!nik_province_is_known(v))
		return ktp_err_set(why, -EINVAL, "'%s' is not a known province code", text);
	*(uint8_t *)field(k, base) = (uint8_t)v;
	return 0;
}

static int
parse_port(const char *text, const char *p, uint16_t *ret, struct ktp_err *why)
{
	const char *end;
	uint64_t v;

	if (parse_digits(p, &v, &end) < 0 || *end != '\0' || v < 1 || v > 65535)
		return ktp_err_set(why, -EINVAL, "'%s': port '%s' not in 1..65535", text, p);
	*ret = (uint16_t)v;
	return 0;
}

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

int
conf_split_hostport(const char *text, char **ret_host, uint16_t *ret_port, struct ktp_err *why)
{
	const char *colon, *host = text;
	size_t hlen;
	uint16_t port = 0;
	int r;

	if (text[0] == '[') {
		colon = strchr(text, ']');
		if (colon == NULL || colon[1] != ':')
			return ktp_err_set(why, -EINVAL, "'%s' is not [ADDRESS]:PORT", text);
		host = text + 1;
		hlen = (size_t)(colon - host);
		colon++;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return ktp_err_set(why, -EINVAL, "'%s' is not HOST:PORT", text);
		if (strchr(text, ':') != colon)
			return ktp_err_set(why, -EINVAL, "'%s' is not HOST:PORT; write an IPv6 "
					   "address as [ADDRESS]:PORT", text);
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0)
		return ktp_err_set(why, -EINVAL, "'%s' has no host", text);
	/* A name or an address, nothing the print could not read back: an IPv6 address
	 * (with its zone) only inside brackets. */
	if (strspn(host, host == text ? HOST_CHARS : HOST_CHARS ":%") < hlen)
		return ktp_err_set(why, -EINVAL, "'%s': host has a character that is not in a "
				   "name or address", text);
	if ((r = parse_port(text, colon + 1, &port, why)) < 0)
		return r;
	if ((*ret_host = strndup(host, hlen)) == NULL)
		return ktp_err_set(why, -ENOMEM, "out of memory");
	*ret_port = port;
	return 0;
}

/* Normalised forms */

void
conf_format_duration(uint64_t s, char *buf, size_t cap)
{
	if (s != 0 && s % 86400 == 0)
		snprintf(buf, cap, "%llud", (unsigned long long)(s / 86400));
	else if (s != 0 && s % 3600 == 0)
		snprintf(buf, cap, "%lluh", (unsigned long long)(s / 3600));
	else if (s != 0 && s % 60 == 0)
		snprintf(buf, cap, "%llum", (unsigned long long)(s / 60));
	else
		snprintf(buf, cap, "%llus", (unsigned long long)s);
}

void
conf_format_size(uint64_t bytes, char *buf, size_t cap)
{
	if (bytes != 0 && bytes % (1u << 30) == 0)
		snprintf(buf, cap, "%lluG", (unsigned long long)(bytes >> 30));
	else if (bytes != 0 && bytes % (1u << 20) == 0)
		snprintf(buf, cap, "%lluM", (unsigned long long)(bytes >> 20));
	else if (bytes != 0 && bytes % (1u << 10) == 0)
		snprintf(buf, cap, "%lluK", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, cap, "%llu", (unsigned long long)bytes);
}

void
conf_format_date(uint32_t d, char *buf, size_t cap)
{
	snprintf(buf, cap, "%04u-%02u-%02u", d / 10000, d / 100 % 100, d % 100);
}
