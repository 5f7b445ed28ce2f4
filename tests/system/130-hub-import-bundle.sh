#!/usr/bin/env bash
# Offline bundles through ktpctl import-bundle take exactly the HTTP path:
# applied once, replays harmless, refusals per batch, a broken bundle says
# where; SIGHUP enrolls a new node without a restart.
. "$(dirname "$0")/test.common"

[ -x "$KTPCTL" ] || fail "$KTPCTL missing"
enroll 3201 3204
start_hub

info "bundle of node 3201, 1..500 in 5 batches"
mkbatch_for 3201 -f 1 -l 500 -p 300 -b 100 --bundle -o "$TEST_DIR/b3201" || fail "mkbatch"
out=$(ctl import-bundle "$TEST_DIR/b3201" 2>&1) || fail "import-bundle: exit $?: $out"
expect_eq "import summary" "$(tail -n 1 <<< "$out")" \
	"import-bundle: b3201: 5 batches, 5 accepted, 0 refused, 500 versions applied"
expect_eq "acked after import" "$(node_acked 3201)" 500
expect_eq "totals after import" "$(report_totals)" "$(expected_totals 3201 500 -p 300)"

info "the same bundle again: accepted, nothing applied"
j=$(ctl --json import-bundle "$TEST_DIR/b3201") || fail "second import: exit $?"
expect_eq "replay: accepted" "$(json .accepted "$j")" 5
expect_eq "replay: applied" "$(json .applied "$j")" 0
expect_eq "replay: outcome acked" "$(json '.outcomes[4].acked' "$j")" 500
expect_eq "replay: status" "$(json .status "$j")" 0
http_get /v1/nodes
expect_eq "versions after replay" "$(json '.[] | select(.code=="3201") | .versions')" 500

info "HTTP continues where the bundle left off"
mkbatch_for 3201 -f 401 -l 600 -p 300 -o "$TEST_DIR/h401" || fail "mkbatch"
push_expect "$TEST_DIR/h401" 200
expect_eq "acked after HTTP" "$(json .acked)" 600
expect_eq "totals after HTTP" "$(report_totals)" "$(expected_totals 3201 600 -p 300)"

info "a bundle with forged batches: every batch refused, exit 1"
before=$(report_totals)
mkbatch_for 3204 -f 1 -l 100 -b 50 --bundle --sign-with "$KEY_DIR/3201.key" \
	-o "$TEST_DIR/forged" || fail "mkbatch"
out=$(ctl import-bundle "$TEST_DIR/forged" 2>&1) && fail "forged bundle: exit 0: $out"
grep -q "import-bundle: batch 1..50 of node 3204: 403 " <<< "$out" || fail "no per-batch 403: $out"
grep -q "2 of 2 batches refused" <<< "$out" || fail "no refusal total: $out"
expect_eq "forged: totals unchanged" "$(report_totals)" "$before"
expect_eq "forged: 3204 acked" "$(node_acked 3204)" 0

info "a truncated bundle: the whole batches before the cut are applied"
mkbatch_for 3204 -f 1 -l 100 -b 25 --bundle -o "$TEST_DIR/b3204" || fail "mkbatch"
size=$(stat -c %s "$TEST_DIR/b3204")
head -c $((size - 10)) "$TEST_DIR/b3204" > "$TEST_DIR/cut"
out=$(ctl import-bundle "$TEST_DIR/cut" 2>&1) && fail "truncated bundle: exit 0: $out"
grep -q "import-bundle: bundle: offset [0-9]*: batch of [0-9]* bytes is truncated (3 batches before it)" <<< "$out" ||
	fail "truncation not reported: $out"
expect_eq "truncated: acked" "$(node_acked 3204)" 75

info "not a bundle at all"
head -c 1000 /dev/urandom > "$TEST_DIR/noise"
out=$(ctl import-bundle "$TEST_DIR/noise" 2>&1) && fail "noise: exit 0"
grep -q "import-bundle: bundle: not a ktpsync bundle (bad magic)" <<< "$out" || fail "noise: $out"
out=$(ctl import-bundle "$TEST_DIR/does-not-exist" 2>&1) && fail "missing file: exit 0"

info "ktpctl nodes and status read the same state"
out=$(ctl_ok nodes)
grep -Eq '^3201 +Kabupaten 3201 +ok +[0-9]+s ago +[0-9]+s ago +600 ' <<< "$out" || fail "ktpctl nodes: $out"
j=$(ctl --json nodes) || fail "ktpctl --json nodes"
expect_eq "nodes --json acked of 3204" "$(json '.nodes[] | select(.code=="3204") | .acked' "$j")" 75
ctl_ok status | grep -q '^daemon: *ktphubd' || fail "ktpctl status: $(ctl status)"

info "SIGHUP enrolls node 3273"
mkbatch_for 3273 -f 1 -l 20 -o "$TEST_DIR/b3273" || fail "mkbatch"
push_expect "$TEST_DIR/b3273" 401
enroll 3273
write_hub_conf
kill -HUP "$HUB_PID"
wait_for 10 grep -q "reload: 3 nodes enrolled" "$HUB_LOG" || fail "no reload logged"
push_expect "$TEST_DIR/b3273" 200
expect_eq "3273 acked" "$(json .acked)" 20

info "SIGHUP with a broken config keeps the old list"
echo "oops = 1" >> "$HUB_CONF"
kill -HUP "$HUB_PID"
wait_for 10 grep -q "old settings kept" "$HUB_LOG" || fail "broken reload not reported"
mkbatch_for 3273 -f 21 -l 30 -o "$TEST_DIR/b3273b" || fail "mkbatch"
push_expect "$TEST_DIR/b3273b" 200
stop_hub
pass
