/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conf.h"
#include "conf_hub.h"

#define OFF(f)		offsetof(struct hub_conf, f)
#define NODE_OFF(f)	offsetof(struct hub_conf_node, f)
#define TOKEN_MIN	16	/* a shorter bearer token can be guessed */
#define TOKEN_MAX	256	/* what the dashboard's login form takes */
#define NODES_MAX	99	/* regencies in one province: two digits */

/* What the schema's callbacks need besides the struct being filled. */
struct hub_parse {
	struct hub_conf	*c;
	unsigned	lines[NODES_MAX + 1];	/* header line of each [node CODE] */
};

static conf_parse_fn parse_listen;

static const struct conf_key hub_keys[] = {
	{ "hub", "listen", parse_listen, 0, 0, 0, 0 },
	{ "hub", "state_dir", conf_parse_path, OFF(state_dir), 0, 0, 0 },
	{ "hub", "key_file", conf_parse_path, OFF(key_file), 0, 0, 0 },
	{ "hub", "previous_key_file", conf_parse_path, OFF(previous_key_file), 0, 0, 0 },
	{ "hub", "control_socket", conf_parse_path, OFF(control_socket), 0, CONF_SUN_PATH_MAX, 0 },
	{ "hub", "province", conf_parse_province, OFF(province), 0, 0, CONF_REQUIRED },
	{ "hub", "election_date", conf_parse_date, OFF(election_date), 0, 0, CONF_REQUIRED },
	{ "hub", "area_dir", conf_parse_path, OFF(area_dir), 0, 0, 0 },
	{ "hub", "timezone", conf_parse_string, OFF(timezone), 0, CONF_TIMEZONE_MAX, 0 },
	{ "hub", "max_batch_bytes", conf_parse_size, OFF(max_batch_bytes),
	  64 * 1024, KTP_BATCH_MAX_BYTES, 0 },
	{ "hub", "tls_cert", conf_parse_path, OFF(tls_cert), 0, 0, 0 },
	{ "hub", "tls_key", conf_parse_path, OFF(tls_key), 0, 0, 0 },
	{ "hub", "report_token", conf_parse_secret, OFF(report_token), TOKEN_MIN, TOKEN_MAX, 0 },
	{ "hub", "max_connections", conf_parse_uint32, OFF(max_connections), 1, 65536, 0 },
	{ "hub", "max_connections_per_ip", conf_parse_uint32, OFF(max_connections_per_ip),
	  1, 65536, 0 },
	{ "hub", "connection_timeout", conf_parse_duration, OFF(connection_timeout_s),
	  1, 3600, 0 },
	{ "hub", "max_clock_skew", conf_parse_duration, OFF(max_clock_skew_s),
	  1, 3650 * 86400, 0 },
	/* What one client may cost: time, memory, login attempts. */
	{ "hub", "request_timeout", conf_parse_duration, OFF(request_timeout_s), 1, 3600, 0 },
	{ "hub", "max_buffer_per_ip", conf_parse_size, OFF(max_buffer_per_ip),
	  64 * 1024, 64ull << 30, 0 },
	{ "hub", "max_buffer_total", conf_parse_size, OFF(max_buffer_total),
	  64 * 1024, 64ull << 30, 0 },
	{ "hub", "session_lifetime", conf_parse_duration, OFF(session_lifetime_s),
	  60, 30 * 86400, 0 },
	{ "hub", "min_free_disk", conf_parse_size, OFF(min_free_disk), 0, 1ull << 40, 0 },
	{ "ctl", "admin_group", conf_parse_group, OFF(admin_group), 0, 0, 0 },
	{ "node *", "name", conf_parse_string, NODE_OFF(name), 0, KTP_NAME_MAX, CONF_REQUIRED },
	{ "node *", "public_key", conf_parse_key32, NODE_OFF(public_key), 0, 0, CONF_REQUIRED },
};

static void *open_node(void *user, const char *name, const char *arg, unsigned line,
		       struct ktp_err *why);

