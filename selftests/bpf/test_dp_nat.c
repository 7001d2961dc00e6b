// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane, full NAT: forward and reply translation for IPv4/IPv6 and
 * TCP/UDP with exact output frames, the NAT reverse entries, UDP checksum
 * corner cases, missing neighbours, expiry, and SNAT port allocation.
 */
#include <unistd.h>

#include "dp.h"

/* Client -> backend as the data plane must emit it. */
static void nat_expect_fwd(struct pkt *exp, const struct pkt *in, int af, int ifn, int be,
			   uint16_t snat_port)
{
	*exp = *in;
	pkt_set_macs(exp, fx_be_mac(ifn, be), ifn ? FX_LB1_MAC : FX_LB_MAC);
	pkt_set_ips(exp, ifn ? dp_lb1(af) : dp_lb(af), fx_be_addr(ifn, be, dp_fam(af)));
	exp->sport = snat_port;
	exp->dport = DP_BPORT;
}

/* The backend's reply to a forwarded flow, as it arrives on xlbt@ifn. */
static void nat_reply_pkt(struct pkt *p, int af, uint8_t proto, int ifn, int be,
			  uint16_t snat_port, uint8_t flags)
{
	memset(p, 0, sizeof(*p));
	pkt_set_macs(p, ifn ? FX_LB1_MAC : FX_LB_MAC, fx_be_mac(ifn, be));
	pkt_set_ips(p, fx_be_addr(ifn, be, dp_fam(af)), ifn ? dp_lb1(af) : dp_lb(af));
	p->proto = proto;
	p->sport = DP_BPORT;
	p->dport = snat_port;
	p->tcp_flags = proto == IPPROTO_TCP ? flags : 0;
	p->seq = 5000;
	p->ack = 1001;
	p->payload_len = 100;
	p->payload_seed = 9;
}

/* The reply as the client must get it: from VIP:port, via the gateway. */
static void nat_expect_reply(struct pkt *exp, const struct pkt *in, int af, uint16_t cport)
{
	*exp = *in;
	pkt_set_macs(exp, FX_GW_MAC, FX_LB_MAC);
	pkt_set_ips(exp, dp_vip(af), dp_client(af));
	exp->sport = DP_PORT;
	exp->dport = cport;
}

/* Run a client packet and return the SNAT port it left with (checked). */
static uint16_t nat_forward(struct fx *fx, const struct pkt *p, int af, int ifn, int be,
			    uint32_t verdict)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], exp_buf[PKT_MAX];
	size_t len, out_len, exp_len, l4 = pkt_l4_offset(p);
	struct pkt exp;
	uint16_t port;

	len = pkt_build(p, in, sizeof(in));
	out_len = dp_run(fx, fx->ifindex0, in, len, out, verdict);
	cr_assert_eq(out_len, len);
	port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
	cr_assert(port >= XLB_DEF_SNAT_PORT_MIN && port <= XLB_DEF_SNAT_PORT_MAX,
		  "SNAT port %u outside the default range", port);
	nat_expect_fwd(&exp, p, af, ifn, be, port);
	exp_len = pkt_build(&exp, exp_buf, sizeof(exp_buf));
	dp_expect_frame(out, out_len, exp_buf, exp_len, "nat forward");
	return port;
}

