/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>

#include <sodium.h>
#include <sqlite3.h>

#include "unit.h"
#include "batch.h"
#include "chain.h"
#include "conf.h"
#include "conf_hub.h"
#include "err.h"
#include "hlc.h"
#include "hub.h"
#include "keys.h"
#include "keytext.h"
#include "metrics.h"
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

/* A sealed batch first..last of node `node`, signed with 3201's key; with
 * first = last + 1 the heartbeat at head last, stamped hb_ms. */
static uint64_t hb_ms = 1796000000000ULL;

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
	if (first == last + 1)
		assert_int_equal(batch_seal_heartbeat(&h, ++hb_ms, f->node->sk, f->hub_pk, eph,
						      nonce, &wire, len, &err), 0);
	else
		assert_int_equal(batch_seal(b, &h, f->node->sk, f->hub_pk, eph, nonce, &wire, len,
					    &err), 0);
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

/* Rows of a query on the hub's database, read through a second connection. */
static int64_t
count_rows(struct fixture *f, const char *sql)
{
	char path[PATH_MAX + 16];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	snprintf(path, sizeof(path), "%s/state/hub.db", f->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Writes to the hub's database through a second connection (tests only). */
static void
exec_sql(struct fixture *f, const char *sql)
{
	char path[PATH_MAX + 16];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/state/hub.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static const char *
node_text(struct fixture *f, const char *key)
{
	static char buf[512];
	struct ktp_err err = {0};
	json_t *nodes = NULL, *v;

	assert_int_equal(hub_nodes_json(f->hub, &nodes, &err), 0);
	v = json_object_get(json_array_get(nodes, 0), key);
	snprintf(buf, sizeof(buf), "%s", json_is_null(v) ? "null" : json_is_string(v) ?
		 json_string_value(v) : "?");
	json_decref(nodes);
	return buf;
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
	exec_sql(f, "UPDATE nodes SET last_seen = 0");
	body = push_body(f, wire, len, &r);		/* the same batch again */
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.applied, 0);
	assert_string_equal(body, want);
	free(body);
	/* Anyone could have resent it: a replay is not contact. */
	assert_string_equal(node_text(f, "last_contact"), "null");
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
test_hub_push_bad_signature_is_403_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	struct ktp_err err = {0};
	json_t *nodes = NULL, *n;
	size_t len;
	uint8_t *wire = seal(f, 3201, 1, 10, &len);

	wire[len - 1] ^= 1;
	hub_push(f->hub, wire, len, &r);
	assert_int_equal(r.http_status, 403);
	assert_false(r.authenticated);
	assert_string_equal(r.error, "batch 1..10: signature: does not verify with the node key "
			    "(checked against node 3201's enrolled key)");
	/* Anyone could have sent it: the node's row is not touched (no store
	 * row at all), the refusal is only counted by reason. */
	assert_int_equal(hub_nodes_json(f->hub, &nodes, &err), 0);
	assert_int_equal(json_array_size(nodes), 1);
	n = json_array_get(nodes, 0);
	assert_true(json_is_null(json_object_get(n, "last_error")));
	assert_true(json_is_null(json_object_get(n, "last_contact")));
	assert_true(json_is_null(json_object_get(n, "last_seen")));
	assert_int_equal(json_integer_value(json_object_get(n, "acked")), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM nodes"), 0);
	assert_int_equal(metrics_unauth(hub_metrics(f->hub), METRICS_UNAUTH_BAD_SIGNATURE), 1);
	json_decref(nodes);
	free(wire);
}

static void
test_hub_push_unauthenticated_refusals_counted_by_reason_store_untouched(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	size_t len;
	uint8_t *other = seal(f, 3299, 1, 5, &len), *garbage;

	hub_push(f->hub, other, len, &r);		/* unknown node */
	assert_int_equal(r.http_status, 401);
	hub_push(f->hub, other, 100, &r);		/* truncated: malformed */
	assert_int_equal(r.http_status, 400);
	/* 76 bytes of a real header naming 3201, then garbage. */
	free(other);
	other = seal(f, 3201, 1, 5, &len);
	garbage = malloc(len);
	memcpy(garbage, other, BATCH_HEADER_LEN);
	randombytes_buf(garbage + BATCH_HEADER_LEN, len - BATCH_HEADER_LEN);
	hub_push(f->hub, garbage, len, &r);
	assert_int_equal(r.http_status, 403);
	assert_false(r.authenticated);
	assert_int_equal(metrics_unauth(hub_metrics(f->hub), METRICS_UNAUTH_UNKNOWN_NODE), 1);
	assert_int_equal(metrics_unauth(hub_metrics(f->hub), METRICS_UNAUTH_MALFORMED), 1);
	assert_int_equal(metrics_unauth(hub_metrics(f->hub), METRICS_UNAUTH_BAD_SIGNATURE), 1);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM nodes"), 0);
	assert_string_equal(node_text(f, "last_contact"), "null");
	free(other);
	free(garbage);
}

/* A batch of zero versions at the node's head: an authenticated contact that
 * learns the hub's acked and chain and applies nothing. */
static void
test_hub_heartbeat_answers_cursor_and_records_contact_only(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	uint8_t chain[KTP_HASH_LEN];
	char hex[2 * KTP_HASH_LEN + 1], want[256], *body;
	size_t l1, l2, l3;
	uint8_t *a = seal(f, 3201, 1, 10, &l1), *hb = seal(f, 3201, 11, 10, &l2);
	uint8_t *ahead = seal(f, 3201, 21, 20, &l3);

	hub_push(f->hub, a, l1, &r);
	assert_int_equal(r.http_status, 200);
	exec_sql(f, "UPDATE nodes SET last_seen = 0, last_push = 0");
	body = push_body(f, hb, l2, &r);
	chain_at(f, 10, chain);
	chain_to_hex(chain, hex);
	snprintf(want, sizeof(want), "{\"acked\":10,\"chain\":\"%s\"}", hex);
	assert_int_equal(r.http_status, 200);
	assert_true(r.heartbeat);
	assert_int_equal(r.applied, 0);
	assert_string_equal(body, want);
	free(body);
	/* The same heartbeat again (captured and replayed): refused, nothing
	 * written, counted as a replay. */
	exec_sql(f, "UPDATE nodes SET last_seen = 0");
	body = push_body(f, hb, l2, &r);
	assert_int_equal(r.http_status, 400);
	assert_false(r.authenticated);
	/* hb was stamped hb_ms - 1: `ahead` was sealed after it. */
	snprintf(want, sizeof(want), "{\"error\":\"heartbeat at seq 10: stamp %" PRIu64 " is not "
		 "after the node's last, %" PRIu64 " (a replay)\",\"heartbeat_ms\":%" PRIu64 "}",
		 hb_ms - 1, hb_ms - 1, hb_ms - 1);
	assert_string_equal(body, want);
	free(body);
	assert_string_equal(node_text(f, "last_contact"), "null");
	assert_string_equal(node_text(f, "last_error"), "null");
	assert_int_equal(metrics_unauth(hub_metrics(f->hub), METRICS_UNAUTH_REPLAYED), 1);
	free(hb);
	hb = seal(f, 3201, 11, 10, &l2);		/* a new one is contact again */
	hub_push(f->hub, hb, l2, &r);
	assert_int_equal(r.http_status, 200);
	assert_int_equal(count_rows(f, "SELECT versions FROM nodes"), 10);
	assert_string_not_equal(node_text(f, "last_contact"), "null");
	assert_string_equal(node_text(f, "last_data"), "null");	/* no data since */
	assert_int_equal(count_rows(f, "SELECT abs(last_seen - strftime('%s','now')) <= 5"
				    " FROM nodes"), 1);
	assert_int_equal(metrics_unauth(hub_metrics(f->hub), METRICS_UNAUTH_BAD_SIGNATURE), 0);
	/* A node whose head is past the hub's acked (the hub restored from an
	 * old backup) learns where to resume: a gap. Stamped after the last. */
	free(ahead);
	ahead = seal(f, 3201, 21, 20, &l3);
	body = push_body(f, ahead, l3, &r);
	assert_int_equal(r.http_status, 409);
	assert_string_equal(body, "{\"error\":\"gap: batch starts at 21, hub has acked 10\","
			    "\"acked\":10}");
	free(body);
	free(a);
	free(hb);
	free(ahead);
}

static void
test_hub_heartbeat_with_another_chain_is_diverged(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	size_t l1, l2;
	uint8_t *a = seal(f, 3201, 1, 10, &l1), *hb;

	hub_push(f->hub, a, l1, &r);
	f->enc[10][f->enc_len[10] - 1] ^= 1;	/* the node's seq 10 is another version */
	hb = seal(f, 3201, 11, 10, &l2);
	hub_push(f->hub, hb, l2, &r);
	assert_int_equal(r.http_status, 409);
	assert_true(r.diverged);
	assert_string_equal(r.error, "batch 11..10: chain at seq 10 differs from the hub's "
			    "(journal rewound or forked)");
	free(a);
	free(hb);
}

static void
test_hub_push_future_hlc_is_counted_and_kept_as_last_error(void **state)
{
	struct fixture *f = *state;
	struct hub_push_result r;
	struct ktp_err err = {0};
	struct record rec;
	size_t len;
	uint8_t *wire;
	char *body;
	unsigned i;

	for (i = 2; i <= 3; i++) {	/* seqs 2 and 3: a clock years ahead, and 2^63 */
		make_version(i, &rec);
		rec.hlc = i == 2 ? hlc_make(4102444800000ULL, 0) : UINT64_C(1) << 63;
		assert_int_equal(record_encode(&rec, f->enc[i], KTP_VERSION_MAX_BYTES,
					       &f->enc_len[i], &err), 0);
	}
	wire = seal(f, 3201, 1, 4, &len);
	body = push_body(f, wire, len, &r);
	assert_int_equal(r.http_status, 200);
	assert_non_null(strstr(body, ",\"warning\":\"batch 1..4: seq 2..3: 2 versions stamped "));
	free(body);
	assert_int_equal(r.applied, 4);
	assert_int_equal(r.future, 2);
	assert_int_equal(r.future_first, 2);
	assert_int_equal(r.future_last, 3);
	assert_string_equal(node_text(f, "last_error"), "batch 1..4: seq 2..3: 2 versions stamped "
			    "more than 1d ahead of the hub's clock, applied with the hub's clock "
			    "(is the node's clock right?)");
	/* Stored with the hub's clock: nothing ahead of now + 1 day. */
	assert_int_equal(count_rows(f, "SELECT count(*) FROM persons WHERE hlc < 0 OR"
				    " (hlc >> 16) > (strftime('%s','now') + 86400) * 1000"), 0);
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
			test_hub_push_bad_signature_is_403_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hub_push_unauthenticated_refusals_counted_by_reason_store_untouched,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hub_heartbeat_answers_cursor_and_records_contact_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_heartbeat_with_another_chain_is_diverged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hub_push_future_hlc_is_counted_and_kept_as_last_error, setup, teardown),
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
