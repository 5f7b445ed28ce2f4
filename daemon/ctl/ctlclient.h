/* SPDX-License-Identifier: ISC */
/* ctlclient — ktpctl's side of the control socket: connect, request, reply, payload streams.
 * Finds the socket (-s, else ktpsyncd's, else ktphubd's default path) and speaks ctlmsg.
 * Prints nothing itself; commands print from the replies. */
#ifndef KTP_CTLCLIENT_H
#define KTP_CTLCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ktp_err;
struct ctlclient;

#define CTL_DEFAULT_NODE_SOCKET	"/run/ktpsync/ktpsyncd.sock"
#define CTL_DEFAULT_HUB_SOCKET	"/run/ktpsync/ktphubd.sock"

/* Global options of ktpctl, parsed before the subcommand. Each cmd_* function
 * gets argc/argv from the command name on (argv[0] is "status", "import", ...),
 * so it can parse its own options with getopt_long after setting optind = 0. */
struct ctl_opts {
	const char	*socket;	/* -s; NULL = the defaults above, in that order */
	bool		json;		/* --json: print the daemon's reply unchanged */
};

/* "cannot connect to PATH: No such file or directory (is ktpsyncd running?)" */
int	ctlclient_connect(const struct ctl_opts *o, struct ctlclient **ret, struct ktp_err *err);
void	ctlclient_close(struct ctlclient *c);		/* NULL is a no-op */
/* Sends req (borrowed) and its empty payload stream (the end chunk): a
 * request without payload. A write that fails with -EPIPE (the daemon refused
 * and closed, e.g. during a payload stream) still leaves its reply readable
 * with ctlclient_read_reply, which reads the reply's stream (if the caller
 * did not read it with ctlclient_read_chunk) and then its line; *ret_reply is
 * a new reference. */
int	ctlclient_request(struct ctlclient *c, const json_t *req, struct ktp_err *err);
/* Sends only req's line: its payload follows, with ctlclient_write_chunk and
 * ctlclient_end_stream, or ctlclient_send_fd. */
int	ctlclient_request_stream(struct ctlclient *c, const json_t *req, struct ktp_err *err);
int	ctlclient_read_reply(struct ctlclient *c, json_t **ret_reply, int *ret_status,
			     struct ktp_err *err);
int	ctlclient_call(struct ctlclient *c, const json_t *req, json_t **ret_reply, int *ret_status,
		       struct ktp_err *err);
int	ctlclient_write_chunk(struct ctlclient *c, const void *data, size_t len, struct ktp_err *err);
int	ctlclient_end_stream(struct ctlclient *c, struct ktp_err *err);
/* Streams a whole fd (a file or stdin) as chunks, then the end chunk. If
 * reading fd fails, shuts down the sending side instead of ending the stream,
 * so the daemon discards what it got and replies; read that reply next. */
int	ctlclient_send_fd(struct ctlclient *c, int fd, struct ktp_err *err);
/* Called with each chunk ctlclient_send_fd sent, for a progress line. */
typedef void ctlclient_progress_fn(void *arg, const uint8_t *chunk, size_t len);
void	ctlclient_set_progress(struct ctlclient *c, ctlclient_progress_fn *fn, void *arg);
/* Sends req, then the whole fd as its payload stream, then reads the reply,
 * also when the daemon refused the stream early (the reply says why; if
 * there is none, err holds the sending error). */
int	ctlclient_call_with_fd(struct ctlclient *c, const json_t *req, int fd,
			       json_t **ret_reply, int *ret_status, struct ktp_err *err);
/* Reads a chunk of the reply's payload stream into a buffer valid until the
 * next call; *ret_len 0 at the end (and on every call after it). A daemon of
 * another protocol version is -EPROTONOSUPPORT ("ctl: the daemon speaks
 * control protocol version 1, this ktpctl speaks 2"). */
int	ctlclient_read_chunk(struct ctlclient *c, const uint8_t **ret_data, size_t *ret_len,
			     struct ktp_err *err);

/* The last reply line exactly as the daemon sent it (no newline), "" before
 * any; borrowed, valid until the next read or ctlclient_close. */
const char *ctlclient_last_reply(const struct ctlclient *c);

/* The common shape of a simple command: build {"cmd":cmd}+args, call, print
 * --json or the "error" text, map status to the exit code (0 ok, 1 the daemon
 * said no). args is stolen (may be NULL). On success *ret_reply (if non-NULL)
 * gets the reply for the caller to print in human form; with --json the reply
 * was already printed and *ret_reply is NULL. *ret_reply is NULL on failure. */
int	ctlclient_simple(const struct ctl_opts *o, const char *cmd, json_t *args,
			 json_t **ret_reply);
/* The end of ctlclient_simple for commands that stream: with --json prints the
 * last reply line unchanged to stdout, otherwise on a status other than OK
 * prints "ktpctl: ERROR" to stderr. Returns the exit code, 0 or 1. */
int	ctlclient_print_reply(const struct ctl_opts *o, const struct ctlclient *c,
			      const json_t *reply, int status);
/* Says "ktpctl: out of memory" and returns the exit code 1, for a request
 * that could not be built. */
int	ctlclient_out_of_memory(void);

/* A field of a reply (or of an object in it) for printing: the integer, 0
 * when missing or not one; the string, def when missing or not one. */
int64_t	ctlclient_int(const json_t *obj, const char *key);
const char *ctlclient_str(const json_t *obj, const char *key, const char *def);

#endif
