#!/usr/bin/env bash
# ktpsyncd and sd_notify: READY=1 after the journal opens, STATUS= with the state and the
# pending count, WATCHDOG=1 from the loop, RELOADING=1 then READY=1 around SIGHUP,
# STOPPING=1 on SIGTERM. tests/tools/notifylisten stands in for systemd's notify socket.
. "$(dirname "$0")/test.common"

NOTIFYLISTEN=$B/tools/notifylisten
[ -x "$NOTIFYLISTEN" ] || fail "$NOTIFYLISTEN is missing (make tools)"

enroll "$NODE_CODE"
write_hub_conf
write_node_conf
msgs=$("$NOTIFYLISTEN" "$TEST_DIR/notify.sock" "$NODE_LOG" "$KTPSYNCD" -f "$NODE_CONF") ||
	fail "notify listener: $msgs"
info "messages: $(tr '\n' ' ' <<< "$msgs" | cut -c1-400)"
grep -qx 'exit 0' <<< "$msgs" || fail "ktpsyncd did not exit 0"
expect_eq "first message" "$(sed -n 2p <<< "$msgs")" "READY=1"
grep -Eqx 'STATUS=(idle|offline|backoff|pushing), 0 pending' <<< "$msgs" || fail "no STATUS="
[ "$(grep -cx 'WATCHDOG=1' <<< "$msgs")" -ge 3 ] || fail "fewer than 3 WATCHDOG=1"
grep -qx 'RELOADING=1' <<< "$msgs" || fail "no RELOADING=1 on SIGHUP"
expect_eq "last message" "$(tail -n 1 <<< "$msgs")" "STOPPING=1"
pass
