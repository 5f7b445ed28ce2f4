/* SPDX-License-Identifier: ISC */
/* Everything is drawn from splitmix64 streams: one for the generator (order
 * of persons and events, birth dates, statuses) and one per person, seeded
 * from the first, for what never changes (names, kecamatan, desa). A person
 * can so be rebuilt from 40 bytes, which keeps a million persons in memory
 * cheap and lets synth_update reuse them. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "area.h"
#include "calendar.h"
#include "hlc.h"
#include "nik.h"
#include "record.h"
#include "synth.h"

/* Indonesian given names (Javanese, Sundanese, Malay, Arabic-derived, Balinese,
 * Batak, Minahasa, Chinese-Indonesian usage), split by the sex they are most
 * often given to, and family or second names that follow them. */
static const char male_names[] =
	"Agus Budi Joko Slamet Bambang Hadi Eko Dwi Tri Ahmad Muhammad Abdul Rizki "
	"Fajar Dedi Hendra Iwan Yudi Andi Rudi Arif Bayu Dimas Fikri Gilang Hendro "
	"Ilham Irfan Joni Kurniawan Lukman Wayan Nyoman Ketut Gede Komang Nanang Oki "
	"Purnomo Rahmat Sigit Taufik Teguh Umar Wahyu Yusuf Zainal Asep Ujang Cecep "
	"Dadang Aep Deden Jajang Ade Adi Aditya Afif Agung Akbar Alfian Ali Amir Anang "
	"Anton Ardi Arya Aris Bagus Bima Danang Dani Darmawan Deni Didik Dodi Doni Edi "
	"Efendi Erik Fadli Faisal Farhan Ferdi Firman Galih Guntur Hakim Hamzah Hari "
	"Harun Hasan Heri Husein Ibrahim Imam Indra Ismail Jaka Jamal Januar Kadir "
	"Kevin Krisna Lutfi Mahmud Mansur Maulana Mulyadi Nasrul Nugroho Nur Panji "
	"Paulus Petrus Ramadhan Rafi Rendi Reza Ridwan Robert Rohman Rosyid Rusdi "
	"Saiful Samsul Satria Sofyan Soleh Sugeng Suharto Sukardi Sulaiman Supri "
	"Surya Syahrul Tono Toni Ucok Usman Wawan Wibisono Wiryo Yanto Yoga Yohanes "
	"Yosef Zulkifli Abdullah Bonifasius Daud Eben Fransiskus Gregorius Hotman "
	"Ikhsan Junaidi Kasim Lamhot Marthen Markus Musa Natanael Obaja Parulian "
	"Rajab Sabar Tigor Usup Viktor Wilhelmus Yakobus Zakaria Haris Fauzi Hafiz";

static const char female_names[] =
	"Siti Sri Dewi Ani Ratna Wati Yuni Rina Lestari Fitri Indah Ayu Putri Dian "
	"Eka Endah Rini Sari Tuti Wulan Yanti Nining Neneng Euis Imas Cucu Kadek Luh "
	"Desak Ida Ade Aisyah Alya Amelia Anggi Anisa Annisa Aprilia Ari Asih Astuti "
	"Atik Ayunda Bunga Cahya Citra Dina Dwi Elis Elsa Erna Erni Evi Fatimah Febri "
	"Fika Hana Hartini Hasanah Ika Ike Intan Irma Kartika Kurnia Lani Laras Lia "
	"Lilis Lina Lusi Maya Mega Melati Mila Mirna Nabila Nadia Nia Novi Nur Nurul "
	"Oktavia Puji Purwati Rahayu Rahma Ratih Reni Retno Rika Rosa Rosita Sinta "
	"Sulastri Sumiati Suryani Susanti Tari Tika Tini Titin Umi Utami Vina Wahyuni "
	"Widya Winda Yati Yeni Yulia Yusnita Zahra Zulaikha Maria Magdalena Yohana "
	"Elisabet Theresia Agnes Veronika Debora Ester Rut Sarah Kristina Margaretha "
	"Monika Natalia Paskah Ruth Sondang Tiurma Rosmawati Masdiana Butet Pratiwi "
	"Handayani Kusumawati Permata Sekar Kinanti Nuraini Khadijah Mariam Salma "
	"Safitri Rohani Jumiati Painem Paijem Sainah Tukinem Warsini Mulyani Suwarni "
	"Komariah Nyai Ening Iis Enok Kokom Popon Yoyoh Ai Nenden Rosdiana Yayah";

