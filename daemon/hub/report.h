/* SPDX-License-Identifier: ISC */
/* report — the provincial report from the incremental aggregates: province, regency, kecamatan.
 * persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded, recorded_30d, rate_per_day,
 * projected_completion, on_track (+ last_sync, acked per regency). JSON and CSV; reads only. */
#ifndef KTP_REPORT_H
#define KTP_REPORT_H

#include <stdint.h>

#include <jansson.h>

struct ktp_err;
struct store;

struct report_opts {
	uint8_t		province;	/* 2-digit code */
	uint32_t	election_date;	/* YYYYMMDD */
	int64_t		now;		/* Unix seconds; passed in so tests pin it */
	uint16_t	regency;	/* 0 = whole province */
	const char	*(*regency_name)(uint16_t code, void *arg);	/* may be NULL */
	void		*arg;
};

/* {"province":{...,"regencies":[{...,"kecamatan":[{...}]}]}} as PROTOCOL.md shows. */
int	report_json(struct store *s, const struct report_opts *o, json_t **ret, struct ktp_err *err);
/* One row per regency and per kecamatan: level,code,name,<the fields>. New buffer (free()). */
int	report_csv(struct store *s, const struct report_opts *o, char **ret, size_t *ret_len,
		   struct ktp_err *err);
/* YYYYMMDD on which remaining reaches zero at rate_per_day from today, 0 when rate is 0. */
uint32_t report_projected_completion(uint64_t remaining, double rate_per_day, int64_t now);

#endif
