# Throw-away PostgreSQL clusters for the system tests and the benchmarks.
# Source it after setting ROOT (tests/system/test.common does); it defines
# functions and a few PG_* variables only.
#
# Each cluster lives in one directory DIR: DIR/data (the data directory),
# the Unix socket DIR/.s.PGSQL.PORT (no TCP at all: listen_addresses = ''),
# DIR/log/*.log (initdb, pg_ctl and the server's own log) and DIR/port. It runs
# Debian's postgresql-15 binaries ($PG_BIN) as an unprivileged user: ktppg,
# created as a system user when missing, if the caller is root (initdb and
# postgres refuse to run as root); the caller itself otherwise. Authentication
# is trust over the socket, which only that user and root can reach (DIR is
# 0700). fsync, full_page_writes and synchronous_commit are on: the clusters
# test durability. The system's own clusters (/var/run/postgresql, port 5432)
# are never used.
#
#   pg_start DIR [PORT]        initdb (first time only), start, wait until
#                              pg_isready answers (at most 30 s); the first time
#                              also creates role $PG_ROLE and database $PG_DB
#                              owned by it. Sets PG_CONNINFO to this cluster.
#   pg_stop DIR [MODE]         pg_ctl stop -m fast (default) or immediate; waits
#                              until none of the cluster's processes is left.
#   pg_psql SQL...             psql as $PG_ROLE with $PG_CONNINFO, each argument
#                              one -c (stdin when none), unaligned tuples only,
#                              stops at the first error (exit status 1 for a -c,
#                              3 for stdin; 2 when it cannot connect).
#   pg_psql_admin DIR SQL...   the same as the superuser, database postgres.
#   pg_conninfo DIR...         the libpq conninfo of one cluster, or of several
#                              (host=A,B port=P,Q target_session_attrs=read-write).
#   pg_standby DIR SDIR [PORT] pg_basebackup -R of DIR into SDIR over the socket,
#                              starts it as a streaming standby named
#                              $(pg_app_name SDIR) and waits (at most 30 s)
#                              until DIR sees it streaming.
#   pg_promote SDIR            promotes the standby; waits (at most 30 s) until
#                              it accepts writes.
#   pg_app_name DIR            the standby's application_name, for
#                              synchronous_standby_names.
#   pg_procs DIR               pids of the cluster's processes (postmaster and
#                              children: their titles carry cluster_name = DIR).
#   pg_cleanup                 stops every cluster started in this shell
#                              (immediate, then KILL by pid). Registered with
#                              on_exit when the caller has one (system tests);
#                              a benchmark calls it from its own exit trap.
#
# The functions print what went wrong on stderr and return 1; callers decide
# (`pg_start "$D" || fail "..."`). PG_EXTRA_OPTS adds server options
# ("-c name=value ...") to every start.

# No variable of libpq, pg_ctl or Debian's wrappers in the caller's environment
# (PGHOST, PGPORT, PGSERVICE, PGDATA, PGOPTIONS, PGCLUSTER...) may steer psql,
# pg_ctl or pg_basebackup elsewhere. Ours are PG_* and stay.
for _pg_v in $(compgen -e); do
	case $_pg_v in PG_*) ;; PG*) unset "$_pg_v" ;; esac
done
unset _pg_v

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DB=ktpsync
PG_ROLE=ktpsync
# Not 5432: a conninfo that lost its host= then fails instead of reaching the
# system's cluster in /var/run/postgresql. Each cluster has its own socket
# directory, so clusters may share a port number.
PG_PORT_DEFAULT=15432
PG_EXTRA_OPTS=${PG_EXTRA_OPTS:-}
PG_CONNINFO=
PG_DIRS=()
if [ "$(id -u)" = 0 ]; then
	PG_OS_USER=ktppg
else
	PG_OS_USER=$(id -un)
fi

declare -F wait_for >/dev/null || . "$ROOT/tests/lib.sh"

_pg_err() { echo "$1: $2" >&2; return 1; }

# _pg_abs DIR: DIR as an absolute path without symlinks (it must exist).
_pg_abs() { (cd "$1" 2>/dev/null && pwd -P); }

