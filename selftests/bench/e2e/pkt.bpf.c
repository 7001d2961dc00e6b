// SPDX-License-Identifier: GPL-2.0
/*
 * Packet-rate bench of selftests/bench/e2e.sh: a UDP frame generator and
 * a counting sink, both XDP programs, loaded by e2e/pkt.c.
 *
 * e2e_gen runs under BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES:
 * every repetition writes a whole Ethernet/IPv4/UDP frame (the page may
 * come back from the page pool rewritten by the load balancer) for flow
 * number seq % flows and returns XDP_TX, which the live-frames mode turns
 * into a transmit on the ingress veth, i.e. into the load balancer.
 *
 * e2e_sink is attached to that same veth and sees what the load balancer
 * sends back toward the backends (all backend addresses have neighbour
 * entries pointing at this veth with one MAC address per backend): it
 * counts IPv4 UDP frames per destination MAC (backend 0..2, 3 = other)
 * and drops them. Everything else (ARP, ...) passes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define E2E_NBE 3
#define ETH_P_IP 0x0800

const volatile __u8 gen_smac[6];
const volatile __u8 gen_dmac[6];
const volatile __u32 gen_saddr;  /* first source address, host order */
const volatile __u32 gen_daddr;  /* the VIP, host order */
const volatile __u16 gen_dport;  /* host order */
const volatile __u32 gen_flows = 1;  /* flows = 256 ports x flows/256 addresses */
const volatile __u16 gen_len = 60;   /* frame length (without FCS) */
const volatile __u8 sink_mac[E2E_NBE][6];

__u64 gen_seq;

/* Frames counted by the sink per backend (index 3: any other MAC), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, E2E_NBE + 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int e2e_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 flow, saddr, sum = 0;
	__u16 *w;
	int i;

	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;
	flow = (__u32)(gen_seq++ % gen_flows);
	for (i = 0; i < 6; i++) {
		eth->h_dest[i] = gen_dmac[i];
		eth->h_source[i] = gen_smac[i];
	}
	eth->h_proto = bpf_htons(ETH_P_IP);
	saddr = gen_saddr + (flow >> 8);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(gen_len - sizeof(*eth));
	ip->id = 0;
	ip->frag_off = bpf_htons(0x4000); /* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->check = 0;
	ip->saddr = bpf_htonl(saddr);
	ip->daddr = bpf_htonl(gen_daddr);
	w = (__u16 *)ip;
	for (i = 0; i < 10; i++)
		sum += w[i];
	ip->check = csum_fold(sum);
	udp->source = bpf_htons(10000 + (flow & 0xff));
	udp->dest = bpf_htons(gen_dport);
	udp->len = bpf_htons(gen_len - sizeof(*eth) - sizeof(*ip));
	udp->check = 0; /* allowed for IPv4 */
	return XDP_TX;
}

SEC("xdp")
int e2e_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 idx = E2E_NBE, i, j;
	__u64 *cnt;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	for (i = 0; i < E2E_NBE; i++) {
		for (j = 0; j < 6; j++)
			if (eth->h_dest[j] != sink_mac[i][j])
				break;
		if (j == 6) {
			idx = i;
			break;
		}
	}
	cnt = bpf_map_lookup_elem(&sink_count, &idx);
	if (cnt)
		*cnt += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
