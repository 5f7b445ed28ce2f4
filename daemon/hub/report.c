/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "calendar.h"
#include "db.h"
#include "err.h"
#include "report.h"
#include "store.h"

/*
 * A report reads only the aggregate tables (a few hundred kecamatan rows),
 * the recordings of the last 30 days (30 days x kecamatan rows of
 * rec_daily) and the node cursors; it never touches the person rows, so its
 * cost does not grow with the number of persons.
 *
 * Days are UTC days since 1970-01-01, as rec_daily stores them. "The last 30
 * days" are today and the 29 days before it.
 */

#define RATE_DAYS 30

struct kec_row {
	uint32_t		code;
	struct aggregate_counts	c;
	int64_t			rec30;
};

struct reg_row {
	uint16_t		code;
	struct aggregate_counts	c;
	int64_t			rec30;
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
	struct reg_row		*reg;
	size_t			nreg;
	struct aggregate_counts	prov;
	int64_t			prov30;
};

static int64_t
day_of(int64_t t)
{
	return t >= 0 ? t / AGGREGATE_DAY_S : -((-t + AGGREGATE_DAY_S - 1) / AGGREGATE_DAY_S);
}

uint32_t
report_projected_completion(uint64_t remaining, double rate_per_day, int64_t now)
{
	int64_t today = day_of(now);
	double days;

	if (remaining == 0)
		return calendar_ymd(today);
	if (!(rate_per_day > 0))
		return 0;
	/* The epsilon keeps 10 / (10 / 30.0) at 30 days, not 31. */
	days = ceil((double)remaining / rate_per_day - 1e-9);
	if (days > 365.0 * 1000)
		days = 365.0 * 1000;
	return calendar_ymd(today + (int64_t)days);
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

/* The derived fields of one row: rate, projection and whether it is on track. */
struct derived {
	double		rate;		/* per day, rounded to 2 decimals */
	uint32_t	projected;	/* YYYYMMDD, 0 = never */
	bool		on_track;
};

static void
derive(const struct aggregate_counts *c, int64_t rec30, const struct report_opts *o,
       struct derived *ret)
{
	double rate = (double)rec30 / RATE_DAYS;
	uint64_t remaining = c->dpt_unrecorded > 0 ? (uint64_t)c->dpt_unrecorded : 0;

	ret->rate = round(rate * 100) / 100;
	/* Nobody known yet (an enrolled regency that never sent anything) is no
	 * evidence of being done: no projection, not on track. */
	ret->projected = c->persons > 0 ? report_projected_completion(remaining, rate, o->now) : 0;
	ret->on_track = ret->projected != 0 && o->election_date != 0 &&
			ret->projected <= o->election_date;
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

static int
add_kec(sqlite3_stmt *st, struct report_data *d)
{
	struct kec_row *k;

	if (d->nkec == d->kcap) {
		if ((k = realloc(d->kec, (2 * d->kcap + 64) * sizeof(*k))) == NULL)
			return -ENOMEM;
		d->kec = k;
		d->kcap = 2 * d->kcap + 64;
	}
	k = &d->kec[d->nkec++];
	memset(k, 0, sizeof(*k));
	k->code = (uint32_t)sqlite3_column_int64(st, 0);
	k->c.persons = sqlite3_column_int64(st, 1);
	k->c.wajib_ktp = sqlite3_column_int64(st, 2);
	k->c.on_dpt = sqlite3_column_int64(st, 3);
	k->c.recorded = sqlite3_column_int64(st, 4);
	k->c.dpt_unrecorded = sqlite3_column_int64(st, 5);
	return 0;
}

static int
cmp_kec_code(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = ((const struct kec_row *)b)->code;

	return x < y ? -1 : x > y;
}

static int
add_rec30(sqlite3_stmt *st, struct report_data *d)
{
	uint32_t code = (uint32_t)sqlite3_column_int64(st, 0);
	struct kec_row *k;

	/* Recordings without a live person in the kecamatan cannot exist. */
	if (d->nkec == 0)
		return 0;
	k = bsearch(&code, d->kec, d->nkec, sizeof(*d->kec), cmp_kec_code);
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
		aggregate_counts_add(&d->prov, &d->kec[i].c);
		d->prov30 += d->kec[i].rec30;
	}
	if (d->nreg > 0)
		qsort(d->reg, d->nreg, sizeof(*d->reg), cmp_reg);
	for (i = 0; i < d->nreg; i++)
		if (d->reg[i].n > 0)
			qsort(d->kec + d->reg[i].first, d->reg[i].n, sizeof(*d->kec),
			      cmp_kec_need);
	return 0;
}

static void
data_free(struct report_data *d)
{
	free(d->kec);
	free(d->reg);
}

static int
load(struct store *s, const struct report_opts *o, struct report_data *d, struct ktp_err *err)
{
	int64_t today = day_of(o->now);
	int64_t kec_lo = (int64_t)o->province * 10000, reg_lo = (int64_t)o->province * 100;
	int64_t b_kec[2] = { kec_lo, kec_lo + 9999 };
	int64_t b_rec[4] = { today - (RATE_DAYS - 1), today, kec_lo, kec_lo + 9999 };
	int64_t b_node[2] = { reg_lo, reg_lo + 99 };
	sqlite3 *db = store_db(s);
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = query(db, "SELECT kecamatan, persons, wajib_ktp, on_dpt, recorded,"
		       " dpt_unrecorded FROM aggregates WHERE kecamatan BETWEEN ?1 AND ?2"
		       " AND (persons != 0 OR on_dpt != 0 OR recorded != 0) ORDER BY kecamatan",
		       b_kec, 2, add_kec, d, err)) < 0 ||
	    (r = query(db, "SELECT kecamatan, sum(n) FROM rec_daily WHERE day BETWEEN ?1 AND ?2"
		       " AND kecamatan BETWEEN ?3 AND ?4 GROUP BY kecamatan", b_rec, 4,
		       add_rec30, d, err)) < 0 ||
	    (r = query(db, "SELECT code, acked, head, last_push, last_seen FROM nodes"
		       " WHERE code BETWEEN ?1 AND ?2", b_node, 2, add_node, d, err)) < 0 ||
	    (r = add_listed(o, d, err)) < 0)
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

