#!/usr/bin/env bash
# Metrics as Prometheus expects them: `promtool check metrics` passes on both
# daemons' output, every Unix time is a *_timestamp_seconds, no label value
# has a space, *_build_info carries the version -V prints, and the hub's
# per-regency gauges (name, pending at last contact, dpt_unrecorded, projected
# completion) say what the report says. The shipped alert rules pass
# `promtool check rules` and their own `promtool test rules`. `ktpctl metrics
# --textfile` writes the node's text for node_exporter, replacing the file.
. "$(dirname "$0")/test.common"

command -v promtool >/dev/null || fail "promtool not found (Debian package prometheus; make check installs it)"

info "the shipped alert rules"
out=$(promtool check rules "$ROOT/conf/ktpsync.rules.yml" 2>&1) || fail "promtool check rules: $out"
grep -q "SUCCESS: 7 rules found" <<< "$out" || fail "promtool check rules: $out"
out=$(promtool test rules "$ROOT/tests/system/alerts/ktpsync.rules.test.yml" 2>&1) ||
	fail "promtool test rules: $out"

# 3201 sends data; 3202 is enrolled and silent.
enroll "$NODE_CODE" 3202
start_hub
start_node
residents "$TEST_DIR/res.csv" 300
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
nctl_ok sync >/dev/null
version=$("$KTPCTL" -V | sed 's/^ktpctl //')
[ -n "$version" ] || fail "ktpctl -V printed no version"

# check_text NAME TEXT: what promtool and this project require of a scrape.
check_text() {
	local lint
	lint=$(promtool check metrics <<< "$2" 2>&1) || fail "$1: promtool check metrics: $lint"
	[ -z "$lint" ] || fail "$1: promtool check metrics says: $lint"
	grep -E '^[a-z_]+\{[^}]*="[^"]* [^"]*"' <<< "$2" && fail "$1: a label value with a space"
	grep -E '^# TYPE [a-z_]*(_seconds|_time|_at) ' <<< "$2" | grep -vE '_timestamp_seconds |_apply_seconds ' &&
		fail "$1: a time not named *_timestamp_seconds"
	grep -qx "${1}_build_info{version=\"$version\"} 1" <<< "$2" ||
		fail "$1: no ${1}_build_info for $version"
	return 0
}

info "ktphubd /metrics"
http_get /metrics
expect_eq "/metrics status" "$HTTP_CODE" 200
hub_text=$HTTP_BODY
check_text ktphubd "$hub_text"
gauge() { awk -v k="$1" '$1 == k { print $2 }' <<< "$hub_text"; }
http_get /v1/report
regency() { json ".province.regencies[] | select(.code == \"$1\") | .$2"; }
expect_eq "3201 pending at last contact" "$(gauge 'ktphubd_node_pending_versions{node="3201"}')" 0
expect_eq "3201 dpt_unrecorded" "$(gauge 'ktphubd_node_dpt_unrecorded{node="3201"}')" \
	"$(regency 3201 dpt_unrecorded)"
name=$(regency 3201 name)
[ -n "$name" ] && [ "$name" != null ] || fail "the report names no regency 3201"
expect_eq "3201 info" "$(gauge "ktphubd_node_info{node=\"3201\",name=\"${name// /_}\"}")" 1
projected=$(regency 3201 projected_completion)
if [ "$projected" = null ]; then
	# Nothing recorded lately: it would never finish at this rate.
	expect_eq "3201 projected completion" \
		"$(gauge 'ktphubd_node_projected_completion_timestamp_seconds{node="3201"}')" "+Inf"
else
	expect_eq "3201 projected completion" \
		"$(gauge 'ktphubd_node_projected_completion_timestamp_seconds{node="3201"}')" \
		"$(TZ=Asia/Jakarta date -d "$projected 00:00" +%s)"
fi
# The silent regency: its times say never, and what is not known has no sample.
expect_eq "3202 last contact" "$(gauge 'ktphubd_node_last_contact_timestamp_seconds{node="3202"}')" 0
for g in pending_versions dpt_unrecorded projected_completion_timestamp_seconds; do
	grep -q "^ktphubd_node_$g{node=\"3202\"}" <<< "$hub_text" &&
		fail "3202 without data has a $g sample: $(grep "node=\"3202\"" <<< "$hub_text")"
done
expect_eq "election day" "$(gauge ktphubd_election_timestamp_seconds)" \
	"$(TZ=Asia/Jakarta date -d "$(json .election_date) 00:00" +%s)"

info "ktpsyncd: ktpctl metrics and --textfile"
node_text=$(nctl_ok metrics)
check_text ktpsyncd "$node_text"
grep -qx 'ktpsyncd_pending_versions 0' <<< "$node_text" || fail "node pending: $node_text"
grep -qx 'ktpsyncd_pushes_total{outcome="too_large"} 0' <<< "$node_text" ||
	fail "no too_large outcome: $(grep pushes_total <<< "$node_text")"
prom=$TEST_DIR/textfile/ktpsyncd.prom
mkdir -p "$TEST_DIR/textfile"
echo stale > "$prom"
nctl_ok metrics --textfile "$prom" >/dev/null
expect_eq "textfile mode" "$(stat -c %a "$prom")" 644
promtool check metrics < "$prom" || fail "the textfile does not pass promtool"
grep -qx "ktpsyncd_build_info{version=\"$version\"} 1" "$prom" || fail "textfile: $(head -5 "$prom")"
[ -z "$(find "$TEST_DIR/textfile" -name '*.tmp*')" ] || fail "a temporary file was left: $(ls "$TEST_DIR/textfile")"
out=$(nctl metrics --textfile "$TEST_DIR/none/ktpsyncd.prom" 2>&1) && fail "a missing directory was not an error"
grep -q "^ktpctl: metrics: $TEST_DIR/none/ktpsyncd.prom" <<< "$out" || fail "textfile error: $out"
pass
