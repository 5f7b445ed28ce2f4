/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
ktp_err_set(struct ktp_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(err->msg))
		err->msg[ktp_utf8_cut(err->msg, sizeof(err->msg) - 1)] = '\0';
	return code;
}

int
ktp_err_prefix(struct ktp_err *err, const char *fmt, ...)
{
	char prefix[KTP_ERR_MSG_LEN], old[KTP_ERR_MSG_LEN];
	va_list ap;

	if (err == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* A message cut at KTP_ERR_MSG_LEN still names the place first. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) >= (int)sizeof(err->msg))
		err->msg[ktp_utf8_cut(err->msg, sizeof(err->msg) - 1)] = '\0';
	return err->code;
}

void
ktp_err_clear(struct ktp_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

/* The length of the well-formed UTF-8 character at s, within avail bytes
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), or 0
 * if there is none. In a NUL-terminated string avail may be SIZE_MAX: the
 * NUL is no continuation byte, so nothing past it is read. */
static size_t
utf8_char_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

/* The length a lead byte announces, or 1 for a byte that starts nothing. */
static size_t
utf8_lead_len(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 1;
}

int
ktp_utf8_cut(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < max && u[i] != '\0') {
		/* A character the limit would split is left out whole; a
		 * malformed one counts byte by byte. */
		if (utf8_lead_len(u[i]) > max - i)
			break;
		if ((n = utf8_char_len(u + i, SIZE_MAX)) == 0)
			n = 1;
		i += n;
	}
	return (int)i;
}

void
ktp_utf8_scrub(char *s)
{
	unsigned char *u = (unsigned char *)s;
	size_t n;

	while (*u != '\0') {
		if ((n = utf8_char_len(u, SIZE_MAX)) == 0) {
			*u = '?';
			n = 1;
		}
		u += n;
	}
}

bool
ktp_utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] != 0 && u[i] < 0x80) {	/* ASCII, the common case */
			i++;
			continue;
		}
		if (u[i] == 0 || (n = utf8_char_len(u + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}
