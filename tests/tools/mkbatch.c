/* SPDX-License-Identifier: ISC */
/* mkbatch — builds sealed batches and offline bundles for the system tests.
 * Versions are synthetic and deterministic (seq n of node N is always the same person row),
 * or read from a small CSV; the output can be split, bundled, tampered with, truncated or forged.
 *
 *   mkbatch genkey node|hub FILE         writes a 0600 key file, prints the public key
 *   mkbatch -k NODE.key -H HUB.key -n NODE -f FIRST -l LAST [-o OUT] [options]
 *   mkbatch --expect -n NODE -l LAST [-p PERSONS] [--prefix PPRR]
 *
 * Options:
 *   -p PERSONS     versions cycle over this many persons (default: every version a new one)
 *   -b SIZE        batches of SIZE versions: OUT.1, OUT.2 ... (or one bundle with --bundle)
 *   --bundle       write an offline bundle (KTPBUNDL, then length-prefixed batches)
 *   --head H       the node's journal head to declare (default LAST)
 *   --prefix PPRR  NIK region of the persons (default NODE: conflicts use another node's)
 *   --hlc-base MS  HLC wall time of seq 1 (default 1767225600000; +1 ms per seq)
 *   --fork SEQ     versions from SEQ on differ (a rewound or forked journal)
 *   --csv FILE     versions from FILE, one per line, seq = line number (header line skipped):
 *                  nik,name,sex(L/P),birth_date(YYYYMMDD),on_dpt(0/1),status,recorded_at,hlc
 *   --tamper OFF   flip the low bit of byte OFF of each batch (negative: from the end)
 *   --truncate N   keep only the first N bytes of each batch
 *   --sign-with F  sign with another node key file (a forged signature)
 *   --heartbeat MS the heartbeat (PROTOCOL.md 5.5) at head LAST, stamped MS, instead
 *   --expect       print the final state of versions 1..LAST as JSON (persons, on_dpt,
 *                  recorded, dpt_unrecorded) and build nothing
 * Never used by the daemons; exit 0 ok, 1 failure, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "batch.h"
#include "chain.h"
#include "err.h"
#include "hlc.h"
#include "keys.h"
#include "keytext.h"
#include "record.h"

#define MAX_PERSONS	99990u		/* 10 kecamatan x 9999 serials */
#define DEFAULT_HLC_MS	1767225600000ull	/* 2026-01-01 */

struct opts {
	const char	*node_key;
	const char	*hub_key;
	const char	*sign_with;
	const char	*out;
	const char	*csv;
	uint16_t	node;
	uint16_t	prefix;
	uint64_t	first;
	uint64_t	last;
	uint64_t	head;
	uint64_t	persons;
	uint64_t	batch_size;
	uint64_t	hlc_base;
	uint64_t	fork;
	uint64_t	heartbeat_ms;	/* --heartbeat: the heartbeat at head LAST, so stamped */
	bool		bundle;
	bool		expect;
	bool		tamper;
	long long	tamper_off;
	long long	truncate;
};

struct versions {
	uint8_t		**enc;
	size_t		*len;
	struct record	*rec;		/* kept for --expect */
	uint64_t	n;
};

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkbatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* --- Synthetic versions ---------------------------------------------------- */

/* Person p of a region: kecamatan 01..10, a valid birth date, serial from p. */
static void
make_person(uint16_t region, uint64_t p, struct record *r)
{
	unsigned kec = (unsigned)(p % 10) + 1, day = (unsigned)(p % 28) + 1;
	unsigned year = 1960 + (unsigned)(p % 45), month = (unsigned)(p / 10 % 12) + 1;
	unsigned serial = (unsigned)(p / 10) + 1;
	bool female = p % 2 == 1;
	char nik[64];

	snprintf(nik, sizeof(nik), "%04u%02u%02u%02u%02u%04u", region % 10000, kec,
		 day + (female ? 40 : 0), month, year % 100, serial % 10000);
	memcpy(r->nik, nik, 16);
	r->nik[16] = '\0';
	snprintf(r->name, sizeof(r->name), "Warga %04u %" PRIu64, region, p);
	r->sex = female ? RECORD_SEX_FEMALE : RECORD_SEX_MALE;
	r->birth_date = year * 10000 + month * 100 + day;
	r->kecamatan = (uint32_t)region * 100 + kec;
	r->desa = (uint64_t)r->kecamatan * 10000 + 2001;
	r->on_dpt = p % 4 != 0;
}

