/* SPDX-License-Identifier: ISC */
/* fuzz_ingest — libFuzzer target for the node's import of CSV and JSON lines.
 * The first input byte picks the format, the code table check and the time zone;
 * the next two seed where the rest is cut into chunks, as the control socket cuts
 * a file. Whatever the bytes, ingest must end in a commit or in FILE:LINE errors:
 * every kept message begins "f:", the summary counts them, and a refused file
 * leaves the journal's head where it was. The journal lives in a temporary
 * directory for the whole run and starts with three persons. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "area.h"
#include "err.h"
#include "ingest.h"
#include "journal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NODE	3201
#define T0_MS	1763800000000ull

static struct journal *jnl;
static struct area_table *areas;
static char dir[64];

static const char seed_csv[] =
	"nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator\n"
	"3201010101900001,Budi Santoso,L,1990-01-01,320101,3201011003,1,unrecorded,,,\n"
	"3201014202850002,Siti Aminah,P,1985-02-02,320101,,ya,recorded,2025-11-01,school,op-7\n"
	"3201010303770003,Agus Salim,M,,320102,3201022001,0,unrecorded,,,\n";

/* A few real codes of 3201 Kabupaten Bogor. */
static const char *const area_text[AREA_LEVELS] = {
	"code,name\n32,Jawa Barat\n",
	"code,province_code,name\n32.01,32,Kabupaten Bogor\n",
	"code,regency_code,name\n32.01.01,32.01,Cibinong\n32.01.02,32.01,Gunungputri\n"
	"32.01.03,32.01,Citeureup\n",
	"code,district_code,name\n32.01.01.1003,32.01.01,Harapanjaya\n"
	"32.01.01.1013,32.01.01,Pabuaran Mekar\n32.01.02.2001,32.01.02,Wanaherang\n",
};

static void
cleanup(void)
{
	char cmd[96];

	journal_close(jnl);
	area_table_free(areas);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_ingest: cannot remove %s\n", dir);
}

static void
import(enum ingest_format fmt, const struct area_table *t, int32_t tz, uint32_t cut,
       const uint8_t *p, size_t len, struct ingest_result *res, int *ret)
{
	struct ktp_err err = { 0 };
	struct ingest *in = NULL;
	size_t n;

	if (ingest_begin(jnl, NODE, fmt, "f", T0_MS, &in, &err) < 0)
		abort();
	ingest_set_areas(in, t);
	ingest_set_tz_offset(in, tz);
	while (len > 0) {
		cut = cut * 1103515245u + 12345u;
		n = 1 + (cut >> 16) % (cut & 1 ? 7 : 4096);
		n = n < len ? n : len;
		if (ingest_feed(in, p, n, &err) < 0)
			abort();	/* only a journal failure stops a feed */
		p += n;
		len -= n;
	}
	*ret = ingest_finish(in, res, &err);
	if (*ret != 0 && *ret != -EINVAL)
		abort();
	if (*ret == -EINVAL && (res->errors == 0 || err.msg[0] != 'f'))
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t len[AREA_LEVELS];
	struct ingest_result res;
	struct ktp_err err = { 0 };
	int i, r;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz-ingest-XXXXXX");
	if (mkdtemp(dir) == NULL || journal_open(dir, NODE, &jnl, &err) < 0)
		abort();
	for (i = 0; i < AREA_LEVELS; i++)
		len[i] = strlen(area_text[i]);
	if (area_table_parse(area_text, len, "areas", NODE, &areas, &err) < 0)
		abort();
	atexit(cleanup);
	import(INGEST_CSV, areas, 0, 1, (const uint8_t *)seed_csv, strlen(seed_csv), &res, &r);
	if (r != 0)
		abort();
	ingest_result_done(&res);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int32_t zones[4] = { 0, 25200, 28800, 32400 };
	struct journal_head before, after;
	struct ingest_result res;
	struct ktp_err err = { 0 };
	size_t i;
	int r;

	if (size < 3)
		return 0;
	if (journal_head(jnl, &before, &err) < 0)
		abort();
	import(data[0] & 1 ? INGEST_JSONL : INGEST_CSV, data[0] & 2 ? areas : NULL,
	       zones[data[0] >> 2 & 3], (uint32_t)data[1] << 8 | data[2], data + 3, size - 3,
	       &res, &r);
	if (res.n_msgs > INGEST_MAX_ERRORS || res.n_msgs > res.errors)
		abort();
	for (i = 0; i < res.n_msgs; i++)
		if (strncmp(res.msgs[i], "f:", 2) != 0)
			abort();
	if (journal_head(jnl, &after, &err) < 0)
		abort();
	if (r != 0 && (after.seq != before.seq ||
		       memcmp(after.chain, before.chain, sizeof(after.chain)) != 0))
		abort();
	if (r == 0 && after.seq != before.seq + res.versions)
		abort();
	ingest_result_done(&res);
	return 0;
}
