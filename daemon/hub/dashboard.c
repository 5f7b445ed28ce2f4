/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dashboard.h"
#include "err.h"
#include "nik.h"

/* Freshness thresholds from the provincial staff's point of view: data older
 * than an hour is worth a look (amber), older than a day is stale (red). */
#define FRESH_AMBER_S	3600
#define FRESH_RED_S	86400

enum label {
	L_TITLE, L_PROVINCE, L_ELECTION, L_DAYS_LEFT, L_DPT_UNRECORDED, L_ON_TRACK, L_LATE,
	L_REGENCY, L_KECAMATAN, L_RECORDED_30D, L_PROGRESS, L_PROJECTED, L_FRESHNESS, L_NEVER,
	L_NO_PROJECTION, L_REGENCIES_CAPTION, L_KECAMATAN_CAPTION, L_BACK, L_CSV, L_SYNC,
	L_ACKED, L_PENDING, L_LAST_ERROR, L_CHART, L_WEEK_OF, L_ON_DPT, L_UPDATED, L_AGO,
	L_MIN, L_HOUR, L_DAY, L_LOGIN, L_TOKEN,
	L_LOGIN_BUTTON, L_LOGIN_FAILED, L_NONE, L_LANG_OTHER, L_JUST_NOW, L_CHART_MAX, L_NO_DATA,
	L_COUNT
};

/* Labels are HTML written as is (constants, never user data): <wbr> lets a
 * long header break on a phone. */
static const char *const labels[2][L_COUNT] = {
	[DASHBOARD_LANG_ID] = {
		"Perekaman e-KTP", "Provinsi", "Hari pemungutan suara", "hari lagi",
		"DPT belum rekam", "sesuai jadwal", "terlambat", "Kabupaten/<wbr>kota", "Kecamatan",
		"Rekam 30 hari", "Kemajuan (rekam dari DPT)", "Perkiraan selesai",
		"Data terakhir", "belum pernah", "tidak ada perekaman",
		"Pemilih DPT yang belum merekam e-KTP per kabupaten/kota",
		"Kecamatan, urut dari DPT belum rekam terbanyak (sasaran jemput bola)",
		"Kembali ke provinsi", "Unduh CSV", "Sinkronisasi", "Versi diterima",
		"Tertunda saat kontak terakhir", "Galat terakhir",
		"Perekaman per minggu, 6 bulan terakhir", "minggu mulai", "DPT", "Diperbarui",
		"lalu", "menit", "jam", "hari", "Masuk",
		"Token laporan", "Masuk", "Token salah.", "tidak ada", "English", "baru saja",
		"tertinggi", "belum ada data",
	},
	[DASHBOARD_LANG_EN] = {
		"e-KTP recording", "Province", "Election day", "days left",
		"On the roll, unrecorded", "on track", "late", "Regency", "Kecamatan",
		"Recorded, 30 days", "Progress (recorded of roll)", "Projected completion",
		"Last data", "never", "no recordings",
		"Voters on the roll without a recorded e-KTP, per regency",
		"Kecamatan, most unrecorded voters first (where to send mobile teams)",
		"Back to the province", "Download CSV", "Sync", "Versions acknowledged",
		"Pending at last contact", "Last error",
		"Recordings per week, last 6 months", "week of", "On roll", "Updated", "ago",
		"min", "h", "days", "Sign in",
		"Report token", "Sign in", "Wrong token.", "none", "Bahasa Indonesia", "just now",
		"highest", "no data yet",
	},
};

static const char *const months[2][12] = {
	{ "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
	  "September", "Oktober", "November", "Desember" },
	{ "January", "February", "March", "April", "May", "June", "July", "August",
	  "September", "October", "November", "December" },
};

