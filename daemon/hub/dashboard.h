/* SPDX-License-Identifier: ISC */
/* dashboard — the provincial web pages ktphubd serves at / : province, regency, login.
 * Renders HTML (tables that work without JavaScript, server-drawn SVG) from the report's view
 * and the node list (C structs), in Indonesian by default or English; owns its CSS and JS.
 * Does no I/O, reads no store and parses no JSON. */
#ifndef KTP_DASHBOARD_H
#define KTP_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ktp_err;
struct nodelist;
struct report_view;
struct report_week;

enum dashboard_lang { DASHBOARD_LANG_ID, DASHBOARD_LANG_EN };

/* The regency page's chart shows 26 weeks: half a year of recording pace. */
#define DASHBOARD_WEEKS 26

struct dashboard_view {
	/* report_view_new() of the province, or of one regency with level desa:
	 * the pages show what PROTOCOL.md 8.4 says it holds, and an unknown
	 * count as unknown, never as 0. */
	const struct report_view *report;
	const struct nodelist	*nodes;		/* may be NULL */
	const struct report_week *weekly;	/* the regency page's chart; may be NULL */
	size_t			n_weekly;
	uint32_t	election_date;	/* YYYYMMDD */
	int64_t		now;		/* Unix seconds */
	/* The hub's [hub] timezone: times are shown on its wall clock, labelled
	 * with tz_abbr ("WIB"; NULL or "" reads "UTC" or "UTC+07:00"). */
	int32_t		tz_offset_s;	/* east of UTC */
	const char	*tz_abbr;
	enum dashboard_lang lang;
};

/* "?lang=en" selects English; anything else Indonesian. */
enum dashboard_lang dashboard_lang_from_query(const char *lang);

/* Each returns a new NUL-terminated HTML buffer the caller free()s. */
int	dashboard_province(const struct dashboard_view *v, char **ret, size_t *ret_len,
			   struct ktp_err *err);
/* -ENOENT when the report holds no regency with that code. */
int	dashboard_regency(const struct dashboard_view *v, uint16_t code, char **ret,
			  size_t *ret_len, struct ktp_err *err);
int	dashboard_login(enum dashboard_lang lang, bool failed, char **ret, size_t *ret_len,
			struct ktp_err *err);

/* Static assets by path ("/static/dashboard.css"); NULL when unknown.
 * Borrowed, valid for the life of the process. */
const char *dashboard_asset(const char *path, const char **ret_type, size_t *ret_len);

#endif
