#!/usr/bin/env bash
# PostgreSQL figures, in a throw-away cluster of tests/pg.sh (fsync on, the
# server's defaults otherwise):
#   pg_copy_rows_s   a plain COPY ... FROM STDIN (psql's \copy over the Unix
#                    socket) of PG_COPY_ROWS (1 M) rows shaped like the hub's
#                    persons (daemon/hub/store.c, keyed by nik) into an empty
#                    table with its primary key, until COMMIT returns: rows
#                    per second. The ceiling the hub's PostgreSQL apply is
#                    measured against. The rows come in NIK order scrambled
#                    (a permutation), as pushes from many nodes would.
# Prints `bench: NAME VALUE UNIT`; never fails on a time. KEEP=1 keeps the files.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/pg.sh"
ROWS=${PG_COPY_ROWS:-1000000}

die() { echo "bench-pg: $*" >&2; exit 1; }

D=$(mktemp -d "${TMPDIR:-/tmp}/ktp-bench-pg-XXXXXX") || exit 1
cleanup() {
	pg_cleanup
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $D" >&2; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_s() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

pg_start "$D/pg" || die "pg_start"
pg_psql "CREATE TABLE persons (
	nik bigint PRIMARY KEY, hlc bigint NOT NULL, node integer NOT NULL,
	name text NOT NULL, sex integer NOT NULL, birth_date integer NOT NULL,
	kecamatan integer NOT NULL, desa bigint NOT NULL, on_dpt integer NOT NULL,
	status integer NOT NULL, recorded_at bigint NOT NULL, site integer NOT NULL,
	operator text NOT NULL, removed integer NOT NULL)" || die "create table"

# The rows, written by the server (not timed). 48271 is a primitive root
# modulo the prime 2^31 - 1: i -> i * 48271 mod (2^31 - 1) is a permutation.
pg_psql "COPY (SELECT 3201000000000000 + (i::bigint * 48271) % 2147483647,
	1790000000000 + i, 3201 + i % 21, 'PENDUDUK NOMOR ' || i, i % 2,
	-3650 + i % 25000, 320101 + i % 30, 3201012001 + i % 400, i % 3 / 2,
	i % 4, 1790000000 + i, 1 + i % 7, 'op' || i % 50, 0
	FROM generate_series(1, $ROWS) i) TO STDOUT" > "$D/persons.tsv" || die "rows"

t0=$(now_s)
pg_psql "\\copy persons FROM '$D/persons.tsv'" || die "copy"
t1=$(now_s)
n=$(pg_psql "SELECT count(*) FROM persons") || die "count"
[ "$n" = "$ROWS" ] || die "copied $n rows, want $ROWS"
echo "$(calc %.2f "$t1 - $t0") s for $ROWS rows, $(du -sh "$D/pg/data" | cut -f1) cluster" >&2
echo "bench: pg_copy_rows_s $(calc %.0f "$ROWS / ($t1 - $t0)") rows/s"
