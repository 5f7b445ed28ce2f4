/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "err.h"
#include "hlc.h"
#include "nik.h"
#include "record.h"
#include "synth.h"
#include "varint.h"

/* ---- helpers ---- */

static void
hex_to_bytes(const char *hex, uint8_t *out, size_t *ret_len)
{
	size_t i, n = strlen(hex) / 2;
	unsigned v;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	*ret_len = n;
}

static void
assert_record_equal(const struct record *a, const struct record *b)
{
	assert_string_equal(a->nik, b->nik);
	assert_true(a->hlc == b->hlc);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->sex, b->sex);
	assert_int_equal(a->birth_date, b->birth_date);
	assert_int_equal(a->kecamatan, b->kecamatan);
	assert_true(a->desa == b->desa);
	assert_int_equal(a->on_dpt, b->on_dpt);
	assert_int_equal(a->status, b->status);
	assert_true(a->recorded_at == b->recorded_at);
	assert_int_equal(a->site, b->site);
	assert_string_equal(a->operator_, b->operator_);
	assert_int_equal(a->removed, b->removed);
}

/* Encode, decode, compare, and encode again to the same bytes. */
static size_t
round_trip(const struct record *r, uint8_t *buf)
{
	uint8_t again[KTP_VERSION_MAX_BYTES];
	struct ktp_err err = { 0 };
	struct record back;
	size_t len, len2;

	if (record_encode(r, buf, KTP_VERSION_MAX_BYTES, &len, &err) != 0)
		fail_msg("encode: %s", err.msg);
	if (record_decode(buf, len, &back, &err) != 0)
		fail_msg("decode: %s", err.msg);
	assert_record_equal(r, &back);
	assert_int_equal(record_encode(&back, again, sizeof(again), &len2, &err), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);
	return len;
}

/* ---- vectors (PROTOCOL.md section 12) ---- */

static void
vector_minimal(struct record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->nik, "3201010508900001");
	r->kecamatan = 320101;
}

static void
vector_typical(struct record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->nik, "3201054508900003");
	r->hlc = hlc_make(UINT64_C(1790000123456), 0);
	strcpy(r->name, "Siti Nurhaliza");
	r->sex = RECORD_SEX_FEMALE;
	r->birth_date = 19900805;
	r->kecamatan = 320105;
	r->desa = UINT64_C(3201052004);
	r->on_dpt = true;
	r->status = RECORD_STATUS_RECORDED;
	r->recorded_at = 1790000000;
	r->site = RECORD_SITE_SCHOOL;
	strcpy(r->operator_, "op07");
}

static void
vector_every_field(struct record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->nik, "3578127112990123");
	r->hlc = hlc_make(UINT64_C(1790000123456), 513);
	strcpy(r->name, "Ni Luh Putu Ayu \xc3\x91o\xc3\xb1o \xe6\x97\xa5\xe6\x9c\xac");
	r->sex = RECORD_SEX_MALE;
	r->birth_date = 19991230;
	r->kecamatan = 320105;
	r->desa = UINT64_C(3201062001);
	r->on_dpt = true;
	r->status = RECORD_STATUS_ISSUED;
	r->recorded_at = 1700000000;
	r->site = RECORD_SITE_MOBILE;
	strcpy(r->operator_, "petugas-3201-07");
	r->removed = RECORD_REMOVED_MOVED;
}

#define VEC_MINIMAL	"00e5c41301000000000000ca8e0400"
#define VEC_TYPICAL	"ad1ae9c413d40f03046f70303701a0c4524e40cb8e04f6010e53697469204e757268" \
			"616c697a61"
#define VEC_EVERY	"dffe06b4eb15e9c413f1a8b1f60b7b0f706574756761732d333230312d303701a0c4" \
			"524e4081049fc504aa9d02f6abea551d4e69204c756820507574752041797520c391" \
			"6fc3b16f20e697a5e69cac"

static void
check_vector(void (*make)(struct record *), const char *hex)
{
	uint8_t want[KTP_VERSION_MAX_BYTES], buf[KTP_VERSION_MAX_BYTES];
	struct record r;
	size_t want_len, len;

	make(&r);
	hex_to_bytes(hex, want, &want_len);
	len = round_trip(&r, buf);
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, len);
}