static const char dashboard_css[] =
	":root{--ink:#1a1a1a;--muted:#4a4a4a;--line:#c8c8c8;--bg:#fff;--head:#0b4f6c;"
	"--ok:#1b6e2e;--amber:#8a5a00;--amber-bg:#fff3d6;--red:#a4161a;--red-bg:#fde2e2}"
	"*{box-sizing:border-box}"
	"body{font-family:'DejaVu Sans',system-ui,sans-serif;color:var(--ink);background:var(--bg);"
	"margin:0;line-height:1.4}"
	"header{background:var(--head);color:#fff;padding:.8rem 1rem}"
	"header h1{margin:0;font-size:1.3rem}header a{color:#fff}"
	"main{padding:1rem;max-width:72rem;margin:auto}"
	".summary{display:flex;flex-wrap:wrap;gap:1rem;margin:0 0 1rem;padding:0;list-style:none}"
	".summary li{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .9rem;"
	"flex:1 1 11rem}"
	".summary .v{display:block;font-size:1.5rem;font-weight:bold}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;font-size:.95rem}"
	"caption{text-align:left;font-weight:bold;padding:.4rem 0}"
	"th,td{border-bottom:1px solid var(--line);padding:.45rem .5rem;text-align:left}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tbody th{white-space:nowrap}"
	"progress{width:7rem;height:.9rem;vertical-align:middle;accent-color:var(--head)}"
	".late{color:var(--red);font-weight:bold}.ok{color:var(--ok)}"
	".stale-amber{background:var(--amber-bg);color:var(--amber)}"
	".stale-red{background:var(--red-bg);color:var(--red);font-weight:bold}"
	".muted{color:var(--muted)}"
	"figure{margin:1.5rem 0}figcaption{font-weight:bold;padding-bottom:.4rem}"
	"#weekly{display:block;max-width:48rem}"
	"svg text{font-size:11px;fill:var(--muted)}svg rect.bar{fill:var(--head)}"
	"svg line.top{stroke:var(--line);stroke-dasharray:4 3}"
	"#sync{width:auto}#sync th{padding-right:2rem}"
	"footer{padding:1rem;color:var(--muted);font-size:.85rem;text-align:center}"
	/* the login form: a finger-sized field and button */
	"form{max-width:24rem}label{display:block;margin:.5rem 0 .3rem;font-weight:bold}"
	"input,button{font:inherit;padding:.55rem .7rem}"
	"input{width:100%;border:1px solid var(--muted);border-radius:.3rem}"
	"button{margin-top:.7rem;background:var(--head);color:#fff;border:0;border-radius:.3rem;"
	"padding:.55rem 1.4rem;cursor:pointer}"
	/* A phone (390 px) must show every column that is left without scrolling:
	 * the code after the regency name and the progress bar go, the rest
	 * tightens. */
	"@media (max-width:40rem){.wide{display:none}main{padding:.5rem}"
	"header h1{font-size:1.1rem}.summary{gap:.5rem}.summary li{padding:.4rem .6rem}"
	".summary li:first-child{flex-basis:100%}.summary .v{font-size:1.2rem}"
	"table{font-size:.8125rem}thead th{font-size:.75rem}th,td{padding:.4rem .15rem}"
	/* a long name breaks inside a word rather than push a column off screen */
	"tbody th{white-space:normal;overflow-wrap:anywhere}"
	/* the chart is scaled down to about 0.6: its text in user units grows */
	"svg text{font-size:18px}}";

/* JavaScript only refreshes: every table is complete without it. */
static const char dashboard_js[] =
	"(function(){var s=document.querySelector('[data-refresh]');"
	"var n=s?parseInt(s.getAttribute('data-refresh'),10):0;"
	"if(n>0){setTimeout(function(){location.reload();},n*1000);}})();";

const char *
dashboard_asset(const char *path, const char **ret_type, size_t *ret_len)
{
	if (strcmp(path, "/static/dashboard.css") == 0) {
		*ret_type = "text/css; charset=utf-8";
		*ret_len = sizeof(dashboard_css) - 1;
		return dashboard_css;
	}
	if (strcmp(path, "/static/dashboard.js") == 0) {
		*ret_type = "text/javascript; charset=utf-8";
		*ret_len = sizeof(dashboard_js) - 1;
		return dashboard_js;
	}
	return NULL;
}

