/* SPDX-License-Identifier: ISC */
/*
 * Design notes.
 *
 * Input arrives in chunks cut at arbitrary bytes, so both parsers are byte
 * state machines that keep everything they need in struct ingest: a row or
 * a UTF-8 sequence split across chunks simply continues in the next call.
 * Fields are only checked once the whole row is there.
 *
 *   CSV (RFC 4180, plus bare CR line ends; SEP is ',' or ';', found from the
 *   first line, which is held back until its end):
 *   FIELD_START --'"'--> QUOTED --'"'--> QUOTE --'"'--> QUOTED (a doubled quote)
 *   FIELD_START/UNQUOTED/QUOTE --SEP--> FIELD_START        [end_field]
 *   FIELD_START/UNQUOTED/QUOTE --CR/LF--> FIELD_START      [end_row]
 *   (a CR moves to AFTER_CR, which swallows the LF of a CRLF)
 *
 * One file is one journal transaction: rows are applied as they come, so a
 * later row sees the persons an earlier row created, and a bad row anywhere
 * rolls the whole file back. Rows after the first error are still checked
 * (and applied, to be rolled back) so that the operator gets every error of
 * the file at once, not one per attempt.
 *
 * The same NIK twice in one file is not an error: the later row updates the
 * person the earlier one wrote, exactly as two files imported in that order.
 *
 * No allocation per row: a row's fields live in fixed buffers of struct
 * ingest; a field longer than INGEST_FIELD_CAP is counted, not stored, and
 * fails its length check (every field's limit is below the cap). Its bytes are
 * still checked for NUL and UTF-8 as they pass, and the parsers compare no
 * more than the bytes stored: a value is never read past a NUL or the cap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "area.h"
#include "calendar.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"
#include "nik.h"
#include "proto.h"
#include "record.h"

#define INGEST_FIELD_CAP	1024		/* bytes kept of one field */
#define INGEST_MAX_COLS		32		/* columns of a CSV header */
#define INGEST_LINE_CAP		KTP_CTL_MAX_LINE	/* one JSON line */
#define INGEST_FUTURE_SLACK_S	86400		/* recorded_at may lead our clock by a day */
#define INGEST_HEADER_CAP	8192		/* bytes of the first line read to find its separator */

enum field {
	F_NIK,
	F_NAME,
	F_SEX,
	F_BIRTH_DATE,
	F_KECAMATAN,
	F_DESA,
	F_ON_DPT,
	F_STATUS,
	F_RECORDED_AT,
	F_SITE,
	F_OPERATOR,
	F_REMOVED,		/* JSON lines only: removal is not a column of a CSV file */
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"nik", "name", "sex", "birth_date", "kecamatan", "desa", "on_dpt", "status",
	"recorded_at", "site", "operator", "removed",
};

enum csv_state { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE, CSV_AFTER_CR };

/* One row, whichever format it came in: text values, NUL-terminated. */
struct row {
	const char	*val[F_COUNT];
	size_t		len[F_COUNT];		/* true length, may exceed what is stored */
	bool		nul[F_COUNT];		/* a NUL byte anywhere in the value */
	bool		bad_utf8[F_COUNT];	/* invalid UTF-8 anywhere in the value */
};

/* Incremental UTF-8 check of the bytes of a field past INGEST_FIELD_CAP, which
 * are counted, not stored: the next byte must lie in lo..hi while need > 0. */
struct utf8_scan {
	uint8_t		need;
	uint8_t		lo, hi;
	bool		bad;
	bool		nul;
};

struct ingest {
	struct journal	*j;
	uint16_t	node_id;
	enum ingest_format fmt;
	char		name[256];
	uint64_t	wall_ms;
	unsigned	ref_year;
	const struct area_table *areas;		/* NULL: codes are checked for form only */
	int32_t		tz_offset_s;		/* for local times without an offset */
	int		fatal;			/* a journal failure: nothing more is done */
	struct ktp_err	fatal_err;
	/* A leading UTF-8 byte order mark is dropped; up to 3 bytes wait here. */
	uint8_t		bom[3];
	size_t		n_bom;
	bool		bom_done;
	/* Position: physical line now, and the line the current row began on. */
	uint64_t	line;
	uint64_t	row_line;
	bool		row_started;
	/* CSV: the first line is held back until its separator is known. */
	char		sep;			/* ',' or ';', 0 until decided */
	char		hbuf[INGEST_HEADER_CAP];
	size_t		hlen;
	bool		hquoted;
	enum csv_state	cs;
	bool		header_done;
	bool		header_bad;
	size_t		n_cols;
	int8_t		col_field[INGEST_MAX_COLS];
	size_t		nf;			/* fields of the current row so far */
	size_t		flen[INGEST_MAX_COLS];
	int		bad_quote_col;		/* -1, or the column with text after a quote */
	struct utf8_scan tail[INGEST_MAX_COLS];	/* the bytes past the cap */
	char		fbuf[INGEST_MAX_COLS][INGEST_FIELD_CAP + 1];
	/* JSON lines */
	char		*lbuf;
	size_t		llen;			/* true length, may exceed INGEST_LINE_CAP */
	/* Outcome */
	struct ingest_result res;
};

/* ---- errors ---- */

