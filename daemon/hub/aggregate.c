/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "db.h"
#include "err.h"
#include "record.h"

/*
 * Apply sums a batch's changes in memory and writes each touched kecamatan
 * and day once, at the end of the batch: a batch of 10 000 versions touches a
 * few dozen aggregate rows, so this keeps the per-version cost to the person
 * row alone. The tables are plain upserts of deltas; a kecamatan whose
 * persons all left keeps a row of zeros, which aggregate_verify ignores.
 */

#define NCOUNTERS 5

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
	struct table	day;		/* key day << 32 | kecamatan, v[0] = recordings */
	sqlite3_stmt	*put_kec;
	sqlite3_stmt	*put_day;
};

static const char SQL_PUT_KEC[] =
	"INSERT INTO aggregates(kecamatan, persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(kecamatan) DO UPDATE SET"
	" persons = persons + ?2, wajib_ktp = wajib_ktp + ?3, on_dpt = on_dpt + ?4,"
	" recorded = recorded + ?5, dpt_unrecorded = dpt_unrecorded + ?6";
static const char SQL_PUT_DAY[] =
	"INSERT INTO rec_daily(day, kecamatan, n) VALUES(?1, ?2, ?3)"
	" ON CONFLICT(day, kecamatan) DO UPDATE SET n = n + ?3";

/* The recount's per-kecamatan query, shared by recount and verify. */
#define SQL_RECOUNT_KEC \
	"SELECT kecamatan, count(*), " \
	"sum(CASE WHEN birth_date != 0 THEN birth_date <= ?1 ELSE on_dpt END), " \
	"sum(on_dpt), sum(status != 0), sum(on_dpt AND status = 0) " \
	"FROM persons WHERE removed = 0 GROUP BY kecamatan"
#define SQL_RECOUNT_DAY \
	"SELECT recorded_at / 86400, kecamatan, count(*) FROM persons " \
	"WHERE removed = 0 AND status != 0 AND recorded_at > 0 GROUP BY 1, 2"

void
aggregate_person_from_record(const struct record *r, struct aggregate_person *ret)
{
	ret->kecamatan = r->kecamatan;
	ret->birth_date = r->birth_date;
	ret->on_dpt = r->on_dpt;
	ret->status = r->status;
	ret->recorded_at = r->recorded_at;
	ret->removed = r->removed;
}

void
aggregate_contribution(const struct aggregate_person *p, uint32_t wajib_cutoff,
		       struct aggregate_counts *ret)
{
	bool recorded = p->status != RECORD_STATUS_UNRECORDED;

	memset(ret, 0, sizeof(*ret));
	if (p->removed != RECORD_REMOVED_NONE)
		return;
	ret->persons = 1;
	/* Without a birth date, being on the voter roll is the evidence of age. */
	if (p->birth_date != 0)
		ret->wajib_ktp = p->birth_date <= wajib_cutoff;
	else
		ret->wajib_ktp = p->on_dpt;
	ret->on_dpt = p->on_dpt;
	ret->recorded = recorded;
	ret->dpt_unrecorded = p->on_dpt && !recorded;
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
	/* YYYYMMDD minus 17 years keeps month and day: someone born on
	 * 29 February reaches 17 on 1 March in a common year. */
	if (election_date < 170000)
		return 0;
	return election_date - 170000;
}

