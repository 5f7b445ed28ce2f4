/* SPDX-License-Identifier: ISC */
/* output — how ktpctl prints: aligned human tables, key/value blocks, --json passthrough.
 * Formats durations ("3m 20s"), ages, byte counts and times for people.
 * Writes to the given FILE only; knows no command. */
#ifndef KTP_OUTPUT_H
#define KTP_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Prints rows (an array of objects) as columns named by cols[], with a header
 * line of the names; missing and null values print "-", booleans yes/no, and
 * columns holding numbers align right. Cells longer than 255 bytes are cut. */
void	output_table(FILE *out, const json_t *rows, const char *const *cols, size_t n_cols);
/* "key: value" lines for the given keys of obj, values aligned in one column. */
void	output_fields(FILE *out, const json_t *obj, const char *const *keys, size_t n_keys);
void	output_json(FILE *out, const json_t *j);		/* compact, one line */
/* "2h 5m", "40s", "-" for < 0 */
void	output_duration(char *buf, size_t cap, int64_t seconds);
void	output_bytes(char *buf, size_t cap, uint64_t bytes);	/* "1.5 MiB", "512 B" */
/* "2026-11-22 13:05:00 UTC"; "-" for <= 0 (never happened). */
void	output_time(char *buf, size_t cap, int64_t unix_s);
/* "3m 20s ago", "in 40s"; "never" for <= 0. now_s is passed in for tests. */
void	output_age(char *buf, size_t cap, int64_t unix_s, int64_t now_s);

/* A regency's freshness from its last authenticated contact, as the dashboard
 * colours it: "never", "error" (the hub refused its last push: last_error_at
 * at or after the contact), "silent" (over KTP_FRESH_SILENT_S), "late" (over
 * KTP_FRESH_LATE_S), else "ok". Times are Unix seconds, 0 = never. */
const char *output_node_state(int64_t last_contact, int64_t last_error_at, int64_t now_s);
/* "2026-12-03T15:00:00Z" as Unix seconds; 0 for NULL or anything else. */
int64_t	output_parse_time(const char *iso);
/* An import's progress line: "12000 rows, 1.2 MiB of 4.8 MiB (25%), 6000 rows/s,
 * 6s left"; without total (0) no share and no time left, and no rate nor time
 * left in the first second. */
void	output_progress(char *buf, size_t cap, uint64_t rows, uint64_t bytes, uint64_t total,
			uint64_t elapsed_ms);
/* Runs show(arg) every seconds until it fails or ktpctl is interrupted: on a
 * terminal each run replaces the last on the screen (under a header line with
 * the interval and the time), elsewhere the runs follow each other with an
 * empty line between. Returns what a failing show returned. */
int	output_watch(FILE *out, unsigned seconds, int (*show)(void *arg), void *arg);

#endif
