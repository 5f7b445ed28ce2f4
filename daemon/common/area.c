/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "area.h"
#include "err.h"
#include "fileio.h"

/* The largest file (villages.csv) is 2.7 MB; leave room for growth. */
#define AREA_FILE_MAX	(64u << 20)

const char *const area_file_names[AREA_LEVELS] = {
	"provinces.csv", "regencies.csv", "districts.csv", "villages.csv",
};

/* The header each file must start with: the code first, the name last. */
static const char *const headers[AREA_LEVELS] = {
	"code,name", "code,province_code,name", "code,regency_code,name",
	"code,district_code,name",
};

/* Digits of each dot-separated group of a code at each level: 15.07.01.2001. */
static const unsigned groups[AREA_LEVELS][4] = {
	{ 2 }, { 2, 2 }, { 2, 2, 2 }, { 2, 2, 2, 4 },
};

static const char *const level_names[AREA_LEVELS] = {
	"province", "regency", "kecamatan", "desa",
};

struct entry {
	uint64_t	code;
	uint32_t	name;		/* offset into the pool */
};

struct level {
	struct entry	*e;
	size_t		n, cap;
};

struct area_table {
	struct level	lv[AREA_LEVELS];
	char		*pool;
	size_t		pool_len, pool_cap;
};

/* One line split into its first and last field, RFC 4180 quoting undone
 * into buf (names such as "Lubuk Pakam I,II" and "Soka""an" are quoted). */
struct line {
	char		code[32];
	char		name[256];
	unsigned	nfields;
};

static int
split_line(const char *p, size_t len, struct line *ret)
{
	char field[256];
	size_t i = 0, n;
	bool quoted;

	ret->nfields = 0;
	for (;;) {
		n = 0;
		quoted = i < len && p[i] == '"';
		if (quoted)
			i++;
		while (i < len) {
			if (quoted && p[i] == '"') {
				if (i + 1 < len && p[i + 1] == '"') {
					i++;
				} else {
					quoted = false;
					i++;
					continue;
				}
			} else if (!quoted && p[i] == ',') {
				break;
			}
			if (n + 1 >= sizeof(field))
				return -EMSGSIZE;
			field[n++] = p[i++];
		}
		if (quoted)
			return -EBADMSG;
		field[n] = '\0';
		if (ret->nfields++ == 0) {
			/* A longer code is no code of any level; keep it checkable. */
			n = n < sizeof(ret->code) ? n : sizeof(ret->code) - 1;
			memcpy(ret->code, field, n);
			ret->code[n] = '\0';
			n = strlen(field);
		}
		memcpy(ret->name, field, n + 1);
		if (i >= len)
			return 0;
		i++;			/* the comma */
	}
}

