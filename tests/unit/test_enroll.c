/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "unit.h"
#include "conf_hub.h"
#include "enroll.h"
#include "err.h"

static void
fill_key(uint8_t pk[static KTP_ED25519_PK_LEN], uint8_t v)
{
	memset(pk, v, KTP_ED25519_PK_LEN);
}

static void
test_enroll_find_returns_added_nodes_in_code_order(void **state)
{
	struct ktp_err err = {0};
	struct enroll *e = NULL;
	uint8_t k1[32], k2[32], k3[32];

	(void)state;
	fill_key(k1, 1);
	fill_key(k2, 2);
	fill_key(k3, 3);
	assert_int_equal(enroll_new(&e, &err), 0);
	assert_int_equal(enroll_add(e, 3275, "Kota Bekasi", k1, &err), 0);
	assert_int_equal(enroll_add(e, 3201, "Kabupaten Bogor", k2, &err), 0);
	assert_int_equal(enroll_add(e, 3204, "Kabupaten Bandung", k3, &err), 0);
	assert_int_equal(enroll_count(e), 3);
	assert_int_equal(enroll_at(e, 0)->code, 3201);
	assert_int_equal(enroll_at(e, 1)->code, 3204);
	assert_int_equal(enroll_at(e, 2)->code, 3275);
	assert_null(enroll_at(e, 3));
	assert_string_equal(enroll_find(e, 3204)->name, "Kabupaten Bandung");
	assert_memory_equal(enroll_find(e, 3275)->public_key, k1, 32);
	assert_null(enroll_find(e, 3202));
	enroll_free(e);
}

static void
test_enroll_add_refuses_duplicate_code_and_shared_key(void **state)
{
	struct ktp_err err = {0};
	struct enroll *e = NULL;
	uint8_t k1[32], k2[32];

	(void)state;
	fill_key(k1, 1);
	fill_key(k2, 2);
	assert_int_equal(enroll_new(&e, &err), 0);
	assert_int_equal(enroll_add(e, 3201, "Kabupaten Bogor", k1, &err), 0);
	assert_int_equal(enroll_add(e, 3201, "Kabupaten Bogor", k2, &err), -EEXIST);
	assert_string_equal(err.msg, "node 3201: enrolled twice");
	assert_int_equal(enroll_add(e, 3202, "Kabupaten Sukabumi", k1, &err), -EEXIST);
	assert_string_equal(err.msg, "node 3202: same public key as node 3201");
	assert_int_equal(enroll_count(e), 1);
	enroll_free(e);
}

static void
test_enroll_add_refuses_bad_code_and_name(void **state)
{
	struct ktp_err err = {0};
	struct enroll *e = NULL;
	uint8_t k[32];
	char long_name[KTP_NAME_MAX + 2];

	(void)state;
	fill_key(k, 7);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(enroll_new(&e, &err), 0);
	assert_int_equal(enroll_add(e, 999, "Kota", k, &err), -EINVAL);
	assert_string_equal(err.msg, "node 999: code: not 4 digits");
	assert_int_equal(enroll_add(e, 3201, "", k, &err), -EINVAL);
	assert_string_equal(err.msg, "node 3201: name: empty or over 128 bytes");
	assert_int_equal(enroll_add(e, 3201, long_name, k, &err), -EINVAL);
	assert_int_equal(enroll_count(e), 0);
	enroll_free(e);
}

static void
test_enroll_from_conf_takes_every_node_section(void **state)
{
	struct hub_conf_node nodes[2] = {
		{ .code = 3201, .name = "Kabupaten Bogor" },
		{ .code = 3273, .name = "Kota Bandung" },
	};
	struct hub_conf c = { .province = 32, .nodes = nodes, .n_nodes = 2 };
	struct ktp_err err = {0};
	struct enroll *e = NULL;

	(void)state;
	fill_key(nodes[0].public_key, 9);
	fill_key(nodes[1].public_key, 10);
	assert_int_equal(enroll_from_conf(&c, &e, &err), 0);
	assert_int_equal(enroll_count(e), 2);
	assert_string_equal(enroll_find(e, 3273)->name, "Kota Bandung");
	enroll_free(e);
}

static void
test_enroll_from_conf_refuses_node_of_other_province(void **state)
{
	struct hub_conf_node nodes[2] = {
		{ .code = 3201, .name = "Kabupaten Bogor" },
		{ .code = 3301, .name = "Kabupaten Cilacap" },
	};
	struct hub_conf c = { .province = 32, .nodes = nodes, .n_nodes = 2 };
	struct ktp_err err = {0};
	struct enroll *e = NULL;

	(void)state;
	fill_key(nodes[0].public_key, 9);
	fill_key(nodes[1].public_key, 10);
	assert_int_equal(enroll_from_conf(&c, &e, &err), -EINVAL);
	assert_string_equal(err.msg, "node 3301: not in province 32");
	assert_null(e);
}

static void
test_enroll_find_on_empty_list_is_null(void **state)
{
	struct ktp_err err = {0};
	struct enroll *e = NULL;

	(void)state;
	assert_int_equal(enroll_new(&e, &err), 0);
	assert_null(enroll_find(e, 3201));
	assert_null(enroll_find(NULL, 3201));
	assert_int_equal(enroll_count(NULL), 0);
	enroll_free(e);
	enroll_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll_find_returns_added_nodes_in_code_order),
		cmocka_unit_test(test_enroll_add_refuses_duplicate_code_and_shared_key),
		cmocka_unit_test(test_enroll_add_refuses_bad_code_and_name),
		cmocka_unit_test(test_enroll_from_conf_takes_every_node_section),
		cmocka_unit_test(test_enroll_from_conf_refuses_node_of_other_province),
		cmocka_unit_test(test_enroll_find_on_empty_list_is_null),
	};

	return cmocka_run_group_tests_name("enroll", tests, NULL, NULL);
}
