#!/usr/bin/env bash
# Fault suite: a hub and three nodes under a steady stream of imports while
# faults strike at random moments drawn from a seed (SEED=N replays a run):
#   - kill -9 of a node (12 times) and of the hub (11 times)
#   - the link of a node cut through faultproxy (24 times): connections reset,
#     the link down for a while, requests cut part-way, and responses cut
#     after a few bytes, so the hub has committed and the node never sees 200
#   - the hub's disk full: its state_dir on a small tmpfs filled by a ballast
#     file for a few seconds
#   - one node's wall clock (libfaketime) stepped back an hour, later forward
#     a day; the machine's clock is never touched
# Then every version a node acknowledged to an import must be at the hub
# exactly once (cursor, chain and applied count against each node's journal,
# every person row against the node's, the totals against what the imported
# files say), and the hub's aggregates must equal a recount from the person
# rows. Prints one line: `faults: N injected, M versions, 0 lost, 0 duplicated`.
# Every loop is bounded in count and time.
. "$(dirname "$0")/test.common"

SEED=${SEED:-$(( $(date +%s%N) % 1000000 ))}
echo "seed: $SEED (replay with SEED=$SEED)"
RANDOM=$SEED

CODES=(3201 3202 3203)
CLOCK_NODE=3203			# runs under libfaketime
CHUNK=600			# persons per residents file
CHUNKS=200			# residents files prepared per node (the stream stops earlier)
EVENTS=250			# recording events per events file
NODE_KILLS=12
HUB_KILLS=11
LINK_CUTS=24
FAULT_BUDGET_S=300		# the fault phase ends after this many seconds in any case
HUB_TMPFS=${HUB_TMPFS:-256m}	# size of the tmpfs under the hub's state_dir
LIBFAKETIME=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
STOP=$TEST_DIR/stop
declare -A NPID=() PPORT=() PCTL=() PPID_=() FPID=()
HPID=
FAULTS=0
NOW=$(date +%s)

fs_fail() { fail "$* (seed $SEED: replay with SEED=$SEED)"; }
fs_expect() { [ "$2" = "$3" ] || fs_fail "$1: got '$2', want '$3'"; }

for bin in "$KTPSYNCD" "$KTPCTL" "$FAULTPROXY" "$B/tools/gen_residents"; do
	[ -x "$bin" ] || fs_fail "$bin missing (make all tools)"
done
[ -e "$LIBFAKETIME" ] || fs_fail "$LIBFAKETIME missing (Debian package faketime)"
[ "$(id -u)" = 0 ] || skip "needs root to mount the hub's small tmpfs"

# --- processes ------------------------------------------------------------------

