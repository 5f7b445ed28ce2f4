/* SPDX-License-Identifier: ISC */
/* fuzz_dashboard — libFuzzer target for the dashboard pages.
 * Each input is read as report JSON (its "weekly" and "nodes" members, when
 * present, feed the chart and the sync table) and rendered as the province
 * page and as the page of every regency it lists, in both languages. Every
 * page must be whole, and every tag in it one the dashboard writes: a name
 * or code from the report never opens a tag of its own. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dashboard.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = {
	"!DOCTYPE", "html", "head", "meta", "title", "link", "body", "header", "h1", "h2", "a",
	"span", "main", "ul", "li", "p", "div", "table", "caption", "thead", "tbody", "tr", "th",
	"td", "progress", "footer", "script", "section", "figure", "figcaption", "svg", "rect",
	"text", "line", "wbr",
};

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

/* Every 4-digit code the report lists, and one it does not. */
static void
render_all(struct dashboard_view *v)
{
	const json_t *prov = json_object_get(v->report, "province"), *r;
	const char *c;
	size_t i;

	render(v, 0);
	render(v, 9999);
	json_array_foreach(json_object_get(prov != NULL ? prov : v->report, "regencies"), i, r) {
		c = json_string_value(json_object_get(r, "code"));
		if (c != NULL && strlen(c) == 4 && strspn(c, "0123456789") == 4)
			render(v, (uint16_t)atoi(c));
		if (i >= 64)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	struct dashboard_view v = { .election_date = 20270214, .now = 1795348800 };

	if (j == NULL)
		return 0;
	v.report = j;
	v.weekly = json_object_get(j, "weekly");
	v.nodes = json_object_get(j, "nodes");
	render_all(&v);
	v.lang = DASHBOARD_LANG_EN;
	v.tz_offset_s = 7 * 3600;
	v.tz_abbr = "WIB";
	v.election_date = 20261101;	/* passed */
	render_all(&v);
	json_decref(j);
	return 0;
}
