/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "db.h"
#include "err.h"
#include "progress.h"
#include "record.h"

/*
 * Apply sums a batch's changes in memory and writes each touched kecamatan,
 * desa and day once, at the end of the batch: a batch of 10 000 versions
 * touches a few hundred aggregate rows, so this keeps the per-version cost to
 * the person row alone. The tables are plain upserts of deltas; a kecamatan or
 * desa whose persons all left keeps a row of zeros, which aggregate_verify
 * ignores. A person without a desa (0) counts in its kecamatan only.
 */

#define NCOUNTERS 6

/* A (day, desa) key: desa codes have 10 digits. */
#define DESA_SPAN 10000000000ULL

struct slot {
	uint64_t	key;
	bool		used;
	int64_t		v[NCOUNTERS];
};

/* Open addressing, linear probing, power-of-two size, at most half full. */
struct table {
	struct slot	*slots;
	size_t		cap;
	size_t		n;
};

struct aggregate {
	struct table	kec;		/* key kecamatan, v = counters */
	struct table	desa;		/* key desa, v = counters */
	struct table	day;		/* key day << 32 | kecamatan, v[0] = recordings */
	struct table	dday;		/* key day * DESA_SPAN + desa, v[0] = recordings */
	int64_t		desa_from;	/* first day kept per desa (aggregate_set_desa_from) */
	sqlite3_stmt	*put_kec;
	sqlite3_stmt	*put_desa;
	sqlite3_stmt	*put_day;
	sqlite3_stmt	*put_dday;
};

/* The counter columns of both counter tables, in the order of v[]. */
#define COUNTER_COLS "persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded, pemula_unrecorded"
#define PUT_COUNTERS(table, key) \
	"INSERT INTO " table "(" key ", " COUNTER_COLS ")" \
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(" key ") DO UPDATE SET" \
	" persons = persons + ?2, wajib_ktp = wajib_ktp + ?3, on_dpt = on_dpt + ?4," \
	" recorded = recorded + ?5, dpt_unrecorded = dpt_unrecorded + ?6," \
	" pemula_unrecorded = pemula_unrecorded + ?7"
#define PUT_DAY(table, key) \
	"INSERT INTO " table "(day, " key ", n) VALUES(?1, ?2, ?3)" \
	" ON CONFLICT(day, " key ") DO UPDATE SET n = n + ?3"

/* The recount's per-kecamatan (per-desa) query, shared by recount and verify:
 * :wajib is the wajib cutoff, :pemula the day after which pemula are born
 * (progress.h), :from the first day of recordings kept per desa. */
#define SQL_RECOUNT(key, where) \
	"SELECT " key ", count(*), " \
	"sum(CASE WHEN birth_date != 0 THEN birth_date <= :wajib ELSE on_dpt END), " \
	"sum(on_dpt), sum(status != 0), sum(on_dpt AND status = 0), " \
	"sum(status = 0 AND birth_date != 0 AND birth_date > :pemula AND birth_date <= :wajib) " \
	"FROM persons WHERE removed = 0" where " GROUP BY " key
#define SQL_RECOUNT_DAY(key, where) \
	"SELECT recorded_at / 86400, " key ", count(*) FROM persons " \
	"WHERE removed = 0 AND status != 0 AND recorded_at > 0" where " GROUP BY 1, 2"

void
aggregate_person_from_record(const struct record *r, struct aggregate_person *ret)
{
	ret->kecamatan = r->kecamatan;
	ret->desa = r->desa;
	ret->birth_date = r->birth_date;
	ret->on_dpt = r->on_dpt;
	ret->status = r->status;
	ret->recorded_at = r->recorded_at;
	ret->removed = r->removed;
}

void
aggregate_contribution(const struct aggregate_person *p, const struct progress_cutoffs *cut,
		       struct aggregate_counts *ret)
{
	bool recorded = p->status != RECORD_STATUS_UNRECORDED;

	memset(ret, 0, sizeof(*ret));
	if (p->removed != RECORD_REMOVED_NONE)
		return;
	ret->persons = 1;
	ret->wajib_ktp = progress_is_wajib(cut, p->birth_date, p->on_dpt);
	ret->on_dpt = p->on_dpt;
	ret->recorded = recorded;
	ret->dpt_unrecorded = p->on_dpt && !recorded;
	ret->pemula_unrecorded = !recorded && progress_is_pemula(cut, p->birth_date);
}

