#!/usr/bin/env bash
# A network interface coming up (netlink) ends a long backoff at once: with backoff_min 60 s
# the node pushes within seconds of an address being added. Needs root for `ip addr`.
. "$(dirname "$0")/test.common"

[ "$(id -u)" = 0 ] || skip "needs root to add an address"
ADDR=127.77.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))/32
ip addr add "$ADDR" dev lo 2>/dev/null || skip "cannot add an address to lo here"
ip addr del "$ADDR" dev lo
remove_addr() { ip addr del "$ADDR" dev lo 2>/dev/null; }
on_exit remove_addr

enroll "$NODE_CODE"
write_hub_conf
NODE_PUSH=("interval = 10m" "backoff_min = 60s" "backoff_max = 2m")
start_node

residents "$TEST_DIR/res.csv" 100
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
wait_for 10 node_state_is offline || fail "not offline: $(nctl --json status)"
wait_s=$(( $(node_field next_attempt) - $(date +%s) ))
[ "$wait_s" -ge 50 ] || fail "next attempt in $wait_s s, want a long backoff"

start_hub
sleep 1
expect_eq "still pending before the link event" "$(node_field pending)" 100
info "an address comes up"
ip addr add "$ADDR" dev lo || fail "ip addr add"
wait_for 5 node_pending_is 0 || fail "no push within 5 s of the link event: $(nctl --json status)"
expect_eq "hub acked" "$(hub_node_acked)" 100
stop_node
pass
