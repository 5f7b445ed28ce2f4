/* SPDX-License-Identifier: ISC */
/* cmd_node — ktpctl commands for ktpsyncd, and the shared status and report.
 * status and report print whichever daemon answered (a hub reply goes to cmd_hub's printers).
 * Each returns ktpctl's exit code: 0 ok, 1 the daemon said no, 2 usage. */
#ifndef KTP_CMD_NODE_H
#define KTP_CMD_NODE_H

struct ctl_opts;

int	cmd_status(const struct ctl_opts *o, int argc, char **argv);
int	cmd_report(const struct ctl_opts *o, int argc, char **argv);
int	cmd_sync(const struct ctl_opts *o, int argc, char **argv);
int	cmd_pause(const struct ctl_opts *o, int argc, char **argv);
int	cmd_resume(const struct ctl_opts *o, int argc, char **argv);
int	cmd_import(const struct ctl_opts *o, int argc, char **argv);
int	cmd_put(const struct ctl_opts *o, int argc, char **argv);
/* Reads [--watch [SECONDS]] (status, nodes): *ret_seconds 0 without it. */
int	cmd_watch_seconds(int argc, char **argv, unsigned *ret_seconds);
int	cmd_log(const struct ctl_opts *o, int argc, char **argv);
int	cmd_remove(const struct ctl_opts *o, int argc, char **argv);
int	cmd_unrecorded(const struct ctl_opts *o, int argc, char **argv);
int	cmd_export(const struct ctl_opts *o, int argc, char **argv);
int	cmd_metrics(const struct ctl_opts *o, int argc, char **argv);

#endif
