# Sources each unit test binary links (beyond its own test_<module>.c).
# A test that #includes its module's .c to reach statics must not list it here.

test_err_DEPS := protocol/err.c
test_metrics_DEPS := daemon/hub/metrics.c daemon/common/version.c
test_backoff_DEPS := daemon/node/backoff.c
test_enroll_DEPS := daemon/hub/enroll.c protocol/err.c
test_db_DEPS := daemon/common/db.c protocol/err.c daemon/common/fileio.c
test_fileio_DEPS := daemon/common/fileio.c protocol/err.c
test_precheck_DEPS := daemon/common/precheck.c daemon/common/db.c protocol/err.c daemon/common/fileio.c
test_area_DEPS := daemon/common/area.c daemon/common/fileio.c protocol/err.c
test_tzone_DEPS := daemon/common/tzone.c protocol/err.c
test_csvout_DEPS := protocol/csvout.c
test_sysd_DEPS := daemon/common/sysd.c protocol/err.c
test_answer_DEPS := protocol/answer.c protocol/chain.c protocol/err.c
test_pusher_DEPS := daemon/node/pusher.c protocol/answer.c protocol/chain.c protocol/err.c
test_varint_DEPS := protocol/varint.c
test_nik_DEPS := protocol/nik.c protocol/err.c
test_record_DEPS := protocol/record.c protocol/varint.c protocol/nik.c protocol/err.c protocol/hlc.c tests/synth/synth.c protocol/calendar.c daemon/common/area.c daemon/common/fileio.c
test_hlc_DEPS := protocol/hlc.c
test_chain_DEPS := protocol/chain.c protocol/err.c protocol/record.c protocol/calendar.c protocol/varint.c protocol/nik.c
test_netwatch_DEPS := daemon/node/netwatch.c protocol/err.c
test_seal_DEPS := protocol/seal.c protocol/err.c
test_batch_DEPS := protocol/seal.c protocol/varint.c protocol/keytext.c protocol/err.c
test_keytext_DEPS := protocol/keytext.c protocol/err.c
test_keys_DEPS := daemon/common/keys.c daemon/common/fileio.c protocol/keytext.c protocol/err.c
test_http_DEPS := daemon/hub/http.c daemon/common/ktime.c protocol/answer.c protocol/chain.c daemon/hub/dashboard.c protocol/nik.c protocol/err.c daemon/common/log.c
test_ctlmsg_DEPS := protocol/ctlmsg.c protocol/err.c
test_output_DEPS := daemon/ctl/output.c
test_ctlsock_DEPS := daemon/common/ctlsock.c daemon/common/ctlio.c daemon/ctl/ctlclient.c \
	protocol/ctlmsg.c protocol/err.c daemon/common/log.c
HUBCORE_TEST_DEPS := protocol/progress.c protocol/csvout.c daemon/common/area.c daemon/common/fileio.c daemon/hub/store.c daemon/hub/nikdir.c daemon/hub/apply.c daemon/hub/aggregate.c \
	daemon/hub/report.c daemon/common/db.c protocol/err.c protocol/record.c protocol/calendar.c protocol/varint.c \
	protocol/nik.c protocol/chain.c protocol/hlc.c protocol/batch.c protocol/seal.c
test_apply_DEPS := $(HUBCORE_TEST_DEPS)
test_dashboard_DEPS := daemon/hub/dashboard.c daemon/hub/nodelist.c daemon/hub/enroll.c $(HUBCORE_TEST_DEPS)
test_nodelist_DEPS := daemon/hub/nodelist.c daemon/hub/enroll.c $(HUBCORE_TEST_DEPS)
test_store_DEPS := $(HUBCORE_TEST_DEPS) daemon/hub/nodelist.c daemon/hub/enroll.c
test_aggregate_DEPS := $(HUBCORE_TEST_DEPS)
test_report_DEPS := $(HUBCORE_TEST_DEPS)
test_journal_DEPS := daemon/node/journal.c protocol/progress.c daemon/common/db.c daemon/common/fileio.c protocol/record.c protocol/calendar.c protocol/varint.c \
	protocol/nik.c protocol/hlc.c protocol/chain.c protocol/batch.c protocol/seal.c \
	protocol/keytext.c protocol/err.c
test_nodereport_DEPS := daemon/node/nodereport.c $(test_journal_DEPS)
test_ingest_DEPS := daemon/node/ingest.c daemon/common/area.c daemon/common/fileio.c $(test_journal_DEPS)
test_conf_DEPS := conf/conf.c daemon/common/fileio.c protocol/nik.c protocol/err.c
test_conf_node_DEPS := conf/conf_node.c conf/conf.c daemon/common/fileio.c protocol/nik.c protocol/err.c
test_conf_hub_DEPS := conf/conf_hub.c conf/conf.c daemon/common/fileio.c protocol/nik.c protocol/err.c
test_synth_DEPS := tests/synth/synth.c protocol/calendar.c protocol/record.c protocol/varint.c protocol/nik.c protocol/err.c protocol/hlc.c daemon/common/area.c daemon/common/fileio.c
test_node_DEPS := daemon/node/node.c daemon/node/node_status.c daemon/node/node_export.c daemon/node/nodereport.c daemon/node/pusher.c daemon/node/backoff.c daemon/node/netwatch.c daemon/node/journal.c daemon/node/ingest.c $(PROTO_SRCS) conf/conf.c conf/conf_node.c daemon/common/ctlsock.c daemon/common/ctlio.c daemon/common/ktime.c daemon/common/fileio.c daemon/common/keys.c daemon/common/log.c daemon/common/sysd.c daemon/common/db.c daemon/common/area.c daemon/common/tzone.c
test_hub_DEPS := daemon/hub/hub.c daemon/common/ktime.c daemon/hub/nodelist.c protocol/answer.c daemon/hub/nikdir.c daemon/hub/dashboard.c daemon/hub/enroll.c daemon/hub/metrics.c daemon/common/version.c daemon/hub/http.c daemon/hub/ctl_hub.c daemon/hub/store.c daemon/hub/apply.c daemon/hub/aggregate.c daemon/hub/report.c daemon/common/ctlsock.c daemon/common/ctlio.c daemon/common/db.c daemon/common/fileio.c daemon/common/keys.c daemon/common/log.c protocol/ctlmsg.c protocol/batch.c protocol/seal.c protocol/keytext.c protocol/record.c protocol/calendar.c protocol/nik.c protocol/varint.c protocol/chain.c protocol/hlc.c protocol/err.c conf/conf.c conf/conf_hub.c daemon/common/area.c daemon/common/tzone.c protocol/progress.c protocol/csvout.c
test_calendar_DEPS := protocol/calendar.c
test_progress_DEPS := protocol/progress.c protocol/calendar.c
test_nikdir_DEPS := daemon/hub/nikdir.c
test_pushsm_DEPS := daemon/node/pushsm.c daemon/node/pusher.c protocol/answer.c daemon/node/backoff.c protocol/chain.c protocol/err.c
test_node_DEPS += daemon/node/pushsm.c daemon/common/ktime.c daemon/common/version.c