enum dashboard_lang
dashboard_lang_from_query(const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0 ? DASHBOARD_LANG_EN : DASHBOARD_LANG_ID;
}

static const char *
L(const struct dashboard_view *v, enum label l)
{
	return labels[v->lang][l];
}

static void
put_escaped(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static int64_t
jint(const json_t *o, const char *key)
{
	const json_t *j = json_object_get(o, key);

	if (json_is_integer(j))
		return json_integer_value(j);
	if (json_is_real(j))
		return (int64_t)json_real_value(j);
	return 0;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Indonesian groups thousands with '.', English with ','. */
static void
put_count(FILE *f, enum dashboard_lang lang, int64_t n)
{
	char digits[32];
	size_t len, i;

	if (n < 0) {
		fputc('-', f);
		n = -n;
	}
	len = (size_t)snprintf(digits, sizeof(digits), "%" PRId64, n);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			fputc(lang == DASHBOARD_LANG_ID ? '.' : ',', f);
		fputc(digits[i], f);
	}
}

static void
put_date(FILE *f, enum dashboard_lang lang, uint32_t ymd)
{
	unsigned y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;

	if (m < 1 || m > 12) {
		fputs("-", f);
		return;
	}
	fprintf(f, "%u %s %u", d, months[lang][m - 1], y);
}

/* "2026-11-22" or "2026-11-22T10:00:00Z" to YYYYMMDD; 0 if unparsable. */
static uint32_t
ymd_from_text(const char *s)
{
	unsigned y, m, d;

	if (s == NULL || sscanf(s, "%4u-%2u-%2u", &y, &m, &d) != 3)
		return 0;
	return y * 10000 + m * 100 + d;
}

static int64_t
epoch_from_iso(const char *s)
{
	struct tm tm = {0};

	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

static int64_t
epoch_from_ymd(uint32_t ymd)
{
	struct tm tm = {0};

	tm.tm_year = (int)(ymd / 10000) - 1900;
	tm.tm_mon = (int)(ymd / 100 % 100) - 1;
	tm.tm_mday = (int)(ymd % 100);
	return (int64_t)timegm(&tm);
}

static void
put_age(FILE *f, const struct dashboard_view *v, int64_t age)
{
	if (age < 60)
		fputs(L(v, L_JUST_NOW), f);
	else if (age < 3600)
		fprintf(f, "%" PRId64 " %s %s", age / 60, L(v, L_MIN), L(v, L_AGO));
	else if (age < 2 * 86400)
		fprintf(f, "%" PRId64 " %s %s", age / 3600, L(v, L_HOUR), L(v, L_AGO));
	else
		fprintf(f, "%" PRId64 " %s %s", age / 86400, L(v, L_DAY), L(v, L_AGO));
}

/* A freshness cell: the age of the last sync, amber past an hour, red past a day. */
static void
put_freshness(FILE *f, const struct dashboard_view *v, const char *last_sync)
{
	int64_t t = epoch_from_iso(last_sync), age;

	if (t == 0) {
		fprintf(f, "<td class=\"stale-red\" data-age=\"never\">%s</td>", L(v, L_NEVER));
		return;
	}
	age = v->now > t ? v->now - t : 0;
	fprintf(f, "<td class=\"%s\" data-age=\"%" PRId64 "\">",
		age > FRESH_RED_S ? "stale-red" : age > FRESH_AMBER_S ? "stale-amber" : "fresh", age);
	put_age(f, v, age);
	fputs("</td>", f);
}

static void
put_projection(FILE *f, const struct dashboard_view *v, const json_t *row)
{
	uint32_t ymd = ymd_from_text(jstr(row, "projected_completion"));
	bool late = ymd == 0 || (v->election_date != 0 && ymd > v->election_date);

	/* A regency that sent nothing yet is not done: it is what to chase. */
	if (jint(row, "persons") == 0) {
		fprintf(f, "<td class=\"late\">%s</td>", L(v, L_NO_DATA));
		return;
	}
	if (jint(row, "dpt_unrecorded") == 0)
		late = false;
	fprintf(f, "<td class=\"%s\">", late ? "late" : "ok");
	if (ymd == 0 && jint(row, "dpt_unrecorded") > 0)
		fputs(L(v, L_NO_PROJECTION), f);
	else if (ymd == 0)
		fputs("-", f);
	else
		put_date(f, v->lang, ymd);
	if (late)
		fprintf(f, " (%s)", L(v, L_LATE));
	fputs("</td>", f);
}

static void
put_count_cell(FILE *f, const struct dashboard_view *v, const json_t *row, const char *key)
{
	fprintf(f, "<td class=\"n\" data-field=\"%s\">", key);
	put_count(f, v->lang, jint(row, key));
	fputs("</td>", f);
}

/* Recorded of those on the roll, as a <progress> with the percentage in text
 * too, so the figure does not depend on seeing the bar. */
static void
put_progress(FILE *f, enum dashboard_lang lang, const json_t *row)
{
	int64_t on_dpt = jint(row, "on_dpt"), unrec = jint(row, "dpt_unrecorded");
	int64_t done = on_dpt - unrec;
	/* tenths of a percent, rounded, so the decimal sign is ours to choose */
	int64_t permille = on_dpt > 0 && done > 0 ? (done * 1000 + on_dpt / 2) / on_dpt : 0;

	fprintf(f, "<td class=\"wide\"><progress max=\"%" PRId64 "\" value=\"%" PRId64 "\">"
		"</progress> %" PRId64 "%c%" PRId64 "%%</td>", on_dpt > 0 ? on_dpt : 1,
		done > 0 ? done : 0, permille / 10, lang == DASHBOARD_LANG_ID ? ',' : '.',
		permille % 10);
}

static void
put_head(FILE *f, const struct dashboard_view *v, const char *title, const char *self)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		"<title>", v->lang == DASHBOARD_LANG_ID ? "id" : "en");
	put_escaped(f, title);
	fputs("</title><link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head>"
	      "<body data-refresh=\"60\"><header><h1>", f);
	put_escaped(f, title);
	fprintf(f, "</h1><a href=\"%s%s\" lang=\"%s\">%s</a></header><main>", self,
		v->lang == DASHBOARD_LANG_ID ? "?lang=en" : "?lang=id",
		v->lang == DASHBOARD_LANG_ID ? "en" : "id", L(v, L_LANG_OTHER));
}

