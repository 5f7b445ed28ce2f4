/* SPDX-License-Identifier: ISC */
/* gen_residents — a realistic residents CSV of one regency, or recording events after it.
 * Persons and events come from the synthetic generator (tests/synth): the same seed, regency
 * and time give the same file, so an event file made later matches the residents file.
 *
 *   gen_residents [-r REGENCY] [-n COUNT] [-s SEED] [-t UNIX-TIME] [-u EVENTS] [-a AREA_DIR]
 *
 * Persons live in the regency's real kecamatan and desa, from the code table in AREA_DIR
 * (default: $AREA_DIR, else the tree's protocol/areas beside this program's build directory,
 * else the installed one), as a node checking codes on import takes them.
 *
 * Without -u: COUNT persons (default 1000, regency 3201, seed 1, time now) with every column
 * ktpctl import takes. With -u: the same COUNT persons are made silently, then EVENTS
 * recording events follow as nik,status,recorded_at,site,operator (unrecorded persons are
 * recorded first, then cards printed and issued); asking for more events than the persons
 * allow is an error that names both numbers. Never used by the daemons; exit 0 ok,
 * 1 failure, 2 usage. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "area.h"
#include "err.h"
#include "record.h"
#include "synth.h"

#define DEFAULT_COUNT	1000u
#define MAX_COUNT	10000000u

struct opts {
	uint16_t	regency;
	uint64_t	count;
	uint64_t	seed;
	int64_t		now;
	uint64_t	events;
	const char	*area_dir;
};

static void
usage(void)
{
	fputs("usage: gen_residents [-r regency] [-n count] [-s seed] [-t unix-time] "
	      "[-u events] [-a area-dir]\n", stderr);
	exit(2);
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v > max)
		return false;
	*ret = v;
	return true;
}

static void
put_time(FILE *f, int64_t at)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)at;

	if (at != 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		fputs(buf, f);
}

/* status,recorded_at,site,operator: empty columns for a person never recorded. */
static void
put_recording(FILE *f, const struct record *r)
{
	fprintf(f, "%s,", record_status_name(r->status));
	put_time(f, r->recorded_at);
	fprintf(f, ",%s,%s\n", r->site ? record_site_name(r->site) : "", r->operator_);
}

/* Names are quoted only when CSV needs it (a comma or a quote in them). */
static void
put_name(FILE *f, const char *name)
{
	const char *p;

	if (strpbrk(name, ",\"") == NULL) {
		fputs(name, f);
		return;
	}
	fputc('"', f);
	for (p = name; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void
put_person(FILE *f, const struct record *r)
{
	fprintf(f, "%s,", r->nik);
	put_name(f, r->name);
	fprintf(f, ",%c,", r->sex == RECORD_SEX_FEMALE ? 'P' : 'L');
	if (r->birth_date != 0)
		fprintf(f, "%04u-%02u-%02u", r->birth_date / 10000, r->birth_date / 100 % 100,
			r->birth_date % 100);
	fprintf(f, ",%06" PRIu32 ",", r->kecamatan);
	if (r->desa != 0)
		fprintf(f, "%010" PRIu64, r->desa);
	fprintf(f, ",%d,", r->on_dpt);
	put_recording(f, r);
}

/* Writes the file; *ret_events is how many events were written, which tells
 * main how many the persons allowed when synth_update ran out (-ENOENT). */
static int
generate(FILE *f, struct synth *s, const struct opts *o, uint64_t *ret_events)
{
	struct record r;
	uint64_t i;
	int rc;

	if (o->events == 0)
		fputs("nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,"
		      "operator\n", f);
	for (i = 0; i < o->count; i++) {
		synth_person(s, &r, o->now);
		if (o->events == 0)
			put_person(f, &r);
	}
	if (o->events == 0)
		return 0;
	fputs("nik,status,recorded_at,site,operator\n", f);
	for (i = 0; i < o->events; i++) {
		*ret_events = i;
		if ((rc = synth_update(s, &r, o->now)) < 0)
			return rc;
		fprintf(f, "%s,", r.nik);
		put_recording(f, &r);
	}
	*ret_events = i;
	return 0;
}

static void
report_failure(const struct opts *o, int rc, uint64_t events)
{
	/* synth_update's -ENOENT is not about a file: every person is issued
	 * or too young, so there is no next recording step to make. */
	if (rc == -ENOENT)
		fprintf(stderr, "gen_residents: -u %" PRIu64 ": the %" PRIu64 " persons of -n allow"
			" only %" PRIu64 " recording event%s (then each is issued or too young);"
			" ask for at most %" PRIu64 " or for more persons\n", o->events, o->count,
			events, events == 1 ? "" : "s", events);
	else
		fprintf(stderr, "gen_residents: %s\n", strerror(-rc));
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	uint64_t v;
	int ch;

	while ((ch = getopt(argc, argv, "r:n:s:t:u:a:")) != -1) {
		switch (ch) {
		case 'r':
			if (!parse_u64(optarg, 9999, &v))
				usage();
			o->regency = (uint16_t)v;
			break;
		case 'n':
			if (!parse_u64(optarg, MAX_COUNT, &o->count))
				usage();
			break;
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &o->seed))
				usage();
			break;
		case 't':
			if (!parse_u64(optarg, INT64_MAX / 1000, &v))
				usage();
			o->now = (int64_t)v;
			break;
		case 'u':
			if (!parse_u64(optarg, MAX_COUNT, &o->events))
				usage();
			break;
		case 'a':
			o->area_dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* -a, $AREA_DIR, the protocol/areas of the tree this was built in (found
 * upwards from the program: build/tools, build/san/tools), or the installed
 * table. */
static const char *
area_dir(const struct opts *o, char *buf, size_t cap)
{
	static const char *const up[] = { "/../..", "/../../.." };
	char exe[PATH_MAX];
	const char *dir;
	ssize_t n;
	size_t i;

	if (o->area_dir != NULL)
		return o->area_dir;
	if (getenv("AREA_DIR") != NULL && getenv("AREA_DIR")[0] != '\0')
		return getenv("AREA_DIR");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return KTP_AREA_DIR;
	exe[n] = '\0';
	dir = dirname(exe);
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		snprintf(buf, cap, "%s%s/protocol/areas/districts.csv", dir, up[i]);
		if (access(buf, R_OK) == 0) {
			*strrchr(buf, '/') = '\0';
			return buf;
		}
	}
	return KTP_AREA_DIR;
}

static struct synth *
make_synth(const struct opts *o)
{
	struct area_table *t = NULL;
	struct ktp_err err = {0};
	char buf[PATH_MAX + 64];
	struct synth *s;

	if (area_table_load(area_dir(o, buf, sizeof(buf)), o->regency, &t, &err) < 0) {
		fprintf(stderr, "gen_residents: %s\n", err.msg);
		return NULL;
	}
	if ((s = synth_new_areas(o->seed, o->regency, t)) == NULL)
		fprintf(stderr, "gen_residents: regency '%04u': %s\n", o->regency,
			errno == EINVAL ? "no kecamatan in the code table" : strerror(errno));
	area_table_free(t);
	return s;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.regency = 3201, .count = DEFAULT_COUNT, .seed = 1, .now = (int64_t)time(NULL),
	};
	struct synth *s;
	uint64_t events = 0;
	int rc;

	parse_opts(argc, argv, &o);
	if ((s = make_synth(&o)) == NULL)
		return 1;
	rc = generate(stdout, s, &o, &events);
	synth_free(s);
	if (rc < 0) {
		report_failure(&o, rc, events);
		return 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gen_residents: write: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
