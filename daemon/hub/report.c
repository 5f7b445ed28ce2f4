/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "area.h"
#include "calendar.h"
#include "csvout.h"
#include "db.h"
#include "err.h"
#include "grow.h"
#include "progress.h"
#include "report.h"
#include "store.h"

/*
 * A report reads only the aggregate tables (a few hundred kecamatan rows,
 * and the desa of one regency at the desa level), the recordings of the
 * last 30 days (30 days x kecamatan rows of rec_daily) and the node cursors;
 * it never touches the person rows, so its cost does not grow with the
 * number of persons.
 *
 * Days are UTC days since 1970-01-01, as rec_daily stores them. "The last 30
 * days" are today and the 29 days before it, "the last 7" today and the 6
 * before. The arithmetic of rates and projections is progress.h's.
 *
 * No data is no evidence: a regency the hub never applied a version from
 * and holds no person of reads as unknown (null), and the province is on
 * track only when every regency it lists has data and is on track.
 */

struct kec_row {
	uint32_t		code;
	struct aggregate_counts	c;
	int64_t			rec30;
	int64_t			rec7;
};

struct desa_row {
	uint64_t		code;
	struct aggregate_counts	c;
	int64_t			rec30;
};

struct reg_row {
	uint16_t		code;
	struct aggregate_counts	c;
	int64_t			rec30;
	int64_t			rec7;
	size_t			first;		/* its kecamatan rows: kec[first .. first+n) */
	size_t			n;
	bool			has_node;
	uint64_t		acked;
	uint64_t		head;
	int64_t			last_push;
	int64_t			last_seen;
};

struct report_data {
	struct kec_row		*kec;
	size_t			nkec;
	size_t			kcap;
	struct desa_row		*desa;		/* of o->regency, at the desa level */
	size_t			ndesa;
	size_t			dcap;
	struct reg_row		*reg;
	size_t			nreg;
	struct aggregate_counts	prov;
	int64_t			prov30;
	int64_t			prov7;
};

/* The derived fields of one row. */
struct figures {
	bool		has_data;
	bool		on_track;	/* the province's needs every regency too */
	struct progress	p;
};

static int64_t
day_of(int64_t t)
{
	return progress_day(t);
}

int
report_level_from_text(const char *text, enum report_level *ret, struct ktp_err *err)
{
	if (text == NULL || strcmp(text, "kecamatan") == 0)
		*ret = REPORT_LEVEL_KECAMATAN;
	else if (strcmp(text, "desa") == 0)
		*ret = REPORT_LEVEL_DESA;
	else
		return ktp_err_set(err, -EINVAL, "level: '%.32s' is not kecamatan or desa", text);
	return 0;
}

int
report_lang_from_text(const char *text, enum report_lang *ret, struct ktp_err *err)
{
	if (text == NULL || strcmp(text, "en") == 0)
		*ret = REPORT_LANG_EN;
	else if (strcmp(text, "id") == 0)
		*ret = REPORT_LANG_ID;
	else
		return ktp_err_set(err, -EINVAL, "lang: '%.32s' is not en or id", text);
	return 0;
}

static void
ymd_text(uint32_t ymd, char out[11])
{
	snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100, ymd % 100);
}

static void
time_text(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t > 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
figure(const struct aggregate_counts *c, int64_t rec30, int64_t rec7, bool has_data,
       const struct report_opts *o, struct figures *ret)
{
	struct progress_input in = {
		/* Nobody known yet (an enrolled regency that never sent anything)
		 * is no evidence of being done: no projection, not on track. */
		.has_evidence = has_data && c->persons > 0,
		.remaining = c->dpt_unrecorded > 0 ? (uint64_t)c->dpt_unrecorded : 0,
		.recorded_30d = rec30 > 0 ? (uint64_t)rec30 : 0,
		.recorded_7d = rec7 > 0 ? (uint64_t)rec7 : 0,
		.today = day_of(o->now),
		.election_date = o->election_date,
	};

	ret->has_data = has_data;
	progress_compute(&in, &ret->p);
	ret->on_track = ret->p.on_track;
}

static bool
reg_has_data(const struct reg_row *g)
{
	return g->last_push > 0 || g->n > 0;
}

static int
step_rows(sqlite3_stmt *st, int (*fn)(sqlite3_stmt *, struct report_data *),
	  struct report_data *d, struct ktp_err *err)
{
	int rc, r;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = fn(st, d)) < 0)
			return ktp_err_set(err, r, "report: out of memory");
	if (rc != SQLITE_DONE)
		return db_err(sqlite3_db_handle(st), rc, "report", err);
	return 0;
}

static int
query(sqlite3 *db, const char *sql, const int64_t *binds, int nbinds,
      int (*fn)(sqlite3_stmt *, struct report_data *), struct report_data *d,
      struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int i, r;

	if ((r = db_prepare(db, sql, &st, err)) < 0)
		return r;
	for (i = 0; i < nbinds; i++)
		sqlite3_bind_int64(st, i + 1, binds[i]);
	r = step_rows(st, fn, d, err);
	sqlite3_finalize(st);
	return r;
}

