#!/usr/bin/env bash
# ktpsyncd basics: -n check mode, a second daemon on the same state_dir is refused, status,
# socket mode 0660, pause survives a restart, SIGTERM exits 0. -n refuses what start-up
# refuses (key, state_dir, node.db mode and damage, socket place) and starts nothing;
# node.db and its WAL and SHM are 0600.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
write_hub_conf
write_node_conf

info "check mode"
out=$("$KTPSYNCD" -n -f "$NODE_CONF" 2>&1) || fail "-n on a good config: $out"
expect_eq "last line of -n" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
printf '[node]\nid = 3201\nintervl = 3\n' > "$TEST_DIR/bad.conf"
out=$("$KTPSYNCD" -n -f "$TEST_DIR/bad.conf" 2>&1) && fail "-n accepted a bad config"
printf '%s\n' "$out" | grep -q "^conf: $TEST_DIR/bad.conf:3: " || fail "no FILE:LINE error: $out"

start_hub
start_node
expect_eq "socket mode" "$(stat -c %a "$NODE_SOCK")" 660
# The first attempt, a heartbeat with nothing pending, runs at start: idle once answered.
wait_for 10 node_state_is idle || fail "state: got '$(node_field state)', want 'idle'"
expect_eq "node" "$(node_field node)" "$NODE_CODE"
for f in node.db node.db-wal node.db-shm; do
	expect_eq "$f mode" "$(stat -c %a "$NODE_STATE/$f")" 600
done
out=$("$KTPSYNCD" -n -f "$NODE_CONF" 2>&1) || fail "-n beside a running node: $out"
expect_eq "-n beside a running node" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"

info "a second daemon on the same state_dir is refused"
sed "s|^control_socket = .*|control_socket = $TEST_DIR/other.sock|" "$NODE_CONF" > "$TEST_DIR/second.conf"
if timeout 10 "$KTPSYNCD" -f "$TEST_DIR/second.conf" > "$TEST_DIR/second.log" 2>&1; then
	fail "second ktpsyncd started"
fi
grep -q "held by another process" "$TEST_DIR/second.log" || fail "second: $(cat "$TEST_DIR/second.log")"

info "pause survives a restart"
nctl_ok pause >/dev/null
expect_eq "state after pause" "$(node_field state)" paused
residents "$TEST_DIR/res.csv" 20
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
sleep 3
expect_eq "nothing pushed while paused" "$(hub_node_acked)" 0
stop_node
start_node
expect_eq "state after restart" "$(node_field state)" paused
expect_eq "paused flag" "$(node_field paused)" true
nctl sync >/dev/null 2>&1 && fail "sync succeeded while paused"
nctl_ok resume >/dev/null
wait_for 15 node_pending_is 0 || fail "not pushed after resume: $(nctl --json status)"
expect_eq "hub acked" "$(hub_node_acked)" 20

info "SIGHUP reloads"
NODE_PUSH=("interval = 1s")
write_node_conf
kill -HUP "$NODE_PID"
wait_for 10 grep -q "reloaded" "$NODE_LOG" || fail "no reload logged"
node_is_up || fail "not answering after SIGHUP"

stop_node
refused() { daemon_refuses "$KTPSYNCD" "$@"; }

info "-n refuses the key files start-up refuses"
KEY=$KEY_DIR/$NODE_CODE.key
cp -p "$KEY" "$TEST_DIR/key.good"
chmod 644 "$KEY"
refused "key 0644" "$NODE_CONF" "$KEY: mode 0644, must be 0600 (chmod 600 $KEY)"
printf 'garbage\n' > "$KEY"
chmod 600 "$KEY"
refused "garbage key" "$NODE_CONF" "$KEY: bad type line"
rm "$KEY"
refused "missing key" "$NODE_CONF" "$KEY: open: No such file or directory"
mkfifo -m 600 "$KEY"
refused "a FIFO as key_file" "$NODE_CONF" "$KEY: not a regular file"
rm "$KEY"
cp -p "$TEST_DIR/key.good" "$KEY"

