/* SPDX-License-Identifier: ISC */
/*
 * One function per arrow of the state diagram in node.c's header comment:
 * each fills the step from the answer, the journal's head and the machine's
 * memory, and nothing else. Texts are built here so the same words reach
 * last_error, the log and the tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pushsm.h"

enum node_state
pushsm_state(bool paused, bool diverged, enum node_state s)
{
	if (diverged)
		return NODE_DIVERGED;
	if (paused)
		return NODE_PAUSED;
	return s;
}

uint64_t
pushsm_trigger(enum pushsm_trigger t, enum node_state state, uint64_t due_ms, uint64_t now_ms)
{
	uint64_t at = now_ms;

	if (t == PUSHSM_NEW_DATA) {
		if (state != NODE_IDLE && state != NODE_PUSHING)
			return due_ms;
		at = now_ms + PUSHSM_DEBOUNCE_MS;
	}
	return at < due_ms ? at : due_ms;
}

bool
pushsm_is_due(bool paused, bool diverged, uint64_t due_ms, uint64_t now_ms)
{
	return !paused && !diverged && due_ms <= now_ms;
}

bool
pushsm_marks(const struct push_answer *a, uint64_t head_seq, uint64_t head_acked)
{
	if (a->outcome == PUSH_OK)
		return true;
	return a->outcome == PUSH_GAP && a->has_chain && a->acked > head_acked &&
	       a->acked <= head_seq;
}

static void
add_log(struct pushsm_step *st, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
add_log(struct pushsm_step *st, enum log_level level, const char *fmt, ...)
{
	struct pushsm_log *l;
	va_list ap;

	if (st->n_logs >= PUSHSM_LOGS_MAX)
		return;
	l = &st->logs[st->n_logs++];
	l->level = level;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

static void
set_error(struct pushsm_step *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_error(struct pushsm_step *st, const char *fmt, ...)
{
	va_list ap;

	st->has_error = true;
	va_start(ap, fmt);
	vsnprintf(st->error, sizeof(st->error), fmt, ap);
	va_end(ap);
}

static void
set_state(struct pushsm_step *st, const struct pushsm_in *in, enum node_state s)
{
	st->has_state = true;
	st->state = pushsm_state(in->paused, in->diverged, s);
}

static void
due_at(struct pushsm_step *st, uint64_t at)
{
	st->due = PUSHSM_DUE_AT;
	st->due_ms = at;
}

/* The end of an attempt that leaves nothing to do now. */
static void
go_idle(struct pushsm_step *st, const struct pushsm_in *in)
{
	set_state(st, in, NODE_IDLE);
	st->due = PUSHSM_DUE_BY;
	st->due_ms = in->now_ms + (uint64_t)in->interval_s * 1000;
}

static void
diverge(struct pushsm_step *st, const char *why)
{
	st->diverge = true;
	snprintf(st->why, sizeof(st->why), "%s", why);
	st->has_state = true;
	st->state = NODE_DIVERGED;
	st->due = PUSHSM_DUE_NEVER;
	st->due_ms = UINT64_MAX;
	set_error(st, "diverged: %s", why);
	add_log(st, LOG_LEVEL_ERR, "diverged: %s; pushing stops until an operator acts "
		"(ktpctl resume --force)", why);
}

/* The answer that ended the job, as last_error. */
static void
set_answer_error(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct push_answer *a = in->answer;
	const struct pushsm_job *job = &in->job;

	if (job->heartbeat && a->http_status != 0)
		set_error(st, "heartbeat at seq %" PRIu64 ": hub answered %ld: %s", job->head,
			  a->http_status, a->reason);
	else if (job->heartbeat)
		set_error(st, "heartbeat at seq %" PRIu64 ": %s", job->head, a->reason);
	else if (a->http_status != 0)
		set_error(st, "batch %" PRIu64 "..%" PRIu64 ": hub answered %ld: %s", job->first,
			  job->last, a->http_status, a->reason);
	else
		set_error(st, "batch %" PRIu64 "..%" PRIu64 ": %s", job->first, job->last,
			  a->reason);
}

/* Busy, timed out, offline: the backoff picks the delay. */
static void
on_retry(struct pushsm_step *st, const struct pushsm_in *in, bool offline)
{
	uint64_t d = backoff_next(&st->mem.bo, in->rnd, in->answer->retry_after_ms);

	set_state(st, in, offline ? NODE_OFFLINE : NODE_BACKOFF);
	due_at(st, in->now_ms + d);
	set_answer_error(st, in);
	add_log(st, LOG_LEVEL_WARN, "%s, retrying in %" PRIu64 " ms", st->error, d);
}

