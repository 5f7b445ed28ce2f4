/* SPDX-License-Identifier: ISC */
/* record — one person version (the data model of DESIGN.md) and its binary encoding.
 * Encoding: presence bits, varints, length-prefixed UTF-8; fields the NIK implies cost nothing.
 * Pure: decode rejects malformed input with a reason and never reads out of bounds. */
#ifndef KTP_RECORD_H
#define KTP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct ktp_err;

enum record_sex { RECORD_SEX_MALE = 0, RECORD_SEX_FEMALE = 1 };

enum record_status {
	RECORD_STATUS_UNRECORDED = 0,
	RECORD_STATUS_RECORDED,
	RECORD_STATUS_PRINTED,
	RECORD_STATUS_ISSUED,
	RECORD_STATUS_COUNT
};

enum record_site {
	RECORD_SITE_NONE = 0,		/* not recorded yet */
	RECORD_SITE_OFFICE,
	RECORD_SITE_SCHOOL,
	RECORD_SITE_PESANTREN,
	RECORD_SITE_PRISON,
	RECORD_SITE_DOOR,
	RECORD_SITE_MOBILE,
	RECORD_SITE_COUNT
};

enum record_removed {
	RECORD_REMOVED_NONE = 0,	/* the person is live */
	RECORD_REMOVED_DIED,
	RECORD_REMOVED_MOVED,
	RECORD_REMOVED_DUPLICATE,
	RECORD_REMOVED_COUNT
};

/* One version of a whole person row. Strings are NUL-terminated UTF-8.
 * record_encode requires: a valid NIK (nik.h, its date valid in 20YY);
 * birth_date 0 or a real date in 1900..2099; kecamatan a valid PPRRKK
 * (known province, RR and KK not 00) — it is required, 0 is refused;
 * desa 0 or a valid kecamatan code followed by DDDD 0001..9999;
 * recorded_at 0 or 1..253402300799. Birth date, sex and kecamatan that
 * agree with the NIK cost no bytes (PROTOCOL.md section 2).
 * The journal seq and the writing node are not part of it: a batch gives
 * seq (first + index) and the node id (header). */
struct record {
	char		nik[17];
	uint64_t	hlc;			/* hybrid logical clock stamp, hlc.h */
	char		name[KTP_NAME_MAX + 1];
	uint8_t		sex;			/* enum record_sex */
	uint32_t	birth_date;		/* YYYYMMDD, 0 = unknown */
	uint32_t	kecamatan;		/* PPRRKK */
	uint64_t	desa;			/* PPRRKKDDDD, 0 = unknown */
	bool		on_dpt;			/* on the voter roll */
	uint8_t		status;			/* enum record_status */
	int64_t		recorded_at;		/* Unix seconds UTC, 0 = never */
	uint8_t		site;			/* enum record_site */
	char		operator_[KTP_OPERATOR_MAX + 1];
	uint8_t		removed;		/* enum record_removed */
};

/* Encodes r into buf (cap >= KTP_VERSION_MAX_BYTES always suffices; the
 * largest version is 232 bytes). -EINVAL with a reason if r itself is
 * invalid (bad NIK, string too long, invalid UTF-8, enum out of range),
 * -ENOBUFS if cap is too small. */
int	record_encode(const struct record *r, uint8_t *buf, size_t cap, size_t *ret_len,
		      struct ktp_err *err);
/* Decodes exactly len bytes (trailing bytes are an error) into *ret.
 * -EPROTO with a reason ("record: name: invalid UTF-8") on any malformation,
 * including any encoding other than the one record_encode makes, so
 * encode(decode(x)) == x. *ret is written only on success. */
int	record_decode(const uint8_t *buf, size_t len, struct record *ret, struct ktp_err *err);

bool	record_is_recorded(const struct record *r);	/* recorded, printed or issued */

/* Text names as used in CSV, JSON and reports ("recorded", "pesantren", "died").
 * Site and removed 0 are "none"; a value out of range gives "invalid".
 * The *_from_name functions are exact and case-sensitive; for site and
 * removed an empty string means 0 (CSV leaves those fields blank).
 * CSV text forms (PROTOCOL.md 2.6): sex "L" or "P" (readers also accept
 * "M" and "F", either case), birth_date YYYY-MM-DD, on_dpt 1 or 0,
 * recorded_at YYYY-MM-DDTHH:MM:SSZ or empty, kecamatan 6 and desa 10 digits. */
const char *record_status_name(unsigned status);
const char *record_site_name(unsigned site);
const char *record_removed_name(unsigned removed);
/* -EINVAL if the name is unknown; the enum value otherwise (>= 0). */
int	record_status_from_name(const char *s);
int	record_site_from_name(const char *s);
int	record_removed_from_name(const char *s);

#endif
