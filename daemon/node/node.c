/* SPDX-License-Identifier: ISC */
/*
 * The push state machine. One push thread runs it; triggers from the event
 * loop (interval, new data, link up) and from control handlers (sync, pause,
 * resume) only move `due_ms` and signal the condition variable. What each
 * answer leads to is decided by pushsm_step (pushsm.h, pure, one unit test
 * row per arrow below); the bracketed names of the arrows an answer takes are
 * its functions in pushsm.c. This file applies the step: the journal first
 * (diverged, acked, the probe's end), then the state under `lock`, then logs.
 *
 *   IDLE --interval/new data (200 ms debounce)/sync/link up--> PUSHING  [push_once]
 *   PUSHING --nothing pending: heartbeat, answered as a batch-> IDLE  [seal_heartbeat]
 *   PUSHING --200, more pending----------------------------> PUSHING   [on_ok]
 *   PUSHING --200, all acked-------------------------------> IDLE      [on_ok]
 *   PUSHING --409 gap: resume from the hub's acked---------> PUSHING   [on_gap]
 *   PUSHING --409 diverged, or the hub's chain != ours-----> DIVERGED  [diverge]
 *   PUSHING --400/401/403, TLS or URL refused--------------> ERROR     [on_refused]
 *   PUSHING --413: halve the batch and retry at once-------> PUSHING   [on_too_large]
 *   PUSHING --503/5xx/timeout------------------------------> BACKOFF   [on_retry]
 *   PUSHING --cannot connect, link cut---------------------> OFFLINE   [on_retry]
 *   BACKOFF, OFFLINE, ERROR --next attempt, sync, link up--> PUSHING   [push_once]
 *   any but DIVERGED --ktpctl pause------------------------> PAUSED    [node_pause]
 *   PAUSED --ktpctl resume---------------------------------> IDLE      [node_resume]
 *   DIVERGED --ktpctl resume --force-----------------------> IDLE      [node_resume]
 *
 * With nothing pending an attempt sends a heartbeat (a signed batch of zero
 * versions at our head, PROTOCOL.md 5.5) instead of nothing, so an idle node
 * still contacts the hub every push.interval and learns its acked; the hub
 * answers it as a replay (200), a gap (its acked is behind: send again) or
 * diverged, and the same handlers take it from there.
 *
 * PAUSED and DIVERGED are stored in the journal's state table, so they
 * survive a restart; so does last_success. New data never shortens a backoff
 * (a hub that is down must not be hammered by every import); sync and link
 * up do, because an operator or the kernel just told us something changed.
 *
 * Why a dedicated push thread rather than curl multi inside the event loop:
 * sealing a 4 MiB batch (zstd + AEAD + signature) and reading it from SQLite
 * take tens of milliseconds of CPU that would stall the loop's signals,
 * watchdog and netlink handling; a blocking curl_easy_perform on one reused
 * handle keeps the connection alive and the code linear. The loop stays
 * responsive and SIGTERM cancels the transfer through curl's progress
 * callback.
 *
 * Read-ahead: while one batch is on the wire and the hub applies it, a
 * short-lived thread reads and seals the next range (first = this batch's
 * last + 1), so catching up does not wait for the journal and zstd between
 * batches (1 M versions over loopback: 1.2 s of 10.3 s were spent sealing
 * with the link idle). It is used only when the hub acked exactly this
 * batch and nothing moved the plan (gap, probe, another size, new hub key);
 * otherwise it is dropped, so it never changes what is sent, only when.
 *
 * Journal access: the journal is one SQLite connection and not thread-safe,
 * so the push thread and the control handlers serialise every call on
 * `jlock`, each call short (an import takes it per chunk, not per file).
 * A second writing connection would not help: SQLite allows one writer, and
 * the journal keeps its head in memory (reports read through the journal's
 * own read connection, which sees committed rows only). One import, put or
 * remove at a time holds the writer role (`wlock`); an import keeps it while
 * its client sends, so another writer is told "busy" at once rather than
 * queued behind a stalled pipe. Lock order: wlock before jlock before lock.
 * No lock leaves this file: the control handlers call operations
 * (node_import_*, node_remove, node_report, node_unrecorded, node_head) that
 * take and release them inside.
 *
 * Why mutexes rather than one thread that owns the journal and runs commands
 * queued to it: an import is fed from its client's thread chunk by chunk, and
 * the push thread, status and reports each make one short call. A journal
 * thread would turn each of those calls into a queued command, a reply and a
 * wait, i.e. the same serialisation plus a queue and a handshake, and the
 * writer role (busy at once for a second import) would still be needed. With
 * every lock private to this file the mutexes are the shorter code.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "area.h"
#include "backoff.h"
#include "batch.h"
#include "conf.h"
#include "conf_node.h"
#include "err.h"
#include "ktime.h"
#include "fileio.h"
#include "ingest.h"
#include "journal.h"
#include "keys.h"
#include "keytext.h"
#include "ktime.h"
#include "log.h"
#include "node.h"
#include "nodereport.h"
#include "pusher.h"
#include "pushsm.h"
#include "sysd.h"
#include "tzone.h"

#define NEVER			UINT64_MAX
#define CONNECT_TIMEOUT_S	15
/* SIGTERM lets a push in flight finish for this long, then cancels it; curl
 * polls the cancel callback about once a second, so the push ends within 5 s. */
#define STOP_GRACE_MS		3500

/* Who holds the journal's one write transaction (node_writer_lock). */
enum writer {
	WRITER_NONE,
	WRITER_SHORT,		/* a remove: one statement, waited for */
	WRITER_STREAM,		/* an import or put: as long as its client takes */
};

struct node {
	char			*conf_path;
	struct node_conf	conf;
	/* conf.id, which a reload never changes (same_identity): threads that do
	 * not hold `lock` (sealing, control handlers) read this copy, not conf,
	 * which on_sighup replaces under `lock`. */
	uint16_t		id;
	struct node_keys	*keys;
	int			lock_fd;
	struct journal		*jnl;
	struct area_table	*areas;		/* this regency's part of the code table */
	struct tzone		tz;		/* of [node] timezone, for local times in files */
	pthread_mutex_t		jlock;
	pthread_mutex_t		wlock;
	pthread_cond_t		wcond;
	enum writer		writer;			/* under wlock */

	pthread_t		thread;
	bool			thread_started;

