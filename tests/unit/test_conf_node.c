/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

#include "unit.h"
#include "conf.h"
#include "conf_fixture.h"
#include "conf_node.h"

#define HUB_KEY_B64 "CNM1A+4n1MEwVdDO/sXnML5O8uQc1s/OQ0k27B58nUs="

static char *
print_to_string(const struct node_conf *c)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&out, &len));
	conf_node_print(c, f);
	fclose(f);
	return out;
}

static void
hub_key(uint8_t key[32])
{
	static const uint8_t want[32] = {
		0x08, 0xd3, 0x35, 0x03, 0xee, 0x27, 0xd4, 0xc1, 0x30, 0x55, 0xd0, 0xce,
		0xfe, 0xc5, 0xe7, 0x30, 0xbe, 0x4e, 0xf2, 0xe4, 0x1c, 0xd6, 0xcf, 0xce,
		0x43, 0x49, 0x36, 0xec, 0x1e, 0x7c, 0x9d, 0x4b,
	};

	memcpy(key, want, 32);
}

static void
test_conf_node_good_file_gives_exact_values(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	uint8_t key[32];

	(void)state;
	snprintf(path, sizeof(path), "%s/good-node.conf", conf_fix_data_dir(dir));
	assert_int_equal(conf_node_load(path, &c, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c.id, 3273);
	assert_string_equal(c.name, "Kota Bandung");
	assert_string_equal(c.state_dir, "/srv/ktpsync/state");
	assert_string_equal(c.key_file, "/srv/ktpsync/node.key");
	assert_string_equal(c.control_socket, "/srv/ktpsync/ktpsyncd.sock");
	assert_int_equal(c.election_date, 20290214);
	assert_string_equal(c.hub_url, "https://hub.example.org:8443/ktp");
	hub_key(key);
	assert_memory_equal(c.hub_public_key, key, 32);
	assert_string_equal(c.ca_file, "/srv/ktpsync/ca.pem");
	assert_int_equal(c.push_interval_s, 120);
	assert_int_equal(c.backoff_min_s, 5);
	assert_int_equal(c.backoff_max_s, 3600);
	assert_int_equal(c.batch_max_versions, 2500);
	assert_int_equal(c.batch_max_bytes, 512 * 1024);
	assert_int_equal(c.timeout_s, 90);
	assert_string_equal(c.admin_group, "dukcapil");
	conf_node_done(&c);
}

static void
test_conf_node_defaults_match_the_header(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c;

	(void)state;
	assert_int_equal(conf_node_load_string("[node]\nid = 3201\nname = Bogor\n[hub]\n"
					       "url = http://127.0.0.1:8470\npublic_key = "
					       HUB_KEY_B64 "\n", "t.conf", &c, &errs), 0);
	assert_string_equal(c.state_dir, "/var/lib/ktpsync");
	assert_string_equal(c.key_file, "/etc/ktpsync/node.key");
	assert_string_equal(c.control_socket, "/run/ktpsync/ktpsyncd.sock");
	assert_int_equal(c.election_date, 0);
	assert_null(c.ca_file);
	assert_int_equal(c.push_interval_s, 30);
	assert_int_equal(c.backoff_min_s, 1);
	assert_int_equal(c.backoff_max_s, 300);
	assert_int_equal(c.batch_max_versions, 10000);
	assert_int_equal(c.batch_max_bytes, 4 * 1024 * 1024);
	assert_int_equal(c.timeout_s, 60);
	assert_null(c.admin_group);
	conf_node_done(&c);
}

static void
test_conf_node_unknown_key_names_file_and_line(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c, zero = {0};

	(void)state;
	assert_int_equal(conf_node_load_string("[node]\nid = 3201\n[push]\nintervl = 30s\n",
					       "t.conf", &c, &errs), -EINVAL);
	assert_int_equal(errs.n, 4);
	assert_string_equal(errs.msg[0], "t.conf:4: unknown key 'intervl' in [push]");
	assert_string_equal(errs.msg[1], "t.conf: missing required key 'name' in [node]");
	assert_string_equal(errs.msg[3], "t.conf: missing required key 'public_key' in [hub]");
	/* On failure the config is already released. */
	assert_memory_equal(&c, &zero, sizeof(c));
}

static void
test_conf_node_print_is_normalised_and_parses_back(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c, back;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	char *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/good-node.conf", conf_fix_data_dir(dir));
	assert_int_equal(conf_node_load(path, &c, &errs), 0);
	out = print_to_string(&c);
	assert_string_equal(out,
		"[node]\nid = 3273\nname = Kota Bandung\nstate_dir = /srv/ktpsync/state\n"
		"key_file = /srv/ktpsync/node.key\ncontrol_socket = /srv/ktpsync/ktpsyncd.sock\n"
		"election_date = 2029-02-14\narea_dir = " KTP_AREA_DIR "\ntimezone = Asia/Jakarta\n\n"
		"[hub]\nurl = https://hub.example.org:8443/ktp\npublic_key = " HUB_KEY_B64 "\n"
		"ca_file = /srv/ktpsync/ca.pem\n\n"
		"[push]\ninterval = 2m\nbackoff_min = 5s\nbackoff_max = 1h\n"
		"batch_max_versions = 2500\nbatch_max_bytes = 512K\ntimeout = 90s\n\n"
		"[import]\ncheck_area_codes = yes\n\n"
		"[ctl]\nadmin_group = dukcapil\n");
	assert_int_equal(conf_node_load_string(out, "printed", &back, &errs), 0);
	assert_int_equal(back.id, c.id);
	assert_string_equal(back.name, c.name);
	assert_memory_equal(back.hub_public_key, c.hub_public_key, 32);
	assert_int_equal(back.push_interval_s, c.push_interval_s);
	assert_int_equal(back.batch_max_bytes, c.batch_max_bytes);
	assert_int_equal(back.election_date, c.election_date);
	free(out);
	conf_node_done(&back);
	conf_node_done(&c);
}

/* Found by fuzz_conf: a value kept with surrounding spaces, or in quotes, by
 * a pair of quotes printed bare, so the printed config read back as another. */
static void
test_conf_node_print_quotes_values_that_would_not_read_back(void **state)
{
	static const char *const cases[][3] = {
		/* name line, what the print must hold, the name read back */
		{ "name = \" Kota Bandung\"", "\nname = \" Kota Bandung\"\n", " Kota Bandung" },
		{ "name = \"Kota Bandung \"", "\nname = \"Kota Bandung \"\n", "Kota Bandung " },
		{ "name = \"\"Kota\"\"", "\nname = \"\"Kota\"\"\n", "\"Kota\"" },
		{ "name = \"Kota", "\nname = \"Kota\n", "\"Kota" },
		{ "name =;Kota", "\nname = \";Kota\"\n", ";Kota" },
		{ "name =#Kota", "\nname = \"#Kota\"\n", "#Kota" },
	};
	struct conf_errors errs = {0};
	struct node_conf c, back;
	char text[512], *out, *again;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[node]\nid = 3201\n%s\nstate_dir = \"/srv/s \"\n"
			 "[hub]\nurl = http://127.0.0.1:8470\npublic_key = " HUB_KEY_B64 "\n",
			 cases[i][0]);
		assert_int_equal(conf_node_load_string(text, "t.conf", &c, &errs), 0);
		assert_string_equal(c.name, cases[i][2]);
		out = print_to_string(&c);
		assert_non_null(strstr(out, cases[i][1]));
		assert_non_null(strstr(out, "\nstate_dir = \"/srv/s \"\n"));
		assert_int_equal(conf_node_load_string(out, "printed", &back, &errs), 0);
		assert_string_equal(back.name, cases[i][2]);
		assert_string_equal(back.state_dir, "/srv/s ");
		again = print_to_string(&back);
		assert_string_equal(again, out);
		free(again);
		free(out);
		conf_node_done(&back);
		conf_node_done(&c);
	}
}

