#!/usr/bin/env bash
# What an import must accept and refuse. A 200 MB JSON line (import and put) and a NUL inside
# a field are refused with FILE:LINE errors, nothing imported, and the daemon keeps running;
# a kecamatan or desa not in the code table is refused unless [import] check_area_codes = no;
# the ';'-separated file an Indonesian spreadsheet writes (Indonesian columns and values,
# DD-MM-YYYY dates, +07:00 and local times) holds exactly what its plain form holds.
. "$(dirname "$0")/test.common"

write_node_conf
sed -i 's|^\[node\]$|[node]\ntimezone = Asia/Makassar|' "$NODE_CONF"
start_node

residents "$TEST_DIR/plain.csv" 300
nctl_ok import "$TEST_DIR/plain.csv" >/dev/null
head=$(node_sql "SELECT seq, hex(chain) FROM journal ORDER BY seq DESC LIMIT 1")
expect_eq "journal after the residents" "${head%%|*}" 300

# refused FILE WANT-LINE...: ktpctl import fails, prints each line, and the journal is as before.
refused() {
	local file=$1 out line
	shift
	out=$(nctl import "$file" 2>&1) && fail "$file imported: $out"
	for line in "$@"; do
		printf '%s\n' "$out" | grep -qxF -- "$line" || fail "$file: no line '$line' in: $out"
	done
	node_is_up || fail "ktpsyncd died on $file"
	expect_eq "journal after $file" \
		"$(node_sql "SELECT seq, hex(chain) FROM journal ORDER BY seq DESC LIMIT 1")" "$head"
}

info "a 200 MB JSON line through ktpctl import, then through ktpctl put"
nik=$(sed -n 2p "$TEST_DIR/plain.csv" | cut -d, -f1)
big() { printf '{"nik":"%s","name":"' "$nik"; head -c 200000000 /dev/zero | tr '\0' x
	printf '"}\n{"nik":"%s","on_dpt":false}\n' "$nik"; }
out=$(big | nctl import /dev/stdin --format jsonl 2>&1) && fail "200 MB line imported"
expect_eq "import of a 200 MB line" "$out" "stdin:1: row: 200000036 bytes, limit 65536
ktpctl: stdin: 1 error, nothing imported"
node_is_up || fail "ktpsyncd died on a 200 MB line"
out=$(head -c 100000 /dev/zero | tr '\0' ' ' | sed 's/$/{}\n/' | nctl put 2>&1) &&
	fail "put of a 100 kB line imported"
expect_eq "put of a 100 kB line" "$out" "stdin:1: row: 100002 bytes, limit 65536
ktpctl: stdin: 1 error, nothing imported"
node_is_up || fail "ktpsyncd died on a long put"

info "a NUL in a field, short or past 1 KiB"
{ printf 'nik,on_dpt\n%s,1\0' "$nik"; head -c 3000 /dev/zero | tr '\0' 7; printf '\n'
  printf '%s\0%s,0\n' "$nik" "$nik"; } > "$TEST_DIR/nul.csv"
refused "$TEST_DIR/nul.csv" "nul.csv:2: on_dpt: contains a NUL byte" \
	"nul.csv:3: nik: contains a NUL byte" "ktpctl: nul.csv: 2 errors, nothing imported"

info "a header cut with another separator"
printf 'nik,name;kecamatan\n%s,Budi;320101\n' "$nik" > "$TEST_DIR/sep.csv"
refused "$TEST_DIR/sep.csv" \
	"sep.csv:1: header: unknown column 'name;kecamatan' contains ';', but the separator found is ','"

info "kecamatan and desa must be in the code table"
printf 'nik,name,kecamatan,desa\n3201014505950004,Dewi,320141,\n3201014505950005,Dewi,320101,3201012099\n3201014505950006,Dewi,320101,3201011013\n' \
	> "$TEST_DIR/area.csv"
refused "$TEST_DIR/area.csv" \
	"area.csv:2: kecamatan: 320141 is not a kecamatan of 3201 Kabupaten Bogor" \
	"area.csv:3: desa: 3201012099 is not a desa of 320101 Cibinong" \
	"ktpctl: area.csv: 2 errors, nothing imported"
