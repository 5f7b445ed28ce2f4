# people.awk — a mkbatch --csv file of N synthetic persons of one regency.
#
#   awk -v region=3201 -v n=3500 -v kec=6 -v seed=1 -v now=EPOCH -v age=0 \
#       -v unrec=35 -f people.awk > FILE
#
# Kecamatan 01..kec get shares 1, 2, 3 ... of the persons (so each has a
# different dpt_unrecorded and the sort order means something); about unrec
# percent of the persons are unrecorded, the rest recorded over the 180 days
# before now - age days (more of them recently, as a campaign speeds up).
# Every fourth person is off the voter roll. HLC stamps are recorded_at (or
# the start of that window) in milliseconds, 16 bits shifted, one ms apart.
BEGIN {
	srand(seed)
	print "nik,name,sex,birth_date,on_dpt,status,recorded_at,hlc"
	total = kec * (kec + 1) / 2
	end = now - age * 86400
	statuses[0] = "recorded"; statuses[1] = "printed"; statuses[2] = "issued"
	for (i = 1; i <= n; i++) {
		# kecamatan by share: k gets k/total of the persons
		x = int(rand() * total); k = 1
		while (x >= k) { x -= k; k++ }
		day = 1 + int(rand() * 28); month = 1 + int(rand() * 12)
		year = 1950 + int(rand() * 55); female = rand() < 0.5
		nik = sprintf("%04d%02d%02d%02d%02d%04d", region, k, day + (female ? 40 : 0),
			      month, year % 100, i)
		on_dpt = (i % 4 != 0) ? 1 : 0
		if (rand() * 100 < unrec) {
			status = "unrecorded"; at = 0; hlc_s = end - 180 * 86400
		} else {
			status = statuses[int(rand() * 3)]
			# sqrt skews towards the recent end of the window
			at = end - int((1 - sqrt(rand())) * 180 * 86400); hlc_s = at
		}
		printf "%s,Warga %d %d,%s,%04d%02d%02d,%d,%s,%d,%.0f\n", nik, region, i,
		       female ? "P" : "L", year, month, day, on_dpt, status, at,
		       (hlc_s * 1000 + i) * 65536
	}
}
