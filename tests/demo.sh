#!/usr/bin/env bash
# make demo: a province hub and three regency nodes of Jawa Barat on 127.0.0.1.
#
# In a fresh directory: keys (ktpctl keygen), configs, ktphubd, three ktpsyncd
# (Kabupaten Cianjur behind faultproxy, so its link can be cut), about 100 000
# synthetic residents per regency with a voter roll, imported with ktpctl; the
# backlog draining to the hub; Cianjur's link cut while new recordings arrive,
# then restored; the provincial report, where Kabupaten Bandung, enrolled but
# never online, stands as the office to chase. Every number shown is printed by the
# daemons or ktpctl. Everything started here is stopped at the end; the files
# stay. Loops are bounded in count and time.
#
# KTP_BUILD names the build directory (default build); DEMO_PERSONS the
# persons per regency (default 100000); DEMO_DIR a directory to use.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib.sh"
B=$ROOT/${KTP_BUILD:-build}
KTPHUBD=$B/bin/ktphubd
KTPSYNCD=$B/bin/ktpsyncd
KTPCTL=$B/bin/ktpctl
GEN=$B/tools/gen_residents
FAULTPROXY=$B/tools/faultproxy
PERSONS=${DEMO_PERSONS:-100000}
CODES=(3201 3202 3203)
declare -A NAME=([3201]="Kabupaten Bogor" [3202]="Kabupaten Sukabumi" [3203]="Kabupaten Cianjur"
		 [3204]="Kabupaten Bandung")
CUT=3203			# the regency whose link is cut
SILENT=3204			# enrolled at the hub, its office never sends anything
PIDS=()
declare -A PUB=() NODE_PID=()
T0=$SECONDS

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; [ -n "${D:-}" ] && echo "demo: the files and logs are in $D" >&2; exit 1; }

for bin in "$KTPHUBD" "$KTPSYNCD" "$KTPCTL" "$GEN"; do
	[ -x "$bin" ] || die "$bin missing (run make all tools)"
done
command -v jq >/dev/null || die "jq missing (make deps installs it)"

if [ -n "${DEMO_DIR:-}" ]; then
	D=$DEMO_DIR
	mkdir -p "$D" || exit 1
	[ -z "$(ls -A "$D")" ] || die "$D is not empty"
else
	D=$(mktemp -d "${TMPDIR:-/tmp}/ktpsync-demo-XXXXXX") || exit 1
fi