	/* Everything below is under lock. */
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	enum node_state		state;
	bool			paused;
	bool			diverged;
	bool			stopping;
	bool			reload;
	uint64_t		stop_deadline_ms;
	uint64_t		due_ms;			/* monotonic; NEVER = no attempt planned */
	uint64_t		busy_since_ms;		/* 0 while the thread waits */
	uint64_t		resume_from;		/* 0 = acked + 1 */
	uint64_t		probe;			/* send only this seq (after an export) */
	unsigned		gaps;
	struct backoff		bo;
	struct push_size	size;
	struct pusher		*pusher;
	uint8_t			hub_pk[KTP_X25519_PK_LEN];
	/* Outcome of the most recent attempt, for `ktpctl sync` waiters. */
	uint64_t		attempts;
	bool			last_ok;
	/* Status and metrics. */
	int64_t			last_success;		/* Unix seconds, 0 = never */
	int64_t			last_success_saved;	/* as stored in the journal */
	unsigned		fail_run;		/* attempts in a row the hub did not answer */
	uint64_t		fail_since_ms;		/* monotonic, the first of them */
	bool			has_clock_offset;
	int64_t			clock_offset_s;		/* our clock minus the hub's Date */
	bool			clock_warned;
	uint64_t		heartbeats;
	uint64_t		hb_last_ms;		/* stamp of our last heartbeat; push thread */
	int64_t			last_error_at;
	char			last_error[2 * KTP_ERR_MSG_LEN];
	uint64_t		versions_sent;
	uint64_t		bytes_sent;
	uint64_t		throughput_bps;
	/* A catch-up: from the first full batch until nothing is pending (a
	 * heartbeat); status shows how far through it the node is. */
	bool			catching_up;
	uint64_t		catchup_from;		/* acked when it began */
	double			rate_vps;		/* versions/s, recent batches */
	uint64_t		by_outcome[PUSH_CANCELLED + 1];
	uint64_t		readahead_used;		/* batches sealed during the previous post */
};

/* What the next batch should hold, as the state says now. */
struct push_plan {
	uint64_t	first;
	uint64_t	head;
	bool		probe;
	struct push_size size;
	uint8_t		hub_pk[KTP_X25519_PK_LEN];
};

/* One sealed batch on its way. */
struct push_job {
	uint64_t	first;
	uint64_t	last;
	uint64_t	head;
	bool		probe;
	bool		heartbeat;	/* zero versions: first = head + 1, last = head */
	bool		full;
	uint8_t		*wire;
	size_t		len;
};

/* The next batch, sealed by its own thread while the current one is posted. */
struct readahead {
	pthread_t	thread;
	bool		running;
	struct node	*n;
	struct push_plan plan;
	struct push_job	job;		/* job.wire: the batch sealed for plan, or NULL */
};

static const char *const state_names[] = {
	[NODE_IDLE] = "idle", [NODE_PUSHING] = "pushing", [NODE_BACKOFF] = "backoff",
	[NODE_OFFLINE] = "offline", [NODE_PAUSED] = "paused", [NODE_DIVERGED] = "diverged",
	[NODE_ERROR] = "error",
};

const char *
node_state_name(enum node_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

static int64_t
wall_s(void)
{
	return (int64_t)(ktime_wall_ms() / 1000);
}

/* --- locks and small accessors ------------------------------------------ */

/* The raw journal under jlock, for the push thread's release_if_idle; no
 * lock is handed out of this file. */
static struct journal *
node_journal_lock(struct node *n)
{
	pthread_mutex_lock(&n->jlock);
	return n->jnl;
}

static void
node_journal_unlock(struct node *n)
{
	pthread_mutex_unlock(&n->jlock);
}

/* Single journal calls under jlock. */
int
node_head(struct node *n, struct journal_head *ret, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&n->jlock);
	r = journal_head(n->jnl, ret, err);
	pthread_mutex_unlock(&n->jlock);
	return r;
}

/* node_head under the name the push machine calls. */
static int
read_head(struct node *n, struct journal_head *ret, struct ktp_err *err)
{
	return node_head(n, ret, err);
}

static int
store_state(struct node *n, const char *key, const char *value, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&n->jlock);
	r = journal_state_set(n->jnl, key, value, err);
	pthread_mutex_unlock(&n->jlock);
	return r;
}

/* An import's transaction stays open while its client sends, which may be
 * forever (a stalled pipe): nobody queues behind it. A remove is short, so
 * it is waited for. */
static int
writer_lock(struct node *n, bool stream, struct ktp_err *err)
{
	pthread_mutex_lock(&n->wlock);
	while (n->writer != WRITER_NONE) {
		if (n->writer == WRITER_STREAM) {
			pthread_mutex_unlock(&n->wlock);
			return ktp_err_set(err, -EBUSY, "busy: an import is running");
		}
		pthread_cond_wait(&n->wcond, &n->wlock);
	}
	n->writer = stream ? WRITER_STREAM : WRITER_SHORT;
	pthread_mutex_unlock(&n->wlock);
	return 0;
}

static void
writer_unlock(struct node *n)
{
	pthread_mutex_lock(&n->wlock);
	n->writer = WRITER_NONE;
	pthread_cond_broadcast(&n->wcond);
	pthread_mutex_unlock(&n->wlock);
}

uint16_t
node_id(const struct node *n)
{
	return n->id;
}

uint32_t
node_election_date(struct node *n)
{
	uint32_t d;

	pthread_mutex_lock(&n->lock);
	d = n->conf.election_date;
	pthread_mutex_unlock(&n->lock);
	return d;
}

static bool
is_stopping(struct node *n)
{
	bool s;

	pthread_mutex_lock(&n->lock);
	s = n->stopping;
	pthread_mutex_unlock(&n->lock);
	return s;
}

/* Under lock: plans an attempt no later than at. Always signals: the push
 * thread may sleep untimed (paused) while due_ms is already in the past. */
static void
plan_locked(struct node *n, uint64_t at)
{
	if (at < n->due_ms)
		n->due_ms = at;
	pthread_cond_broadcast(&n->cond);
}

static bool
is_blocked(const struct node *n)
{
	return n->paused || n->diverged;
}

/* Under lock: the push thread's outcome, unless an operator paused or the
 * node diverged meanwhile; those states outrank whatever an attempt found. */
static void
set_state_locked(struct node *n, enum node_state s)
{
	if (n->diverged)
		n->state = NODE_DIVERGED;
	else if (n->paused)
		n->state = NODE_PAUSED;
	else
		n->state = s;
}

void
node_data_changed(struct node *n)
{
	uint64_t at;

	pthread_mutex_lock(&n->lock);
	at = pushsm_trigger(PUSHSM_NEW_DATA, n->state, n->due_ms, ktime_mono_ms());
	if (at != n->due_ms)
		plan_locked(n, at);
	pthread_mutex_unlock(&n->lock);
}

/* Sync and link up: right now, even inside a backoff. */
void
node_push_now(struct node *n)
{
	pthread_mutex_lock(&n->lock);
	plan_locked(n, pushsm_trigger(PUSHSM_SYNC, n->state, n->due_ms, ktime_mono_ms()));
	pthread_mutex_unlock(&n->lock);
}

static void
set_error_locked(struct node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_error_locked(struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->last_error, sizeof(n->last_error), fmt, ap);
	va_end(ap);
	n->last_error_at = wall_s();
}

