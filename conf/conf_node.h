/* SPDX-License-Identifier: ISC */
/* conf_node — the schema of ktpsyncd.conf: [node], [hub], [push], [ctl].
 * Fills struct node_conf with defaults, then the file's values, then checks required keys.
 * Every error of the file is collected; nothing is logged. */
#ifndef KTP_CONF_NODE_H
#define KTP_CONF_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

struct conf_errors;

struct node_conf {
	/* [node] */
	uint16_t	id;			/* 4-digit regency code, required */
	char		*name;			/* required */
	char		*state_dir;		/* default /var/lib/ktpsync */
	char		*key_file;		/* default /etc/ktpsync/node.key */
	char		*control_socket;	/* default /run/ktpsync/ktpsyncd.sock */
	uint32_t	election_date;		/* YYYYMMDD, 0 = unset */
	char		*area_dir;		/* the code table; default KTP_AREA_DIR */
	char		*timezone;		/* local times in files; default Asia/Jakarta */
	/* [hub] */
	char		*hub_url;		/* http:// or https://, required */
	uint8_t		hub_public_key[KTP_X25519_PK_LEN];	/* required */
	char		*ca_file;		/* NULL = system store */
	/* [push] */
	uint32_t	push_interval_s;	/* 30 */
	uint32_t	backoff_min_s;		/* 1 */
	uint32_t	backoff_max_s;		/* 300 */
	uint32_t	batch_max_versions;	/* 10000 */
	uint64_t	batch_max_bytes;	/* 4M */
	uint32_t	timeout_s;		/* 60 */
	/* [import] */
	bool		check_area_codes;	/* yes: kecamatan and desa must be in the table */
	/* [ctl] */
	char		*admin_group;		/* NULL = root and the daemon's user only */
};

/* On failure returns -EINVAL (or -errno for an unreadable file) and errs holds
 * every error; *ret is then already released. */
int	conf_node_load(const char *path, struct node_conf *ret, struct conf_errors *errs);
int	conf_node_load_string(const char *text, const char *name, struct node_conf *ret,
			      struct conf_errors *errs);
/* Normalised INI, every key with its effective value; keys are never secret here
 * but the format is shared with conf_hub_print. */
void	conf_node_print(const struct node_conf *c, FILE *out);
void	conf_node_done(struct node_conf *c);

#endif
