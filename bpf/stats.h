/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters. All maps are per-CPU arrays, so a plain increment is safe; user
 * space sums the CPUs. Every packet is counted under exactly one reason
 * (xlb_count_reason, called once from the entry program), and the reason
 * alone decides the XDP verdict (xlb_reason_verdict).
 */
#ifndef XLB_STATS_H
#define XLB_STATS_H

/* The XDP action a reason stands for. */
static __always_inline int xlb_reason_verdict(int reason)
{
	switch (reason) {
	case XLB_R_FWD_TX:
		return XDP_TX;
	case XLB_R_FWD_REDIRECT:
		return XDP_REDIRECT;
	case XLB_R_PASS_NOT_IP:
	case XLB_R_PASS_NOT_SERVICE:
	case XLB_R_PASS_FRAGMENT:
	case XLB_R_PASS_NO_NEIGH:
	case XLB_R_PASS_NO_BACKEND:
	case XLB_R_PASS_ICMP:
	case XLB_R_PASS_OTHER_HOST:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}

/* True for the reasons under which a packet was rewritten for a backend. */
static __always_inline int xlb_reason_delivered(int reason)
{
	return reason == XLB_R_FWD_TX || reason == XLB_R_FWD_REDIRECT ||
	       reason == XLB_R_PASS_NO_NEIGH;
}

static __always_inline void xlb_count_reason(__u32 reason, __u32 bytes)
{
	struct xlb_reason_stats *rs;

	rs = bpf_map_lookup_elem(&reasons, &reason);
	if (!rs)
		return;
	rs->packets++;
	rs->bytes += bytes;
}

/* A packet from a client (or an ICMP error about a flow) handed to a backend. */
static __always_inline void xlb_count_forward(__u32 svc_id, __u32 be_id, __u32 bytes)
{
	struct xlb_service_stats *ss;
	struct xlb_backend_stats *bs;

	ss = bpf_map_lookup_elem(&service_stats, &svc_id);
	if (ss) {
		ss->packets++;
		ss->bytes += bytes;
	}
	bs = bpf_map_lookup_elem(&backend_stats, &be_id);
	if (bs) {
		bs->packets++;
		bs->bytes += bytes;
	}
}

static __always_inline void xlb_count_new_flow(__u32 svc_id, __u32 be_id)
{
	struct xlb_service_stats *ss;
	struct xlb_backend_stats *bs;

	ss = bpf_map_lookup_elem(&service_stats, &svc_id);
	if (ss)
		ss->new_flows++;
	bs = bpf_map_lookup_elem(&backend_stats, &be_id);
	if (bs)
		bs->new_flows++;
}

static __always_inline void xlb_count_no_backend(__u32 svc_id)
{
	struct xlb_service_stats *ss;

	ss = bpf_map_lookup_elem(&service_stats, &svc_id);
	if (ss)
		ss->no_backend++;
}

/* NAT mode: a backend's reply translated back to its client. */
static __always_inline void xlb_count_reply(__u32 be_id, __u32 bytes)
{
	struct xlb_backend_stats *bs;

	bs = bpf_map_lookup_elem(&backend_stats, &be_id);
	if (!bs)
		return;
	bs->reply_packets++;
	bs->reply_bytes += bytes;
}

#endif /* XLB_STATS_H */
