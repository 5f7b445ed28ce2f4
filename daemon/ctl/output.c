/* SPDX-License-Identifier: ISC */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "proto.h"

#define CELL_MAX	256	/* longer values are cut; a table stays readable */

/* Text of one value: strings as they are, numbers in C locale, booleans
 * as yes/no, null or missing as "-", arrays and objects as compact JSON. */
static void
format_value(const json_t *v, char *buf, size_t cap)
{
	char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, cap, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, cap, "%.2f", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, cap, "yes");
		break;
	case JSON_FALSE:
		snprintf(buf, cap, "no");
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		snprintf(buf, cap, "%s", s != NULL ? s : "-");
		free(s);
		break;
	default:
		snprintf(buf, cap, "-");
	}
}

static void
cell(const json_t *row, const char *col, char *buf, size_t cap)
{
	const json_t *v = json_is_object(row) ? json_object_get(row, col) : NULL;

	if (v == NULL)
		snprintf(buf, cap, "-");
	else
		format_value(v, buf, cap);
}

static bool
is_number(const json_t *rows, const char *col)
{
	const json_t *row, *v;
	size_t i;

	json_array_foreach(rows, i, row) {
		v = json_object_get(row, col);
		if (v != NULL && !json_is_null(v))
			return json_is_number(v);
	}
	return false;
}

static void
measure(const json_t *rows, const char *const *cols, size_t n_cols, size_t *width)
{
	char buf[CELL_MAX];
	const json_t *row;
	size_t i, k, n;

	for (k = 0; k < n_cols; k++)
		width[k] = strlen(cols[k]);
	json_array_foreach(rows, i, row) {
		for (k = 0; k < n_cols; k++) {
			cell(row, cols[k], buf, sizeof(buf));
			n = strlen(buf);
			if (n > width[k])
				width[k] = n;
		}
	}
}

/* Numbers align right so digits line up; the last column is not padded,
 * so no line ends in spaces. */
static void
print_cells(FILE *out, const char *const *text, const size_t *width, const bool *right,
	    size_t n_cols)
{
	size_t k;

	for (k = 0; k < n_cols; k++) {
		const char *sep = k > 0 ? "  " : "";
		bool last = k + 1 == n_cols;

		if (right[k])
			fprintf(out, "%s%*s", sep, (int)width[k], text[k]);
		else if (last)
			fprintf(out, "%s%s", sep, text[k]);
		else
			fprintf(out, "%s%-*s", sep, (int)width[k], text[k]);
	}
	fputc('\n', out);
}

void
output_table(FILE *out, const json_t *rows, const char *const *cols, size_t n_cols)
{
	size_t *width = calloc(n_cols, sizeof(*width));
	bool *right = calloc(n_cols, sizeof(*right));
	char (*buf)[CELL_MAX] = calloc(n_cols, CELL_MAX);
	const char **text = calloc(n_cols, sizeof(*text));
	const json_t *row;
	size_t i, k;

	if (width == NULL || right == NULL || buf == NULL || text == NULL)
		goto out;
	measure(rows, cols, n_cols, width);
	for (k = 0; k < n_cols; k++)
		right[k] = is_number(rows, cols[k]);
	print_cells(out, (const char *const *)cols, width, right, n_cols);
	json_array_foreach(rows, i, row) {
		for (k = 0; k < n_cols; k++) {
			cell(row, cols[k], buf[k], CELL_MAX);
			text[k] = buf[k];
		}
		print_cells(out, text, width, right, n_cols);
	}
out:
	free(width);
	free(right);
	free(buf);
	free(text);
}

void
output_fields(FILE *out, const json_t *obj, const char *const *keys, size_t n_keys)
{
	char buf[CELL_MAX];
	size_t k, w = 0;

	for (k = 0; k < n_keys; k++)
		if (strlen(keys[k]) > w)
			w = strlen(keys[k]);
	for (k = 0; k < n_keys; k++) {
		cell(obj, keys[k], buf, sizeof(buf));
		fprintf(out, "%s:%*s %s\n", keys[k], (int)(w - strlen(keys[k])), "", buf);
	}
}

void
output_json(FILE *out, const json_t *j)
{
	json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', out);
}

