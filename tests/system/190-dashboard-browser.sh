#!/usr/bin/env bash
# The dashboard in a real browser (headless Chromium): a hub with four
# regencies (3201 fresh, 3202 last synced two hours ago, 3203 two days ago,
# 3204 known only from persons another node sent, so never synced). The numbers the
# browser shows on / and /regency/CODE equal GET /v1/report, the stale and
# never-synced regencies are marked, kecamatan are sorted by dpt_unrecorded,
# the chart is there, ?lang=en switches the labels, and screenshots at phone
# and desktop width are kept under build/artifacts/dashboard/.
#
# Chromium runs as a browser would for provincial staff: the hub has a
# report_token, the browser is sent to /login, fills the form, and reads every
# page with the ktp_session cookie the form gave it. It is driven over the
# DevTools protocol (tests/system/web/cdp.sh), which also sets a phone's
# viewport and measures that nothing overflows its width. curl checks the
# redirects, the wrong token and the cookie itself.
. "$(dirname "$0")/test.common"
. "$ROOT/tests/system/web/cdp.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || skip "chromium not installed (make deps)"
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FAKETIME_LIB" ] || skip "libfaketime not installed (make deps)"
ART=$B/artifacts/dashboard
mkdir -p "$ART" || fail "cannot create $ART"
rm -f "$ART"/*.png "$ART"/*.html
NOW=$(date +%s)
TOKEN=dashboard-test-token-3f9c

# --- data -----------------------------------------------------------------

# people CODE COUNT KECAMATAN SEED AGE_DAYS UNREC_PCT: a mkbatch CSV file.
people() {
	awk -v region="$1" -v n="$2" -v kec="$3" -v seed="$4" -v now="$NOW" -v age="$5" \
	    -v unrec="$6" -f "$ROOT/tests/system/web/people.awk" > "$TEST_DIR/$1.csv" ||
		fail "people $1"
}

# batch NODE CSV: one batch of the whole file, $TEST_DIR/NODE.batch.
batch() {
	local n
	n=$(($(wc -l < "$2") - 1))
	mkbatch_for "$1" -f 1 -l "$n" --csv "$2" -o "$TEST_DIR/$1.batch" || fail "mkbatch $1"
}

people 3201 5000 6 1 0 40
people 3202 900 4 2 0 20
people 3203 600 5 3 3 50
people 3204 120 3 4 40 60
# Node 3201 also holds persons living in regency 3204, whose own node never
# pushed: the report has regency 3204 with data but no last_sync. Its last
# recording is 40 days old, so it has no projection and is late.
tail -n +2 "$TEST_DIR/3204.csv" >> "$TEST_DIR/3201.csv"
for c in 3201 3202 3203; do batch "$c" "$TEST_DIR/$c.csv"; done
# 3205 is enrolled and never sends anything: a row that says so, with a page.
enroll 3201 3202 3203 3204 3205

# hub_past OFFSET: the hub runs with its clock OFFSET back (libfaketime,
# "-2d"): what a node pushes then has a last_sync that old once the hub runs
# on the true clock again. Monotonic clocks are left alone. A hub built with
# ASan (make SANITIZE=1) needs its runtime first in LD_PRELOAD.
hub_past() {
	local preload
	preload=$(ldd "$KTPHUBD_REAL" | awk '/libasan/ { printf "%s ", $3 }')$FAKETIME_LIB
	printf '#!/bin/sh\nLD_PRELOAD="%s" FAKETIME=%s FAKETIME_DONT_FAKE_MONOTONIC=1 exec "%s" "$@"\n' \
		"$preload" "$1" "$KTPHUBD_REAL" > "$TEST_DIR/hub-past"
	chmod +x "$TEST_DIR/hub-past"
	KTPHUBD=$TEST_DIR/hub-past start_hub
}

KTPHUBD_REAL=$KTPHUBD
HUB_EXTRA=("report_token = $TOKEN")
write_hub_conf
info "3203 pushes to a hub whose clock is two days back, 3202 two hours back"
hub_past -2d
push_expect "$TEST_DIR/3203.batch" 200
stop_hub
hub_past -2h
push_expect "$TEST_DIR/3202.batch" 200
stop_hub

info "3201 pushes on the true clock"
start_hub
push_expect "$TEST_DIR/3201.batch" 200

# --- login, with curl -------------------------------------------------------

info "report_token: / goes to the login form, the form gives the cookie"
http_get /
expect_eq "GET / without a session" "$HTTP_CODE" 303
grep -qi '^location: /login' <<< "$HTTP_HEADERS" || fail "GET /: no redirect to /login"
http_get /login
expect_eq "GET /login" "$HTTP_CODE" 200
grep -q 'name="token"' <<< "$HTTP_BODY" || fail "login form has no token field"
http_get /login --data-urlencode "token=wrong"
expect_eq "POST /login wrong token" "$HTTP_CODE" 401
http_get /login --data-urlencode "token=$TOKEN"
expect_eq "POST /login" "$HTTP_CODE" 303
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(ktp_session=[0-9]*\.[0-9a-f]*\);.*/\1/p' <<< "$HTTP_HEADERS")
[ -n "$cookie" ] || fail "POST /login set no ktp_session cookie: $HTTP_HEADERS"
http_get / -H "Cookie: $cookie"
expect_eq "GET / with the session cookie" "$HTTP_CODE" 200
grep -q 'id="total-unrecorded"' <<< "$HTTP_BODY" || fail "GET / with the cookie: not the dashboard"
http_get "/v1/report.csv?regency=3201" -H "Cookie: $cookie"
expect_eq "CSV download with the session cookie" "$HTTP_CODE" 200
grep -q '^regency,3201,' <<< "$HTTP_BODY" || fail "CSV download: no regency row"
http_get /regency/3201 -H "Cookie: ktp_session=0000"
expect_eq "GET /regency/3201 with a wrong cookie" "$HTTP_CODE" 303
http_get /v1/report -H "Authorization: Bearer $TOKEN"
expect_eq "GET /v1/report" "$HTTP_CODE" 200
REPORT=$HTTP_BODY
rj() { json "$1" "$REPORT"; }	# jq over the province report
expect_eq "regencies in the report" "$(rj '[.province.regencies[].code] | join(" ")')" \
	"3201 3202 3203 3204 3205"
