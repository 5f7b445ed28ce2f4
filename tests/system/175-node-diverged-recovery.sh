#!/usr/bin/env bash
# The DIVERGED recovery of README.md, step by step: a node restored from an old backup goes
# DIVERGED; the operator re-imports what the backup lost, resets the node's cursor at the hub
# (`ktpctl reset-node CODE --yes`) and runs `ktpctl resume --force` at the node. The node
# sends its whole journal again, pending drops to 0, the hub's report equals the node's and
# every one of the node's versions is applied exactly once after the reset.
. "$(dirname "$0")/test.common"

# Every counter and derived field of each kecamatan (PROTOCOL.md 8.4), as in test 150.
kec() {
	jq -c 'def ymd: if type == "number" then (if . == 0 then null else
			(tostring | "\(.[0:4])-\(.[4:6])-\(.[6:8])") end) else . end;
		[.. | objects | select(has("code") and has("persons") and ((.code|tostring|length) == 6))
		| {code: (.code|tostring), persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded,
		   recorded_30d, rate_per_day, projected_completion: (.projected_completion | ymd),
		   on_track}]
		| sort_by(.code)'
}
hub_versions() { hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE"; }

enroll "$NODE_CODE"
start_hub
start_node
residents "$TEST_DIR/res.csv" 400
head -n 201 "$TEST_DIR/res.csv" > "$TEST_DIR/a.csv"
{ head -n 1 "$TEST_DIR/res.csv"; tail -n +202 "$TEST_DIR/res.csv"; } > "$TEST_DIR/b.csv"
nctl_ok import "$TEST_DIR/a.csv" >/dev/null
nctl_ok sync >/dev/null

info "back up the state at seq 200, then go on to 400"
stop_node
cp -a "$NODE_STATE" "$TEST_DIR/backup"
start_node
nctl_ok import "$TEST_DIR/b.csv" >/dev/null
nctl_ok sync >/dev/null
expect_eq "hub acked" "$(hub_node_acked)" 400
expect_eq "hub versions" "$(hub_versions)" 400

info "restore the backup and write other versions: DIVERGED"
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
expect_eq "journal seq after restore" "$(node_field journal_seq)" 600
wait_for 15 node_state_is diverged || fail "not diverged: $(nctl --json status)"
expect_eq "hub acked while diverged" "$(hub_node_acked)" 400

info "step 1: re-import at the node what the backup lost"
nctl_ok import "$TEST_DIR/b.csv" >/dev/null
expect_eq "journal seq after re-import" "$(node_field journal_seq)" 800
expect_eq "still diverged" "$(node_field state)" diverged

info "step 2: reset-node refuses without --yes and says what it would do"
out=$(ctl reset-node "$NODE_CODE" 2>&1)
expect_eq "reset-node without --yes exit" "$?" 2
expect_eq "reset-node without --yes text" "$out" \
	"ktpctl: reset-node sets the hub's cursor for node '$NODE_CODE' to acked 0 with a zero chain; after 'ktpctl resume --force' at the node, the node sends its whole journal again (person rows stay, the newest version of each wins). Run 'ktpctl reset-node $NODE_CODE --yes' to do it."
expect_eq "hub acked after a refused reset" "$(hub_node_acked)" 400
out=$(ctl reset-node 3299 --yes 2>&1)
expect_eq "reset-node of a node that never pushed exit" "$?" 1
expect_eq "reset-node of a node that never pushed" "$out" \
	"ktpctl: reset-node: node 3299 has no cursor at this hub (it never contacted it)"
out=$(ctl reset-node 12 --yes 2>&1)
expect_eq "reset-node of a bad code exit" "$?" 1
expect_eq "reset-node of a bad code" "$out" "ktpctl: reset-node: regency: '12' is not a 4-digit code"

info "step 2: reset the node's cursor at the hub"
persons_before=$(hub_sql "SELECT count(*) FROM persons")
out=$(ctl_ok reset-node "$NODE_CODE" --yes)
expect_eq "reset-node output" "$out" \
	"reset-node: node $NODE_CODE: acked 400 -> 0; now run 'ktpctl resume --force' at the node"
expect_eq "hub acked after reset" "$(hub_node_acked)" 0
expect_eq "hub chain after reset" "$(hub_sql "SELECT hex(chain) FROM nodes WHERE code = $NODE_CODE")" \
	"$(printf '0%.0s' $(seq 64))"
expect_eq "person rows kept" "$(hub_sql "SELECT count(*) FROM persons")" "$persons_before"
grep -q "reset-node: node $NODE_CODE: cursor reset by an operator from acked 400 to 0" "$HUB_LOG" ||
	fail "hub log lacks the reset"
out=$(ctl --json reset-node "$NODE_CODE" --yes)
expect_eq "reset-node JSON" "$(json '[.status, .node, .old_acked, .acked] | join(" ")' "$out")" \
	"0 $NODE_CODE 0 0"

info "step 3: resume --force at the node: it resyncs"
nctl_ok resume --force >/dev/null
wait_for 30 node_pending_is 0 || fail "pending not 0: $(nctl --json status)"
wait_for 15 node_state_is idle || fail "not idle: $(nctl --json status)"
expect_eq "hub acked after resync" "$(hub_node_acked)" 800
expect_eq "node acked after resync" "$(node_field acked)" 800
# Each of the node's 800 versions applied once after the reset, none twice.
expect_eq "hub versions after resync" "$(hub_versions)" $((400 + 800))
expect_eq "node versions_sent since the restart" "$(node_field versions_sent)" 800
expect_eq "hub persons" "$(hub_sql "SELECT count(*) FROM persons")" 400
expect_eq "newest names won" "$(hub_sql "SELECT count(*) FROM persons WHERE name LIKE '% Lagi'")" 200
expect_eq "no conflicts" "$(hub_sql "SELECT count(*) FROM conflicts")" 0

info "the hub's report equals the node's"
node_rep=$(nctl --json report | kec)
http_get "/v1/report?regency=$NODE_CODE"
expect_eq "per-kecamatan report" "$(printf '%s' "$HTTP_BODY" | kec)" "$node_rep"
expect_eq "province persons" "$(json .province.persons)" 400

info "new data flows as usual"
awk -F, -v OFS=, 'NR == 1 || NR == 2 { if (NR > 1) $2 = $2 " Akhir"; print }' \
	"$TEST_DIR/a.csv" > "$TEST_DIR/c.csv"
nctl_ok import "$TEST_DIR/c.csv" >/dev/null
expect_eq "sync after recovery" "$(nctl_ok sync)" "sync: hub acked seq 801"
stop_node
pass
