// SPDX-License-Identifier: GPL-2.0
/*
 * Real probes on the real loop against listeners in this test process. Each
 * test first moves into a network namespace of its own (unshare + lo up), so
 * nothing outside it is touched; without root the tests skip.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <criterion/criterion.h>

#include "health_mgr.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

/* ---- fixture: own netns ---------------------------------------------------- */

static void netns_setup(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	xlb_log_set_level(XLB_LOG_WARN);
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("unshare(CLONE_NEWNET): %s (needs root)", strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0, "lo up: %s", strerror(errno));
	close(fd);
}

TestSuite(probe, .init = netns_setup, .timeout = 30);
TestSuite(health_mgr, .init = netns_setup, .timeout = 30);

static struct xlb_ip ip4(const char *s)
{
	struct xlb_ip ip = { .family = XLB_AF_INET };

	cr_assert_eq(inet_pton(AF_INET, s, &ip.a[0]), 1);
	return ip;
}

static struct xlb_ip ip6(const char *s)
{
	struct xlb_ip ip = { .family = XLB_AF_INET6 };

	cr_assert_eq(inet_pton(AF_INET6, s, ip.a), 1);
	return ip;
}

/* Listening TCP socket on @addr (v4 or v6 literal); returns fd, port in *port. */
static int listener(const char *addr, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, sl), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, backlog), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
					      ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* A port nobody listens on: bind, learn the port, close. */
static uint16_t closed_port(void)
{
	uint16_t port;
	int fd = listener("127.0.0.1", 1, &port);

	close(fd);
	return port;
}

/* ---- one probe, run to completion ------------------------------------------ */

struct run {
	struct xlb_loop *loop;
	struct xlb_timer guard;
	bool done, guard_fired;
	int calls;
	struct xlb_probe_result res;
};

static void on_result(void *arg, const struct xlb_probe_result *res)
{
	struct run *r = arg;

	r->calls++;
	r->done = true;
	r->res = *res;
	xlb_loop_stop(r->loop);
}

static void on_guard(struct xlb_loop *loop, void *arg)
{
	struct run *r = arg;

	r->guard_fired = true;
	xlb_loop_stop(loop);
}

/* Run @loop until the probe reports or @ms pass. */
static void run_until_done(struct run *r, uint32_t ms)
{
	xlb_timer_arm(r->loop, &r->guard, xlb_now_ms() + ms, on_guard, r);
	while (!r->done && !r->guard_fired)
		cr_assert_eq(xlb_loop_run(r->loop), 0);
	xlb_timer_cancel(r->loop, &r->guard);
	cr_assert(r->done, "probe never reported within %u ms", ms);
	cr_assert_eq(r->calls, 1);
}

static struct xlb_probe_result probe_once(struct xlb_loop *loop, const struct xlb_hc_cfg *hc,
					  const struct xlb_ip *addr, uint16_t port,
					  uint32_t timeout_ms)
{
	struct run r = { .loop = loop };
	struct xlb_probe *p = NULL;

	cr_assert_eq(xlb_probe_start(loop, hc, addr, port, timeout_ms, on_result, &r, &p), 0);
	cr_assert_not_null(p);
	cr_assert_not(r.done, "the callback must not run inside xlb_probe_start()");
	run_until_done(&r, timeout_ms + 3000);
	return r.res;
}

static struct xlb_hc_cfg hc_of(enum xlb_hc_type t)
{
	struct xlb_hc_cfg hc;

	memset(&hc, 0, sizeof(hc));
	hc.type = t;
	hc.interval_ms = 1000;
	hc.timeout_ms = 500;
	hc.rise = 1;
	hc.fall = 1;
	return hc;
}

/* ---- tcp ------------------------------------------------------------------- */

Test(probe, tcp_connect_ok)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_TCP);
	struct xlb_ip a = ip4("127.0.0.1");
	struct xlb_probe_result res;
	uint16_t port;
	int lfd = listener("127.0.0.1", 16, &port);

	res = probe_once(loop, &hc, &a, port, 500);
	cr_assert(res.ok, "%s", res.detail);
	cr_assert_str_eq(res.detail, "connected");
	close(lfd);
	xlb_loop_free(loop);
}

