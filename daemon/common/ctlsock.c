/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlio.h"
#include "ctlmsg.h"
#include "ctlsock.h"
#include "err.h"
#include "log.h"
#include "proto.h"

/*
 * Threads: one accept thread, and one thread per admitted connection. The
 * accept thread joins connection threads that have finished; ctlsock_stop
 * joins the rest. All shared fields below `lock` are read and written under it.
 *
 * A connection serves requests one after another until the peer closes, a
 * read times out, or the daemon leaves a payload unread: every request line
 * is followed by its payload stream (just the end chunk for most commands),
 * so after a refusal the daemon reads one chunk; the end chunk means the
 * next request follows, a chunk with data (a refused import) is not read on
 * and the connection closes after the reply. A request of another protocol
 * version, whose framing may differ, gets a bare reply line and a close.
 * Every reply is its payload stream, then its line: ctlconn_reply sends the
 * end chunk first unless the handler already ended a stream it sent.
 */

#define CTL_MAX_GROUPS	256	/* supplementary groups read from a peer */
#define CTL_BACKLOG	64

struct ctlconn {
	struct ctlsock	*s;
	struct ctlio	io;
	int		fd;		/* -1 once closed; guarded by s->lock */
	pid_t		pid;
	uid_t		uid;
	gid_t		gid;
	gid_t		groups[CTL_MAX_GROUPS];
	size_t		n_groups;
	pthread_t	thread;
	bool		done;		/* the thread returned; join it */
	unsigned	n_replies;	/* replies sent for the current request */
	const struct ctl_cmd *cmd;	/* the request being answered, NULL before */
	bool		stream_open;	/* a CTL_STREAM payload not read to its end */
	bool		out_ended;	/* the reply's stream was ended by the handler */
	struct ctlconn	*next;
};

struct ctlsock {
	int			fd;
	char			*path;
	const struct ctl_cmd	*cmds;
	size_t			n_cmds;
	void			*ctx;
	unsigned		max_conns;
	unsigned		max_per_uid;
	unsigned		io_timeout_s;
	uid_t			euid;
	gid_t			sock_gid;	/* the socket file's group */
	char			*sock_group;	/* its name, for refusals */
	bool			has_admin;
	gid_t			admin_gid;
	char			*admin_group;
	bool			bound;		/* path is our socket file */
	pthread_t		accept_thread;
	bool			accepting;	/* accept_thread was started */

	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	struct ctlconn		*conns;
	unsigned		n_live;
	bool			stopping;
};

/* --- credentials --- */

static int
lookup_group(const char *name, gid_t *ret_gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int r;

	r = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (r != 0)
		return -r;
	if (res == NULL)
		return -ENOENT;
	*ret_gid = gr.gr_gid;
	return 0;
}

/* SO_PEERGROUPS (Linux 4.13) gives the groups the peer had when it
 * connected; the group database is only a fallback, because it says what
 * a user may have, not what the process holds. */
static void
read_peer_groups_db(struct ctlconn *c)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = CTL_MAX_GROUPS;

	if (getpwuid_r(c->uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return;
	if (getgrouplist(pw.pw_name, c->gid, c->groups, &n) < 0)
		n = CTL_MAX_GROUPS;
	c->n_groups = (size_t)n;
}

static int
read_peer_creds(struct ctlconn *c)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	c->pid = uc.pid;
	c->uid = uc.uid;
	c->gid = uc.gid;
	len = sizeof(c->groups);
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, c->groups, &len) == 0)
		c->n_groups = len / sizeof(gid_t);
	else
		read_peer_groups_db(c);
	return 0;
}

static bool
peer_in_group(const struct ctlconn *c, gid_t gid)
{
	size_t i;

	if (c->gid == gid)
		return true;
	for (i = 0; i < c->n_groups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* CTL_RW and CTL_NAMES commands. */
static bool
peer_may_write(const struct ctlsock *s, const struct ctlconn *c)
{
	if (c->uid == 0 || c->uid == s->euid)
		return true;
	return s->has_admin && peer_in_group(c, s->admin_gid);
}

/* With an admin group the file is 0666 (its members need not be in the
 * socket's group), so the daemon admits only whom 0660 would have, plus
 * that group. Without one the file's mode decides and this agrees. */
static bool
peer_may_connect(const struct ctlsock *s, const struct ctlconn *c)
{
	return peer_may_write(s, c) || peer_in_group(c, s->sock_gid);
}

static void
refuse_stranger(struct ctlconn *c)
{
	const struct ctlsock *s = c->s;
	char who[160], text[256];
	json_t *reply;

	if (s->euid == 0)
		snprintf(who, sizeof(who), "root or group %s", s->sock_group);
	else
		snprintf(who, sizeof(who), "root, uid %u or group %s", (unsigned)s->euid,
			 s->sock_group);
	if (s->has_admin)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), " or %s", s->admin_group);
	snprintf(text, sizeof(text), "ctl: uid %u may not connect: needs %s", (unsigned)c->uid,
		 who);
	reply = ctlmsg_reply(CTL_STATUS_DENIED, text);
	if (reply != NULL)
		ctlio_write_reply(&c->io, reply, false, NULL);
	json_decref(reply);
}