void
node_notify_status(struct node *n)
{
	enum node_state st;
	uint64_t pending;

	pthread_mutex_lock(&n->jlock);
	pending = journal_pending_count(n->jnl);
	pthread_mutex_unlock(&n->jlock);
	pthread_mutex_lock(&n->lock);
	st = n->state;
	pthread_mutex_unlock(&n->lock);
	sysd_status("%s, %" PRIu64 " pending", node_state_name(st), pending);
}

static void
notify_status(struct node *n)
{
	node_notify_status(n);
}

/* --- building a batch ---------------------------------------------------- */

/* Under jlock: seals b as versions first..last of our journal, head as
 * given, prev_chain our chain at first - 1; with hb_ms > 0 the heartbeat
 * stamped hb_ms instead (b unused). */
static int
seal_into(struct node *n, struct batch_builder *b, uint64_t first, uint64_t last,
	  uint64_t head, uint64_t hb_ms, const uint8_t hub_pk[static KTP_X25519_PK_LEN],
	  struct push_job *job, struct ktp_err *err)
{
	struct batch_header hdr = {0};
	uint8_t eph[KTP_X25519_SK_LEN], nonce[KTP_NONCE_LEN];
	int r;

	hdr.node_id = n->id;
	hdr.hub_key_id = keytext_hub_key_id(hub_pk);
	hdr.first = first;
	hdr.last = last;
	hdr.head = head;
	if ((r = journal_chain_at(n->jnl, first - 1, hdr.prev_chain, err)) < 0)
		return r;
	/* A fresh ephemeral key and nonce per batch: forward secrecy for batches
	 * stored at the hub or on a USB stick. */
	randombytes_buf(eph, sizeof(eph));
	randombytes_buf(nonce, sizeof(nonce));
	if (hb_ms > 0)
		r = batch_seal_heartbeat(&hdr, hb_ms, n->keys->sk, hub_pk, eph, nonce, &job->wire,
					 &job->len, err);
	else
		r = batch_seal(b, &hdr, n->keys->sk, hub_pk, eph, nonce, &job->wire, &job->len,
			       err);
	sodium_memzero(eph, sizeof(eph));
	return r;
}

/* Under jlock: reads first.. into b and seals it. */
static int
seal_range(struct node *n, struct batch_builder *b, uint64_t first, uint32_t max_v,
	   uint64_t max_bytes, const uint8_t hub_pk[static KTP_X25519_PK_LEN],
	   struct push_job *job, struct ktp_err *err)
{
	int r;

	batch_builder_reset(b);
	if ((r = journal_read(n->jnl, first, max_v, (size_t)max_bytes, b, &job->last, err)) < 0)
		return r;
	if (job->last < first)
		return 0;
	return seal_into(n, b, first, job->last, job->head, 0, hub_pk, job, err);
}

/* Under jlock, on the push thread: the heartbeat, a batch of zero versions
 * at our head (PROTOCOL.md 5.5): signed like any batch, so nobody else can
 * make us look alive, and stamped later than the one before, so a captured
 * one sent again is refused; answered with the hub's acked and chain. */
static int
seal_heartbeat(struct node *n, struct batch_builder *b, uint64_t head,
	       const uint8_t hub_pk[static KTP_X25519_PK_LEN], struct push_job *job,
	       struct ktp_err *err)
{
	uint64_t ms = ktime_wall_ms();
	int r;

	if (ms <= n->hb_last_ms)	/* the clock stepped back */
		ms = n->hb_last_ms + 1;
	if ((r = seal_into(n, b, head + 1, head, head, ms, hub_pk, job, err)) < 0)
		return r;
	n->hb_last_ms = ms;
	job->heartbeat = true;
	job->first = head + 1;
	job->last = head;
	return 0;
}

/* Picks the range to send: a probe after an export, else from the hub's
 * cursor as we know it. */
static int
plan_job(struct node *n, struct push_plan *plan, struct ktp_err *err)
{
	struct journal_head h;
	uint64_t probe, resume;
	int r;

	memset(plan, 0, sizeof(*plan));
	pthread_mutex_lock(&n->lock);
	plan->size = n->size;
	probe = n->probe;
	resume = n->resume_from;
	memcpy(plan->hub_pk, n->hub_pk, sizeof(plan->hub_pk));
	pthread_mutex_unlock(&n->lock);

	r = read_head(n, &h, err);
	if (r < 0)
		return r;
	plan->head = h.seq;
	plan->first = resume != 0 ? resume : h.acked + 1;
	if (probe > h.acked && probe <= h.seq) {
		plan->first = probe;
		plan->size.versions = 1;
		plan->probe = true;
	}
	return 0;
}

/* Seals plan into job; job->last < job->first when nothing is pending. */
static int
seal_job(struct node *n, struct batch_builder *b, const struct push_plan *plan,
	 struct push_job *job, struct ktp_err *err)
{
	int r = 0;

	memset(job, 0, sizeof(*job));
	job->head = plan->head;
	job->probe = plan->probe;
	job->first = plan->first;
	job->last = plan->first - 1;
	pthread_mutex_lock(&n->jlock);
	if (plan->first <= plan->head)
		r = seal_range(n, b, plan->first, plan->size.versions, plan->size.bytes,
			       plan->hub_pk, job, err);
	else
		r = seal_heartbeat(n, b, plan->head, plan->hub_pk, job, err);
	pthread_mutex_unlock(&n->jlock);
	job->full = job->last - job->first + 1 >= plan->size.versions;
	return r;
}

static void *
readahead_main(void *arg)
{
	struct readahead *ra = arg;
	struct batch_builder *b = NULL;
	struct ktp_err err = {0};

	/* A failure leaves job.wire NULL: the push thread then seals the range
	 * itself and meets the error there. */
	if (batch_builder_new(&b) < 0)
		return NULL;
	seal_job(ra->n, b, &ra->plan, &ra->job, &err);
	batch_builder_free(b);
	return NULL;
}

/* After job: seals the range that follows it, if the journal has one. */
static void
readahead_start(struct readahead *ra, struct node *n, const struct push_plan *plan,
		const struct push_job *job)
{
	if (job->probe || !job->full || job->last >= plan->head)
		return;
	ra->n = n;
	ra->plan = *plan;
	ra->plan.first = job->last + 1;
	memset(&ra->job, 0, sizeof(ra->job));
	ra->running = pthread_create(&ra->thread, NULL, readahead_main, ra) == 0;
}

static void
readahead_join(struct readahead *ra)
{
	if (ra->running)
		pthread_join(ra->thread, NULL);
	ra->running = false;
}

static void
readahead_drop(struct readahead *ra)
{
	readahead_join(ra);
	free(ra->job.wire);
	ra->job.wire = NULL;
}

/* The batch read ahead, if it is exactly what plan would seal now. While the
 * size still grows after each fast batch it is not (a few batches at start). */