static void
put_foot(FILE *f, const struct dashboard_view *v)
{
	char stamp[32];
	time_t t = (time_t)v->now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(f, "</main><footer>%s %s</footer>"
		"<script src=\"/static/dashboard.js\"></script></body></html>\n",
		L(v, L_UPDATED), stamp);
}

static const char *
lang_query(const struct dashboard_view *v)
{
	return v->lang == DASHBOARD_LANG_EN ? "?lang=en" : "";
}

static void
put_summary(FILE *f, const struct dashboard_view *v, const json_t *prov)
{
	int64_t days = (epoch_from_ymd(v->election_date) - (v->now - v->now % 86400)) / 86400;
	bool on_track = json_is_true(json_object_get(prov, "on_track")) ||
			jint(prov, "dpt_unrecorded") == 0;

	fprintf(f, "<ul class=\"summary\"><li>%s<span class=\"v\">", L(v, L_ELECTION));
	put_date(f, v->lang, v->election_date);
	fprintf(f, "</span>%" PRId64 " %s</li><li>%s<span class=\"v\" id=\"total-unrecorded\">",
		days > 0 ? days : 0, L(v, L_DAYS_LEFT), L(v, L_DPT_UNRECORDED));
	put_count(f, v->lang, jint(prov, "dpt_unrecorded"));
	fprintf(f, "</span></li><li>%s<span class=\"v %s\" id=\"province-track\">%s</span></li>"
		"</ul>", L(v, L_PROJECTED), on_track ? "ok" : "late",
		on_track ? L(v, L_ON_TRACK) : L(v, L_LATE));
}