static const char family_names[] =
	"Saputra Saputri Pratama Wibowo Susanto Setiawan Hidayat Nugraha Kusuma "
	"Wijaya Santoso Gunawan Halim Tanoto Hartono Siregar Nasution Harahap Lubis "
	"Simanjuntak Sitompul Pardede Simatupang Panjaitan Sihombing Hutapea Manurung "
	"Sinaga Situmorang Tambunan Napitupulu Silalahi Pasaribu Hutagalung Sitorus "
	"Damanik Purba Saragih Ginting Tarigan Sembiring Karo Sebayang Lumbantobing "
	"Wowor Lumowa Rumengan Sondakh Mandagi Tumbelaka Pangemanan Lasut Mamahit "
	"Pattimura Latuconsina Pattinama Tuhumury Sahetapy Leimena Matulessy "
	"Rumbiak Wenda Kogoya Tabuni Wonda Yikwa Mote Pigai Kambu Rumkorem "
	"Sulistyo Purnama Firmansyah Ramadhani Maulana Kurniawan Syahputra Permana "
	"Hakim Iskandar Rahman Rahmawati Safitri Handoko Haryanto Prasetyo Purnomo "
	"Rachman Hasibuan Daulay Batubara Pohan Ritonga Tanjung Chaniago Piliang "
	"Koto Sikumbang Caniago Jambak Melayu Bugis Daeng Pabbicara Lamatta Mappa "
	"Manoppo Mokodompit Paputungan Gobel Habibie Hasan Abdullah Alkatiri Assegaf "
	"Alhabsyi Baswedan Shihab Bafadal Hadiwijaya Mangkunegara Notonegoro "
	"Suryadi Sastrowardoyo Wirawan Atmaja Hadiningrat Joyokusumo Kartodirdjo "
	"Sasmita Sumantri Suganda Sutisna Wiradinata Kartasasmita Natawijaya "
	"Suparman Sukarno Sumarno Sudarsono Sugiarto Sunarto Supardi Suryono Sutrisno "
	"Utomo Wahyudi Widodo Wiyono Yulianto Zulkarnain Anggraini Puspita Lestari "
	"Anwar Bahri Fauzan Ghazali Hamid Jaelani Kamil Mustofa Nawawi Qodir Rasyid "
	"Subagyo Tanudjaja Halimah Ongko Liem Salim Tjandra Wibisana Kurnia Oktaviani";

#define WORDS_MAX	200
#define DAY_S		86400
#define OPERATORS_MAX	40
#define MADE_UP_KEC_MAX	25	/* kecamatan of a regency without a code table */

struct words {
	const char	*w[WORDS_MAX];
	unsigned	n;
	char		*buf;
};

struct kec {
	uint32_t	code;		/* PPRRKK */
	unsigned	ndesa;		/* desa and kelurahan */
	unsigned	nkel;		/* the first nkel are kelurahan (1001..) */
	unsigned	weight;		/* share of the population */
	uint64_t	*desa;		/* from the code table: its ndesa codes; else NULL */
};

/* What changes over a person's life; the rest comes from seed. */
struct person {
	uint64_t	seed;
	uint64_t	hlc;
	int64_t		recorded_at;
	uint32_t	birth;		/* YYYYMMDD the NIK carries */
	uint16_t	serial;
	uint8_t		status;
	uint8_t		site;
	uint8_t		op;
	uint8_t		on_dpt;
};

