/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>

#include <sodium.h>

#include "unit.h"
#include "batch.h"
#include "chain.h"
#include "conf.h"
#include "conf_hub.h"
#include "err.h"
#include "hub.h"
#include "keys.h"
#include "keytext.h"
#include "record.h"

/* A real hub (config file, key files, SQLite store in a temporary
 * directory) and real sealed batches: hub_push end to end, without HTTP. */
struct fixture {
	char		dir[PATH_MAX / 2];
	char		conf[PATH_MAX];
	struct hub	*hub;
	struct node_keys *node;		/* node 3201's key */
	uint8_t		hub_pk[32];
	uint8_t		enc[64][KTP_VERSION_MAX_BYTES];
	size_t		enc_len[64];
};

static void
make_version(unsigned seq, struct record *r)
{
	char nik[32];

	memset(r, 0, sizeof(*r));
	snprintf(nik, sizeof(nik), "320101%02u0190%04u", 1 + seq % 28, seq);
	memcpy(r->nik, nik, 16);
	snprintf(r->name, sizeof(r->name), "Warga %u", seq);
	r->birth_date = 19900100 + 1 + seq % 28;
	r->kecamatan = 320101;
	r->on_dpt = true;
	r->status = RECORD_STATUS_RECORDED;
	r->recorded_at = 1767225600;
	r->site = RECORD_SITE_OFFICE;
	r->hlc = ((uint64_t)1767225600000 + seq) << 16;
}

static void
write_conf(struct fixture *f, const char *extra)
{
	char node_pub[KEYTEXT_PUBLIC_LEN], areas[PATH_MAX];
	FILE *c = fopen(f->conf, "w");

	/* The unit tests run from the tree root; the key wants an absolute path. */
	assert_non_null(realpath("protocol/areas", areas));

	keytext_public_to_text(f->node->pk, node_pub);
	fprintf(c, "[hub]\nlisten = 127.0.0.1:1\nstate_dir = %s/state\nkey_file = %s/hub.key\n"
		"control_socket = %s/ctl.sock\nprovince = 32\nelection_date = 2029-02-14\n"
		"area_dir = %s\n"
		"max_batch_bytes = 64K\n\n[node 3201]\nname = Kabupaten Bogor\npublic_key = %s\n%s",
		f->dir, f->dir, f->dir, areas, node_pub, extra);
	fclose(c);
}

