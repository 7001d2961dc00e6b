/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full NAT (mode "nat"): client -> VIP:vport becomes SNAT:port -> backend:bport
 * on the way in, and the backend's reply backend:bport -> SNAT:port becomes
 * VIP:vport -> client:cport on the way out, like a reverse proxy.
 *
 * SNAT ports: the reply 5-tuple (backend addr:port -> SNAT addr:port) is the
 * key of `nat`, so a port is unique per backend, not globally. A new flow
 * tries XLB_SNAT_PROBES ports of [snat_port_min, snat_port_max], each from
 * its own hash of the flow (independent probes: consecutive ones would
 * pile up into clusters and fail far earlier; with half the ports of a
 * backend taken, 16 independent probes all fail with odds 2^-16). A range
 * of at most XLB_SNAT_PROBES ports is searched whole. A port is free when
 * its `nat` key is absent (claimed with BPF_NOEXIST, so two CPUs never both win) or
 * holds an expired entry (claimed by a compare-and-swap on its last_seen,
 * so again only one CPU wins, then the value is replaced whole).
 *
 * Reply recognition: `nat` is consulted before the service lookup, and only
 * when the destination port lies in the SNAT range. Service ports are
 * normally below snat_port_min, so client packets pay no extra lookup; a
 * reply costs exactly one lookup. When no live entry matches, the packet
 * goes on to the service lookup (and usually passes as not-service).
 */
#ifndef XLB_NAT_H
#define XLB_NAT_H

#define XLB_SNAT_PROBES 16   /* candidate ports tried per new flow */
#define XLB_NOT_MINE    (-1) /* xlb_nat_reply: not a NAT reply, carry on */

static __always_inline int xlb_snat_port_in_range(const struct xlb_pkt *p,
						  const struct xlb_cfg *cfg)
{
	__u32 port = bpf_ntohs(p->key.dport);

	return port >= cfg->port_min && port <= cfg->port_max;
}

/* The `nat` key of a flow: backend addr:port -> SNAT addr:@port. */
static __always_inline void xlb_nat_key(struct xlb_flow_key *rk, const struct xlb_backend *be,
					const struct xlb_service *svc, __u8 proto, __be16 port)
{
	__builtin_memset(rk, 0, sizeof(*rk));
	__builtin_memcpy(rk->src, be->addr, sizeof(rk->src));
	__builtin_memcpy(rk->dst, svc->snat_addr, sizeof(rk->dst));
	rk->sport = be->port;
	rk->dport = port;
	rk->proto = proto;
	rk->family = be->family;
}

/* The `nat` value of a flow: where its replies go back to. */
static __always_inline void xlb_nat_value(struct xlb_nat *v, const struct xlb_pkt *p,
					  const struct xlb_choice *ch, __u64 now)
{
	__builtin_memset(v, 0, sizeof(*v));
	__builtin_memcpy(v->client, p->key.src, sizeof(v->client));
	__builtin_memcpy(v->vip, p->key.dst, sizeof(v->vip));
	v->client_port = p->key.sport;
	v->vip_port = p->key.dport;
	v->backend = ch->be_id;
	v->last_seen = now;
	v->flags = ch->flags;
}

/*
 * Find and claim a free SNAT port toward ch->be for the new flow @p and
 * write its `nat` entry. Sets ch->snat_port; returns 0 or -XLB_ENOSPC.
 */
