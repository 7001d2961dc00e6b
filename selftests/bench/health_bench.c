// SPDX-License-Identifier: GPL-2.0
/*
 * Health-check cost: 10,000 backends probed with tcp checks at a 1 s
 * interval, for a bounded ~10 s, on the real loop. Prints the CPU share of
 * one core the prober used (getrusage user+sys / wall) and how evenly probe
 * starts are spread over time. Nothing is asserted (noisy machine).
 *
 * Everything happens inside a network namespace this program creates: 100
 * listening ports on lo, 100 addresses 127.0.1.1-100 (all local on lo), so
 * 10,000 distinct backends. A child process accepts and closes the
 * connections and counts arrivals per 10 ms; its CPU is not the prober's.
 *
 * Usage: bench_health_bench [seconds]   (default 10, at most 60)
 */
#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "health_mgr.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

#define N_PORTS    100
#define N_ADDRS    100
#define N_SERVICES 10
#define PORT_BASE  20000
#define INTERVAL_MS 1000
#define BUCKET_MS  10
#define WARMUP_MS  1500
#define FLOOR_S    3

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * On loopback both TCP ends are processed in the softirq that the sender's
 * own syscall runs, so the backends' side of every handshake would be billed
 * to the prober. Steering lo's receive processing to another CPU (RPS, set
 * through a private sysfs mount of this netns) leaves the prober with its
 * own work, as with real remote backends whose packets arrive by NIC
 * interrupt. Returns the CPU used, or -1 (then the figure includes both ends).
 */
