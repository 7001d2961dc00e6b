// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane, flow table and backend choice: established flows survive
 * table changes, DOWN backends lose their flows and DRAINING ones keep
 * them, SYN handling, FIN/RST timeouts, source affinity, no backend.
 */
#include "dp.h"

/*
 * Send one client packet (DR service on xlbt0) and return the index of the
 * backend it went to; the frame must be the exact DR rewrite for it.
 */
static int dr_send(struct fx *fx, int af, uint8_t proto, uint16_t sport, uint8_t flags)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], ebuf[PKT_MAX];
	struct pkt p, exp;
	size_t len, n, elen;
	int be;

	dp_client_pkt(&p, af, proto, sport, DP_PORT, flags);
	len = pkt_build(&p, in, sizeof(in));
	n = dp_run(fx, fx->ifindex0, in, len, out, XDP_TX);
	be = dp_backend_of(out, 0);
	cr_assert_geq(be, 0, "frame goes to no known backend");
	exp = p;
	pkt_set_macs(&exp, fx_be_mac(0, be), FX_LB_MAC);
	elen = pkt_build(&exp, ebuf, sizeof(ebuf));
	dp_expect_frame(out, n, ebuf, elen, "dr forward");
	return be;
}

/* Rebuild the service's table without backend index @skip (-1: keep all) at @table. */
static void switch_table(struct fx *fx, int af, int n, int skip, uint32_t table, int mode)
{
	uint32_t ids[FX_NBACKENDS];
	size_t m = 0;
	int i;

	for (i = 0; i < n; i++)
		if (i != skip)
			ids[m++] = dp_be(af, i);
	cr_assert_eq(fx_table(fx, table, ids, NULL, m), 0);
	/* One write of the service entry switches the table. */
	cr_assert_eq(fx_service(fx, dp_vip(af), DP_PORT, IPPROTO_TCP, (uint8_t)mode, 0, dp_lb(af),
				dp_svc(af), table), 0);
}

static void set_state(struct fx *fx, int af, int i, uint8_t state, uint32_t gen)
{
	cr_assert_eq(fx_backend(fx, dp_be(af, i), fx_be_addr(0, i, dp_fam(af)), DP_BPORT, state,
				gen, dp_svc(af)), 0);
}

Test(dp_flow, established_flow_survives_table_change)
{
	struct xlb_service_stats ss;
	struct fx fx;
	int af, be, be2;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		dp_service(&fx, af, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 3, NULL);
		be = dr_send(&fx, af, IPPROTO_TCP, DP_CPORT, PKT_TCP_SYN);
		/* New table without that backend; it stays UP (e.g. weight change). */
		switch_table(&fx, af, 3, be, dp_table(af) + 10, XLB_MODE_DR);
		cr_expect_eq(dr_send(&fx, af, IPPROTO_TCP, DP_CPORT, PKT_TCP_ACK), be,
			     "flow follows its entry, not the new table");
		cr_expect_eq(dr_send(&fx, af, IPPROTO_TCP, DP_CPORT, PKT_TCP_ACK | PKT_TCP_PSH),
			     be);
		/* A new connection on the same tuple goes through the new table. */
		be2 = dr_send(&fx, af, IPPROTO_TCP, DP_CPORT, PKT_TCP_SYN);
		cr_expect_neq(be2, be, "a SYN consults Maglev");
		cr_expect_eq(dr_send(&fx, af, IPPROTO_TCP, DP_CPORT, PKT_TCP_ACK), be2);
		cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
		cr_expect_eq(ss.new_flows, 2);
		cr_expect_eq(ss.packets, 5);
	}
	dp_done(&fx);
}