static const char *
code_of(const json_t *row)
{
	const char *c = jstr(row, "code");

	return c != NULL ? c : "";
}

/* Codes are digits by the report's contract; a row whose code is not is
 * shown escaped and without a link rather than trusted into an URL. */
static bool
code_is_digits(const char *c)
{
	size_t i;

	for (i = 0; c[i] != '\0'; i++)
		if (c[i] < '0' || c[i] > '9')
			return false;
	return i > 0 && i <= 6;
}

static void
put_regency_row(FILE *f, const struct dashboard_view *v, const json_t *r)
{
	const char *code = code_of(r), *name = jstr(r, "name");

	fputs("<tr data-regency=\"", f);
	put_escaped(f, code);
	fputs("\"><th scope=\"row\">", f);
	if (code_is_digits(code))
		fprintf(f, "<a href=\"/regency/%s%s\">", code, lang_query(v));
	put_escaped(f, name != NULL ? name : code);
	fputs(code_is_digits(code) ? "</a>" : "", f);
	fputs(" <span class=\"muted wide\">", f);
	put_escaped(f, code);
	fputs("</span></th>", f);
	put_count_cell(f, v, r, "dpt_unrecorded");
	put_count_cell(f, v, r, "recorded_30d");
	put_progress(f, v->lang, r);
	put_projection(f, v, r);
	put_freshness(f, v, jstr(r, "last_sync"));
	fputs("</tr>", f);
}

static const json_t *
province_of(const json_t *report)
{
	const json_t *p = json_object_get(report, "province");

	return p != NULL ? p : report;
}

/* open_memstream publishes the buffer and its size only at fclose, so they
 * are read through pointers after it. */
static int
finish(FILE *f, char **buf, size_t *len, char **ret, size_t *ret_len, struct ktp_err *err)
{
	if (fclose(f) != 0) {
		free(*buf);
		return ktp_err_set(err, -ENOMEM, "dashboard: out of memory");
	}
	*ret = *buf;
	*ret_len = *len;
	return 0;
}

int
dashboard_province(const struct dashboard_view *v, char **ret, size_t *ret_len,
		   struct ktp_err *err)
{
	const json_t *prov = province_of(v->report), *r;
	const char *name;
	char *buf = NULL, title[160];
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return ktp_err_set(err, -ENOMEM, "dashboard: out of memory");
	name = nik_province_name((unsigned)atoi(code_of(prov)));
	snprintf(title, sizeof(title), "%s — %s %s", L(v, L_TITLE), L(v, L_PROVINCE),
		 name != NULL ? name : code_of(prov));
	put_head(f, v, title, "/");
	put_summary(f, v, prov);
	fprintf(f, "<div class=\"scroll\"><table id=\"regencies\"><caption>%s</caption><thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		"<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"wide\">%s</th>"
		"<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
		L(v, L_REGENCIES_CAPTION), L(v, L_REGENCY), L(v, L_DPT_UNRECORDED),
		L(v, L_RECORDED_30D), L(v, L_PROGRESS), L(v, L_PROJECTED), L(v, L_FRESHNESS));
	json_array_foreach(json_object_get(prov, "regencies"), i, r)
		put_regency_row(f, v, r);
	fputs("</tbody></table></div>", f);
	put_foot(f, v);
	return finish(f, &buf, &len, ret, ret_len, err);
}

/* The row of rows whose "code" is the 4-digit code; NULL when none is. */
static const json_t *
find_code(const json_t *rows, uint16_t code)
{
	const json_t *r;
	char want[8];
	size_t i;

	snprintf(want, sizeof(want), "%04u", code);
	json_array_foreach(rows, i, r)
		if (strcmp(code_of(r), want) == 0)
			return r;
	return NULL;
}

/* Most unrecorded first, then by code as the report orders them: qsort is
 * not stable, so ties need their own rule to come out the same each time. */
