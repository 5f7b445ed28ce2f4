#!/usr/bin/env bash
# The hub's answer is lost after its commit (the link is cut mid-response,
# through tests/tools/faultproxy): the client resends, and the batch is
# acked again, not applied twice. Also: a request cut mid-body changes nothing.
. "$(dirname "$0")/test.common"

[ -x "$FAULTPROXY" ] || fail "$FAULTPROXY missing"
enroll 3201
start_hub
start_proxy "$HUB_PORT"
via_proxy() {
	HTTP_CODE=$(curl -sS --max-time 10 -o "$TEST_DIR/.body" -w '%{http_code}' \
		--data-binary "@$1" "http://127.0.0.1:$PROXY_PORT/v1/push" 2>/dev/null) || HTTP_CODE=000
	HTTP_BODY=$(cat "$TEST_DIR/.body" 2>/dev/null)
}
mkbatch_for 3201 -f 1 -l 200 -p 150 -o "$TEST_DIR/b1" || fail "mkbatch"
mkbatch_for 3201 -f 201 -l 400 -p 150 -o "$TEST_DIR/b2" || fail "mkbatch"

info "request cut after 100 bytes: nothing applied"
proxy "cutreq 100" > /dev/null
via_proxy "$TEST_DIR/b1"
expect_eq "cut request: client status" "$HTTP_CODE" 000
expect_eq "cut request: acked" "$(node_acked 3201)" 0

info "answer cut after 10 bytes: applied, answer lost"
proxy pass > /dev/null
proxy "cutresp 10" > /dev/null
via_proxy "$TEST_DIR/b1"
expect_eq "cut answer: client status" "$HTTP_CODE" 000
wait_for 5 test "$(node_acked 3201)" = 200 || fail "batch not committed: acked $(node_acked 3201)"

info "the client resends: acked again, not applied twice"
proxy pass > /dev/null
via_proxy "$TEST_DIR/b1"
expect_eq "resend status" "$HTTP_CODE" 200
expect_eq "resend acked" "$(json .acked)" 200
http_get /v1/nodes
expect_eq "versions" "$(json '.[0].versions')" 200

info "slow link: throttled to 20 KB/s, delayed 100 ms per chunk"
proxy "throttle 20000" > /dev/null
proxy "delay 100" > /dev/null
via_proxy "$TEST_DIR/b2"
expect_eq "slow link status" "$HTTP_CODE" 200
expect_eq "slow link acked" "$(json .acked)" 400
expect_eq "totals" "$(report_totals)" "$(expected_totals 3201 400 -p 150)"
stats=$(proxy stats)
grep -q ' cuts [1-9]' <<< "$stats" || fail "proxy counted no cuts: $stats"
stop_hub
pass
