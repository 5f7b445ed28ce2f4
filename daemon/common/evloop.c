/* SPDX-License-Identifier: ISC */
/* Timers sit in one list sorted by deadline; a daemon has a handful (push,
 * debounce, watchdog, status), so a heap would buy nothing but code. The
 * earliest deadline gives epoll_wait its timeout.
 *
 * An fd handler deleted while its event is still in the current epoll batch
 * is not freed at once: it is unhooked and freed after the batch, so the
 * dispatch never touches freed memory. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "evloop.h"

#define EVLOOP_MAX_EVENTS 32

struct evloop_io {
	int		fd;
	evloop_fd_fn	*fn;			/* NULL once deleted */
	void		*arg;
	struct evloop_io *next;
};

struct evloop_sig {
	evloop_fn	*fn;
	void		*arg;
};

struct evloop_timer {
	struct evloop	*loop;			/* NULL after evloop_free */
	evloop_fn	*fn;
	void		*arg;
	uint64_t	deadline_ms;
	uint64_t	gen;			/* loop generation when armed */
	bool		armed;
	struct evloop_timer *prev, *next;	/* the armed list */
	struct evloop_timer *all_prev, *all_next;
};

struct evloop {
	int		epfd;
	int		sigfd;
	int		evfd;
	sigset_t	sigs;
	struct evloop_sig sig[_NSIG];
	evloop_fn	*wake_fn;
	void		*wake_arg;
	struct evloop_io *ios;
	struct evloop_io *dead;
	struct evloop_timer *timers;		/* armed, by deadline */
	struct evloop_timer *all;
	uint64_t	gen;
	bool		stop;
};

