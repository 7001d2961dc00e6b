/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's one event loop: epoll for file descriptors, one timerfd
 * driving a binary heap of timers, signalfd for signals. No threads.
 * Time is CLOCK_MONOTONIC in milliseconds.
 */
#ifndef XLB_LOOP_H
#define XLB_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h> /* EPOLLIN, EPOLLOUT for callers */

struct xlb_loop;

typedef void (*xlb_fd_cb)(struct xlb_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*xlb_timer_cb)(struct xlb_loop *loop, void *arg);

/* Embed in the owner's struct; zero-initialise; arm/cancel as often as needed. */
struct xlb_timer {
	uint64_t     deadline_ms;
	xlb_timer_cb cb;
	void        *arg;
	int          heap_idx;   /* -1 (or 0 after zeroing + never armed) handled */
	bool         armed;
};

struct xlb_loop *xlb_loop_new(void);
void xlb_loop_free(struct xlb_loop *loop);

/* Watch @fd for EPOLLIN/EPOLLOUT/...; one registration per fd. 0 or -errno. */
int xlb_loop_add_fd(struct xlb_loop *loop, int fd, uint32_t events, xlb_fd_cb cb, void *arg);
int xlb_loop_mod_fd(struct xlb_loop *loop, int fd, uint32_t events);
/* Stop watching @fd (does not close it). Safe to call from a callback. */
void xlb_loop_del_fd(struct xlb_loop *loop, int fd);

/* (Re)arm @t to fire at absolute @deadline_ms (see xlb_now_ms()). */
int xlb_timer_arm(struct xlb_loop *loop, struct xlb_timer *t, uint64_t deadline_ms,
		  xlb_timer_cb cb, void *arg);
void xlb_timer_cancel(struct xlb_loop *loop, struct xlb_timer *t);

/* Monotonic clock in ms. */
uint64_t xlb_now_ms(void);

/* Run until xlb_loop_stop(). Returns 0, or -errno if epoll itself fails. */
int xlb_loop_run(struct xlb_loop *loop);
void xlb_loop_stop(struct xlb_loop *loop);

#endif