/* What a person's own stream decides once. */
struct traits {
	bool		female;
	bool		sex_other;	/* the rare record whose sex is not the NIK's */
	unsigned	kec;		/* index of the kecamatan lived in */
	unsigned	desa;		/* index within it */
	uint32_t	nik_area;	/* PPRRKK of the NIK */
	uint64_t	name_seed;
};

struct synth {
	uint64_t	rng;
	uint16_t	regency;
	uint64_t	clock_ms;
	struct hlc	hlc;
	struct kec	kec[SYNTH_KECAMATAN_MAX];
	unsigned	nkec;
	unsigned	weight_sum;
	unsigned	noperators;
	struct person	*p;
	size_t		n, cap;
	uint64_t	*skeys;		/* NIK area, date and sex -> last serial */
	uint16_t	*svals;
	size_t		scap, sn;
	struct words	male, female, family;
	unsigned	run_kind;	/* RUN_* */
	unsigned	run_left;	/* versions left in the current run */
};

enum { RUN_RESIDENTS, RUN_RECORDING_FILE, RUN_LIVE };

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
synth_rand(struct synth *s)
{
	return splitmix(&s->rng);
}

/* Uniform in 0..n-1; the modulo bias is irrelevant for test data. */
static unsigned
pick(uint64_t *x, unsigned n)
{
	return (unsigned)(splitmix(x) % n);
}

/* True with probability per_mille / 1000. */
static bool
chance(uint64_t *x, unsigned per_mille)
{
	return pick(x, 1000) < per_mille;
}

static int
split_words(const char *text, struct words *w)
{
	char *p, *save = NULL;

	if ((w->buf = strdup(text)) == NULL)
		return -ENOMEM;
	for (p = strtok_r(w->buf, " ", &save); p != NULL && w->n < WORDS_MAX;
	     p = strtok_r(NULL, " ", &save))
		w->w[w->n++] = p;
	return 0;
}

static void
make_regency(struct synth *s)
{
	unsigned i;

	s->nkec = 10 + pick(&s->rng, MADE_UP_KEC_MAX - 10 + 1);
	for (i = 0; i < s->nkec; i++) {
		s->kec[i].code = (uint32_t)s->regency * 100 + i + 1;
		s->kec[i].ndesa = 8 + pick(&s->rng, 13);
		s->kec[i].nkel = pick(&s->rng, 4);
		s->kec[i].weight = 2 + pick(&s->rng, 9);
		s->weight_sum += s->kec[i].weight;
	}
	s->noperators = 12 + pick(&s->rng, OPERATORS_MAX - 12 + 1);
}

