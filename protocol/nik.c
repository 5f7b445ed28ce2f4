/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "nik.h"

/* Province codes and names in use since the 2022 Papua split (Permendagri
 * 2022): Sumatra 11-19 and 21, Java and Bali-Nusa Tenggara 31-36 and 51-53,
 * Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82, Papua 91-96. */
static const struct {
	uint8_t		code;
	const char	*name;
} provinces[] = {
	{ 11, "Aceh" }, { 12, "Sumatera Utara" }, { 13, "Sumatera Barat" }, { 14, "Riau" },
	{ 15, "Jambi" }, { 16, "Sumatera Selatan" }, { 17, "Bengkulu" }, { 18, "Lampung" },
	{ 19, "Kepulauan Bangka Belitung" }, { 21, "Kepulauan Riau" },
	{ 31, "DKI Jakarta" }, { 32, "Jawa Barat" }, { 33, "Jawa Tengah" },
	{ 34, "DI Yogyakarta" }, { 35, "Jawa Timur" }, { 36, "Banten" },
	{ 51, "Bali" }, { 52, "Nusa Tenggara Barat" }, { 53, "Nusa Tenggara Timur" },
	{ 61, "Kalimantan Barat" }, { 62, "Kalimantan Tengah" }, { 63, "Kalimantan Selatan" },
	{ 64, "Kalimantan Timur" }, { 65, "Kalimantan Utara" },
	{ 71, "Sulawesi Utara" }, { 72, "Sulawesi Tengah" }, { 73, "Sulawesi Selatan" },
	{ 74, "Sulawesi Tenggara" }, { 75, "Gorontalo" }, { 76, "Sulawesi Barat" },
	{ 81, "Maluku" }, { 82, "Maluku Utara" },
	{ 91, "Papua" }, { 92, "Papua Barat" }, { 93, "Papua Selatan" }, { 94, "Papua Tengah" },
	{ 95, "Papua Pegunungan" }, { 96, "Papua Barat Daya" },
};

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

const char *
nik_province_name(unsigned code)
{
	size_t i;

	for (i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (provinces[i].code == code)
			return provinces[i].name;
	return NULL;
}

bool
nik_province_is_known(unsigned code)
{
	return nik_province_name(code) != NULL;
}

static bool
is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
	static const uint8_t dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

bool
nik_date_is_valid(uint32_t yyyymmdd)
{
	unsigned y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;

	if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days_in_month(y, m);
}

static unsigned
two(const char *p)
{
	return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

static int
check_text(const char *text, struct ktp_err *err)
{
	size_t i, len = strlen(text);

	if (len == 0)
		return ktp_err_set(err, -EINVAL, "nik: empty");
	for (i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return ktp_err_set(err, -EINVAL, "nik: not all digits");
	if (len != NIK_LEN)
		return ktp_err_set(err, -EINVAL, "nik: %zu digits, need %d", len, NIK_LEN);
	return 0;
}

static int
check_region(const char *text, struct ktp_err *err)
{
	if (!nik_province_is_known(two(text)))
		return ktp_err_set(err, -EINVAL, "nik: unknown province code '%.2s'", text);
	if (two(text + 2) == 0)
		return ktp_err_set(err, -EINVAL, "nik: regency code 00");
	if (two(text + 4) == 0)
		return ktp_err_set(err, -EINVAL, "nik: kecamatan code 00");
	return 0;
}

/* DDMMYY at text[6..11]; women have 40 added to the day. */
static int
parse_birth(const char *text, unsigned ref_year, struct nik *n, struct ktp_err *err)
{
	unsigned dd = two(text + 6), mm = two(text + 8), yy = two(text + 10);
	unsigned day = dd > 40 ? dd - 40 : dd, year;

	if (!((dd >= 1 && dd <= 31) || (dd >= 41 && dd <= 71)))
		return ktp_err_set(err, -EINVAL,
				   "nik: birth date: day %02u not in 1..31 or 41..71", dd);
	if (mm < 1 || mm > 12)
		return ktp_err_set(err, -EINVAL, "nik: birth date: month %02u not in 1..12", mm);
	year = (yy > ref_year % 100 ? 1900 : 2000) + yy;
	if (day > days_in_month(year, mm))
		return ktp_err_set(err, -EINVAL, "nik: birth date: %u %s %u does not exist",
				   day, month_names[mm - 1], year);
	n->female = dd > 40;
	n->birth_date = year * 10000 + mm * 100 + day;
	return 0;
}

int
nik_parse(const char *text, unsigned ref_year, struct nik *ret, struct ktp_err *err)
{
	struct nik n;
	int r;

	memset(&n, 0, sizeof(n));
	if ((r = check_text(text, err)) < 0 || (r = check_region(text, err)) < 0)
		return r;
	if ((r = parse_birth(text, ref_year, &n, err)) < 0)
		return r;
	n.serial = (uint16_t)(two(text + 12) * 100 + two(text + 14));
	if (n.serial == 0)
		return ktp_err_set(err, -EINVAL, "nik: serial 0000");
	memcpy(n.digits, text, NIK_LEN + 1);
	n.province = (uint8_t)two(text);
	n.regency = (uint8_t)two(text + 2);
	n.kecamatan = (uint8_t)two(text + 4);
	*ret = n;
	return 0;
}

uint16_t
nik_regency_code(const struct nik *n)
{
	return (uint16_t)(n->province * 100 + n->regency);
}

uint32_t
nik_kecamatan_code(const struct nik *n)
{
	return (uint32_t)nik_regency_code(n) * 100 + n->kecamatan;
}
