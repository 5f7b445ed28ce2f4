#!/usr/bin/env bash
# Bad input changes nothing: a forged signature is 403, an unknown node 401,
# one flipped byte anywhere in header, ciphertext or signature is refused,
# a truncated batch 400, an oversize body 413 at once (before its body is
# sent), garbage 400; person rows and node cursors are unchanged after each.
. "$(dirname "$0")/test.common"

enroll 3201 3204
HUB_EXTRA=("max_batch_bytes = 64K")
start_hub

mkbatch_for 3201 -f 1 -l 50 -o "$TEST_DIR/good1" || fail "mkbatch"
push_expect "$TEST_DIR/good1" 200
node_key 3999
state() { echo "$(report_totals) | $(hub_sql 'SELECT count(*) FROM persons') |" \
	"$(hub_sql 'SELECT group_concat(code || ":" || acked) FROM nodes')"; }
snap=$(state)

# refused FILE CODE WHAT: posts, checks the status, the JSON error and that nothing changed.
refused() {
	http_post_file "$1"
	[ "$HTTP_CODE" = "$2" ] || fail "$3: HTTP $HTTP_CODE $HTTP_BODY, want $2"
	[ -n "$(json '.error // empty')" ] || fail "$3: no JSON error: $HTTP_BODY"
	expect_eq "$3: state after" "$(state)" "$snap"
}

info "forged signature: node 3201's batch signed with 3204's key"
mkbatch_for 3201 -f 51 -l 60 --sign-with "$KEY_DIR/3204.key" -o "$TEST_DIR/forged" || fail "mkbatch"
refused "$TEST_DIR/forged" 403 "forged signature"
json .error | grep -q '3201' || fail "403 does not name the node: $HTTP_BODY"

info "unknown node"
"$MKBATCH" -k "$KEY_DIR/3999.key" -H "$KEY_DIR/hub.key" -n 3299 -f 1 -l 10 -o "$TEST_DIR/unknown" ||
	fail "mkbatch"
refused "$TEST_DIR/unknown" 401 "unknown node"
expect_eq "unknown node error" "$(json .error)" "node 3299 is not enrolled at this hub"

info "one flipped byte, at 12 places"
mkbatch_for 3201 -f 51 -l 60 -o "$TEST_DIR/clean" || fail "mkbatch"
size=$(stat -c %s "$TEST_DIR/clean")
for off in 0 5 9 20 40 70 80 100 $((size / 2)) $((size - 70)) $((size - 30)) $((size - 1)); do
	mkbatch_for 3201 -f 51 -l 60 --tamper "$off" -o "$TEST_DIR/t$off" || fail "mkbatch"
	http_post_file "$TEST_DIR/t$off"
	case "$HTTP_CODE" in 400|401|403|413) ;; *) fail "byte $off flipped: HTTP $HTTP_CODE $HTTP_BODY" ;; esac
	expect_eq "byte $off flipped: state after" "$(state)" "$snap"
done

info "truncated"
for n in 10 76 200; do
	mkbatch_for 3201 -f 51 -l 60 --truncate "$n" -o "$TEST_DIR/cut$n" || fail "mkbatch"
	refused "$TEST_DIR/cut$n" 400 "truncated to $n bytes"
done
# Past the minimum length the signature is read from the wrong bytes: 403.
for n in $((size - 100)) $((size - 1)); do
	mkbatch_for 3201 -f 51 -l 60 --truncate "$n" -o "$TEST_DIR/cut$n" || fail "mkbatch"
	refused "$TEST_DIR/cut$n" 403 "truncated to $n bytes"
done

info "garbage and empty bodies"
head -c 5000 /dev/urandom > "$TEST_DIR/garbage"
refused "$TEST_DIR/garbage" 400 "garbage"
: > "$TEST_DIR/empty"
refused "$TEST_DIR/empty" 400 "empty body"

info "oversize: 413 from Content-Length, before the body is sent"
head -c $((3 * 1024 * 1024)) /dev/zero > "$TEST_DIR/big"
start=$(date +%s%N)
http_post_file "$TEST_DIR/big" -H 'Expect:' --limit-rate 200K
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "oversize status" "$HTTP_CODE" 413
expect_eq "oversize error" "$(json .error)" "batch of 3145728 bytes, limit 65536 (max_batch_bytes)"
# At 200 KB/s the whole body would take 15 s; the answer comes before.
[ "$ms" -lt 5000 ] || fail "413 took $ms ms: the body was read"
expect_eq "oversize: state after" "$(state)" "$snap"

info "the good node still pushes"
mkbatch_for 3201 -f 51 -l 60 -o "$TEST_DIR/good2" || fail "mkbatch"
push_expect "$TEST_DIR/good2" 200
expect_eq "acked after good push" "$(json .acked)" 60
http_get /v1/nodes
json '.[] | select(.code=="3204") | .acked' | grep -qx 0 || fail "3204 moved: $HTTP_BODY"
stop_hub
grep -Eq '(^|[^0-9])32[0-9]{14}([^0-9]|$)' "$HUB_LOG" && fail "a NIK of province 32 in the hub's log"
pass