static bool
readahead_take(struct readahead *ra, const struct push_plan *plan, struct push_job *job)
{
	const struct push_plan *p = &ra->plan;
	bool fits = ra->job.wire != NULL && !plan->probe && p->first == plan->first &&
		    p->size.versions == plan->size.versions && p->size.bytes == plan->size.bytes &&
		    memcmp(p->hub_pk, plan->hub_pk, sizeof(p->hub_pk)) == 0;

	if (!fits) {
		readahead_drop(ra);
		return false;
	}
	*job = ra->job;
	ra->job.wire = NULL;		/* job owns it now */
	return true;
}

/* --- the answers: pushsm decides, this applies ----------------------------- */

/* Marks the hub's acked as ours when the hub is ahead; -EPROTO means the
 * chains differ, i.e. diverged. */
static int
learn_acked(struct node *n, uint64_t acked, const uint8_t chain[static KTP_HASH_LEN],
	    struct journal_head *ret_head, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&n->jlock);
	r = journal_mark_acked(n->jnl, acked, chain, err);
	if (r == 0)
		r = journal_head(n->jnl, ret_head, err);
	pthread_mutex_unlock(&n->jlock);
	return r;
}

static void
count_sent_locked(struct node *n, const struct push_job *job, uint64_t elapsed_ms)
{
	if (job->heartbeat)
		return;
	double rate = (double)(job->last - job->first + 1) * 1000.0 /
		      (double)(elapsed_ms > 0 ? elapsed_ms : 1);

	n->versions_sent += job->last - job->first + 1;
	n->bytes_sent += job->len;
	n->throughput_bps = job->len * 8000 / (elapsed_ms > 0 ? elapsed_ms : 1);
	/* Weighted toward the last few batches: a link's speed changes. */
	n->rate_vps = n->rate_vps > 0 ? 0.7 * n->rate_vps + 0.3 * rate : rate;
}

/* Keeps last_success in the journal, so status after a restart still says
 * when the hub last answered; at most one write a second. */
static void
save_last_success(struct node *n)
{
	struct ktp_err err = {0};
	char num[24];
	int64_t t;

	pthread_mutex_lock(&n->lock);
	t = n->last_success;
	pthread_mutex_unlock(&n->lock);
	if (t == 0 || t == n->last_success_saved)
		return;
	snprintf(num, sizeof(num), "%" PRId64, t);
	if (store_state(n, "last_success", num, &err) < 0) {
		log_warn("push: %s, last_success not kept across a restart", err.msg);
		return;
	}
	n->last_success_saved = t;	/* the push thread's alone */
}

/* Under lock: what pushsm needs of the machine, the config and the clocks. */
static void
fill_in_locked(struct node *n, struct pushsm_in *in, uint32_t rnd)
{
	in->paused = n->paused;
	in->diverged = n->diverged;
	in->mem.gaps = n->gaps;
	in->mem.bo = n->bo;
	in->mem.size = n->size;
	in->mem.fail_run = n->fail_run;
	in->mem.fail_since_ms = n->fail_since_ms;
	in->mem.clock_warned = n->clock_warned;
	in->interval_s = n->conf.push_interval_s;
	in->backoff_min_s = n->conf.backoff_min_s;
	in->backoff_max_s = n->conf.backoff_max_s;
	in->timeout_s = n->conf.timeout_s;
	in->now_ms = ktime_mono_ms();
	in->wall_s = (int64_t)(ktime_wall_ms() / 1000);
	in->rnd = rnd;
}

/* The step's lines, each with the node and the batch as journal fields
 * (journalctl KTP_NODE=3201 KTP_SEQ_FIRST=...). */
static void
emit_logs(const struct node *n, const struct pushsm_in *in, const struct pushsm_step *st)
{
	char fields[128];
	unsigned i;

	if (in->job.last >= in->job.first && in->job.last > 0)
		snprintf(fields, sizeof(fields), "KTP_NODE=%04u\nKTP_SEQ_FIRST=%" PRIu64
			 "\nKTP_SEQ_LAST=%" PRIu64, n->id, in->job.first, in->job.last);
	else
		snprintf(fields, sizeof(fields), "KTP_NODE=%04u", n->id);
	for (i = 0; i < st->n_logs; i++)
		log_fields(st->logs[i].level, fields, "push: %s", st->logs[i].text);
}

static void
apply_due_locked(struct node *n, const struct pushsm_step *st)
{
	switch (st->due) {
	case PUSHSM_DUE_KEEP:
		break;
	case PUSHSM_DUE_AT:
		n->due_ms = st->due_ms;
		break;
	case PUSHSM_DUE_BY:
		if (st->due_ms < n->due_ms)
			n->due_ms = st->due_ms;
		break;
	case PUSHSM_DUE_NEVER:
		n->due_ms = NEVER;
		break;
	}
}

/* Under lock: the step, as pushsm_step computed it from this lock's state.
 * Paused and diverged set meanwhile still outrank it (set_state_locked). */
static void
apply_step_locked(struct node *n, const struct pushsm_step *st)
{
	if (st->diverge)
		n->diverged = true;
	if (st->has_state)
		set_state_locked(n, st->state);
	apply_due_locked(n, st);
	if (st->has_resume)
		n->resume_from = st->resume_from;
	if (st->clear_probe)
		n->probe = 0;
	if (st->probe != 0)
		n->probe = st->probe;
	n->gaps = st->mem.gaps;
	n->bo = st->mem.bo;
	n->size = st->mem.size;
	n->fail_run = st->mem.fail_run;
	n->fail_since_ms = st->mem.fail_since_ms;
	n->clock_warned = st->mem.clock_warned;
	if (st->has_clock_offset) {
		n->has_clock_offset = true;
		n->clock_offset_s = st->clock_offset_s;
	}
	if (st->has_last_ok)
		n->last_ok = st->last_ok;
	if (st->success)
		n->last_success = (int64_t)(ktime_wall_ms() / 1000);
	if (st->has_error)
		set_error_locked(n, "%s", st->error);
}

/* What the step asks of the journal before it shows: the divergence (its
 * flag must survive a restart, the reason cut to what the journal keeps), or
 * the end of a probe. */
static void
store_step(struct node *n, const struct pushsm_step *st)
{
	struct ktp_err err = {0};
	char stored[PUSHSM_REASON_STORED_MAX];

	if (st->diverge) {
		snprintf(stored, sizeof(stored), "%.*s", (int)sizeof(stored) - 1, st->why);
		if (store_state(n, "diverged", stored, &err) < 0)
			log_err("push: %s", err.msg);
	} else if (st->clear_probe) {
		store_state(n, "exported", NULL, &err);
	}
}

/* Under lock: the counters of an answer, for status and metrics. */
static void
count_answer_locked(struct node *n, const struct push_answer *a, const struct push_job *job,
		    const struct pushsm_step *st, uint64_t elapsed_ms)
{
	if (job->heartbeat) {
		n->heartbeats++;
		/* Refused as a replay: the hub took a later stamp (our clock went
		 * back across a restart); the next one goes past it. */
		if (a->heartbeat_ms > n->hb_last_ms)
			n->hb_last_ms = a->heartbeat_ms;
	} else {
		n->by_outcome[a->outcome]++;
	}
	if (st->count_sent)
		count_sent_locked(n, job, elapsed_ms);
}

