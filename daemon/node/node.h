/* SPDX-License-Identifier: ISC */
/* node — ktpsyncd's core: owns the config, keys, journal, control socket, netwatch and pusher.
 * Runs the push state machine on one push thread and the event loop on the main thread.
 * Parses no options and prints nothing (ktpsyncd.c does); the control handlers are in ctl_node.c. */
#ifndef KTP_NODE_H
#define KTP_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct area_table;
struct ktp_err;
struct journal;
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

/* Takes the state-dir lock, loads keys, opens the journal (in that order).
 * conf is moved into the node (zeroed in the caller). */
/* The regency's part of the code table (c->area_dir) and its time zone, as
 * start-up and `ktpsyncd -n` load them; the caller frees the table. */
int	node_load_places(const struct node_conf *c, struct area_table **ret_areas,
			 struct tzone *ret_tz, struct ktp_err *err);
/* Borrowed, valid while the node is open: names of this regency's places. */
const struct area_table *node_areas(const struct node *n);
/* Seconds east of UTC of [node] timezone, for local times in imported files. */
int32_t	node_tz_offset(const struct node *n);
/* [import] check_area_codes: imports refuse kecamatan and desa not in node_areas. */
bool	node_checks_area_codes(struct node *n);
int	node_open(const char *conf_path, struct node_conf *conf, struct node **ret,
		  struct ktp_err *err);
/* Starts the control socket, netwatch and the push thread, sends READY=1 and
 * runs the loop until SIGTERM or SIGINT; then stops in reverse order. */
int	node_run(struct node *n, struct ktp_err *err);
void	node_close(struct node *n);			/* NULL is a no-op */

/* For the control handlers, which run on ctlsock's threads. */

/* The journal is not thread-safe: every call goes between these two. Hold
 * the lock for single calls only, never across socket I/O. */
struct journal *node_journal_lock(struct node *n);
void	node_journal_unlock(struct node *n);
/* At most one import, put or remove at a time (one journal transaction).
 * stream: an import or put, which holds it while its client sends. While
 * one does, every other writer gets -EBUSY "busy: an import is running" at
 * once; a remove that holds it is waited for. */
int	node_writer_lock(struct node *n, bool stream, struct ktp_err *err);
void	node_writer_unlock(struct node *n);
/* After versions were committed: push soon (debounced). */
void	node_data_changed(struct node *n);
uint16_t node_id(const struct node *n);
uint32_t node_election_date(struct node *n);
bool	node_is_stopping(struct node *n);

/* {"daemon":"ktpsyncd","state":..,...} as PROTOCOL.md section 11 lists. */
int	node_status_json(struct node *n, json_t **ret, struct ktp_err *err);
/* Prometheus text exposition; caller free()s. */
int	node_metrics_text(struct node *n, char **ret, size_t *ret_len, struct ktp_err *err);

int	node_pause(struct node *n, struct ktp_err *err);
/* force also leaves DIVERGED (see README "Diverged"). */
int	node_resume(struct node *n, bool force, struct ktp_err *err);

/* ktpctl sync: pushes now; when wait, blocks until the hub acked the head as it
 * was at the call (0, *ret_acked set), an attempt failed (-EAGAIN etc. with the
 * reason in err), the node is paused or diverged, or gone(arg) turns true. */
int	node_sync(struct node *n, bool wait, bool (*gone)(void *arg), void *arg,
		  uint64_t *ret_acked, struct ktp_err *err);

/* ktpctl export: seals every pending version into bundle records (4-byte
 * length + batch wire, without the bundle magic) and hands each to out().
 * Versions stay pending; the next contact learns what the hub applied. */
struct node_export {
	uint64_t	first;
	uint64_t	last;		/* first - 1 when nothing is pending */
	uint64_t	batches;
	uint64_t	bytes;
};
int	node_export(struct node *n, int (*out)(void *arg, const void *data, size_t len,
						struct ktp_err *err),
		    void *arg, struct node_export *ret, struct ktp_err *err);

#endif
