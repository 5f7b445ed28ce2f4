#!/usr/bin/env bash
# 150 clients each send one header line every 2 s, never idle for the 3 s
# connection_timeout: request_timeout (6 s) closes every one of them, unanswered,
# and /healthz answers at once all the while.
. "$(dirname "$0")/test.common"

N=150
enroll 3201
HUB_EXTRA=("connection_timeout = 3s" "request_timeout = 6s" "max_connections = 256"
	   "max_connections_per_ip = 200")
start_hub
trap '' PIPE

healthz_fast() {
	local t0 ms
	t0=$(date +%s%N)
	http_get /healthz --max-time 2
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$HTTP_CODE" = 200 ] || fail "/healthz: HTTP $HTTP_CODE with $N slow clients ($1)"
	[ "$ms" -lt 1500 ] || fail "/healthz took $ms ms with $N slow clients ($1)"
}

# open_count: how many of the slow clients the hub has not closed (a read
# would block); a closed one reads end of file at once.
open_count() {
	local fd n=0
	for fd in "${fds[@]}"; do
		read -r -t 0 -u "$fd" || n=$((n + 1))
	done
	echo "$n"
}

info "$N clients open a request and trickle its headers"
t0=$(date +%s%N)
fds=()
for ((i = 0; i < N; i++)); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$HUB_PORT" || fail "connect $i"
	printf 'GET /v1/report HTTP/1.1\r\nHost: x\r\n' >&"$fd"
	fds+=("$fd")
done
elapsed() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
for round in 1 2; do
	sleep 2
	for fd in "${fds[@]}"; do printf 'X-Slow-%d: x\r\n' "$round" >&"$fd" 2>/dev/null; done
	healthz_fast "round $round, $(elapsed) ms"
done
info "at $(elapsed) ms, past connection_timeout and before request_timeout: all open"
expect_eq "open slow clients" "$(open_count)" "$N"

sleep 2
for fd in "${fds[@]}"; do printf 'X-Slow-3: x\r\n' >&"$fd" 2>/dev/null; done
# The idle timeout, restarted by that line, would close them at about 9 s.
sleep 2
info "at $(elapsed) ms, past request_timeout: all closed"
expect_eq "open slow clients" "$(open_count)" 0
for fd in "${fds[@]}"; do
	head -c 1 <&"$fd" 2>/dev/null | grep -q . && fail "a slow client got an answer"
	exec {fd}>&-
done
grep -q 'not received within 6 s (request_timeout), connection' "$HUB_LOG" ||
	fail "the log does not say why they were closed"
healthz_fast "after"
stop_hub
pass
