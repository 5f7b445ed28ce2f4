/* SPDX-License-Identifier: ISC */
/* Each command is argv[0] = its name, then its own options. Options are few
 * and fixed, so a small matcher reads clearer than resetting getopt's global
 * state after ktpctl's own pass. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_hub.h"
#include "cmd_node.h"
#include "csvout.h"
#include "ctlclient.h"
#include "ctlmsg.h"
#include "err.h"
#include "fileio.h"
#include "ktime.h"
#include "output.h"

static int
usage(const char *text)
{
	fprintf(stderr, "usage: ktpctl [-s socket] [--json] %s\n", text);
	return 2;
}

/* A region code: exactly `digits` digits, the first not 0. No province code
 * starts with 0, and the code travels as a JSON number, which would send
 * "0201" as 201. Checked here because atoi made "abc" a 0, which the node
 * reads as "every kecamatan". Returns 0, or 2 (the usage exit code) after
 * saying which option and value were wrong. */
static int
parse_code(const char *opt, const char *text, size_t digits, const char *what,
	   json_int_t *ret)
{
	json_int_t v = 0;
	size_t i;

	for (i = 0; i < digits && text[i] >= '0' && text[i] <= '9'; i++)
		v = v * 10 + (text[i] - '0');
	if (i != digits || text[i] != '\0' || text[0] == '0') {
		fprintf(stderr, "ktpctl: %s: '%s' is not a %zu-digit %s code\n", opt, text, digits,
			what);
		return 2;
	}
	*ret = v;
	return 0;
}

static bool
is_daemon(const json_t *reply, const char *name)
{
	const char *d = json_string_value(json_object_get(reply, "daemon"));

	return d != NULL && strcmp(d, name) == 0;
}

/* --- status -------------------------------------------------------------- */

static void
line(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%-17s %s\n", key, value);
}

static void
print_times(FILE *out, const json_t *r, int64_t now)
{
	char a[64], b[64], buf[192];
	const char *e = json_string_value(json_object_get(r, "last_error"));

	output_duration(a, sizeof(a),
			ctlclient_int(r, "pending") > 0 ? ctlclient_int(r, "oldest_pending_s") : -1);
	line(out, "oldest pending:", a);
	output_time(a, sizeof(a), ctlclient_int(r, "last_success"));
	output_age(b, sizeof(b), ctlclient_int(r, "last_success"), now);
	snprintf(buf, sizeof(buf), "%s (%s)", a, b);
	line(out, "last success:", ctlclient_int(r, "last_success") > 0 ? buf : "never");
	output_age(b, sizeof(b), ctlclient_int(r, "last_error_at"), now);
	snprintf(buf, sizeof(buf), "(%s)", b);
	if (e != NULL)
		fprintf(out, "%-17s %s %s\n", "last error:", e, buf);
	else
		line(out, "last error:", "-");
	/* An attempt due this second or overdue (the push is starting) is "now",
	 * not "0s ago". */
	output_age(a, sizeof(a), ctlclient_int(r, "next_attempt"), now);
	line(out, "next attempt:", ctlclient_int(r, "next_attempt") <= 0 ? "-" :
				   ctlclient_int(r, "next_attempt") <= now ? "now" : a);
}

/* Our clock against the hub's (the Date of its last answer); a warning past
 * the hub's max_clock_skew default. */
static void
print_clock(FILE *out, const json_t *r)
{
	const json_t *off = json_object_get(r, "clock_offset_s");
	const char *warn = json_string_value(json_object_get(r, "clock_warning"));
	int64_t s = json_integer_value(off);

	if (!json_is_integer(off))
		line(out, "clock vs hub:", "- (no answer yet)");
	else if (s == 0)
		line(out, "clock vs hub:", "in step (within 1 s)");
	else
		fprintf(out, "%-17s %" PRId64 " s %s\n", "clock vs hub:", s < 0 ? -s : s,
			s > 0 ? "ahead" : "behind");
	if (warn != NULL)
		fprintf(out, "%-17s %s\n", "warning:", warn);
}

/* "catch-up: 42.5% of 1000000 versions, 1m 10s left at 8000 versions/s" */
static void
print_catchup(FILE *out, const json_t *r)
{
	const json_t *c = json_object_get(r, "catchup");
	const json_t *eta = json_object_get(c, "eta_s");
	char left[64];

	if (!json_is_object(c))
		return;
	if (json_is_integer(eta))
		output_duration(left, sizeof(left), json_integer_value(eta));
	fprintf(out, "%-17s %.1f%% of %" PRId64 " versions, ", "catch-up:",
		json_real_value(json_object_get(c, "percent")),
		ctlclient_int(c, "to") - ctlclient_int(c, "from"));
	if (json_is_integer(eta))
		fprintf(out, "%s left at %" PRId64 " versions/s\n", left,
			ctlclient_int(r, "push_rate_vps"));
	else
		fprintf(out, "time left unknown yet\n");
}

