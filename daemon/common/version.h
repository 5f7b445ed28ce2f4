/* SPDX-License-Identifier: ISC */
/* version — what `--version`, the start log line, status and *_build_info say:
 * `git describe` at build time, or the Makefile's VERSION in a tarball. */
#ifndef KTP_VERSION_H
#define KTP_VERSION_H

const char *ktp_version(void);

#endif
