/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>

#include <sys/stat.h>

#include "unit.h"
#include "area.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"
#include "record.h"

#define NODE 3201
#define T0_MS 1763800000000ull		/* 2025-11-22T08:26:40Z */

/* Three persons every test starts from (NIK prefix 3201 01). */
static const char seed_csv[] =
	"nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator\n"
	"3201010101900001,Budi Santoso,L,1990-01-01,320101,3201011003,1,unrecorded,,,\n"
	"3201014202850002,Siti Aminah,P,1985-02-02,320101,,ya,recorded,2025-11-01,school,op-7\n"
	"3201010303770003,Agus Salim,M,,320102,3201022001,0,unrecorded,,,\n";

/* The code table of 3201 Kabupaten Bogor, which import_text checks against as the
 * daemon does (tests/data/csv's goldens are what ktpctl import prints). */
static struct area_table *bogor;

static int
load_bogor(void **state)
{
	const char *dir = getenv("AREA_DIR");
	struct ktp_err err = {0};

	(void)state;
	return area_table_load(dir ? dir : "protocol/areas", NODE, &bogor, &err);
}

static int
free_bogor(void **state)
{
	(void)state;
	area_table_free(bogor);
	return 0;
}

/* Feeds text in chunks of `chunk` bytes (0 = all at once) and finishes. */
static int
import_text(struct journal *j, enum ingest_format fmt, const char *name, const char *text,
	    size_t len, size_t chunk, struct ingest_result *res, struct ktp_err *err)
{
	struct ingest *in = NULL;
	size_t off, n;
	int r;

	assert_int_equal(ingest_begin(j, NODE, fmt, name, T0_MS, &in, err), 0);
	ingest_set_areas(in, bogor);
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
	assert_int_equal(r.desa, 3201022001);
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
	assert_int_equal(r.desa, 3201022001);
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
				  "3201014505950004,Dewi,320101,3201011001\n"
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
		"3201014505950004,\"Dëwi, \"\"Ade\"\"\",320101,3201011001,ya\r\n"
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

/* Issue 16.1: past 64 KiB only a JSON line's length is kept; it was read at
 * lbuf[len - 1] before the check (a 200 MB line crashed the daemon). */
static void
test_ingest_jsonl_line_of_200_mb_is_refused_unread(void **state)
{
	static const char head[] = "{\"nik\":\"3201010101900001\",\"name\":\"";
	static const char tail[] = "\"}\r\n{\"nik\":\"3201010101900001\",\"on_dpt\":true}\n";
	const size_t chunk = 1u << 20, chunks = 200;
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct ingest *in = NULL;
	char *x = malloc(chunk), want[128];
	size_t i;

	assert_non_null(x);
	memset(x, 'x', chunk);
	assert_int_equal(ingest_begin(j, NODE, INGEST_JSONL, "big.jsonl", T0_MS, &in, &err), 0);
	assert_int_equal(ingest_feed(in, (const uint8_t *)head, strlen(head), &err), 0);
	for (i = 0; i < chunks; i++)
		assert_int_equal(ingest_feed(in, (const uint8_t *)x, chunk, &err), 0);
	assert_int_equal(ingest_feed(in, (const uint8_t *)tail, strlen(tail), &err), 0);
	assert_int_equal(ingest_finish(in, &res, &err), -EINVAL);
	snprintf(want, sizeof(want), "big.jsonl:1: row: %zu bytes, limit 65536",
		 strlen(head) + chunk * chunks + 3);
	assert_int_equal(res.n_msgs, 1);
	assert_string_equal(res.msgs[0], want);
	assert_string_equal(err.msg, "big.jsonl: 1 error, nothing imported");
	assert_int_equal(res.rows, 2);
	assert_int_equal(head_seq(j), 3);
	ingest_result_done(&res);
	free(x);
	journal_close(j);
}

/* A line of exactly the cap is read; one byte more is refused, CR or not. */
static void
test_ingest_jsonl_line_at_the_cap_is_read(void **state)
{
	static const char head[] = "{\"nik\":\"3201010101900001\",\"operator\":\"op\",\"x\":\"";
	const size_t cap = 65536;
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	char *line = malloc(cap + 3);
	size_t n;

	assert_non_null(line);
	for (n = cap; n <= cap + 1; n++) {
		memset(line, 'x', n);
		memcpy(line, head, strlen(head));
		memcpy(line + n - 2, "\"}", 2);
		line[n] = '\n';
		assert_int_equal(import_text(j, INGEST_JSONL, "c.jsonl", line, n + 1, 7, &res, &err),
				 -EINVAL);
		assert_int_equal(res.n_msgs, 1);
		/* Read at the cap (the unknown field is the proof); refused unread past it. */
		assert_string_equal(res.msgs[0], n == cap ? "c.jsonl:1: x: unknown field" :
				    "c.jsonl:1: row: 65537 bytes, limit 65536");
		ingest_result_done(&res);
	}
	free(line);
	journal_close(j);
}

struct nul_case {
	const char	*header;
	const char	*before;	/* the field's text up to the NUL */
	size_t		pad;		/* bytes after the NUL */
	const char	*after;		/* the rest of the row */
	const char	*want;
};

/* Issue 16.8: "3201111002020002\0..." imported, the parsers reading C strings
 * and the check skipping fields past 1 KiB. Any NUL, anywhere, is refused. */
static void
test_ingest_nul_in_any_field_of_any_length_is_refused(void **state)
{
	static const struct nul_case cases[] = {
		{ "nik,name,kecamatan", "3201111002020002", 2000, ",Budi,320111",
		  "n.csv:2: nik: contains a NUL byte" },
		{ "nik,name,kecamatan", "3201111002020002", 3, ",Budi,320111",
		  "n.csv:2: nik: contains a NUL byte" },
		{ "nik,on_dpt", "3201010101900001,1", 1500, "",
		  "n.csv:2: on_dpt: contains a NUL byte" },
		{ "nik,status", "3201010101900001,recorded", 0, "",
		  "n.csv:2: status: contains a NUL byte" },
		{ "nik,site", "3201010101900001,school", 5000, "",
		  "n.csv:2: site: contains a NUL byte" },
		{ "nik,name", "3201010101900001,\"Budi", 1, "\"",
		  "n.csv:2: name: contains a NUL byte" },
		{ "nik,name", "3201010101900001,", 1030, "",
		  "n.csv:2: name: contains a NUL byte" },
		{ "nik", "", 0, "",
		  "n.csv:1: header: column 2 contains a NUL byte" },
	};
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	char *text = malloc(16384);
	size_t i, n, chunk;

	assert_non_null(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (chunk = 0; chunk <= 1000; chunk += 1000) {
			if (cases[i].before[0] == '\0')	/* a NUL in the header */
				n = (size_t)sprintf(text, "%s,nik%c\n3201010101900001,x\n",
						    cases[i].header, 0);
			else {
				n = (size_t)sprintf(text, "%s\n%s", cases[i].header,
						    cases[i].before);
				text[n++] = '\0';
				memset(text + n, '7', cases[i].pad);
				n += cases[i].pad;
				n += (size_t)sprintf(text + n, "%s\n", cases[i].after);
			}
			assert_int_equal(import_text(j, INGEST_CSV, "n.csv", text, n, chunk, &res,
						     &err), -EINVAL);
			assert_int_equal(res.n_msgs, 1);
			assert_string_equal(res.msgs[0], cases[i].want);
			ingest_result_done(&res);
		}
	}
	assert_int_equal(head_seq(j), 3);
	free(text);
	journal_close(j);
}

/* Fields past 1 KiB are checked as they pass: bad UTF-8 anywhere is refused,
 * and good UTF-8 cut by the 1 KiB boundary is not taken for bad. */
static void
test_ingest_long_fields_are_checked_whole(void **state)
{
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	char *text = malloc(8192);
	size_t n, chunk;

	assert_non_null(text);
	for (chunk = 0; chunk <= 333; chunk += 333) {
		n = (size_t)sprintf(text, "nik,name\n3201010101900001,");
		memset(text + n, 'a', 1500);
		text[n + 1300] = (char)0xff;
		n += 1500;
		text[n++] = '\n';
		assert_int_equal(import_text(j, INGEST_CSV, "u.csv", text, n, chunk, &res, &err),
				 -EINVAL);
		assert_int_equal(res.n_msgs, 1);
		assert_string_equal(res.msgs[0], "u.csv:2: name: invalid UTF-8");
		ingest_result_done(&res);

		/* 601 two-byte sequences: the 512th is cut by the cap. */
		n = (size_t)sprintf(text, "nik,name\n3201010101900001,a");
		for (size_t k = 0; k < 601; k++)
			n += (size_t)sprintf(text + n, "\xc3\xa9");
		text[n++] = '\n';
		assert_int_equal(import_text(j, INGEST_CSV, "u.csv", text, n, chunk, &res, &err),
				 -EINVAL);
		assert_int_equal(res.n_msgs, 1);
		assert_string_equal(res.msgs[0], "u.csv:2: name: 1203 bytes, limit 128");
		ingest_result_done(&res);
	}
	free(text);
	journal_close(j);
}

struct time_case {
	const char	*text;
	int32_t		tz_s;
	int64_t		want;		/* -1: refused */
};

/* Issue 11.5: what the offices' files hold, stored as UTC. */
static void
test_ingest_recorded_at_forms_are_stored_as_utc(void **state)
{
	static const struct time_case cases[] = {
		{ "2024-06-01T03:00:00Z", 0, 1717210800 },
		{ "2024-06-01T10:00:00+07:00", 0, 1717210800 },		/* WIB */
		{ "2024-06-01T11:00:00+08:00", 0, 1717210800 },		/* WITA */
		{ "2024-06-01T12:00:00+09:00", 25200, 1717210800 },	/* WIT */
		{ "2024-06-01T10:00:00+0700", 0, 1717210800 },
		{ "2024-06-01T00:30:00+07:00", 0, 1717176600 },		/* the day before */
		{ "2024-05-31T20:00:00-07:00", 0, 1717210800 },
		{ "2024-06-01T03:00:00.123Z", 0, 1717210800 },
		{ "2024-06-01T10:00:00.999999+07:00", 0, 1717210800 },
		{ "2024-06-01 10:00:00", 25200, 1717210800 },		/* the node's zone */
		{ "2024-06-01 11:00:00", 28800, 1717210800 },
		{ "2024-06-01 03:00:00", 0, 1717210800 },
		{ "2024-06-01 10:00", 25200, 1717210800 },
		{ "2024-06-01T10:00:00", 25200, 1717210800 },
		{ "01-06-2024 10:00:00", 25200, 1717210800 },
		{ "01/06/2024 10:00:00+07:00", 0, 1717210800 },
		{ "2024-06-01", 25200, 1717200000 },			/* a date: midnight UTC */
		{ "01-06-2024", 0, 1717200000 },
		{ "2024-06-01T10:00:00+7:00", 0, -1 },
		{ "2024-06-01T10:00:00+15:00", 0, -1 },
		{ "2024-06-01T10:00:00.Z", 0, -1 },
		{ "2024-06-01T10:00:00.1234567890Z", 0, -1 },
		{ "2024-06-01 10:00:00 WIB", 0, -1 },
		{ "2024-06-01T10", 0, -1 },
		{ "2024-06-01T10:00:60Z", 0, -1 },
		{ "2024-06-01T24:00:00Z", 0, -1 },
		{ "2024-06-01X10:00:00Z", 0, -1 },
		{ "2024-06-01T10:00:00Z ", 0, -1 },
		{ "32-01-2024 10:00:00", 0, -1 },
	};
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	struct ingest *in = NULL;
	char text[128], want[256];
	struct record r;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "nik,recorded_at\n3201014202850002,%s\n",
			 cases[i].text);
		assert_int_equal(ingest_begin(j, NODE, INGEST_CSV, "t.csv", T0_MS, &in, &err), 0);
		ingest_set_tz_offset(in, cases[i].tz_s);
		assert_int_equal(ingest_feed(in, (const uint8_t *)text, strlen(text), &err), 0);
		rc = ingest_finish(in, &res, &err);
		if (cases[i].want < 0) {
			snprintf(want, sizeof(want), "t.csv:2: recorded_at: '%.32s' is not "
				 "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DDTHH:MM:SS+07:00 or "
				 "YYYY-MM-DD HH:MM:SS", cases[i].text);
			assert_int_equal(rc, -EINVAL);
			assert_int_equal(res.n_msgs, 1);
			assert_string_equal(res.msgs[0], want);
		} else {
			if (rc != 0)
				print_error("%s: %s\n", cases[i].text, res.n_msgs ? res.msgs[0] : "");
			assert_int_equal(rc, 0);
			get(j, "3201014202850002", &r);
			if (r.recorded_at != cases[i].want)
				print_error("%s\n", cases[i].text);
			assert_int_equal(r.recorded_at, cases[i].want);
		}
		ingest_result_done(&res);
	}
	journal_close(j);
}

