/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet parsing: Ethernet, up to XLB_MAX_VLAN_DEPTH 802.1Q/802.1ad tags,
 * IPv4 (options honoured through IHL), IPv6 (up to XLB_MAX_IPV6_EXT
 * extension headers), TCP, UDP, and the outer part of ICMP/ICMPv6.
 *
 * Rule for bad input: any truncated or inconsistent Ethernet, VLAN, IPv4,
 * IPv6, TCP or UDP header is XDP_DROP, counted as XLB_R_DROP_MALFORMED (the
 * kernel would drop it too). That covers: a frame shorter than its
 * Ethernet or VLAN header; an IP version that does not match the
 * EtherType; IPv4 IHL < 5, total length < IHL * 4 or beyond the frame, or
 * options that break their type-length rule (xlb_ipv4_opts_ok); an
 * IPv6 payload length beyond the frame; an extension header, TCP header
 * (doff < 5 or past the IP packet) or UDP header (length < 8 or past the IP
 * packet) that does not fit in the IP packet. Frames may be longer than the
 * IP packet (Ethernet padding); everything is checked against the IP end.
 *
 * Fragments: a non-first fragment (offset != 0) carries no ports and passes
 * (XLB_R_PASS_FRAGMENT); a first fragment is parsed for its ports only and
 * marked XLB_FRAG_FIRST, the caller drops it if it is for a service (one
 * too short to hold the ports passes as XLB_R_PASS_FRAGMENT). An
 * IPv6 Fragment header with offset 0 counts as a first fragment even when
 * M is clear (an "atomic fragment", RFC 6946).
 *
 * Anything well-formed that this parser does not follow (more tags or
 * extension headers than the bounds, other protocols) passes untouched.
 */
#ifndef XLB_PARSE_H
#define XLB_PARSE_H

#define XLB_ETH_ALEN     6
#define XLB_ETH_P_IP     0x0800
#define XLB_ETH_P_IPV6   0x86DD
#define XLB_ETH_P_8021Q  0x8100
#define XLB_ETH_P_8021AD 0x88A8

#define XLB_IP_MF        0x2000 /* IPv4 "more fragments", host order */
#define XLB_IP_OFFSET    0x1fff /* IPv4 fragment offset mask, host order */
#define XLB_IP6_OFFSET   0xfff8 /* IPv6 fragment offset mask, host order */

#define XLB_IPV4_OPTS_LEN 40    /* at most 40 option octets (IHL 15) */
#define XLB_IPV4_OPTS_MAX 64    /* walk buffer: >= 40, a power of 2 (index mask) */
#define XLB_IPOPT_END     0
#define XLB_IPOPT_NOOP    1

#define XLB_IPPROTO_ICMPV6   58 /* a macro in the uapi, not in vmlinux.h */
#define XLB_NEXTHDR_HOP      0
#define XLB_NEXTHDR_ROUTING  43
#define XLB_NEXTHDR_FRAGMENT 44
#define XLB_NEXTHDR_DEST     60

#define XLB_TCP_FIN 0x01
#define XLB_TCP_SYN 0x02
#define XLB_TCP_RST 0x04
#define XLB_TCP_ACK 0x10

#define XLB_FRAG_NONE  0
#define XLB_FRAG_FIRST 1

/* Parser results beyond the enum xlb_reason values. */
#define XLB_PARSED_L4   (XLB_R_MAX + 1) /* TCP or UDP, ports in pkt->key */
#define XLB_PARSED_ICMP (XLB_R_MAX + 2) /* ICMP/ICMPv6, pkt->l4 points at it */

/*
 * Frame offsets are bounded by this before they become packet pointers, so
 * the verifier can prove every access. A linear XDP buffer is at most a
 * page; 16 KiB leaves room for large-page architectures.
 */
#define XLB_MAX_OFF 0x3fff

/*
 * What the parser learned. Offsets are from the start of the frame (so the
 * struct can cross into a separately verified function); key holds the
 * 5-tuple exactly as on the wire (network order).
 */
struct xlb_pkt {
	struct xlb_flow_key key;
	__u32 len;         /* frame length, the byte count of every counter */
	__u16 l3_off;      /* IPv4 or IPv6 header */
	__u16 l4_off;      /* TCP, UDP, ICMP or ICMPv6 header */
	__u16 ip_end;      /* end of the IP packet (may precede the frame end) */
	__u16 ip_len;      /* IP total length, host order (fib MTU check) */
	__u8 tcp_flags;    /* TCP flags byte, 0 for UDP */
	__u8 nvlan;        /* VLAN tags in front of the IP header */
	__u8 frag;         /* XLB_FRAG_* */
	__u8 tos;          /* IPv4 TOS (fib lookup) */
	__be32 flowinfo;   /* IPv6 flow label (fib lookup) */
};