static void
print_node_status(FILE *out, const json_t *r)
{
	char a[64], b[64], buf[192];

	line(out, "state:", json_string_value(json_object_get(r, "state")));
	snprintf(buf, sizeof(buf), "%04" PRId64 " %s", ctlclient_int(r, "node"),
		 ctlclient_str(r, "name", ""));
	line(out, "node:", buf);
	line(out, "version:", ctlclient_str(r, "version", "-"));
	line(out, "hub:", ctlclient_str(r, "hub", "-"));
	fprintf(out, "%-17s %" PRId64 "\n", "journal seq:", ctlclient_int(r, "journal_seq"));
	fprintf(out, "%-17s %" PRId64 "\n", "acked:", ctlclient_int(r, "acked"));
	fprintf(out, "%-17s %" PRId64 "\n", "pending:", ctlclient_int(r, "pending"));
	print_times(out, r, (int64_t)time(NULL));
	output_bytes(a, sizeof(a), (uint64_t)ctlclient_int(r, "bytes_sent"));
	fprintf(out, "%-17s %" PRId64 " versions, %s\n", "sent:",
		ctlclient_int(r, "versions_sent"), a);
	fprintf(out, "%-17s %" PRId64 " versions\n", "batch size:", ctlclient_int(r, "batch_size"));
	output_bytes(b, sizeof(b), (uint64_t)ctlclient_int(r, "throughput_bps") / 8);
	fprintf(out, "%-17s %s/s\n", "throughput:", b);
	print_catchup(out, r);
	print_clock(out, r);
}

static int
show_status(void *arg)
{
	const struct ctl_opts *o = arg;
	json_t *reply = NULL;
	int r;

	if ((r = ctlclient_simple(o, "status", NULL, &reply)) != 0 || reply == NULL)
		return r;
	if (is_daemon(reply, "ktphubd"))
		cmd_hub_print_status(stdout, reply);
	else
		print_node_status(stdout, reply);
	json_decref(reply);
	return 0;
}

/* [--watch [SECONDS]]: *ret_seconds 0 without it, 2 by default; -1 on a usage error. */
int
cmd_watch_seconds(int argc, char **argv, unsigned *ret_seconds)
{
	char *end;
	long v;

	*ret_seconds = 0;
	if (argc == 1)
		return 0;
	if (strcmp(argv[1], "--watch") != 0 || argc > 3)
		return -1;
	*ret_seconds = 2;
	if (argc == 3) {
		v = strtol(argv[2], &end, 10);
		if (*end != '\0' || v < 1 || v > 3600)
			return -1;
		*ret_seconds = (unsigned)v;
	}
	return 0;
}

int
cmd_status(const struct ctl_opts *o, int argc, char **argv)
{
	unsigned every;

	if (cmd_watch_seconds(argc, argv, &every) < 0)
		return usage("status [--watch [SECONDS]]  (SECONDS in 1..3600, default 2)");
	if (every == 0)
		return show_status((void *)o);
	return output_watch(stdout, every, show_status, (void *)o);
}

/* --- report -------------------------------------------------------------- */

static const char *const report_cols[] = {
	"code", "name", "persons", "wajib_ktp", "on_dpt", "recorded", "dpt_unrecorded", "recorded_30d",
	"rate_per_day", "projected_completion", "on_track", "pemula_unrecorded",
};
#define N_REPORT_COLS (sizeof(report_cols) / sizeof(report_cols[0]))

static void
print_csv_row(FILE *out, const json_t *row)
{
	size_t i;
	json_t *v;

	for (i = 0; i < N_REPORT_COLS; i++) {
		v = json_object_get(row, report_cols[i]);
		if (json_is_integer(v))
			fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_real(v))
			fprintf(out, "%.2f", json_real_value(v));
		else if (json_is_boolean(v))
			fputs(json_is_true(v) ? "true" : "false", out);
		else if (json_is_string(v))
			csvout_text(out, json_string_value(v), ',');
		fputc(i + 1 < N_REPORT_COLS ? ',' : '\n', out);
	}
}

