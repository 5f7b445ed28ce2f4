/* SPDX-License-Identifier: ISC */
/* nik — the 16-digit Indonesian population number (NIK), parsed and validated.
 * Knows the province codes, the DDMMYY birth date with +40 for women, the serial.
 * Pure: no I/O; each failure has its own reason text in err ("nik: ...") . */
#ifndef KTP_NIK_H
#define KTP_NIK_H

#include <stdbool.h>
#include <stdint.h>

struct ktp_err;

#define NIK_LEN 16

struct nik {
	char		digits[NIK_LEN + 1];	/* NUL-terminated */
	uint8_t		province;		/* 11..96, one of the 38 codes of PROTOCOL.md 1 */
	uint8_t		regency;		/* 01..99 */
	uint8_t		kecamatan;		/* 01..99 */
	bool		female;			/* DD was 41..71 */
	uint32_t	birth_date;		/* YYYYMMDD, century chosen by nik_parse */
	uint16_t	serial;			/* 0001..9999 */
};

/* Parses and validates text (exactly 16 ASCII digits, nothing else).
 * ref_year (e.g. 2026) picks the century of the two-digit year: a year
 * later than ref_year % 100 is 19YY, otherwise 20YY. ret is written only
 * on success. -EINVAL with one of these texts, checked in this order:
 * "nik: empty", "nik: not all digits", "nik: 15 digits, need 16",
 * "nik: unknown province code '99'", "nik: regency code 00",
 * "nik: kecamatan code 00", "nik: birth date: day 32 not in 1..31 or 41..71",
 * "nik: birth date: month 13 not in 1..12",
 * "nik: birth date: 31 February 1990 does not exist", "nik: serial 0000". */
int	nik_parse(const char *text, unsigned ref_year, struct nik *ret, struct ktp_err *err);
bool	nik_province_is_known(unsigned code);
/* "Jawa Barat" for 32; NULL for a code not in use. Static storage. */
const char *nik_province_name(unsigned code);
/* The 4-digit regency code (PPRR) and 6-digit kecamatan code (PPRRKK). */
uint16_t nik_regency_code(const struct nik *n);
uint32_t nik_kecamatan_code(const struct nik *n);
/* True when YYYYMMDD is a real calendar date (1900..2099). */
bool	nik_date_is_valid(uint32_t yyyymmdd);

#endif
