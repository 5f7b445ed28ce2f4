#!/usr/bin/env bash
# `make deb` builds the ktpsync package (lintian finds no error); `dpkg -i`
# installs it on this machine: the ktpsync user, /etc/ktpsync root:ktpsync
# 0750, the state and run directories, both units enabled; the packaged
# ktphubd, run as ktpsync, passes -n on a configuration in /etc/ktpsync
# (area table found where the package put it); `dpkg --purge` leaves none of
# the package's files or directories behind (the ktpsync user stays, as
# Debian does with system users). Needs root and the packaging tools (make
# deps installs them); it refuses to run where ktpsync is installed already
# or its directories exist, and purges what it installed even when it fails.
. "$(dirname "$0")/test.common"

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
# The package is built from the tree with Debian's flags whatever the build
# directory: the sanitizer runs (KTP_BUILD=build/san, build/tsan) would build
# the same package again.
[ "${KTP_BUILD:-build}" = build ] || skip "the package does not depend on KTP_BUILD ($KTP_BUILD)"
for t in dpkg-buildpackage dh dh_installsysusers lintian; do
	command -v "$t" >/dev/null || skip "$t is not installed (make deps)"
done
st=$(dpkg-query -W -f='${db:Status-Abbrev}' ktpsync 2>/dev/null)
case "$st" in ""|un*|pn*) ;; *) fail "package ktpsync is on this machine already ($st): dpkg --purge ktpsync first" ;; esac
for d in /etc/ktpsync /var/lib/ktpsync /run/ktpsync; do
	[ ! -e "$d" ] || fail "$d exists before the test: it would not be the package's to remove"
done

info "make deb (nocheck, 2 jobs)"
start=$(date +%s)
make -s -C "$ROOT" deb DEB_JOBS=-j2 DEB_BUILD_OPTIONS="nocheck parallel=2" \
	> "$TEST_DIR/deb-build.log" 2>&1 || fail "make deb failed"
info "built in $(( $(date +%s) - start )) s"
deb=$(ls "$ROOT"/build/deb/ktpsync_*_"$(dpkg --print-architecture)".deb) || fail "no .deb in build/deb"
expect_eq "packages built" "$(cd "$ROOT/build/deb" && ls ./*.deb | sed 's/_.*//' | tr '\n' ' ')" \
	"./ktpsync-dbgsym ./ktpsync "

info "lintian"
lintian --allow-root --fail-on error "$deb" > "$TEST_DIR/lintian.log" 2>&1 || { cat "$TEST_DIR/lintian.log"; fail "lintian reports errors"; }
sed 's/^/    /' "$TEST_DIR/lintian.log"
grep -q '^E:' "$TEST_DIR/lintian.log" && fail "lintian reports errors"

# From here on the machine is changed: undo it whatever happens. The files
# the test writes in /etc/ktpsync go first (registered last), then the package.
purge() { dpkg --purge ktpsync > "$TEST_DIR/purge-on-exit.log" 2>&1 || true; }
on_exit purge
ETC_FILES=(/etc/ktpsync/ktphubd.conf /etc/ktpsync/hub.key)
remove_etc_files() { rm -f "${ETC_FILES[@]}"; }
on_exit remove_etc_files

info "dpkg -i"
dpkg -i "$deb" > "$TEST_DIR/dpkg-install.log" 2>&1 || fail "dpkg -i failed"
expect_eq "package status" "$(dpkg-query -W -f='${db:Status-Abbrev}' ktpsync)" "ii "
getent passwd ktpsync | grep -q '^ktpsync:x:[0-9]*:[0-9]*:ktpsync daemons:/var/lib/ktpsync:' ||
	fail "no ktpsync user: $(getent passwd ktpsync)"
expect_eq "/etc/ktpsync" "$(stat -c '%a %U:%G' /etc/ktpsync)" "750 root:ktpsync"
expect_eq "/var/lib/ktpsync" "$(stat -c '%a %U:%G' /var/lib/ktpsync)" "750 ktpsync:ktpsync"
expect_eq "/run/ktpsync" "$(stat -c '%a %U:%G' /run/ktpsync)" "751 ktpsync:ktpsync"
for u in ktphubd ktpsyncd; do
	expect_eq "$u.service enabled" \
		"$(readlink "/etc/systemd/system/multi-user.target.wants/$u.service")" \
		"/lib/systemd/system/$u.service"
	grep -qx "ExecStart=/usr/sbin/$u -f /etc/ktpsync/$u.conf" "/lib/systemd/system/$u.service" ||
		fail "$u.service: ExecStart does not name /usr/sbin/$u"
	grep -qx "ConditionPathExists=/etc/ktpsync/$u.conf" "/lib/systemd/system/$u.service" ||
		fail "$u.service starts without its configuration"
