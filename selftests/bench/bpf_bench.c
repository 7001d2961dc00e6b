// SPDX-License-Identifier: GPL-2.0
/*
 * Data-plane benchmark: ns per packet of the xlb XDP program per packet
 * type, beside an empty program (xdp_pass) and a MAC-swapping XDP_TX
 * program (xdp_txswap) timed the same way in the same run.
 *
 * Timing follows Katran's perf test: BPF_PROG_TEST_RUN with repeat = 1,
 * called many times, averaging the kernel-reported duration. With repeat
 * > 1 the kernel would rerun the program on the frame it already rewrote
 * (a NAT rewrite would then meet a packet that is no longer for the VIP),
 * timing a different path. Each call copies in a fresh frame, and the
 * reason counters prove every call took the intended path.
 *
 * Usage: bench_bpf_bench [CALLS]   (default 100000, at most 1000000)
 * Needs root; runs in a private network namespace (see fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The fixture and packet builder are shared with the tests. */
#include "bpf/fixture.c"
#include "bpf/pkt.c"

#include "xdp_pass.skel.h"
#include "xdp_txswap.skel.h"

#define BENCH_PORT  80
#define BENCH_BPORT 8080
#define BENCH_NBE   8

struct bench_res {
	const char *name;
	double mean;
	double p50;
	const char *check;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Builds frame @i of a run into @buf. */
typedef size_t (*frame_fn)(int i, uint8_t *buf);

/*
 * Time @calls runs of @prog_fd on frames from @fn (one fresh frame per
 * call). Every verdict must be @verdict. Fills mean and median ns.
 */
static int time_prog(int prog_fd, int ifindex, frame_fn fn, int calls, uint32_t verdict,
		     struct bench_res *r)
{
	static uint8_t in[PKT_MAX], out[PKT_MAX];
	uint32_t *d, v, dur;
	uint64_t total = 0;
	size_t len, out_len;
	int i, err = 0;

	d = calloc((size_t)calls, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < calls; i++) {
		len = fn(i, in);
		err = fx_run_prog(prog_fd, ifindex, in, len, out, &out_len, &v, &dur);
		if (err)
			goto out;
		if (v != verdict) {
			fprintf(stderr, "%s: call %d gave verdict %u, expected %u\n", r->name, i, v,
				verdict);
			err = -EPROTO;
			goto out;
		}
		d[i] = dur;
		total += dur;
	}
	qsort(d, (size_t)calls, sizeof(*d), cmp_u32);
	r->mean = (double)total / calls;
	r->p50 = d[calls / 2];
out:
	free(d);
	return err;
}

/* ---- frames -------------------------------------------------------------- */

static void client(struct pkt *p, int family, uint8_t proto, uint16_t sport, uint8_t flags)
{
	memset(p, 0, sizeof(*p));
	pkt_set_macs(p, FX_LB_MAC, FX_GW_MAC);
	if (family == AF_INET6)
		pkt_set_ips(p, FX_CLIENT6, FX_VIP6);
	else
		pkt_set_ips(p, FX_CLIENT4, FX_VIP4);
	p->proto = proto;
	p->sport = sport;
	p->dport = BENCH_PORT;
	p->tcp_flags = proto == IPPROTO_TCP ? flags : 0;
	p->seq = 1;
	p->ack = flags & PKT_TCP_ACK ? 1 : 0;
	p->payload_len = 64;
}

/* A new flow per call: 1000 addresses x 100 ports, then it repeats. */
static size_t f_syn4(int i, uint8_t *buf)
{
	struct pkt p;

	client(&p, AF_INET, IPPROTO_TCP, (uint16_t)(10000 + i % 100), PKT_TCP_SYN);
	p.src[0] = 198;
	p.src[1] = 18;
	p.src[2] = (uint8_t)(i / 100 / 250 % 250);
	p.src[3] = (uint8_t)(i / 100 % 250 + 1);
	p.payload_len = 0;
	return pkt_build(&p, buf, PKT_MAX);
}

static size_t f_est4(int i, uint8_t *buf)
{
	struct pkt p;

	client(&p, AF_INET, IPPROTO_TCP, 40000, PKT_TCP_ACK | PKT_TCP_PSH);
	p.seq = (uint32_t)i;
	return pkt_build(&p, buf, PKT_MAX);
}

static size_t f_udp4(int i, uint8_t *buf)
{
	struct pkt p;

	client(&p, AF_INET, IPPROTO_UDP, 40001, 0);
	p.payload_seed = (uint8_t)i;
	return pkt_build(&p, buf, PKT_MAX);
}

static size_t f_est6(int i, uint8_t *buf)
{
	struct pkt p;

	client(&p, AF_INET6, IPPROTO_TCP, 40002, PKT_TCP_ACK | PKT_TCP_PSH);
	p.seq = (uint32_t)i;
	return pkt_build(&p, buf, PKT_MAX);
}

static uint16_t reply_port; /* SNAT port of the flow of f_est4 */
static int reply_be;        /* and the index of its backend */

static size_t f_reply4(int i, uint8_t *buf)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	pkt_set_macs(&p, FX_LB_MAC, fx_be_mac(0, reply_be));
	pkt_set_ips(&p, fx_be_addr(0, reply_be, XLB_AF_INET), FX_LB4);
	p.proto = IPPROTO_TCP;
	p.sport = BENCH_BPORT;
	p.dport = reply_port;
	p.tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH;
	p.seq = (uint32_t)i;
	p.payload_len = 64;
	return pkt_build(&p, buf, PKT_MAX);
}

