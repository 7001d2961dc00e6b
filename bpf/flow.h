/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Services, the flow table and the backend choice.
 *
 * A packet of an established flow follows its `flows` entry as long as
 * that entry is usable: the backend id still carries the generation the
 * flow was created with, the backend is UP or DRAINING, and the entry has
 * not been idle longer than its timeout. Anything else, and every TCP SYN,
 * goes through the service's active Maglev table. A SYN whose tuple still
 * has a usable entry pointing at the backend Maglev picks reuses that entry
 * (a retransmitted SYN keeps its SNAT port). A slot naming a backend that
 * is not UP (a table not yet rebuilt after a failure) counts as no backend:
 * new flows never go to a DOWN or DRAINING backend.
 *
 * Timeouts come from `config` (zero fields mean the XLB_DEF_* defaults);
 * TCP after FIN or RST (XLB_FLOW_F_CLOSING) uses the short one.
 */
#ifndef XLB_FLOW_H
#define XLB_FLOW_H

/* errno values (vmlinux.h has no macros); BPF code returns them negated. */
#define XLB_ENOENT 2
#define XLB_ENOSPC 28

#define XLB_NS_PER_SEC 1000000000ull
/*
 * Flow and NAT entries of one connection refresh each other (so a flow that
 * only talks in one direction keeps both alive), at most once per this
 * interval per direction: far below any timeout, and no extra map lookup on
 * most packets.
 */
#define XLB_REFRESH_SHIFT 30 /* 2^30 ns, about 1.07 s */

/*
 * Due when @now is in another refresh period than @last: a steady stream
 * (packets closer together than the period) still refreshes once per
 * period. Comparing the gap instead would never refresh it, and a one-way
 * flow's other entry would expire under it.
 */
static __always_inline int xlb_refresh_due(__u64 last, __u64 now)
{
	return (now >> XLB_REFRESH_SHIFT) != (last >> XLB_REFRESH_SHIFT);
}

/*
 * The data plane's clock: CLOCK_MONOTONIC (what bpf_ktime_get_ns() reads
 * and user space sees as clock_gettime(CLOCK_MONOTONIC)), at timer-tick
 * resolution. Timeouts are seconds, the refresh interval one second and
 * the next-hop cache lifetime 100 ms, so a tick (<= 10 ms) is plenty.
 *
 * Cost matters: bpf_ktime_get_ns() measured ~40 ns per call here and
 * bpf_ktime_get_coarse_ns() ~20 ns (helper calls are dear with return-stack
 * mitigations), a tenth of a forwarded packet. The coarse clock only
 * moves when jiffies move, and bpf_jiffies64() is inlined by the verifier
 * (a plain load), so each CPU keeps the last coarse reading and asks the
 * kernel again only when jiffies have changed: one call per tick.
 *
 * The cache is a global variable shared by all CPUs rather than a per-CPU
 * map entry: no lookup (a per-CPU lookup is two dependent loads, ~5-10 ns
 * here), and one helper call per tick in all rather than per CPU. A writer
 * stores ns before jiffies and a reader loads jiffies before ns, so a
 * reader that sees the current jiffies also sees its ns (stores and loads
 * are not reordered on x86; elsewhere a mixed pair would only give a ns
 * reading one tick off, harmless for the uses above, and xlb_is_expired()
 * tolerates a clock that steps back).
 */
static __always_inline __u64 xlb_now(void)
{
	volatile struct xlb_clock *c = &xlb_clock_cache;
	__u64 j = bpf_jiffies64(), ns;

	if (c->jiffies == j) {
		ns = c->ns;
		if (ns)
			return ns;
	}
	ns = bpf_ktime_get_coarse_ns();
	c->ns = ns;
	c->jiffies = j;
	return ns;
}

/* Run-time knobs of `config` with the defaults filled in. */
struct xlb_cfg {
	__u64 tcp_ns;
	__u64 fin_ns;
	__u64 udp_ns;
	__u32 port_min; /* SNAT source port range, host order, inclusive */
	__u32 port_max;
};

