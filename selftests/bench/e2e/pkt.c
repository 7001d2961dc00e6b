// SPDX-License-Identifier: GPL-2.0
/*
 * e2e_pkt: packet-rate driver of selftests/bench/e2e.sh.
 *
 * Run inside the generator namespace. It loads e2e/pkt.bpf.o (skeleton
 * "pkt"), attaches the counting sink (e2e_sink) to --if in native mode,
 * and starts a generator thread pinned to --gen-cpu that calls
 * BPF_PROG_TEST_RUN on e2e_gen with BPF_F_TEST_XDP_LIVE_FRAMES in chunks,
 * so every XDP_TX'd frame leaves through --if toward the load balancer.
 * --rate paces it (calls of 1/2000 s worth of frames); without it, it sends
 * as fast as it can. After --warmup seconds it measures for --seconds:
 * frames counted by the sink per backend (be1..be3, other0 = any other
 * destination MAC), frames generated (sent), the CPU time per second of
 * the --pid tasks (task_cpu: all their threads, from
 * /proc/PID/task/TID/schedstat), of this process (gen_cpu) and of
 * --sink-pid (sink_cpu), how busy --lb-cpu was in /proc/stat (cpu_busy:
 * anything running there, not only ours) and the frames the veth could
 * not hand to the load balancer (txdrop: its ring was full). One line of
 * key=value on stdout.
 *
 * Bounded: the generator stops after warmup + seconds (each at most 60 s);
 * SIGINT/SIGTERM stop it early. Both programs are detached on exit unless
 * --keep: then they stay attached (and counting) until the next run
 * replaces them, so the veths never go without XDP between runs: each
 * detach and attach reconfigures the veth pair (NAPI, offloads).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pkt.skel.h"

#define NBE	   3  /* backends */
#define MAX_PIDS   16

/*
 * Frames per BPF_PROG_TEST_RUN call. Each call also sets up and tears down
 * a page pool; and it adds the program to the kernel's XDP dispatcher and
 * removes it again, each change waiting for an RCU grace period, unless
 * the program is attached to some interface already (--hold-if), which
 * keeps it in the dispatcher. Without that the generator slept in
 * synchronize_rcu() most of the time here.
 */
#define CHUNK	   (1 << 20)

struct opts {
	const char *ifname, *hold_ifname;
	int gen_cpu, lb_cpu;
	double warmup, seconds, rate;
	uint8_t smac[6], dmac[6], bemac[NBE][6];
	uint32_t saddr, daddr, flows;
	uint16_t dport;
	int pids[MAX_PIDS];
	int npids, sink_pid;
	bool keep; /* leave both programs attached at exit */
};

struct snap {
	double t;
	uint64_t sent, sink[NBE + 1], task_ns, gen_ns, sink_ns, cpu_busy, cpu_total, txdrop;
};

static atomic_bool stop;
static volatile __u64 *gen_seq; /* frames generated, the program's counter */
static int gen_err;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

/* Sum of the CPU time (ns) of every thread of @pid; 0 when it is gone. */
static uint64_t task_ns(int pid)
{
	char path[64], line[128];
	struct dirent *de;
	uint64_t sum = 0, v;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "%lu", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* Busy and total jiffies of CPU @cpu from /proc/stat. */
static void cpu_times(int cpu, uint64_t *busy, uint64_t *total)
{
	char want[16], line[256];
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int i;

	*busy = *total = 0;
	if (!f)
		return;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		for (i = 0; i < 8; i++)
			*total += v[i];
		*busy = *total - v[3] - v[4]; /* minus idle and iowait */
		break;
	}
	fclose(f);
}

