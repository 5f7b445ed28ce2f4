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
#include "nodelist.h"
#include "proto.h"
#include "report.h"

/* Freshness thresholds from the provincial staff's point of view: a node
 * silent for more than an hour is worth a look (amber), more than a day is
 * stale (red). Data may be older than contact: an idle node has nothing new. */
#define DAY_S		86400

enum label {
	L_TITLE, L_PROVINCE, L_ELECTION, L_DAYS_LEFT, L_DPT_UNRECORDED, L_ON_TRACK, L_LATE,
	L_REGENCY, L_KECAMATAN, L_RECORDED_30D, L_PROGRESS, L_PROJECTED, L_FRESHNESS, L_NEVER,
	L_NO_PROJECTION, L_REGENCIES_CAPTION, L_KECAMATAN_CAPTION, L_BACK, L_CSV, L_SYNC,
	L_ACKED, L_PENDING, L_LAST_ERROR, L_CHART, L_WEEK_OF, L_ON_DPT, L_UPDATED, L_AGO,
	L_MIN, L_HOUR, L_DAY, L_LOGIN, L_TOKEN,
	L_LOGIN_BUTTON, L_LOGIN_FAILED, L_NONE, L_LANG_OTHER, L_JUST_NOW, L_CHART_MAX, L_NO_DATA,
	L_UNKNOWN, L_PEMULA, L_STATUS, L_WITHOUT_DATA, L_WITHOUT_DATA_ONE, L_REGENCY_SILENT,
	L_ELECTION_PASSED, L_ELECTION_TODAY, L_PROJECTION, L_RATE_30D, L_RATE_7D,
	L_NO_NEW_DATA, L_DAY_ONE, L_CONTACT, L_CSV_EN, L_DESA,
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
		"Kecamatan dan desa, urut dari DPT belum rekam terbanyak (sasaran jemput bola)",
		"Kembali ke provinsi", "Unduh CSV (spreadsheet)", "Sinkronisasi", "Versi diterima",
		"Tertunda saat kontak terakhir", "Galat terakhir",
		"Perekaman per minggu, 6 bulan terakhir", "minggu mulai", "DPT", "Diperbarui",
		"lalu", "menit", "jam", "hari", "Masuk",
		"Token laporan", "Masuk", "Token salah.", "tidak ada", "English", "baru saja",
		"tertinggi", "belum ada data",
		"tidak diketahui", "Pemula belum rekam", "Status",
		"kabupaten/kota belum mengirim data", "kabupaten/kota belum mengirim data",
		"kabupaten/kota ini belum mengirim data",
		"pemilu sudah lewat", "hari ini", "perkiraan selesai", "laju 30 hari", "laju 7 hari",
		"tidak ada data baru selama", "hari", "Kontak terakhir", "CSV (English)",
		"Kecamatan / desa",
	},
	[DASHBOARD_LANG_EN] = {
		"e-KTP recording", "Province", "Election day", "days left",
		"On the roll, unrecorded", "on track", "late", "Regency", "Kecamatan",
		"Recorded, 30 days", "Progress (recorded of roll)", "Projected completion",
		"Last data", "never", "no recordings",
		"Voters on the roll without a recorded e-KTP, per regency",
		"Kecamatan and desa, most unrecorded voters first (where to send mobile teams)",
		"Back to the province", "Download CSV (Indonesian spreadsheet)", "Sync",
		"Versions acknowledged", "Pending at last contact", "Last error",
		"Recordings per week, last 6 months", "week of", "On roll", "Updated", "ago",
		"min", "h", "days", "Sign in",
		"Report token", "Sign in", "Wrong token.", "none", "Bahasa Indonesia", "just now",
		"highest", "no data yet",
		"unknown", "First-time voters, unrecorded", "Status",
		"regencies have not sent data", "regency has not sent data",
		"this regency has not sent data",
		"the election has passed", "today", "projected completion", "30-day rate",
		"7-day rate", "no new data for", "day", "Last contact", "Download CSV (English)",
		"Kecamatan / desa",
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
	"header .code{font-weight:normal;font-size:.9rem;opacity:.85}"
	"main{padding:1rem;max-width:72rem;margin:auto}"
	".summary{display:flex;flex-wrap:wrap;gap:1rem;margin:0 0 1rem;padding:0;list-style:none}"
	".summary li{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .9rem;"
	"flex:1 1 11rem}"
	".summary .v{display:block;font-size:1.5rem;font-weight:bold}"
	".summary .line{display:block;font-size:.9rem}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;font-size:.95rem}"
	"caption{text-align:left;font-weight:bold;padding:.4rem 0}"
	"th,td{border-bottom:1px solid var(--line);padding:.45rem .5rem;text-align:left}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tbody th{white-space:nowrap}"
	"tr.kec th,tr.kec td{border-top:2px solid var(--muted)}"
	"tr.desa th{font-weight:normal;padding-left:1.4rem}tr.desa{font-size:.9em}"
	"progress{width:7rem;height:.9rem;vertical-align:middle;accent-color:var(--head)}"
	".late{color:var(--red);font-weight:bold}.ok{color:var(--ok)}"
	".unknown{color:var(--muted);font-style:italic}"
	".stale-amber{background:var(--amber-bg);color:var(--amber)}"
	".stale-red{background:var(--red-bg);color:var(--red);font-weight:bold}"
	".muted{color:var(--muted)}.quiet{display:block;font-size:.85em;font-weight:normal}"
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
	 * the code after a name, the 30-day count and the progress bar go, the
	 * rest tightens. */
	"@media (max-width:40rem){.wide{display:none}main{padding:.5rem}"
	"header h1{font-size:1.1rem}.summary{gap:.5rem}.summary li{padding:.4rem .6rem}"
	".summary li:first-child{flex-basis:100%}.summary .v{font-size:1.2rem}"
	"table{font-size:.8125rem}thead th{font-size:.75rem}th,td{padding:.4rem .15rem}"
	/* a long name breaks inside a word rather than push a column off screen */
	"tbody th{white-space:normal;overflow-wrap:anywhere}tr.desa th{padding-left:.6rem}"
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

/* A view's lang comes from outside; anything but English is Indonesian. */
static const char *
L(const struct dashboard_view *v, enum label l)
{
	return labels[v->lang == DASHBOARD_LANG_EN ? DASHBOARD_LANG_EN : DASHBOARD_LANG_ID][l];
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

/* Counts beyond this are not counts; clamping keeps arithmetic on them defined. */
#define COUNT_LIMIT	((int64_t)1 << 50)

static int64_t
clamp(int64_t n)
{
	return n < -COUNT_LIMIT ? -COUNT_LIMIT : n > COUNT_LIMIT ? COUNT_LIMIT : n;
}

/* A count as the page uses it: 0 when unknown (callers check known first
 * where unknown must show), clamped to COUNT_LIMIT. */
static int64_t
count(const struct report_count *c)
{
	return c->known ? clamp(c->v) : 0;
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
			fputc(lang == DASHBOARD_LANG_EN ? ',' : '.', f);
		fputc(digits[i], f);
	}
}

static void
put_date(FILE *f, const struct dashboard_view *v, uint32_t ymd)
{
	unsigned y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;

	if (m < 1 || m > 12) {
		fputs("-", f);
		return;
	}
	fprintf(f, "%u %s %u", d, months[v->lang == DASHBOARD_LANG_EN][m - 1], y);
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

/* A Unix time as the hub's wall clock reads it: "2026-11-22 19:00 WIB". */
static void
put_local_time(FILE *f, const struct dashboard_view *v, int64_t t)
{
	time_t local = (time_t)(t + v->tz_offset_s);
	char stamp[32];
	struct tm tm;

	if (gmtime_r(&local, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "-");
	fputs(stamp, f);
	fputc(' ', f);
	if (v->tz_abbr != NULL && v->tz_abbr[0] != '\0')
		put_escaped(f, v->tz_abbr);
	else if (v->tz_offset_s == 0)
		fputs("UTC", f);
	else
		fprintf(f, "UTC%c%02d:%02d", v->tz_offset_s < 0 ? '-' : '+',
			abs(v->tz_offset_s) / 3600 % 100, abs(v->tz_offset_s) / 60 % 60);
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

/* Freshness goes by the last contact of the regency's node; a report that
 * does not carry it gives the last sync instead. */
static int64_t
contact_of(const struct report_area *row)
{
	return row->last_contact != 0 ? row->last_contact : row->last_sync;
}

static int64_t
data_time_of(const struct report_area *row)
{
	return row->last_data != 0 ? row->last_data : row->last_sync;
}

/* "no new data for N days" beside a contact that is fresher than its data:
 * only when the report tells contact and data apart, and the data is older
 * than a day, or there never was any. */
static void
put_data_note(FILE *f, const struct dashboard_view *v, const struct report_area *row)
{
	int64_t t = data_time_of(row), age;

	if (row->last_contact == 0)
		return;
	if (t == 0) {
		fprintf(f, " <span class=\"quiet\" data-note=\"no-data\">%s</span>",
			L(v, L_NO_DATA));
		return;
	}
	age = v->now > t ? v->now - t : 0;
	if (age <= DAY_S)
		return;
	fprintf(f, " <span class=\"quiet\" data-note=\"no-new-data\">%s %" PRId64 " %s</span>",
		L(v, L_NO_NEW_DATA), age / DAY_S, age / DAY_S == 1 ? L(v, L_DAY_ONE) : L(v, L_DAY));
}

/* A freshness cell: the age of the last contact, amber past an hour, red
 * past a day, with the note on the data when it lags. */
static void
put_freshness(FILE *f, const struct dashboard_view *v, const struct report_area *row)
{
	int64_t t = contact_of(row), age;

	if (t == 0) {
		fprintf(f, "<td class=\"stale-red\" data-age=\"never\">%s</td>", L(v, L_NEVER));
		return;
	}
	age = v->now > t ? v->now - t : 0;
	fprintf(f, "<td class=\"%s\" data-age=\"%" PRId64 "\">",
		age > KTP_FRESH_SILENT_S ? "stale-red" :
		age > KTP_FRESH_LATE_S ? "stale-amber" : "fresh", age);
	put_age(f, v, age);
	put_data_note(f, v, row);
	fputs("</td>", f);
}

/* "laju 7 hari" for the projection that decides; NULL when the report names none. */
static const char *
basis_label(const struct dashboard_view *v, const struct report_area *row)
{
	if (row->basis == PROGRESS_BASIS_7D)
		return L(v, L_RATE_7D);
	if (row->basis == PROGRESS_BASIS_30D)
		return L(v, L_RATE_30D);
	return NULL;
}

/* ok only on the report's evidence (on track), late when it says not,
 * unknown otherwise: no data, or no verdict. */
static const char *
track_class(const struct report_area *row)
{
	if (!row->has_data || row->track == REPORT_TRACK_UNKNOWN)
		return "unknown";
	return row->track == REPORT_TRACK_OK ? "ok" : "late";
}

/* The projection that decides on-track, with the rate it comes from. */
static void
put_projection(FILE *f, const struct dashboard_view *v, const struct report_area *row)
{
	uint32_t ymd = row->projected;
	const char *cls = track_class(row), *basis = basis_label(v, row);
	bool late = strcmp(cls, "late") == 0;

	fprintf(f, "<td class=\"%s\">", cls);
	if (!row->has_data) {
		fprintf(f, "%s</td>", L(v, L_UNKNOWN));
		return;
	}
	if (ymd == 0 && count(&row->dpt_unrecorded) > 0)
		fputs(L(v, L_NO_PROJECTION), f);
	else if (ymd == 0)
		fputs("-", f);
	else
		put_date(f, v, ymd);
	if (ymd != 0 && basis != NULL)
		fprintf(f, " (%s%s%s)", basis, late ? "; " : "", late ? L(v, L_LATE) : "");
	else if (late)
		fprintf(f, " (%s)", L(v, L_LATE));
	fputs("</td>", f);
}

/* A count of what is left to do (need): unknown when the area sent no data
 * or the report has no number for it, never a 0 that reads as done. */
static void
put_count_cell(FILE *f, const struct dashboard_view *v, const struct report_area *row,
	       const struct report_count *c, const char *field, bool need, const char *cls)
{
	if ((need && !row->has_data) || !c->known) {
		fprintf(f, "<td class=\"n unknown%s\" data-field=\"%s\">%s</td>", cls, field,
			L(v, L_UNKNOWN));
		return;
	}
	fprintf(f, "<td class=\"n%s\" data-field=\"%s\">", cls, field);
	put_count(f, v->lang, count(c));
	fputs("</td>", f);
}

/* The three count cells every table row has. */
static void
put_count_cells(FILE *f, const struct dashboard_view *v, const struct report_area *row)
{
	put_count_cell(f, v, row, &row->dpt_unrecorded, "dpt_unrecorded", true, "");
	put_count_cell(f, v, row, &row->pemula_unrecorded, "pemula_unrecorded", true, "");
	put_count_cell(f, v, row, &row->recorded_30d, "recorded_30d", false, " wide");
}

/* Recorded of those on the roll, as a <progress> with the percentage in text
 * too, so the figure does not depend on seeing the bar. */
static void
put_progress(FILE *f, const struct dashboard_view *v, const struct report_area *row)
{
	int64_t on_dpt = count(&row->on_dpt), unrec = count(&row->dpt_unrecorded);
	int64_t done = on_dpt - unrec;
	/* tenths of a percent, rounded, so the decimal sign is ours to choose */
	int64_t permille = on_dpt > 0 && done > 0 ? (done * 1000 + on_dpt / 2) / on_dpt : 0;

	if (!row->has_data || !row->dpt_unrecorded.known) {
		fprintf(f, "<td class=\"wide unknown\">%s</td>", L(v, L_UNKNOWN));
		return;
	}
	fprintf(f, "<td class=\"wide\"><progress max=\"%" PRId64 "\" value=\"%" PRId64 "\">"
		"</progress> %" PRId64 "%c%" PRId64 "%%</td>", on_dpt > 0 ? on_dpt : 1,
		done > 0 ? done : 0, permille / 10, v->lang == DASHBOARD_LANG_EN ? '.' : ',',
		permille % 10);
}

/* The page head; code, when given, is shown beside the title in the header. */
static void
put_head_code(FILE *f, const struct dashboard_view *v, const char *title, const char *code,
	      const char *self)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		"<title>", v->lang == DASHBOARD_LANG_EN ? "en" : "id");
	put_escaped(f, title);
	fputs("</title><link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head>"
	      "<body data-refresh=\"60\"><header><h1>", f);
	put_escaped(f, title);
	if (code != NULL && code[0] != '\0') {
		fputs(" <span class=\"code\">", f);
		put_escaped(f, code);
		fputs("</span>", f);
	}
	fprintf(f, "</h1><a href=\"%s%s\" lang=\"%s\">%s</a></header><main>", self,
		v->lang == DASHBOARD_LANG_EN ? "?lang=id" : "?lang=en",
		v->lang == DASHBOARD_LANG_EN ? "id" : "en", L(v, L_LANG_OTHER));
}

static void
put_head(FILE *f, const struct dashboard_view *v, const char *title, const char *self)
{
	put_head_code(f, v, title, NULL, self);
}

static void
put_foot(FILE *f, const struct dashboard_view *v)
{
	fprintf(f, "</main><footer>%s <span id=\"updated\">", L(v, L_UPDATED));
	put_local_time(f, v, v->now);
	fputs("</span></footer><script src=\"/static/dashboard.js\"></script></body></html>\n", f);
}

static const char *
lang_query(const struct dashboard_view *v)
{
	return v->lang == DASHBOARD_LANG_EN ? "?lang=en" : "";
}

/* Days from today, on the hub's wall clock, to election day. */
static int64_t
days_to_election(const struct dashboard_view *v)
{
	int64_t local = v->now + v->tz_offset_s;
	int64_t today = local - ((local % DAY_S) + DAY_S) % DAY_S;

	return (epoch_from_ymd(v->election_date) - today) / DAY_S;
}

/* The report's word on it when it has one, the hub's calendar otherwise. */
static bool
election_passed(const struct dashboard_view *v)
{
	if (v->report != NULL && v->report->election_passed_known)
		return v->report->election_passed;
	return days_to_election(v) < 0;
}

static void
put_election_tile(FILE *f, const struct dashboard_view *v)
{
	int64_t days = days_to_election(v);

	fprintf(f, "<li>%s<span class=\"v\">", L(v, L_ELECTION));
	put_date(f, v, v->election_date);
	fputs("</span>", f);
	if (election_passed(v))
		fprintf(f, "<span id=\"election-passed\">%s</span>", L(v, L_ELECTION_PASSED));
	else if (days <= 0)
		fputs(L(v, L_ELECTION_TODAY), f);
	else
		fprintf(f, "%" PRId64 " %s", days, L(v, L_DAYS_LEFT));
	fputs("</li>", f);
}

static void
put_count_tile(FILE *f, const struct dashboard_view *v, enum label l, const char *id,
	       const struct report_area *area, const struct report_count *c)
{
	fprintf(f, "<li>%s", L(v, l));
	if (!area->has_data || !c->known) {
		fprintf(f, "<span class=\"v unknown\" id=\"%s\">%s</span></li>", id, L(v, L_UNKNOWN));
		return;
	}
	fprintf(f, "<span class=\"v\" id=\"%s\">", id);
	put_count(f, v->lang, count(c));
	fputs("</span></li>", f);
}

/* A projection date as the report gives it, or why there is none. */
static void
put_iso_projection(FILE *f, const struct dashboard_view *v, const struct report_area *area,
		   uint32_t ymd)
{
	if (!area->has_data)
		fputs(L(v, L_UNKNOWN), f);
	else if (ymd != 0)
		fprintf(f, "%04u-%02u-%02u", ymd / 10000, ymd / 100 % 100, ymd % 100);
	else
		fputs(count(&area->dpt_unrecorded) > 0 ? L(v, L_NO_PROJECTION) : "-", f);
}

/* "perkiraan selesai 2027-03-01 (laju 7 hari); laju 30 hari: 2027-02-10":
 * the projection that decides, its rate, and the other rate's projection. */
static void
put_projection_line(FILE *f, const struct dashboard_view *v, const struct report_area *area)
{
	bool seven = area->basis == PROGRESS_BASIS_7D;

	fprintf(f, "<span class=\"line\" id=\"projection\">%s ", L(v, L_PROJECTION));
	put_iso_projection(f, v, area, area->projected);
	if (area->has_data && basis_label(v, area) != NULL) {
		fprintf(f, " (%s)", basis_label(v, area));
		if (seven ? area->has_30d : area->has_7d) {
			fprintf(f, "; %s: ", L(v, seven ? L_RATE_30D : L_RATE_7D));
			put_iso_projection(f, v, area,
					   seven ? area->projected_30d : area->projected_7d);
		}
	}
	fputs("</span>", f);
}

/* The province's listed regencies without data: the report's count, or the
 * rows' when it does not give one. */
static int64_t
regencies_without_data(const struct dashboard_view *v)
{
	const struct report_area *prov = &v->report->province;
	int64_t n = 0;
	size_t i;

	if (v->report->regencies_without_data.known)
		return count(&v->report->regencies_without_data);
	for (i = 0; i < prov->n_sub; i++)
		n += !prov->sub[i].has_data;
	return n;
}

/* On the report's evidence only: on track when it says so; late when it
 * says not and some area with data is late; unknown when what is missing
 * is data, not pace. */
static const char *
headline_class(const struct dashboard_view *v, const struct report_area *area, bool province)
{
	const char *cls = track_class(area);
	size_t i;

	if (!province || strcmp(cls, "late") != 0 || regencies_without_data(v) == 0)
		return cls;
	for (i = 0; i < area->n_sub; i++)
		if (strcmp(track_class(&area->sub[i]), "late") == 0)
			return "late";
	return "unknown";
}

static void
put_track_tile(FILE *f, const struct dashboard_view *v, const struct report_area *area,
	       bool province)
{
	const char *cls = headline_class(v, area, province);
	int64_t silent = province ? regencies_without_data(v) : 0;

	fprintf(f, "<li>%s<span class=\"v %s\" id=\"province-track\">%s</span>", L(v, L_STATUS),
		cls, strcmp(cls, "ok") == 0 ? L(v, L_ON_TRACK) :
		     strcmp(cls, "late") == 0 ? L(v, L_LATE) : L(v, L_UNKNOWN));
	put_projection_line(f, v, area);
	if (silent > 0)
		fprintf(f, "<span class=\"line late\" id=\"without-data\">%" PRId64 " %s</span>",
			silent, silent == 1 ? L(v, L_WITHOUT_DATA_ONE) : L(v, L_WITHOUT_DATA));
	else if (!province && !area->has_data)
		fprintf(f, "<span class=\"line late\" id=\"without-data\">%s</span>",
			L(v, L_REGENCY_SILENT));
	fputs("</li>", f);
}

static void
put_summary(FILE *f, const struct dashboard_view *v, const struct report_area *area,
	    bool province)
{
	fputs("<ul class=\"summary\">", f);
	put_election_tile(f, v);
	put_count_tile(f, v, L_DPT_UNRECORDED, "total-unrecorded", area, &area->dpt_unrecorded);
	put_count_tile(f, v, L_PEMULA, "total-pemula", area, &area->pemula_unrecorded);
	put_track_tile(f, v, area, province);
	fputs("</ul>", f);
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

/* The official name and, beside it, the code (hidden on a phone); the code
 * alone when the table has no name for it. */
static void
put_place(FILE *f, const struct report_area *row, const char *href)
{
	if (href != NULL)
		fprintf(f, "<a href=\"%s\">", href);
	put_escaped(f, row->name != NULL ? row->name : row->code);
	fputs(href != NULL ? "</a>" : "", f);
	if (row->name == NULL)
		return;
	fputs(" <span class=\"muted wide\">", f);
	put_escaped(f, row->code);
	fputs("</span>", f);
}

static void
put_regency_row(FILE *f, const struct dashboard_view *v, const struct report_area *r)
{
	const char *code = r->code;
	char href[32];

	fputs("<tr data-regency=\"", f);
	put_escaped(f, code);
	fputs("\"><th scope=\"row\">", f);
	snprintf(href, sizeof(href), "/regency/%s%s", code_is_digits(code) ? code : "",
		 lang_query(v));
	put_place(f, r, code_is_digits(code) ? href : NULL);
	fputs("</th>", f);
	put_count_cells(f, v, r);
	put_progress(f, v, r);
	put_projection(f, v, r);
	put_freshness(f, v, r);
	fputs("</tr>", f);
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

/* The office file in both forms: Indonesian for spreadsheets, English as is. */
static void
put_csv_links(FILE *f, const struct dashboard_view *v, const char *query)
{
	fprintf(f, "<a href=\"/v1/report.csv?%slang=id\" download id=\"csv-id\">%s</a> · "
		"<a href=\"/v1/report.csv?%slang=en\" download id=\"csv-en\">%s</a>",
		query, L(v, L_CSV), query, L(v, L_CSV_EN));
}

int
dashboard_province(const struct dashboard_view *v, char **ret, size_t *ret_len,
		   struct ktp_err *err)
{
	const struct report_area *prov = &v->report->province;
	const char *name = prov->name;
	char *buf = NULL, title[160];
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return ktp_err_set(err, -ENOMEM, "dashboard: out of memory");
	if (name == NULL)
		name = nik_province_name((unsigned)atoi(prov->code));
	snprintf(title, sizeof(title), "%s — %s %s", L(v, L_TITLE), L(v, L_PROVINCE),
		 name != NULL ? name : prov->code);
	put_head_code(f, v, title, name != NULL ? prov->code : NULL, "/");
	put_summary(f, v, prov, true);
	fputs("<p>", f);
	put_csv_links(f, v, "");
	fputs("</p>", f);
	fprintf(f, "<div class=\"scroll\"><table id=\"regencies\"><caption>%s</caption><thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		"<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"n wide\">%s</th>"
		"<th scope=\"col\" class=\"wide\">%s</th><th scope=\"col\">%s</th>"
		"<th scope=\"col\">%s</th></tr></thead><tbody>",
		L(v, L_REGENCIES_CAPTION), L(v, L_REGENCY), L(v, L_DPT_UNRECORDED), L(v, L_PEMULA),
		L(v, L_RECORDED_30D), L(v, L_PROGRESS), L(v, L_PROJECTED), L(v, L_CONTACT));
	for (i = 0; i < prov->n_sub; i++)
		put_regency_row(f, v, &prov->sub[i]);
	fputs("</tbody></table></div>", f);
	put_foot(f, v);
	return finish(f, &buf, &len, ret, ret_len, err);
}

/* The regency whose code is the 4-digit code; NULL when none is. */
static const struct report_area *
find_regency(const struct report_area *prov, uint16_t code)
{
	char want[8];
	size_t i;

	snprintf(want, sizeof(want), "%04u", code);
	for (i = 0; i < prov->n_sub; i++)
		if (strcmp(prov->sub[i].code, want) == 0)
			return &prov->sub[i];
	return NULL;
}

/* Most unrecorded first, then by code as the report orders them: qsort is
 * not stable, so ties need their own rule to come out the same each time. */
static int
cmp_unrecorded_desc(const void *a, const void *b)
{
	const struct report_area *ra = *(const struct report_area *const *)a;
	const struct report_area *rb = *(const struct report_area *const *)b;
	int64_t x = count(&ra->dpt_unrecorded), y = count(&rb->dpt_unrecorded);

	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(ra->code, rb->code);
}

/* The areas under area in need order; a new array the caller free()s,
 * NULL when empty or out of memory (then nothing is listed). */
static const struct report_area **
by_need(const struct report_area *area, size_t *ret_n)
{
	size_t n = area->n_sub, i;
	const struct report_area **rows = n > 0 ? calloc(n, sizeof(*rows)) : NULL;

	*ret_n = rows != NULL ? n : 0;
	for (i = 0; i < *ret_n; i++)
		rows[i] = &area->sub[i];
	if (rows != NULL)
		qsort(rows, n, sizeof(*rows), cmp_unrecorded_desc);
	return rows;
}

/* One row of the regency's table: a kecamatan (level "kec") or a desa. */
static void
put_area_row(FILE *f, const struct dashboard_view *v, const struct report_area *row, bool desa)
{
	fprintf(f, "<tr class=\"%s\" data-%s=\"", desa ? "desa" : "kec", desa ? "desa" : "kecamatan");
	put_escaped(f, row->code);
	fputs("\"><th scope=\"row\">", f);
	put_place(f, row, NULL);
	fputs("</th>", f);
	put_count_cells(f, v, row);
	fputs("<td class=\"n wide\">", f);
	put_count(f, v->lang, count(&row->on_dpt));
	fputs("</td>", f);
	put_progress(f, v, row);
	if (desa)
		fputs("<td></td>", f);	/* desa have no projection of their own */
	else
		put_projection(f, v, row);
	fputs("</tr>", f);
}

/* Kecamatan by need and, under each, its desa by need: where to send a team
 * and, once there, which villages to call in first. */
static void
put_kecamatan_table(FILE *f, const struct dashboard_view *v, const struct report_area *reg)
{
	const struct report_area **kec, **desa;
	size_t n, m, i, j;

	fprintf(f, "<div class=\"scroll\"><table id=\"kecamatan\"><caption>%s</caption><thead><tr>"
		"<th scope=\"col\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		"<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"n wide\">%s</th>"
		"<th scope=\"col\" class=\"n wide\">%s</th><th scope=\"col\" class=\"wide\">%s</th>"
		"<th scope=\"col\">%s</th></tr></thead>",
		L(v, L_KECAMATAN_CAPTION), L(v, L_DESA), L(v, L_DPT_UNRECORDED), L(v, L_PEMULA),
		L(v, L_RECORDED_30D), L(v, L_ON_DPT), L(v, L_PROGRESS), L(v, L_PROJECTED));
	kec = by_need(reg, &n);
	for (i = 0; i < n; i++) {
		fputs("<tbody>", f);
		put_area_row(f, v, kec[i], false);
		desa = by_need(kec[i], &m);
		for (j = 0; j < m; j++)
			put_area_row(f, v, desa[j], true);
		free(desa);
		fputs("</tbody>", f);
	}
	if (n == 0)
		fputs("<tbody></tbody>", f);
	fputs("</table></div>", f);
	free(kec);
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

/* "2026-11-09" for a week's start; "" when it has none. */
static void
week_text(uint32_t ymd, char out[static 16])
{
	out[0] = '\0';
	if (ymd != 0)
		snprintf(out, 16, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100, ymd % 100);
}

/* "11-09" under a bar, from the week's "2026-11-09". */
static void
put_week_label(FILE *f, const char *week_start, int x, int y)
{
	char mmdd[8] = "";

	if (strlen(week_start) >= 10)
		snprintf(mmdd, sizeof(mmdd), "%.5s", week_start + 5);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", x, y);
	put_escaped(f, mmdd);
	fputs("</text>", f);
}

/* Server-drawn bars, one per week: the chart needs no JavaScript and the
 * <title> of each bar gives its number to screen readers and on hover. */
static void
put_weekly_chart(FILE *f, const struct dashboard_view *v)
{
	const struct report_week *w;
	int64_t peak = 0, max;
	size_t n = v->weekly != NULL ? v->n_weekly : 0, i;
	size_t first = n > DASHBOARD_WEEKS ? n - DASHBOARD_WEEKS : 0;
	const int width = 640, height = 180, base = 150, bar_w = 20;
	char start[16];

	for (i = first; i < n; i++)
		if (clamp(v->weekly[i].recorded) > peak)
			peak = clamp(v->weekly[i].recorded);
	max = peak > 0 ? peak : 1;
	fprintf(f, "<figure><figcaption>%s</figcaption><svg id=\"weekly\" role=\"img\" "
		"viewBox=\"0 0 %d %d\" width=\"100%%\" aria-label=\"%s\">", L(v, L_CHART),
		width, height, L(v, L_CHART));
	for (i = first; i < n; i++) {
		w = &v->weekly[i];
		int64_t h = clamp(w->recorded) * 130 / max;
		int x = 10 + (int)(i - first) * (bar_w + 4);

		week_text(w->week_start, start);
		fprintf(f, "<rect class=\"bar\" x=\"%d\" y=\"%" PRId64 "\" width=\"%d\" "
			"height=\"%" PRId64 "\"><title>%s ", x, base - h, bar_w, h, L(v, L_WEEK_OF));
		put_escaped(f, start);
		fputs(": ", f);
		put_count(f, v->lang, clamp(w->recorded));
		fputs("</title></rect>", f);
		if ((i - first) % 4 == 0)
			put_week_label(f, start, x, base + 16);
	}
	if (peak > 0)
		put_chart_scale(f, v, peak, base - 130, width);
	fprintf(f, "<line x1=\"8\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#4a4a4a\"/>"
		"</svg></figure>", base, width - 8, base);
}

/* A time of the sync table: its age, coloured when it is the contact, and
 * the hub's wall-clock time with its zone. */
static void
put_sync_time(FILE *f, const struct dashboard_view *v, enum label l, int64_t t,
	      const struct report_area *reg, bool contact)
{
	fprintf(f, "<tr><th scope=\"row\">%s</th>", L(v, l));
	if (contact) {
		put_freshness(f, v, reg);
	} else if (t == 0) {
		fprintf(f, "<td>%s</td>", L(v, L_NEVER));
	} else {
		fputs("<td>", f);
		put_age(f, v, v->now > t ? v->now - t : 0);
		fputs("</td>", f);
	}
	fprintf(f, "<td class=\"time\" data-time=\"%s\">", contact ? "contact" : "data");
	if (t != 0)
		put_local_time(f, v, t);
	fputs("</td></tr>", f);
}

/* The last error the hub noted for the node of code; NULL when none. */
static const char *
last_error_of(const struct nodelist *nodes, uint16_t code)
{
	size_t i;

	for (i = 0; nodes != NULL && i < nodes->n; i++)
		if (nodes->rows[i].n.code == code)
			return nodes->rows[i].n.last_error;
	return NULL;
}

static void
put_sync_state(FILE *f, const struct dashboard_view *v, const struct report_area *reg,
	       uint16_t code)
{
	const char *last_error = last_error_of(v->nodes, code);

	fprintf(f, "<section><h2>%s</h2><table id=\"sync\"><tbody>", L(v, L_SYNC));
	put_sync_time(f, v, L_CONTACT, contact_of(reg), reg, true);
	put_sync_time(f, v, L_FRESHNESS, data_time_of(reg), reg, false);
	fprintf(f, "<tr><th scope=\"row\">%s</th><td class=\"n\">", L(v, L_ACKED));
	put_count(f, v->lang, clamp(reg->acked));
	fprintf(f, "</td><td></td></tr><tr><th scope=\"row\">%s</th><td class=\"n\">",
		L(v, L_PENDING));
	put_count(f, v->lang, clamp(reg->pending));
	fprintf(f, "</td><td></td></tr><tr><th scope=\"row\">%s</th><td colspan=\"2\">",
		L(v, L_LAST_ERROR));
	put_escaped(f, last_error != NULL && *last_error != '\0' ? last_error : L(v, L_NONE));
	fputs("</td></tr></tbody></table></section>", f);
}

int
dashboard_regency(const struct dashboard_view *v, uint16_t code, char **ret, size_t *ret_len,
		  struct ktp_err *err)
{
	const struct report_area *reg = find_regency(&v->report->province, code);
	char *buf = NULL, title[192], query[48];
	size_t len = 0;
	FILE *f;

	if (reg == NULL)
		return ktp_err_set(err, -ENOENT, "dashboard: no regency %04u", code);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return ktp_err_set(err, -ENOMEM, "dashboard: out of memory");
	snprintf(title, sizeof(title), "%s — %s", L(v, L_TITLE),
		 reg->name != NULL ? reg->name : reg->code);
	put_head_code(f, v, title, reg->code, "");
	fprintf(f, "<p><a href=\"/%s\">%s</a> · ", lang_query(v), L(v, L_BACK));
	snprintf(query, sizeof(query), "regency=%04u&amp;level=desa&amp;", code);
	put_csv_links(f, v, query);
	fputs("</p>", f);
	put_summary(f, v, reg, false);
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
