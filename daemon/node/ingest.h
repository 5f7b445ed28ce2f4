/* SPDX-License-Identifier: ISC */
/* ingest — imports CSV files and JSON lines into the journal, all or nothing per file.
 * Fed in chunks as they arrive on the control socket; the daemon never opens the path.
 * Errors are "FILE:LINE: field: reason", up to 100, then a count of the rest. Never logs. */
#ifndef KTP_INGEST_H
#define KTP_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct area_table;
struct ktp_err;
struct journal;
struct ingest;

enum ingest_format { INGEST_CSV, INGEST_JSONL };

#define INGEST_MAX_ERRORS 100

struct ingest_result {
	uint64_t	rows;		/* data rows read */
	uint64_t	versions;	/* versions appended (rows that changed something) */
	uint64_t	unchanged;	/* rows identical to the current person */
	uint64_t	first_seq;	/* 0 when versions == 0 */
	uint64_t	last_seq;
	uint64_t	errors;		/* total; only the first INGEST_MAX_ERRORS are kept */
	size_t		n_msgs;
	char		**msgs;		/* "FILE:LINE: field: reason" */
};

/* name is the operator's file name, used only in messages; node_id restricts
 * kecamatan codes to this regency. Starts a journal transaction. */
int	ingest_begin(struct journal *j, uint16_t node_id, enum ingest_format fmt, const char *name,
		     uint64_t wall_ms, struct ingest **ret, struct ktp_err *err);
/* Before the first ingest_feed. areas: this regency's part of the code table;
 * a kecamatan or desa not in it is refused ("kecamatan: 150712 is not a
 * kecamatan of 1507 Kabupaten Tanjung Jabung Timur"). NULL (the default)
 * checks the codes' form only. Borrowed until ingest_finish or ingest_abort. */
void	ingest_set_areas(struct ingest *in, const struct area_table *areas);
/* Seconds east of UTC for times a file gives without an offset
 * ("2024-06-01 10:00:00"); 0 by default. */
void	ingest_set_tz_offset(struct ingest *in, int32_t offset_s);
int	ingest_feed(struct ingest *in, const uint8_t *data, size_t len, struct ktp_err *err);
/* Commits if there were no errors (then *ret is the summary), else rolls
 * back and returns -EINVAL with the messages in *ret. Frees in either way;
 * release ret with ingest_result_done. */
int	ingest_finish(struct ingest *in, struct ingest_result *ret, struct ktp_err *err);
void	ingest_abort(struct ingest *in);		/* rollback + free; NULL is a no-op */
void	ingest_result_done(struct ingest_result *r);

/* `ktpctl remove NIK --reason died|moved|duplicate`: appends a version of the known
 * person with removed set, committed before it returns (*ret_seq = 0 if it already
 * was). Errors "nik: unknown" (-ENOENT), nik_parse's texts, "removed: 'x' is not
 * died, moved or duplicate" (-EINVAL). JSON lines may also carry "removed". */
int	ingest_remove(struct journal *j, const char *nik, const char *reason, uint64_t wall_ms,
		      uint64_t *ret_seq, struct ktp_err *err);

#endif