int64_t
aggregate_recording_day(const struct aggregate_person *p)
{
	if (p->removed != RECORD_REMOVED_NONE || p->status == RECORD_STATUS_UNRECORDED ||
	    p->recorded_at <= 0)
		return -1;
	return p->recorded_at / AGGREGATE_DAY_S;
}

uint32_t
aggregate_wajib_cutoff(uint32_t election_date)
{
	struct progress_cutoffs c;

	progress_cutoffs(election_date, &c);
	return c.wajib;
}

void
aggregate_counts_add(struct aggregate_counts *sum, const struct aggregate_counts *c)
{
	sum->persons += c->persons;
	sum->wajib_ktp += c->wajib_ktp;
	sum->on_dpt += c->on_dpt;
	sum->recorded += c->recorded;
	sum->dpt_unrecorded += c->dpt_unrecorded;
	sum->pemula_unrecorded += c->pemula_unrecorded;
}

static size_t
hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static int
table_grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, i;
	struct slot *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slots[i].used)
			continue;
		for (j = hash_key(t->slots[i].key) & (cap - 1); slots[j].used; j = (j + 1) & (cap - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* The slot for key, created zeroed when absent; NULL when out of memory. */
static struct slot *
table_slot(struct table *t, uint64_t key)
{
	size_t j;

	if (2 * (t->n + 1) > t->cap && table_grow(t) < 0)
		return NULL;
	for (j = hash_key(key) & (t->cap - 1); t->slots[j].used; j = (j + 1) & (t->cap - 1))
		if (t->slots[j].key == key)
			return &t->slots[j];
	memset(&t->slots[j], 0, sizeof(t->slots[j]));
	t->slots[j].used = true;
	t->slots[j].key = key;
	t->n++;
	return &t->slots[j];
}

static void
table_clear(struct table *t)
{
	if (t->n > 0)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->n = 0;
}

int
aggregate_new(sqlite3 *db, struct aggregate **ret, struct ktp_err *err)
{
	struct aggregate *a = calloc(1, sizeof(*a));
	int r;

	if (a == NULL)
		return ktp_err_set(err, -ENOMEM, "aggregate: out of memory");
	if ((r = db_prepare(db, PUT_COUNTERS("aggregates", "kecamatan"), &a->put_kec, err)) < 0 ||
	    (r = db_prepare(db, PUT_COUNTERS("agg_desa", "desa"), &a->put_desa, err)) < 0 ||
	    (r = db_prepare(db, PUT_DAY("rec_daily", "kecamatan"), &a->put_day, err)) < 0 ||
	    (r = db_prepare(db, PUT_DAY("rec_daily_desa", "desa"), &a->put_dday, err)) < 0) {
		aggregate_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

void
aggregate_free(struct aggregate *a)
{
	if (a == NULL)
		return;
	sqlite3_finalize(a->put_kec);
	sqlite3_finalize(a->put_desa);
	sqlite3_finalize(a->put_day);
	sqlite3_finalize(a->put_dday);
	free(a->kec.slots);
	free(a->desa.slots);
	free(a->day.slots);
	free(a->dday.slots);
	free(a);
}

static int
add_counts(struct table *t, uint64_t key, int sign, const struct aggregate_counts *c)
{
	struct slot *sl = table_slot(t, key);

	if (sl == NULL)
		return -ENOMEM;
	sl->v[0] += sign * c->persons;
	sl->v[1] += sign * c->wajib_ktp;
	sl->v[2] += sign * c->on_dpt;
	sl->v[3] += sign * c->recorded;
	sl->v[4] += sign * c->dpt_unrecorded;
	sl->v[5] += sign * c->pemula_unrecorded;
	return 0;
}

static int
add_one(struct table *t, uint64_t key, int sign)
{
	struct slot *sl = table_slot(t, key);

	if (sl == NULL)
		return -ENOMEM;
	sl->v[0] += sign;
	return 0;
}

int
aggregate_add(struct aggregate *a, const struct aggregate_person *p, int sign,
	      const struct progress_cutoffs *cut)
{
	struct aggregate_counts c;
	int64_t day;
	int r;

	aggregate_contribution(p, cut, &c);
	if (c.persons != 0) {
		if ((r = add_counts(&a->kec, p->kecamatan, sign, &c)) < 0 ||
		    (p->desa != 0 && (r = add_counts(&a->desa, p->desa, sign, &c)) < 0))
			return r;
	}
	if ((day = aggregate_recording_day(p)) >= 0) {
		if ((r = add_one(&a->day, (uint64_t)day << 32 | p->kecamatan, sign)) < 0 ||
		    (p->desa != 0 && day >= a->desa_from &&
		     (r = add_one(&a->dday, (uint64_t)day * DESA_SPAN + p->desa, sign)) < 0))
			return r;
	}
	return 0;
}

static bool
slot_is_zero(const struct slot *sl)
{
	int i;

	for (i = 0; i < NCOUNTERS; i++)
		if (sl->v[i] != 0)
			return false;
	return true;
}

static int
step_done(sqlite3_stmt *st, const char *what, struct ktp_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(sqlite3_db_handle(st), rc, what, err);
	return 0;
}

static int
flush_counts(const struct table *t, sqlite3_stmt *st, const char *what, struct ktp_err *err)
{
	size_t i;
	int k, r;

	for (i = 0; i < t->cap; i++) {
		const struct slot *sl = &t->slots[i];

		if (!sl->used || slot_is_zero(sl))
			continue;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)sl->key);
		for (k = 0; k < NCOUNTERS; k++)
			sqlite3_bind_int64(st, k + 2, sl->v[k]);
		if ((r = step_done(st, what, err)) < 0)
			return r;
	}
	return 0;
}

/* A key is day << 32 | kecamatan, or with by_desa day * DESA_SPAN + desa. */
static int
flush_days(const struct table *t, sqlite3_stmt *st, bool by_desa, const char *what,
	   struct ktp_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < t->cap; i++) {
		const struct slot *sl = &t->slots[i];
		uint64_t day = by_desa ? sl->key / DESA_SPAN : sl->key >> 32;
		uint64_t area = by_desa ? sl->key % DESA_SPAN : sl->key & 0xffffffffu;

		if (!sl->used || sl->v[0] == 0)
			continue;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)day);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)area);
		sqlite3_bind_int64(st, 3, sl->v[0]);
		if ((r = step_done(st, what, err)) < 0)
			return r;
	}
	return 0;
}