/* DOWN: re-chosen (NAT: new backend, new SNAT port). DRAINING: kept. */
Test(dp_flow, down_backend_rechosen_draining_kept)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct xlb_backend_stats bs;
	struct xlb_flow_key k, rk;
	struct xlb_flow f;
	struct xlb_nat n;
	struct pkt p;
	size_t len;
	struct fx fx;
	uint32_t be;
	int i;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 3, NULL);
	/* two flows, on two different backends */
	dp_flow_key(&k, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT);
	for (i = 0; i < 2; i++) {
		dp_client_pkt(&p, AF_INET, IPPROTO_TCP, (uint16_t)(DP_CPORT + i), DP_PORT,
			      PKT_TCP_SYN);
		len = pkt_build(&p, in, sizeof(in));
		dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	}
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	be = f.backend;

	/* Drain that backend: out of the table, flows stay. */
	switch_table(&fx, AF_INET, 3, (int)be - 1, 5, XLB_MODE_NAT);
	set_state(&fx, AF_INET, (int)be - 1, XLB_BE_DRAINING, 1);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_ACK);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_expect_eq(dp_backend_of(out, 0), (int)be - 1, "draining keeps the flow");

	/* Now it fails: the flow moves to a backend of the table. */
	set_state(&fx, AF_INET, (int)be - 1, XLB_BE_DOWN, 1);
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_expect_neq(dp_backend_of(out, 0), (int)be - 1, "down backend loses the flow");
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_neq(f.backend, be);
	cr_expect_eq((int)f.backend - 1, dp_backend_of(out, 0));
	/* new SNAT state toward the new backend, matching the frame */
	cr_expect_eq(out[pkt_l4_offset(&p)] << 8 | out[pkt_l4_offset(&p) + 1],
		     ntohs(f.snat_port));
	fx_key(&rk, fx_be_addr(0, (int)f.backend - 1, XLB_AF_INET), DP_BPORT, FX_LB4,
	       ntohs(f.snat_port), IPPROTO_TCP);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	cr_expect_eq(n.client_port, htons(DP_CPORT));
	cr_assert_eq(fx_backend_stats(&fx, f.backend, &bs), 0);
	cr_expect_geq(bs.new_flows, 1);
	dp_done(&fx);
}

/* A backend id reused for another backend (gen bumped) drops old flows. */
Test(dp_flow, generation_change_rechooses)
{
	struct xlb_service_stats ss;
	struct fx fx;
	int be;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 2, NULL);
	be = dr_send(&fx, AF_INET, IPPROTO_TCP, DP_CPORT, PKT_TCP_SYN);
	set_state(&fx, AF_INET, be, XLB_BE_UP, 2);
	dr_send(&fx, AF_INET, IPPROTO_TCP, DP_CPORT, PKT_TCP_ACK);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, 2, "stale generation means a new flow");
	dr_send(&fx, AF_INET, IPPROTO_TCP, DP_CPORT, PKT_TCP_ACK);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, 2, "and then a hit again");
	dp_done(&fx);
}

/* A retransmitted SYN reuses its entry, SNAT port included. */
Test(dp_flow, syn_retransmit_keeps_snat_port)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], out2[PKT_MAX];
	struct xlb_service_stats ss;
	size_t len, l4;
	struct pkt p;
	struct fx fx;
	int af;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		dp_service(&fx, af, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 3, NULL);
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
		len = pkt_build(&p, in, sizeof(in));
		l4 = pkt_l4_offset(&p);
		dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
		dp_run(&fx, fx.ifindex0, in, len, out2, XDP_TX);
		dp_expect_frame(out2, len, out, len, "retransmitted SYN leaves identically");
		cr_expect_eq(memcmp(out + l4, out2 + l4, 2), 0);
		cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
		cr_expect_eq(ss.new_flows, 1);
	}
	cr_expect_eq(fx_nat_count(&fx), 2);
	dp_done(&fx);
}

