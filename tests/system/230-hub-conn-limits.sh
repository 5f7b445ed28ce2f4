#!/usr/bin/env bash
# Connection caps: past max_connections_per_ip a new connection from the same
# address is closed at once; once the others go, it is served again.
. "$(dirname "$0")/test.common"

enroll 3201
HUB_EXTRA=("max_connections_per_ip = 4" "connection_timeout = 20s")
start_hub

# start_hub's own probe may still hold a slot until the hub sees it close:
# wait for the hub to hold no connection, so the quota is all ours.
hub_conns() { ss -Htn state established "( sport = :$HUB_PORT )" | grep -c .; }
hub_idle() { [ "$(hub_conns)" = 0 ]; }
wait_for 10 hub_idle || fail "the hub still holds $(hub_conns) connections"
# A write to a connection the hub refused must fail here, not kill the shell.
trap '' PIPE

info "4 idle connections hold the address's quota"
fds=()
for i in 1 2 3 4; do
	exec {fd}<>"/dev/tcp/127.0.0.1/$HUB_PORT" || fail "connect $i"
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&"$fd" ||
		fail "connection $i was refused"	# headers never end
	fds+=("$fd")
done
sleep 0.3
http_get /healthz
expect_eq "a 5th connection" "$HTTP_CODE" 000

info "the quota frees when they close"
for fd in "${fds[@]}"; do exec {fd}>&-; done
wait_for 5 hub_is_up || fail "not served after the idle connections closed"
http_get /healthz
expect_eq "served again" "$HTTP_CODE" 200
stop_hub
pass