static __always_inline void xlb_config_load(struct xlb_cfg *c)
{
	struct xlb_config *v;
	__u32 zero = 0;

	c->tcp_ns = XLB_DEF_TCP_TIMEOUT_S * XLB_NS_PER_SEC;
	c->fin_ns = XLB_DEF_TCP_FIN_TIMEOUT_S * XLB_NS_PER_SEC;
	c->udp_ns = XLB_DEF_UDP_TIMEOUT_S * XLB_NS_PER_SEC;
	c->port_min = XLB_DEF_SNAT_PORT_MIN;
	c->port_max = XLB_DEF_SNAT_PORT_MAX;
	v = bpf_map_lookup_elem(&config, &zero);
	if (!v)
		return;
	if (v->tcp_timeout_ns)
		c->tcp_ns = v->tcp_timeout_ns;
	if (v->tcp_fin_timeout_ns)
		c->fin_ns = v->tcp_fin_timeout_ns;
	if (v->udp_timeout_ns)
		c->udp_ns = v->udp_timeout_ns;
	if (v->snat_port_min && v->snat_port_max >= v->snat_port_min) {
		c->port_min = v->snat_port_min;
		c->port_max = v->snat_port_max;
	}
}

/* Idle lifetime of an entry of protocol @proto with XLB_FLOW_F_* @flags. */
static __always_inline __u64 xlb_timeout(const struct xlb_cfg *c, __u8 proto, __u8 flags)
{
	if (proto != IPPROTO_TCP)
		return c->udp_ns;
	return (flags & XLB_FLOW_F_CLOSING) ? c->fin_ns : c->tcp_ns;
}

static __always_inline int xlb_is_expired(__u64 last_seen, __u64 now, __u64 timeout)
{
	return now > last_seen && now - last_seen > timeout;
}

/* The service a client packet is addressed to (dst, dport, proto, family). */
static __always_inline struct xlb_service *xlb_service_lookup(const struct xlb_flow_key *k)
{
	struct xlb_vip_key vk;

	__builtin_memset(&vk, 0, sizeof(vk));
	__builtin_memcpy(vk.addr, k->dst, sizeof(vk.addr));
	vk.port = k->dport;
	vk.proto = k->proto;
	vk.family = k->family;
	return bpf_map_lookup_elem(&services, &vk);
}

/* How a packet of a service reaches its backend. */
struct xlb_choice {
	struct xlb_backend *be; /* `backends` entry */
	__u32 be_id;
	__u32 gen;              /* be->gen when chosen */
	__be16 snat_port;       /* NAT: source port toward the backend */
	__u8 is_new;            /* no usable flow entry: create one */
	__u8 flags;             /* XLB_FLOW_F_* for the entries */
	__u8 touch_nat;         /* NAT: refresh the reverse entry too */
};

/*
 * The backend a flow entry points at, or NULL when the entry may no longer
 * be used (backend id reused, backend down, another service, idle too long).
 */
static __always_inline struct xlb_backend *xlb_flow_backend(const struct xlb_flow *f,
							    __u32 svc_id, __u8 proto,
							    const struct xlb_cfg *cfg, __u64 now)
{
	struct xlb_backend *be;
	__u32 id = f->backend;

	be = bpf_map_lookup_elem(&backends, &id);
	if (!be || be->gen != f->gen || be->service != svc_id)
		return NULL;
	if (be->state != XLB_BE_UP && be->state != XLB_BE_DRAINING)
		return NULL;
	if (xlb_is_expired(f->last_seen, now, xlb_timeout(cfg, proto, f->flags)))
		return NULL;
	return be;
}

