/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

#include "unit.h"
#include "conf.h"
#include "conf_fixture.h"
#include "conf_hub.h"

#define KEY_3201 "80ty4U+yUNvt7eHCeR6N7xo0HQdOot85Q2IdiQPl1Qg="
#define KEY_3273 "oWx586cUKyvJ+J4NndEM7lusmhTtIvzK9WRQoweWM7k="
#define MINIMAL "[hub]\nprovince = 32\nelection_date = 2029-02-14\n"

static char *
print_to_string(const struct hub_conf *c)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&out, &len));
	conf_hub_print(c, f);
	fclose(f);
	return out;
}

static void
load_good(struct hub_conf *c)
{
	struct conf_errors errs = {0};
	char dir[PATH_MAX], path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/good-hub.conf", conf_fix_data_dir(dir));
	assert_int_equal(conf_hub_load(path, c, &errs), 0);
	assert_int_equal(errs.n, 0);
}

static void
test_conf_hub_good_file_gives_exact_values(void **state)
{
	static const uint8_t key_3201_head[4] = { 0xf3, 0x4b, 0x72, 0xe1 };
	struct hub_conf c;

	(void)state;
	load_good(&c);
	assert_string_equal(c.listen_host, "::1");
	assert_int_equal(c.listen_port, 9443);
	assert_string_equal(c.state_dir, "/srv/ktphub");
	assert_string_equal(c.key_file, "/srv/ktphub/hub.key");
	assert_string_equal(c.previous_key_file, "/srv/ktphub/hub.key.old");
	assert_string_equal(c.control_socket, "/srv/ktphub/ktphubd.sock");
	assert_int_equal(c.province, 32);
	assert_int_equal(c.election_date, 20290214);
	assert_int_equal(c.max_batch_bytes, 16 * 1024 * 1024);
	assert_string_equal(c.tls_cert, "/srv/ktphub/hub.crt");
	assert_string_equal(c.tls_key, "/srv/ktphub/hub.pem");
	assert_string_equal(c.report_token, "0123456789abcdef0123");
	assert_int_equal(c.max_connections, 512);
	assert_int_equal(c.max_connections_per_ip, 8);
	assert_int_equal(c.connection_timeout_s, 60);
	assert_string_equal(c.admin_group, "dukcapil");
	assert_int_equal(c.n_nodes, 2);
	assert_int_equal(c.nodes[0].code, 3201);
	assert_string_equal(c.nodes[0].name, "Kabupaten Bogor");
	assert_memory_equal(c.nodes[0].public_key, key_3201_head, 4);
	assert_int_equal(c.nodes[1].code, 3273);
	assert_string_equal(c.nodes[1].name, "Kota Bandung");
	conf_hub_done(&c);
}

static void
test_conf_hub_defaults_match_the_header(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c;

	(void)state;
	assert_int_equal(conf_hub_load_string(MINIMAL, "t.conf", &c, &errs), 0);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8470);
	assert_string_equal(c.state_dir, "/var/lib/ktpsync");
	assert_string_equal(c.key_file, "/etc/ktpsync/hub.key");
	assert_null(c.previous_key_file);
	assert_string_equal(c.control_socket, "/run/ktpsync/ktphubd.sock");
	assert_int_equal(c.max_batch_bytes, 8 * 1024 * 1024);
	assert_null(c.tls_cert);
	assert_null(c.tls_key);
	assert_null(c.report_token);
	assert_int_equal(c.max_connections, 256);
	assert_int_equal(c.max_connections_per_ip, 32);
	assert_int_equal(c.connection_timeout_s, 30);
	assert_int_equal(c.max_clock_skew_s, 86400);
	assert_int_equal(c.request_timeout_s, 120);
	assert_int_equal(c.max_buffer_per_ip, 16 * 1024 * 1024);
	assert_int_equal(c.max_buffer_total, 256 * 1024 * 1024);
	assert_int_equal(c.session_lifetime_s, 12 * 3600);
	assert_int_equal(c.min_free_disk, 64 * 1024 * 1024);
	assert_null(c.admin_group);
	assert_int_equal(c.n_nodes, 0);
	assert_null(c.nodes);
	conf_hub_done(&c);
}