/* FIN and RST mark both entries closing; the short timeout then applies. */
Test(dp_flow, fin_rst_closing_and_short_timeout)
{
	struct xlb_config cfg = { .tcp_fin_timeout_ns = 2000000000ull };
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct xlb_service_stats ss;
	struct xlb_flow_key k, rk;
	struct xlb_flow f;
	struct xlb_nat n;
	struct pkt p;
	size_t len, l4;
	uint16_t port;
	struct fx fx;

	dp_setup(&fx, NULL);
	cr_assert_eq(fx_config(&fx, &cfg), 0);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	len = pkt_build(&p, in, sizeof(in));
	l4 = pkt_l4_offset(&p);
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);

	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_FIN | PKT_TCP_ACK);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	dp_flow_key(&k, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_eq(f.flags, XLB_FLOW_F_CLOSING);
	fx_key(&rk, fx_be_addr(0, 0, XLB_AF_INET), DP_BPORT, FX_LB4, port, IPPROTO_TCP);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	cr_expect_eq(n.flags, XLB_FLOW_F_CLOSING);

	/* Idle past the 2 s FIN timeout (but not the 900 s one): re-chosen. */
	f.last_seen = fx_now_ns() - 5000000000ull;
	cr_assert_eq(fx_flow_set(&fx, &k, &f), 0);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_ACK);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, 2);

	/* An RST from the backend closes both entries too. */
	port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
	{
		struct pkt r;

		memset(&r, 0, sizeof(r));
		pkt_set_macs(&r, FX_LB_MAC, fx_be_mac(0, 0));
		pkt_set_ips(&r, fx_be_addr(0, 0, XLB_AF_INET), FX_LB4);
		r.proto = IPPROTO_TCP;
		r.sport = DP_BPORT;
		r.dport = port;
		r.tcp_flags = PKT_TCP_RST;
		len = pkt_build(&r, in, sizeof(in));
		dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	}
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_eq(f.flags, XLB_FLOW_F_CLOSING, "reply RST closes the flow entry");
	fx_key(&rk, fx_be_addr(0, 0, XLB_AF_INET), DP_BPORT, FX_LB4, port, IPPROTO_TCP);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	cr_expect_eq(n.flags, XLB_FLOW_F_CLOSING);

	/* A new SYN on the tuple reopens it. */
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_eq(f.flags, 0);
	cr_assert_eq(fx_nat_get(&fx, &rk, &n), 0);
	cr_expect_eq(n.flags, 0);
	dp_done(&fx);
}

/* Idle entries (UDP timeout) are not used: the flow is chosen again. */
Test(dp_flow, expired_flow_rechosen)
{
	struct xlb_config cfg = { .udp_timeout_ns = 2000000000ull };
	struct xlb_service_stats ss;
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct fx fx;

	dp_setup(&fx, NULL);
	cr_assert_eq(fx_config(&fx, &cfg), 0);
	dp_service(&fx, AF_INET, IPPROTO_UDP, DP_PORT, XLB_MODE_DR, 0, 0, 3, NULL);
	dr_send(&fx, AF_INET, IPPROTO_UDP, DP_CPORT, 0);
	dr_send(&fx, AF_INET, IPPROTO_UDP, DP_CPORT, 0);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, 1);
	dp_flow_key(&k, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	f.last_seen = fx_now_ns() - 3000000000ull;
	cr_assert_eq(fx_flow_set(&fx, &k, &f), 0);
	dr_send(&fx, AF_INET, IPPROTO_UDP, DP_CPORT, 0);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, 2);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0);
	cr_expect_gt(f.last_seen, fx_now_ns() - 1000000000ull, "entry refreshed");
	dp_done(&fx);
}

