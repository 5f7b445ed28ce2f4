/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>

#include "unit.h"
#include "err.h"
#include "evloop.h"

struct trace {
	struct evloop	*loop;
	char		order[16];
	size_t		n;
	int		stop_after;
};

struct tagged {
	struct trace	*tr;
	char		tag;
};

static void
note(struct trace *tr, char c)
{
	if (tr->n < sizeof(tr->order) - 1)
		tr->order[tr->n++] = c;
	if (tr->stop_after > 0 && (int)tr->n >= tr->stop_after)
		evloop_stop(tr->loop);
}

static void
on_tagged(void *arg)
{
	struct tagged *t = arg;

	note(t->tr, t->tag);
}

static struct evloop *
new_loop(void)
{
	struct ktp_err err = {0};
	struct evloop *l = NULL;

	assert_int_equal(evloop_new(&l, &err), 0);
	return l;
}

static void
test_evloop_timers_fire_in_deadline_order(void **state)
{
	struct trace tr = { .stop_after = 4 };
	struct tagged a = { &tr, 'a' }, b = { &tr, 'b' }, c = { &tr, 'c' }, d = { &tr, 'd' };
	struct evloop_timer *ta, *tb, *tc, *td;
	uint64_t t0;

	(void)state;
	tr.loop = new_loop();
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &a, &ta), 0);
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &b, &tb), 0);
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &c, &tc), 0);
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &d, &td), 0);
	t0 = evloop_now_ms();
	evloop_timer_arm(ta, 60);
	evloop_timer_arm(tb, 20);
	evloop_timer_arm(tc, 40);
	evloop_timer_arm(td, 0);
	assert_true(evloop_timer_remaining(ta) <= 60);
	assert_true(evloop_timer_remaining(ta) > evloop_timer_remaining(tb));
	assert_int_equal(evloop_run(tr.loop), 0);
	assert_string_equal(tr.order, "dbca");
	assert_true(evloop_now_ms() - t0 >= 60);
	assert_int_equal(evloop_timer_remaining(ta), UINT64_MAX);
	evloop_timer_free(ta);
	evloop_timer_free(tb);
	evloop_timer_free(tc);
	evloop_timer_free(td);
	evloop_free(tr.loop);
}

static void
test_evloop_disarmed_and_rearmed_timers(void **state)
{
	struct trace tr = { .stop_after = 2 };
	struct tagged a = { &tr, 'a' }, b = { &tr, 'b' }, c = { &tr, 'c' };
	struct evloop_timer *ta, *tb, *tc;

	(void)state;
	tr.loop = new_loop();
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &a, &ta), 0);
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &b, &tb), 0);
	assert_int_equal(evloop_timer_new(tr.loop, on_tagged, &c, &tc), 0);
	evloop_timer_arm(ta, 10);
	evloop_timer_arm(tb, 20);
	evloop_timer_arm(tc, 5);
	evloop_timer_disarm(tc);
	evloop_timer_arm(ta, 30);		/* re-arming moves it after b */
	assert_int_equal(evloop_timer_remaining(tc), UINT64_MAX);
	assert_int_equal(evloop_run(tr.loop), 0);
	assert_string_equal(tr.order, "ba");
	evloop_timer_free(tc);
	evloop_free(tr.loop);
	/* Timers outliving their loop can still be freed. */
	evloop_timer_free(ta);
	evloop_timer_free(tb);
	evloop_free(NULL);
	evloop_timer_free(NULL);
}

struct spinner {
	struct evloop_timer *t;
	struct evloop	*loop;
	int		fired;
	int		wakeups;
};

static void
on_spin(void *arg)
{
	struct spinner *s = arg;

	s->fired++;
	if (s->fired == 3)
		evloop_stop(s->loop);
	else
		evloop_timer_arm(s->t, 0);
}

static void
test_evloop_timer_rearmed_from_callback_fires_next_iteration(void **state)
{
	struct spinner s = {0};

	(void)state;
	s.loop = new_loop();
	assert_int_equal(evloop_timer_new(s.loop, on_spin, &s, &s.t), 0);
	evloop_timer_arm(s.t, 0);
	assert_int_equal(evloop_run(s.loop), 0);
	assert_int_equal(s.fired, 3);
	evloop_timer_free(s.t);
	evloop_free(s.loop);
}

struct waker {
	struct evloop	*loop;
	int		calls;
};

static void
on_wakeup(void *arg)
{
	struct waker *w = arg;

	w->calls++;
	evloop_stop(w->loop);
}

static void *
wake_from_thread(void *arg)
{
	struct waker *w = arg;
	int i;

	usleep(20000);
	/* Many wakeups before the loop reads them collapse into one call. */
	for (i = 0; i < 5; i++)
		evloop_wakeup(w->loop);
	return NULL;
}

static void
test_evloop_wakeup_from_another_thread(void **state)
{
	struct waker w = {0};
	pthread_t th;

	(void)state;
	w.loop = new_loop();
	assert_int_equal(evloop_set_wakeup(w.loop, on_wakeup, &w), 0);
	assert_int_equal(pthread_create(&th, NULL, wake_from_thread, &w), 0);
	assert_int_equal(evloop_run(w.loop), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.calls, 1);
	evloop_free(w.loop);
}

struct sigcount {
	struct evloop	*loop;
	int		usr1;
	int		usr2;
};

static void
on_usr1(void *arg)
{
	((struct sigcount *)arg)->usr1++;
}

