/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>

#include "unit.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"
#include "record.h"

#define NODE 3201
#define T0_MS 1763800000000ull		/* 2025-11-22T08:26:40Z */

/* Three persons every test starts from (NIK prefix 3201 01). */
static const char seed_csv[] =
	"nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator\n"
	"3201010101900001,Budi Santoso,L,1990-01-01,320101,3201010003,1,unrecorded,,,\n"
	"3201014202850002,Siti Aminah,P,1985-02-02,320101,,ya,recorded,2025-11-01,school,op-7\n"
	"3201010303770003,Agus Salim,M,,320102,3201020001,0,unrecorded,,,\n";

/* Feeds text in chunks of `chunk` bytes (0 = all at once) and finishes. */
static int
import_text(struct journal *j, enum ingest_format fmt, const char *name, const char *text,
	    size_t len, size_t chunk, struct ingest_result *res, struct ktp_err *err)
{
	struct ingest *in = NULL;
	size_t off, n;
	int r;

	assert_int_equal(ingest_begin(j, NODE, fmt, name, T0_MS, &in, err), 0);
	for (off = 0; off < len; off += n) {
		n = chunk == 0 || len - off < chunk ? len - off : chunk;
		r = ingest_feed(in, (const uint8_t *)text + off, n, err);
		assert_int_equal(r, 0);
	}
	return ingest_finish(in, res, err);
}

static struct journal *
open_seeded(void **state)
{
	struct ingest_result res;
	struct ktp_err err = {0};
	struct journal *j = NULL;

	assert_int_equal(journal_open(*state, NODE, &j, &err), 0);
	assert_int_equal(import_text(j, INGEST_CSV, "seed.csv", seed_csv, strlen(seed_csv), 0,
				     &res, &err), 0);
	assert_int_equal(res.rows, 3);
	assert_int_equal(res.versions, 3);
	assert_int_equal(res.first_seq, 1);
	assert_int_equal(res.last_seq, 3);
	assert_int_equal(res.errors, 0);
	ingest_result_done(&res);
	return j;
}

static void
get(struct journal *j, const char *nik, struct record *r)
{
	struct ktp_err err = {0};

	assert_int_equal(journal_get(j, nik, r, &err), 0);
}

static uint64_t
head_seq(struct journal *j)
{
	struct journal_head h;
	struct ktp_err err = {0};

	assert_int_equal(journal_head(j, &h, &err), 0);
	return h.seq;
}

static char *
read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

static void
test_ingest_seed_sets_every_column(void **state)
{
	struct journal *j = open_seeded(state);
	struct record r;

	get(j, "3201014202850002", &r);
	assert_string_equal(r.name, "Siti Aminah");
	assert_int_equal(r.sex, RECORD_SEX_FEMALE);
	assert_int_equal(r.birth_date, 19850202);
	assert_int_equal(r.kecamatan, 320101);
	assert_int_equal(r.desa, 0);
	assert_true(r.on_dpt);
	assert_int_equal(r.status, RECORD_STATUS_RECORDED);
	assert_int_equal(r.recorded_at, 1761955200);	/* 2025-11-01T00:00:00Z */
	assert_int_equal(r.site, RECORD_SITE_SCHOOL);
	assert_string_equal(r.operator_, "op-7");
	assert_int_equal(r.removed, RECORD_REMOVED_NONE);
	get(j, "3201010303770003", &r);
	assert_int_equal(r.birth_date, 19770303);	/* from the NIK when the column is empty */
	assert_int_equal(r.desa, 3201020001);
	assert_false(r.on_dpt);
	journal_close(j);
}

/* Every tests/data/csv/bad-*.{csv,jsonl} against its golden .err: the messages,
 * then the summary, and the journal exactly as before. */
static void
check_golden(struct journal *j, const char *dir, const char *file)
{
	enum ingest_format fmt = strstr(file, ".jsonl") ? INGEST_JSONL : INGEST_CSV;
	char path[PATH_MAX], *text, *want, *got = NULL;
	struct ingest_result res;
	struct ktp_err err = {0};
	size_t len, want_len, got_len = 0, i;
	uint64_t head = head_seq(j);
	FILE *out;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, file) < (int)sizeof(path) - 8);
	text = read_file(path, &len);
	*strrchr(path, '.') = '\0';
	strcat(path, ".err");
	want = read_file(path, &want_len);
	assert_int_equal(import_text(j, fmt, file, text, len, 0, &res, &err), -EINVAL);
	out = open_memstream(&got, &got_len);
	for (i = 0; i < res.n_msgs; i++)
		fprintf(out, "%s\n", res.msgs[i]);
	fprintf(out, "%s\n", err.msg);
	fclose(out);
	if (strcmp(got, want) != 0)
		print_error("%s: got\n%s", file, got);
	assert_string_equal(got, want);
	assert_int_equal(res.versions, 0);
	assert_int_equal(head_seq(j), head);
	ingest_result_done(&res);
	free(got);
	free(want);
	free(text);
}