struct synth *
synth_new(uint64_t seed, uint16_t regency)
{
	struct synth *s;

	if (!nik_province_is_known(regency / 100) || regency % 100 == 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->rng = seed ^ ((uint64_t)regency << 48);
	s->regency = regency;
	if (split_words(male_names, &s->male) < 0 || split_words(female_names, &s->female) < 0 ||
	    split_words(family_names, &s->family) < 0) {
		synth_free(s);
		errno = ENOMEM;
		return NULL;
	}
	make_regency(s);
	return s;
}

static void *xcalloc(size_t n, size_t size);

/* The real kecamatan and desa of the regency replace the made-up ones. The
 * generator's stream has made its draws for those already, so persons,
 * statuses and events stay those of synth_new; weights come from a stream
 * of their own. */
static int
take_areas(struct synth *s, uint64_t seed, const struct area_table *t)
{
	uint64_t codes[SYNTH_KECAMATAN_MAX], x = seed ^ UINT64_C(0x6b6563616d617461);
	size_t n = area_children(t, AREA_KECAMATAN, s->regency, codes, SYNTH_KECAMATAN_MAX);
	unsigned i;

	if (n == 0 || n > SYNTH_KECAMATAN_MAX)
		return -EINVAL;
	s->nkec = (unsigned)n;
	s->weight_sum = 0;
	for (i = 0; i < s->nkec; i++) {
		s->kec[i].code = (uint32_t)codes[i];
		s->kec[i].nkel = 0;
		s->kec[i].weight = 2 + pick(&x, 9);
		s->weight_sum += s->kec[i].weight;
		n = area_children(t, AREA_DESA, codes[i], NULL, 0);
		if (n == 0)
			continue;
		s->kec[i].desa = xcalloc(n, sizeof(uint64_t));
		s->kec[i].ndesa = (unsigned)area_children(t, AREA_DESA, codes[i],
							  s->kec[i].desa, n);
	}
	return 0;
}

struct synth *
synth_new_areas(uint64_t seed, uint16_t regency, const struct area_table *areas)
{
	struct synth *s = synth_new(seed, regency);

	if (s != NULL && take_areas(s, seed, areas) < 0) {
		synth_free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;
}

void
synth_free(struct synth *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nkec; i++)
		free(s->kec[i].desa);
	free(s->male.buf);
	free(s->female.buf);
	free(s->family.buf);
	free(s->p);
	free(s->skeys);
	free(s->svals);
	free(s);
}

uint64_t
synth_count(const struct synth *s)
{
	return s->n;
}

unsigned
synth_kecamatans(const struct synth *s, uint32_t *out, unsigned cap)
{
	unsigned i;

	for (i = 0; i < s->nkec && i < cap; i++)
		out[i] = s->kec[i].code;
	return s->nkec;
}

static unsigned
pick_kecamatan(const struct synth *s, uint64_t *x)
{
	unsigned w = pick(x, s->weight_sum), i;

	for (i = 0; i + 1 < s->nkec && w >= s->kec[i].weight; i++)
		w -= s->kec[i].weight;
	return i;
}

/* Most NIKs were issued where the person lives; some moved within the
 * regency, a few came from another regency and keep that prefix for life. */
static uint32_t
pick_nik_area(const struct synth *s, uint64_t *x, unsigned kec)
{
	unsigned u = pick(x, 1000), rr;

	if (u < 950)
		return s->kec[kec].code;
	if (u < 980)
		return s->kec[pick(x, s->nkec)].code;
	rr = 1 + pick(x, 79);
	if (rr == s->regency % 100u)
		rr = rr % 79 + 1;
	return (uint32_t)(s->regency / 100u) * 10000 + rr * 100 + 1 + pick(x, 20);
}

static struct traits
person_traits(const struct synth *s, uint64_t seed)
{
	struct traits t;
	uint64_t x = seed;

	t.female = chance(&x, 505);
	t.sex_other = chance(&x, 2);
	t.kec = pick_kecamatan(s, &x);
	t.desa = s->kec[t.kec].ndesa ? pick(&x, s->kec[t.kec].ndesa) : 0;
	t.nik_area = pick_nik_area(s, &x, t.kec);
	t.name_seed = splitmix(&x);
	return t;
}

static const char *
pick_word(const struct words *w, uint64_t *x)
{
	return w->w[pick(x, w->n)];
}

/* 1 to 4 words: a given name first, then given or family names, a family
 * name more often last; a word is not repeated back to back. */
static void
make_name(const struct synth *s, const struct traits *t, char *out, size_t cap)
{
	const struct words *given = t->female ? &s->female : &s->male;
	uint64_t x = t->name_seed;
	unsigned u = pick(&x, 100), nw = u < 12 ? 1 : u < 60 ? 2 : u < 90 ? 3 : 4, i;
	const char *prev = "", *w;
	size_t len = 0;

	out[0] = '\0';
	for (i = 0; i < nw; i++) {
		if (i == 0)
			w = pick_word(given, &x);
		else if (chance(&x, i + 1 == nw ? 650 : 350))
			w = pick_word(&s->family, &x);
		else
			w = pick_word(given, &x);
		if (strcmp(w, prev) == 0)
			continue;
		if (len + (len > 0) + strlen(w) >= cap)
			break;
		if (len > 0)
			out[len++] = ' ';
		memcpy(out + len, w, strlen(w) + 1);
		len += strlen(w);
		prev = w;
	}
}

/* Age groups roughly as in Indonesia's population pyramid. */
static uint32_t
pick_birth(struct synth *s, int64_t now)
{
	unsigned u = pick(&s->rng, 1000), lo, span;

	if (u < 280)
		lo = 0, span = 17 * 365;
	else if (u < 660)
		lo = 17 * 365 + 5, span = 23 * 365;
	else if (u < 880)
		lo = 40 * 365 + 10, span = 20 * 365;
	else
		lo = 60 * 365 + 15, span = 30 * 365;
	return calendar_ymd(now / DAY_S - lo - pick(&s->rng, span));
}

static unsigned
age_at(uint32_t birth, int64_t now)
{
	return (calendar_ymd(now / DAY_S) - birth) / 10000;
}

/* Test support: running out of memory ends the program rather than
 * threading an error through every generator call. */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		abort();
	return p;
}

