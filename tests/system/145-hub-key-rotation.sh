#!/usr/bin/env bash
# Hub key rotation: with previous_key_file set, batches sealed to the old hub
# key still open; without it they are refused with a reason, and batches
# sealed to a key the hub never had are refused too.
. "$(dirname "$0")/test.common"

enroll 3201
hub_key
mv "$KEY_DIR/hub.key" "$KEY_DIR/old-hub.key"
HUB_PUB=
hub_key				# the new key becomes hub.key
"$MKBATCH" genkey hub "$KEY_DIR/stranger.key" > /dev/null || fail "keygen"
node_key 3201
seal_to() {	# seal_to HUBKEY FIRST LAST OUT
	"$MKBATCH" -k "$KEY_DIR/3201.key" -H "$1" -n 3201 -f "$2" -l "$3" -o "$4" || fail "mkbatch"
}
seal_to "$KEY_DIR/old-hub.key" 1 10 "$TEST_DIR/old"
seal_to "$KEY_DIR/hub.key" 11 20 "$TEST_DIR/new"
seal_to "$KEY_DIR/stranger.key" 21 30 "$TEST_DIR/stranger"

info "without previous_key_file: the old key's batch is refused"
start_hub
push_expect "$TEST_DIR/old" 400
json .error | grep -q 'hub key' || fail "no hub key reason: $HTTP_BODY"
expect_eq "acked" "$(node_acked 3201)" 0
stop_hub

info "with previous_key_file: both keys open"
HUB_EXTRA=("previous_key_file = $KEY_DIR/old-hub.key")
write_hub_conf
start_hub
push_expect "$TEST_DIR/old" 200
push_expect "$TEST_DIR/new" 200
expect_eq "acked" "$(json .acked)" 20
push_expect "$TEST_DIR/stranger" 400
expect_eq "acked after the stranger's batch" "$(node_acked 3201)" 20
stop_hub
pass
