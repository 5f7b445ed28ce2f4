/* SPDX-License-Identifier: ISC */
/* fuzz_conf — libFuzzer target for the INI parser with both schemas (conf_node, conf_hub).
 * Every input either loads or gives at least one error; what loads prints a normalised
 * config that loads again to the same print (what `-n` shows is what would run). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_hub.h"
#include "conf_node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf_errors errs;

/* The print of a loaded config, in a malloc'd NUL-terminated buffer. */
static char *
print_node(const struct node_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort();
	conf_node_print(c, f);
	fclose(f);
	return buf;
}

static char *
print_hub(const struct hub_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort();
	conf_hub_print(c, f);
	fclose(f);
	return buf;
}

static void
check_errors(int r)
{
	size_t i;

	if (r == 0)
		return;
	if (errs.n == 0)
		abort();
	for (i = 0; i < errs.n && i < CONF_MAX_ERRORS; i++)
		if (errs.msg[i][0] == '\0' || strchr(errs.msg[i], '\n') != NULL)
			abort();
}

static void
node(const char *text)
{
	struct node_conf c = {0}, again = {0};
	char *p1, *p2;
	int r;

	memset(&errs, 0, sizeof(errs));
	r = conf_node_load_string(text, "f.conf", &c, &errs);
	check_errors(r);
	if (r < 0)
		return;
	p1 = print_node(&c);
	memset(&errs, 0, sizeof(errs));
	if (conf_node_load_string(p1, "printed.conf", &again, &errs) < 0)
		abort();
	p2 = print_node(&again);
	if (strcmp(p1, p2) != 0)
		abort();
	free(p1);
	free(p2);
	conf_node_done(&c);
	conf_node_done(&again);
}

static void
hub(const char *text)
{
	struct hub_conf c = {0}, again = {0};
	char *p1, *p2;
	int r;

	memset(&errs, 0, sizeof(errs));
	r = conf_hub_load_string(text, "f.conf", &c, &errs);
	if (r == 0 && errs.n > 0)	/* ktphubd treats errors collected on success as failure */
		r = -1;
	check_errors(r);
	if (r < 0) {
		conf_hub_done(&c);
		return;
	}
	p1 = print_hub(&c);
	/* The print hides report_token, so only a config without one reloads as it was. */
	if (c.report_token == NULL) {
		memset(&errs, 0, sizeof(errs));
		if (conf_hub_load_string(p1, "printed.conf", &again, &errs) < 0 || errs.n > 0)
			abort();
		p2 = print_hub(&again);
		if (strcmp(p1, p2) != 0)
			abort();
		free(p2);
		conf_hub_done(&again);
	}
	free(p1);
	conf_hub_done(&c);
}

/* data[0] bit 0: the hub's schema, else the node's. The rest is the file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > 64 * 1024)
		return 0;
	if ((text = malloc(size)) == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		hub(text);
	else
		node(text);
	free(text);
	return 0;
}
