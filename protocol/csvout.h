/* SPDX-License-Identifier: ISC */
/* csvout — one CSV cell as RFC 4180 writes it, for every CSV the programs print.
 * Quotes a value holding the separator, a quote or a line break, doubling quotes.
 * Writes to a stdio stream only; knows nothing of columns or rows. */
#ifndef KTP_CSVOUT_H
#define KTP_CSVOUT_H

#include <stdio.h>

/* Writes s (nothing for NULL) as one cell's text; sep is ',' or ';'. */
void	csvout_text(FILE *f, const char *s, char sep);

#endif
