/* SPDX-License-Identifier: ISC */
#include "calendar.h"

/* 719468 days lie between 0000-03-01 and 1970-01-01; counting years from
 * March puts the leap day last, so each era of 400 years is regular. */
#define DAYS_0000_03_01	719468

int64_t
calendar_days(uint32_t yyyymmdd)
{
	int64_t y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - DAYS_0000_03_01;
}

uint32_t
calendar_ymd(int64_t days)
{
	int64_t z = days + DAYS_0000_03_01;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	return (uint32_t)(y * 10000 + m * 100 + d);
}