static int steer_rx_away(int prober_cpu)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), cpu, fd;
	char mask[32];
	cpu_set_t set;

	if (ncpu < 2)
		return -1;
	cpu = prober_cpu == 0 ? 1 : 0;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		return -1;
	fd = open("/sys/class/net/lo/queues/rx-0/rps_cpus", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(mask, sizeof(mask), "%x", 1u << cpu);
	if (write(fd, mask, strlen(mask)) < 0)
		cpu = -1;
	close(fd);
	CPU_ZERO(&set);
	CPU_SET(prober_cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	return cpu;
}

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * The listener process: accept and close everything; count arrivals per
 * BUCKET_MS from @t0 for @n buckets, then write the counts to @out and exit.
 */
static void serve(const int *lfd, int n, int out, uint64_t t0, uint32_t nb)
{
	uint32_t *hist = calloc(nb, sizeof(*hist));
	uint64_t end = t0 + (uint64_t)nb * BUCKET_MS;
	struct epoll_event ev, evs[64];
	int ep = epoll_create1(0), i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!hist || ep < 0)
		_exit(1);
	for (i = 0; i < n; i++) {
		ev.events = EPOLLIN;
		ev.data.fd = lfd[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, lfd[i], &ev);
	}
	for (;;) {
		uint64_t now = xlb_now_ms();
		int k;

		if (now >= end + 200)
			break;
		k = epoll_wait(ep, evs, 64, 50);
		for (i = 0; i < k; i++) {
			int c;

			while ((c = accept4(evs[i].data.fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				now = xlb_now_ms();
				if (now >= t0 && now < end)
					hist[(now - t0) / BUCKET_MS]++;
				close(c);
			}
		}
	}
	if (write(out, hist, nb * sizeof(*hist)) < 0)
		_exit(1);
	_exit(0);
}

struct tally {
	unsigned long up, probes, failures;
	uint32_t phase[INTERVAL_MS / BUCKET_MS];
	char first_failure[XLB_PROBE_DETAIL_MAX];
};

static int tally_cb(void *arg, const struct xlb_backend_status *st)
{
	struct tally *t = arg;

	t->up += st->state == XLB_BACKEND_UP;
	t->probes += st->probes;
	t->failures += st->probe_failures;
	if (st->probe_failures && !t->first_failure[0])
		snprintf(t->first_failure, sizeof(t->first_failure), "%s", st->last_detail);
	if (st->last_probe_ms)
		t->phase[(st->last_probe_ms % INTERVAL_MS) / BUCKET_MS]++;
	return 0;
}

static void stop_cb(struct xlb_loop *loop, void *arg)
{
	(void)arg;
	xlb_loop_stop(loop);
}

/*
 * The floor: the same connects at the same rate with the least code that can
 * do them (socket, connect, SO_LINGER, epoll, close), no xlb at all. What xlb
 * costs above this is its own overhead. Returns the CPU share of one core.
 */
static double bare_floor(unsigned int secs, unsigned int rate)
{
	struct epoll_event evs[256];
	struct rusage a, b;
	uint64_t start, end, now, started = 0, done = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	double cpu;

	if (ep < 0)
		return -1;
	getrusage(RUSAGE_SELF, &a);
	start = xlb_now_ms();
	end = start + secs * 1000ull;
	while ((now = xlb_now_ms()) < end || done < started) {
		uint64_t want = now < end ? (now - start) * rate / 1000 : started;
		int i, n;

		if (now > end + 1000)
			break; /* bounded even if connects hang */
		while (started < want) {
			uint32_t i2 = started % (N_ADDRS * N_PORTS);
			struct sockaddr_in sin = {
				.sin_family = AF_INET,
				.sin_port = htons(PORT_BASE + i2 % N_PORTS),
				.sin_addr.s_addr = htonl(0x7f000100 | (i2 / N_PORTS + 1)),
			};
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };
			struct epoll_event ev = { .events = EPOLLOUT };
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			started++;
			if (fd < 0) {
				done++;
				continue;
			}
			connect(fd, (struct sockaddr *)&sin, sizeof(sin));
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			ev.data.fd = fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
		n = epoll_wait(ep, evs, 256, 1);
		for (i = 0; i < n; i++) {
			close(evs[i].data.fd);
			done++;
		}
	}
	getrusage(RUSAGE_SELF, &b);
	close(ep);
	cpu = tv_s(b.ru_utime) - tv_s(a.ru_utime) + tv_s(b.ru_stime) - tv_s(a.ru_stime);
	return 100.0 * cpu / ((xlb_now_ms() - start) / 1000.0);
}

static void spread(const uint32_t *h, uint32_t n, double *mean, uint32_t *max, uint32_t *min)
{
	uint64_t sum = 0;
	uint32_t i;

	*max = 0;
	*min = UINT32_MAX;
	for (i = 0; i < n; i++) {
		sum += h[i];
		if (h[i] > *max)
			*max = h[i];
		if (h[i] < *min)
			*min = h[i];
	}
	*mean = n ? (double)sum / n : 0;
}

int main(int argc, char **argv)
{
	static struct xlb_backend_cfg backends[N_ADDRS * N_PORTS];
	static struct xlb_service_cfg svcs[N_SERVICES];
	struct xlb_cfg cfg = { 0 };
	struct xlb_health_mgr *m = NULL;
	struct xlb_loop *loop = NULL;
	struct xlb_timer stop = { 0 };
	struct rusage r0, r1, rc;
	struct rlimit rl;
	struct tally t = { 0 };
	int lfd[N_PORTS], pfd[2] = { -1, -1 }, i, err = 1, status;
	unsigned int secs = argc > 1 ? (unsigned int)atoi(argv[1]) : 10;
	uint32_t nb, *hist = NULL, max, min;
	uint64_t t0, w0, w1;
	double mean, cpu, wall, floor;
	pid_t child = -1;
	size_t per;
	int rx_cpu;

	if (secs < 1 || secs > 60)
		secs = 10;
	nb = secs * 1000 / BUCKET_MS;
	xlb_log_set_ident("health_bench");
	xlb_log_set_level(XLB_LOG_WARN);
	if (unshare(CLONE_NEWNET) < 0) {
		printf("health_bench: skipped: unshare(CLONE_NEWNET): %s (needs root)\n",
		       strerror(errno));
		return 0;
	}
	if (lo_up() < 0) {
		fprintf(stderr, "health_bench: cannot bring lo up\n");
		return 1;
	}
	rx_cpu = getenv("XLB_BENCH_NO_RPS") ? -1 : steer_rx_away(0);
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	for (i = 0; i < N_PORTS; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(PORT_BASE + i) };
		int one = 1;

		lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		setsockopt(lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (lfd[i] < 0 || bind(lfd[i], (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    listen(lfd[i], 4096) < 0) {
			fprintf(stderr, "health_bench: listener %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	if (pipe(pfd) < 0)
		return 1;
	t0 = xlb_now_ms() + WARMUP_MS;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		nb += (FLOOR_S * 1000 + 500) / BUCKET_MS; /* keep serving for the floor */
		if (rx_cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(rx_cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		close(pfd[0]);
		serve(lfd, N_PORTS, pfd[1], t0, nb);
	}
	close(pfd[1]);
	for (i = 0; i < N_PORTS; i++)
		close(lfd[i]);

	/* 10 services x 1000 backends: 127.0.1.a : 20000+p */
	per = N_ADDRS * N_PORTS / N_SERVICES;
	for (i = 0; i < N_ADDRS * N_PORTS; i++) {
		struct xlb_backend_cfg *b = &backends[i];

		b->addr.family = XLB_AF_INET;
		b->addr.a[0] = htonl(0x7f000100 | (i / N_PORTS + 1));
		b->port = PORT_BASE + i % N_PORTS;
		b->weight = 1;
		b->max_fails = 1;
		b->fail_timeout_ms = 10000;
	}
	for (i = 0; i < N_SERVICES; i++) {
		struct xlb_service_cfg *s = &svcs[i];

		snprintf(s->name, sizeof(s->name), "svc%d", i);
		s->hc.type = XLB_HC_TCP;
		s->hc.interval_ms = INTERVAL_MS;
		s->hc.timeout_ms = 500;
		s->hc.rise = 2;
		s->hc.fall = 3;
		s->backends = &backends[i * per];
		s->n_backends = per;
	}
	cfg.services = svcs;
	cfg.n_services = N_SERVICES;

	loop = xlb_loop_new();
	if (!loop)
		goto out;
	m = xlb_health_new(loop, &cfg, NULL, NULL);
	if (!m) {
		fprintf(stderr, "health_bench: xlb_health_new: %s\n", strerror(errno));
		goto out;
	}

	/* Warm-up: every backend gets its first probe within one interval. */
	xlb_timer_arm(loop, &stop, t0, stop_cb, NULL);
	xlb_loop_run(loop);

	getrusage(RUSAGE_SELF, &r0);
	w0 = xlb_now_ms();
	xlb_timer_arm(loop, &stop, t0 + (uint64_t)secs * 1000, stop_cb, NULL);
	xlb_loop_run(loop);
	w1 = xlb_now_ms();
	getrusage(RUSAGE_SELF, &r1);

	xlb_health_foreach(m, tally_cb, &t);
	xlb_health_free(m);
	m = NULL;
	floor = bare_floor(FLOOR_S, N_ADDRS * N_PORTS * 1000 / INTERVAL_MS);
	cpu = tv_s(r1.ru_utime) - tv_s(r0.ru_utime) + tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
	wall = (w1 - w0) / 1000.0;

	hist = calloc(nb, sizeof(*hist));
	if (hist) {
		size_t want = nb * sizeof(*hist), got = 0;

		while (got < want) {
			ssize_t n = read(pfd[0], (char *)hist + got, want - got);

			if (n <= 0)
				break;
			got += n;
		}
		if (got < want) {
			free(hist);
			hist = NULL;
		}
	}

	printf("health_bench: %d backends (%d services), tcp check every %d ms, timeout 500 ms, "
	       "%.2f s measured\n", N_ADDRS * N_PORTS, N_SERVICES, INTERVAL_MS, wall);
	printf("  probes finished (whole run): %lu, failed: %lu%s%s%s, backends up: %lu/%d\n",
	       t.probes, t.failures, t.failures ? " (e.g. \"" : "", t.first_failure,
	       t.failures ? "\")" : "", t.up, N_ADDRS * N_PORTS);
	if (rx_cpu >= 0)
		printf("  prober on cpu 0; lo receive processing (both TCP ends) and listeners "
		       "on cpu %d\n", rx_cpu);
	else
		printf("  prober cpu includes the backends' side of each handshake "
		       "(loopback, no RPS)\n");
	printf("  prober cpu: user %.3f s + sys %.3f s over %.2f s = %.1f%% of one core "
	       "(target < 10%%)\n", tv_s(r1.ru_utime) - tv_s(r0.ru_utime),
	       tv_s(r1.ru_stime) - tv_s(r0.ru_stime), wall, 100.0 * cpu / wall);
	printf("  floor, same connects with bare syscalls and no xlb (%d s): %.1f%% of one core;"
	       " xlb's own share: %.1f%%\n", FLOOR_S, floor, 100.0 * cpu / wall - floor);
	if (hist) {
		spread(hist, nb, &mean, &max, &min);
		printf("  connection arrivals per %d ms (listener side, %u buckets): mean %.1f, "
		       "max %u (%.2fx mean), min %u\n", BUCKET_MS, nb, mean, max,
		       mean ? max / mean : 0, min);
	}
	spread(t.phase, INTERVAL_MS / BUCKET_MS, &mean, &max, &min);
	printf("  probe start phase within the interval (%d ms buckets): mean %.1f, max %u "
	       "(%.2fx mean), min %u\n", BUCKET_MS, mean, max, mean ? max / mean : 0, min);
	err = 0;
out:
	xlb_health_free(m);
	xlb_loop_free(loop);
	free(hist);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		if (!getrusage(RUSAGE_CHILDREN, &rc))
			printf("  (listener process, not xlb: %.3f s cpu)\n",
			       tv_s(rc.ru_utime) + tv_s(rc.ru_stime));
	}
	return err ? EXIT_FAILURE : 0;
}
