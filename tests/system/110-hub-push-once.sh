#!/usr/bin/env bash
# Exactly once over HTTP: the same batch 10 times is applied once; an
# overlapping batch applies only its new part; a gap answers 409 with the
# hub's acked and changes nothing; a forked chain answers 409 diverged.
. "$(dirname "$0")/test.common"

P=(-p 60)	# 60 persons: later versions update earlier persons
enroll 3201
start_hub

mkbatch_for 3201 -f 1 -l 100 "${P[@]}" -o "$TEST_DIR/b1-100" || fail "mkbatch"
mkbatch_for 3201 -f 51 -l 150 "${P[@]}" -o "$TEST_DIR/b51-150" || fail "mkbatch"
mkbatch_for 3201 -f 200 -l 250 "${P[@]}" -o "$TEST_DIR/b200-250" || fail "mkbatch"
mkbatch_for 3201 -f 151 -l 250 "${P[@]}" -o "$TEST_DIR/b151-250" || fail "mkbatch"
mkbatch_for 3201 -f 241 -l 260 "${P[@]}" --fork 240 -o "$TEST_DIR/fork" || fail "mkbatch"

info "the same batch 10 times"
for i in $(seq 1 10); do
	push_expect "$TEST_DIR/b1-100" 200
	expect_eq "push $i: acked" "$(json .acked)" 100
	expect_eq "push $i: chain length" "$(json '.chain | length')" 64
done
chain100=$(json .chain)
http_get /v1/nodes
expect_eq "versions applied after 10 pushes" "$(json '.[0].versions')" 100
expect_eq "acked" "$(json '.[0].acked')" 100
expect_eq "chain in /v1/nodes" "$(json '.[0].chain')" "$chain100"
expect_eq "totals after 1..100" "$(report_totals)" "$(expected_totals 3201 100 "${P[@]}")"

info "overlapping batch 51..150"
push_expect "$TEST_DIR/b51-150" 200
expect_eq "acked after overlap" "$(json .acked)" 150
http_get /v1/nodes
expect_eq "versions after overlap (only 101..150 new)" "$(json '.[0].versions')" 150
expect_eq "totals after 1..150" "$(report_totals)" "$(expected_totals 3201 150 "${P[@]}")"

info "gap: 200..250 while acked is 150"
before=$(report_totals)
push_expect "$TEST_DIR/b200-250" 409
expect_eq "gap: acked in the answer" "$(json .acked)" 150
[ "$(json .error)" != diverged ] || fail "gap answered as diverged: $HTTP_BODY"
expect_eq "gap: totals unchanged" "$(report_totals)" "$before"
http_get /v1/nodes
expect_eq "gap: acked unchanged" "$(json '.[0].acked')" 150
json '.[0].last_error' | grep -q 'gap' || fail "gap not recorded in last_error: $HTTP_BODY"

info "resume from acked: 151..250"
push_expect "$TEST_DIR/b151-250" 200
expect_eq "acked after resume" "$(json .acked)" 250
expect_eq "totals after 1..250" "$(report_totals)" "$(expected_totals 3201 250 "${P[@]}")"

info "an old batch again is a harmless replay"
push_expect "$TEST_DIR/b1-100" 200
expect_eq "replay: acked" "$(json .acked)" 250

info "a forked journal: 409 diverged"
before=$(report_totals)
push_expect "$TEST_DIR/fork" 409
expect_eq "diverged: error" "$(json .error)" diverged
expect_eq "diverged: acked" "$(json .acked)" 250
expect_eq "diverged: totals unchanged" "$(report_totals)" "$before"
http_get /v1/nodes
expect_eq "versions applied in all" "$(json '.[0].versions')" 250

info "metrics count every push by status"
http_get /metrics
grep -qx 'ktphubd_pushes_total{status="200"} 13' <<< "$HTTP_BODY" ||
	fail "metrics: 200 count: $(grep status=.200 <<< "$HTTP_BODY")"
grep -qx 'ktphubd_pushes_total{status="409"} 2' <<< "$HTTP_BODY" || fail "metrics: 409 count"
grep -qx 'ktphubd_versions_applied_total 250' <<< "$HTTP_BODY" || fail "metrics: versions"
grep -qx 'ktphubd_node_acked{node="3201"} 250' <<< "$HTTP_BODY" || fail "metrics: node acked"
stop_hub
pass
