// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "log.h"
#include "loop.h"

struct fd_watch {
	int       fd;
	xlb_fd_cb cb;
	void     *arg;
	bool      dead;
	struct fd_watch *next;
};

struct xlb_loop {
	int epfd;
	int tfd;
	bool stop;
	struct xlb_timer **heap;
	int nheap, capheap;
	struct fd_watch **byfd;    /* watch per fd number, NULL if none */
	int nbyfd;
	struct fd_watch *dead;     /* deleted during a batch, freed after it */
	uint64_t armed_for;        /* deadline currently programmed in tfd */
};

static void reap_watches(struct xlb_loop *l);

uint64_t xlb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct xlb_loop *xlb_loop_new(void)
{
	struct xlb_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd < 0 || l->tfd < 0)
		goto err;
	ev.data.ptr = NULL; /* NULL marks the timerfd */
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) < 0)
		goto err;
	return l;
err:
	xlb_loop_free(l);
	return NULL;
}

void xlb_loop_free(struct xlb_loop *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->nbyfd; i++)
		free(l->byfd[i]);
	free(l->byfd);
	reap_watches(l);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	free(l->heap);
	free(l);
}

static void reap_watches(struct xlb_loop *l)
{
	struct fd_watch *w;

	while ((w = l->dead)) {
		l->dead = w->next;
		free(w);
	}
}

static struct fd_watch *find_watch(struct xlb_loop *l, int fd)
{
	return fd >= 0 && fd < l->nbyfd ? l->byfd[fd] : NULL;
}

int xlb_loop_add_fd(struct xlb_loop *l, int fd, uint32_t events, xlb_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct fd_watch *w;

	if (fd < 0)
		return -EBADF;
	if (find_watch(l, fd))
		return -EEXIST;
	if (fd >= l->nbyfd) {
		int n = fd < 64 ? 64 : 2 * fd;
		struct fd_watch **b = realloc(l->byfd, n * sizeof(*b));

		if (!b)
			return -ENOMEM;
		memset(b + l->nbyfd, 0, (n - l->nbyfd) * sizeof(*b));
		l->byfd = b;
		l->nbyfd = n;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	l->byfd[fd] = w;
	return 0;
}

int xlb_loop_mod_fd(struct xlb_loop *l, int fd, uint32_t events)
{
	struct fd_watch *w = find_watch(l, fd);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOENT;
	ev.data.ptr = w;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void xlb_loop_del_fd(struct xlb_loop *l, int fd)
{
	struct fd_watch *w = find_watch(l, fd);

	if (!w)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* Freed after the current epoll batch: events for it may be pending. */
	l->byfd[fd] = NULL;
	w->dead = true;
	w->next = l->dead;
	l->dead = w;
}

/* ---- timer heap (min-heap on deadline) ---- */

static void heap_swap(struct xlb_loop *l, int i, int j)
{
	struct xlb_timer *t = l->heap[i];

	l->heap[i] = l->heap[j];
	l->heap[j] = t;
	l->heap[i]->heap_idx = i;
	l->heap[j]->heap_idx = j;
}

static void heap_up(struct xlb_loop *l, int i)
{
	while (i > 0) {
		int p = (i - 1) / 2;

		if (l->heap[p]->deadline_ms <= l->heap[i]->deadline_ms)
			break;
		heap_swap(l, i, p);
		i = p;
	}
}

static void heap_down(struct xlb_loop *l, int i)
{
	for (;;) {
		int c = 2 * i + 1, m = i;

		if (c < l->nheap && l->heap[c]->deadline_ms < l->heap[m]->deadline_ms)
			m = c;
		if (c + 1 < l->nheap && l->heap[c + 1]->deadline_ms < l->heap[m]->deadline_ms)
			m = c + 1;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

static void heap_remove(struct xlb_loop *l, struct xlb_timer *t)
{
	int i = t->heap_idx;

	l->nheap--;
	if (i != l->nheap) {
		heap_swap(l, i, l->nheap);
		heap_down(l, i);
		heap_up(l, i);
	}
	t->armed = false;
	t->heap_idx = -1;
}

static void program_timerfd(struct xlb_loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t d;

	if (!l->nheap) {
		if (l->armed_for) {
			timerfd_settime(l->tfd, 0, &its, NULL);
			l->armed_for = 0;
		}
		return;
	}
	d = l->heap[0]->deadline_ms;
	if (d == 0)
		d = 1; /* 0 would disarm; armed_for 0 means "not armed" */
	if (d == l->armed_for)
		return;
	its.it_value.tv_sec = d / 1000;
	its.it_value.tv_nsec = (d % 1000) * 1000000;
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		pr_warn("timerfd_settime: %s\n", strerror(errno));
	l->armed_for = d;
}

int xlb_timer_arm(struct xlb_loop *l, struct xlb_timer *t, uint64_t deadline_ms,
		  xlb_timer_cb cb, void *arg)
{
	if (t->armed)
		heap_remove(l, t);
	if (l->nheap == l->capheap) {
		int cap = l->capheap ? 2 * l->capheap : 64;
		struct xlb_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->capheap = cap;
	}
	t->deadline_ms = deadline_ms;
	t->cb = cb;
	t->arg = arg;
	t->armed = true;
	t->heap_idx = l->nheap;
	l->heap[l->nheap++] = t;
	heap_up(l, t->heap_idx);
	program_timerfd(l);
	return 0;
}

void xlb_timer_cancel(struct xlb_loop *l, struct xlb_timer *t)
{
	if (!t->armed)
		return;
	heap_remove(l, t);
	program_timerfd(l);
}

static void run_timers(struct xlb_loop *l)
{
	uint64_t exp, now = xlb_now_ms();

	/* Drain the expiry count; EAGAIN just means another path already did. */
	if (read(l->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		pr_warn("timerfd read: %s\n", strerror(errno));
	l->armed_for = 0;
	while (l->nheap && l->heap[0]->deadline_ms <= now && !l->stop) {
		struct xlb_timer *t = l->heap[0];

		heap_remove(l, t);
		t->cb(l, t->arg);
	}
	program_timerfd(l);
}

int xlb_loop_run(struct xlb_loop *l)
{
	struct epoll_event evs[64];

	l->stop = false;
	while (!l->stop) {
		int i, n = epoll_wait(l->epfd, evs, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !l->stop; i++) {
			struct fd_watch *w = evs[i].data.ptr;

			if (!w)
				run_timers(l);
			else if (!w->dead)
				w->cb(l, w->fd, evs[i].events, w->arg);
		}
		reap_watches(l);
	}
	return 0;
}

void xlb_loop_stop(struct xlb_loop *l)
{
	l->stop = true;
}