/* The counter columns from column 1 on, as both counter queries select them. */
static void
read_counts(sqlite3_stmt *st, struct aggregate_counts *c)
{
	c->persons = sqlite3_column_int64(st, 1);
	c->wajib_ktp = sqlite3_column_int64(st, 2);
	c->on_dpt = sqlite3_column_int64(st, 3);
	c->recorded = sqlite3_column_int64(st, 4);
	c->dpt_unrecorded = sqlite3_column_int64(st, 5);
	c->pemula_unrecorded = sqlite3_column_int64(st, 6);
}

static int
add_kec(sqlite3_stmt *st, struct report_data *d)
{
	struct kec_row *k;

	if ((k = grow(d->kec, d->nkec, &d->kcap, sizeof(*k))) == NULL)
		return -ENOMEM;
	d->kec = k;
	k = &d->kec[d->nkec++];
	memset(k, 0, sizeof(*k));
	k->code = (uint32_t)sqlite3_column_int64(st, 0);
	read_counts(st, &k->c);
	return 0;
}

static int
add_desa(sqlite3_stmt *st, struct report_data *d)
{
	struct desa_row *k;

	if ((k = grow(d->desa, d->ndesa, &d->dcap, sizeof(*k))) == NULL)
		return -ENOMEM;
	d->desa = k;
	k = &d->desa[d->ndesa++];
	memset(k, 0, sizeof(*k));
	k->code = (uint64_t)sqlite3_column_int64(st, 0);
	read_counts(st, &k->c);
	return 0;
}

static int
cmp_kec_code(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = ((const struct kec_row *)b)->code;

	return x < y ? -1 : x > y;
}

static int
cmp_desa_code(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = ((const struct desa_row *)b)->code;

	return x < y ? -1 : x > y;
}

static int
add_rec(sqlite3_stmt *st, struct report_data *d)
{
	uint32_t code = (uint32_t)sqlite3_column_int64(st, 0);
	struct kec_row *k;

	/* Recordings without a live person in the kecamatan cannot exist. */
	if (d->nkec == 0)
		return 0;
	k = bsearch(&code, d->kec, d->nkec, sizeof(*d->kec), cmp_kec_code);
	if (k != NULL) {
		k->rec30 = sqlite3_column_int64(st, 1);
		k->rec7 = sqlite3_column_int64(st, 2);
	}
	return 0;
}

static int
add_desa_rec(sqlite3_stmt *st, struct report_data *d)
{
	uint64_t code = (uint64_t)sqlite3_column_int64(st, 0);
	struct desa_row *k;

	if (d->ndesa == 0)
		return 0;
	k = bsearch(&code, d->desa, d->ndesa, sizeof(*d->desa), cmp_desa_code);
	if (k != NULL)
		k->rec30 = sqlite3_column_int64(st, 1);
	return 0;
}

static struct reg_row *
regency_slot(struct report_data *d, uint16_t code)
{
	struct reg_row *g;
	size_t i;

	for (i = 0; i < d->nreg; i++)
		if (d->reg[i].code == code)
			return &d->reg[i];
	if ((g = realloc(d->reg, (d->nreg + 1) * sizeof(*g))) == NULL)
		return NULL;
	d->reg = g;
	g = &d->reg[d->nreg++];
	memset(g, 0, sizeof(*g));
	g->code = code;
	return g;
}

static int
add_node(sqlite3_stmt *st, struct report_data *d)
{
	struct reg_row *g = regency_slot(d, (uint16_t)sqlite3_column_int(st, 0));

	if (g == NULL)
		return -ENOMEM;
	g->has_node = true;
	g->acked = (uint64_t)sqlite3_column_int64(st, 1);
	g->head = (uint64_t)sqlite3_column_int64(st, 2);
	g->last_push = sqlite3_column_int64(st, 3);
	g->last_seen = sqlite3_column_int64(st, 4);
	return 0;
}

static int
add_listed(const struct report_opts *o, struct report_data *d, struct ktp_err *err)
{
	uint16_t code;
	size_t i;

	for (i = 0; o->listed != NULL && i < o->n_listed; i++) {
		code = o->listed(i, o->arg);
		if (code / 100 == o->province && regency_slot(d, code) == NULL)
			return ktp_err_set(err, -ENOMEM, "report: out of memory");
	}
	return 0;
}

static int
cmp_reg(const void *a, const void *b)
{
	const struct reg_row *x = a, *y = b;

	return x->code < y->code ? -1 : x->code > y->code;
}

