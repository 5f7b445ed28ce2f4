/* SPDX-License-Identifier: ISC */
/* Layout (PROTOCOL.md section 2 is normative), in wire order:
 *
 *   flags         varint     bit layout below; bits 17 and up must be 0
 *   nik_area      varint     NIK digits 1-6, PPRRKK
 *   [kecamatan]   varint     PPRRKK                          when KEC_OTHER
 *   [desa]        varint     DDDD, or all 10 digits          when DESA_MODE is 1 or 2
 *   nik_serial    varint     NIK digits 13-16, 1..9999
 *   [operator]    varint length 1..64, then UTF-8           when OPERATOR
 *   hlc_wall      6 bytes    hlc >> 16, big endian
 *   [hlc_counter] varint     hlc & 0xffff, 1..65535          when HLC_COUNTER
 *   nik_date      varint     ((YY * 12 + MM - 1) * 31 + DAY - 1) * 2 + FEMALE
 *   [birth_date]  varint     days since 1900-01-01           when BIRTH_MODE is 3
 *   [recorded_at] zigzag     hlc_wall / 1000 - recorded_at   when RECORDED_AT
 *   name          varint length 0..128, then UTF-8
 *
 * The order serves zstd at the batch layer: the fields that repeat from
 * one version to the next (flags, area, desa, serial, the high bytes of
 * the HLC, the operator) sit together so they match as one run of at
 * least 5 bytes, zstd's shortest match at level 3.
 *
 * Every field has exactly one encoding, and decode rejects any other, so
 * encode(decode(x)) == x and the chain hash over encodings is well defined. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "calendar.h"
#include "err.h"
#include "hlc.h"
#include "nik.h"
#include "record.h"
#include "varint.h"

/* Flag bits. The ones almost every version needs sit in the low 14 bits,
 * so the varint is two bytes unless a version is removed or lives outside
 * its NIK's kecamatan. */
#define F_STATUS_SHIFT		0	/* 2 bits, enum record_status */
#define F_ON_DPT		(1u << 2)
#define F_BIRTH_SHIFT		3	/* 2 bits, BIRTH_* */
#define F_DESA_SHIFT		5	/* 2 bits, DESA_* */
#define F_SITE_SHIFT		7	/* 3 bits, enum record_site */
#define F_RECORDED_AT		(1u << 10)
#define F_OPERATOR		(1u << 11)
#define F_HLC_COUNTER		(1u << 12)
#define F_SEX_OTHER		(1u << 13)	/* sex is not the one the NIK says */
#define F_REMOVED_SHIFT		14	/* 2 bits, enum record_removed */
#define F_KEC_OTHER		(1u << 16)	/* kecamatan is not the NIK's */
#define F_KNOWN			((1u << 17) - 1)

enum { BIRTH_UNKNOWN, BIRTH_NIK_1900, BIRTH_NIK_2000, BIRTH_EXPLICIT };
enum { DESA_NONE, DESA_IN_KEC, DESA_EXPLICIT, DESA_INVALID };

/* recorded_at ends at 9999-12-31T23:59:59Z, so its ISO 8601 text keeps
 * four year digits. */
#define RECORD_TIME_MAX		INT64_C(253402300799)
#define DESA_MAX		UINT64_C(9999999999)
#define HLC_WALL_LEN		6
#define NIK_DATE_MAX		74399	/* YY 99, MM 12, DAY 31, female */
#define DAYS_1900_2099		73049	/* 1900-01-01 .. 2099-12-31 */

struct enc {
	uint8_t		*buf;
	size_t		cap;
	size_t		off;
};

struct dec {
	const uint8_t	*buf;
	size_t		len;
	size_t		off;
	struct ktp_err	*err;
};

static const char *const status_names[] = { "unrecorded", "recorded", "printed", "issued" };
static const char *const site_names[] = {
	"none", "office", "school", "pesantren", "prison", "door", "mobile",
};
static const char *const removed_names[] = { "none", "died", "moved", "duplicate" };

/* An explicit birth date is encoded as days since 1900-01-01 (PROTOCOL.md 3). */
static int64_t
days_since_1900(uint32_t yyyymmdd)
{
	return calendar_days(yyyymmdd) - calendar_days(19000101);
}

