/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "ktime.h"
#include "journal.h"
#include "node.h"
#include "node_status.h"
#include "pusher.h"
#include "version.h"

static json_t *
time_or_null(int64_t t)
{
	return t > 0 ? json_integer(t) : json_null();
}

static void
add_push_fields(const struct node_info *i, json_t *o)
{
	json_object_set_new(o, "state", json_string(node_state_name(i->state)));
	json_object_set_new(o, "paused", json_boolean(i->paused));
	json_object_set_new(o, "last_success", time_or_null(i->last_success));
	json_object_set_new(o, "last_error", i->last_error[0] != '\0' ?
			    json_string(i->last_error) : json_null());
	json_object_set_new(o, "last_error_at", time_or_null(i->last_error_at));
	json_object_set_new(o, "next_attempt", time_or_null(i->next_attempt));
	json_object_set_new(o, "versions_sent", json_integer((json_int_t)i->versions_sent));
	json_object_set_new(o, "bytes_sent", json_integer((json_int_t)i->bytes_sent));
	json_object_set_new(o, "batch_size", json_integer((json_int_t)i->batch_size));
	json_object_set_new(o, "throughput_bps", json_integer((json_int_t)i->throughput_bps));
	json_object_set_new(o, "clock_offset_s", i->has_clock_offset ?
			    json_integer(i->clock_offset_s) : json_null());
	json_object_set_new(o, "clock_warning", i->clock_warned ?
			    json_sprintf("our clock is %" PRId64 " s %s the hub's (more than 1d): "
					 "versions stamped further ahead are applied with the hub's "
					 "clock; check NTP", i->clock_offset_s < 0 ?
					 -i->clock_offset_s : i->clock_offset_s,
					 i->clock_offset_s > 0 ? "ahead of" : "behind") :
			    json_null());
	json_object_set_new(o, "hub", json_string(i->hub_url));
}

/* How far through a catch-up the node is: the versions acked since it began
 * over all pending then or since, and the time left at the recent push rate;
 * null when there is no catch-up. */
static json_t *
catchup_json(const struct node_info *i, const struct journal_head *h)
{
	uint64_t total, done;

	if (!i->catching_up || h->seq <= h->acked || h->seq <= i->catchup_from)
		return json_null();
	total = h->seq - i->catchup_from;
	done = h->acked > i->catchup_from ? h->acked - i->catchup_from : 0;
	return json_pack("{s:I,s:I,s:f,s:o}", "from", (json_int_t)i->catchup_from,
			 "to", (json_int_t)h->seq, "percent",
			 (double)(done * 1000 / total) / 10.0, "eta_s",
			 i->rate_vps >= 1.0 ?
			 json_integer((json_int_t)((double)(h->seq - h->acked) / i->rate_vps + 0.5)) :
			 json_null());
}

static void
add_journal_fields(json_t *o, const struct journal_head *h, uint16_t id, const char *name)
{
	int64_t age = 0;

	if (h->oldest_pending_ms > 0 && (int64_t)(ktime_wall_ms()) > h->oldest_pending_ms)
		age = ((int64_t)ktime_wall_ms() - h->oldest_pending_ms) / 1000;
	json_object_set_new(o, "daemon", json_string("ktpsyncd"));
	json_object_set_new(o, "version", json_string(ktp_version()));
	json_object_set_new(o, "node", json_integer(id));
	json_object_set_new(o, "name", json_string(name != NULL ? name : ""));
	json_object_set_new(o, "journal_seq", json_integer((json_int_t)h->seq));
	json_object_set_new(o, "acked", json_integer((json_int_t)h->acked));
	json_object_set_new(o, "pending", json_integer((json_int_t)(h->seq - h->acked)));
	json_object_set_new(o, "oldest_pending_s", json_integer(h->seq > h->acked ? age : 0));
}

int
node_status_json(struct node *n, json_t **ret, struct ktp_err *err)
{
	struct node_info i;
	struct journal_head h;
	json_t *o;
	int r;

	if ((r = node_head(n, &h, err)) < 0 || (r = node_get_info(n, &i, err)) < 0)
		return r;
	if ((o = json_object()) == NULL) {
		node_info_done(&i);
		return ktp_err_set(err, -ENOMEM, "status: out of memory");
	}
	add_journal_fields(o, &h, i.id, i.name);
	add_push_fields(&i, o);
	json_object_set_new(o, "push_rate_vps", json_integer((json_int_t)(i.rate_vps + 0.5)));
	json_object_set_new(o, "catchup", catchup_json(&i, &h));
	node_info_done(&i);
	*ret = o;
	return 0;
}

