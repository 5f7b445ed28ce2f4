/* SPDX-License-Identifier: ISC */
/* calendar — YYYYMMDD dates and day numbers, proleptic Gregorian, UTC days since 1970-01-01.
 * Pure arithmetic (Howard Hinnant's days_from_civil / civil_from_days): the record encoding,
 * the hub's reports and the synthetic data all count days the same way. */
#ifndef KTP_CALENDAR_H
#define KTP_CALENDAR_H

#include <stdint.h>

/* Days since 1970-01-01 of a valid YYYYMMDD (negative before 1970). */
int64_t		calendar_days(uint32_t yyyymmdd);
/* The YYYYMMDD of a day number; the inverse of calendar_days. */
uint32_t	calendar_ymd(int64_t days);

#endif