Test(probe, tcp_connect_ok_ipv6)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_TCP);
	struct xlb_ip a = ip6("::1");
	struct xlb_probe_result res;
	uint16_t port;
	int lfd = listener("::1", 16, &port);

	res = probe_once(loop, &hc, &a, port, 500);
	cr_assert(res.ok, "%s", res.detail);
	close(lfd);
	xlb_loop_free(loop);
}

Test(probe, tcp_hc_port_overrides_backend_port)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_TCP);
	struct xlb_ip a = ip4("127.0.0.1");
	struct xlb_probe_result res;
	uint16_t port;
	int lfd = listener("127.0.0.1", 16, &port);

	hc.port = port;
	res = probe_once(loop, &hc, &a, closed_port(), 500);
	cr_assert(res.ok, "%s", res.detail);
	close(lfd);
	xlb_loop_free(loop);
}

Test(probe, tcp_connect_refused)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_TCP);
	struct xlb_ip a = ip4("127.0.0.1");
	struct xlb_probe_result res;

	res = probe_once(loop, &hc, &a, closed_port(), 500);
	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "connect: Connection refused");
	xlb_loop_free(loop);
}

/*
 * A listener whose accept queue is full drops further SYNs (Linux with
 * tcp_abort_on_overflow = 0, the default): the probe's connect hangs.
 */
Test(probe, tcp_connect_timeout)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_TCP);
	struct xlb_ip a = ip4("127.0.0.1");
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct xlb_probe_result res;
	uint16_t port;
	int lfd = listener("127.0.0.1", 0, &port), c[2], i;

	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 2; i++) {
		/* backlog 0 admits one; the second waits or is dropped, fine either way */
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		connect(c[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50 * 1000);
	res = probe_once(loop, &hc, &a, port, 300);
	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "timeout (connect)");
	for (i = 0; i < 2; i++)
		close(c[i]);
	close(lfd);
	xlb_loop_free(loop);
}

/* ---- a small HTTP server on the same loop ---------------------------------- */

struct http_srv {
	struct xlb_loop *loop;
	int lfd;
	uint16_t port;
	const char *response;  /* NULL: accept, read, never answer */
	char request[1024];    /* first request seen */
	size_t request_len;
	int conns[8];
	int nconns;
};

static void srv_conn(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct http_srv *s = arg;
	char buf[1024];
	ssize_t n;

	(void)events;
	n = read(fd, buf, sizeof(buf));
	if (n > 0 && !s->request_len) {
		memcpy(s->request, buf, n);
		s->request_len = n;
	}
	if (n > 0 && !s->response)
		return; /* the silent server: keep the connection open */
	xlb_loop_del_fd(loop, fd);
	if (n > 0 && s->response) {
		size_t off = 0, len = strlen(s->response);

		while (off < len) {
			ssize_t w = write(fd, s->response + off, len - off);

			if (w <= 0)
				break;
			off += w;
		}
	}
	close(fd);
}

static void srv_accept(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct http_srv *s = arg;
	int c;

	(void)events;
	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		int sz = 1 << 16;

		setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (s->nconns < 8)
			s->conns[s->nconns++] = c;
		cr_assert_eq(xlb_loop_add_fd(loop, c, EPOLLIN, srv_conn, s), 0);
	}
}

static void srv_start(struct http_srv *s, struct xlb_loop *loop, const char *response)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->response = response;
	s->lfd = listener("127.0.0.1", 16, &s->port);
	cr_assert_eq(xlb_loop_add_fd(loop, s->lfd, EPOLLIN, srv_accept, s), 0);
}

static struct xlb_probe_result http_probe(const char *response, const char *body,
					  const uint16_t *expect, int n_expect,
					  struct http_srv *srv_out)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_HTTP);
	struct xlb_ip a = ip4("127.0.0.1");
	struct xlb_probe_result res;
	struct http_srv srv;

	snprintf(hc.path, sizeof(hc.path), "/healthz");
	if (body)
		snprintf(hc.expect_body, sizeof(hc.expect_body), "%s", body);
	if (n_expect) {
		memcpy(hc.expect_status, expect, n_expect * sizeof(*expect));
		hc.n_expect = n_expect;
	}
	srv_start(&srv, loop, response);
	res = probe_once(loop, &hc, &a, srv.port, 400);
	if (srv_out)
		*srv_out = srv;
	xlb_loop_del_fd(loop, srv.lfd);
	close(srv.lfd);
	xlb_loop_free(loop);
	return res;
}