static int
open_hub(struct fixture *f)
{
	struct hub_conf conf;
	struct conf_errors errs;
	struct ktp_err err = {0};

	if (conf_hub_load(f->conf, &conf, &errs) < 0)
		return -1;
	if (hub_open(f->conf, &conf, &f->hub, &err) < 0) {
		fprintf(stderr, "hub_open: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ktp_err err = {0};
	char path[PATH_MAX + 16];
	void *tmp;
	uint8_t pk[32];
	struct record r;
	unsigned i;

	if (f == NULL || sodium_init() < 0 || unit_tmpdir_setup(&tmp) < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s", (char *)tmp);
	free(tmp);
	snprintf(f->conf, sizeof(f->conf), "%s/hub.conf", f->dir);
	snprintf(path, sizeof(path), "%s/hub.key", f->dir);
	if (keys_generate(KEYTEXT_HUB_SECRET, path, f->hub_pk, &err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/node.key", f->dir);
	if (keys_generate(KEYTEXT_NODE_SECRET, path, pk, &err) < 0 ||
	    keys_load_node(path, &f->node, &err) < 0)
		return -1;
	for (i = 1; i < 64; i++) {
		make_version(i, &r);
		if (record_encode(&r, f->enc[i], KTP_VERSION_MAX_BYTES, &f->enc_len[i], &err) < 0)
			return -1;
	}
	write_conf(f, "");
	*state = f;
	return open_hub(f);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	hub_free(f->hub);
	keys_node_free(f->node);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
}

static void
chain_at(struct fixture *f, unsigned seq, uint8_t out[static KTP_HASH_LEN])
{
	unsigned i;

	memset(out, 0, KTP_HASH_LEN);
	for (i = 1; i <= seq; i++)
		chain_next(out, f->enc[i], f->enc_len[i], out);
}

/* A sealed batch first..last of node `node`, signed with 3201's key. */
static uint8_t *
seal(struct fixture *f, uint16_t node, unsigned first, unsigned last, size_t *len)
{
	struct batch_builder *b = NULL;
	struct batch_header h = { .node_id = node, .first = first, .last = last, .head = last };
	struct ktp_err err = {0};
	uint8_t eph[32], nonce[KTP_NONCE_LEN], *wire = NULL;
	unsigned i;

	assert_int_equal(batch_builder_new(&b), 0);
	for (i = first; i <= last; i++)
		assert_int_equal(batch_builder_add(b, f->enc[i], f->enc_len[i], &err), 0);
	h.hub_key_id = keytext_hub_key_id(f->hub_pk);
	chain_at(f, first - 1, h.prev_chain);
	randombytes_buf(eph, sizeof(eph));
	randombytes_buf(nonce, sizeof(nonce));
	assert_int_equal(batch_seal(b, &h, f->node->sk, f->hub_pk, eph, nonce, &wire, len, &err), 0);
	batch_builder_free(b);
	return wire;
}

static char *
push_body(struct fixture *f, const uint8_t *wire, size_t len, struct hub_push_result *r)
{
	json_t *j;
	char *text;

	hub_push(f->hub, wire, len, r);
	j = hub_push_json(r);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

static void
test_hub_push_applies_and_answers_acked_and_chain(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	uint8_t chain[KTP_HASH_LEN];
	char hex[2 * KTP_HASH_LEN + 1], want[128], *body;
	size_t len;
	uint8_t *wire = seal(f, 3201, 1, 10, &len);

	body = push_body(f, wire, len, &r);
	chain_at(f, 10, chain);
	chain_to_hex(chain, hex);
	snprintf(want, sizeof(want), "{\"acked\":10,\"chain\":\"%s\"}", hex);
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.applied, 10);
	assert_int_equal(r.node, 3201);
	assert_string_equal(body, want);
	free(body);
	body = push_body(f, wire, len, &r);		/* the same batch again */
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.applied, 0);
	assert_string_equal(body, want);
	free(body);
	free(wire);
}

static void
test_hub_push_gap_answers_409_with_acked(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	size_t l1, l2;
	uint8_t *a = seal(f, 3201, 1, 10, &l1), *b = seal(f, 3201, 21, 30, &l2);
	char *body;

	hub_push(f->hub, a, l1, &r);
	body = push_body(f, b, l2, &r);
	assert_int_equal(r.http_status, 409);
	assert_false(r.diverged);
	assert_string_equal(body, "{\"error\":\"gap: batch starts at 21, hub has acked 10\","
			    "\"acked\":10}");
	free(body);
	free(a);
	free(b);
}

static void
test_hub_push_refusals_name_the_reason(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	size_t len;
	uint8_t *other = seal(f, 3299, 1, 5, &len), *big = calloc(1, 65537);
	char *body;

	body = push_body(f, other, len, &r);
	assert_int_equal(r.http_status, 401);
	assert_string_equal(body, "{\"error\":\"node 3299 is not enrolled at this hub\"}");
	free(body);
	body = push_body(f, big, 0, &r);
	assert_int_equal(r.http_status, 400);
	assert_string_equal(body, "{\"error\":\"empty body: expected one sealed batch\"}");
	free(body);
	hub_push(f->hub, big, 65537, &r);
	assert_int_equal(r.http_status, 413);
	assert_string_equal(r.error, "batch of 65537 bytes, limit 65536 (max_batch_bytes)");
	free(other);
	free(big);
}

static void
test_hub_push_bad_signature_is_403_and_kept_as_last_error(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	struct ktp_err err = {0};
	json_t *nodes = NULL;
	size_t len;
	uint8_t *wire = seal(f, 3201, 1, 10, &len);

	wire[len - 1] ^= 1;
	hub_push(f->hub, wire, len, &r);
	assert_int_equal(r.http_status, 403);
	assert_string_equal(r.error, "batch 1..10: signature: does not verify with the node key "
			    "(checked against node 3201's enrolled key)");
	assert_int_equal(hub_nodes_json(f->hub, &nodes, &err), 0);
	assert_int_equal(json_array_size(nodes), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 0),
							      "last_error")), r.error);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(nodes, 0), "acked")), 0);
	json_decref(nodes);
	free(wire);
}

