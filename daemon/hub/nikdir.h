/* SPDX-License-Identifier: ISC */
/* nikdir — the hub's NIK directory: which person row holds a NIK, in memory.
 *
 * The store finds a person by NIK here instead of through an SQLite index.
 * A batch of 10 000 versions carries NIKs scattered over the whole key
 * range, so an index on NIK has nearly every one of its pages dirtied by
 * every batch and written to the WAL at each commit (about 1 KiB of WAL per
 * version at a million persons, one page per version at many millions):
 * that cost twice the whole rest of an apply. The directory is derived
 * state: the store builds it from the person rows when it opens and keeps
 * it in step with every transaction, so the database stays the only truth.
 * 12 bytes a slot, at most 3/4 of the slots used: 16 to 32 bytes a person
 * (96 MiB at five million persons, 144 MiB for a moment while growing).
 *
 * Open addressing with linear probing over two parallel arrays; a NIK is
 * never 0 (16 digits, the first is a province code), so 0 marks a free slot,
 * and deleting shifts the following entries back, so no tombstones. */
#ifndef KTP_NIKDIR_H
#define KTP_NIKDIR_H

#include <stddef.h>
#include <stdint.h>

struct nikdir;

int	nikdir_new(struct nikdir **ret);		/* 0 or -ENOMEM */
void	nikdir_free(struct nikdir *d);			/* NULL is a no-op */
/* The row holding nik, or 0 when none does. */
int64_t	nikdir_get(const struct nikdir *d, uint64_t nik);
/* 0; -EEXIST when nik has a row already (unchanged); -ERANGE for nik 0 or a
 * row id outside 1..UINT32_MAX; -ENOMEM. */
int	nikdir_put(struct nikdir *d, uint64_t nik, int64_t id);
/* 0, or -ENOENT when nik has no row. */
int	nikdir_del(struct nikdir *d, uint64_t nik);
size_t	nikdir_count(const struct nikdir *d);

#endif