static void
grow_serials(struct synth *s)
{
	size_t ncap = s->scap ? s->scap * 2 : 4096, i, j;
	uint64_t *keys = xcalloc(ncap, sizeof(*keys));
	uint16_t *vals = xcalloc(ncap, sizeof(*vals));

	for (i = 0; i < s->scap; i++) {
		if (s->skeys[i] == 0)
			continue;
		for (j = s->skeys[i] % ncap; keys[j] != 0; j = (j + 1) % ncap)
			;
		keys[j] = s->skeys[i];
		vals[j] = s->svals[i];
	}
	free(s->skeys);
	free(s->svals);
	s->skeys = keys;
	s->svals = vals;
	s->scap = ncap;
}

/* Serials count the persons with the same NIK area, birth date and sex,
 * so NIKs are unique. A linear-probing table; keys are never 0. */
static uint16_t
next_serial(struct synth *s, uint32_t area, uint32_t birth, bool female)
{
	uint64_t key = (uint64_t)area * 1000000000 + (uint64_t)birth * 2 + female;
	size_t i;

	if (s->sn * 2 >= s->scap)
		grow_serials(s);
	for (i = key % s->scap; s->skeys[i] != 0 && s->skeys[i] != key; i = (i + 1) % s->scap)
		;
	if (s->skeys[i] == 0) {
		s->skeys[i] = key;
		s->sn++;
	}
	/* 9999 persons on one day in one kecamatan do not happen; stay valid. */
	if (s->svals[i] < 9999)
		s->svals[i]++;
	return s->svals[i];
}

static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void
fill_record(const struct synth *s, const struct person *p, struct record *out)
{
	struct traits t = person_traits(s, p->seed);
	const struct kec *k = &s->kec[t.kec];
	unsigned day = p->birth % 100 + (t.female ? 40 : 0);

	memset(out, 0, sizeof(*out));
	put_digits(out->nik, t.nik_area, 6);
	put_digits(out->nik + 6, day, 2);
	put_digits(out->nik + 8, p->birth / 100 % 100, 2);
	put_digits(out->nik + 10, p->birth / 10000 % 100, 2);
	put_digits(out->nik + 12, p->serial, 4);
	out->hlc = p->hlc;
	make_name(s, &t, out->name, sizeof(out->name));
	out->sex = (t.female != t.sex_other) ? RECORD_SEX_FEMALE : RECORD_SEX_MALE;
	/* Always the NIK's date: ingest refuses a birth_date column that
	 * contradicts the NIK, and the generated files must import. */
	out->birth_date = p->birth;
	out->kecamatan = k->code;
	if (k->desa != NULL)
		out->desa = k->desa[t.desa];
	else if (k->ndesa > 0)
		out->desa = (uint64_t)k->code * 10000 +
			    (t.desa < k->nkel ? 1001 + t.desa : 2001 + t.desa - k->nkel);
	out->on_dpt = p->on_dpt != 0;
	out->status = p->status;
	out->recorded_at = p->recorded_at;
	out->site = p->site;
	if (p->status != RECORD_STATUS_UNRECORDED)
		snprintf(out->operator_, sizeof(out->operator_), "op%02u", p->op + 1u);
}