printf '\n[import]\ncheck_area_codes = no\n' >> "$NODE_CONF"
kill -HUP "$NODE_PID"
wait_for 10 grep -q "reloaded" "$NODE_LOG" || fail "no reload: $(tail -n 5 "$NODE_LOG")"
out=$(nctl_ok import "$TEST_DIR/area.csv")
expect_eq "codes unchecked" "$out" "import: area.csv: 3 rows, 3 new versions, 0 unchanged"
stop_node

# indonesian: plain.csv as an office spreadsheet saves it: ';', Indonesian headers and values,
# birth dates DD-MM-YYYY or DD/MM/YYYY, recording times +07:00, +09:00 or local (Makassar).
indonesian() {
	local nik name sex birth kec desa dpt status at site op n=0 t when
	printf '\xef\xbb\xbfNIK;NAMA;JK;TGL_LAHIR;Kode Kec;KELURAHAN;DPT;STATUS_REKAM;'
	printf 'Tanggal Rekam;LOKASI;PETUGAS\r\n'
	tail -n +2 "$TEST_DIR/plain.csv" |
	while IFS=, read -r nik name sex birth kec desa dpt status at site op; do
		n=$((n + 1))
		if ((n % 2)); then birth=${birth:8:2}-${birth:5:2}-${birth:0:4}
		else birth=${birth:8:2}/${birth:5:2}/${birth:0:4}; fi
		dpt=$([ "$dpt" = 1 ] && echo Y || echo T)
		case $status in unrecorded) status="Belum Rekam" ;; recorded) status="Sudah Rekam" ;;
			printed) status=Tercetak ;; issued) status=Diterima ;; esac
		case $site in office) site=Kantor ;; school) site=Sekolah ;; pesantren) site="Pondok Pesantren" ;;
			prison) site=Lapas ;; door) site=Rumah ;; mobile) site=Keliling ;; esac
		if [ -n "$at" ]; then
			t=$(date -u -d "$at" +%s)
			case $((n % 3)) in
			0) when=$(date -u -d "@$((t + 25200))" +%Y-%m-%dT%H:%M:%S+07:00) ;;
			1) when=$(date -u -d "@$((t + 32400))" +%Y-%m-%dT%H:%M:%S.250+09:00) ;;
			2) when=$(date -u -d "@$((t + 28800))" "+%Y-%m-%d %H:%M:%S") ;;
			esac
			at=$when
		fi
		printf '%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s\r\n' "$nik" "$name" "$sex" "$birth" "$kec" \
			"$desa" "$dpt" "$status" "$at" "$site" "$op"
	done
}
indonesian > "$TEST_DIR/kantor.csv"
grep -q '+07:00;' "$TEST_DIR/kantor.csv" || fail "no +07:00 time in kantor.csv"
persons() { node_sql "SELECT nik, kecamatan, birth_date, on_dpt, recorded, recorded_at, removed, seq FROM persons ORDER BY nik"; }

info "the plain file, then the office's: every row unchanged"
rm -rf "$NODE_STATE"
start_node
expect_eq "plain first" "$(nctl_ok import "$TEST_DIR/plain.csv")" \
	"import: plain.csv: 300 rows, 300 new versions, 0 unchanged"
head=$(node_sql "SELECT seq, hex(chain) FROM journal ORDER BY seq DESC LIMIT 1")
plain_persons=$(persons)
expect_eq "office file after" "$(nctl_ok import "$TEST_DIR/kantor.csv")" \
	"import: kantor.csv: 300 rows, 0 new versions, 300 unchanged"
expect_eq "journal" "$(node_sql "SELECT seq, hex(chain) FROM journal ORDER BY seq DESC LIMIT 1")" \
	"$head"
stop_node

info "the office's file first, then the plain one: every row unchanged"
rm -rf "$NODE_STATE"
start_node
expect_eq "office first" "$(nctl_ok import "$TEST_DIR/kantor.csv")" \
	"import: kantor.csv: 300 rows, 300 new versions, 0 unchanged"
expect_eq "plain file after" "$(nctl_ok import "$TEST_DIR/plain.csv")" \
	"import: plain.csv: 300 rows, 0 new versions, 300 unchanged"
expect_eq "persons" "$(persons)" "$plain_persons"
stop_node
pass
