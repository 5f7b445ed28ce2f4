/* SPDX-License-Identifier: ISC */
#include "version.h"

/* Set by the Makefile for this file alone, so a new commit rebuilds one object. */
#ifndef KTP_VERSION
#define KTP_VERSION "unknown"
#endif

const char *
ktp_version(void)
{
	return KTP_VERSION;
}
