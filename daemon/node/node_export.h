/* SPDX-License-Identifier: ISC */
/* node_export — `ktpctl export`: every pending version as bundle records for a USB stick.
 * Seals batch by batch (node_seal_batch) and marks the export so the next contact probes.
 * Writes no file and no bundle magic: the caller's out() gets each record. */
#ifndef KTP_NODE_EXPORT_H
#define KTP_NODE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

struct ktp_err;
struct node;

/* Seals every pending version into bundle records (4-byte length + batch
 * wire, without the bundle magic) and hands each to out(). Versions stay
 * pending; the next contact learns what the hub applied. */
struct node_export {
	uint64_t	first;
	uint64_t	last;		/* first - 1 when nothing is pending */
	uint64_t	batches;
	uint64_t	bytes;
};
int	node_export(struct node *n, int (*out)(void *arg, const void *data, size_t len,
						struct ktp_err *err),
		    void *arg, struct node_export *ret, struct ktp_err *err);

#endif
