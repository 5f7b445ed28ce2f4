/* SPDX-License-Identifier: ISC */
/* One row per arrow of the state diagram in node.c's header comment, plus
 * the edges: the answer as pusher.c decodes it, the journal's head after the
 * mark, the machine's memory and the clocks go in; the whole step comes out.
 * No threads, no hub, no journal. */
#include "unit.h"

#include <errno.h>

#include "backoff.h"
#include "pusher.h"
#include "pushsm.h"

#define NOW	1000000ull		/* monotonic ms */
#define WALL	1800000000ll		/* Unix s */
#define NEVER	UINT64_MAX

/* The attempt, as the rows vary it; what a row leaves 0 takes the default. */
struct given {
	enum pushsm_event event;
	const char	*local_msg;
	/* the answer */
	enum push_outcome outcome;
	long		http;
	uint64_t	acked;
	bool		chain;
	const char	*reason;
	const char	*detail;
	const char	*warning;
	uint64_t	retry_after_ms;
	int64_t		hub_behind_s;		/* hub's Date = WALL - this; 0 = no Date */
	/* the job, our head (after the mark) and the mark's result */
	struct pushsm_job job;
	uint64_t	seq;
	uint64_t	ours;			/* our acked */
	int		mark_r;
	const char	*mark_msg;
	/* the machine */
	bool		paused;
	bool		diverged;
	unsigned	gaps;
	uint32_t	failures;
	bool		size_min;
	unsigned	fail_run;
	uint64_t	fail_for_ms;		/* the run began this long before NOW */
	bool		clock_warned;
};

/* The step a row expects; every field is checked. */
struct want {
	bool		keeps_state;
	enum node_state	state;
	enum pushsm_due	due;
	uint64_t	due_in_ms;		/* due_ms - NOW, for AT and BY */
	bool		resume;
	uint64_t	resume_from;
	uint64_t	probe;
	bool		clear_probe;
	const char	*why;			/* NULL: no divergence */
	const char	*error;			/* NULL: last_error stays */
	bool		success;
	bool		keeps_last_ok;
	bool		last_ok;
	bool		count_sent;
	unsigned	gaps;
	uint32_t	failures;
	uint32_t	versions;
	unsigned	fail_run;
	bool		reachable_again;
	bool		clock_warned;
	bool		clock_warn;
	unsigned	n_logs;
	enum log_level	level;			/* of log, the step's last line */
	const char	*log;
};

struct row {
	const char	*name;
	struct given	g;
	struct want	w;
};

/* Batch 101..200 of a journal at 300: more pending after it. */
#define JOB_MID		{ .first = 101, .last = 200, .head = 300, .full = true, .len = 5000 }
#define JOB_TAIL	{ .first = 201, .last = 300, .head = 300, .len = 5000 }
#define JOB_HB		{ .first = 301, .last = 300, .head = 300, .heartbeat = true, .len = 300 }
#define JOB_ONE		{ .first = 101, .last = 101, .head = 300, .len = 400 }
#define JOB_PROBE	{ .first = 300, .last = 300, .head = 300, .probe = true, .len = 400 }

#define DIVERGE_LOG(why) \
	"diverged: " why "; pushing stops until an operator acts (ktpctl resume --force)"