/* The journal's part of an answer, before the decision: our head, after
 * marking the hub's acked when pushsm_marks asks. journal_head fills seq and
 * acked even when it fails to read the rest. */
static void
learn_head(struct node *n, const struct push_answer *a, struct pushsm_in *in,
	   struct ktp_err *err)
{
	struct journal_head h;

	read_head(n, &h, err);
	if (pushsm_marks(a, h.seq, h.acked))
		in->mark_r = learn_acked(n, a->acked, a->chain, &h, err);
	in->head_seq = h.seq;
	in->head_acked = h.acked;
	in->mark_msg = err->msg;
}

static void
handle_answer(struct node *n, const struct push_answer *a, const struct push_job *job,
	      uint64_t elapsed_ms)
{
	struct pushsm_in in = {
		.event = PUSHSM_ANSWER,
		.answer = a,
		.job = { .first = job->first, .last = job->last, .head = job->head,
			 .probe = job->probe, .heartbeat = job->heartbeat, .full = job->full,
			 .len = job->len },
		.elapsed_ms = elapsed_ms,
	};
	struct pushsm_step st;
	struct ktp_err err = {0};
	uint32_t rnd = randombytes_random();

	learn_head(n, a, &in, &err);
	pthread_mutex_lock(&n->lock);
	fill_in_locked(n, &in, rnd);
	pushsm_step(&in, &st);
	if (st.diverge || st.clear_probe) {
		/* The journal first, then the state others see; decided again
		 * after, so a pause or resume meanwhile is not overwritten. */
		pthread_mutex_unlock(&n->lock);
		if (st.diverge)
			emit_logs(n, &in, &st);
		store_step(n, &st);
		pthread_mutex_lock(&n->lock);
		fill_in_locked(n, &in, rnd);
		pushsm_step(&in, &st);
	}
	apply_step_locked(n, &st);
	count_answer_locked(n, a, job, &st, elapsed_ms);
	pthread_mutex_unlock(&n->lock);
	if (!st.diverge)
		emit_logs(n, &in, &st);
	if (st.success)
		save_last_success(n);
}

/* The end of an attempt that did not reach the hub (under lock). */
static void
local_step_locked(struct node *n, enum pushsm_event ev, const char *msg)
{
	struct pushsm_in in = { .event = ev, .local_msg = msg };
	struct pushsm_step st;

	fill_in_locked(n, &in, randombytes_random());
	pushsm_step(&in, &st);
	apply_step_locked(n, &st);
	emit_logs(n, &in, &st);
}

/* --- the push thread ----------------------------------------------------- */

static bool
cancel_transfer(void *arg)
{
	struct node *n = arg;
	bool c;

	pthread_mutex_lock(&n->lock);
	c = n->stopping && ktime_mono_ms() >= n->stop_deadline_ms;
	pthread_mutex_unlock(&n->lock);
	return c;
}

/* Under lock: a new pusher after start or SIGHUP (URL, CA file, timeouts). */
static int
renew_pusher_locked(struct node *n, struct ktp_err *err)
{
	struct pusher_opts o = {
		.hub_url = n->conf.hub_url,
		.ca_file = n->conf.ca_file,
		.timeout_s = n->conf.timeout_s,
		.connect_timeout_s = n->conf.timeout_s < CONNECT_TIMEOUT_S ? n->conf.timeout_s :
		    CONNECT_TIMEOUT_S,
		.cancel = cancel_transfer,
		.cancel_arg = n,
	};
	struct pusher *p;
	int r;

	if ((r = pusher_new(&o, &p, err)) < 0)
		return r;
	pusher_free(n->pusher);
	n->pusher = p;
	n->reload = false;
	return 0;
}

static void
local_step(struct node *n, enum pushsm_event ev, const char *msg)
{
	pthread_mutex_lock(&n->lock);
	local_step_locked(n, ev, msg);
	pthread_mutex_unlock(&n->lock);
}

/* After the push that emptied the queue: the page cache the import and the
 * reads filled (up to 64 MiB) and the heap pages freed with it go back to
 * the system, so an idle node stays small (1 M versions pushed: VmRSS 82 MB
 * idle before, see the commit). Pages are read again from the OS cache when
 * next needed. */
static void
release_if_idle(struct node *n)
{
	struct journal *j;
	bool idle;

	pthread_mutex_lock(&n->lock);
	idle = n->state == NODE_IDLE;
	pthread_mutex_unlock(&n->lock);
	if (!idle)
		return;
	j = node_journal_lock(n);
	journal_release_memory(j);
	node_journal_unlock(n);
	malloc_trim(0);
}

/* A full batch begins a catch-up; a heartbeat (nothing pending) ends it. */
static void
note_catchup_locked(struct node *n, const struct push_job *job)
{
	if (job->heartbeat) {
		n->catching_up = false;
	} else if (job->full && !n->catching_up) {
		n->catching_up = true;
		n->catchup_from = job->first - 1;
	}
}

static void
push_once(struct node *n, struct batch_builder *b, struct readahead *ra)
{
	struct push_plan plan;
	struct push_job job = {0};
	struct push_answer a;
	struct ktp_err err = {0};
	uint64_t t0;
	bool pushing;
	int r;

	if ((r = plan_job(n, &plan, &err)) < 0) {
		local_step(n, PUSHSM_LOCAL_FAILURE, err.msg);
		goto out;
	}
	if (readahead_take(ra, &plan, &job)) {
		pthread_mutex_lock(&n->lock);
		n->readahead_used++;
		pthread_mutex_unlock(&n->lock);
	} else if ((r = seal_job(n, b, &plan, &job, &err)) < 0) {
		local_step(n, PUSHSM_LOCAL_FAILURE, err.msg);
		goto out;
	}
	if (!job.heartbeat && job.last < job.first) {
		local_step(n, PUSHSM_NOTHING_PENDING, NULL);
		goto out;
	}
	pthread_mutex_lock(&n->lock);
	set_state_locked(n, NODE_PUSHING);
	note_catchup_locked(n, &job);
	pthread_mutex_unlock(&n->lock);
	readahead_start(ra, n, &plan, &job);
	t0 = ktime_mono_ms();
	pusher_post(n->pusher, job.wire, job.len, &a, &err);
	readahead_join(ra);
	handle_answer(n, &a, &job, ktime_mono_ms() - t0);
	pthread_mutex_lock(&n->lock);
	pushing = n->state == NODE_PUSHING;
	pthread_mutex_unlock(&n->lock);
	/* Not kept through a backoff, a pause or a divergence: it would hold
	 * up to a batch of memory for nothing until then. */
	if (a.outcome != PUSH_OK || a.acked != job.last || !pushing)
		readahead_drop(ra);
	release_if_idle(n);
out:
	free(job.wire);
	pthread_mutex_lock(&n->lock);
	n->attempts++;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
	notify_status(n);
}

