#!/usr/bin/env bash
# The dashboard login with a 256-character report_token (a config line past
# inih's 200 bytes), a wrong token of any length (401 with the form), and
# the limit on failed logins per address (429 with Retry-After).
. "$(dirname "$0")/test.common"

token=$(head -c 192 /dev/urandom | base64 -w0 | tr '+/' '-_')
expect_eq "token length" "${#token}" 256
enroll 3201
HUB_EXTRA=("report_token = $token" "session_lifetime = 30m")
write_hub_conf
out=$("$KTPHUBD" -n -f "$HUB_CONF" 2>&1) || fail "-n refused a 256-character token: $out"
start_hub

# login FORM-FILE: POSTs the form; sets HTTP_CODE, HTTP_BODY, HTTP_HEADERS.
login() {
	HTTP_CODE=$(curl -sS --max-time 30 -o "$TEST_DIR/.body" -D "$TEST_DIR/.headers" \
		-w '%{http_code}' --data-binary "@$1" "$(hub_url /login)") || HTTP_CODE=000
	HTTP_BODY=$(cat "$TEST_DIR/.body" 2>/dev/null)
	HTTP_HEADERS=$(cat "$TEST_DIR/.headers" 2>/dev/null)
}

info "the right token logs in; the cookie opens the dashboard for session_lifetime"
printf 'token=%s' "$token" > "$TEST_DIR/right"
login "$TEST_DIR/right"
expect_eq "login status" "$HTTP_CODE" 303
cookie=$(printf '%s\n' "$HTTP_HEADERS" | sed -n 's/^Set-Cookie: \(ktp_session=[^;]*\);.*/\1/p')
[ -n "$cookie" ] || fail "no session cookie: $HTTP_HEADERS"
printf '%s\n' "$HTTP_HEADERS" | grep -q '^Set-Cookie: .*; Max-Age=1800' || fail "no Max-Age=1800: $HTTP_HEADERS"
http_get /v1/nodes -H "Cookie: $cookie"
expect_eq "nodes with the cookie" "$HTTP_CODE" 200
http_get /v1/nodes -H "Authorization: Bearer $token"
expect_eq "nodes with the bearer" "$HTTP_CODE" 200

info "wrong tokens of 1, 257 and 100000 characters: 401 with the form"
for n in 1 257 100000; do
	{ printf 'token='; head -c "$n" /dev/zero | tr '\0' w; } > "$TEST_DIR/wrong"
	login "$TEST_DIR/wrong"
	expect_eq "wrong token of $n: status" "$HTTP_CODE" 401
	printf '%s' "$HTTP_BODY" | grep -q 'Token salah' || fail "wrong token of $n: no form: $HTTP_BODY"
done

info "two more wrong tokens make five; the sixth login waits, even with the right token"
login "$TEST_DIR/wrong"
login "$TEST_DIR/wrong"
expect_eq "fifth wrong token" "$HTTP_CODE" 401
login "$TEST_DIR/right"
expect_eq "sixth login" "$HTTP_CODE" 429
retry=$(printf '%s\n' "$HTTP_HEADERS" | sed -n 's/^Retry-After: \([0-9]*\).*/\1/p')
[ -n "$retry" ] && [ "$retry" -gt 800 ] && [ "$retry" -le 900 ] || fail "Retry-After '$retry'"
expect_eq "429 text" "$(json .error | sed 's/[0-9]* s$/N s/')" \
	"login: 5 failed logins from this address within 900 s; try again in N s"
grep -c 'dashboard login with a wrong token' "$HUB_LOG" | grep -qx 5 || fail "not 5 warnings logged"
grep -qF "$token" "$HUB_LOG" && fail "the token is in the log"
stop_hub
pass