expect_eq "3204 never synced" "$(rj '.province.regencies[3].last_sync')" null
expect_eq "3205 silent: persons, last_sync, projection, on_track" \
	"$(rj '.province.regencies[4] | "\(.persons) \(.last_sync) \(.projected_completion) \(.on_track)"')" \
	"0 null null false"
http_get /regency/3205 -H "Cookie: $cookie"
expect_eq "GET /regency/3205 (enrolled, no data)" "$HTTP_CODE" 200
grep -q 'id="total-unrecorded"' <<< "$HTTP_BODY" || fail "/regency/3205: not a dashboard page"
http_get /regency/3299 -H "Cookie: $cookie"
expect_eq "GET /regency/3299 (not enrolled, no data)" "$HTTP_CODE" 404

# --- the browser ------------------------------------------------------------

# dump PATH NAME: loads PATH and saves the DOM Chromium built as $ART/NAME.html.
dump() {
	cdp_load "$(hub_url "$1")" "$1"
	cdp_eval 'document.documentElement.outerHTML'
	printf '%s\n' "$CDP_VALUE" > "$ART/$2.html"
	grep -q '</html>' "$ART/$2.html" || fail "chromium gave no document for $1"
}

# The elements wider than the viewport or than their scroll box: "" when the
# page fits. A phone user does not find a column hidden off the right edge.
OVERFLOW_JS='(function () {
	var bad = [], d = document.documentElement;
	if (d.scrollWidth > d.clientWidth)
		bad.push("page " + d.scrollWidth + ">" + d.clientWidth);
	document.querySelectorAll(".scroll").forEach(function (e) {
		if (e.scrollWidth > e.clientWidth)
			bad.push(e.firstElementChild.id + " " + e.scrollWidth + ">" + e.clientWidth);
	});
	return bad.join(", ");
})()'

