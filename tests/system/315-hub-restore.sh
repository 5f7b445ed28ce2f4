#!/usr/bin/env bash
# The hub's disk is lost. Three nodes push; hub.db is copied mid-run with sqlite3 .backup
# (README, "What to back up"); the nodes move on. Part 1: the hub comes back on that copy.
# Part 2: the hub comes back on an empty state_dir with the same key and enrolments. Each
# time the nodes move on again and resend, by themselves, what the hub lacks: the hub ends
# equal, person for person, to a hub that never lost anything (its copy at the moment of
# the loss), to the nodes' journals and reports, with its aggregates equal to a recount
# (store_verify's query) and every version applied once since the loss.
. "$(dirname "$0")/test.common"

CODES=(3201 3204 3273)
NOW=1790000000
declare -A NPID=()

node_dir() { echo "$TEST_DIR/n$1"; }
node_sock() { echo "$TEST_DIR/n$1/ktpsyncd.sock"; }
nctl() { local c=$1; shift; timeout 60 "$KTPCTL" -s "$(node_sock "$c")" "$@"; }
nfield() { nctl "$1" --json status | jq -r ".$2"; }
ndb() { echo "$TEST_DIR/n$1/state/node.db"; }
node_sql() { sqlite3 -readonly "$(ndb "$1")" "$2"; }
node_idle_at() { [ "$(nfield "$1" state)" = idle ]; }

start_one() {
	local c=$1 d
	d=$(node_dir "$c")
	"$KTPSYNCD" -d -f "$d/ktpsyncd.conf" >> "$d/ktpsyncd.log" 2>&1 &
	NPID[$c]=$!
	track_pid "${NPID[$c]}"
	wait_for 15 nctl "$c" status || fail "ktpsyncd $c did not come up"
}

# drained CODE: nothing pending and the hub's acked (as the hub says) is the journal head.
drained() {
	local c=$1 head
	[ "$(nfield "$c" pending)" = 0 ] || return 1
	head=$(nfield "$c" journal_seq)
	[ "$(node_acked "$c")" = "$head" ]
}

all_drained() {
	local c
	for c in "${CODES[@]}"; do drained "$c" || return 1; done
}

# wave NAME ARGS...: on every node, gen_residents ARGS of its own regency (a NIK of
# another regency could be written by two nodes: conflicts are not this test's
# subject), imported; then waits (60 s) until every node is drained.
wave() {
	local name=$1 c f
	shift
	for c in "${CODES[@]}"; do
		f=$(node_dir "$c")/$name.csv
		"$GEN_RESIDENTS" -r "$c" -t "$NOW" "$@" |
			awk -F, -v c="$c" 'NR == 1 || substr($1, 1, 4) == c' > "$f" ||
			fail "gen_residents $name for $c"
		nctl "$c" import "$f" > /dev/null || fail "import $name at $c"
	done
	wait_for 60 all_drained || fail "wave $name: not drained: $(for c in "${CODES[@]}"; do
		nctl "$c" --json status; done)"
}

# The person rows as the hub holds them, id left out.
PCOLS="nik, hlc, node, name, sex, birth_date, kecamatan, desa, on_dpt, status, recorded_at,
	site, operator, removed"