static int
reply_denied(struct ctlconn *c, const char *name)
{
	const struct ctlsock *s = c->s;

	if (s->euid == 0 && s->has_admin)
		return ctlconn_reply_error(c, CTL_STATUS_DENIED, "ctl: '%s' needs root or group %s",
					   name, s->admin_group);
	if (s->euid == 0)
		return ctlconn_reply_error(c, CTL_STATUS_DENIED, "ctl: '%s' needs root", name);
	if (s->has_admin)
		return ctlconn_reply_error(c, CTL_STATUS_DENIED,
					   "ctl: '%s' needs root, uid %u or group %s", name,
					   (unsigned)s->euid, s->admin_group);
	return ctlconn_reply_error(c, CTL_STATUS_DENIED, "ctl: '%s' needs root or uid %u", name,
				   (unsigned)s->euid);
}

/* --- one connection --- */

/* `log debug|info`: the daemon's log level, for both daemons alike. */
static int
builtin_log(struct ctlconn *c, json_t *req, void *ctx)
{
	const char *level = json_string_value(json_object_get(req, "level"));

	(void)ctx;
	if (level == NULL || (strcmp(level, "debug") != 0 && strcmp(level, "info") != 0))
		return ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					   "log: level must be debug or info");
	log_set_debug(strcmp(level, "debug") == 0);
	return ctlconn_reply_ok(c, json_pack("{s:s}", "level", level));
}

static const struct ctl_cmd builtins[] = {
	{ "log", builtin_log, CTL_RW },
};

static const struct ctl_cmd *
find_cmd(const struct ctlsock *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_cmds; i++)
		if (strcmp(s->cmds[i].name, name) == 0)
			return &s->cmds[i];
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/* The peer's user name for the audit line, or "?" when it has none. */
static void
peer_user(const struct ctlconn *c, char *buf, size_t cap)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	if (getpwuid_r(c->uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, cap, "%s", pw.pw_name);
	else
		snprintf(buf, cap, "?");
}

/* Every CTL_RW command and every list of persons by name is logged with who
 * asked (SO_PEERCRED) and what it did: the reply's status and its counts (its
 * integer and boolean members), never a string of it, which could name a
 * person. */
static void
audit(const struct ctlconn *c, const json_t *reply)
{
	char user[64], what[512], fields[256];
	const char *key, *status;
	json_t *v;
	size_t n = 0;

	peer_user(c, user, sizeof(user));
	what[0] = '\0';
	json_object_foreach((json_t *)reply, key, v) {
		if (n >= sizeof(what) - 1 || strcmp(key, "status") == 0 || strcmp(key, "v") == 0)
			continue;
		if (json_is_integer(v))
			n += (size_t)snprintf(what + n, sizeof(what) - n, " %s=%" JSON_INTEGER_FORMAT,
					      key, json_integer_value(v));
		else if (json_is_boolean(v))
			n += (size_t)snprintf(what + n, sizeof(what) - n, " %s=%s", key,
					      json_is_true(v) ? "true" : "false");
	}
	status = ctlmsg_status_name((int)json_integer_value(json_object_get(reply, "status")));
	snprintf(fields, sizeof(fields), "KTP_CMD=%s\nKTP_UID=%u\nKTP_USER=%s\nKTP_STATUS=%s",
		 c->cmd->name, (unsigned)c->uid, user, status);
	log_fields(LOG_LEVEL_INFO, fields, "ctl: %s by uid %u (%s): %s%s", c->cmd->name,
		   (unsigned)c->uid, user, status, what);
}