# shot PATH NAME WIDTH HEIGHT MOBILE: a PNG of PATH into $ART/NAME.png; at
# phone size (MOBILE true) the page must also fit the width.
shot() {
	cdp_viewport "$3" "$4" "$5"
	cdp_load "$(hub_url "$1")" "$1"
	if [ "$5" = true ]; then
		cdp_eval "$OVERFLOW_JS"
		[ -z "$CDP_VALUE" ] || fail "$1 at $3 px: wider than the screen: $CDP_VALUE"
	fi
	cdp_shot "$ART/$2.png"
	[ "$(head -c 8 "$ART/$2.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$ART/$2.png is not a PNG"
}

# id_num N: N in Indonesian format (139000 -> 139.000).
id_num() { printf '%s' "$1" | sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|\.\)/\1.\2\3/;ta'; }
en_num() { printf '%s' "$1" | sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta'; }

# One line per table row of a dumped page: rows split at <tr, tags kept.
rows_of() { sed 's/<tr[ >]/\n&/g' "$ART/$1.html" | grep '^<tr'; }
# cell FIELD: the text of that data-field cell in the row on stdin.
cell() { sed -n "s/.*data-field=\"$1\"[^>]*>\([^<]*\)<.*/\1/p"; }
# freshness: class and data-age of the row's freshness cell.
freshness() {
	grep -o '<td class="[a-z-]*" data-age="[a-z0-9]*"' |
		sed 's/<td class="\([^"]*\)" data-age="\([^"]*\)"/\1 \2/'
}

info "Chromium: / sends it to the login form, the token lets it in"
cdp_start
cdp_load "$(hub_url /)" /login
cdp_eval 'document.querySelector("#token").value = "wrong"; window.__cdp_stale = true;
	document.querySelector("form").submit(); 1'
cdp_wait_path /login
cdp_eval 'document.querySelector("[role=alert]").textContent'
expect_eq "wrong token in the browser" "$CDP_VALUE" "Token salah."
cdp_eval "document.querySelector('#token').value = '$TOKEN'; window.__cdp_stale = true;
	document.querySelector('form').submit(); 1"
cdp_wait_path /
cdp_eval 'document.cookie + "|" + document.querySelector("#total-unrecorded").textContent'
expect_eq "after login: no script-readable cookie, the total shown" "$CDP_VALUE" \
	"|$(id_num "$(rj .province.dpt_unrecorded)")"

info "province page in Chromium"
dump / province
html=$(cat "$ART/province.html")
expect_eq "total unrecorded shown" \
	"$(sed -n 's/.*id="total-unrecorded">\([^<]*\)<.*/\1/p' <<< "$html")" \
	"$(id_num "$(rj .province.dpt_unrecorded)")"
[ "$(rj .province.dpt_unrecorded)" -ge 1000 ] ||
	fail "province dpt_unrecorded $(rj .province.dpt_unrecorded): too few to test the format"
expect_eq "regency rows" "$(rows_of province | grep -c 'data-regency=')" 5
# days left counted from the test's start; one less if a UTC midnight passed since
days=$((($(date -ud 2029-02-14 +%s) - NOW / 86400 * 86400) / 86400))
grep -Eq "<span class=\"v\">14 Februari 2029</span>($days|$((days - 1))) hari lagi" \
	"$ART/province.html" ||
	fail "election day and $days days left not shown"
want='late" id="province-track">terlambat'
[ "$(rj .province.on_track)" = true ] && want='ok" id="province-track">sesuai jadwal'
grep -q "<span class=\"v $want</span>" "$ART/province.html" ||
	fail "province on_track $(rj .province.on_track) not shown as '$want'"
for code in 3201 3202 3203 3204 3205; do
	row=$(rows_of province | grep "data-regency=\"$code\"")
	j=".province.regencies[] | select(.code == \"$code\")"
	for f in dpt_unrecorded recorded_30d; do
		expect_eq "$code $f shown" "$(cell "$f" <<< "$row")" "$(id_num "$(rj "$j.$f")")"
	done
	grep -q "href=\"/regency/$code\"" <<< "$row" || fail "$code: no link to its page"
	# An empty bar still needs max > 0 (HTML progress).
	expect_eq "$code progress bar (max value)" \
		"$(sed -n 's/.*<progress max="\([0-9]*\)" value="\([0-9]*\)".*/\1 \2/p' <<< "$row")" \
		"$(rj "$j | \"\\([.on_dpt, 1] | max) \\(.on_dpt - .dpt_unrecorded)\"")"
	want=ok
	[ "$(rj "$j.on_track")" = true ] || want=late
	expect_eq "$code projection class" \
		"$(grep -o '<td class="[a-z]*">[^<]*</td><td class="[a-z-]*" data-age' <<< "$row" |
		   sed 's/<td class="\([a-z]*\)".*/\1/')" "$want"
	read -r cls age <<< "$(freshness <<< "$row")"
	case $code in
	3201)	expect_eq "$code freshness class" "$cls" fresh
		grep -q '>baru saja<' <<< "$row" || fail "3201: not 'baru saja'" ;;
	3202)	expect_eq "$code freshness class" "$cls" stale-amber
		[ "$age" -ge 7190 ] && [ "$age" -le 7400 ] || fail "3202 age $age s, want ~2 h"
		grep -q '>2 jam lalu<' <<< "$row" || fail "3202: age not shown as '2 jam lalu'" ;;
	3203)	expect_eq "$code freshness class" "$cls" stale-red
		[ "$age" -ge 172000 ] && [ "$age" -le 176000 ] || fail "3203 age $age s, want ~2 days"
		grep -q '2 hari lalu' <<< "$row" || fail "3203: age not shown as '2 hari lalu'" ;;
	3204|3205)
		expect_eq "$code freshness" "$cls $age" "stale-red never"
		grep -q 'belum pernah' <<< "$row" || fail "$code: 'belum pernah' not shown" ;;
	esac