/* Tags in epoll data for the loop's own fds; user fds carry their io. */
static char tag_signal, tag_wakeup;

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
evloop_now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t
evloop_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static int
watch(struct evloop *l, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(l->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int
evloop_new(struct evloop **ret, struct ktp_err *err)
{
	struct evloop *l;
	int r;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ktp_err_set(err, -ENOMEM, "evloop: out of memory");
	l->sigfd = -1;
	sigemptyset(&l->sigs);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->evfd < 0) {
		r = ktp_err_set(err, -errno, "evloop: %s", strerror(errno));
		goto fail;
	}
	if ((r = watch(l, EPOLL_CTL_ADD, l->evfd, EPOLLIN, &tag_wakeup)) < 0) {
		ktp_err_set(err, r, "evloop: eventfd: %s", strerror(-r));
		goto fail;
	}
	*ret = l;
	return 0;
fail:
	evloop_free(l);
	return r;
}

static void
free_ios(struct evloop_io *io)
{
	struct evloop_io *next;

	for (; io != NULL; io = next) {
		next = io->next;
		free(io);
	}
}

void
evloop_free(struct evloop *l)
{
	struct evloop_timer *t;

	if (l == NULL)
		return;
	/* Timers belong to their callers, who may free them later. */
	for (t = l->all; t != NULL; t = t->all_next) {
		t->loop = NULL;
		t->armed = false;
	}
	free_ios(l->ios);
	free_ios(l->dead);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->evfd >= 0)
		close(l->evfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	free(l);
}

static struct evloop_io *
find_io(struct evloop *l, int fd, struct evloop_io ***ret_link)
{
	struct evloop_io **link;

	for (link = &l->ios; *link != NULL; link = &(*link)->next)
		if ((*link)->fd == fd) {
			if (ret_link != NULL)
				*ret_link = link;
			return *link;
		}
	return NULL;
}

int
evloop_add_fd(struct evloop *l, int fd, uint32_t events, evloop_fd_fn *fn, void *arg)
{
	struct evloop_io *io;
	int r;

	if (fd < 0 || fn == NULL)
		return -EINVAL;
	if (find_io(l, fd, NULL) != NULL)
		return -EEXIST;
	if ((io = calloc(1, sizeof(*io))) == NULL)
		return -ENOMEM;
	io->fd = fd;
	io->fn = fn;
	io->arg = arg;
	if ((r = watch(l, EPOLL_CTL_ADD, fd, events, io)) < 0) {
		free(io);
		return r;
	}
	io->next = l->ios;
	l->ios = io;
	return 0;
}

int
evloop_mod_fd(struct evloop *l, int fd, uint32_t events)
{
	struct evloop_io *io = find_io(l, fd, NULL);

	if (io == NULL)
		return -ENOENT;
	return watch(l, EPOLL_CTL_MOD, fd, events, io);
}

int
evloop_del_fd(struct evloop *l, int fd)
{
	struct evloop_io **link = NULL, *io;

	if ((io = find_io(l, fd, &link)) == NULL)
		return -ENOENT;
	*link = io->next;
	/* The fd may already be closed, which removed it from epoll. */
	(void)watch(l, EPOLL_CTL_DEL, fd, 0, NULL);
	io->fn = NULL;
	io->next = l->dead;
	l->dead = io;
	return 0;
}

int
evloop_add_signal(struct evloop *l, int signo, evloop_fn *fn, void *arg)
{
	int fd, r;

	if (signo <= 0 || signo >= _NSIG || fn == NULL)
		return -EINVAL;
	sigaddset(&l->sigs, signo);
	/* Blocked before threads start, every later thread inherits the mask,
	 * so the signal can only be taken through the signalfd. */
	if ((r = pthread_sigmask(SIG_BLOCK, &l->sigs, NULL)) != 0)
		return -r;
	fd = signalfd(l->sigfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (l->sigfd < 0) {
		if ((r = watch(l, EPOLL_CTL_ADD, fd, EPOLLIN, &tag_signal)) < 0) {
			close(fd);
			return r;
		}
		l->sigfd = fd;
	}
	l->sig[signo].fn = fn;
	l->sig[signo].arg = arg;
	return 0;
}

int
evloop_set_wakeup(struct evloop *l, evloop_fn *fn, void *arg)
{
	l->wake_fn = fn;
	l->wake_arg = arg;
	return 0;
}

void
evloop_wakeup(struct evloop *l)
{
	uint64_t one = 1;
	int saved = errno;

	/* write(2) on an eventfd is async-signal-safe and atomic; a full
	 * counter (EAGAIN) already means a wakeup is pending. */
	(void)!write(l->evfd, &one, sizeof(one));
	errno = saved;
}

int
evloop_timer_new(struct evloop *l, evloop_fn *fn, void *arg, struct evloop_timer **ret)
{
	struct evloop_timer *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->loop = l;
	t->fn = fn;
	t->arg = arg;
	t->all_next = l->all;
	if (l->all != NULL)
		l->all->all_prev = t;
	l->all = t;
	*ret = t;
	return 0;
}

static void
unlink_armed(struct evloop_timer *t)
{
	if (!t->armed)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		t->loop->timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->armed = false;
}

void
evloop_timer_arm(struct evloop_timer *t, uint64_t delay_ms)
{
	struct evloop_timer **link, *prev = NULL;
	struct evloop *l = t->loop;

	if (l == NULL)
		return;
	unlink_armed(t);
	t->deadline_ms = evloop_now_ms() + delay_ms;
	t->gen = l->gen;
	/* After every timer with the same deadline: equal deadlines fire in
	 * the order they were armed. */
	for (link = &l->timers; *link != NULL && (*link)->deadline_ms <= t->deadline_ms;
	     link = &(*link)->next)
		prev = *link;
	t->next = *link;
	t->prev = prev;
	if (t->next != NULL)
		t->next->prev = t;
	*link = t;
	t->armed = true;
}

void
evloop_timer_disarm(struct evloop_timer *t)
{
	if (t->loop != NULL)
		unlink_armed(t);
}

uint64_t
evloop_timer_remaining(const struct evloop_timer *t)
{
	uint64_t now;

	if (!t->armed)
		return UINT64_MAX;
	now = evloop_now_ms();
	return t->deadline_ms > now ? t->deadline_ms - now : 0;
}

void
evloop_timer_free(struct evloop_timer *t)
{
	if (t == NULL)
		return;
	if (t->loop != NULL) {
		unlink_armed(t);
		if (t->all_prev != NULL)
			t->all_prev->all_next = t->all_next;
		else
			t->loop->all = t->all_next;
		if (t->all_next != NULL)
			t->all_next->all_prev = t->all_prev;
	}
	free(t);
}

static int
next_timeout(const struct evloop *l)
{
	uint64_t now, left;

	if (l->timers == NULL)
		return -1;
	now = evloop_now_ms();
	if (l->timers->deadline_ms <= now)
		return 0;
	left = l->timers->deadline_ms - now;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static void
run_timers(struct evloop *l)
{
	uint64_t now = evloop_now_ms();
	struct evloop_timer *t;

	/* A timer re-armed from a callback carries the new generation and
	 * waits for the next iteration, so arm(0) in a callback cannot spin. */
	l->gen++;
	while (!l->stop && (t = l->timers) != NULL && t->deadline_ms <= now &&
	       t->gen != l->gen) {
		unlink_armed(t);
		t->fn(t->arg);
	}
}

static void
read_signals(struct evloop *l)
{
	struct signalfd_siginfo si;
	struct evloop_sig *s;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo >= _NSIG)
			continue;
		s = &l->sig[si.ssi_signo];
		if (s->fn != NULL)
			s->fn(s->arg);
	}
}

static void
read_wakeup(struct evloop *l)
{
	uint64_t n;

	/* Reading resets the counter, so many wakeups give one call. */
	if (read(l->evfd, &n, sizeof(n)) == (ssize_t)sizeof(n) && l->wake_fn != NULL)
		l->wake_fn(l->wake_arg);
}

static void
dispatch(struct evloop *l, const struct epoll_event *ev)
{
	struct evloop_io *io;

	if (ev->data.ptr == &tag_signal) {
		read_signals(l);
	} else if (ev->data.ptr == &tag_wakeup) {
		read_wakeup(l);
	} else {
		io = ev->data.ptr;
		if (io->fn != NULL)
			io->fn(io->fd, ev->events, io->arg);
	}
}

int
evloop_run(struct evloop *l)
{
	struct epoll_event evs[EVLOOP_MAX_EVENTS];
	int n, i;

	l->stop = false;
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, EVLOOP_MAX_EVENTS, next_timeout(l));
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n && !l->stop; i++)
			dispatch(l, &evs[i]);
		free_ios(l->dead);
		l->dead = NULL;
		run_timers(l);
	}
	return 0;
}

void
evloop_stop(struct evloop *l)
{
	l->stop = true;
}