/* Under lock: waits until an attempt is due, the node stops, or a trigger
 * moves due_ms. Returns true when an attempt should run now. */
static bool
wait_due_locked(struct node *n)
{
	struct timespec ts;
	uint64_t now = ktime_mono_ms(), until;

	if (n->stopping)
		return false;
	if (pushsm_is_due(n->paused, n->diverged, n->due_ms, now))
		return true;
	n->busy_since_ms = 0;
	if (is_blocked(n) || n->due_ms == NEVER) {
		pthread_cond_wait(&n->cond, &n->lock);
		return false;
	}
	until = n->due_ms;
	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000L;
	pthread_cond_timedwait(&n->cond, &n->lock, &ts);
	return false;
}

static void
run_attempt(struct node *n, struct batch_builder *b, struct readahead *ra)
{
	struct ktp_err err = {0};

	n->busy_since_ms = ktime_mono_ms();
	if ((n->reload || n->pusher == NULL) && renew_pusher_locked(n, &err) < 0) {
		local_step_locked(n, PUSHSM_NO_PUSHER, err.msg);
		return;
	}
	n->due_ms = NEVER;
	pthread_mutex_unlock(&n->lock);
	push_once(n, b, ra);
	pthread_mutex_lock(&n->lock);
}

static void *
push_main(void *arg)
{
	struct node *n = arg;
	struct batch_builder *b = NULL;
	struct readahead ra = {0};

	if (batch_builder_new(&b) < 0) {
		log_err("push: out of memory, not pushing");
		return NULL;
	}
	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		if (wait_due_locked(n))
			run_attempt(n, b, &ra);
	}
	pthread_mutex_unlock(&n->lock);
	readahead_drop(&ra);
	batch_builder_free(b);
	return NULL;
}

/* --- control: pause, resume, sync ---------------------------------------- */

int
node_pause(struct node *n, struct ktp_err *err)
{
	int r;

	r = store_state(n, "paused", "1", err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&n->lock);
	n->paused = true;
	if (!n->diverged)
		n->state = NODE_PAUSED;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
	log_info("push: paused by an operator");
	notify_status(n);
	return 0;
}

static int
clear_state_keys(struct node *n, bool force, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&n->jlock);
	r = journal_state_set(n->jnl, "paused", NULL, err);
	if (r == 0 && force)
		r = journal_state_set(n->jnl, "diverged", NULL, err);
	pthread_mutex_unlock(&n->jlock);
	return r;
}

int
node_resume(struct node *n, bool force, struct ktp_err *err)
{
	char why[2 * KTP_ERR_MSG_LEN];
	int r;

	pthread_mutex_lock(&n->lock);
	snprintf(why, sizeof(why), "%s", n->last_error);
	if (n->diverged && !force) {
		pthread_mutex_unlock(&n->lock);
		return ktp_err_set(err, -EPERM, "resume: node is diverged (%s); see the README, "
				   "then 'ktpctl resume --force'", why);
	}
	pthread_mutex_unlock(&n->lock);
	if ((r = clear_state_keys(n, force, err)) < 0)
		return r;
	pthread_mutex_lock(&n->lock);
	n->paused = false;
	if (force) {
		n->diverged = false;
		n->resume_from = 0;
		n->probe = 0;
		n->gaps = 0;
	}
	if (!n->diverged) {
		n->state = NODE_IDLE;
		backoff_reset(&n->bo);
		plan_locked(n, ktime_mono_ms());
	}
	pthread_mutex_unlock(&n->lock);
	log_info("push: resumed by an operator%s", force ? " (forced)" : "");
	notify_status(n);
	return 0;
}

/* Under lock: why a sync cannot complete, or 0 while it still can. */
static int
sync_verdict_locked(struct node *n, uint64_t target, uint64_t acked, uint64_t attempts0,
		    struct ktp_err *err)
{
	if (acked >= target)
		return 1;
	if (n->diverged)
		return ktp_err_set(err, -EPROTO, "sync: %s", n->last_error);
	if (n->paused)
		return ktp_err_set(err, -EAGAIN, "sync: node is paused (ktpctl resume)");
	if (n->stopping)
		return ktp_err_set(err, -ESHUTDOWN, "sync: daemon is stopping");
	if (n->attempts > attempts0 && !n->last_ok && n->state != NODE_PUSHING)
		return ktp_err_set(err, -EAGAIN, "sync: %s", n->last_error);
	return 0;
}

static uint64_t
acked_now(struct node *n, uint64_t *ret_head)
{
	struct journal_head h = {0};

	read_head(n, &h, NULL);
	if (ret_head != NULL)
		*ret_head = h.seq;
	return h.acked;
}

int
node_sync(struct node *n, bool wait, bool (*gone)(void *arg), void *arg, uint64_t *ret_acked,
	  struct ktp_err *err)
{
	struct timespec ts;
	uint64_t target, acked, attempts0;
	int r;

	acked = acked_now(n, &target);
	pthread_mutex_lock(&n->lock);
	attempts0 = n->attempts;
	r = sync_verdict_locked(n, target, acked, attempts0, err);
	if (r == 0)
		plan_locked(n, ktime_mono_ms());
	while (wait && r == 0) {
		/* Wake at least once a second to notice a ktpctl that went away. */
		ts.tv_sec = (time_t)(ktime_mono_ms() / 1000 + 1);
		ts.tv_nsec = 0;
		pthread_cond_timedwait(&n->cond, &n->lock, &ts);
		pthread_mutex_unlock(&n->lock);
		acked = acked_now(n, NULL);
		if (gone != NULL && gone(arg))
			return ktp_err_set(err, -ECONNRESET, "sync: client went away");
		pthread_mutex_lock(&n->lock);
		r = sync_verdict_locked(n, target, acked, attempts0, err);
	}
	pthread_mutex_unlock(&n->lock);
	if (r < 0)
		return r;
	*ret_acked = acked;
	return 0;
}

/* --- lifecycle ----------------------------------------------------------- */