# Stops what runs now, by pid: feeders, nodes, hub, proxies; then the tmpfs.
fs_stop_all() {
	local p
	touch "$STOP"
	for p in "${FPID[@]}" "${NPID[@]}" $HPID "${PPID_[@]}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	for p in "${FPID[@]}" "${NPID[@]}" $HPID "${PPID_[@]}"; do
		[ -n "$p" ] || continue
		for ((n = 0; n < 50; n++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	FPID=() NPID=() HPID= PPID_=()
	mountpoint -q "$HUB_STATE" && { umount "$HUB_STATE" || umount -l "$HUB_STATE"; }
	return 0
}
on_exit fs_stop_all

fs_start_hub() {
	"$KTPHUBD" -d -f "$HUB_CONF" >> "$HUB_LOG" 2>&1 &
	HPID=$!
	wait_for 15 hub_is_up || fs_fail "ktphubd did not come up on port $HUB_PORT"
}

fs_kill_hub() {
	kill -KILL "$HPID" 2>/dev/null
	wait "$HPID" 2>/dev/null
	HPID=
}

node_sock() { echo "$TEST_DIR/n$1/ktpsyncd.sock"; }
nctl() { local c=$1; shift; timeout 60 "$KTPCTL" -s "$(node_sock "$c")" "$@"; }

fs_start_node() {
	local c=$1 d=$TEST_DIR/n$1
	if [ "$c" = "$CLOCK_NODE" ]; then
		# Only the wall clock moves (monotonic timers stay true, as under a
		# real clock step); an ASan build must accept a library before it.
		LD_PRELOAD=$LIBFAKETIME FAKETIME_TIMESTAMP_FILE=$d/faketime \
		FAKETIME_CACHE_DURATION=1 DONT_FAKE_MONOTONIC=1 \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		TSAN_OPTIONS=$TSAN_FAKETIME_OPTIONS \
			"$KTPSYNCD" -d -f "$d/ktpsyncd.conf" >> "$d/ktpsyncd.log" 2>&1 &
	else
		"$KTPSYNCD" -d -f "$d/ktpsyncd.conf" >> "$d/ktpsyncd.log" 2>&1 &
	fi
	NPID[$c]=$!
	wait_for 15 nctl "$c" status || fs_fail "ktpsyncd $c did not come up"
}

fs_kill_node() {
	kill -KILL "${NPID[$1]}" 2>/dev/null
	wait "${NPID[$1]}" 2>/dev/null
	NPID[$1]=
}

fs_start_proxy() {
	local c=$1 out=$TEST_DIR/n$1/faultproxy.out
	"$FAULTPROXY" -t "$HUB_PORT" -l 0 -c 0 > "$out" 2>> "$TEST_DIR/n$c/faultproxy.log" &
	PPID_[$c]=$!
	wait_for 10 grep -q '^faultproxy: listen' "$out" || fs_fail "faultproxy for $c did not start"
	read -r _ _ PPORT[$c] _ PCTL[$c] < "$out"
}

# proxy CODE COMMAND: one control command to that node's proxy; "ok ..." expected.
proxy() {
	local ans=
	exec 9<> "/dev/tcp/127.0.0.1/${PCTL[$1]}" || fs_fail "faultproxy control port of $1"
	echo "$2" >&9
	read -r -t 5 ans <&9
	exec 9>&-
	case "$ans" in ok*) ;; *) fs_fail "faultproxy $1: '$2' answered '$ans'" ;; esac
}

# --- setup ------------------------------------------------------------------------

info "hub and ${#CODES[@]} nodes, node $CLOCK_NODE under libfaketime"
mkdir -p "$HUB_STATE"
mount -t tmpfs -o size=$HUB_TMPFS,mode=0700 tmpfs "$HUB_STATE" || skip "cannot mount a tmpfs"
enroll "${CODES[@]}"
write_hub_conf
fs_start_hub
for c in "${CODES[@]}"; do
	d=$TEST_DIR/n$c
	mkdir -p "$d/state" "$d/data"
	echo "+0" > "$d/faketime"
	fs_start_proxy "$c"
	cat > "$d/ktpsyncd.conf" <<-EOF
	[node]
	id = $c
	name = Kabupaten $c
	state_dir = $d/state
	area_dir = $AREA_DIR
	key_file = $KEY_DIR/$c.key
	control_socket = $(node_sock "$c")
	election_date = 2029-02-14

	[hub]
	url = http://127.0.0.1:${PPORT[$c]}
	public_key = $HUB_PUB

	[push]
	interval = 2s
	backoff_min = 1s
	backoff_max = 2s
	timeout = 10s
	batch_max_versions = 2000
	EOF
	fs_start_node "$c"
done

# Residents files: the persons of each node in chunks, only NIKs of the
# node's own regency (a moved-in NIK of another regency could be written by
# two nodes, and conflicts are not what this suite checks).
for c in "${CODES[@]}"; do
	"$B/tools/gen_residents" -r "$c" -n $((CHUNK * CHUNKS)) -s $((SEED + c)) -t "$NOW" |
		awk -F, -v c="$c" -v n="$CHUNK" -v dir="$TEST_DIR/n$c/data" '
		NR == 1 { hdr = $0; next }
		{ k = int((NR - 2) / n) + 1; f = dir "/res-" k ".csv" }
		!(f in seen) { seen[f] = 1; print hdr > f }
		substr($1, 1, 4) == c { print > f }' || fs_fail "gen_residents for $c"
