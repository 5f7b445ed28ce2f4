/* SPDX-License-Identifier: ISC */
/* ctlsock — the daemons' Unix control socket: listen, peer credentials, dispatch table.
 * One thread per connection (bounded in total and per uid) so a long import or a
 * `sync` that waits never stalls the daemon's loop; handlers lock what they share. */
#ifndef KTP_CTLSOCK_H
#define KTP_CTLSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "ctlmsg.h"

struct ktp_err;
struct ctlsock;
struct ctlconn;

/* Who may connect: root, the daemon's uid, the socket's group and [ctl]
 * admin_group; anyone else is refused before the request is read (DENIED,
 * "ctl: uid 1003 may not connect: needs root, uid 998 or group ktpsync or
 * dukcapil"). The file is 0660, or 0666 when there is an admin group, so
 * that its members need not be in the socket's group. */
#define CTL_RO		0x0	/* anyone who may connect */
#define CTL_RW		0x1	/* root, the daemon's uid, or [ctl] admin_group */
/* The request's payload stream carries data from the client (import). The
 * handler reads it with ctlconn_read_chunk; when the handler returns before
 * the end chunk, or the request is refused with data in its stream, ctlsock
 * closes the connection after the reply rather than read the rest. Without
 * CTL_STREAM, ctlsock reads the (empty) payload stream before the handler. */
#define CTL_STREAM	0x2
/* Lists of persons by name or NIK (personal data): the same peers as CTL_RW,
 * never the socket's group alone. */
#define CTL_NAMES	0x4

/* A handler answers with exactly one ctlconn_reply* call, after the chunks
 * of its reply's payload if its command has one (export). Its return value
 * is 0 or -errno for the log only. */
struct ctl_cmd {
	const char	*name;
	int		(*fn)(struct ctlconn *c, json_t *req, void *ctx);
	unsigned	flags;
};

struct ctlsock_opts {
	const char	*path;
	const char	*group;		/* socket group, NULL = the daemon's primary group */
	const char	*admin_group;	/* may run CTL_RW commands, NULL = none */
	unsigned	max_conns;	/* default 16 */
	unsigned	max_conns_per_uid;	/* default 4 */
	unsigned	io_timeout_s;	/* per read/write, default 30 */
};

/* Refuses when a live daemon answers on path (-EADDRINUSE), else removes a stale
 * file, binds under umask 0117 (mode 0660; 0666 with admin_group, see CTL_RO),
 * starts the accept thread. */
int	ctlsock_start(const struct ctlsock_opts *o, const struct ctl_cmd *cmds, size_t n_cmds,
		      void *ctx, struct ctlsock **ret, struct ktp_err *err);
/* Stops accepting, waits for running handlers, removes the socket file. */
void	ctlsock_stop(struct ctlsock *s);		/* NULL is a no-op */

/* For handlers. */
uid_t	ctlconn_uid(const struct ctlconn *c);
pid_t	ctlconn_pid(const struct ctlconn *c);
/* Sends reply (adds nothing) and takes ownership of it (json_decref); the
 * end chunk goes first unless ctlconn_end_stream already sent it. */
int	ctlconn_reply(struct ctlconn *c, json_t *reply);
/* An OK reply with data's fields merged in; takes data, and NULL data (its
 * builder ran out of memory) answers FAILED "ctl: out of memory". */
int	ctlconn_reply_ok(struct ctlconn *c, json_t *data);
int	ctlconn_reply_error(struct ctlconn *c, enum ctl_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Payload stream: reads the next chunk into a buffer valid until the next call;
 * *ret_len == 0 at the end of the stream. */
int	ctlconn_read_chunk(struct ctlconn *c, const uint8_t **ret_data, size_t *ret_len,
			   struct ktp_err *err);
/* The whole payload stream, chunk by chunk as it arrives, to fn; stops at the
 * first error of either. */
typedef int ctlconn_chunk_fn(void *arg, const uint8_t *data, size_t len, struct ktp_err *err);
int	ctlconn_read_stream(struct ctlconn *c, ctlconn_chunk_fn *fn, void *arg,
			    struct ktp_err *err);
int	ctlconn_write_chunk(struct ctlconn *c, const void *data, size_t len, struct ktp_err *err);
/* The 0 chunk; optional before the reply, which sends it if not yet sent. */
int	ctlconn_end_stream(struct ctlconn *c, struct ktp_err *err);
/* True once the peer hung up, or ctlsock_stop began (for long waits such as
 * `sync`: a handler that polls this also ends when the daemon stops). */
bool	ctlconn_peer_gone(struct ctlconn *c);

#endif
