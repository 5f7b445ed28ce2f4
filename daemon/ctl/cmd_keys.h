/* SPDX-License-Identifier: ISC */
/* cmd_keys — ktpctl keygen and pubkey: key files without any daemon.
 * keygen writes a 0600 secret key file and prints only the public key.
 * Never prints a secret key. */
#ifndef KTP_CMD_KEYS_H
#define KTP_CMD_KEYS_H

struct ctl_opts;

int	cmd_keygen(const struct ctl_opts *o, int argc, char **argv);	/* keygen [--hub] FILE */
int	cmd_pubkey(const struct ctl_opts *o, int argc, char **argv);	/* pubkey FILE */

#endif
