/* SPDX-License-Identifier: ISC */
/* err — the caller-owned error detail every library layer fills (STYLE A5, A6).
 * Holds a negative errno and one message shaped `WHERE: WHAT: WHY`, and the UTF-8
 * checks of texts (cut, scrub, validate) that messages and every other text need.
 * Never logs and never allocates; the caller decides where the text goes. */
#ifndef KTP_ERR_H
#define KTP_ERR_H

#include <stdbool.h>
#include <stddef.h>

#define KTP_ERR_MSG_LEN 256

struct ktp_err {
	int	code;			/* 0, or a negative errno */
	char	msg[KTP_ERR_MSG_LEN];	/* "" when code == 0 */
};

/* Sets code and message and returns code, for `return ktp_err_set(...)`.
 * err may be NULL. The message is truncated, never overflowed, and a cut
 * falls between two UTF-8 characters. */
int	ktp_err_set(struct ktp_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "PREFIX: " in front of the existing message (e.g. a file name or a
 * batch range added by an outer layer). Returns err->code. */
int	ktp_err_prefix(struct ktp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void	ktp_err_clear(struct ktp_err *err);

/* The length of the longest prefix of s, at most max bytes, that does not
 * end inside a UTF-8 character: for "'%.*s'" where "'%.64s'" would cut one. */
int	ktp_utf8_cut(const char *s, size_t max);
/* Replaces each byte that is not part of a well-formed UTF-8 character with
 * '?', in place, so that a text holding a client's bytes can go into JSON. */
void	ktp_utf8_scrub(char *s);
/* True when len bytes are well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF) without a NUL: the one validator of
 * records, import fields, config values and control texts. */
bool	ktp_utf8_is_valid(const char *s, size_t len);

#endif