static void
test_ingest_bad_files_give_golden_errors_and_change_nothing(void **state)
{
	const char *data = getenv("KTP_TEST_DATA");
	struct journal *j = open_seeded(state);
	struct record before, after;
	char dir[PATH_MAX / 2];
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/csv", data ? data : "tests/data");
	assert_non_null(d = opendir(dir));
	get(j, "3201010101900001", &before);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "bad-", 4) != 0 || strstr(e->d_name, ".err") != NULL)
			continue;
		check_golden(j, dir, e->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= 25);
	get(j, "3201010101900001", &after);
	assert_int_equal(after.hlc, before.hlc);
	assert_int_equal(head_seq(j), 3);
	journal_close(j);
}

#define QUOTED_GOOD \
	"\xef\xbb\xbf" "kecamatan,name,nik\r\n" \
	"320101,\"Dewi, \"\"Ade\"\" Lestari\",3201014505950004\r\n" \
	"320103,\xc3\x89ko Prasetyo,3201010606060006\r\n" \
	"\r\n"

static void
test_ingest_quoting_crlf_and_bom(void **state)
{
	static const char good[] = QUOTED_GOOD;
	static const char bad[] = QUOTED_GOOD "320101,\"\",3201010707070007";
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct record r;

	assert_int_equal(import_text(j, INGEST_CSV, "q.csv", bad, strlen(bad), 0, &res, &err),
			 -EINVAL);
	assert_int_equal(res.n_msgs, 1);
	assert_string_equal(res.msgs[0], "q.csv:5: name: empty");
	assert_string_equal(err.msg, "q.csv: 1 error, nothing imported");
	ingest_result_done(&res);
	assert_int_equal(import_text(j, INGEST_CSV, "q.csv", good, strlen(good), 0, &res, &err),
			 0);
	assert_int_equal(res.rows, 2);
	assert_int_equal(res.versions, 2);
	ingest_result_done(&res);
	get(j, "3201014505950004", &r);
	assert_string_equal(r.name, "Dewi, \"Ade\" Lestari");
	assert_int_equal(r.sex, RECORD_SEX_FEMALE);
	get(j, "3201010606060006", &r);
	assert_string_equal(r.name, "\xc3\x89ko Prasetyo");
	assert_int_equal(r.kecamatan, 320103);
	assert_int_equal(r.birth_date, 20060606);
	journal_close(j);
}

static void
test_ingest_identical_reimport_creates_no_version(void **state)
{
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};

	assert_int_equal(import_text(j, INGEST_CSV, "seed.csv", seed_csv, strlen(seed_csv), 0,
				     &res, &err), 0);
	assert_int_equal(res.rows, 3);
	assert_int_equal(res.versions, 0);
	assert_int_equal(res.unchanged, 3);
	assert_int_equal(res.first_seq, 0);
	assert_int_equal(head_seq(j), 3);
	ingest_result_done(&res);
	journal_close(j);
}

static void
test_ingest_partial_columns_change_only_those(void **state)
{
	static const char dpt[] = "nik,on_dpt\n3201010303770003,true\n3201010101900001,1\n";
	static const char rec[] = "nik,status,recorded_at,site,operator\n"
				  "3201010303770003,recorded,2025-11-20T09:30:00Z,pesantren,op-2\n";
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct record r;

	assert_int_equal(import_text(j, INGEST_CSV, "dpt.csv", dpt, strlen(dpt), 0, &res, &err), 0);
	assert_int_equal(res.versions, 1);
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(res.first_seq, 4);
	ingest_result_done(&res);
	assert_int_equal(import_text(j, INGEST_CSV, "rec.csv", rec, strlen(rec), 0, &res, &err), 0);
	assert_int_equal(res.versions, 1);
	assert_int_equal(res.last_seq, 5);
	ingest_result_done(&res);
	get(j, "3201010303770003", &r);
	assert_string_equal(r.name, "Agus Salim");
	assert_int_equal(r.kecamatan, 320102);
	assert_int_equal(r.desa, 3201020001);
	assert_true(r.on_dpt);
	assert_int_equal(r.status, RECORD_STATUS_RECORDED);
	assert_int_equal(r.recorded_at, 1763631000);
	assert_int_equal(r.site, RECORD_SITE_PESANTREN);
	assert_string_equal(r.operator_, "op-2");
	journal_close(j);
}

