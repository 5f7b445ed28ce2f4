# cdp.sh — drives one headless Chromium over the DevTools protocol, for the
# system tests (source it after test.common). The protocol runs over a pipe
# (--remote-debugging-pipe: the browser reads requests on fd 3 and writes
# answers on fd 4, each a JSON text ended by a NUL byte), so no port is
# opened and no WebSocket client is needed: bash and jq are enough.
#
#   cdp_start                     browser up, one page attached (CDP_SESSION)
#   cdp_call METHOD [PARAMS]      one command to the page; result in CDP_RESULT
#   cdp_eval EXPR                 JavaScript in the page; its value in CDP_VALUE
#   cdp_load URL WANT             navigate, wait until the page at path WANT loaded
#   cdp_wait_path WANT            the same after a script navigated (it sets
#                                 window.__cdp_stale = true first)
#   cdp_viewport W H MOBILE       window size (MOBILE true: a phone's viewport rules)
#   cdp_shot FILE                 PNG of the viewport
#   cdp_stop                      closes the pipe, waits for the exit (also at exit)
#
# Every read is bounded (CDP_TIMEOUT seconds per message, and a message count).
# Functions set globals instead of printing, so call them directly, never in
# $(...): a subshell would lose the request counter.

CDP_TIMEOUT=${CDP_TIMEOUT:-20}
CDP_ID=0
CDP_PID=
CDP_W=
CDP_R=
CDP_SESSION=
CDP_RESULT=
CDP_VALUE=

# cdp_raw JSON: sends JSON (a request without its id) with the next id and
# waits for the answer with that id, skipping events; sets CDP_RESULT.
cdp_raw() {
	local msg n
	CDP_ID=$((CDP_ID + 1))
	printf '%s\0' "$(jq -c --argjson id "$CDP_ID" '. + {id: $id}' <<< "$1")" >&"$CDP_W" ||
		fail "cdp: cannot write to the browser"
	for ((n = 0; n < 10000; n++)); do
		IFS= read -r -d '' -t "$CDP_TIMEOUT" msg <&"$CDP_R" ||
			fail "cdp: no answer to $(jq -c '{method}' <<< "$1") within $CDP_TIMEOUT s"
		case $msg in '{"id":'"$CDP_ID"[,\}]*) break ;; esac
	done
	[ "$n" -lt 10000 ] || fail "cdp: no answer among 10000 messages"
	jq -e 'has("error")' <<< "$msg" >/dev/null &&
		fail "cdp: $(jq -c '{method}' <<< "$1"): $(jq -c .error <<< "$msg")"
	CDP_RESULT=$(jq -c .result <<< "$msg")
}

# The profile lives outside TEST_DIR: fail() prints every *.log there, and
# Chromium's profile holds many.
cdp_start() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/ktp-cdp-XXXXXX") || fail "cdp: mktemp"
	on_exit rm -rf "$dir"
	on_exit cdp_stop
	mkdir -p "$dir/home" && mkfifo "$dir/in" "$dir/out" || fail "cdp: fifos"
	HOME=$dir/home timeout -k 5 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-extensions --hide-scrollbars \
		--user-data-dir="$dir/profile" --remote-debugging-pipe \
		3< "$dir/in" 4> "$dir/out" 2>> "$TEST_DIR/chromium.log" &
	CDP_PID=$!
	track_pid "$CDP_PID"
	exec {CDP_W}> "$dir/in" {CDP_R}< "$dir/out"
	cdp_raw '{"method":"Target.createTarget","params":{"url":"about:blank"}}'
	cdp_raw "$(jq -cn --argjson r "$CDP_RESULT" \
		'{method: "Target.attachToTarget", params: {targetId: $r.targetId, flatten: true}}')"
	CDP_SESSION=$(jq -r .sessionId <<< "$CDP_RESULT")
	cdp_call Page.enable
}

cdp_call() {
	local params=${2:-'{}'}
	cdp_raw "$(jq -cn --arg m "$1" --arg s "$CDP_SESSION" --argjson p "$params" \
		'{method: $m, sessionId: $s, params: $p}')"
}

cdp_eval() {
	cdp_call Runtime.evaluate "$(jq -cn --arg e "$1" '{expression: $e, returnByValue: true}')"
	jq -e '.exceptionDetails' <<< "$CDP_RESULT" >/dev/null &&
		fail "cdp: script threw: $(jq -c .exceptionDetails.exception.description <<< "$CDP_RESULT")"
	CDP_VALUE=$(jq -r '.result.value' <<< "$CDP_RESULT")
}

# cdp_wait_path WANT: at most CDP_TIMEOUT s until the page's path and query are
# WANT and it has loaded.
cdp_wait_path() {
	local deadline=$((SECONDS + CDP_TIMEOUT)) n
	for ((n = 0; n < CDP_TIMEOUT * 10; n++)); do
		cdp_eval '(window.__cdp_stale ? "(old page)" : location.pathname + location.search) +
			" " + document.readyState'
		[ "$CDP_VALUE" = "$1 complete" ] && return 0
		[ "$SECONDS" -le "$deadline" ] || break
		sleep 0.1
	done
	fail "cdp: page is at '$CDP_VALUE', want '$1 complete'"
}

# The page before a navigation is marked, so that it is not taken for the new
# one when both have the same address.
cdp_load() {
	cdp_eval 'window.__cdp_stale = true'
	cdp_call Page.navigate "$(jq -cn --arg u "$1" '{url: $u}')"
	cdp_wait_path "$2"
}

cdp_viewport() {
	cdp_call Emulation.setDeviceMetricsOverride \
		"{\"width\":$1,\"height\":$2,\"deviceScaleFactor\":1,\"mobile\":$3}"
}

cdp_shot() {
	cdp_call Page.captureScreenshot '{"format":"png"}'
	jq -r .data <<< "$CDP_RESULT" | base64 -d > "$1" || fail "cdp: screenshot $1"
}

# Closing the pipe ends the browser; TERM if it is still there after 5 s.
cdp_stop() {
	local n
	[ -n "$CDP_PID" ] || return 0
	exec {CDP_W}>&- {CDP_R}<&-
	for ((n = 0; n < 100; n++)); do
		kill -0 "$CDP_PID" 2>/dev/null || break
		[ "$n" = 50 ] && kill -TERM "$CDP_PID" 2>/dev/null
		sleep 0.1
	done
	wait "$CDP_PID" 2>/dev/null
	CDP_PID=
}