/* Version seq of the node: person (seq-1) % persons at revision (seq-1) / persons;
 * each revision moves the recording status one step on. */
static void
make_version(const struct opts *o, uint64_t seq, struct record *r)
{
	uint64_t p = (seq - 1) % o->persons, rev = (seq - 1) / o->persons;
	unsigned status = (unsigned)rev + (p % 3 != 0 ? 1 : 0);

	memset(r, 0, sizeof(*r));
	make_person(o->prefix, p, r);
	r->hlc = hlc_make(o->hlc_base + seq, 0);
	r->status = status > RECORD_STATUS_ISSUED ? RECORD_STATUS_ISSUED : status;
	if (r->status != RECORD_STATUS_UNRECORDED) {
		r->recorded_at = (int64_t)((o->hlc_base + seq) / 1000);
		r->site = RECORD_SITE_OFFICE;
		snprintf(r->operator_, sizeof(r->operator_), "op%u", (unsigned)(p % 7));
	}
	if (o->fork != 0 && seq >= o->fork)
		snprintf(r->name, sizeof(r->name), "Warga %04u %" PRIu64 " lain", o->prefix, p);
}

/* --- CSV versions ------------------------------------------------------------ */

static int
parse_csv_line(char *line, struct record *r, struct ktp_err *err)
{
	char *f[8], *save = NULL, *t;
	int n = 0, st;

	for (t = strtok_r(line, ",\r\n", &save); t != NULL && n < 8;
	     t = strtok_r(NULL, ",\r\n", &save))
		f[n++] = t;
	if (n != 8)
		return ktp_err_set(err, -EINVAL, "%d fields, need 8", n);
	memset(r, 0, sizeof(*r));
	snprintf(r->nik, sizeof(r->nik), "%s", f[0]);
	snprintf(r->name, sizeof(r->name), "%s", f[1]);
	r->sex = f[2][0] == 'P' ? RECORD_SEX_FEMALE : RECORD_SEX_MALE;
	r->birth_date = (uint32_t)strtoul(f[3], NULL, 10);
	r->kecamatan = (uint32_t)(strtoull(r->nik, NULL, 10) / 10000000000ull);
	r->on_dpt = f[4][0] == '1';
	if ((st = record_status_from_name(f[5])) < 0)
		return ktp_err_set(err, -EINVAL, "status: unknown '%s'", f[5]);
	r->status = (uint8_t)st;
	r->recorded_at = strtoll(f[6], NULL, 10);
	r->site = r->status ? RECORD_SITE_OFFICE : RECORD_SITE_NONE;
	r->hlc = strtoull(f[7], NULL, 10);
	return 0;
}

static uint64_t
read_csv(const char *path, struct record **ret)
{
	FILE *f = fopen(path, "r");
	struct record *v = NULL;
	struct ktp_err err = {0};
	char line[1024];
	uint64_t n = 0, lineno = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (lineno++ == 0)
			continue;
		if ((v = realloc(v, (n + 1) * sizeof(*v))) == NULL)
			die("out of memory");
		if (parse_csv_line(line, &v[n], &err) < 0)
			die("%s:%" PRIu64 ": %s", path, lineno, err.msg);
		n++;
	}
	fclose(f);
	*ret = v;
	return n;
}

/* --- Encoding and sealing ----------------------------------------------------- */

static void
encode_all(const struct opts *o, uint64_t upto, struct versions *v)
{
	struct record *csv = NULL;
	struct ktp_err err = {0};
	uint64_t n = upto, i;
	uint8_t buf[KTP_VERSION_MAX_BYTES];

	if (o->csv != NULL && (n = read_csv(o->csv, &csv)) < upto)
		die("%s: %" PRIu64 " versions, need %" PRIu64, o->csv, n, upto);
	v->enc = calloc(upto + 1, sizeof(*v->enc));
	v->len = calloc(upto + 1, sizeof(*v->len));
	v->rec = calloc(upto + 1, sizeof(*v->rec));
	if (v->enc == NULL || v->len == NULL || v->rec == NULL)
		die("out of memory");
	for (i = 1; i <= upto; i++) {
		if (csv != NULL)
			v->rec[i] = csv[i - 1];
		else
			make_version(o, i, &v->rec[i]);
		if (record_encode(&v->rec[i], buf, sizeof(buf), &v->len[i], &err) < 0)
			die("seq %" PRIu64 ": %s", i, err.msg);
		if ((v->enc[i] = malloc(v->len[i])) == NULL)
			die("out of memory");
		memcpy(v->enc[i], buf, v->len[i]);
	}
	v->n = upto;
	free(csv);
}

