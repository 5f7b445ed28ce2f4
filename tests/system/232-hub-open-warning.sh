#!/usr/bin/env bash
# A hub that listens beyond loopback without report_token serves its reports
# to anyone: ktphubd -n and the start log say so, naming the key.
. "$(dirname "$0")/test.common"

enroll 3201
want="hub.report_token is not set and hub.listen '0.0.0.0' is not a loopback address"

info "-n on the loopback default: no warning"
write_hub_conf
out=$("$KTPHUBD" -n -f "$HUB_CONF" 2>&1) || fail "-n: exit $?: $out"
printf '%s\n' "$out" | grep -q '^conf: warning' && fail "-n warned on 127.0.0.1: $out"

info "-n on 0.0.0.0 without a token warns, and still says OK"
sed -i "s/^listen = 127.0.0.1:/listen = 0.0.0.0:/" "$HUB_CONF"
out=$("$KTPHUBD" -n -f "$HUB_CONF" 2>&1) || fail "-n: exit $?: $out"
printf '%s\n' "$out" | grep -qF "conf: warning: $HUB_CONF: $want" || fail "-n: no warning: $out"
printf '%s\n' "$out" | tail -n 1 | grep -qx 'configuration OK' || fail "-n: not OK: $out"

info "-n on 0.0.0.0 with a token: no warning"
printf 'report_token = %s\n' 0123456789abcdef0123 > "$TEST_DIR/token.line"
sed -i "/^election_date/r $TEST_DIR/token.line" "$HUB_CONF"
out=$("$KTPHUBD" -n -f "$HUB_CONF" 2>&1) || fail "-n: exit $?: $out"
printf '%s\n' "$out" | grep -q '^conf: warning' && fail "-n warned with a token: $out"

info "the start log warns too (192.0.2.1 is not on this machine: the bind fails after it)"
sed -i "/^report_token/d; s/^listen = 0.0.0.0:/listen = 192.0.2.1:/" "$HUB_CONF"
timeout 20 "$KTPHUBD" -d -f "$HUB_CONF" > "$TEST_DIR/start.log" 2>&1 && fail "ktphubd bound 192.0.2.1"
grep -qF "conf: $HUB_CONF: hub.report_token is not set and hub.listen '192.0.2.1' is not a loopback address" \
	"$TEST_DIR/start.log" || fail "start log lacks the warning: $(cat "$TEST_DIR/start.log")"
pass
