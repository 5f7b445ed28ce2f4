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

#endif
