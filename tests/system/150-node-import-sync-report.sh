#!/usr/bin/env bash
# import -> sync -> the hub's report for the regency equals the node's own, kecamatan by
# kecamatan; a second import of changes flows within seconds of `ktpctl sync`.
. "$(dirname "$0")/test.common"

enroll "$NODE_CODE"
start_hub
start_node

info "import 3000 residents"
residents "$TEST_DIR/res.csv" 3000
out=$(nctl_ok import "$TEST_DIR/res.csv")
expect_eq "import summary" "$out" "import: res.csv: 3000 rows, 3000 new versions, 0 unchanged"
expect_eq "journal seq" "$(node_field journal_seq)" 3000

info "sync waits for the hub's ack"
out=$(nctl_ok sync)
expect_eq "sync output" "$out" "sync: hub acked seq 3000"
expect_eq "pending" "$(node_field pending)" 0
expect_eq "hub acked" "$(hub_node_acked)" 3000
expect_eq "versions_sent" "$(node_field versions_sent)" 3000

# Every counter and derived field of each kecamatan (PROTOCOL.md 8.4). The node
# gives its projection as YYYYMMDD (0 = none); it is compared in the hub's form.
kec() {
	jq -c 'def ymd: if type == "number" then (if . == 0 then null else
			(tostring | "\(.[0:4])-\(.[4:6])-\(.[6:8])") end) else . end;
		[.. | objects | select(has("code") and has("persons") and ((.code|tostring|length) == 6))
		| {code: (.code|tostring), persons, wajib_ktp, on_dpt, recorded, dpt_unrecorded,
		   recorded_30d, rate_per_day, projected_completion: (.projected_completion | ymd),
		   on_track}]
		| sort_by(.code)'
}
node_rep=$(nctl --json report | kec)
http_get "/v1/report?regency=$NODE_CODE"
hub_rep=$(printf '%s' "$HTTP_BODY" | kec)
[ "$(printf '%s' "$node_rep" | jq length)" -gt 1 ] || fail "node report has no kecamatan: $node_rep"
expect_eq "per-kecamatan report" "$hub_rep" "$node_rep"

info "recording events flow after sync"
"$GEN_RESIDENTS" -r "$NODE_CODE" -n 3000 -s 1 -t 1790000000 -u 500 > "$TEST_DIR/rec.csv" ||
	fail "gen_residents -u"
nctl_ok import "$TEST_DIR/rec.csv" >/dev/null
head=$(node_field journal_seq)
[ "$head" -gt 3000 ] || fail "recording import made no versions (head $head)"
nctl_ok sync >/dev/null
expect_eq "hub acked after events" "$(hub_node_acked)" "$head"
node_rep=$(nctl --json report | kec)
http_get "/v1/report?regency=$NODE_CODE"
expect_eq "report after events" "$(printf '%s' "$HTTP_BODY" | kec)" "$node_rep"

info "unrecorded lists exactly the dpt_unrecorded voters"
want=$(nctl --json report | jq -r .dpt_unrecorded)
csv_rows=$(nctl_ok unrecorded | tail -n +2 | wc -l)
expect_eq "unrecorded CSV rows" "$csv_rows" "$want"
out=$(nctl --json unrecorded)
expect_eq "unrecorded JSON count" "$(json .count "$out")" "$want"
expect_eq "unrecorded JSON rows" "$(json '.rows | length' "$out")" "$want"
expect_eq "unrecorded JSON keys" "$(json '.rows[0] | keys | join(",")' "$out")" \
	"desa,desa_name,kecamatan,kecamatan_name,name,nik"
first_kec=$(json '.rows[0].kecamatan' "$out")
n_kec=$(nctl_ok unrecorded --kecamatan "$first_kec" | tail -n +2 | wc -l)
expect_eq "unrecorded of one kecamatan" "$n_kec" "$(json "[.rows[] | select(.kecamatan == \"$first_kec\")] | length" "$out")"

info "recordings at the edges of the 30-day window count alike at node and hub"
# Today, the 29th day before (inside) and the 30th day before (outside), all UTC days.
nctl_ok unrecorded | tail -n +2 | head -n 4 | cut -d, -f1 > "$TEST_DIR/edge.nik"
expect_eq "edge voters" "$(wc -l < "$TEST_DIR/edge.nik")" 4
{
	echo "nik,status,recorded_at,site,operator"
	i=0
	while read -r nik; do
		case $i in
		0) at=$(date -u +%Y-%m-%dT00:00:01Z) ;;
		1) at=$(date -u -d '29 days ago' +%Y-%m-%dT00:00:00Z) ;;
		*) at=$(date -u -d '30 days ago' +%Y-%m-%dT23:59:59Z) ;;
		esac
		echo "$nik,recorded,$at,office,op$i"
		i=$((i + 1))
	done < "$TEST_DIR/edge.nik"
} > "$TEST_DIR/edge.csv"
before=$(nctl --json report | jq .recorded_30d)
nctl_ok import "$TEST_DIR/edge.csv" >/dev/null
expect_eq "recorded_30d counts 2 of the 4" "$(nctl --json report | jq .recorded_30d)" $((before + 2))
nctl_ok sync >/dev/null
expect_eq "hub acked after edge recordings" "$(hub_node_acked)" "$(node_field journal_seq)"
node_rep=$(nctl --json report | kec)
http_get "/v1/report?regency=$NODE_CODE"
expect_eq "report after edge recordings" "$(printf '%s' "$HTTP_BODY" | kec)" "$node_rep"
[ "$(printf '%s' "$node_rep" | jq '[.[].recorded_30d] | add')" -ge 2 ] ||
	fail "no kecamatan counts the recent recordings: $node_rep"

info "status fields are all there"
fields=$(nctl --json status | jq -r 'keys | join(" ")')
for f in state node journal_seq acked pending oldest_pending_s last_success last_error \
	next_attempt versions_sent bytes_sent batch_size daemon last_error_at throughput_bps paused; do
	case " $fields " in *" $f "*) ;; *) fail "status lacks '$f': $fields" ;; esac
done
expect_eq "daemon" "$(node_field daemon)" ktpsyncd
stop_node
pass