static int
set_fields(json_t *obj, const struct aggregate_counts *c, int64_t rec30,
	   const struct report_opts *o)
{
	struct derived dv;
	char date[11];

	derive(c, rec30, o, &dv);
	ymd_text(dv.projected, date);
	if (json_object_set_new(obj, "persons", json_integer(c->persons)) < 0 ||
	    json_object_set_new(obj, "wajib_ktp", json_integer(c->wajib_ktp)) < 0 ||
	    json_object_set_new(obj, "on_dpt", json_integer(c->on_dpt)) < 0 ||
	    json_object_set_new(obj, "recorded", json_integer(c->recorded)) < 0 ||
	    json_object_set_new(obj, "dpt_unrecorded", json_integer(c->dpt_unrecorded)) < 0 ||
	    json_object_set_new(obj, "recorded_30d", json_integer(rec30)) < 0 ||
	    json_object_set_new(obj, "rate_per_day", json_real(dv.rate)) < 0 ||
	    json_object_set_new(obj, "projected_completion",
				dv.projected ? json_string(date) : json_null()) < 0 ||
	    json_object_set_new(obj, "on_track", json_boolean(dv.on_track)) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *
kec_json(const struct kec_row *k, const struct report_opts *o)
{
	char code[8];
	json_t *obj;

	snprintf(code, sizeof(code), "%06u", k->code);
	obj = json_pack("{s:s}", "code", code);
	if (obj == NULL || set_fields(obj, &k->c, k->rec30, o) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static const char *
regency_name(const struct report_opts *o, uint16_t code)
{
	return o->regency_name != NULL ? o->regency_name(code, o->arg) : NULL;
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
	json_t *obj, *arr;
	char code[8];
	size_t i;

	snprintf(code, sizeof(code), "%04u", g->code);
	obj = json_pack("{s:s, s:o}", "code", code, "name", name ? json_string(name) : json_null());
	if (obj == NULL || set_fields(obj, &g->c, g->rec30, o) < 0 || set_freshness(obj, g) < 0)
		goto fail;
	if ((arr = json_array()) == NULL || json_object_set_new(obj, "kecamatan", arr) < 0)
		goto fail;
	for (i = 0; i < g->n; i++)
		if (json_array_append_new(arr, kec_json(&d->kec[g->first + i], o)) < 0)
			goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *
province_json(const struct report_data *d, const struct report_opts *o)
{
	json_t *obj, *arr;
	char code[4];
	size_t i;

	snprintf(code, sizeof(code), "%02u", o->province);
	obj = json_pack("{s:s}", "code", code);
	if (obj == NULL || set_fields(obj, &d->prov, d->prov30, o) < 0)
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
	root = json_pack("{s:s, s:o, s:o}", "generated_at", now,
			 "election_date", o->election_date ? json_string(elec) : json_null(),
			 "province", province_json(&d, o));
	data_free(&d);
	if (root == NULL)
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	*ret = root;
	return 0;
}

/* --- CSV --- */

/* RFC 4180: quoted when the value holds a comma, a quote or a line break. */
static void
csv_text(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_row(FILE *f, const char *level, const char *code, const char *name,
	const struct aggregate_counts *c, int64_t rec30, const struct reg_row *g,
	const struct report_opts *o)
{
	struct derived dv;
	char date[11] = "", t[21] = "";

	derive(c, rec30, o, &dv);
	if (dv.projected)
		ymd_text(dv.projected, date);
	fprintf(f, "%s,%s,", level, code);
	csv_text(f, name);
	fprintf(f, ",%lld,%lld,%lld,%lld,%lld,%lld,%.2f,%s,%s,", (long long)c->persons,
		(long long)c->wajib_ktp, (long long)c->on_dpt, (long long)c->recorded,
		(long long)c->dpt_unrecorded, (long long)rec30, dv.rate, date,
		dv.on_track ? "true" : "false");
	if (g == NULL) {
		fputs(",,\r\n", f);
		return;
	}
	time_text(g->last_push, t);
	fprintf(f, "%s,%llu,%llu\r\n", t, (unsigned long long)g->acked,
		(unsigned long long)(g->head > g->acked ? g->head - g->acked : 0));
}

static void
csv_regency(FILE *f, const struct report_data *d, const struct reg_row *g,
	    const struct report_opts *o)
{
	char code[8];
	size_t i;

	snprintf(code, sizeof(code), "%04u", g->code);
	csv_row(f, "regency", code, regency_name(o, g->code), &g->c, g->rec30, g, o);
	for (i = 0; i < g->n; i++) {
		const struct kec_row *k = &d->kec[g->first + i];

		snprintf(code, sizeof(code), "%06u", k->code);
		csv_row(f, "kecamatan", code, NULL, &k->c, k->rec30, NULL, o);
	}
}

int
report_csv(struct store *s, const struct report_opts *o, char **ret, size_t *ret_len,
	   struct ktp_err *err)
{
	struct report_data d;
	char *buf = NULL;
	size_t len = 0, i;
	char code[4];
	FILE *f;
	int r;

	if ((r = load(s, o, &d, err)) < 0)
		return r;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		data_free(&d);
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	}
	fputs(REPORT_CSV_HEADER "\r\n", f);
	snprintf(code, sizeof(code), "%02u", o->province);
	csv_row(f, "province", code, NULL, &d.prov, d.prov30, NULL, o);
	for (i = 0; i < d.nreg; i++)
		if (o->regency == 0 || d.reg[i].code == o->regency)
			csv_regency(f, &d, &d.reg[i], o);
	data_free(&d);
	if (fclose(f) != 0 || buf == NULL) {
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
report_weekly_json(struct store *s, const struct report_opts *o, unsigned weeks, json_t **ret,
		   struct ktp_err *err)
{
	int64_t today = day_of(o->now);
	/* Weeks start on Monday; 1970-01-01 was a Thursday. */
	int64_t week0 = today - ((today % 7 + 7 + 3) % 7) - 7 * ((int64_t)weeks - 1);
	int64_t lo = o->regency ? (int64_t)o->regency * 100 : (int64_t)o->province * 10000;
	int64_t *n = NULL;
	json_t *arr = NULL;
	char date[11];
	unsigned i;
	int r;

	if (weeks == 0 || weeks > 520)
		return ktp_err_set(err, -EINVAL, "report: weeks: %u not in 1..520", weeks);
	if ((n = calloc(weeks, sizeof(*n))) == NULL)
		return ktp_err_set(err, -ENOMEM, "report: out of memory");
	if ((r = sum_weeks(s, week0, today, lo, lo + (o->regency ? 99 : 9999), n, err)) < 0)
		goto out;
	r = -ENOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < weeks; i++) {
		ymd_text(calendar_ymd(week0 + 7 * (int64_t)i), date);
		if (json_array_append_new(arr, json_pack("{s:s, s:I}", "week_start", date,
							 "recorded", (json_int_t)n[i])) < 0)
			goto out;
	}
	*ret = arr;
	arr = NULL;
	r = 0;
out:
	if (r == -ENOMEM)
		ktp_err_set(err, r, "report: out of memory");
	json_decref(arr);
	free(n);
	return r;
}
