/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Next hop from the kernel: bpf_fib_lookup() resolves the route and the
 * neighbour entry, so MAC addresses never come from configuration. The
 * lookup runs as if the packet was being forwarded from the ingress
 * interface, which needs forwarding enabled there (net.ipv4.ip_forward,
 * net.ipv6.conf.all.forwarding); otherwise it fails and the packet is
 * dropped as XLB_R_DROP_FIB.
 */
#ifndef XLB_FIB_H
#define XLB_FIB_H

/*
 * Look up the next hop for a packet of @p rewritten to @src -> @dst
 * (addresses in the packet's family, network order).
 */
static __always_inline int xlb_fib_lookup(struct xdp_md *ctx, const struct xlb_pkt *p,
					  struct bpf_fib_lookup *fib, const __be32 *src,
					  const __be32 *dst, __be16 sport, __be16 dport)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = ctx->ingress_ifindex;
	fib->l4_protocol = p->key.proto;
	fib->sport = sport;
	fib->dport = dport;
	fib->tot_len = p->ip_len;
	if (p->key.family == XLB_AF_INET) {
		fib->family = XLB_AF_INET;
		fib->tos = p->tos;
		fib->ipv4_src = src[0];
		fib->ipv4_dst = dst[0];
	} else {
		fib->family = XLB_AF_INET6;
		fib->flowinfo = p->flowinfo;
		__builtin_memcpy(fib->ipv6_src, src, 16);
		__builtin_memcpy(fib->ipv6_dst, dst, 16);
	}
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

/*
 * Send the frame to the next hop @fib found: new Ethernet addresses, then
 * XDP_TX when it leaves where it came in (or carries VLAN tags, which we
 * keep as they are), else bpf_redirect() to the egress interface.
 */
static __always_inline int xlb_fib_egress(struct xdp_md *ctx, const struct xlb_pkt *p,
					  const struct bpf_fib_lookup *fib)
{
	struct ethhdr *eth = xlb_hdr(ctx, 0, sizeof(*eth));

	if (!eth)
		return XLB_R_DROP_MALFORMED;
	__builtin_memcpy(eth->h_dest, fib->dmac, XLB_ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, XLB_ETH_ALEN);
	if (fib->ifindex == ctx->ingress_ifindex || p->nvlan)
		return XLB_R_FWD_TX;
	bpf_redirect(fib->ifindex, 0);
	return XLB_R_FWD_REDIRECT;
}

/*
 * Route the (already rewritten) packet toward @dst and leave. A missing
 * neighbour entry ends as @no_neigh (DR drops, NAT lets the kernel resolve
 * it); any other failure is XLB_R_DROP_FIB.
 */
static __always_inline int xlb_fib_forward(struct xdp_md *ctx, const struct xlb_pkt *p,
					   const __be32 *src, const __be32 *dst, __be16 sport,
					   __be16 dport, int no_neigh)
{
	struct bpf_fib_lookup fib;
	int rc;

	rc = xlb_fib_lookup(ctx, p, &fib, src, dst, sport, dport);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		return xlb_fib_egress(ctx, p, &fib);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return no_neigh;
	return XLB_R_DROP_FIB;
}

#endif /* XLB_FIB_H */
