#!/usr/bin/env bash
# The hub is down for 30 s while the node keeps importing: the node backs off (state offline,
# last error set), and once the hub is back the backlog drains with no manual step; every
# version is applied exactly once.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_node

residents "$TEST_DIR/res.csv" 4000
head -n 1001 "$TEST_DIR/res.csv" > "$TEST_DIR/first.csv"
nctl_ok import "$TEST_DIR/first.csv" >/dev/null
nctl_ok sync >/dev/null
expect_eq "acked before the outage" "$(hub_node_acked)" 1000

info "hub down for 30 s"
stop_hub
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
expect_eq "journal_seq" "$(node_field journal_seq)" 4000
wait_for 10 node_state_is offline || fail "state not offline: $(nctl --json status)"
nctl sync >/dev/null 2>&1 && fail "sync succeeded with the hub down"
start=$SECONDS
while [ $((SECONDS - start)) -lt 30 ]; do
	node_is_up || fail "node stopped answering during the outage"
	sleep 2
done
expect_eq "pending during the outage" "$(node_field pending)" 3000
[ "$(node_field last_error)" != null ] || fail "no last_error during the outage"
[ "$(node_field next_attempt)" != null ] || fail "no next_attempt during the outage"
nxt=$(( $(node_field next_attempt) - $(date +%s) ))
[ "$nxt" -le 5 ] || fail "next attempt $nxt s away, backoff_max is 4 s"

info "hub back: the backlog drains by itself"
start_hub
wait_for 20 node_pending_is 0 || fail "backlog did not drain: $(nctl --json status)"
wait_for 10 node_state_is idle || fail "state: got '$(node_field state)', want 'idle'"
expect_eq "hub acked" "$(hub_node_acked)" 4000
expect_eq "hub versions applied" "$(hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE")" 4000
expect_eq "hub persons" "$(hub_sql "SELECT count(*) FROM persons")" \
	"$(node_sql "SELECT count(*) FROM persons")"
stop_node
pass