static int
cmp_unrecorded_desc(const void *a, const void *b)
{
	const json_t *ra = *(json_t *const *)a, *rb = *(json_t *const *)b;
	int64_t x = jint(ra, "dpt_unrecorded"), y = jint(rb, "dpt_unrecorded");

	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(code_of(ra), code_of(rb));
}

static void
put_kecamatan_table(FILE *f, const struct dashboard_view *v, const json_t *reg)
{
	const json_t *list = json_object_get(reg, "kecamatan");
	size_t n = json_array_size(list), i;
	json_t **rows = calloc(n ? n : 1, sizeof(*rows));

	fprintf(f, "<div class=\"scroll\"><table id=\"kecamatan\"><caption>%s</caption><thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		"<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"n wide\">%s</th>"
		"<th scope=\"col\" class=\"wide\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
		L(v, L_KECAMATAN_CAPTION), L(v, L_KECAMATAN), L(v, L_DPT_UNRECORDED),
		L(v, L_RECORDED_30D), L(v, L_ON_DPT), L(v, L_PROGRESS), L(v, L_PROJECTED));
	for (i = 0; rows != NULL && i < n; i++)
		rows[i] = json_array_get(list, i);
	if (rows != NULL)
		qsort(rows, n, sizeof(*rows), cmp_unrecorded_desc);
	for (i = 0; rows != NULL && i < n; i++) {
		fputs("<tr data-kecamatan=\"", f);
		put_escaped(f, code_of(rows[i]));
		fputs("\"><th scope=\"row\">", f);
		put_escaped(f, jstr(rows[i], "name") != NULL ? jstr(rows[i], "name") : code_of(rows[i]));
		fputs("</th>", f);
		put_count_cell(f, v, rows[i], "dpt_unrecorded");
		put_count_cell(f, v, rows[i], "recorded_30d");
		fputs("<td class=\"n wide\">", f);
		put_count(f, v->lang, jint(rows[i], "on_dpt"));
		fputs("</td>", f);
		put_progress(f, v->lang, rows[i]);
		put_projection(f, v, rows[i]);
		fputs("</tr>", f);
	}
	fputs("</tbody></table></div>", f);
	free(rows);
}

/* The scale of the bars: a dashed line at the tallest bar, with its number,
 * so the height of every other bar reads against it. */
static void
put_chart_scale(FILE *f, const struct dashboard_view *v, int64_t peak, int top, int width)
{
	fprintf(f, "<line class=\"top\" x1=\"8\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		"<text x=\"10\" y=\"%d\">%s ", top, width - 8, top, top - 6, L(v, L_CHART_MAX));
	put_count(f, v->lang, peak);
	fputs("</text>", f);
}

/* Server-drawn bars, one per week: the chart needs no JavaScript and the
 * <title> of each bar gives its number to screen readers and on hover. */
static void
put_weekly_chart(FILE *f, const struct dashboard_view *v)
{
	const json_t *w;
	int64_t peak = 0, max;
	size_t n = json_array_size(v->weekly), i;
	size_t first = n > DASHBOARD_WEEKS ? n - DASHBOARD_WEEKS : 0;
	const int width = 640, height = 180, base = 150, bar_w = 20;

	for (i = first; i < n; i++)
		if (jint(json_array_get(v->weekly, i), "recorded") > peak)
			peak = jint(json_array_get(v->weekly, i), "recorded");
	max = peak > 0 ? peak : 1;
	fprintf(f, "<figure><figcaption>%s</figcaption><svg id=\"weekly\" role=\"img\" "
		"viewBox=\"0 0 %d %d\" width=\"100%%\" aria-label=\"%s\">", L(v, L_CHART),
		width, height, L(v, L_CHART));
	for (i = first; i < n; i++) {
		w = json_array_get(v->weekly, i);
		int64_t h = jint(w, "recorded") * 130 / max;
		int x = 10 + (int)(i - first) * (bar_w + 4);

		fprintf(f, "<rect class=\"bar\" x=\"%d\" y=\"%" PRId64 "\" width=\"%d\" "
			"height=\"%" PRId64 "\"><title>%s %s: ", x, base - h, bar_w, h,
			L(v, L_WEEK_OF), jstr(w, "week_start") ? jstr(w, "week_start") : "");
		put_count(f, v->lang, jint(w, "recorded"));
		fputs("</title></rect>", f);
		if ((i - first) % 4 == 0)
			fprintf(f, "<text x=\"%d\" y=\"%d\">%.5s</text>", x, base + 16,
				jstr(w, "week_start") ? jstr(w, "week_start") + 5 : "");
	}
	if (peak > 0)
		put_chart_scale(f, v, peak, base - 130, width);
	fprintf(f, "<line x1=\"8\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#4a4a4a\"/>"
		"</svg></figure>", base, width - 8, base);
}