/* The journal gives projections as YYYYMMDD (0 = none); show them as the hub does. */
static void
fix_projection(json_t *row)
{
	static const char *const keys[] = {
		"projected_completion", "projected_completion_30d", "projected_completion_7d",
	};
	json_int_t d;
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		d = json_integer_value(json_object_get(row, keys[i]));
		if (d <= 0) {
			json_object_set_new(row, keys[i], json_null());
			continue;
		}
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)(d / 10000),
			 (int)(d / 100 % 100), (int)(d % 100));
		json_object_set_new(row, keys[i], json_string(buf));
	}
}

static void
print_node_report(FILE *out, const json_t *r, bool csv)
{
	const json_t *rows = json_object_get(r, "kecamatan");
	json_t *total = json_deep_copy(r), *all = json_array(), *row;
	size_t i;

	json_object_del(total, "kecamatan");
	json_object_set_new(total, "code", json_string("total"));
	for (i = 0; i < json_array_size(rows); i++) {
		row = json_deep_copy(json_array_get(rows, i));
		fix_projection(row);
		json_array_append_new(all, row);
	}
	fix_projection(total);
	json_array_append(all, total);
	if (csv) {
		for (i = 0; i < N_REPORT_COLS; i++)
			fprintf(out, "%s%c", report_cols[i], i + 1 < N_REPORT_COLS ? ',' : '\n');
		for (i = 0; i < json_array_size(all); i++)
			print_csv_row(out, json_array_get(all, i));
	} else {
		output_table(out, all, report_cols, N_REPORT_COLS);
	}
	json_decref(total);
	json_decref(all);
}

int
cmd_report(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *args = json_object(), *reply = NULL;
	json_int_t regency;
	bool csv = false;
	int i, r;

	if (args == NULL)
		return ctlclient_out_of_memory();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0) {
			csv = true;
		} else if (strcmp(argv[i], "--regency") == 0 && i + 1 < argc) {
			if ((r = parse_code("--regency", argv[++i], 4, "regency", &regency)) != 0) {
				json_decref(args);
				return r;
			}
			if (json_object_set_new(args, "regency", json_integer(regency)) < 0) {
				json_decref(args);
				return ctlclient_out_of_memory();
			}
		} else {
			json_decref(args);
			return usage("report [--regency CODE] [--csv]");
		}
	}
	if (csv && json_object_set_new(args, "csv", json_true()) < 0) {
		json_decref(args);
		return ctlclient_out_of_memory();
	}
	if ((r = ctlclient_simple(o, "report", args, &reply)) != 0 || reply == NULL)
		return r;
	if (json_is_string(json_object_get(reply, "csv")))
		fputs(json_string_value(json_object_get(reply, "csv")), stdout);
	else if (is_daemon(reply, "ktphubd"))
		cmd_hub_print_report(stdout, reply);
	else
		print_node_report(stdout, reply, csv);
	json_decref(reply);
	return 0;
}

/* --- sync, pause, resume, remove, metrics -------------------------------- */

int
cmd_sync(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *reply = NULL;
	bool no_wait = argc == 2 && strcmp(argv[1], "--no-wait") == 0;
	int r;

	if (argc > 2 || (argc == 2 && !no_wait))
		return usage("sync [--no-wait]");
	r = ctlclient_simple(o, "sync", no_wait ? json_pack("{s:b}", "no_wait", 1) : NULL, &reply);
	if (r != 0 || reply == NULL)
		return r;
	if (no_wait)
		printf("sync: started\n");
	else
		printf("sync: hub acked seq %" PRId64 "\n", ctlclient_int(reply, "acked"));
	json_decref(reply);
	return 0;
}

int
cmd_pause(const struct ctl_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("pause");
	return ctlclient_simple(o, "pause", NULL, NULL);
}

int
cmd_resume(const struct ctl_opts *o, int argc, char **argv)
{
	bool force = argc == 2 && strcmp(argv[1], "--force") == 0;

	if (argc > 2 || (argc == 2 && !force))
		return usage("resume [--force]");
	return ctlclient_simple(o, "resume", force ? json_pack("{s:b}", "force", 1) : NULL, NULL);
}

/* Either daemon: its log level from now until the next start or `log`. */
int
cmd_log(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *reply = NULL;
	int r;

	if (argc != 2 || (strcmp(argv[1], "debug") != 0 && strcmp(argv[1], "info") != 0))
		return usage("log debug|info");
	r = ctlclient_simple(o, "log", json_pack("{s:s}", "level", argv[1]), &reply);
	if (r != 0 || reply == NULL)
		return r;
	printf("log: %s\n", ctlclient_str(reply, "level", "?"));
	json_decref(reply);
	return 0;
}