/* Reads the payload stream of a request whose command takes none, or that
 * was refused: true when it is empty (the end chunk alone). *ret_data is
 * set when a chunk with data came; that payload is not read on. */
static bool
payload_is_empty(struct ctlconn *c, bool *ret_data)
{
	const uint8_t *data;
	size_t len;

	*ret_data = false;
	if (ctlio_read_chunk(&c->io, &data, &len, NULL) < 0)
		return false;
	*ret_data = len > 0;
	return len == 0;
}

/* After a refusal: true when the connection goes on. */
static bool
drop_payload(struct ctlconn *c)
{
	bool data;

	return payload_is_empty(c, &data);
}

/* Returns false when the connection must close after this request. */
static bool
run_cmd(struct ctlconn *c, const struct ctl_cmd *cmd, json_t *req)
{
	bool data;
	int r;

	if ((cmd->flags & (CTL_RW | CTL_NAMES)) && !peer_may_write(c->s, c)) {
		reply_denied(c, cmd->name);
		return drop_payload(c);
	}
	if (!(cmd->flags & CTL_STREAM) && !payload_is_empty(c, &data)) {
		if (data)
			ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST, "ctl: '%s' takes no payload",
					    cmd->name);
		return false;
	}
	c->stream_open = (cmd->flags & CTL_STREAM) != 0;
	c->cmd = cmd;
	r = cmd->fn(c, req, c->s->ctx);
	c->cmd = NULL;
	if (r < 0)
		log_debug("ctl: '%s' from uid %u: %s", cmd->name, (unsigned)c->uid, strerror(-r));
	if (c->n_replies == 0) {
		log_warn("ctl: '%s' sent no reply, closing the connection", cmd->name);
		ctlconn_reply_error(c, CTL_STATUS_FAILED, "ctl: '%s' failed", cmd->name);
		return false;
	}
	return !c->stream_open;
}

/* A peer of another version may frame its messages otherwise: its refusal
 * is one bare line, which every version reads, and the connection closes. */
static void
refuse_version(struct ctlconn *c, const char *line, size_t len, const char *text)
{
	json_t *reply = ctlmsg_version_reply(line, len, text);

	c->n_replies++;
	if (reply != NULL)
		ctlio_write_msg(&c->io, reply, NULL);
	json_decref(reply);
}

static bool
serve_request(struct ctlconn *c, const char *line, size_t len)
{
	const struct ctl_cmd *cmd;
	struct ktp_err err = {0};
	enum ctl_status st;
	json_t *req = NULL;
	const char *name;
	bool keep;

	c->n_replies = 0;
	c->out_ended = false;
	if (ctlmsg_parse_request(line, len, &req, &st, &err) < 0) {
		if (st == CTL_STATUS_VERSION) {
			refuse_version(c, line, len, err.msg);
			return false;
		}
		ctlconn_reply_error(c, st, "%s", err.msg);
		return drop_payload(c);
	}
	name = json_string_value(json_object_get(req, "cmd"));
	cmd = find_cmd(c->s, name);
	if (cmd == NULL) {
		ctlconn_reply_error(c, CTL_STATUS_UNKNOWN_CMD, "ctl: unknown command '%.*s'",
				    ktp_utf8_cut(name, 64), name);
		keep = drop_payload(c);
	} else {
		keep = run_cmd(c, cmd, req);
	}
	json_decref(req);
	return keep;
}

static void
serve(struct ctlconn *c)
{
	struct ktp_err err = {0};
	size_t len;
	char *line;
	int r;

	for (;;) {
		r = ctlio_read_line(&c->io, &line, &len, &err);
		if (r == -EMSGSIZE) {
			ctlconn_reply_error(c, CTL_STATUS_BAD_REQUEST,
					    "ctl: request longer than %u bytes", KTP_CTL_MAX_LINE);
			return;
		}
		if (r < 0)
			return;
		if (!serve_request(c, line, len))
			return;
	}
}

