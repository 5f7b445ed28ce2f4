#!/usr/bin/env bash
# Every configuration key is in three places that must agree: the parser's table
# (conf/conf_node.c, conf/conf_hub.c), the example file (conf/*.conf.example) and the man
# page (conf/ktpsync.conf.5). Keys are compared as "section.key" ("node CODE" for the hub's
# per-regency sections), per daemon.
. "$(dirname "$0")/test.common"

C=$ROOT/conf

# table_keys FILE: the { "section", "key", ... } rows of a conf_*.c table.
table_keys() {
	grep -o '{ "[a-z *]*", "[a-z_]*"' "$1" |
		sed -E 's/\{ "([a-z *]*)", "([a-z_]*)"/\1.\2/; s/^node \*\./node CODE./' | sort -u
}

# example_keys FILE: keys set or shown commented out ("# key = value") under each [section].
example_keys() {
	awk '/^\[/ { s = $0; gsub(/[][]/, "", s); if (s ~ /^node [0-9]+$/) s = "node CODE"; next }
	     /^#? ?[a-z_]+ = / { k = $0; sub(/^# ?/, "", k); sub(/ = .*/, "", k); print s "." k }' \
		"$1" | sort -u
}

# man_keys SECTION: the .It Cm keys under .Sh SECTION, plus those of "(both files)" sections.
man_keys() {
	awk -v want="$1" '
	     /^\.Sh / { sh = $2; next }
	     /^\.Ss / { s = $0; sub(/^\.Ss (\\&)?\[/, "", s); both = s ~ /\(both files\)/;
			sub(/\].*/, "", s); next }
	     /^\.It Cm / { if (sh != want && !both) next
			   n = split($0, w, " ")
			   for (i = 1; i < n; i++) if (w[i] == "Cm") print s "." w[i + 1] }' \
		"$C/ktpsync.conf.5" | sort -u
}

check() {
	local daemon=$1 table=$2 example=$3 sh=$4 t e m
	t=$(table_keys "$table")
	e=$(example_keys "$example")
	m=$(man_keys "$sh")
	[ "$(wc -l <<< "$t")" -ge 10 ] || fail "$daemon: too few keys read from $table: $t"
	expect_eq "$daemon: example keys = table keys" "$e" "$t"
	expect_eq "$daemon: man page keys = table keys" "$m" "$t"
}

info "ktpsyncd.conf"
check ktpsyncd "$C/conf_node.c" "$C/ktpsyncd.conf.example" KTPSYNCD.CONF
info "ktphubd.conf"
check ktphubd "$C/conf_hub.c" "$C/ktphubd.conf.example" KTPHUBD.CONF
pass
