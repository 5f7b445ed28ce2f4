#!/usr/bin/env bash
# Tanjung Jabung Timur (1507, province 15 Jambi): persons in every desa of its 11 kecamatan,
# imported at the node and pushed; the hub names kecamatan and desa from the code table in
# /v1/report, the CSV (both languages) and ktpctl report, its desa counters and pemula equal
# a recount from the rows, and an enrolled regency that never sent data (1508) reads as
# unknown and keeps the province off on_track.
. "$(dirname "$0")/test.common"

HUB_PROVINCE=15
NODE_CODE=1507
enroll 1507 1508
start_hub
start_node

# Each desa of 1507 in the table gets 1 to 4 persons, in this order: an unrecorded voter,
# one recorded two days ago, a pemilih pemula (17 on 2029-02-14, not on the roll) and
# another unrecorded voter.
recent=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
awk -F, -v OFS=, -v recent="$recent" '
	BEGIN { print "nik,name,sex,birth_date,kecamatan,desa,on_dpt,status,recorded_at,site,operator" }
	$1 ~ /^15\.07\.[0-9][0-9]\.[0-9]+$/ {
		code = $1; gsub(/\./, "", code); kec = substr(code, 1, 6)
		n = NR % 4 + 1
		for (j = 0; j < n; j++) {
			serial++
			if (j == 2)
				print kec "150611" sprintf("%04d", serial), "Pemula " serial, "L",
				      "2011-06-15", kec, code, 0, "unrecorded", "", "", ""
			else if (j == 1)
				print kec "150590" sprintf("%04d", serial), "Warga " serial, "L",
				      "1990-05-15", kec, code, 1, "recorded", recent, "office", "op1"
			else
				print kec "150590" sprintf("%04d", serial), "Warga " serial, "L",
				      "1990-05-15", kec, code, 1, "unrecorded", "", "", ""
		}
	}' "$AREA_DIR/villages.csv" > "$TEST_DIR/res.csv"
rows=$(($(wc -l < "$TEST_DIR/res.csv") - 1))
[ "$rows" -gt 100 ] || fail "only $rows residents generated"
n_desa=$(grep -c '^15\.07\.' "$AREA_DIR/villages.csv")

info "import $rows residents in $n_desa desa and push"
out=$(nctl_ok import "$TEST_DIR/res.csv")
expect_eq "import summary" "$out" "import: res.csv: $rows rows, $rows new versions, 0 unchanged"
expect_eq "sync" "$(nctl_ok sync)" "sync: hub acked seq $rows"

info "kecamatan names in the JSON report"
want_kec=$(awk -F, '$1 ~ /^15\.07\.[0-9][0-9]$/ { c = $1; gsub(/\./, "", c); print c " " $3 }' \
	"$AREA_DIR/districts.csv" | sort)
expect_eq "11 kecamatan in the table" "$(printf '%s\n' "$want_kec" | wc -l)" 11
http_get "/v1/report?regency=1507"
expect_eq "report status" "$HTTP_CODE" 200
expect_eq "kecamatan names" "$(json '.province.regencies[0].kecamatan[] | "\(.code) \(.name)"' | sort)" \
	"$want_kec"
expect_eq "province name" "$(json .province.name)" "Jambi"
expect_eq "configured regency name wins" "$(json .province.regencies[0].name)" "Kabupaten 1507"
expect_eq "kecamatan without level=desa" "$(json '[.province.regencies[0].kecamatan[] | has("desa")] | any')" \
	false

info "desa counters at level=desa equal a count of the file"
# code persons on_dpt recorded dpt_unrecorded pemula_unrecorded recorded_30d
want_desa=$(awk -F, 'NR > 1 {
		p[$6]++; d[$6] += $7; if ($8 != "unrecorded") r[$6]++
		if ($7 == 1 && $8 == "unrecorded") u[$6]++
		if ($4 == "2011-06-15" && $8 == "unrecorded") pm[$6]++
	}
	END { for (c in p) print c, p[c], d[c], r[c] + 0, u[c] + 0, pm[c] + 0, r[c] + 0 }' \
	"$TEST_DIR/res.csv" | sort)
