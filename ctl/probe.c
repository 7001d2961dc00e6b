// SPDX-License-Identifier: GPL-2.0
/*
 * Health probes on the event loop (see probe.h).
 *
 * tcp:  non-blocking connect(); success once writable with SO_ERROR 0. The
 *       socket is then closed with SO_LINGER 0 (a RST), so a prober checking
 *       thousands of backends leaves no TIME_WAIT sockets behind.
 * http: the same connect, then one HTTP/1.1 GET with "Connection: close";
 *       at most XLB_PROBE_HTTP_MAX bytes are read; the status line decides,
 *       then the optional body substring.
 * exec: posix_spawn of /bin/sh in its own process group; the exit is seen
 *       through a pidfd on the loop, so no SIGCHLD handler is involved and
 *       the loop never waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "log.h"
#include "probe.h"

extern char **environ;

enum probe_kind { PROBE_TCP, PROBE_HTTP, PROBE_EXEC };

struct xlb_probe {
	struct xlb_loop *loop;
	enum probe_kind kind;
	int fd;                  /* socket, or the child's pidfd; -1 if none */
	pid_t pid;               /* exec: child, also its process group id */
	bool done;               /* result delivered or probe cancelled */
	bool pending;            /* res holds a result to deliver from the timer */
	bool connected;
	struct xlb_timer timer;  /* timeout, or "deliver pending result now" */
	xlb_probe_cb cb;
	void *arg;
	struct xlb_probe_result res;
	/* http */
	char *req;
	size_t req_len, req_off;
	struct xlb_http_expect expect;
	size_t len;
	char *buf;               /* XLB_PROBE_HTTP_MAX bytes, http only */
	/* exec, done but the child not reaped yet: on the orphans list */
	struct xlb_probe *onext, **opprev;
};

static unsigned long probes_live;
/* Exec probes whose result is out (timed out, cancelled) while their
 * SIGKILLed child has not been reaped yet; see xlb_probe_reap(). */
static struct xlb_probe *orphans;

static void orphan_add(struct xlb_probe *p)
{
	if (p->opprev)
		return;
	p->onext = orphans;
	if (orphans)
		orphans->opprev = &p->onext;
	orphans = p;
	p->opprev = &orphans;
}

static void orphan_del(struct xlb_probe *p)
{
	if (!p->opprev)
		return;
	*p->opprev = p->onext;
	if (p->onext)
		p->onext->opprev = p->opprev;
	p->onext = NULL;
	p->opprev = NULL;
}

unsigned long xlb_probe_live(void)
{
	return probes_live;
}