/* The plain file and what a spreadsheet in an Indonesian locale writes. */
static const char plain_csv[] =
	"nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator\n"
	"3201010101900001,Budi Santoso,L,1990-01-01,320101,3201011003,1,unrecorded,,,\n"
	"3201014202850002,\"Siti; Aminah\",P,1985-02-02,320101,,0,recorded,"
	"2024-06-01T03:00:00Z,school,op-7\n"
	"3201010303770003,Agus Salim,L,1977-03-03,320102,3201022001,1,printed,"
	"2024-05-31T17:30:00Z,pesantren,op-2\n"
	"3201015004000004,Rina,P,2000-04-10,320103,,0,issued,2024-06-02T00:00:00Z,prison,\n"
	"3201010505050005,Joko,L,2005-05-05,320101,,1,recorded,2024-06-02T02:00:00Z,door,op-1\n"
	"3201014606060006,Sari,P,2006-06-06,320101,,0,unrecorded,,mobile,\n"
	"3201010707070007,Eko,L,2007-07-07,320101,,1,recorded,2024-06-02T03:04:05Z,office,x\n";

static const char indonesian_csv[] =
	"\xef\xbb\xbf" "NIK;Nama;JENIS KELAMIN;tanggal_lahir;KODE_KEC;Kode Desa;DPT;STATUS_REKAM;"
	"TANGGAL_REKAM;LOKASI;PETUGAS\r\n"
	"3201010101900001;Budi Santoso;L;01-01-1990;320101;3201011003;Y;Belum Rekam;;;\r\n"
	"3201014202850002;\"Siti; Aminah\";P;02/02/1985;320101;;T;sudah rekam;"
	"2024-06-01T10:00:00+07:00;Sekolah;op-7\r\n"
	"3201010303770003;Agus Salim;Laki-laki;03-03-1977;320102;3201022001;ya;Tercetak;"
	"2024-06-01 00:30:00;PONDOK PESANTREN;op-2\r\n"
	"3201015004000004;Rina;PEREMPUAN;10-04-2000;320103;;tidak;diterima;"
	"2024-06-02T08:00:00+08:00;lapas;\r\n"
	"3201010505050005;Joko;l;05/05/2005;320101;;1;recorded;2024-06-02T11:00:00+09:00;"
	"rumah;op-1\r\n"
	"3201014606060006;Sari;p;06-06-2006;320101;;0;belum_rekam;;Keliling;\r\n"
	"3201010707070007;Eko;L;07-07-2007;320101;;true;terekam;2024-06-02 10:04:05.25;"
	"kantor;x\r\n";