static __always_inline int xlb_snat_alloc(const struct xlb_pkt *p, const struct xlb_service *svc,
					  struct xlb_choice *ch, const struct xlb_cfg *cfg,
					  __u64 now)
{
	__u32 range = cfg->port_max - cfg->port_min + 1;
	struct xlb_flow_key rk;
	struct xlb_nat val;
	__u32 seed, i;

	xlb_nat_key(&rk, ch->be, svc, p->key.proto, 0);
	xlb_nat_value(&val, p, ch, now);
	seed = xlb_jhash_3words(xlb_hash_tuple(&p->key), ch->be_id, 0, XLB_PORT_SEED);

	for (i = 0; i < XLB_SNAT_PROBES; i++) {
		struct xlb_nat *e;
		__u32 cand;
		__u64 last;

		if (range <= XLB_SNAT_PROBES)
			cand = (seed + i) % range; /* small range: visit every port */
		else if (i == 0)
			cand = seed % range;
		else
			cand = xlb_jhash_3words(seed, i, 0, XLB_PORT_SEED) % range;
		rk.dport = bpf_htons(cfg->port_min + cand);
		e = bpf_map_lookup_elem(&nat, &rk);
		if (!e) {
			if (bpf_map_update_elem(&nat, &rk, &val, BPF_NOEXIST) == 0)
				goto claimed;
			continue; /* another CPU took it just now */
		}
		last = e->last_seen;
		if (!xlb_is_expired(last, now, xlb_timeout(cfg, rk.proto, e->flags)))
			continue;
		if (__sync_val_compare_and_swap(&e->last_seen, last, now) != last)
			continue;
		if (bpf_map_update_elem(&nat, &rk, &val, BPF_ANY) == 0)
			goto claimed;
	}
	return -XLB_ENOSPC;
claimed:
	ch->snat_port = rk.dport;
	return 0;
}

/*
 * Established NAT flow, forward direction: keep its `nat` entry alive (at
 * most once per refresh period, see xlb_refresh_due in flow.h) and carry the closing flag over.
 * An entry lost to LRU eviction is put back if its port is still free.
 */
static __always_inline void xlb_nat_touch(const struct xlb_pkt *p, const struct xlb_service *svc,
					  const struct xlb_choice *ch, __u64 now)
{
	struct xlb_flow_key rk;
	struct xlb_nat *e;

	xlb_nat_key(&rk, ch->be, svc, p->key.proto, ch->snat_port);
	e = bpf_map_lookup_elem(&nat, &rk);
	if (!e) {
		struct xlb_nat val;

		xlb_nat_value(&val, p, ch, now);
		bpf_map_update_elem(&nat, &rk, &val, BPF_NOEXIST);
		return;
	}
	if (e->backend != ch->be_id || e->client_port != p->key.sport ||
	    e->vip_port != p->key.dport || e->client[0] != p->key.src[0] ||
	    e->client[1] != p->key.src[1] || e->client[2] != p->key.src[2] ||
	    e->client[3] != p->key.src[3])
		return; /* the port went to another flow: not ours to touch */
	e->last_seen = now;
	if (e->flags != ch->flags)
		e->flags = ch->flags;
}

/* NAT reply: refresh the forward flow entry it belongs to. */
static __always_inline void xlb_flow_touch(const struct xlb_nat *e, const struct xlb_pkt *p,
					   __u64 now, int closing)
{
	struct xlb_flow_key fk;
	struct xlb_flow *f;

	__builtin_memset(&fk, 0, sizeof(fk));
	__builtin_memcpy(fk.src, e->client, sizeof(fk.src));
	__builtin_memcpy(fk.dst, e->vip, sizeof(fk.dst));
	fk.sport = e->client_port;
	fk.dport = e->vip_port;
	fk.proto = p->key.proto;
	fk.family = p->key.family;
	f = bpf_map_lookup_elem(&flows, &fk);
	if (!f || f->backend != e->backend)
		return;
	f->last_seen = now;
	if (closing && !(f->flags & XLB_FLOW_F_CLOSING))
		f->flags |= XLB_FLOW_F_CLOSING;
}

/*
 * Rewrite the addresses and ports of a TCP/UDP packet to
 * @saddr:@sport -> @daddr:@dport (packet family, network order) and fix the
 * IPv4 header and L4 checksums incrementally (the pseudo-header changes
 * with the addresses). A UDP checksum of 0 ("none") stays 0: over IPv4 it
 * is legal, over IPv6 only for tunnels (RFC 6935), and either way the
 * receiver then sees what the sender meant. A computed 0 becomes 0xffff.
 */