http_get "/v1/report?regency=1507&level=desa"
expect_eq "desa report status" "$HTTP_CODE" 200
got_desa=$(json '.province.regencies[0].kecamatan[].desa[] |
	"\(.code) \(.persons) \(.on_dpt) \(.recorded) \(.dpt_unrecorded) \(.pemula_unrecorded) \(.recorded_30d)"' |
	sort)
expect_eq "desa count" "$(printf '%s\n' "$got_desa" | wc -l)" "$n_desa"
expect_eq "desa counters" "$got_desa" "$want_desa"
expect_eq "desa names" \
	"$(json '.province.regencies[0].kecamatan[].desa[] | "\(.code) \(.name)"' | sort)" \
	"$(awk -F, '$1 ~ /^15\.07\./ { c = $1; gsub(/\./, "", c); print c " " $3 }' \
		"$AREA_DIR/villages.csv" | sort)"
# Under each kecamatan its own desa, most unrecorded voters first.
expect_eq "desa under their kecamatan" \
	"$(json '[.province.regencies[0].kecamatan[] | .code as $k | .desa[] | .code[0:6] == $k] | all')" true
expect_eq "desa by need" "$(json '[.province.regencies[0].kecamatan[] |
	[.desa[].dpt_unrecorded] | . == (sort | reverse)] | all')" true
expect_eq "kecamatan pemula = sum of its desa" "$(json '[.province.regencies[0].kecamatan[] |
	.pemula_unrecorded == ([.desa[].pemula_unrecorded] | add)] | all')" true
expect_eq "regency pemula" "$(json .province.regencies[0].pemula_unrecorded)" \
	"$(grep -c ',2011-06-15,' "$TEST_DIR/res.csv")"

info "the hub's counters equal a recount from its person rows"
expect_eq "agg_desa = recount" "$(hub_sql "
	SELECT count(*) FROM (SELECT desa, persons, on_dpt, recorded, dpt_unrecorded, pemula_unrecorded
	FROM agg_desa WHERE persons != 0 EXCEPT SELECT desa, count(*), sum(on_dpt), sum(status != 0),
	sum(on_dpt AND status = 0), sum(status = 0 AND birth_date > 20110214 AND birth_date <= 20120214)
	FROM persons WHERE removed = 0 AND desa != 0 GROUP BY desa)")" 0
expect_eq "agg_desa rows" "$(hub_sql "SELECT count(*) FROM agg_desa WHERE persons != 0")" "$n_desa"

info "a silent enrolled regency is unknown and keeps the province off on_track"
http_get /v1/report
expect_eq "silent regency" "$(json '.province.regencies[] | select(.code == "1508") |
	"\(.has_data) \(.dpt_unrecorded) \(.pemula_unrecorded) \(.on_track) \(.projected_completion) \(.projection_basis)"')" \
	"false null null null null null"
expect_eq "reporting regency has data" "$(json '.province.regencies[] | select(.code == "1507") | .has_data')" true
expect_eq "province off on_track" "$(json '.province | "\(.on_track) \(.regencies_without_data) \(.has_data)"')" \
	"false 1 true"
expect_eq "election not passed" "$(json .election_passed)" false

info "CSV: names, desa rows, Indonesian form"
http_get "/v1/report.csv?regency=1507"
expect_eq "csv status" "$HTTP_CODE" 200
expect_eq "csv kecamatan names" \
	"$(printf '%s' "$HTTP_BODY" | tr -d '\r' | awk -F, '$1 == "kecamatan" { print $2 " " $3 }' | sort)" \
	"$want_kec"
expect_eq "csv header" "$(printf '%s' "$HTTP_BODY" | head -1 | tr -d '\r')" \
	"level,code,name,persons,wajib_ktp,on_dpt,recorded,dpt_unrecorded,recorded_30d,rate_per_day,projected_completion,on_track,last_sync,acked,pending,pemula_unrecorded,recorded_7d,rate_per_day_7d,projected_completion_7d,projection_basis,has_data,last_contact,last_data"