#define OK_200 "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nall is well\n"

Test(probe, http_200_and_the_exact_request)
{
	struct http_srv srv;
	struct xlb_probe_result res = http_probe(OK_200, NULL, NULL, 0, &srv);
	char want[256];

	cr_assert(res.ok, "%s", res.detail);
	cr_assert_str_eq(res.detail, "status 200");
	snprintf(want, sizeof(want),
		 "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
		 "User-Agent: xlb-health\r\n\r\n", srv.port);
	srv.request[srv.request_len] = '\0';
	cr_assert_str_eq(srv.request, want);
}

Test(probe, http_503_fails)
{
	struct xlb_probe_result res = http_probe(
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
		NULL, NULL, 0, NULL);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "status 503");
}

Test(probe, http_redirect_is_up_by_default)
{
	struct xlb_probe_result res = http_probe(
		"HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n", NULL, NULL, 0, NULL);

	cr_assert(res.ok, "200..399 is the default: %s", res.detail);
}

Test(probe, http_expect_status_list)
{
	static const uint16_t want[] = { 204, 503 };
	struct xlb_probe_result res;

	res = http_probe("HTTP/1.1 503 Busy\r\n\r\n", NULL, want, 2, NULL);
	cr_assert(res.ok, "503 was listed: %s", res.detail);
	res = http_probe(OK_200, NULL, want, 2, NULL);
	cr_assert_not(res.ok, "200 was not listed");
	cr_assert_str_eq(res.detail, "status 200");
}

Test(probe, http_body_match)
{
	struct xlb_probe_result res = http_probe(OK_200, "is well", NULL, 0, NULL);

	cr_assert(res.ok, "%s", res.detail);
	cr_assert_str_eq(res.detail, "status 200, body matches");
}

Test(probe, http_body_mismatch)
{
	struct xlb_probe_result res = http_probe(OK_200, "degraded", NULL, 0, NULL);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "status 200, body does not contain \"degraded\"");
}

Test(probe, http_body_text_in_headers_does_not_count)
{
	struct xlb_probe_result res = http_probe(
		"HTTP/1.1 200 OK\r\nX-Note: healthy\r\n\r\nnope\n", "healthy", NULL, 0, NULL);

	cr_assert_not(res.ok, "%s", res.detail);
}

Test(probe, http_body_beyond_4k_is_not_read)
{
	static char resp[8192];
	struct xlb_probe_result res;
	size_t n;

	n = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n\r\n");
	memset(resp + n, 'x', 5000);
	snprintf(resp + n + 5000, sizeof(resp) - n - 5000, "MARKER");
	res = http_probe(resp, "MARKER", NULL, 0, NULL);
	cr_assert_not(res.ok, "only %d bytes are read: %s", XLB_PROBE_HTTP_MAX, res.detail);
}

Test(probe, http_garbage_response)
{
	struct xlb_probe_result res = http_probe("SSH-2.0-OpenSSH_9.2\r\n", NULL, NULL, 0, NULL);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "bad response (not HTTP)");
}

Test(probe, http_truncated_status_line)
{
	struct xlb_probe_result res = http_probe("HTTP/1.1 2", NULL, NULL, 0, NULL);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "bad response (truncated status line)");
}

Test(probe, http_server_never_answers)
{
	struct xlb_probe_result res = http_probe(NULL, NULL, NULL, 0, NULL);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "timeout (response)");
}

Test(probe, http_connection_refused)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_HTTP);
	struct xlb_ip a = ip4("127.0.0.1");
	struct xlb_probe_result res = probe_once(loop, &hc, &a, closed_port(), 400);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "connect: Connection refused");
	xlb_loop_free(loop);
}

/* ---- exec ------------------------------------------------------------------ */

/* Children of this process, from /proc (every thread's list). */
static int count_children(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[4096];
		ssize_t len;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len > 0) {
			char *tok, *save;

			buf[len] = '\0';
			for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
				n++;
		}
	}
	closedir(d);
	return n;
}

/* Run the loop until every probe (and exec child) is gone, at most @ms. */
static void drain_probes(struct xlb_loop *loop, uint32_t ms)
{
	uint64_t end = xlb_now_ms() + ms;
	struct run r = { .loop = loop };

	while (xlb_probe_live() && xlb_now_ms() < end) {
		r.guard_fired = false;
		xlb_timer_arm(loop, &r.guard, xlb_now_ms() + 20, on_guard, &r);
		xlb_loop_run(loop);
	}
	xlb_timer_cancel(loop, &r.guard);
}

