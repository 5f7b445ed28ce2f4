/* SPDX-License-Identifier: ISC */
/* area — the Kemendagri code table: the official names of provinces, regencies, kecamatan, desa.
 * Reads the four CSV files of idn-area-data (protocol/areas/, codes written "15.07.01.2001")
 * once, keeps the part a daemon needs, and answers lookups by numeric code. Never logs. */
#ifndef KTP_AREA_H
#define KTP_AREA_H

#include <stddef.h>
#include <stdint.h>

struct ktp_err;
struct area_table;

enum area_level {
	AREA_PROVINCE,		/* PP, 2 digits */
	AREA_REGENCY,		/* PPRR, 4 digits */
	AREA_KECAMATAN,		/* PPRRKK, 6 digits */
	AREA_DESA,		/* PPRRKKDDDD, 10 digits */
	AREA_LEVELS
};

/* The file of each level inside the table's directory. */
extern const char *const area_file_names[AREA_LEVELS];

/* Loads DIR/provinces.csv, regencies.csv, districts.csv and villages.csv.
 * within limits what is kept: 0 keeps the whole country, 11..99 one province,
 * 1101..9999 one regency (with its province row). Errors name the file and line:
 * "DIR/districts.csv:12: code: '15.07.x' is not a kecamatan code".
 * The caller frees the table with area_table_free(). */
int	area_table_load(const char *dir, uint16_t within, struct area_table **ret,
			struct ktp_err *err);
/* The same from in-memory CSV texts, one per level (file names only for errors). */
int	area_table_parse(const char *const text[static AREA_LEVELS],
			 const size_t len[static AREA_LEVELS], const char *dir, uint16_t within,
			 struct area_table **ret, struct ktp_err *err);
void	area_table_free(struct area_table *t);		/* NULL is a no-op */

/* The official name, or NULL when the table has no such code (or t is NULL).
 * Borrowed: valid until area_table_free. */
const char *area_name(const struct area_table *t, enum area_level level, uint64_t code);
/* Entries kept at a level. */
size_t	area_count(const struct area_table *t, enum area_level level);
/* The children of parent at level (kecamatan of a regency, desa of a kecamatan),
 * in code order: writes at most cap codes to out, returns how many there are. */
size_t	area_children(const struct area_table *t, enum area_level level, uint64_t parent,
		      uint64_t *out, size_t cap);

#endif
