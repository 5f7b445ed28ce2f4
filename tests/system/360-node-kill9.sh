#!/usr/bin/env bash
# kill -9 of ktpsyncd at 20 random moments while it imports and pushes. Afterwards every
# import ktpctl reported as done is in the journal and at the hub, the hub applied every
# journal version exactly once, and both hold the same chain hash. SEED=N repeats a run.
. "$(dirname "$0")/test.common"

SEED=${SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$((SEED % 32768))
info "seed $SEED"

enroll "$NODE_CODE"
NODE_PUSH=("interval = 1s" "batch_max_versions = 300")
start_hub
residents "$TEST_DIR/res.csv" 60000 "$((SEED % 1000 + 1))"
split -l 3000 -d <(tail -n +2 "$TEST_DIR/res.csv") "$TEST_DIR/chunk."
acked_chunks=()

for ((i = 0; i < 20; i++)); do
	f=$TEST_DIR/chunk.$(printf %02d "$i")
	{ head -n 1 "$TEST_DIR/res.csv"; cat "$f"; } > "$f.csv"
	start_node
	nctl import "$f.csv" > "$f.out" 2>&1 &
	imp=$!
	# From the start of the import to well into the push that follows it.
	sleep "0.$(printf %03d $((RANDOM % 200)))"
	kill_node
	if wait "$imp"; then
		acked_chunks+=("$f")
	fi
done
info "${#acked_chunks[@]} of 20 imports were acknowledged before the kill"
[ "$(grep -c "push: hub acked" "$NODE_LOG")" -gt 0 ] || fail "no push happened between the kills"

start_node
nctl_ok sync >/dev/null
wait_for 30 node_pending_is 0 || fail "pending did not drain: $(nctl --json status)"

head=$(node_field journal_seq)
expect_eq "hub acked" "$(hub_node_acked)" "$head"
expect_eq "hub applied each version once" \
	"$(hub_sql "SELECT versions FROM nodes WHERE code = $NODE_CODE")" "$head"
expect_eq "chain at head" "$(hub_sql "SELECT hex(chain) FROM nodes WHERE code = $NODE_CODE")" \
	"$(node_sql "SELECT hex(chain) FROM journal WHERE seq = $head")"
expect_eq "journal has no gaps" "$(node_sql "SELECT count(*) = max(seq) FROM journal")" 1
expect_eq "persons" "$(hub_sql "SELECT count(*) FROM persons")" \
	"$(node_sql "SELECT count(*) FROM persons")"

for f in "${acked_chunks[@]}"; do
	list=$(cut -d, -f1 "$f" | paste -sd,)
	expect_eq "node rows of acknowledged $(basename "$f")" \
		"$(node_sql "SELECT count(*) FROM persons WHERE nik IN ($list)")" 3000
	expect_eq "hub rows of acknowledged $(basename "$f")" \
		"$(hub_sql "SELECT count(*) FROM persons WHERE nik IN ($list)")" 3000
done
stop_node
pass
