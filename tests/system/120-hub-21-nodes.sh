#!/usr/bin/env bash
# 21 regencies push at once, each its journal 1..300 in 10 batches of 30,
# several connections per node in flight: the final cursors, version counts
# and province totals are exact.
. "$(dirname "$0")/test.common"

N=21
LAST=300
codes=()
for i in $(seq 1 $N); do codes+=($((3200 + i))); done
enroll "${codes[@]}"
start_hub

info "building 21 x 10 batches"
for c in "${codes[@]}"; do
	mkbatch_for "$c" -f 1 -l $LAST -p 200 -b 30 -o "$TEST_DIR/$c" || fail "mkbatch $c"
done

# push_node CODE: sends its batches in order, retrying a batch until 200
# (a 409 gap cannot happen in order, a 503 may under load): at most 20 tries each.
push_node() {
	local c=$1 k tries code
	for k in $(seq 1 10); do
		for tries in $(seq 1 20); do
			code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
				--data-binary "@$TEST_DIR/$c.$k" "http://127.0.0.1:$HUB_PORT/v1/push")
			[ "$code" = 200 ] && break
			sleep 0.2
		done
		[ "$code" = 200 ] || { echo "node $c batch $k: HTTP $code" >&2; return 1; }
	done
}

info "pushing concurrently (each node's batches also replayed by a second client)"
pids=()
for c in "${codes[@]}"; do
	push_node "$c" & pids+=($!)
	push_node "$c" & pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
expect_eq "clients that failed" "$failed" 0

info "checking every cursor and the totals"
http_get /v1/nodes
expect_eq "nodes at acked $LAST" "$(json "[.[] | select(.acked == $LAST)] | length")" $N
expect_eq "nodes with exactly $LAST versions" "$(json "[.[] | select(.versions == $LAST)] | length")" $N
per=$(expected_totals 3201 $LAST -p 200)
read -r pp po pr pu <<< "$per"
want="$((pp * N)) $((po * N)) $((pr * N)) $((pu * N))"
expect_eq "province totals" "$(report_totals)" "$want"
http_get /v1/report
expect_eq "regencies in the report" "$(json '.province.regencies | length')" $N
expect_eq "persons rows" "$(hub_sql 'SELECT count(*) FROM persons')" "$((pp * N))"
http_get /metrics
grep -qx "ktphubd_versions_applied_total $((LAST * N))" <<< "$HTTP_BODY" ||
	fail "metrics: versions applied: $(grep versions_applied <<< "$HTTP_BODY")"
stop_hub
pass