const char *xlb_probe_addr_str(const struct xlb_ip *ip, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ip->family == XLB_AF_INET6) {
		inet_ntop(AF_INET6, ip->a, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, ip->a, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
	return buf;
}

static struct xlb_probe *probe_new(struct xlb_loop *loop, enum probe_kind kind,
				   xlb_probe_cb cb, void *arg)
{
	struct xlb_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loop = loop;
	p->kind = kind;
	p->fd = -1;
	p->pid = -1;
	p->cb = cb;
	p->arg = arg;
	p->timer.heap_idx = -1;
	probes_live++;
	return p;
}

static void probe_free(struct xlb_probe *p)
{
	orphan_del(p);
	xlb_timer_cancel(p->loop, &p->timer);
	if (p->fd >= 0) {
		xlb_loop_del_fd(p->loop, p->fd);
		close(p->fd);
	}
	free(p->req);
	free(p->buf);
	free(p);
	probes_live--;
}

/*
 * Deliver the result in p->res. Sockets are closed first; an exec child that
 * is still running stays watched (p lives on, done) until it is reaped.
 */
static void deliver(struct xlb_probe *p)
{
	struct xlb_probe_result res = p->res;
	xlb_probe_cb cb = p->cb;
	void *arg = p->arg;

	p->done = true;
	p->pending = false;
	xlb_timer_cancel(p->loop, &p->timer);
	if (p->kind != PROBE_EXEC || p->pid < 0)
		probe_free(p);
	else
		orphan_add(p);
	if (cb)
		cb(arg, &res);
}

static void __attribute__((format(printf, 3, 4)))
set_result(struct xlb_probe *p, bool ok, const char *fmt, ...)
{
	va_list ap;

	p->res.ok = ok;
	va_start(ap, fmt);
	vsnprintf(p->res.detail, sizeof(p->res.detail), fmt, ap);
	va_end(ap);
}

static void on_timer(struct xlb_loop *loop, void *arg);

/* Report from the loop, not from inside the caller's xlb_probe_start(). */
static int defer_result(struct xlb_probe *p)
{
	p->pending = true;
	/* Deadline 1, not 0: the loop treats 0 as "timerfd not armed". */
	return xlb_timer_arm(p->loop, &p->timer, 1, on_timer, p);
}

/* ---- tcp and http ---------------------------------------------------------- */

static int fill_sockaddr(const struct xlb_ip *ip, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == XLB_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, &ip->a[0], 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (ip->family == XLB_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, ip->a, 16);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

static bool status_expected(const struct xlb_http_expect *exp, int code)
{
	int i;

	if (!exp->n_status)
		return code >= 200 && code <= 399;
	for (i = 0; i < exp->n_status && i < XLB_MAX_EXPECT; i++)
		if (exp->status[i] == code)
			return true;
	return false;
}

/*
 * Parse "HTTP/d.d SSS" at the start of the buffer. Returns the status code,
 * 0 if more bytes are needed, -1 if it is not an HTTP status line.
 */
static int parse_status(const char *b, size_t n)
{
	static const char pfx[] = "HTTP/";
	size_t i;

	for (i = 0; i < n && i < 5; i++)
		if (b[i] != pfx[i])
			return -1;
	if (n < 13)
		return n > 5 && (b[5] < '0' || b[5] > '9') ? -1 : 0;
	if (b[5] < '0' || b[5] > '9' || b[6] != '.' || b[7] < '0' || b[7] > '9' || b[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++)
		if (b[i] < '0' || b[i] > '9')
			return -1;
	if (b[12] != ' ' && b[12] != '\r' && b[12] != '\n')
		return -1;
	return (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
}

void xlb_http_expect_init(struct xlb_http_expect *exp, const struct xlb_hc_cfg *hc)
{
	memset(exp, 0, sizeof(*exp));
	exp->n_status = hc->n_expect < 0 ? 0 :
			hc->n_expect > XLB_MAX_EXPECT ? XLB_MAX_EXPECT : hc->n_expect;
	memcpy(exp->status, hc->expect_status, sizeof(exp->status));
	snprintf(exp->body, sizeof(exp->body), "%s", hc->expect_body);
}

int xlb_http_check_response(const char *buf, size_t len, bool final,
			    const struct xlb_http_expect *exp, char *detail, size_t dlen)
{
	int code = parse_status(buf, len);
	const char *hdr_end;
	size_t blen;

	if (code < 0) {
		snprintf(detail, dlen, "bad response (not HTTP)");
		return 0;
	}
	if (code == 0) {
		if (!final)
			return -EAGAIN;
		snprintf(detail, dlen, "%s", len ? "bad response (truncated status line)" :
					     "no response");
		return 0;
	}
	if (!status_expected(exp, code)) {
		snprintf(detail, dlen, "status %d", code);
		return 0;
	}
	blen = strnlen(exp->body, sizeof(exp->body));
	if (!blen) {
		snprintf(detail, dlen, "status %d", code);
		return 1;
	}
	/* The body starts after the first empty line; header text never counts. */
	hdr_end = memmem(buf, len, "\r\n\r\n", 4);
	if (hdr_end && memmem(hdr_end + 4, len - (size_t)(hdr_end + 4 - buf), exp->body, blen)) {
		snprintf(detail, dlen, "status %d, body matches", code);
		return 1;
	}
	if (!final)
		return -EAGAIN;
	snprintf(detail, dlen, "status %d, body does not contain \"%.32s\"", code, exp->body);
	return 0;
}

/*
 * Decide on what has been read. @final: no more bytes will come (EOF, error
 * or buffer full). Returns true when the result is set.
 */
static bool http_decide(struct xlb_probe *p, bool final, const char *why_final)
{
	int r;

	if (final && !p->len) {
		set_result(p, false, "%s before any response", why_final);
		return true;
	}
	r = xlb_http_check_response(p->buf, p->len, final, &p->expect, p->res.detail,
				    sizeof(p->res.detail));
	if (r < 0)
		return false;
	p->res.ok = r == 1;
	return true;
}

static void http_read(struct xlb_probe *p)
{
	for (;;) {
		ssize_t n;

		if (p->len >= XLB_PROBE_HTTP_MAX) {
			http_decide(p, true, "buffer full");
			deliver(p);
			return;
		}
		n = recv(p->fd, p->buf + p->len, XLB_PROBE_HTTP_MAX - p->len, 0);
		if (n > 0) {
			p->len += n;
			if (http_decide(p, false, NULL)) {
				deliver(p);
				return;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			char why[64];

			snprintf(why, sizeof(why), "read: %s", strerror(errno));
			http_decide(p, true, why);
		} else {
			http_decide(p, true, "connection closed");
		}
		deliver(p);
		return;
	}
}

static void http_write(struct xlb_probe *p)
{
	while (p->req_off < p->req_len) {
		ssize_t n = send(p->fd, p->req + p->req_off, p->req_len - p->req_off,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return; /* wait for EPOLLOUT again */
			set_result(p, false, "send: %s", strerror(errno));
			deliver(p);
			return;
		}
		p->req_off += n;
	}
	if (xlb_loop_mod_fd(p->loop, p->fd, EPOLLIN | EPOLLRDHUP) < 0) {
		set_result(p, false, "epoll: %s", strerror(errno));
		deliver(p);
	}
}

static void on_socket(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlb_probe *p = arg;

	(void)loop;
	if (!p->connected) {
		int err = 0;
		socklen_t l = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		/* Writable without error or hangup means connected: a failed
		 * connect always raises EPOLLERR, so only then ask why. */
		if (events & (EPOLLERR | EPOLLHUP)) {
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
				err = errno;
			if (!err)
				err = ECONNRESET;
		}
		if (err) {
			set_result(p, false, "connect: %s", strerror(err));
			deliver(p);
			return;
		}
		p->connected = true;
		if (p->kind == PROBE_TCP) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			set_result(p, true, "connected");
			deliver(p);
			return;
		}
	}
	if (p->req_off < p->req_len) {
		http_write(p);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		http_read(p);
}

static char *build_request(const struct xlb_hc_cfg *hc, const struct xlb_ip *addr, uint16_t port,
			   size_t *len)
{
	char host[300], a[INET6_ADDRSTRLEN] = "";
	const char *path = hc->path[0] ? hc->path : "/";
	char *req = NULL;
	int n;

	if (hc->host[0]) {
		snprintf(host, sizeof(host), "%s", hc->host);
	} else {
		/* RFC 9110 7.2: host[:port], IPv6 literals in brackets. */
		inet_ntop(addr->family == XLB_AF_INET6 ? AF_INET6 : AF_INET, addr->a, a, sizeof(a));
		snprintf(host, sizeof(host), addr->family == XLB_AF_INET6 ? "[%s]" : "%s", a);
		if (port != 80)
			snprintf(host + strlen(host), sizeof(host) - strlen(host), ":%u", port);
	}
	n = asprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
		     "User-Agent: xlb-health\r\n\r\n", path, host);
	if (n < 0)
		return NULL;
	*len = n;
	return req;
}

static int start_socket(struct xlb_probe *p, const struct xlb_ip *addr, uint16_t port,
			uint32_t timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int err;

	err = fill_sockaddr(addr, port, &ss, &sl);
	if (err)
		return err;
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	err = xlb_loop_add_fd(p->loop, p->fd, EPOLLOUT, on_socket, p);
	if (err) {
		close(p->fd);
		p->fd = -1;
		return err;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		/* Refused, unreachable, no route: report it from the loop. */
		set_result(p, false, "connect: %s", strerror(errno));
		return defer_result(p);
	}
	/* Connected or in progress: EPOLLOUT tells either way. */
	if (!timeout_ms)
		return 0; /* the caller calls xlb_probe_expire() */
	return xlb_timer_arm(p->loop, &p->timer, xlb_now_ms() + timeout_ms, on_timer, p);
}

/* ---- exec ------------------------------------------------------------------ */

static void on_child(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlb_probe *p = arg;
	int status;
	pid_t r;

	(void)loop;
	(void)fd;
	(void)events;
	r = waitpid(p->pid, &status, WNOHANG);
	if (r == 0)
		return; /* spurious: not exited yet */
	p->pid = -1;
	if (r < 0) {
		/* ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN?). */
		set_result(p, false, "wait: %s", strerror(errno));
	} else if (WIFEXITED(status)) {
		set_result(p, WEXITSTATUS(status) == 0, "exit %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		set_result(p, false, "killed by signal %d", WTERMSIG(status));
	} else {
		set_result(p, false, "wait status 0x%x", status);
	}
	if (p->done)
		probe_free(p); /* result went out at timeout/cancel; now reaped */
	else
		deliver(p);
}

static void kill_child(struct xlb_probe *p)
{
	if (p->pid <= 0)
		return;
	/* The child leads its own process group: take the script's children too. */
	if (kill(-p->pid, SIGKILL) < 0 && errno == ESRCH)
		kill(p->pid, SIGKILL);
}

int xlb_probe_exec(struct xlb_loop *loop, const char *script, const char *argv0,
		   const char *const *args, size_t nargs, uint32_t timeout_ms,
		   xlb_probe_cb cb, void *arg, struct xlb_probe **out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	struct xlb_probe *p = NULL;
	char *cmd = NULL, **argv = NULL;
	sigset_t none, dfl;
	int err, sig;
	size_t i;

	if (out)
		*out = NULL;
	if (!script || !*script)
		return -EINVAL;
	/* The script text is the administrator's; the arguments go in as $1.. */
	if (asprintf(&cmd, "%s \"$@\"", script) < 0)
		return -ENOMEM;
	argv = calloc(nargs + 5, sizeof(*argv));
	p = probe_new(loop, PROBE_EXEC, cb, arg);
	if (!argv || !p) {
		err = -ENOMEM;
		goto out_free;
	}
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = cmd;
	argv[3] = (char *)(argv0 ? argv0 : "xlb-script");
	for (i = 0; i < nargs; i++)
		argv[4 + i] = (char *)args[i];

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&sa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* xlbd blocks the signals it reads through signalfd and may ignore
	 * SIGPIPE: the script gets a clean mask and default dispositions. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&dfl, sig);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &dfl);
	posix_spawnattr_setpgroup(&sa, 0);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	err = -posix_spawn(&p->pid, "/bin/sh", &fa, &sa, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	if (err) {
		p->pid = -1;
		goto out_free;
	}

	p->fd = pidfd_open(p->pid, 0);
	if (p->fd < 0) {
		err = -errno;
		kill_child(p);
		waitpid(p->pid, NULL, 0); /* just SIGKILLed: returns at once */
		p->pid = -1;
		goto out_free;
	}
	fcntl(p->fd, F_SETFD, FD_CLOEXEC);
	err = xlb_loop_add_fd(loop, p->fd, EPOLLIN, on_child, p);
	if (!err && timeout_ms)
		err = xlb_timer_arm(loop, &p->timer, xlb_now_ms() + timeout_ms, on_timer, p);
	if (err) {
		kill_child(p);
		waitpid(p->pid, NULL, 0);
		p->pid = -1;
		goto out_free;
	}
	if (out)
		*out = p;
	p = NULL;
out_free:
	if (p)
		probe_free(p);
	free(argv);
	free(cmd);
	return err;
}

/* ---- common ---------------------------------------------------------------- */

static void expire(struct xlb_probe *p)
{
	switch (p->kind) {
	case PROBE_EXEC:
		kill_child(p);
		set_result(p, false, "timeout");
		break;
	case PROBE_TCP:
		set_result(p, false, "timeout (connect)");
		break;
	case PROBE_HTTP:
		set_result(p, false, p->connected ? "timeout (response)" : "timeout (connect)");
		break;
	}
	deliver(p);
}

static void on_timer(struct xlb_loop *loop, void *arg)
{
	struct xlb_probe *p = arg;

	(void)loop;
	if (p->pending)
		deliver(p);
	else
		expire(p);
}

void xlb_probe_expire(struct xlb_probe *p)
{
	if (!p || p->done)
		return;
	if (p->pending)
		deliver(p); /* a result was already waiting */
	else
		expire(p);
}

int xlb_probe_start(struct xlb_loop *loop, const struct xlb_hc_cfg *hc,
		    const struct xlb_ip *addr, uint16_t port, uint32_t timeout_ms,
		    xlb_probe_cb cb, void *arg, struct xlb_probe **out)
{
	struct xlb_probe *p;
	int err;

	*out = NULL;
	if (hc->port)
		port = hc->port;
	if (hc->type == XLB_HC_EXEC) {
		char a[INET6_ADDRSTRLEN] = "", ps[8];
		const char *args[2] = { a, ps };

		inet_ntop(addr->family == XLB_AF_INET6 ? AF_INET6 : AF_INET, addr->a, a, sizeof(a));
		snprintf(ps, sizeof(ps), "%u", port);
		return xlb_probe_exec(loop, hc->script, "xlb-check", args, 2, timeout_ms, cb, arg,
				      out);
	}
	if (hc->type != XLB_HC_TCP && hc->type != XLB_HC_HTTP)
		return -EINVAL;

	p = probe_new(loop, hc->type == XLB_HC_TCP ? PROBE_TCP : PROBE_HTTP, cb, arg);
	if (!p)
		return -ENOMEM;
	if (p->kind == PROBE_HTTP) {
		p->req = build_request(hc, addr, port, &p->req_len);
		p->buf = malloc(XLB_PROBE_HTTP_MAX);
		if (!p->req || !p->buf) {
			err = -ENOMEM;
			goto out;
		}
		xlb_http_expect_init(&p->expect, hc);
	}
	err = start_socket(p, addr, port, timeout_ms);
	if (!err) {
		*out = p;
		p = NULL;
	}
out:
	if (p)
		probe_free(p);
	return err;
}

void xlb_probe_cancel(struct xlb_probe *p)
{
	if (!p || p->done)
		return;
	p->done = true;
	p->pending = false;
	p->cb = NULL;
	if (p->kind == PROBE_EXEC && p->pid > 0) {
		/* Keep the pidfd watched until the killed child is reaped. */
		xlb_timer_cancel(p->loop, &p->timer);
		kill_child(p);
		orphan_add(p);
		return;
	}
	probe_free(p);
}

unsigned long xlb_probe_reap(struct xlb_loop *loop, uint32_t wait_ms)
{
	uint64_t end = xlb_now_ms() + wait_ms;
	struct xlb_probe *p, *next;
	unsigned long left = 0;

	for (p = orphans; p; p = next) {
		next = p->onext;
		if (p->loop != loop)
			continue;
		kill_child(p); /* again: harmless, and sure */
		for (;;) {
			struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
			uint64_t now = xlb_now_ms();

			/* Reaped now, or not our child any more (ECHILD): done. */
			if (waitpid(p->pid, NULL, WNOHANG) != 0) {
				p->pid = -1;
				probe_free(p);
				break;
			}
			if (now >= end) {
				left++;
				break;
			}
			/* The pidfd turns readable when the child exits. */
			if (p->fd < 0 || poll(&pfd, 1, (int)(end - now)) < 0)
				usleep(1000);
		}
	}
	return left;
}
