#!/usr/bin/env bash
# ktpctl without a daemon: keygen writes a 0600 key file and never overwrites
# one, pubkey prints the same public key (and the PROTOCOL.md 12.7 vector),
# no secret is ever printed; usage errors exit 2 (a malformed region code
# among them), a daemon that is not running exits 1 with a message naming
# the socket; help lists every command.
. "$(dirname "$0")/test.common"

[ -x "$KTPCTL" ] || fail "$KTPCTL missing (make all)"
K=$TEST_DIR/k
mkdir -p "$K"

# run ARGS...: ktpctl with stdout in $OUT, stderr in $ERR, exit code in $RC.
run() {
	"$KTPCTL" "$@" > "$TEST_DIR/.out" 2> "$TEST_DIR/.err"
	RC=$?
	OUT=$(cat "$TEST_DIR/.out")
	ERR=$(cat "$TEST_DIR/.err")
}

# no_secret FILE: the secret's base64 line occurs in no output seen so far.
SEEN=
no_secret() {
	local secret
	secret=$(sed -n 2p "$1")
	[ -n "$secret" ] || fail "$1 has no second line"
	case "$SEEN" in *"$secret"*) fail "the secret of $1 was printed" ;; esac
}
seen() { SEEN="$SEEN $OUT $ERR"; }

