#!/usr/bin/env bash
# A version stamped further ahead of the hub's clock than max_clock_skew (a
# node key's 2^63, a clock that jumped ahead) is applied, but takes part in
# last-writer-wins with the hub's clock at apply, so a later write by another
# regency corrects it. The hub counts such versions, logs them and keeps them
# as the node's last_error by seq range (never a NIK); stored HLCs are shown
# unsigned.
. "$(dirname "$0")/test.common"

enroll 3201 3202 3204 3273
HUB_EXTRA=("max_clock_skew = 1h")
start_hub

now_ms=$(( $(date +%s) * 1000 ))
metric() { http_get /metrics; awk -v k="$1" '$1 == k { print $2 }' <<< "$HTTP_BODY"; }
node_row() { http_get /v1/nodes; json ".[] | select(.code == \"$1\") | .$2"; }

info "3201 writes 10 persons stamped 2^63 (seq 1 at 2^47 ms)"
mkbatch_for 3201 -f 1 -l 10 --hlc-base $(( (1 << 47) - 1 )) -o "$TEST_DIR/a" || fail "mkbatch"
push_expect "$TEST_DIR/a" 200
expect_eq "acked" "$(json .acked)" 10
json .warning | grep -q '^batch 1..10: seq 1..10: 10 versions stamped more than 1h ahead' ||
	fail "no warning in the answer: $HTTP_BODY"
expect_eq "future versions" "$(metric ktphubd_future_versions_total)" 10
expect_eq "3201 last_error" "$(node_row 3201 last_error)" \
	"batch 1..10: seq 1..10: 10 versions stamped more than 1h ahead of the hub's clock, applied with the hub's clock (is the node's clock right?)"
grep -q 'push: node 3201: batch 1..10: seq 1..10: 10 versions stamped more than 1h ahead' \
	"$HUB_LOG" || fail "not in the hub's log"
grep -Eq '[0-9]{16}' "$HUB_LOG" && fail "a NIK-like number in the hub's log"
expect_eq "stored stamps within the bound" \
	"$(hub_sql "SELECT count(*) FROM persons WHERE node = 3201 AND hlc >= 0 AND (hlc >> 16) <= $now_ms + 3600000 + 60000")" 10

info "within the bound (30 min ahead) a stamp is kept; past it (2 h) it is not"
mkbatch_for 3204 -f 1 -l 5 --hlc-base $(( now_ms + 1800000 )) -o "$TEST_DIR/b" || fail "mkbatch"
push_expect "$TEST_DIR/b" 200
expect_eq "future versions after 30 min ahead" "$(metric ktphubd_future_versions_total)" 10
expect_eq "3204 last_error" "$(node_row 3204 last_error)" null
expect_eq "3204 stamps kept" \
	"$(hub_sql "SELECT min(hlc >> 16) FROM persons WHERE node = 3204")" $(( now_ms + 1800001 ))
mkbatch_for 3273 -f 1 -l 5 --hlc-base $(( now_ms + 7200000 )) -o "$TEST_DIR/c" || fail "mkbatch"
push_expect "$TEST_DIR/c" 200
expect_eq "future versions after 2 h ahead" "$(metric ktphubd_future_versions_total)" 15
node_row 3273 last_error | grep -q '^batch 1..5: seq 1..5: 5 versions stamped more than 1h' ||
	fail "3273 last_error: $(node_row 3273 last_error)"

info "a later write by another regency corrects 3201's persons"
mkbatch_for 3202 -f 1 -l 10 --prefix 3201 --hlc-base $(( now_ms + 5000 )) -o "$TEST_DIR/d" ||
	fail "mkbatch"
push_expect "$TEST_DIR/d" 200
expect_eq "3202 wins all 10" \
	"$(hub_sql "SELECT count(*) FROM persons WHERE node = 3202")" 10
j=$(ctl --json conflicts) || fail "ktpctl --json conflicts"
expect_eq "conflicts" "$(json '[.conflicts[] | select(.winner_node == "3202" and .loser_node == "3201")] | length' "$j")" 10
json '.conflicts[] | "\(.winner_hlc) \(.loser_hlc)"' "$j" | grep -q -- '-' &&
	fail "a negative HLC in conflicts: $j"

info "a stamp stored before the bound existed reads unsigned"
stop_hub
sqlite3 "$HUB_STATE/hub.db" "INSERT INTO conflicts(nik, winner_node, winner_hlc, loser_node,
	loser_hlc, at) VALUES(3201011505900001, 3201, -9223372036854775808, 3202, 1, 1790000000)" ||
	fail "sqlite3 insert"
start_hub
out=$(ctl_ok conflicts --limit 1)
grep -q ' 9223372036854775808 ' <<< "$out" || fail "ktpctl conflicts: $out"
grep -q -- '-9223372036854775808' <<< "$out" && fail "signed HLC shown: $out"
j=$(ctl --json conflicts --limit 1) || fail "ktpctl --json conflicts"
expect_eq "JSON winner_hlc" "$(json '.conflicts[0].winner_hlc' "$j")" 9223372036854775808
stop_hub
pass