/* Debian's inih cuts lines at 200 bytes: a token past 183 characters
 * could not be written. 256 characters are taken, 257 refused. */
static void
test_conf_hub_report_token_of_256_characters_is_taken(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c;
	char text[512], token[300];

	(void)state;
	memset(token, 'T', 256);
	token[256] = '\0';
	snprintf(text, sizeof(text), MINIMAL "report_token = %s\nmax_connections = 99\n", token);
	assert_int_equal(conf_hub_load_string(text, "t.conf", &c, &errs), 0);
	assert_string_equal(c.report_token, token);
	assert_int_equal(c.max_connections, 99);
	conf_hub_done(&c);
	token[256] = 'T';
	token[257] = '\0';
	snprintf(text, sizeof(text), MINIMAL "report_token = %s\n", token);
	assert_int_equal(conf_hub_load_string(text, "t.conf", &c, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], "t.conf:4: hub.report_token: longer than 256 characters");
}

/* A node's largest batch must fit what one address may hold, and that what
 * all may hold. */
static void
test_conf_hub_buffer_caps_hold_a_batch(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c;

	(void)state;
	assert_int_equal(conf_hub_load_string(MINIMAL "max_buffer_per_ip = 4M\n"
					      "max_buffer_total = 2M\n", "t.conf", &c, &errs),
			 -EINVAL);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.msg[0], "t.conf: hub.max_buffer_per_ip (4194304) is less than "
			    "hub.max_batch_bytes (8388608)");
	assert_string_equal(errs.msg[1], "t.conf: hub.max_buffer_total (2097152) is less than "
			    "hub.max_buffer_per_ip (4194304)");
	assert_int_equal(conf_hub_load_string(MINIMAL "max_batch_bytes = 1M\n"
					      "max_buffer_per_ip = 1M\nmax_buffer_total = 1M\n"
					      "request_timeout = 5s\nsession_lifetime = 1h\n",
					      "t.conf", &c, &errs), 0);
	assert_int_equal(c.request_timeout_s, 5);
	assert_int_equal(c.session_lifetime_s, 3600);
	conf_hub_done(&c);
}

/* Reports are open when the hub listens beyond loopback without a token. */
static void
test_conf_hub_open_warning_names_report_token(void **state)
{
	static const struct {
		const char	*listen;
		bool		token;
		bool		warn;
	} cases[] = {
		{ "127.0.0.1:8470", false, false },
		{ "127.9.9.9:8470", false, false },
		{ "[::1]:8470", false, false },
		{ "[::ffff:127.0.0.1]:8470", false, false },
		{ "0.0.0.0:8470", true, false },
		{ "0.0.0.0:8470", false, true },
		{ "10.1.2.3:8470", false, true },
		{ "[::]:8470", false, true },
		{ "[::ffff:10.0.0.1]:8470", false, true },
	};
	struct conf_errors errs = {0};
	struct hub_conf c;
	char text[512], warning[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), MINIMAL "listen = %s\n%s", cases[i].listen,
			 cases[i].token ? "report_token = 0123456789abcdef\n" : "");
		assert_int_equal(conf_hub_load_string(text, "t.conf", &c, &errs), 0);
		warning[0] = '\0';
		assert_int_equal(conf_hub_open_warning(&c, "t.conf", warning, sizeof(warning)),
				 cases[i].warn);
		if (!cases[i].warn)
			assert_string_equal(warning, "");
		conf_hub_done(&c);
	}
	assert_int_equal(conf_hub_load_string(MINIMAL "listen = 0.0.0.0:8470\n", "t.conf", &c,
					      &errs), 0);
	assert_true(conf_hub_open_warning(&c, "t.conf", warning, sizeof(warning)));
	assert_string_equal(warning, "t.conf: hub.report_token is not set and hub.listen "
			    "'0.0.0.0' is not a loopback address: reports, /v1/nodes, /metrics "
			    "and the dashboard are open to anyone who reaches port 8470");
	conf_hub_done(&c);
}

