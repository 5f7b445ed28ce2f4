#!/usr/bin/env bash
# ktpsyncd and sd_notify: READY=1 after the journal opens, STATUS= with the state and the
# pending count, WATCHDOG=1 from the loop, RELOADING=1 then READY=1 around SIGHUP,
# STOPPING=1 on SIGTERM. A Python datagram socket stands in for systemd's notify socket.
. "$(dirname "$0")/test.common"

command -v python3 >/dev/null || skip "python3 is needed to stand in for systemd's notify socket"
enroll "$NODE_CODE"
write_hub_conf
write_node_conf
msgs=$(python3 - "$KTPSYNCD" "$NODE_CONF" "$TEST_DIR/notify.sock" "$NODE_LOG" <<'PY'
import os, signal, socket, subprocess, sys, time
syncd, conf, path, log = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(3)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
p = subprocess.Popen([syncd, "-f", conf], env=env, stderr=open(log, "a"))
got = []
def recv_until(pred, limit=5.0):
    end = time.time() + limit
    while time.time() < end:
        try:
            got.append(s.recv(4096).decode())
        except socket.timeout:
            return
        if pred():
            return
recv_until(lambda: got.count("WATCHDOG=1") >= 3)
p.send_signal(signal.SIGHUP)
recv_until(lambda: "RELOADING=1" in got and got[got.index("RELOADING=1"):].count("READY=1") >= 1)
p.send_signal(signal.SIGTERM)
recv_until(lambda: "STOPPING=1" in got)
print("exit", p.wait(timeout=15))
for m in got:
    print(m)
PY
) || fail "notify listener: $msgs"
info "messages: $(tr '\n' ' ' <<< "$msgs" | cut -c1-400)"
grep -qx 'exit 0' <<< "$msgs" || fail "ktpsyncd did not exit 0"
expect_eq "first message" "$(sed -n 2p <<< "$msgs")" "READY=1"
grep -Eqx 'STATUS=(idle|offline|backoff|pushing), 0 pending' <<< "$msgs" || fail "no STATUS="
[ "$(grep -cx 'WATCHDOG=1' <<< "$msgs")" -ge 3 ] || fail "fewer than 3 WATCHDOG=1"
grep -qx 'RELOADING=1' <<< "$msgs" || fail "no RELOADING=1 on SIGHUP"
expect_eq "last message" "$(tail -n 1 <<< "$msgs")" "STOPPING=1"
pass