static void
test_conf_node_print_marks_unset_keys_as_comments(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c;
	char *out;

	(void)state;
	assert_int_equal(conf_node_load_string("[node]\nid = 3201\nname = Bogor\n[hub]\n"
					       "url = http://127.0.0.1:8470\npublic_key = "
					       HUB_KEY_B64 "\n", "t.conf", &c, &errs), 0);
	out = print_to_string(&c);
	assert_non_null(strstr(out, "\n# election_date is not set (no projection)\n"));
	assert_non_null(strstr(out, "\n# ca_file is not set (system CA store)\n"));
	assert_non_null(strstr(out, "\ninterval = 30s\nbackoff_min = 1s\nbackoff_max = 5m\n"
				    "batch_max_versions = 10000\nbatch_max_bytes = 4M\n"
				    "timeout = 1m\n"));
	free(out);
	conf_node_done(&c);
}

static void
test_conf_node_example_config_is_valid(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c;

	(void)state;
	/* The unit tests run from the tree root (Makefile `unit`). */
	assert_int_equal(conf_node_load("conf/ktpsyncd.conf.example", &c, &errs), 0);
	assert_int_equal(c.id, 3201);
	assert_int_equal(c.push_interval_s, 30);
	assert_int_equal(c.backoff_max_s, 300);
	assert_int_equal(c.batch_max_bytes, 4 * 1024 * 1024);
	assert_null(c.ca_file);
	conf_node_done(&c);
}