static int
parse_listen(const struct conf_key *k, const char *text, void *base, struct ktp_err *why)
{
	struct hub_conf *c = base;
	char *host = NULL;
	uint16_t port = 0;
	int r;

	(void)k;
	if ((r = conf_split_hostport(text, &host, &port, why)) < 0)
		return r;
	free(c->listen_host);
	c->listen_host = host;
	c->listen_port = port;
	return 0;
}

static void *
open_node(void *user, const char *name, const char *arg, unsigned line, struct ktp_err *why)
{
	static const struct conf_key code_key = { "node *", "CODE", conf_parse_regency, 0, 0, 0, 0 };
	struct hub_parse *hp = user;
	struct hub_conf *c = hp->c;
	struct hub_conf_node *nodes;
	struct ktp_err bad = {0};
	uint16_t code = 0;
	size_t i;

	if (arg[0] == '\0') {
		ktp_err_set(why, -EINVAL, "[%s] needs a regency code: [%s CODE]", name, name);
		return NULL;
	}
	if (conf_parse_regency(&code_key, arg, &code, &bad) < 0) {
		ktp_err_set(why, -EINVAL, "[%s %s]: %s", name, arg, bad.msg);
		return NULL;
	}
	for (i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].code == code) {
			ktp_err_set(why, -EINVAL, "duplicate section [%s %s] (first on line %u)",
				    name, arg, hp->lines[i]);
			return NULL;
		}
	if (c->n_nodes == NODES_MAX) {
		ktp_err_set(why, -EINVAL, "more than %d [%s CODE] sections", NODES_MAX, name);
		return NULL;
	}
	if ((nodes = realloc(c->nodes, (c->n_nodes + 1) * sizeof(*nodes))) == NULL) {
		ktp_err_set(why, -ENOMEM, "out of memory");
		return NULL;
	}
	c->nodes = nodes;
	memset(&nodes[c->n_nodes], 0, sizeof(*nodes));
	nodes[c->n_nodes].code = code;
	hp->lines[c->n_nodes] = line;
	return &nodes[c->n_nodes++];
}

static int
set_defaults(void *base)
{
	struct hub_conf *c = base;

	memset(c, 0, sizeof(*c));
	c->listen_port = 8470;
	c->max_batch_bytes = 8u << 20;
	c->max_connections = 256;
	c->max_connections_per_ip = 32;
	c->connection_timeout_s = 30;
	c->max_clock_skew_s = 86400;
	c->request_timeout_s = 120;
	c->max_buffer_per_ip = 16u << 20;
	c->max_buffer_total = 256u << 20;
	c->min_free_disk = 64u << 20;
	c->session_lifetime_s = 12 * 3600;
	if (conf_set_string(&c->listen_host, "127.0.0.1") < 0 ||
	    conf_set_string(&c->state_dir, "/var/lib/ktpsync") < 0 ||
	    conf_set_string(&c->area_dir, KTP_AREA_DIR) < 0 ||
	    conf_set_string(&c->timezone, KTP_TIMEZONE_DEFAULT) < 0 ||
	    conf_set_string(&c->key_file, "/etc/ktpsync/hub.key") < 0 ||
	    conf_set_string(&c->control_socket, "/run/ktpsync/ktphubd.sock") < 0)
		return -ENOMEM;
	return 0;
}

static void
check_nodes(const struct hub_parse *hp, const char *name, struct conf_errors *errs)
{
	const struct hub_conf *c = hp->c;
	size_t i, j;

	for (i = 0; i < c->n_nodes; i++) {
		if (c->nodes[i].code / 100 != c->province)
			conf_errors_add(errs, "%s:%u: [node %04u]: regency is not in province %02u",
					name, hp->lines[i], c->nodes[i].code, c->province);
		for (j = 0; j < i; j++)
			if (memcmp(c->nodes[i].public_key, c->nodes[j].public_key,
				   KTP_ED25519_PK_LEN) == 0)
				conf_errors_add(errs, "%s:%u: [node %04u]: same public_key as "
						"[node %04u]", name, hp->lines[i],
						c->nodes[i].code, c->nodes[j].code);
	}
}