static void
test_ingest_later_row_of_same_nik_updates_earlier(void **state)
{
	static const char csv[] = "nik,name,kecamatan,desa\n"
				  "3201014505950004,Dewi,320101,3201010001\n"
				  "3201014505950004,Dewi Lestari,320102,\n";
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct record r;

	assert_int_equal(import_text(j, INGEST_CSV, "d.csv", csv, strlen(csv), 0, &res, &err), 0);
	assert_int_equal(res.versions, 2);
	ingest_result_done(&res);
	get(j, "3201014505950004", &r);
	assert_string_equal(r.name, "Dewi Lestari");
	assert_int_equal(r.kecamatan, 320102);
	assert_int_equal(r.desa, 0);
	journal_close(j);
}

/* The NIK keeps the prefix of the regency of birth; only where the person lives counts. */
static void
test_ingest_accepts_nik_of_other_regency_living_here(void **state)
{
	static const char csv[] = "nik,name,kecamatan,birth_date,sex\n"
				  "3374010101250001,Pak Tua,320105,1925-01-01,P\n";
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct record r;

	assert_int_equal(import_text(j, INGEST_CSV, "o.csv", csv, strlen(csv), 0, &res, &err), 0);
	ingest_result_done(&res);
	get(j, "3374010101250001", &r);
	assert_int_equal(r.kecamatan, 320105);
	assert_int_equal(r.birth_date, 19250101);
	assert_int_equal(r.sex, RECORD_SEX_FEMALE);	/* a corrected sex may differ from the NIK */
	journal_close(j);
}

/* A row, a quoted field and a UTF-8 sequence may all be cut between chunks. */
static void
test_ingest_chunk_split_at_every_offset(void **state)
{
	static const char csv[] =
		"\xef\xbb\xbfnik,name,kecamatan,desa,on_dpt\r\n"
		"3201014505950004,\"Dëwi, \"\"Ade\"\"\",320101,3201010001,ya\r\n"
		"3201010606060006,Éko Prasetyo,320103,,tidak\r\n";
	size_t len = strlen(csv), cut;
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct ingest *in;
	struct record r;

	assert_int_equal(import_text(j, INGEST_CSV, "c.csv", csv, len, 0, &res, &err), 0);
	assert_int_equal(res.versions, 2);
	ingest_result_done(&res);
	get(j, "3201014505950004", &r);
	assert_string_equal(r.name, "Dëwi, \"Ade\"");
	/* Any other reading of a split file changes a value (a new version) or fails. */
	for (cut = 0; cut <= len; cut++) {
		assert_int_equal(ingest_begin(j, NODE, INGEST_CSV, "c.csv", T0_MS, &in, &err), 0);
		assert_int_equal(ingest_feed(in, (const uint8_t *)csv, cut, &err), 0);
		assert_int_equal(ingest_feed(in, (const uint8_t *)csv + cut, len - cut, &err), 0);
		assert_int_equal(ingest_finish(in, &res, &err), 0);
		assert_int_equal(res.rows, 2);
		assert_int_equal(res.unchanged, 2);
		ingest_result_done(&res);
	}
	assert_int_equal(import_text(j, INGEST_CSV, "c.csv", csv, len, 1, &res, &err), 0);
	assert_int_equal(res.unchanged, 2);
	ingest_result_done(&res);
	assert_int_equal(head_seq(j), 5);
	journal_close(j);
}

static void
test_ingest_jsonl_lines_split_at_every_offset(void **state)
{
	static const char jl[] =
		"{\"nik\":\"3201014505950004\",\"name\":\"Dëwi\",\"kecamatan\":320101,"
		"\"on_dpt\":true}\r\n"
		"\n"
		"{\"nik\":3201010101900001,\"status\":\"printed\",\"site\":\"door\"}";
	size_t len = strlen(jl), cut;
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct ingest *in;
	struct record r;

	assert_int_equal(import_text(j, INGEST_JSONL, "p.jsonl", jl, len, 0, &res, &err), 0);
	assert_int_equal(res.rows, 2);
	assert_int_equal(res.versions, 2);
	ingest_result_done(&res);
	get(j, "3201014505950004", &r);
	assert_string_equal(r.name, "Dëwi");
	assert_true(r.on_dpt);
	get(j, "3201010101900001", &r);
	assert_int_equal(r.status, RECORD_STATUS_PRINTED);
	assert_int_equal(r.site, RECORD_SITE_DOOR);
	for (cut = 0; cut <= len; cut++) {
		assert_int_equal(ingest_begin(j, NODE, INGEST_JSONL, "p.jsonl", T0_MS, &in, &err),
				 0);
		assert_int_equal(ingest_feed(in, (const uint8_t *)jl, cut, &err), 0);
		assert_int_equal(ingest_feed(in, (const uint8_t *)jl + cut, len - cut, &err), 0);
		assert_int_equal(ingest_finish(in, &res, &err), 0);
		assert_int_equal(res.rows, 2);
		assert_int_equal(res.unchanged, 2);
		ingest_result_done(&res);
	}
	assert_int_equal(import_text(j, INGEST_JSONL, "p.jsonl", jl, len, 1, &res, &err), 0);
	assert_int_equal(res.unchanged, 2);
	ingest_result_done(&res);
	assert_int_equal(head_seq(j), 5);
	journal_close(j);
}