static void
test_conf_node_unreadable_file_is_one_error(void **state)
{
	struct conf_errors errs = {0};
	struct node_conf c;
	char path[PATH_MAX], want[PATH_MAX + 64];
	int fd;

	assert_int_equal(conf_node_load("/nonexistent/ktpsyncd.conf", &c, &errs), -ENOENT);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], "/nonexistent/ktpsyncd.conf: No such file or directory");
	unit_path(state, "nul.conf", path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	assert_int_equal(write(fd, "[node]\0id = 1\n", 14), 14);
	close(fd);
	assert_int_equal(conf_node_load(path, &c, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	snprintf(want, sizeof(want), "%s: contains a NUL byte; not a text file", path);
	assert_string_equal(errs.msg[0], want);
}

static void
check_golden(const char *name)
{
	struct conf_errors errs;
	struct node_conf c, zero = {0};
	char errname[NAME_MAX + 1], *want, *got = NULL;
	size_t len = 0;
	FILE *f;

	memset(&errs, 0, sizeof(errs));
	assert_int_equal(conf_node_load(name, &c, &errs), -EINVAL);
	assert_memory_equal(&c, &zero, sizeof(c));
	assert_non_null(f = open_memstream(&got, &len));
	conf_errors_print(&errs, NULL, NULL, f);
	fclose(f);
	snprintf(errname, sizeof(errname), "%.*s.err", (int)(strlen(name) - 5), name);
	want = conf_fix_slurp(errname);
	if (strcmp(got, want) != 0)
		print_error("golden mismatch for %s\n", name);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

/* Each tests/data/conf/bad-node-*.conf fails with exactly its .err. */
static void
test_conf_node_bad_files_match_golden_errors(void **state)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t n = 0, len;
	int cwd;
	DIR *d;

	(void)state;
	/* Run inside the data directory so messages name the file as the
	 * golden files do, wherever the tree is. */
	assert_true((cwd = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(chdir(conf_fix_data_dir(dir)), 0);
	assert_non_null(d = opendir("."));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, "bad-node-", 9) != 0 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		check_golden(de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	assert_int_equal(n, 11);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_node_good_file_gives_exact_values),
		cmocka_unit_test(test_conf_node_defaults_match_the_header),
		cmocka_unit_test(test_conf_node_unknown_key_names_file_and_line),
		cmocka_unit_test(test_conf_node_print_is_normalised_and_parses_back),
		cmocka_unit_test(test_conf_node_print_marks_unset_keys_as_comments),
		cmocka_unit_test(test_conf_node_print_quotes_values_that_would_not_read_back),
		cmocka_unit_test(test_conf_node_example_config_is_valid),
		T(test_conf_node_unreadable_file_is_one_error),
		cmocka_unit_test(test_conf_node_bad_files_match_golden_errors),
	};

	return cmocka_run_group_tests_name("conf_node", tests, NULL, NULL);
}
