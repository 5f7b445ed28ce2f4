#!/usr/bin/env bash
# Who may use ktpsyncd's control socket, with real users: the daemon runs as its own user
# whose primary group is the socket's group, and [ctl] admin_group names another group.
# A socket-group member reads status and report but not the by-name list (unrecorded);
# an admin-group member who is not in the socket's group connects (the socket is 0666 in a
# 0751 directory, as /run/ktpsync is shipped) and gets the list; anyone else is refused at
# connect. The refusals are asserted word for word.
. "$(dirname "$0")/test.common"

[ "$(id -u)" = 0 ] || skip "needs root to create users and groups"
command -v setpriv >/dev/null && command -v useradd >/dev/null || skip "needs setpriv and useradd"

# Throwaway groups and users, removed at exit (users first: they hold the groups).
SFX=$$
SOCKG=ktpt-s$SFX ADMG=ktpt-a$SFX
DU=ktpt-d$SFX RU=ktpt-r$SFX AU=ktpt-m$SFX XU=ktpt-x$SFX
drop_accounts() {
	local u g
	kill_node	# userdel refuses a user that still runs a process
	for u in $DU $RU $AU $XU; do userdel "$u" 2>/dev/null; done
	for g in $SOCKG $ADMG; do groupdel "$g" 2>/dev/null; done
}
on_exit drop_accounts
# retry CMD...: up to 10 times, 0.5 s apart (another process may hold /etc/passwd's lock).
retry() {
	local i
	for ((i = 0; i < 10; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.5
	done
	fail "$* failed 10 times"
}
retry groupadd "$SOCKG"
retry groupadd "$ADMG"
add_user() { retry useradd -M -N -s /usr/sbin/nologin -d /nonexistent "$@"; }
add_user -g "$SOCKG" "$DU"			# the daemon's user; its group is the socket's
add_user -g users -G "$SOCKG" "$RU"		# read-only operator: socket group only
add_user -g users -G "$ADMG" "$AU"		# admin group only, not in the socket group
add_user -g users "$XU"				# neither
DUID=$(id -u "$DU") XUID=$(id -u "$XU")

# as USER CMD...: run CMD with USER's uid, primary and supplementary groups.
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"
}
# uctl USER ARGS...: ktpctl at the node as USER; sets OUT, ERR and RC.
uctl() {
	local u=$1
	shift
	as "$u" "$KTPCTL" -s "$NODE_SOCK" "$@" > "$TEST_DIR/out" 2> "$TEST_DIR/err"
	RC=$?
	OUT=$(cat "$TEST_DIR/out")
	ERR=$(cat "$TEST_DIR/err")
}

write_node_conf
printf '\n[ctl]\nadmin_group = %s\n' "$ADMG" >> "$NODE_CONF"
# The node's directory stands for /run/ktpsync (0751, the daemon's); everything on the
# way there may be passed through.
chmod 0711 "$TEST_DIR" "$KEY_DIR"
chown -R "$DU:$SOCKG" "$NODE_DIR" "$KEY_DIR/$NODE_CODE.key"
chmod 0751 "$NODE_DIR"
setpriv --reuid="$DU" --regid="$SOCKG" --init-groups "$KTPSYNCD" -d -f "$NODE_CONF" \
	>> "$NODE_LOG" 2>&1 &
NODE_PID=$!
track_pid "$NODE_PID"
wait_for 15 node_is_up || fail "ktpsyncd did not come up as $DU"

residents "$TEST_DIR/res.csv" 200
nctl_ok import "$TEST_DIR/res.csv" >/dev/null
want=$(nctl --json unrecorded | jq .count)
[ "$want" -gt 0 ] || fail "no unrecorded voters to list"

info "socket group: status and report, not the names"
uctl "$RU" status
expect_eq "reader status exit" "$RC" 0
uctl "$RU" --json report
expect_eq "reader report" "$RC $(printf '%s' "$OUT" | jq .persons)" "0 200"
for args in unrecorded "unrecorded --pemula" "unrecorded --site-plan"; do
	uctl "$RU" $args
	expect_eq "reader $args exit" "$RC" 1
	expect_eq "reader $args stdout" "$OUT" ""
	expect_eq "reader $args refusal" "$ERR" \
		"ktpctl: ctl: 'unrecorded' needs root, uid $DUID or group $ADMG"
done
uctl "$RU" --json unrecorded
expect_eq "reader --json unrecorded" "$RC $(printf '%s' "$OUT" | jq -c '[.status, .error, .rows]')" \
	"1 [3,\"ctl: 'unrecorded' needs root, uid $DUID or group $ADMG\",null]"
uctl "$RU" sync --no-wait
expect_eq "reader sync refusal" "$RC $ERR" "1 ktpctl: ctl: 'sync' needs root, uid $DUID or group $ADMG"

info "admin group, outside the socket group: connects and gets the names"
expect_eq "socket mode" "$(stat -c '%a %U %G' "$NODE_SOCK")" "666 $DU $SOCKG"
id -nG "$AU" | grep -qw "$SOCKG" && fail "$AU is in $SOCKG"
uctl "$AU" status
expect_eq "admin status exit" "$RC" 0
uctl "$AU" unrecorded
expect_eq "admin unrecorded exit" "$RC" 0
expect_eq "admin unrecorded rows" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" "$want"
uctl "$AU" --json unrecorded --site-plan
expect_eq "admin site plan count" "$RC $(printf '%s' "$OUT" | jq .count)" "0 $want"

info "anyone else is refused at connect"
uctl "$XU" status
expect_eq "stranger status" "$RC $ERR" \
	"1 ktpctl: ctl: uid $XUID may not connect: needs root, uid $DUID or group $SOCKG or $ADMG"
uctl "$XU" unrecorded
expect_eq "stranger unrecorded" "$RC $OUT $ERR" \
	"1  ktpctl: ctl: uid $XUID may not connect: needs root, uid $DUID or group $SOCKG or $ADMG"

info "root and the daemon's own user get the names"
out=$(nctl_ok unrecorded | tail -n +2 | wc -l)
expect_eq "root unrecorded rows" "$out" "$want"
uctl "$DU" unrecorded
expect_eq "daemon user unrecorded" "$RC $(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" "0 $want"
stop_node
pass
