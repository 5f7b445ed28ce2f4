/* SPDX-License-Identifier: ISC */
/* tzone — a configured time zone (Asia/Jakarta, Asia/Makassar, Asia/Jayapura) as an offset.
 * Resolved once at start through the C library's tz database (tzdata): the offset and the
 * abbreviation (WIB, WITA, WIT) in force then. Indonesia keeps no daylight saving time. */
#ifndef KTP_TZONE_H
#define KTP_TZONE_H

#include <stdint.h>

struct ktp_err;

struct tzone {
	int32_t	offset_s;		/* east of UTC: 25200 for WIB */
	char	abbr[16];		/* "WIB" */
};

/* Looks name up in $TZDIR or /usr/share/zoneinfo and takes its offset at the Unix time at.
 * Not thread-safe (it sets TZ for the call): use before threads start.
 * "timezone: 'Asia/Jakartx': no such zone in /usr/share/zoneinfo". */
int	tzone_resolve(const char *name, int64_t at, struct tzone *ret, struct ktp_err *err);

#endif