/* Every metric with HELP and TYPE, as promtool wants; Unix times end in
 * _timestamp_seconds and label values have no spaces. */
static void
metrics_push(const struct node_info *i, FILE *f)
{
	enum push_outcome o;
	enum node_state s;

	fprintf(f, "# HELP ktpsyncd_pushes_total Push attempts by outcome.\n"
		"# TYPE ktpsyncd_pushes_total counter\n");
	for (o = PUSH_OK; o <= PUSH_CANCELLED; o++)
		fprintf(f, "ktpsyncd_pushes_total{outcome=\"%s\"} %" PRIu64 "\n",
			pusher_outcome_name(o), i->by_outcome[o]);
	fprintf(f, "# HELP ktpsyncd_state Current push state (1 for the current one).\n"
		"# TYPE ktpsyncd_state gauge\n");
	for (s = NODE_IDLE; s <= NODE_ERROR; s++)
		fprintf(f, "ktpsyncd_state{state=\"%s\"} %d\n", node_state_name(s), i->state == s);
	fprintf(f, "# HELP ktpsyncd_versions_sent_total Versions in batches the hub took.\n"
		"# TYPE ktpsyncd_versions_sent_total counter\n"
		"ktpsyncd_versions_sent_total %" PRIu64 "\n"
		"# HELP ktpsyncd_bytes_sent_total Sealed batch bytes sent (heartbeats not counted).\n"
		"# TYPE ktpsyncd_bytes_sent_total counter\n"
		"ktpsyncd_bytes_sent_total %" PRIu64 "\n"
		"# HELP ktpsyncd_batch_size_versions Versions per batch the next push may send.\n"
		"# TYPE ktpsyncd_batch_size_versions gauge\n"
		"ktpsyncd_batch_size_versions %" PRIu32 "\n"
		"# HELP ktpsyncd_last_success_timestamp_seconds Unix time of the last attempt the "
		"hub answered 200 (0 = never).\n"
		"# TYPE ktpsyncd_last_success_timestamp_seconds gauge\n"
		"ktpsyncd_last_success_timestamp_seconds %" PRId64 "\n"
		"# HELP ktpsyncd_readahead_batches_total Batches sealed while the previous one"
		" was on the wire.\n"
		"# TYPE ktpsyncd_readahead_batches_total counter\n"
		"ktpsyncd_readahead_batches_total %" PRIu64 "\n"
		"# HELP ktpsyncd_heartbeats_total Heartbeats sent (nothing pending), answered or not.\n"
		"# TYPE ktpsyncd_heartbeats_total counter\n"
		"ktpsyncd_heartbeats_total %" PRIu64 "\n",
		i->versions_sent, i->bytes_sent, i->batch_size, i->last_success,
		i->readahead_used, i->heartbeats);
}

int
node_metrics_text(struct node *n, char **ret, size_t *ret_len, struct ktp_err *err)
{
	struct node_info i;
	struct journal_head h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((r = node_head(n, &h, err)) < 0 || (r = node_get_info(n, &i, err)) < 0)
		return r;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		node_info_done(&i);
		return ktp_err_set(err, -ENOMEM, "metrics: out of memory");
	}
	fprintf(f, "# HELP ktpsyncd_build_info The running ktpsyncd's version.\n"
		"# TYPE ktpsyncd_build_info gauge\n"
		"ktpsyncd_build_info{version=\"%s\"} 1\n"
		"# HELP ktpsyncd_journal_seq The journal's last seq.\n"
		"# TYPE ktpsyncd_journal_seq gauge\nktpsyncd_journal_seq %" PRIu64 "\n"
		"# HELP ktpsyncd_acked_seq The last seq the hub applied, as last learned.\n"
		"# TYPE ktpsyncd_acked_seq gauge\nktpsyncd_acked_seq %" PRIu64 "\n"
		"# HELP ktpsyncd_pending_versions Versions the hub has not applied yet.\n"
		"# TYPE ktpsyncd_pending_versions gauge\nktpsyncd_pending_versions %" PRIu64 "\n",
		ktp_version(), h.seq, h.acked, h.seq - h.acked);
	metrics_push(&i, f);
	node_info_done(&i);
	if (fclose(f) != 0) {
		free(buf);
		return ktp_err_set(err, -ENOMEM, "metrics: out of memory");
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}