int
cmd_remove(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *reply = NULL;
	int r;

	if (argc != 4 || strcmp(argv[2], "--reason") != 0)
		return usage("remove NIK --reason died|moved|duplicate");
	r = ctlclient_simple(o, "remove", json_pack("{s:s,s:s}", "nik", argv[1], "reason", argv[3]),
			     &reply);
	if (r != 0 || reply == NULL)
		return r;
	if (ctlclient_int(reply, "seq") > 0)
		printf("remove: journal seq %" PRId64 "\n", ctlclient_int(reply, "seq"));
	else
		printf("remove: already removed, nothing changed\n");
	json_decref(reply);
	return 0;
}

/* --textfile FILE replaces FILE atomically (mode 0644), as node_exporter's
 * textfile collector wants: it never reads a half-written file. */
int
cmd_metrics(const struct ctl_opts *o, int argc, char **argv)
{
	struct ktp_err err = {0};
	const char *text, *file = NULL;
	json_t *reply = NULL;
	int r;

	if (argc == 3 && strcmp(argv[1], "--textfile") == 0)
		file = argv[2];
	else if (argc != 1)
		return usage("metrics [--textfile FILE]");
	if ((r = ctlclient_simple(o, "metrics", NULL, &reply)) != 0 || reply == NULL)
		return r;
	text = ctlclient_str(reply, "metrics", "");
	if (file == NULL)
		fputs(text, stdout);
	else if (fileio_write_atomic(file, text, strlen(text), 0644, &err) < 0) {
		fprintf(stderr, "ktpctl: metrics: %s\n", err.msg);
		r = 1;
	}
	json_decref(reply);
	return r;
}

/* --- import and put: a payload stream to the daemon ---------------------- */

static void
print_import_errors(const json_t *reply)
{
	const json_t *msgs = json_object_get(reply, "errors");
	size_t i;

	for (i = 0; i < json_array_size(msgs); i++)
		fprintf(stderr, "%s\n", json_string_value(json_array_get(msgs, i)));
}

static int
print_import(const struct ctl_opts *o, struct ctlclient *c, const json_t *reply, int status,
	     const char *name)
{
	int r;

	if (!o->json && status != CTL_STATUS_OK)
		print_import_errors(reply);
	r = ctlclient_print_reply(o, c, reply, status);
	if (r == 0 && !o->json)
		printf("import: %s: %" PRId64 " rows, %" PRId64 " new versions, %" PRId64
		       " unchanged\n", name, ctlclient_int(reply, "rows"),
		       ctlclient_int(reply, "versions"), ctlclient_int(reply, "unchanged"));
	return r;
}

/* An import's progress on a terminal: rows (lines) and bytes sent, the rate
 * and the time left from the file's size, redrawn at most twice a second. */
struct progress {
	uint64_t	total;		/* the file's size, 0 = unknown (a pipe) */
	uint64_t	bytes;
	uint64_t	lines;
	uint64_t	header;		/* 1 for a CSV: its first line is no row */
	uint64_t	t0_ms;
	uint64_t	shown_ms;
	bool		drawn;
};

static void
show_progress(void *arg, const uint8_t *chunk, size_t len)
{
	struct progress *p = arg;
	const uint8_t *q = chunk, *end = chunk + len;
	uint64_t now = ktime_mono_ms();
	char line[160];

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		p->lines++;
		q++;
	}
	p->bytes += len;
	if (now - p->shown_ms < 500 && p->bytes < p->total)
		return;
	p->shown_ms = now;
	output_progress(line, sizeof(line), p->lines > p->header ? p->lines - p->header : 0,
			p->bytes, p->total, now - p->t0_ms);
	fprintf(stderr, "\r\033[Kimport: %s", line);
	p->drawn = true;
}