static void *
conn_main(void *arg)
{
	struct ctlconn *c = arg;
	struct ctlsock *s = c->s;

	serve(c);
	pthread_mutex_lock(&s->lock);
	close(c->fd);
	c->fd = -1;
	c->done = true;
	s->n_live--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* --- accepting --- */

static void
set_timeouts(int fd, unsigned seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static unsigned
count_uid(const struct ctlsock *s, uid_t uid)
{
	const struct ctlconn *c;
	unsigned n = 0;

	for (c = s->conns; c != NULL; c = c->next)
		if (!c->done && c->uid == uid)
			n++;
	return n;
}

/* Joins the threads that have returned. Called with s->lock held. */
static void
reap(struct ctlsock *s)
{
	struct ctlconn **pp = &s->conns, *c;

	while ((c = *pp) != NULL) {
		if (!c->done) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		pthread_join(c->thread, NULL);
		ctlio_done(&c->io);
		free(c);
	}
}

/* The refusal is written without reading the request: the reply is small
 * and lands in an empty socket buffer, so it cannot block the accept thread. */
static void
refuse_busy(struct ctlconn *c, const char *why)
{
	json_t *reply = ctlmsg_reply(CTL_STATUS_BUSY, why);

	if (reply != NULL)
		ctlio_write_reply(&c->io, reply, false, NULL);
	json_decref(reply);
}

/* Decides under the lock whether c may run, and starts its thread.
 * Returns false when c was refused (the caller closes and frees it). */
static bool
admit(struct ctlsock *s, struct ctlconn *c)
{
	char why[128] = "";

	pthread_mutex_lock(&s->lock);
	reap(s);
	if (s->stopping)
		snprintf(why, sizeof(why), "ctl: the daemon is stopping");
	else if (s->n_live >= s->max_conns)
		snprintf(why, sizeof(why), "ctl: connection limit (%u) reached, try again",
			 s->max_conns);
	else if (count_uid(s, c->uid) >= s->max_per_uid)
		snprintf(why, sizeof(why), "ctl: uid %u: connection limit (%u) reached, try again",
			 (unsigned)c->uid, s->max_per_uid);
	else if (pthread_create(&c->thread, NULL, conn_main, c) != 0)
		snprintf(why, sizeof(why), "ctl: cannot start a thread; try again");
	if (why[0] == '\0') {
		c->next = s->conns;
		s->conns = c;
		s->n_live++;
	}
	pthread_mutex_unlock(&s->lock);
	if (why[0] != '\0')
		refuse_busy(c, why);
	return why[0] == '\0';
}

static void
accept_one(struct ctlsock *s, int fd)
{
	struct ctlconn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	ctlio_init(&c->io, fd, KTP_CTL_MAX_LINE);
	set_timeouts(fd, s->io_timeout_s);
	if (read_peer_creds(c) < 0)
		goto fail;
	if (!peer_may_connect(s, c)) {
		/* Written without reading the request, as refuse_busy does. */
		refuse_stranger(c);
		goto fail;
	}
	if (admit(s, c))
		return;
fail:
	close(fd);
	ctlio_done(&c->io);
	free(c);
}

static bool
is_stopping(struct ctlsock *s)
{
	bool stopping;

	pthread_mutex_lock(&s->lock);
	stopping = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stopping;
}

static void *
accept_main(void *arg)
{
	struct ctlsock *s = arg;
	int fd;

	for (;;) {
		fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(s, fd);
			continue;
		}
		if (is_stopping(s))
			return NULL;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* Out of descriptors: wait for connections to finish rather
		 * than spin on a listener that stays readable. */
		log_warn("ctl: accept: %s, retrying in 100 ms", strerror(errno));
		usleep(100 * 1000);
	}
}

/* --- the listening socket --- */

static int
fill_addr(const char *path, struct sockaddr_un *sun, struct ktp_err *err)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return ktp_err_set(err, -ENAMETOOLONG, "%s: path longer than %zu bytes", path,
				   sizeof(sun->sun_path) - 1);
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A socket file another daemon still answers on must not be taken over; a
 * file nobody answers on is left from a crash and is removed. */
static int
clear_stale(const char *path, const struct sockaddr_un *sun, struct ktp_err *err)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return ktp_err_set(err, -errno, "%s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return ktp_err_set(err, -EEXIST, "%s: exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ktp_err_set(err, -errno, "%s: socket: %s", path, strerror(errno));
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0)
		return ktp_err_set(err, -EADDRINUSE, "%s: another daemon is listening", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return ktp_err_set(err, -errno, "%s: cannot remove stale socket: %s", path,
				   strerror(errno));
	return 0;
}

/* The umask covers the moment between bind and chmod; chmod then sets
 * 0660 whatever the process umask was. umask is process-wide, which is
 * acceptable because the socket is created once, at startup. With an admin
 * group the mode is 0666 once the group is set: its members may not be in
 * the socket's group, and peer_may_connect refuses everyone else. */
static int
bind_socket(struct ctlsock *s, const struct sockaddr_un *sun, int gid, struct ktp_err *err)
{
	const char *path = s->path;
	int fd = s->fd, r;
	mode_t old;

	old = umask(0117);
	r = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (r < 0)
		return ktp_err_set(err, -errno, "%s: bind: %s", path, strerror(errno));
	s->bound = true;
	if (chmod(path, 0660) < 0)
		return ktp_err_set(err, -errno, "%s: chmod: %s", path, strerror(errno));
	if (gid >= 0 && chown(path, (uid_t)-1, (gid_t)gid) < 0)
		return ktp_err_set(err, -errno, "%s: chown: %s", path, strerror(errno));
	if (s->has_admin && chmod(path, 0666) < 0)
		return ktp_err_set(err, -errno, "%s: chmod: %s", path, strerror(errno));
	if (listen(fd, CTL_BACKLOG) < 0)
		return ktp_err_set(err, -errno, "%s: listen: %s", path, strerror(errno));
	return 0;
}

static int
open_listener(struct ctlsock *s, const char *group, struct ktp_err *err)
{
	struct sockaddr_un sun;
	gid_t g;
	int gid = -1, r;

	if (group != NULL) {
		if ((r = lookup_group(group, &g)) < 0)
			return ktp_err_set(err, r, "%s: group '%s': %s", s->path, group,
					   r == -ENOENT ? "no such group" : strerror(-r));
		gid = (int)g;
		s->sock_gid = g;
	}
	if ((r = fill_addr(s->path, &sun, err)) < 0 || (r = clear_stale(s->path, &sun, err)) < 0)
		return r;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return ktp_err_set(err, -errno, "%s: socket: %s", s->path, strerror(errno));
	return bind_socket(s, &sun, gid, err);
}

static int
init_sock(struct ctlsock *s, const struct ctlsock_opts *o, struct ktp_err *err)
{
	int r;

	s->fd = -1;
	s->max_conns = o->max_conns ? o->max_conns : 16;
	s->max_per_uid = o->max_conns_per_uid ? o->max_conns_per_uid : 4;
	s->io_timeout_s = o->io_timeout_s ? o->io_timeout_s : 30;
	s->euid = geteuid();
	s->sock_gid = getegid();
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->path = strdup(o->path);
	if (s->path == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: out of memory");
	if (o->admin_group == NULL)
		return 0;
	if ((r = lookup_group(o->admin_group, &s->admin_gid)) < 0)
		return ktp_err_set(err, r, "ctl: admin_group '%s': %s", o->admin_group,
				   r == -ENOENT ? "no such group" : strerror(-r));
	s->admin_group = strdup(o->admin_group);
	if (s->admin_group == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: out of memory");
	s->has_admin = true;
	return 0;
}

/* The socket group's name for refusals; its number if it has none. */
static int
name_sock_group(struct ctlsock *s, struct ktp_err *err)
{
	struct group gr, *res = NULL;
	char buf[4096], num[16];

	snprintf(num, sizeof(num), "%u", (unsigned)s->sock_gid);
	if (getgrgid_r(s->sock_gid, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		s->sock_group = strdup(num);
	else
		s->sock_group = strdup(gr.gr_name);
	if (s->sock_group == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: out of memory");
	return 0;
}

/* The file is removed only if this ctlsock bound it: a refused start must
 * not remove a live daemon's socket. */
static void
free_sock(struct ctlsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->bound)
		unlink(s->path);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->path);
	free(s->sock_group);
	free(s->admin_group);
	free(s);
}

/* The accept thread, and the connection threads it creates, inherit a mask
 * blocking every signal: the daemon's loop takes SIGTERM and SIGHUP through
 * its signalfd, which works only if no other thread can receive them. */
static int
start_accept_thread(struct ctlsock *s)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&s->accept_thread, NULL, accept_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	s->accepting = true;
	return 0;
}

int
ctlsock_start(const struct ctlsock_opts *o, const struct ctl_cmd *cmds, size_t n_cmds,
	      void *ctx, struct ctlsock **ret, struct ktp_err *err)
{
	struct ctlsock *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ktp_err_set(err, -ENOMEM, "ctl: out of memory");
	s->cmds = cmds;
	s->n_cmds = n_cmds;
	s->ctx = ctx;
	if ((r = init_sock(s, o, err)) < 0 || (r = open_listener(s, o->group, err)) < 0 ||
	    (r = name_sock_group(s, err)) < 0)
		goto fail;
	if ((r = start_accept_thread(s)) < 0) {
		ktp_err_set(err, r, "ctl: cannot start the accept thread: %s", strerror(-r));
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	free_sock(s);
	return r;
}

/* Shutting down the read side wakes handlers blocked on the next request
 * or inside a payload; they may still write their reply. */
static void
stop_conns(struct ctlsock *s)
{
	struct ctlconn *c;

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	for (c = s->conns; c != NULL; c = c->next)
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RD);
	pthread_mutex_unlock(&s->lock);
}

void
ctlsock_stop(struct ctlsock *s)
{
	if (s == NULL)
		return;
	stop_conns(s);
	/* shutdown() on a listening socket makes a blocked accept() return,
	 * which close() from another thread does not guarantee. */
	shutdown(s->fd, SHUT_RDWR);
	if (s->accepting)
		pthread_join(s->accept_thread, NULL);
	/* Connections admitted after stop_conns ran saw `stopping` in admit
	 * and were refused, so every live one has had its read side shut. */
	pthread_mutex_lock(&s->lock);
	while (s->n_live > 0)
		pthread_cond_wait(&s->cond, &s->lock);
	reap(s);
	pthread_mutex_unlock(&s->lock);
	free_sock(s);
}

/* --- for handlers --- */

uid_t
ctlconn_uid(const struct ctlconn *c)
{
	return c->uid;
}

pid_t
ctlconn_pid(const struct ctlconn *c)
{
	return c->pid;
}

/* A failed write returns -errno; no caller reads an error text, so none is kept. */
int
ctlconn_reply(struct ctlconn *c, json_t *reply)
{
	int r;

	if (reply == NULL)
		return -ENOMEM;
	if (c->cmd != NULL && (c->cmd->flags & (CTL_RW | CTL_NAMES)) && c->n_replies == 0)
		audit(c, reply);
	c->n_replies++;
	r = ctlio_write_reply(&c->io, reply, c->out_ended, NULL);
	c->out_ended = true;
	json_decref(reply);
	return r;
}

int
ctlconn_reply_ok(struct ctlconn *c, json_t *data)
{
	json_t *rep = ctlmsg_reply(CTL_STATUS_OK, "");

	if (rep == NULL || data == NULL || json_object_update(rep, data) < 0) {
		json_decref(rep);
		json_decref(data);
		return ctlconn_reply_error(c, CTL_STATUS_FAILED, "ctl: out of memory");
	}
	json_decref(data);
	return ctlconn_reply(c, rep);
}

int
ctlconn_reply_error(struct ctlconn *c, enum ctl_status status, const char *fmt, ...)
{
	char text[KTP_ERR_MSG_LEN * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* JSON takes UTF-8 only; a cut or a peer's bytes must not cost the reply. */
	ktp_utf8_scrub(text);
	return ctlconn_reply(c, ctlmsg_reply(status, text));
}

int
ctlconn_read_chunk(struct ctlconn *c, const uint8_t **ret_data, size_t *ret_len,
		   struct ktp_err *err)
{
	int r = ctlio_read_chunk(&c->io, ret_data, ret_len, err);

	if (r == 0 && *ret_len == 0)
		c->stream_open = false;
	return r;
}

int
ctlconn_read_stream(struct ctlconn *c, ctlconn_chunk_fn *fn, void *arg, struct ktp_err *err)
{
	const uint8_t *data;
	size_t len;
	int r;

	for (;;) {
		if ((r = ctlconn_read_chunk(c, &data, &len, err)) < 0)
			return r;
		if (len == 0)
			return 0;
		if ((r = fn(arg, data, len, err)) < 0)
			return r;
	}
}

int
ctlconn_write_chunk(struct ctlconn *c, const void *data, size_t len, struct ktp_err *err)
{
	return ctlio_write_chunk(&c->io, data, len, err);
}

int
ctlconn_end_stream(struct ctlconn *c, struct ktp_err *err)
{
	int r = ctlio_write_end(&c->io, err);

	/* A failed write ends it too: the reply must not send a second end. */
	c->out_ended = true;
	return r;
}

bool
ctlconn_peer_gone(struct ctlconn *c)
{
	struct pollfd p = { .fd = c->io.fd, .events = POLLRDHUP };

	if (poll(&p, 1, 0) <= 0)
		return false;
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}