/* Maglev: the backend id in the active table's slot for this packet. */
static __always_inline int xlb_maglev_pick(const struct xlb_pkt *p,
					   const struct xlb_service *svc, __u32 *be_id)
{
	__u32 table = svc->table, slot, hash;
	__u32 *id;
	void *inner;

	inner = bpf_map_lookup_elem(&maglev, &table);
	if (!inner)
		return -XLB_ENOENT;
	if (svc->flags & XLB_SVC_F_AFFINITY)
		hash = xlb_hash_src(&p->key);
	else
		hash = xlb_hash_tuple(&p->key);
	slot = hash % XLB_MAGLEV_SIZE;
	id = bpf_map_lookup_elem(inner, &slot);
	if (!id || *id == XLB_NO_BACKEND)
		return -XLB_ENOENT;
	*be_id = *id;
	return 0;
}

/* Use an existing entry: refresh it in place, no map update. */
static __always_inline void xlb_flow_hit(struct xlb_flow *f, struct xlb_backend *be,
					 struct xlb_choice *ch, __u64 now, int syn, int closing)
{
	__u64 last = f->last_seen;
	__u8 flags = f->flags;

	ch->be = be;
	ch->be_id = f->backend;
	ch->gen = f->gen;
	ch->snat_port = f->snat_port;
	ch->is_new = 0;
	/* A reused tuple starts a new connection: forget an old FIN. */
	if (syn)
		flags = 0;
	if (closing)
		flags |= XLB_FLOW_F_CLOSING;
	ch->flags = flags;
	ch->touch_nat = syn || flags != f->flags || xlb_refresh_due(last, now);
	f->last_seen = now;
	if (flags != f->flags)
		f->flags = flags;
}

/*
 * Choose the backend for a client packet of @svc. Returns 0 with @ch
 * filled (ch->is_new: the caller allocates NAT state and commits the entry
 * with xlb_flow_commit), or -XLB_ENOENT when no backend is usable.
 */
static __always_inline int xlb_flow_choose(const struct xlb_pkt *p,
					   const struct xlb_service *svc,
					   const struct xlb_cfg *cfg, __u64 now,
					   struct xlb_choice *ch)
{
	struct xlb_backend *be = NULL;
	int syn = xlb_pkt_is_syn(p);
	int closing = xlb_pkt_is_closing(p);
	struct xlb_flow *f;
	__u32 id;

	f = bpf_map_lookup_elem(&flows, &p->key);
	if (f) {
		be = xlb_flow_backend(f, svc->id, p->key.proto, cfg, now);
		if (be && !syn) {
			xlb_flow_hit(f, be, ch, now, 0, closing);
			return 0;
		}
	}
	if (xlb_maglev_pick(p, svc, &id))
		return -XLB_ENOENT;
	if (f && be && f->backend == id) {
		xlb_flow_hit(f, be, ch, now, syn, closing);
		return 0;
	}
	/* New flows only go to UP backends, even from a table not yet rebuilt. */
	be = bpf_map_lookup_elem(&backends, &id);
	if (!be || be->state != XLB_BE_UP || be->family != p->key.family)
		return -XLB_ENOENT;
	ch->be = be;
	ch->be_id = id;
	ch->gen = be->gen;
	ch->snat_port = 0;
	ch->is_new = 1;
	ch->flags = closing ? XLB_FLOW_F_CLOSING : 0;
	ch->touch_nat = 0;
	return 0;
}

/* Write the entry of a new or re-chosen flow and count it. */
static __always_inline void xlb_flow_commit(const struct xlb_pkt *p,
					    const struct xlb_service *svc,
					    const struct xlb_choice *ch, __u64 now)
{
	struct xlb_flow f;

	__builtin_memset(&f, 0, sizeof(f));
	f.last_seen = now;
	f.backend = ch->be_id;
	f.gen = ch->gen;
	f.snat_port = ch->snat_port;
	f.flags = ch->flags;
	bpf_map_update_elem(&flows, &p->key, &f, BPF_ANY);
	xlb_count_new_flow(svc->id, ch->be_id);
}

#endif /* XLB_FLOW_H */
