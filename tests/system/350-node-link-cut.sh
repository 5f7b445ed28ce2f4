#!/usr/bin/env bash
# The link to the hub is cut by faultproxy in the middle of batches: mid-request, after the
# hub applied but before the answer arrived, and at random moments of a throttled transfer.
# Nothing is lost and nothing is applied twice.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_proxy "$HUB_PORT"
NODE_HUB_PORT=$PROXY_PORT
NODE_PUSH=("batch_max_versions = 400")
start_node
residents "$TEST_DIR/res.csv" 6000
split -l 2000 <(tail -n +2 "$TEST_DIR/res.csv") "$TEST_DIR/part."
for p in "$TEST_DIR"/part.*; do
	{ head -n 1 "$TEST_DIR/res.csv"; cat "$p"; } > "$p.csv"
done
parts=("$TEST_DIR"/part.*.csv)

applied() { hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE"; }

info "cut every request after 2000 bytes"
nctl_ok pause >/dev/null
nctl_ok import "${parts[0]}" >/dev/null
proxy "cutreq 2000" >/dev/null
nctl_ok resume >/dev/null
wait_for 15 node_state_is offline || fail "state not offline: $(nctl --json status)"
expect_eq "nothing applied while requests are cut" "$(hub_node_acked)" 0
proxy pass >/dev/null
wait_for 30 node_pending_is 0 || fail "did not drain after pass: $(nctl --json status)"
expect_eq "applied after pass" "$(applied)" 2000

info "cut every answer: the hub applied, the node did not hear it"
proxy "cutresp 1" >/dev/null
nctl_ok import "${parts[1]}" >/dev/null
hub_has_2400() { [ "$(hub_node_acked)" -ge 2400 ]; }
wait_for 20 hub_has_2400 || fail "hub did not apply behind the cut answers"
sleep 3
[ "$(node_field pending)" -gt 0 ] || fail "node saw an answer through cutresp"
proxy pass >/dev/null
wait_for 30 node_pending_is 0 || fail "did not drain after pass: $(nctl --json status)"
expect_eq "applied once" "$(applied)" 4000

info "throttled link, cut at random moments"
proxy "throttle 20000" >/dev/null
nctl_ok import "${parts[2]}" >/dev/null
for ((i = 0; i < 8; i++)); do
	sleep "0.$((RANDOM % 9 + 1))"
	proxy cut >/dev/null
done
proxy pass >/dev/null
wait_for 40 node_pending_is 0 || fail "did not drain: $(nctl --json status)"

expect_eq "hub acked" "$(hub_node_acked)" 6000
expect_eq "versions applied exactly once" "$(applied)" 6000
expect_eq "hub persons" "$(hub_sql "SELECT count(*) FROM persons")" 6000
expect_eq "journal_seq" "$(node_field journal_seq)" 6000

info "SIGTERM ends a push stuck on a silent hub within 5 s"
proxy blackhole >/dev/null
head -n 11 "${parts[0]}" | sed 's/,unrecorded,/,recorded,/; s/,issued,/,printed,/' > "$TEST_DIR/more.csv"
nctl_ok import "$TEST_DIR/more.csv" >/dev/null
sleep 1
expect_eq "state with a silent hub" "$(node_field state)" pushing
t0=$(date +%s%N)
stop_node
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
info "stopped in $ms ms"
[ "$ms" -le 5000 ] || fail "SIGTERM took $ms ms"
pass
