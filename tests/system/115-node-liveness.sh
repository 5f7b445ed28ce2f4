#!/usr/bin/env bash
# Liveness is contact, not data: an idle node (nothing pending) still contacts
# the hub every push.interval with a signed heartbeat, so the hub's last_contact
# stays fresh for 3 intervals while last_data stays where the data left it; in
# /v1/nodes, ktpctl nodes, the report and the metrics. last_success survives a
# node restart, and the node logs once that the hub is reachable again after
# an outage.
. "$(dirname "$0")/test.common"

INTERVAL=2
NODE_PUSH=("interval = ${INTERVAL}s")
enroll "$NODE_CODE"
start_hub
start_node

residents "$TEST_DIR/res.csv" 50
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
nctl_ok sync >/dev/null
expect_eq "hub acked" "$(hub_node_acked)" 50

# epoch SECONDS of an ISO 8601 UTC text, or 0 for null
epoch() { [ "$1" = null ] && echo 0 || date -u -d "$1" +%s; }
node_row() { http_get /v1/nodes; json ".[] | select(.code == \"$NODE_CODE\") | .$1"; }
metric() { http_get /metrics; awk -v k="$1" '$1 == k { print $2 }' <<< "$HTTP_BODY"; }

last_data=$(node_row last_data)
[ "$last_data" != null ] || fail "last_data null after a push: $HTTP_BODY"
expect_eq "last_data is last_sync of the report" \
	"$(http_get /v1/report; json ".province.regencies[] | select(.code == \"$NODE_CODE\") | .last_sync")" \
	"$last_data"
hb0=$(metric ktphubd_heartbeats_total)

info "idle for 3 intervals: last_contact keeps up, last_data stays"
for i in 1 2 3; do
	sleep "$INTERVAL"
	# A heartbeat is due at most one interval (plus a second of slack for
	# the HTTP round trip and whole-second times) after the last.
	wait_for $((INTERVAL + 2)) \
		eval '[ $(( $(date +%s) - $(epoch "$(node_row last_contact)") )) -le '$((INTERVAL + 1))' ]' ||
		fail "interval $i: last_contact $(node_row last_contact) is stale at $(date -u +%FT%TZ)"
	expect_eq "interval $i: last_data" "$(node_row last_data)" "$last_data"
	expect_eq "interval $i: versions" "$(node_row versions)" 50
	expect_eq "interval $i: pending at the node" "$(node_field pending)" 0
done
hb=$(metric ktphubd_heartbeats_total)
[ "$hb" -ge $((hb0 + 3)) ] || fail "heartbeats_total $hb0 -> $hb over 3 intervals"
[ "$(metric ktphubd_unauthenticated_refusals_total'{reason="bad_signature"}')" = 0 ] ||
	fail "a heartbeat was refused: $(grep unauth <<< "$HTTP_BODY")"

info "the same in ktpctl nodes, the report and the metrics"
contact=$(node_row last_contact)
ctl_ok --json nodes | jq -e ".nodes[0] | .last_contact != null and .last_data == \"$last_data\"" \
	>/dev/null || fail "ktpctl --json nodes: $(ctl --json nodes)"
# Like chronyc sources: a summary, then one line per regency with its state
# and the ages of its last contact and last data.
out=$(ctl_ok nodes)
grep -qx "ktphubd $("$KTPCTL" -V | cut -d' ' -f2): 1 regencies: 1 ok, 0 late, 0 silent, 0 never, 0 error" \
	<<< "$(head -n 1 <<< "$out")" || fail "ktpctl nodes summary: $out"
grep -Eq '^code +name +state +last_contact +last_data +acked +pending ' <<< "$(sed -n 2p <<< "$out")" ||
	fail "ktpctl nodes header: $out"
data_age=$(( $(date +%s) - $(epoch "$last_data") ))
grep -Eq "^$NODE_CODE +Kabupaten $NODE_CODE +ok +[0-3]s ago +($((data_age - 1))|$data_age|$((data_age + 1)))s ago +50 +0 +50 " \
	<<< "$(sed -n 3p <<< "$out")" || fail "ktpctl nodes row (last data ${data_age}s ago): $out"
