#!/usr/bin/env bash
# The PostgreSQL harness (tests/pg.sh) the 4xx tests stand on: a throw-away
# cluster as an unprivileged user on a Unix socket only, 100 000 rows through
# \copy, a fast and an immediate stop with the rows still there after each, a
# streaming standby in synchronous_standby_names that holds a row committed
# with synchronous_commit = on when the primary is stopped -m immediate right
# after the commit and the standby promoted, a multi-host conninfo that finds
# the promoted standby, and nothing left running or on disk afterwards, also
# when a test fails with a cluster running.
. "$(dirname "$0")/test.common"
. "$ROOT/tests/pg.sh"

P=$TEST_DIR/pg/primary
S=$TEST_DIR/pg/standby
ROWS=100000

info "initdb and start"
pg_start "$P" || fail "pg_start $P"
expect_eq "conninfo" "$PG_CONNINFO" "host=$P port=15432 dbname=ktpsync user=ktpsync"
expect_eq "session" "$(pg_psql 'SELECT current_user, current_database()')" "ktpsync|ktpsync"
expect_eq "database owner" \
	"$(pg_psql "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'ktpsync'")" ktpsync
expect_eq "server settings" \
	"$(pg_psql_admin "$P" "SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'),
		current_setting('fsync'), current_setting('synchronous_commit'), current_setting('server_version_num')::int / 10000")" \
	"|$P|on|on|15"
[ -S "$P/.s.PGSQL.15432" ] || fail "no socket $P/.s.PGSQL.15432"
PM=$(head -n 1 "$P/data/postmaster.pid")
if [ "$(id -u)" = 0 ]; then
	expect_eq "server user" "$(ps -o user= -p "$PM")" ktppg
	expect_eq "cluster dir" "$(stat -c '%U %a' "$P")" "ktppg 700"
	expect_eq "TEST_DIR mode" "$(stat -c '%a' "$TEST_DIR")" 711
	getent passwd ktppg | grep -q ':/usr/sbin/nologin$' || fail "ktppg: $(getent passwd ktppg)"
fi
# No TCP socket of that postmaster.
tcp=$(ss -Hltnp 2>/dev/null | grep "pid=$PM,")
expect_eq "TCP listeners of the postmaster" "$tcp" ""

info "\\copy of $ROWS rows"
pg_psql "CREATE TABLE persons (nik bigint PRIMARY KEY, hlc bigint NOT NULL, node integer NOT NULL,
	kecamatan integer NOT NULL, on_dpt integer NOT NULL, name text NOT NULL)" || fail "create table"
seq 1 $ROWS | awk '{ printf "3201%012d,%d,3201,%d,%d,NAMA %d\n", $1, 1790000000 + $1, 320101 + $1 % 30, $1 % 2, $1 }' \
	> "$TEST_DIR/rows.csv"
expect_eq "rows in the file" "$(wc -l < "$TEST_DIR/rows.csv")" $ROWS
pg_psql "\\copy persons FROM '$TEST_DIR/rows.csv' WITH (FORMAT csv)" || fail "\\copy"
WANT="100000|50000|3201000000000001|3201000000100000|NAMA 77"
# got: the copied rows (the later inserts have NIKs above them).
got() { pg_psql "SELECT count(*), sum(on_dpt), min(nik), max(nik),
	(SELECT name FROM persons WHERE nik = 3201000000000077) FROM persons
	WHERE nik <= 3201000000100000"; }
expect_eq "after \\copy" "$(got)" "$WANT"

info "fast stop and start"
pg_stop "$P" || fail "pg_stop fast"
expect_eq "processes after the fast stop" "$(pg_procs "$P")" ""
pg_start "$P" || fail "pg_start after the fast stop"
expect_eq "after the fast stop" "$(got)" "$WANT"

info "immediate stop and start"
pg_psql "INSERT INTO persons VALUES (3201000000200000, 1, 3201, 320101, 1, 'SESUDAH')" || fail "insert"
pg_stop "$P" immediate || fail "pg_stop immediate"
expect_eq "processes after the immediate stop" "$(pg_procs "$P")" ""
grep -q 'received immediate shutdown request' "$P/log/postgres.log" || fail "no immediate shutdown in the log"
pg_start "$P" || fail "pg_start after the immediate stop"
grep -q 'database system was not properly shut down; automatic recovery in progress' \
	"$P/log/postgres.log" || fail "no crash recovery in the log"
expect_eq "after the immediate stop" "$(got)" "$WANT"
expect_eq "row committed before the immediate stop" \
	"$(pg_psql "SELECT name FROM persons WHERE nik = 3201000000200000")" SESUDAH

info "streaming standby"
pg_standby "$P" "$S" || fail "pg_standby"
expect_eq "standby name" "$(pg_app_name "$S")" standby
expect_eq "standby in recovery" "$(pg_psql_admin "$S" 'SELECT pg_is_in_recovery()')" t
expect_eq "standby socket only" \
	"$(pg_psql_admin "$S" "SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories')")" "|$S"
SQ=$(pg_conninfo "$S") || fail "pg_conninfo $S"
expect_eq "standby conninfo" "$SQ" "host=$S port=15432 dbname=ktpsync user=ktpsync"
standby_rows() { PG_CONNINFO=$SQ pg_psql "SELECT count(*) FROM persons"; }
standby_has() { [ "$(standby_rows)" = "$1" ]; }
wait_for 10 standby_has 100001 || fail "standby: $(standby_rows 2>&1) rows, want 100001"
out=$(PG_CONNINFO=$SQ pg_psql "INSERT INTO persons VALUES (1, 1, 1, 1, 1, 'x')" 2>&1)
expect_eq "write on the standby" "$?" 1
case "$out" in *"ERROR:  cannot execute INSERT in a read-only transaction"*) ;;
*) fail "write on the standby: $out" ;; esac

