#!/usr/bin/env bash
# The same NIKs written by two regencies: last writer (by HLC) wins and each
# contested write is listed by ktpctl conflicts, with the NIK masked.
. "$(dirname "$0")/test.common"

[ -x "$KTPCTL" ] || fail "$KTPCTL missing"
enroll 3201 3204
start_hub
out=$(ctl_ok conflicts)
expect_eq "no conflicts yet" "$out" "no conflicts"

info "3201 writes 20 persons; 3204 later rewrites 10 of them (moved in)"
mkbatch_for 3201 -f 1 -l 20 -o "$TEST_DIR/a" || fail "mkbatch"
mkbatch_for 3204 -f 1 -l 10 --prefix 3201 --hlc-base 1767225700000 -o "$TEST_DIR/b" || fail "mkbatch"
push_expect "$TEST_DIR/a" 200
push_expect "$TEST_DIR/b" 200

j=$(ctl --json conflicts) || fail "ktpctl --json conflicts: exit $?"
expect_eq "conflicts listed" "$(json '.conflicts | length' "$j")" 10
expect_eq "winners" "$(json '[.conflicts[].winner_node | tostring] | unique | join(",")' "$j")" 3204
expect_eq "losers" "$(json '[.conflicts[].loser_node | tostring] | unique | join(",")' "$j")" 3201
json '.conflicts[].nik_masked' "$j" | grep -Eq '^[0-9]{16}$' && fail "an unmasked NIK in conflicts"
expect_eq "persons (20, not 30)" "$(report_totals | cut -d' ' -f1)" 20
j=$(ctl --json conflicts --limit 3) || fail "conflicts --limit 3"
expect_eq "limit" "$(json '.conflicts | length' "$j")" 3
out=$(ctl conflicts --limit 0 2>&1)
expect_eq "limit 0 is a usage error" "$?" 2
out=$(ctl_ok conflicts)
expect_eq "human table rows" "$(grep -c 3204 <<< "$out")" 10
stop_hub
pass
