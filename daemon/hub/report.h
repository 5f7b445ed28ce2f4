/* SPDX-License-Identifier: ISC */
/* report — the provincial report from the incremental aggregates: province, regency, kecamatan, desa.
 * The counters of PROTOCOL.md 8.4 named from the code table, projections (progress.h), has_data and
 * the unknowns of regencies without data: as JSON, CSV and the dashboard's view. Reads only. */
#ifndef KTP_REPORT_H
#define KTP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "progress.h"

struct area_table;
struct ktp_err;
struct store;

enum report_level {
	REPORT_LEVEL_KECAMATAN = 0,	/* regencies and their kecamatan */
	REPORT_LEVEL_DESA,		/* and under each kecamatan its desa (one regency) */
};

enum report_lang {
	REPORT_LANG_EN = 0,		/* CSV: English headers, "," and "3.33" */
	REPORT_LANG_ID,			/* CSV: Indonesian headers, ";" and "3,33", a BOM */
};

struct report_opts {
	uint8_t		province;	/* 2-digit code */
	uint32_t	election_date;	/* YYYYMMDD */
	int64_t		now;		/* Unix seconds; passed in so tests pin it */
	uint16_t	regency;	/* 0 = whole province */
	const char	*(*regency_name)(uint16_t code, void *arg);	/* may be NULL */
	/* Regencies reported even before they sent anything (the enrolled ones):
	 * one that never synced is a row of zeros with last_sync null, not a
	 * missing row. listed(i) for i < n_listed; may be NULL. */
	uint16_t	(*listed)(size_t i, void *arg);
	size_t		n_listed;
	void		*arg;
	const struct area_table *areas;	/* official names; may be NULL (names null) */
	int32_t		tz_offset_s;	/* the hub's time zone, for election_passed */
	const char	*tz_abbr;	/* "WIB": times in the lang=id CSV are local, labelled */
	enum report_level level;	/* REPORT_LEVEL_DESA needs regency != 0 */
	enum report_lang lang;		/* the CSV's form */
};

/* ?level= and ?lang= as the HTTP API takes them; NULL is the default.
 * -EINVAL "level: 'x' is not kecamatan or desa", "lang: 'x' is not en or id". */
int	report_level_from_text(const char *text, enum report_level *ret, struct ktp_err *err);
int	report_lang_from_text(const char *text, enum report_lang *ret, struct ktp_err *err);

/* {"province":{...,"regencies":[{...,"kecamatan":[{...}]}]}} as PROTOCOL.md shows.
 * -EINVAL "level: desa needs regency=CODE" for the desa level of the whole province. */
int	report_json(struct store *s, const struct report_opts *o, json_t **ret, struct ktp_err *err);
/* The CSV's first line; then one province row, and each regency followed by
 * its kecamatan rows. CRLF line ends (RFC 4180). */
#define REPORT_CSV_HEADER "level,code,name,persons,wajib_ktp,on_dpt,recorded,dpt_unrecorded," \
	"recorded_30d,rate_per_day,projected_completion,on_track,last_sync,acked,pending," \
	"pemula_unrecorded,recorded_7d,rate_per_day_7d,projected_completion_7d,projection_basis," \
	"has_data,last_contact,last_data"
/* The same columns for lang=id (after a UTF-8 BOM, ";"-separated). */
#define REPORT_CSV_HEADER_ID "tingkat;kode;nama;penduduk;wajib_ktp;dpt;terekam;dpt_belum_rekam;" \
	"terekam_30h;laju_per_hari;perkiraan_selesai;sesuai_jadwal;sinkron_terakhir;acked;tertunda;" \
	"pemula_belum_rekam;terekam_7h;laju_per_hari_7h;perkiraan_selesai_7h;dasar_perkiraan;ada_data;" \
	"kontak_terakhir;data_terakhir"
/* rate_per_day is rounded to 2 decimals; dump with this precision so it
 * prints as 3.33, not 3.3300000000000001. */
#define REPORT_JSON_REAL_PRECISION 10

/* Province row, then per regency its row and its kecamatan rows (each
 * followed by its desa rows at the desa level): level,code,name,<the fields>.
 * New buffer (free()). */
int	report_csv(struct store *s, const struct report_opts *o, char **ret, size_t *ret_len,
		   struct ktp_err *err);
/* Recordings per week (weeks start on Monday, UTC), oldest first, the last one
 * being the current week. o->regency 0 = the whole province. weeks in 1..520;
 * *ret is a new array of weeks entries the caller free()s. */
struct report_week {
	uint32_t	week_start;		/* YYYYMMDD, a Monday */
	int64_t		recorded;
};
int	report_weekly(struct store *s, const struct report_opts *o, unsigned weeks,
		      struct report_week **ret, struct ktp_err *err);

/* --- The report as the pages read it ---
 * The rows report_json writes, as C structs, for the dashboard to render from.
 * What the report does not know (an area without data) is a count with known
 * false, never a 0. */

struct report_count {
	int64_t		v;
	bool		known;
};

enum report_track { REPORT_TRACK_UNKNOWN = 0, REPORT_TRACK_LATE, REPORT_TRACK_OK };

/* The province, a regency, a kecamatan or a desa, and the areas under it. */
struct report_area {
	char			code[12];	/* "32", "3201", "320101", "3201012001" */
	char			*name;		/* NULL when nothing names it; owned */
	bool			has_data;	/* false: nothing from it yet, counts unknown */
	struct report_count	dpt_unrecorded;
	struct report_count	pemula_unrecorded;
	struct report_count	recorded_30d;
	struct report_count	on_dpt;
	enum report_track	track;		/* on_track; a desa has none */
	uint32_t		projected;	/* the deciding projection, YYYYMMDD; 0 none */
	uint32_t		projected_30d;
	uint32_t		projected_7d;
	bool			has_30d;	/* projected_30d and _7d are given (a desa: */
	bool			has_7d;		/* neither) */
	enum progress_basis	basis;
	/* A regency's node, in Unix seconds (0 = never): last authenticated
	 * contact, last data applied, and last_sync, which readers that know
	 * neither fall back to. */
	int64_t			last_contact;
	int64_t			last_data;
	int64_t			last_sync;
	int64_t			acked;
	int64_t			pending;
	struct report_area	*sub;		/* regencies, kecamatan or desa; owned */
	size_t			n_sub;
};

struct report_view {
	struct report_area	province;	/* its sub: the regencies (o->regency's only) */
	struct report_count	regencies_without_data;
	bool			election_passed_known;
	bool			election_passed;
};

/* The report of o as report_json gives it, as a new view the caller frees
 * with report_view_free. Names are copied: the view outlives the locks. */
int	report_view_new(struct store *s, const struct report_opts *o, struct report_view **ret,
			struct ktp_err *err);
void	report_view_free(struct report_view *v);	/* NULL is a no-op */
/* Frees what a holds (its name, its sub areas), not a itself. */
void	report_area_done(struct report_area *a);

#endif
