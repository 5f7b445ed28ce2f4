#!/usr/bin/env bash
# The dashboard in a real browser (headless Chromium): a hub with four
# regencies (3201 fresh, 3202 last synced two hours ago, 3203 two days ago,
# 3204 known only from persons another node sent, so never synced). The numbers the
# browser shows on / and /regency/CODE equal GET /v1/report, the stale and
# never-synced regencies are marked, kecamatan are sorted by dpt_unrecorded,
# the chart is there, ?lang=en switches the labels, and screenshots at phone
# and desktop width are kept under build/artifacts/dashboard/.
# 3205 is enrolled and never sends anything: the report has no data from it
# (PROTOCOL.md 8.4 has_data), so the browser must read "tidak diketahui" for
# what is left there, never 0 or "sesuai jadwal", and the headline names how
# many regencies have not sent data. The regency page lists desa under each
# kecamatan, most unrecorded first, as /v1/report?level=desa has them; times
# are on the hub's wall clock (Asia/Jakarta, WIB); the province page offers
# the CSV in both forms.
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
# ASan (make SANITIZE=1) needs its runtime first in LD_PRELOAD. Under TSan
# a process inside libfaketime reports nothing (TSAN_FAKETIME_OPTIONS).
hub_past() {
	local preload
	preload=$(ldd "$KTPHUBD_REAL" | awk '/libasan/ { printf "%s ", $3 }')$FAKETIME_LIB
	printf '#!/bin/sh\nLD_PRELOAD="%s" FAKETIME=%s FAKETIME_DONT_FAKE_MONOTONIC=1 TSAN_OPTIONS="%s" exec "%s" "$@"\n' \
		"$preload" "$1" "$TSAN_FAKETIME_OPTIONS" "$KTPHUBD_REAL" > "$TEST_DIR/hub-past"
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
expect_eq "3205 silent: persons, last_sync, projection, on_track, has_data, unrecorded" \
	"$(rj '.province.regencies[4] | "\(.persons) \(.last_sync) \(.projected_completion) \(.on_track) \(.has_data) \(.dpt_unrecorded) \(.pemula_unrecorded)"')" \
	"0 null null null false null null"
expect_eq "regencies without data" "$(rj .province.regencies_without_data)" 1
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
# id_cell N: what a count cell shows for the report's N; null is unknown, never 0.
id_cell() { if [ "$1" = null ]; then printf 'tidak diketahui'; else id_num "$1"; fi; }

# One line per table row of a dumped page: rows split at <tr, tags kept.
rows_of() { sed 's/<tr[ >]/\n&/g' "$ART/$1.html" | grep '^<tr'; }
# cell FIELD: the text of that data-field cell in the row on stdin.
cell() { sed -n "s/.*data-field=\"$1\"[^>]*>\([^<]*\)<.*/\1/p"; }
# freshness: class and data-age of the row's freshness cell.
freshness() {
	grep -o '<td class="[a-z-]*" data-age="[a-z0-9]*"' |
		sed 's/<td class="\([^"]*\)" data-age="\([^"]*\)"/\1 \2/'
}

# area_rows NAME: per kecamatan or desa row of a dumped regency page, in page
# order, "LEVEL CODE NAME-AND-CODE| UNRECORDED PEMULA RECORDED_30D".
area_rows() {
	rows_of "$1" | grep -E 'data-(kecamatan|desa)=' | while read -r row; do
		echo "$(sed 's/.*data-\(kecamatan\|desa\)="\([0-9]*\)".*/\1 \2/' <<< "$row")" \
			"$(sed -n 's/.*<th scope="row">\(.*\)<\/th>.*/\1/p' <<< "$row" |
			   sed 's/<[^>]*>//g')|" \
			"$(cell dpt_unrecorded <<< "$row") $(cell pemula_unrecorded <<< "$row")" \
			"$(cell recorded_30d <<< "$row")"
	done
}
# area_want REPORT: the same from a level=desa report of one regency, each
# kecamatan and each desa list ordered by need (most unrecorded first, then code).
area_want() {
	json '.province.regencies[0].kecamatan | sort_by(-.dpt_unrecorded, .code) | .[] |
		def line(l): "\(l) \(.code) \(if .name then "\(.name) \(.code)" else .code end)|\t\(.dpt_unrecorded)\t\(.pemula_unrecorded)\t\(.recorded_30d)";
		line("kecamatan"), (.desa // [] | sort_by(-.dpt_unrecorded, .code) | .[] | line("desa"))' \
		"$1" | while IFS=$'\t' read -r k n p m; do
			echo "$k $(id_cell "$n") $(id_cell "$p") $(id_cell "$m")"; done
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
# On track only when the report says so; late when a regency with data is;
# otherwise what is missing is data: unknown.
want='unknown" id="province-track">tidak diketahui'
[ "$(rj '[.province.regencies[] | select(.on_track == false)] | length')" -gt 0 ] &&
	want='late" id="province-track">terlambat'
[ "$(rj .province.on_track)" = true ] && want='ok" id="province-track">sesuai jadwal'
grep -q "<span class=\"v $want</span>" "$ART/province.html" ||
	fail "province on_track $(rj .province.on_track) not shown as '$want'"
expect_eq "province off track while 3205 is silent" "$(rj .province.on_track)" false
grep -q "id=\"province-track\">sesuai jadwal" "$ART/province.html" &&
	fail "province reads 'sesuai jadwal' with a regency silent"
expect_eq "province name in the title" \
	"$(sed -n 's/.*<title>\([^<]*\)<\/title>.*/\1/p' "$ART/province.html")" \
	"Perekaman e-KTP — Provinsi $(rj .province.name)"
for code in 3201 3202 3203 3204 3205; do
	row=$(rows_of province | grep "data-regency=\"$code\"")
	j=".province.regencies[] | select(.code == \"$code\")"
	for f in dpt_unrecorded pemula_unrecorded recorded_30d; do
		expect_eq "$code $f shown" "$(cell "$f" <<< "$row")" "$(id_cell "$(rj "$j.$f")")"
	done
	grep -q "href=\"/regency/$code\"" <<< "$row" || fail "$code: no link to its page"
	# An empty bar still needs max > 0 (HTML progress); no data, no bar.
	if [ "$(rj "$j.has_data")" = false ]; then
		grep -q '<td class="wide unknown">tidak diketahui</td>' <<< "$row" ||
			fail "$code: progress of a regency without data not 'tidak diketahui'"
	else
		expect_eq "$code progress bar (max value)" \
			"$(sed -n 's/.*<progress max="\([0-9]*\)" value="\([0-9]*\)".*/\1 \2/p' <<< "$row")" \
			"$(rj "$j | \"\\([.on_dpt, 1] | max) \\(.on_dpt - .dpt_unrecorded)\"")"
	fi
	# green only on the report's word, unknown without a verdict
	case $(rj "$j.on_track") in true) want=ok ;; false) want=late ;; *) want=unknown ;; esac
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
info "Chromium: the silent regency 3205 is unknown, the headline names the count"
cdp_load "$(hub_url /)" /
cdp_eval 'document.querySelector("#without-data").textContent'
expect_eq "headline: regencies without data" "$CDP_VALUE" "1 kabupaten/kota belum mengirim data"
cdp_eval '["dpt_unrecorded", "pemula_unrecorded"].map(function (f) {
	return document.querySelector("tr[data-regency=\"3205\"] [data-field=" + f + "]")
		.textContent; }).join("|")'
