/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_hub.h"
#include "cmd_node.h"
#include "ctlclient.h"
#include "ctlmsg.h"
#include "err.h"
#include "output.h"

static int
usage(const char *text)
{
	fprintf(stderr, "usage: ktpctl [-s socket] [--json] %s\n", text);
	return 2;
}

/* --- nodes, conflicts ------------------------------------------------------ */

/* Like `chronyc sources`: one line per regency, its state and the ages of
 * its last contact and last data; --json keeps the absolute times. */
static const char *const node_cols[] = {
	"code", "name", "state", "last_contact", "last_data", "acked", "pending", "versions",
	"bytes", "last_error",
};

/* The reply's rows with the times as ages and the state beside them. */
static json_t *
node_rows(const json_t *nodes, int64_t now, unsigned counts[5])
{
	static const char *const states[] = { "ok", "late", "silent", "never", "error" };
	json_t *rows = json_array(), *row;
	const json_t *n;
	size_t i, k;
	char age[64];

	json_array_foreach(nodes, i, n) {
		int64_t contact = output_parse_time(json_string_value(json_object_get(n,
							"last_contact")));
		int64_t err_at = output_parse_time(json_string_value(json_object_get(n,
							"last_error_at")));
		const char *state = output_node_state(contact, err_at, now);

		if (rows == NULL || (row = json_deep_copy(n)) == NULL)
			break;
		json_object_set_new(row, "state", json_string(state));
		output_age(age, sizeof(age), contact, now);
		json_object_set_new(row, "last_contact", json_string(age));
		output_age(age, sizeof(age), output_parse_time(json_string_value(
						json_object_get(n, "last_data"))), now);
		json_object_set_new(row, "last_data", json_string(age));
		json_array_append_new(rows, row);
		for (k = 0; k < 5; k++)
			if (strcmp(state, states[k]) == 0)
				counts[k]++;
	}
	return rows;
}

static int
show_nodes(void *arg)
{
	const struct ctl_opts *o = arg;
	unsigned c[5] = {0};
	json_t *reply = NULL, *rows;
	int r;

	if ((r = ctlclient_simple(o, "nodes", NULL, &reply)) != 0 || reply == NULL)
		return r;
	rows = node_rows(json_object_get(reply, "nodes"), (int64_t)time(NULL), c);
	printf("%s %s: %zu regencies: %u ok, %u late, %u silent, %u never, %u error\n",
	       ctlclient_str(reply, "daemon", "ktphubd"), ctlclient_str(reply, "version", "?"),
	       json_array_size(rows), c[0], c[1], c[2], c[3], c[4]);
	output_table(stdout, rows, node_cols, sizeof(node_cols) / sizeof(node_cols[0]));
	json_decref(rows);
	json_decref(reply);
	return 0;
}

int
cmd_nodes(const struct ctl_opts *o, int argc, char **argv)
{
	unsigned every;

	if (cmd_watch_seconds(argc, argv, &every) < 0)
		return usage("nodes [--watch [SECONDS]]  (SECONDS in 1..3600, default 2)");
	if (every == 0)
		return show_nodes((void *)o);
	return output_watch(stdout, every, show_nodes, (void *)o);
}

static const char *const conflict_cols[] = {
	"at", "nik_masked", "winner_node", "loser_node", "winner_hlc", "loser_hlc",
};

int
cmd_conflicts(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *args = NULL, *reply = NULL;
	char *end;
	long n;
	int r;

	if (argc == 3 && strcmp(argv[1], "--limit") == 0) {
		n = strtol(argv[2], &end, 10);
		if (*end != '\0' || n < 1 || n > 100000)
			return usage("conflicts [--limit N]  (N in 1..100000)");
		args = json_pack("{s:I}", "limit", (json_int_t)n);
	} else if (argc != 1) {
		return usage("conflicts [--limit N]");
	}
	if ((r = ctlclient_simple(o, "conflicts", args, &reply)) != 0 || reply == NULL)
		return r;
	if (json_array_size(json_object_get(reply, "conflicts")) == 0)
		printf("no conflicts\n");
	else
		output_table(stdout, json_object_get(reply, "conflicts"), conflict_cols,
			     sizeof(conflict_cols) / sizeof(conflict_cols[0]));
	json_decref(reply);
	return 0;
}

/* --- reset-node ------------------------------------------------------------ */

int
cmd_reset_node(const struct ctl_opts *o, int argc, char **argv)
{
	json_t *reply = NULL;
	const char *code = NULL;
	bool yes = false;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0)
			yes = true;
		else if (code == NULL && argv[i][0] != '-')
			code = argv[i];
		else
			return usage("reset-node CODE --yes");
	}
	if (code == NULL)
		return usage("reset-node CODE --yes");
	if (!yes) {
		fprintf(stderr, "ktpctl: reset-node sets the hub's cursor for node '%s' to acked 0"
			" with a zero chain; after 'ktpctl resume --force' at the node, the node"
			" sends its whole journal again (person rows stay, the newest version of"
			" each wins). Run 'ktpctl reset-node %s --yes' to do it.\n", code, code);
		return 2;
	}
	if ((r = ctlclient_simple(o, "reset-node", json_pack("{s:s,s:b}", "node", code, "yes", 1),
				  &reply)) != 0 || reply == NULL)
		return r;
	printf("reset-node: node %s: acked %" JSON_INTEGER_FORMAT " -> 0; now run"
	       " 'ktpctl resume --force' at the node\n",
	       json_string_value(json_object_get(reply, "node")),
	       json_integer_value(json_object_get(reply, "old_acked")));
	json_decref(reply);
	return 0;
}

