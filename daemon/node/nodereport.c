/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>

#include "err.h"
#include "journal.h"
#include "nodereport.h"
#include "progress.h"

/* The projection arithmetic is the hub's (protocol/progress.c); dates go out
 * as YYYYMMDD integers (0 = none), which ktpctl prints as the hub does. */
static json_t *
counts_json(const struct journal_counts *c, uint32_t election_date, int64_t now)
{
	const struct progress_input in = {
		.has_evidence = c->persons > 0, .remaining = c->dpt_unrecorded,
		.recorded_30d = c->recorded_30d, .recorded_7d = c->recorded_7d,
		.today = progress_day(now), .election_date = election_date,
	};
	const char *basis;
	struct progress p;
	json_t *o;

	progress_compute(&in, &p);
	basis = progress_basis_name(p.basis);
	o = json_pack("{sI sI sI sI sI sI sf sI sb sI sf sI sI so}",
			 "persons", (json_int_t)c->persons,
			 "wajib_ktp", (json_int_t)c->wajib_ktp,
			 "on_dpt", (json_int_t)c->on_dpt,
			 "recorded", (json_int_t)c->recorded,
			 "dpt_unrecorded", (json_int_t)c->dpt_unrecorded,
			 "recorded_30d", (json_int_t)c->recorded_30d,
			 "rate_per_day", p.rate_30d,
			 "projected_completion", (json_int_t)p.projected,
			 "on_track", p.on_track,
			 "recorded_7d", (json_int_t)c->recorded_7d,
			 "rate_per_day_7d", p.rate_7d,
			 "projected_completion_30d", (json_int_t)p.projected_30d,
			 "projected_completion_7d", (json_int_t)p.projected_7d,
			 "projection_basis", basis ? json_string(basis) : json_null());
	/* Without an election date nobody is known to be a first-time voter. */
	if (o != NULL && json_object_set_new(o, "pemula_unrecorded", election_date == 0 ?
			json_null() : json_integer((json_int_t)c->pemula_unrecorded)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
add_counts(struct journal_counts *sum, const struct journal_counts *c)
{
	sum->persons += c->persons;
	sum->wajib_ktp += c->wajib_ktp;
	sum->on_dpt += c->on_dpt;
	sum->recorded += c->recorded;
	sum->dpt_unrecorded += c->dpt_unrecorded;
	sum->recorded_30d += c->recorded_30d;
	sum->pemula_unrecorded += c->pemula_unrecorded;
	sum->recorded_7d += c->recorded_7d;
}

/* Each kecamatan's object into list, and their sum into *total. */
static int
render_rows(const struct journal_counts *rows, size_t n, uint32_t election_date, int64_t now,
	    json_t *list, struct journal_counts *total)
{
	json_t *o;
	size_t i;

	for (i = 0; i < n; i++) {
		add_counts(total, &rows[i]);
		o = counts_json(&rows[i], election_date, now);
		if (o == NULL || json_object_set_new(o, "code",
				json_integer((json_int_t)rows[i].kecamatan)) < 0 ||
		    json_array_append_new(list, o) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
nodereport_render(uint16_t node, const struct journal_counts *rows, size_t n,
		  uint32_t election_date, int64_t now, json_t **ret, struct ktp_err *err)
{
	struct journal_counts total = {0};
	json_t *list = NULL, *o = NULL;

	if ((list = json_array()) == NULL ||
	    render_rows(rows, n, election_date, now, list, &total) < 0)
		goto fail;
	o = counts_json(&total, election_date, now);
	if (o == NULL || json_object_set_new(o, "node", json_integer(node)) < 0)
		goto fail;
	if (json_object_set_new(o, "kecamatan", list) < 0) {
		list = NULL;	/* json_object_set_new released it */
		goto fail;
	}
	*ret = o;
	return 0;
fail:
	json_decref(list);
	json_decref(o);
	return ktp_err_set(err, -ENOMEM, "journal: report: out of memory");
}

int
nodereport_json(struct journal *j, uint32_t election_date, int64_t now, json_t **ret,
		struct ktp_err *err)
{
	struct journal_counts *rows = NULL;
	size_t n = 0;
	int r;

	if ((r = journal_counts(j, election_date, now, &rows, &n, err)) < 0)
		return r;
	r = nodereport_render(journal_node_id(j), rows, n, election_date, now, ret, err);
	free(rows);
	return r;
}