int
synth_person_get(const struct synth *s, uint64_t i, struct record *out)
{
	if (i >= s->n)
		return -ENOENT;
	fill_record(s, &s->p[i], out);
	return 0;
}

static uint8_t
pick_site(struct synth *s)
{
	unsigned u = pick(&s->rng, 100);

	if (u < 68)
		return RECORD_SITE_OFFICE;
	if (u < 77)
		return RECORD_SITE_SCHOOL;
	if (u < 82)
		return RECORD_SITE_PESANTREN;
	if (u < 84)
		return RECORD_SITE_PRISON;
	if (u < 88)
		return RECORD_SITE_DOOR;
	return RECORD_SITE_MOBILE;
}

/* Within the last year, weighted towards now (u squared), in office
 * hours 08:00-16:00 WIB (01:00-09:00 UTC), and never after now. */
static int64_t
pick_recorded_at(struct synth *s, int64_t now)
{
	double u = (double)(synth_rand(s) >> 11) / (double)(UINT64_C(1) << 53);
	int64_t day = now / DAY_S - (int64_t)(365 * u * u);
	int64_t t = day * DAY_S + 3600 + pick(&s->rng, 8 * 3600);

	return t < now ? t : now - 1 - pick(&s->rng, 3600);
}

static void
record_person(struct synth *s, struct person *p, int64_t now, uint8_t status)
{
	p->status = status;
	p->recorded_at = pick_recorded_at(s, now);
	p->site = pick_site(s);
	p->op = (uint8_t)pick(&s->rng, s->noperators);
}

static void
set_status(struct synth *s, struct person *p, int64_t now)
{
	unsigned age = age_at(p->birth, now), u = pick(&s->rng, 1000);

	p->status = RECORD_STATUS_UNRECORDED;
	if (age < 16 || (age == 16 && u < 600) || (age >= 17 && u < 35))
		return;
	if (u < 200)
		record_person(s, p, now, RECORD_STATUS_RECORDED);
	else if (u < 320)
		record_person(s, p, now, RECORD_STATUS_PRINTED);
	else
		record_person(s, p, now, RECORD_STATUS_ISSUED);
}

static uint64_t
tick(struct synth *s, int64_t now, unsigned max_gap_ms)
{
	uint64_t floor_ms = now > 0 ? (uint64_t)now * 1000 : 0;

	/* Within an imported file every version has the file's wall time. */
	if (s->run_left > 0 && s->run_kind != RUN_LIVE)
		return hlc_next(&s->hlc, s->clock_ms);
	if (s->clock_ms < floor_ms)
		s->clock_ms = floor_ms;
	s->clock_ms += pick(&s->rng, max_gap_ms + 1);
	return hlc_next(&s->hlc, s->clock_ms);
}

static struct person *
new_person(struct synth *s)
{
	struct person *np;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		if ((np = realloc(s->p, s->cap * sizeof(*np))) == NULL)
			abort();
		s->p = np;
	}
	np = &s->p[s->n++];
	memset(np, 0, sizeof(*np));
	return np;
}

