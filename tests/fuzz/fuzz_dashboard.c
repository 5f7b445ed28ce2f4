/* SPDX-License-Identifier: ISC */
/* fuzz_dashboard — libFuzzer target for the dashboard pages.
 * The pages render from C structs (the report's view, the node list, the weekly
 * recordings), no longer from JSON, so each input is read as those structs: the
 * ?lang= text and the regency code a request names (what a stranger chooses),
 * then a province with its regencies, kecamatan and desa, node rows and weeks,
 * whose codes, names and errors are any bytes and whose counts any 64-bit value.
 * The province page and the page of every regency it lists, of the requested
 * code and of one it does not list are rendered, in the requested language and
 * in the other one. Every page must be whole, and every tag in it one the
 * dashboard writes: a name, code or error never opens a tag of its own. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "err.h"
#include "nodelist.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SUB		6	/* areas under each area: 6 regencies, 36 kecamatan, 216 desa */
#define MAX_NODES	4
#define MAX_WEEKS	30	/* more than the chart's 26 */

static const char *const tags[] = {
	"!DOCTYPE", "html", "head", "meta", "title", "link", "body", "header", "h1", "h2", "a",
	"span", "main", "ul", "li", "p", "div", "table", "caption", "thead", "tbody", "tr", "th",
	"td", "progress", "footer", "script", "section", "figure", "figcaption", "svg", "rect",
	"text", "line", "wbr",
};

/* The input, read front to back; past its end every read is 0 or "". */
struct input {
	const uint8_t	*p;
	size_t		n;
};

static uint64_t
take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0 && in->n > 0) {
		v = v << 8 | *in->p++;
		in->n--;
	}
	return v;
}

/* Up to cap - 1 bytes, ended by a NUL in the input or by cap. */
static void
take_text(struct input *in, char *out, size_t cap)
{
	size_t i = 0;

	while (in->n > 0 && i + 1 < cap) {
		in->n--;
		if ((out[i] = (char)*in->p++) == '\0')
			break;
		i++;
	}
	out[i] = '\0';
}

static struct report_count
take_count(struct input *in)
{
	uint8_t known = (uint8_t)take(in, 1);

	return (struct report_count){ (int64_t)take(in, known & 0x80 ? 8 : 3), known & 1 };
}

/* Times are Unix seconds the hub's clock wrote: 32 bits, or 0 for never. */
static void
take_area(struct input *in, struct report_area *a, int depth)
{
	char name[48];
	uint8_t flags = (uint8_t)take(in, 1);
	size_t i;

	take_text(in, a->code, sizeof(a->code));
	take_text(in, name, sizeof(name));
	a->name = flags & 1 ? strdup(name) : NULL;
	a->has_data = flags & 2;
	a->has_30d = flags & 4;
	a->has_7d = flags & 8;
	a->track = (enum report_track)(flags >> 4 & 3) % 3;
	a->basis = (enum progress_basis)(flags >> 6 & 3) % 3;
	a->dpt_unrecorded = take_count(in);
	a->pemula_unrecorded = take_count(in);
	a->recorded_30d = take_count(in);
	a->on_dpt = take_count(in);
	a->projected = (uint32_t)take(in, 4);
	a->projected_30d = (uint32_t)take(in, 4);
	a->projected_7d = (uint32_t)take(in, 4);
	a->last_contact = (int64_t)take(in, 4);
	a->last_data = (int64_t)take(in, 4);
	a->last_sync = (int64_t)take(in, 4);
	a->acked = (int64_t)take(in, 8);
	a->pending = (int64_t)take(in, 8);
	if (depth == 0 || (a->n_sub = take(in, 1) % (MAX_SUB + 1)) == 0)
		return;
	if ((a->sub = calloc(a->n_sub, sizeof(*a->sub))) == NULL) {
		a->n_sub = 0;
		return;
	}
	for (i = 0; i < a->n_sub; i++)
		take_area(in, &a->sub[i], depth - 1);
}

/* report_area_done without linking report.c and the store it reads. */
static void
free_area(struct report_area *a)
{
	size_t i;

	for (i = 0; i < a->n_sub; i++)
		free_area(&a->sub[i]);
	free(a->sub);
	free(a->name);
}

static bool
known_tag(const char *p)
{
	size_t i, n;

	if (*p == '/')
		p++;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		n = strlen(tags[i]);
		if (strncmp(p, tags[i], n) == 0 && (p[n] == ' ' || p[n] == '>' || p[n] == '/'))
			return true;
	}
	return false;
}

static void
check_page(const char *html, size_t len)
{
	const char *p, *script;

	if (strlen(html) != len || len < 8 || strcmp(html + len - 8, "</html>\n") != 0)
		abort();
	for (p = strchr(html, '<'); p != NULL; p = strchr(p + 1, '<'))
		if (!known_tag(p + 1))
			abort();
	script = strstr(html, "<script");
	if (script == NULL || strstr(script + 1, "<script") != NULL)
		abort();
}

static void
render(struct dashboard_view *v, uint16_t code)
{
	struct ktp_err err = {0};
	char *html = NULL;
	size_t len = 0;
	int r;

	r = code == 0 ? dashboard_province(v, &html, &len, &err) :
			dashboard_regency(v, code, &html, &len, &err);
	if (r == 0)
		check_page(html, len);
	else if (r != -ENOENT || err.msg[0] == '\0')
		abort();
	free(html);
}

/* The province, the requested code, every 4-digit code listed, and one not listed. */
static void
render_all(struct dashboard_view *v, uint16_t asked)
{
	const struct report_area *prov = &v->report->province;
	const char *c;
	size_t i;

	render(v, 0);
	render(v, asked);
	render(v, 9999);
	for (i = 0; i < prov->n_sub; i++) {
		c = prov->sub[i].code;
		if (strlen(c) == 4 && strspn(c, "0123456789") == 4)
			render(v, (uint16_t)atoi(c));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct report_view report = {0};
	struct nodelist_row rows[MAX_NODES] = {0};
	struct nodelist nodes = { rows, 0 };
	struct report_week weeks[MAX_WEEKS];
	struct dashboard_view v = { .report = &report, .nodes = &nodes, .weekly = weeks,
				    .election_date = 20270214, .now = 1795348800 };
	char lang[8];
	uint16_t asked;
	size_t i;

	take_text(&in, lang, sizeof(lang));
	v.lang = dashboard_lang_from_query(lang);
	asked = (uint16_t)take(&in, 2);
	report.election_passed_known = take(&in, 1) & 1;
	report.election_passed = take(&in, 1) & 1;
	report.regencies_without_data = take_count(&in);
	nodes.n = take(&in, 1) % (MAX_NODES + 1);
	for (i = 0; i < nodes.n; i++) {
		rows[i].n.code = (uint16_t)take(&in, 2);
		take_text(&in, rows[i].n.last_error, sizeof(rows[i].n.last_error));
	}
	v.n_weekly = take(&in, 1) % (MAX_WEEKS + 1);
	for (i = 0; i < v.n_weekly; i++) {
		weeks[i].week_start = (uint32_t)take(&in, 4);
		weeks[i].recorded = (int64_t)take(&in, 8);
	}
	take_area(&in, &report.province, 3);
	render_all(&v, asked);
	v.lang = v.lang == DASHBOARD_LANG_EN ? DASHBOARD_LANG_ID : DASHBOARD_LANG_EN;
	v.tz_offset_s = 7 * 3600;
	v.tz_abbr = "WIB";
	v.election_date = 20261101;	/* passed */
	render_all(&v, asked);
	free_area(&report.province);
	return 0;
}
