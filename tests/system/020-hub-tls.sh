#!/usr/bin/env bash
# HTTPS: with tls_cert and tls_key the hub serves TLS only; a push and the
# read endpoints work over it, and the bearer token guards the reports.
. "$(dirname "$0")/test.common"

command -v openssl >/dev/null || fail "openssl missing (make deps)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$HUB_DIR/tls.key" -out "$HUB_DIR/tls.crt" > "$TEST_DIR/openssl.log" 2>&1 ||
	fail "openssl: $(cat "$TEST_DIR/openssl.log")"
chmod 600 "$HUB_DIR/tls.key"
TOKEN=0123456789abcdef0123
enroll 3201
HUB_EXTRA=("tls_cert = $HUB_DIR/tls.crt" "tls_key = $HUB_DIR/tls.key" "report_token = $TOKEN")
HUB_SCHEME=https
HUB_CURL=(--cacert "$HUB_DIR/tls.crt")
start_hub

info "plain HTTP is not served"
curl -s --max-time 3 -o /dev/null "http://127.0.0.1:$HUB_PORT/healthz" && fail "plain HTTP answered"

info "push over HTTPS (no token needed)"
mkbatch_for 3201 -f 1 -l 40 -o "$TEST_DIR/b1" || fail "mkbatch"
push_expect "$TEST_DIR/b1" 200
expect_eq "acked" "$(json .acked)" 40

info "read endpoints need the bearer token"
http_get /v1/nodes
expect_eq "nodes without token" "$HTTP_CODE" 401
grep -qi '^WWW-Authenticate: Bearer' <<< "$HTTP_HEADERS" || fail "no WWW-Authenticate header"
http_get /v1/report -H "Authorization: Bearer wrong-token-0000000"
expect_eq "report with a wrong token" "$HTTP_CODE" 401
http_get /v1/report -H "Authorization: Bearer $TOKEN"
expect_eq "report with the token" "$HTTP_CODE" 200
expect_eq "persons" "$(json .province.persons)" 40
http_get /healthz
expect_eq "healthz without token" "$HTTP_CODE" 200
stop_hub
grep -q "$TOKEN" "$HUB_LOG" && fail "the token appears in the log"
"$KTPHUBD" -n -f "$HUB_CONF" | grep -q "$TOKEN" && fail "-n prints the token"
pass
