/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "enroll.h"
#include "nodelist.h"

/* Codes are four digits (enroll_add takes 1000..9999; the store keeps only
 * codes that pushed), so numeric order is the order of their text. */
static int
cmp_code(const void *a, const void *b)
{
	const struct nodelist_row *x = a, *y = b;

	return x->n.code < y->n.code ? -1 : x->n.code > y->n.code;
}

static struct nodelist_row *
find_row(struct nodelist_row *rows, size_t n, uint16_t code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].n.code == code)
			return &rows[i];
	return NULL;
}

/* An enrolled node that never contacted the hub still gets a row, at acked 0. */
int
nodelist_merge(const struct store_node *stored, size_t n_stored, const struct enroll *e,
	       struct nodelist *ret)
{
	size_t n_enrolled = enroll_count(e), cap = n_stored + n_enrolled, n = 0, i;
	struct nodelist_row *rows = calloc(cap ? cap : 1, sizeof(*rows)), *row;

	if (rows == NULL)
		return -ENOMEM;
	for (i = 0; i < n_stored; i++) {
		rows[n].n = stored[i];
		rows[n++].stored = true;
	}
	for (i = 0; i < n_enrolled; i++) {
		const struct enroll_node *en = enroll_at(e, i);

		if ((row = find_row(rows, n_stored, en->code)) == NULL) {
			row = &rows[n++];
			row->n.code = en->code;
		}
		row->enrolled = true;
		snprintf(row->name, sizeof(row->name), "%s", en->name);
	}
	qsort(rows, n, sizeof(*rows), cmp_code);
	ret->rows = rows;
	ret->n = n;
	return 0;
}

void
nodelist_done(struct nodelist *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

uint64_t
nodelist_versions(const struct nodelist *l)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		sum += l->rows[i].n.versions;
	return sum;
}

/* An enrolled node the hub never heard from: every count 0, every time null,
 * and its name second, after the code, as this row has always listed it. */
static json_t *
enrolled_json(const char *code, const char *name, const char *zero_chain)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:n, s:n, s:n, s:n, s:i, s:i, s:n, s:n}",
			 "code", code, "name", name, "acked", 0, "chain", zero_chain, "head", 0,
			 "pending", 0, "last_seen", "last_push", "last_contact", "last_data",
			 "versions", 0, "bytes", 0, "last_error", "last_error_at");
}

static json_t *
row_json(const struct nodelist_row *row)
{
	const struct store_node *n = &row->n;
	char code[8], hex[2 * KTP_HASH_LEN + 1];
	json_t *o;

	snprintf(code, sizeof(code), "%04u", n->code);
	chain_to_hex(n->chain, hex);
	if (!row->stored)
		return enrolled_json(code, row->name, hex);
	/* last_contact and last_data are last_seen and last_push under the names
	 * the liveness view uses; both pairs stay for existing readers. */
	o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o}",
		      "code", code, "acked", (json_int_t)n->acked, "chain", hex,
		      "head", (json_int_t)n->head,
		      "pending", (json_int_t)(n->head > n->acked ? n->head - n->acked : 0),
		      "last_seen", store_json_time(n->last_seen),
		      "last_push", store_json_time(n->last_push),
		      "last_contact", store_json_time(n->last_seen),
		      "last_data", store_json_time(n->last_push),
		      "versions", (json_int_t)n->versions, "bytes", (json_int_t)n->bytes,
		      "last_error", n->last_error[0] ? json_string(n->last_error) : json_null(),
		      "last_error_at", store_json_time(n->last_error_at));
	/* A stored row of an enrolled node carries the name last. */
	if (o != NULL && row->enrolled &&
	    json_object_set_new(o, "name", json_string(row->name)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
nodelist_json(const struct nodelist *l)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < l->n; i++) {
		if (json_array_append_new(arr, row_json(&l->rows[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
