/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Next hop from the kernel: bpf_fib_lookup() resolves the route and the
 * neighbour entry, so MAC addresses never come from configuration. The
 * lookup runs as if the packet was being forwarded from the ingress
 * interface, which needs forwarding enabled there (net.ipv4.ip_forward,
 * net.ipv6.conf.all.forwarding); otherwise it fails and the packet is
 * dropped as XLB_R_DROP_FIB.
 *
 * A lookup costs more than the rest of the program (about 190 ns for IPv4
 * and 400 ns for IPv6 on the test machine), so successful results are kept
 * in `nexthops`, a small direct-mapped per-CPU cache, for XLB_NH_TTL_NS.
 * An entry is used only for the same family, ingress interface, source
 * and destination, and for packets no longer than one that already passed
 * the lookup's MTU check, so a larger packet still gets a real lookup
 * (and BPF_FIB_LKUP_RET_FRAG_NEEDED). Failures are never cached. A route
 * or neighbour change is therefore seen within XLB_NH_TTL_NS. In DR mode
 * the source is the client, so there the source is left out of the tag:
 * routing that depends on the client's address is resolved per backend.
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

#define XLB_NH_TTL_NS (100 * 1000 * 1000ull) /* 100 ms */

/* Cache slot of a lookup: multiplicative hash of the address words. */
static __always_inline __u32 xlb_nh_slot(__u8 family, const __be32 *src, const __be32 *dst)
{
	__u32 h = dst[0] ^ xlb_rol32(src[0], 16);

	if (family == XLB_AF_INET6)
		h ^= dst[1] ^ dst[2] ^ dst[3] ^ xlb_rol32(src[1] ^ src[2] ^ src[3], 16);
	return (h * 0x9e3779b1u) >> (32 - XLB_NH_SHIFT);
}

static __always_inline int xlb_nh_same(const struct xlb_nexthop *nh, __u8 family, __u32 ingress,
				       const __be32 *src, const __be32 *dst)
{
	if (nh->family != family || nh->ingress != ingress || nh->dst[0] != dst[0] ||
	    nh->src[0] != src[0])
		return 0;
	if (family == XLB_AF_INET)
		return 1;
	return nh->dst[1] == dst[1] && nh->dst[2] == dst[2] && nh->dst[3] == dst[3] &&
	       nh->src[1] == src[1] && nh->src[2] == src[2] && nh->src[3] == src[3];
}

/*
 * Route the (already rewritten) packet from @src toward @dst and leave. A
 * missing neighbour entry ends as @no_neigh (DR drops, NAT lets the kernel
 * resolve it); any other failure is XLB_R_DROP_FIB. @tag_src is the
 * source the cache entry is tagged with (@src, or zeros in DR mode).
 */
static __always_inline int xlb_fib_forward(struct xdp_md *ctx, const struct xlb_pkt *p,
					   const __be32 *src, const __be32 *dst, __be16 sport,
					   __be16 dport, int no_neigh, const __be32 *tag_src,
					   __u64 now)
{
	__u32 ingress = ctx->ingress_ifindex;
	__u8 family = p->key.family;
	struct bpf_fib_lookup fib;
	struct xlb_nexthop *nh;
	__u32 slot;
	int rc;

	slot = xlb_nh_slot(family, tag_src, dst);
	nh = bpf_map_lookup_elem(&nexthops, &slot);
	if (nh && now < nh->expires && p->ip_len <= nh->max_len &&
	    xlb_nh_same(nh, family, ingress, tag_src, dst)) {
		__builtin_memcpy(fib.dmac, nh->dmac, XLB_ETH_ALEN);
		__builtin_memcpy(fib.smac, nh->smac, XLB_ETH_ALEN);
		fib.ifindex = nh->ifindex;
		return xlb_fib_egress(ctx, p, &fib);
	}

	rc = xlb_fib_lookup(ctx, p, &fib, src, dst, sport, dport);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return no_neigh;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_R_DROP_FIB;
	if (nh) {
		/* A live entry only learns that larger packets fit; else start over. */
		if (!(now < nh->expires && xlb_nh_same(nh, family, ingress, tag_src, dst))) {
			nh->expires = now + XLB_NH_TTL_NS;
			nh->family = family;
			nh->ingress = ingress;
			__builtin_memcpy(nh->src, tag_src, sizeof(nh->src));
			__builtin_memcpy(nh->dst, dst, sizeof(nh->dst));
		}
		nh->max_len = p->ip_len;
		nh->ifindex = fib.ifindex;
		__builtin_memcpy(nh->dmac, fib.dmac, XLB_ETH_ALEN);
		__builtin_memcpy(nh->smac, fib.smac, XLB_ETH_ALEN);
	}
	return xlb_fib_egress(ctx, p, &fib);
}

#endif /* XLB_FIB_H */