static int
stream_fd(const struct ctl_opts *o, json_t *req, int fd, const char *name, bool progress)
{
	const char *fmt = json_string_value(json_object_get(req, "format"));
	struct ctlclient *c = NULL;
	struct ktp_err err = {0};
	struct progress p = { .t0_ms = ktime_mono_ms(),
			      .header = fmt != NULL && strcmp(fmt, "csv") == 0 };
	struct stat st;
	json_t *reply = NULL;
	int status = 0, r;

	if ((r = ctlclient_connect(o, &c, &err)) < 0)
		goto fail;
	if (progress && isatty(STDERR_FILENO)) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			p.total = (uint64_t)st.st_size;
		ctlclient_set_progress(c, show_progress, &p);
	}
	r = ctlclient_call_with_fd(c, req, fd, &reply, &status, &err);
	if (p.drawn)
		fputs("\r\033[K", stderr);	/* the final line takes its place */
	if (r < 0)
		goto fail;
	r = print_import(o, c, reply, status, name);
	json_decref(reply);
	ctlclient_close(c);
	return r;
fail:
	fprintf(stderr, "ktpctl: %s\n", err.msg);
	ctlclient_close(c);
	return 1;
}

static const char *
format_of(const char *path, const char *forced)
{
	const char *dot = strrchr(path, '.');

	if (forced != NULL)
		return strcmp(forced, "csv") == 0 || strcmp(forced, "jsonl") == 0 ? forced : NULL;
	if (dot != NULL && strcmp(dot, ".csv") == 0)
		return "csv";
	if (dot != NULL && strcmp(dot, ".jsonl") == 0)
		return "jsonl";
	return NULL;
}

#define IMPORT_USAGE "import FILE.csv|FILE.jsonl [--format csv|jsonl] [--quiet]"

int
cmd_import(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = NULL, *forced = NULL, *fmt;
	char copy[PATH_MAX];
	bool quiet = false;
	json_t *req;
	int i, fd, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			forced = argv[++i];
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (path == NULL && argv[i][0] != '-')
			path = argv[i];
		else
			return usage(IMPORT_USAGE);
	}
	if (path == NULL || (fmt = format_of(path, forced)) == NULL)
		return usage(IMPORT_USAGE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "ktpctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	req = ctlmsg_request("import");
	if (req == NULL || json_object_set_new(req, "name", json_string(basename(copy))) < 0 ||
	    json_object_set_new(req, "format", json_string(fmt)) < 0)
		r = ctlclient_out_of_memory();
	else
		r = stream_fd(o, req, fd, basename(copy), !quiet && !o->json);
	json_decref(req);
	close(fd);
	return r;
}

int
cmd_put(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *req;
	int r;

	(void)argv;
	if (argc != 1)
		return usage("put < FILE.jsonl");
	req = ctlmsg_request("put");
	if (req == NULL || json_object_set_new(req, "name", json_string("stdin")) < 0)
		r = ctlclient_out_of_memory();
	else
		r = stream_fd(o, req, STDIN_FILENO, "stdin", false);
	json_decref(req);
	return r;
}

/* --- unrecorded and export: a payload stream from the daemon ------------- */

static int
write_all(int fd, const uint8_t *p, size_t len, struct ktp_err *err)
{
	int r = fileio_write_all(fd, p, len);

	return r < 0 ? ktp_err_set(err, r, "write: %s", strerror(-r)) : 0;
}

/* Copies the daemon's payload stream to fd, then reads the reply. */
static int
receive(const struct ctl_opts *o, json_t *req, int fd, struct ctlclient **ret_c,
	json_t **ret_reply, int *ret_status, struct ktp_err *err)
{
	struct ctlclient *c = NULL;
	const uint8_t *data;
	size_t len = 1;
	int r;

	if ((r = ctlclient_connect(o, &c, err)) < 0)
		return r;
	/* A daemon that refuses (busy, denied) may answer and close before it
	 * reads the request: its reply, an empty stream and the line, is waiting. */
	r = ctlclient_request(c, req, err);
	if (r == -EPIPE || r == -ECONNRESET) {
		ktp_err_clear(err);
		r = 0;
	}
	while (r == 0 && len > 0) {
		if ((r = ctlclient_read_chunk(c, &data, &len, err)) == 0 && fd >= 0)
			r = write_all(fd, data, len, err);
	}
	if (r == 0)
		r = ctlclient_read_reply(c, ret_reply, ret_status, err);
	if (r < 0) {
		ctlclient_close(c);
		return r;
	}
	*ret_c = c;
	return 0;
}

#define UNRECORDED_USAGE "unrecorded [--kecamatan CODE] [--desa CODE] [--pemula] [--site-plan]"