static struct xlb_probe_result exec_probe(const char *script, uint32_t timeout_ms)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_hc_cfg hc = hc_of(XLB_HC_EXEC);
	struct xlb_ip a = ip4("127.0.0.1");
	struct xlb_probe_result res;

	snprintf(hc.script, sizeof(hc.script), "%s", script);
	res = probe_once(loop, &hc, &a, 8080, timeout_ms);
	drain_probes(loop, 3000);
	cr_assert_eq(xlb_probe_live(), 0, "a probe is still alive");
	cr_assert_eq(count_children(), 0, "a child process remains");
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "nothing left to reap");
	cr_assert_eq(errno, ECHILD);
	xlb_loop_free(loop);
	return res;
}

Test(probe, exec_exit_0_is_up_and_gets_address_and_port)
{
	struct xlb_probe_result res =
		exec_probe("f() { test \"$1\" = 127.0.0.1 && test \"$2\" = 8080 && exit 0; exit 3; }; f",
			   2000);

	cr_assert(res.ok, "%s", res.detail);
	cr_assert_str_eq(res.detail, "exit 0");
}

Test(probe, exec_exit_1_is_down)
{
	struct xlb_probe_result res = exec_probe("exit 1", 2000);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "exit 1");
}

Test(probe, exec_script_that_hangs_is_killed_and_reaped)
{
	/* `sleep` in a subshell too, so there is a grandchild in the group. The
	 * script text gets "$@" appended: a function takes the arguments. */
	struct xlb_probe_result res = exec_probe("f() { (sleep 100) & sleep 100; }; f", 200);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "timeout");
}

Test(probe, exec_script_killed_by_a_signal)
{
	struct xlb_probe_result res = exec_probe("kill -TERM $$", 2000);

	cr_assert_not(res.ok);
	cr_assert_str_eq(res.detail, "killed by signal 15");
}

Test(probe, exec_arguments_are_not_shell_text)
{
	static const char *const evil[] = { "x; touch /nonexistent/pwned $(id)", "`reboot`" };
	struct xlb_loop *loop = xlb_loop_new();
	struct run r = { .loop = loop };
	struct xlb_probe *p;

	cr_assert_eq(xlb_probe_exec(loop,
		     "f() { test \"$1\" = 'x; touch /nonexistent/pwned $(id)' && "
		     "test \"$2\" = '`reboot`'; }; f",
		     "xlb-test", evil, 2, 2000, on_result, &r, &p), 0);
	run_until_done(&r, 5000);
	cr_assert(r.res.ok, "arguments arrived altered: %s", r.res.detail);
	drain_probes(loop, 3000);
	xlb_loop_free(loop);
}

Test(probe, exec_cancel_kills_and_reaps_without_callback)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct run r = { .loop = loop };
	struct xlb_probe *p;

	cr_assert_eq(xlb_probe_exec(loop, "sleep 100", "xlb-test", NULL, 0, 60000, on_result, &r,
				    &p), 0);
	usleep(20 * 1000);
	cr_assert_eq(count_children(), 1);
	xlb_probe_cancel(p);
	drain_probes(loop, 3000);
	cr_assert_eq(xlb_probe_live(), 0);
	cr_assert_eq(count_children(), 0);
	cr_assert_eq(r.calls, 0, "a cancelled probe must not report");
	xlb_loop_free(loop);
}

Test(probe, exec_does_not_inherit_blocked_signals)
{
	sigset_t set;

	/* xlbd blocks what it reads through signalfd; the script must not. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Signals 1..31 of the shell itself ($$); glibc's posix_spawn leaves its
	 * two internal real-time signals ignored, which is harmless. */
	cr_assert(exec_probe("f() { b=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/$$/status); "
			     "i=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status); "
			     "[ $((0x$b & 0x7fffffff)) -eq 0 ] && [ $((0x$i & 0x7fffffff)) -eq 0 ]; }; f",
			     2000).ok);
}

/* ---- the manager on the loop ----------------------------------------------- */

struct mgr_run {
	struct xlb_loop *loop;
	int changes;
	char last[XLB_NAME_MAX];
};

