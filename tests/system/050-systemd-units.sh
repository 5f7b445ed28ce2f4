#!/usr/bin/env bash
# The systemd units: `systemd-analyze verify` is clean on the installed units,
# and `systemd-analyze security --offline=yes` rates each service 2.0 or better.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${KTP_BUILD:-build}
T=$(mktemp -d /tmp/ktp-050-XXXXXX)
trap 'rm -rf "$T"' EXIT

# Install under a private prefix; the units are rewritten to point at it, so
# verify checks the real binaries and man pages this tree built.
make -s --no-print-directory install BUILD="$B" PREFIX="$T/usr" UNITDIR="$T/units" \
	SYSUSERSDIR="$T/sysusers" TMPFILESDIR="$T/tmpfiles" SYSCONFDIR="$T/etc" >/dev/null
export MANPATH="$T/usr/share/man"
for u in ktpsyncd ktphubd; do
	grep -q "ExecStart=$T/usr/sbin/$u -f $T/etc/ktpsync/$u.conf" "$T/units/$u.service" ||
		{ echo "FAIL: $u.service ExecStart not rewritten"; exit 1; }
	out=$(systemd-analyze verify "$T/units/$u.service" 2>&1) ||
		{ echo "FAIL: verify $u.service: $out"; exit 1; }
	[ -z "$out" ] || { echo "FAIL: verify $u.service is not clean:"; echo "$out"; exit 1; }
	score=$(systemd-analyze security --offline=yes "$T/units/$u.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$score" ] || { echo "FAIL: no exposure score for $u.service"; exit 1; }
	awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
		{ echo "FAIL: $u.service exposure $score, want at most 2.0"; exit 1; }
	# The run directory lets admin_group members who are not in the socket's group pass.
	grep -qx 'RuntimeDirectoryMode=0751' "$T/units/$u.service" ||
		{ echo "FAIL: $u.service RuntimeDirectoryMode is not 0751"; exit 1; }
	echo "ok: $u.service verify clean, exposure $score"
done
# The textfile writer for node_exporter: the ktpctl this tree installed, the
# collector's directory, and as tight a sandbox as the daemons.
u=ktpsyncd-metrics
grep -qx "ExecStart=$T/usr/sbin/ktpctl metrics --textfile /var/lib/prometheus/node-exporter/ktpsyncd.prom" \
	"$T/units/$u.service" || { echo "FAIL: $u.service ExecStart not rewritten"; exit 1; }
out=$(systemd-analyze verify "$T/units/$u.service" "$T/units/$u.timer" 2>&1) ||
	{ echo "FAIL: verify $u: $out"; exit 1; }
[ -z "$out" ] || { echo "FAIL: verify $u is not clean:"; echo "$out"; exit 1; }
score=$(systemd-analyze security --offline=yes "$T/units/$u.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }' ||
	{ echo "FAIL: $u.service exposure ${score:-none}, want at most 2.0"; exit 1; }
grep -qx 'OnUnitActiveSec=1min' "$T/units/$u.timer" || { echo "FAIL: $u.timer is not every minute"; exit 1; }
echo "ok: $u.service and .timer verify clean, exposure $score"
# The hub's memory has a ceiling whatever its clients do.
grep -qx 'MemoryMax=[0-9]*[KMG]' "$T/units/ktphubd.service" ||
	{ echo "FAIL: ktphubd.service has no MemoryMax="; exit 1; }
# sysusers creates the user and group in a private root; tmpfiles then makes
# the directories there with the right modes.
R="$T/root"
mkdir -p "$R/etc" "$R/usr/lib/sysusers.d" "$R/usr/lib/tmpfiles.d"
: > "$R/etc/passwd"; : > "$R/etc/group"
cp "$T/sysusers/ktpsync.conf" "$R/usr/lib/sysusers.d/"
cp "$T/tmpfiles/ktpsync.conf" "$R/usr/lib/tmpfiles.d/"
systemd-sysusers --root="$R" 2>/dev/null
grep -q '^ktpsync:x:[0-9]*:[0-9]*:ktpsync daemons:/var/lib/ktpsync:' "$R/etc/passwd" ||
	{ echo "FAIL: sysusers did not create ktpsync"; cat "$R/etc/passwd"; exit 1; }
systemd-tmpfiles --root="$R" --create
for d in var/lib/ktpsync:750 run/ktpsync:751 etc/ktpsync:750; do
	m=$(stat -c %a "$R/${d%%:*}")
	[ "$m" = "${d##*:}" ] || { echo "FAIL: /${d%%:*} mode $m, want ${d##*:}"; exit 1; }
done
echo "ok: sysusers and tmpfiles"
