#!/usr/bin/env bash
# Versions and help: -V and --version print "NAME VERSION" on all three
# binaries, the same version (git describe at build time, or the Makefile's
# VERSION), exit 0 and start nothing; -h and --help print the usage on stdout
# and exit 0; a wrong option prints it on stderr and exits 2. The daemons'
# start lines name the version too.
. "$(dirname "$0")/test.common"

# run ARGS...: stdout in $OUT, stderr in $ERR, exit code in $RC.
run() {
	"$@" > "$TEST_DIR/.out" 2> "$TEST_DIR/.err"
	RC=$?
	OUT=$(cat "$TEST_DIR/.out")
	ERR=$(cat "$TEST_DIR/.err")
}

want=$(cat "$B/version.txt")
[[ $want =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "build version '$want' does not start with X.Y.Z"
for p in ktpsyncd ktphubd ktpctl; do
	for opt in -V --version; do
		run "$B/bin/$p" "$opt"
		expect_eq "$p $opt exit" "$RC" 0
		expect_eq "$p $opt" "$OUT" "$p $want"
		expect_eq "$p $opt stderr" "$ERR" ""
	done
	for opt in -h --help; do
		run "$B/bin/$p" "$opt"
		expect_eq "$p $opt exit" "$RC" 0
		grep -q "^usage: $p " <<< "$OUT" || fail "$p $opt: $OUT"
		grep -q -- "-V, --version" <<< "$OUT" || fail "$p $opt lists no -V: $OUT"
	done
done
for p in ktpsyncd ktphubd; do
	run "$B/bin/$p" -x
	expect_eq "$p -x exit" "$RC" 2
	expect_eq "$p -x stdout" "$OUT" ""
	grep -q "^usage: $p \[-dn\] \[-f file\]" <<< "$ERR" || fail "$p -x: $ERR"
	run "$B/bin/$p" extra
	expect_eq "$p extra argument exit" "$RC" 2
done

info "the start lines"
enroll "$NODE_CODE"
start_hub
start_node
grep -q "ktphubd $want listening on port $HUB_PORT" "$HUB_LOG" ||
	fail "hub start line: $(grep -m1 listening "$HUB_LOG")"
wait_for 5 grep -q "ktpsyncd $want: node $NODE_CODE started" "$NODE_LOG" ||
	fail "node start line: $(grep -m1 started "$NODE_LOG")"
expect_eq "node status version" "$(node_field version)" "$want"
nctl_ok status | grep -qx "version: *$want" || fail "ktpctl status: $(nctl status)"
expect_eq "hub status version" "$(ctl_ok --json status | jq -r .version)" "$want"
ctl_ok status | grep -qx "version: *$want" || fail "ktpctl status at the hub: $(ctl status)"
pass
