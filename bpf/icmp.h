/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors about forwarded flows (RFC 792, RFC 4443; RFC 1191 and
 * RFC 8201 path MTU discovery depend on them): destination unreachable
 * (IPv4 type 3, all codes, including 4 "fragmentation needed"), time
 * exceeded (IPv4 11, IPv6 3), ICMPv6 destination unreachable (1) and packet
 * too big (2).
 *
 * Such an error reaches the VIP when a router between us and the client
 * cannot pass a packet of the flow VIP:vport -> client:cport, which it
 * quotes. The packet that really caused it came from the flow's backend
 * (NAT: as backend:bport -> SNAT:port; DR: with the VIP as source), so the
 * error goes to that backend: in DR mode as is, in NAT mode translated the
 * way the backend's own packet was translated, in reverse.
 *
 * The quoted packet must hold its whole IP header and the first 8 bytes of
 * its TCP/UDP header (RFC 792 guarantees those), else XLB_R_PASS_ICMP. An
 * IPv6 quote with extension headers is not followed (XLB_R_PASS_ICMP).
 * The quoted transport checksum is left alone: it is usually truncated and
 * nobody checks it.
 */
#ifndef XLB_ICMP_H
#define XLB_ICMP_H

#define XLB_ICMP_DEST_UNREACH    3
#define XLB_ICMP_TIME_EXCEEDED   11
#define XLB_ICMP6_DEST_UNREACH   1
#define XLB_ICMP6_PKT_TOOBIG     2
#define XLB_ICMP6_TIME_EXCEED    3

/* The quoted packet of an ICMP error. */
struct xlb_icmp_quote {
	struct xlb_flow_key key; /* as quoted: VIP:vport -> client:cport */
	__u32 l3_off;            /* quoted IP header, frame offset */
	__u32 l4_off;            /* quoted TCP/UDP header, frame offset */
};

/* Is @type/@family an error we route? 1 yes, 0 no. */
static __always_inline int xlb_icmp_is_error(__u8 type, __u8 family)
{
	if (family == XLB_AF_INET)
		return type == XLB_ICMP_DEST_UNREACH || type == XLB_ICMP_TIME_EXCEEDED;
	return type == XLB_ICMP6_DEST_UNREACH || type == XLB_ICMP6_PKT_TOOBIG ||
	       type == XLB_ICMP6_TIME_EXCEED;
}

/* Find the quoted packet. Returns 0, or the reason the packet ends with. */
static __always_inline int xlb_icmp_parse(struct xdp_md *ctx, const struct xlb_pkt *p,
					  struct xlb_icmp_quote *q)
{
	__be16 *ports;
	__u8 *icmp;

	/* type, code, checksum, 4 bytes of rest-of-header: 8 bytes. */
	icmp = xlb_ip_hdr(ctx, p, p->l4_off, 8);
	if (!icmp)
		return XLB_R_PASS_ICMP;
	if (!xlb_icmp_is_error(icmp[0], p->key.family))
		return XLB_R_PASS_NOT_SERVICE;

	q->l3_off = p->l4_off + 8;
	q->key.family = p->key.family;
	if (p->key.family == XLB_AF_INET) {
		struct iphdr *qiph = xlb_ip_hdr(ctx, p, q->l3_off, sizeof(*qiph));

		if (!qiph)
			return XLB_R_PASS_ICMP;
		if (qiph->version != 4 || qiph->ihl < 5 ||
		    (qiph->frag_off & bpf_htons(XLB_IP_OFFSET)))
			return XLB_R_PASS_ICMP;
		q->l4_off = q->l3_off + qiph->ihl * 4;
		q->key.proto = qiph->protocol;
		q->key.src[0] = qiph->saddr;
		q->key.dst[0] = qiph->daddr;
	} else {
		struct ipv6hdr *qip6h = xlb_ip_hdr(ctx, p, q->l3_off, sizeof(*qip6h));

		if (!qip6h)
			return XLB_R_PASS_ICMP;
		if (qip6h->version != 6)
			return XLB_R_PASS_ICMP;
		q->l4_off = q->l3_off + sizeof(*qip6h);
		q->key.proto = qip6h->nexthdr;
		__builtin_memcpy(q->key.src, &qip6h->saddr, 16);
		__builtin_memcpy(q->key.dst, &qip6h->daddr, 16);
	}
	if (q->key.proto != IPPROTO_TCP && q->key.proto != IPPROTO_UDP)
		return XLB_R_PASS_ICMP;
	ports = xlb_ip_hdr(ctx, p, q->l4_off, 8);
	if (!ports)
		return XLB_R_PASS_ICMP;
	q->key.sport = ports[0];
	q->key.dport = ports[1];
	return 0;
}

/*
 * NAT: rewrite the error as the backend must see it. Outer: router -> VIP
 * becomes SNAT -> backend. Quoted: VIP:vport -> client:cport becomes
 * backend:bport -> SNAT:@snat_port, the packet the backend sent. Fixes the
 * quoted IPv4 header checksum, the ICMP checksum (ICMPv6: pseudo-header
 * included) and the outer IPv4 header checksum, all incrementally.
 */
