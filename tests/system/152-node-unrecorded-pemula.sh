#!/usr/bin/env bash
# ktpctl unrecorded at a node: the voters on the roll, --desa, --pemula (17 but not yet 18
# on election day 2029-02-14, on the roll or not) and --site-plan (desa by desa, the largest
# first, with counts), with the official kecamatan and desa names in the CSV, the site plan,
# the JSON and in ktpctl report. Without [node] election_date, --pemula says why it cannot.
. "$(dirname "$0")/test.common"

# jc EXPR TEXT: compact jq output.
jc() { printf '%s' "$2" | jq -c "$1"; }

enroll "$NODE_CODE"
start_hub
start_node

# Pemula of 2029-02-14 are born 2011-02-15 .. 2012-02-14.
cat > "$TEST_DIR/people.csv" <<'EOF'
nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator
3201011502110001,Adi Pemula,L,2011-02-15,320101,3201011001,0,unrecorded,,,
3201010101120002,Bayu Pemula,L,2012-01-01,320101,3201011001,1,unrecorded,,,
3201011402110003,Candra Delapanbelas,L,2011-02-14,320101,3201011001,1,unrecorded,,,
3201011502120004,Dedi Enambelas,L,2012-02-15,320101,3201011001,0,unrecorded,,,
3201015402120005,Eka Pemula,P,2012-02-14,320101,3201011002,0,unrecorded,,,
3201010101900006,Fajar Dewasa,L,1990-01-01,320101,3201011002,1,unrecorded,,,
3201010202900007,Gita Dewasa,L,1990-02-02,320101,3201011002,1,unrecorded,,,
3201010303900008,Hadi Terekam,L,1990-03-03,320101,3201011002,1,recorded,2026-11-01T08:00:00Z,office,op1
3201020101120009,Indra Pemula,L,2012-01-01,320102,,0,unrecorded,,,
3201011003110010,Joko Terekam,L,2011-03-10,320101,3201011001,1,recorded,2026-11-01T08:00:00Z,school,op2
EOF
nctl_ok import "$TEST_DIR/people.csv" >/dev/null

info "voters on the roll, with place names"
out=$(nctl_ok unrecorded)
expect_eq "unrecorded CSV" "$out" "nik,name,kecamatan,desa,kecamatan_name,desa_name
3201010101120002,Bayu Pemula,320101,3201011001,Cibinong,Pondok Rajeg
3201011402110003,Candra Delapanbelas,320101,3201011001,Cibinong,Pondok Rajeg
3201010101900006,Fajar Dewasa,320101,3201011002,Cibinong,Karadenan
3201010202900007,Gita Dewasa,320101,3201011002,Cibinong,Karadenan"
out=$(nctl --json unrecorded) || fail "unrecorded --json: $out"
expect_eq "JSON count" "$(json .count "$out")" 4
expect_eq "JSON first row" "$(jc '.rows[0]' "$out")" \
	'{"nik":"3201010101120002","name":"Bayu Pemula","kecamatan":"320101","kecamatan_name":"Cibinong","desa":"3201011001","desa_name":"Pondok Rajeg"}'

info "--desa"
out=$(nctl_ok unrecorded --desa 3201011002 | cut -d, -f1)
expect_eq "desa 3201011002" "$(echo $out)" "nik 3201010101900006 3201010202900007"

info "--pemula: 17 on election day, on the roll or not"
out=$(nctl_ok unrecorded --pemula | cut -d, -f1,6)
expect_eq "pemula" "$(echo $out)" \
	"nik,desa_name 3201011502110001,Pondok Rajeg 3201010101120002,Pondok Rajeg 3201015402120005,Karadenan 3201020101120009,"
out=$(nctl --json unrecorded --pemula --kecamatan 320102) || fail "pemula of 320102: $out"
expect_eq "pemula of 320102" "$(jc '[.count, .rows[0].nik, .rows[0].kecamatan_name, .rows[0].desa, .rows[0].desa_name]' "$out")" \
	'[1,"3201020101120009","Gunungputri","",null]'

info "--site-plan: desa by desa, the largest first"
out=$(nctl_ok unrecorded --pemula --site-plan)
expect_eq "pemula site plan" "$out" "site plan: 4 unrecorded first-time voters (17 on 2029-02-14) in 3 desa
desa 3201011001 Pondok Rajeg (kecamatan 320101 Cibinong): 2
  3201011502110001 Adi Pemula
  3201010101120002 Bayu Pemula
desa 3201011002 Karadenan (kecamatan 320101 Cibinong): 1
  3201015402120005 Eka Pemula
no desa (kecamatan 320102 Gunungputri): 1
  3201020101120009 Indra Pemula"
out=$(nctl --json unrecorded --pemula --site-plan) || fail "site plan --json: $out"
expect_eq "site plan JSON" "$(jc '[.count, [.desa[] | [.code, .name, .kecamatan, .kecamatan_name, .count, (.rows | map(.nik) | join(" "))]]]' "$out")" \
	'[4,[["3201011001","Pondok Rajeg","320101","Cibinong",2,"3201011502110001 3201010101120002"],["3201011002","Karadenan","320101","Cibinong",1,"3201015402120005"],[null,null,"320102","Gunungputri",1,"3201020101120009"]]]'
out=$(nctl_ok unrecorded --site-plan --desa 3201011002)
expect_eq "site plan of one desa" "$out" "site plan: 2 unrecorded voters on the roll in 1 desa
desa 3201011002 Karadenan (kecamatan 320101 Cibinong): 2
  3201010101900006 Fajar Dewasa
  3201010202900007 Gita Dewasa"

info "ktpctl report names the regency and its kecamatan"
out=$(nctl --json report) || fail "report --json: $out"
expect_eq "report names" "$(jc '[.node, .name, [.kecamatan[] | [.code, .name]]]' "$out")" \
	'[3201,"Kabupaten Bogor",[[320101,"Cibinong"],[320102,"Gunungputri"]]]'
expect_eq "report pemula_unrecorded" \
	"$(jc '[.pemula_unrecorded, [.kecamatan[] | .pemula_unrecorded]]' "$out")" '[4,[3,1]]'
out=$(nctl_ok report)
printf '%s\n' "$out" | grep -Eq '^ *320101 +Cibinong ' || fail "report table lacks 'Cibinong': $out"
printf '%s\n' "$out" | grep -Eq '^ *total +Kabupaten Bogor ' || fail "report table lacks the regency name: $out"

info "usage"
nctl unrecorded --pemula --bogus >/dev/null 2>&1
expect_eq "unknown option exit" "$?" 2

info "without an election date, --pemula says why it cannot"
sed -i '/^election_date/d' "$NODE_CONF"
kill -HUP "$NODE_PID"
wait_for 10 grep -q "reloaded" "$NODE_LOG" || fail "no reload"
out=$(nctl unrecorded --pemula 2>&1)
expect_eq "pemula exit" "$?" 1
expect_eq "pemula without election_date" "$out" \
	"ktpctl: unrecorded: pemula: [node] election_date is not set, so nobody is known to be 17 on election day"
expect_eq "report pemula_unrecorded without election_date" \
	"$(nctl --json report | jq -c .pemula_unrecorded)" null
out=$(nctl --json unrecorded --pemula)
expect_eq "pemula --json status" "$(jc '[.status, .error]' "$out")" \
	'[1,"unrecorded: pemula: [node] election_date is not set, so nobody is known to be 17 on election day"]'
stop_node
pass
