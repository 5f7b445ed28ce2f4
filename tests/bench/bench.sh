#!/usr/bin/env bash
# make bench: every figure as one line `bench: NAME VALUE UNIT`.
# Runs each compiled benchmark (build/bench/*), then each scripted one
# (tests/bench/bench-*.sh, which drive the real daemons or, bench-pg.sh, a
# throw-away PostgreSQL cluster). Never fails on a time.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${KTP_BUILD:-build}
export KTP_BUILD=$B
for b in "$B"/bench/*; do
	[ -x "$b" ] || continue
	"$b" || echo "bench: $(basename "$b") failed (exit $?)" >&2
done
for s in tests/bench/bench-*.sh; do
	[ -e "$s" ] || continue
	bash "$s" || echo "bench: $(basename "$s") failed (exit $?)" >&2
done