static void on_change(void *arg, const char *svc)
{
	struct mgr_run *r = arg;

	r->changes++;
	snprintf(r->last, sizeof(r->last), "%s", svc);
}

static void run_for(struct xlb_loop *loop, uint32_t ms)
{
	struct run r = { .loop = loop };

	xlb_timer_arm(loop, &r.guard, xlb_now_ms() + ms, on_guard, &r);
	while (!r.guard_fired)
		xlb_loop_run(loop);
}

static void mk_cfg(struct xlb_cfg *cfg, struct xlb_service_cfg *svc, struct xlb_backend_cfg *b,
		   size_t n, uint16_t *ports)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	memset(svc, 0, sizeof(*svc));
	snprintf(svc->name, sizeof(svc->name), "web");
	svc->hc = hc_of(XLB_HC_TCP);
	svc->hc.interval_ms = 100;
	svc->hc.timeout_ms = 50;
	svc->backends = b;
	svc->n_backends = n;
	for (i = 0; i < n; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].addr = ip4("127.0.0.1");
		b[i].port = ports[i];
		b[i].weight = 1;
	}
	cfg->services = svc;
	cfg->n_services = 1;
}

static int find_state(void *arg, const struct xlb_backend_status *st)
{
	struct xlb_backend_status *want = arg;

	if (st->port != want->port)
		return 0;
	*want = *st;
	return 1;
}

static struct xlb_backend_status status_of(struct xlb_health_mgr *m, uint16_t port)
{
	struct xlb_backend_status st = { .port = port };

	cr_assert_eq(xlb_health_foreach(m, find_state, &st), 1, "backend :%u not listed", port);
	return st;
}

Test(health_mgr, probes_mark_a_dead_backend_down_and_call_on_change)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct xlb_backend_cfg b[2];
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	struct xlb_health_plan_entry plan[2];
	struct xlb_backend_status st;
	uint16_t ports[2];
	int lfd = listener("127.0.0.1", 64, &ports[0]);

	ports[1] = closed_port();
	mk_cfg(&cfg, &svc, b, 2, ports);
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	cr_assert_eq(status_of(m, ports[1]).state, XLB_BACKEND_UP, "starts up");
	run_for(loop, 450);
	cr_assert_geq(r.changes, 1);
	cr_assert_str_eq(r.last, "web");
	st = status_of(m, ports[0]);
	cr_assert_eq(st.state, XLB_BACKEND_UP);
	cr_assert_geq(st.probes, 2);
	cr_assert_eq(st.probe_failures, 0);
	st = status_of(m, ports[1]);
	cr_assert_eq(st.state, XLB_BACKEND_DOWN);
	cr_assert_str_eq(st.last_detail, "connect: Connection refused");
	cr_assert_str_eq(st.change_reason,
			 "1 consecutive tcp failure (connect: Connection refused)");
	cr_assert_eq(xlb_health_service_plan(m, "web", plan, 2), 1);
	cr_assert(plan[0].in_table);
	cr_assert_not(plan[1].in_table);
	cr_assert_eq(plan[1].dp_state, XLB_BE_DOWN);
	cr_assert_eq(xlb_health_service_plan(m, "web", plan, 1), -ENOSPC);
	cr_assert_eq(xlb_health_service_plan(m, "nope", plan, 2), -ENOENT);

	xlb_health_free(m);
	close(lfd);
	xlb_loop_free(loop);
}

Test(health_mgr, admin_actions_and_enoent)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct xlb_backend_cfg b[1];
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	struct xlb_ip lo = ip4("127.0.0.1"), other = ip4("127.0.0.2");
	uint16_t ports[1];
	int lfd = listener("127.0.0.1", 64, &ports[0]);

	mk_cfg(&cfg, &svc, b, 1, ports);
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	cr_assert_eq(xlb_health_admin(m, "web", &lo, 0, XLB_ADMIN_DRAIN), 1);
	cr_assert_eq(r.changes, 1);
	cr_assert_eq(status_of(m, ports[0]).state, XLB_BACKEND_DRAINING);
	cr_assert_eq(status_of(m, ports[0]).dp_state, XLB_BE_DRAINING);
	run_for(loop, 250); /* probes keep running while draining */
	cr_assert_geq(status_of(m, ports[0]).probes, 1);
	cr_assert_eq(status_of(m, ports[0]).state, XLB_BACKEND_DRAINING);
	cr_assert_eq(xlb_health_admin(m, "web", &lo, ports[0], XLB_ADMIN_ENABLE), 1);
	cr_assert_eq(status_of(m, ports[0]).state, XLB_BACKEND_UP);
	cr_assert_eq(xlb_health_admin(m, "web", &other, 0, XLB_ADMIN_DISABLE), -ENOENT);
	cr_assert_eq(xlb_health_admin(m, "web", &lo, ports[0] + 1, XLB_ADMIN_DISABLE), -ENOENT);
	cr_assert_eq(xlb_health_admin(m, "api", &lo, 0, XLB_ADMIN_DISABLE), -ENOENT);
	cr_assert_eq(xlb_health_admin(m, "web", &lo, 0, (enum xlb_admin_action)7), -EINVAL);
	xlb_health_free(m);
	close(lfd);
	xlb_loop_free(loop);
}