int
aggregate_flush(struct aggregate *a, struct ktp_err *err)
{
	int r;

	if ((r = flush_counts(&a->kec, a->put_kec, "aggregate: kecamatan", err)) < 0 ||
	    (r = flush_counts(&a->desa, a->put_desa, "aggregate: desa", err)) < 0 ||
	    (r = flush_days(&a->day, a->put_day, false, "aggregate: day", err)) < 0 ||
	    (r = flush_days(&a->dday, a->put_dday, true, "aggregate: desa day", err)) < 0)
		return r;
	aggregate_reset(a);
	return 0;
}

void
aggregate_reset(struct aggregate *a)
{
	table_clear(&a->kec);
	table_clear(&a->desa);
	table_clear(&a->day);
	table_clear(&a->dday);
}

void
aggregate_set_desa_from(struct aggregate *a, int64_t day)
{
	a->desa_from = day;
}

/* Binds whichever of :wajib, :pemula and :from the statement has. */
static void
bind_cutoffs(sqlite3_stmt *st, const struct progress_cutoffs *cut, int64_t desa_from)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, ":wajib")) > 0)
		sqlite3_bind_int64(st, i, cut->wajib);
	if ((i = sqlite3_bind_parameter_index(st, ":pemula")) > 0)
		sqlite3_bind_int64(st, i, cut->pemula_after);
	if ((i = sqlite3_bind_parameter_index(st, ":from")) > 0)
		sqlite3_bind_int64(st, i, desa_from);
}

static int
exec_bound(sqlite3 *db, const char *sql, const struct progress_cutoffs *cut, int64_t desa_from,
	   const char *what, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_prepare(db, sql, &st, err)) < 0)
		return r;
	bind_cutoffs(st, cut, desa_from);
	r = step_done(st, what, err);
	sqlite3_finalize(st);
	return r;
}

#define KEC_WHERE	""
#define DESA_WHERE	" AND desa != 0"
#define DESA_DAY_WHERE	" AND desa != 0 AND recorded_at / 86400 >= :from"

int
aggregate_recount(sqlite3 *db, const struct progress_cutoffs *cut, int64_t desa_from,
		  struct ktp_err *err)
{
	int r;

