/* SPDX-License-Identifier: ISC */
/* nodereport — the node's own report (ktpctl report at a node): per kecamatan and in total.
 * Renders the journal's counts with the hub's arithmetic (protocol/progress.c) into JSON
 * whose figures equal the hub's report for the same rows. Counts nothing itself; never logs. */
#ifndef KTP_NODEREPORT_H
#define KTP_NODEREPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct journal;
struct journal_counts;
struct ktp_err;

/* {"persons":..,"wajib_ktp":..,"on_dpt":..,"recorded":..,"dpt_unrecorded":..,
 * "recorded_30d":..,"rate_per_day":..,"projected_completion":YYYYMMDD|0,"on_track":bool,
 * "recorded_7d":..,"rate_per_day_7d":..,"projected_completion_30d":..,
 * "projected_completion_7d":..,"projection_basis":"30d"|"7d"|null,
 * "pemula_unrecorded":..|null,"node":3201,"kecamatan":[{...the same fields,"code":320101}]}
 * from n rows of journal_counts: the total first, each kecamatan in the list.
 * pemula_unrecorded is null without an election date (nobody is known to be a
 * first-time voter). now is Unix seconds; election_date YYYYMMDD (0 = none).
 * New object, json_decref. */
int	nodereport_render(uint16_t node, const struct journal_counts *rows, size_t n,
			  uint32_t election_date, int64_t now, json_t **ret, struct ktp_err *err);
/* The report of the journal's committed rows: journal_counts, then nodereport_render. */
int	nodereport_json(struct journal *j, uint32_t election_date, int64_t now, json_t **ret,
			struct ktp_err *err);

#endif
