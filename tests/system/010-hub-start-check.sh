#!/usr/bin/env bash
# ktphubd starts, -n checks good and bad configs, /healthz answers, the
# control socket is mode 0660, SIGTERM stops it with status 0.
. "$(dirname "$0")/test.common"

enroll 3201 3204
write_hub_conf

info "-n on a good config"
out=$("$KTPHUBD" -n -f "$HUB_CONF" 2>&1) || fail "-n on a good config: exit $?: $out"
printf '%s\n' "$out" | tail -n 1 | grep -qx 'configuration OK' || fail "-n: no 'configuration OK': $out"
printf '%s\n' "$out" | grep -q '^\[node 3204\]' || fail "-n: normalised config lacks [node 3204]: $out"

info "-n on a bad config reports every error with FILE:LINE"
bad=$TEST_DIR/bad.conf
{
	cat "$HUB_CONF"
	echo "[hub]"
	echo "bogus = 1"
} > "$bad"
sed -i 's/^province = 32$/province = 3x/' "$bad"
out=$("$KTPHUBD" -n -f "$bad" 2>&1)
rc=$?
expect_eq "-n exit status on a bad config" "$rc" 1
printf '%s\n' "$out" | grep -q "^conf: $bad:[0-9]*: " || fail "-n: errors lack 'conf: FILE:LINE:': $out"
[ "$(printf '%s\n' "$out" | grep -c "^conf: $bad:")" -ge 2 ] || fail "-n: not every error reported: $out"
printf '%s\n' "$out" | grep -q 'configuration OK' && fail "-n said OK on a bad config"

info "start, healthz, socket mode"
start_hub
http_get /healthz
expect_eq "healthz status" "$HTTP_CODE" 200
expect_eq "healthz body" "$HTTP_BODY" '{"status":"ok"}'
[ -S "$HUB_SOCK" ] || fail "no control socket at $HUB_SOCK"
expect_eq "control socket mode" "$(stat -c %a "$HUB_SOCK")" 660
http_get /v1/nodes
expect_eq "nodes status" "$HTTP_CODE" 200
expect_eq "enrolled nodes listed" "$(json '[.[].code] | join(",")')" "3201,3204"
expect_eq "never pushed: acked" "$(json '.[0].acked')" 0
http_get /nowhere
expect_eq "unknown path" "$HTTP_CODE" 404

if [ -x "$KTPCTL" ]; then
	info "ktpctl status --json"
	st=$(ctl --json status) || fail "ktpctl status: exit $?"
	expect_eq "status daemon" "$(json .daemon "$st")" ktphubd
	expect_eq "status nodes" "$(json .nodes "$st")" 2
fi

info "a second hub on the same state dir is refused"
"$KTPHUBD" -f "$HUB_CONF" > "$TEST_DIR/second.log" 2>&1 && fail "a second ktphubd started"
kill -0 "$HUB_PID" || fail "the first ktphubd died"

info "SIGTERM"
stop_hub
[ -e "$HUB_SOCK" ] && fail "control socket left behind after SIGTERM"
pass
