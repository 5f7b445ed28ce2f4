/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "chain.h"

/*
 * PROTOCOL.md 8.2, the table of answers. `writes` are the fields the hub
 * sends, in the order of `fields` below (`may`: only when given); `needs`
 * are what the node must find to act on the outcome. A node finds the
 * outcome from the status, and for the two outcomes that share one, from
 * "error" being "diverged" (409) or from "heartbeat_ms" (400).
 */
struct row {
	unsigned	status;
	const char	*name;
	const char	*error;		/* the fixed "error" text, or NULL for a free one */
	unsigned	writes;
	unsigned	may;
	unsigned	needs;
};

#define ANSWER_DIVERGED_TEXT	"diverged"

#define REFUSAL(st, nm) { .status = (st), .name = (nm), .writes = ANSWER_ERROR, \
			 .needs = ANSWER_ERROR }

static const struct row rows[ANSWER_COUNT] = {
	[ANSWER_OK] = { .status = 200, .name = "ok", .writes = ANSWER_ACKED | ANSWER_CHAIN,
			.may = ANSWER_WARNING, .needs = ANSWER_ACKED | ANSWER_CHAIN },
	[ANSWER_GAP] = { .status = 409, .name = "gap", .writes = ANSWER_ERROR | ANSWER_ACKED,
			 .needs = ANSWER_ACKED },
	[ANSWER_DIVERGED] = { .status = 409, .name = "diverged", .error = ANSWER_DIVERGED_TEXT,
			      .writes = ANSWER_ERROR | ANSWER_ACKED | ANSWER_DETAIL,
			      .needs = ANSWER_ERROR },
	[ANSWER_REPLAYED] = { .status = 400, .name = "replayed",
			      .writes = ANSWER_ERROR | ANSWER_HEARTBEAT,
			      .needs = ANSWER_HEARTBEAT },
	[ANSWER_BAD] = REFUSAL(400, "bad"),
	[ANSWER_NOT_ENROLLED] = REFUSAL(401, "not enrolled"),
	[ANSWER_FORBIDDEN] = REFUSAL(403, "forbidden"),
	[ANSWER_TOO_LARGE] = REFUSAL(413, "too large"),
	[ANSWER_FAILED] = REFUSAL(500, "failed"),
	[ANSWER_BUSY] = REFUSAL(503, "busy"),
};

static bool
is_outcome(enum answer_outcome o)
{
	return (unsigned)o < ANSWER_COUNT;
}

unsigned
answer_status(enum answer_outcome o)
{
	return is_outcome(o) ? rows[o].status : 0;
}

const char *
answer_outcome_name(enum answer_outcome o)
{
	return is_outcome(o) ? rows[o].name : "?";
}

/* --- Fields ------------------------------------------------------------- */

/* put makes a field's JSON value; get reads it into *a: 0, or -EBADMSG
 * with why filled when it is malformed. */
struct field {
	unsigned	bit;
	const char	*key;
	json_t		*(*put)(const struct answer *a, const struct row *row);
	int		(*get)(json_t *v, struct answer *a, const char **why);
};

static json_t *
put_error(const struct answer *a, const struct row *row)
{
	return json_string(row->error != NULL ? row->error : a->error);
}

static json_t *
put_acked(const struct answer *a, const struct row *row)
{
	(void)row;
	return json_integer((json_int_t)a->acked);
}

static json_t *
put_chain(const struct answer *a, const struct row *row)
{
	char hex[2 * KTP_HASH_LEN + 1];

	(void)row;
	chain_to_hex(a->chain, hex);
	return json_string(hex);
}

static json_t *
put_detail(const struct answer *a, const struct row *row)
{
	(void)row;
	return json_string(a->detail);
}

static json_t *
put_heartbeat(const struct answer *a, const struct row *row)
{
	(void)row;
	return json_integer((json_int_t)a->heartbeat_ms);
}

static json_t *
put_warning(const struct answer *a, const struct row *row)
{
	(void)row;
	return json_string(a->warning);
}

static int
get_text(json_t *v, char *buf, size_t cap, const char **why)
{
	if (!json_is_string(v)) {
		*why = "not a string";
		return -EBADMSG;
	}
	snprintf(buf, cap, "%s", json_string_value(v));
	return 0;
}

static int
get_error(json_t *v, struct answer *a, const char **why)
{
	return get_text(v, a->error, sizeof(a->error), why);
}

static int
get_acked(json_t *v, struct answer *a, const char **why)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*why = "not a sequence number";
		return -EBADMSG;
	}
	a->acked = (uint64_t)json_integer_value(v);
	return 0;
}