# check_hub WHAT: the hub against the nodes, the reference copy and a recount.
check_hub() {
	local what=$1 c head acked versions diff n want got
	for c in "${CODES[@]}"; do
		head=$(node_sql "$c" "SELECT max(seq) FROM journal")
		IFS='|' read -r acked versions <<< \
			"$(hub_sql "SELECT acked, versions FROM nodes WHERE code = $c")"
		expect_eq "$what: hub acked of $c" "$acked" "$head"
		expect_eq "$what: node $c status acked" "$(nfield "$c" acked)" "$head"
		# idle between heartbeats (a heartbeat is "pushing" for milliseconds)
		wait_for 10 node_idle_at "$c" || fail "$what: node $c state: $(nfield "$c" state)"
		# The person rows of the node, version for version (the hub's HLC is
		# that of the node's newest version of the person).
		diff=$(hub_sql "ATTACH 'file:$(ndb "$c")?mode=ro' AS n;
			SELECT count(*) FROM n.persons p JOIN n.journal j ON j.seq = p.seq
			LEFT JOIN main.persons h ON h.nik = p.nik
			WHERE h.nik IS NULL OR h.node != $c OR h.hlc != j.hlc
			   OR h.kecamatan != p.kecamatan OR h.birth_date != p.birth_date
			   OR h.on_dpt != p.on_dpt OR (h.status != 0) != (p.recorded != 0)
			   OR h.recorded_at != p.recorded_at OR h.removed != p.removed;") ||
			fail "$what: comparing the persons of $c"
		expect_eq "$what: persons of $c differing from its journal" "$diff" 0
		expect_eq "$what: hub rows of $c" "$(hub_sql "SELECT count(*) FROM persons
			WHERE node = $c")" "$(node_sql "$c" "SELECT count(*) FROM persons")"
		# The node's own report and the hub's regency, counter for counter.
		want=$(nctl "$c" --json report | jq -c "$REPORT_COUNTERS") || fail "report at $c"
		http_get /v1/report
		got=$(json ".province.regencies[] | select(.code == \"$c\") | $REPORT_COUNTERS" |
			jq -c .)
		[ "$(jq -r .persons <<< "$want")" -gt 0 ] 2>/dev/null || fail "$what: report at $c: $want"
		expect_eq "$what: hub report of $c against the node's" "$got" "$want"
	done
	# store_verify: the incremental aggregates against a recount of the rows.
	n=$(hub_sql "
		WITH r AS (SELECT kecamatan AS k, count(*) AS p,
			sum(CASE WHEN birth_date != 0 THEN birth_date <= 20120214 ELSE on_dpt END),
			sum(on_dpt), sum(status != 0), sum(on_dpt AND status = 0)
			FROM persons WHERE removed = 0 GROUP BY kecamatan),
		a AS (SELECT kecamatan, persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded
			FROM aggregates WHERE persons OR wajib_ktp OR on_dpt OR recorded
			OR dpt_unrecorded)
		SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM r)) +
		       (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM a)) +
		       (SELECT count(*) FROM (
			SELECT day, kecamatan, n FROM rec_daily WHERE n != 0 EXCEPT
			SELECT recorded_at / 86400, kecamatan, count(*) FROM persons
			WHERE removed = 0 AND status != 0 AND recorded_at > 0 GROUP BY 1, 2));")
	expect_eq "$what: aggregates differing from a recount" "$n" 0
	# The hub that never lost anything: every person it held is here, as it was.
	n=$(hub_sql "ATTACH 'file:$TEST_DIR/ref.db?mode=ro' AS r;
		SELECT (SELECT count(*) FROM (SELECT $PCOLS FROM r.persons EXCEPT
			SELECT $PCOLS FROM main.persons)) +
		       (SELECT count(*) FROM (SELECT $PCOLS FROM main.persons
			WHERE nik IN (SELECT nik FROM r.persons) EXCEPT SELECT $PCOLS FROM r.persons));")
	expect_eq "$what: persons differing from the hub that lost nothing" "$n" 0
}

REPORT_COUNTERS='{persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded}'

info "hub and ${#CODES[@]} nodes"
enroll "${CODES[@]}"
write_hub_conf
start_hub
for c in "${CODES[@]}"; do
	d=$(node_dir "$c")
	mkdir -p "$d"
	cat > "$d/ktpsyncd.conf" <<-EOF2
	[node]
	id = $c
	name = Kabupaten $c
	state_dir = $d/state
	area_dir = $AREA_DIR
	key_file = $KEY_DIR/$c.key
	control_socket = $(node_sock "$c")
	election_date = 2029-02-14

	[hub]
	url = http://127.0.0.1:$HUB_PORT
	public_key = $HUB_PUB

	[push]
	interval = 1s
	backoff_min = 1s
	backoff_max = 2s
	timeout = 10s
	batch_max_versions = 50
	EOF2
	start_one "$c"
done

info "the nodes push; hub.db is copied mid-run with .backup"
wave w1 -n 150 -s 11
sqlite3 "$HUB_STATE/hub.db" ".backup '$TEST_DIR/hub-mid.db'" || fail ".backup"
declare -A MID_ACKED=()
for c in "${CODES[@]}"; do MID_ACKED[$c]=$(nfield "$c" journal_seq); done