done
grep -q '<html lang="id"' <<< "$html" || fail "province page not in Indonesian"
grep -q 'DPT belum rekam' <<< "$html" || fail "Indonesian label missing"

info "regency page 3201 in Chromium"
dump /regency/3201 regency-3201
http_get "/v1/report?regency=3201" -H "Authorization: Bearer $TOKEN"
RREPORT=$HTTP_BODY
j='.province.regencies[0]'
expect_eq "3201 total unrecorded shown" \
	"$(sed -n 's/.*id="total-unrecorded">\([^<]*\)<.*/\1/p' "$ART/regency-3201.html")" \
	"$(id_num "$(json "$j.dpt_unrecorded" "$RREPORT")")"
shown=$(rows_of regency-3201 | grep 'data-kecamatan=' | while read -r row; do
	echo "$(sed 's/.*data-kecamatan="\([0-9]*\)".*/\1/' <<< "$row")" \
		"$(cell dpt_unrecorded <<< "$row") $(cell recorded_30d <<< "$row")"
done)
want=$(json "$j.kecamatan | sort_by(-.dpt_unrecorded, .code) | .[] |
	\"\(.code) \(.dpt_unrecorded) \(.recorded_30d)\"" "$RREPORT" |
	while read -r k n m; do echo "$k $(id_num "$n") $(id_num "$m")"; done)
expect_eq "kecamatan rows, most unrecorded first" "$shown" "$want"
expect_eq "kecamatan count" "$(wc -l <<< "$shown")" 6
grep -q '<svg id="weekly"' "$ART/regency-3201.html" || fail "no weekly chart"
bars=$(grep -o '<rect class="bar"' "$ART/regency-3201.html" | wc -l)
expect_eq "weekly chart bars" "$bars" 26
weekly_sum=$(grep -o '<title>minggu mulai [0-9-]*: [0-9.]*</title>' "$ART/regency-3201.html" |
	sed 's/.*: \([0-9.]*\)<.*/\1/; s/\.//g' | awk '{ s += $1 } END { print s + 0 }')
[ "$weekly_sum" -gt 0 ] || fail "weekly chart is empty"
grep -q 'href="/v1/report.csv?regency=3201"' "$ART/regency-3201.html" || fail "no CSV link"

info "regency page 3203 (stale) and ?lang=en"
dump /regency/3203 regency-3203
grep -q '<table id="sync">.*class="stale-red"' "$ART/regency-3203.html" ||
	fail "3203 sync state not marked stale"
dump "/?lang=en" province-en
grep -q '<html lang="en"' "$ART/province-en.html" || fail "?lang=en: not English"
grep -q 'Projected completion' "$ART/province-en.html" || fail "?lang=en: English labels missing"
row=$(rows_of province-en | grep 'data-regency="3201"')
expect_eq "3201 dpt_unrecorded in English format" "$(cell dpt_unrecorded <<< "$row")" \
	"$(en_num "$(rj '.province.regencies[0].dpt_unrecorded')")"
grep -q 'href="/regency/3201?lang=en"' <<< "$row" || fail "?lang=en: links lose the language"
row=$(rows_of province-en | grep 'data-regency="3204"')
grep -q '>never<' <<< "$row" || fail "?lang=en: 3204 not 'never'"

info "login form in Chromium"
dump "/login?lang=en" login-en
grep -q '<label for="token">Report token</label>' "$ART/login-en.html" ||
	fail "login form: no label for the token field"
grep -q '<input id="token" name="token" type="password"' "$ART/login-en.html" ||
	fail "login form: no password field"

info "screenshots; at phone width nothing may overflow"
shot /login login-phone 390 844 true
shot /login?lang=en login-en-phone 390 844 true
shot / province-phone 390 844 true
shot "/?lang=en" province-en-phone 390 844 true
shot /regency/3201 regency-3201-phone 390 1500 true
shot "/regency/3201?lang=en" regency-3201-en-phone 390 1500 true
shot /regency/3203 regency-3203-phone 390 1500 true
shot / province-desktop 1280 900 false
shot /regency/3201 regency-3201-desktop 1280 1000 false
cdp_stop
ls "$ART"/*.png | sed 's/^/    /'
stop_hub
pass