info "-n refuses the state_dir, node.db and socket places start-up refuses"
DB=$NODE_STATE/node.db
chmod 644 "$DB"
refused "node.db 0644" "$NODE_CONF" "$DB: mode 0644, must be 0600 (chmod 600 $DB)"
chmod 600 "$DB"
: > "$TEST_DIR/afile"
sed "s|^state_dir = .*|state_dir = $TEST_DIR/afile|" "$NODE_CONF" > "$TEST_DIR/v.conf"
refused "state_dir a file" "$TEST_DIR/v.conf" "$TEST_DIR/afile: state_dir: not a directory" \
	"$TEST_DIR/afile: mkdir: Not a directory"
sed "s|^control_socket = .*|control_socket = $TEST_DIR/nodir/n.sock|" "$NODE_CONF" > "$TEST_DIR/v.conf"
refused "socket in a missing directory" "$TEST_DIR/v.conf" \
	"$TEST_DIR/nodir: control socket directory: No such file or directory" \
	"$TEST_DIR/nodir/n.sock: bind: No such file or directory"
: > "$TEST_DIR/notsock"
sed "s|^control_socket = .*|control_socket = $TEST_DIR/notsock|" "$NODE_CONF" > "$TEST_DIR/v.conf"
refused "a file at the socket path" "$TEST_DIR/v.conf" "$TEST_DIR/notsock: exists and is not a socket"

info "-n creates, locks and binds nothing"
sed -e "s|^state_dir = .*|state_dir = $TEST_DIR/fresh/state|" \
    -e "s|^control_socket = .*|control_socket = $TEST_DIR/fresh.sock|" "$NODE_CONF" > "$TEST_DIR/v.conf"
out=$("$KTPSYNCD" -n -f "$TEST_DIR/v.conf" 2>&1) || fail "-n on a fresh state_dir: $out"
expect_eq "-n on a fresh state_dir" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
[ -e "$TEST_DIR/fresh" ] && fail "-n created $TEST_DIR/fresh"
[ -e "$TEST_DIR/fresh.sock" ] && fail "-n created the control socket"
[ -e "$DB-wal" ] || [ -e "$DB-shm" ] && fail "a stopped node left node.db-wal or -shm"
out=$("$KTPSYNCD" -n -f "$NODE_CONF" 2>&1) || fail "-n on a stopped node: $out"
[ -e "$DB-wal" ] || [ -e "$DB-shm" ] && fail "-n created node.db-wal or -shm beside a stopped node"

info "a damaged node.db is refused at start, with the path and the fix"
start_node
residents "$TEST_DIR/dmg.csv" 300 7
nctl_ok import "$TEST_DIR/dmg.csv" >/dev/null
stop_node
[ -e "$DB-wal" ] && fail "node.db-wal left after a clean stop"
pages=$(( $(stat -c %s "$DB") / 4096 ))
[ "$pages" -ge 6 ] || fail "node.db has only $pages pages"
dd if=/dev/urandom of="$DB" bs=4096 seek=$((pages - 3)) count=2 conv=notrunc status=none
out=$(timeout 10 "$KTPSYNCD" -n -f "$NODE_CONF" 2>&1) && fail "-n accepted a damaged node.db: $out"
case "$out" in
"$DB: damaged ("*"); restore it from a backup or move it away to start a new journal") ;;
*) fail "-n on a damaged node.db: $out" ;;
esac
timeout 10 "$KTPSYNCD" -f "$NODE_CONF" > "$TEST_DIR/refused.log" 2>&1 && fail "started on a damaged node.db"
grep -qF "ktpsyncd[error]: $DB: damaged (" "$TEST_DIR/refused.log" ||
	fail "start on a damaged node.db: $(cat "$TEST_DIR/refused.log")"
grep -qF "; restore it from a backup or move it away to start a new journal" "$TEST_DIR/refused.log" ||
	fail "start on a damaged node.db names no fix: $(cat "$TEST_DIR/refused.log")"
pass
