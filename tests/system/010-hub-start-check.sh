#!/usr/bin/env bash
# ktphubd starts, -n checks good and bad configs, /healthz answers, the
# control socket is mode 0660, SIGTERM stops it with status 0. -n refuses what
# start-up refuses (keys, state_dir, hub.db mode, TLS files, socket place) and
# starts nothing; hub.db and its WAL and SHM are 0600.
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
for f in hub.db hub.db-wal hub.db-shm; do
	expect_eq "$f mode" "$(stat -c %a "$HUB_STATE/$f")" 600
done
out=$("$KTPHUBD" -n -f "$HUB_CONF" 2>&1) || fail "-n beside a running hub: $out"
expect_eq "-n beside a running hub" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
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
refused() { daemon_refuses "$KTPHUBD" "$@"; }

info "-n refuses the key files start-up refuses"
KEY=$KEY_DIR/hub.key
cp -p "$KEY" "$TEST_DIR/key.good"
chmod 644 "$KEY"
refused "hub key 0644" "$HUB_CONF" "$KEY: mode 0644, must be 0600 (chmod 600 $KEY)"
printf 'garbage\n' > "$KEY"
chmod 600 "$KEY"
refused "garbage hub key" "$HUB_CONF" "$KEY: bad type line"
rm "$KEY"
refused "missing hub key" "$HUB_CONF" "$KEY: open: No such file or directory"
mkfifo -m 600 "$KEY"
refused "a FIFO as key_file" "$HUB_CONF" "$KEY: not a regular file"
rm "$KEY"
cp -p "$TEST_DIR/key.good" "$KEY"
{ cat "$HUB_CONF"; } > "$TEST_DIR/v.conf"
sed -i "s|^key_file = .*|&\nprevious_key_file = $KEY_DIR/3201.key|" "$TEST_DIR/v.conf"
refused "a node key as previous_key_file" "$TEST_DIR/v.conf" \
	"$KEY_DIR/3201.key: a node key, need a hub key"

info "-n refuses the state_dir, hub.db, TLS and socket places start-up refuses"
DB=$HUB_STATE/hub.db
chmod 644 "$DB"
refused "hub.db 0644" "$HUB_CONF" "$DB: mode 0644, must be 0600 (chmod 600 $DB)"
chmod 600 "$DB"
: > "$TEST_DIR/afile"
sed "s|^state_dir = .*|state_dir = $TEST_DIR/afile|" "$HUB_CONF" > "$TEST_DIR/v.conf"
refused "state_dir a file" "$TEST_DIR/v.conf" "$TEST_DIR/afile: state_dir: not a directory" \
	"$TEST_DIR/afile: mkdir: Not a directory"
sed "s|^key_file = .*|&\ntls_cert = $TEST_DIR/none.pem\ntls_key = $TEST_DIR/none.key|" \
	"$HUB_CONF" > "$TEST_DIR/v.conf"
refused "missing TLS certificate" "$TEST_DIR/v.conf" \
	"$TEST_DIR/none.pem: No such file or directory"
printf 'garbage\n' > "$TEST_DIR/garbage.pem"
sed "s|^key_file = .*|&\ntls_cert = $TEST_DIR/garbage.pem\ntls_key = $TEST_DIR/garbage.pem|" \
	"$HUB_CONF" > "$TEST_DIR/v.conf"
out=$(timeout 10 "$KTPHUBD" -n -f "$TEST_DIR/v.conf" 2>&1) && fail "-n accepted a garbage TLS certificate"
expect_eq "-n on a garbage TLS certificate" "$out" \
	"$TEST_DIR/garbage.pem: not a PEM file (no '-----BEGIN' line)"
timeout 10 "$KTPHUBD" -f "$TEST_DIR/v.conf" > "$TEST_DIR/refused.log" 2>&1 &&
	fail "started with a garbage TLS certificate"
sed "s|^control_socket = .*|control_socket = $TEST_DIR/nodir/h.sock|" "$HUB_CONF" > "$TEST_DIR/v.conf"
refused "socket in a missing directory" "$TEST_DIR/v.conf" \
	"$TEST_DIR/nodir: control socket directory: No such file or directory" \
	"$TEST_DIR/nodir/h.sock: bind: No such file or directory"
: > "$TEST_DIR/notsock"
sed "s|^control_socket = .*|control_socket = $TEST_DIR/notsock|" "$HUB_CONF" > "$TEST_DIR/v.conf"
refused "a file at the socket path" "$TEST_DIR/v.conf" "$TEST_DIR/notsock: exists and is not a socket"

info "-n creates, locks and binds nothing"
sed -e "s|^state_dir = .*|state_dir = $TEST_DIR/fresh/state|" \
    -e "s|^control_socket = .*|control_socket = $TEST_DIR/fresh.sock|" "$HUB_CONF" > "$TEST_DIR/v.conf"
out=$("$KTPHUBD" -n -f "$TEST_DIR/v.conf" 2>&1) || fail "-n on a fresh state_dir: $out"
expect_eq "-n on a fresh state_dir" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
[ -e "$TEST_DIR/fresh" ] && fail "-n created $TEST_DIR/fresh"
[ -e "$TEST_DIR/fresh.sock" ] && fail "-n created the control socket"
pass
