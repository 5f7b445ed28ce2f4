/* SPDX-License-Identifier: ISC */
/* pushsm — the push machine's decisions: (state, answer or local outcome, head, now) -> next step.
 * Decides state, next attempt, resume point, probe, divergence, batch size and texts; node.c applies.
 * Pure: no clock, no randomness, no journal, no locks, no I/O, so tests pin every row. */
#ifndef KTP_PUSHSM_H
#define KTP_PUSHSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backoff.h"
#include "err.h"
#include "log.h"
#include "node.h"
#include "pusher.h"

/* Three gap answers in a row that do not move us forward mean the hub and we
 * disagree about something a retry will not fix soon. */
#define PUSHSM_MAX_GAPS		3
/* The hub's default max_clock_skew: past it the hub applies our versions
 * with its own clock, so status warns. */
#define PUSHSM_CLOCK_SKEW_WARN_S	86400
/* New data waits this long for more before an attempt (an import arrives in chunks). */
#define PUSHSM_DEBOUNCE_MS	200
/* The journal keeps state values up to 127 bytes; the stored reason is cut to fit. */
#define PUSHSM_REASON_STORED_MAX	128
#define PUSHSM_TEXT_MAX		(2 * KTP_ERR_MSG_LEN)
#define PUSHSM_LOGS_MAX		5

/* What ended the attempt. */
enum pushsm_event {
	PUSHSM_ANSWER,		/* the pusher's answer (in->answer), or its transport failure */
	PUSHSM_NOTHING_PENDING,	/* nothing to send and no heartbeat needed */
	PUSHSM_LOCAL_FAILURE,	/* the journal could not be read or sealed (in->local_msg) */
	PUSHSM_NO_PUSHER,	/* the HTTP client could not be made (in->local_msg) */
};

/* What asks for an attempt from outside the push thread. */
enum pushsm_trigger {
	PUSHSM_NEW_DATA,	/* an import, put or remove committed */
	PUSHSM_SYNC,		/* ktpctl sync */
	PUSHSM_LINK_UP,		/* netlink: a link came up */
};

/* How the step moves the next attempt. */
enum pushsm_due {
	PUSHSM_DUE_KEEP,	/* as it is (a cancelled transfer) */
	PUSHSM_DUE_AT,		/* at due_ms */
	PUSHSM_DUE_BY,		/* at due_ms or earlier: a trigger that came meanwhile stands */
	PUSHSM_DUE_NEVER,	/* none until an operator acts */
};

/* The batch that was sent. A heartbeat has first = head + 1, last = head. */
struct pushsm_job {
	uint64_t	first;
	uint64_t	last;
	uint64_t	head;
	bool		probe;		/* a single version after an export */
	bool		heartbeat;
	bool		full;		/* as many versions as the size allowed */
	size_t		len;		/* sealed bytes */
};

/* What the machine carries from one attempt to the next; node.c keeps it
 * under its lock, pushsm_step returns it moved on. */
struct pushsm_mem {
	unsigned	gaps;			/* gap answers in a row */
	struct backoff	bo;
	struct push_size size;
	unsigned	fail_run;		/* attempts in a row without an HTTP answer */
	uint64_t	fail_since_ms;		/* monotonic, the first of them */
	bool		clock_warned;		/* our clock is past PUSHSM_CLOCK_SKEW_WARN_S */
};

struct pushsm_in {
	enum pushsm_event event;
	const struct push_answer *answer;	/* PUSHSM_ANSWER */
	const char	*local_msg;		/* PUSHSM_LOCAL_FAILURE, PUSHSM_NO_PUSHER */
	struct pushsm_job job;
	uint64_t	elapsed_ms;		/* of the post */
	/* Our journal after the journal was told what pushsm_marks asked: seq and
	 * acked; mark_r and mark_msg are what marking returned (0 and "" if not). */
	uint64_t	head_seq;
	uint64_t	head_acked;
	int		mark_r;
	const char	*mark_msg;
	/* The machine between attempts. */
	bool		paused;
	bool		diverged;
	struct pushsm_mem mem;
	/* Config, clocks and chance. */
	uint32_t	interval_s;
	uint32_t	backoff_min_s;
	uint32_t	backoff_max_s;
	uint32_t	timeout_s;
	uint64_t	now_ms;			/* monotonic */
	int64_t		wall_s;			/* Unix seconds */
	uint32_t	rnd;			/* uniform random, for the backoff */
};

struct pushsm_log {
	enum log_level	level;
	char		text[PUSHSM_TEXT_MAX + 128];	/* without the "push: " in front */
};

struct pushsm_step {
	bool		has_state;		/* false: the state stays (cancelled) */
	enum node_state	state;			/* paused and diverged outrank the attempt */
	enum pushsm_due	due;
	uint64_t	due_ms;
	bool		has_resume;
	uint64_t	resume_from;		/* 0 = acked + 1 */
	bool		clear_probe;		/* the probe did its work: forget it (and "exported") */
	uint64_t	probe;			/* send only this seq next, 0 = none */
	bool		diverge;		/* store why and stop until an operator acts */
	char		why[PUSHSM_TEXT_MAX];
	bool		has_error;		/* last_error becomes error */
	char		error[PUSHSM_TEXT_MAX];
	bool		has_last_ok;		/* false: last_ok stays */
	bool		last_ok;		/* the attempt's verdict, for sync waiters */
	bool		success;		/* the hub took it: last_success is now */
	bool		count_sent;		/* versions and bytes of the job went through */
	struct pushsm_mem mem;			/* in->mem moved on */
	bool		reachable_again;	/* first answer after a run of failures (logged) */
	bool		has_clock_offset;	/* the answer had a Date */
	int64_t		clock_offset_s;		/* our clock minus the hub's */
	bool		clock_warn;		/* past PUSHSM_CLOCK_SKEW_WARN_S, newly (logged) */
	unsigned	n_logs;
	struct pushsm_log logs[PUSHSM_LOGS_MAX];
};

/* Whether the hub's acked must be marked in our journal before pushsm_step
 * decides, given the journal's seq and acked now: always after a 200; after a
 * gap only with the hub's chain and when the hub is ahead but not beyond our
 * head (that is diverged, pushsm_step says so). */
bool	pushsm_marks(const struct push_answer *a, uint64_t head_seq, uint64_t head_acked);
/* The step that follows in. Everything in ret is set; ret->mem starts as
 * in->mem. */
void	pushsm_step(const struct pushsm_in *in, struct pushsm_step *ret);
/* s, unless paused or diverged, which no attempt leaves. */
enum node_state pushsm_state(bool paused, bool diverged, enum node_state s);
/* The next attempt's time after trigger t, given the state and the time
 * planned (UINT64_MAX = none): new data waits PUSHSM_DEBOUNCE_MS and never
 * shortens a backoff (a hub that is down must not be hammered by every
 * import); sync and link up mean now, even inside a backoff. Never later
 * than due_ms. */
uint64_t pushsm_trigger(enum pushsm_trigger t, enum node_state state, uint64_t due_ms,
			uint64_t now_ms);
/* Whether the attempt planned at due_ms runs at now_ms: never while paused or
 * diverged, whatever is planned. */
bool	pushsm_is_due(bool paused, bool diverged, uint64_t due_ms, uint64_t now_ms);

#endif
