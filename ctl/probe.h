/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health probes on the event loop: tcp connect, http GET, exec script. All
 * non-blocking, any number at once, no threads. Probes are sourced from the
 * node itself with ordinary sockets.
 *
 * A probe reports once, through its callback, from the loop (never from
 * inside xlb_probe_start()). Once the callback has run, or after
 * xlb_probe_cancel(), the caller must forget the probe pointer: the probe
 * releases itself (an exec probe's child is SIGKILLed on timeout/cancel and
 * reaped through its pidfd later, so no zombie remains).
 */
#ifndef XLB_PROBE_H
#define XLB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xlb/abi.h>

#include "config.h"
#include "loop.h"

#define XLB_PROBE_DETAIL_MAX 96
#define XLB_PROBE_HTTP_MAX   4096 /* bytes of a response that are read */

struct xlb_probe_result {
	bool ok;
	/* "connected", "status 200", "status 503", "connect: Connection refused",
	 * "timeout (connect)", "exit 1", "killed by signal 9", ... */
	char detail[XLB_PROBE_DETAIL_MAX];
};

typedef void (*xlb_probe_cb)(void *arg, const struct xlb_probe_result *res);

struct xlb_probe;

/*
 * Start one check of type @hc->type (tcp, http or exec) against @addr port
 * @port (hc->port, when set, wins). A check still running after @timeout_ms
 * fails with "timeout". @timeout_ms 0 arms no timer: the caller enforces the
 * timeout with xlb_probe_expire() (the health manager does, with one timer
 * for all its probes). @hc is copied; it need not outlive the call.
 * Returns 0 and *@out, or -errno (nothing started, @cb not called).
 */
int xlb_probe_start(struct xlb_loop *loop, const struct xlb_hc_cfg *hc,
		    const struct xlb_ip *addr, uint16_t port, uint32_t timeout_ms,
		    xlb_probe_cb cb, void *arg, struct xlb_probe **out);

/*
 * Run `/bin/sh -c '<script> "$@"' @argv0 @args...` in a new process group
 * with stdin/stdout/stderr on /dev/null and default signal dispositions.
 * The arguments are passed as positional parameters, never spliced into the
 * shell text. Exit status 0 is success. At @timeout_ms the whole process
 * group is SIGKILLed and the result is "timeout" (@timeout_ms 0: no timer,
 * see xlb_probe_expire()). @cb may be NULL (fire and forget: the child is
 * still reaped).
 */
int xlb_probe_exec(struct xlb_loop *loop, const char *script, const char *argv0,
		   const char *const *args, size_t nargs, uint32_t timeout_ms,
		   xlb_probe_cb cb, void *arg, struct xlb_probe **out);

/* Time @p out now: its callback runs (from inside this call) with the
 * timeout result, unless a result was already pending. NULL is a no-op. */
void xlb_probe_expire(struct xlb_probe *p);

/* Stop @p without calling its callback. NULL is a no-op. */
void xlb_probe_cancel(struct xlb_probe *p);

/*
 * For shutdown, when @loop will not run again (the loop reaps exec children
 * otherwise): wait at most @wait_ms in total for the children of @loop's
 * exec probes whose result is already out (timed out or cancelled, hence
 * SIGKILLed) to exit, reap them and free their probes. Blocks. Returns how
 * many are still running after that (a child stuck in the kernel).
 */
unsigned long xlb_probe_reap(struct xlb_loop *loop, uint32_t wait_ms);

/* Probes alive, including exec children not yet reaped (for tests). */
unsigned long xlb_probe_live(void);

/* What an http check accepts: the health_check keys the response is judged by. */
struct xlb_http_expect {
	uint16_t status[XLB_MAX_EXPECT];
	int      n_status;     /* 0 = any of 200..399 */
	char     body[sizeof(((struct xlb_hc_cfg *)0)->expect_body)]; /* substring, "" = any */
};

/* Copy the http expectations out of @hc (n_expect clamped to XLB_MAX_EXPECT). */
void xlb_http_expect_init(struct xlb_http_expect *exp, const struct xlb_hc_cfg *hc);

/*
 * Judge the first @len bytes of an HTTP response (no NUL terminator needed;
 * any bytes allowed): the status line "HTTP/d.d SSS" decides, then the body
 * substring when one is expected. @final says no more bytes will come.
 * Returns 1 (healthy) or 0 (not) with a reason in @detail ("status 200",
 * "bad response (not HTTP)", ...), or -EAGAIN when more bytes are needed
 * (only when !@final). An empty final response is 0, "no response".
 */
int xlb_http_check_response(const char *buf, size_t len, bool final,
			    const struct xlb_http_expect *exp, char *detail, size_t dlen);

/* "192.0.2.1:80", "[2001:db8::1]:80"; @len >= 56. Returns @buf. */
const char *xlb_probe_addr_str(const struct xlb_ip *ip, uint16_t port, char *buf, size_t len);

#endif /* XLB_PROBE_H */