expect_eq "csv province row name" "$(printf '%s' "$HTTP_BODY" | tr -d '\r' | awk -F, '$1 == "province" { print $3 }')" \
	"Jambi"
http_get "/v1/report.csv?regency=1507&level=desa"
expect_eq "csv desa rows" "$(printf '%s' "$HTTP_BODY" | grep -c '^desa,')" "$n_desa"
# Every desa row: code, name, persons, on_dpt, recorded, unrecorded, recorded_30d, pemula.
expect_eq "csv desa counters" \
	"$(printf '%s' "$HTTP_BODY" | tr -d '\r' | awk -F, '$1 == "desa" { print $2, $4, $6, $7, $8, $16, $9 }' | sort)" \
	"$want_desa"
http_get "/v1/report.csv?regency=1508"
expect_eq "csv silent regency" "$(printf '%s' "$HTTP_BODY" | tr -d '\r' | grep '^regency,')" \
	"regency,1508,Kabupaten 1508,0,0,0,0,,0,0.00,,,,0,0,,0,0.00,,,false,,"
http_get "/v1/report.csv?regency=1507&lang=id"
expect_eq "csv id status" "$HTTP_CODE" 200
expect_eq "csv id starts with a BOM" "$(head -c 3 "$TEST_DIR/.body" | od -An -tx1 | tr -d ' ')" "efbbbf"
expect_eq "csv id header" "$(tail -c +4 "$TEST_DIR/.body" | head -1 | tr -d '\r')" \
	"tingkat;kode;nama;penduduk;wajib_ktp;dpt;terekam;dpt_belum_rekam;terekam_30h;laju_per_hari;perkiraan_selesai;sesuai_jadwal;sinkron_terakhir;acked;tertunda;pemula_belum_rekam;terekam_7h;laju_per_hari_7h;perkiraan_selesai_7h;dasar_perkiraan;ada_data;kontak_terakhir;data_terakhir"
expect_eq "csv id kecamatan names" \
	"$(tr -d '\r' < "$TEST_DIR/.body" | awk -F';' '$1 == "kecamatan" { print $2 " " $3 }' | sort)" \
	"$want_kec"
rate=$(json '.province.regencies[] | select(.code == "1507") | .rate_per_day' \
	"$(curl -sS "$(hub_url /v1/report)")")
expect_eq "csv id decimal comma and ya/tidak" \
	"$(tr -d '\r' < "$TEST_DIR/.body" | awk -F';' '$1 == "kabupaten" { print $10, $21 }')" \
	"$(printf '%.2f' "$rate" | tr . ,) ya"

expect_eq "csv id last contact in the hub's time zone" \
	"$(tr -d '\r' < "$TEST_DIR/.body" | awk -F';' '$1 == "kabupaten" { print ($22 ~ /^[0-9-]+ [0-9:]+ WIB$/) }')" 1

info "the regency page names the 11 kecamatan"
http_get "/regency/1507?lang=en"
expect_eq "regency page status" "$HTTP_CODE" 200
while read -r code name; do
	printf '%s' "$HTTP_BODY" | grep -qF "$name" || fail "regency page lacks kecamatan $code $name"
done <<< "$want_kec"

info "errors"
http_get "/v1/report?level=desa"
expect_eq "desa without regency" "$HTTP_CODE $HTTP_BODY" '400 {"error":"level: desa needs regency=CODE"}'
http_get "/v1/report.csv?regency=1507&level=village"
expect_eq "unknown level" "$HTTP_CODE $HTTP_BODY" "400 {\"error\":\"level: 'village' is not kecamatan or desa\"}"

info "ktpctl report names the kecamatan next to their codes"
out=$(ctl_ok report --regency 1507)
printf '%s\n' "$out" | grep -q '^150701 *Muara Sabak Timur ' || fail "no named 150701 row: $out"
printf '%s\n' "$out" | grep -q '^15 *Jambi (province) ' || fail "no named province row: $out"

pass