static void
import_into(void **state, const char *sub, const char *text, size_t chunk,
	    struct journal_head *ret)
{
	struct ingest_result res;
	struct ktp_err err = {0};
	struct journal *j = NULL;
	struct ingest *in = NULL;
	char dir[PATH_MAX];
	size_t off, n, len = strlen(text);

	unit_path(state, sub, dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(journal_open(dir, NODE, &j, &err), 0);
	assert_int_equal(ingest_begin(j, NODE, INGEST_CSV, sub, T0_MS, &in, &err), 0);
	ingest_set_tz_offset(in, 25200);
	for (off = 0; off < len; off += n) {
		n = chunk == 0 || len - off < chunk ? len - off : chunk;
		assert_int_equal(ingest_feed(in, (const uint8_t *)text + off, n, &err), 0);
	}
	if (ingest_finish(in, &res, &err) != 0)
		print_error("%s: %s\n", sub, res.n_msgs ? res.msgs[0] : err.msg);
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.versions, 7);
	ingest_result_done(&res);
	assert_int_equal(journal_head(j, ret, &err), 0);
	journal_close(j);
}

/* Issue 11.5: ';' found from the header, Indonesian names and values, dates
 * DD-MM-YYYY and DD/MM/YYYY, times with an offset or in the node's zone: the
 * journal is the plain file's, byte for byte (the chain hash covers every
 * version's encoding). */