static int
get_chain(json_t *v, struct answer *a, const char **why)
{
	if (!json_is_string(v) || chain_from_hex(json_string_value(v), a->chain, NULL) < 0) {
		*why = "not 64 hex digits";
		return -EBADMSG;
	}
	return 0;
}

static int
get_detail(json_t *v, struct answer *a, const char **why)
{
	return get_text(v, a->detail, sizeof(a->detail), why);
}

static int
get_heartbeat(json_t *v, struct answer *a, const char **why)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		*why = "not a positive integer";
		return -EBADMSG;
	}
	a->heartbeat_ms = (uint64_t)json_integer_value(v);
	return 0;
}

static int
get_warning(json_t *v, struct answer *a, const char **why)
{
	return get_text(v, a->warning, sizeof(a->warning), why);
}

/* In the order they go on the wire. */
static const struct field fields[] = {
	{ ANSWER_ERROR,		"error",	put_error,	get_error },
	{ ANSWER_ACKED,		"acked",	put_acked,	get_acked },
	{ ANSWER_CHAIN,		"chain",	put_chain,	get_chain },
	{ ANSWER_DETAIL,	"detail",	put_detail,	get_detail },
	{ ANSWER_HEARTBEAT,	"heartbeat_ms",	put_heartbeat,	get_heartbeat },
	{ ANSWER_WARNING,	"warning",	put_warning,	get_warning },
};

#define N_FIELDS	(sizeof(fields) / sizeof(fields[0]))

/* --- Encode ------------------------------------------------------------- */

json_t *
answer_encode(const struct answer *a)
{
	const struct row *row;
	unsigned show;
	json_t *o;
	size_t i;

	if (!is_outcome(a->outcome) || (o = json_object()) == NULL)
		return NULL;
	row = &rows[a->outcome];
	show = row->writes | (a->warning[0] != '\0' ? row->may & ANSWER_WARNING : 0);
	for (i = 0; i < N_FIELDS; i++) {
		if ((show & fields[i].bit) != 0 &&
		    json_object_set_new(o, fields[i].key, fields[i].put(a, row)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* --- Decode ------------------------------------------------------------- */

/* Every known field, whatever the outcome: those well-formed into a (and
 * a->fields), why the others are not into why[]. */
static void
read_fields(json_t *o, struct answer *a, const char *why[N_FIELDS])
{
	json_t *v;
	size_t i;

	for (i = 0; i < N_FIELDS; i++) {
		why[i] = NULL;
		if ((v = json_object_get(o, fields[i].key)) == NULL)
			continue;
		if (fields[i].get(v, a, &why[i]) == 0)
			a->fields |= fields[i].bit;
	}
}

static bool
find_outcome(long status, const struct answer *a, enum answer_outcome *ret)
{
	size_t o;

	if (status == 409) {
		*ret = (a->fields & ANSWER_ERROR) != 0 &&
		    strcmp(a->error, ANSWER_DIVERGED_TEXT) == 0 ? ANSWER_DIVERGED : ANSWER_GAP;
		return true;
	}
	if (status == 400) {
		*ret = (a->fields & ANSWER_HEARTBEAT) != 0 ? ANSWER_REPLAYED : ANSWER_BAD;
		return true;
	}
	for (o = 0; o < ANSWER_COUNT; o++) {
		if (rows[o].status == status) {
			*ret = (enum answer_outcome)o;
			return true;
		}
	}
	return false;
}

int
answer_decode(long status, const char *body, size_t len, struct answer *ret,
	      struct ktp_err *err)
{
	const char *why[N_FIELDS];
	unsigned needs;
	json_t *j;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	j = len > 0 ? json_loadb(body, len, 0, NULL) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return ktp_err_set(err, -EBADMSG, "answer %ld: body: not a JSON object", status);
	}
	read_fields(j, ret, why);
	json_decref(j);
	if (!find_outcome(status, ret, &ret->outcome))
		return ktp_err_set(err, -EBADMSG, "answer %ld: status: not one of a push answer",
				   status);
	needs = rows[ret->outcome].needs;
	for (i = 0; i < N_FIELDS; i++) {
		if ((needs & fields[i].bit) != 0 && (ret->fields & fields[i].bit) == 0)
			return ktp_err_set(err, -EBADMSG, "answer %ld: %s: %s", status,
					   fields[i].key, why[i] != NULL ? why[i] : "missing");
	}
	return 0;
}