static void
row_error(struct ingest *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Messages quote values cut at 32 bytes, possibly inside a UTF-8 sequence, and
 * header names as they came; they go out as JSON, so what is not valid UTF-8 or
 * is a control character becomes '?'. */
static void
make_printable(char *s)
{
	size_t i, n, len = strlen(s);
	unsigned char c;

	for (i = 0; i < len; i += n) {
		c = (unsigned char)s[i];
		n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (n > len - i || !ktp_utf8_is_valid(s + i, n) || c < 0x20 || c == 0x7f) {
			s[i] = '?';
			n = 1;
		}
	}
}

static void
row_error(struct ingest *in, const char *fmt, ...)
{
	char what[KTP_ERR_MSG_LEN], *msg;
	va_list ap;

	in->res.errors++;
	if (in->res.n_msgs >= INGEST_MAX_ERRORS || in->res.msgs == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	make_printable(what);
	if (asprintf(&msg, "%s:%" PRIu64 ": %s", in->name, in->row_line, what) < 0)
		return;		/* still counted in errors */
	in->res.msgs[in->res.n_msgs++] = msg;
}

static void
set_fatal(struct ingest *in, int r, const struct ktp_err *e)
{
	in->fatal = r;
	in->fatal_err = *e;
	ktp_err_prefix(&in->fatal_err, "%s:%" PRIu64, in->name, in->row_line);
}

/* ---- field parsers: each fills rec or reports "field: reason" ---- */

static bool
is_digits(const char *s, size_t len, size_t want)
{
	size_t i;

	if (len != want)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static uint64_t
digits_value(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

static bool
has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Text fields: name (required, non-empty) and operator. */
static bool
check_text(struct ingest *in, enum field f, const char *v, size_t len, size_t max)
{
	if (len > max) {
		row_error(in, "%s: %zu bytes, limit %zu", field_names[f], len, max);
		return false;
	}
	if (has_control(v, len)) {
		row_error(in, "%s: control character", field_names[f]);
		return false;
	}
	return true;
}

static void
parse_name(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	if (len == 0) {
		row_error(in, "name: empty");
		return;
	}
	if (check_text(in, F_NAME, v, len, KTP_NAME_MAX))
		memcpy(rec->name, v, len + 1);
}

static void
parse_operator(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	if (check_text(in, F_OPERATOR, v, len, KTP_OPERATOR_MAX))
		memcpy(rec->operator_, v, len + 1);
}

/* ---- values: the English forms and what Indonesian office files write ---- */

/* A word as compared: ASCII case ignored, and runs of spaces, '-' and '_'
 * inside it taken as one '_' ("Laki-laki" = "LAKI LAKI" = "laki_laki"),
 * spaces around it dropped. False if it does not fit cap. */
static bool
fold_word(const char *v, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;
	bool gap = false;
	char c;

	if (len >= 4 * cap)
		return false;	/* also keeps to the bytes stored of a long field */
	while (len > 0 && v[len - 1] == ' ')
		len--;
	for (i = 0; i < len && v[i] == ' '; i++)
		;
	for (; i < len; i++) {
		c = v[i];
		if (c == ' ' || c == '-' || c == '_') {
			gap = true;
			continue;
		}
		if (n + (gap ? 2 : 1) >= cap)
			return false;
		if (gap)
			out[n++] = '_';
		gap = false;
		out[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return true;
}

struct word {
	const char	*word;		/* folded */
	int		value;
};

/* The value of v in words, or -1. */
static int
word_value(const struct word *words, size_t n, const char *v, size_t len)
{
	char folded[40];
	size_t i;

	if (!fold_word(v, len, folded, sizeof(folded)))
		return -1;
	for (i = 0; i < n; i++)
		if (folded[0] == words[i].word[0] && strcmp(folded, words[i].word) == 0)
			return words[i].value;
	return -1;
}

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct word sex_words[] = {
	{ "l", RECORD_SEX_MALE }, { "m", RECORD_SEX_MALE }, { "laki_laki", RECORD_SEX_MALE },
	{ "p", RECORD_SEX_FEMALE }, { "f", RECORD_SEX_FEMALE },
	{ "perempuan", RECORD_SEX_FEMALE },
};

static const struct word on_dpt_words[] = {
	{ "1", 1 }, { "true", 1 }, { "ya", 1 }, { "y", 1 },
	{ "0", 0 }, { "false", 0 }, { "tidak", 0 }, { "t", 0 },
};

static const struct word status_words[] = {
	{ "unrecorded", RECORD_STATUS_UNRECORDED }, { "belum_rekam", RECORD_STATUS_UNRECORDED },
	{ "belum_terekam", RECORD_STATUS_UNRECORDED },
	{ "recorded", RECORD_STATUS_RECORDED }, { "sudah_rekam", RECORD_STATUS_RECORDED },
	{ "terekam", RECORD_STATUS_RECORDED },
	{ "printed", RECORD_STATUS_PRINTED }, { "sudah_cetak", RECORD_STATUS_PRINTED },
	{ "tercetak", RECORD_STATUS_PRINTED },
	{ "issued", RECORD_STATUS_ISSUED }, { "sudah_diterima", RECORD_STATUS_ISSUED },
	{ "diterima", RECORD_STATUS_ISSUED },
};

static const struct word site_words[] = {
	{ "office", RECORD_SITE_OFFICE }, { "kantor", RECORD_SITE_OFFICE },
	{ "school", RECORD_SITE_SCHOOL }, { "sekolah", RECORD_SITE_SCHOOL },
	{ "pesantren", RECORD_SITE_PESANTREN }, { "pondok_pesantren", RECORD_SITE_PESANTREN },
	{ "prison", RECORD_SITE_PRISON }, { "lapas", RECORD_SITE_PRISON },
	{ "rutan", RECORD_SITE_PRISON },
	{ "door", RECORD_SITE_DOOR }, { "rumah", RECORD_SITE_DOOR },
	{ "mobile", RECORD_SITE_MOBILE }, { "keliling", RECORD_SITE_MOBILE },
};

/* The NIK's +40 gives the sex at registration; a corrected sex may differ from
 * it and the record keeps both, so the column is not checked against the NIK. */
static void
parse_sex(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	int s;

	if (len == 0)
		return;
	if ((s = word_value(sex_words, NWORDS(sex_words), v, len)) < 0)
		row_error(in, "sex: '%.32s' is not L or P", v);
	else
		rec->sex = (uint8_t)s;
}

/* "YYYY-MM-DD", "DD-MM-YYYY" or "DD/MM/YYYY" to YYYYMMDD, 0 if malformed or
 * not a real date. */
static uint32_t
date_value(const char *v, size_t len)
{
	size_t y, m, d;
	uint32_t ymd;

	if (len != 10)
		return 0;
	if (v[4] == '-' && v[7] == '-')
		y = 0, m = 5, d = 8;
	else if ((v[2] == '-' && v[5] == '-') || (v[2] == '/' && v[5] == '/'))
		d = 0, m = 3, y = 6;
	else
		return 0;
	if (!is_digits(v + y, 4, 4) || !is_digits(v + m, 2, 2) || !is_digits(v + d, 2, 2))
		return 0;
	ymd = (uint32_t)(digits_value(v + y, 4) * 10000 + digits_value(v + m, 2) * 100 +
			 digits_value(v + d, 2));
	return nik_date_is_valid(ymd) ? ymd : 0;
}

/* The NIK holds only YYMMDD; the column may give the century the NIK cannot. */
static void
parse_birth_date(struct ingest *in, const char *v, size_t len, const struct nik *n,
		 struct record *rec)
{
	uint32_t d;

	if (len == 0)
		return;
	if ((d = date_value(v, len)) == 0) {
		row_error(in, "birth_date: '%.32s' is not a date (YYYY-MM-DD, DD-MM-YYYY or "
			  "DD/MM/YYYY)", v);
		return;
	}
	if (d % 1000000 != n->birth_date % 1000000) {
		row_error(in, "birth_date: '%s' does not match the nik (%04u-%02u-%02u)", v,
			  n->birth_date / 10000, n->birth_date / 100 % 100, n->birth_date % 100);
		return;
	}
	rec->birth_date = d;
}

/* "of 1507 Kabupaten Tanjung Jabung Timur", the name left out if the table has none. */
static void
place_label(const struct ingest *in, enum area_level level, uint64_t code, int width,
	    char *out, size_t cap)
{
	const char *name = area_name(in->areas, level, code);

	snprintf(out, cap, "%0*" PRIu64 "%s%s", width, code, name ? " " : "", name ? name : "");
}

static void
parse_kecamatan(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	char where[160];
	uint32_t k;

	if (!is_digits(v, len, 6)) {
		row_error(in, "kecamatan: '%.32s' is not 6 digits", v);
		return;
	}
	k = (uint32_t)digits_value(v, len);
	if (k / 100 != in->node_id) {
		row_error(in, "kecamatan: '%s' is not in regency %04u", v, in->node_id);
		return;
	}
	if (k % 100 == 0) {
		row_error(in, "kecamatan: '%s' has code 00", v);
		return;
	}
	if (in->areas != NULL && area_name(in->areas, AREA_KECAMATAN, k) == NULL) {
		place_label(in, AREA_REGENCY, in->node_id, 4, where, sizeof(where));
		row_error(in, "kecamatan: %06" PRIu32 " is not a kecamatan of %s", k, where);
		return;
	}
	rec->kecamatan = k;
}

/* Checked after kecamatan, against the row's final kecamatan. */
static void
parse_desa(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	char where[160];
	uint64_t d;

	if (len == 0) {
		rec->desa = 0;
		return;
	}
	if (!is_digits(v, len, 10)) {
		row_error(in, "desa: '%.32s' is not 10 digits", v);
		return;
	}
	d = digits_value(v, len);
	if (d / 10000 != rec->kecamatan) {
		row_error(in, "desa: '%s' is not in kecamatan %06" PRIu32, v, rec->kecamatan);
		return;
	}
	if (in->areas != NULL && area_name(in->areas, AREA_DESA, d) == NULL) {
		place_label(in, AREA_KECAMATAN, rec->kecamatan, 6, where, sizeof(where));
		row_error(in, "desa: %010" PRIu64 " is not a desa of %s", d, where);
		return;
	}
	rec->desa = d;
}

static void
parse_on_dpt(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	int b = word_value(on_dpt_words, NWORDS(on_dpt_words), v, len);

	if (b < 0)
		row_error(in, "on_dpt: '%.32s' is not 1, 0, true, false, ya or tidak", v);
	else
		rec->on_dpt = b == 1;
}

static void
parse_status(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	int s = word_value(status_words, NWORDS(status_words), v, len);

	if (s < 0)
		row_error(in, "status: '%.32s' is not unrecorded, recorded, printed or issued", v);
	else
		rec->status = (uint8_t)s;
}

static void
parse_site(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	int s;

	if (len == 0) {
		rec->site = RECORD_SITE_NONE;
		return;
	}
	if ((s = word_value(site_words, NWORDS(site_words), v, len)) < 0)
		row_error(in, "site: '%.32s' is not office, school, pesantren, prison, door or "
			  "mobile", v);
	else
		rec->site = (uint8_t)s;
}

/* Two digits at v[i], within len. */
static bool
two_digits(const char *v, size_t len, size_t i, unsigned *ret)
{
	if (i + 2 > len || !is_digits(v + i, 2, 2))
		return false;
	*ret = (unsigned)digits_value(v + i, 2);
	return true;
}

/* What follows a time: "Z", "+07:00", "+0700", "-03:30", or nothing (the
 * node's own zone). Seconds east of UTC; false if malformed. */
static bool
zone_value(const char *v, size_t len, size_t i, int32_t local_s, int32_t *ret)
{
	int32_t sign;
	unsigned h, m;

	if (i == len) {
		*ret = local_s;
		return true;
	}
	if (v[i] == 'Z' && i + 1 == len) {
		*ret = 0;
		return true;
	}
	if (v[i] != '+' && v[i] != '-')
		return false;
	sign = v[i] == '-' ? -1 : 1;
	if (!two_digits(v, len, i + 1, &h))
		return false;
	i += 3;
	if (i < len && v[i] == ':')
		i++;
	if (!two_digits(v, len, i, &m) || i + 2 != len || h > 14 || m > 59)
		return false;
	*ret = sign * (int32_t)(h * 3600 + m * 60);
	return true;
}

/* A date alone (midnight UTC), or a date, 'T' or a space, HH:MM[:SS[.fraction]]
 * and a zone (zone_value): to Unix seconds, the fraction dropped. False if bad. */
static bool
time_value(const char *v, size_t len, int32_t local_s, int64_t *ret)
{
	unsigned h, m, s = 0;
	size_t i, start;
	int32_t zone;
	uint32_t d;

	if (len < 10 || len > 40 || (d = date_value(v, 10)) == 0)
		return false;
	*ret = calendar_days(d) * 86400;
	if (len == 10)
		return true;
	if ((v[10] != 'T' && v[10] != ' ') || !two_digits(v, len, 11, &h) || len < 16 ||
	    v[13] != ':' || !two_digits(v, len, 14, &m))
		return false;
	i = 16;
	if (i < len && v[i] == ':') {
		if (!two_digits(v, len, i + 1, &s))
			return false;
		i += 3;
		if (i < len && v[i] == '.') {
			for (start = ++i; i < len && v[i] >= '0' && v[i] <= '9'; i++)
				;
			if (i == start || i - start > 9)
				return false;
		}
	}
	if (h > 23 || m > 59 || s > 59 || !zone_value(v, len, i, local_s, &zone))
		return false;
	*ret += (int64_t)h * 3600 + m * 60 + s - zone;
	return true;
}

static void
parse_recorded_at(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	int64_t t;

	if (len == 0) {
		rec->recorded_at = 0;
		return;
	}
	if (!time_value(v, len, in->tz_offset_s, &t) || t < 0) {
		row_error(in, "recorded_at: '%.32s' is not YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, "
			  "YYYY-MM-DDTHH:MM:SS+07:00 or YYYY-MM-DD HH:MM:SS", v);
		return;
	}
	if (t > (int64_t)(in->wall_ms / 1000) + INGEST_FUTURE_SLACK_S) {
		row_error(in, "recorded_at: '%s' is in the future", v);
		return;
	}
	rec->recorded_at = t;
}

static int
removed_value(const char *v, size_t len, struct ktp_err *err)
{
	int r;

	if (len == 0)
		return RECORD_REMOVED_NONE;
	r = record_removed_from_name(v);
	if (r <= RECORD_REMOVED_NONE)
		return ktp_err_set(err, -EINVAL, "removed: '%.32s' is not died, moved or duplicate",
				   v);
	return r;
}

static void
parse_removed(struct ingest *in, const char *v, size_t len, struct record *rec)
{
	struct ktp_err e = {0};
	int r = removed_value(v, len, &e);

	if (r < 0)
		row_error(in, "%s", e.msg);
	else
		rec->removed = (uint8_t)r;
}

/* ---- one row ---- */

static void
new_person(struct record *rec, const struct nik *n)
{
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->nik, n->digits, sizeof(rec->nik));
	rec->sex = n->female ? RECORD_SEX_FEMALE : RECORD_SEX_MALE;
	rec->birth_date = n->birth_date;
	rec->status = RECORD_STATUS_UNRECORDED;
	rec->site = RECORD_SITE_NONE;
	rec->removed = RECORD_REMOVED_NONE;
}

/* Looks the person up; false (with the error recorded) if the row cannot go on. */
static bool
load_person(struct ingest *in, const struct row *rw, const struct nik *n, struct record *rec)
{
	struct ktp_err e = {0};
	int r;

	r = journal_get(in->j, n->digits, rec, &e);
	if (r == 0)
		return true;
	if (r != -ENOENT) {
		set_fatal(in, r, &e);
		return false;
	}
	new_person(rec, n);
	if (rw->val[F_NAME] == NULL)
		row_error(in, "name: required for a new nik");
	if (rw->val[F_KECAMATAN] == NULL)
		row_error(in, "kecamatan: required for a new nik");
	return rw->val[F_NAME] != NULL && rw->val[F_KECAMATAN] != NULL;
}

/* Every field, whatever its length: the parsers read values as C strings, so
 * a NUL would end one early ("3201111002020002\0..." would pass as a NIK). */
static bool
check_bytes(struct ingest *in, const struct row *rw)
{
	bool ok = true;
	size_t f;

	for (f = 0; f < F_COUNT; f++) {
		if (rw->val[f] == NULL)
			continue;
		if (rw->nul[f]) {
			row_error(in, "%s: contains a NUL byte", field_names[f]);
			ok = false;
		} else if (rw->bad_utf8[f]) {
			row_error(in, "%s: invalid UTF-8", field_names[f]);
			ok = false;
		}
	}
	return ok;
}

static void
place_desa(struct ingest *in, const struct row *rw, uint32_t old_kec, struct record *rec)
{
	if (rw->val[F_DESA])
		parse_desa(in, rw->val[F_DESA], rw->len[F_DESA], rec);
	else if (rec->kecamatan != old_kec && rec->desa / 10000 != rec->kecamatan)
		rec->desa = 0;	/* moved to another kecamatan: the old desa no longer holds */
}

static void
apply_fields(struct ingest *in, const struct row *rw, const struct nik *n, struct record *rec)
{
	uint32_t old_kec = rec->kecamatan;
	uint64_t errors;

	if (rw->val[F_NAME])
		parse_name(in, rw->val[F_NAME], rw->len[F_NAME], rec);
	if (rw->val[F_SEX])
		parse_sex(in, rw->val[F_SEX], rw->len[F_SEX], rec);
	if (rw->val[F_BIRTH_DATE])
		parse_birth_date(in, rw->val[F_BIRTH_DATE], rw->len[F_BIRTH_DATE], n, rec);
	errors = in->res.errors;
	if (rw->val[F_KECAMATAN])
		parse_kecamatan(in, rw->val[F_KECAMATAN], rw->len[F_KECAMATAN], rec);
	/* A desa is checked against a good kecamatan only, so one mistake gives one error. */
	if (in->res.errors == errors)
		place_desa(in, rw, old_kec, rec);
	if (rw->val[F_ON_DPT])
		parse_on_dpt(in, rw->val[F_ON_DPT], rw->len[F_ON_DPT], rec);
	if (rw->val[F_STATUS])
		parse_status(in, rw->val[F_STATUS], rw->len[F_STATUS], rec);
	if (rw->val[F_RECORDED_AT])
		parse_recorded_at(in, rw->val[F_RECORDED_AT], rw->len[F_RECORDED_AT], rec);
	if (rw->val[F_SITE])
		parse_site(in, rw->val[F_SITE], rw->len[F_SITE], rec);
	if (rw->val[F_OPERATOR])
		parse_operator(in, rw->val[F_OPERATOR], rw->len[F_OPERATOR], rec);
	if (rw->val[F_REMOVED])
		parse_removed(in, rw->val[F_REMOVED], rw->len[F_REMOVED], rec);
}

static void
count_version(struct ingest *in, uint64_t seq)
{
	if (seq == 0) {
		in->res.unchanged++;
		return;
	}
	if (in->res.first_seq == 0)
		in->res.first_seq = seq;
	in->res.last_seq = seq;
	in->res.versions++;
}

/* A journal refusal: record_encode refusing what the checks let through is a
 * bad row; anything else is the journal failing. */
static void
put_failed(struct ingest *in, int r, const struct ktp_err *e)
{
	if (r == -EINVAL)
		row_error(in, "%s", e->msg);
	else
		set_fatal(in, r, e);
}

/* A row that can describe a new person is first tried as one: for the NIKs
 * not yet known, which is most of an import, that saves a lookup. Returns
 * false if the person exists after all (the row is then merged into it). */
static bool
try_new_person(struct ingest *in, const struct row *rw, const struct nik *n)
{
	struct ktp_err e = {0};
	struct record rec;
	uint64_t errors = in->res.errors, seq;
	int r;

	new_person(&rec, n);
	apply_fields(in, rw, n, &rec);
	if (in->res.errors != errors)
		return true;
	r = journal_put_new(in->j, &rec, in->wall_ms, &seq, &e);
	if (r == -EEXIST)
		return false;
	if (r < 0)
		put_failed(in, r, &e);
	else
		count_version(in, seq);
	return true;
}

static void
update_person(struct ingest *in, const struct row *rw, const struct nik *n)
{
	struct ktp_err e = {0};
	struct record rec;
	uint64_t errors = in->res.errors, seq;
	int r;

	if (!load_person(in, rw, n, &rec))
		return;
	apply_fields(in, rw, n, &rec);
	if (in->res.errors != errors)
		return;
	if ((r = journal_put(in->j, &rec, in->wall_ms, &seq, &e)) < 0)
		put_failed(in, r, &e);
	else
		count_version(in, seq);
}

static void
process_row(struct ingest *in, const struct row *rw)
{
	struct ktp_err e = {0};
	struct nik n;

	in->res.rows++;
	if (!check_bytes(in, rw))
		return;
	if (rw->val[F_NIK] == NULL) {
		row_error(in, "nik: missing");
		return;
	}
	if (nik_parse(rw->val[F_NIK], in->ref_year, &n, &e) < 0) {
		row_error(in, "%s", e.msg);
		return;
	}
	if (rw->val[F_NAME] != NULL && rw->val[F_KECAMATAN] != NULL &&
	    try_new_person(in, rw, &n))
		return;
	update_person(in, rw, &n);
}

/* ---- CSV ---- */

/* JSON keys: the English names only (column_words has the CSV ones). */
static enum field
field_by_name(const char *s)
{
	size_t f;

	for (f = 0; f < F_COUNT; f++)
		if (strcmp(s, field_names[f]) == 0)
			return (enum field)f;
	return F_COUNT;
}

/* CSV column names: each field's own and the Indonesian ones, compared folded
 * (fold_word: "Tanggal Lahir" = "TANGGAL_LAHIR"). Listed in ktpctl(8). */
static const struct word column_words[] = {
	{ "nik", F_NIK },
	{ "name", F_NAME }, { "nama", F_NAME },
	{ "sex", F_SEX }, { "jenis_kelamin", F_SEX }, { "jk", F_SEX },
	{ "birth_date", F_BIRTH_DATE }, { "tanggal_lahir", F_BIRTH_DATE },
	{ "tgl_lahir", F_BIRTH_DATE },
	{ "kecamatan", F_KECAMATAN }, { "kode_kec", F_KECAMATAN },
	{ "desa", F_DESA }, { "kelurahan", F_DESA }, { "kode_desa", F_DESA },
	{ "on_dpt", F_ON_DPT }, { "dpt", F_ON_DPT },
	{ "status", F_STATUS }, { "status_rekam", F_STATUS },
	{ "recorded_at", F_RECORDED_AT }, { "tanggal_rekam", F_RECORDED_AT },
	{ "site", F_SITE }, { "lokasi", F_SITE },
	{ "operator", F_OPERATOR }, { "petugas", F_OPERATOR },
};

/* An unknown column that holds another separator is most often a file cut
 * with the wrong one: say which was found. */
static void
unknown_column(struct ingest *in, const char *name, size_t len)
{
	const char *other = memchr(name, ';', len) ? "';'" : memchr(name, '\t', len) ? "a tab" :
			    memchr(name, ',', len) ? "','" : NULL;

	if (other != NULL)
		row_error(in, "header: unknown column '%.32s' contains %s, but the separator "
			  "found is '%c'", name, other, in->sep);
	else
		row_error(in, "header: unknown column '%.32s'", name);
}

static enum field
column_field(const struct ingest *in, size_t i)
{
	int f = word_value(column_words, NWORDS(column_words), in->fbuf[i], in->flen[i]);

	return f < 0 ? F_COUNT : (enum field)f;
}

/* Bytes of column i kept in fbuf. */
static size_t
stored_len(const struct ingest *in, size_t i)
{
	return in->flen[i] < INGEST_FIELD_CAP ? in->flen[i] : INGEST_FIELD_CAP;
}

static bool
field_has_nul(const struct ingest *in, size_t i)
{
	return memchr(in->fbuf[i], '\0', stored_len(in, i)) != NULL || in->tail[i].nul;
}

static void
parse_header(struct ingest *in)
{
	bool seen[F_COUNT] = {false};
	enum field f;
	size_t i;

	in->header_done = true;
	if (in->nf > INGEST_MAX_COLS) {
		row_error(in, "header: %zu columns, limit %d", in->nf, INGEST_MAX_COLS);
		in->header_bad = true;
		return;
	}
	in->n_cols = in->nf;
	for (i = 0; i < in->nf; i++) {
		f = column_field(in, i);
		if (field_has_nul(in, i)) {
			row_error(in, "header: column %zu contains a NUL byte", i + 1);
			in->header_bad = true;
			f = F_COUNT;
		} else if (f == F_COUNT) {
			unknown_column(in, in->fbuf[i], stored_len(in, i));
			in->header_bad = true;
		} else if (seen[f]) {
			row_error(in, "header: duplicate column '%s'", field_names[f]);
			in->header_bad = true;
		}
		if (f != F_COUNT)
			seen[f] = true;
		in->col_field[i] = (int8_t)f;
	}
	if (!seen[F_NIK] && !in->header_bad) {
		row_error(in, "header: no 'nik' column");
		in->header_bad = true;
	}
}

static void
csv_row(struct ingest *in)
{
	struct row rw = {0};
	enum field f;
	size_t i;

	if (!in->header_done) {
		parse_header(in);
		return;
	}
	if (in->header_bad)
		return;
	if (in->nf != in->n_cols) {
		in->res.rows++;
		row_error(in, "row: %zu fields, header has %zu", in->nf, in->n_cols);
		return;
	}
	if (in->bad_quote_col >= 0) {
		in->res.rows++;
		row_error(in, "%s: text after a closing quote",
			  field_names[in->col_field[in->bad_quote_col]]);
		return;
	}
	for (i = 0; i < in->n_cols; i++) {
		f = (enum field)in->col_field[i];
		rw.val[f] = in->fbuf[i];
		rw.len[f] = in->flen[i];
		if (in->flen[i] > INGEST_FIELD_CAP) {
			rw.nul[f] = in->tail[i].nul;
			rw.bad_utf8[f] = in->tail[i].bad || in->tail[i].need > 0;
		} else {	/* ktp_utf8_is_valid refuses a NUL too: one pass mostly */
			rw.bad_utf8[f] = !ktp_utf8_is_valid(in->fbuf[i], in->flen[i]);
			rw.nul[f] = rw.bad_utf8[f] && memchr(in->fbuf[i], '\0', in->flen[i]);
		}
	}
	process_row(in, &rw);
}

static void
start_field(struct ingest *in, size_t i)
{
	in->flen[i] = 0;
	memset(&in->tail[i], 0, sizeof(in->tail[i]));
}

static void
csv_end_field(struct ingest *in)
{
	if (in->nf < INGEST_MAX_COLS)
		in->fbuf[in->nf][stored_len(in, in->nf)] = '\0';
	in->nf++;
	if (in->nf < INGEST_MAX_COLS)
		start_field(in, in->nf);
}

static void
csv_end_row(struct ingest *in)
{
	csv_end_field(in);
	/* A blank line is one empty field: skipped, as spreadsheets write them. */
	if (!(in->nf == 1 && in->flen[0] == 0 && !in->row_started) && in->fatal == 0)
		csv_row(in);
	in->nf = 0;
	start_field(in, 0);
	in->bad_quote_col = -1;
	in->row_started = false;
	in->line++;
	in->row_line = in->line;
}

/* The strict UTF-8 of ktp_utf8_is_valid, a byte at a time (Unicode 15,
 * table 3-7), and any NUL. */
static void
utf8_scan(struct utf8_scan *u, const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = p[i];
		u->nul |= c == 0;
		if (u->need > 0) {
			if (c < u->lo || c > u->hi)
				u->bad = true;
			u->need--;
			u->lo = 0x80;
			u->hi = 0xbf;
			continue;
		}
		if (c < 0x80)
			continue;
		u->lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		u->hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			u->need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			u->need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			u->need = 3;
		else
			u->bad = true;
	}
}

/* Appends to the current field; past the cap only the length grows, and the
 * bytes are checked as they pass (from the field's start, once it is long). */
static void
csv_add_run(struct ingest *in, const uint8_t *p, size_t n)
{
	size_t *len, room, keep;

	if (in->nf >= INGEST_MAX_COLS)
		return;
	len = &in->flen[in->nf];
	room = *len < INGEST_FIELD_CAP ? INGEST_FIELD_CAP - *len : 0;
	keep = n < room ? n : room;
	if (keep > 0)
		memcpy(in->fbuf[in->nf] + *len, p, keep);
	if (keep < n) {
		if (*len + keep == INGEST_FIELD_CAP)
			utf8_scan(&in->tail[in->nf], (const uint8_t *)in->fbuf[in->nf],
				  INGEST_FIELD_CAP);
		utf8_scan(&in->tail[in->nf], p + keep, n - keep);
	}
	*len += n;
}

static void
csv_add(struct ingest *in, uint8_t c)
{
	csv_add_run(in, &c, 1);
}

/* The state machine drawn at the top of the file: a flat switch of
 * one-line cases, kept together so each transition is visible. */
static void
csv_byte(struct ingest *in, uint8_t c)
{
	switch (in->cs) {
	case CSV_AFTER_CR:
		in->cs = CSV_FIELD_START;
		if (c == '\n')
			return;
		/* FALLTHROUGH */
	case CSV_FIELD_START:
		if (c == '"') {
			in->cs = CSV_QUOTED;
			in->row_started = true;
			return;
		}
		/* FALLTHROUGH */
	case CSV_UNQUOTED:
		if (c == in->sep) {
			csv_end_field(in);
			in->cs = CSV_FIELD_START;
			in->row_started = true;
		} else if (c == '\n' || c == '\r') {
			csv_end_row(in);
			in->cs = c == '\r' ? CSV_AFTER_CR : CSV_FIELD_START;
		} else {
			csv_add(in, c);
			in->cs = CSV_UNQUOTED;
		}
		return;
	case CSV_QUOTED:
		if (c == '"')
			in->cs = CSV_QUOTE;
		else {
			if (c == '\n')
				in->line++;
			csv_add(in, c);
		}
		return;
	case CSV_QUOTE:
		if (c == '"') {
			csv_add(in, c);
			in->cs = CSV_QUOTED;
		} else if (c == in->sep || c == '\n' || c == '\r') {
			in->cs = CSV_UNQUOTED;
			csv_byte(in, c);
		} else {
			if (in->bad_quote_col < 0 && in->nf < INGEST_MAX_COLS)
				in->bad_quote_col = (int)in->nf;
			csv_add(in, c);
			in->cs = CSV_UNQUOTED;
		}
		return;
	}
}

/* Length of the run of bytes at p that csv_byte would only append. */
static size_t
plain_run(enum csv_state cs, uint8_t sep, const uint8_t *p, size_t len)
{
	size_t i = 0;

	if (cs == CSV_QUOTED) {
		while (i < len && p[i] != '"' && p[i] != '\n')
			i++;
	} else if (cs == CSV_UNQUOTED || cs == CSV_FIELD_START) {
		while (i < len && p[i] != sep && p[i] != '"' && p[i] != '\n' && p[i] != '\r')
			i++;
	}
	return i;
}

/* Runs of ordinary bytes are copied at once; csv_byte takes the rest. */
static void
csv_run(struct ingest *in, const uint8_t *p, size_t len)
{
	size_t i = 0, n;

	while (i < len && in->fatal == 0) {
		n = plain_run(in->cs, (uint8_t)in->sep, p + i, len - i);
		if (n > 0) {
			csv_add_run(in, p + i, n);
			if (in->cs == CSV_FIELD_START)
				in->cs = CSV_UNQUOTED;
			i += n;
			continue;
		}
		csv_byte(in, p[i++]);
	}
}

/* The separator is ';' when the first line has more semicolons than commas
 * outside quotes (a spreadsheet saving CSV in an Indonesian locale), else ','.
 * The held line then goes through the parser. */
static void
decide_separator(struct ingest *in)
{
	size_t i, commas = 0, semicolons = 0;
	bool quoted = false;

	for (i = 0; i < in->hlen; i++) {
		if (in->hbuf[i] == '"')
			quoted = !quoted;
		else if (!quoted && in->hbuf[i] == ',')
			commas++;
		else if (!quoted && in->hbuf[i] == ';')
			semicolons++;
	}
	in->sep = semicolons > commas ? ';' : ',';
	csv_run(in, (const uint8_t *)in->hbuf, in->hlen);
}

/* Holds the first line back until its end, or INGEST_HEADER_CAP bytes of it.
 * Returns the bytes of p taken. */
static size_t
hold_first_line(struct ingest *in, const uint8_t *p, size_t len)
{
	size_t i = 0;
	bool end = false;

	while (i < len && !end && in->hlen < sizeof(in->hbuf)) {
		in->hbuf[in->hlen++] = (char)p[i];
		if (p[i] == '"')
			in->hquoted = !in->hquoted;
		else if (!in->hquoted && (p[i] == '\n' || p[i] == '\r'))
			end = true;
		i++;
	}
	if (end || in->hlen == sizeof(in->hbuf))
		decide_separator(in);
	return i;
}

static void
csv_feed(struct ingest *in, const uint8_t *p, size_t len)
{
	size_t n;

	if (in->sep == 0) {
		n = hold_first_line(in, p, len);
		p += n;
		len -= n;
	}
	if (in->sep != 0)
		csv_run(in, p, len);
}

static void
csv_finish(struct ingest *in)
{
	if (in->sep == 0)
		decide_separator(in);
	if (in->cs == CSV_QUOTED) {
		in->res.rows += in->header_done;
		row_error(in, "row: unterminated quoted field");
		return;
	}
	if (in->cs != CSV_AFTER_CR && (in->nf > 0 || in->flen[0] > 0 || in->row_started))
		csv_end_row(in);
	if (!in->header_done) {
		in->row_line = 1;
		row_error(in, "header: missing");
	}
}

/* ---- JSON lines ---- */

/* JSON values as the text a CSV cell would hold, so one set of checks serves both. */
static int
json_text(json_t *v, char *buf, size_t cap, size_t *ret_len)
{
	int n;

	/* jansson refuses \u0000 unless JSON_ALLOW_NUL, so strings hold no NUL. */
	if (json_is_string(v)) {
		if (json_string_length(v) >= cap)
			n = (int)cap;	/* too long: only the length is kept, to fail its check */
		else
			n = snprintf(buf, cap, "%s", json_string_value(v));
	} else if (json_is_integer(v))
		n = snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		n = snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_null(v))
		n = snprintf(buf, cap, "%s", "");
	else
		return -EINVAL;
	if (n < 0 || (size_t)n >= cap) {
		buf[0] = '\0';
		*ret_len = json_is_string(v) ? json_string_length(v) : cap;
		return 0;
	}
	*ret_len = (size_t)n;
	return 0;
}

static void
json_row(struct ingest *in, json_t *obj)
{
	struct row rw = {0};
	const char *key;
	json_t *v;
	enum field f;
	bool bad = false;

	json_object_foreach(obj, key, v) {
		f = field_by_name(key);
		if (f == F_COUNT) {
			row_error(in, "%.32s: unknown field", key);
			bad = true;
			continue;
		}
		if (json_text(v, in->fbuf[f], sizeof(in->fbuf[f]), &rw.len[f]) < 0) {
			row_error(in, "%s: not a string, number or boolean", field_names[f]);
			bad = true;
			continue;
		}
		rw.val[f] = in->fbuf[f];
	}
	if (bad)
		in->res.rows++;
	else
		process_row(in, &rw);
}

/* jansson ends its text with "near '<input>'", which may quote a name: the
 * column says where without repeating personal data. */
static const char *
json_reason(json_error_t *je)
{
	char *near = strstr(je->text, " near '");

	if (near != NULL)
		*near = '\0';
	return je->text;
}

static void
json_line(struct ingest *in)
{
	json_error_t je;
	json_t *obj;
	size_t len = in->llen;

	/* Past the cap only the length was counted: lbuf holds INGEST_LINE_CAP bytes. */
	if (len > INGEST_LINE_CAP) {
		in->res.rows++;
		row_error(in, "row: %zu bytes, limit %u", len, INGEST_LINE_CAP);
		return;
	}
	if (len > 0 && in->lbuf[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if (!ktp_utf8_is_valid(in->lbuf, len)) {
		in->res.rows++;
		row_error(in, "row: invalid UTF-8");
		return;
	}
	obj = json_loadb(in->lbuf, len, JSON_REJECT_DUPLICATES, &je);
	if (obj == NULL || !json_is_object(obj)) {
		in->res.rows++;
		if (obj == NULL)
			row_error(in, "row: invalid JSON at column %d: %s", je.column,
				  json_reason(&je));
		else
			row_error(in, "row: not a JSON object");
		json_decref(obj);
		return;
	}
	json_row(in, obj);
	json_decref(obj);
}

static void
jsonl_feed(struct ingest *in, const uint8_t *p, size_t len)
{
	const uint8_t *nl;
	size_t n;

	while (len > 0 && in->fatal == 0) {
		nl = memchr(p, '\n', len);
		n = nl ? (size_t)(nl - p) : len;
		if (in->llen + n <= INGEST_LINE_CAP)
			memcpy(in->lbuf + in->llen, p, n);
		in->llen += n;
		p += n;
		len -= n;
		if (nl == NULL)
			return;
		json_line(in);
		in->llen = 0;
		in->line++;
		in->row_line = in->line;
		p++;
		len--;
	}
}

/* ---- the stream ---- */

static void
feed_bytes(struct ingest *in, const uint8_t *p, size_t len)
{
	if (in->fmt == INGEST_CSV)
		csv_feed(in, p, len);
	else
		jsonl_feed(in, p, len);
}

/* Holds back up to three leading bytes until it is clear whether they are a BOM. */
static void
feed_bom(struct ingest *in, const uint8_t **p, size_t *len)
{
	static const uint8_t bom[3] = {0xef, 0xbb, 0xbf};

	while (*len > 0 && in->n_bom < 3 && (*p)[0] == bom[in->n_bom]) {
		in->bom[in->n_bom++] = (*p)[0];
		(*p)++;
		(*len)--;
	}
	if (in->n_bom == 3) {
		in->bom_done = true;
		return;
	}
	if (*len == 0)
		return;		/* still undecided */
	in->bom_done = true;
	feed_bytes(in, in->bom, in->n_bom);
}

static unsigned
year_of(uint64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return 2026;
	return (unsigned)tm.tm_year + 1900;
}

int
ingest_begin(struct journal *j, uint16_t node_id, enum ingest_format fmt, const char *name,
	     uint64_t wall_ms, struct ingest **ret, struct ktp_err *err)
{
	struct ingest *in;
	int r;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return ktp_err_set(err, -ENOMEM, "import: out of memory");
	in->res.msgs = calloc(INGEST_MAX_ERRORS, sizeof(char *));
	if (fmt == INGEST_JSONL)
		in->lbuf = malloc(INGEST_LINE_CAP);
	if (in->res.msgs == NULL || (fmt == INGEST_JSONL && in->lbuf == NULL)) {
		r = ktp_err_set(err, -ENOMEM, "import: out of memory");
		goto fail;
	}
	in->j = j;
	in->node_id = node_id;
	in->fmt = fmt;
	snprintf(in->name, sizeof(in->name), "%s", name);
	in->wall_ms = wall_ms;
	in->ref_year = year_of(wall_ms);
	in->line = in->row_line = 1;
	in->bad_quote_col = -1;
	if ((r = journal_begin(j, err)) < 0)
		goto fail;
	*ret = in;
	return 0;
fail:
	free(in->lbuf);
	free(in->res.msgs);
	free(in);
	return r;
}

void
ingest_set_areas(struct ingest *in, const struct area_table *areas)
{
	in->areas = areas;
}

void
ingest_set_tz_offset(struct ingest *in, int32_t offset_s)
{
	in->tz_offset_s = offset_s;
}

int
ingest_feed(struct ingest *in, const uint8_t *data, size_t len, struct ktp_err *err)
{
	if (in->fatal == 0 && !in->bom_done)
		feed_bom(in, &data, &len);
	if (in->fatal == 0 && in->bom_done)
		feed_bytes(in, data, len);
	if (in->fatal != 0) {
		if (err != NULL)
			*err = in->fatal_err;
		return in->fatal;
	}
	return 0;
}

static void
finish_input(struct ingest *in)
{
	if (!in->bom_done) {
		in->bom_done = true;
		if (in->n_bom < 3)
			feed_bytes(in, in->bom, in->n_bom);
	}
	if (in->fatal != 0)
		return;
	if (in->fmt == INGEST_CSV) {
		csv_finish(in);
	} else if (in->llen > 0) {
		json_line(in);
		in->llen = 0;
	}
}

static void
free_ingest(struct ingest *in)
{
	free(in->lbuf);
	free(in);
}

int
ingest_finish(struct ingest *in, struct ingest_result *ret, struct ktp_err *err)
{
	int r = 0;

	finish_input(in);
	if (in->fatal == 0 && in->res.errors == 0 && (r = journal_commit(in->j, err)) == 0) {
		*ret = in->res;
		free_ingest(in);
		return 0;
	}
	journal_rollback(in->j);
	if (in->fatal != 0) {
		r = in->fatal;
		if (err != NULL)
			*err = in->fatal_err;
	} else if (in->res.errors > 0) {
		r = -EINVAL;
		if (in->res.errors > in->res.n_msgs)
			ktp_err_set(err, r, "%s: %" PRIu64 " errors (%" PRIu64 " more not shown), "
				    "nothing imported", in->name, in->res.errors,
				    in->res.errors - in->res.n_msgs);
		else
			ktp_err_set(err, r, "%s: %" PRIu64 " error%s, nothing imported", in->name,
				    in->res.errors, in->res.errors == 1 ? "" : "s");
	}
	in->res.versions = in->res.unchanged = in->res.first_seq = in->res.last_seq = 0;
	*ret = in->res;
	free_ingest(in);
	return r;
}

void
ingest_abort(struct ingest *in)
{
	if (in == NULL)
		return;
	journal_rollback(in->j);
	ingest_result_done(&in->res);
	free_ingest(in);
}

void
ingest_result_done(struct ingest_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_msgs; i++)
		free(r->msgs[i]);
	free(r->msgs);
	memset(r, 0, sizeof(*r));
}

int
ingest_remove(struct journal *j, const char *nik, const char *reason, uint64_t wall_ms,
	      uint64_t *ret_seq, struct ktp_err *err)
{
	struct record rec;
	struct nik n;
	int r, removed;

	/* Inside an import's transaction the removal would share that file's fate. */
	if (journal_in_transaction(j))
		return ktp_err_set(err, -EBUSY, "remove: an import is in progress");
	if ((r = nik_parse(nik, year_of(wall_ms), &n, err)) < 0)
		return r;
	if ((removed = removed_value(reason, strlen(reason), err)) < 0) {
		if (err != NULL)
			make_printable(err->msg);
		return removed;
	}
	if (removed == RECORD_REMOVED_NONE)
		return ktp_err_set(err, -EINVAL, "removed: '' is not died, moved or duplicate");
	if ((r = journal_get(j, n.digits, &rec, err)) < 0) {
		if (r == -ENOENT)
			ktp_err_set(err, r, "nik: unknown");
		return r;
	}
	rec.removed = (uint8_t)removed;
	return journal_put(j, &rec, wall_ms, ret_seq, err);
}