static void
test_ingest_indonesian_semicolon_file_gives_the_plain_files_journal(void **state)
{
	struct journal_head plain, id, id_cut;

	import_into(state, "plain", plain_csv, 0, &plain);
	import_into(state, "id", indonesian_csv, 0, &id);
	import_into(state, "id-cut", indonesian_csv, 5, &id_cut);
	assert_int_equal(id.seq, 7);
	assert_int_equal(plain.seq, 7);
	assert_memory_equal(id.chain, plain.chain, sizeof(plain.chain));
	assert_memory_equal(id_cut.chain, plain.chain, sizeof(plain.chain));
}

/* A tiny code table of 1507 Kabupaten Tanjung Jabung Timur. */
static struct area_table *
tanjab_timur(void)
{
	static const char *const text[AREA_LEVELS] = {
		"code,name\n15,Jambi\n",
		"code,province_code,name\n15.07,15,Kabupaten Tanjung Jabung Timur\n",
		"code,regency_code,name\n15.07.01,15.07,Muara Sabak Timur\n"
		"15.07.11,15.07,Berbak\n",
		"code,district_code,name\n15.07.01.1001,15.07.01,Muara Sabak Ilir\n"
		"15.07.01.2001,15.07.01,Lambur\n15.07.11.2001,15.07.11,Rantau Rasau\n",
	};
	size_t len[AREA_LEVELS];
	struct area_table *t = NULL;
	struct ktp_err err = {0};
	int i;

	for (i = 0; i < AREA_LEVELS; i++)
		len[i] = strlen(text[i]);
	assert_int_equal(area_table_parse(text, len, "areas", 1507, &t, &err), 0);
	return t;
}