static const struct row step_rows[] = {
	/* PUSHING --200, more pending--> PUSHING [on_ok] */
	{ "ok_with_more_pending_pushes_on_at_once_and_a_fast_full_batch_doubles_the_size",
	  { .outcome = PUSH_OK, .http = 200, .acked = 200, .chain = true, .job = JOB_MID,
	    .seq = 300, .ours = 200, .failures = 2 },
	  { .state = NODE_PUSHING, .due = PUSHSM_DUE_AT, .resume = true, .success = true,
	    .last_ok = true, .count_sent = true, .failures = 0, .versions = 2000,
	    .n_logs = 1, .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 200 (100 versions, 5000 bytes, 40 ms)" } },
	/* PUSHING --200, all acked--> IDLE [on_ok] */
	{ "ok_with_all_acked_goes_idle_until_the_interval",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_TAIL,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .count_sent = true, .versions = 1000,
	    .n_logs = 1, .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 300 (100 versions, 5000 bytes, 40 ms)" } },
	/* PUSHING --nothing pending: heartbeat, answered as a batch--> IDLE */
	{ "heartbeat_answered_ok_goes_idle_and_keeps_the_batch_size",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .versions = 1000, .n_logs = 1,
	    .level = LOG_LEVEL_DEBUG, .log = "hub acked seq 300 (0 versions, 300 bytes, 40 ms)" } },
	{ "heartbeat_answered_as_gap_sends_again_from_the_hubs_acked",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 250, .reason = "gap", .job = JOB_HB,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_PUSHING, .due = PUSHSM_DUE_AT, .resume = true, .resume_from = 251,
	    .gaps = 1, .versions = 1000, .n_logs = 1, .level = LOG_LEVEL_WARN,
	    .log = "hub has seq 250 only, below our acked 300 (hub restored?), sending again "
		   "from there" } },
	/* PUSHING --409 gap: resume from the hub's acked--> PUSHING [on_gap] */
	{ "gap_resumes_from_the_hubs_acked_at_once",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 150, .chain = true, .reason = "gap",
	    .job = JOB_MID, .seq = 300, .ours = 150 },
	  { .state = NODE_PUSHING, .due = PUSHSM_DUE_AT, .resume = true, .resume_from = 151,
	    .gaps = 1, .versions = 1000 } },
	{ "gap_at_the_batchs_own_first_backs_off",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 100, .chain = true, .reason = "gap",
	    .job = JOB_MID, .seq = 300, .ours = 100 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .resume = true,
	    .resume_from = 101, .gaps = 0, .failures = 1, .versions = 1000,
	    .error = "batch 101..200: hub answered 409: gap", .n_logs = 1,
	    .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: hub answered 409: gap, retrying in 1000 ms" } },
	{ "third_gap_in_a_row_backs_off",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 150, .chain = true, .reason = "gap",
	    .job = JOB_MID, .seq = 300, .ours = 150, .gaps = 2 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .resume = true,
	    .resume_from = 151, .gaps = 0, .failures = 1, .versions = 1000,
	    .error = "batch 101..200: hub answered 409: gap", .n_logs = 1,
	    .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: hub answered 409: gap, retrying in 1000 ms" } },
	{ "gap_without_chain_at_our_head_probes_that_seq",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 300, .reason = "gap", .job = JOB_MID,
	    .seq = 300, .ours = 100 },
	  { .state = NODE_PUSHING, .due = PUSHSM_DUE_AT, .resume = true, .resume_from = 301,
	    .probe = 300, .gaps = 1, .versions = 1000 } },
	{ "probe_answered_ok_ends_the_probe",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_PROBE,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .clear_probe = true, .success = true, .last_ok = true, .count_sent = true,
	    .versions = 1000, .n_logs = 1, .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 300 (1 versions, 400 bytes, 40 ms)" } },
	/* PUSHING --409 diverged, or the hub's chain != ours--> DIVERGED [diverge] */
	{ "diverged_answer_stops_until_an_operator_acts",
	  { .outcome = PUSH_DIVERGED, .http = 409, .acked = 120, .reason = "diverged",
	    .detail = "chain differs at seq 121", .job = JOB_MID, .seq = 300, .ours = 100 },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_NEVER, .versions = 1000,
	    .why = "batch 101..200: hub answered 409 diverged at seq 120: chain differs at seq 121",
	    .error = "diverged: batch 101..200: hub answered 409 diverged at seq 120: chain "
		     "differs at seq 121",
	    .n_logs = 1, .level = LOG_LEVEL_ERR,
	    .log = DIVERGE_LOG("batch 101..200: hub answered 409 diverged at seq 120: chain "
			       "differs at seq 121") } },
	{ "diverged_answer_without_detail_names_the_seq",
	  { .outcome = PUSH_DIVERGED, .http = 409, .acked = 120, .reason = "diverged",
	    .job = JOB_HB, .seq = 300, .ours = 300 },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_NEVER, .versions = 1000,
	    .why = "batch 301..300: hub answered 409 diverged at seq 120",
	    .error = "diverged: batch 301..300: hub answered 409 diverged at seq 120",
	    .n_logs = 1, .level = LOG_LEVEL_ERR,
	    .log = DIVERGE_LOG("batch 301..300: hub answered 409 diverged at seq 120") } },
	{ "chain_mismatch_on_ok_diverges",
	  { .outcome = PUSH_OK, .http = 200, .acked = 200, .chain = true, .job = JOB_MID,
	    .seq = 300, .ours = 100, .mark_r = -EPROTO,
	    .mark_msg = "acked 200: the hub's chain is not ours" },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_NEVER, .versions = 2000,
	    .why = "acked 200: the hub's chain is not ours",
	    .error = "diverged: acked 200: the hub's chain is not ours", .n_logs = 1,
	    .level = LOG_LEVEL_ERR, .log = DIVERGE_LOG("acked 200: the hub's chain is not ours") } },
	{ "chain_mismatch_on_gap_diverges",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 150, .chain = true, .job = JOB_MID,
	    .seq = 300, .ours = 100, .mark_r = -EPROTO,
	    .mark_msg = "acked 150: the hub's chain is not ours" },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_NEVER, .versions = 1000,
	    .why = "acked 150: the hub's chain is not ours",
	    .error = "diverged: acked 150: the hub's chain is not ours", .n_logs = 1,
	    .level = LOG_LEVEL_ERR, .log = DIVERGE_LOG("acked 150: the hub's chain is not ours") } },
	{ "hub_acked_beyond_our_head_diverges",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 400, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_NEVER, .versions = 1000,
	    .why = "hub acked seq 400 beyond our journal head 300 (journal restored from an old "
		   "backup?)",
	    .error = "diverged: hub acked seq 400 beyond our journal head 300 (journal restored "
		     "from an old backup?)",
	    .n_logs = 1, .level = LOG_LEVEL_ERR,
	    .log = DIVERGE_LOG("hub acked seq 400 beyond our journal head 300 (journal restored "
			       "from an old backup?)") } },
	/* PUSHING --400/401/403, TLS or URL refused--> ERROR [on_refused] */
	{ "refused_batch_retries_slowly_in_error",
	  { .outcome = PUSH_REFUSED, .http = 400, .reason = "bad signature", .job = JOB_MID,
	    .seq = 300, .ours = 100 },
	  { .state = NODE_ERROR, .due = PUSHSM_DUE_AT, .due_in_ms = 300000, .versions = 1000,
	    .error = "batch 101..200: hub answered 400: bad signature", .n_logs = 1,
	    .level = LOG_LEVEL_ERR,
	    .log = "batch 101..200: hub answered 400: bad signature, retrying in 300 s" } },
	{ "refused_heartbeat_names_the_seq",
	  { .outcome = PUSH_REFUSED, .http = 403, .reason = "unknown node", .job = JOB_HB,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_ERROR, .due = PUSHSM_DUE_AT, .due_in_ms = 300000, .versions = 1000,
	    .error = "heartbeat at seq 300: hub answered 403: unknown node", .n_logs = 1,
	    .level = LOG_LEVEL_ERR,
	    .log = "heartbeat at seq 300: hub answered 403: unknown node, retrying in 300 s" } },
	{ "tls_refused_without_an_answer_is_an_error_and_a_failure",
	  { .outcome = PUSH_REFUSED, .reason = "TLS: certificate verify failed", .job = JOB_MID,
	    .seq = 300, .ours = 100 },
	  { .state = NODE_ERROR, .due = PUSHSM_DUE_AT, .due_in_ms = 300000, .versions = 1000,
	    .fail_run = 1, .error = "batch 101..200: TLS: certificate verify failed",
	    .n_logs = 1, .level = LOG_LEVEL_ERR,
	    .log = "batch 101..200: TLS: certificate verify failed, retrying in 300 s" } },
	/* PUSHING --413: halve the batch and retry at once--> PUSHING [on_too_large] */
	{ "too_large_halves_the_batch_and_retries_at_once",
	  { .outcome = PUSH_TOO_LARGE, .http = 413, .reason = "too large", .job = JOB_MID,
	    .seq = 300, .ours = 100 },
	  { .keeps_state = true, .due = PUSHSM_DUE_AT, .versions = 500, .n_logs = 1,
	    .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200 too large for the hub, halving to 500 versions" } },
	{ "too_large_at_the_smallest_batch_is_refused",
	  { .outcome = PUSH_TOO_LARGE, .http = 413, .reason = "too large",
	    .job = { .first = 101, .last = 102, .head = 300, .len = 9000 }, .seq = 300,
	    .ours = 100, .size_min = true },
	  { .state = NODE_ERROR, .due = PUSHSM_DUE_AT, .due_in_ms = 300000, .versions = 1,
	    .error = "batch 101..102: hub answered 413: too large", .n_logs = 1,
	    .level = LOG_LEVEL_ERR,
	    .log = "batch 101..102: hub answered 413: too large, retrying in 300 s" } },
	{ "too_large_single_version_is_refused",
	  { .outcome = PUSH_TOO_LARGE, .http = 413, .reason = "too large", .job = JOB_ONE,
	    .seq = 300, .ours = 100 },
	  { .state = NODE_ERROR, .due = PUSHSM_DUE_AT, .due_in_ms = 300000, .versions = 500,
	    .error = "batch 101..101: hub answered 413: too large", .n_logs = 1,
	    .level = LOG_LEVEL_ERR,
	    .log = "batch 101..101: hub answered 413: too large, retrying in 300 s" } },
	/* PUSHING --503/5xx/timeout--> BACKOFF [on_retry] */
	{ "busy_backs_off_on_the_schedule",
	  { .outcome = PUSH_BUSY, .http = 503, .reason = "busy", .job = JOB_MID, .seq = 300,
	    .ours = 100, .failures = 2 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 4000, .failures = 3,
	    .versions = 1000, .error = "batch 101..200: hub answered 503: busy", .n_logs = 1,
	    .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: hub answered 503: busy, retrying in 4000 ms" } },
	{ "busy_with_a_longer_retry_after_waits_that_long",
	  { .outcome = PUSH_BUSY, .http = 503, .reason = "busy", .retry_after_ms = 45000,
	    .job = JOB_MID, .seq = 300, .ours = 100 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 45000, .failures = 1,
	    .versions = 1000, .error = "batch 101..200: hub answered 503: busy", .n_logs = 1,
	    .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: hub answered 503: busy, retrying in 45000 ms" } },
	{ "timeout_backs_off_halves_the_batch_and_counts_a_failure",
	  { .outcome = PUSH_TIMEOUT, .reason = "no answer in 30 s", .job = JOB_MID, .seq = 300,
	    .ours = 100 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .failures = 1,
	    .versions = 500, .fail_run = 1, .error = "batch 101..200: no answer in 30 s",
	    .n_logs = 1, .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: no answer in 30 s, retrying in 1000 ms" } },
	/* PUSHING --cannot connect, link cut--> OFFLINE [on_retry] */
	{ "cannot_connect_goes_offline",
	  { .outcome = PUSH_OFFLINE, .reason = "cannot connect", .job = JOB_MID, .seq = 300,
	    .ours = 100 },
	  { .state = NODE_OFFLINE, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .failures = 1,
	    .versions = 1000, .fail_run = 1, .error = "batch 101..200: cannot connect",
	    .n_logs = 1, .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: cannot connect, retrying in 1000 ms" } },
	{ "link_cut_during_a_heartbeat_goes_offline",
	  { .outcome = PUSH_OFFLINE, .reason = "connection reset", .job = JOB_HB, .seq = 300,
	    .ours = 300, .fail_run = 4, .fail_for_ms = 9000 },
	  { .state = NODE_OFFLINE, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .failures = 1,
	    .versions = 1000, .fail_run = 5, .error = "heartbeat at seq 300: connection reset",
	    .n_logs = 1, .level = LOG_LEVEL_WARN,
	    .log = "heartbeat at seq 300: connection reset, retrying in 1000 ms" } },
	/* Edges. */
	{ "first_answer_after_failures_notes_the_hub_reachable_again",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300, .failures = 3, .fail_run = 3, .fail_for_ms = 125400 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .versions = 1000, .reachable_again = true,
	    .n_logs = 2, .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 300 (0 versions, 300 bytes, 40 ms)" } },
	{ "cancelled_transfer_leaves_state_due_and_failures",
	  { .outcome = PUSH_CANCELLED, .reason = "cancelled", .job = JOB_MID, .seq = 300,
	    .ours = 100, .fail_run = 2 },
	  { .keeps_state = true, .due = PUSHSM_DUE_KEEP, .versions = 1000, .fail_run = 2 } },
	{ "paused_is_not_left_by_an_ok",
	  { .outcome = PUSH_OK, .http = 200, .acked = 200, .chain = true, .job = JOB_MID,
	    .seq = 300, .ours = 200, .paused = true },
	  { .state = NODE_PAUSED, .due = PUSHSM_DUE_AT, .resume = true, .success = true,
	    .last_ok = true, .count_sent = true, .versions = 2000, .n_logs = 1,
	    .level = LOG_LEVEL_DEBUG, .log = "hub acked seq 200 (100 versions, 5000 bytes, 40 ms)" } },
	{ "paused_is_not_left_by_a_gap",
	  { .outcome = PUSH_GAP, .http = 409, .acked = 150, .chain = true, .reason = "gap",
	    .job = JOB_MID, .seq = 300, .ours = 150, .paused = true },
	  { .state = NODE_PAUSED, .due = PUSHSM_DUE_AT, .resume = true, .resume_from = 151,
	    .gaps = 1, .versions = 1000 } },
	{ "diverged_is_not_left_by_busy",
	  { .outcome = PUSH_BUSY, .http = 503, .reason = "busy", .job = JOB_MID, .seq = 300,
	    .ours = 100, .diverged = true },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .failures = 1,
	    .versions = 1000, .error = "batch 101..200: hub answered 503: busy", .n_logs = 1,
	    .level = LOG_LEVEL_WARN,
	    .log = "batch 101..200: hub answered 503: busy, retrying in 1000 ms" } },
	{ "diverged_is_not_left_by_an_ok",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300, .diverged = true },
	  { .state = NODE_DIVERGED, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .versions = 1000, .n_logs = 1,
	    .level = LOG_LEVEL_DEBUG, .log = "hub acked seq 300 (0 versions, 300 bytes, 40 ms)" } },
	{ "hub_behind_our_acked_on_ok_gets_the_rest_again",
	  { .outcome = PUSH_OK, .http = 200, .acked = 150, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300 },
	  { .state = NODE_PUSHING, .due = PUSHSM_DUE_AT, .resume = true, .resume_from = 151,
	    .success = true, .last_ok = true, .versions = 1000, .n_logs = 1,
	    .level = LOG_LEVEL_DEBUG, .log = "hub acked seq 150 (0 versions, 300 bytes, 40 ms)" } },
	{ "ok_with_a_warning_shows_it",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_TAIL,
	    .warning = "2 versions stamped ahead of the hub's clock", .seq = 300, .ours = 300 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .count_sent = true, .versions = 1000,
	    .error = "hub: 2 versions stamped ahead of the hub's clock", .n_logs = 2,
	    .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 300 (100 versions, 5000 bytes, 40 ms)" } },
	{ "journal_failure_on_marking_backs_off_by_the_minimum",
	  { .outcome = PUSH_OK, .http = 200, .acked = 200, .chain = true, .job = JOB_MID,
	    .seq = 300, .ours = 100, .mark_r = -EIO, .mark_msg = "journal: disk I/O error",
	    .failures = 2 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .count_sent = true,
	    .failures = 2, .versions = 2000, .error = "journal: disk I/O error", .n_logs = 1,
	    .level = LOG_LEVEL_ERR, .log = "journal: disk I/O error" } },
	{ "clock_skew_over_a_day_warns_once",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300, .hub_behind_s = 90000 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .versions = 1000, .clock_warned = true,
	    .clock_warn = true, .n_logs = 2, .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 300 (0 versions, 300 bytes, 40 ms)" } },
	{ "clock_skew_already_warned_is_not_logged_again",
	  { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true, .job = JOB_HB,
	    .seq = 300, .ours = 300, .hub_behind_s = -90000, .clock_warned = true },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .resume = true,
	    .success = true, .last_ok = true, .versions = 1000, .clock_warned = true,
	    .n_logs = 1, .level = LOG_LEVEL_DEBUG,
	    .log = "hub acked seq 300 (0 versions, 300 bytes, 40 ms)" } },
	/* Local outcomes: no answer from the hub. */
	{ "nothing_pending_goes_idle_until_the_interval",
	  { .event = PUSHSM_NOTHING_PENDING, .job = JOB_TAIL, .seq = 300, .ours = 300 },
	  { .state = NODE_IDLE, .due = PUSHSM_DUE_BY, .due_in_ms = 60000, .last_ok = true,
	    .versions = 1000 } },
	{ "journal_failure_before_sending_backs_off",
	  { .event = PUSHSM_LOCAL_FAILURE, .local_msg = "journal: read: disk I/O error",
	    .seq = 300, .ours = 100 },
	  { .state = NODE_BACKOFF, .due = PUSHSM_DUE_AT, .due_in_ms = 1000, .failures = 1,
	    .versions = 1000, .error = "journal: read: disk I/O error", .n_logs = 1,
	    .level = LOG_LEVEL_ERR, .log = "journal: read: disk I/O error" } },
	{ "no_http_client_is_an_error_retried_slowly",
	  { .event = PUSHSM_NO_PUSHER, .local_msg = "pusher: 'ftp://x': not an http(s) URL",
	    .seq = 300, .ours = 100 },
	  { .state = NODE_ERROR, .due = PUSHSM_DUE_AT, .due_in_ms = 300000, .keeps_last_ok = true,
	    .versions = 1000, .error = "pusher: 'ftp://x': not an http(s) URL", .n_logs = 1,
	    .level = LOG_LEVEL_ERR, .log = "pusher: 'ftp://x': not an http(s) URL" } },
};

static void
make_in(const struct given *g, struct push_answer *a, struct pushsm_in *in)
{
	memset(a, 0, sizeof(*a));
	a->outcome = g->outcome;
	a->http_status = g->http;
	a->has_acked = g->outcome == PUSH_OK || g->outcome == PUSH_GAP;
	a->acked = g->acked;
	a->has_chain = g->chain;
	a->retry_after_ms = g->retry_after_ms;
	a->hub_date = g->hub_behind_s != 0 ? WALL - g->hub_behind_s : 0;
	snprintf(a->reason, sizeof(a->reason), "%s", g->reason ? g->reason : "");
	snprintf(a->detail, sizeof(a->detail), "%s", g->detail ? g->detail : "");
	snprintf(a->warning, sizeof(a->warning), "%s", g->warning ? g->warning : "");

	memset(in, 0, sizeof(*in));
	in->event = g->event;
	in->answer = a;
	in->local_msg = g->local_msg;
	in->job = g->job;
	in->elapsed_ms = 40;
	in->head_seq = g->seq;
	in->head_acked = g->ours;
	in->mark_r = g->mark_r;
	in->mark_msg = g->mark_msg ? g->mark_msg : "";
	in->paused = g->paused;
	in->diverged = g->diverged;
	in->mem.gaps = g->gaps;
	backoff_init(&in->mem.bo, 1000, 300000);
	in->mem.bo.failures = g->failures;
	pusher_size_init(&in->mem.size, 10000, 4u << 20);
	if (g->size_min) {
		in->mem.size.versions = 1;
		in->mem.size.bytes = PUSH_SIZE_MIN_BYTES;
	}
	in->mem.fail_run = g->fail_run;
	in->mem.fail_since_ms = g->fail_run > 0 ? NOW - g->fail_for_ms : 0;
	in->mem.clock_warned = g->clock_warned;
	in->interval_s = 60;
	in->backoff_min_s = 1;
	in->backoff_max_s = 300;
	in->timeout_s = 30;
	in->now_ms = NOW;
	in->wall_s = WALL;
	in->rnd = UINT32_MAX;		/* the top of each backoff window */
}

static void
check_text(const char *row, const char *what, bool has, const char *got, const char *want)
{
	if (want == NULL && !has)
		return;
	if (want == NULL || !has || strcmp(got, want) != 0)
		fail_msg("%s: %s: got '%s', want '%s'", row, what, has ? got : "(none)",
			 want ? want : "(none)");
}

static void
check_step(const struct row *r, const struct pushsm_step *st)
{
	const struct want *w = &r->w;

	assert_int_equal(st->has_state, !w->keeps_state);
	if (!w->keeps_state)
		assert_int_equal(st->state, w->state);
	assert_int_equal(st->due, w->due);
	if (w->due == PUSHSM_DUE_AT || w->due == PUSHSM_DUE_BY)
		assert_int_equal(st->due_ms, NOW + w->due_in_ms);
	if (w->due == PUSHSM_DUE_NEVER)
		assert_int_equal(st->due_ms, NEVER);
	assert_int_equal(st->has_resume, w->resume);
	assert_int_equal(st->resume_from, w->resume_from);
	assert_int_equal(st->probe, w->probe);
	assert_int_equal(st->clear_probe, w->clear_probe);
	assert_int_equal(st->diverge, w->why != NULL);
	check_text(r->name, "why", st->diverge, st->why, w->why);
	check_text(r->name, "error", st->has_error, st->error, w->error);
	assert_int_equal(st->success, w->success);
	assert_int_equal(st->has_last_ok, !w->keeps_last_ok);
	assert_int_equal(st->last_ok, w->last_ok);
	assert_int_equal(st->count_sent, w->count_sent);
	assert_int_equal(st->mem.gaps, w->gaps);
	assert_int_equal(st->mem.bo.failures, w->failures);
	assert_int_equal(st->mem.size.versions, w->versions);
	assert_int_equal(st->mem.fail_run, w->fail_run);
	assert_int_equal(st->reachable_again, w->reachable_again);
	assert_int_equal(st->mem.clock_warned, w->clock_warned);
	assert_int_equal(st->clock_warn, w->clock_warn);
	assert_int_equal(st->n_logs, w->n_logs);
	if (w->log != NULL) {
		assert_int_equal(st->logs[st->n_logs - 1].level, w->level);
		check_text(r->name, "log", true, st->logs[st->n_logs - 1].text, w->log);
	}
}

/* One cmocka test per row, named by the row. */
static void
run_step_row(void **state)
{
	const struct row *r = *state;
	struct push_answer a;
	struct pushsm_in in;
	struct pushsm_step st;

	make_in(&r->g, &a, &in);
	pushsm_step(&in, &st);
	check_step(r, &st);
}

/* The notes ride on the step's other lines; their exact words. */
static void
test_pushsm_reachable_again_and_clock_skew_are_logged_first(void **state)
{
	struct push_answer a;
	struct pushsm_in in;
	struct pushsm_step st;
	struct given g = { .outcome = PUSH_OK, .http = 200, .acked = 300, .chain = true,
			   .job = JOB_HB, .seq = 300, .ours = 300, .fail_run = 3,
			   .fail_for_ms = 125400, .hub_behind_s = 90000 };

	(void)state;
	make_in(&g, &a, &in);
	pushsm_step(&in, &st);
	assert_int_equal(st.n_logs, 3);
	assert_int_equal(st.logs[0].level, LOG_LEVEL_INFO);
	assert_string_equal(st.logs[0].text, "hub reachable again after 3 failures, 125 s");
	assert_int_equal(st.logs[1].level, LOG_LEVEL_WARN);
	assert_string_equal(st.logs[1].text, "our clock is 90000 s ahead of the hub's; versions "
			    "stamped more than 1d ahead of the hub's clock are applied with the "
			    "hub's clock instead, check NTP");
	assert_true(st.has_clock_offset);
	assert_int_equal(st.clock_offset_s, 90000);

	g.hub_behind_s = -90000;
	g.fail_run = 0;
	make_in(&g, &a, &in);
	pushsm_step(&in, &st);
	assert_string_equal(st.logs[0].text, "our clock is 90000 s behind the hub's; versions "
			    "stamped more than 1d ahead of the hub's clock are applied with the "
			    "hub's clock instead, check NTP");
	assert_int_equal(st.clock_offset_s, -90000);
}

/* A failure run starts at the first answer-less attempt and is not reset by
 * a cancelled one. */
static void
test_pushsm_failure_run_starts_at_the_first_failure(void **state)
{
	struct push_answer a;
	struct pushsm_in in;
	struct pushsm_step st;
	struct given g = { .outcome = PUSH_OFFLINE, .reason = "cannot connect", .job = JOB_MID,
			   .seq = 300, .ours = 100 };

	(void)state;
	make_in(&g, &a, &in);
	pushsm_step(&in, &st);
	assert_int_equal(st.mem.fail_run, 1);
	assert_int_equal(st.mem.fail_since_ms, NOW);
	assert_false(st.has_clock_offset);
}

/* The stored reason is what diverge keeps across a restart: the step's why
 * is longer than the journal's 127 bytes when the hub's detail is long. */
static void
test_pushsm_diverged_reason_keeps_a_long_detail_whole(void **state)
{
	struct push_answer a;
	struct pushsm_in in;
	struct pushsm_step st;
	char detail[256];
	struct given g = { .outcome = PUSH_DIVERGED, .http = 409, .acked = 120, .job = JOB_MID,
			   .seq = 300, .ours = 100 };

	(void)state;
	memset(detail, 'x', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	g.detail = detail;
	make_in(&g, &a, &in);
	pushsm_step(&in, &st);
	assert_true(st.diverge);
	assert_int_equal(strlen(st.why), strlen("batch 101..200: hub answered 409 diverged at "
						"seq 120: ") + 255);
	assert_true(strlen(st.why) >= PUSHSM_REASON_STORED_MAX);
}

struct mark_row {
	const char	*name;
	enum push_outcome outcome;
	uint64_t	acked;
	bool		chain;
	uint64_t	seq;
	uint64_t	ours;
	bool		marks;
};

static const struct mark_row mark_rows[] = {
	{ "ok_always_marks", PUSH_OK, 150, true, 300, 200, true },
	{ "gap_with_chain_ahead_of_us_marks", PUSH_GAP, 250, true, 300, 200, true },
	{ "gap_with_chain_at_our_head_marks", PUSH_GAP, 300, true, 300, 200, true },
	{ "gap_without_chain_does_not_mark", PUSH_GAP, 250, false, 300, 200, false },
	{ "gap_behind_our_acked_does_not_mark", PUSH_GAP, 150, true, 300, 200, false },
	{ "gap_beyond_our_head_does_not_mark", PUSH_GAP, 400, true, 300, 200, false },
	{ "busy_does_not_mark", PUSH_BUSY, 0, false, 300, 200, false },
	{ "diverged_does_not_mark", PUSH_DIVERGED, 250, false, 300, 200, false },
};

static void
run_mark_row(void **state)
{
	const struct mark_row *r = *state;
	struct push_answer a = {0};

	a.outcome = r->outcome;
	a.acked = r->acked;
	a.has_chain = r->chain;
	assert_int_equal(pushsm_marks(&a, r->seq, r->ours), r->marks);
}

/* IDLE --interval/new data (200 ms debounce)/sync/link up--> PUSHING and
 * BACKOFF, OFFLINE, ERROR --next attempt, sync, link up--> PUSHING. */
struct trigger_row {
	const char	*name;
	enum pushsm_trigger trigger;
	enum node_state	state;
	uint64_t	due_ms;
	uint64_t	want_ms;
};

static const struct trigger_row trigger_rows[] = {
	{ "new_data_when_idle_waits_the_debounce", PUSHSM_NEW_DATA, NODE_IDLE, NOW + 60000,
	  NOW + 200 },
	{ "new_data_while_pushing_keeps_an_earlier_attempt", PUSHSM_NEW_DATA, NODE_PUSHING,
	  NOW + 50, NOW + 50 },
	{ "new_data_while_pushing_with_none_planned_waits_the_debounce", PUSHSM_NEW_DATA,
	  NODE_PUSHING, NEVER, NOW + 200 },
	{ "new_data_never_shortens_a_backoff", PUSHSM_NEW_DATA, NODE_BACKOFF, NOW + 30000,
	  NOW + 30000 },
	{ "new_data_never_shortens_an_offline_wait", PUSHSM_NEW_DATA, NODE_OFFLINE, NOW + 30000,
	  NOW + 30000 },
	{ "new_data_never_shortens_an_error_wait", PUSHSM_NEW_DATA, NODE_ERROR, NOW + 300000,
	  NOW + 300000 },
	{ "new_data_does_not_wake_a_paused_node", PUSHSM_NEW_DATA, NODE_PAUSED, NEVER, NEVER },
	{ "new_data_does_not_wake_a_diverged_node", PUSHSM_NEW_DATA, NODE_DIVERGED, NEVER,
	  NEVER },
	{ "sync_shortens_a_backoff_to_now", PUSHSM_SYNC, NODE_BACKOFF, NOW + 30000, NOW },
	{ "sync_when_idle_is_now", PUSHSM_SYNC, NODE_IDLE, NOW + 60000, NOW },
	{ "sync_with_none_planned_is_now", PUSHSM_SYNC, NODE_ERROR, NEVER, NOW },
	{ "link_up_shortens_an_offline_wait_to_now", PUSHSM_LINK_UP, NODE_OFFLINE, NOW + 30000,
	  NOW },
	{ "link_up_keeps_an_attempt_already_due", PUSHSM_LINK_UP, NODE_IDLE, NOW - 5, NOW - 5 },
};

static void
run_trigger_row(void **state)
{
	const struct trigger_row *r = *state;

	assert_int_equal(pushsm_trigger(r->trigger, r->state, r->due_ms, NOW), r->want_ms);
}

/* The push thread runs the attempt planned once its time comes, never while
 * paused or diverged. */
struct due_row {
	const char	*name;
	bool		paused;
	bool		diverged;
	uint64_t	due_ms;
	bool		due;
};

static const struct due_row due_rows[] = {
	{ "backoff_elapsed_runs_the_next_attempt", false, false, NOW - 1, true },
	{ "attempt_due_exactly_now_runs", false, false, NOW, true },
	{ "attempt_in_the_future_waits", false, false, NOW + 1, false },
	{ "none_planned_waits", false, false, NEVER, false },
	{ "paused_never_runs_an_attempt_due", true, false, NOW - 1000, false },
	{ "diverged_never_runs_an_attempt_due", false, true, NOW - 1000, false },
};

static void
run_due_row(void **state)
{
	const struct due_row *r = *state;

	assert_int_equal(pushsm_is_due(r->paused, r->diverged, r->due_ms, NOW), r->due);
}

/* any but DIVERGED --pause--> PAUSED; PAUSED --resume--> IDLE; DIVERGED
 * --resume --force--> IDLE: the flags outrank whatever an attempt found. */
struct state_row {
	const char	*name;
	bool		paused;
	bool		diverged;
	enum node_state	attempt;
	enum node_state	want;
};

static const struct state_row state_rows[] = {
	{ "pause_outranks_a_backoff", true, false, NODE_BACKOFF, NODE_PAUSED },
	{ "pause_outranks_pushing", true, false, NODE_PUSHING, NODE_PAUSED },
	{ "pause_leaves_diverged_as_it_is", true, true, NODE_IDLE, NODE_DIVERGED },
	{ "diverged_outranks_error", false, true, NODE_ERROR, NODE_DIVERGED },
	{ "resumed_takes_the_attempts_state", false, false, NODE_IDLE, NODE_IDLE },
	{ "resumed_takes_offline", false, false, NODE_OFFLINE, NODE_OFFLINE },
};

static void
run_state_row(void **state)
{
	const struct state_row *r = *state;

	assert_int_equal(pushsm_state(r->paused, r->diverged, r->attempt), r->want);
}

#define N(t) (sizeof(t) / sizeof((t)[0]))

/* Adds one test per row of table t, each named by its row. */
#define ADD_ROWS(t, fn)								\
	do {									\
		size_t i_;							\
		for (i_ = 0; i_ < N(t); i_++)					\
			tests[n++] = (struct CMUnitTest){ (t)[i_].name, fn, NULL,	\
				NULL, (void *)(uintptr_t)&(t)[i_] };		\
	} while (0)

int
main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_pushsm_reachable_again_and_clock_skew_are_logged_first),
		cmocka_unit_test(test_pushsm_failure_run_starts_at_the_first_failure),
		cmocka_unit_test(test_pushsm_diverged_reason_keeps_a_long_detail_whole),
	};
	struct CMUnitTest tests[N(plain) + N(step_rows) + N(mark_rows) + N(trigger_rows) +
			       N(due_rows) + N(state_rows)];
	size_t n = 0, i;

	ADD_ROWS(step_rows, run_step_row);
	ADD_ROWS(mark_rows, run_mark_row);
	ADD_ROWS(trigger_rows, run_trigger_row);
	ADD_ROWS(due_rows, run_due_row);
	ADD_ROWS(state_rows, run_state_row);
	for (i = 0; i < N(plain); i++)
		tests[n++] = plain[i];
	return _cmocka_run_group_tests("pushsm", tests, n, NULL, NULL);
}