/* Adds one option of unrecorded to req; 2 (usage) when it is not one. */
static int
unrecorded_option(json_t *req, int argc, char **argv, int *i)
{
	json_int_t code;
	int r;

	if (strcmp(argv[*i], "--pemula") == 0)
		return json_object_set_new(req, "pemula", json_true()) < 0 ? -1 : 0;
	if (strcmp(argv[*i], "--site-plan") == 0)
		return json_object_set_new(req, "site_plan", json_true()) < 0 ? -1 : 0;
	if (*i + 1 >= argc)
		return usage(UNRECORDED_USAGE);
	if (strcmp(argv[*i], "--kecamatan") == 0)
		r = parse_code("--kecamatan", argv[*i + 1], 6, "kecamatan", &code);
	else if (strcmp(argv[*i], "--desa") == 0)
		r = parse_code("--desa", argv[*i + 1], 10, "desa", &code);
	else
		return usage(UNRECORDED_USAGE);
	if (r != 0)
		return r;
	r = json_object_set_new(req, argv[*i] + 2, json_integer(code)) < 0 ? -1 : 0;
	*i += 1;
	return r;
}

int
cmd_unrecorded(const struct ctl_opts *o, int argc, char **argv)
{
	struct ctlclient *c = NULL;
	struct ktp_err err = {0};
	json_t *req, *reply = NULL;
	int status = 0, i, r = 0;

	if ((req = ctlmsg_request("unrecorded")) == NULL)
		return ctlclient_out_of_memory();
	for (i = 1; i < argc && r == 0; i++)
		r = unrecorded_option(req, argc, argv, &i);
	if (r == 0 && o->json && json_object_set_new(req, "rows", json_true()) < 0)
		r = -1;
	if (r != 0) {
		json_decref(req);
		return r > 0 ? r : ctlclient_out_of_memory();
	}
	r = receive(o, req, o->json ? -1 : STDOUT_FILENO, &c, &reply, &status, &err);
	json_decref(req);
	if (r < 0) {
		fprintf(stderr, "ktpctl: %s\n", err.msg);
		return 1;
	}
	r = ctlclient_print_reply(o, c, reply, status);
	json_decref(reply);
	ctlclient_close(c);
	return r;
}

/* The bundle's directory must be synced too, or the rename may not survive a
 * power cut (STYLE A15). */
static int
publish(int fd, const char *tmp, const char *path, struct ktp_err *err)
{
	char copy[PATH_MAX];
	int dfd, r = 0;

	if (fsync(fd) < 0)
		return ktp_err_set(err, -errno, "%s: fsync: %s", tmp, strerror(errno));
	if (rename(tmp, path) < 0)
		return ktp_err_set(err, -errno, "%s: rename: %s", path, strerror(errno));
	snprintf(copy, sizeof(copy), "%s", path);
	if ((dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ktp_err_set(err, -errno, "%s: %s", copy, strerror(errno));
	if (fsync(dfd) < 0)
		r = ktp_err_set(err, -errno, "%s: fsync: %s", copy, strerror(errno));
	close(dfd);
	return r;
}

static int
export_to(const struct ctl_opts *o, const char *path, int fd, const char *tmp)
{
	struct ctlclient *c = NULL;
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("export"), *reply = NULL;
	int status = 0, r;

	r = receive(o, req, fd, &c, &reply, &status, &err);
	json_decref(req);
	if (r == 0 && status == CTL_STATUS_OK)
		r = publish(fd, tmp, path, &err);
	if (r < 0) {
		fprintf(stderr, "ktpctl: %s\n", err.msg);
		ctlclient_close(c);
		json_decref(reply);
		return 1;
	}
	if (ctlclient_print_reply(o, c, reply, status) != 0 || o->json)
		;
	else if (ctlclient_int(reply, "versions") == 0)
		printf("export: %s: nothing pending, an empty bundle\n", path);
	else
		printf("export: %s: seq %" PRId64 "..%" PRId64 ", %" PRId64 " versions in %" PRId64
		       " batches\n", path, ctlclient_int(reply, "first"),
		       ctlclient_int(reply, "last"), ctlclient_int(reply, "versions"),
		       ctlclient_int(reply, "batches"));
	ctlclient_close(c);
	json_decref(reply);
	return status == CTL_STATUS_OK ? 0 : 1;
}

int
cmd_export(const struct ctl_opts *o, int argc, char **argv)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (argc != 2)
		return usage("export FILE");
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", argv[1]) >= (int)sizeof(tmp))
		return usage("export FILE");
	if ((fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "ktpctl: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	/* A bundle holds only sealed batches, but it is still the office's data. */
	fchmod(fd, 0600);
	r = export_to(o, argv[1], fd, tmp);
	close(fd);
	if (r != 0)
		unlink(tmp);
	return r;
}
