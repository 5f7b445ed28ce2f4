/* SPDX-License-Identifier: ISC */
/* conf_fixture — what the node and hub config tests share: the data directory and file reads.
 * The directory is $KTP_TEST_DATA/conf, else tests/data/conf from the tree's root.
 * Knows no schema; each test file loads and checks its own config type. */
#ifndef KTP_CONF_FIXTURE_H
#define KTP_CONF_FIXTURE_H

#include "unit.h"

/* Writes the config data directory into buf (PATH_MAX bytes) and returns buf. */
static inline const char *
conf_fix_data_dir(char *buf)
{
	const char *data = getenv("KTP_TEST_DATA");

	snprintf(buf, PATH_MAX, "%s/conf", data ? data : "tests/data");
	return buf;
}

/* The whole file as a new NUL-terminated string (free()); fails the test if unreadable. */
static inline char *
conf_fix_slurp(const char *path)
{
	char *buf;
	long n;
	FILE *f;

	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

#endif