/* Forward, check state, reply, forward again: one flow through NAT. */
static void nat_roundtrip(int af, uint8_t proto, int ifn)
{
	uint32_t fwd = ifn ? XDP_REDIRECT : XDP_TX;
	struct xlb_backend_stats bs;
	struct xlb_service_stats ss;
	struct xlb_flow_key k, rk;
	struct pkt p, r, exp;
	struct xlb_flow f;
	struct xlb_nat n;
	uint16_t port, port2;
	uint8_t buf[PKT_MAX];
	size_t rlen;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, af, proto, DP_PORT, XLB_MODE_NAT, 0, ifn, 1, NULL);

	dp_client_pkt(&p, af, proto, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	port = nat_forward(&fx, &p, af, ifn, 0, fwd);

	dp_flow_key(&k, af, proto, DP_CPORT, DP_PORT);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_eq(f.backend, dp_be(af, 0));
	cr_expect_eq(ntohs(f.snat_port), port, "flow records the SNAT port");
	fx_key(&rk, fx_be_addr(ifn, 0, dp_fam(af)), DP_BPORT, ifn ? dp_lb1(af) : dp_lb(af),
	       port, proto);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0, "reverse entry written");
	cr_expect_eq(memcmp(n.client, k.src, 16), 0);
	cr_expect_eq(memcmp(n.vip, k.dst, 16), 0);
	cr_expect_eq(n.client_port, htons(DP_CPORT));
	cr_expect_eq(n.vip_port, htons(DP_PORT));
	cr_expect_eq(n.backend, dp_be(af, 0));
	cr_expect_eq(n.flags, 0);
	cr_expect_eq(n.last_seen, f.last_seen);

	/* The backend answers; the client gets it from the VIP. */
	nat_reply_pkt(&r, af, proto, ifn, 0, port, PKT_TCP_SYN | PKT_TCP_ACK);
	nat_expect_reply(&exp, &r, af, DP_CPORT);
	rlen = pkt_build(&r, buf, sizeof(buf));
	{
		uint8_t out[PKT_MAX], ebuf[PKT_MAX];
		size_t out_len, elen;

		out_len = dp_run(&fx, ifn ? fx.ifindex1 : fx.ifindex0, buf, rlen, out, fwd);
		elen = pkt_build(&exp, ebuf, sizeof(ebuf));
		dp_expect_frame(out, out_len, ebuf, elen, "nat reply");
	}
	cr_assert_eq(fx_backend_stats(&fx, dp_be(af, 0), &bs), 0);
	cr_expect_eq(bs.reply_packets, 1);
	cr_expect_eq(bs.reply_bytes, rlen);
	cr_expect_eq(bs.packets, 1);
	cr_expect_eq(bs.new_flows, 1);

	/* Established: same port, no new flow. */
	dp_client_pkt(&p, af, proto, DP_CPORT, DP_PORT, PKT_TCP_ACK);
	p.payload_len = 300;
	port2 = nat_forward(&fx, &p, af, ifn, 0, fwd);
	cr_expect_eq(port2, port);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
	cr_expect_eq(ss.packets, 2);
	cr_expect_eq(ss.new_flows, 1);
	cr_expect_eq(dp_reason(&fx, ifn ? XLB_R_FWD_REDIRECT : XLB_R_FWD_TX), 3);
	dp_done(&fx);
}

Test(dp_nat, ipv4_tcp)
{
	nat_roundtrip(AF_INET, IPPROTO_TCP, 0);
}

Test(dp_nat, ipv6_tcp)
{
	nat_roundtrip(AF_INET6, IPPROTO_TCP, 0);
}

Test(dp_nat, ipv4_udp)
{
	nat_roundtrip(AF_INET, IPPROTO_UDP, 0);
}

Test(dp_nat, ipv6_udp)
{
	nat_roundtrip(AF_INET6, IPPROTO_UDP, 0);
}

Test(dp_nat, ipv4_tcp_redirect)
{
	nat_roundtrip(AF_INET, IPPROTO_TCP, 1);
}

Test(dp_nat, ipv6_udp_redirect)
{
	nat_roundtrip(AF_INET6, IPPROTO_UDP, 1);
}