/* A node's largest batch must fit what its address may hold. */
static void
check_buffers(const struct hub_conf *c, const char *name, struct conf_errors *errs)
{
	if (c->max_buffer_per_ip < c->max_batch_bytes)
		conf_errors_add(errs, "%s: hub.max_buffer_per_ip (%llu) is less than "
				"hub.max_batch_bytes (%llu)", name,
				(unsigned long long)c->max_buffer_per_ip,
				(unsigned long long)c->max_batch_bytes);
	if (c->max_buffer_total < c->max_buffer_per_ip)
		conf_errors_add(errs, "%s: hub.max_buffer_total (%llu) is less than "
				"hub.max_buffer_per_ip (%llu)", name,
				(unsigned long long)c->max_buffer_total,
				(unsigned long long)c->max_buffer_per_ip);
}

static void
check_hub(void *base, void *user, const char *name, struct conf_errors *errs)
{
	const struct hub_parse *hp = user;
	const struct hub_conf *c = base;

	if ((c->tls_cert == NULL) != (c->tls_key == NULL))
		conf_errors_add(errs, "%s: hub.%s is set without hub.%s; set both or neither",
				name, c->tls_cert ? "tls_cert" : "tls_key",
				c->tls_cert ? "tls_key" : "tls_cert");
	if (c->max_connections_per_ip > c->max_connections)
		conf_errors_add(errs, "%s: hub.max_connections_per_ip (%u) is more than "
				"hub.max_connections (%u)", name, c->max_connections_per_ip,
				c->max_connections);
	check_buffers(c, name, errs);
	check_nodes(hp, name, errs);
}

static void
done(void *base)
{
	conf_hub_done(base);
}

static const struct conf_schema hub_schema = {
	hub_keys, sizeof(hub_keys) / sizeof(hub_keys[0]), open_node,
	sizeof(struct hub_conf), set_defaults, check_hub, done,
};

int
conf_hub_load_string(const char *text, const char *name, struct hub_conf *ret,
		     struct conf_errors *errs)
{
	struct hub_parse hp = { .c = ret };

	return conf_load_string(&hub_schema, ret, &hp, text, name, errs);
}

int
conf_hub_load(const char *path, struct hub_conf *ret, struct conf_errors *errs)
{
	struct hub_parse hp = { .c = ret };

	return conf_load(&hub_schema, ret, &hp, path, errs);
}

static void
print_listen(const struct hub_conf *c, FILE *out)
{
	char *buf;

	/* An IPv6 address needs its brackets back to parse again. */
	if (asprintf(&buf, strchr(c->listen_host, ':') != NULL ? "[%s]:%u" : "%s:%u",
		     c->listen_host, c->listen_port) < 0) {
		fprintf(out, "# listen: out of memory\n");
		return;
	}
	conf_print_opt(out, "listen", buf, NULL);
	free(buf);
}