static uint64_t
state_u64(struct journal *j, const char *key)
{
	char buf[32];

	if (journal_state_get(j, key, buf, sizeof(buf), NULL) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

static void
load_sync_state(struct node *n)
{
	char buf[KTP_ERR_MSG_LEN];

	n->paused = journal_state_get(n->jnl, "paused", buf, sizeof(buf), NULL) == 0;
	n->diverged = journal_state_get(n->jnl, "diverged", buf, sizeof(buf), NULL) == 0;
	if (n->diverged) {
		snprintf(n->last_error, sizeof(n->last_error), "diverged: %s", buf);
		n->state = NODE_DIVERGED;
	} else if (n->paused) {
		n->state = NODE_PAUSED;
	}
	n->probe = state_u64(n->jnl, "exported");
	n->last_success = (int64_t)state_u64(n->jnl, "last_success");
	n->last_success_saved = n->last_success;
	/* Our last heartbeat the hub took was sent before that second ended. */
	n->hb_last_ms = n->last_success > 0 ? ((uint64_t)n->last_success + 1) * 1000 : 0;
}

static int
init_sync(struct node *n, struct ktp_err *err)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&n->cond, &ca) != 0)
		return ktp_err_set(err, -ENOMEM, "node: cannot create a condition variable");
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&n->lock, NULL);
	pthread_mutex_init(&n->jlock, NULL);
	pthread_mutex_init(&n->wlock, NULL);
	if (pthread_cond_init(&n->wcond, NULL) != 0)
		return ktp_err_set(err, -ENOMEM, "node: cannot create a condition variable");
	return 0;
}

static void
apply_conf_locked(struct node *n)
{
	memcpy(n->hub_pk, n->conf.hub_public_key, sizeof(n->hub_pk));
	backoff_init(&n->bo, (uint64_t)n->conf.backoff_min_s * 1000,
		     (uint64_t)n->conf.backoff_max_s * 1000);
	pusher_size_init(&n->size, n->conf.batch_max_versions, n->conf.batch_max_bytes);
	n->reload = true;
}

/* The order the issue fixes: config (given), lock, keys, journal. */
static int
open_state(struct node *n, struct ktp_err *err)
{
	int r;

	if ((r = fileio_mkdirs(n->conf.state_dir, 0750, err)) < 0)
		return r;
	if ((r = fileio_lock_dir(n->conf.state_dir, &n->lock_fd, err)) < 0)
		return r;
	if ((r = keys_load_node(n->conf.key_file, &n->keys, err)) < 0)
		return r;
	if ((r = node_load_places(&n->conf, &n->areas, &n->tz, err)) < 0)
		return r;
	if ((r = journal_open(n->conf.state_dir, n->conf.id, &n->jnl, err)) < 0)
		return r;
	load_sync_state(n);
	return 0;
}

int
node_load_places(const struct node_conf *c, struct area_table **ret_areas, struct tzone *ret_tz,
		 struct ktp_err *err)
{
	struct area_table *t = NULL;
	int r;

	if ((r = area_table_load(c->area_dir, c->id, &t, err)) < 0)
		return ktp_err_prefix(err, "node.area_dir");
	if ((r = tzone_resolve(c->timezone, (int64_t)time(NULL), ret_tz, err)) < 0) {
		area_table_free(t);
		return ktp_err_prefix(err, "node");
	}
	*ret_areas = t;
	return 0;
}

const struct area_table *
node_areas(const struct node *n)
{
	return n->areas;
}

/* [import] check_area_codes: imports refuse kecamatan and desa not in areas. */
static bool
checks_area_codes(struct node *n)
{
	bool check;

	pthread_mutex_lock(&n->lock);
	check = n->conf.check_area_codes;
	pthread_mutex_unlock(&n->lock);
	return check;
}

int
node_open(const char *conf_path, struct node_conf *conf, struct node **ret,
	  struct ktp_err *err)
{
	struct node *n;
	int r;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return ktp_err_set(err, -ENOMEM, "node: out of memory");
	n->lock_fd = -1;
	n->conf = *conf;
	n->id = conf->id;
	memset(conf, 0, sizeof(*conf));
	n->due_ms = 0;
	if ((n->conf_path = strdup(conf_path)) == NULL) {
		r = ktp_err_set(err, -ENOMEM, "node: out of memory");
		goto fail;
	}
	if ((r = init_sync(n, err)) < 0 || (r = open_state(n, err)) < 0)
		goto fail;
	apply_conf_locked(n);
	*ret = n;
	return 0;
fail:
	node_close(n);
	return r;
}

void
node_close(struct node *n)
{
	if (n == NULL)
		return;
	node_stop(n);
	if (n->thread_started)
		pthread_join(n->thread, NULL);
	pusher_free(n->pusher);
	journal_close(n->jnl);
	area_table_free(n->areas);
	keys_node_free(n->keys);
	fileio_unlock(n->lock_fd);
	conf_node_done(&n->conf);
	free(n->conf_path);
	free(n);
}

/* --- for the daemon's shell (ktpsyncd.c) ----------------------------------- */

int
node_start(struct node *n, struct ktp_err *err)
{
	int r;

	if ((r = pthread_create(&n->thread, NULL, push_main, n)) != 0)
		return ktp_err_set(err, -r, "node: push thread: %s", strerror(r));
	n->thread_started = true;
	return 0;
}

/* Stop taking input, give the push in flight STOP_GRACE_MS, then cancel it. */
void
node_stop(struct node *n)
{
	pthread_mutex_lock(&n->lock);
	if (!n->stopping) {
		n->stopping = true;
		n->stop_deadline_ms = ktime_mono_ms() + STOP_GRACE_MS;
		pthread_cond_broadcast(&n->cond);
	}
	pthread_mutex_unlock(&n->lock);
}

static bool
same_identity(const struct node_conf *a, const struct node_conf *b)
{
	return a->id == b->id && strcmp(a->state_dir, b->state_dir) == 0 &&
	    strcmp(a->key_file, b->key_file) == 0 &&
	    strcmp(a->control_socket, b->control_socket) == 0;
}

int
node_reconfigure(struct node *n, struct node_conf *c, struct ktp_err *err)
{
	struct node_conf old;

	if (!same_identity(&n->conf, c))
		return ktp_err_set(err, -EPERM, "[node] id, state_dir, key_file or control_socket "
				   "changed; they need a restart");
	pthread_mutex_lock(&n->lock);
	old = n->conf;
	n->conf = *c;
	apply_conf_locked(n);
	plan_locked(n, ktime_mono_ms());
	pthread_mutex_unlock(&n->lock);
	memset(c, 0, sizeof(*c));
	conf_node_done(&old);
	return 0;
}

/* A push may legitimately take the whole timeout, plus a minute of waiting
 * for the journal behind a large import. */
uint64_t
node_push_stuck_ms(struct node *n)
{
	uint64_t busy, limit, now = ktime_mono_ms();

	pthread_mutex_lock(&n->lock);
	busy = n->busy_since_ms;
	limit = ((uint64_t)n->conf.timeout_s + 60) * 1000 + STOP_GRACE_MS;
	pthread_mutex_unlock(&n->lock);
	if (busy == 0 || now - busy < limit)
		return 0;
	return now - busy;
}

/* --- for node_status.c and node_export.c -------------------------------- */

_Static_assert(PUSH_CANCELLED + 1 == NODE_OUTCOMES, "NODE_OUTCOMES is enum push_outcome's size");

