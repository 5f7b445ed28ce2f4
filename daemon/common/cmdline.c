/* SPDX-License-Identifier: ISC */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmdline.h"
#include "version.h"

static void
usage(FILE *out, const char *name, const char *default_conf)
{
	fprintf(out, "usage: %s [-dn] [-f file]\n"
		"       %s -h | -V\n\n"
		"  -f file        configuration (default %s)\n"
		"  -d             log debug messages (also: ktpctl log debug)\n"
		"  -n             check the configuration and the files it names, print it,\n"
		"                 and exit\n"
		"  -h, --help     this text\n"
		"  -V, --version  print the version\n", name, name, default_conf);
}

void
cmdline_parse(int argc, char **argv, const char *name, const char *default_conf,
	      struct cmdline *c)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	c->conf = default_conf;
	while ((ch = getopt_long(argc, argv, "df:nhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			c->debug = true;
			break;
		case 'f':
			c->conf = optarg;
			break;
		case 'n':
			c->check = true;
			break;
		case 'h':
			usage(stdout, name, default_conf);
			exit(0);
		case 'V':
			printf("%s %s\n", name, ktp_version());
			exit(0);
		default:
			usage(stderr, name, default_conf);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr, name, default_conf);
		exit(2);
	}
}