static void
test_record_encodes_vectors_byte_for_byte(void **state)
{
	(void)state;
	check_vector(vector_minimal, VEC_MINIMAL);
	check_vector(vector_typical, VEC_TYPICAL);
	check_vector(vector_every_field, VEC_EVERY);
}

/* ---- seeded random versions ---- */

static uint64_t
rnd(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned
below(uint64_t *x, unsigned n)
{
	return (unsigned)(rnd(x) % n);
}

static unsigned
random_province(uint64_t *x)
{
	unsigned p;

	do
		p = 11 + below(x, 86);
	while (!nik_province_is_known(p));
	return p;
}

static uint32_t
random_area(uint64_t *x)
{
	return random_province(x) * 10000 + (1 + below(x, 99)) * 100 + 1 + below(x, 99);
}

/* Random UTF-8 of 1- to 4-byte characters, filling up to max bytes; the
 * mode picks empty, exactly max, or anything in between. */
static void
random_utf8(uint64_t *x, char *out, size_t max)
{
	static const char *const chars[] = { "a", "Z", " ", "-", "\xc3\xb1", "\xc3\x91",
					     "\xe6\x97\xa5", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					     "\x7f", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf" };
	unsigned mode = below(x, 4);
	size_t want = mode == 0 ? 0 : mode == 1 ? max : below(x, (unsigned)max + 1), len = 0, n;
	const char *c;

	while (len < want) {
		c = chars[below(x, sizeof(chars) / sizeof(chars[0]))];
		n = strlen(c);
		if (len + n > want)
			c = "x", n = 1;
		memcpy(out + len, c, n);
		len += n;
	}
	out[len] = '\0';
}

static uint32_t
random_date(uint64_t *x)
{
	uint32_t d;

	do
		d = (1900 + below(x, 200)) * 10000 + (1 + below(x, 12)) * 100 + 1 + below(x, 31);
	while (!nik_date_is_valid(d));
	return d;
}

static void
random_nik(uint64_t *x, struct record *r, struct nik *n)
{
	char text[40];
	uint32_t d;
	unsigned dd;

	do {
		d = random_date(x);
		dd = d % 100 + (below(x, 2) ? 40 : 0);
		snprintf(text, sizeof(text), "%06u%02u%02u%02u%04u", random_area(x), dd,
			 d / 100 % 100, d / 10000 % 100, 1 + below(x, 9999));
	} while (nik_parse(text, 2099, n, NULL) != 0);
	memcpy(r->nik, text, sizeof(r->nik));
}

static void
random_place(uint64_t *x, struct record *r, const struct nik *n)
{
	unsigned u = below(x, 3);

	r->kecamatan = below(x, 4) ? nik_kecamatan_code(n) : random_area(x);
	if (u == 1)
		r->desa = (uint64_t)r->kecamatan * 10000 + 1 + below(x, 9999);
	else if (u == 2)
		r->desa = (uint64_t)random_area(x) * 10000 + 1 + below(x, 9999);
}

static void
random_birth(uint64_t *x, struct record *r, const struct nik *n)
{
	uint32_t c19 = n->birth_date - 1000000;

	switch (below(x, 4)) {
	case 0:
		r->birth_date = 0;
		break;
	case 1:
		r->birth_date = nik_date_is_valid(c19) ? c19 : n->birth_date;
		break;
	case 2:
		r->birth_date = n->birth_date;
		break;
	default:
		r->birth_date = random_date(x);
	}
}

static void
random_record(uint64_t *x, struct record *r)
{
	struct nik n;

	memset(r, 0, sizeof(*r));
	random_nik(x, r, &n);
	random_place(x, r, &n);
	random_birth(x, r, &n);
	r->hlc = below(x, 4) == 0 ? rnd(x) & ~UINT64_C(0xffff) : rnd(x);
	random_utf8(x, r->name, KTP_NAME_MAX);
	random_utf8(x, r->operator_, KTP_OPERATOR_MAX);
	r->sex = (uint8_t)below(x, 2);
	r->on_dpt = below(x, 2);
	r->status = (uint8_t)below(x, RECORD_STATUS_COUNT);
	r->site = (uint8_t)below(x, RECORD_SITE_COUNT);
	r->removed = (uint8_t)below(x, RECORD_REMOVED_COUNT);
	if (below(x, 4))
		r->recorded_at = 1 + (int64_t)(rnd(x) % UINT64_C(253402300799));
}

static void
test_record_round_trips_10000_random_versions(void **state)
{
	uint8_t buf[KTP_VERSION_MAX_BYTES];
	uint64_t x = 20240214;
	struct record r;
	size_t len, max = 0, min = SIZE_MAX;
	unsigned i, empty = 0, full = 0;

	(void)state;
	for (i = 0; i < 10000; i++) {
		random_record(&x, &r);
		empty += r.name[0] == '\0' && r.operator_[0] == '\0';
		full += strlen(r.name) == KTP_NAME_MAX && strlen(r.operator_) == KTP_OPERATOR_MAX;
		len = round_trip(&r, buf);
		max = len > max ? len : max;
		min = len < min ? len : min;
	}
	/* The seeded stream does reach both ends of the string ranges. */
	assert_true(empty > 100);
	assert_true(full > 100);
	assert_true(min >= 14);
	assert_true(max <= 260);
}

static void
test_record_round_trips_extreme_values(void **state)
{
	uint8_t buf[KTP_VERSION_MAX_BYTES];
	struct record r;
	size_t len;

	(void)state;
	vector_every_field(&r);
	r.hlc = UINT64_MAX;
	r.recorded_at = 253402300799;
	memset(r.name, 'N', KTP_NAME_MAX);
	r.name[KTP_NAME_MAX] = '\0';
	memset(r.operator_, 'o', KTP_OPERATOR_MAX);
	r.operator_[KTP_OPERATOR_MAX] = '\0';
	r.desa = UINT64_C(9699999999);
	r.kecamatan = 969999;
	r.birth_date = 20991231;
	r.removed = RECORD_REMOVED_DUPLICATE;
	len = round_trip(&r, buf);
	/* 3 flags, 3 area, 3 kecamatan, 2 desa, 1 serial, 65 operator, 6 wall,
	 * 3 counter, 3 NIK date, 0 birth (the NIK's in 20YY), 6 recorded_at, 130 name. */
	assert_int_equal(len, 225);
	/* The largest version: every optional field at its widest. */
	strcpy(r.nik, "3578127112999999");
	r.desa = UINT64_C(9699989999);
	r.birth_date = 20991230;
	r.recorded_at = 1;
	assert_int_equal(round_trip(&r, buf), 232);
	r.hlc = 0;
	r.birth_date = 19000101;
	round_trip(&r, buf);
	/* A woman born 29 February 2000: 1900 is no leap year, so the NIK's
	 * date can only mean 2000. */
	vector_minimal(&r);
	strcpy(r.nik, "3201016902000001");
	r.sex = RECORD_SEX_FEMALE;
	r.birth_date = 20000229;
	len = round_trip(&r, buf);
	assert_int_equal(buf[0], 2u << 3);
}

static void
test_record_round_trips_synthetic_journal(void **state)
{
	uint8_t buf[KTP_VERSION_MAX_BYTES];
	struct synth *s = synth_new(7, 3201);
	struct record r;
	size_t total = 0;
	unsigned i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 5000; i++) {
		synth_journal_next(s, &r, INT64_C(1793232000) + i / 100);
		total += round_trip(&r, buf);
	}
	synth_free(s);
	/* Realistic versions stay small before compression. */
	assert_true(total / 5000 < 48);
}

/* Versions agreeing with their NIK carry no birth date, sex or kecamatan. */
static void
test_record_derivable_fields_cost_nothing(void **state)
{
	uint8_t buf[KTP_VERSION_MAX_BYTES];
	struct record r;
	size_t base;

	(void)state;
	vector_typical(&r);
	base = round_trip(&r, buf);
	r.birth_date = 19900806;
	assert_int_equal(round_trip(&r, buf), base + 3);
	vector_typical(&r);
	r.sex = RECORD_SEX_MALE;
	assert_int_equal(round_trip(&r, buf), base);
	vector_typical(&r);
	r.kecamatan = 320106;
	r.desa = UINT64_C(3201062004);
	assert_int_equal(round_trip(&r, buf), base + 1 + 3);
	vector_typical(&r);
	r.birth_date = 0;
	assert_int_equal(round_trip(&r, buf), base);
}

/* ---- decode errors, one per class ---- */

struct wire {
	uint8_t		b[2048];
	size_t		n;
};

static void
w_uv(struct wire *w, uint64_t v)
{
	assert_int_equal(varint_put(w->b, sizeof(w->b), &w->n, v), 0);
}

static void
w_raw(struct wire *w, const char *bytes, size_t n)
{
	memcpy(w->b + w->n, bytes, n);
	w->n += n;
}

static void
w_wall(struct wire *w, uint64_t wall)
{
	int i;

	for (i = 5; i >= 0; i--)
		w->b[w->n++] = (uint8_t)(wall >> (8 * i));
}

/* The minimal vector with the given flags, area and name; the optional
 * fields are added by the caller between the pieces. */
#define DATE_19900805	67402u

static void
assert_decode_fails(const struct wire *w, const char *msg)
{
	struct ktp_err err = { 0 };
	struct record r;

	assert_int_equal(record_decode(w->b, w->n, &r, &err), -EPROTO);
	assert_int_equal(err.code, -EPROTO);
	assert_string_equal(err.msg, msg);
}

static void
minimal_wire(struct wire *w, uint64_t flags, uint64_t area, uint64_t serial, uint64_t date)
{
	w->n = 0;
	w_uv(w, flags);
	w_uv(w, area);
	w_uv(w, serial);
	w_wall(w, 0);
	w_uv(w, date);
	w_uv(w, 0);
}

static void
test_record_decode_rejects_bad_flags(void **state)
{
	struct wire w = { .n = 0 };

	(void)state;
	assert_decode_fails(&w, "record: flags: truncated");
	w_raw(&w, "\x80", 1);
	assert_decode_fails(&w, "record: flags: truncated");
	w.n = 0;
	w_raw(&w, "\x80\x00", 2);
	assert_decode_fails(&w, "record: flags: non-minimal varint");
	w.n = 0;
	w_raw(&w, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
	assert_decode_fails(&w, "record: flags: varint longer than 10 bytes");
	w.n = 0;
	w_raw(&w, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
	assert_decode_fails(&w, "record: flags: varint over 64 bits");
	minimal_wire(&w, 1u << 17, 320101, 1, DATE_19900805);
	assert_decode_fails(&w, "record: flags: unknown bits 0x20000");
	minimal_wire(&w, UINT64_C(1) << 40 | 1, 320101, 1, DATE_19900805);
	assert_decode_fails(&w, "record: flags: unknown bits 0x10000000000");
	minimal_wire(&w, 7u << 7, 320101, 1, DATE_19900805);
	assert_decode_fails(&w, "record: site: 7 out of range");
	minimal_wire(&w, 3u << 5, 320101, 1, DATE_19900805);
	assert_decode_fails(&w, "record: desa: mode 3 is not defined");
}

static void
test_record_decode_rejects_bad_nik(void **state)
{
	struct wire w;

	(void)state;
	minimal_wire(&w, 0, 1000000, 1, DATE_19900805);
	assert_decode_fails(&w, "record: nik_area: 1000000 not in 0..999999");
	minimal_wire(&w, 0, 990101, 1, DATE_19900805);
	assert_decode_fails(&w, "record: nik: unknown province code '99'");
	minimal_wire(&w, 0, 320001, 1, DATE_19900805);
	assert_decode_fails(&w, "record: nik: regency code 00");
	minimal_wire(&w, 0, 320101, 0, DATE_19900805);
	assert_decode_fails(&w, "record: nik_serial: 0 not in 1..9999");
	minimal_wire(&w, 0, 320101, 10000, DATE_19900805);
	assert_decode_fails(&w, "record: nik_serial: 10000 not in 1..9999");
	minimal_wire(&w, 0, 320101, 1, 74400);
	assert_decode_fails(&w, "record: nik_date: 74400 not in 0..74399");
	/* 31 February 2090: YY 90, month 2, day 31. */
	minimal_wire(&w, 0, 320101, 1, ((90 * 12 + 1) * 31 + 30) * 2);
	assert_decode_fails(&w, "record: nik: birth date: 31 February 2090 does not exist");
}

static void
test_record_decode_rejects_noncanonical_derived_fields(void **state)
{
	struct wire w;

	(void)state;
	/* Birth date spelled out (mode 3) although it is the NIK's in 19YY. */
	w.n = 0;
	w_uv(&w, 3u << 3);
	w_uv(&w, 320101);
	w_uv(&w, 1);
	w_wall(&w, 0);
	w_uv(&w, DATE_19900805);
	w_uv(&w, 33088);	/* 1990-08-05 is day 33088 after 1900-01-01 */
	w_uv(&w, 0);
	assert_decode_fails(&w, "record: birth_date: spelled out but the NIK implies it");
	w.b[w.n - 4] = 0xc1;	/* day 33089: 1990-08-06, a real correction */
	{
		struct record r;

		assert_int_equal(record_decode(w.b, w.n, &r, NULL), 0);
		assert_int_equal(r.birth_date, 19900806);
	}
	/* 29 February 1900 does not exist. */
	minimal_wire(&w, 1u << 3, 320101, 1, ((0 * 12 + 1) * 31 + 28) * 2);
	assert_decode_fails(&w, "record: birth_date: 19000229 does not exist");
	/* Explicit birth date past 2099-12-31. */
	w.n = 0;
	w_uv(&w, 3u << 3);
	w_uv(&w, 320101);
	w_uv(&w, 1);
	w_wall(&w, 0);
	w_uv(&w, DATE_19900805);
	w_uv(&w, 73049);
	w_uv(&w, 0);
	assert_decode_fails(&w, "record: birth_date: 73049 not in 0..73048");
}

static void
test_record_decode_rejects_noncanonical_places(void **state)
{
	struct wire w;

	(void)state;
	w.n = 0;
	w_uv(&w, 1u << 16);
	w_uv(&w, 320101);
	w_uv(&w, 320101);
	assert_decode_fails(&w, "record: kecamatan: spelled out but the NIK implies it");
	w.n = 0;
	w_uv(&w, 1u << 16);
	w_uv(&w, 320101);
	w_uv(&w, 990101);
	assert_decode_fails(&w, "record: kecamatan: 990101 not a kecamatan code");
	w.n = 0;
	w_uv(&w, 1u << 16);
	w_uv(&w, 320101);
	assert_decode_fails(&w, "record: kecamatan: truncated");
	w.n = 0;
	w_uv(&w, 1u << 5);
	w_uv(&w, 320101);
	w_uv(&w, 0);
	assert_decode_fails(&w, "record: desa: 0 not in 1..9999");
	w.n = 0;
	w_uv(&w, 2u << 5);
	w_uv(&w, 320101);
	w_uv(&w, UINT64_C(3201012001));
	assert_decode_fails(&w, "record: desa: spelled out but in the kecamatan");
	w.n = 0;
	w_uv(&w, 2u << 5);
	w_uv(&w, 320101);
	w_uv(&w, 5);
	assert_decode_fails(&w, "record: desa: 0000000005 not a desa code");
	w.n = 0;
	w_uv(&w, 2u << 5);
	w_uv(&w, 320101);
	w_uv(&w, UINT64_C(10000000000));
	assert_decode_fails(&w, "record: desa: 10000000000 not in 1..9999999999");
}

static void
test_record_decode_rejects_bad_hlc_and_time(void **state)
{
	struct wire w;

	(void)state;
	w.n = 0;
	w_uv(&w, 0);
	w_uv(&w, 320101);
	w_uv(&w, 1);
	w_raw(&w, "\x00\x00\x00\x00\x00", 5);
	assert_decode_fails(&w, "record: hlc_wall: truncated");
	w.n = 0;
	w_uv(&w, 1u << 12);
	w_uv(&w, 320101);
	w_uv(&w, 1);
	w_wall(&w, 0);
	w_uv(&w, 0);
	assert_decode_fails(&w, "record: hlc_counter: 0 not in 1..65535");
	w.n = 0;
	w_uv(&w, 1u << 12);
	w_uv(&w, 320101);
	w_uv(&w, 1);
	w_wall(&w, 0);
	w_uv(&w, 65536);
	assert_decode_fails(&w, "record: hlc_counter: 65536 not in 1..65535");
	/* recorded_at = wall seconds (5) - delta (5) = 0, which means never. */
	w.n = 0;
	w_uv(&w, 1u << 10);
	w_uv(&w, 320101);
	w_uv(&w, 1);
	w_wall(&w, 5000);
	w_uv(&w, DATE_19900805);
	w_uv(&w, 10);
	w_uv(&w, 0);
	assert_decode_fails(&w, "record: recorded_at: out of range");
	w.b[w.n - 2] = 1;	/* delta -1 from 5: 6 is fine */
	{
		struct record r;

		assert_int_equal(record_decode(w.b, w.n, &r, NULL), 0);
		assert_true(r.recorded_at == 6);
	}
	w.n -= 2;
	w_uv(&w, UINT64_MAX);	/* delta INT64_MIN: past 9999-12-31 */
	w_uv(&w, 0);
	assert_decode_fails(&w, "record: recorded_at: out of range");
	w.n -= 11;
	w_uv(&w, 1);
	assert_decode_fails(&w, "record: name: truncated");
}

static void
strings_wire(struct wire *w, const char *op, size_t op_len, size_t op_decl,
	     const char *name, size_t name_len, size_t name_decl)
{
	w->n = 0;
	w_uv(w, op ? 1u << 11 : 0);
	w_uv(w, 320101);
	w_uv(w, 1);
	if (op) {
		w_uv(w, op_decl);
		w_raw(w, op, op_len);
	}
	w_wall(w, 0);
	w_uv(w, DATE_19900805);
	w_uv(w, name_decl);
	w_raw(w, name, name_len);
}

static void
test_record_decode_rejects_bad_strings(void **state)
{
	char big[200];
	struct wire w;

	(void)state;
	memset(big, 'a', sizeof(big));
	strings_wire(&w, "", 0, 0, "", 0, 0);
	assert_decode_fails(&w, "record: operator: 0 not in 1..64");
	strings_wire(&w, big, 65, 65, "", 0, 0);
	assert_decode_fails(&w, "record: operator: 65 not in 1..64");
	strings_wire(&w, "op", 2, 3, "", 0, 0);
	assert_decode_fails(&w, "record: operator: invalid UTF-8");
	w.n = 6;
	w_uv(&w, 5);
	w_raw(&w, "op", 2);
	assert_decode_fails(&w, "record: operator: truncated");
	strings_wire(&w, NULL, 0, 0, big, 129, 129);
	assert_decode_fails(&w, "record: name: 129 not in 0..128");
	strings_wire(&w, NULL, 0, 0, big, 10, 11);
	assert_decode_fails(&w, "record: name: truncated");
	strings_wire(&w, NULL, 0, 0, "Ad\xc0\x80i", 5, 5);
	assert_decode_fails(&w, "record: name: invalid UTF-8");
	strings_wire(&w, NULL, 0, 0, "Ad\xed\xa0\x80", 5, 5);
	assert_decode_fails(&w, "record: name: invalid UTF-8");
	strings_wire(&w, NULL, 0, 0, "Ad\0i", 4, 4);
	assert_decode_fails(&w, "record: name: invalid UTF-8");
	strings_wire(&w, NULL, 0, 0, "Ad\xc3", 3, 3);
	assert_decode_fails(&w, "record: name: invalid UTF-8");
	strings_wire(&w, NULL, 0, 0, big, 128, 128);
	assert_int_equal(record_decode(w.b, w.n, &(struct record){ .hlc = 0 }, NULL), 0);
}

static void
test_record_decode_rejects_trailing_and_oversized_input(void **state)
{
	struct ktp_err err = { 0 };
	struct record r;
	struct wire w;

	(void)state;
	minimal_wire(&w, 0, 320101, 1, DATE_19900805);
	assert_int_equal(record_decode(w.b, w.n, &r, &err), 0);
	assert_string_equal(r.nik, "3201010508900001");
	w_raw(&w, "\x00", 1);
	assert_decode_fails(&w, "record: 1 bytes after the last field");
	w.n = KTP_VERSION_MAX_BYTES + 1;
	assert_decode_fails(&w, "record: 1025 bytes, more than 1024");
}

/* Every strict prefix of a valid version is rejected, never read past. */
static void
test_record_decode_rejects_every_truncation(void **state)
{
	uint8_t buf[KTP_VERSION_MAX_BYTES], *copy;
	struct ktp_err err = { 0 };
	struct record r;
	size_t len, cut;

	(void)state;
	vector_every_field(&r);
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len, &err), 0);
	for (cut = 0; cut < len; cut++) {
		copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		assert_int_equal(record_decode(copy, cut, &r, &err), -EPROTO);
		free(copy);
	}
}

/* ---- encode errors ---- */

static void
assert_encode_fails(const struct record *r, const char *msg)
{
	uint8_t buf[KTP_VERSION_MAX_BYTES];
	struct ktp_err err = { 0 };
	size_t len = 99;

	assert_int_equal(record_encode(r, buf, sizeof(buf), &len, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(len, 99);
}

static void
test_record_encode_rejects_invalid_versions(void **state)
{
	struct record r;

	(void)state;
	vector_typical(&r);
	strcpy(r.nik, "3201053102900003");
	assert_encode_fails(&r, "record: nik: birth date: 31 February 2090 does not exist");
	vector_typical(&r);
	memset(r.nik, '3', sizeof(r.nik));
	assert_encode_fails(&r, "record: nik: not terminated");
	vector_typical(&r);
	strcpy(r.nik, "3201054508900000");
	assert_encode_fails(&r, "record: nik: serial 0000");
	vector_typical(&r);
	memset(r.name, 'a', sizeof(r.name));
	assert_encode_fails(&r, "record: name: longer than 128 bytes");
	vector_typical(&r);
	strcpy(r.name, "Siti \xff");
	assert_encode_fails(&r, "record: name: invalid UTF-8");
	vector_typical(&r);
	memset(r.operator_, 'o', sizeof(r.operator_));
	assert_encode_fails(&r, "record: operator: longer than 64 bytes");
	vector_typical(&r);
	r.sex = 2;
	assert_encode_fails(&r, "record: sex: 2 out of range");
	vector_typical(&r);
	r.status = RECORD_STATUS_COUNT;
	assert_encode_fails(&r, "record: status: 4 out of range");
	vector_typical(&r);
	r.site = RECORD_SITE_COUNT;
	assert_encode_fails(&r, "record: site: 7 out of range");
	vector_typical(&r);
	r.removed = RECORD_REMOVED_COUNT;
	assert_encode_fails(&r, "record: removed: 4 out of range");
	vector_typical(&r);
	r.birth_date = 19900231;
	assert_encode_fails(&r, "record: birth_date: 19900231 not a date in 1900..2099");
	vector_typical(&r);
	r.kecamatan = 0;
	assert_encode_fails(&r, "record: kecamatan: 000000 not a kecamatan code");
	vector_typical(&r);
	r.kecamatan = 320100;
	assert_encode_fails(&r, "record: kecamatan: 320100 not a kecamatan code");
	vector_typical(&r);
	r.desa = UINT64_C(3201050000);
	assert_encode_fails(&r, "record: desa: 3201050000 not a desa code");
	vector_typical(&r);
	r.desa = UINT64_C(99999999999);
	assert_encode_fails(&r, "record: desa: 99999999999 not a desa code");
	vector_typical(&r);
	r.recorded_at = -1;
	assert_encode_fails(&r, "record: recorded_at: -1 out of range");
	vector_typical(&r);
	r.recorded_at = INT64_C(253402300800);
	assert_encode_fails(&r, "record: recorded_at: 253402300800 out of range");
}

static void
test_record_encode_reports_short_buffer(void **state)
{
	uint8_t buf[40];
	struct ktp_err err = { 0 };
	struct record r;
	size_t len;

	(void)state;
	vector_typical(&r);
	assert_int_equal(record_encode(&r, buf, 39, &len, &err), 0);
	assert_int_equal(len, 39);
	assert_int_equal(record_encode(&r, buf, 38, &len, &err), -ENOBUFS);
	assert_string_equal(err.msg, "record: encoding needs more than 38 bytes");
	assert_int_equal(record_encode(&r, buf, 0, &len, &err), -ENOBUFS);
}

/* ---- names and UTF-8 ---- */

static void
test_record_names_round_trip(void **state)
{
	static const char *const status[] = { "unrecorded", "recorded", "printed", "issued" };
	static const char *const site[] = { "none", "office", "school", "pesantren", "prison",
					    "door", "mobile" };
	static const char *const removed[] = { "none", "died", "moved", "duplicate" };
	unsigned i;

	(void)state;
	for (i = 0; i < RECORD_STATUS_COUNT; i++) {
		assert_string_equal(record_status_name(i), status[i]);
		assert_int_equal(record_status_from_name(status[i]), (int)i);
	}
	for (i = 0; i < RECORD_SITE_COUNT; i++) {
		assert_string_equal(record_site_name(i), site[i]);
		assert_int_equal(record_site_from_name(site[i]), (int)i);
	}
	for (i = 0; i < RECORD_REMOVED_COUNT; i++) {
		assert_string_equal(record_removed_name(i), removed[i]);
		assert_int_equal(record_removed_from_name(removed[i]), (int)i);
	}
	assert_string_equal(record_status_name(4), "invalid");
	assert_string_equal(record_site_name(7), "invalid");
	assert_string_equal(record_removed_name(99), "invalid");
	assert_int_equal(record_status_from_name("Recorded"), -EINVAL);
	assert_int_equal(record_status_from_name(""), -EINVAL);
	assert_int_equal(record_site_from_name(""), RECORD_SITE_NONE);
	assert_int_equal(record_site_from_name("kantor"), -EINVAL);
	assert_int_equal(record_removed_from_name(""), RECORD_REMOVED_NONE);
	assert_int_equal(record_removed_from_name("dead"), -EINVAL);
}

static void
test_record_is_recorded_after_recording(void **state)
{
	struct record r;

	(void)state;
	vector_minimal(&r);
	assert_false(record_is_recorded(&r));
	r.status = RECORD_STATUS_RECORDED;
	assert_true(record_is_recorded(&r));
	r.status = RECORD_STATUS_PRINTED;
	assert_true(record_is_recorded(&r));
	r.status = RECORD_STATUS_ISSUED;
	assert_true(record_is_recorded(&r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_encodes_vectors_byte_for_byte),
		cmocka_unit_test(test_record_round_trips_10000_random_versions),
		cmocka_unit_test(test_record_round_trips_extreme_values),
		cmocka_unit_test(test_record_round_trips_synthetic_journal),
		cmocka_unit_test(test_record_derivable_fields_cost_nothing),
		cmocka_unit_test(test_record_decode_rejects_bad_flags),
		cmocka_unit_test(test_record_decode_rejects_bad_nik),
		cmocka_unit_test(test_record_decode_rejects_noncanonical_derived_fields),
		cmocka_unit_test(test_record_decode_rejects_noncanonical_places),
		cmocka_unit_test(test_record_decode_rejects_bad_hlc_and_time),
		cmocka_unit_test(test_record_decode_rejects_bad_strings),
		cmocka_unit_test(test_record_decode_rejects_trailing_and_oversized_input),
		cmocka_unit_test(test_record_decode_rejects_every_truncation),
		cmocka_unit_test(test_record_encode_rejects_invalid_versions),
		cmocka_unit_test(test_record_encode_reports_short_buffer),
		cmocka_unit_test(test_record_names_round_trip),
		cmocka_unit_test(test_record_is_recorded_after_recording),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