static void
test_conf_hub_find_node_by_code(void **state)
{
	struct hub_conf c;

	(void)state;
	load_good(&c);
	assert_ptr_equal(conf_hub_find_node(&c, 3273), &c.nodes[1]);
	assert_ptr_equal(conf_hub_find_node(&c, 3201), &c.nodes[0]);
	assert_null(conf_hub_find_node(&c, 3202));
	conf_hub_done(&c);
}

static void
test_conf_hub_print_hides_the_token(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c, back;
	char *out;

	(void)state;
	load_good(&c);
	out = print_to_string(&c);
	assert_string_equal(out,
		"[hub]\nlisten = [::1]:9443\nstate_dir = /srv/ktphub\n"
		"key_file = /srv/ktphub/hub.key\nprevious_key_file = /srv/ktphub/hub.key.old\n"
		"control_socket = /srv/ktphub/ktphubd.sock\nprovince = 32\n"
		"election_date = 2029-02-14\narea_dir = " KTP_AREA_DIR "\ntimezone = Asia/Jakarta\n"
		"max_batch_bytes = 16M\n"
		"tls_cert = /srv/ktphub/hub.crt\ntls_key = /srv/ktphub/hub.pem\n"
		"report_token = (set)\nmax_connections = 512\nmax_connections_per_ip = 8\n"
		"connection_timeout = 1m\nmax_clock_skew = 1d\nrequest_timeout = 2m\n"
		"max_buffer_per_ip = 16M\nmax_buffer_total = 256M\nsession_lifetime = 12h\n"
		"min_free_disk = 64M\n\n"
		"[ctl]\nadmin_group = dukcapil\n\n"
		"[node 3201]\nname = Kabupaten Bogor\npublic_key = " KEY_3201 "\n\n"
		"[node 3273]\nname = Kota Bandung\npublic_key = " KEY_3273 "\n");
	assert_null(strstr(out, "0123456789abcdef"));
	/* The token's placeholder is too short to be a token: refused on reload. */
	assert_int_equal(conf_hub_load_string(out, "printed", &back, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], "printed:14: hub.report_token: shorter than 16 characters");
	free(out);
	conf_hub_done(&c);
}

static void
test_conf_hub_print_of_defaults_parses_back(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c, back;
	char *out;

	(void)state;
	assert_int_equal(conf_hub_load_string(MINIMAL "[node 3201]\nname = Bogor\npublic_key = "
					      KEY_3201 "\n", "t.conf", &c, &errs), 0);
	out = print_to_string(&c);
	assert_non_null(strstr(out, "\n# report_token is not set (reports are open)\n"));
	assert_int_equal(conf_hub_load_string(out, "printed", &back, &errs), 0);
	assert_int_equal(back.listen_port, 8470);
	assert_int_equal(back.n_nodes, 1);
	assert_memory_equal(back.nodes[0].public_key, c.nodes[0].public_key, 32);
	free(out);
	conf_hub_done(&back);
	conf_hub_done(&c);
}

/* Found by fuzz_conf: a regency name kept with a space by quotes, and a
 * listen host that starts with ';', were printed bare, and the printed
 * config read back as another. A listen host is now a name or an address
 * only, so ';' is refused where it is read. */
