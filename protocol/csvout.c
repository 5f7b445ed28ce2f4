/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "csvout.h"

void
csvout_text(FILE *f, const char *s, char sep)
{
	const char specials[] = { sep, '"', '\r', '\n', '\0' };

	if (s == NULL)
		return;
	if (strpbrk(s, specials) == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