static size_t f_other(int i, uint8_t *buf)
{
	struct pkt p;

	client(&p, AF_INET, IPPROTO_TCP, 40003, PKT_TCP_ACK);
	p.dport = 22;
	p.seq = (uint32_t)i;
	pkt_addr(FX_LB4, p.dst);
	return pkt_build(&p, buf, PKT_MAX);
}

/* ---- setup --------------------------------------------------------------- */

static int add_service(struct fx *fx, int family, uint8_t proto, uint8_t mode, uint32_t id,
		       uint32_t table, uint32_t first_be)
{
	uint32_t ids[BENCH_NBE];
	int i, err;

	for (i = 0; i < BENCH_NBE; i++) {
		ids[i] = first_be + (uint32_t)i;
		err = fx_backend(fx, ids[i], fx_be_addr(0, i, family), BENCH_BPORT, XLB_BE_UP, 1,
				 id);
		if (err)
			return err;
	}
	err = fx_table(fx, table, ids, NULL, BENCH_NBE);
	if (err)
		return err;
	return fx_service(fx, family == XLB_AF_INET6 ? FX_VIP6 : FX_VIP4, BENCH_PORT, proto, mode,
			  0, family == XLB_AF_INET6 ? FX_LB6 : FX_LB4, id, table);
}

/* One warm-up packet so a flow exists; returns its SNAT port and backend. */
static int warm(struct fx *fx, frame_fn fn, uint16_t *sport, int *be)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len = fn(0, in), out_len;
	uint32_t v;
	int err;

	err = fx_run(fx, fx->ifindex0, in, len, out, &out_len, &v);
	if (err)
		return err;
	if (v != XDP_TX)
		return -EPROTO;
	if (sport)
		*sport = (uint16_t)(out[34] << 8 | out[35]); /* untagged IPv4, no options */
	if (be) {
		uint8_t mac[6];
		int i;

		for (i = 0; i < BENCH_NBE; i++) {
			pkt_mac(fx_be_mac(0, i), mac);
			if (!memcmp(out, mac, 6))
				*be = i;
		}
	}
	return 0;
}

/* Time the xlb program on @fn, checking the reason (and new flows) moved by @calls. */
static int bench_xlb(struct fx *fx, struct bench_res *r, frame_fn fn, int calls, uint32_t verdict,
		     enum xlb_reason reason, uint32_t svc, int64_t new_flows)
{
	uint64_t before = fx_reason_packets(fx, reason), after;
	struct xlb_service_stats s0 = { 0 }, s1 = { 0 };
	int err;