static void
test_ingest_remove_marks_person_removed(void **state)
{
	struct journal *j = open_seeded(state);
	struct ktp_err err = {0};
	struct record r;
	uint64_t seq = 99;

	assert_int_equal(ingest_remove(j, "3201010101900001", "moved", T0_MS, &seq, &err), 0);
	assert_int_equal(seq, 4);
	get(j, "3201010101900001", &r);
	assert_int_equal(r.removed, RECORD_REMOVED_MOVED);
	assert_int_equal(ingest_remove(j, "3201010101900001", "moved", T0_MS, &seq, &err), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(ingest_remove(j, "3201010101900009", "died", T0_MS, &seq, &err), -ENOENT);
	assert_string_equal(err.msg, "nik: unknown");
	assert_int_equal(ingest_remove(j, "3201010101900001", "lost", T0_MS, &seq, &err), -EINVAL);
	assert_string_equal(err.msg, "removed: 'lost' is not died, moved or duplicate");
	assert_int_equal(ingest_remove(j, "320101010190000", "died", T0_MS, &seq, &err), -EINVAL);
	assert_string_equal(err.msg, "nik: 15 digits, need 16");
	assert_int_equal(head_seq(j), 4);
	journal_close(j);
}

static void
test_ingest_remove_refused_during_import(void **state)
{
	struct journal *j = open_seeded(state);
	struct ktp_err err = {0};
	struct ingest *in = NULL;
	uint64_t seq;

	assert_int_equal(ingest_begin(j, NODE, INGEST_JSONL, "p.jsonl", T0_MS, &in, &err), 0);
	assert_int_equal(ingest_remove(j, "3201010101900001", "died", T0_MS, &seq, &err), -EBUSY);
	assert_string_equal(err.msg, "remove: an import is in progress");
	assert_int_equal(ingest_begin(j, NODE, INGEST_CSV, "b.csv", T0_MS, &in, &err), -EBUSY);
	ingest_abort(in);
	assert_int_equal(ingest_remove(j, "3201010101900001", "died", T0_MS, &seq, &err), 0);
	assert_int_equal(seq, 4);
	journal_close(j);
}

static void
test_ingest_abort_rolls_back(void **state)
{
	static const char csv[] = "nik,name,kecamatan\n3201014505950004,Dewi,320101\n";
	struct journal *j = open_seeded(state);
	struct ktp_err err = {0};
	struct ingest *in = NULL;
	struct record r;

	assert_int_equal(ingest_begin(j, NODE, INGEST_CSV, "a.csv", T0_MS, &in, &err), 0);
	assert_int_equal(ingest_feed(in, (const uint8_t *)csv, strlen(csv), &err), 0);
	ingest_abort(in);
	ingest_abort(NULL);
	assert_int_equal(journal_get(j, "3201014505950004", &r, &err), -ENOENT);
	assert_int_equal(head_seq(j), 3);
	journal_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)
		T(test_ingest_seed_sets_every_column),
		T(test_ingest_bad_files_give_golden_errors_and_change_nothing),
		T(test_ingest_quoting_crlf_and_bom),
		T(test_ingest_identical_reimport_creates_no_version),
		T(test_ingest_partial_columns_change_only_those),
		T(test_ingest_later_row_of_same_nik_updates_earlier),
		T(test_ingest_accepts_nik_of_other_regency_living_here),
		T(test_ingest_chunk_split_at_every_offset),
		T(test_ingest_jsonl_lines_split_at_every_offset),
		T(test_ingest_remove_marks_person_removed),
		T(test_ingest_remove_refused_during_import),
		T(test_ingest_abort_rolls_back),
#undef T
	};

	return cmocka_run_group_tests_name("ingest", tests, NULL, NULL);
}