/*
 * Pointer to @size bytes at frame offset @off, or NULL when the frame is
 * shorter. Every header access of the data plane goes through this.
 */
/*
 * ctx->data and ctx->data_end read with one fixed-offset load each: left to
 * itself clang may merge the loads of different call sites into one load
 * at a computed ctx offset, which the verifier refuses.
 */
static __always_inline void *xlb_ctx_data(struct xdp_md *ctx)
{
	void *v;

	asm volatile("%0 = *(u32 *)(%1 + 0)" : "=r"(v) : "r"(ctx));
	return v;
}

static __always_inline void *xlb_ctx_data_end(struct xdp_md *ctx)
{
	void *v;

	asm volatile("%0 = *(u32 *)(%1 + 4)" : "=r"(v) : "r"(ctx));
	return v;
}

static __always_inline void *xlb_hdr(struct xdp_md *ctx, __u32 off, __u32 size)
{
	void *data = xlb_ctx_data(ctx);
	void *end = xlb_ctx_data_end(ctx);
	void *h;

	if (off > XLB_MAX_OFF)
		return NULL;
	/*
	 * clang may test one copy of @off above and add another one below,
	 * which the verifier then sees unbounded; bounding the very register
	 * that is added keeps the proof independent of register allocation.
	 */
	asm volatile("%0 &= %1" : "+r"(off) : "i"(XLB_MAX_OFF));
	h = data + off;
	if (h + size > end)
		return NULL;
	return h;
}

/* Same, and the bytes must also lie inside the IP packet. */
static __always_inline void *xlb_ip_hdr(struct xdp_md *ctx, const struct xlb_pkt *p, __u32 off,
					__u32 size)
{
	if (off + size > p->ip_end)
		return NULL;
	return xlb_hdr(ctx, off, size);
}

/* TCP or UDP ports of a first fragment: 4 bytes are enough, no validation. */
static __always_inline int xlb_parse_frag_ports(struct xdp_md *ctx, struct xlb_pkt *p)
{
	__be16 *ports = xlb_ip_hdr(ctx, p, p->l4_off, 4);

	if (!ports)
		return XLB_R_PASS_FRAGMENT;
	p->key.sport = ports[0];
	p->key.dport = ports[1];
	return XLB_PARSED_L4;
}

static __always_inline int xlb_parse_tcp(struct xdp_md *ctx, struct xlb_pkt *p)
{
	struct tcphdr *th = xlb_ip_hdr(ctx, p, p->l4_off, sizeof(*th));
	__u32 doff;

	if (!th)
		return XLB_R_DROP_MALFORMED;
	doff = th->doff * 4;
	if (doff < sizeof(*th) || p->l4_off + doff > p->ip_end)
		return XLB_R_DROP_MALFORMED;
	p->key.sport = th->source;
	p->key.dport = th->dest;
	p->tcp_flags = ((__u8 *)th)[13];
	return XLB_PARSED_L4;
}

static __always_inline int xlb_parse_udp(struct xdp_md *ctx, struct xlb_pkt *p)
{
	struct udphdr *uh = xlb_ip_hdr(ctx, p, p->l4_off, sizeof(*uh));
	__u32 ulen;

	if (!uh)
		return XLB_R_DROP_MALFORMED;
	ulen = bpf_ntohs(uh->len);
	/* A UDP length short of the IP payload is legal (the kernel trims). */
	if (ulen < sizeof(*uh) || p->l4_off + ulen > p->ip_end)
		return XLB_R_DROP_MALFORMED;
	p->key.sport = uh->source;
	p->key.dport = uh->dest;
	return XLB_PARSED_L4;
}

/* Dispatch on the transport protocol; l4_off, ip_end and key.proto are set. */
static __always_inline int xlb_parse_l4(struct xdp_md *ctx, struct xlb_pkt *p)
{
	__u8 proto = p->key.proto;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		if (p->frag != XLB_FRAG_NONE)
			return XLB_R_PASS_NOT_SERVICE;
		if (proto == IPPROTO_ICMP && p->key.family == XLB_AF_INET)
			return XLB_PARSED_ICMP;
		if (proto == XLB_IPPROTO_ICMPV6 && p->key.family == XLB_AF_INET6)
			return XLB_PARSED_ICMP;
		return XLB_R_PASS_NOT_SERVICE;
	}
	if (p->frag != XLB_FRAG_NONE)
		return xlb_parse_frag_ports(ctx, p);
	if (proto == IPPROTO_TCP)
		return xlb_parse_tcp(ctx, p);
	return xlb_parse_udp(ctx, p);
}

/* An IPv4 option walk, run by bpf_loop() one option per round. */
struct xlb_ipopt_walk {
	__u8 o[XLB_IPV4_OPTS_MAX]; /* the option octets, zero past len */
	__u32 len;                 /* option octets: 1..40 */
	__u32 i;                   /* start of the next option */
	__u32 bad;
};

