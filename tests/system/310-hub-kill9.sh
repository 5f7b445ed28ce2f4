#!/usr/bin/env bash
# kill -9 of the hub during a stream of pushes from 3 nodes, 4 times, with a
# restart after each; the clients resend what was not answered. The final
# state equals the expected state exactly: nothing lost, nothing doubled.
. "$(dirname "$0")/test.common"

codes=(3201 3202 3203)
LAST=3000
enroll "${codes[@]}"
start_hub
for c in "${codes[@]}"; do
	mkbatch_for "$c" -f 1 -l $LAST -p 1000 -b 100 -o "$TEST_DIR/$c" || fail "mkbatch $c"
done

# pusher CODE: its 30 batches in order; each is resent until answered 200,
# at most 600 tries of 0.1 s (the hub is down for a while at each kill).
pusher() {
	local c=$1 k n code
	for k in $(seq 1 30); do
		for n in $(seq 1 600); do
			code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
				--data-binary "@$TEST_DIR/$c.$k" "http://127.0.0.1:$HUB_PORT/v1/push")
			[ "$code" = 200 ] && break
			sleep 0.1
		done
		[ "$code" = 200 ] || { echo "node $c batch $k: never answered 200" >&2; return 1; }
		sleep 0.1
	done
}

pids=()
for c in "${codes[@]}"; do pusher "$c" & pids+=($!); done

for round in 1 2 3 4; do
	sleep "0.$((RANDOM % 6 + 2))"
	info "round $round: kill -9"
	kill_hub
	sleep 0.3
	start_hub
done

failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
expect_eq "pushers that gave up" "$failed" 0
grep -q "ktphubd\[" "$HUB_LOG" || fail "no log"
expect_eq "restarts seen in the log" "$(grep -c 'listening on port' "$HUB_LOG")" 5
# The stream was still running at the last kill: pushes were applied after it.
tail -n +"$(grep -n 'listening on port' "$HUB_LOG" | tail -n 1 | cut -d: -f1)" "$HUB_LOG" |
	grep -q ' applied, acked ' || fail "no push applied after the last restart"

info "final state"
http_get /v1/nodes
expect_eq "nodes at acked $LAST" "$(json "[.[] | select(.acked == $LAST)] | length")" 3
expect_eq "nodes with exactly $LAST versions" "$(json "[.[] | select(.versions == $LAST)] | length")" 3
read -r pp po pr pu <<< "$(expected_totals 3201 $LAST -p 1000)"
expect_eq "province totals" "$(report_totals)" "$((pp * 3)) $((po * 3)) $((pr * 3)) $((pu * 3))"
expect_eq "persons rows" "$(hub_sql 'SELECT count(*) FROM persons')" "$((pp * 3))"
stop_hub
expect_eq "integrity" "$(sqlite3 "$HUB_STATE/hub.db" 'PRAGMA integrity_check')" ok

# After a clean restart, 300 more versions of 3201's 1000 persons are updates
# of rows the hub holds: found through the NIK directory it read at start,
# not inserted again.
info "a restart reads every person; later versions update them"
mkbatch_for 3201 -f $((LAST + 1)) -l $((LAST + 300)) -p 1000 -o "$TEST_DIR/more" ||
	fail "mkbatch more"
start_hub
expect_eq "persons read at start" "$(grep -o 'store: [0-9]* persons' "$HUB_LOG" | tail -n 1)" \
	"store: $((pp * 3)) persons"
push_expect "$TEST_DIR/more" 200
expect_eq "acked after the restart" "$(json .acked)" $((LAST + 300))
read -r qp qo qr qu <<< "$(expected_totals 3201 $((LAST + 300)) -p 1000)"
expect_eq "province totals after the restart" "$(report_totals)" \
	"$((qp + pp * 2)) $((qo + po * 2)) $((qr + pr * 2)) $((qu + pu * 2))"
expect_eq "persons rows after the restart" "$(hub_sql 'SELECT count(*) FROM persons')" \
	"$((qp + pp * 2))"
stop_hub
pass