static void
chain_at(const struct versions *v, uint64_t seq, uint8_t out[static KTP_HASH_LEN])
{
	uint64_t i;

	memset(out, 0, KTP_HASH_LEN);
	for (i = 1; i <= seq; i++)
		chain_next(out, v->enc[i], v->len[i], out);
}

struct sealer {
	struct node_keys	*key;
	struct node_keys	*signer;
	uint8_t			hub_pk[KTP_X25519_PK_LEN];
};

static void
load_sealer(const struct opts *o, struct sealer *s)
{
	enum keytext_type type;
	struct ktp_err err = {0};

	if (keys_load_node(o->node_key, &s->key, &err) < 0)
		die("%s", err.msg);
	s->signer = s->key;
	if (o->sign_with != NULL && keys_load_node(o->sign_with, &s->signer, &err) < 0)
		die("%s", err.msg);
	if (keys_load_public(o->hub_key, &type, s->hub_pk, &err) < 0)
		die("%s", err.msg);
	if (type != KEYTEXT_HUB_SECRET)
		die("%s: not a hub key", o->hub_key);
}

static void
damage(const struct opts *o, uint8_t *wire, size_t *len)
{
	long long off = o->tamper_off;

	if (o->tamper) {
		if (off < 0)
			off += (long long)*len;
		if (off < 0 || off >= (long long)*len)
			die("--tamper %lld: batch has %zu bytes", o->tamper_off, *len);
		wire[off] ^= 0x01;
	}
	if (o->truncate >= 0 && (size_t)o->truncate < *len)
		*len = (size_t)o->truncate;
}

/* Seals first..last; the prev_chain is recomputed from seq 1, so any range
 * of the same journal chains onto any other. */
static uint8_t *
seal_range(const struct opts *o, const struct sealer *s, const struct versions *v,
	   uint64_t first, uint64_t last, size_t *ret_len)
{
	struct batch_builder *b = NULL;
	struct batch_header hdr = {0};
	struct ktp_err err = {0};
	uint8_t eph[KTP_X25519_SK_LEN], nonce[KTP_NONCE_LEN], *wire = NULL;
	uint64_t i;

	if (batch_builder_new(&b) < 0)
		die("out of memory");
	for (i = first; i <= last; i++)
		if (batch_builder_add(b, v->enc[i], v->len[i], &err) < 0)
			die("%s", err.msg);
	hdr.node_id = o->node;
	hdr.hub_key_id = keytext_hub_key_id(s->hub_pk);
	hdr.first = first;
	hdr.last = last;
	hdr.head = o->head ? o->head : o->last;
	chain_at(v, first - 1, hdr.prev_chain);
	randombytes_buf(eph, sizeof(eph));
	randombytes_buf(nonce, sizeof(nonce));
	if (o->heartbeat_ms > 0 && first == last + 1) {
		if (batch_seal_heartbeat(&hdr, o->heartbeat_ms, s->signer->sk, s->hub_pk, eph,
					 nonce, &wire, ret_len, &err) < 0)
			die("%s", err.msg);
	} else if (batch_seal(b, &hdr, s->signer->sk, s->hub_pk, eph, nonce, &wire, ret_len,
			      &err) < 0) {
		die("%s", err.msg);
	}
	batch_builder_free(b);
	sodium_memzero(eph, sizeof(eph));
	damage(o, wire, ret_len);
	return wire;
}

/* --- Output ---------------------------------------------------------------------- */

static FILE *
open_out(const char *path)
{
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	if ((f = fopen(path, "wb")) == NULL)
		die("%s: %s", path, strerror(errno));
	return f;
}