Test(health_mgr, reload_keeps_state_of_remaining_backends)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct xlb_backend_cfg b[2], b2[2];
	struct xlb_service_cfg svc, svc2;
	struct xlb_cfg cfg, cfg2;
	struct xlb_health_mgr *m;
	struct xlb_ip lo = ip4("127.0.0.1");
	uint16_t ports[2], ports2[2];
	int lfd = listener("127.0.0.1", 64, &ports[0]);
	int changes;

	ports[1] = closed_port();
	mk_cfg(&cfg, &svc, b, 2, ports);
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	cr_assert_eq(xlb_health_admin(m, "web", &lo, ports[0], XLB_ADMIN_DRAIN), 1);
	run_for(loop, 300);
	cr_assert_eq(status_of(m, ports[1]).state, XLB_BACKEND_DOWN);

	/* New config: the dead backend goes, a third (also dead) comes, the
	 * drained one stays and is now `down: true` in the file. */
	ports2[0] = ports[0];
	ports2[1] = ports[1] + 1;
	mk_cfg(&cfg2, &svc2, b2, 2, ports2);
	b2[0].down = true;
	changes = r.changes;
	cr_assert_eq(xlb_health_update(m, &cfg2), 0);
	cr_assert_eq(r.changes, changes, "update does not call on_change");
	cr_assert_eq(status_of(m, ports2[0]).state, XLB_BACKEND_DISABLED);
	cr_assert_geq(status_of(m, ports2[0]).probes, 1, "counters kept");
	cr_assert_eq(status_of(m, ports2[1]).state, XLB_BACKEND_UP, "a new backend starts up");
	cr_assert_eq(xlb_health_admin(m, "web", &lo, ports[1], XLB_ADMIN_DISABLE), -ENOENT);

	/* Same config again: an admin enable survives an unrelated reload. */
	cr_assert_eq(xlb_health_admin(m, "web", &lo, ports2[0], XLB_ADMIN_ENABLE), 1);
	cr_assert_eq(xlb_health_update(m, &cfg2), 0);
	cr_assert_eq(status_of(m, ports2[0]).state, XLB_BACKEND_UP);

	xlb_health_free(m);
	close(lfd);
	xlb_loop_free(loop);
}

Test(health_mgr, notify_hook_runs_per_transition)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct xlb_backend_cfg b[1];
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	char dir[] = "/tmp/xlb-notify-XXXXXX", path[128], want[128], got[256] = "";
	uint16_t ports[1];
	ssize_t n;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	ports[0] = closed_port();
	mk_cfg(&cfg, &svc, b, 1, ports);
	snprintf(svc.notify, sizeof(svc.notify), "printf '%%s %%s %%s %%s\\n' >> %s", path);
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	run_for(loop, 300);
	xlb_health_free(m);
	drain_probes(loop, 3000);
	cr_assert_eq(count_children(), 0);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "notify never ran");
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	got[n] = '\0';
	snprintf(want, sizeof(want), "web 127.0.0.1 %u down\n", ports[0]);
	cr_assert_str_eq(got, want);
	unlink(path);
	rmdir(dir);
	xlb_loop_free(loop);
}