static void
on_usr2(void *arg)
{
	struct sigcount *s = arg;

	s->usr2++;
	evloop_stop(s->loop);
}

static void
test_evloop_signal_arrives_through_signalfd(void **state)
{
	struct sigcount s = {0};
	sigset_t blocked;

	(void)state;
	s.loop = new_loop();
	assert_int_equal(evloop_add_signal(s.loop, SIGUSR1, on_usr1, &s), 0);
	assert_int_equal(evloop_add_signal(s.loop, SIGUSR2, on_usr2, &s), 0);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &blocked), 0);
	assert_true(sigismember(&blocked, SIGUSR1));
	assert_true(sigismember(&blocked, SIGUSR2));
	/* Without the signalfd the default action would end the test binary. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(evloop_run(s.loop), 0);
	assert_int_equal(s.usr1, 1);
	assert_int_equal(s.usr2, 1);
	assert_int_equal(evloop_add_signal(s.loop, 0, on_usr1, &s), -EINVAL);
	evloop_free(s.loop);
}

struct piper {
	struct evloop	*loop;
	char		got[16];
	size_t		n;
	uint32_t	events;
};

static void
on_readable(int fd, uint32_t events, void *arg)
{
	struct piper *p = arg;
	ssize_t n;

	p->events = events;
	n = read(fd, p->got + p->n, sizeof(p->got) - 1 - p->n);
	if (n > 0)
		p->n += (size_t)n;
	if (p->n >= 5)
		evloop_stop(p->loop);
}

static void
on_write_later(void *arg)
{
	int fd = *(int *)arg;

	assert_int_equal(write(fd, "hello", 5), 5);
}

static void
test_evloop_fd_readiness_with_a_pipe(void **state)
{
	struct piper p = {0};
	struct evloop_timer *t;
	int fds[2];

	(void)state;
	p.loop = new_loop();
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(evloop_add_fd(p.loop, fds[0], EPOLLIN, on_readable, &p), 0);
	assert_int_equal(evloop_add_fd(p.loop, fds[0], EPOLLIN, on_readable, &p), -EEXIST);
	assert_int_equal(evloop_timer_new(p.loop, on_write_later, &fds[1], &t), 0);
	evloop_timer_arm(t, 10);
	assert_int_equal(evloop_run(p.loop), 0);
	assert_string_equal(p.got, "hello");
	assert_int_equal(p.events, EPOLLIN);
	assert_int_equal(evloop_mod_fd(p.loop, fds[0], EPOLLIN | EPOLLRDHUP), 0);
	assert_int_equal(evloop_del_fd(p.loop, fds[0]), 0);
	assert_int_equal(evloop_del_fd(p.loop, fds[0]), -ENOENT);
	assert_int_equal(evloop_mod_fd(p.loop, fds[0], EPOLLIN), -ENOENT);
	evloop_timer_free(t);
	close(fds[0]);
	close(fds[1]);
	evloop_free(p.loop);
}

struct pair {
	struct evloop	*loop;
	int		a, b;
	int		calls;
};

static void
on_either(int fd, uint32_t events, void *arg)
{
	struct pair *p = arg;

	(void)fd;
	(void)events;
	p->calls++;
	/* Whichever fires first removes the other, whose event may already
	 * be in the same epoll batch. */
	evloop_del_fd(p->loop, p->a);
	evloop_del_fd(p->loop, p->b);
	evloop_stop(p->loop);
}

static void
test_evloop_fd_deleted_in_same_batch_is_not_called(void **state)
{
	struct pair p = {0};
	int x[2], y[2];

	(void)state;
	p.loop = new_loop();
	assert_int_equal(pipe(x), 0);
	assert_int_equal(pipe(y), 0);
	p.a = x[0];
	p.b = y[0];
	assert_int_equal(write(x[1], "1", 1), 1);
	assert_int_equal(write(y[1], "2", 1), 1);
	assert_int_equal(evloop_add_fd(p.loop, p.a, EPOLLIN, on_either, &p), 0);
	assert_int_equal(evloop_add_fd(p.loop, p.b, EPOLLIN, on_either, &p), 0);
	assert_int_equal(evloop_run(p.loop), 0);
	assert_int_equal(p.calls, 1);
	close(x[0]);
	close(x[1]);
	close(y[0]);
	close(y[1]);
	evloop_free(p.loop);
}

static void
test_evloop_clocks_are_sane(void **state)
{
	uint64_t a, b;

	(void)state;
	a = evloop_now_ms();
	usleep(5000);
	b = evloop_now_ms();
	assert_true(b - a >= 5 && b - a < 1000);
	/* 2020-01-01 in ms: the wall clock is a real date, not monotonic time. */
	assert_true(evloop_wall_ms() > 1577836800000ull);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evloop_timers_fire_in_deadline_order),
		cmocka_unit_test(test_evloop_disarmed_and_rearmed_timers),
		cmocka_unit_test(test_evloop_timer_rearmed_from_callback_fires_next_iteration),
		cmocka_unit_test(test_evloop_wakeup_from_another_thread),
		cmocka_unit_test(test_evloop_signal_arrives_through_signalfd),
		cmocka_unit_test(test_evloop_fd_readiness_with_a_pipe),
		cmocka_unit_test(test_evloop_fd_deleted_in_same_batch_is_not_called),
		cmocka_unit_test(test_evloop_clocks_are_sane),
	};

	return cmocka_run_group_tests_name("evloop", tests, NULL, NULL);
}