/* Issue 11.3: a kecamatan or desa not in the table for this regency is
 * refused, naming the place it is not part of; without a table (the config
 * turned the check off) the same file imports. */
static void
test_ingest_area_codes_must_be_in_the_code_table(void **state)
{
	static const char bad[] =
		"nik,name,kecamatan,desa\n"
		"1507014505950004,Dewi,150712,\n"
		"1507014505950005,Dewi,150701,1507012099\n"
		"1507014505950006,Dewi,150711,1507112002\n"
		"1507014505950007,Dewi,150701,1507011001\n"
		"1507014505950008,Dewi,150711,1507112001\n";
	static const char upd[] = "nik,desa\n1507014505950005,1507012099\n";
	struct area_table *t = tanjab_timur();
	struct ingest_result res;
	struct ktp_err err = {0};
	struct journal *j = NULL;
	struct ingest *in = NULL;
	int pass;

	assert_int_equal(journal_open(*state, 1507, &j, &err), 0);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(ingest_begin(j, 1507, INGEST_CSV, "a.csv", T0_MS, &in, &err), 0);
		ingest_set_areas(in, pass == 0 ? t : NULL);
		assert_int_equal(ingest_feed(in, (const uint8_t *)bad, strlen(bad), &err), 0);
		if (pass == 0) {
			assert_int_equal(ingest_finish(in, &res, &err), -EINVAL);
			assert_int_equal(res.n_msgs, 3);
			assert_string_equal(res.msgs[0], "a.csv:2: kecamatan: 150712 is not a "
					    "kecamatan of 1507 Kabupaten Tanjung Jabung Timur");
			assert_string_equal(res.msgs[1], "a.csv:3: desa: 1507012099 is not a "
					    "desa of 150701 Muara Sabak Timur");
			assert_string_equal(res.msgs[2], "a.csv:4: desa: 1507112002 is not a "
					    "desa of 150711 Berbak");
			assert_int_equal(head_seq(j), 0);
		} else {
			assert_int_equal(ingest_finish(in, &res, &err), 0);
			assert_int_equal(res.versions, 5);
		}
		ingest_result_done(&res);
	}
	/* An update that names only a desa is checked against the stored kecamatan. */
	assert_int_equal(ingest_begin(j, 1507, INGEST_CSV, "u.csv", T0_MS, &in, &err), 0);
	ingest_set_areas(in, t);
	assert_int_equal(ingest_feed(in, (const uint8_t *)upd, strlen(upd), &err), 0);
	assert_int_equal(ingest_finish(in, &res, &err), -EINVAL);
	assert_int_equal(res.n_msgs, 1);
	assert_string_equal(res.msgs[0],
			    "u.csv:2: desa: 1507012099 is not a desa of 150701 Muara Sabak Timur");
	ingest_result_done(&res);
	area_table_free(t);
	journal_close(j);
}