/* IPv4 options and IPv6 extension headers move the transport header. */
Test(dp_nat, ipv4_options_and_ipv6_extensions)
{
	struct pkt p;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_service(&fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	p.ip_opts_len = 12;
	nat_forward(&fx, &p, AF_INET, 0, 0, XDP_TX);
	dp_client_pkt(&p, AF_INET6, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	p.n_ext = 2;
	p.ext[0] = 0;
	p.ext_len[0] = 1;
	p.ext[1] = 60;
	p.ext_len[1] = 0;
	p.tcp_opts_len = 12;
	nat_forward(&fx, &p, AF_INET6, 0, 0, XDP_TX);
	dp_done(&fx);
}

/* UDP over IPv4 without checksum keeps 0 in both directions. */
Test(dp_nat, udp4_zero_checksum_stays_zero)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len, n, l4;
	struct pkt p, r;
	uint16_t port;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_UDP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.udp_csum_zero = true;
	port = nat_forward(&fx, &p, AF_INET, 0, 0, XDP_TX);
	l4 = pkt_l4_offset(&p);

	nat_reply_pkt(&r, AF_INET, IPPROTO_UDP, 0, 0, port, 0);
	r.udp_csum_zero = true;
	len = pkt_build(&r, in, sizeof(in));
	n = dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_assert_eq(n, len);
	cr_expect(out[l4 + 6] == 0 && out[l4 + 7] == 0, "reply UDP checksum stays 0");
	{
		struct pkt exp;
		uint8_t ebuf[PKT_MAX];
		size_t elen;

		nat_expect_reply(&exp, &r, AF_INET, DP_CPORT);
		elen = pkt_build(&exp, ebuf, sizeof(ebuf));
		dp_expect_frame(out, n, ebuf, elen, "zero-checksum reply");
	}
	dp_done(&fx);
}

/*
 * A UDP checksum that comes out as 0 must be sent as 0xffff. Choose two
 * payload bytes so that the translated datagram sums to 0xffff.
 */
static void udp_csum_folds_to_ffff(int af)
{
	uint8_t payload[40], in[PKT_MAX], out[PKT_MAX], ebuf[PKT_MAX];
	size_t len, n, elen, l4;
	struct pkt p, exp;
	uint16_t port, s;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, af, IPPROTO_UDP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_client_pkt(&p, af, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	port = nat_forward(&fx, &p, af, 0, 0, XDP_TX);

	/* Same flow, payload word 0 chosen so the output sum is 0xffff. */
	memset(payload, 0x5a, sizeof(payload));
	payload[0] = payload[1] = 0;
	p.payload = payload;
	nat_expect_fwd(&exp, &p, af, 0, 0, port);
	elen = pkt_build(&exp, ebuf, sizeof(ebuf));
	l4 = pkt_l4_offset(&p);
	/* checksum field as built = ~sum, so the sum without it is its complement */
	s = (uint16_t)(ebuf[l4 + 6] << 8 | ebuf[l4 + 7]);
	payload[0] = (uint8_t)(s >> 8);
	payload[1] = (uint8_t)(s & 0xff);
	elen = pkt_build(&exp, ebuf, sizeof(ebuf));
	cr_assert(ebuf[l4 + 6] == 0xff && ebuf[l4 + 7] == 0xff,
		  "test setup: expected frame must carry 0xffff");

	len = pkt_build(&p, in, sizeof(in));
	n = dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	dp_expect_frame(out, n, ebuf, elen, "checksum 0 sent as 0xffff");
	dp_done(&fx);
}

Test(dp_nat, udp4_checksum_zero_result_is_ffff)
{
	udp_csum_folds_to_ffff(AF_INET);
}

Test(dp_nat, udp6_checksum_zero_result_is_ffff)
{
	udp_csum_folds_to_ffff(AF_INET6);
}

/* NAT with no neighbour: the rewritten packet goes to the kernel. */
Test(dp_nat, no_neighbour_passes_rewritten)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], ebuf[PKT_MAX];
	size_t len, n, elen, l4;
	struct xlb_service_stats ss;
	struct pkt p, exp;
	uint16_t port;
	struct fx fx;
	uint32_t id;
	int af;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		id = dp_be(af, 0);
		cr_assert_eq(fx_backend(&fx, id, af == AF_INET ? FX_NONEIGH4 : FX_NONEIGH6,
					DP_BPORT, XLB_BE_UP, 1, dp_svc(af)), 0);
		cr_assert_eq(fx_table(&fx, dp_table(af), &id, NULL, 1), 0);
		cr_assert_eq(fx_service(&fx, dp_vip(af), DP_PORT, IPPROTO_TCP, XLB_MODE_NAT, 0,
					dp_lb(af), dp_svc(af), dp_table(af)), 0);
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
		len = pkt_build(&p, in, sizeof(in));
		n = dp_run(&fx, fx.ifindex0, in, len, out, XDP_PASS);
		l4 = pkt_l4_offset(&p);
		port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
		exp = p; /* MACs unchanged: the kernel will resolve the neighbour */
		pkt_set_ips(&exp, dp_lb(af), af == AF_INET ? FX_NONEIGH4 : FX_NONEIGH6);
		exp.sport = port;
		exp.dport = DP_BPORT;
		elen = pkt_build(&exp, ebuf, sizeof(ebuf));
		dp_expect_frame(out, n, ebuf, elen, "rewritten, passed");
		cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
		cr_expect_eq(ss.packets, 1, "handed to the kernel for the backend");
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NO_NEIGH), 2);
	dp_done(&fx);
}

