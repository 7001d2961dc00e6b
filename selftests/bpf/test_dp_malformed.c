// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane, bad input: frames truncated at every byte, inconsistent
 * header fields, fragments. None may be forwarded; each must be counted
 * under the reason the parser's rule (bpf/parse.h) gives it.
 */
#include <errno.h>

#include "dp.h"

/* Verdict the data plane gives with @r. */
static uint32_t reason_verdict(enum xlb_reason r)
{
	switch (r) {
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

/* Run @in and check it is not forwarded and is counted under @r only. */
static void expect_reason(struct fx *fx, const uint8_t *in, size_t len, enum xlb_reason r,
			  const char *what, size_t at)
{
	uint64_t before[XLB_R_MAX];
	uint8_t out[PKT_MAX];
	size_t out_len = 0;
	uint32_t v = 0;
	int i, err;

	for (i = 0; i < XLB_R_MAX; i++)
		before[i] = fx_reason_packets(fx, (enum xlb_reason)i);
	err = fx_run(fx, fx->ifindex0, in, len, out, &out_len, &v);
	cr_assert_eq(err, 0, "%s (%zu): run failed: %s", what, at, strerror(-err));
	cr_assert(v != XDP_TX && v != XDP_REDIRECT, "%s (%zu): forwarded (verdict %u)", what, at,
		  v);
	cr_assert_eq(v, reason_verdict(r), "%s (%zu): verdict %u, expected %u", what, at, v,
		     reason_verdict(r));
	for (i = 0; i < XLB_R_MAX; i++) {
		uint64_t d = fx_reason_packets(fx, (enum xlb_reason)i) - before[i];

		cr_assert_eq(d, i == (int)r ? 1u : 0u, "%s (%zu): reason %d counted %llu times",
			     what, at, i, (unsigned long long)d);
	}
	if (v == XDP_PASS)
		dp_expect_frame(out, out_len, in, len, what);
}

static void setup(struct fx *fx)
{
	dp_setup(fx, NULL);
	dp_service(fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 2, NULL);
	dp_service(fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 2, NULL);
	/* UDP services reuse the backends and tables of the TCP ones. */
	cr_assert_eq(fx_service(fx, FX_VIP4, DP_PORT, IPPROTO_UDP, XLB_MODE_NAT, 0, FX_LB4,
				dp_svc(AF_INET), dp_table(AF_INET)), 0);
	cr_assert_eq(fx_service(fx, FX_VIP6, DP_PORT, IPPROTO_UDP, XLB_MODE_NAT, 0, FX_LB6,
				dp_svc(AF_INET6), dp_table(AF_INET6)), 0);
}

/* The valid frames whose every truncation we try. */
static void frame_variants(struct pkt *v, int *n)
{
	struct pkt p;

	*n = 0;
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	p.payload_len = 8;
	v[(*n)++] = p;                                   /* eth + IPv4 + TCP */
	p.ip_opts_len = 8;
	p.tcp_opts_len = 12;
	v[(*n)++] = p;                                   /* with IP and TCP options */
	dp_client_pkt(&p, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.payload_len = 4;
	p.nvlan = 1;
	v[(*n)++] = p;                                   /* eth + VLAN + IPv4 + UDP */
	dp_client_pkt(&p, AF_INET6, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	p.payload_len = 4;
	p.nvlan = 2;
	p.vlan_tpid[0] = 0x88a8;
	v[(*n)++] = p;                                   /* eth + 2 VLAN + IPv6 + TCP */
	dp_client_pkt(&p, AF_INET6, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.payload_len = 4;
	p.n_ext = 2;
	p.ext[0] = 0;
	p.ext_len[0] = 0;
	p.ext[1] = 60;
	p.ext_len[1] = 1;
	v[(*n)++] = p;                                   /* eth + IPv6 + HBH + DST + UDP */
}

/*
 * Cut each valid frame at every length. Below 14 bytes the kernel refuses
 * the frame itself (XDP never sees less than an Ethernet header); every
 * other cut leaves a header or the IP packet short: DROP_MALFORMED.
 */
Test(dp_malformed, truncated_at_every_byte)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt v[8];
	struct fx fx;
	int i, nv, err;
	size_t len, cut, out_len;
	uint32_t verdict;

	setup(&fx);
	frame_variants(v, &nv);
	for (i = 0; i < nv; i++) {
		len = pkt_build(&v[i], in, sizeof(in));
		/* the whole frame is fine */
		err = fx_run(&fx, fx.ifindex0, in, len, out, &out_len, &verdict);
		cr_assert_eq(err, 0);
		cr_assert_eq(verdict, XDP_TX, "variant %d must forward when whole", i);
		for (cut = 0; cut < 14; cut++) {
			err = fx_run(&fx, fx.ifindex0, in, cut, out, &out_len, &verdict);
			cr_assert_eq(err, -EINVAL, "variant %d cut %zu: kernel accepted it", i, cut);
		}
		for (cut = 14; cut < len; cut++)
			expect_reason(&fx, in, cut, XLB_R_DROP_MALFORMED, "truncated frame", cut);
	}
	dp_done(&fx);
}

/* Set the IP length fields so the IP packet ends exactly at @len. */
static void fit_ip_len(const struct pkt *p, uint8_t *f, size_t len)
{
	size_t l3 = pkt_l3_offset(p);
	size_t ip = len - l3;

	if (p->family == AF_INET) {
		f[l3 + 2] = (uint8_t)(ip >> 8);
		f[l3 + 3] = (uint8_t)ip;
	} else {
		f[l3 + 4] = (uint8_t)((ip - 40) >> 8);
		f[l3 + 5] = (uint8_t)(ip - 40);
	}
}

/*
 * IP lengths consistent with the cut, so the short header is the only
 * problem: a TCP header (20..) or UDP header (8) or IPv6 extension header
 * cut anywhere is malformed; cuts in the payload are fine.
 */
Test(dp_malformed, short_transport_and_extension_headers)
{
	uint8_t in[PKT_MAX], f[PKT_MAX];
	struct pkt v[8];
	struct fx fx;
	size_t len, cut, l4, l3, hl;
	int i, nv;

	setup(&fx);
	frame_variants(v, &nv);
	for (i = 0; i < nv; i++) {
		len = pkt_build(&v[i], in, sizeof(in));
		l3 = pkt_l3_offset(&v[i]);
		l4 = pkt_l4_offset(&v[i]);
		hl = v[i].proto == IPPROTO_TCP ? 20 + v[i].tcp_opts_len : 8;
		cr_assert_gt(len, l4 + hl, "variant %d has a payload", i);
		/* from the end of the fixed IP header up to the end of the L4 header */
		for (cut = l3 + (v[i].family == AF_INET ? 20u + v[i].ip_opts_len : 40u);
		     cut < l4 + hl; cut++) {
			memcpy(f, in, cut);
			fit_ip_len(&v[i], f, cut);
			expect_reason(&fx, f, cut, XLB_R_DROP_MALFORMED, "short header", cut);
		}
	}
	dp_done(&fx);
}

/* Patch one byte of a valid frame and expect @r. */
struct patch_case {
	const char *name;
	int af;
	uint8_t proto;
	int layer;        /* 3: offset from the IP header, 4: from the L4 header */
	size_t off;
	uint8_t val;
	enum xlb_reason r;
};

static const struct patch_case patch_cases[] = {
	{ "ipv4 ihl 0", AF_INET, IPPROTO_TCP, 3, 0, 0x40, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 4", AF_INET, IPPROTO_TCP, 3, 0, 0x44, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 15 > total length", AF_INET, IPPROTO_TCP, 3, 0, 0x4f, XLB_R_DROP_MALFORMED },
	{ "ipv4 version 6", AF_INET, IPPROTO_TCP, 3, 0, 0x65, XLB_R_DROP_MALFORMED },
	{ "ipv4 total length beyond frame", AF_INET, IPPROTO_UDP, 3, 2, 0x09,
	  XLB_R_DROP_MALFORMED },
	{ "ipv4 total length < header", AF_INET, IPPROTO_UDP, 3, 3, 0x10, XLB_R_DROP_MALFORMED },
	{ "ipv6 version 4", AF_INET6, IPPROTO_TCP, 3, 0, 0x40, XLB_R_DROP_MALFORMED },
	{ "ipv6 payload length beyond frame", AF_INET6, IPPROTO_TCP, 3, 4, 0x10,
	  XLB_R_DROP_MALFORMED },
	{ "tcp doff 4", AF_INET, IPPROTO_TCP, 4, 12, 0x40, XLB_R_DROP_MALFORMED },
	{ "tcp doff 0", AF_INET6, IPPROTO_TCP, 4, 12, 0x00, XLB_R_DROP_MALFORMED },
	{ "tcp doff past the packet", AF_INET, IPPROTO_TCP, 4, 12, 0xf0, XLB_R_DROP_MALFORMED },
	{ "udp length 7", AF_INET, IPPROTO_UDP, 4, 5, 0x07, XLB_R_DROP_MALFORMED },
	{ "udp length past the packet", AF_INET6, IPPROTO_UDP, 4, 4, 0x01, XLB_R_DROP_MALFORMED },
	{ "udp length short of the payload (legal)", AF_INET, IPPROTO_UDP, 4, 5, 0x08,
	  XLB_R_FWD_TX },
};

Test(dp_malformed, inconsistent_fields)
{
	uint8_t in[PKT_MAX];
	size_t i, len, base;
	struct pkt p;
	struct fx fx;

	setup(&fx);
	for (i = 0; i < sizeof(patch_cases) / sizeof(patch_cases[0]); i++) {
		const struct patch_case *c = &patch_cases[i];

		dp_client_pkt(&p, c->af, c->proto, (uint16_t)(DP_CPORT + i), DP_PORT, PKT_TCP_SYN);
		p.payload_len = 20;
		len = pkt_build(&p, in, sizeof(in));
		base = c->layer == 3 ? pkt_l3_offset(&p) : pkt_l4_offset(&p);
		in[base + c->off] = c->val;
		if (c->r == XLB_R_FWD_TX) {
			uint8_t out[PKT_MAX];

			dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
			continue;
		}
		expect_reason(&fx, in, len, c->r, c->name, i);
	}
	dp_done(&fx);
}

/*
 * Fragments. First fragments of a service are dropped (their ports say
 * service, the rest of the datagram cannot be steered); later fragments
 * carry no ports and pass; first fragments of anything else pass.
 */
Test(dp_malformed, fragments)
{
	uint8_t in[PKT_MAX];
	struct pkt p;
	struct fx fx;
	size_t len;
	int af;

	setup(&fx);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		bool v6 = af == AF_INET6;

		/* first fragment of a service flow */
		dp_client_pkt(&p, af, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
		p.mf = true;
		p.v6_frag = v6;
		len = pkt_build(&p, in, sizeof(in));
		expect_reason(&fx, in, len, XLB_R_DROP_FRAGMENT, "first fragment", 0);
		/* first fragment, TCP, service */
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_ACK);
		p.mf = true;
		p.v6_frag = v6;
		len = pkt_build(&p, in, sizeof(in));
		expect_reason(&fx, in, len, XLB_R_DROP_FRAGMENT, "first tcp fragment", 0);
		/* middle and last fragments */
		p.frag_off = 185;
		len = pkt_build(&p, in, sizeof(in));
		expect_reason(&fx, in, len, XLB_R_PASS_FRAGMENT, "middle fragment", 0);
		p.mf = false;
		len = pkt_build(&p, in, sizeof(in));
		expect_reason(&fx, in, len, XLB_R_PASS_FRAGMENT, "last fragment", 0);
		/* first fragment of a non-service port */
		dp_client_pkt(&p, af, IPPROTO_UDP, DP_CPORT, 53, 0);
		p.mf = true;
		p.v6_frag = v6;
		len = pkt_build(&p, in, sizeof(in));
		expect_reason(&fx, in, len, XLB_R_PASS_NOT_SERVICE, "first fragment, no service", 0);
		/* first fragment too short to hold the ports: 2 bytes of UDP */
		dp_client_pkt(&p, af, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
		p.mf = true;
		p.v6_frag = v6;
		pkt_build(&p, in, sizeof(in));
		len = pkt_l4_offset(&p) + 2;
		fit_ip_len(&p, in, len);
		expect_reason(&fx, in, len, XLB_R_PASS_FRAGMENT, "first fragment without ports", 0);
	}
	/* IPv6 fragment header behind other extension headers */
	dp_client_pkt(&p, AF_INET6, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.n_ext = 1;
	p.ext[0] = 0;
	p.v6_frag = true;
	p.frag_off = 3;
	len = pkt_build(&p, in, sizeof(in));
	expect_reason(&fx, in, len, XLB_R_PASS_FRAGMENT, "fragment after hop-by-hop", 0);
	p.frag_off = 0;
	p.mf = true;
	len = pkt_build(&p, in, sizeof(in));
	expect_reason(&fx, in, len, XLB_R_DROP_FRAGMENT, "first fragment after hop-by-hop", 0);
	dp_done(&fx);
}

/* IPv6 extension header lengths that point past the packet. */
Test(dp_malformed, ipv6_extension_overrun)
{
	uint8_t in[PKT_MAX];
	struct pkt p;
	struct fx fx;
	size_t len;

	setup(&fx);
	dp_client_pkt(&p, AF_INET6, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.n_ext = 1;
	p.ext[0] = 60;
	p.ext_len[0] = 1;
	len = pkt_build(&p, in, sizeof(in));
	in[pkt_l3_offset(&p) + 40 + 1] = 200; /* 1608 bytes: beyond the packet */
	expect_reason(&fx, in, len, XLB_R_DROP_MALFORMED, "dest opts overrun", 0);
	in[pkt_l3_offset(&p) + 40 + 1] = 8;   /* 72 bytes: inside the frame, past the UDP */
	expect_reason(&fx, in, len, XLB_R_DROP_MALFORMED, "dest opts swallow udp", 0);
	dp_done(&fx);
}