# _pg_as DIR CMD...: CMD as $PG_OS_USER, from DIR (the caller's working
# directory may be one that user cannot enter).
_pg_as() {
	local dir=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		(cd "$dir" && runuser -u "$PG_OS_USER" -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

# _pg_user: as root, makes sure $PG_OS_USER exists (a system user without a
# home or a login shell) and is not root.
_pg_user() {
	local uid
	[ "$(id -u)" = 0 ] || return 0
	if ! getent passwd "$PG_OS_USER" >/dev/null; then
		# Two tests may create it at once: the loser's useradd fails, getent then finds it.
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --comment "ktpsync test PostgreSQL clusters" \
			"$PG_OS_USER" 2>/dev/null ||
			getent passwd "$PG_OS_USER" >/dev/null ||
			_pg_err pg_start "cannot create the system user $PG_OS_USER (useradd)" || return 1
	fi
	uid=$(id -u "$PG_OS_USER") || return 1
	[ "$uid" != 0 ] || _pg_err pg_start "$PG_OS_USER has uid 0; the clusters need an unprivileged user"
}

# _pg_reach DIR: $PG_OS_USER must be able to enter every directory above DIR.
# A test's TEST_DIR (mktemp -d: 0700, root's) is not: it gets go+x (0711), so
# that user can pass through to the cluster directory it owns but cannot list
# TEST_DIR; the files there keep their own modes (the keys are 0600). Only
# directories under $TMPDIR (or /tmp) are relaxed; anything else is an error.
_pg_reach() {
	local d=$1 tmp
	[ "$(id -u)" = 0 ] || return 0
	tmp=$(_pg_abs "${TMPDIR:-/tmp}") || tmp=/tmp
	while d=$(dirname "$d") && [ "$d" != / ]; do
		runuser -u "$PG_OS_USER" -- test -x "$d" && continue
		case "$d/" in
		"$tmp"/?*) chmod go+x "$d" || return 1 ;;
		*) _pg_err pg_start "$PG_OS_USER cannot enter $d (not under ${TMPDIR:-/tmp})"; return 1 ;;
		esac
	done
}

# _pg_track DIR: remembers DIR for pg_cleanup (registered once with on_exit).
_pg_track() {
	local d
	for d in "${PG_DIRS[@]}"; do [ "$d" = "$1" ] && return 0; done
	if [ "${#PG_DIRS[@]}" = 0 ] && declare -F on_exit >/dev/null; then
		on_exit pg_cleanup
	fi
	PG_DIRS+=("$1")
}

# _pg_prepare DIR: DIR/log, DIR owned by $PG_OS_USER, mode 0700.
_pg_prepare() {
	mkdir -p "$1/log" || return 1
	chown -R "$PG_OS_USER:" "$1" && chmod 0700 "$1"
}

# _pg_launch DIR PORT: starts the cluster in DIR (initialised) on PORT and
# waits until it answers (pg_ctl -w, then pg_isready; at most 30 s each).
_pg_launch() {
	local dir=$1 port=$2 opts
	echo "$port" > "$dir/port" || return 1
	# pg_ctl passes -o through /bin/sh: the quotes are for that shell. The
	# command line outranks postgresql.conf, postgresql.auto.conf (ALTER SYSTEM)
	# and what pg_basebackup copies from a primary.
	opts="-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$port"
	opts+=" -c cluster_name='$dir' -c fsync=on -c full_page_writes=on -c synchronous_commit=on"
	[ -z "$PG_EXTRA_OPTS" ] || opts+=" $PG_EXTRA_OPTS"
	_pg_as "$dir" "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/log/postgres.log" \
		-w -t 30 -s -o "$opts" >> "$dir/log/pg_ctl.log" 2>&1 ||
		_pg_err pg_start "pg_ctl start -D $dir/data failed (see $dir/log/postgres.log)" || return 1
	wait_for 30 "$PG_BIN/pg_isready" -q -h "$dir" -p "$port" -U "$PG_OS_USER" -d postgres ||
		_pg_err pg_start "$dir: pg_isready got no answer within 30 s"
}

