#!/usr/bin/env bash
# Runtime control and audit. Every mutating control command is logged with
# the caller's uid and user name (SO_PEERCRED) and its counts, never a NIK
# or a name; `ktpctl log info|debug` switches the log level while the
# daemons run. Under journald each line is an entry with PRIORITY= and
# KTP_* fields (journalctl KTP_NODE=3201 KTP_CMD=import): the test plays
# journald with journallisten on /run/systemd/journal/socket, inside a mount
# namespace of its own (tmpfs over /run), so the machine is not touched.
if [ -z "${KTP_IN_MOUNT_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a mount namespace for the journal socket)"; exit 1; }
	exec env KTP_IN_MOUNT_NS=1 unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/test.common"

mount -t tmpfs -o mode=0755 tmpfs /run || fail "cannot mount a tmpfs over /run"
mkdir -p /run/systemd/journal
JOURNAL=$TEST_DIR/journal.txt
"$B/tools/journallisten" /run/systemd/journal/socket "$JOURNAL" &
track_pid $!
wait_for 5 test -S /run/systemd/journal/socket || fail "journallisten did not bind"

# entry MESSAGE_PART FIELD=VALUE...: an entry whose MESSAGE holds
# MESSAGE_PART has every field given.
entry() {
	local part=$1 f rec
	shift
	rec=$(awk -v RS= -v p="$part" 'index($0, "MESSAGE=") && index($0, p) { print; exit }' "$JOURNAL")
	[ -n "$rec" ] || fail "no journal entry with '$part': $(grep -c MESSAGE= "$JOURNAL") entries"
	for f in "$@"; do
		grep -qxF "$f" <<< "$rec" || fail "entry '$part' lacks $f: $rec"
	done
}

uid=$(id -u)
user=$(id -un)
enroll "$NODE_CODE"
: > "$HUB_LOG" 2>/dev/null || { mkdir -p "$(dirname "$HUB_LOG")"; : > "$HUB_LOG"; }
JOURNAL_STREAM=$(stat -c %d:%i "$HUB_LOG") start_hub
start_node
residents "$TEST_DIR/res.csv" 300
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
nctl_ok sync >/dev/null

info "the node's audit lines (its stderr is not the journal: lines)"
grep -qE "ktpsyncd\[info\]: ctl: import by uid $uid \($user\): ok rows=300 versions=300 unchanged=0 first_seq=1 last_seq=300 error_count=0$" "$NODE_LOG" ||
	fail "no import audit line: $(grep 'ctl: ' "$NODE_LOG")"
grep -qE "ctl: sync by uid $uid \($user\): ok acked=300" "$NODE_LOG" ||
	fail "no sync audit line: $(grep 'ctl: ' "$NODE_LOG")"
nctl_ok pause >/dev/null
nctl_ok resume >/dev/null
for c in pause resume; do
	grep -q "ctl: $c by uid $uid ($user): ok" "$NODE_LOG" || fail "no $c audit line"
done
out=$(nctl remove 1234 --reason died 2>&1) && fail "a malformed NIK was removed: $out"
grep -q "ctl: remove by uid $uid ($user): failed$" "$NODE_LOG" ||
	fail "no audit line for the refused remove: $(grep 'ctl: remove' "$NODE_LOG")"
# Read-only commands are not audited; nothing personal ever is.
nctl_ok status >/dev/null
grep -q "ctl: status by" "$NODE_LOG" && fail "status was audited"
while IFS=, read -r nik _; do
	[[ $nik =~ ^[0-9]{16}$ ]] || continue
	grep -q "$nik" "$NODE_LOG" "$HUB_LOG" "$JOURNAL" && fail "a NIK reached a log"
done < "$TEST_DIR/res.csv"

info "ktpctl log info, then debug, at the node"
expect_eq "log info" "$(nctl_ok log info)" "log: info"
grep -q "ctl: log by uid $uid ($user): ok" "$NODE_LOG" || fail "no log audit line"
n0=$(grep -c '\[debug\]' "$NODE_LOG")
nctl_ok sync >/dev/null
sleep 1
expect_eq "debug lines at info" "$(grep -c '\[debug\]' "$NODE_LOG")" "$n0"
expect_eq "log debug" "$(nctl_ok log debug)" "log: debug"
nctl_ok sync >/dev/null
wait_for 5 eval '[ "$(grep -c "\[debug\]" "$NODE_LOG")" -gt '"$n0"' ]' ||
	fail "no debug line after ktpctl log debug"
out=$(nctl log verbose 2>&1) && fail "log verbose accepted"
grep -q "usage: ktpctl .* log debug|info" <<< "$out" || fail "log verbose: $out"

info "the hub's lines went to the journal, with fields"
entry "push: node $NODE_CODE: batch 1..300: 300 applied" "KTP_NODE=$NODE_CODE" \
	"KTP_SEQ_FIRST=1" "KTP_SEQ_LAST=300" "KTP_HTTP_STATUS=200" "PRIORITY=6" \
	"SYSLOG_IDENTIFIER=ktphubd"
grep -q "300 applied" "$HUB_LOG" && fail "the hub wrote a journal line to its stream too"
expect_eq "hub log info" "$(ctl_ok log info)" "log: info"
entry "ctl: log by uid $uid ($user): ok" "KTP_CMD=log" "KTP_UID=$uid" "KTP_USER=$user" \
	"KTP_STATUS=ok" "PRIORITY=6" "SYSLOG_IDENTIFIER=ktphubd"

info "export at the node, import-bundle and reset-node at the hub"
nctl_ok export "$TEST_DIR/empty.bundle" >/dev/null
grep -q "ctl: export by uid $uid ($user): ok first=301 last=300 versions=0 batches=0" "$NODE_LOG" ||
	fail "no export audit line: $(grep 'ctl: export' "$NODE_LOG")"
ctl_ok import-bundle "$TEST_DIR/empty.bundle" >/dev/null
entry "ctl: import-bundle by uid $uid ($user): ok" "KTP_CMD=import-bundle" "KTP_UID=$uid" \
	"KTP_STATUS=ok"
ctl_ok reset-node "$NODE_CODE" --yes >/dev/null
entry "ctl: reset-node by uid $uid ($user): ok" "KTP_CMD=reset-node" "KTP_STATUS=ok"
pass
