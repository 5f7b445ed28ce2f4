#!/usr/bin/env bash
# The hub's state_dir on a small tmpfs: when the disk fills, a push answers
# 503 with Retry-After and changes nothing, and /healthz answers 503 naming
# the disk; once space is freed /healthz is 200 again, the same batches apply
# and the final state is exact.
. "$(dirname "$0")/test.common"

[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs (run as root to test disk full)"
mkdir -p "$HUB_STATE"
mount -t tmpfs -o size=4m,mode=0750 tmpfs "$HUB_STATE" 2>"$TEST_DIR/mount.err" ||
	skip "cannot mount tmpfs: $(cat "$TEST_DIR/mount.err")"
unmount_state() { umount "$HUB_STATE" 2>/dev/null || umount -l "$HUB_STATE"; }
on_exit unmount_state

enroll 3201
HUB_EXTRA=("min_free_disk = 1M")
start_hub
http_get /healthz
expect_eq "healthz with room" "$HTTP_CODE $HTTP_BODY" '200 {"status":"ok"}'
P=(-p 3000)
mkbatch_for 3201 -f 1 -l 100 "${P[@]}" -o "$TEST_DIR/first" || fail "mkbatch"
mkbatch_for 3201 -f 101 -l 3100 "${P[@]}" -b 500 -o "$TEST_DIR/b" || fail "mkbatch"
push_expect "$TEST_DIR/first" 200

info "filling the disk"
dd if=/dev/zero of="$HUB_STATE/filler" bs=16k 2>/dev/null
avail=$(df --output=avail -k "$HUB_STATE" | tail -n 1 | tr -d ' ')
[ "$avail" -le 64 ] || fail "tmpfs not full: $avail KiB left"

info "pushes answer 503 with Retry-After"
got503=0
for k in 1 2 3 4 5 6; do
	before=$(report_totals)
	http_post_file "$TEST_DIR/b.$k"
	case "$HTTP_CODE" in
	503) got503=1; break ;;
	200) ;;	# small batches may still fit in what SQLite had reserved
	*) fail "batch $k on a full disk: HTTP $HTTP_CODE $HTTP_BODY" ;;
	esac
done
expect_eq "a 503 on a full disk" "$got503" 1
grep -qi '^Retry-After: [1-9]' <<< "$HTTP_HEADERS" || fail "503 without Retry-After: $HTTP_HEADERS"
json .error | grep -q 'disk full' || fail "503 reason: $HTTP_BODY"
expect_eq "totals after the 503" "$(report_totals)" "$before"
acked=$(node_acked 3201)
http_get /healthz
expect_eq "healthz on a full disk" "$HTTP_CODE" 503
expect_eq "healthz status" "$(json .status)" unavailable
[[ $(json .error) =~ ^disk:\ $HUB_STATE\ has\ [0-9]+\ bytes\ free,\ less\ than\ hub\.min_free_disk\ \(1048576\)$ ]] ||
	fail "healthz reason: $HTTP_BODY"

info "freeing space: the same batches now apply"
rm -f "$HUB_STATE/filler"
for k in 1 2 3 4 5 6; do
	for n in $(seq 1 50); do
		http_post_file "$TEST_DIR/b.$k"
		[ "$HTTP_CODE" = 200 ] && break
		sleep 0.1
	done
	expect_eq "batch $k after freeing space" "$HTTP_CODE" 200
done
expect_eq "acked" "$(node_acked 3201)" 3100
http_get /healthz
expect_eq "healthz after freeing space" "$HTTP_CODE $HTTP_BODY" '200 {"status":"ok"}'
http_get /v1/nodes
expect_eq "versions applied once each" "$(json '.[0].versions')" 3100
expect_eq "totals" "$(report_totals)" "$(expected_totals 3201 3100 "${P[@]}")"
stop_hub
expect_eq "integrity" "$(sqlite3 "$HUB_STATE/hub.db" 'PRAGMA integrity_check')" ok
[ "$acked" -lt 3100 ] || fail "nothing was refused while full"
pass
