/* SPDX-License-Identifier: ISC */
/* keygen prints "public_key:" and "fingerprint:" lines for people; pubkey
 * prints the bare base64 line so that `$(ktpctl pubkey FILE)` drops straight
 * into a config file. Neither ever sees more than the public half. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd_keys.h"
#include "ctlclient.h"
#include "err.h"
#include "keys.h"
#include "keytext.h"
#include "output.h"

static const char *
type_name(enum keytext_type type)
{
	return type == KEYTEXT_HUB_SECRET ? "hub" : "node";
}

static void
print_json(enum keytext_type type, const char *pk_text, const char *fp)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "type", type_name(type), "public_key", pk_text,
			      "fingerprint", fp);

	if (j != NULL)
		output_json(stdout, j);
	json_decref(j);
}

static void
print_key(const struct ctl_opts *o, enum keytext_type type, const uint8_t pk[static 32],
	  bool bare)
{
	char text[KEYTEXT_PUBLIC_LEN], fp[KTP_FINGERPRINT_LEN + 1];

	keytext_public_to_text(pk, text);
	keytext_fingerprint(pk, fp);
	if (o->json)
		print_json(type, text, fp);
	else if (bare)
		printf("%s\n", text);
	else
		printf("public_key:  %s\nfingerprint: %s\n", text, fp);
}

int
cmd_keygen(const struct ctl_opts *o, int argc, char **argv)
{
	enum keytext_type type = KEYTEXT_NODE_SECRET;
	struct ktp_err err = {0};
	uint8_t pk[32];

	if (argc == 3 && strcmp(argv[1], "--hub") == 0)
		type = KEYTEXT_HUB_SECRET;
	else if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ktpctl keygen [--hub] FILE\n");
		return 2;
	}
	if (keys_generate(type, argv[argc - 1], pk, &err) < 0) {
		fprintf(stderr, "ktpctl: keygen: %s\n", err.msg);
		return 1;
	}
	print_key(o, type, pk, false);
	return 0;
}

int
cmd_pubkey(const struct ctl_opts *o, int argc, char **argv)
{
	enum keytext_type type;
	struct ktp_err err = {0};
	uint8_t pk[32];

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ktpctl pubkey FILE\n");
		return 2;
	}
	if (keys_load_public(argv[1], &type, pk, &err) < 0) {
		fprintf(stderr, "ktpctl: pubkey: %s\n", err.msg);
		return 1;
	}
	print_key(o, type, pk, true);
	return 0;
}