static long xlb_ipopt_step(__u32 round, void *data)
{
	struct xlb_ipopt_walk *w = data;
	__u32 i = w->i, len = w->len;
	__u8 type, olen;

	if (i >= len)
		return 1;
	type = w->o[i & (XLB_IPV4_OPTS_MAX - 1)];
	if (type == XLB_IPOPT_END)
		return 1;
	if (type == XLB_IPOPT_NOOP) {
		w->i = i + 1;
		return 0;
	}
	if (i + 1 >= len) {
		w->bad = 1;
		return 1;
	}
	olen = w->o[(i + 1) & (XLB_IPV4_OPTS_MAX - 1)];
	if (olen < 2 || i + olen > len) {
		w->bad = 1;
		return 1;
	}
	w->i = i + olen;
	return 0;
}

/*
 * The type-length structure of IPv4 options (RFC 791 section 3.1): End of
 * Option List ends them, No Operation is one octet, every other option
 * carries a length octet that counts itself and the type octet (so >= 2)
 * and must end inside the header. Option contents are not judged: that is
 * the receiver's business, as for any option a router passes on.
 * Returns 0 when the @len option octets at frame offset @off are well
 * formed, -1 otherwise. Only packets with options come here. A walk is a
 * bpf_loop() (every round consumes at least one octet, so 40 rounds are
 * enough): the verifier checks one round, not every path through 40.
 */
static __always_inline int xlb_ipv4_opts_ok(struct xdp_md *ctx, __u32 off, __u32 len)
{
	struct xlb_ipopt_walk w = {};

	if (len < 1 || len > XLB_IPV4_OPTS_LEN)
		return -1;
	if (bpf_xdp_load_bytes(ctx, off, w.o, len))
		return -1;
	w.len = len;
	bpf_loop(XLB_IPV4_OPTS_LEN, xlb_ipopt_step, &w, 0);
	return w.bad ? -1 : 0;
}

static __always_inline int xlb_parse_ipv4(struct xdp_md *ctx, struct xlb_pkt *p)
{
	struct iphdr *iph = xlb_hdr(ctx, p->l3_off, sizeof(*iph));
	__u32 hlen, tot, avail;
	__u16 frag;

	if (!iph)
		return XLB_R_DROP_MALFORMED;
	if (iph->version != 4)
		return XLB_R_DROP_MALFORMED;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	avail = p->len - p->l3_off;
	if (hlen < sizeof(*iph) || tot < hlen || tot > avail)
		return XLB_R_DROP_MALFORMED;
	if (hlen > sizeof(*iph) &&
	    xlb_ipv4_opts_ok(ctx, p->l3_off + sizeof(*iph), hlen - sizeof(*iph)))
		return XLB_R_DROP_MALFORMED;

	p->key.family = XLB_AF_INET;
	p->key.proto = iph->protocol;
	p->key.src[0] = iph->saddr;
	p->key.dst[0] = iph->daddr;
	p->tos = iph->tos;
	p->ip_len = tot;
	p->l4_off = p->l3_off + hlen;
	p->ip_end = p->l3_off + tot;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & XLB_IP_OFFSET)
		return XLB_R_PASS_FRAGMENT;
	if (frag & XLB_IP_MF)
		p->frag = XLB_FRAG_FIRST;
	return xlb_parse_l4(ctx, p);
}