static bool
kecamatan_is_valid(uint64_t code)
{
	return code <= 999999 && nik_province_is_known((unsigned)(code / 10000)) &&
	       code / 100 % 100 != 0 && code % 100 != 0;
}

bool
record_is_recorded(const struct record *r)
{
	return r->status != RECORD_STATUS_UNRECORDED && r->status < RECORD_STATUS_COUNT;
}

static const char *
name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "invalid";
}

static int
from_name(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
record_status_name(unsigned status)
{
	return name_of(status_names, NELEM(status_names), status);
}

const char *
record_site_name(unsigned site)
{
	return name_of(site_names, NELEM(site_names), site);
}

const char *
record_removed_name(unsigned removed)
{
	return name_of(removed_names, NELEM(removed_names), removed);
}

int
record_status_from_name(const char *s)
{
	return from_name(status_names, NELEM(status_names), s);
}

/* An empty site or reason is accepted as "none": CSV leaves them blank. */
int
record_site_from_name(const char *s)
{
	return s[0] == '\0' ? RECORD_SITE_NONE : from_name(site_names, NELEM(site_names), s);
}

int
record_removed_from_name(const char *s)
{
	return s[0] == '\0' ? RECORD_REMOVED_NONE :
			      from_name(removed_names, NELEM(removed_names), s);
}

/* ---- encode ---- */

static int
check_string(const char *s, size_t size, const char *field, size_t *ret_len,
	     struct ktp_err *err)
{
	size_t len = strnlen(s, size);

	if (len == size)
		return ktp_err_set(err, -EINVAL, "record: %s: longer than %zu bytes", field,
				   size - 1);
	if (!ktp_utf8_is_valid(s, len))
		return ktp_err_set(err, -EINVAL, "record: %s: invalid UTF-8", field);
	*ret_len = len;
	return 0;
}

static int
check_nik(const char *digits, size_t size, struct nik *ret, struct ktp_err *err)
{
	struct ktp_err e = { 0 };

	if (strnlen(digits, size) == size)
		return ktp_err_set(err, -EINVAL, "record: nik: not terminated");
	/* Reference year 2099 reads every YY as 20YY, the century in which
	 * the most dates exist (2000 is a leap year, 1900 is not), so a NIK
	 * valid in either century passes. */
	if (nik_parse(digits, 2099, ret, &e) < 0)
		return ktp_err_set(err, -EINVAL, "record: %s", e.msg);
	return 0;
}

static int
check_fields(const struct record *r, struct ktp_err *err)
{
	if (r->sex > RECORD_SEX_FEMALE)
		return ktp_err_set(err, -EINVAL, "record: sex: %u out of range", r->sex);
	if (r->status >= RECORD_STATUS_COUNT)
		return ktp_err_set(err, -EINVAL, "record: status: %u out of range", r->status);
	if (r->site >= RECORD_SITE_COUNT)
		return ktp_err_set(err, -EINVAL, "record: site: %u out of range", r->site);
	if (r->removed >= RECORD_REMOVED_COUNT)
		return ktp_err_set(err, -EINVAL, "record: removed: %u out of range", r->removed);
	if (r->birth_date != 0 && !nik_date_is_valid(r->birth_date))
		return ktp_err_set(err, -EINVAL,
				   "record: birth_date: %" PRIu32 " not a date in 1900..2099",
				   r->birth_date);
	if (!kecamatan_is_valid(r->kecamatan))
		return ktp_err_set(err, -EINVAL,
				   "record: kecamatan: %06" PRIu32 " not a kecamatan code",
				   r->kecamatan);
	if (r->desa != 0 && (r->desa > DESA_MAX || !kecamatan_is_valid(r->desa / 10000) ||
			     r->desa % 10000 == 0))
		return ktp_err_set(err, -EINVAL, "record: desa: %010" PRIu64 " not a desa code",
				   r->desa);
	if (r->recorded_at < 0 || r->recorded_at > RECORD_TIME_MAX)
		return ktp_err_set(err, -EINVAL, "record: recorded_at: %" PRId64 " out of range",
				   r->recorded_at);
	return 0;
}

static int
put(struct enc *e, uint64_t v)
{
	return varint_put(e->buf, e->cap, &e->off, v);
}

static int
put_bytes(struct enc *e, const char *s, size_t len)
{
	int r;

	if ((r = put(e, len)) < 0)
		return r;
	if (e->cap - e->off < len)
		return -ENOBUFS;
	memcpy(e->buf + e->off, s, len);
	e->off += len;
	return 0;
}

static uint64_t
nik_date_value(const struct nik *n)
{
	unsigned y = n->birth_date / 10000 % 100, m = n->birth_date / 100 % 100;
	unsigned d = n->birth_date % 100;

	return ((uint64_t)((y * 12 + m - 1) * 31 + d - 1) << 1) | n->female;
}

/* The birth date as the NIK's DDMMYY read in 19YY or 20YY, when it is. */
static unsigned
birth_mode(const struct record *r, const struct nik *n)
{
	uint32_t yymmdd = n->birth_date - 2000 * 10000;

	if (r->birth_date == 0)
		return BIRTH_UNKNOWN;
	if (r->birth_date == 1900 * 10000 + yymmdd)
		return BIRTH_NIK_1900;
	if (r->birth_date == 2000 * 10000 + yymmdd)
		return BIRTH_NIK_2000;
	return BIRTH_EXPLICIT;
}

static unsigned
desa_mode(const struct record *r)
{
	if (r->desa == 0)
		return DESA_NONE;
	return r->desa / 10000 == r->kecamatan ? DESA_IN_KEC : DESA_EXPLICIT;
}

static uint32_t
make_flags(const struct record *r, const struct nik *n, size_t op_len)
{
	uint32_t f = (uint32_t)r->status << F_STATUS_SHIFT;

	f |= r->on_dpt ? F_ON_DPT : 0;
	f |= birth_mode(r, n) << F_BIRTH_SHIFT;
	f |= desa_mode(r) << F_DESA_SHIFT;
	f |= (uint32_t)r->site << F_SITE_SHIFT;
	f |= r->recorded_at != 0 ? F_RECORDED_AT : 0;
	f |= op_len != 0 ? F_OPERATOR : 0;
	f |= hlc_counter(r->hlc) != 0 ? F_HLC_COUNTER : 0;
	f |= (r->sex == RECORD_SEX_FEMALE) != n->female ? F_SEX_OTHER : 0;
	f |= (uint32_t)r->removed << F_REMOVED_SHIFT;
	f |= r->kecamatan != nik_kecamatan_code(n) ? F_KEC_OTHER : 0;
	return f;
}

static int
put_place(struct enc *e, const struct record *r, uint32_t f)
{
	unsigned desa = f >> F_DESA_SHIFT & 3;
	int rc;

	if ((f & F_KEC_OTHER) && (rc = put(e, r->kecamatan)) < 0)
		return rc;
	if (desa == DESA_IN_KEC)
		return put(e, r->desa % 10000);
	if (desa == DESA_EXPLICIT)
		return put(e, r->desa);
	return 0;
}

/* Six bytes big endian, not a varint: consecutive versions share the
 * leading bytes, which zstd then matches together with the fields before. */
static int
put_wall(struct enc *e, uint64_t wall)
{
	int i;

	if (e->cap - e->off < HLC_WALL_LEN)
		return -ENOBUFS;
	for (i = 0; i < HLC_WALL_LEN; i++)
		e->buf[e->off++] = (uint8_t)(wall >> (8 * (HLC_WALL_LEN - 1 - i)));
	return 0;
}

static int
put_birth(struct enc *e, const struct record *r, uint32_t f)
{
	if ((f >> F_BIRTH_SHIFT & 3) != BIRTH_EXPLICIT)
		return 0;
	return put(e, (uint64_t)days_since_1900(r->birth_date));
}

static int
put_all(struct enc *e, const struct record *r, const struct nik *n, size_t name_len,
	size_t op_len)
{
	uint32_t f = make_flags(r, n, op_len);
	int64_t wall_s = (int64_t)(hlc_wall_ms(r->hlc) / 1000);
	int rc;

	if ((rc = put(e, f)) < 0 || (rc = put(e, nik_kecamatan_code(n))) < 0 ||
	    (rc = put_place(e, r, f)) < 0 || (rc = put(e, n->serial)) < 0)
		return rc;
	if ((f & F_OPERATOR) && (rc = put_bytes(e, r->operator_, op_len)) < 0)
		return rc;
	if ((rc = put_wall(e, hlc_wall_ms(r->hlc))) < 0)
		return rc;
	if ((f & F_HLC_COUNTER) && (rc = put(e, hlc_counter(r->hlc))) < 0)
		return rc;
	if ((rc = put(e, nik_date_value(n))) < 0 || (rc = put_birth(e, r, f)) < 0)
		return rc;
	if ((f & F_RECORDED_AT) &&
	    (rc = varint_put_signed(e->buf, e->cap, &e->off, wall_s - r->recorded_at)) < 0)
		return rc;
	if ((rc = put_bytes(e, r->name, name_len)) < 0)
		return rc;
	return 0;
}

int
record_encode(const struct record *r, uint8_t *buf, size_t cap, size_t *ret_len,
	      struct ktp_err *err)
{
	struct enc e = { buf, cap, 0 };
	struct nik n;
	size_t name_len, op_len;
	int rc;

	if ((rc = check_nik(r->nik, sizeof(r->nik), &n, err)) < 0 ||
	    (rc = check_string(r->name, sizeof(r->name), "name", &name_len, err)) < 0 ||
	    (rc = check_string(r->operator_, sizeof(r->operator_), "operator", &op_len, err)) < 0 ||
	    (rc = check_fields(r, err)) < 0)
		return rc;
	if (put_all(&e, r, &n, name_len, op_len) < 0)
		return ktp_err_set(err, -ENOBUFS, "record: encoding needs more than %zu bytes",
				   cap);
	*ret_len = e.off;
	return 0;
}

/* ---- decode ---- */

/* A varint that fails is either cut short by the end of the input or
 * spelled in more bytes than needed; the two get different reasons. */
static int
get(struct dec *d, const char *field, uint64_t *ret)
{
	size_t i;

	if (varint_get(d->buf, d->len, &d->off, ret) == 0)
		return 0;
	for (i = d->off; i < d->len && i - d->off < VARINT_MAX_LEN; i++) {
		if (d->buf[i] & 0x80)
			continue;
		if (i - d->off == VARINT_MAX_LEN - 1 && d->buf[i] > 1)
			return ktp_err_set(d->err, -EPROTO, "record: %s: varint over 64 bits",
					   field);
		return ktp_err_set(d->err, -EPROTO, "record: %s: non-minimal varint", field);
	}
	if (i - d->off >= VARINT_MAX_LEN)
		return ktp_err_set(d->err, -EPROTO, "record: %s: varint longer than %d bytes",
				   field, VARINT_MAX_LEN);
	return ktp_err_set(d->err, -EPROTO, "record: %s: truncated", field);
}

static int
get_max(struct dec *d, const char *field, uint64_t min, uint64_t max, uint64_t *ret)
{
	int rc;

	if ((rc = get(d, field, ret)) < 0)
		return rc;
	if (*ret < min || *ret > max)
		return ktp_err_set(d->err, -EPROTO, "record: %s: %" PRIu64 " not in %" PRIu64
				   "..%" PRIu64, field, *ret, min, max);
	return 0;
}

static int
get_string(struct dec *d, const char *field, size_t min, size_t max, char *out)
{
	uint64_t len;
	int rc;

	if ((rc = get_max(d, field, min, max, &len)) < 0)
		return rc;
	if (d->len - d->off < len)
		return ktp_err_set(d->err, -EPROTO, "record: %s: truncated", field);
	if (!ktp_utf8_is_valid((const char *)d->buf + d->off, (size_t)len))
		return ktp_err_set(d->err, -EPROTO, "record: %s: invalid UTF-8", field);
	memcpy(out, d->buf + d->off, (size_t)len);
	out[len] = '\0';
	d->off += (size_t)len;
	return 0;
}

static int
check_flags(struct dec *d, uint64_t f)
{
	if (f & ~(uint64_t)F_KNOWN)
		return ktp_err_set(d->err, -EPROTO, "record: flags: unknown bits 0x%" PRIx64,
				   f & ~(uint64_t)F_KNOWN);
	if ((f >> F_SITE_SHIFT & 7) >= RECORD_SITE_COUNT)
		return ktp_err_set(d->err, -EPROTO, "record: site: %u out of range",
				   (unsigned)(f >> F_SITE_SHIFT & 7));
	if ((f >> F_DESA_SHIFT & 3) == DESA_INVALID)
		return ktp_err_set(d->err, -EPROTO, "record: desa: mode 3 is not defined");
	return 0;
}

static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* The NIK as read so far: its area comes first, its date after the HLC. */
struct nik_parts {
	uint64_t	area;
	uint64_t	serial;
	uint64_t	date;
};

/* Rebuilds the 16 NIK digits and validates them as record_encode does. */
static int
build_nik(struct dec *d, const struct nik_parts *np, struct record *r, struct nik *n)
{
	unsigned female = (unsigned)(np->date & 1), rest = (unsigned)(np->date >> 1);
	struct ktp_err e = { 0 };

	put_digits(r->nik, (unsigned)np->area, 6);
	put_digits(r->nik + 6, rest % 31 + 1 + 40 * female, 2);
	put_digits(r->nik + 8, rest / 31 % 12 + 1, 2);
	put_digits(r->nik + 10, rest / 31 / 12, 2);
	put_digits(r->nik + 12, (unsigned)np->serial, 4);
	r->nik[NIK_LEN] = '\0';
	if (nik_parse(r->nik, 2099, n, &e) < 0)
		return ktp_err_set(d->err, -EPROTO, "record: %s", e.msg);
	return 0;
}

static int
get_birth(struct dec *d, struct record *r, const struct nik *n, unsigned mode)
{
	uint32_t yymmdd = n->birth_date - 2000 * 10000;
	uint64_t days;
	int rc;

	if (mode == BIRTH_UNKNOWN) {
		r->birth_date = 0;
		return 0;
	}
	if (mode != BIRTH_EXPLICIT) {
		r->birth_date = (mode == BIRTH_NIK_1900 ? 1900 : 2000) * 10000 + yymmdd;
		if (!nik_date_is_valid(r->birth_date))
			return ktp_err_set(d->err, -EPROTO, "record: birth_date: %" PRIu32
					   " does not exist", r->birth_date);
		return 0;
	}
	if ((rc = get_max(d, "birth_date", 0, DAYS_1900_2099 - 1, &days)) < 0)
		return rc;
	r->birth_date = calendar_ymd((int64_t)days + calendar_days(19000101));
	if (birth_mode(r, n) != BIRTH_EXPLICIT)
		return ktp_err_set(d->err, -EPROTO,
				   "record: birth_date: spelled out but the NIK implies it");
	return 0;
}

static int
get_kecamatan(struct dec *d, struct record *r, uint64_t area, uint64_t f)
{
	uint64_t v;
	int rc;

	r->kecamatan = (uint32_t)area;
	if ((f & F_KEC_OTHER) == 0)
		return 0;
	if ((rc = get(d, "kecamatan", &v)) < 0)
		return rc;
	if (!kecamatan_is_valid(v))
		return ktp_err_set(d->err, -EPROTO, "record: kecamatan: %06" PRIu64
				   " not a kecamatan code", v);
	if (v == area)
		return ktp_err_set(d->err, -EPROTO,
				   "record: kecamatan: spelled out but the NIK implies it");
	r->kecamatan = (uint32_t)v;
	return 0;
}

static int
get_desa(struct dec *d, struct record *r, unsigned mode)
{
	uint64_t v;
	int rc;

	r->desa = 0;
	if (mode == DESA_IN_KEC) {
		if ((rc = get_max(d, "desa", 1, 9999, &v)) < 0)
			return rc;
		r->desa = (uint64_t)r->kecamatan * 10000 + v;
	} else if (mode == DESA_EXPLICIT) {
		if ((rc = get_max(d, "desa", 1, DESA_MAX, &v)) < 0)
			return rc;
		if (!kecamatan_is_valid(v / 10000) || v % 10000 == 0)
			return ktp_err_set(d->err, -EPROTO, "record: desa: %010" PRIu64
					   " not a desa code", v);
		if (v / 10000 == r->kecamatan)
			return ktp_err_set(d->err, -EPROTO,
					   "record: desa: spelled out but in the kecamatan");
		r->desa = v;
	}
	return 0;
}

static int
get_hlc(struct dec *d, struct record *r, uint64_t f)
{
	uint64_t wall = 0, ctr = 0;
	int i, rc;

	if (d->len - d->off < HLC_WALL_LEN)
		return ktp_err_set(d->err, -EPROTO, "record: hlc_wall: truncated");
	for (i = 0; i < HLC_WALL_LEN; i++)
		wall = wall << 8 | d->buf[d->off++];
	if ((f & F_HLC_COUNTER) && (rc = get_max(d, "hlc_counter", 1, 0xffff, &ctr)) < 0)
		return rc;
	r->hlc = hlc_make(wall, (uint32_t)ctr);
	return 0;
}

static int
get_recorded_at(struct dec *d, struct record *r, uint64_t f)
{
	int64_t wall_s = (int64_t)(hlc_wall_ms(r->hlc) / 1000), delta;
	uint64_t z;
	int rc;

	r->recorded_at = 0;
	if ((f & F_RECORDED_AT) == 0)
		return 0;
	if ((rc = get(d, "recorded_at", &z)) < 0)
		return rc;
	delta = (int64_t)((z >> 1) ^ (0 - (z & 1)));
	/* Bounds first, so wall_s - delta cannot overflow. */
	if (delta > wall_s - 1 || delta < wall_s - RECORD_TIME_MAX)
		return ktp_err_set(d->err, -EPROTO, "record: recorded_at: out of range");
	r->recorded_at = wall_s - delta;
	return 0;
}

static void
set_enums(struct record *r, uint64_t f, const struct nik *n)
{
	r->status = (uint8_t)(f >> F_STATUS_SHIFT & 3);
	r->on_dpt = (f & F_ON_DPT) != 0;
	r->site = (uint8_t)(f >> F_SITE_SHIFT & 7);
	r->removed = (uint8_t)(f >> F_REMOVED_SHIFT & 3);
	r->sex = (uint8_t)(n->female ^ ((f & F_SEX_OTHER) != 0));
}

/* Fields in wire order; see the layout at the top of this file. */
static int
get_all(struct dec *d, struct record *r)
{
	struct nik_parts np;
	struct nik n;
	uint64_t f;
	int rc;

	if ((rc = get(d, "flags", &f)) < 0 || (rc = check_flags(d, f)) < 0 ||
	    (rc = get_max(d, "nik_area", 0, 999999, &np.area)) < 0 ||
	    (rc = get_kecamatan(d, r, np.area, f)) < 0 ||
	    (rc = get_desa(d, r, (unsigned)(f >> F_DESA_SHIFT & 3))) < 0 ||
	    (rc = get_max(d, "nik_serial", 1, 9999, &np.serial)) < 0)
		return rc;
	if ((f & F_OPERATOR) &&
	    (rc = get_string(d, "operator", 1, KTP_OPERATOR_MAX, r->operator_)) < 0)
		return rc;
	if ((rc = get_hlc(d, r, f)) < 0 ||
	    (rc = get_max(d, "nik_date", 0, NIK_DATE_MAX, &np.date)) < 0 ||
	    (rc = build_nik(d, &np, r, &n)) < 0 ||
	    (rc = get_birth(d, r, &n, (unsigned)(f >> F_BIRTH_SHIFT & 3))) < 0 ||
	    (rc = get_recorded_at(d, r, f)) < 0 ||
	    (rc = get_string(d, "name", 0, KTP_NAME_MAX, r->name)) < 0)
		return rc;
	set_enums(r, f, &n);
	return 0;
}

int
record_decode(const uint8_t *buf, size_t len, struct record *ret, struct ktp_err *err)
{
	struct dec d = { buf, len, 0, err };
	struct record r;
	int rc;

	memset(&r, 0, sizeof(r));
	if (len > KTP_VERSION_MAX_BYTES)
		return ktp_err_set(err, -EPROTO, "record: %zu bytes, more than %u", len,
				   KTP_VERSION_MAX_BYTES);
	if ((rc = get_all(&d, &r)) < 0)
		return rc;
	if (d.off != len)
		return ktp_err_set(err, -EPROTO, "record: %zu bytes after the last field",
				   len - d.off);
	*ret = r;
	return 0;
}