static __always_inline int __xlb_icmp_nat_rewrite(struct xdp_md *ctx, const struct xlb_pkt *p,
						  const struct xlb_icmp_quote *q,
						  const __be32 *snat, const struct xlb_backend *be,
						  __be16 snat_port)
{
	__u16 *icmp = xlb_hdr(ctx, p->l4_off, 8);
	__be16 *ports = xlb_hdr(ctx, q->l4_off, 4);
	__u32 iacc;

	if (!icmp || !ports)
		return -1;
	if (p->key.family == XLB_AF_INET) {
		struct iphdr *iph = xlb_hdr(ctx, p->l3_off, sizeof(*iph));
		struct iphdr *qiph = xlb_hdr(ctx, q->l3_off, sizeof(*qiph));
		__u32 acc;
		__u16 qcheck;

		if (!iph || !qiph)
			return -1;
		/* Outer header: the ICMP checksum has no pseudo-header. */
		acc = xlb_csum_diff4(0, iph->saddr, snat[0]);
		acc = xlb_csum_diff4(acc, iph->daddr, be->addr[0]);
		iph->check = xlb_csum_apply(iph->check, acc);
		iph->saddr = snat[0];
		iph->daddr = be->addr[0];
		/* Quoted header, then the ICMP checksum over all quoted changes. */
		acc = xlb_csum_diff4(0, qiph->saddr, be->addr[0]);
		acc = xlb_csum_diff4(acc, qiph->daddr, snat[0]);
		qcheck = xlb_csum_apply(qiph->check, acc);
		iacc = xlb_csum_diff2(acc, qiph->check, qcheck);
		qiph->check = qcheck;
		qiph->saddr = be->addr[0];
		qiph->daddr = snat[0];
	} else {
		struct ipv6hdr *ip6h = xlb_hdr(ctx, p->l3_off, sizeof(*ip6h));
		struct ipv6hdr *qip6h = xlb_hdr(ctx, q->l3_off, sizeof(*qip6h));

		if (!ip6h || !qip6h)
			return -1;
		iacc = xlb_csum_diff16(0, (__u32 *)&ip6h->saddr, snat);
		iacc = xlb_csum_diff16(iacc, (__u32 *)&ip6h->daddr, be->addr);
		iacc = xlb_csum_diff16(iacc, (__u32 *)&qip6h->saddr, be->addr);
		iacc = xlb_csum_diff16(iacc, (__u32 *)&qip6h->daddr, snat);
		__builtin_memcpy(&ip6h->saddr, snat, 16);
		__builtin_memcpy(&ip6h->daddr, be->addr, 16);
		__builtin_memcpy(&qip6h->saddr, be->addr, 16);
		__builtin_memcpy(&qip6h->daddr, snat, 16);
	}
	iacc = xlb_csum_diff2(iacc, ports[0], be->port);
	iacc = xlb_csum_diff2(iacc, ports[1], snat_port);
	ports[0] = be->port;
	ports[1] = snat_port;
	icmp[1] = xlb_csum_apply(icmp[1], iacc); /* ICMP checksum: bytes 2-3 */
	return 0;
}

/*
 * Route an ICMP error about a flow to the flow's backend. Returns the
 * reason the packet ends with.
 */
static __always_inline int xlb_icmp_forward(struct xdp_md *ctx, const struct xlb_pkt *p,
					    const struct xlb_cfg *cfg, __u64 now,
					    __u32 *svc_id, __u32 *be_id)
{
	struct xlb_icmp_quote q = {};
	struct xlb_flow_key fk, vk;
	struct xlb_service *svc;
	struct xlb_backend *be;
	struct xlb_flow *f;
	int r;

	r = xlb_icmp_parse(ctx, p, &q);
	if (r)
		return r;
	/* The quoted packet left the VIP the error is addressed to. */
	if (q.key.src[0] != p->key.dst[0] || q.key.src[1] != p->key.dst[1] ||
	    q.key.src[2] != p->key.dst[2] || q.key.src[3] != p->key.dst[3])
		return XLB_R_PASS_NOT_SERVICE;
	/* Service key: VIP:vport, i.e. the quoted source. */
	__builtin_memset(&vk, 0, sizeof(vk));
	__builtin_memcpy(vk.dst, q.key.src, sizeof(vk.dst));
	vk.dport = q.key.sport;
	vk.proto = q.key.proto;
	vk.family = q.key.family;
	svc = xlb_service_lookup(&vk);
	if (!svc)
		return XLB_R_PASS_NOT_SERVICE;

	/* Flow key: the quoted packet reversed, client -> VIP. */
	__builtin_memset(&fk, 0, sizeof(fk));
	__builtin_memcpy(fk.src, q.key.dst, sizeof(fk.src));
	__builtin_memcpy(fk.dst, q.key.src, sizeof(fk.dst));
	fk.sport = q.key.dport;
	fk.dport = q.key.sport;
	fk.proto = q.key.proto;
	fk.family = q.key.family;
	f = bpf_map_lookup_elem(&flows, &fk);
	if (!f)
		return XLB_R_PASS_ICMP;
	be = xlb_flow_backend(f, svc->id, fk.proto, cfg, now);
	if (!be || be->family != p->key.family)
		return XLB_R_PASS_ICMP;
	*svc_id = svc->id;
	*be_id = f->backend;

	if (svc->mode == XLB_MODE_DR)
		return xlb_dr_forward(ctx, p, be, now);
	if (__xlb_icmp_nat_rewrite(ctx, p, &q, svc->snat_addr, be, f->snat_port))
		return XLB_R_DROP_MALFORMED;
	return xlb_fib_forward(ctx, p, svc->snat_addr, be->addr, 0, 0, XLB_R_PASS_NO_NEIGH,
			       svc->snat_addr, now);
}

#endif /* XLB_ICMP_H */
