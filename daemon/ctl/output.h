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

/* Prints rows (an array of objects) as columns named by cols[]; missing values print "-". */
void	output_table(FILE *out, const json_t *rows, const char *const *cols, size_t n_cols);
/* "key: value" lines for the given keys of obj, aligned. */
void	output_fields(FILE *out, const json_t *obj, const char *const *keys, size_t n_keys);
void	output_json(FILE *out, const json_t *j);		/* compact, one line */
/* "2h 5m", "40s", "-" for < 0 */
void	output_duration(char *buf, size_t cap, int64_t seconds);
void	output_bytes(char *buf, size_t cap, uint64_t bytes);	/* "1.5 MiB" */

#endif
