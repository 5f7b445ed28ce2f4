#!/usr/bin/env bash
# Every man page is clean under `mandoc -T lint -W style` (every level),
# read from a man tree like the installed one so that each .Xr to a sibling
# page resolves. ktphubd(8) renders the push replies as the JSON the hub
# sends and lists the dashboard's pages; ktpsyncd(8) lists every state.
. "$(dirname "$0")/test.common"

command -v mandoc >/dev/null || skip "mandoc is not installed (make deps)"

PAGES=(daemon/node/ktpsyncd.8 daemon/hub/ktphubd.8 daemon/ctl/ktpctl.8 conf/ktpsync.conf.5)
MAN=$TEST_DIR/man
for p in "${PAGES[@]}"; do
	mkdir -p "$MAN/man${p##*.}"
	cp "$ROOT/$p" "$MAN/man${p##*.}/" || fail "no $p"
done

info "mandoc -T lint on ${#PAGES[@]} pages"
# The notice about the machine's own out-of-date mandoc.db is about that
# database, not about the pages.
out=$(cd "$MAN" && MANPATH=$MAN:/usr/share/man mandoc -T lint -W style man8/*.8 man5/*.5 2>&1 |
	grep -v 'outdated mandoc.db')
[ -z "$out" ] || fail "mandoc -T lint is not clean:
$out"

# render PAGE: the page as plain text, one space between words.
render() { mandoc -T ascii "$ROOT/$1" | col -b | tr -s ' \t\n' ' '; }

info "ktphubd(8): push replies and pages"
hub=$(render daemon/hub/ktphubd.8)
for want in '200 after commit: {"acked":N,"chain":"HEX"}' \
	'{"error":"gap: ...","acked":N}' \
	'{"error":"diverged","acked":N,"detail":"TEXT"}' \
	'"warning":"TEXT"' \
	'GET / The dashboard' 'GET /regency/CODE' 'GET /login, POST /login'; do
	[[ $hub == *"$want"* ]] || fail "ktphubd(8) does not read '$want'"
done

info "ktpsyncd(8): the states"
states=$(mandoc -T ascii "$ROOT/daemon/node/ktpsyncd.8" | col -b |
	sed -n '/^STATES/,/^[A-Z]/s/^     \([a-z]*\)  .*/\1/p' | tr '\n' ' ')
expect_eq "ktpsyncd(8) states" "$states" "idle pushing offline backoff paused error diverged "
pass