static __always_inline int __xlb_nat_rewrite(struct xdp_md *ctx, const struct xlb_pkt *p,
					     const __be32 *saddr, const __be32 *daddr,
					     __be16 sport, __be16 dport)
{
	__be16 *ports;
	__u16 *check;
	__u32 acc;

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = xlb_hdr(ctx, p->l4_off, sizeof(*th));

		if (!th)
			return -1;
		check = (__u16 *)&th->check;
		ports = (__be16 *)th;
	} else {
		struct udphdr *uh = xlb_hdr(ctx, p->l4_off, sizeof(*uh));

		if (!uh)
			return -1;
		check = (__u16 *)&uh->check;
		ports = (__be16 *)uh;
	}

	if (p->key.family == XLB_AF_INET) {
		struct iphdr *iph = xlb_hdr(ctx, p->l3_off, sizeof(*iph));

		if (!iph)
			return -1;
		acc = xlb_csum_diff4(0, iph->saddr, saddr[0]);
		acc = xlb_csum_diff4(acc, iph->daddr, daddr[0]);
		iph->check = xlb_csum_apply(iph->check, acc);
		iph->saddr = saddr[0];
		iph->daddr = daddr[0];
	} else {
		struct ipv6hdr *ip6h = xlb_hdr(ctx, p->l3_off, sizeof(*ip6h));

		if (!ip6h)
			return -1;
		acc = xlb_csum_diff16(0, (__u32 *)&ip6h->saddr, saddr);
		acc = xlb_csum_diff16(acc, (__u32 *)&ip6h->daddr, daddr);
		__builtin_memcpy(&ip6h->saddr, saddr, 16);
		__builtin_memcpy(&ip6h->daddr, daddr, 16);
	}
	acc = xlb_csum_diff2(acc, ports[0], sport);
	acc = xlb_csum_diff2(acc, ports[1], dport);
	ports[0] = sport;
	ports[1] = dport;
	if (p->key.proto == IPPROTO_TCP)
		*check = xlb_csum_apply(*check, acc);
	else if (*check)
		*check = xlb_csum_udp_fixup(xlb_csum_apply(*check, acc));
	return 0;
}

/* Client -> backend: translate and route to the backend. */
static __always_inline int xlb_nat_forward(struct xdp_md *ctx, const struct xlb_pkt *p,
					   const struct xlb_service *svc,
					   const struct xlb_choice *ch, __u64 now)
{
	const struct xlb_backend *be = ch->be;

	if (__xlb_nat_rewrite(ctx, p, svc->snat_addr, be->addr, ch->snat_port, be->port))
		return XLB_R_DROP_MALFORMED;
	/* No neighbour yet: the kernel forwards the rewritten packet and resolves it. */
	return xlb_fib_forward(ctx, p, svc->snat_addr, be->addr, ch->snat_port, be->port,
			       XLB_R_PASS_NO_NEIGH, svc->snat_addr, now);
}

/*
 * Backend -> client: if @p is the reply of a live NAT flow, translate it
 * back and route it to the client. Returns the reason, or XLB_NOT_MINE.
 */
static __always_inline int xlb_nat_reply(struct xdp_md *ctx, const struct xlb_pkt *p,
					 const struct xlb_cfg *cfg, __u64 now)
{
	int closing = xlb_pkt_is_closing(p);
	struct xlb_nat *e;
	__u64 last;
	int r;

	e = bpf_map_lookup_elem(&nat, &p->key);
	if (!e)
		return XLB_NOT_MINE;
	last = e->last_seen;
	if (xlb_is_expired(last, now, xlb_timeout(cfg, p->key.proto, e->flags)))
		return XLB_NOT_MINE;
	if (closing || xlb_refresh_due(last, now))
		xlb_flow_touch(e, p, now, closing);
	e->last_seen = now;
	if (closing && !(e->flags & XLB_FLOW_F_CLOSING))
		e->flags |= XLB_FLOW_F_CLOSING;

	if (__xlb_nat_rewrite(ctx, p, e->vip, e->client, e->vip_port, e->client_port))
		return XLB_R_DROP_MALFORMED;
	r = xlb_fib_forward(ctx, p, e->vip, e->client, e->vip_port, e->client_port,
			    XLB_R_PASS_NO_NEIGH, e->vip, now);
	if (xlb_reason_delivered(r))
		xlb_count_reply(e->backend, p->len);
	return r;
}

#endif /* XLB_NAT_H */