static void
test_hub_nodes_lists_enrolled_node_that_never_pushed(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	json_t *nodes = NULL, *n;

	assert_int_equal(hub_nodes_json(f->hub, &nodes, &err), 0);
	assert_int_equal(json_array_size(nodes), 1);
	n = json_array_get(nodes, 0);
	assert_string_equal(json_string_value(json_object_get(n, "code")), "3201");
	assert_string_equal(json_string_value(json_object_get(n, "name")), "Kabupaten Bogor");
	assert_int_equal(json_integer_value(json_object_get(n, "acked")), 0);
	assert_true(json_is_null(json_object_get(n, "last_push")));
	json_decref(nodes);
}

static void
test_hub_reload_enrolls_new_node_and_keeps_list_on_error(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	struct ktp_err err = {0};
	char extra[256], pub[KEYTEXT_PUBLIC_LEN], want[PATH_MAX + 64];
	uint8_t pk[32];
	size_t len;
	uint8_t *wire = seal(f, 3204, 1, 5, &len);	/* signed with 3201's key */

	hub_push(f->hub, wire, len, &r);
	assert_int_equal(r.http_status, 401);
	memset(pk, 0x33, sizeof(pk));
	keytext_public_to_text(f->node->pk, pub);
	/* 3204 enrolled with 3201's key is refused as a whole: old list stays. */
	snprintf(extra, sizeof(extra), "\n[node 3204]\nname = Bandung\npublic_key = %s\n", pub);
	write_conf(f, extra);
	assert_int_equal(hub_reload(f->hub, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: 1 error, old settings kept", f->conf);
	assert_string_equal(err.msg, want);
	hub_push(f->hub, wire, len, &r);
	assert_int_equal(r.http_status, 401);
	keytext_public_to_text(pk, pub);
	snprintf(extra, sizeof(extra), "\n[node 3204]\nname = Bandung\npublic_key = %s\n", pub);
	write_conf(f, extra);
	assert_int_equal(hub_reload(f->hub, &err), 0);
	hub_push(f->hub, wire, len, &r);
	assert_int_equal(r.http_status, 403);		/* enrolled now, with another key */
	free(wire);
}

static void
test_hub_parse_regency_checks_digits_and_province(void **state)
{
	struct fixture *f = *state;
	struct ktp_err err = {0};
	uint16_t code = 0;

	assert_int_equal(hub_parse_regency(f->hub, "3273", &code, &err), 0);
	assert_int_equal(code, 3273);
	assert_int_equal(hub_parse_regency(f->hub, "32x1", &code, &err), -EINVAL);
	assert_string_equal(err.msg, "regency: '32x1' is not a 4-digit code");
	assert_int_equal(hub_parse_regency(f->hub, "32011", &code, &err), -EINVAL);
	assert_int_equal(hub_parse_regency(f->hub, "3301", &code, &err), -EINVAL);
	assert_string_equal(err.msg, "regency: '3301' is not in province 32");
}

static void
test_hub_status_counts_versions_and_pushes(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	struct ktp_err err = {0};
	json_t *st = NULL;
	size_t len;
	uint8_t *wire = seal(f, 3201, 1, 7, &len);

	hub_push(f->hub, wire, len, &r);
	hub_push(f->hub, wire, len, &r);
	assert_int_equal(hub_status_json(f->hub, &st, &err), 0);
	assert_string_equal(json_string_value(json_object_get(st, "daemon")), "ktphubd");
	assert_int_equal(json_integer_value(json_object_get(st, "versions")), 7);
	assert_int_equal(json_integer_value(json_object_get(st, "persons")), 7);
	assert_int_equal(json_integer_value(json_object_get(st, "pushes_ok")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "nodes")), 1);
	assert_string_equal(json_string_value(json_object_get(st, "last_apply_node")), "3201");
	json_decref(st);
	free(wire);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hub_push_applies_and_answers_acked_and_chain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_push_gap_answers_409_with_acked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_push_refusals_name_the_reason,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hub_push_bad_signature_is_403_and_kept_as_last_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_nodes_lists_enrolled_node_that_never_pushed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hub_reload_enrolls_new_node_and_keeps_list_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_parse_regency_checks_digits_and_province,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_status_counts_versions_and_pushes,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("hub", tests, NULL, NULL);
}
