/* SPDX-License-Identifier: ISC */
/* conf — INI syntax through inih with a counting reader, and the typed value parsers.
 * Drives a schema table {section, key, parser, offset, min, max}; collects every error.
 * Knows no daemon's keys (conf_node, conf_hub do); never logs, never exits. */
#ifndef KTP_CONF_H
#define KTP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define CONF_MAX_ERRORS 64
#define CONF_MAX_FILE	(1024 * 1024)	/* a config larger than this is refused */
#define CONF_SUN_PATH_MAX	107		/* sizeof(sockaddr_un.sun_path) - 1 */
#define CONF_TIMEZONE_MAX	64		/* "America/Argentina/ComodRivadavia" is 32 */

/* Where `make install` puts the Kemendagri code table (the Makefile sets it). */
#ifndef KTP_AREA_DIR
#define KTP_AREA_DIR		"/usr/local/share/ktpsync/areas"
#endif
/* Offices and the province read local times in western Indonesian time unless told. */
#define KTP_TIMEZONE_DEFAULT	"Asia/Jakarta"
#define CONF_LINE_MAX	1024		/* bytes in a line with its newline; a longer one is refused */

/* Every error of one load, in file order, each "FILE:LINE: what: why"
 * (or "FILE: ..." for a file-wide one such as a missing required key). */
struct conf_errors {
	size_t	n;				/* may exceed CONF_MAX_ERRORS */
	char	msg[CONF_MAX_ERRORS][KTP_ERR_MSG_LEN];
};

void	conf_errors_add(struct conf_errors *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One message per line, each after prefix (NULL for none), then
 * "PATH: N more errors" ("N more errors" when path is NULL) when more than
 * CONF_MAX_ERRORS were collected: check mode and a failed start. */
void	conf_errors_print(const struct conf_errors *e, const char *prefix, const char *path,
			  FILE *out);
/* The same lines, each as "conf: LINE", through a printf-like logger
 * (log_err): a daemon whose reload failed. conf itself never logs. */
void	conf_errors_log(const struct conf_errors *e, const char *path,
			void (*logfn)(const char *fmt, ...));

struct conf_key;

/* A typed value parser: checks text (never empty, surrounding quotes
 * removed) against k's range and stores it at base + k->offset. On failure
 * it returns -EINVAL and puts only the reason in why ("'0s' out of range
 * (1s..1d)"); the caller puts "FILE:LINE: section.key: " in front. */
typedef int conf_parse_fn(const struct conf_key *k, const char *text, void *base,
			  struct ktp_err *why);

#define CONF_REQUIRED	0x1u

struct conf_key {
	const char	*section;	/* "push"; "node *" is every [node ARG] section */
	const char	*key;
	conf_parse_fn	*parse;
	size_t		offset;
	int64_t		min, max;	/* numbers; durations in s; sizes in bytes; string bytes */
	unsigned	flags;
};

/* [NAME ARG] sections: open_section is called once per header with ARG and
 * returns where the "NAME *" keys store (base of their offsets), or NULL
 * with why set, in which case that section's keys are skipped.
 * conf_load uses the rest: the struct's size, its defaults, a check of the
 * whole file after a clean parse (NULL: none) and its destructor. */
struct conf_schema {
	const struct conf_key *keys;
	size_t		n_keys;
	void		*(*open_section)(void *user, const char *name, const char *arg,
					 unsigned line, struct ktp_err *why);
	size_t		size;
	int		(*set_defaults)(void *base);		/* zeroes first; -ENOMEM */
	void		(*check)(void *base, void *user, const char *name,
				 struct conf_errors *errs);
	void		(*done)(void *base);
};

/* Parses text (len bytes, NUL-terminated) named name into base; static
 * sections store into base, [NAME ARG] sections where open_section says.
 * Adds every error to errs (not reset here); returns -EINVAL if any. */
int	conf_parse(const struct conf_schema *s, void *base, void *user, const char *text,
		   size_t len, const char *name, struct conf_errors *errs);
/* The load of one config, for both schemas: resets errs, sets the defaults,
 * parses text (NUL-terminated) named name, then runs s->check when the
 * parse was clean. 0, or -EINVAL (-ENOMEM) with every error in errs and base
 * freed with s->done. user is handed to open_section and check. */
int	conf_load_string(const struct conf_schema *s, void *base, void *user, const char *text,
			 const char *name, struct conf_errors *errs);
/* Zeroes base, reads path (conf_read_file), then conf_load_string. */
int	conf_load(const struct conf_schema *s, void *base, void *user, const char *path,
		  struct conf_errors *errs);
/* Reads a config file of at most CONF_MAX_FILE bytes, refusing a NUL byte;
 * "PATH: why" on failure. */
int	conf_read_file(const char *path, char **ret_text, size_t *ret_len,
		       struct conf_errors *errs);
/* "key = v", or a comment saying the key is unset and what that means. */
void	conf_print_opt(FILE *out, const char *key, const char *v, const char *unset);

/* The typed parsers for schema tables. */
conf_parse_fn conf_parse_string;	/* char *, at most max bytes when max > 0 */
conf_parse_fn conf_parse_path;		/* char *, absolute */
conf_parse_fn conf_parse_url;		/* char *, http:// or https:// with a host */
conf_parse_fn conf_parse_group;		/* char *, a POSIX user/group name */
conf_parse_fn conf_parse_secret;	/* char *, at least min bytes; never echoed */
conf_parse_fn conf_parse_uint32;	/* uint32_t in min..max */
conf_parse_fn conf_parse_duration;	/* uint32_t seconds; "90s", "5m", "12h", "1d" */
conf_parse_fn conf_parse_size;		/* uint64_t bytes; "512", "64K", "4M", "1G" */
conf_parse_fn conf_parse_bool;		/* bool; yes/no, true/false, on/off, 1/0 */
conf_parse_fn conf_parse_key32;		/* uint8_t[32] from standard padded base64 */
conf_parse_fn conf_parse_date;		/* uint32_t YYYYMMDD from a real YYYY-MM-DD */
conf_parse_fn conf_parse_regency;	/* uint16_t, 4 digits, known province, regency 01..99 */
conf_parse_fn conf_parse_province;	/* uint8_t, 2 digits, a known province */

/* HOST:PORT or [V6]:PORT, port 1..65535; *ret_host is a new string. */
int	conf_split_hostport(const char *text, char **ret_host, uint16_t *ret_port,
			    struct ktp_err *why);

/* Normalised forms, as conf_*_print writes and the parsers read back. */
void	conf_format_duration(uint64_t s, char *buf, size_t cap);	/* 300 -> "5m" */
void	conf_format_size(uint64_t bytes, char *buf, size_t cap);	/* 4194304 -> "4M" */
void	conf_format_date(uint32_t yyyymmdd, char *buf, size_t cap);	/* "2029-02-14" */

/* Replaces *slot with a copy of s (NULL stays NULL); -ENOMEM on failure. */
int	conf_set_string(char **slot, const char *s);

#endif