done

# --- the import stream --------------------------------------------------------------

# import_file CODE FILE: imports until the node acknowledges it (bounded);
# logs "FILE first last versions" of the acknowledged import.
import_file() {
	local c=$1 f=$2 n out ec
	for ((n = 0; n < 300; n++)); do
		if out=$(nctl "$c" --json import "$f" 2>&1) &&
		   [ "$(jq -r '.status' <<< "$out" 2>/dev/null)" = 0 ]; then
			jq -r --arg f "$(basename "$f")" \
				'"\($f) \(.first_seq) \(.last_seq) \(.versions)"' <<< "$out" \
				>> "$TEST_DIR/n$c/acks"
			return 0
		fi
		# A daemon that is down prints no JSON; only rows it refused end it.
		ec=$(jq -r '.error_count // 0' <<< "$out" 2>/dev/null) || ec=0
		if [ "${ec:-0}" != 0 ]; then
			echo "import $f refused: $out" >> "$TEST_DIR/n$c/feed.err"
			return 1
		fi
		sleep 0.2
	done
	echo "import $f: not acknowledged after $n tries: $out" >> "$TEST_DIR/n$c/feed.err"
	return 1
}

# feed CODE: residents file k, and every second k the recording events made
# after the first k files' persons, until $STOP appears or files run out.
feed() {
	local c=$1 k d=$TEST_DIR/n$1/data
	for ((k = 1; k <= CHUNKS; k++)); do
		[ -e "$STOP" ] && break
		import_file "$c" "$d/res-$k.csv" || return 1
		if ((k % 2 == 0)); then
			"$B/tools/gen_residents" -r "$c" -n $((CHUNK * k)) -s $((SEED + c)) \
				-t "$NOW" -u "$EVENTS" |
				awk -F, -v c="$c" 'NR == 1 || substr($1, 1, 4) == c' \
				> "$d/ev-$k.csv" || return 1
			import_file "$c" "$d/ev-$k.csv" || return 1
		fi
		sleep 0.3
	done
	touch "$TEST_DIR/n$c/feed.done"
}

for c in "${CODES[@]}"; do
	feed "$c" > /dev/null 2>&1 &
	FPID[$c]=$!
done

# --- faults ---------------------------------------------------------------------------

