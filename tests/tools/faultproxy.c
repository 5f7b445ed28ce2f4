/* SPDX-License-Identifier: ISC */
/* faultproxy — a TCP proxy on 127.0.0.1 for fault tests: passes, delays, throttles and cuts.
 * One thread per proxied connection; faults are switched at run time through a control port
 * (one command per line, answered "ok ..." or "error ...") or SIGUSR1 (cut every connection).
 *
 *   faultproxy -t TARGET_PORT [-l LISTEN_PORT] [-c CONTROL_PORT]
 *
 * Prints "faultproxy: listen PORT control PORT" on stdout once ready (port 0 picks free ones).
 * Commands:
 *   pass            forward normally; clears every fault below
 *   delay MS        hold each chunk MS milliseconds before forwarding it (both ways)
 *   throttle BPS    at most BPS bytes per second per direction per connection
 *   cut             close (RST) every open connection now
 *   down / up       down: cut everything and close new connections at once; up: accept again
 *   blackhole       accept but forward nothing (the peer sees a silent server)
 *   cutreq N        cut a connection once N request bytes (client to server) passed
 *   cutresp N       cut a connection once N response bytes (server to client) passed
 *   stats           "ok conns N accepted N up BYTES down BYTES cuts N"
 * Test support only; never used by the daemons. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384

struct faults {
	unsigned	delay_ms;
	uint64_t	throttle_bps;
	bool		down;
	bool		blackhole;
	uint64_t	cut_req;	/* 0 = off */
	uint64_t	cut_resp;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct faults faults;
static atomic_uint cut_epoch;
static atomic_uint conns, accepted, cuts;
static atomic_uint_fast64_t bytes_up, bytes_down;
static uint16_t target_port;
static volatile sig_atomic_t got_usr1;

struct pair {
	int		client;
	int		server;
	unsigned	epoch;
	uint64_t	up;		/* client to server bytes */
	uint64_t	down;
};