expect_eq "3205 unrecorded and pemula in the browser" "$CDP_VALUE" "tidak diketahui|tidak diketahui"
cdp_eval 'Array.prototype.map.call(document.querySelectorAll("tr[data-regency=\"3205\"] td"),
	function (td) { return td.className + ":" + td.textContent; }).join("|")'
case "|$CDP_VALUE|" in
*"|unknown:tidak diketahui|"*) ;;
*) fail "3205 projection not 'tidak diketahui' in the browser: $CDP_VALUE" ;;
esac
# green nowhere; a count of what is left (class "n", not "n wide") never 0
case "|$CDP_VALUE|" in *"|ok:"*|*"|n:0|"*) fail "3205 reads green or 0: $CDP_VALUE" ;; esac
cdp_eval 'getComputedStyle(document.querySelector("#province-track")).color'
[ "$CDP_VALUE" != "rgb(27, 110, 46)" ] || fail "the province headline is green with 3205 silent"
cdp_load "$(hub_url /regency/3205)" /regency/3205
cdp_eval 'document.querySelector("#total-unrecorded").textContent + "|" +
	document.querySelector("#province-track").textContent'
expect_eq "/regency/3205 in the browser" "$CDP_VALUE" "tidak diketahui|tidak diketahui"
cdp_load "$(hub_url "/?lang=en")" "/?lang=en"
cdp_eval 'document.querySelector("#without-data").textContent + "|" +
	document.querySelector("tr[data-regency=\"3205\"] [data-field=dpt_unrecorded]").textContent'