static void
print_nodes(const struct hub_conf *c, FILE *out)
{
	char b64[sodium_base64_ENCODED_LEN(KTP_ED25519_PK_LEN, sodium_base64_VARIANT_ORIGINAL)];
	size_t i;

	for (i = 0; i < c->n_nodes; i++) {
		sodium_bin2base64(b64, sizeof(b64), c->nodes[i].public_key, KTP_ED25519_PK_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
		fprintf(out, "\n[node %04u]\n", c->nodes[i].code);
		conf_print_opt(out, "name", c->nodes[i].name, NULL);
		fprintf(out, "public_key = %s\n", b64);
	}
}

void
conf_hub_print(const struct hub_conf *c, FILE *out)
{
	char buf[32];

	fprintf(out, "[hub]\n");
	print_listen(c, out);
	/* Strings through conf_print_opt, which quotes what would not read back. */
	conf_print_opt(out, "state_dir", c->state_dir, NULL);
	conf_print_opt(out, "key_file", c->key_file, NULL);
	conf_print_opt(out, "previous_key_file", c->previous_key_file, "no key rotation");
	conf_print_opt(out, "control_socket", c->control_socket, NULL);
	fprintf(out, "province = %02u\n", c->province);
	conf_format_date(c->election_date, buf, sizeof(buf));
	fprintf(out, "election_date = %s\n", buf);
	conf_print_opt(out, "area_dir", c->area_dir, NULL);
	conf_print_opt(out, "timezone", c->timezone, NULL);
	conf_format_size(c->max_batch_bytes, buf, sizeof(buf));
	fprintf(out, "max_batch_bytes = %s\n", buf);
	conf_print_opt(out, "tls_cert", c->tls_cert, "plain HTTP");
	conf_print_opt(out, "tls_key", c->tls_key, "plain HTTP");
	/* The token is a secret: its presence is all an operator needs. */
	conf_print_opt(out, "report_token", c->report_token ? "(set)" : NULL, "reports are open");
	fprintf(out, "max_connections = %u\nmax_connections_per_ip = %u\n",
		c->max_connections, c->max_connections_per_ip);
	conf_format_duration(c->connection_timeout_s, buf, sizeof(buf));
	fprintf(out, "connection_timeout = %s\n", buf);
	conf_format_duration(c->max_clock_skew_s, buf, sizeof(buf));
	fprintf(out, "max_clock_skew = %s\n", buf);
	conf_format_duration(c->request_timeout_s, buf, sizeof(buf));
	fprintf(out, "request_timeout = %s\n", buf);
	conf_format_size(c->max_buffer_per_ip, buf, sizeof(buf));
	fprintf(out, "max_buffer_per_ip = %s\n", buf);
	conf_format_size(c->max_buffer_total, buf, sizeof(buf));
	fprintf(out, "max_buffer_total = %s\n", buf);
	conf_format_duration(c->session_lifetime_s, buf, sizeof(buf));
	fprintf(out, "session_lifetime = %s\n", buf);
	conf_format_size(c->min_free_disk, buf, sizeof(buf));
	fprintf(out, "min_free_disk = %s\n\n[ctl]\n", buf);
	conf_print_opt(out, "admin_group", c->admin_group, "root and the daemon's user only");
	print_nodes(c, out);
}

const struct hub_conf_node *
conf_hub_find_node(const struct hub_conf *c, uint16_t code)
{
	size_t i;

	for (i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].code == code)
			return &c->nodes[i];
	return NULL;
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; a name would not parse. */
static bool
is_loopback(const char *host)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t a[16];

	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) != 1)
		return false;
	return memcmp(a, v6_loop, 16) == 0 ||
	       (memcmp(a, v4_mapped, 12) == 0 && a[12] == 127);
}

bool
conf_hub_open_warning(const struct hub_conf *c, const char *name, char *buf, size_t cap)
{
	if (c->report_token != NULL || is_loopback(c->listen_host))
		return false;
	snprintf(buf, cap, "%s: hub.report_token is not set and hub.listen '%s' is not a "
		 "loopback address: reports, /v1/nodes, /metrics and the dashboard are open to "
		 "anyone who reaches port %u", name, c->listen_host, c->listen_port);
	return true;
}

void
conf_hub_done(struct hub_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->listen_host);
	free(c->state_dir);
	free(c->area_dir);
	free(c->timezone);
	free(c->key_file);
	free(c->previous_key_file);
	free(c->control_socket);
	free(c->tls_cert);
	free(c->tls_key);
	if (c->report_token != NULL)
		sodium_memzero(c->report_token, strlen(c->report_token));
	free(c->report_token);
	free(c->admin_group);
	for (i = 0; i < c->n_nodes; i++)
		free(c->nodes[i].name);
	free(c->nodes);
	memset(c, 0, sizeof(*c));
}
