#!/usr/bin/env bash
# make install into a staging tree (DESTDIR): with PREFIX=/usr/local and
# PREFIX=/usr every file lands where the README's table says (units under
# PREFIX/lib/systemd/system with ExecStart in PREFIX/sbin, ktpctl in sbin,
# README and LICENSE in share/doc/ktpsync, /etc/ktpsync 0750, the area
# table's place in ktpsync.conf(5) and the examples that of PREFIX); systemd
# reads the units, sysusers.d and tmpfiles.d there (sysusers and tmpfiles
# run on the staged tree make the user and give /etc/ktpsync its group);
# make uninstall removes every file again and keeps a configuration.
. "$(dirname "$0")/test.common"

# layout PREFIX: the files install puts under PREFIX, relative to DESTDIR.
layout() {
	local p=${1#/}
	printf '%s\n' etc/ktpsync/ \
		"$p/lib/systemd/system/ktphubd.service" "$p/lib/systemd/system/ktpsyncd.service" \
		"$p/lib/systemd/system/ktpsyncd-metrics.service" \
		"$p/lib/systemd/system/ktpsyncd-metrics.timer" \
		"$p/lib/sysusers.d/ktpsync.conf" "$p/lib/tmpfiles.d/ktpsync.conf" \
		"$p/sbin/ktpctl" "$p/sbin/ktphubd" "$p/sbin/ktpsyncd" \
		"$p/share/doc/ktpsync/LICENSE" "$p/share/doc/ktpsync/README.md" \
		"$p/share/doc/ktpsync/examples/ktphubd.conf.example" \
		"$p/share/doc/ktpsync/examples/ktpsyncd.conf.example" \
		"$p/share/doc/ktpsync/examples/ktpsync.rules.yml" \
		"$p/share/ktpsync/areas/LICENSE.md" "$p/share/ktpsync/areas/districts.csv" \
		"$p/share/ktpsync/areas/provinces.csv" "$p/share/ktpsync/areas/regencies.csv" \
		"$p/share/ktpsync/areas/villages.csv" \
		"$p/share/man/man5/ktpsync.conf.5" "$p/share/man/man8/ktpctl.8" \
		"$p/share/man/man8/ktphubd.8" "$p/share/man/man8/ktpsyncd.8" | sort
}
# installed DIR: the files under DIR and the empty directories (with a /).
installed() {
	(cd "$1" && { find . -type f; find . -type d -empty -printf '%p/\n'; } | sed 's|^\./||' | sort)
}

for prefix in /usr/local /usr; do
	D=$TEST_DIR/root${prefix//\//-}
	info "make install DESTDIR=$D PREFIX=$prefix"
	# The same BUILD for both prefixes: the area table's compiled-in place
	# is not what this test is about.
	make -s -C "$ROOT" --no-print-directory install BUILD="${KTP_BUILD:-build}" \
		DESTDIR="$D" PREFIX="$prefix" > "$TEST_DIR/install.log" 2>&1 || fail "make install failed"
	# Under DESTDIR nothing is chowned, and nothing is said about it.
	grep -q '^install: ' "$TEST_DIR/install.log" && fail "install under DESTDIR: $(cat "$TEST_DIR/install.log")"
	diff <(layout "$prefix") <(installed "$D") > "$TEST_DIR/layout.diff" ||
		fail "PREFIX=$prefix layout differs (- wanted, + installed): $(cat "$TEST_DIR/layout.diff")"
	expect_eq "/etc/ktpsync mode" "$(stat -c %a "$D/etc/ktpsync")" 750
	for u in ktpsyncd ktphubd; do
		expect_eq "$u ExecStart" "$(grep '^ExecStart=' "$D$prefix/lib/systemd/system/$u.service")" \
			"ExecStart=$prefix/sbin/$u -f /etc/ktpsync/$u.conf"
		expect_eq "$u condition" "$(grep '^ConditionPathExists=' "$D$prefix/lib/systemd/system/$u.service")" \
			"ConditionPathExists=/etc/ktpsync/$u.conf"
	done
	# The area table's default place, as this PREFIX compiles it in.
	expect_eq "area_dir in the installed hub example" \
		"$(grep '^area_dir = ' "$D$prefix/share/doc/ktpsync/examples/ktphubd.conf.example")" \
		"area_dir = $prefix/share/ktpsync/areas"
	expect_eq "area table places in ktpsync.conf(5)" \
		"$(grep -o '/usr[a-z/]*/ktpsync/areas' "$D$prefix/share/man/man5/ktpsync.conf.5" | sort -u)" \
		"$prefix/share/ktpsync/areas"
	for f in sbin/ktpctl sbin/ktphubd sbin/ktpsyncd; do
		expect_eq "$f mode" "$(stat -c %a "$D$prefix/$f")" 755
	done

	# systemd looks there: units, sysusers.d, tmpfiles.d.
	systemd-analyze unit-paths | grep -qx "$prefix/lib/systemd/system" ||
		fail "systemd does not read units from $prefix/lib/systemd/system"
	mkdir -p "$D/var/lib" "$D/run"
	: > "$D/etc/passwd"; : > "$D/etc/group"
	systemd-sysusers --root="$D" 2>/dev/null
	grep -q '^ktpsync:x:' "$D/etc/passwd" || fail "sysusers did not read $prefix/lib/sysusers.d"
	systemd-tmpfiles --root="$D" --create 2>/dev/null
	gid=$(sed -n 's/^ktpsync:x:\([0-9]*\):.*/\1/p' "$D/etc/group")
	expect_eq "/etc/ktpsync after tmpfiles" "$(stat -c '%a %u:%g' "$D/etc/ktpsync")" "750 0:$gid"
	expect_eq "/var/lib/ktpsync after tmpfiles" "$(stat -c %a "$D/var/lib/ktpsync")" 750

	info "make uninstall"
	echo "[hub]" > "$D/etc/ktpsync/ktphubd.conf"
	make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$D" PREFIX="$prefix" \
		> "$TEST_DIR/uninstall.log" 2>&1 || fail "make uninstall failed"
	left=$(cd "$D" && find . -type f ! -path './etc/*' | sed 's|^\./||')
	[ -z "$left" ] || fail "left by uninstall: $left"
	[ ! -e "$D$prefix/share/ktpsync" ] && [ ! -e "$D$prefix/share/doc/ktpsync" ] ||
		fail "uninstall left $prefix/share/ktpsync or share/doc/ktpsync"
	[ -f "$D/etc/ktpsync/ktphubd.conf" ] || fail "uninstall removed a configuration"
	rm "$D/etc/ktpsync/ktphubd.conf"
	make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$D" PREFIX="$prefix" \
		> "$TEST_DIR/uninstall.log" 2>&1 || fail "make uninstall (again) failed"
	[ ! -e "$D/etc/ktpsync" ] || fail "uninstall kept an empty /etc/ktpsync"
done

info "make install without DESTDIR: /etc/ktpsync's group"
P=$TEST_DIR/direct
make -s -C "$ROOT" --no-print-directory install BUILD="${KTP_BUILD:-build}" PREFIX="$P/usr" \
	UNITDIR="$P/units" SYSCONFDIR="$P/etc" > "$TEST_DIR/install.log" 2>&1 || fail "make install failed"
note=$(grep '^install: ' "$TEST_DIR/install.log")
if [ "$(id -u)" = 0 ] && getent group ktpsync >/dev/null; then
	expect_eq "SYSCONFDIR/ktpsync with the group present" "$(stat -c '%a %U:%G' "$P/etc/ktpsync")" "750 root:ktpsync"
	expect_eq "install's note with the group present" "$note" ""
else
	expect_eq "SYSCONFDIR/ktpsync without the group" "$(stat -c '%a' "$P/etc/ktpsync")" 750
	expect_eq "install's note without the group" "$note" "install: $P/etc/ktpsync left as $(id -un):$(id -gn); as root, run systemd-sysusers ktpsync.conf, then systemd-tmpfiles --create ktpsync.conf, to make it root:ktpsync"
fi
pass