http_get /v1/report
rc=$(json ".province.regencies[] | select(.code == \"$NODE_CODE\") | .last_contact")
[ $(( $(epoch "$rc") - $(epoch "$last_data") )) -ge $((3 * INTERVAL)) ] ||
	fail "report last_contact $rc not past last_data $last_data"
expect_eq "report last_data" \
	"$(json ".province.regencies[] | select(.code == \"$NODE_CODE\") | .last_data")" "$last_data"
expect_eq "metric last_data" \
	"$(metric "ktphubd_node_last_data_timestamp_seconds{node=\"$NODE_CODE\"}")" "$(epoch "$last_data")"
mc() { metric "ktphubd_node_last_contact_timestamp_seconds{node=\"$NODE_CODE\"}"; }
wait_for $((INTERVAL + 2)) eval '[ $(( $(date +%s) - $(mc) )) -le '$((INTERVAL + 1))' ]' ||
	fail "metric last_contact $(mc) is stale at $(date +%s)"
wait_for $((INTERVAL + 2)) eval '[ "$(node_field last_success)" -ge $(( $(date +%s) - '$((INTERVAL + 1))' )) ]' ||
	fail "node last_success not refreshed by heartbeats: $(node_field last_success)"

info "the node reads the hub's clock off its answers (same machine: in step)"
off=$(node_field clock_offset_s)
[ "$off" != null ] && [ "$off" -ge -2 ] && [ "$off" -le 2 ] || fail "clock_offset_s $off"
expect_eq "clock_warning" "$(node_field clock_warning)" null
nctl_ok status | grep -Eq '^clock vs hub: +(in step|[0-9]+ s (ahead|behind))' ||
	fail "ktpctl status: $(nctl status | grep -i clock)"

info "last_success survives a restart (hub down, so nothing refreshes it)"
stop_hub
stop_node
before=$(sqlite3 -readonly "$NODE_STATE/node.db" "SELECT value FROM state WHERE key = 'last_success'" 2>/dev/null)
[ -n "$before" ] || fail "last_success not stored in the journal"
start_node
expect_eq "last_success after the restart" "$(node_field last_success)" "$before"
nctl_ok status | grep -q '^last success: *[0-9]' ||
	fail "ktpctl status says: $(nctl status | grep 'last success')"

info "hub outage: the node fails, then logs once that the hub is back"
wait_for 15 node_state_is offline || fail "node not offline: $(nctl --json status)"
wait_for 15 eval '[ "$(node_field last_error)" != null ]' || fail "no last_error while the hub is down"
sleep 3
grep -c 'hub reachable again' "$NODE_LOG" | grep -qx 0 || fail "reachable-again logged while down"
start_hub
wait_for 15 eval 'grep -q "hub reachable again after [0-9][0-9]* failures, [0-9][0-9]* s" "$NODE_LOG"' ||
	fail "no reachable-again line: $(tail -n 5 "$NODE_LOG")"
wait_for 10 node_state_is idle || fail "node not idle after the hub came back"
sleep "$INTERVAL"
expect_eq "reachable-again lines" "$(grep -c 'hub reachable again' "$NODE_LOG")" 1
line=$(grep 'hub reachable again' "$NODE_LOG")
n=$(sed -n 's/.*after \([0-9]*\) failures, \([0-9]*\) s$/\1/p' <<< "$line")
s=$(sed -n 's/.*after \([0-9]*\) failures, \([0-9]*\) s$/\2/p' <<< "$line")
[ -n "$n" ] && [ "$n" -ge 2 ] || fail "failures in '$line'"
[ -n "$s" ] && [ "$s" -ge 3 ] || fail "seconds in '$line'"
[ "$(node_field last_success)" -gt "$before" ] || fail "last_success not updated after the outage"
stop_node
stop_hub
pass