static uint64_t read_u64_file(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int take_snap(const struct opts *o, int map_fd, struct snap *s)
{
	int ncpu = libbpf_num_possible_cpus(), i, c;
	uint64_t *vals;
	char path[128];
	uint32_t k;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->t = now();
	s->sent = *gen_seq;
	for (k = 0; k <= NBE; k++) {
		if (bpf_map_lookup_elem(map_fd, &k, vals)) {
			free(vals);
			return -errno;
		}
		for (c = 0; c < ncpu; c++)
			s->sink[k] += vals[c];
	}
	free(vals);
	for (i = 0; i < o->npids; i++)
		s->task_ns += task_ns(o->pids[i]);
	s->gen_ns = task_ns(getpid());
	if (o->sink_pid)
		s->sink_ns = task_ns(o->sink_pid);
	cpu_times(o->lb_cpu, &s->cpu_busy, &s->cpu_total);
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped", o->ifname);
	s->txdrop = read_u64_file(path);
	return 0;
}

struct gen_arg {
	int prog_fd, ifindex, cpu;
	double rate; /* frames per second, 0: as fast as it goes */
};

static void *gen_thread(void *p)
{
	const struct gen_arg *a = p;
	uint8_t frame[60] = { 0 };
	struct xdp_md ctx = { .data_end = sizeof(frame), .ingress_ifindex = (uint32_t)a->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, rt, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = CHUNK,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
	double t0 = now(), ahead;
	uint64_t done = 0;
	cpu_set_t set;

	/* Paced: calls of 1/2000 s worth of frames, sleeping while ahead. */
	if (a->rate > 0)
		rt.repeat = a->rate / 2000 < 1 ? 1 : (int)(a->rate / 2000);
	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "e2e_pkt: cannot pin the generator to CPU %d\n", a->cpu);
	while (!atomic_load(&stop)) {
		if (bpf_prog_test_run_opts(a->prog_fd, &rt)) {
			gen_err = -errno;
			fprintf(stderr, "e2e_pkt: BPF_PROG_TEST_RUN (live frames) failed: %s\n",
				strerror(errno));
			atomic_store(&stop, true);
			break;
		}
		done += (uint64_t)rt.repeat;
		ahead = a->rate > 0 ? (double)done / a->rate - (now() - t0) : 0;
		if (ahead > 0) {
			struct timespec ts = { (time_t)ahead,
					       (long)((ahead - (double)(time_t)ahead) * 1e9) };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* Sleep @sec seconds or until stopped. */
static void nap(double sec)
{
	double end = now() + sec;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	while (!atomic_load(&stop) && now() < end)
		nanosleep(&ts, NULL);
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --if IF --smac MAC --dmac MAC --saddr IP --daddr IP --dport PORT\n"
		"          --bemac MAC,MAC,MAC [--flows N] [--gen-cpu N] [--lb-cpu N]\n"
		"          [--warmup SEC] [--seconds SEC] [--pid PID]... [--hold-if IF]\n"
		"          [--rate PPS] [--sink-pid PID] [--keep]\n",
		prog);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "if", 1, 0, 'i' },	  { "smac", 1, 0, 's' },    { "dmac", 1, 0, 'd' },
		{ "saddr", 1, 0, 'S' },	  { "daddr", 1, 0, 'D' },   { "dport", 1, 0, 'p' },
		{ "bemac", 1, 0, 'b' },	  { "flows", 1, 0, 'f' },   { "gen-cpu", 1, 0, 'g' },
		{ "lb-cpu", 1, 0, 'l' },  { "warmup", 1, 0, 'w' },  { "seconds", 1, 0, 't' },
		{ "pid", 1, 0, 'P' },	  { "hold-if", 1, 0, 'H' }, { "rate", 1, 0, 'r' },
		{ "sink-pid", 1, 0, 'k' }, { "keep", 0, 0, 'K' }, { 0, 0, 0, 0 },
	};
	char *tok, *save = NULL;
	int c, n, need = 0;

	memset(o, 0, sizeof(*o));
	o->flows = 4096;
	o->lb_cpu = 1;
	o->warmup = 1;
	o->seconds = 3;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			need |= 1;
			break;
		case 's':
			if (parse_mac(optarg, o->smac))
				return -EINVAL;
			need |= 2;
			break;
		case 'd':
			if (parse_mac(optarg, o->dmac))
				return -EINVAL;
			need |= 4;
			break;
		case 'S':
			if (parse_ip(optarg, &o->saddr))
				return -EINVAL;
			need |= 8;
			break;
		case 'D':
			if (parse_ip(optarg, &o->daddr))
				return -EINVAL;
			need |= 16;
			break;
		case 'p':
			o->dport = (uint16_t)atoi(optarg);
			need |= 32;
			break;
		case 'b':
			n = 0;
			for (tok = strtok_r(optarg, ",", &save); tok && n < NBE;
			     tok = strtok_r(NULL, ",", &save))
				if (parse_mac(tok, o->bemac[n++]))
					return -EINVAL;
			if (n != NBE)
				return -EINVAL;
			need |= 64;
			break;
		case 'H':
			o->hold_ifname = optarg;
			break;
		case 'r':
			o->rate = atof(optarg);
			break;
		case 'k':
			o->sink_pid = atoi(optarg);
			break;
		case 'K':
			o->keep = true;
			break;
		case 'f':
			o->flows = (uint32_t)atoi(optarg);
			break;
		case 'g':
			o->gen_cpu = atoi(optarg);
			break;
		case 'l':
			o->lb_cpu = atoi(optarg);
			break;
		case 'w':
			o->warmup = atof(optarg);
			break;
		case 't':
			o->seconds = atof(optarg);
			break;
		case 'P':
			if (o->npids == MAX_PIDS)
				return -E2BIG;
			o->pids[o->npids++] = atoi(optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	if (need != 127 || o->flows < 1 || o->flows > 65536 || o->warmup < 0 ||
	    o->warmup > 60 || o->seconds <= 0 || o->seconds > 60 || o->rate < 0)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct snap a, b;
	struct opts o;
	struct pkt *skel = NULL;
	struct gen_arg ga;
	pthread_t th;
	bool attached = false, started = false;
	int ifindex, hold_ifindex = 0, err, i;
	double win;

	if (parse_args(argc, argv, &o)) {
		usage(argv[0]);
		return 2;
	}
	ifindex = (int)if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "e2e_pkt: no interface %s here: %s\n", o.ifname, strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = pkt__open();
	if (!skel) {
		fprintf(stderr, "e2e_pkt: opening the BPF object failed: %s\n", strerror(errno));
		return 1;
	}
	memcpy((void *)skel->rodata->gen_smac, o.smac, 6);
	memcpy((void *)skel->rodata->gen_dmac, o.dmac, 6);
	memcpy((void *)skel->rodata->sink_mac, o.bemac, sizeof(o.bemac));
	skel->rodata->gen_saddr = o.saddr;
	skel->rodata->gen_daddr = o.daddr;
	skel->rodata->gen_dport = o.dport;
	skel->rodata->gen_flows = o.flows;
	err = pkt__load(skel);
	if (err) {
		fprintf(stderr, "e2e_pkt: loading the BPF programs failed: %s\n", strerror(-err));
		goto out;
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.e2e_sink), XDP_FLAGS_DRV_MODE,
			     NULL);
	if (err) {
		fprintf(stderr, "e2e_pkt: attaching the sink to %s failed: %s\n", o.ifname,
			strerror(-err));
		goto out;
	}
	attached = true;
	if (o.hold_ifname) {
		hold_ifindex = (int)if_nametoindex(o.hold_ifname);
		err = hold_ifindex ? bpf_xdp_attach(hold_ifindex,
						    bpf_program__fd(skel->progs.e2e_gen),
						    XDP_FLAGS_DRV_MODE, NULL) :
				     -errno;
		if (err) {
			fprintf(stderr, "e2e_pkt: attaching the generator to %s failed: %s\n",
				o.hold_ifname, strerror(-err));
			hold_ifindex = 0;
			goto out;
		}
	}
	gen_seq = &skel->bss->gen_seq;
	ga.prog_fd = bpf_program__fd(skel->progs.e2e_gen);
	ga.ifindex = ifindex;
	ga.cpu = o.gen_cpu;
	ga.rate = o.rate;
	err = pthread_create(&th, NULL, gen_thread, &ga);
	if (err) {
		err = -err;
		fprintf(stderr, "e2e_pkt: cannot start the generator thread: %s\n", strerror(-err));
		goto out;
	}
	started = true;
	nap(o.warmup);
	err = take_snap(&o, bpf_map__fd(skel->maps.sink_count), &a);
	if (err)
		goto out;
	nap(o.seconds);
	err = take_snap(&o, bpf_map__fd(skel->maps.sink_count), &b);
	if (err)
		goto out;
	if (atomic_load(&stop)) {
		err = gen_err ? gen_err : -EINTR;
		goto out;
	}
	win = b.t - a.t;
	printf("window=%.3f sent=%lu delivered=%lu", win, b.sent - a.sent,
	       (b.sink[0] - a.sink[0]) + (b.sink[1] - a.sink[1]) + (b.sink[2] - a.sink[2]));
	for (i = 0; i <= NBE; i++)
		printf(" %s%d=%lu", i < NBE ? "be" : "other", i < NBE ? i + 1 : 0,
		       b.sink[i] - a.sink[i]);
	printf(" task_cpu=%.4f gen_cpu=%.4f sink_cpu=%.4f cpu_busy=%.4f txdrop=%lu\n",
	       (double)(b.task_ns - a.task_ns) / 1e9 / win, (double)(b.gen_ns - a.gen_ns) / 1e9 / win,
	       (double)(b.sink_ns - a.sink_ns) / 1e9 / win,
	       b.cpu_total > a.cpu_total ?
		       (double)(b.cpu_busy - a.cpu_busy) / (double)(b.cpu_total - a.cpu_total) :
		       0.0,
	       b.txdrop - a.txdrop);
out:
	atomic_store(&stop, true);
	if (started)
		pthread_join(th, NULL);
	if (attached && !o.keep)
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (hold_ifindex && !o.keep)
		bpf_xdp_detach(hold_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	pkt__destroy(skel);
	return err ? 1 : 0;
}
