/* SPDX-License-Identifier: ISC */
/* conf_hub — the schema of ktphubd.conf: [hub], [ctl] and one [node CODE] per regency.
 * Fills struct hub_conf with defaults, then the file's values, then checks required keys.
 * Every error of the file is collected; nothing is logged. */
#ifndef KTP_CONF_HUB_H
#define KTP_CONF_HUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "proto.h"

struct conf_errors;

struct hub_conf_node {
	uint16_t	code;			/* the CODE of [node CODE] */
	char		*name;			/* required */
	uint8_t		public_key[KTP_ED25519_PK_LEN];	/* required */
};

struct hub_conf {
	/* [hub] */
	char		*listen_host;		/* default 127.0.0.1 */
	uint16_t	listen_port;		/* default 8470 */
	char		*state_dir;		/* default /var/lib/ktpsync */
	char		*key_file;		/* default /etc/ktpsync/hub.key */
	char		*previous_key_file;	/* optional, during rotation */
	char		*control_socket;	/* default /run/ktpsync/ktphubd.sock */
	uint8_t		province;		/* 2-digit code, required */
	uint32_t	election_date;		/* YYYYMMDD, required */
	char		*area_dir;		/* the code table; default KTP_AREA_DIR */
	char		*timezone;		/* times on pages; default Asia/Jakarta */
	uint64_t	max_batch_bytes;	/* default 8M */
	char		*tls_cert;		/* both or neither */
	char		*tls_key;
	char		*report_token;		/* secret: never printed */
	uint32_t	max_connections;	/* default 256 */
	uint32_t	max_connections_per_ip;	/* default 32 */
	uint32_t	connection_timeout_s;	/* default 30 */
	uint32_t	max_clock_skew_s;	/* default 1d; stamps further ahead: hub's clock */
	/* [hub]: what one client may cost (issue 16) */
	uint32_t	request_timeout_s;	/* headers and body, default 120 */
	uint64_t	max_buffer_per_ip;	/* push bodies held for one address, default 16M */
	uint64_t	max_buffer_total;	/* for all addresses, default 256M */
	uint64_t	min_free_disk;		/* /healthz: 503 below this in state_dir, 64M */
	uint32_t	session_lifetime_s;	/* dashboard login, default 12 h */
	/* [ctl] */
	char		*admin_group;
	/* [node CODE] sections, in file order */
	struct hub_conf_node *nodes;
	size_t		n_nodes;
};

int	conf_hub_load(const char *path, struct hub_conf *ret, struct conf_errors *errs);
int	conf_hub_load_string(const char *text, const char *name, struct hub_conf *ret,
			     struct conf_errors *errs);
/* Normalised INI; report_token is shown as "(set)". Public keys are printed
 * in base64, being public, so an operator can compare them with ktpctl keygen. */
void	conf_hub_print(const struct hub_conf *c, FILE *out);
void	conf_hub_done(struct hub_conf *c);
const struct hub_conf_node *conf_hub_find_node(const struct hub_conf *c, uint16_t code);
/* Reports, /v1/nodes, /metrics and the dashboard are open to anyone who
 * reaches the port when hub.listen is not a loopback address and
 * hub.report_token is unset: then fills buf with a warning naming the key
 * (after "NAME: ") and returns true. */
bool	conf_hub_open_warning(const struct hub_conf *c, const char *name, char *buf, size_t cap);

#endif
