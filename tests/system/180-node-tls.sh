#!/usr/bin/env bash
# Push over HTTPS: verified against [hub] ca_file it works; against the wrong CA the node goes
# to state error with the TLS reason and pushes nothing, and a SIGHUP with the right ca_file
# recovers without a restart.
. "$(dirname "$0")/test.common"

command -v openssl >/dev/null || fail "openssl missing (make deps)"
mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$1.key" -out "$1.crt" > "$TEST_DIR/openssl.log" 2>&1 ||
		fail "openssl: $(cat "$TEST_DIR/openssl.log")"
	chmod 600 "$1.key"
}
mkcert "$HUB_DIR/tls"
mkcert "$TEST_DIR/other"
enroll "$NODE_CODE"
HUB_EXTRA=("tls_cert = $HUB_DIR/tls.crt" "tls_key = $HUB_DIR/tls.key")
HUB_SCHEME=https
HUB_CURL=(--cacert "$HUB_DIR/tls.crt")
start_hub

info "wrong CA: state error, nothing pushed"
NODE_HUB=("ca_file = $TEST_DIR/other.crt")
NODE_PUSH=("backoff_max = 2s")
start_node
residents "$TEST_DIR/res.csv" 40
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
out=$(nctl sync 2>&1) && fail "sync succeeded against the wrong CA"
expect_eq "state" "$(node_field state)" error
node_field last_error | grep -qi "certificate" || fail "last_error: $(node_field last_error)"
expect_eq "hub acked" "$(hub_node_acked)" 0

info "the right CA after SIGHUP"
NODE_HUB=("ca_file = $HUB_DIR/tls.crt")
write_node_conf
kill -HUP "$NODE_PID"
wait_for 15 node_pending_is 0 || fail "not pushed after SIGHUP: $(nctl --json status)"
expect_eq "hub acked" "$(hub_node_acked)" 40
wait_for 10 node_state_is idle || fail "state: got '$(node_field state)', want 'idle'"
stop_node
pass
