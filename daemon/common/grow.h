/* SPDX-License-Identifier: ISC */
/* grow — room for one more row in a realloc'd array that doubles as it fills,
 * for the readers that collect query rows (the hub's report, the node's journal). */
#ifndef KTP_GROW_H
#define KTP_GROW_H

#include <stddef.h>
#include <stdlib.h>

/* arr with room for one more row (n used of *cap, each size bytes); NULL
 * when out of memory, arr then unchanged and still the caller's to free. */
static inline void *
grow(void *arr, size_t n, size_t *cap, size_t size)
{
	void *p;

	if (n < *cap)
		return arr;
	if ((p = realloc(arr, (2 * *cap + 64) * size)) != NULL)
		*cap = 2 * *cap + 64;
	return p;
}

#endif
