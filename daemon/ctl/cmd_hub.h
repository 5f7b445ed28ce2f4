/* SPDX-License-Identifier: ISC */
/* cmd_hub — ktpctl commands for ktphubd, and the printers of hub replies.
 * nodes, conflicts, import-bundle, reset-node; hub status and report printed in human form.
 * Each returns ktpctl's exit code: 0 ok, 1 the daemon said no, 2 usage. */
#ifndef KTP_CMD_HUB_H
#define KTP_CMD_HUB_H

#include <stdio.h>

#include <jansson.h>

struct ctl_opts;

int	cmd_nodes(const struct ctl_opts *o, int argc, char **argv);
int	cmd_conflicts(const struct ctl_opts *o, int argc, char **argv);
int	cmd_import_bundle(const struct ctl_opts *o, int argc, char **argv);
/* reset-node CODE --yes: the hub forgets how far a diverged node got. */
int	cmd_reset_node(const struct ctl_opts *o, int argc, char **argv);
/* Used by cmd_status and cmd_report when the reply has "daemon":"ktphubd". */
void	cmd_hub_print_status(FILE *out, const json_t *reply);
void	cmd_hub_print_report(FILE *out, const json_t *reply);

#endif
