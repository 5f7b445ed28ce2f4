/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>

#include "nikdir.h"

#define NIKDIR_MIN_BITS	10

struct nikdir {
	uint64_t	*nik;		/* 0 = free */
	uint32_t	*id;
	size_t		mask;		/* slots - 1, slots a power of two */
	unsigned	bits;
	size_t		count;
};

/* Fibonacci hashing: NIKs share long prefixes (province, regency,
 * kecamatan) and differ in the low digits; the multiply spreads every digit
 * into the top bits. */
static size_t
home(const struct nikdir *d, uint64_t nik)
{
	return (size_t)((nik * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - d->bits));
}

static size_t
find(const struct nikdir *d, uint64_t nik)
{
	size_t i = home(d, nik);

	while (d->nik[i] != 0 && d->nik[i] != nik)
		i = (i + 1) & d->mask;
	return i;
}

static int
alloc_slots(struct nikdir *d, unsigned bits)
{
	size_t n = (size_t)1 << bits;

	d->nik = calloc(n, sizeof(*d->nik));
	d->id = calloc(n, sizeof(*d->id));
	if (d->nik == NULL || d->id == NULL) {
		free(d->nik);
		free(d->id);
		return -ENOMEM;
	}
	d->bits = bits;
	d->mask = n - 1;
	return 0;
}

/* Doubles the slots; on -ENOMEM the directory is left as it was. */
static int
grow(struct nikdir *d)
{
	struct nikdir old = *d;
	size_t i, j;

	if (alloc_slots(d, old.bits + 1) < 0) {
		*d = old;
		return -ENOMEM;
	}
	for (i = 0; i <= old.mask; i++) {
		if (old.nik[i] == 0)
			continue;
		j = find(d, old.nik[i]);
		d->nik[j] = old.nik[i];
		d->id[j] = old.id[i];
	}
	free(old.nik);
	free(old.id);
	return 0;
}

int
nikdir_new(struct nikdir **ret)
{
	struct nikdir *d = calloc(1, sizeof(*d));

	if (d == NULL || alloc_slots(d, NIKDIR_MIN_BITS) < 0) {
		free(d);
		return -ENOMEM;
	}
	*ret = d;
	return 0;
}

void
nikdir_free(struct nikdir *d)
{
	if (d == NULL)
		return;
	free(d->nik);
	free(d->id);
	free(d);
}

int64_t
nikdir_get(const struct nikdir *d, uint64_t nik)
{
	size_t i;

	if (nik == 0)
		return 0;
	i = find(d, nik);
	return d->nik[i] == nik ? d->id[i] : 0;
}

int
nikdir_put(struct nikdir *d, uint64_t nik, int64_t id)
{
	size_t i;

	if (nik == 0 || id < 1 || id > UINT32_MAX)
		return -ERANGE;
	/* At most 3/4 full, so probe runs stay a few slots long. */
	if ((d->count + 1) * 4 > (d->mask + 1) * 3 && grow(d) < 0)
		return -ENOMEM;
	i = find(d, nik);
	if (d->nik[i] == nik)
		return -EEXIST;
	d->nik[i] = nik;
	d->id[i] = (uint32_t)id;
	d->count++;
	return 0;
}

/* Whether the entry at j, whose home is h, may stay when slot i (before j
 * in probe order) is freed: only if h lies cyclically in (i, j]. */
static int
stays(size_t i, size_t j, size_t h)
{
	return i <= j ? (i < h && h <= j) : (i < h || h <= j);
}

int
nikdir_del(struct nikdir *d, uint64_t nik)
{
	size_t i, j;

	if (nik == 0)
		return -ENOENT;
	i = find(d, nik);
	if (d->nik[i] != nik)
		return -ENOENT;
	for (j = (i + 1) & d->mask; d->nik[j] != 0; j = (j + 1) & d->mask) {
		if (stays(i, j, home(d, d->nik[j])))
			continue;
		d->nik[i] = d->nik[j];
		d->id[i] = d->id[j];
		i = j;
	}
	d->nik[i] = 0;
	d->id[i] = 0;
	d->count--;
	return 0;
}

size_t
nikdir_count(const struct nikdir *d)
{
	return d->count;
}
