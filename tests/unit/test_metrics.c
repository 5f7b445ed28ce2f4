/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include "metrics.h"
#include "version.h"

/* %s: the build's version. */
static const char expected_format[] =
	"# HELP ktphubd_pushes_total Pushes answered, by HTTP status.\n"
	"# TYPE ktphubd_pushes_total counter\n"
	"ktphubd_pushes_total{status=\"200\"} 2\n"
	"ktphubd_pushes_total{status=\"400\"} 0\n"
	"ktphubd_pushes_total{status=\"401\"} 0\n"
	"ktphubd_pushes_total{status=\"403\"} 1\n"
	"ktphubd_pushes_total{status=\"409\"} 0\n"
	"ktphubd_pushes_total{status=\"413\"} 0\n"
	"ktphubd_pushes_total{status=\"500\"} 0\n"
	"ktphubd_pushes_total{status=\"503\"} 0\n"
	"ktphubd_pushes_total{status=\"other\"} 1\n"
	"# HELP ktphubd_push_bytes_total Sealed batch bytes received.\n"
	"# TYPE ktphubd_push_bytes_total counter\n"
	"ktphubd_push_bytes_total 1700\n"
	"# HELP ktphubd_versions_applied_total Versions newly applied.\n"
	"# TYPE ktphubd_versions_applied_total counter\n"
	"ktphubd_versions_applied_total 350\n"
	"# HELP ktphubd_unauthenticated_refusals_total Pushes refused before their "
	"signature verified, by reason; nothing of them is stored.\n"
	"# TYPE ktphubd_unauthenticated_refusals_total counter\n"
	"ktphubd_unauthenticated_refusals_total{reason=\"malformed\"} 0\n"
	"ktphubd_unauthenticated_refusals_total{reason=\"unknown_node\"} 0\n"
	"ktphubd_unauthenticated_refusals_total{reason=\"bad_signature\"} 2\n"
	"ktphubd_unauthenticated_refusals_total{reason=\"replayed\"} 0\n"
	"# HELP ktphubd_heartbeats_total Authenticated heartbeats (pushes of zero versions).\n"
	"# TYPE ktphubd_heartbeats_total counter\n"
	"ktphubd_heartbeats_total 1\n"
	"# HELP ktphubd_future_versions_total Versions stamped more than max_clock_skew "
	"ahead of the hub's clock, applied with the hub's clock.\n"
	"# TYPE ktphubd_future_versions_total counter\n"
	"ktphubd_future_versions_total 7\n"
	"# HELP ktphubd_apply_seconds Time to verify, open and apply one batch.\n"
	"# TYPE ktphubd_apply_seconds histogram\n"
	"ktphubd_apply_seconds_bucket{le=\"0.001000\"} 0\n"
	"ktphubd_apply_seconds_bucket{le=\"0.005000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"0.010000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"0.025000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"0.050000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"0.100000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"0.250000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"0.500000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"1.000000\"} 1\n"
	"ktphubd_apply_seconds_bucket{le=\"5.000000\"} 2\n"
	"ktphubd_apply_seconds_bucket{le=\"+Inf\"} 3\n"
	"ktphubd_apply_seconds_sum 10.005000\n"
	"ktphubd_apply_seconds_count 3\n"
	"# HELP ktphubd_build_info The running ktphubd's version.\n"
	"# TYPE ktphubd_build_info gauge\n"
	"ktphubd_build_info{version=\"%s\"} 1\n"
	"# HELP ktphubd_election_timestamp_seconds Election day (hub.election_date), 00:00 in "
	"the hub's time zone.\n"
	"# TYPE ktphubd_election_timestamp_seconds gauge\n"
	"ktphubd_election_timestamp_seconds 1865696400\n"
	"# HELP ktphubd_node_info The regency of each enrolled node, for alerts to name it "
	"(spaces as '_').\n"
	"# TYPE ktphubd_node_info gauge\n"
	"ktphubd_node_info{node=\"3201\",name=\"Kabupaten_Bogor\"} 1\n"
	"ktphubd_node_info{node=\"3202\",name=\"\"} 1\n"
	"ktphubd_node_info{node=\"3203\",name=\"Kota_Bandung\"} 1\n"
	"# HELP ktphubd_node_acked Highest journal seq applied, per node.\n"
	"# TYPE ktphubd_node_acked gauge\n"
	"ktphubd_node_acked{node=\"3201\"} 300\n"
	"ktphubd_node_acked{node=\"3202\"} 0\n"
	"ktphubd_node_acked{node=\"3203\"} 0\n"
	"# HELP ktphubd_node_pending_versions Versions the node held that the hub had not "
	"applied, at its last contact.\n"
	"# TYPE ktphubd_node_pending_versions gauge\n"
	"ktphubd_node_pending_versions{node=\"3201\"} 5\n"
	"ktphubd_node_pending_versions{node=\"3203\"} 0\n"
	"# HELP ktphubd_node_dpt_unrecorded Voters on the roll without a recorded e-KTP, "
	"per regency with data.\n"
	"# TYPE ktphubd_node_dpt_unrecorded gauge\n"
	"ktphubd_node_dpt_unrecorded{node=\"3201\"} 1200\n"
	"ktphubd_node_dpt_unrecorded{node=\"3203\"} 7\n"
	"# HELP ktphubd_node_projected_completion_timestamp_seconds When the regency would "
	"have recorded every voter on the roll, at the slower of its 30- and 7-day rates.\n"
	"# TYPE ktphubd_node_projected_completion_timestamp_seconds gauge\n"
	"ktphubd_node_projected_completion_timestamp_seconds{node=\"3201\"} 1861920000\n"
	"ktphubd_node_projected_completion_timestamp_seconds{node=\"3203\"} +Inf\n"
	"# HELP ktphubd_node_last_push_timestamp_seconds Unix time of the last applied push, "
	"per node (0 = never).\n"
	"# TYPE ktphubd_node_last_push_timestamp_seconds gauge\n"
	"ktphubd_node_last_push_timestamp_seconds{node=\"3201\"} 1767225600\n"
	"ktphubd_node_last_push_timestamp_seconds{node=\"3202\"} 0\n"
	"ktphubd_node_last_push_timestamp_seconds{node=\"3203\"} 0\n"
	"# HELP ktphubd_node_last_contact_timestamp_seconds Unix time of the last "
	"authenticated push or heartbeat, per node (0 = never).\n"
	"# TYPE ktphubd_node_last_contact_timestamp_seconds gauge\n"
	"ktphubd_node_last_contact_timestamp_seconds{node=\"3201\"} 1767225660\n"
	"ktphubd_node_last_contact_timestamp_seconds{node=\"3202\"} 0\n"
	"ktphubd_node_last_contact_timestamp_seconds{node=\"3203\"} 0\n"
	"# HELP ktphubd_node_last_data_timestamp_seconds Unix time of the last push "
	"that applied versions, per node (0 = never).\n"
	"# TYPE ktphubd_node_last_data_timestamp_seconds gauge\n"
	"ktphubd_node_last_data_timestamp_seconds{node=\"3201\"} 1767225600\n"
	"ktphubd_node_last_data_timestamp_seconds{node=\"3202\"} 0\n"
	"ktphubd_node_last_data_timestamp_seconds{node=\"3203\"} 0\n";

