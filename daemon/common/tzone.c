/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "tzone.h"

/* Zone names are paths under the database: refuse what could leave it. */
static bool
is_zone_name(const char *s)
{
	const char *p;

	if (s[0] == '\0' || s[0] == '/' || strstr(s, "..") != NULL)
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' || *p == '+' ||
		      *p == '-'))
			return false;
	return true;
}

int
tzone_resolve(const char *name, int64_t at, struct tzone *ret, struct ktp_err *err)
{
	const char *dir = getenv("TZDIR");
	char path[4096], *old = NULL;
	time_t t = (time_t)at;
	struct stat st;
	struct tm tm;
	int r = 0;

	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	if (!is_zone_name(name))
		return ktp_err_set(err, -EINVAL, "timezone: '%s': not a zone name such as "
				   "Asia/Jakarta", name);
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return ktp_err_set(err, -ENOENT, "timezone: '%s': no such zone in %s", name, dir);
	if (getenv("TZ") != NULL && (old = strdup(getenv("TZ"))) == NULL)
		return ktp_err_set(err, -ENOMEM, "timezone: out of memory");
	if (setenv("TZ", name, 1) < 0) {
		r = ktp_err_set(err, -errno, "timezone: setenv: %s", strerror(errno));
		goto out;
	}
	tzset();
	if (localtime_r(&t, &tm) == NULL) {
		r = ktp_err_set(err, -EOVERFLOW, "timezone: '%s': no local time at %lld", name,
				(long long)at);
		goto out;
	}
	ret->offset_s = (int32_t)tm.tm_gmtoff;
	snprintf(ret->abbr, sizeof(ret->abbr), "%s", tm.tm_zone ? tm.tm_zone : "");
out:
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	return r;
}
