#!/usr/bin/env bash
# A node restored from an old backup of its state_dir writes a different history than the one
# the hub applied: it goes DIVERGED, stays so across a restart, pushes nothing, refuses sync
# and a plain resume; `resume --force` retries and finds the same divergence again.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_node
residents "$TEST_DIR/res.csv" 400
head -n 201 "$TEST_DIR/res.csv" > "$TEST_DIR/a.csv"
nctl_ok import "$TEST_DIR/a.csv" >/dev/null
nctl_ok sync >/dev/null

info "back up the state at seq 200, then go on to 400"
stop_node
cp -a "$NODE_STATE" "$TEST_DIR/backup"
start_node
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
nctl_ok sync >/dev/null
expect_eq "hub acked" "$(hub_node_acked)" 400

info "restore the backup and write other versions"
stop_node
rm -rf "$NODE_STATE"
cp -a "$TEST_DIR/backup" "$NODE_STATE"
start_node
# Its first contact, a heartbeat at head 200, meets the hub's acked 400.
wait_for 15 node_state_is diverged || fail "not diverged at first contact: $(nctl --json status)"
node_field last_error | grep -q "hub acked seq 400 beyond our head 200" ||
	fail "last_error: $(node_field last_error)"
nctl_ok pause >/dev/null
for suffix in Baru Lagi; do
	awk -F, -v OFS=, -v s=" $suffix" 'NR > 1 { $2 = $2 s } { print }' "$TEST_DIR/a.csv" \
		> "$TEST_DIR/$suffix.csv"
	nctl_ok import "$TEST_DIR/$suffix.csv" >/dev/null
done
[ "$(node_field journal_seq)" -gt 400 ] || fail "need a head past the hub's acked"
wait_for 15 node_state_is diverged || fail "not diverged: $(nctl --json status)"
node_field last_error | grep -q "diverged" || fail "last_error: $(node_field last_error)"
expect_eq "next_attempt while diverged" "$(node_field next_attempt)" null
expect_eq "hub acked unchanged" "$(hub_node_acked)" 400
expect_eq "hub versions unchanged" "$(hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE")" 400

out=$(nctl sync 2>&1) && fail "sync succeeded while diverged"
printf '%s\n' "$out" | grep -q "sync: diverged: " || fail "sync text: $out"
out=$(nctl resume 2>&1) && fail "plain resume left diverged"
printf '%s\n' "$out" | grep -q "resume --force" || fail "resume text: $out"

info "diverged survives a restart"
stop_node
start_node
expect_eq "state after restart" "$(node_field state)" diverged

info "resume --force retries and meets the same divergence"
nctl_ok resume --force >/dev/null
wait_for 15 node_state_is diverged || fail "not diverged again: $(nctl --json status)"
expect_eq "hub acked still" "$(hub_node_acked)" 400
stop_node
pass
