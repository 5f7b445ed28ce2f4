#!/usr/bin/env bash
# ktpsyncd basics: -n check mode, a second daemon on the same state_dir is refused, status,
# socket mode 0660, pause survives a restart, SIGTERM exits 0.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
write_hub_conf
write_node_conf

info "check mode"
out=$("$KTPSYNCD" -n -f "$NODE_CONF" 2>&1) || fail "-n on a good config: $out"
expect_eq "last line of -n" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
printf '[node]\nid = 3201\nintervl = 3\n' > "$TEST_DIR/bad.conf"
out=$("$KTPSYNCD" -n -f "$TEST_DIR/bad.conf" 2>&1) && fail "-n accepted a bad config"
printf '%s\n' "$out" | grep -q "^conf: $TEST_DIR/bad.conf:3: " || fail "no FILE:LINE error: $out"

start_hub
start_node
expect_eq "socket mode" "$(stat -c %a "$NODE_SOCK")" 660
expect_eq "state" "$(node_field state)" idle
expect_eq "node" "$(node_field node)" "$NODE_CODE"

info "a second daemon on the same state_dir is refused"
sed "s|^control_socket = .*|control_socket = $TEST_DIR/other.sock|" "$NODE_CONF" > "$TEST_DIR/second.conf"
if timeout 10 "$KTPSYNCD" -f "$TEST_DIR/second.conf" > "$TEST_DIR/second.log" 2>&1; then
	fail "second ktpsyncd started"
fi
grep -q "held by another process" "$TEST_DIR/second.log" || fail "second: $(cat "$TEST_DIR/second.log")"

info "pause survives a restart"
nctl_ok pause >/dev/null
expect_eq "state after pause" "$(node_field state)" paused
residents "$TEST_DIR/res.csv" 20
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
sleep 3
expect_eq "nothing pushed while paused" "$(hub_node_acked)" 0
stop_node
start_node
expect_eq "state after restart" "$(node_field state)" paused
expect_eq "paused flag" "$(node_field paused)" true
nctl sync >/dev/null 2>&1 && fail "sync succeeded while paused"
nctl_ok resume >/dev/null
wait_for 15 node_pending_is 0 || fail "not pushed after resume: $(nctl --json status)"
expect_eq "hub acked" "$(hub_node_acked)" 20

info "SIGHUP reloads"
NODE_PUSH=("interval = 1s")
write_node_conf
kill -HUP "$NODE_PID"
wait_for 10 grep -q "reloaded" "$NODE_LOG" || fail "no reload logged"
node_is_up || fail "not answering after SIGHUP"

stop_node
pass