expect_eq "headline and 3205 in English" "$CDP_VALUE" "1 regency has not sent data|unknown"

info "province page: times on the hub's clock (WIB), the CSV in both forms"
shown=$(sed -n 's/.*<span id="updated">\([^<]*\)<.*/\1/p' "$ART/province.html")
[[ $shown =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}\ WIB$ ]] ||
	fail "footer time '$shown' not in WIB"
at=$(date -ud "${shown% WIB} +0700" +%s) || fail "footer time '$shown' unreadable"
[ $(( $(date +%s) - at )) -ge 0 ] && [ $(( $(date +%s) - at )) -le 600 ] ||
	fail "footer time '$shown' is not the hub's wall clock now"
for l in id en; do
	grep -q "<a href=\"/v1/report.csv?lang=$l\" download" "$ART/province.html" ||
		fail "province page: no CSV link ?lang=$l"
done
http_get "/v1/report.csv?lang=id" -H "Cookie: $cookie"
expect_eq "province CSV ?lang=id" "$HTTP_CODE" 200
[ "$(head -c 3 <<< "$HTTP_BODY" | od -An -tx1 | tr -d ' \n')" = efbbbf ] ||
	fail "CSV ?lang=id: no UTF-8 BOM"
grep -q '^provinsi;32;' <<< "$HTTP_BODY" || fail "CSV ?lang=id: no province row"
http_get "/v1/report.csv?lang=en" -H "Cookie: $cookie"
expect_eq "province CSV ?lang=en" "$HTTP_CODE" 200
grep -q '^province,32,' <<< "$HTTP_BODY" || fail "CSV ?lang=en: no province row"

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
# Every kecamatan by its official name, the code beside it; under each, its
# desa as the report at level=desa has them, most unrecorded first.
http_get "/v1/report?regency=3201&level=desa" -H "Authorization: Bearer $TOKEN"
expect_eq "GET /v1/report?regency=3201&level=desa" "$HTTP_CODE" 200
DREPORT=$HTTP_BODY
expect_eq "kecamatan and their desa, by need, with names" "$(area_rows regency-3201)" \
	"$(area_want "$DREPORT")"
[ "$(json "$j.kecamatan[0].name" "$DREPORT")" != null ] ||
	fail "kecamatan $(json "$j.kecamatan[0].code" "$DREPORT") has no name from the code table"
grep -q '<svg id="weekly"' "$ART/regency-3201.html" || fail "no weekly chart"
bars=$(grep -o '<rect class="bar"' "$ART/regency-3201.html" | wc -l)
expect_eq "weekly chart bars" "$bars" 26
weekly_sum=$(grep -o '<title>minggu mulai [0-9-]*: [0-9.]*</title>' "$ART/regency-3201.html" |
	sed 's/.*: \([0-9.]*\)<.*/\1/; s/\.//g' | awk '{ s += $1 } END { print s + 0 }')
[ "$weekly_sum" -gt 0 ] || fail "weekly chart is empty"
grep -q 'href="/v1/report.csv?regency=3201&amp;level=desa&amp;lang=id"' "$ART/regency-3201.html" ||
	fail "no CSV link"

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

