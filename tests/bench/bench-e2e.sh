#!/usr/bin/env bash
# End-to-end figures with the real daemons on 127.0.0.1:
#   e2e_versions_s, catchup_1m_s  1 M versions imported while the node is paused,
#                                 then resumed: from resume until the hub's acked
#                                 (GET /v1/nodes) equals the node's journal head
#   e2e_wire_bytes_per_version    bytes the node sent per version on the way
#   ctl_import_rows_s             the 1 M-row ktpctl import through the control socket
#   node_idle_rss_mb              VmRSS of the idle ktpsyncd holding the 1 M journal
#   node_idle_pss_mb              its Pss: shared library pages divided among the
#                                 processes mapping them (smaps_rollup)
#   node_idle_private_mb          its private pages alone (anonymous and file)
#   node_idle_wakeups_s           context switches of all its threads per second
#                                 over IDLE_S (30) seconds of idleness, one push
#                                 interval of the default config
#   hubd_rss_mb                   VmRSS of ktphubd after applying the 1 M versions
#   node_restart_rss_mb           VmRSS of the same node idle again after a restart
# Prints `bench: NAME VALUE UNIT`; never fails on a time. E2E_ROWS and IDLE_S
# override the sizes; KTP_BUILD the build directory; KEEP=1 keeps the files.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
B=$ROOT/${KTP_BUILD:-build}
ROWS=${E2E_ROWS:-1000000}
IDLE_S=${IDLE_S:-30}
KTPHUBD=$B/bin/ktphubd
KTPSYNCD=$B/bin/ktpsyncd
KTPCTL=$B/bin/ktpctl
GEN=$B/tools/gen_residents
PIDS=()

die() { echo "bench-e2e: $*" >&2; exit 1; }
for bin in "$KTPHUBD" "$KTPSYNCD" "$KTPCTL" "$GEN"; do
	[ -x "$bin" ] || die "$bin missing (make all tools)"
done
command -v jq > /dev/null || die "jq missing"

D=$(mktemp -d "${TMPDIR:-/tmp}/ktp-bench-e2e-XXXXXX") || exit 1
cleanup() {
	local p n
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || continue
		for ((n = 0; n < 100; n++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $D" >&2; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_s() { date +%s.%N; }
# calc FORMAT EXPR: awk arithmetic, printed with FORMAT.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
pss_mb() { awk '/^Pss:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/smaps_rollup"; }
private_mb() {
	awk '/^Private_(Clean|Dirty):/ { n += $2 } END { printf "%.1f", n / 1024 }' \
		"/proc/$1/smaps_rollup"
}
# Context switches of every thread of PID: each one is a wakeup.
switches() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}

PORT=$(free_port) || die "no free port"
HUB_PUB=$("$KTPCTL" keygen --hub "$D/hub.key" | awk '/^public_key:/ { print $2 }')
NODE_PUB=$("$KTPCTL" keygen "$D/node.key" | awk '/^public_key:/ { print $2 }')
[ -n "$HUB_PUB" ] && [ -n "$NODE_PUB" ] || die "ktpctl keygen failed"
mkdir -p "$D/hub" "$D/node"
cat > "$D/hub.conf" <<EOF
[hub]
listen = 127.0.0.1:$PORT
state_dir = $D/hub
area_dir = $AREA_DIR
key_file = $D/hub.key
control_socket = $D/hub.sock
province = 32
election_date = $(date -u -d '+3 months' +%F)

[node 3201]
name = Kabupaten Bogor
public_key = $NODE_PUB
EOF
# The defaults of the example config: 30 s interval, adaptive batches up to 10 000.
cat > "$D/node.conf" <<EOF
[node]
id = 3201
name = Kabupaten Bogor
state_dir = $D/node
area_dir = $AREA_DIR
key_file = $D/node.key
control_socket = $D/node.sock

[hub]
url = http://127.0.0.1:$PORT
public_key = $HUB_PUB
EOF

"$KTPHUBD" -f "$D/hub.conf" > "$D/hub.log" 2>&1 &
HUB_PID=$!
PIDS+=("$HUB_PID")
wait_for 15 curl -fsS --max-time 2 "http://127.0.0.1:$PORT/healthz" || die "ktphubd did not start"
"$KTPSYNCD" -f "$D/node.conf" > "$D/node.log" 2>&1 &
NODE_PID=$!
PIDS+=("$NODE_PID")
wait_for 15 "$KTPCTL" -s "$D/node.sock" status || die "ktpsyncd did not start"
"$KTPCTL" -s "$D/node.sock" pause > /dev/null || die "ktpctl pause failed"

"$GEN" -r 3201 -n "$ROWS" -s 7 > "$D/rows.csv" || die "gen_residents failed"
t0=$(now_s)
out=$("$KTPCTL" -s "$D/node.sock" --json import "$D/rows.csv") || die "import failed: $out"
t1=$(now_s)
rm -f "$D/rows.csv"
head=$(jq -r '.last_seq' <<< "$out")
[ "$head" -gt 0 ] 2>/dev/null || die "import made no versions: $out"
echo "bench: ctl_import_rows_s $(calc %.0f "$(jq -r '.rows' <<< "$out") / ($t1 - $t0)") rows/s"

hub_acked() {
	curl -fsS --max-time 5 "http://127.0.0.1:$PORT/v1/nodes" |
		jq -r '.[] | select(.code == "3201") | .acked'
}
caught_up() { [ "$(hub_acked)" = "$head" ]; }

t0=$(now_s)
"$KTPCTL" -s "$D/node.sock" resume > /dev/null || die "ktpctl resume failed"
# Polls every 0.05 s for at most 600 s.
for ((n = 0; n < 12000; n++)); do
	caught_up && break
	sleep 0.05
done
t1=$(now_s)
if caught_up; then
	secs=$(calc %.6f "$t1 - $t0")
	echo "bench: e2e_versions_s $(calc %.0f "$head / $secs") versions/s"
	echo "bench: catchup_1m_s $(calc %.2f "$secs * 1000000 / $head") s"
	st=$("$KTPCTL" -s "$D/node.sock" --json status)
	echo "bench: e2e_wire_bytes_per_version $(calc %.1f \
		"$(jq -r '.bytes_sent' <<< "$st") / $(jq -r '.versions_sent' <<< "$st")") bytes"
else
	echo "bench-e2e: the hub acked $(hub_acked) of $head after 600 s" >&2
fi
echo "bench: hubd_rss_mb $(rss_mb "$HUB_PID") MB"

# Idle: nothing pending, nobody asking. Let the last push settle first.
sleep 2
s0=$(switches "$NODE_PID")
t0=$(now_s)
sleep "$IDLE_S"
s1=$(switches "$NODE_PID")
t1=$(now_s)
echo "bench: node_idle_rss_mb $(rss_mb "$NODE_PID") MB"
echo "bench: node_idle_pss_mb $(pss_mb "$NODE_PID") MB"
echo "bench: node_idle_private_mb $(private_mb "$NODE_PID") MB"
echo "bench: node_idle_wakeups_s $(calc %.2f "($s1 - $s0) / ($t1 - $t0)") wakeups/s"

# The same journal in a fresh process: what the node holds after a restart.
kill -TERM "$NODE_PID"
wait "$NODE_PID"
"$KTPSYNCD" -f "$D/node.conf" >> "$D/node.log" 2>&1 &
NODE_PID=$!
PIDS+=("$NODE_PID")
wait_for 15 "$KTPCTL" -s "$D/node.sock" status || die "ktpsyncd did not restart"
sleep 3
echo "bench: node_restart_rss_mb $(rss_mb "$NODE_PID") MB"
