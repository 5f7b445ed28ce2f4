#!/usr/bin/env bash
# Slow clients (slowloris: headers trickle; a body that stalls) are closed
# after connection_timeout, and other clients are served meanwhile.
. "$(dirname "$0")/test.common"

enroll 3201
HUB_EXTRA=("connection_timeout = 2s")
start_hub
mkbatch_for 3201 -f 1 -l 50 -o "$TEST_DIR/b1" || fail "mkbatch"
mkbatch_for 3201 -f 51 -l 100 -o "$TEST_DIR/b2" || fail "mkbatch"

info "20 slow clients: 10 stall inside the headers, 10 inside the body"
opened=$(date +%s%N)
fds=()
for i in $(seq 1 20); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$HUB_PORT" || fail "connect $i"
	if [ "$i" -le 10 ]; then
		printf 'POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Le' >&"$fd"
	else
		printf 'POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nKTPB' >&"$fd"
	fi
	fds+=("$fd")
done

info "a normal push is served at once meanwhile"
start=$(date +%s%N)
push_expect "$TEST_DIR/b1" 200
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1500 ] || fail "a push took $ms ms while slow clients waited"

info "every slow client is closed within the timeout (+3 s)"
for fd in "${fds[@]}"; do
	# cat ends when the hub closes; timeout(1) answers 124 if it never does.
	timeout 5 cat <&"$fd" > /dev/null
	[ $? -eq 124 ] && fail "a slow client (fd $fd) still open 5 s after the others"
	exec {fd}>&-
done
ms=$(( ($(date +%s%N) - opened) / 1000000 ))
# Closed by the 2 s timeout, not refused at once.
[ "$ms" -ge 1900 ] || fail "slow clients closed after $ms ms, before the timeout"

info "and the hub still serves"
push_expect "$TEST_DIR/b2" 200
expect_eq "acked" "$(json .acked)" 100
stop_hub
pass