info "regency 3206 from a node: kecamatan and desa by official name, by need, in Chromium"
# Two kecamatan of 3206 (Tasikmalaya), the first three desa of each from the
# code table. Desa j of kecamatan k holds min(j, 2) * k unrecorded voters, one
# recorded two days ago, and desa 1 a first-time voter (17 on 2029-02-14, off
# the roll): the page orders kecamatan 320602 first, and in each the desa
# 2 and 3 (a tie, by code) before desa 1.
stop_hub
enroll 3206
write_hub_conf
start_hub
NODE_CODE=3206
start_node
recent=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
awk -F, -v OFS=, -v recent="$recent" '
	BEGIN { print "nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator" }
	$2 == "32.06.01" || $2 == "32.06.02" {
		code = $1; gsub(/\./, "", code); kec = substr(code, 1, 6); k = substr(kec, 6, 1)
		if (++seen[kec] > 3)
			next
		j = seen[kec]; n = (j < 2 ? j : 2) * k
		for (i = 0; i < n; i++)
			print kec "150590" sprintf("%04d", ++serial), "Warga " serial, "L",
			      "1990-05-15", kec, code, 1, "unrecorded", "", "", ""
		print kec "150590" sprintf("%04d", ++serial), "Warga " serial, "P",
		      "1990-05-15", kec, code, 1, "recorded", recent, "office", "op1"
		if (j == 1)
			print kec "150611" sprintf("%04d", ++serial), "Pemula " serial, "L",
			      "2011-06-15", kec, code, 0, "unrecorded", "", "", ""
	}' "$AREA_DIR/villages.csv" > "$TEST_DIR/3206.csv"
rows=$(($(wc -l < "$TEST_DIR/3206.csv") - 1))
expect_eq "3206 residents" "$rows" 23
nctl_ok import "$TEST_DIR/3206.csv" > /dev/null
expect_eq "3206 sync" "$(nctl_ok sync)" "sync: hub acked seq $rows"
dump /regency/3206 regency-3206
desa() { sed -n "s/^\(32\.06\.0$1\.[0-9]*\),.*/\1/p" "$AREA_DIR/villages.csv" | sed -n "$2p" | tr -d .; }
expect_eq "3206 rows in need order" "$(area_rows regency-3206 | awk '{ print $1, $2 }')" \
	"kecamatan 320602
desa $(desa 2 2)
desa $(desa 2 3)
desa $(desa 2 1)
kecamatan 320601
desa $(desa 1 2)
desa $(desa 1 3)
desa $(desa 1 1)"
expect_eq "3206 counts shown" "$(area_rows regency-3206 | sed 's/.*| //')" \
	"10 1 3
4 0 1
4 0 1
2 1 1
5 1 3
2 0 1
2 0 1
1 1 1"
expect_eq "3206 kecamatan and desa names" \
	"$(area_rows regency-3206 | sed -n '1p;2p' | sed 's/^[a-z]* [0-9]* \(.*\)|.*/\1/')" \
	"Karangnunggal 320602
$(grep "^32\.06\.02\." "$AREA_DIR/villages.csv" | sed -n 2p | cut -d, -f3) $(desa 2 2)"
http_get "/v1/report?regency=3206&level=desa" -H "Authorization: Bearer $TOKEN"
expect_eq "GET /v1/report?regency=3206&level=desa" "$HTTP_CODE" 200
expect_eq "3206 page equals the report" "$(area_rows regency-3206)" "$(area_want "$HTTP_BODY")"
stop_node

info "screenshots; at phone width nothing may overflow"
shot /login login-phone 390 844 true
shot /login?lang=en login-en-phone 390 844 true
shot / province-phone 390 844 true
shot "/?lang=en" province-en-phone 390 844 true
shot /regency/3201 regency-3201-phone 390 1500 true
shot "/regency/3201?lang=en" regency-3201-en-phone 390 1500 true
shot /regency/3203 regency-3203-phone 390 1500 true
shot /regency/3206 regency-3206-phone 390 1500 true
shot / province-desktop 1280 900 false
shot /regency/3201 regency-3201-desktop 1280 1000 false
cdp_stop
ls "$ART"/*.png | sed 's/^/    /'
stop_hub
pass
