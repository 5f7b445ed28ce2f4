/* SPDX-License-Identifier: ISC */
/* synth — deterministic synthetic residents of one regency for tools, benchmarks and the demo.
 * Indonesian names, valid NIKs (real birth dates, +40 for women, serials), kecamatan and desa
 * spread, voter-roll flags, recording statuses and events. Test support only; no I/O. */
#ifndef KTP_SYNTH_H
#define KTP_SYNTH_H

#include <stdint.h>

struct area_table;
struct record;
struct synth;

/* Kecamatan of a regency: synth_new makes up 10..25 codes (PPRR01..), the
 * code table has up to 51 (95.03). */
#define SYNTH_KECAMATAN_MAX 64

/* A generator for regency PPRR (e.g. 3201; the province must be a real one).
 * Same seed and regency: same persons and events, in the same order.
 * Trivial allocator: NULL with errno (EINVAL bad regency, ENOMEM). */
struct synth *synth_new(uint64_t seed, uint16_t regency);
/* The same persons and events, living in the regency's real kecamatan and
 * desa from the code table (area_table_load of the regency or more), as a
 * node that checks codes on import takes them. NULL with errno EINVAL when
 * the table has no kecamatan of the regency. */
struct synth *synth_new_areas(uint64_t seed, uint16_t regency, const struct area_table *areas);
void	synth_free(struct synth *s);			/* NULL is a no-op */

/* A new person as first imported at `now` (Unix seconds UTC): a unique
 * valid NIK of this regency, name (1-4 words), sex, birth date (age 0-90),
 * kecamatan, desa, on_dpt (most adults of 17+), status (most recorded, a
 * few percent unrecorded), recorded_at over the last ~12 months (more
 * recent activity weighs more), site, operator; removed is NONE. out->hlc
 * comes from the generator's own clock, which never runs behind now. */
void	synth_person(struct synth *s, struct record *out, int64_t now);

/* A recording event for a person made earlier: the next status
 * (unrecorded -> recorded -> printed -> issued; a new recording gets
 * recorded_at shortly before the stamp, a site and an operator), everything
 * else as that person's last version. Unrecorded persons of 16 and over are
 * preferred. -ENOENT before any synth_person, or when every person is
 * issued or too young. */
int	synth_update(struct synth *s, struct record *out, int64_t now);

/* The next version of a node journal in a realistic order: runs, because
 * an imported file is one transaction with one wall time (its versions
 * differ only in the HLC counter): residents files of new persons,
 * recording files of a day's events, and live events a few seconds apart.
 * Once persons exist, about one version in five is a recording event. */
void	synth_journal_next(struct synth *s, struct record *out, int64_t now);

/* Number of persons made so far, and the last version of person i
 * (0-based, in creation order). -ENOENT when i >= synth_count. */
uint64_t synth_count(const struct synth *s);
int	synth_person_get(const struct synth *s, uint64_t i, struct record *out);

/* The regency's kecamatan codes; returns how many (10..25). */
unsigned synth_kecamatans(const struct synth *s, uint32_t *out, unsigned cap);

/* The generator's pseudo-random stream (splitmix64), for callers that
 * want more choices from the same seed. */
uint64_t synth_rand(struct synth *s);

#endif