/* The hub refused us: our key, its enrollment or our data. Slowly, so a key
 * enrolled later is picked up without a restart. */
static void
on_refused(struct pushsm_step *st, const struct pushsm_in *in)
{
	set_state(st, in, NODE_ERROR);
	due_at(st, in->now_ms + (uint64_t)in->backoff_max_s * 1000);
	set_answer_error(st, in);
	add_log(st, LOG_LEVEL_ERR, "%s, retrying in %" PRIu32 " s", st->error, in->backoff_max_s);
}

/* st->mem.size is already halved; at the smallest batch the hub refuses us. */
static void
on_too_large(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct pushsm_job *job = &in->job;

	if (pusher_size_is_min(&st->mem.size) || job->first == job->last) {
		on_refused(st, in);
		return;
	}
	add_log(st, LOG_LEVEL_WARN, "batch %" PRIu64 "..%" PRIu64 " too large for the hub, "
		"halving to %" PRIu32 " versions", job->first, job->last, st->mem.size.versions);
	due_at(st, in->now_ms);
}

static void
on_ok(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct push_answer *a = in->answer;
	const struct pushsm_job *job = &in->job;
	uint64_t next;

	if (in->mark_r == -EPROTO) {		/* the hub's chain is not ours */
		diverge(st, in->mark_msg);
		return;
	}
	st->clear_probe = job->probe;
	st->count_sent = !job->heartbeat;
	st->mem.gaps = 0;
	if (in->mark_r < 0) {
		set_error(st, "%s", in->mark_msg);
		add_log(st, LOG_LEVEL_ERR, "%s", in->mark_msg);
		due_at(st, in->now_ms + (uint64_t)in->backoff_min_s * 1000);
		set_state(st, in, NODE_BACKOFF);
		return;
	}
	backoff_reset(&st->mem.bo);
	st->success = true;
	st->last_ok = true;
	/* Applied, but the hub says how (versions stamped past its clock). */
	if (a->warning[0] != '\0') {
		set_error(st, "hub: %s", a->warning);
		add_log(st, LOG_LEVEL_WARN, "%s", st->error);
	}
	/* A hub behind our acked (restored from a backup) gets the rest again. */
	st->has_resume = true;
	st->resume_from = a->acked < in->head_acked ? a->acked + 1 : 0;
	add_log(st, LOG_LEVEL_DEBUG, "hub acked seq %" PRIu64 " (%" PRIu64 " versions, %zu bytes, %"
		PRIu64 " ms)", a->acked, job->last - job->first + 1, job->len, in->elapsed_ms);
	next = st->resume_from != 0 ? st->resume_from : in->head_acked + 1;
	if (next <= in->head_seq) {
		set_state(st, in, NODE_PUSHING);
		due_at(st, in->now_ms);
	} else {
		go_idle(st, in);
	}
}

static void
on_gap(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct push_answer *a = in->answer;
	char why[PUSHSM_TEXT_MAX];

	if (a->acked > in->head_seq) {
		snprintf(why, sizeof(why), "hub acked seq %" PRIu64 " beyond our journal head %"
			 PRIu64 " (journal restored from an old backup?)", a->acked, in->head_seq);
		diverge(st, why);
		return;
	}
	if (in->mark_r == -EPROTO) {
		diverge(st, in->mark_msg);
		return;
	}
	st->clear_probe = in->job.probe;
	if (a->acked < in->head_acked)
		add_log(st, LOG_LEVEL_WARN, "hub has seq %" PRIu64 " only, below our acked %" PRIu64
			" (hub restored?), sending again from there", a->acked, in->head_acked);
	st->has_resume = true;
	st->resume_from = a->acked + 1;
	/* Without a chain we cannot check a hub that is ahead; a batch ending
	 * exactly at its acked makes it answer 200 with the chain (a replay). */
	if (!a->has_chain && a->acked > in->head_acked && a->acked == in->head_seq)
		st->probe = a->acked;
	set_state(st, in, NODE_PUSHING);
	due_at(st, in->now_ms);
	if (++st->mem.gaps >= PUSHSM_MAX_GAPS || a->acked + 1 == in->job.first) {
		st->mem.gaps = 0;
		on_retry(st, in, false);
	}
}