info "keygen writes a node key 0600 and prints its public key"
run keygen "$K/node.key"; seen
expect_eq "keygen exit" "$RC" 0
expect_eq "keygen stderr" "$ERR" ""
expect_eq "key mode" "$(stat -c %a "$K/node.key")" 600
expect_eq "key type line" "$(head -n 1 "$K/node.key")" ktpsync-node-secret-v1
expect_eq "key size" "$(stat -c %s "$K/node.key")" 112
PUB=$(printf '%s\n' "$OUT" | sed -n 's/^public_key:  //p')
FP=$(printf '%s\n' "$OUT" | sed -n 's/^fingerprint: //p')
expect_eq "keygen output lines" "$(printf '%s\n' "$OUT" | wc -l)" 2
[[ "$PUB" =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "public key '$PUB' is not 44 characters of base64"
[[ "$FP" =~ ^[0-9a-f]{16}$ ]] || fail "fingerprint '$FP' is not 16 hex characters"

info "pubkey prints the same key, bare; --json adds type and fingerprint"
run pubkey "$K/node.key"; seen
expect_eq "pubkey exit" "$RC" 0
expect_eq "pubkey output" "$OUT" "$PUB"
run --json pubkey "$K/node.key"; seen
expect_eq "pubkey --json" "$OUT" \
	"{\"type\":\"node\",\"public_key\":\"$PUB\",\"fingerprint\":\"$FP\"}"
run pubkey "$K/node.key" --json; seen
expect_eq "pubkey FILE --json" "$OUT" \
	"{\"type\":\"node\",\"public_key\":\"$PUB\",\"fingerprint\":\"$FP\"}"

info "keygen refuses to overwrite and leaves the file as it was"
SUM=$(sha256sum < "$K/node.key")
run keygen "$K/node.key"; seen
expect_eq "second keygen exit" "$RC" 1
expect_eq "second keygen stderr" "$ERR" \
	"ktpctl: keygen: $K/node.key: exists; refusing to overwrite a key file"
expect_eq "second keygen stdout" "$OUT" ""
expect_eq "key unchanged" "$(sha256sum < "$K/node.key")" "$SUM"
run keygen --hub "$K/node.key"; seen
expect_eq "keygen --hub over a node key" "$RC" 1
expect_eq "key still unchanged" "$(sha256sum < "$K/node.key")" "$SUM"

info "keygen --hub writes a hub key"
run keygen --hub "$K/hub.key"; seen
expect_eq "keygen --hub exit" "$RC" 0
expect_eq "hub key mode" "$(stat -c %a "$K/hub.key")" 600
expect_eq "hub key type line" "$(head -n 1 "$K/hub.key")" ktpsync-hub-secret-v1
expect_eq "hub key size" "$(stat -c %s "$K/hub.key")" 67
HPUB=$(printf '%s\n' "$OUT" | sed -n 's/^public_key:  //p')
run --json pubkey "$K/hub.key"; seen
expect_eq "hub pubkey type" "$(json .type "$OUT")" hub
expect_eq "hub pubkey" "$(json .public_key "$OUT")" "$HPUB"
[ "$HPUB" != "$PUB" ] || fail "node and hub keys are equal"

info "two keygens give different keys"
run keygen "$K/node2.key"; seen
PUB2=$(printf '%s\n' "$OUT" | sed -n 's/^public_key:  //p')
[ -n "$PUB2" ] && [ "$PUB2" != "$PUB" ] || fail "second node key '$PUB2' equals the first"

info "pubkey agrees with the PROTOCOL.md 12.7 hub vector"
printf 'ktpsync-hub-secret-v1\nICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n' > "$K/vector.key"
chmod 600 "$K/vector.key"
run --json pubkey "$K/vector.key"
expect_eq "vector public key" "$(json .public_key "$OUT")" \
	"NYBy1jZYgNGu6jKa35EhODhR7SGijjt16WXQ0s0WYlQ="
expect_eq "vector fingerprint" "$(json .fingerprint "$OUT")" f6a420b14a2d8975

info "pubkey agrees with the test tool's key generator"
node_key 3201
run pubkey "$KEY_DIR/3201.key"
expect_eq "pubkey of a mkbatch key" "$OUT" "${NODE_PUB[3201]}"

info "a key file readable by others is refused"
cp "$K/node.key" "$K/open.key"
chmod 644 "$K/open.key"
run pubkey "$K/open.key"; seen
expect_eq "pubkey 0644 exit" "$RC" 1
expect_eq "pubkey 0644 stderr" "$ERR" \
	"ktpctl: pubkey: $K/open.key: mode 0644, must be 0600 (chmod 600 $K/open.key)"
run pubkey "$K/missing.key"
expect_eq "pubkey of a missing file" "$RC" 1
run keygen "$K/no/such/dir/x.key"
expect_eq "keygen into a missing directory" "$RC" 1
[ ! -e "$K/no" ] || fail "keygen created a directory"

no_secret "$K/node.key"
no_secret "$K/hub.key"
no_secret "$K/node2.key"

info "usage errors exit 2"
for args in "keygen" "keygen a b" "keygen --bogus x" "pubkey" "pubkey a b" "frobnicate" \
	"-x status" "help nosuchcommand"; do
	# shellcheck disable=SC2086
	run $args
	expect_eq "ktpctl $args" "$RC" 2
	expect_eq "ktpctl $args stdout" "$OUT" ""
done
run
expect_eq "ktpctl without a command" "$RC" 2
expect_eq "usage line" "$(printf '%s\n' "$ERR" | head -n 1)" \
	"usage: ktpctl [-s socket] [--json] command [args]"
run frobnicate
expect_eq "unknown command text" "$(printf '%s\n' "$ERR" | head -n 1)" \
	"ktpctl: unknown command 'frobnicate'"

info "help lists every command"
run help
expect_eq "help exit" "$RC" 0
for c in status report sync pause resume import put remove unrecorded export metrics \
	nodes conflicts import-bundle reset-node keygen pubkey help; do
	printf '%s\n' "$OUT" | grep -q "^  $c " || fail "help does not list '$c'"
done
run help keygen
expect_eq "help keygen" "$(printf '%s\n' "$OUT" | head -n 1)" \
	"usage: ktpctl [-s socket] [--json] keygen [--hub] FILE"

info "a daemon that is not running: exit 1 and the socket named"
run -s "$TEST_DIR/ktpsyncd.sock" status
expect_eq "status without a daemon" "$RC" 1
expect_eq "status without a daemon, stderr" "$ERR" \
	"ktpctl: cannot connect to $TEST_DIR/ktpsyncd.sock: No such file or directory (is ktpsyncd running?)"
run -s "$TEST_DIR/ktphubd.sock" --json nodes
expect_eq "nodes without a hub" "$RC" 1
expect_eq "nodes without a hub, stderr" "$ERR" \
	"ktpctl: cannot connect to $TEST_DIR/ktphubd.sock: No such file or directory (is ktphubd running?)"

info "a command of the other daemon: which daemon answered and whose command it is, once"
enroll "$NODE_CODE"
start_hub
start_node
run -s "$HUB_SOCK" sync
expect_eq "sync at the hub exit" "$RC" 1
expect_eq "sync at the hub" "$ERR" "ktpctl: ktphubd does not know 'sync' (it is a ktpsyncd command)"
run -s "$HUB_SOCK" unrecorded
expect_eq "unrecorded at the hub exit" "$RC" 1
expect_eq "unrecorded at the hub" "$ERR" \
	"ktpctl: ktphubd does not know 'unrecorded' (it is a ktpsyncd command)"
run -s "$NODE_SOCK" nodes
expect_eq "nodes at the node exit" "$RC" 1
expect_eq "nodes at the node" "$ERR" "ktpctl: ktpsyncd does not know 'nodes' (it is a ktphubd command)"
run -s "$NODE_SOCK" reset-node "$NODE_CODE" --yes
expect_eq "reset-node at the node" "$ERR" \
	"ktpctl: ktpsyncd does not know 'reset-node' (it is a ktphubd command)"
run -s "$NODE_SOCK" --json nodes
expect_eq "--json nodes at the node exit" "$RC" 1
expect_eq "--json nodes at the node" "$(json '[.status, .error] | join(" ")' "$OUT")" \
	"5 ctl: unknown command 'nodes'"
expect_eq "--json nodes at the node, stderr" "$ERR" ""

info "region codes are checked before anything is sent: exit 2 naming the option"
# refused_codes SOCK CMD OPTION WHAT VALUE...: each VALUE is refused with exit 2
# and "ktpctl: OPTION: 'VALUE' is not a WHAT code", nothing on stdout.
refused_codes() {
	local sock=$1 cmd=$2 opt=$3 what=$4 v
	shift 4
	for v in "$@"; do
		run -s "$sock" "$cmd" "$opt" "$v"
		expect_eq "$cmd $opt '$v' exit" "$RC" 2
		expect_eq "$cmd $opt '$v' stderr" "$ERR" "ktpctl: $opt: '$v' is not a $what code"
		expect_eq "$cmd $opt '$v' stdout" "$OUT" ""
	done
}
refused_codes "$HUB_SOCK" report --regency "4-digit regency" abc 123 32011 0201 3201x ""
refused_codes "$NODE_SOCK" unrecorded --kecamatan "6-digit kecamatan" \
	abc 123 32011 3201011 020101 ""
refused_codes "$NODE_SOCK" unrecorded --desa "10-digit desa" \
	abc 320101001 32010100011 0201010001 ""
run -s "$HUB_SOCK" --json report --regency "$NODE_CODE"
expect_eq "report --regency $NODE_CODE exit" "$RC" 0
expect_eq "report --regency $NODE_CODE codes" \
	"$(json '.report.province.regencies | map(.code) | join(",")' "$OUT")" "$NODE_CODE"
# The journal is empty: the CSV header alone (150 checks the rows of one kecamatan).
run -s "$NODE_SOCK" unrecorded --kecamatan "${NODE_CODE}01"
expect_eq "unrecorded --kecamatan ${NODE_CODE}01 exit" "$RC" 0
expect_eq "unrecorded --kecamatan ${NODE_CODE}01 stdout" "$OUT" \
	"nik,name,kecamatan,desa,kecamatan_name,desa_name"
expect_eq "unrecorded --kecamatan ${NODE_CODE}01 stderr" "$ERR" ""
stop_node

pass
