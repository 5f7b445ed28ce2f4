#!/usr/bin/env bash
# Error texts that quote a client's bytes stay JSON: a path that is no
# UTF-8 (GET /%ff answered 500 'out of memory') and a path cut inside a
# character both answer 404 with the text the path allows.
. "$(dirname "$0")/test.common"

enroll 3201
start_hub

http_get /%ff
expect_eq "GET /%ff status" "$HTTP_CODE" 404
expect_eq "GET /%ff body" "$HTTP_BODY" '{"error":"no such path '"'"'/?'"'"'"}'

path=/$(printf '%%C3%%A9%.0s' $(seq 40))
http_get "$path"
expect_eq "long path status" "$HTTP_CODE" 404
want="/$(printf 'é%.0s' $(seq 31))"
expect_eq "long path cut before the 32nd é" "$(json .error)" "no such path '$want'"
stop_hub
pass
