/* SPDX-License-Identifier: ISC */
/* unit — what every cmocka test file includes: cmocka's prerequisites and shared fixtures.
 * Debian's cmocka 1.1.5 needs stdarg, stddef, setjmp and stdint before cmocka.h.
 * Fixtures make a private temporary directory; nothing here knows a module. */
#ifndef KTP_UNIT_H
#define KTP_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp) for one test; the fixture
 * functions fit cmocka_unit_test_setup_teardown and put the path in *state. */
static inline int
unit_tmpdir_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char *dir = malloc(PATH_MAX);

	if (dir == NULL)
		return -1;
	snprintf(dir, PATH_MAX, "%s/ktp-unit-XXXXXX", base ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static inline int
unit_tmpdir_teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	rc = system(cmd);
	free(*state);
	return rc == 0 ? 0 : -1;
}

/* path = dir/name in a caller buffer of PATH_MAX. */
static inline const char *
unit_path(void **state, const char *name, char *buf)
{
	snprintf(buf, PATH_MAX, "%s/%s", (const char *)*state, name);
	return buf;
}

#endif