pg_start() {
	local dir port fresh=0
	[ $# -ge 1 ] || _pg_err pg_start "usage: pg_start DIR [PORT]" || return 1
	[ -x "$PG_BIN/postgres" ] ||
		_pg_err pg_start "$PG_BIN/postgres missing (make deps installs postgresql-15)" || return 1
	mkdir -p "$1" && dir=$(_pg_abs "$1") || _pg_err pg_start "cannot make $1" || return 1
	port=${2:-$(cat "$dir/port" 2>/dev/null || echo "$PG_PORT_DEFAULT")}
	_pg_user && _pg_reach "$dir" || return 1
	_pg_track "$dir"
	if [ ! -e "$dir/data/PG_VERSION" ]; then
		_pg_prepare "$dir" || _pg_err pg_start "cannot prepare $dir" || return 1
		_pg_as "$dir" "$PG_BIN/initdb" -D "$dir/data" -U "$PG_OS_USER" --auth=trust \
			--encoding=UTF8 --locale=C > "$dir/log/initdb.log" 2>&1 ||
			_pg_err pg_start "initdb -D $dir/data failed (see $dir/log/initdb.log)" || return 1
		fresh=1
	fi
	_pg_launch "$dir" "$port" || return 1
	if [ "$fresh" = 1 ]; then
		pg_psql_admin "$dir" "CREATE ROLE $PG_ROLE LOGIN" \
			"CREATE DATABASE $PG_DB OWNER $PG_ROLE" >/dev/null ||
			_pg_err pg_start "$dir: cannot create role and database $PG_DB" || return 1
	fi
	PG_CONNINFO=$(pg_conninfo "$dir") || return 1
	export PG_CONNINFO
}

pg_conninfo() {
	local d a hosts='' ports=''
	for d; do
		a=$(_pg_abs "$d") && [ -e "$a/port" ] ||
			_pg_err pg_conninfo "$d is not a cluster directory" || return 1
		hosts+=${hosts:+,}$a
		ports+=${ports:+,}$(cat "$a/port")
	done
	[ -n "$hosts" ] || _pg_err pg_conninfo "usage: pg_conninfo DIR..." || return 1
	printf 'host=%s port=%s dbname=%s user=%s' "$hosts" "$ports" "$PG_DB" "$PG_ROLE"
	[ $# -lt 2 ] || printf ' target_session_attrs=read-write'
	echo
}

pg_psql() {
	local a args=()
	[ -n "$PG_CONNINFO" ] || _pg_err pg_psql "PG_CONNINFO is empty (pg_start first)" || return 1
	for a; do args+=(-c "$a"); done
	[ $# -gt 0 ] || args=(-f -)
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_CONNINFO" "${args[@]}"
}

pg_psql_admin() {
	local dir
	dir=$(_pg_abs "$1") && [ -e "$dir/port" ] ||
		_pg_err pg_psql_admin "$1 is not a cluster directory" || return 1
	shift
	PG_CONNINFO="host=$dir port=$(cat "$dir/port") dbname=postgres user=$PG_OS_USER" pg_psql "$@"
}

# _pg_re TEXT: TEXT as an extended regular expression matching itself.
_pg_re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

pg_procs() {
	local dir re
	dir=$(_pg_abs "$1") || dir=$1
	re=$(_pg_re "$dir")
	# The postmaster's command line has -D DIR/data; every child's title starts
	# "postgres: DIR: " (cluster_name).
	pgrep -u "$PG_OS_USER" -f -- "$re/data|postgres: $re: "
}

pg_stop() {
	local dir mode=${2:-fast}
	case $mode in fast | immediate) ;; *) _pg_err pg_stop "mode $mode: fast or immediate"; return 1 ;; esac
	dir=$(_pg_abs "$1") && [ -e "$dir/data/PG_VERSION" ] ||
		_pg_err pg_stop "$1 is not a cluster directory" || return 1
	_pg_as "$dir" "$PG_BIN/pg_ctl" stop -D "$dir/data" -m "$mode" -w -t 30 -s \
		>> "$dir/log/pg_ctl.log" 2>&1 ||
		_pg_err pg_stop "pg_ctl stop -m $mode -D $dir/data failed (see $dir/log/pg_ctl.log)" || return 1
	wait_for 10 _pg_none "$dir" ||
		_pg_err pg_stop "$dir: processes left 10 s after the stop: $(pg_procs "$dir" | tr '\n' ' ')"
}

_pg_none() { ! pg_procs "$1" >/dev/null; }

pg_app_name() { basename "$1" | tr -c 'a-zA-Z0-9_\n' _ | tr '[:upper:]' '[:lower:]'; }

# _pg_streaming DIR NAME: DIR's walsender to NAME is streaming.
_pg_streaming() {
	[ "$(pg_psql_admin "$1" "SELECT count(*) FROM pg_stat_replication
		WHERE application_name = '$2' AND state = 'streaming'")" = 1 ]
}

pg_standby() {
	local dir sdir port name
	[ $# -ge 2 ] || _pg_err pg_standby "usage: pg_standby DIR STANDBY_DIR [PORT]" || return 1
	dir=$(_pg_abs "$1") && [ -e "$dir/port" ] ||
		_pg_err pg_standby "$1 is not a running cluster directory" || return 1
	mkdir -p "$2" && sdir=$(_pg_abs "$2") || _pg_err pg_standby "cannot make $2" || return 1
	[ ! -e "$sdir/data" ] || _pg_err pg_standby "$sdir/data exists already" || return 1
	port=${3:-$PG_PORT_DEFAULT}
	name=$(pg_app_name "$sdir")
	_pg_reach "$sdir" || return 1
	_pg_track "$sdir"
	_pg_prepare "$sdir" || _pg_err pg_standby "cannot prepare $sdir" || return 1
	# -R writes standby.signal and primary_conninfo (this conninfo, with the
	# application_name synchronous_standby_names names) into the copy.
	_pg_as "$sdir" "$PG_BIN/pg_basebackup" -D "$sdir/data" -R -X stream -c fast \
		-d "host=$dir port=$(cat "$dir/port") user=$PG_OS_USER application_name=$name" \
		> "$sdir/log/basebackup.log" 2>&1 ||
		_pg_err pg_standby "pg_basebackup of $dir failed (see $sdir/log/basebackup.log)" || return 1
	_pg_launch "$sdir" "$port" || return 1
	wait_for 30 _pg_streaming "$dir" "$name" ||
		_pg_err pg_standby "$dir does not see $name streaming within 30 s"
}

_pg_primary() { [ "$(pg_psql_admin "$1" "SELECT pg_is_in_recovery()")" = f ]; }

pg_promote() {
	local sdir
	sdir=$(_pg_abs "$1") && [ -e "$sdir/data/standby.signal" ] ||
		_pg_err pg_promote "$1 is not a standby's directory" || return 1
	_pg_as "$sdir" "$PG_BIN/pg_ctl" promote -D "$sdir/data" -w -t 30 -s \
		>> "$sdir/log/pg_ctl.log" 2>&1 ||
		_pg_err pg_promote "pg_ctl promote -D $sdir/data failed (see $sdir/log/postgres.log)" || return 1
	wait_for 30 _pg_primary "$sdir" ||
		_pg_err pg_promote "$sdir still in recovery 30 s after the promotion"
}

pg_cleanup() {
	local i dir pid
	for ((i = ${#PG_DIRS[@]} - 1; i >= 0; i--)); do
		dir=${PG_DIRS[$i]}
		_pg_none "$dir" && continue
		[ -e "$dir/data/PG_VERSION" ] &&
			_pg_as "$dir" "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w -t 10 -s \
				>/dev/null 2>&1
		wait_for 5 _pg_none "$dir" && continue
		for pid in $(pg_procs "$dir"); do kill -KILL "$pid" 2>/dev/null; done
		wait_for 5 _pg_none "$dir" || echo "pg_cleanup: $dir: processes left: $(pg_procs "$dir" | tr '\n' ' ')" >&2
	done
	return 0
}