info "the nodes move on: recordings of their persons and new persons"
wave w2u -n 150 -s 11 -u 60
wave w2 -n 120 -s 22
sqlite3 "$HUB_STATE/hub.db" ".backup '$TEST_DIR/ref.db'" || fail ".backup of the reference"
for c in "${CODES[@]}"; do
	[ "$(nfield "$c" journal_seq)" -gt "${MID_ACKED[$c]}" ] || fail "node $c did not move on"
done
REF_PERSONS=$(sqlite3 -readonly "$TEST_DIR/ref.db" "SELECT count(*) FROM persons")

info "part 1: the disk is lost, hub.db comes back from the mid-run copy"
kill_hub
rm -rf "$HUB_STATE"
mkdir -p "$HUB_STATE"
cp "$TEST_DIR/hub-mid.db" "$HUB_STATE/hub.db"
timeout 10 "$KTPHUBD" -f "$HUB_CONF" > "$TEST_DIR/refused.log" 2>&1 && fail "hub started on a 0644 hub.db"
expect_eq "a restored 0644 copy is refused" \
	"$(tail -n 1 "$TEST_DIR/refused.log" | sed 's/^.*ktphubd\[error\]: //')" \
	"$HUB_STATE/hub.db: mode 0644, must be 0600 (chmod 600 $HUB_STATE/hub.db)"
chmod 600 "$HUB_STATE/hub.db"
# Read from the copy before the hub starts: once it runs, the nodes'
# heartbeats find it behind within a second.
declare -A VERSIONS_AT_RESTORE=()
for c in "${CODES[@]}"; do
	expect_eq "restored copy: acked of $c" \
		"$(hub_sql "SELECT acked FROM nodes WHERE code = $c")" "${MID_ACKED[$c]}"
	VERSIONS_AT_RESTORE[$c]=$(hub_sql "SELECT versions FROM nodes WHERE code = $c")
done
start_hub

info "idle nodes resend what the hub lacks by themselves, then move on again"
# Nothing new is imported first: the heartbeats alone find the hub behind.
caught_up() { [ "$(node_acked "$1")" = "$(node_sql "$1" "SELECT max(seq) FROM journal")" ]; }
for c in "${CODES[@]}"; do
	wait_for 60 caught_up "$c" || fail "restored hub: node $c did not resend without new data"
done
check_hub "restored copy, idle nodes"
wave w3 -n 60 -s 33
check_hub "restored copy"
for c in "${CODES[@]}"; do
	# Each version the copy lacked applied once: nodes.versions counts applies.
	expect_eq "restored hub: versions of $c applied since the copy" \
		"$(( $(hub_sql "SELECT versions FROM nodes WHERE code = $c") - VERSIONS_AT_RESTORE[$c] ))" \
		"$(( $(nfield "$c" journal_seq) - MID_ACKED[$c] ))"
done

info "part 2: the disk is lost again, the hub starts on an empty state_dir"
stop_hub
rm -rf "$HUB_STATE"
start_hub
# Nothing new is imported: the idle nodes' heartbeats meet a hub that has
# acked nothing, and each sends its whole journal again by itself.
for c in "${CODES[@]}"; do
	wait_for 60 caught_up "$c" || fail "empty hub: node $c did not resend without new data"
done
check_hub "empty state_dir, idle nodes"
wave w4 -n 40 -s 44
check_hub "empty state_dir"
for c in "${CODES[@]}"; do
	expect_eq "empty hub: versions of $c applied once" \
		"$(hub_sql "SELECT versions FROM nodes WHERE code = $c")" "$(nfield "$c" journal_seq)"
done
[ "$(hub_sql "SELECT count(*) FROM persons")" -gt "$REF_PERSONS" ] ||
	fail "the hub holds no more persons than before the loss"
for c in "${CODES[@]}"; do
	kill -TERM "${NPID[$c]}"
	wait "${NPID[$c]}" || fail "ktpsyncd $c exited $? after SIGTERM"
done
stop_hub
pass
