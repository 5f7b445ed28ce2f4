#!/usr/bin/env bash
# The test data generator: -u within what the persons allow writes exactly that many events;
# beyond it, exit 1 with a message that names -u, -n and the number the persons allow.
. "$(dirname "$0")/test.common"

info "43 events: the most 100 persons allow at this time and seed"
"$GEN_RESIDENTS" -n 100 -s 1 -t 1790000000 -u 43 > "$TEST_DIR/ok.csv" 2> "$TEST_DIR/ok.err" ||
	fail "gen_residents -u 43: exit $?: $(cat "$TEST_DIR/ok.err")"
expect_eq "header" "$(head -n 1 "$TEST_DIR/ok.csv")" "nik,status,recorded_at,site,operator"
expect_eq "event lines" "$(tail -n +2 "$TEST_DIR/ok.csv" | wc -l)" 43
expect_eq "stderr" "$(cat "$TEST_DIR/ok.err")" ""

info "44 events: more than the persons allow"
"$GEN_RESIDENTS" -n 100 -s 1 -t 1790000000 -u 44 > /dev/null 2> "$TEST_DIR/bad.err"
expect_eq "exit" "$?" 1
expect_eq "message" "$(cat "$TEST_DIR/bad.err")" \
	"gen_residents: -u 44: the 100 persons of -n allow only 43 recording events (then each is issued or too young); ask for at most 43 or for more persons"
pass