	if ((r = db_exec(db, "DELETE FROM aggregates; DELETE FROM rec_daily;"
			 " DELETE FROM agg_desa; DELETE FROM rec_daily_desa", err)) < 0)
		return r;
	if ((r = exec_bound(db, "INSERT INTO aggregates(kecamatan, " COUNTER_COLS ") "
			    SQL_RECOUNT("kecamatan", KEC_WHERE), cut, desa_from,
			    "aggregate: recount", err)) < 0 ||
	    (r = exec_bound(db, "INSERT INTO agg_desa(desa, " COUNTER_COLS ") "
			    SQL_RECOUNT("desa", DESA_WHERE), cut, desa_from,
			    "aggregate: recount desa", err)) < 0 ||
	    (r = exec_bound(db, "INSERT INTO rec_daily(day, kecamatan, n) "
			    SQL_RECOUNT_DAY("kecamatan", KEC_WHERE), cut, desa_from,
			    "aggregate: recount days", err)) < 0)
		return r;
	return exec_bound(db, "INSERT INTO rec_daily_desa(day, desa, n) "
			  SQL_RECOUNT_DAY("desa", DESA_DAY_WHERE), cut, desa_from,
			  "aggregate: recount desa days", err);
}

/* The first key where the stored table and the recount differ, either way. */
#define SQL_DIFF(table, key, where) \
	"WITH r(k, p, w, d, rc, u, pu) AS (" SQL_RECOUNT(key, where) ")," \
	" a(k, p, w, d, rc, u, pu) AS (SELECT " key ", " COUNTER_COLS " FROM " table \
	"  WHERE persons != 0 OR wajib_ktp != 0 OR on_dpt != 0 OR recorded != 0" \
	"  OR dpt_unrecorded != 0 OR pemula_unrecorded != 0)" \
	" SELECT k FROM (SELECT * FROM a EXCEPT SELECT * FROM r)" \
	" UNION ALL SELECT k FROM (SELECT * FROM r EXCEPT SELECT * FROM a) LIMIT 1"
#define SQL_DIFF_DAY(table, key, where) \
	"WITH r(d, k, n) AS (" SQL_RECOUNT_DAY(key, where) ")," \
	" a(d, k, n) AS (SELECT day, " key ", n FROM " table " WHERE n != 0)" \
	" SELECT d, k FROM (SELECT * FROM a EXCEPT SELECT * FROM r)" \
	" UNION ALL SELECT d, k FROM (SELECT * FROM r EXCEPT SELECT * FROM a) LIMIT 1"

static int
find_diff(sqlite3 *db, const char *sql, const struct progress_cutoffs *cut, int64_t desa_from,
	  int64_t *ret_a, int64_t *ret_b, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = db_prepare(db, sql, &st, err)) < 0)
		return r;
	bind_cutoffs(st, cut, desa_from);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret_a = sqlite3_column_int64(st, 0);
		*ret_b = sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0;
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = db_err(db, rc, "aggregate: verify", err);
	}
	sqlite3_finalize(st);
	return r;
}

int
aggregate_verify(sqlite3 *db, const struct progress_cutoffs *cut, int64_t desa_from,
		 struct ktp_err *err)
{
	static const struct {
		const char	*sql;
		const char	*what;		/* "kecamatan", "desa" */
		bool		by_day;
	} checks[] = {
		{ SQL_DIFF("aggregates", "kecamatan", KEC_WHERE), "kecamatan", false },
		{ SQL_DIFF("agg_desa", "desa", DESA_WHERE), "desa", false },
		{ SQL_DIFF_DAY("rec_daily", "kecamatan", KEC_WHERE), "kecamatan", true },
		{ SQL_DIFF_DAY("rec_daily_desa", "desa", DESA_DAY_WHERE), "desa", true },
	};
	int64_t a = 0, b = 0;
	size_t i;
	int r;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if ((r = find_diff(db, checks[i].sql, cut, desa_from, &a, &b, err)) < 0)
			return r;
		if (r == 0)
			continue;
		if (!checks[i].by_day)
			return ktp_err_set(err, -EUCLEAN, "aggregate: %s %lld: differs from a"
					   " recount", checks[i].what, (long long)a);
		return ktp_err_set(err, -EUCLEAN, "aggregate: %s %lld day %lld: differs from a"
				   " recount", checks[i].what, (long long)b, (long long)a);
	}
	return 0;
}