# The fault functions run in this shell (never in $(...)), so the seeded
# RANDOM sequence and the pids they change stay here; each sets WHAT.
pause_a_little() { sleep "$((RANDOM % 2)).$((RANDOM % 10))"; }
pick_node() { PICK=${CODES[$((RANDOM % ${#CODES[@]}))]}; }

fault_node_kill() {
	pick_node
	fs_kill_node "$PICK"
	sleep "0.$((RANDOM % 10))"
	fs_start_node "$PICK"
	WHAT="kill -9 node $PICK"
}

fault_hub_kill() {
	fs_kill_hub
	pause_a_little
	fs_start_hub
	WHAT="kill -9 hub"
}

LINK_N=0
fault_link() {
	local mode=$((LINK_N % 4))
	pick_node
	LINK_N=$((LINK_N + 1))
	case $mode in
	0) proxy "$PICK" cut; WHAT="link $PICK: connections reset" ;;
	1) proxy "$PICK" down; pause_a_little; proxy "$PICK" up; WHAT="link $PICK: down, then up" ;;
	2) proxy "$PICK" "cutresp $((1 + RANDOM % 60))"; sleep "$((1 + RANDOM % 3))"
	   proxy "$PICK" pass; WHAT="link $PICK: responses cut after a few bytes" ;;
	3) proxy "$PICK" "cutreq $((200 + RANDOM % 30000))"; sleep "$((1 + RANDOM % 3))"
	   proxy "$PICK" pass; WHAT="link $PICK: requests cut part-way" ;;
	esac
}

fault_disk_full() {
	dd if=/dev/zero of="$HUB_STATE/ballast" bs=1M 2>/dev/null
	[ "$(df --output=avail -B1 "$HUB_STATE" | tail -n 1)" -lt 1048576 ] ||
		fs_fail "the hub's tmpfs did not fill up"
	sleep "$((2 + RANDOM % 3))"
	rm -f "$HUB_STATE/ballast"
	WHAT="hub disk full for a while"
}

fault_clock_back() {
	echo "-1h" > "$TEST_DIR/n$CLOCK_NODE/faketime"
	WHAT="node $CLOCK_NODE clock stepped back 1 h"
}

fault_clock_forward() {
	echo "+1d" > "$TEST_DIR/n$CLOCK_NODE/faketime"
	WHAT="node $CLOCK_NODE clock stepped forward 1 d"
}

# The plan: every fault once in a shuffled order; the clock goes back before
# it goes forward.
PLAN=()
for ((i = 0; i < NODE_KILLS; i++)); do PLAN+=(fault_node_kill); done
for ((i = 0; i < HUB_KILLS; i++)); do PLAN+=(fault_hub_kill); done
for ((i = 0; i < LINK_CUTS; i++)); do PLAN+=(fault_link); done
PLAN+=(fault_disk_full fault_clock_back fault_clock_forward)
for ((i = ${#PLAN[@]} - 1; i > 0; i--)); do
	j=$((RANDOM % (i + 1)))
	t=${PLAN[$i]} PLAN[$i]=${PLAN[$j]} PLAN[$j]=$t
done
back=-1 fwd=-1
for i in "${!PLAN[@]}"; do
	[ "${PLAN[$i]}" = fault_clock_back ] && back=$i
	[ "${PLAN[$i]}" = fault_clock_forward ] && fwd=$i
done
[ "$fwd" -lt "$back" ] && PLAN[$back]=fault_clock_forward PLAN[$fwd]=fault_clock_back

# Only the faults stop a daemon: one that died by itself crashed.
all_alive() {
	local c
	kill -0 "$HPID" 2>/dev/null || fs_fail "ktphubd died by itself"
	for c in "${CODES[@]}"; do
		kill -0 "${NPID[$c]}" 2>/dev/null || fs_fail "ktpsyncd $c died by itself"
	done
}

info "${#PLAN[@]} faults planned"
sleep 1
start=$SECONDS
for f in "${PLAN[@]}"; do
	[ $((SECONDS - start)) -lt "$FAULT_BUDGET_S" ] || fs_fail "fault phase over $FAULT_BUDGET_S s"
	WHAT=
	"$f"
	FAULTS=$((FAULTS + 1))
	echo "fault $FAULTS at +$((SECONDS - start)) s: $WHAT"
	all_alive
	sleep "0.$((RANDOM % 10))"
done
info "fault phase done in $((SECONDS - start)) s"

# --- drain --------------------------------------------------------------------------------

touch "$STOP"
for c in "${CODES[@]}"; do
	for ((n = 0; n < 1200; n++)); do
		kill -0 "${FPID[$c]}" 2>/dev/null || break
		sleep 0.1
	done
	wait "${FPID[$c]}" 2>/dev/null
	FPID[$c]=
	[ -e "$TEST_DIR/n$c/feed.err" ] && fs_fail "feeder $c: $(cat "$TEST_DIR/n$c/feed.err")"
	[ -s "$TEST_DIR/n$c/acks" ] || fs_fail "feeder $c: no import acknowledged"
done

node_drained() {
	local s
	s=$(nctl "$1" --json status) || return 1
	[ "$(jq -r '.pending == 0 and .acked == .journal_seq' <<< "$s")" = true ]
}
for c in "${CODES[@]}"; do
	if ! wait_for 60 node_drained "$c"; then
		nctl "$c" sync > /dev/null 2>&1
		wait_for 60 node_drained "$c" ||
			fs_fail "node $c did not drain: $(nctl "$c" status 2>&1)"
	fi
done
http_get /v1/nodes
NODES_JSON=$HTTP_BODY
for c in "${CODES[@]}"; do
	head=$(nctl "$c" --json status | jq -r '.journal_seq')
	fs_expect "GET /v1/nodes acked of $c" \
		"$(json ".[] | select(.code == \"$c\") | .acked" "$NODES_JSON")" "$head"
done

# Clean stops: the daemons must exit 0 on SIGTERM after all this.
for c in "${CODES[@]}"; do
	kill -TERM "${NPID[$c]}"
	wait "${NPID[$c]}"
	rc=$?
	NPID[$c]=
	[ "$rc" -eq 0 ] || fs_fail "ktpsyncd $c exited $rc after SIGTERM"
done
kill -TERM "$HPID"
wait "$HPID"
rc=$?
HPID=
[ "$rc" -eq 0 ] || fs_fail "ktphubd exited $rc after SIGTERM"

# Sanitizer builds (SANITIZE=1) report into the logs and abort.
if grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' \
	"$HUB_LOG" "$TEST_DIR"/n*/ktpsyncd.log 2>/dev/null; then
	fs_fail "a sanitizer reported an error (logs above)"
fi

# --- checks -----------------------------------------------------------------------------------

LOST=0 DUPS=0 VERSIONS=0
node_sql() { sqlite3 -readonly "$TEST_DIR/n$1/state/node.db" "$2"; }

for c in "${CODES[@]}"; do
	ndb=$TEST_DIR/n$c/state/node.db
	head=$(node_sql "$c" "SELECT coalesce(max(seq), 0) FROM journal")
	rows=$(node_sql "$c" "SELECT count(*) FROM journal")
	fs_expect "node $c journal rows (no gaps)" "$rows" "$head"
	chain=$(node_sql "$c" "SELECT hex(chain) FROM journal WHERE seq = $head")
	IFS='|' read -r acked hchain applied <<< \
		"$(hub_sql "SELECT acked, hex(chain), versions FROM nodes WHERE code = $c")"
	VERSIONS=$((VERSIONS + head))

	# Every acknowledged import: its versions lie in the journal, in order,
	# and at or below the hub's cursor.
	prev=0
	while read -r f first last n; do
		[ "$n" = 0 ] && continue
		[ $((last - first + 1)) -eq "$n" ] || fs_fail "$c $f: range $first..$last for $n versions"
		[ "$first" -gt "$prev" ] || fs_fail "$c $f: range $first..$last overlaps $prev"
		prev=$last
		[ "$last" -le "$acked" ] && continue
		LOST=$((LOST + last - (first > acked ? first - 1 : acked)))
		echo "node $c: $f versions $first..$last acknowledged, hub acked $acked" >&2
	done < "$TEST_DIR/n$c/acks"
	[ "$prev" -le "$head" ] || fs_fail "node $c acknowledged up to $prev, journal head $head"
	[ "$acked" -le "$head" ] || fs_fail "hub acked $acked for node $c, journal head $head"
	fs_expect "hub chain at $acked for node $c" "$hchain" "$chain"
	# nodes.versions counts versions applied: more than acked means some twice.
	[ "$applied" -gt "$acked" ] && DUPS=$((DUPS + applied - acked))
	[ "$applied" -lt "$acked" ] && fs_fail "hub applied $applied versions of $c, acked $acked"

	# Every person row of the node is the hub's row, and the hub has no other.
	diff=$(hub_sql "ATTACH 'file:$ndb?mode=ro' AS n;
		SELECT count(*) FROM n.persons p LEFT JOIN main.persons h ON h.nik = p.nik
		 WHERE h.nik IS NULL OR h.node != $c OR h.kecamatan != p.kecamatan
		    OR h.birth_date != p.birth_date OR h.on_dpt != p.on_dpt
		    OR (h.status != 0) != (p.recorded != 0) OR h.recorded_at != p.recorded_at
		    OR h.removed != p.removed;") || fs_fail "comparing persons of $c"
	LOST=$((LOST + diff))
	nn=$(node_sql "$c" "SELECT count(*) FROM persons")
	hn=$(hub_sql "SELECT count(*) FROM persons WHERE node = $c")
	[ "$hn" -gt "$nn" ] && DUPS=$((DUPS + hn - nn))

	# The acknowledged files themselves, applied in order: the final
	# persons, on_dpt, recorded and dpt_unrecorded of this node.
	want=$(cd "$TEST_DIR/n$c/data" && awk -F, '
		FNR == 1 { delete col; for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ n = $1; seen[n] = 1
		  if ("on_dpt" in col) dpt[n] = $col["on_dpt"]
		  if ("status" in col) st[n] = $col["status"] }
		END { for (n in seen) { p++; d += dpt[n] == 1; r += st[n] != "unrecorded"
		                        u += dpt[n] == 1 && st[n] == "unrecorded" }
		      print p + 0, d + 0, r + 0, u + 0 }' $(awk '{ print $1 }' "$TEST_DIR/n$c/acks"))
	got=$(hub_sql "SELECT count(*), sum(on_dpt), sum(status != 0),
		sum(on_dpt AND status = 0) FROM persons WHERE node = $c AND removed = 0" | tr '|' ' ')
	fs_expect "node $c totals at the hub (persons on_dpt recorded dpt_unrecorded)" "$got" "$want"
	info "node $c: $head versions, hub acked $acked applied $applied, totals $got"
done

# The incremental aggregates against a recount from the person rows
# (wajib_ktp: born 17 years before the election day 2029-02-14, or on the
# voter roll when the birth date is unknown).
agg_diff=$(hub_sql "
	WITH r AS (SELECT kecamatan AS k, count(*) AS p,
		sum(CASE WHEN birth_date != 0 THEN birth_date <= 20120214 ELSE on_dpt END) AS w,
		sum(on_dpt) AS d, sum(status != 0) AS rc, sum(on_dpt AND status = 0) AS u
		FROM persons WHERE removed = 0 GROUP BY kecamatan),
	a AS (SELECT kecamatan, persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded
		FROM aggregates WHERE persons OR wajib_ktp OR on_dpt OR recorded OR dpt_unrecorded)
	SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM r)) +
	       (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM a));")
fs_expect "kecamatan aggregates differing from a recount" "$agg_diff" 0
day_diff=$(hub_sql "
	WITH r AS (SELECT recorded_at / 86400 AS day, kecamatan, count(*) AS n FROM persons
		WHERE removed = 0 AND status != 0 AND recorded_at > 0 GROUP BY 1, 2),
	a AS (SELECT day, kecamatan, n FROM rec_daily WHERE n != 0)
	SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM r)) +
	       (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM a));")
fs_expect "daily recordings differing from a recount" "$day_diff" 0

# Not asserted (the log's wording is the hub's): how often a batch came back
# that the hub had committed while the node never saw its answer, and how
# often the full disk turned a push away.
info "batches the hub had applied already: $(grep -c ': 0 applied' "$HUB_LOG"), pushes refused for a full disk: $(grep -c ' 503 ' "$HUB_LOG")"
[ "$LOST" -eq 0 ] && [ "$DUPS" -eq 0 ] ||
	fs_fail "faults: $FAULTS injected, $VERSIONS versions, $LOST lost, $DUPS duplicated"
echo "faults: $FAULTS injected, $VERSIONS versions, $LOST lost, $DUPS duplicated"
pass