static void
close_out(FILE *f, const char *path)
{
	if (fflush(f) != 0 || (f != stdout && fclose(f) != 0))
		die("%s: write failed", path ? path : "stdout");
}

static void
put_be32(FILE *f, uint32_t n)
{
	uint8_t b[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };

	fwrite(b, 1, 4, f);
}

static void
write_batches(const struct opts *o, const struct sealer *s, const struct versions *v)
{
	uint64_t size = o->batch_size ? o->batch_size : o->last - o->first + 1, a, k = 0;
	FILE *f = NULL;
	char path[4096];
	uint8_t *wire;
	size_t len;

	if (o->heartbeat_ms > 0) {	/* zero versions at head LAST (PROTOCOL.md 5.5) */
		wire = seal_range(o, s, v, o->last + 1, o->last, &len);
		f = open_out(o->out);
		fwrite(wire, 1, len, f);
		close_out(f, o->out);
		free(wire);
		return;
	}
	if (o->bundle) {
		f = open_out(o->out);
		fwrite(KTP_BUNDLE_MAGIC, 1, sizeof(KTP_BUNDLE_MAGIC) - 1, f);
	}
	for (a = o->first; a <= o->last; a += size) {
		uint64_t z = a + size - 1 > o->last ? o->last : a + size - 1;

		wire = seal_range(o, s, v, a, z, &len);
		k++;
		if (o->bundle) {
			put_be32(f, (uint32_t)len);
			fwrite(wire, 1, len, f);
		} else if (o->batch_size == 0) {
			f = open_out(o->out);
			fwrite(wire, 1, len, f);
			close_out(f, o->out);
		} else {
			if (o->out == NULL)
				die("-b without --bundle needs -o PREFIX");
			snprintf(path, sizeof(path), "%s.%" PRIu64, o->out, k);
			f = open_out(path);
			fwrite(wire, 1, len, f);
			close_out(f, path);
		}
		free(wire);
	}
	if (o->bundle)
		close_out(f, o->out);
}

/* --- --expect: the final state a hub must hold after versions 1..LAST ----------- */

/* By NIK, then newest HLC first, so the first of each NIK is the winner. */
static int
cmp_nik(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	int c = strcmp(x->nik, y->nik);

	if (c != 0)
		return c;
	return x->hlc < y->hlc ? 1 : x->hlc > y->hlc ? -1 : 0;
}

static void
print_expect(const struct versions *v)
{
	struct record *last = calloc(v->n + 1, sizeof(*last));
	uint64_t persons = 0, on_dpt = 0, recorded = 0, dpt_unrec = 0, i, n = 0;

	if (last == NULL)
		die("out of memory");
	for (i = 1; i <= v->n; i++)
		last[n++] = v->rec[i];
	qsort(last, n, sizeof(*last), cmp_nik);
	for (i = 0; i < n; i++) {
		const struct record *r = &last[i];

		if (i > 0 && strcmp(last[i - 1].nik, r->nik) == 0)
			continue;
		persons++;
		on_dpt += r->on_dpt;
		recorded += record_is_recorded(r);
		dpt_unrec += r->on_dpt && !record_is_recorded(r);
	}
	printf("{\"persons\":%" PRIu64 ",\"on_dpt\":%" PRIu64 ",\"recorded\":%" PRIu64
	       ",\"dpt_unrecorded\":%" PRIu64 "}\n", persons, on_dpt, recorded, dpt_unrec);
	free(last);
}

/* --- Options --------------------------------------------------------------------- */

static void
usage(void)
{
	fputs("usage: mkbatch genkey node|hub FILE\n"
	      "       mkbatch -k NODE.key -H HUB.key -n NODE -f FIRST -l LAST [-o OUT] [-p PERSONS]\n"
	      "               [-b SIZE] [--bundle] [--head H] [--prefix PPRR] [--hlc-base MS]\n"
	      "               [--fork SEQ] [--csv FILE] [--tamper OFF] [--truncate N]\n"
	      "               [--sign-with KEY] [--heartbeat MS]\n"
	      "       mkbatch --expect -n NODE -l LAST [-p PERSONS] [--prefix PPRR]\n", stderr);
	exit(2);
}

static uint64_t
num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '-')
		die("'%s' is not a number", s);
	return v;
}

