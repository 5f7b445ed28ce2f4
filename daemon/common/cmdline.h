/* SPDX-License-Identifier: ISC */
/* cmdline — the daemons' one command line: -f FILE, -d, -n, -h/--help, -V/--version.
 * Both daemons take the same options, so they are read and explained in one place. */
#ifndef KTP_CMDLINE_H
#define KTP_CMDLINE_H

#include <stdbool.h>

struct cmdline {
	const char	*conf;		/* -f FILE, else the daemon's default */
	bool		debug;		/* -d: debug logging from the start */
	bool		check;		/* -n: check the configuration and exit */
};

/* Fills c from argv. -h prints the usage to stdout and -V the version, each
 * exiting 0; a wrong option or argument prints the usage to stderr and exits
 * 2, as getopt programs do. name is "ktpsyncd" or "ktphubd". */
void	cmdline_parse(int argc, char **argv, const char *name, const char *default_conf,
		      struct cmdline *c);

#endif
