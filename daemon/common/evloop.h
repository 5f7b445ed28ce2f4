/* SPDX-License-Identifier: ISC */
/* evloop — the daemons' event loop: epoll over fds, one-shot timers, signals, a wakeup.
 * Signals arrive through signalfd, so handlers run in the loop, not in signal context.
 * Single-threaded except evloop_wakeup, which any thread may call. */
#ifndef KTP_EVLOOP_H
#define KTP_EVLOOP_H

#include <stdint.h>

struct ktp_err;
struct evloop;
struct evloop_timer;

/* events: EPOLLIN/EPOLLOUT bits as given to and returned by epoll. */
typedef void evloop_fd_fn(int fd, uint32_t events, void *arg);
typedef void evloop_fn(void *arg);

int	evloop_new(struct evloop **ret, struct ktp_err *err);
void	evloop_free(struct evloop *l);			/* NULL is a no-op */
int	evloop_add_fd(struct evloop *l, int fd, uint32_t events, evloop_fd_fn *fn, void *arg);
int	evloop_mod_fd(struct evloop *l, int fd, uint32_t events);
int	evloop_del_fd(struct evloop *l, int fd);
/* Blocks signo for the process and delivers it to fn from the loop. */
int	evloop_add_signal(struct evloop *l, int signo, evloop_fn *fn, void *arg);
/* Called from the loop after any thread called evloop_wakeup. */
int	evloop_set_wakeup(struct evloop *l, evloop_fn *fn, void *arg);
void	evloop_wakeup(struct evloop *l);		/* thread-safe, async-signal-safe */

int	evloop_timer_new(struct evloop *l, evloop_fn *fn, void *arg, struct evloop_timer **ret);
/* (Re)arms to fire once after delay_ms; 0 fires on the next iteration. */
void	evloop_timer_arm(struct evloop_timer *t, uint64_t delay_ms);
void	evloop_timer_disarm(struct evloop_timer *t);
/* Milliseconds until it fires, UINT64_MAX when disarmed. */
uint64_t evloop_timer_remaining(const struct evloop_timer *t);
void	evloop_timer_free(struct evloop_timer *t);

/* Runs until evloop_stop; returns 0, or -errno if epoll fails. */
int	evloop_run(struct evloop *l);
void	evloop_stop(struct evloop *l);
uint64_t evloop_now_ms(void);			/* CLOCK_MONOTONIC */
uint64_t evloop_wall_ms(void);			/* CLOCK_REALTIME */

#endif