static __always_inline int xlb_parse_ipv6(struct xdp_md *ctx, struct xlb_pkt *p)
{
	struct ipv6hdr *ip6h = xlb_hdr(ctx, p->l3_off, sizeof(*ip6h));
	__u32 plen, off;
	__u8 nexthdr;
	int i;

	if (!ip6h)
		return XLB_R_DROP_MALFORMED;
	if (ip6h->version != 6)
		return XLB_R_DROP_MALFORMED;
	plen = bpf_ntohs(ip6h->payload_len);
	if (sizeof(*ip6h) + plen > p->len - p->l3_off)
		return XLB_R_DROP_MALFORMED;

	p->key.family = XLB_AF_INET6;
	__builtin_memcpy(p->key.src, &ip6h->saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6h->daddr, 16);
	p->flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0fffffff);
	p->ip_len = sizeof(*ip6h) + plen;
	p->ip_end = p->l3_off + sizeof(*ip6h) + plen;
	nexthdr = ip6h->nexthdr;
	off = p->l3_off + sizeof(*ip6h);

	/* Bound: XLB_MAX_IPV6_EXT headers, each at most 2048 bytes. */
	for (i = 0; i < XLB_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *oh;

		if (nexthdr != XLB_NEXTHDR_HOP && nexthdr != XLB_NEXTHDR_ROUTING &&
		    nexthdr != XLB_NEXTHDR_DEST && nexthdr != XLB_NEXTHDR_FRAGMENT)
			break;
		/* Every extension header starts with 8 bytes. */
		oh = xlb_ip_hdr(ctx, p, off, 8);
		if (!oh)
			return XLB_R_DROP_MALFORMED;
		if (nexthdr == XLB_NEXTHDR_FRAGMENT) {
			struct frag_hdr *fh = (void *)oh;

			if (bpf_ntohs(fh->frag_off) & XLB_IP6_OFFSET)
				return XLB_R_PASS_FRAGMENT;
			p->frag = XLB_FRAG_FIRST;
			nexthdr = fh->nexthdr;
			off += 8;
			continue;
		}
		nexthdr = oh->nexthdr;
		off += (oh->hdrlen + 1) * 8;
		if (off > p->ip_end)
			return XLB_R_DROP_MALFORMED;
	}
	if (nexthdr == XLB_NEXTHDR_HOP || nexthdr == XLB_NEXTHDR_ROUTING ||
	    nexthdr == XLB_NEXTHDR_DEST || nexthdr == XLB_NEXTHDR_FRAGMENT)
		return XLB_R_PASS_NOT_SERVICE; /* deeper than we follow */

	p->key.proto = nexthdr;
	p->l4_off = off;
	return xlb_parse_l4(ctx, p);
}

/*
 * The MAC address of the interface the program is attached to, set by xlbd
 * before load (all zero: no check, as in the data-plane tests that do not
 * ask for it). A switch floods unicast frames it has no entry for, so a
 * frame for another host can reach us; the kernel would drop it
 * (PACKET_OTHERHOST), and so must we rather than forward it a second time.
 */
const volatile __u8 xlb_if_mac[6] = {};

static __always_inline int xlb_frame_is_for_us(const struct ethhdr *eth)
{
	if (!(xlb_if_mac[0] | xlb_if_mac[1] | xlb_if_mac[2] | xlb_if_mac[3] | xlb_if_mac[4] |
	      xlb_if_mac[5]))
		return 1;
	if (eth->h_dest[0] & 1) /* broadcast and multicast */
		return 1;
	return eth->h_dest[0] == xlb_if_mac[0] && eth->h_dest[1] == xlb_if_mac[1] &&
	       eth->h_dest[2] == xlb_if_mac[2] && eth->h_dest[3] == xlb_if_mac[3] &&
	       eth->h_dest[4] == xlb_if_mac[4] && eth->h_dest[5] == xlb_if_mac[5];
}

/*
 * Parse the frame into @p (zeroed by the caller). Returns XLB_PARSED_L4
 * (TCP/UDP with ports), XLB_PARSED_ICMP, or the enum xlb_reason the packet
 * ends with.
 */
static __always_inline int xlb_parse(struct xdp_md *ctx, struct xlb_pkt *p)
{
	struct ethhdr *eth = xlb_hdr(ctx, 0, sizeof(*eth));
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	p->len = xlb_ctx_data_end(ctx) - xlb_ctx_data(ctx);
	if (!eth)
		return XLB_R_DROP_MALFORMED;
	if (!xlb_frame_is_for_us(eth))
		return XLB_R_PASS_OTHER_HOST;
	proto = eth->h_proto;

	for (i = 0; i < XLB_MAX_VLAN_DEPTH; i++) {
		struct vlan_hdr *vh;

		if (proto != bpf_htons(XLB_ETH_P_8021Q) && proto != bpf_htons(XLB_ETH_P_8021AD))
			break;
		vh = xlb_hdr(ctx, off, sizeof(*vh));
		if (!vh)
			return XLB_R_DROP_MALFORMED;
		proto = vh->h_vlan_encapsulated_proto;
		off += sizeof(*vh);
		p->nvlan++;
	}

	p->l3_off = off;
	if (proto == bpf_htons(XLB_ETH_P_IP))
		return xlb_parse_ipv4(ctx, p);
	if (proto == bpf_htons(XLB_ETH_P_IPV6))
		return xlb_parse_ipv6(ctx, p);
	return XLB_R_PASS_NOT_IP;
}

/* TCP SYN without ACK: a connection attempt, always sent through Maglev. */
static __always_inline int xlb_pkt_is_syn(const struct xlb_pkt *p)
{
	return p->key.proto == IPPROTO_TCP &&
	       (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
}

/* FIN or RST: the flow is closing, keep it only for the short timeout. */
static __always_inline int xlb_pkt_is_closing(const struct xlb_pkt *p)
{
	return p->key.proto == IPPROTO_TCP && (p->tcp_flags & (XLB_TCP_FIN | XLB_TCP_RST));
}

#endif /* XLB_PARSE_H */
