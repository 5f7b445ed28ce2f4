#!/usr/bin/env bash
# ktpctl put (JSON lines on stdin) and ktpctl remove reach the hub like an import; a remove
# of an unknown NIK or with a bad reason is refused and changes nothing.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_node
residents "$TEST_DIR/res.csv" 30
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
nik=$(sed -n 2p "$TEST_DIR/res.csv" | cut -d, -f1)
nik2=$(sed -n 3p "$TEST_DIR/res.csv" | cut -d, -f1)

info "put"
out=$(printf '{"nik":"%s","status":"recorded","recorded_at":"2026-11-01T08:00:00Z","site":"school","operator":"op7"}\n' "$nik2" |
	nctl put 2>&1) || fail "put: $out"
expect_eq "put output" "$out" "import: stdin: 1 rows, 1 new versions, 0 unchanged"

info "remove"
out=$(nctl_ok remove "$nik" --reason died)
expect_eq "remove output" "$out" "remove: journal seq 32"
out=$(nctl_ok remove "$nik" --reason died)
expect_eq "remove again" "$out" "remove: already removed, nothing changed"
out=$(nctl remove 3201019999990001 --reason died 2>&1) && fail "removed an unknown NIK"
out=$(nctl remove "$nik2" --reason lost 2>&1) && fail "accepted reason 'lost'"
nctl remove "$nik2" 2>/dev/null; expect_eq "usage exit" "$?" 2

nctl_ok sync >/dev/null
expect_eq "hub acked" "$(hub_node_acked)" 32
expect_eq "hub removed" "$(hub_sql "SELECT removed FROM persons WHERE nik = $nik")" 1
expect_eq "hub persons in report" "$(http_get /v1/report; json .province.persons)" 29
stop_node
pass
