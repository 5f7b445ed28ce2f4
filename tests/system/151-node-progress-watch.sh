#!/usr/bin/env bash
# Long jobs show progress. `ktpctl import` on a terminal shows rows, bytes of
# the file's size, the rate and the time left on stderr, then the final line
# in its place; not with --quiet, and never when stderr is not a terminal.
# During a catch-up `ktpctl status` shows the share done and the time left at
# the recent push rate; `status --watch` and `nodes --watch` refresh.
. "$(dirname "$0")/test.common"

command -v script >/dev/null || fail "script (bsdutils) not found"
NODE_PUSH=("batch_max_versions = 100")
enroll "$NODE_CODE"
start_hub
start_node
residents "$TEST_DIR/a.csv" 300
residents "$TEST_DIR/b.csv" 20000
size=$(stat -c %s "$TEST_DIR/a.csv")

info "import on a terminal: a progress line, then the result in its place"
script -qfec "$KTPCTL -s $NODE_SOCK import $TEST_DIR/a.csv" "$TEST_DIR/tty.out" >/dev/null ||
	fail "import on a pty: $(cat "$TEST_DIR/tty.out")"
out=$(cat "$TEST_DIR/tty.out")
grep -q $'\r\e\\[Kimport: 300 rows, [0-9.]* KiB of [0-9.]* KiB (100%)' <<< "$out" ||
	fail "no progress line: $(od -c "$TEST_DIR/tty.out" | head -20)"
grep -q $'\r\e\\[Kimport: a.csv: 300 rows' <<< "$out" ||
	fail "final line not in the progress line's place: $out"
info "--quiet, and stderr not a terminal: no progress"
script -qfec "$KTPCTL -s $NODE_SOCK import --quiet $TEST_DIR/a.csv" "$TEST_DIR/quiet.out" >/dev/null
grep -q 'rows, .* of ' "$TEST_DIR/quiet.out" && fail "--quiet showed progress: $(cat "$TEST_DIR/quiet.out")"
nctl import "$TEST_DIR/a.csv" > "$TEST_DIR/plain.out" 2> "$TEST_DIR/plain.err" || fail "import"
[ -s "$TEST_DIR/plain.err" ] && fail "progress on a non-terminal stderr: $(cat "$TEST_DIR/plain.err")"
expect_eq "file size seen" "$((size > 0))" 1

info "a catch-up: 20000 versions in batches of 100 after the hub was down"
nctl_ok sync >/dev/null
stop_hub
nctl_ok import "$TEST_DIR/b.csv" >/dev/null
start_hub
nctl_ok sync --no-wait >/dev/null
seen=
for _ in $(seq 1 400); do
	j=$(nctl --json status)
	if [ "$(jq -r '.catchup != null' <<< "$j")" = true ]; then
		seen=$j
		break
	fi
	sleep 0.02
done
[ -n "$seen" ] || fail "no catch-up seen in status"
pct=$(jq -r .catchup.percent <<< "$seen")
awk -v p="$pct" 'BEGIN { exit !(p >= 0 && p < 100) }' || fail "catch-up percent $pct"
expect_eq "catch-up to" "$(jq -r .catchup.to <<< "$seen")" "$(jq -r .journal_seq <<< "$seen")"
[ "$(jq -r '.catchup.from < .acked or .catchup.from == .acked' <<< "$seen")" = true ] ||
	fail "catch-up from after acked: $seen"
wait_for 30 node_pending_is 0 || fail "catch-up did not finish"
wait_for 10 eval '[ "$(node_field catchup)" = null ]' || fail "catch-up still shown: $(nctl --json status)"
[ "$(node_field push_rate_vps)" -gt 0 ] || fail "no push rate after a catch-up"

info "status --watch and nodes --watch refresh"
timeout 3 "$KTPCTL" -s "$NODE_SOCK" status --watch 1 > "$TEST_DIR/watch.out"
expect_eq "timeout ended the watch" "$?" 124
[ "$(grep -c '^state:' "$TEST_DIR/watch.out")" -ge 2 ] || fail "status --watch: $(cat "$TEST_DIR/watch.out")"
timeout 3 "$KTPCTL" -s "$HUB_SOCK" nodes --watch 1 > "$TEST_DIR/nwatch.out"
[ "$(grep -c '^code ' "$TEST_DIR/nwatch.out")" -ge 2 ] || fail "nodes --watch: $(cat "$TEST_DIR/nwatch.out")"
out=$(nctl status --watch 0 2>&1) && fail "--watch 0 accepted"
grep -q 'usage: .*status \[--watch \[SECONDS\]\]' <<< "$out" || fail "--watch 0: $out"
pass