void
aggregate_counts_add(struct aggregate_counts *sum, const struct aggregate_counts *c)
{
	sum->persons += c->persons;
	sum->wajib_ktp += c->wajib_ktp;
	sum->on_dpt += c->on_dpt;
	sum->recorded += c->recorded;
	sum->dpt_unrecorded += c->dpt_unrecorded;
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
	if ((r = db_prepare(db, SQL_PUT_KEC, &a->put_kec, err)) < 0 ||
	    (r = db_prepare(db, SQL_PUT_DAY, &a->put_day, err)) < 0) {
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
	sqlite3_finalize(a->put_day);
	free(a->kec.slots);
	free(a->day.slots);
	free(a);
}

int
aggregate_add(struct aggregate *a, const struct aggregate_person *p, int sign,
	      uint32_t wajib_cutoff)
{
	struct aggregate_counts c;
	struct slot *sl;
	int64_t day;

	aggregate_contribution(p, wajib_cutoff, &c);
	if (c.persons != 0) {
		if ((sl = table_slot(&a->kec, p->kecamatan)) == NULL)
			return -ENOMEM;
		sl->v[0] += sign * c.persons;
		sl->v[1] += sign * c.wajib_ktp;
		sl->v[2] += sign * c.on_dpt;
		sl->v[3] += sign * c.recorded;
		sl->v[4] += sign * c.dpt_unrecorded;
	}
	if ((day = aggregate_recording_day(p)) >= 0) {
		if ((sl = table_slot(&a->day, (uint64_t)day << 32 | p->kecamatan)) == NULL)
			return -ENOMEM;
		sl->v[0] += sign;
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
flush_kec(struct aggregate *a, struct ktp_err *err)
{
	size_t i;
	int k, r;

	for (i = 0; i < a->kec.cap; i++) {
		const struct slot *sl = &a->kec.slots[i];

		if (!sl->used || slot_is_zero(sl))
			continue;
		sqlite3_bind_int64(a->put_kec, 1, (sqlite3_int64)sl->key);
		for (k = 0; k < NCOUNTERS; k++)
			sqlite3_bind_int64(a->put_kec, k + 2, sl->v[k]);
		if ((r = step_done(a->put_kec, "aggregate: kecamatan", err)) < 0)
			return r;
	}
	return 0;
}

static int
flush_day(struct aggregate *a, struct ktp_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < a->day.cap; i++) {
		const struct slot *sl = &a->day.slots[i];

		if (!sl->used || sl->v[0] == 0)
			continue;
		sqlite3_bind_int64(a->put_day, 1, (sqlite3_int64)(sl->key >> 32));
		sqlite3_bind_int64(a->put_day, 2, (sqlite3_int64)(sl->key & 0xffffffffu));
		sqlite3_bind_int64(a->put_day, 3, sl->v[0]);
		if ((r = step_done(a->put_day, "aggregate: day", err)) < 0)
			return r;
	}
	return 0;
}

int
aggregate_flush(struct aggregate *a, struct ktp_err *err)
{
	int r;

	if ((r = flush_kec(a, err)) < 0 || (r = flush_day(a, err)) < 0)
		return r;
	aggregate_reset(a);
	return 0;
}

void
aggregate_reset(struct aggregate *a)
{
	table_clear(&a->kec);
	table_clear(&a->day);
}

static int
exec_bound(sqlite3 *db, const char *sql, uint32_t cutoff, const char *what, struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_prepare(db, sql, &st, err)) < 0)
		return r;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, cutoff);
	r = step_done(st, what, err);
	sqlite3_finalize(st);
	return r;
}

int
aggregate_recount(sqlite3 *db, uint32_t wajib_cutoff, struct ktp_err *err)
{
	int r;

	if ((r = db_exec(db, "DELETE FROM aggregates; DELETE FROM rec_daily", err)) < 0)
		return r;
	if ((r = exec_bound(db, "INSERT INTO aggregates(kecamatan, persons, wajib_ktp, on_dpt,"
			    " recorded, dpt_unrecorded) " SQL_RECOUNT_KEC, wajib_cutoff,
			    "aggregate: recount", err)) < 0)
		return r;
	return exec_bound(db, "INSERT INTO rec_daily(day, kecamatan, n) " SQL_RECOUNT_DAY,
			  wajib_cutoff, "aggregate: recount days", err);
}

/* The first key where the stored table and the recount differ, either way. */
static const char SQL_DIFF_KEC[] =
	"WITH r(k, p, w, d, rc, u) AS (" SQL_RECOUNT_KEC "),"
	" a(k, p, w, d, rc, u) AS (SELECT kecamatan, persons, wajib_ktp, on_dpt, recorded,"
	"  dpt_unrecorded FROM aggregates WHERE persons != 0 OR wajib_ktp != 0 OR on_dpt != 0"
	"  OR recorded != 0 OR dpt_unrecorded != 0)"
	" SELECT k FROM (SELECT * FROM a EXCEPT SELECT * FROM r)"
	" UNION ALL SELECT k FROM (SELECT * FROM r EXCEPT SELECT * FROM a) LIMIT 1";
static const char SQL_DIFF_DAY[] =
	"WITH r(d, k, n) AS (" SQL_RECOUNT_DAY "),"
	" a(d, k, n) AS (SELECT day, kecamatan, n FROM rec_daily WHERE n != 0)"
	" SELECT d, k FROM (SELECT * FROM a EXCEPT SELECT * FROM r)"
	" UNION ALL SELECT d, k FROM (SELECT * FROM r EXCEPT SELECT * FROM a) LIMIT 1";

static int
find_diff(sqlite3 *db, const char *sql, uint32_t cutoff, int64_t *ret_a, int64_t *ret_b,
	  struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = db_prepare(db, sql, &st, err)) < 0)
		return r;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, cutoff);
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
aggregate_verify(sqlite3 *db, uint32_t wajib_cutoff, struct ktp_err *err)
{
	int64_t a = 0, b = 0;
	int r;

	if ((r = find_diff(db, SQL_DIFF_KEC, wajib_cutoff, &a, &b, err)) < 0)
		return r;
	if (r > 0)
		return ktp_err_set(err, -EUCLEAN, "aggregate: kecamatan %lld: differs from a recount",
				   (long long)a);
	if ((r = find_diff(db, SQL_DIFF_DAY, wajib_cutoff, &a, &b, err)) < 0)
		return r;
	if (r > 0)
		return ktp_err_set(err, -EUCLEAN,
				   "aggregate: kecamatan %lld day %lld: differs from a recount",
				   (long long)b, (long long)a);
	return 0;
}