static struct faults
current(void)
{
	struct faults f;

	pthread_mutex_lock(&lock);
	f = faults;
	pthread_mutex_unlock(&lock);
	return f;
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* SO_LINGER 0 makes close() send RST: the peer sees a cut, not a clean end. */
static void
reset_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static bool
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static int
connect_target(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(target_port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* How many of n bytes may pass before a cut-after-N limit; -1 = no limit hit. */
static long
limit_left(uint64_t limit, uint64_t done, size_t n)
{
	if (limit == 0 || done + n < limit)
		return -1;
	return (long)(limit > done ? limit - done : 0);
}

/* Moves one chunk from 'from' to 'to'; false when the pair must end. */
static bool
forward(struct pair *p, int from, int to, bool upward)
{
	struct faults f = current();
	uint8_t buf[CHUNK];
	size_t want = sizeof(buf);
	uint64_t *done = upward ? &p->up : &p->down;
	ssize_t n;
	long left;

	if (f.throttle_bps > 0 && f.throttle_bps / 10 + 1 < want)
		want = (size_t)(f.throttle_bps / 10 + 1);
	if ((n = read(from, buf, want)) <= 0)
		return false;
	if (f.delay_ms > 0)
		sleep_ms(f.delay_ms);
	left = limit_left(upward ? f.cut_req : f.cut_resp, *done, (size_t)n);
	if (left >= 0) {
		write_all(to, buf, (size_t)left);
		cuts++;
		return false;
	}
	if (!write_all(to, buf, (size_t)n))
		return false;
	*done += (uint64_t)n;
	if (upward)
		bytes_up += (uint64_t)n;
	else
		bytes_down += (uint64_t)n;
	if (f.throttle_bps > 0)
		sleep_ms((uint64_t)n * 1000 / f.throttle_bps);
	return true;
}

static void *
run_pair(void *arg)
{
	struct pair *p = arg;
	struct pollfd pfd[2] = { { p->client, POLLIN, 0 }, { p->server, POLLIN, 0 } };
	bool ok = true;
	int r;

	while (ok) {
		if (atomic_load(&cut_epoch) != p->epoch || current().down)
			break;
		if ((r = poll(pfd, 2, 50)) <= 0 || current().blackhole)
			continue;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			ok = forward(p, p->client, p->server, true);
		if (ok && pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			ok = forward(p, p->server, p->client, false);
	}
	reset_close(p->client);
	reset_close(p->server);
	conns--;
	free(p);
	return NULL;
}

static void
start_pair(int client)
{
	struct pair *p;
	pthread_t t;

	accepted++;
	if (current().down || (p = calloc(1, sizeof(*p))) == NULL) {
		reset_close(client);
		return;
	}
	p->client = client;
	p->epoch = atomic_load(&cut_epoch);
	if ((p->server = connect_target()) < 0) {
		reset_close(client);
		free(p);
		return;
	}
	conns++;
	if (pthread_create(&t, NULL, run_pair, p) != 0) {
		reset_close(p->client);
		reset_close(p->server);
		conns--;
		free(p);
		return;
	}
	pthread_detach(t);
}

static void
cut_all(void)
{
	atomic_fetch_add(&cut_epoch, 1);
	cuts++;
}

/* Applies one control line; writes the answer into out. */
static void
command(char *line, char *out, size_t cap)
{
	char word[32] = "";
	unsigned long long v = 0;
	int n = sscanf(line, "%31s %llu", word, &v);

	pthread_mutex_lock(&lock);
	if (n >= 1 && strcmp(word, "pass") == 0)
		memset(&faults, 0, sizeof(faults));
	else if (n == 2 && strcmp(word, "delay") == 0)
		faults.delay_ms = (unsigned)v;
	else if (n == 2 && strcmp(word, "throttle") == 0)
		faults.throttle_bps = v;
	else if (n == 2 && strcmp(word, "cutreq") == 0)
		faults.cut_req = v;
	else if (n == 2 && strcmp(word, "cutresp") == 0)
		faults.cut_resp = v;
	else if (n >= 1 && strcmp(word, "down") == 0)
		faults.down = true;
	else if (n >= 1 && strcmp(word, "up") == 0)
		faults.down = false;
	else if (n >= 1 && strcmp(word, "blackhole") == 0)
		faults.blackhole = true;
	else if (n < 1 || (strcmp(word, "cut") != 0 && strcmp(word, "stats") != 0)) {
		pthread_mutex_unlock(&lock);
		snprintf(out, cap, "error unknown command '%s'\n", word);
		return;
	}
	pthread_mutex_unlock(&lock);
	if (strcmp(word, "cut") == 0 || strcmp(word, "down") == 0)
		cut_all();
	snprintf(out, cap, "ok conns %u accepted %u up %" PRIu64 " down %" PRIu64 " cuts %u\n",
		 atomic_load(&conns), atomic_load(&accepted), (uint64_t)atomic_load(&bytes_up),
		 (uint64_t)atomic_load(&bytes_down), atomic_load(&cuts));
}

/* A control client sends lines and closes; each line is answered. */
static void
serve_control(int fd)
{
	char buf[512], out[256], *nl, *start;
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		start = buf;
		while ((nl = strchr(start, '\n')) != NULL) {
			*nl = '\0';
			command(start, out, sizeof(out));
			write_all(fd, (const uint8_t *)out, strlen(out));
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == sizeof(buf) - 1)
			break;
	}
	close(fd);
}

static int
listen_on(uint16_t port, uint16_t *ret_port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		close(fd);
		return -1;
	}
	*ret_port = ntohs(sin.sin_port);
	return fd;
}

static void
on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: faultproxy -t TARGET_PORT [-l LISTEN_PORT] [-c CONTROL_PORT]\n");
	exit(2);
}

static void
loop(int lfd, int cfd)
{
	struct pollfd pfd[2] = { { lfd, POLLIN, 0 }, { cfd, POLLIN, 0 } };
	int fd;

	for (;;) {
		if (got_usr1) {
			got_usr1 = 0;
			cut_all();
		}
		if (poll(pfd, 2, 200) <= 0)
			continue;
		if ((pfd[0].revents & POLLIN) && (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			start_pair(fd);
		if ((pfd[1].revents & POLLIN) && (fd = accept4(cfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			serve_control(fd);
	}
}

int
main(int argc, char **argv)
{
	uint16_t lport = 0, cport = 0;
	struct sigaction sa = { .sa_handler = on_usr1 };
	int ch, lfd, cfd;

	while ((ch = getopt(argc, argv, "t:l:c:")) != -1) {
		switch (ch) {
		case 't': target_port = (uint16_t)atoi(optarg); break;
		case 'l': lport = (uint16_t)atoi(optarg); break;
		case 'c': cport = (uint16_t)atoi(optarg); break;
		default: usage();
		}
	}
	if (target_port == 0 || optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &sa, NULL);
	if ((lfd = listen_on(lport, &lport)) < 0 || (cfd = listen_on(cport, &cport)) < 0) {
		fprintf(stderr, "faultproxy: cannot listen: %s\n", strerror(errno));
		return 1;
	}
	printf("faultproxy: listen %u control %u\n", lport, cport);
	fflush(stdout);
	loop(lfd, cfd);
	return 0;
}
