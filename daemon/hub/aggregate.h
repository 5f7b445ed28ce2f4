/* SPDX-License-Identifier: ISC */
/* aggregate — per-kecamatan and per-desa counters and daily recordings, kept incrementally by apply.
 * Owns what one person contributes (the age arithmetic is progress.h's), the in-memory delta of
 * a batch, its flush into SQL, and the full recount from the person rows that must equal it. */
#ifndef KTP_AGGREGATE_H
#define KTP_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct ktp_err;
struct progress_cutoffs;
struct record;

#define AGGREGATE_DAY_S 86400

/* What one person row contributes; taken from a record or a stored row. */
struct aggregate_person {
	uint32_t	kecamatan;	/* PPRRKK */
	uint64_t	desa;		/* PPRRKKDDDD, 0 = unknown: counts in no desa */
	uint32_t	birth_date;	/* YYYYMMDD, 0 = unknown */
	bool		on_dpt;
	uint8_t		status;		/* enum record_status */
	int64_t		recorded_at;	/* Unix seconds, 0 = never */
	uint8_t		removed;	/* enum record_removed */
};

/* The counters of one kecamatan or desa (or a sum of them). */
struct aggregate_counts {
	int64_t		persons;	/* not removed */
	int64_t		wajib_ktp;	/* 17+ on the election date (on_dpt when no birth date) */
	int64_t		on_dpt;
	int64_t		recorded;	/* recorded, printed or issued */
	int64_t		dpt_unrecorded;	/* on_dpt and unrecorded */
	int64_t		pemula_unrecorded; /* 17 but not 18 on the election date, unrecorded */
};

/* The delta of one transaction: counters per kecamatan and per desa, and
 * recordings per (day, kecamatan) and (day, desa), summed in memory and
 * written once per batch. */
struct aggregate;

void	aggregate_person_from_record(const struct record *r, struct aggregate_person *ret);
/* The person's contribution; all zero when removed. */
void	aggregate_contribution(const struct aggregate_person *p,
			       const struct progress_cutoffs *cut, struct aggregate_counts *ret);
/* Day (since 1970-01-01 UTC) that counts as a recording, or -1 for none. */
int64_t	aggregate_recording_day(const struct aggregate_person *p);
/* YYYYMMDD minus 17 years: born on or before it is wajib_ktp. 0 stays 0. */
uint32_t aggregate_wajib_cutoff(uint32_t election_date);
void	aggregate_counts_add(struct aggregate_counts *sum, const struct aggregate_counts *c);

/* Prepares the flush statements on db (whose schema store.c creates). */
int	aggregate_new(sqlite3 *db, struct aggregate **ret, struct ktp_err *err);
void	aggregate_free(struct aggregate *a);		/* NULL is a no-op */
/* Adds sign (+1 or -1) times p's contribution to the delta. -ENOMEM. */
int	aggregate_add(struct aggregate *a, const struct aggregate_person *p, int sign,
		      const struct progress_cutoffs *cut);
/* Writes the delta into the aggregate tables (inside the caller's
 * transaction) and empties it. */
int	aggregate_flush(struct aggregate *a, struct ktp_err *err);
/* Forgets the delta (after a rollback). */
void	aggregate_reset(struct aggregate *a);
/* Recordings per desa are kept from this day (since 1970-01-01 UTC) on: a
 * report needs only the last 30 days of them, and a backlog of old
 * recordings would otherwise cost a row write each. 0 keeps every day. */
void	aggregate_set_desa_from(struct aggregate *a, int64_t day);

/* Rewrites the four aggregate tables from the person rows (inside the
 * caller's transaction); recordings per desa from day desa_from on. */
int	aggregate_recount(sqlite3 *db, const struct progress_cutoffs *cut, int64_t desa_from,
			  struct ktp_err *err);
/* 0 when the incremental tables equal a recount from the person rows, else
 * -EUCLEAN with the first kecamatan, desa (or day) that differs. Reads only. */
int	aggregate_verify(sqlite3 *db, const struct progress_cutoffs *cut, int64_t desa_from,
			 struct ktp_err *err);

#endif