/* Two units at most: an operator reads "2h 5m", not "2h 5m 13s". */
void
output_duration(char *buf, size_t cap, int64_t seconds)
{
	static const struct { int64_t size; const char *name; } units[] = {
		{ 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" },
	};
	size_t i;
	int64_t big, small;

	if (seconds < 0) {
		snprintf(buf, cap, "-");
		return;
	}
	for (i = 0; i < 3 && seconds < units[i].size; i++)
		;
	big = seconds / units[i].size;
	if (i == 3) {
		snprintf(buf, cap, "%" PRId64 "s", big);
		return;
	}
	small = seconds % units[i].size / units[i + 1].size;
	if (small == 0)
		snprintf(buf, cap, "%" PRId64 "%s", big, units[i].name);
	else
		snprintf(buf, cap, "%" PRId64 "%s %" PRId64 "%s", big, units[i].name, small,
			 units[i + 1].name);
}

void
output_bytes(char *buf, size_t cap, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t i = 0;

	if (bytes < 1024) {
		snprintf(buf, cap, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	snprintf(buf, cap, "%.1f %s", v, units[i]);
}

void
output_time(char *buf, size_t cap, int64_t unix_s)
{
	struct tm tm;
	time_t t = (time_t)unix_s;

	if (unix_s <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, cap, "-");
		return;
	}
	strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void
output_age(char *buf, size_t cap, int64_t unix_s, int64_t now_s)
{
	char d[32];

	if (unix_s <= 0) {
		snprintf(buf, cap, "never");
		return;
	}
	if (unix_s > now_s) {
		output_duration(d, sizeof(d), unix_s - now_s);
		snprintf(buf, cap, "in %s", d);
		return;
	}
	output_duration(d, sizeof(d), now_s - unix_s);
	snprintf(buf, cap, "%s ago", d);
}

const char *
output_node_state(int64_t last_contact, int64_t last_error_at, int64_t now_s)
{
	if (last_contact <= 0)
		return last_error_at > 0 ? "error" : "never";
	if (last_error_at >= last_contact)
		return "error";
	if (now_s - last_contact > KTP_FRESH_SILENT_S)
		return "silent";
	if (now_s - last_contact > KTP_FRESH_LATE_S)
		return "late";
	return "ok";
}

int64_t
output_parse_time(const char *iso)
{
	struct tm tm = {0};
	const char *end;

	if (iso == NULL || (end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return 0;
	return (int64_t)timegm(&tm);
}

int
output_watch(FILE *out, unsigned seconds, int (*show)(void *arg), void *arg)
{
	bool tty = isatty(fileno(out));
	char now[64];
	int r;

	for (unsigned i = 0;; i++) {
		if (tty) {
			output_time(now, sizeof(now), (int64_t)time(NULL));
			fprintf(out, "\033[H\033[2JEvery %us: ktpctl    %s\n\n", seconds, now);
		} else if (i > 0) {
			fputc('\n', out);
		}
		if ((r = show(arg)) != 0)
			return r;
		fflush(out);
		sleep(seconds);
	}
}

void
output_progress(char *buf, size_t cap, uint64_t rows, uint64_t bytes, uint64_t total,
		uint64_t elapsed_ms)
{
	char done[32], all[32], left[32];
	size_t n;

	output_bytes(done, sizeof(done), bytes);
	n = (size_t)snprintf(buf, cap, "%" PRIu64 " rows, %s", rows, done);
	if (total > 0 && n < cap) {
		output_bytes(all, sizeof(all), total);
		n += (size_t)snprintf(buf + n, cap - n, " of %s (%" PRIu64 "%%)", all,
				      bytes >= total ? 100 : bytes * 100 / total);
	}
	/* A rate over less than a second says more about the first chunk
	 * than about the import. */
	if (elapsed_ms < 1000 || n >= cap)
		return;
	n += (size_t)snprintf(buf + n, cap - n, ", %" PRIu64 " rows/s", rows * 1000 / elapsed_ms);
	if (total > bytes && bytes > 0 && n < cap) {
		output_duration(left, sizeof(left),
				(int64_t)((total - bytes) * elapsed_ms / bytes / 1000));
		snprintf(buf + n, cap - n, ", %s left", left);
	}
}
