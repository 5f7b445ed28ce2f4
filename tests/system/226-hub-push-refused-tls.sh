#!/usr/bin/env bash
# Over TLS the hub cannot write a refusal while the body still comes in: a
# push refused by its header is still never kept, and is answered when the
# body ends (401, 413), with the same JSON as over plain HTTP.
. "$(dirname "$0")/test.common"

command -v openssl >/dev/null || fail "openssl missing (make deps)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$HUB_DIR/tls.key" -out "$HUB_DIR/tls.crt" > "$TEST_DIR/openssl.log" 2>&1 ||
	fail "openssl: $(cat "$TEST_DIR/openssl.log")"
chmod 600 "$HUB_DIR/tls.key"
enroll 3201
HUB_EXTRA=("tls_cert = $HUB_DIR/tls.crt" "tls_key = $HUB_DIR/tls.key")
HUB_SCHEME=https
HUB_CURL=(--cacert "$HUB_DIR/tls.crt")
start_hub

info "node 3204 is not enrolled: 401 after each 4 MiB body, none of it kept"
mkbatch_for 3204 -f 1 -l 5 -o "$TEST_DIR/s" || fail "mkbatch 3204"
head -c 76 "$TEST_DIR/s" > "$TEST_DIR/big"
printf '\x04\x00\x00\x00' | dd of="$TEST_DIR/big" bs=1 seek=32 conv=notrunc status=none
head -c $((4 * 1024 * 1024)) /dev/zero >> "$TEST_DIR/big"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$HUB_PID/status"; }
base=$(rss_kb)
for i in 1 2 3 4; do push_expect "$TEST_DIR/big" 401; done
rss=$(rss_kb)
info "RSS ${base} kB before, ${rss} kB after four refused bodies of 4 MiB"
# ASan keeps what GnuTLS frees per record in its quarantine (some 90 MB here);
# TSan's allocator holds freed blocks too.
if nm "$KTPHUBD" 2>/dev/null | grep -q '__asan_init\|__tsan_init'; then
	info "sanitizer build: RSS not compared"
else
	[ $((rss - base)) -lt 3072 ] || fail "RSS grew by $((rss - base)) kB"
fi
expect_eq "401 body" "$HTTP_BODY" '{"error":"node 3204 is not enrolled at this hub"}'

info "a real batch of 3201 padded to 1 MiB: longer than its plain_len explains, 413"
mkbatch_for 3201 -f 1 -l 5 -o "$TEST_DIR/b" || fail "mkbatch 3201"
cp "$TEST_DIR/b" "$TEST_DIR/padded"
head -c $((1024 * 1024)) /dev/zero >> "$TEST_DIR/padded"
push_expect "$TEST_DIR/padded" 413
json .error | grep -q '^batch 1\.\.5: [0-9]* bytes, more than a batch of plain_len [0-9]* can take' ||
	fail "413 body: $HTTP_BODY"

info "and the real batch is applied"
push_expect "$TEST_DIR/b" 200
expect_eq "acked" "$(json .acked)" 5
stop_hub
pass