static void
parse_long(int ch, struct opts *o)
{
	switch (ch) {
	case 'B': o->bundle = true; break;
	case 'E': o->expect = true; break;
	case 'h': o->head = num(optarg); break;
	case 'x': o->prefix = (uint16_t)num(optarg); break;
	case 'c': o->hlc_base = num(optarg); break;
	case 'F': o->fork = num(optarg); break;
	case 'C': o->csv = optarg; break;
	case 'T': o->tamper = true; o->tamper_off = strtoll(optarg, NULL, 10); break;
	case 'U': o->truncate = strtoll(optarg, NULL, 10); break;
	case 'S': o->sign_with = optarg; break;
	case 'R': o->heartbeat_ms = num(optarg); break;
	default: usage();
	}
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "bundle", no_argument, NULL, 'B' }, { "expect", no_argument, NULL, 'E' },
		{ "head", required_argument, NULL, 'h' }, { "prefix", required_argument, NULL, 'x' },
		{ "hlc-base", required_argument, NULL, 'c' }, { "fork", required_argument, NULL, 'F' },
		{ "csv", required_argument, NULL, 'C' }, { "tamper", required_argument, NULL, 'T' },
		{ "truncate", required_argument, NULL, 'U' },
		{ "sign-with", required_argument, NULL, 'S' },
		{ "heartbeat", required_argument, NULL, 'R' }, { NULL, 0, NULL, 0 },
	};
	int ch;

	o->truncate = -1;
	o->hlc_base = DEFAULT_HLC_MS;
	o->first = 1;
	while ((ch = getopt_long(argc, argv, "k:H:n:f:l:o:p:b:", longs, NULL)) != -1) {
		switch (ch) {
		case 'k': o->node_key = optarg; break;
		case 'H': o->hub_key = optarg; break;
		case 'n': o->node = (uint16_t)num(optarg); break;
		case 'f': o->first = num(optarg); break;
		case 'l': o->last = num(optarg); break;
		case 'o': o->out = optarg; break;
		case 'p': o->persons = num(optarg); break;
		case 'b': o->batch_size = num(optarg); break;
		default: parse_long(ch, o);
		}
	}
	if (o->node < 1000 || o->node > 9999 || o->last == 0 || o->first == 0 ||
	    o->first > o->last || optind != argc)
		usage();
	if (!o->expect && (o->node_key == NULL || o->hub_key == NULL))
		usage();
	if (o->prefix == 0)
		o->prefix = o->node;
	if (o->persons == 0)
		o->persons = o->last < MAX_PERSONS ? o->last : MAX_PERSONS;
	if (o->persons > MAX_PERSONS)
		die("-p %" PRIu64 ": at most %u persons", o->persons, MAX_PERSONS);
}

static int
genkey(int argc, char **argv)
{
	struct ktp_err err = {0};
	char text[KEYTEXT_PUBLIC_LEN];
	uint8_t pk[32];
	enum keytext_type t;

	if (argc != 4)
		usage();
	if (strcmp(argv[2], "node") == 0)
		t = KEYTEXT_NODE_SECRET;
	else if (strcmp(argv[2], "hub") == 0)
		t = KEYTEXT_HUB_SECRET;
	else
		usage();
	if (keys_generate(t, argv[3], pk, &err) < 0)
		die("%s", err.msg);
	keytext_public_to_text(pk, text);
	printf("%s\n", text);
	return 0;
}

static void
free_versions(struct versions *v)
{
	uint64_t i;

	for (i = 1; i <= v->n; i++)
		free(v->enc[i]);
	free(v->enc);
	free(v->len);
	free(v->rec);
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct versions v = {0};
	struct sealer s = {0};

	if (sodium_init() < 0)
		die("libsodium: cannot initialise");
	if (argc > 1 && strcmp(argv[1], "genkey") == 0)
		return genkey(argc, argv);
	parse_opts(argc, argv, &o);
	encode_all(&o, o.last, &v);
	if (o.expect) {
		print_expect(&v);
		free_versions(&v);
		return 0;
	}
	load_sealer(&o, &s);
	write_batches(&o, &s, &v);
	if (s.signer != s.key)
		keys_node_free(s.signer);
	keys_node_free(s.key);
	free_versions(&v);
	return 0;
}
