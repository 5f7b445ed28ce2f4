# Shell helpers shared by the system tests (tests/system/test.common), the
# demo and the end-to-end benchmark. Source it after setting ROOT; it defines
# functions and AREA_DIR only.

# The Kemendagri code table in the tree, for the daemons' area_dir.
AREA_DIR=${AREA_DIR:-$ROOT/protocol/areas}

# A TSan build cannot check a process run under libfaketime: libfaketime wraps
# pthread_cond_timedwait and calls glibc's past TSan's interceptor, so TSan
# misses the unlock inside the wait and reports double locks and races under
# one mutex even in a ten-line correct program. Such a process reports nothing
# (and exits 0 for it); every other process stays checked.
TSAN_FAKETIME_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS }report_bugs=0"

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds; at most
# SECONDS*10 tries and SECONDS of wall time. Returns 1 on timeout.
wait_for() {
	local secs=$1 n=0 max deadline
	shift
	max=$((secs * 10))
	deadline=$((SECONDS + secs))
	while [ "$n" -lt "$max" ] && [ "$SECONDS" -le "$deadline" ]; do
		"$@" >/dev/null 2>&1 && return 0
		n=$((n + 1))
		sleep 0.1
	done
	return 1
}

# free_port: a TCP port on 127.0.0.1 that no socket uses now; returns 1 (and
# prints nothing) when 100 tries found none. The port is taken below the
# kernel's ephemeral range: a port in it can be the local end of any client
# connection (curl, a node's push) by the time the daemon binds it.
free_port() {
	local p i lo=32768 hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$lo" -gt 12000 ] || lo=32768
	for ((i = 0; i < 100; i++)); do
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
