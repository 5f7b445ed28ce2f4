/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conf.h"
#include "conf_node.h"

#define OFF(f)	offsetof(struct node_conf, f)

static const struct conf_key node_keys[] = {
	{ "node", "id", conf_parse_regency, OFF(id), 0, 0, CONF_REQUIRED },
	{ "node", "name", conf_parse_string, OFF(name), 0, KTP_NAME_MAX, CONF_REQUIRED },
	{ "node", "state_dir", conf_parse_path, OFF(state_dir), 0, 0, 0 },
	{ "node", "key_file", conf_parse_path, OFF(key_file), 0, 0, 0 },
	{ "node", "control_socket", conf_parse_path, OFF(control_socket), 0, CONF_SUN_PATH_MAX, 0 },
	{ "node", "election_date", conf_parse_date, OFF(election_date), 0, 0, 0 },
	{ "node", "area_dir", conf_parse_path, OFF(area_dir), 0, 0, 0 },
	{ "node", "timezone", conf_parse_string, OFF(timezone), 0, CONF_TIMEZONE_MAX, 0 },
	{ "hub", "url", conf_parse_url, OFF(hub_url), 0, 0, CONF_REQUIRED },
	{ "hub", "public_key", conf_parse_key32, OFF(hub_public_key), 0, 0, CONF_REQUIRED },
	{ "hub", "ca_file", conf_parse_path, OFF(ca_file), 0, 0, 0 },
	{ "push", "interval", conf_parse_duration, OFF(push_interval_s), 1, 86400, 0 },
	{ "push", "backoff_min", conf_parse_duration, OFF(backoff_min_s), 1, 3600, 0 },
	{ "push", "backoff_max", conf_parse_duration, OFF(backoff_max_s), 1, 86400, 0 },
	{ "push", "batch_max_versions", conf_parse_uint32, OFF(batch_max_versions),
	  1, KTP_BATCH_MAX_VERSIONS, 0 },
	{ "push", "batch_max_bytes", conf_parse_size, OFF(batch_max_bytes),
	  64 * 1024, KTP_BATCH_MAX_BYTES, 0 },
	{ "push", "timeout", conf_parse_duration, OFF(timeout_s), 1, 3600, 0 },
	{ "import", "check_area_codes", conf_parse_bool, OFF(check_area_codes), 0, 0, 0 },
	{ "ctl", "admin_group", conf_parse_group, OFF(admin_group), 0, 0, 0 },
};

static int
set_defaults(void *base)
{
	struct node_conf *c = base;

	memset(c, 0, sizeof(*c));
	c->push_interval_s = 30;
	c->backoff_min_s = 1;
	c->backoff_max_s = 300;
	c->batch_max_versions = 10000;
	c->batch_max_bytes = 4u << 20;
	c->timeout_s = 60;
	c->check_area_codes = true;
	if (conf_set_string(&c->state_dir, "/var/lib/ktpsync") < 0 ||
	    conf_set_string(&c->area_dir, KTP_AREA_DIR) < 0 ||
	    conf_set_string(&c->timezone, KTP_TIMEZONE_DEFAULT) < 0 ||
	    conf_set_string(&c->key_file, "/etc/ktpsync/node.key") < 0 ||
	    conf_set_string(&c->control_socket, "/run/ktpsync/ktpsyncd.sock") < 0)
		return -ENOMEM;
	return 0;
}

static void
check_node(void *base, void *user, const char *name, struct conf_errors *errs)
{
	const struct node_conf *c = base;
	char lo[32], hi[32];

	(void)user;
	if (c->backoff_min_s > c->backoff_max_s) {
		conf_format_duration(c->backoff_min_s, lo, sizeof(lo));
		conf_format_duration(c->backoff_max_s, hi, sizeof(hi));
		conf_errors_add(errs, "%s: push.backoff_min (%s) is longer than "
				"push.backoff_max (%s)", name, lo, hi);
	}
}

static void
done(void *base)
{
	conf_node_done(base);
}

static const struct conf_schema node_schema = {
	node_keys, sizeof(node_keys) / sizeof(node_keys[0]), NULL,
	sizeof(struct node_conf), set_defaults, check_node, done,
};

int
conf_node_load_string(const char *text, const char *name, struct node_conf *ret,
		      struct conf_errors *errs)
{
	return conf_load_string(&node_schema, ret, NULL, text, name, errs);
}

int
conf_node_load(const char *path, struct node_conf *ret, struct conf_errors *errs)
{
	return conf_load(&node_schema, ret, NULL, path, errs);
}

void
conf_node_print(const struct node_conf *c, FILE *out)
{
	char b64[sodium_base64_ENCODED_LEN(KTP_X25519_PK_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char buf[32];

	/* Strings through conf_print_opt, which quotes what would not read back. */
	fprintf(out, "[node]\nid = %04u\n", c->id);
	conf_print_opt(out, "name", c->name, NULL);
	conf_print_opt(out, "state_dir", c->state_dir, NULL);
	conf_print_opt(out, "key_file", c->key_file, NULL);
	conf_print_opt(out, "control_socket", c->control_socket, NULL);
	conf_format_date(c->election_date, buf, sizeof(buf));
	conf_print_opt(out, "election_date", c->election_date ? buf : NULL, "no projection");
	conf_print_opt(out, "area_dir", c->area_dir, NULL);
	conf_print_opt(out, "timezone", c->timezone, NULL);
	sodium_bin2base64(b64, sizeof(b64), c->hub_public_key, KTP_X25519_PK_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	fprintf(out, "\n[hub]\n");
	conf_print_opt(out, "url", c->hub_url, NULL);
	fprintf(out, "public_key = %s\n", b64);
	conf_print_opt(out, "ca_file", c->ca_file, "system CA store");
	conf_format_duration(c->push_interval_s, buf, sizeof(buf));
	fprintf(out, "\n[push]\ninterval = %s\n", buf);
	conf_format_duration(c->backoff_min_s, buf, sizeof(buf));
	fprintf(out, "backoff_min = %s\n", buf);
	conf_format_duration(c->backoff_max_s, buf, sizeof(buf));
	fprintf(out, "backoff_max = %s\nbatch_max_versions = %u\n", buf, c->batch_max_versions);
	conf_format_size(c->batch_max_bytes, buf, sizeof(buf));
	fprintf(out, "batch_max_bytes = %s\n", buf);
	conf_format_duration(c->timeout_s, buf, sizeof(buf));
	fprintf(out, "timeout = %s\n\n[import]\ncheck_area_codes = %s\n\n[ctl]\n", buf,
		c->check_area_codes ? "yes" : "no");
	conf_print_opt(out, "admin_group", c->admin_group, "root and the daemon's user only");
}

void
conf_node_done(struct node_conf *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->state_dir);
	free(c->area_dir);
	free(c->timezone);
	free(c->key_file);
	free(c->control_socket);
	free(c->hub_url);
	free(c->ca_file);
	free(c->admin_group);
	memset(c, 0, sizeof(*c));
}
