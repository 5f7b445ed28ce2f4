/* SPDX-License-Identifier: ISC */
/* node_status — what `ktpctl status` and `ktpctl metrics` show of ktpsyncd.
 * Renders the journal's head and the push figures (node_get_info) as JSON and Prometheus text.
 * Takes no lock itself and changes nothing: it reads through node.h. */
#ifndef KTP_NODE_STATUS_H
#define KTP_NODE_STATUS_H

#include <stddef.h>

#include <jansson.h>

struct ktp_err;
struct node;

/* {"daemon":"ktpsyncd","state":..,...} as PROTOCOL.md section 11 lists. */
int	node_status_json(struct node *n, json_t **ret, struct ktp_err *err);
/* Prometheus text exposition; caller free()s. */
int	node_metrics_text(struct node *n, char **ret, size_t *ret_len, struct ktp_err *err);

#endif
