#!/usr/bin/env bash
# Anyone who reaches the hub's port must not make a dead regency look alive:
# 76 bytes of header naming an enrolled node, then garbage (a forged push, a
# forged heartbeat), sent with curl, are refused and change nothing stored:
# /v1/nodes, ktpctl nodes (table and --json) and the database files stay byte
# for byte the same; so does a genuine heartbeat sent again (a replay). The
# refusals are counted by reason, not per node.
. "$(dirname "$0")/test.common"

enroll 3201 3202
start_hub

mkbatch_for 3201 -f 1 -l 20 -o "$TEST_DIR/good" || fail "mkbatch"
push_expect "$TEST_DIR/good" 200
node_key 3999
"$MKBATCH" -k "$KEY_DIR/3999.key" -H "$KEY_DIR/hub.key" -n 3299 -f 1 -l 5 -o "$TEST_DIR/unknown" ||
	fail "mkbatch"
sleep 1	# a change to any stored time would now show

metric() { http_get /metrics; awk -v k="$1" '$1 == k { print $2 }' <<< "$HTTP_BODY"; }
unauth() { metric "ktphubd_unauthenticated_refusals_total{reason=\"$1\"}"; }
sums() { sha256sum "$HUB_STATE"/hub.db* | awk '{ print $1 }' | tr '\n' ' '; }
# The table shows ages ("2s ago"), which move with the clock alone: they are
# masked; the --json beside it has the absolute times, compared byte for byte.
table() { ctl_ok nodes | sed -E 's/([0-9]+[smhd] )*[0-9]+[smhd] ago/AGE/g'; }
snapshot() {
	http_get /v1/nodes
	[ "$HTTP_CODE" = 200 ] || fail "/v1/nodes: HTTP $HTTP_CODE"
	printf '%s\n--\n%s\n--\n%s\n--\n%s\n' "$HTTP_BODY" "$(table)" "$(ctl_ok --json nodes)" \
		"$(sums)"
}
before=$(snapshot)
bad0=$(unauth bad_signature)
unknown0=$(unauth unknown_node)
malformed0=$(unauth malformed)

# unchanged WHAT: the snapshot is still the one taken before any forgery.
unchanged() {
	local now
	now=$(snapshot)
	if [ "$now" != "$before" ]; then
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$now") >&2
		fail "stored state changed after $1"
	fi
}

# forge HEADER_HEX OUT [N]: the 76-byte header, then N (300) random bytes.
forge() {
	local n=${3:-300}
	{ xxd -r -p <<< "$1"; head -c "$n" /dev/urandom; } > "$2"
	[ "$(stat -c %s "$2")" = $((76 + n)) ] || fail "forged file size"
}

info "a forged push: node 3201's real header, garbage after it"
head -c 76 "$TEST_DIR/good" | xxd -p | tr -d '\n' > "$TEST_DIR/hdr.hex"
forge "$(cat "$TEST_DIR/hdr.hex")" "$TEST_DIR/forged-push"
push_expect "$TEST_DIR/forged-push" 403
json .error | grep -q "checked against node 3201's enrolled key" || fail "403 text: $HTTP_BODY"
unchanged "a forged push"

info "a forged heartbeat for 3201 (head 20) and for 3202, which never sent anything"
# magic KTPB, version 1, flags 0, node, hub key id, first, last, count 0,
# plain_len 0, head, prev_chain
hb() {
	printf '4b545042%02x00%04x%s%016x%016x%08x%08x%016x%064d' 1 "$1" \
		"$(xxd -s 8 -l 4 -p "$TEST_DIR/good")" \
		$(($2 + 1)) "$2" 0 8 "$2" 0
}
# 150 bytes: as long as a sealed heartbeat of 8 plain bytes may be, so the
# header passes and the signature decides.
forge "$(hb 3201 20)" "$TEST_DIR/forged-hb1" 150
push_expect "$TEST_DIR/forged-hb1" 403
forge "$(hb 3202 0)" "$TEST_DIR/forged-hb2" 150
push_expect "$TEST_DIR/forged-hb2" 403
json .error | grep -q "checked against node 3202's enrolled key" || fail "403 text: $HTTP_BODY"

info "a forged heartbeat longer than its header allows, an unknown node, a header that does not parse"
forge "$(hb 3201 20)" "$TEST_DIR/forged-hb3"
push_expect "$TEST_DIR/forged-hb3" 413
json .error | grep -q "^batch 21..20: 376 bytes, more than a batch of plain_len 8 can take (283)$" ||
	fail "413 text: $HTTP_BODY"
push_expect "$TEST_DIR/unknown" 401
forge "$(hb 3202 0 | sed 's/^4b545042/4b545058/')" "$TEST_DIR/badmagic"
push_expect "$TEST_DIR/badmagic" 400

info "nothing changed, byte for byte; the refusals were counted by reason"
unchanged "forged heartbeats, an unknown node and a bad header"
expect_eq "bad_signature refusals" "$(unauth bad_signature)" $((bad0 + 3))
expect_eq "unknown_node refusals" "$(unauth unknown_node)" $((unknown0 + 1))
expect_eq "malformed refusals" "$(unauth malformed)" $((malformed0 + 2))
http_get /metrics
grep -q 'unauthenticated_refusals_total{.*node=' <<< "$HTTP_BODY" &&
	fail "unauthenticated refusals labelled per node"
http_get /v1/nodes
expect_eq "3202 last_contact" "$(json '.[] | select(.code == "3202") | .last_contact')" null
expect_eq "3201 last_error" "$(json '.[] | select(.code == "3201") | .last_error')" null

info "a genuine heartbeat is contact; the same bytes again are a replay"
mkbatch_for 3201 -l 20 --heartbeat "$(date +%s)000" -o "$TEST_DIR/hb" || fail "mkbatch --heartbeat"
expect_eq "heartbeat size" "$(stat -c %s "$TEST_DIR/hb")" 229
push_expect "$TEST_DIR/hb" 200
expect_eq "heartbeat: acked" "$(json .acked)" 20
http_get /v1/nodes
[ "$(json '.[] | select(.code == "3201") | .last_contact')" != null ] || fail "no last_contact"
sleep 1
before=$(snapshot)
push_expect "$TEST_DIR/hb" 400
json .error | grep -q '(a replay)' || fail "replay text: $HTTP_BODY"
unchanged "a replayed heartbeat"
expect_eq "replayed refusals" "$(unauth replayed)" 1
contact=$(http_get /v1/nodes; json '.[] | select(.code == "3201") | .last_contact')
sleep 1
push_expect "$TEST_DIR/good" 200	# the data batch again: applied before, not contact
expect_eq "last_contact after a replayed batch" \
	"$(http_get /v1/nodes; json '.[] | select(.code == "3201") | .last_contact')" "$contact"

info "the node's own signed push still counts as contact"
mkbatch_for 3201 -f 21 -l 25 -o "$TEST_DIR/good2" || fail "mkbatch"
push_expect "$TEST_DIR/good2" 200
http_get /v1/nodes
[ "$(json '.[] | select(.code == "3201") | .last_contact')" != null ] || fail "no last_contact"
stop_hub
pass