# Stops every process this script started, by pid, and says where things are.
stop_all() {
	local pid n
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		for ((n = 0; n < 100; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS=()
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM


# wait_jobs: waits for the helper jobs in JOBS (not the daemons).
JOBS=()
wait_jobs() {
	local j
	for j in "${JOBS[@]}"; do wait "$j"; done
	JOBS=()
}


ctl_hub() { "$KTPCTL" -s "$D/hub/ktphubd.sock" "$@"; }
ctl_node() { local c=$1; shift; "$KTPCTL" -s "$D/$c/ktpsyncd.sock" "$@"; }

# --- keys and configs ---------------------------------------------------------

say "setting up in $D"
HUB_PORT=$(free_port) || die "no free port"
ELECTION=$(date -u -d '+3 months' +%F)
mkdir -p "$D/hub/state"
HUB_PUB=$("$KTPCTL" keygen --hub "$D/hub/hub.key" | awk '/^public_key:/ { print $2 }')
[ -n "$HUB_PUB" ] || die "ktpctl keygen --hub failed"
echo "hub key:   $D/hub/hub.key (public $HUB_PUB)"
for c in "${CODES[@]}"; do
	mkdir -p "$D/$c/state"
	PUB[$c]=$("$KTPCTL" keygen "$D/$c/node.key" | awk '/^public_key:/ { print $2 }')
	[ -n "${PUB[$c]}" ] || die "ktpctl keygen for $c failed"
	echo "node $c: $D/$c/node.key (public ${PUB[$c]})"
done
mkdir -p "$D/$SILENT"
PUB[$SILENT]=$("$KTPCTL" keygen "$D/$SILENT/node.key" | awk '/^public_key:/ { print $2 }')
[ -n "${PUB[$SILENT]}" ] || die "ktpctl keygen for $SILENT failed"
echo "node $SILENT: enrolled, but its office stays offline for the whole demo"

{
	echo "[hub]"
	echo "listen = 127.0.0.1:$HUB_PORT"
	echo "state_dir = $D/hub/state"
	echo "area_dir = $AREA_DIR"
	echo "key_file = $D/hub/hub.key"
	echo "control_socket = $D/hub/ktphubd.sock"
	echo "province = 32"
	echo "election_date = $ELECTION"
	for c in "${CODES[@]}" "$SILENT"; do
		printf '\n[node %s]\nname = %s\npublic_key = %s\n' "$c" "${NAME[$c]}" "${PUB[$c]}"
	done
} > "$D/hub/ktphubd.conf"

# node_conf CODE URL: the node's config; short retry times so the demo moves.
node_conf() {
	cat > "$D/$1/ktpsyncd.conf" <<-EOF
	[node]
	id = $1
	name = ${NAME[$1]}
	state_dir = $D/$1/state
	area_dir = $AREA_DIR
	key_file = $D/$1/node.key
	control_socket = $D/$1/ktpsyncd.sock
	election_date = $ELECTION

	[hub]
	url = $2
	public_key = $HUB_PUB

	[push]
	interval = 10s
	backoff_min = 1s
	backoff_max = 3s
	timeout = 10s
	EOF
}

# --- daemons ------------------------------------------------------------------

say "starting ktphubd on 127.0.0.1:$HUB_PORT (province 32 Jawa Barat, election day $ELECTION)"
"$KTPHUBD" -n -f "$D/hub/ktphubd.conf" | tail -n 1
"$KTPHUBD" -f "$D/hub/ktphubd.conf" >> "$D/hub/ktphubd.log" 2>&1 &
PIDS+=($!)
wait_for 15 curl -fsS --max-time 2 "http://127.0.0.1:$HUB_PORT/healthz" ||
	die "ktphubd did not come up; see $D/hub/ktphubd.log"

PROXY_CTL=
if [ -x "$FAULTPROXY" ]; then
	"$FAULTPROXY" -t "$HUB_PORT" -l 0 -c 0 > "$D/faultproxy.out" 2>> "$D/faultproxy.log" &
	PIDS+=($!)
	wait_for 10 grep -q '^faultproxy: listen' "$D/faultproxy.out" ||
		die "faultproxy did not start; see $D/faultproxy.log"
	read -r _ _ PROXY_PORT _ PROXY_CTL < "$D/faultproxy.out"
	echo "faultproxy: 127.0.0.1:$PROXY_PORT -> hub, control port $PROXY_CTL ($CUT goes through it)"
fi

for c in "${CODES[@]}"; do
	if [ "$c" = "$CUT" ] && [ -n "$PROXY_CTL" ]; then
		node_conf "$c" "http://127.0.0.1:$PROXY_PORT"
	else
		node_conf "$c" "http://127.0.0.1:$HUB_PORT"
	fi
	"$KTPSYNCD" -f "$D/$c/ktpsyncd.conf" >> "$D/$c/ktpsyncd.log" 2>&1 &
	PIDS+=($!)
	NODE_PID[$c]=$!
done
for c in "${CODES[@]}"; do
	wait_for 15 ctl_node "$c" status || die "ktpsyncd $c did not come up; see $D/$c/ktpsyncd.log"
done
echo "three ktpsyncd running; ktpctl status of $CUT:"
ctl_node "$CUT" status | sed 's/^/    /'

# --- data ---------------------------------------------------------------------

# Residents as the civil registry holds them (no on_dpt column), and the voter
# roll as KPU sends it (nik,on_dpt): the node matches the two by NIK.
NOW=$(date +%s)
say "generating $PERSONS residents per regency (tests/tools/gen_residents)"
for c in "${CODES[@]}"; do
	(
		"$GEN" -r "$c" -n "$PERSONS" -s "$c" -t "$NOW" > "$D/$c/full.csv" || exit 1
		cut -d, -f1-6,8- "$D/$c/full.csv" > "$D/$c/residents.csv"
		awk -F, 'NR == 1 { print "nik,on_dpt"; next } $7 == 1 { print $1 ",1" }' \
			"$D/$c/full.csv" > "$D/$c/dpt.csv"
		rm -f "$D/$c/full.csv"
	) &
	JOBS+=($!)
done
wait_jobs
for c in "${CODES[@]}"; do
	[ -s "$D/$c/dpt.csv" ] || die "gen_residents failed for $c"
	printf '%s %-20s residents.csv %7d rows   dpt.csv %7d voters\n' "$c" "${NAME[$c]}" \
		$(($(wc -l < "$D/$c/residents.csv") - 1)) $(($(wc -l < "$D/$c/dpt.csv") - 1))
done
echo "sample rows:"
sed -n 2,3p "$D/3201/residents.csv" | sed 's/^/    /'

# Everything pushes as soon as a file is imported; pause first, so the backlog
# of all three imports can be watched draining together.
say "importing (ktpctl import), pushing paused meanwhile"
for c in "${CODES[@]}"; do ctl_node "$c" pause > /dev/null || die "ktpctl pause $c failed"; done
for c in "${CODES[@]}"; do
	(
		ctl_node "$c" import "$D/$c/residents.csv" > "$D/$c/import.out" 2>&1 &&
		ctl_node "$c" import "$D/$c/dpt.csv" >> "$D/$c/import.out" 2>&1
	) &
	JOBS+=($!)
done
wait_jobs
for c in "${CODES[@]}"; do
	sed "s/^/$c: /" "$D/$c/import.out"
	grep -q 'dpt.csv' "$D/$c/import.out" || die "import failed at $c"
done

# progress: one line per node from ktpctl --json status.
progress() {
	local c s line
	for c in "${CODES[@]}"; do
		s=$(ctl_node "$c" --json status 2>/dev/null) || { echo "  $c: not answering"; continue; }
		line=$(jq -r '[.state, .journal_seq, .acked, .pending, .oldest_pending_s,
			.throughput_bps] | @tsv' <<< "$s") || continue
		set -- $line
		local pct=100 bar
		[ "$2" -gt 0 ] && pct=$(($3 * 100 / $2))
		bar=$(printf '%*s' $((pct / 5)) '' | tr ' ' '#')
		printf '  %s %-8s journal %7d  acked %7d  pending %7d  oldest %5ss  [%-20s] %3d%%\n' \
			"$c" "$1" "$2" "$3" "$4" "$5" "$bar" "$pct"
	done
}

all_pending() {
	local c n total=0
	for c in "$@"; do
		n=$(ctl_node "$c" --json status 2>/dev/null | jq -r '.pending') || return 1
		total=$((total + n))
	done
	echo "$total"
}

# drain SECONDS NODES...: progress every second until no node has pending.
drain() {
	local secs=$1 start=$SECONDS p
	shift
	while [ $((SECONDS - start)) -le "$secs" ]; do
		# Pending is read before the progress lines, so the lines printed
		# last are the drained state itself.
		p=$(all_pending "$@") || p=1
		printf -- '-- t+%ds\n' $((SECONDS - start))
		progress
		[ "$p" = 0 ] && return 0
		sleep 1
	done
	return 1
}

say "resuming: the backlog drains to the hub"
for c in "${CODES[@]}"; do ctl_node "$c" resume > /dev/null || die "ktpctl resume $c failed"; done
drain 60 "${CODES[@]}" || die "the backlog did not drain within 60 s"
echo "ktpctl nodes at the hub:"
ctl_hub nodes | sed 's/^/    /'

# --- the link cut -------------------------------------------------------------

proxy() {
	local ans
	exec 9<> "/dev/tcp/127.0.0.1/$PROXY_CTL" || return 1
	echo "$1" >&9
	read -r -t 5 ans <&9
	exec 9>&-
	echo "faultproxy: $1: $ans"
}

if [ -n "$PROXY_CTL" ]; then
	say "cutting $CUT ${NAME[$CUT]}'s link (faultproxy down) while recording goes on"
	proxy down
else
	say "stopping the hub (no faultproxy built) while recording goes on"
	kill -TERM "${PIDS[0]}"
	wait "${PIDS[0]}" 2>/dev/null
fi

# New recordings: events after the same persons (same seed and time), split
# into three files that arrive a few seconds apart.
"$GEN" -r "$CUT" -n "$PERSONS" -s "$CUT" -t "$NOW" -u 3000 > "$D/$CUT/recordings.csv" ||
	die "gen_residents -u failed"
for i in 1 2 3; do
	{ head -n 1 "$D/$CUT/recordings.csv"
	  tail -n +2 "$D/$CUT/recordings.csv" | sed -n "$(((i - 1) * 1000 + 1)),$((i * 1000))p"
	} > "$D/$CUT/recordings-$i.csv"
done
for i in 1 2 3; do
	ctl_node "$CUT" import "$D/$CUT/recordings-$i.csv" | sed "s/^/$CUT: /"
	sleep 1
	progress | grep " $CUT "
done
sleep 2
echo "ktpctl status of $CUT while cut off:"
ctl_node "$CUT" status | sed 's/^/    /'

if [ -n "$PROXY_CTL" ]; then
	say "restoring $CUT's link (faultproxy up): the backlog drains"
	proxy up
else
	say "starting the hub again: the backlogs drain"
	"$KTPHUBD" -f "$D/hub/ktphubd.conf" >> "$D/hub/ktphubd.log" 2>&1 &
	PIDS[0]=$!
fi
drain 60 "${CODES[@]}" || die "the backlog did not drain within 60 s of the link's return"

# --- the report ---------------------------------------------------------------

say "provincial report (ktpctl report at the hub), election day $ELECTION"
ctl_hub report | awk 'NF == 0 { exit } { print }'
echo
ctl_hub --json report | jq -r '.report.province.regencies[] |
	if .has_data | not then "\(.code) \(.name): nothing received yet (last sync: never): unknown, call that office" else
	"\(.code) \(.name): \(.dpt_unrecorded) voters still unrecorded (\(.pemula_unrecorded) first-time voters), \(.recorded_30d) recorded in 30 days (\(.rate_per_day * 100 | round / 100)/day), done by \(.projected_completion // "never") at the \(.projection_basis // "-") rate \(if .on_track then "(on track)" else "(LATE)" end)" end'
echo
echo "kecamatan of ${NAME[$CUT]} with the most unrecorded voters (mobile teams go there first):"
ctl_hub --json report --regency "$CUT" | jq -r '.report.province.regencies[0].kecamatan |
	sort_by(-.dpt_unrecorded) | .[:5][] |
	"  \(.code) \(.name // "-"): \(.dpt_unrecorded) unrecorded of \(.on_dpt) voters, \(.pemula_unrecorded) first-time voters unrecorded, \(.recorded_30d) recorded in 30 days, done by \(.projected_completion // "never")"'

n=$(ctl_hub --json conflicts | jq '.conflicts | length')
echo
echo "NIKs written by two regencies (residents who moved), resolved last-writer-wins: $n"
echo "(ktpctl conflicts lists them, NIKs masked)"

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HUB_PORT/")
say "done in $((SECONDS - T0)) s"
if [ "$code" = 200 ]; then
	echo "dashboard:  http://127.0.0.1:$HUB_PORT/ (while the hub runs)"
else
	echo "dashboard:  none at http://127.0.0.1:$HUB_PORT/ (HTTP $code)"
fi
echo "report API: http://127.0.0.1:$HUB_PORT/v1/report  /v1/report.csv  /v1/nodes  /metrics"
cat <<EOF
files:      $D
            hub/ktphubd.conf, hub/state/hub.db, hub/ktphubd.log
            NNNN/ktpsyncd.conf, NNNN/state/node.db, NNNN/*.csv, NNNN/ktpsyncd.log

Everything is stopped now. To poke at it, start the daemons again by hand:
  $KTPHUBD -f $D/hub/ktphubd.conf &
  for c in ${CODES[*]}; do $KTPSYNCD -f $D/\$c/ktpsyncd.conf & done
(${NAME[$CUT]} pushes through faultproxy: start it again with
  $FAULTPROXY -t $HUB_PORT -l ${PROXY_PORT:-PORT} &
 or point its [hub] url at http://127.0.0.1:$HUB_PORT)
then:
  $KTPCTL -s $D/hub/ktphubd.sock report
  $KTPCTL -s $D/hub/ktphubd.sock nodes
  $KTPCTL -s $D/3201/ktpsyncd.sock status
  $KTPCTL -s $D/3201/ktpsyncd.sock unrecorded | head
  curl http://127.0.0.1:$HUB_PORT/v1/report.csv
  sqlite3 -readonly $D/hub/state/hub.db 'SELECT * FROM nodes'
Stop them with kill %1 %2 ... (or kill PID); rm -rf $D removes everything.
EOF