/* Replies without a live NAT entry are not ours: they pass untouched. */
Test(dp_nat, unknown_or_expired_reply_passes)
{
	struct xlb_config cfg = { .udp_timeout_ns = 1000000000ull };
	struct xlb_flow_key rk;
	struct xlb_nat n;
	struct pkt p, r;
	uint16_t port;
	struct fx fx;

	dp_setup(&fx, NULL);
	cr_assert_eq(fx_config(&fx, &cfg), 0);
	dp_service(&fx, AF_INET, IPPROTO_UDP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	port = nat_forward(&fx, &p, AF_INET, 0, 0, XDP_TX);

	/* a port nobody got */
	nat_reply_pkt(&r, AF_INET, IPPROTO_UDP, 0, 0,
		      port == XLB_DEF_SNAT_PORT_MIN ? port + 1 : port - 1, 0);
	dp_check(&fx, fx.ifindex0, &r, XDP_PASS, NULL, "unknown port");
	/* right port, other backend port */
	nat_reply_pkt(&r, AF_INET, IPPROTO_UDP, 0, 0, port, 0);
	r.sport = DP_BPORT + 1;
	dp_check(&fx, fx.ifindex0, &r, XDP_PASS, NULL, "other source port");

	/* expire the entry: idle longer than the 1 s UDP timeout */
	fx_key(&rk, fx_be_addr(0, 0, XLB_AF_INET), DP_BPORT, FX_LB4, port, IPPROTO_UDP);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	cr_assert_gt(fx_now_ns(), 3000000000ull);
	n.last_seen = fx_now_ns() - 3000000000ull;
	cr_assert_eq(fx_nat_set(&fx, &rk, &n), 0);
	nat_reply_pkt(&r, AF_INET, IPPROTO_UDP, 0, 0, port, 0);
	dp_check(&fx, fx.ifindex0, &r, XDP_PASS, NULL, "expired entry");
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NOT_SERVICE), 3);
	dp_done(&fx);
}

/* A service whose port lies inside the SNAT range still works. */
Test(dp_nat, service_port_inside_snat_range)
{
	struct pkt p, exp;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, 45000, XLB_MODE_DR, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, 45000, PKT_TCP_SYN);
	exp = p;
	pkt_set_macs(&exp, fx_be_mac(0, 0), FX_LB_MAC);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "service on port 45000");
	dp_done(&fx);
}

/* Many flows to one backend: every one gets its own SNAT port. */
Test(dp_nat, snat_ports_unique_per_backend)
{
	static uint8_t seen[65536];
	uint8_t in[PKT_MAX], out[PKT_MAX];
	const int nflows = 5000;
	size_t len, n, l4;
	struct pkt p;
	struct fx fx;
	uint16_t port;
	int i, dup = 0;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < nflows; i++) {
		dp_client_pkt(&p, AF_INET, IPPROTO_TCP, (uint16_t)(1024 + i % 1000), DP_PORT,
			      PKT_TCP_SYN);
		p.src[3] = (uint8_t)(1 + i / 1000);
		p.payload_len = 0;
		len = pkt_build(&p, in, sizeof(in));
		n = dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
		cr_assert_eq(n, len);
		l4 = pkt_l4_offset(&p);
		port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
		cr_assert(port >= XLB_DEF_SNAT_PORT_MIN && port <= XLB_DEF_SNAT_PORT_MAX);
		if (seen[port]++)
			dup++;
	}
	cr_expect_eq(dup, 0, "%d flows shared a SNAT port", dup);
	cr_expect_eq(fx_nat_count(&fx), nflows);
	cr_expect_eq(fx_flow_count(&fx), nflows);
	dp_done(&fx);
}

/*
 * A range smaller than the probe count is searched whole: 8 ports serve 8
 * flows, the 9th is dropped; an expired entry frees its port again.
 */