int
node_get_info(struct node *n, struct node_info *ret, struct ktp_err *err)
{
	uint64_t now = ktime_mono_ms();
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->id = n->id;
	pthread_mutex_lock(&n->lock);
	ret->state = n->state;
	ret->paused = n->paused;
	if (n->due_ms != NEVER && !is_blocked(n))
		ret->next_attempt = wall_s() + (int64_t)((n->due_ms > now ? n->due_ms - now : 0) /
							 1000);
	ret->last_success = n->last_success;
	ret->last_error_at = n->last_error_at;
	ret->versions_sent = n->versions_sent;
	ret->bytes_sent = n->bytes_sent;
	ret->batch_size = n->size.versions;
	ret->throughput_bps = n->throughput_bps;
	ret->catching_up = n->catching_up;
	ret->catchup_from = n->catchup_from;
	ret->rate_vps = n->rate_vps;
	ret->has_clock_offset = n->has_clock_offset;
	ret->clock_offset_s = n->clock_offset_s;
	ret->clock_warned = n->clock_warned;
	ret->heartbeats = n->heartbeats;
	ret->readahead_used = n->readahead_used;
	memcpy(ret->by_outcome, n->by_outcome, sizeof(ret->by_outcome));
	ret->name = strdup(n->conf.name != NULL ? n->conf.name : "");
	ret->hub_url = strdup(n->conf.hub_url);
	ret->last_error = strdup(n->last_error);
	pthread_mutex_unlock(&n->lock);
	if (ret->name == NULL || ret->hub_url == NULL || ret->last_error == NULL) {
		node_info_done(ret);
		r = ktp_err_set(err, -ENOMEM, "status: out of memory");
	}
	return r;
}

void
node_info_done(struct node_info *i)
{
	free(i->name);
	free(i->hub_url);
	free(i->last_error);
	memset(i, 0, sizeof(*i));
}

/* Under jlock per batch, so pushing and status go on during an export. */
int
node_seal_batch(struct node *n, struct batch_builder *b, uint64_t first, uint64_t head,
		uint8_t **ret_wire, size_t *ret_len, uint64_t *ret_last, struct ktp_err *err)
{
	struct push_job job = { .head = head };
	uint8_t hub_pk[KTP_X25519_PK_LEN];
	uint64_t max_bytes;
	uint32_t max_versions;
	int r;

	pthread_mutex_lock(&n->lock);
	memcpy(hub_pk, n->hub_pk, sizeof(hub_pk));
	max_versions = n->conf.batch_max_versions;
	max_bytes = n->conf.batch_max_bytes;
	pthread_mutex_unlock(&n->lock);
	pthread_mutex_lock(&n->jlock);
	r = seal_range(n, b, first, max_versions, max_bytes, hub_pk, &job, err);
	pthread_mutex_unlock(&n->jlock);
	if (r < 0) {
		free(job.wire);
		return r;
	}
	*ret_wire = job.wire;
	*ret_len = job.len;
	*ret_last = job.last;
	return 0;
}

/* The next contact probes with the last exported version only, so what the
 * bundle delivered is not sent again. */
int
node_mark_exported(struct node *n, uint64_t seq, struct ktp_err *err)
{
	char num[24];
	int r;

	snprintf(num, sizeof(num), "%" PRIu64, seq);
	r = store_state(n, "exported", num, err);
	pthread_mutex_lock(&n->lock);
	n->probe = seq;
	pthread_mutex_unlock(&n->lock);
	return r;
}

/* --- the journal's writers and readers, for ctl_node.c ------------------- */

struct node_import {
	struct node	*n;
	struct ingest	*in;
};

int
node_import_begin(struct node *n, enum ingest_format fmt, const char *name,
		  struct node_import **ret, struct ktp_err *err)
{
	const struct area_table *areas = checks_area_codes(n) ? n->areas : NULL;
	struct node_import *im;
	int r;

	if ((im = calloc(1, sizeof(*im))) == NULL)
		return ktp_err_set(err, -ENOMEM, "import: out of memory");
	im->n = n;
	if ((r = writer_lock(n, true, err)) < 0) {
		free(im);
		return r;
	}
	pthread_mutex_lock(&n->jlock);
	r = ingest_begin(n->jnl, n->id, fmt, name, ktime_wall_ms(), &im->in, err);
	if (r == 0) {
		ingest_set_areas(im->in, areas);
		ingest_set_tz_offset(im->in, n->tz.offset_s);
	}
	pthread_mutex_unlock(&n->jlock);
	if (r < 0) {
		writer_unlock(n);
		free(im);
		return r;
	}
	*ret = im;
	return 0;
}

/* The journal lock per chunk, so the push thread and status keep going
 * during a long import. */
int
node_import_feed(struct node_import *im, const void *data, size_t len, struct ktp_err *err)
{
	int r;

	if (is_stopping(im->n))
		return ktp_err_set(err, -ESHUTDOWN, "import: daemon is stopping");
	pthread_mutex_lock(&im->n->jlock);
	r = ingest_feed(im->in, data, len, err);
	pthread_mutex_unlock(&im->n->jlock);
	return r;
}

int
node_import_finish(struct node_import *im, struct ingest_result *ret, struct ktp_err *err)
{
	struct node *n = im->n;
	int r;

	pthread_mutex_lock(&n->jlock);
	r = ingest_finish(im->in, ret, err);
	pthread_mutex_unlock(&n->jlock);
	writer_unlock(n);
	free(im);
	return r;
}

void
node_import_abort(struct node_import *im)
{
	if (im == NULL)
		return;
	pthread_mutex_lock(&im->n->jlock);
	ingest_abort(im->in);
	pthread_mutex_unlock(&im->n->jlock);
	writer_unlock(im->n);
	free(im);
}

/* A remove is short, so it waits for another remove rather than being told busy. */
int
node_remove(struct node *n, const char *nik, const char *reason, uint64_t *ret_seq,
	    struct ktp_err *err)
{
	int r;

	if ((r = writer_lock(n, false, err)) < 0)
		return r;
	pthread_mutex_lock(&n->jlock);
	r = ingest_remove(n->jnl, nik, reason, ktime_wall_ms(), ret_seq, err);
	pthread_mutex_unlock(&n->jlock);
	writer_unlock(n);
	return r;
}

int
node_report(struct node *n, json_t **ret, struct ktp_err *err)
{
	uint32_t election = node_election_date(n);
	int r;

	pthread_mutex_lock(&n->jlock);
	r = nodereport_json(n->jnl, election, (int64_t)(ktime_wall_ms() / 1000), ret, err);
	pthread_mutex_unlock(&n->jlock);
	return r;
}

int
node_unrecorded(struct node *n, const struct journal_unrecorded_query *q,
		struct journal_person **ret_rows, size_t *ret_n, struct ktp_err *err)
{
	int r;

	pthread_mutex_lock(&n->jlock);
	r = journal_unrecorded(n->jnl, q, ret_rows, ret_n, err);
	pthread_mutex_unlock(&n->jlock);
	return r;
}
