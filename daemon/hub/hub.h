/* SPDX-License-Identifier: ISC */
/* hub — ktphubd's subsystems together: config, keys, store, enrolled nodes, HTTP, control socket.
 * Owns the one push path (HTTP and import-bundle alike), the store lock, reload and shutdown.
 * Has no event loop of its own: ktphubd.c drives signals, timers and sd_notify. */
#ifndef KTP_HUB_H
#define KTP_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "answer.h"
#include "err.h"
#include "proto.h"

struct area_table;
struct hub;
struct hub_conf;
struct metrics;
struct nodelist;
struct report_view;
struct report_week;
struct tzone;

/* What one push came to, for the HTTP answer and the import-bundle reply. */
/* Largest TLS certificate or key file the hub reads (and -n checks). */
#define HUB_TLS_FILE_MAX	(1024 * 1024)

struct hub_push_result {
	enum answer_outcome outcome;		/* what the answer says (protocol/answer.h) */
	unsigned	http_status;		/* its status: answer_status(outcome) */
	unsigned	retry_after;		/* seconds, with 503 */
	bool		diverged;		/* 409 for a chain mismatch */
	uint16_t	node;			/* 0 when the header did not parse */
	uint64_t	first;
	uint64_t	last;
	uint64_t	acked;
	uint8_t		chain[KTP_HASH_LEN];
	uint64_t	applied;		/* versions newly applied */
	bool		authenticated;		/* the node sent it: signature, fresh stamp */
	bool		heartbeat;		/* zero versions (PROTOCOL.md 5.5) */
	bool		replayed;		/* a heartbeat whose stamp is not after the last */
	uint64_t	heartbeat_ms;		/* with a heartbeat: the node's last stamp */
	/* Versions stamped more than max_clock_skew ahead of the hub's clock,
	 * applied with the hub's clock; the seqs of the first and last. */
	uint64_t	future;
	uint64_t	future_first;
	uint64_t	future_last;
	char		error[KTP_ERR_MSG_LEN];	/* "" with 200, or the warning about future */
};

/* Takes over *conf (zeroed on success; conf_hub_done at hub_free). Loads the
 * keys, locks and opens the state directory's store. conf_path is kept for
 * hub_reload. Starts nothing. */
/* The province's part of the code table (c->area_dir) and the time zone of
 * its pages, as start-up and `ktphubd -n` load them; the caller frees the table. */
int	hub_load_places(const struct hub_conf *c, struct area_table **ret_areas,
			struct tzone *ret_tz, struct ktp_err *err);
int	hub_open(const char *conf_path, struct hub_conf *conf, struct hub **ret,
		 struct ktp_err *err);
/* Starts the HTTP server and the control socket. */
int	hub_start(struct hub *h, struct ktp_err *err);
/* Stops accepting (HTTP and control), waits for applies in flight. */
void	hub_stop(struct hub *h);
void	hub_free(struct hub *h);			/* NULL is a no-op; stops first */
/* Re-reads the config file: enrolled nodes and report_token. Everything else
 * needs a restart (a changed value is logged and ignored). On any error the
 * old list stays in force. */
int	hub_reload(struct hub *h, struct ktp_err *err);

/* The push path: size, header, enrolled node, signature, open, apply under
 * the store lock, answer after commit. Thread-safe. A push refused before its
 * signature verified changes nothing stored: it is only counted
 * (ktphubd_unauthenticated_refusals_total) and logged. */
void	hub_push(struct hub *h, const uint8_t *wire, size_t len, struct hub_push_result *ret);
/* The first BATCH_HEADER_LEN bytes of a push, before the rest is read, and
 * its declared length (0 if unknown): 0 to read on, or -1 with ret filled
 * for a malformed header, a length its plain_len cannot explain (413) or a
 * node that is not enrolled (401). Changes nothing stored. */
int	hub_push_check_prefix(struct hub *h, const uint8_t *hdr, uint64_t wire_len,
			      struct hub_push_result *ret);
/* The HTTP body for a result, as answer_encode writes its outcome: {"acked","chain"},
 * {"error","acked"}, {"error":"diverged",...}, {"error"}... (PROTOCOL.md 8.2). */
json_t	*hub_push_json(const struct hub_push_result *r);

/* Read side, for HTTP and the control handlers; each result is a new reference. */
int	hub_status_json(struct hub *h, json_t **ret, struct ktp_err *err);
/* The node list (nodelist.h): the store's cursors and the enrolled nodes,
 * read at one instant; the caller empties ret with nodelist_done. */
int	hub_nodes(struct hub *h, struct nodelist *ret, struct ktp_err *err);
/* The node list as /v1/nodes and `ktpctl nodes` answer it (nodelist_json). */
int	hub_nodes_json(struct hub *h, json_t **ret, struct ktp_err *err);
/* What a report asks for (?regency=, ?level=, ?lang=). */
struct hub_report_query {
	uint16_t	regency;		/* 0 = the whole province */
	bool		desa;			/* each kecamatan lists its desa (needs regency) */
	bool		lang_id;		/* the CSV in Indonesian (report.h) */
};
int	hub_report_query_json(struct hub *h, const struct hub_report_query *q, json_t **ret,
			      struct ktp_err *err);
int	hub_report_query_csv(struct hub *h, const struct hub_report_query *q, char **ret,
			     size_t *ret_len, struct ktp_err *err);
/* The same at the kecamatan level, in English. */
int	hub_report_json(struct hub *h, uint16_t regency, json_t **ret, struct ktp_err *err);
/* The report as the pages render it (report_view_new); free with report_view_free. */
int	hub_report_view(struct hub *h, const struct hub_report_query *q, struct report_view **ret,
			struct ktp_err *err);
/* Recordings per week for the dashboard's chart: DASHBOARD_WEEKS of them
 * (report_weekly), a new array the caller free()s. */
int	hub_weekly(struct hub *h, uint16_t regency, struct report_week **ret, struct ktp_err *err);
int	hub_report_csv(struct hub *h, uint16_t regency, char **ret, size_t *ret_len,
		       struct ktp_err *err);
int	hub_conflicts_json(struct hub *h, unsigned limit, json_t **ret, struct ktp_err *err);
/* DIVERGED recovery: the node's cursor back to acked 0 and a zero chain, in
 * one transaction under the store lock (store_node_reset); the node then
 * sends its whole journal again and last-writer-wins keeps the newest rows. */
int	hub_reset_node(struct hub *h, uint16_t code, uint64_t *ret_old_acked,
		       struct ktp_err *err);
/* "21 nodes, last apply 3201 at 13:05:00, 1204332 versions" for sd_notify STATUS=. */
void	hub_status_line(struct hub *h, char *buf, size_t cap);
uint16_t hub_http_port(const struct hub *h);
/* The hub's counters (borrowed), for tests and the control side. */
struct metrics *hub_metrics(struct hub *h);
/* Parses "3201" as a regency code of this hub's province; -EINVAL otherwise. */
int	hub_parse_regency(const struct hub *h, const char *text, uint16_t *ret,
			  struct ktp_err *err);

#endif