static void
test_conf_hub_print_quotes_a_name_that_would_not_read_back(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c, back;
	char *out, *again;

	(void)state;
	assert_int_equal(conf_hub_load_string(MINIMAL "state_dir = \"/srv/s \"\n"
					      "[node 3201]\n"
					      "name = \" Bogor\"\npublic_key = " KEY_3201 "\n",
					      "t.conf", &c, &errs), 0);
	out = print_to_string(&c);
	assert_non_null(strstr(out, "\nname = \" Bogor\"\n"));
	assert_non_null(strstr(out, "\nstate_dir = \"/srv/s \"\n"));
	assert_int_equal(conf_hub_load_string(out, "printed", &back, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_string_equal(back.nodes[0].name, " Bogor");
	assert_string_equal(back.state_dir, "/srv/s ");
	again = print_to_string(&back);
	assert_string_equal(again, out);
	free(again);
	free(out);
	conf_hub_done(&back);
	conf_hub_done(&c);

	memset(&errs, 0, sizeof(errs));
	assert_int_equal(conf_hub_load_string(MINIMAL "listen =[;]:944\n", "t.conf", &c, &errs),
			 -EINVAL);
	assert_string_equal(errs.msg[0], "t.conf:4: hub.listen: '[;]:944': host has a character "
			    "that is not in a name or address");
	conf_hub_done(&c);
}

static void
test_conf_hub_example_config_is_valid(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c;

	(void)state;
	assert_int_equal(conf_hub_load("conf/ktphubd.conf.example", &c, &errs), 0);
	assert_int_equal(c.province, 32);
	assert_int_equal(c.listen_port, 8470);
	assert_int_equal(c.max_batch_bytes, 8 * 1024 * 1024);
	assert_int_equal(c.n_nodes, 2);
	assert_null(c.report_token);
	conf_hub_done(&c);
}

static void
test_conf_hub_every_node_error_is_reported(void **state)
{
	struct conf_errors errs = {0};
	struct hub_conf c, zero = {0};

	(void)state;
	assert_int_equal(conf_hub_load_string(MINIMAL "[node 3201]\nname = A\n"
					      "[node 3202]\npublic_key = x\n", "t.conf",
					      &c, &errs), -EINVAL);
	assert_int_equal(errs.n, 3);
	assert_string_equal(errs.msg[0], "t.conf:4: missing required key 'public_key' in [node 3201]");
	assert_string_equal(errs.msg[1], "t.conf:7: node 3202.public_key: not 32 bytes of base64");
	assert_string_equal(errs.msg[2], "t.conf:6: missing required key 'name' in [node 3202]");
	assert_memory_equal(&c, &zero, sizeof(c));
}

static void
check_golden(const char *name)
{
	struct conf_errors errs;
	struct hub_conf c, zero = {0};
	char errname[NAME_MAX + 1], *want, *got = NULL;
	size_t len = 0;
	FILE *f;

	memset(&errs, 0, sizeof(errs));
	assert_int_equal(conf_hub_load(name, &c, &errs), -EINVAL);
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

/* Each tests/data/conf/bad-hub-*.conf fails with exactly its .err. */
static void
test_conf_hub_bad_files_match_golden_errors(void **state)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t n = 0, len;
	int cwd;
	DIR *d;

	(void)state;
	assert_true((cwd = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(chdir(conf_fix_data_dir(dir)), 0);
	assert_non_null(d = opendir("."));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, "bad-hub-", 8) != 0 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		check_golden(de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	assert_int_equal(n, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_hub_good_file_gives_exact_values),
		cmocka_unit_test(test_conf_hub_defaults_match_the_header),
		cmocka_unit_test(test_conf_hub_find_node_by_code),
		cmocka_unit_test(test_conf_hub_open_warning_names_report_token),
		cmocka_unit_test(test_conf_hub_buffer_caps_hold_a_batch),
		cmocka_unit_test(test_conf_hub_report_token_of_256_characters_is_taken),
		cmocka_unit_test(test_conf_hub_print_hides_the_token),
		cmocka_unit_test(test_conf_hub_print_of_defaults_parses_back),
		cmocka_unit_test(test_conf_hub_example_config_is_valid),
		cmocka_unit_test(test_conf_hub_every_node_error_is_reported),
		cmocka_unit_test(test_conf_hub_bad_files_match_golden_errors),
		cmocka_unit_test(test_conf_hub_print_quotes_a_name_that_would_not_read_back),
	};

	return cmocka_run_group_tests_name("conf_hub", tests, NULL, NULL);
}
