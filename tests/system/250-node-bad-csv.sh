#!/usr/bin/env bash
# A CSV with bad rows: ktpctl prints FILE:LINE errors and exits 1, and neither the journal
# nor the current persons change (all or nothing per file); nothing is pushed for it.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_node

residents "$TEST_DIR/res.csv" 200
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
nctl_ok sync >/dev/null
before=$(node_sql "SELECT count(*), max(seq), hex(chain) FROM journal WHERE seq = (SELECT max(seq) FROM journal)")
persons=$(node_sql "SELECT count(*), sum(recorded), sum(on_dpt) FROM persons")
[ -n "$before" ] || fail "cannot read the journal"

info "good rows first, then a bad NIK and a bad kecamatan"
{
	head -n 150 "$TEST_DIR/res.csv" | sed 's/,unrecorded,/,recorded,/'
	echo "320101120390001,Salah Satu,M,1990-03-12,320101,3201012001,1,recorded,,,"
} > "$TEST_DIR/bad.csv"
# A row whose kecamatan lies in another regency.
tail -n 1 "$TEST_DIR/res.csv" | sed 's/^\(................\),\([^,]*\),\([^,]*\),\([^,]*\),32[0-9][0-9]/\1,\2,\3,\4,3301/' >> "$TEST_DIR/bad.csv"
out=$(nctl import "$TEST_DIR/bad.csv" 2>&1) && fail "bad file imported: $out"
printf '%s\n' "$out" | grep -q "^bad.csv:151: nik: " || fail "no error for line 151: $out"
printf '%s\n' "$out" | grep -q "^ktpctl: bad.csv: .* nothing imported" ||
	fail "no summary line: $out"

after=$(node_sql "SELECT count(*), max(seq), hex(chain) FROM journal WHERE seq = (SELECT max(seq) FROM journal)")
expect_eq "journal after bad file" "$after" "$before"
expect_eq "persons after bad file" "$(node_sql "SELECT count(*), sum(recorded), sum(on_dpt) FROM persons")" "$persons"
expect_eq "journal_seq" "$(node_field journal_seq)" 200
expect_eq "pending" "$(node_field pending)" 0

info "--json passes the daemon's error list through"
out=$(nctl --json import "$TEST_DIR/bad.csv" 2>/dev/null) && fail "bad file imported with --json"
expect_eq "status" "$(json .status "$out")" 1
[ "$(json '.error_count' "$out")" -ge 1 ] || fail "error_count: $out"
stop_node
pass