static void
test_metrics_render_gives_exact_prometheus_text(void **state)
{
	const struct metrics_node nodes[] = {
		{ .code = 3201, .name = "Kabupaten Bogor", .acked = 300, .last_push = 1767225600,
		  .last_contact = 1767225660, .last_data = 1767225600, .pending = 5,
		  .dpt_unrecorded = 1200, .projected_completion = 1861920000 },
		{ .code = 3202, .acked = 0, .last_push = 0, .pending = -1, .dpt_unrecorded = -1,
		  .projected_completion = -1 },
		{ .code = 3203, .name = "Kota \"Bandung\\", .pending = 0, .dpt_unrecorded = 7,
		  .projected_completion = METRICS_NEVER },
	};
	/* 2029-02-14 00:00 WIB */
	const struct metrics_hub hub = { .election = 1865696400 };
	struct metrics *m = metrics_new();
	char *text = NULL, *expected_text = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(m);
	metrics_count_push(m, 200, 1000);
	metrics_count_push(m, 200, 500);
	metrics_count_push(m, 403, 200);
	metrics_count_push(m, 418, 0);
	metrics_count_apply(m, 300, 5000);		/* exactly on a bound: counted in it */
	metrics_count_apply(m, 50, 4000000);
	metrics_count_apply(m, 0, 6000000);		/* past the last bound: +Inf only */
	metrics_count_unauth(m, METRICS_UNAUTH_BAD_SIGNATURE);
	metrics_count_unauth(m, METRICS_UNAUTH_BAD_SIGNATURE);
	metrics_count_heartbeat(m);
	metrics_count_future(m, 7);
	assert_int_equal(metrics_render(m, &hub, nodes, 3, &text, &len), 0);
	assert_true(asprintf(&expected_text, expected_format, ktp_version()) > 0);
	assert_string_equal(text, expected_text);
	assert_int_equal(len, strlen(expected_text));
	free(expected_text);
	free(text);
	metrics_free(m);
}

static void
test_metrics_pushes_counts_by_status(void **state)
{
	struct metrics *m = metrics_new();

	(void)state;
	metrics_count_push(m, 409, 10);
	metrics_count_push(m, 409, 10);
	metrics_count_push(m, 599, 10);
	metrics_count_push(m, 598, 10);
	assert_int_equal(metrics_pushes(m, 409), 2);
	assert_int_equal(metrics_pushes(m, 200), 0);
	assert_int_equal(metrics_pushes(m, 599), 2);	/* both unknown ones are "other" */
	metrics_free(m);
}

static void
test_metrics_render_with_no_nodes_has_empty_gauges(void **state)
{
	const struct metrics_hub hub = { .election = 1865696400 };
	struct metrics *m = metrics_new();
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(metrics_render(m, &hub, NULL, 0, &text, &len), 0);
	assert_non_null(strstr(text, "ktphubd_apply_seconds_sum 0.000000\n"));
	assert_null(strstr(text, "node=\""));
	assert_int_equal(strlen(text), len);
	free(text);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_render_gives_exact_prometheus_text),
		cmocka_unit_test(test_metrics_pushes_counts_by_status),
		cmocka_unit_test(test_metrics_render_with_no_nodes_has_empty_gauges),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