/* "15.07.01" -> 150701 when it has the level's digit groups. */
static int
parse_code(const char *s, enum area_level level, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned g, d;

	for (g = 0; g < 4 && groups[level][g] != 0; g++) {
		if (g > 0 && *s++ != '.')
			return -EINVAL;
		for (d = 0; d < groups[level][g]; d++, s++) {
			if (*s < '0' || *s > '9')
				return -EINVAL;
			v = v * 10 + (uint64_t)(*s - '0');
		}
	}
	if (*s != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Digits of a code at each level, for the `within` filter. */
static const unsigned digits[AREA_LEVELS] = { 2, 4, 6, 10 };

static uint64_t
pow10u(unsigned n)
{
	uint64_t p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

static bool
is_kept(uint64_t code, enum area_level level, uint16_t within)
{
	unsigned wd;

	if (within == 0)
		return true;
	wd = within < 100 ? 2 : 4;
	if (digits[level] < wd)		/* the province row of a regency */
		return code == within / pow10u(wd - digits[level]);
	return code / pow10u(digits[level] - wd) == within;
}

static int
add_name(struct area_table *t, const char *name, uint32_t *ret)
{
	size_t n = strlen(name) + 1;
	char *p;

	if (t->pool_len + n > UINT32_MAX)
		return -EOVERFLOW;
	if (t->pool_len + n > t->pool_cap) {
		size_t cap = t->pool_cap ? t->pool_cap * 2 : 4096;

		while (cap < t->pool_len + n)
			cap *= 2;
		if ((p = realloc(t->pool, cap)) == NULL)
			return -ENOMEM;
		t->pool = p;
		t->pool_cap = cap;
	}
	memcpy(t->pool + t->pool_len, name, n);
	*ret = (uint32_t)t->pool_len;
	t->pool_len += n;
	return 0;
}

static int
add_entry(struct area_table *t, enum area_level level, uint64_t code, const char *name)
{
	struct level *l = &t->lv[level];
	struct entry *e;
	int r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((e = realloc(l->e, cap * sizeof(*e))) == NULL)
			return -ENOMEM;
		l->e = e;
		l->cap = cap;
	}
	l->e[l->n].code = code;
	if ((r = add_name(t, name, &l->e[l->n].name)) < 0)
		return r;
	l->n++;
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	uint64_t x = ((const struct entry *)a)->code, y = ((const struct entry *)b)->code;

	return (x > y) - (x < y);
}

static bool
is_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* One file: header, then "code,...,name" lines. */
static int
parse_file(struct area_table *t, enum area_level level, const char *text, size_t len,
	   const char *dir, uint16_t within, struct ktp_err *err)
{
	const char *p = text, *end = text + len, *nl;
	const char *file = area_file_names[level];
	struct line ln;
	unsigned lineno = 0;
	uint64_t code;
	size_t n;
	int r;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (lineno == 1) {
			if (n != strlen(headers[level]) || memcmp(p, headers[level], n) != 0)
				return ktp_err_set(err, -EINVAL, "%s/%s:1: header: not '%s'",
						   dir, file, headers[level]);
		} else if (n > 0) {
			if ((r = split_line(p, n, &ln)) < 0)
				return ktp_err_set(err, -EINVAL, "%s/%s:%u: %s", dir, file, lineno,
						   r == -EMSGSIZE ? "field too long" :
						   "unterminated quote");
			if (ln.nfields != (level == AREA_PROVINCE ? 2u : 3u))
				return ktp_err_set(err, -EINVAL, "%s/%s:%u: %u fields, need %u",
						   dir, file, lineno, ln.nfields,
						   level == AREA_PROVINCE ? 2u : 3u);
			if (parse_code(ln.code, level, &code) < 0)
				return ktp_err_set(err, -EINVAL, "%s/%s:%u: code: '%s' is not a %s code",
						   dir, file, lineno, ln.code, level_names[level]);
			if (ln.name[0] == '\0' || !is_printable(ln.name))
				return ktp_err_set(err, -EINVAL, "%s/%s:%u: name: empty or not printable",
						   dir, file, lineno);
			if (is_kept(code, level, within) &&
			    (r = add_entry(t, level, code, ln.name)) < 0)
				return ktp_err_set(err, r, "%s/%s: out of memory", dir, file);
		}
		p += (nl ? (size_t)(nl - p) + 1 : (size_t)(end - p));
	}
	if (lineno == 0)
		return ktp_err_set(err, -EINVAL, "%s/%s: empty", dir, file);
	return 0;
}

static int
finish_level(struct area_table *t, enum area_level level, const char *dir, struct ktp_err *err)
{
	struct level *l = &t->lv[level];
	size_t i;

	qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	for (i = 1; i < l->n; i++)
		if (l->e[i].code == l->e[i - 1].code)
			return ktp_err_set(err, -EINVAL, "%s/%s: code %0*llu: listed twice", dir,
					   area_file_names[level], (int)digits[level],
					   (unsigned long long)l->e[i].code);
	return 0;
}

int
area_table_parse(const char *const text[static AREA_LEVELS], const size_t len[static AREA_LEVELS],
		 const char *dir, uint16_t within, struct area_table **ret, struct ktp_err *err)
{
	struct area_table *t;
	int r, i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ktp_err_set(err, -ENOMEM, "%s: out of memory", dir);
	for (i = 0; i < AREA_LEVELS; i++) {
		if ((r = parse_file(t, (enum area_level)i, text[i], len[i], dir, within, err)) < 0 ||
		    (r = finish_level(t, (enum area_level)i, dir, err)) < 0)
			goto fail;
	}
	*ret = t;
	return 0;
fail:
	area_table_free(t);
	return r;
}

int
area_table_load(const char *dir, uint16_t within, struct area_table **ret, struct ktp_err *err)
{
	uint8_t *data[AREA_LEVELS] = { NULL };
	size_t len[AREA_LEVELS] = { 0 };
	char path[4096];
	int r = 0, i;

	for (i = 0; i < AREA_LEVELS; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, area_file_names[i]) >=
		    (int)sizeof(path)) {
			r = ktp_err_set(err, -ENAMETOOLONG, "%s: path too long", dir);
			goto out;
		}
		if ((r = fileio_read_all(path, AREA_FILE_MAX, &data[i], &len[i], err)) < 0)
			goto out;
	}
	r = area_table_parse((const char *const *)data, len, dir, within, ret, err);
out:
	for (i = 0; i < AREA_LEVELS; i++)
		free(data[i]);
	return r;
}

void
area_table_free(struct area_table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < AREA_LEVELS; i++)
		free(t->lv[i].e);
	free(t->pool);
	free(t);
}

/* Index of the first entry whose code is >= code. */
static size_t
lower_bound(const struct level *l, uint64_t code)
{
	size_t lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->e[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *
area_name(const struct area_table *t, enum area_level level, uint64_t code)
{
	const struct level *l;
	size_t i;

	if (t == NULL || (unsigned)level >= AREA_LEVELS)
		return NULL;
	l = &t->lv[level];
	i = lower_bound(l, code);
	return i < l->n && l->e[i].code == code ? t->pool + l->e[i].name : NULL;
}

size_t
area_count(const struct area_table *t, enum area_level level)
{
	return t == NULL || (unsigned)level >= AREA_LEVELS ? 0 : t->lv[level].n;
}

size_t
area_children(const struct area_table *t, enum area_level level, uint64_t parent,
	      uint64_t *out, size_t cap)
{
	const struct level *l;
	uint64_t scale, lo, hi;
	size_t i, n = 0;

	if (t == NULL || level == AREA_PROVINCE || (unsigned)level >= AREA_LEVELS)
		return 0;
	l = &t->lv[level];
	scale = pow10u(digits[level] - digits[level - 1]);
	lo = parent * scale;
	hi = lo + scale;
	for (i = lower_bound(l, lo); i < l->n && l->e[i].code < hi; i++, n++)
		if (n < cap)
			out[n] = l->e[i].code;
	return n;
}