/* An attempt without an HTTP answer (cannot connect, link cut, timeout) is
 * a failure; the first answer after a run of them is logged once. */
static void
note_reachability(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct push_answer *a = in->answer;

	if (a->outcome == PUSH_CANCELLED)
		return;
	if (a->http_status == 0) {
		if (st->mem.fail_run++ == 0)
			st->mem.fail_since_ms = in->now_ms;
		return;
	}
	if (st->mem.fail_run > 0) {
		st->reachable_again = true;
		add_log(st, LOG_LEVEL_INFO, "hub reachable again after %u failures, %" PRIu64 " s",
			st->mem.fail_run, (in->now_ms - st->mem.fail_since_ms) / 1000);
	}
	st->mem.fail_run = 0;
}

/* How far our clock is from the hub's, from the answer's Date header (whole
 * seconds, so within about a second plus the round trip). */
static void
note_clock(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct push_answer *a = in->answer;
	int64_t off, mag;

	if (a->hub_date <= 0)
		return;
	off = in->wall_s - a->hub_date;
	mag = off < 0 ? -off : off;
	st->has_clock_offset = true;
	st->clock_offset_s = off;
	st->clock_warn = mag > PUSHSM_CLOCK_SKEW_WARN_S && !st->mem.clock_warned;
	if (st->clock_warn)
		add_log(st, LOG_LEVEL_WARN, "our clock is %" PRId64 " s %s the hub's; versions "
			"stamped more than 1d ahead of the hub's clock are applied with the hub's "
			"clock instead, check NTP", mag, off > 0 ? "ahead of" : "behind");
	st->mem.clock_warned = mag > PUSHSM_CLOCK_SKEW_WARN_S;
}

static void
on_answer(struct pushsm_step *st, const struct pushsm_in *in)
{
	const struct push_answer *a = in->answer;
	const struct pushsm_job *job = &in->job;
	char why[PUSHSM_TEXT_MAX];

	if (!job->heartbeat)
		pusher_size_update(&st->mem.size, a->outcome, job->full, in->elapsed_ms,
				   (uint64_t)in->timeout_s * 1000);
	note_reachability(st, in);
	note_clock(st, in);
	st->has_last_ok = true;
	st->last_ok = false;
	switch (a->outcome) {
	case PUSH_OK:
		on_ok(st, in);
		break;
	case PUSH_GAP:
		on_gap(st, in);
		break;
	case PUSH_DIVERGED:
		snprintf(why, sizeof(why), "batch %" PRIu64 "..%" PRIu64 ": hub answered 409 "
			 "diverged at seq %" PRIu64 "%s%s", job->first, job->last, a->acked,
			 a->detail[0] != '\0' ? ": " : "", a->detail);
		diverge(st, why);
		break;
	case PUSH_REFUSED:
		on_refused(st, in);
		break;
	case PUSH_TOO_LARGE:
		on_too_large(st, in);
		break;
	case PUSH_CANCELLED:
		break;
	default:
		on_retry(st, in, a->outcome == PUSH_OFFLINE);
		break;
	}
}

void
pushsm_step(const struct pushsm_in *in, struct pushsm_step *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->due = PUSHSM_DUE_KEEP;
	ret->mem = in->mem;
	switch (in->event) {
	case PUSHSM_ANSWER:
		on_answer(ret, in);
		break;
	case PUSHSM_NOTHING_PENDING:
		ret->has_last_ok = true;
		ret->last_ok = true;
		go_idle(ret, in);
		break;
	case PUSHSM_LOCAL_FAILURE:
		set_error(ret, "%s", in->local_msg);
		add_log(ret, LOG_LEVEL_ERR, "%s", in->local_msg);
		ret->has_last_ok = true;
		ret->last_ok = false;
		set_state(ret, in, NODE_BACKOFF);
		due_at(ret, in->now_ms + backoff_next(&ret->mem.bo, in->rnd, 0));
		break;
	case PUSHSM_NO_PUSHER:
		set_error(ret, "%s", in->local_msg);
		add_log(ret, LOG_LEVEL_ERR, "%s", in->local_msg);
		set_state(ret, in, NODE_ERROR);
		due_at(ret, in->now_ms + (uint64_t)in->backoff_max_s * 1000);
		break;
	}
}