void
synth_person(struct synth *s, struct record *out, int64_t now)
{
	struct person *p = new_person(s);
	struct traits t;

	p->seed = synth_rand(s);
	t = person_traits(s, p->seed);
	p->birth = pick_birth(s, now);
	p->serial = next_serial(s, t.nik_area, p->birth, t.female);
	p->on_dpt = age_at(p->birth, now) >= 17 && chance(&s->rng, 920);
	set_status(s, p, now);
	/* An import stamps a whole file with one wall time (ingest_begin), so
	 * its versions differ only in the HLC counter. */
	p->hlc = tick(s, now, 0);
	fill_record(s, p, out);
}

static bool
can_progress(const struct person *p, int64_t now)
{
	if (p->status == RECORD_STATUS_UNRECORDED)
		return age_at(p->birth, now) >= 16;
	return p->status != RECORD_STATUS_ISSUED;
}

/* Prefers an unrecorded person old enough to record, then anyone not yet
 * issued; when a few random draws find neither, a scan from a random place
 * does. NULL when nobody can move on. */
static struct person *
pick_for_update(struct synth *s, int64_t now)
{
	struct person *any = NULL, *p;
	size_t i, start;

	for (i = 0; i < 16; i++) {
		p = &s->p[synth_rand(s) % s->n];
		if (p->status == RECORD_STATUS_UNRECORDED && can_progress(p, now))
			return p;
		if (any == NULL && can_progress(p, now))
			any = p;
	}
	if (any != NULL)
		return any;
	start = (size_t)(synth_rand(s) % s->n);
	for (i = 0; i < s->n; i++)
		if (can_progress(&s->p[(start + i) % s->n], now))
			return &s->p[(start + i) % s->n];
	return NULL;
}

static int
update_person(struct synth *s, struct record *out, int64_t now, unsigned gap_ms)
{
	struct person *p;
	uint64_t stamp;

	if (s->n == 0 || (p = pick_for_update(s, now)) == NULL)
		return -ENOENT;
	stamp = tick(s, now, gap_ms);
	if (p->status == RECORD_STATUS_UNRECORDED) {
		p->status = RECORD_STATUS_RECORDED;
		p->recorded_at = (int64_t)(hlc_wall_ms(stamp) / 1000) - 60 -
				 pick(&s->rng, gap_ms ? 900 : 8 * 3600);
		p->site = pick_site(s);
		p->op = (uint8_t)pick(&s->rng, s->noperators);
	} else {
		p->status++;
	}
	p->hlc = stamp;
	fill_record(s, p, out);
	return 0;
}

/* A live event, entered one by one at a desk or a mobile kit. */
int
synth_update(struct synth *s, struct record *out, int64_t now)
{
	return update_person(s, out, now, 5000);
}

/* A journal is made of runs, because an imported file is one transaction
 * stamped with one wall time: residents files (new persons), recording
 * files (a day's events from the enrollment software), and live events
 * in between. Runs are sized so that about one version in five is an
 * event once persons exist. */
static void
start_run(struct synth *s)
{
	unsigned u = pick(&s->rng, 100);

	if (s->n < 100 || u < 60) {
		s->run_kind = RUN_RESIDENTS;
		s->run_left = 200 + pick(&s->rng, 3000);
	} else if (u < 85) {
		s->run_kind = RUN_RECORDING_FILE;
		s->run_left = 50 + pick(&s->rng, 600);
	} else {
		s->run_kind = RUN_LIVE;
		s->run_left = 5 + pick(&s->rng, 100);
	}
}

void
synth_journal_next(struct synth *s, struct record *out, int64_t now)
{
	if (s->run_left == 0) {
		start_run(s);
		s->clock_ms += 1000 + pick(&s->rng, 60000);
		if (now > 0 && s->clock_ms < (uint64_t)now * 1000)
			s->clock_ms = (uint64_t)now * 1000;
	}
	if (s->run_kind == RUN_RECORDING_FILE && update_person(s, out, now, 0) == 0)
		goto out;
	if (s->run_kind == RUN_LIVE && update_person(s, out, now, 5000) == 0)
		goto out;
	synth_person(s, out, now);
out:
	s->run_left--;
}