Test(dp_nat, snat_port_exhaustion_and_reuse)
{
	struct xlb_config cfg = {
		.snat_port_min = 50000,
		.snat_port_max = 50007,
		.tcp_timeout_ns = 100ull * 1000000000ull,
	};
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct xlb_flow_key rk;
	unsigned int used = 0;
	struct xlb_nat nat;
	size_t len, l4;
	struct pkt p;
	uint16_t port;
	struct fx fx;
	int i;

	dp_setup(&fx, NULL);
	cr_assert_eq(fx_config(&fx, &cfg), 0);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	for (i = 0; i < 8; i++) {
		dp_client_pkt(&p, AF_INET, IPPROTO_TCP, (uint16_t)(2000 + i), DP_PORT, PKT_TCP_SYN);
		len = pkt_build(&p, in, sizeof(in));
		dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
		l4 = pkt_l4_offset(&p);
		port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
		cr_assert(port >= 50000 && port <= 50007, "port %u", port);
		cr_assert_eq(used & (1u << (port - 50000)), 0, "port %u given twice", port);
		used |= 1u << (port - 50000);
	}
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, 2008, DP_PORT, PKT_TCP_SYN);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_DROP);
	cr_expect_eq(dp_reason(&fx, XLB_R_DROP_NAT_PORTS), 1);

	/* Let the entry of port 50003 expire: the next flow gets it. */
	fx_key(&rk, fx_be_addr(0, 0, XLB_AF_INET), DP_BPORT, FX_LB4, 50003, IPPROTO_TCP);
	cr_assert_eq(fx_nat_get(&fx, &rk, &nat), 0);
	cr_assert_gt(fx_now_ns(), 200ull * 1000000000ull);
	nat.last_seen = fx_now_ns() - 200ull * 1000000000ull;
	cr_assert_eq(fx_nat_set(&fx, &rk, &nat), 0);
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
	cr_expect_eq(port, 50003);
	cr_assert_eq(fx_nat_get(&fx, &rk, &nat), 0);
	cr_expect_eq(nat.client_port, htons(2008), "entry now belongs to the new flow");
	cr_expect(nat.last_seen > fx_now_ns() - 10ull * 1000000000ull);
	dp_done(&fx);
}

/*
 * A one-way flow sending faster than the refresh period keeps its NAT entry
 * alive: a forward packet in a new period refreshes the reverse entry even
 * though the flow was seen less than a second ago (and the reverse: replies
 * keep a silent client's flow entry). Otherwise the port of a live one-way
 * UDP flow would expire and could be handed to another flow.
 */
Test(dp_nat, one_way_flows_keep_both_entries_alive)
{
	const uint64_t period = 1ull << 30;
	struct xlb_flow_key k, rk;
	struct xlb_flow f;
	struct xlb_nat n;
	struct pkt p, r;
	uint8_t in[PKT_MAX], out[PKT_MAX];
	uint64_t now, stale;
	uint16_t port;
	size_t len;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_UDP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	port = nat_forward(&fx, &p, AF_INET, 0, 0, XDP_TX);
	dp_flow_key(&k, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT);
	fx_key(&rk, fx_be_addr(0, 0, XLB_AF_INET), DP_BPORT, FX_LB4, port, IPPROTO_UDP);

	/* Start early in a period, so "previous period" is < 0.5 s ago: the
	 * gap-based refresh this replaces would not fire, whatever the clock. */
	while ((fx_now_ns() & (period - 1)) > 400000000ull)
		usleep(10000);
	/* client side: flow seen in the previous period but < 1 s ago; NAT old */
	now = fx_now_ns();
	cr_assert_gt(now, 100 * period);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	f.last_seen = (now & ~(period - 1)) - 1;
	cr_assert_eq(fx_flow_set(&fx, &k, &f), 0);
	stale = now - 25ull * 1000000000ull;
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	n.last_seen = stale;
	cr_assert_eq(fx_nat_set(&fx, &rk, &n), 0);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	cr_expect_gt(n.last_seen, stale + 20ull * 1000000000ull,
		     "forward packet in a new period refreshed the NAT entry");

	/* backend side: replies only; the flow entry is old, NAT recent */
	while ((fx_now_ns() & (period - 1)) > 400000000ull)
		usleep(10000);
	now = fx_now_ns();
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	n.last_seen = (now & ~(period - 1)) - 1;
	cr_assert_eq(fx_nat_set(&fx, &rk, &n), 0);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	f.last_seen = stale;
	cr_assert_eq(fx_flow_set(&fx, &k, &f), 0);
	nat_reply_pkt(&r, AF_INET, IPPROTO_UDP, 0, 0, port, 0);
	len = pkt_build(&r, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_gt(f.last_seen, stale + 20ull * 1000000000ull,
		     "reply in a new period refreshed the flow entry");
	dp_done(&fx);
}