	if (new_flows >= 0)
		fx_service_stats(fx, svc, &s0);
	err = time_prog(fx->prog_fd, fx->ifindex0, fn, calls, verdict, r);
	if (err)
		return err;
	after = fx_reason_packets(fx, reason);
	r->check = "ok";
	if (after - before != (uint64_t)calls)
		r->check = "WRONG PATH (reason count)";
	if (new_flows >= 0) {
		fx_service_stats(fx, svc, &s1);
		if (s1.new_flows - s0.new_flows != (uint64_t)new_flows)
			r->check = "WRONG PATH (new flows)";
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xdp_pass *pass = NULL;
	struct xdp_txswap *swap = NULL;
	struct bench_res res[10];
	int calls = 100000, n = 0, i, err;
	double floor;
	struct fx fx;

	if (argc > 1)
		calls = atoi(argv[1]);
	if (calls < 1 || calls > 1000000) {
		fprintf(stderr, "usage: %s [CALLS 1..1000000]\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		printf("bpf_bench: skipped, needs root (BPF, network namespace)\n");
		return 0;
	}
	libbpf_set_print(NULL);
	err = fx_setup(&fx, NULL);
	if (err) {
		fprintf(stderr, "bpf_bench: setup failed: %s\n", strerror(-err));
		return 1;
	}
	pass = xdp_pass__open_and_load();
	swap = xdp_txswap__open_and_load();
	if (!pass || !swap) {
		fprintf(stderr, "bpf_bench: loading the floor programs failed\n");
		err = -EINVAL;
		goto out;
	}
	err = add_service(&fx, XLB_AF_INET, IPPROTO_TCP, XLB_MODE_NAT, 1, 0, 1);
	err = err ?: add_service(&fx, XLB_AF_INET, IPPROTO_UDP, XLB_MODE_NAT, 2, 1, 101);
	err = err ?: add_service(&fx, XLB_AF_INET6, IPPROTO_TCP, XLB_MODE_NAT, 3, 2, 201);
	err = err ?: warm(&fx, f_est4, &reply_port, &reply_be);
	err = err ?: warm(&fx, f_udp4, NULL, NULL);
	err = err ?: warm(&fx, f_est6, NULL, NULL);
	if (err) {
		fprintf(stderr, "bpf_bench: service setup failed: %s\n", strerror(-err));
		goto out;
	}

	res[n].name = "xdp_pass (empty program)";
	res[n].check = "-";
	err = time_prog(bpf_program__fd(pass->progs.xdp_pass), fx.ifindex0, f_est4, calls, XDP_PASS,
			&res[n]);
	if (err)
		goto out;
	n++;
	res[n].name = "xdp_txswap (MAC swap + TX)";
	res[n].check = "-";
	err = time_prog(bpf_program__fd(swap->progs.xdp_txswap), fx.ifindex0, f_est4, calls,
			XDP_TX, &res[n]);
	if (err)
		goto out;
	floor = res[n].mean;
	n++;

	res[n].name = "ipv4 tcp syn, new flow (nat)";
	err = bench_xlb(&fx, &res[n++], f_syn4, calls, XDP_TX, XLB_R_FWD_TX, 1, calls);
	res[n].name = "ipv4 tcp established (nat)";
	err = err ?: bench_xlb(&fx, &res[n++], f_est4, calls, XDP_TX, XLB_R_FWD_TX, 1, 0);
	res[n].name = "ipv4 udp (nat)";
	err = err ?: bench_xlb(&fx, &res[n++], f_udp4, calls, XDP_TX, XLB_R_FWD_TX, 2, 0);
	res[n].name = "ipv6 tcp established (nat)";
	err = err ?: bench_xlb(&fx, &res[n++], f_est6, calls, XDP_TX, XLB_R_FWD_TX, 3, 0);
	res[n].name = "ipv4 nat reply";
	err = err ?: bench_xlb(&fx, &res[n++], f_reply4, calls, XDP_TX, XLB_R_FWD_TX, 1, -1);
	res[n].name = "ipv4 non-service (pass)";
	err = err ?: bench_xlb(&fx, &res[n++], f_other, calls, XDP_PASS, XLB_R_PASS_NOT_SERVICE,
			       1, -1);
	if (err) {
		fprintf(stderr, "bpf_bench: run failed: %s\n", strerror(-err));
		goto out;
	}

	printf("xlb data plane, BPF_PROG_TEST_RUN, repeat=1, %d calls per type, "
	       "kernel-reported duration\n", calls);
	printf("%-32s %9s %9s %9s %9s  %s\n", "packet type", "mean ns", "p50 ns", "x txswap",
	       "over pass", "path");
	for (i = 0; i < n; i++)
		printf("%-32s %9.1f %9.0f %9.2f %9.1f  %s\n", res[i].name, res[i].mean, res[i].p50,
		       res[i].mean / floor, res[i].mean - res[0].mean, res[i].check);
	printf("x txswap: target <= 2.00 for established flows (measured, not asserted);\n"
	       "over pass: mean minus the empty program's, i.e. without the test-run overhead\n");
	for (i = 2; i < n; i++)
		if (strcmp(res[i].check, "ok"))
			err = -EPROTO;
out:
	xdp_pass__destroy(pass);
	xdp_txswap__destroy(swap);
	fx_teardown(&fx);
	return err ? 1 : 0;
}
