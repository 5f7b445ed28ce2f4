/* SPDX-License-Identifier: ISC */
/* node — ktpsyncd's core: owns the config, keys, journal and pusher; runs the push machine.
 * Every journal access goes through the operations below, which lock inside node.c.
 * Runs no event loop, prints nothing (ktpsyncd.c does); no handlers or rendering here. */
#ifndef KTP_NODE_H
#define KTP_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ingest.h"		/* enum ingest_format, struct ingest_result */

struct area_table;
struct batch_builder;
struct journal_head;
struct ktp_err;
struct journal_person;
struct journal_unrecorded_query;
struct node;
struct node_conf;
struct tzone;

enum node_state {
	NODE_IDLE,		/* nothing pending, or waiting for the next trigger */
	NODE_PUSHING,		/* a batch is on its way */
	NODE_BACKOFF,		/* the hub was busy or timed out; next attempt scheduled */
	NODE_OFFLINE,		/* the hub could not be reached; next attempt scheduled */
	NODE_PAUSED,		/* ktpctl pause; persisted */
	NODE_DIVERGED,		/* the hub holds another history; persisted, operator only */
	NODE_ERROR,		/* the hub refused us (key, signature, data); slow retry */
};

const char *node_state_name(enum node_state s);

/* The regency's part of the code table (c->area_dir) and its time zone, as
 * start-up and `ktpsyncd -n` load them; the caller frees the table. */
int	node_load_places(const struct node_conf *c, struct area_table **ret_areas,
			 struct tzone *ret_tz, struct ktp_err *err);
/* Borrowed, valid while the node is open: names of this regency's places. */
const struct area_table *node_areas(const struct node *n);
/* Takes the state-dir lock, loads keys, opens the journal (in that order).
 * conf is moved into the node (zeroed in the caller). */
int	node_open(const char *conf_path, struct node_conf *conf, struct node **ret,
		  struct ktp_err *err);
/* Starts the push thread. */
int	node_start(struct node *n, struct ktp_err *err);
/* Tells the push thread and the control handlers to stop: a push in flight
 * gets a few seconds, then its transfer is cancelled. Returns at once. */
void	node_stop(struct node *n);
/* Stops the push thread (node_stop, then waits for it) and frees. NULL is a no-op. */
void	node_close(struct node *n);
/* SIGHUP: takes c (zeroed in the caller) and pushes now; -EPERM and c left
 * to the caller when it changes what needs a restart (id, state_dir,
 * key_file, control_socket). */
int	node_reconfigure(struct node *n, struct node_conf *c, struct ktp_err *err);
/* Link up: push now, even inside a backoff. */
void	node_push_now(struct node *n);
/* 0, or how long the push thread has been in its current attempt when that
 * is longer than an attempt may take (for the watchdog). */
uint64_t node_push_stuck_ms(struct node *n);
/* STATUS= for systemd: the state and how many versions are pending. */
void	node_notify_status(struct node *n);

/* For the control handlers, which run on ctlsock's threads. */

/* ktpctl import and put: one journal transaction, all or nothing, that holds
 * the journal's writer role from begin to finish or abort, i.e. while its
 * client sends. Meanwhile every other import, put or remove gets -EBUSY
 * "busy: an import is running" at once. The journal is locked per call only,
 * so pushing and status go on. feed refuses once the daemon stops (-ESHUTDOWN
 * "import: daemon is stopping"). finish and abort free im. */
struct node_import;
int	node_import_begin(struct node *n, enum ingest_format fmt, const char *name,
			  struct node_import **ret, struct ktp_err *err);
int	node_import_feed(struct node_import *im, const void *data, size_t len,
			 struct ktp_err *err);
/* As ingest_finish: -EINVAL with the file's errors in *ret when refused. */
int	node_import_finish(struct node_import *im, struct ingest_result *ret,
			   struct ktp_err *err);
void	node_import_abort(struct node_import *im);	/* NULL is a no-op */
/* ktpctl remove, committed before it returns (ingest_remove); waits for
 * another remove, -EBUSY while an import runs. */
int	node_remove(struct node *n, const char *nik, const char *reason, uint64_t *ret_seq,
		    struct ktp_err *err);
/* ktpctl report: the journal's counts (journal_report_json) at this moment. */
int	node_report(struct node *n, json_t **ret, struct ktp_err *err);
/* ktpctl unrecorded: the persons q selects (journal_unrecorded); caller free()s. */
int	node_unrecorded(struct node *n, const struct journal_unrecorded_query *q,
			struct journal_person **ret_rows, size_t *ret_n, struct ktp_err *err);
/* After versions were committed: push soon (debounced). */
void	node_data_changed(struct node *n);
uint16_t node_id(const struct node *n);
uint32_t node_election_date(struct node *n);

int	node_pause(struct node *n, struct ktp_err *err);
/* force also leaves DIVERGED (see README "Diverged"). */
int	node_resume(struct node *n, bool force, struct ktp_err *err);

/* ktpctl sync: pushes now; when wait, blocks until the hub acked the head as it
 * was at the call (0, *ret_acked set), an attempt failed (-EAGAIN etc. with the
 * reason in err), the node is paused or diverged, or gone(arg) turns true. */
int	node_sync(struct node *n, bool wait, bool (*gone)(void *arg), void *arg,
		  uint64_t *ret_acked, struct ktp_err *err);

/* For node_status.c and node_export.c. Here rather than in a private header:
 * they are copies and locked calls like the rest, no internals; what status
 * and export need of the node is visible where the node is described. */

/* A copy of the push side's figures, taken under the node's lock. */
#define NODE_OUTCOMES	9		/* enum push_outcome, PUSH_OK..PUSH_CANCELLED */
struct node_info {
	uint16_t	id;
	char		*name;			/* [node] name, "" when unset */
	char		*hub_url;
	enum node_state	state;
	bool		paused;
	int64_t		next_attempt;		/* Unix seconds, 0 = none planned */
	int64_t		last_success;		/* Unix seconds, 0 = never */
	char		*last_error;		/* "" = none */
	int64_t		last_error_at;
	uint64_t	versions_sent;
	uint64_t	bytes_sent;
	uint32_t	batch_size;
	uint64_t	throughput_bps;
	bool		catching_up;		/* since a full batch, until nothing is pending */
	uint64_t	catchup_from;		/* acked when the catch-up began */
	double		rate_vps;		/* versions/s over the last few batches */
	bool		has_clock_offset;
	int64_t		clock_offset_s;		/* our clock minus the hub's */
	bool		clock_warned;		/* more than a day apart */
	uint64_t	heartbeats;
	uint64_t	readahead_used;
	uint64_t	by_outcome[NODE_OUTCOMES];	/* [enum push_outcome] */
};
int	node_get_info(struct node *n, struct node_info *ret, struct ktp_err *err);
void	node_info_done(struct node_info *i);
/* The journal's head (seq, acked, oldest pending), read under the node's lock. */
int	node_head(struct node *n, struct journal_head *ret, struct ktp_err *err);

/* For node_export.c: seals versions first.. (at most the configured batch size)
 * for the hub's current key with head as given; *ret_last < first when none is
 * readable. The caller frees *ret_wire. */
int	node_seal_batch(struct node *n, struct batch_builder *b, uint64_t first, uint64_t head,
			uint8_t **ret_wire, size_t *ret_len, uint64_t *ret_last,
			struct ktp_err *err);
/* The next contact probes with seq alone (stored, so it survives a restart). */
int	node_mark_exported(struct node *n, uint64_t seq, struct ktp_err *err);

#endif