info "synchronous commit, immediate stop of the primary, promotion"
pg_psql_admin "$P" "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
	"SELECT pg_reload_conf()" > /dev/null || fail "synchronous_standby_names"
sync_state() { pg_psql_admin "$P" "SELECT application_name, state, sync_state FROM pg_stat_replication"; }
sync_is() { [ "$(sync_state)" = "$1" ]; }
wait_for 10 sync_is "standby|streaming|sync" || fail "replication: $(sync_state)"
out=$(pg_psql "SET synchronous_commit = on" "SHOW synchronous_commit" \
	"INSERT INTO persons VALUES (3201000000300000, 2, 3201, 320102, 0, 'SINKRON') RETURNING name") ||
	fail "synchronous insert: $out"
expect_eq "synchronous insert" "$out" "on
SINKRON"
# Right after the commit returned: only the standby's copy can keep the row.
pg_stop "$P" immediate || fail "pg_stop immediate of the primary"
pg_promote "$S" || fail "pg_promote"
expect_eq "promoted" "$(pg_psql_admin "$S" 'SELECT pg_is_in_recovery()')" f
expect_eq "row on the promoted standby" \
	"$(PG_CONNINFO=$SQ pg_psql "SELECT name FROM persons WHERE nik = 3201000000300000")" SINKRON
expect_eq "rows on the promoted standby" \
	"$(PG_CONNINFO=$SQ pg_psql "SELECT count(*) FROM persons")" 100002

info "multi-host conninfo"
MQ=$(pg_conninfo "$P" "$S") || fail "pg_conninfo $P $S"
expect_eq "multi-host conninfo" "$MQ" \
	"host=$P,$S port=15432,15432 dbname=ktpsync user=ktpsync target_session_attrs=read-write"
expect_eq "multi-host write" "$(PG_CONNINFO=$MQ pg_psql \
	"INSERT INTO persons VALUES (3201000000400000, 3, 3201, 320103, 1, 'BARU') RETURNING current_setting('cluster_name')")" "$S"

info "cleanup, also of a test that fails with its cluster running"
cat > "$TEST_DIR/child.sh" <<EOF
. "$ROOT/tests/system/test.common"
. "$ROOT/tests/pg.sh"
echo "\$TEST_DIR" > "$TEST_DIR/child.dir"
pg_start "\$TEST_DIR/pg" || exit 2
pg_psql "SELECT 1" > "$TEST_DIR/child.out" || exit 2
pg_procs "\$TEST_DIR/pg" > "$TEST_DIR/child.procs"
fail "on purpose"
EOF
KTP_BUILD=${KTP_BUILD:-build} bash "$TEST_DIR/child.sh" > "$TEST_DIR/child.out.log" 2>&1
expect_eq "failing child's status" "$?" 1
expect_eq "child's query" "$(cat "$TEST_DIR/child.out")" 1
CD=$(cat "$TEST_DIR/child.dir")
[ -s "$TEST_DIR/child.procs" ] || fail "the child's cluster was not running"
[ ! -e "$CD" ] || fail "the failing child left $CD"
left=$(pgrep -a -f -- "$CD")
expect_eq "processes of the failing child" "$left" ""

pg_cleanup
expect_eq "processes under $TEST_DIR" "$(pgrep -a -f -- "$TEST_DIR")" ""
pass