Test(health_mgr, type_none_passive_reports_and_lockout_timer)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct xlb_backend_cfg b[1];
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	struct xlb_ip lo = ip4("127.0.0.1");
	uint16_t ports[1] = { 80 };

	mk_cfg(&cfg, &svc, b, 1, ports);
	svc.hc.type = XLB_HC_NONE;
	b[0].max_fails = 2;
	b[0].fail_timeout_ms = 200;
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	cr_assert_eq(xlb_health_report(m, "web", &lo, 80, false, "reset by peer"), 1);
	cr_assert_eq(status_of(m, 80).state, XLB_BACKEND_UP);
	cr_assert_eq(xlb_health_report(m, "web", &lo, 80, false, "reset by peer"), 1);
	cr_assert_eq(status_of(m, 80).state, XLB_BACKEND_DOWN);
	cr_assert_eq(r.changes, 1);
	run_for(loop, 400); /* the lockout timer brings it back */
	cr_assert_eq(status_of(m, 80).state, XLB_BACKEND_UP);
	cr_assert_eq(r.changes, 2);
	cr_assert_eq(status_of(m, 80).probes, 0, "type none: no active probes");
	xlb_health_free(m);
	xlb_loop_free(loop);
}

Test(health_mgr, hanging_checks_time_out_through_the_sweeper)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct xlb_backend_cfg b[1];
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	struct xlb_backend_status st;
	uint16_t ports[1];
	int lfd = listener("127.0.0.1", 0, &ports[0]), c[2], i;

	/* Fill the accept queue so the manager's connects hang. */
	sin.sin_port = htons(ports[0]);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 2; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		connect(c[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50 * 1000);
	mk_cfg(&cfg, &svc, b, 1, ports);
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	run_for(loop, 400);
	st = status_of(m, ports[0]);
	cr_assert_geq(st.probes, 1);
	cr_assert_eq(st.probe_failures, st.probes);
	cr_assert_str_eq(st.last_detail, "timeout (connect)");
	cr_assert_eq(st.state, XLB_BACKEND_DOWN);
	xlb_health_free(m);
	for (i = 0; i < 2; i++)
		close(c[i]);
	close(lfd);
	xlb_loop_free(loop);
}

Test(health_mgr, hanging_exec_check_is_killed_and_reaped)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct mgr_run r = { .loop = loop };
	struct xlb_backend_cfg b[1];
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	uint16_t ports[1] = { 80 };

	mk_cfg(&cfg, &svc, b, 1, ports);
	svc.hc.type = XLB_HC_EXEC;
	snprintf(svc.hc.script, sizeof(svc.hc.script), "sleep 100; true");
	m = xlb_health_new(loop, &cfg, on_change, &r);
	cr_assert_not_null(m);
	run_for(loop, 350);
	cr_assert_str_eq(status_of(m, 80).last_detail, "timeout");
	cr_assert_eq(status_of(m, 80).state, XLB_BACKEND_DOWN);
	xlb_health_free(m);
	drain_probes(loop, 3000);
	cr_assert_eq(xlb_probe_live(), 0);
	cr_assert_eq(count_children(), 0, "a killed check was not reaped");
	xlb_loop_free(loop);
}

/* The schedule, not its timing: every backend has one next start within
 * the coming interval, and the starts are spread, not stacked. */
Test(health_mgr, checks_are_spread_over_the_interval)
{
	enum { N = 200 };
	static struct xlb_backend_cfg b[N];
	static uint64_t next[N];
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_service_cfg svc;
	struct xlb_cfg cfg;
	struct xlb_health_mgr *m;
	uint16_t ports[N];
	uint64_t now;
	int i, j, distinct = 0;

	for (i = 0; i < N; i++)
		ports[i] = 1000 + i;
	mk_cfg(&cfg, &svc, b, N, ports);
	svc.hc.interval_ms = 1000;
	svc.hc.timeout_ms = 100;
	now = xlb_now_ms();
	m = xlb_health_new(loop, &cfg, NULL, NULL);
	cr_assert_not_null(m);
	for (i = 0; i < N; i++) {
		struct xlb_backend_status st = status_of(m, ports[i]);

		next[i] = st.next_probe_ms;
		cr_assert_gt(next[i], now - 1);
		cr_assert_leq(next[i], xlb_now_ms() + 1000);
	}
	for (i = 0; i < N; i++) {
		for (j = 0; j < i && next[j] != next[i]; j++)
			;
		distinct += j == i;
	}
	/* 200 hashes into 1000 ms: ~180 distinct expected; all equal = herd */
	cr_assert_geq(distinct, 120, "only %d distinct start times", distinct);
	xlb_health_free(m);
	xlb_loop_free(loop);
}
