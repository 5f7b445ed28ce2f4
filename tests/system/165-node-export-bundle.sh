#!/usr/bin/env bash
# Offline bundle: ktpctl export at the node, ktpctl import-bundle at the hub, and at its
# next contact the node's pending drops to 0 without sending the data again (one version
# probes where the hub stands).
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
NODE_PUSH=("batch_max_versions = 1000")
start_hub
start_node
nctl_ok pause >/dev/null

residents "$TEST_DIR/res.csv" 2500
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
expect_eq "pending before export" "$(node_field pending)" 2500

info "export while the link is down"
out=$(nctl_ok export "$TEST_DIR/usb.bundle")
expect_eq "export output" "$out" "export: $TEST_DIR/usb.bundle: seq 1..2500, 2500 versions in 3 batches"
[ "$(head -c 8 "$TEST_DIR/usb.bundle")" = KTPBUNDL ] || fail "bundle magic"
expect_eq "bundle mode" "$(stat -c %a "$TEST_DIR/usb.bundle")" 600
ls "$TEST_DIR"/usb.bundle.tmp.* >/dev/null 2>&1 && fail "temporary file left behind"
expect_eq "still pending after export" "$(node_field pending)" 2500

info "the hub applies the bundle"
ctl_ok import-bundle "$TEST_DIR/usb.bundle" >/dev/null
expect_eq "hub acked after bundle" "$(hub_node_acked)" 2500
hub_bytes=$(hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE")
expect_eq "hub versions after bundle" "$hub_bytes" 2500

info "the node learns it at the next contact"
nctl_ok resume >/dev/null
wait_for 15 node_pending_is 0 || fail "pending did not drop: $(nctl --json status)"
expect_eq "node acked" "$(node_field acked)" 2500
sent=$(node_field versions_sent)
[ "$sent" -le 1 ] || fail "node sent $sent versions again after the bundle"
expect_eq "hub versions applied" "$(hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE")" 2500

info "an export with nothing pending is an empty bundle"
out=$(nctl_ok export "$TEST_DIR/empty.bundle")
expect_eq "empty bundle size" "$(stat -c %s "$TEST_DIR/empty.bundle")" 8
expect_eq "empty export output" "$out" "export: $TEST_DIR/empty.bundle: nothing pending, an empty bundle"

info "a failed export leaves no file"
nctl export "$TEST_DIR/no/such/dir/x.bundle" >/dev/null 2>&1 && fail "export into a missing dir"
stop_node
pass