/* Affinity: the source address alone decides; without it ports spread. */
Test(dp_flow, source_affinity)
{
	unsigned int used_aff = 0, used_plain = 0, used_addrs = 0;
	struct pkt p;
	struct fx fx;
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len;
	int i, af;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		used_aff = used_plain = used_addrs = 0;
		dp_service(&fx, af, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, XLB_SVC_F_AFFINITY, 0, 4,
			   NULL);
		for (i = 0; i < 64; i++)
			used_aff |= 1u << dr_send(&fx, af, IPPROTO_TCP, (uint16_t)(1024 + i),
						  PKT_TCP_SYN);
		cr_expect_eq(__builtin_popcount(used_aff), 1,
			     "one client address, one backend (mask %#x)", used_aff);
		for (i = 0; i < 64; i++) {
			dp_client_pkt(&p, af, IPPROTO_TCP, 1024, DP_PORT, PKT_TCP_SYN);
			p.src[af == AF_INET ? 3 : 15] = (uint8_t)(i + 1);
			len = pkt_build(&p, in, sizeof(in));
			dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
			used_addrs |= 1u << dp_backend_of(out, 0);
		}
		cr_expect_gt(__builtin_popcount(used_addrs), 1, "addresses spread");

		dp_service(&fx, af, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 4, NULL);
		for (i = 0; i < 64; i++)
			used_plain |= 1u << dr_send(&fx, af, IPPROTO_TCP, (uint16_t)(3000 + i),
						    PKT_TCP_SYN);
		cr_expect_gt(__builtin_popcount(used_plain), 1, "5-tuple hash spreads ports");
	}
	dp_done(&fx);
}

/* No usable backend: pass or drop as flagged, counted per service. */
Test(dp_flow, no_backend_pass_or_drop)
{
	struct xlb_service_stats ss;
	struct pkt p;
	struct fx fx;
	int i;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 3, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);

	/* flagged empty */
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_NAT, XLB_SVC_F_EMPTY,
				FX_LB4, dp_svc(AF_INET), dp_table(AF_INET)), 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_DROP, NULL, "empty, drop");
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_NAT,
				XLB_SVC_F_EMPTY | XLB_SVC_F_EMPTY_PASS, FX_LB4, dp_svc(AF_INET),
				dp_table(AF_INET)), 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "empty, pass");

	/* table of XLB_NO_BACKEND slots */
	cr_assert_eq(fx_table(&fx, 7, NULL, NULL, 0), 0);
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_NAT, 0, FX_LB4,
				dp_svc(AF_INET), 7), 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_DROP, NULL, "no backend in slot");
	/* no inner map at the index */
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_NAT,
				XLB_SVC_F_EMPTY_PASS, FX_LB4, dp_svc(AF_INET), 9), 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "missing table");

	/* all backends down while the table still lists them */
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_NAT, 0, FX_LB4,
				dp_svc(AF_INET), dp_table(AF_INET)), 0);
	for (i = 0; i < 3; i++)
		set_state(&fx, AF_INET, i, XLB_BE_DOWN, 1);
	dp_check(&fx, fx.ifindex0, &p, XDP_DROP, NULL, "all down");

	cr_expect_eq(dp_reason(&fx, XLB_R_DROP_NO_BACKEND), 3);
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NO_BACKEND), 2);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.no_backend, 5);
	cr_expect_eq(ss.packets, 0);
	cr_expect_eq(ss.new_flows, 0);
	cr_expect_eq(fx_flow_count(&fx), 0);
	cr_expect_eq(fx_nat_count(&fx), 0);
	dp_done(&fx);
}

/* A service switched from DR to NAT gives its old flows SNAT ports. */
Test(dp_flow, dr_flow_after_switch_to_nat)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct xlb_service_stats ss;
	struct pkt p;
	size_t len, l4;
	uint16_t port;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	dr_send(&fx, AF_INET, IPPROTO_TCP, DP_CPORT, PKT_TCP_SYN);
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_NAT, 0, FX_LB4,
				dp_svc(AF_INET), dp_table(AF_INET)), 0);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_ACK);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	l4 = pkt_l4_offset(&p);
	port = (uint16_t)(out[l4] << 8 | out[l4 + 1]);
	cr_expect(port >= XLB_DEF_SNAT_PORT_MIN && port <= XLB_DEF_SNAT_PORT_MAX,
		  "got SNAT port %u", port);
	cr_expect_eq(fx_nat_count(&fx), 1);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, 2);
	dp_done(&fx);
}