/* Most unrecorded voters first: that is where the mobile teams go. */
static int
cmp_kec_need(const void *a, const void *b)
{
	const struct kec_row *x = a, *y = b;

	if (x->c.dpt_unrecorded != y->c.dpt_unrecorded)
		return x->c.dpt_unrecorded > y->c.dpt_unrecorded ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* By kecamatan, then the most unrecorded voters first. */
static int
cmp_desa_need(const void *a, const void *b)
{
	const struct desa_row *x = a, *y = b;

	if (x->code / 10000 != y->code / 10000)
		return x->code / 10000 < y->code / 10000 ? -1 : 1;
	if (x->c.dpt_unrecorded != y->c.dpt_unrecorded)
		return x->c.dpt_unrecorded > y->c.dpt_unrecorded ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* Groups the kecamatan rows (sorted by code) under their regencies. */
static int
group(struct report_data *d)
{
	struct reg_row *g;
	size_t i;

	for (i = 0; i < d->nkec; i++) {
		if ((g = regency_slot(d, (uint16_t)(d->kec[i].code / 100))) == NULL)
			return -ENOMEM;
		if (g->n == 0)
			g->first = i;
		g->n++;
		aggregate_counts_add(&g->c, &d->kec[i].c);
		g->rec30 += d->kec[i].rec30;
		g->rec7 += d->kec[i].rec7;
		aggregate_counts_add(&d->prov, &d->kec[i].c);
		d->prov30 += d->kec[i].rec30;
		d->prov7 += d->kec[i].rec7;
	}
	if (d->nreg > 0)
		qsort(d->reg, d->nreg, sizeof(*d->reg), cmp_reg);
	for (i = 0; i < d->nreg; i++)
		if (d->reg[i].n > 0)
			qsort(d->kec + d->reg[i].first, d->reg[i].n, sizeof(*d->kec),
			      cmp_kec_need);
	if (d->ndesa > 0)
		qsort(d->desa, d->ndesa, sizeof(*d->desa), cmp_desa_need);
	return 0;
}

static void
data_free(struct report_data *d)
{
	free(d->kec);
	free(d->desa);
	free(d->reg);
}

/* The desa of one regency, with their recordings of the last 30 days. */
static int
load_desa(sqlite3 *db, const struct report_opts *o, struct report_data *d, struct ktp_err *err)
{
	int64_t today = day_of(o->now), lo = (int64_t)o->regency * 1000000;
	int64_t b_desa[2] = { lo, lo + 999999 };
	int64_t b_rec[4] = { today - (PROGRESS_LONG_DAYS - 1), today, lo, lo + 999999 };
	int r;

	if ((r = query(db, "SELECT desa, " "persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded,"
		       " pemula_unrecorded FROM agg_desa WHERE desa BETWEEN ?1 AND ?2"
		       " AND (persons != 0 OR on_dpt != 0 OR recorded != 0) ORDER BY desa",
		       b_desa, 2, add_desa, d, err)) < 0)
		return r;
	return query(db, "SELECT desa, sum(n) FROM rec_daily_desa WHERE day BETWEEN ?1 AND ?2"
		     " AND desa BETWEEN ?3 AND ?4 GROUP BY desa", b_rec, 4, add_desa_rec, d, err);
}

static int
load(struct store *s, const struct report_opts *o, struct report_data *d, struct ktp_err *err)
{
	int64_t today = day_of(o->now);
	int64_t kec_lo = (int64_t)o->province * 10000, reg_lo = (int64_t)o->province * 100;
	int64_t b_kec[2] = { kec_lo, kec_lo + 9999 };
	int64_t b_rec[5] = { today - (PROGRESS_LONG_DAYS - 1), today, kec_lo, kec_lo + 9999,
			     today - (PROGRESS_SHORT_DAYS - 1) };
	int64_t b_node[2] = { reg_lo, reg_lo + 99 };
	sqlite3 *db = store_db(s);
	int r;

	memset(d, 0, sizeof(*d));
	if (o->level == REPORT_LEVEL_DESA && o->regency == 0)
		return ktp_err_set(err, -EINVAL, "level: desa needs regency=CODE");
	if ((r = query(db, "SELECT kecamatan, persons, wajib_ktp, on_dpt, recorded,"
		       " dpt_unrecorded, pemula_unrecorded FROM aggregates"
		       " WHERE kecamatan BETWEEN ?1 AND ?2"
		       " AND (persons != 0 OR on_dpt != 0 OR recorded != 0) ORDER BY kecamatan",
		       b_kec, 2, add_kec, d, err)) < 0 ||
	    (r = query(db, "SELECT kecamatan, sum(n), sum(CASE WHEN day >= ?5 THEN n ELSE 0 END)"
		       " FROM rec_daily WHERE day BETWEEN ?1 AND ?2"
		       " AND kecamatan BETWEEN ?3 AND ?4 GROUP BY kecamatan", b_rec, 5,
		       add_rec, d, err)) < 0 ||
	    (r = query(db, "SELECT code, acked, head, last_push, last_seen FROM nodes"
		       " WHERE code BETWEEN ?1 AND ?2", b_node, 2, add_node, d, err)) < 0 ||
	    (r = add_listed(o, d, err)) < 0 ||
	    (o->level == REPORT_LEVEL_DESA && (r = load_desa(db, o, d, err)) < 0))
		goto fail;
	if ((r = group(d)) < 0) {
		ktp_err_set(err, r, "report: out of memory");
		goto fail;
	}
	return 0;
fail:
	data_free(d);
	return r;
}

/* The province: on track only when every regency it lists has data and is
 * on track, whatever its own sums say. */
static void
province_figure(const struct report_data *d, const struct report_opts *o, struct figures *ret,
		int64_t *ret_without)
{
	struct figures f;
	bool has_data = false, all = true;
	size_t i;

	*ret_without = 0;
	for (i = 0; i < d->nreg; i++) {
		const struct reg_row *g = &d->reg[i];

		if (!reg_has_data(g)) {
			(*ret_without)++;
			all = false;
			continue;
		}
		has_data = true;
		figure(&g->c, g->rec30, g->rec7, true, o, &f);
		all = all && f.on_track;
	}
	figure(&d->prov, d->prov30, d->prov7, has_data, o, ret);
	ret->on_track = ret->on_track && all;
}

static json_t *
date_or_null(uint32_t ymd)
{
	char date[11];

	if (ymd == 0)
		return json_null();
	ymd_text(ymd, date);
	return json_string(date);
}

/* An unknown (null) where the row has no data. */
static json_t *
known_int(const struct figures *f, int64_t v)
{
	return f->has_data ? json_integer(v) : json_null();
}

static int
set_fields(json_t *obj, const struct aggregate_counts *c, int64_t rec30, int64_t rec7,
	   const struct figures *f)
{
	const char *basis = progress_basis_name(f->p.basis);

	if (json_object_set_new(obj, "persons", json_integer(c->persons)) < 0 ||
	    json_object_set_new(obj, "wajib_ktp", json_integer(c->wajib_ktp)) < 0 ||
	    json_object_set_new(obj, "on_dpt", json_integer(c->on_dpt)) < 0 ||
	    json_object_set_new(obj, "recorded", json_integer(c->recorded)) < 0 ||
	    json_object_set_new(obj, "dpt_unrecorded", known_int(f, c->dpt_unrecorded)) < 0 ||
	    json_object_set_new(obj, "recorded_30d", json_integer(rec30)) < 0 ||
	    json_object_set_new(obj, "rate_per_day", json_real(f->p.rate_30d)) < 0 ||
	    json_object_set_new(obj, "projected_completion", date_or_null(f->p.projected)) < 0 ||
	    json_object_set_new(obj, "on_track",
				f->has_data ? json_boolean(f->on_track) : json_null()) < 0 ||
	    json_object_set_new(obj, "pemula_unrecorded", known_int(f, c->pemula_unrecorded)) < 0 ||
	    json_object_set_new(obj, "recorded_7d", json_integer(rec7)) < 0 ||
	    json_object_set_new(obj, "rate_per_day_7d", json_real(f->p.rate_7d)) < 0 ||
	    json_object_set_new(obj, "projected_completion_30d",
				date_or_null(f->p.projected_30d)) < 0 ||
	    json_object_set_new(obj, "projected_completion_7d",
				date_or_null(f->p.projected_7d)) < 0 ||
	    json_object_set_new(obj, "projection_basis",
				basis != NULL ? json_string(basis) : json_null()) < 0 ||
	    json_object_set_new(obj, "has_data", json_boolean(f->has_data)) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *
name_json(const char *name)
{
	return name != NULL ? json_string(name) : json_null();
}

static json_t *
desa_json(const struct desa_row *k, const struct report_opts *o)
{
	char code[16];

	snprintf(code, sizeof(code), "%010llu", (unsigned long long)k->code);
	return json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "code", code,
			 "name", name_json(area_name(o->areas, AREA_DESA, k->code)),
			 "persons", (json_int_t)k->c.persons, "on_dpt", (json_int_t)k->c.on_dpt,
			 "recorded", (json_int_t)k->c.recorded,
			 "dpt_unrecorded", (json_int_t)k->c.dpt_unrecorded,
			 "pemula_unrecorded", (json_int_t)k->c.pemula_unrecorded,
			 "recorded_30d", (json_int_t)k->rec30);
}

/* The desa rows of kecamatan kec: d->desa[*ret_first .. + n), by need. */
static size_t
desa_of(const struct report_data *d, uint32_t kec, size_t *ret_first)
{
	size_t i, n = 0;

	*ret_first = 0;
	for (i = 0; i < d->ndesa; i++) {
		if (d->desa[i].code / 10000 != kec)
			continue;
		if (n++ == 0)
			*ret_first = i;
	}
	return n;
}

static int
set_desa(json_t *obj, const struct report_data *d, const struct kec_row *k,
	 const struct report_opts *o)
{
	size_t first, n = desa_of(d, k->code, &first), i;
	json_t *arr = json_array();

	if (arr == NULL || json_object_set_new(obj, "desa", arr) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, desa_json(&d->desa[first + i], o)) < 0)
			return -ENOMEM;
	return 0;
}

static json_t *
kec_json(const struct report_data *d, const struct kec_row *k, const struct report_opts *o)
{
	struct figures f;
	char code[8];
	json_t *obj;

	snprintf(code, sizeof(code), "%06u", k->code);
	figure(&k->c, k->rec30, k->rec7, true, o, &f);
	obj = json_pack("{s:s, s:o}", "code", code,
			"name", name_json(area_name(o->areas, AREA_KECAMATAN, k->code)));
	if (obj == NULL || set_fields(obj, &k->c, k->rec30, k->rec7, &f) < 0 ||
	    (o->level == REPORT_LEVEL_DESA && set_desa(obj, d, k, o) < 0)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* A configured [node CODE] name wins over the code table's. */
static const char *
regency_name(const struct report_opts *o, uint16_t code)
{
	const char *name = o->regency_name != NULL ? o->regency_name(code, o->arg) : NULL;

	return name != NULL ? name : area_name(o->areas, AREA_REGENCY, code);
}

static int
set_freshness(json_t *obj, const struct reg_row *g)
{
	/* Liveness: last_contact is any authenticated push or heartbeat, last_data
	 * the last push that applied versions (last_sync, kept as it was). */
	if (json_object_set_new(obj, "last_sync", store_json_time(g->last_push)) < 0 ||
	    json_object_set_new(obj, "last_contact", store_json_time(g->last_seen)) < 0 ||
	    json_object_set_new(obj, "last_data", store_json_time(g->last_push)) < 0 ||
	    json_object_set_new(obj, "acked", json_integer((json_int_t)g->acked)) < 0 ||
	    json_object_set_new(obj, "pending",
				json_integer(g->head > g->acked ? (json_int_t)(g->head - g->acked)
				: 0)) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *
reg_json(const struct report_data *d, const struct reg_row *g, const struct report_opts *o)
{
	const char *name = regency_name(o, g->code);
	struct figures f;
	json_t *obj, *arr;
	char code[8];
	size_t i;

	snprintf(code, sizeof(code), "%04u", g->code);
	figure(&g->c, g->rec30, g->rec7, reg_has_data(g), o, &f);
	obj = json_pack("{s:s, s:o}", "code", code, "name", name_json(name));
	if (obj == NULL || set_fields(obj, &g->c, g->rec30, g->rec7, &f) < 0 ||
	    set_freshness(obj, g) < 0)
		goto fail;
	if ((arr = json_array()) == NULL || json_object_set_new(obj, "kecamatan", arr) < 0)
		goto fail;
	for (i = 0; i < g->n; i++)
		if (json_array_append_new(arr, kec_json(d, &d->kec[g->first + i], o)) < 0)
			goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *
province_json(const struct report_data *d, const struct report_opts *o)
{
	struct figures f;
	int64_t without;
	json_t *obj, *arr;
	char code[4];
	size_t i;

	snprintf(code, sizeof(code), "%02u", o->province);
	province_figure(d, o, &f, &without);
	obj = json_pack("{s:s, s:o}", "code", code,
			"name", name_json(area_name(o->areas, AREA_PROVINCE, o->province)));
	if (obj == NULL || set_fields(obj, &d->prov, d->prov30, d->prov7, &f) < 0 ||
	    json_object_set_new(obj, "regencies_without_data", json_integer(without)) < 0)
		goto fail;
	if ((arr = json_array()) == NULL || json_object_set_new(obj, "regencies", arr) < 0)
		goto fail;
	for (i = 0; i < d->nreg; i++) {
		if (o->regency != 0 && d->reg[i].code != o->regency)
			continue;
		if (json_array_append_new(arr, reg_json(d, &d->reg[i], o)) < 0)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

int
report_json(struct store *s, const struct report_opts *o, json_t **ret, struct ktp_err *err)
{
	struct report_data d;
	char now[21], elec[11];
	json_t *root;
	int r;

	if ((r = load(s, o, &d, err)) < 0)
		return r;
	time_text(o->now, now);
	ymd_text(o->election_date, elec);
	root = json_pack("{s:s, s:o, s:b, s:o}", "generated_at", now,
			 "election_date", o->election_date ? json_string(elec) : json_null(),
			 "election_passed",
			 progress_election_passed(o->election_date, o->now, o->tz_offset_s),
			 "province", province_json(&d, o));
	data_free(&d);
	if (root == NULL)
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	*ret = root;
	return 0;
}

/* --- The view the pages render from ---
 * The same rows and figures as report_json, field for field: a count
 * report_json writes as null is a count not known here. */

/* A date as report_json writes it and a reader parses it back ("%04u-"):
 * the year is its last four digits. */
static uint32_t
shown_ymd(uint32_t ymd)
{
	return ymd / 10000 % 10000 * 10000 + ymd % 10000;
}

static int
view_name(struct report_area *a, const char *name)
{
	if (name == NULL)
		return 0;
	return (a->name = strdup(name)) != NULL ? 0 : -ENOMEM;
}

static void
view_fields(struct report_area *a, const struct aggregate_counts *c, int64_t rec30,
	    const struct figures *f)
{
	a->has_data = f->has_data;
	a->dpt_unrecorded = (struct report_count){ c->dpt_unrecorded, f->has_data };
	a->pemula_unrecorded = (struct report_count){ c->pemula_unrecorded, f->has_data };
	a->recorded_30d = (struct report_count){ rec30, true };
	a->on_dpt = (struct report_count){ c->on_dpt, true };
	a->track = !f->has_data ? REPORT_TRACK_UNKNOWN :
		   f->on_track ? REPORT_TRACK_OK : REPORT_TRACK_LATE;
	a->projected = shown_ymd(f->p.projected);
	a->projected_30d = shown_ymd(f->p.projected_30d);
	a->projected_7d = shown_ymd(f->p.projected_7d);
	a->has_30d = a->has_7d = true;
	a->basis = f->p.basis;
}

/* n zeroed areas, counted at once so that report_area_done frees a half-filled list. */
static int
view_subs(struct report_area *a, size_t n)
{
	if (n == 0)
		return 0;
	if ((a->sub = calloc(n, sizeof(*a->sub))) == NULL)
		return -ENOMEM;
	a->n_sub = n;
	return 0;
}

static int
view_desa(struct report_area *a, const struct desa_row *k, const struct report_opts *o)
{
	snprintf(a->code, sizeof(a->code), "%010llu", (unsigned long long)k->code);
	a->has_data = true;
	a->dpt_unrecorded = (struct report_count){ k->c.dpt_unrecorded, true };
	a->pemula_unrecorded = (struct report_count){ k->c.pemula_unrecorded, true };
	a->recorded_30d = (struct report_count){ k->rec30, true };
	a->on_dpt = (struct report_count){ k->c.on_dpt, true };
	return view_name(a, area_name(o->areas, AREA_DESA, k->code));
}

static int
view_kec(struct report_area *a, const struct report_data *d, const struct kec_row *k,
	 const struct report_opts *o)
{
	size_t first, n = 0, i;
	struct figures f;
	int r;

	snprintf(a->code, sizeof(a->code), "%06u", k->code);
	figure(&k->c, k->rec30, k->rec7, true, o, &f);
	view_fields(a, &k->c, k->rec30, &f);
	if ((r = view_name(a, area_name(o->areas, AREA_KECAMATAN, k->code))) < 0)
		return r;
	if (o->level == REPORT_LEVEL_DESA)
		n = desa_of(d, k->code, &first);
	if ((r = view_subs(a, n)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = view_desa(&a->sub[i], &d->desa[first + i], o)) < 0)
			return r;
	return 0;
}

static int
view_reg(struct report_area *a, const struct report_data *d, const struct reg_row *g,
	 const struct report_opts *o)
{
	struct figures f;
	size_t i;
	int r;

	snprintf(a->code, sizeof(a->code), "%04u", g->code);
	figure(&g->c, g->rec30, g->rec7, reg_has_data(g), o, &f);
	view_fields(a, &g->c, g->rec30, &f);
	a->last_contact = g->last_seen > 0 ? g->last_seen : 0;
	a->last_data = g->last_push > 0 ? g->last_push : 0;
	a->last_sync = a->last_data;
	a->acked = (int64_t)g->acked;
	a->pending = g->head > g->acked ? (int64_t)(g->head - g->acked) : 0;
	if ((r = view_name(a, regency_name(o, g->code))) < 0 || (r = view_subs(a, g->n)) < 0)
		return r;
	for (i = 0; i < g->n; i++)
		if ((r = view_kec(&a->sub[i], d, &d->kec[g->first + i], o)) < 0)
			return r;
	return 0;
}

static int
view_province(struct report_view *v, const struct report_data *d, const struct report_opts *o)
{
	struct report_area *a = &v->province;
	struct figures f;
	int64_t without;
	size_t i;
	int r;

	snprintf(a->code, sizeof(a->code), "%02u", o->province);
	province_figure(d, o, &f, &without);
	view_fields(a, &d->prov, d->prov30, &f);
	v->regencies_without_data = (struct report_count){ without, true };
	v->election_passed_known = true;
	v->election_passed = progress_election_passed(o->election_date, o->now, o->tz_offset_s);
	if ((r = view_name(a, area_name(o->areas, AREA_PROVINCE, o->province))) < 0 ||
	    (r = view_subs(a, d->nreg)) < 0)
		return r;
	/* Only o->regency's when one is asked for: the rest stay zeroed, uncounted. */
	a->n_sub = 0;
	for (i = 0; i < d->nreg; i++) {
		if (o->regency != 0 && d->reg[i].code != o->regency)
			continue;
		if ((r = view_reg(&a->sub[a->n_sub++], d, &d->reg[i], o)) < 0)
			return r;
	}
	return 0;
}

int
report_view_new(struct store *s, const struct report_opts *o, struct report_view **ret,
		struct ktp_err *err)
{
	struct report_data d;
	struct report_view *v;
	int r;

	if ((r = load(s, o, &d, err)) < 0)
		return r;
	if ((v = calloc(1, sizeof(*v))) == NULL || view_province(v, &d, o) < 0) {
		report_view_free(v);
		data_free(&d);
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	}
	data_free(&d);
	*ret = v;
	return 0;
}

void
report_area_done(struct report_area *a)
{
	size_t i;

	for (i = 0; i < a->n_sub; i++)
		report_area_done(&a->sub[i]);
	free(a->sub);
	free(a->name);
	a->sub = NULL;
	a->name = NULL;
	a->n_sub = 0;
}

void
report_view_free(struct report_view *v)
{
	if (v == NULL)
		return;
	report_area_done(&v->province);
	free(v);
}

/* --- CSV ---
 *
 * lang=en: RFC 4180, "," and "3.33", levels and booleans in English.
 * lang=id: what a spreadsheet in an Indonesian locale reads: a UTF-8 BOM,
 * ";" between cells, decimal commas, Indonesian levels and ya/tidak.
 */

struct csv {
	FILE			*f;
	char			sep;
	bool			id;
	int32_t			tz_offset_s;	/* lang=id: times on the hub's wall clock */
	const char		*tz_abbr;
};


static const char *const LEVEL_NAMES[2][4] = {
	{ "province", "regency", "kecamatan", "desa" },
	{ "provinsi", "kabupaten", "kecamatan", "desa" },
};

/* Each cell is written after its separator: the level cell has none. */
static void
csv_cell(const struct csv *c, const char *text)
{
	fputc(c->sep, c->f);
	if (text != NULL)
		fputs(text, c->f);
}

static void
csv_int(const struct csv *c, int64_t v)
{
	fprintf(c->f, "%c%lld", c->sep, (long long)v);
}

static void
csv_rate(const struct csv *c, double v)
{
	char buf[32], *dot;

	snprintf(buf, sizeof(buf), "%.2f", v);
	if (c->id && (dot = strchr(buf, '.')) != NULL)
		*dot = ',';
	csv_cell(c, buf);
}

static void
csv_bool(const struct csv *c, bool v)
{
	csv_cell(c, c->id ? (v ? "ya" : "tidak") : (v ? "true" : "false"));
}

/* A time cell: ISO 8601 UTC in the English form (as in JSON); in the
 * spreadsheet form the hub's local time, labelled ("2026-11-18 17:06:40 WIB"). */
static void
csv_time(const struct csv *c, int64_t t)
{
	time_t tt = (time_t)t + (c->id ? c->tz_offset_s : 0);
	char out[48] = "";
	struct tm tm;

	if (t > 0 && gmtime_r(&tt, &tm) != NULL) {
		if (!c->id)
			strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
		else if (strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) > 0)
			snprintf(out + 19, sizeof(out) - 19, " %s",
				 c->tz_abbr && c->tz_abbr[0] ? c->tz_abbr : "UTC");
	}
	csv_cell(c, out);
}

static void
csv_date(const struct csv *c, uint32_t ymd)
{
	char date[11];

	ymd_text(ymd, date);
	csv_cell(c, ymd ? date : NULL);
}

static void
csv_head(const struct csv *c, int level, const char *code, const char *name)
{
	fputs(LEVEL_NAMES[c->id][level], c->f);
	csv_cell(c, code);
	fputc(c->sep, c->f);
	csvout_text(c->f, name, c->sep);
}

static void
csv_row(const struct csv *c, int level, const char *code, const char *name,
	const struct aggregate_counts *k, int64_t rec30, int64_t rec7, const struct figures *f,
	const struct reg_row *g)
{
	csv_head(c, level, code, name);
	csv_int(c, k->persons);
	csv_int(c, k->wajib_ktp);
	csv_int(c, k->on_dpt);
	csv_int(c, k->recorded);
	if (f->has_data)
		csv_int(c, k->dpt_unrecorded);
	else
		csv_cell(c, NULL);
	csv_int(c, rec30);
	csv_rate(c, f->p.rate_30d);
	csv_date(c, f->p.projected);
	if (f->has_data)
		csv_bool(c, f->on_track);
	else
		csv_cell(c, NULL);
	if (g != NULL) {
		csv_time(c, g->last_push);
		csv_int(c, (int64_t)g->acked);
		csv_int(c, (int64_t)(g->head > g->acked ? g->head - g->acked : 0));
	} else {
		fprintf(c->f, "%c%c%c", c->sep, c->sep, c->sep);
	}
	if (f->has_data)
		csv_int(c, k->pemula_unrecorded);
	else
		csv_cell(c, NULL);
	csv_int(c, rec7);
	csv_rate(c, f->p.rate_7d);
	csv_date(c, f->p.projected_7d);
	csv_cell(c, progress_basis_name(f->p.basis));
	csv_bool(c, f->has_data);
	if (g != NULL) {
		csv_time(c, g->last_seen);
		csv_time(c, g->last_push);
	} else {
		fprintf(c->f, "%c%c", c->sep, c->sep);
	}
	fputs("\r\n", c->f);
}

/* A desa row has the desa fields of the JSON; the other cells are empty. */
static void
csv_desa(const struct csv *c, const struct desa_row *k, const struct report_opts *o)
{
	char code[16];

	snprintf(code, sizeof(code), "%010llu", (unsigned long long)k->code);
	csv_head(c, 3, code, area_name(o->areas, AREA_DESA, k->code));
	csv_int(c, k->c.persons);
	csv_cell(c, NULL);
	csv_int(c, k->c.on_dpt);
	csv_int(c, k->c.recorded);
	csv_int(c, k->c.dpt_unrecorded);
	csv_int(c, k->rec30);
	fprintf(c->f, "%c%c%c%c%c%c", c->sep, c->sep, c->sep, c->sep, c->sep, c->sep);
	csv_int(c, k->c.pemula_unrecorded);
	fprintf(c->f, "%c%c%c%c%c%c%c\r\n", c->sep, c->sep, c->sep, c->sep, c->sep, c->sep,
		c->sep);
}

static void
csv_regency(const struct csv *c, const struct report_data *d, const struct reg_row *g,
	    const struct report_opts *o)
{
	struct figures f;
	size_t i, j, first, n;
	char code[8];

	snprintf(code, sizeof(code), "%04u", g->code);
	figure(&g->c, g->rec30, g->rec7, reg_has_data(g), o, &f);
	csv_row(c, 1, code, regency_name(o, g->code), &g->c, g->rec30, g->rec7, &f, g);
	for (i = 0; i < g->n; i++) {
		const struct kec_row *k = &d->kec[g->first + i];

		snprintf(code, sizeof(code), "%06u", k->code);
		figure(&k->c, k->rec30, k->rec7, true, o, &f);
		csv_row(c, 2, code, area_name(o->areas, AREA_KECAMATAN, k->code), &k->c, k->rec30,
			k->rec7, &f, NULL);
		if (o->level != REPORT_LEVEL_DESA)
			continue;
		n = desa_of(d, k->code, &first);
		for (j = 0; j < n; j++)
			csv_desa(c, &d->desa[first + j], o);
	}
}

int
report_csv(struct store *s, const struct report_opts *o, char **ret, size_t *ret_len,
	   struct ktp_err *err)
{
	struct csv c = { .sep = o->lang == REPORT_LANG_ID ? ';' : ',',
			 .id = o->lang == REPORT_LANG_ID, .tz_offset_s = o->tz_offset_s,
			 .tz_abbr = o->tz_abbr };
	struct report_data d;
	struct figures f;
	int64_t without;
	char *buf = NULL;
	size_t len = 0, i;
	char code[4];
	int r;

	if ((r = load(s, o, &d, err)) < 0)
		return r;
	if ((c.f = open_memstream(&buf, &len)) == NULL) {
		data_free(&d);
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	}
	fputs(c.id ? "\xef\xbb\xbf" REPORT_CSV_HEADER_ID "\r\n" : REPORT_CSV_HEADER "\r\n", c.f);
	snprintf(code, sizeof(code), "%02u", o->province);
	province_figure(&d, o, &f, &without);
	csv_row(&c, 0, code, area_name(o->areas, AREA_PROVINCE, o->province), &d.prov, d.prov30,
		d.prov7, &f, NULL);
	for (i = 0; i < d.nreg; i++)
		if (o->regency == 0 || d.reg[i].code == o->regency)
			csv_regency(&c, &d, &d.reg[i], o);
	data_free(&d);
	if (fclose(c.f) != 0 || buf == NULL) {
		free(buf);
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* --- weekly recordings --- */

/* Adds the recordings of days week0 .. today in [lo, hi] into n[week]. */
static int
sum_weeks(struct store *s, int64_t week0, int64_t today, int64_t lo, int64_t hi, int64_t *n,
	  struct ktp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = db_prepare(store_db(s), "SELECT day, sum(n) FROM rec_daily WHERE day BETWEEN"
			    " ?1 AND ?2 AND kecamatan BETWEEN ?3 AND ?4 GROUP BY day", &st,
			    err)) < 0)
		return r;
	sqlite3_bind_int64(st, 1, week0);
	sqlite3_bind_int64(st, 2, today);
	sqlite3_bind_int64(st, 3, lo);
	sqlite3_bind_int64(st, 4, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		n[(sqlite3_column_int64(st, 0) - week0) / 7] += sqlite3_column_int64(st, 1);
	r = rc == SQLITE_DONE ? 0 : db_err(store_db(s), rc, "report: weekly", err);
	sqlite3_finalize(st);
	return r;
}

int
report_weekly(struct store *s, const struct report_opts *o, unsigned weeks,
	      struct report_week **ret, struct ktp_err *err)
{
	int64_t today = day_of(o->now);
	/* Weeks start on Monday; 1970-01-01 was a Thursday. */
	int64_t week0 = today - ((today % 7 + 7 + 3) % 7) - 7 * ((int64_t)weeks - 1);
	int64_t lo = o->regency ? (int64_t)o->regency * 100 : (int64_t)o->province * 10000;
	struct report_week *w = NULL;
	int64_t *n = NULL;
	unsigned i;
	int r;

	if (weeks == 0 || weeks > 520)
		return ktp_err_set(err, -EINVAL, "report: weeks: %u not in 1..520", weeks);
	if ((n = calloc(weeks, sizeof(*n))) == NULL || (w = calloc(weeks, sizeof(*w))) == NULL) {
		r = ktp_err_set(err, -ENOMEM, "report: out of memory");
		goto fail;
	}
	if ((r = sum_weeks(s, week0, today, lo, lo + (o->regency ? 99 : 9999), n, err)) < 0)
		goto fail;
	for (i = 0; i < weeks; i++) {
		w[i].week_start = calendar_ymd(week0 + 7 * (int64_t)i);
		w[i].recorded = n[i];
	}
	free(n);
	*ret = w;
	return 0;
fail:
	free(n);
	free(w);
	return r;
}
