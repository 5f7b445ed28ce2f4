#!/usr/bin/env bash
# sd_notify: READY=1 once listening, STATUS= with the nodes, WATCHDOG=1 from
# the loop, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
# tests/tools/notifylisten stands in for systemd's notify socket.
. "$(dirname "$0")/test.common"

NOTIFYLISTEN=$B/tools/notifylisten
[ -x "$NOTIFYLISTEN" ] || fail "$NOTIFYLISTEN is missing (make tools)"

enroll 3201 3204
write_hub_conf
msgs=$("$NOTIFYLISTEN" "$TEST_DIR/notify.sock" "$HUB_LOG" "$KTPHUBD" -f "$HUB_CONF") ||
	fail "notify listener: $msgs"
info "messages: $(tr '\n' ' ' <<< "$msgs")"
grep -qx 'exit 0' <<< "$msgs" || fail "ktphubd did not exit 0"
expect_eq "first message" "$(sed -n 2p <<< "$msgs")" "READY=1"
grep -qx 'STATUS=2 nodes enrolled, no apply yet' <<< "$msgs" || fail "no STATUS="
[ "$(grep -cx 'WATCHDOG=1' <<< "$msgs")" -ge 3 ] || fail "fewer than 3 WATCHDOG=1"
grep -qx 'RELOADING=1' <<< "$msgs" || fail "no RELOADING=1 on SIGHUP"
expect_eq "last message" "$(tail -n 1 <<< "$msgs")" "STOPPING=1"
pass
