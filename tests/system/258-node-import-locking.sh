#!/usr/bin/env bash
# An import whose stream stalls (ktpctl import reading a FIFO this test keeps open) holds
# its transaction open: report and unrecorded show only committed rows meanwhile, and
# remove, put and a second import answer "busy: an import is running" at once instead of
# queueing behind it. When the stream ends, everything is there and writers work again.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_node

residents "$TEST_DIR/all.csv" 150
head -n 101 "$TEST_DIR/all.csv" > "$TEST_DIR/first.csv"
nctl_ok import "$TEST_DIR/first.csv" >/dev/null
persons() { nctl --json report | jq .persons; }
unrecorded() { nctl --json unrecorded | jq .count; }
base_persons=$(persons)
base_unrec=$(unrecorded)
expect_eq "persons before" "$base_persons" 100
seq_before=$(node_field journal_seq)
nik=$(sed -n 2p "$TEST_DIR/first.csv" | cut -d, -f1)

info "an import that stalls after 40 of its 50 rows"
mkfifo "$TEST_DIR/stall.csv"
nctl import "$TEST_DIR/stall.csv" > "$TEST_DIR/import.out" 2>&1 &
imp=$!
track_pid "$imp"
exec 7> "$TEST_DIR/stall.csv"
{ head -n 1 "$TEST_DIR/all.csv"; sed -n 102,141p "$TEST_DIR/all.csv"; } >&7
# The rows reach the daemon's open transaction within moments; for 3 s readers must
# still see only what was committed.
for ((i = 0; i < 15; i++)); do
	expect_eq "persons while the import is open" "$(persons)" "$base_persons"
	sleep 0.2
done
expect_eq "unrecorded while the import is open" "$(unrecorded)" "$base_unrec"
expect_eq "journal seq while the import is open" "$(node_field journal_seq)" "$seq_before"
kill -0 "$imp" 2>/dev/null || fail "the import ended early: $(cat "$TEST_DIR/import.out")"

info "other writers are told at once"
# busy ARGS...: ktpctl ARGS at the node exits 1 within 2 s with exactly the busy text.
busy() {
	local t0 t1 out rc
	t0=$(date +%s%N)
	out=$(timeout 10 "$KTPCTL" -s "$NODE_SOCK" "$@" 2>&1 < "${BUSY_IN:-/dev/null}")
	rc=$?
	t1=$(date +%s%N)
	expect_eq "$* exit" "$rc" 1
	expect_eq "$* says" "$out" "ktpctl: busy: an import is running"
	info "$1 answered busy in $(((t1 - t0) / 1000000)) ms"
	[ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "$* took $(((t1 - t0) / 1000000)) ms"
}
busy remove "$nik" --reason died
printf '{"nik":"%s","status":"recorded","recorded_at":"2026-11-01T08:00:00Z"}\n' "$nik" \
	> "$TEST_DIR/put.jsonl"
BUSY_IN=$TEST_DIR/put.jsonl busy put
busy import "$TEST_DIR/first.csv"
out=$(nctl --json remove "$nik" --reason died)
expect_eq "remove --json status" "$(printf '%s' "$out" | jq -c '[.status, .error]')" \
	'[6,"busy: an import is running"]'
expect_eq "persons still" "$(persons)" "$base_persons"

info "the stream ends: everything is there"
sed -n 142,151p "$TEST_DIR/all.csv" >&7
exec 7>&-
wait "$imp"
expect_eq "import exit" "$?" 0
expect_eq "import output" "$(cat "$TEST_DIR/import.out")" \
	"import: stall.csv: 50 rows, 50 new versions, 0 unchanged"
expect_eq "persons after" "$(persons)" 150
expect_eq "journal seq after" "$(node_field journal_seq)" $((seq_before + 50))
out=$(nctl_ok remove "$nik" --reason died)
expect_eq "remove after the import" "$out" "remove: journal seq $((seq_before + 51))"
out=$(nctl put < "$TEST_DIR/put.jsonl" 2>&1) || fail "put after the import: $out"
expect_eq "persons after remove" "$(persons)" 149
stop_node
pass