enum form_field { FORM_SEX, FORM_ON_DPT, FORM_STATUS, FORM_SITE, FORM_KEC, FORM_DESA, FORM_BIRTH };

struct form_case {
	enum form_field	field;
	const char	*column;	/* as a header may name it */
	const char	*value;
	int64_t		want;		/* the record's field afterwards */
};

static int64_t
form_value(const struct record *r, enum form_field f)
{
	switch (f) {
	case FORM_SEX:		return r->sex;
	case FORM_ON_DPT:	return r->on_dpt;
	case FORM_STATUS:	return r->status;
	case FORM_SITE:		return r->site;
	case FORM_KEC:		return r->kecamatan;
	case FORM_DESA:		return (int64_t)r->desa;
	case FORM_BIRTH:	return r->birth_date;
	}
	return -1;
}

/* Every column name and value form ktpctl(8) lists, one row each. */
static void
test_ingest_every_listed_column_and_value_form(void **state)
{
	static const struct form_case cases[] = {
		{ FORM_SEX, "JK", "LAKI-LAKI", RECORD_SEX_MALE },
		{ FORM_SEX, "jenis kelamin", "p", RECORD_SEX_FEMALE },
		{ FORM_SEX, "Jenis_Kelamin", "Perempuan", RECORD_SEX_FEMALE },
		{ FORM_SEX, "sex", "M", RECORD_SEX_MALE },
		{ FORM_SEX, "sex", "F", RECORD_SEX_FEMALE },
		{ FORM_SEX, "SEX", "laki laki", RECORD_SEX_MALE },
		{ FORM_ON_DPT, "DPT", "Y", 1 },
		{ FORM_ON_DPT, "dpt", "T", 0 },
		{ FORM_ON_DPT, "On_Dpt", "YA", 1 },
		{ FORM_ON_DPT, "DPT", "Tidak", 0 },
		{ FORM_ON_DPT, "on_dpt", "TRUE", 1 },
		{ FORM_ON_DPT, "on_dpt", "false", 0 },
		{ FORM_ON_DPT, "dpt", "1", 1 },
		{ FORM_ON_DPT, "dpt", " 0 ", 0 },
		{ FORM_STATUS, "STATUS_REKAM", "BELUM REKAM", RECORD_STATUS_UNRECORDED },
		{ FORM_STATUS, "status rekam", "Belum Terekam", RECORD_STATUS_UNRECORDED },
		{ FORM_STATUS, "STATUS-REKAM", "SUDAH REKAM", RECORD_STATUS_RECORDED },
		{ FORM_STATUS, "status", "Terekam", RECORD_STATUS_RECORDED },
		{ FORM_STATUS, "status", "SUDAH CETAK", RECORD_STATUS_PRINTED },
		{ FORM_STATUS, "status", "tercetak", RECORD_STATUS_PRINTED },
		{ FORM_STATUS, "status", "Sudah Diterima", RECORD_STATUS_ISSUED },
		{ FORM_STATUS, "status", "DITERIMA", RECORD_STATUS_ISSUED },
		{ FORM_STATUS, "status", "Issued", RECORD_STATUS_ISSUED },
		{ FORM_SITE, "LOKASI", "KANTOR", RECORD_SITE_OFFICE },
		{ FORM_SITE, "lokasi", "sekolah", RECORD_SITE_SCHOOL },
		{ FORM_SITE, "Lokasi", "Pondok Pesantren", RECORD_SITE_PESANTREN },
		{ FORM_SITE, "site", "PESANTREN", RECORD_SITE_PESANTREN },
		{ FORM_SITE, "site", "Lapas", RECORD_SITE_PRISON },
		{ FORM_SITE, "site", "RUTAN", RECORD_SITE_PRISON },
		{ FORM_SITE, "site", "rumah", RECORD_SITE_DOOR },
		{ FORM_SITE, "site", "Keliling", RECORD_SITE_MOBILE },
		{ FORM_SITE, "site", "door", RECORD_SITE_DOOR },
		{ FORM_KEC, "KECAMATAN", "320103", 320103 },
		{ FORM_KEC, "Kode Kec", "320102", 320102 },
		{ FORM_BIRTH, "TANGGAL_LAHIR", "01-01-1990", 19900101 },
		{ FORM_BIRTH, "tgl lahir", "01/01/1990", 19900101 },
		{ FORM_BIRTH, "TGL_LAHIR", "1990-01-01", 19900101 },
		{ FORM_DESA, "DESA", "3201022001", 3201022001 },
		{ FORM_DESA, "Kelurahan", "3201022002", 3201022002 },
		{ FORM_DESA, "KODE_DESA", "", 0 },
	};
	struct journal *j = open_seeded(state);
	struct ingest_result res;
	struct ktp_err err = {0};
	char text[160];
	struct record r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "Nik;%s\n3201010101900001;%s\n", cases[i].column,
			 cases[i].value);
		if (import_text(j, INGEST_CSV, "f.csv", text, strlen(text), 0, &res, &err) != 0)
			print_error("%s=%s: %s\n", cases[i].column, cases[i].value,
				    res.n_msgs ? res.msgs[0] : err.msg);
		assert_int_equal(res.errors, 0);
		ingest_result_done(&res);
		get(j, "3201010101900001", &r);
		if (form_value(&r, cases[i].field) != cases[i].want)
			print_error("%s=%s\n", cases[i].column, cases[i].value);
		assert_int_equal(form_value(&r, cases[i].field), cases[i].want);
	}
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
		T(test_ingest_jsonl_line_of_200_mb_is_refused_unread),
		T(test_ingest_jsonl_line_at_the_cap_is_read),
		T(test_ingest_nul_in_any_field_of_any_length_is_refused),
		T(test_ingest_long_fields_are_checked_whole),
		T(test_ingest_recorded_at_forms_are_stored_as_utc),
		T(test_ingest_indonesian_semicolon_file_gives_the_plain_files_journal),
		T(test_ingest_area_codes_must_be_in_the_code_table),
		T(test_ingest_every_listed_column_and_value_form),
#undef T
	};

	return cmocka_run_group_tests_name("ingest", tests, load_bogor, free_bogor);
}
