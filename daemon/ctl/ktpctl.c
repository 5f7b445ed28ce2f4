/* SPDX-License-Identifier: ISC */
/* ktpctl — the operator tool: global options, then one command from the table.
 * Exit codes: 0 success, 1 the daemon (or a key file) said no, 2 usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_hub.h"
#include "cmd_keys.h"
#include "cmd_node.h"
#include "ctlclient.h"
#include "version.h"

#define USAGE	"usage: ktpctl [-s socket] [--json] command [args]\n       ktpctl -h | -V"

struct subcommand {
	const char	*name;
	int		(*fn)(const struct ctl_opts *o, int argc, char **argv);
	const char	*usage;		/* after "ktpctl [-s socket] [--json] " */
	const char	*summary;
};

static int cmd_help(const struct ctl_opts *o, int argc, char **argv);

static const struct subcommand subcommands[] = {
	{ "status",	   cmd_status,	      "status",
	  "the daemon's state: journal, acked, pending, last push" },
	{ "report",	   cmd_report,	      "report [--regency CODE] [--csv]",
	  "recording progress per regency and kecamatan" },
	{ "sync",	   cmd_sync,	      "sync [--no-wait]",
	  "push now and print the outcome (node)" },
	{ "pause",	   cmd_pause,	      "pause",
	  "stop pushing until resume, across restarts (node)" },
	{ "resume",	   cmd_resume,	      "resume [--force]",
	  "push again after pause (node)" },
	{ "import",	   cmd_import,	      "import FILE.csv|FILE.jsonl [--format csv|jsonl] [--quiet]",
	  "import a file, all rows or none (node)" },
	{ "put",	   cmd_put,	      "put",
	  "import JSON lines from standard input (node)" },
	{ "remove",	   cmd_remove,	      "remove NIK --reason died|moved|duplicate",
	  "remove a person (node)" },
	{ "unrecorded",	   cmd_unrecorded,
	  "unrecorded [--kecamatan CODE] [--desa CODE] [--pemula] [--site-plan]",
	  "voters on the roll (or first-time voters) not yet recorded, by name (node)" },
	{ "export",	   cmd_export,	      "export FILE",
	  "write pending versions to an offline bundle (node)" },
	{ "log",	   cmd_log,	      "log debug|info",
	  "the daemon's log level until it restarts (admin)" },
	{ "metrics",	   cmd_metrics,	      "metrics [--textfile FILE]",
	  "Prometheus text, or FILE replaced atomically for node_exporter (node)" },
	{ "nodes",	   cmd_nodes,	      "nodes",
	  "enrolled regencies: acked, last contact, last error (hub)" },
	{ "conflicts",	   cmd_conflicts,     "conflicts",
	  "NIKs written by two regencies and who won (hub)" },
	{ "import-bundle", cmd_import_bundle, "import-bundle FILE",
	  "apply an offline bundle (hub)" },
	{ "reset-node",	   cmd_reset_node,    "reset-node CODE --yes",
	  "set a diverged node's cursor back to 0 so it resends its journal (hub)" },
	{ "keygen",	   cmd_keygen,	      "keygen [--hub] FILE",
	  "write a new secret key file (0600) and print its public key" },
	{ "pubkey",	   cmd_pubkey,	      "pubkey FILE",
	  "print the public key of a key file" },
	{ "help",	   cmd_help,	      "help [command]",
	  "this list, or one command's usage" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static const struct subcommand *
find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

static void
print_list(FILE *out)
{
	size_t i;

	fprintf(out, "%s\n\noptions:\n", USAGE);
	fprintf(out, "  -s socket      control socket (default %s,\n"
		"                 else %s)\n", CTL_DEFAULT_NODE_SOCKET, CTL_DEFAULT_HUB_SOCKET);
	fprintf(out, "  --json         print the daemon's reply unchanged\n"
		"  -h, --help     this list\n"
		"  -V, --version  print ktpctl's version\n\ncommands:\n");
	for (i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(out, "  %-14s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'ktpctl help COMMAND' shows the arguments of one command.\n");
}

static int
cmd_help(const struct ctl_opts *o, int argc, char **argv)
{
	const struct subcommand *sc;

	(void)o;
	if (argc == 1) {
		print_list(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: ktpctl help [command]\n");
		return 2;
	}
	sc = find_subcommand(argv[1]);
	if (sc == NULL) {
		fprintf(stderr, "ktpctl: unknown command '%s'\n", argv[1]);
		return 2;
	}
	printf("usage: ktpctl [-s socket] [--json] %s\n%s\n", sc->usage, sc->summary);
	return 0;
}

/* "--json" after the command name is taken as the global option, because
 * operators write `ktpctl status --json` as often as the other order. */
static int
take_json_flag(int argc, char **argv, struct ctl_opts *o)
{
	int i, j;

	for (i = j = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = true;
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return j;
}

/* Options stop at the first word that is not one ("+"), so a command's own
 * options are left for it. Returns the index of the command, or -1. */
static int
parse_global(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'h':
			print_list(stdout);
			exit(0);
		case 'V':
			printf("ktpctl %s\n", ktp_version());
			exit(0);
		case ':':
			fprintf(stderr, "ktpctl: option '%s' needs an argument\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "ktpctl: unknown option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	return optind < argc ? optind : -1;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = {0};
	const struct subcommand *sc;
	int first;

	first = parse_global(argc, argv, &o);
	if (first < 0) {
		fprintf(stderr, "%s\n'ktpctl help' lists the commands.\n", USAGE);
		return 2;
	}
	sc = find_subcommand(argv[first]);
	if (sc == NULL) {
		fprintf(stderr, "ktpctl: unknown command '%s'\n'ktpctl help' lists the commands.\n",
			argv[first]);
		return 2;
	}
	argc -= first;
	argv += first;
	argc = take_json_flag(argc, argv, &o);
	/* Commands that parse with getopt start from a clean state. */
	optind = 0;
	return sc->fn(&o, argc, argv);
}
