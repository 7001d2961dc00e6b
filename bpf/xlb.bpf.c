// SPDX-License-Identifier: GPL-2.0
/*
 * xlb XDP data plane: parse -> look up the service -> pick the backend ->
 * rewrite -> count -> verdict. Everything that is not for a service (or a
 * NAT reply, or an ICMP error about a flow) passes to the kernel untouched.
 * The helpers live in the headers of bpf/, one concern each.
 */
/*
 * vmlinux.h has a typedef named `config`, the name our config map must
 * carry; hide it (nothing here uses the kernel's type).
 */
#define config __vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb/abi.h"

#include "maps.h"
#include "csum.h"
#include "parse.h"
#include "hash.h"
#include "stats.h"
#include "fib.h"
#include "flow.h"
#include "nat.h"
#include "dr.h"
#include "icmp.h"

/* No usable backend: pass or drop as the service says, and count it. */
static __always_inline int xlb_no_backend(const struct xlb_service *svc)
{
	xlb_count_no_backend(svc->id);
	if (svc->flags & XLB_SVC_F_EMPTY_PASS)
		return XLB_R_PASS_NO_BACKEND;
	return XLB_R_DROP_NO_BACKEND;
}

/*
 * A TCP or UDP packet: NAT reply, client packet of a service, or not ours.
 * Every packet pointer is re-derived from the offsets in @p rather than
 * carried over from the parser, so the verifier's states after the parser
 * paths (VLAN depth, IP version, options...) stay alike and prune well:
 * about 80k instructions processed. Should that ever grow too far, making
 * this and xlb_handle_icmp() global (__noinline) functions verifies them
 * once each (~45k), for ~5 ns per packet.
 */
static __always_inline int xlb_handle_l4(struct xdp_md *ctx, struct xlb_pkt *p)
{
	struct xlb_service *svc;
	struct xlb_choice ch;
	struct xlb_cfg cfg;
	__u64 now;
	int r;

	xlb_config_load(&cfg);
	if (p->frag == XLB_FRAG_NONE && xlb_snat_port_in_range(p, &cfg)) {
		r = xlb_nat_reply(ctx, p, &cfg, xlb_now());
		if (r != XLB_NOT_MINE)
			return r;
	}

	svc = xlb_service_lookup(&p->key);
	if (!svc)
		return XLB_R_PASS_NOT_SERVICE;
	if (p->frag != XLB_FRAG_NONE)
		return XLB_R_DROP_FRAGMENT;
	if (svc->flags & XLB_SVC_F_EMPTY)
		return xlb_no_backend(svc);

	now = xlb_now();
	if (xlb_flow_choose(p, svc, &cfg, now, &ch))
		return xlb_no_backend(svc);
	if (svc->mode == XLB_MODE_NAT) {
		/* A flow from before the service switched from DR has no port. */
		if (!ch.snat_port)
			ch.is_new = 1;
		if (ch.is_new) {
			if (xlb_snat_alloc(p, svc, &ch, &cfg, now))
				return XLB_R_DROP_NAT_PORTS;
		} else if (ch.touch_nat) {
			xlb_nat_touch(p, svc, &ch, now);
		}
	}
	if (ch.is_new)
		xlb_flow_commit(p, svc, &ch, now);

	if (svc->mode == XLB_MODE_DR)
		r = xlb_dr_forward(ctx, p, ch.be, now);
	else
		r = xlb_nat_forward(ctx, p, svc, &ch, now);
	if (xlb_reason_delivered(r))
		xlb_count_forward(svc->id, ch.be_id, p->len);
	return r;
}

/* An ICMP/ICMPv6 message: routed to a backend only if it is about a flow. */
static __always_inline int xlb_handle_icmp(struct xdp_md *ctx, struct xlb_pkt *p)
{
	__u32 svc_id = 0, be_id = 0;
	struct xlb_cfg cfg;
	int r;

	xlb_config_load(&cfg);
	r = xlb_icmp_forward(ctx, p, &cfg, xlb_now(), &svc_id, &be_id);
	if (xlb_reason_delivered(r))
		xlb_count_forward(svc_id, be_id, p->len);
	return r;
}

SEC("xdp")
int xlb_xdp(struct xdp_md *ctx)
{
	struct xlb_pkt pkt = {};
	int reason;

	reason = xlb_parse(ctx, &pkt);
	if (reason == XLB_PARSED_L4)
		reason = xlb_handle_l4(ctx, &pkt);
	else if (reason == XLB_PARSED_ICMP)
		reason = xlb_handle_icmp(ctx, &pkt);
	xlb_count_reason(reason, pkt.len);
	return xlb_reason_verdict(reason);
}

char LICENSE[] SEC("license") = "GPL";