done
for f in /usr/sbin/ktpctl /usr/share/man/man8/ktpctl.8.gz /usr/share/man/man5/ktpsync.conf.5.gz \
	 /usr/lib/sysusers.d/ktpsync.conf /usr/lib/tmpfiles.d/ktpsync.conf \
	 /usr/share/ktpsync/areas/villages.csv /usr/share/doc/ktpsync/copyright \
	 /usr/share/doc/ktpsync/examples/ktphubd.conf.example; do
	[ -e "$f" ] || fail "the package has no $f"
done

info "the packaged ktphubd -n, as ktpsync, on /etc/ktpsync/ktphubd.conf"
/usr/sbin/ktpctl keygen --hub /etc/ktpsync/hub.key > "$TEST_DIR/keygen.log" 2>&1 || fail "ktpctl keygen --hub"
chown ktpsync:ktpsync /etc/ktpsync/hub.key
pub=$(/usr/sbin/ktpctl keygen "$TEST_DIR/node.key" | sed -n 's/^public_key:  //p')
[ -n "$pub" ] || fail "ktpctl keygen printed no public key"
port=$(free_port) || fail "no free port found"
# No area_dir: the package's compiled-in place must hold the table.
cat > /etc/ktpsync/ktphubd.conf <<CONF
[hub]
listen = 127.0.0.1:$port
province = 32
election_date = 2029-02-14

[node 3201]
name = Kabupaten Bogor
public_key = $pub
CONF
chown root:ktpsync /etc/ktpsync/ktphubd.conf
chmod 0640 /etc/ktpsync/ktphubd.conf
out=$(cd / && setpriv --reuid=ktpsync --regid=ktpsync --init-groups /usr/sbin/ktphubd -n 2>&1) ||
	fail "ktphubd -n: exit $?: $out"
expect_eq "ktphubd -n last line" "$(printf '%s\n' "$out" | tail -n 1)" "configuration OK"
printf '%s\n' "$out" | grep -qx 'area_dir = /usr/share/ktpsync/areas' ||
	fail "ktphubd -n: area_dir is not /usr/share/ktpsync/areas: $out"
printf '%s\n' "$out" | grep -qx 'key_file = /etc/ktpsync/hub.key' ||
	fail "ktphubd -n: key_file is not /etc/ktpsync/hub.key: $out"

info "dpkg --purge leaves nothing behind"
remove_etc_files
dpkg -L ktpsync > "$TEST_DIR/package-files" || fail "dpkg -L ktpsync"
dpkg --purge ktpsync > "$TEST_DIR/dpkg-purge.log" 2>&1 || fail "dpkg --purge failed"
st=$(dpkg-query -W -f='${db:Status-Abbrev}' ktpsync 2>/dev/null)
case "$st" in ""|un*|pn*) ;; *) fail "after purge ktpsync is '$st'" ;; esac
left=()
while read -r p; do
	[ -e "$p" ] || [ -L "$p" ] || continue
	# What stays must be a directory another package owns (/usr/sbin,
	# /lib as /usr/lib, ...), or the root.
	[ "$p" = /. ] && continue
	[ -d "$p" ] && { dpkg -S "$p" || dpkg -S "$(readlink -f "$p")"; } >/dev/null 2>&1 && continue
	left+=("$p")
done < "$TEST_DIR/package-files"
[ ${#left[@]} -eq 0 ] || fail "left behind after purge: ${left[*]}"
for p in /etc/ktpsync /var/lib/ktpsync /run/ktpsync /etc/systemd/system/multi-user.target.wants/ktphubd.service \
	 /etc/systemd/system/multi-user.target.wants/ktpsyncd.service; do
	[ ! -e "$p" ] && [ ! -L "$p" ] || fail "left behind after purge: $p"
done
leftover=$(find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
	-name '*ktp*' 2>/dev/null)
[ -z "$leftover" ] || fail "deb-systemd-helper state left behind: $leftover"
info "$(wc -l < "$TEST_DIR/package-files") package paths checked; the ktpsync user stays: $(getent passwd ktpsync)"
pass