static void
put_sync_state(FILE *f, const struct dashboard_view *v, const json_t *reg, uint16_t code)
{
	const json_t *node = find_code(v->nodes, code);
	const char *last_error = node != NULL ? jstr(node, "last_error") : NULL;

	fprintf(f, "<section><h2>%s</h2><table id=\"sync\"><tbody><tr><th scope=\"row\">%s</th>",
		L(v, L_SYNC), L(v, L_FRESHNESS));
	put_freshness(f, v, jstr(reg, "last_sync"));
	fprintf(f, "</tr><tr><th scope=\"row\">%s</th><td class=\"n\">", L(v, L_ACKED));
	put_count(f, v->lang, jint(reg, "acked"));
	fprintf(f, "</td></tr><tr><th scope=\"row\">%s</th><td class=\"n\">", L(v, L_PENDING));
	put_count(f, v->lang, jint(reg, "pending"));
	fprintf(f, "</td></tr><tr><th scope=\"row\">%s</th><td>", L(v, L_LAST_ERROR));
	put_escaped(f, last_error != NULL && *last_error != '\0' ? last_error : L(v, L_NONE));
	fputs("</td></tr></tbody></table></section>", f);
}

int
dashboard_regency(const struct dashboard_view *v, uint16_t code, char **ret, size_t *ret_len,
		  struct ktp_err *err)
{
	const json_t *regs = json_object_get(province_of(v->report), "regencies");
	const json_t *reg = find_code(regs, code);
	char *buf = NULL, title[192];
	size_t len = 0;
	FILE *f;

	if (reg == NULL)
		return ktp_err_set(err, -ENOENT, "dashboard: no regency %04u", code);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return ktp_err_set(err, -ENOMEM, "dashboard: out of memory");
	snprintf(title, sizeof(title), "%s — %s", L(v, L_TITLE),
		 jstr(reg, "name") != NULL ? jstr(reg, "name") : "");
	put_head(f, v, title, "");
	fprintf(f, "<p><a href=\"/%s\">%s</a> · <a href=\"/v1/report.csv?regency=%04u\" "
		"download>%s</a></p>", lang_query(v), L(v, L_BACK), code, L(v, L_CSV));
	put_summary(f, v, reg);
	put_kecamatan_table(f, v, reg);
	put_weekly_chart(f, v);
	put_sync_state(f, v, reg, code);
	put_foot(f, v);
	return finish(f, &buf, &len, ret, ret_len, err);
}

int
dashboard_login(enum dashboard_lang lang, bool failed, char **ret, size_t *ret_len,
		struct ktp_err *err)
{
	struct dashboard_view v = { .lang = lang };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return ktp_err_set(err, -ENOMEM, "dashboard: out of memory");
	put_head(f, &v, L(&v, L_LOGIN), "/login");
	if (failed)
		fprintf(f, "<p class=\"late\" role=\"alert\">%s</p>", L(&v, L_LOGIN_FAILED));
	fprintf(f, "<form method=\"post\" action=\"/login%s\"><label for=\"token\">%s</label> "
		"<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" "
		"required> <button type=\"submit\">%s</button></form>", lang_query(&v),
		L(&v, L_TOKEN), L(&v, L_LOGIN_BUTTON));
	fputs("</main></body></html>\n", f);
	return finish(f, &buf, &len, ret, ret_len, err);
}