/* --- import-bundle ----------------------------------------------------------- */

/* Only the refused batches are listed: a bundle may hold thousands. */
static void
print_refused(const json_t *reply)
{
	const json_t *oc;
	size_t i;

	json_array_foreach(json_object_get(reply, "outcomes"), i, oc) {
		if (ctlclient_int(oc, "status") == 200)
			continue;
		fprintf(stderr, "import-bundle: batch %" PRId64 "..%" PRId64 " of node %s: %" PRId64
			" %s\n", ctlclient_int(oc, "first"), ctlclient_int(oc, "last"),
			ctlclient_str(oc, "node", "?"), ctlclient_int(oc, "status"),
			ctlclient_str(oc, "error", ""));
	}
}

static int
print_bundle_reply(const struct ctl_opts *o, struct ctlclient *c, const json_t *reply,
		   int status, const char *name)
{
	int r;

	if (!o->json)
		print_refused(reply);
	r = ctlclient_print_reply(o, c, reply, status);
	if (!o->json)
		printf("import-bundle: %s: %" PRId64 " batches, %" PRId64 " accepted, %" PRId64
		       " refused, %" PRId64 " versions applied\n", name,
		       ctlclient_int(reply, "batches"), ctlclient_int(reply, "accepted"),
		       ctlclient_int(reply, "refused"), ctlclient_int(reply, "applied"));
	return r;
}

static int
send_bundle(const struct ctl_opts *o, int fd, const char *name)
{
	struct ctlclient *c = NULL;
	struct ktp_err err = {0};
	json_t *req = ctlmsg_request("import-bundle"), *reply = NULL;
	int status = 0, r;

	if (req == NULL || json_object_set_new(req, "name", json_string(name)) < 0) {
		r = ktp_err_set(&err, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = ctlclient_connect(o, &c, &err)) < 0 ||
	    (r = ctlclient_call_with_fd(c, req, fd, &reply, &status, &err)) < 0)
		goto fail;
	r = print_bundle_reply(o, c, reply, status, name);
	json_decref(reply);
	json_decref(req);
	ctlclient_close(c);
	return r;
fail:
	fprintf(stderr, "ktpctl: %s\n", err.msg);
	json_decref(req);
	ctlclient_close(c);
	return 1;
}

int
cmd_import_bundle(const struct ctl_opts *o, int argc, char **argv)
{
	char *copy;
	int fd, r;

	if (argc != 2)
		return usage("import-bundle FILE");
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "ktpctl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((copy = strdup(argv[1])) == NULL) {
		close(fd);
		return ctlclient_out_of_memory();
	}
	r = send_bundle(o, fd, basename(copy));
	free(copy);
	close(fd);
	return r;
}

/* --- printers for cmd_status and cmd_report ------------------------------------ */

void
cmd_hub_print_status(FILE *out, const json_t *reply)
{
	static const char *const keys[] = {
		"daemon", "version", "listen", "province", "nodes", "persons", "versions", "pushes_ok",
		"last_apply", "last_apply_node", "started",
	};
	char up[64];

	output_fields(out, reply, keys, sizeof(keys) / sizeof(keys[0]));
	output_duration(up, sizeof(up), ctlclient_int(reply, "uptime"));
	fprintf(out, "%-16s %s\n", "uptime:", up);
}

static const char *const report_cols[] = {
	"code", "name", "persons", "wajib_ktp", "on_dpt", "recorded", "dpt_unrecorded",
	"pemula_unrecorded", "recorded_30d", "rate_per_day", "projected_completion", "on_track",
	"last_sync",
};
#define N_REPORT_COLS (sizeof(report_cols) / sizeof(report_cols[0]))

/* Province first, then one row per regency; with one regency (report
 * --regency CODE) its kecamatan follow in a second table. Names are the
 * hub's (the code table, or a node's configured name); unknown is "-". */
void
cmd_hub_print_report(FILE *out, const json_t *reply)
{
	const json_t *prov = json_object_get(json_object_get(reply, "report"), "province");
	const json_t *regs = json_object_get(prov, "regencies"), *reg;
	json_t *rows = json_array(), *p = json_deep_copy(prov);
	size_t i;

	if (rows == NULL || p == NULL)
		goto out;
	json_object_del(p, "regencies");
	if (json_is_string(json_object_get(p, "name")))
		json_object_set_new(p, "name", json_sprintf("%s (province)",
				    json_string_value(json_object_get(p, "name"))));
	else
		json_object_set_new(p, "name", json_string("province"));
	json_array_append(rows, p);
	json_array_foreach(regs, i, reg) {
		json_t *r = json_deep_copy(reg);

		json_object_del(r, "kecamatan");
		json_array_append_new(rows, r);
	}
	output_table(out, rows, report_cols, N_REPORT_COLS);
	if (json_array_size(regs) == 1) {
		fputc('\n', out);
		output_table(out, json_object_get(json_array_get(regs, 0), "kecamatan"),
			     report_cols, N_REPORT_COLS - 1);
	}
out:
	json_decref(p);
	json_decref(rows);
}
