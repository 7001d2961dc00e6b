// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane: traffic that passes untouched, and direct-routing forwarding
 * (IPv4/IPv6, TCP/UDP, VLAN tags, IPv4 options, IPv6 extension headers,
 * redirect to another interface, missing neighbour).
 */
#include <stdlib.h>
#include <unistd.h>

#include "dp.h"

/* Expected DR output of @in: only the MACs change. */
static void dr_expect(struct pkt *exp, const struct pkt *in, int ifn, int be)
{
	*exp = *in;
	pkt_set_macs(exp, fx_be_mac(ifn, be), ifn ? FX_LB1_MAC : FX_LB_MAC);
}

Test(dp_pass, non_ip_frames_pass_untouched)
{
	static const uint16_t types[] = { 0x0806, 0x88cc, 0x8035, 0x88f7 };
	uint8_t in[128], out[PKT_MAX];
	struct fx fx;
	size_t i, n;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(in, 0xa5, sizeof(in));
		pkt_mac(FX_LB_MAC, in);
		pkt_mac(FX_GW_MAC, in + 6);
		in[12] = types[i] >> 8;
		in[13] = types[i] & 0xff;
		n = dp_run(&fx, fx.ifindex0, in, 60, out, XDP_PASS);
		dp_expect_frame(out, n, in, 60, "non-IP frame");
	}
	/* A tagged ARP frame is still not IP. */
	in[12] = 0x81;
	in[13] = 0x00;
	in[14] = 0;
	in[15] = 5;
	in[16] = 0x08;
	in[17] = 0x06;
	n = dp_run(&fx, fx.ifindex0, in, 64, out, XDP_PASS);
	dp_expect_frame(out, n, in, 64, "tagged ARP");
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NOT_IP), 5);
	dp_done(&fx);
}

Test(dp_pass, non_service_ip_passes_untouched)
{
	struct pkt p;
	struct fx fx;
	int af, n = 0;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 2, NULL);
	dp_service(&fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 2, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		/* other port */
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, 81, PKT_TCP_SYN);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "other port");
		/* other protocol on the service port */
		dp_client_pkt(&p, af, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "udp to a tcp service");
		/* other address */
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
		pkt_addr(af == AF_INET ? "192.0.2.11" : "2001:db8:f::11", p.dst);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "other address");
		/* traffic to the LB itself, e.g. ssh */
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, 22, PKT_TCP_ACK);
		pkt_addr(dp_lb(af), p.dst);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "to the LB");
		/* ICMP echo to the VIP */
		dp_client_pkt(&p, af, af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6, 0, 0, 0);
		p.icmp_type = af == AF_INET ? 8 : 128;
		p.icmp_rest = 0x12340001;
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "echo request");
		/* a protocol we do not parse (GRE) */
		dp_client_pkt(&p, af, 47, 0, 0, 0);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "gre");
		n += 6;
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NOT_SERVICE), (uint64_t)n);
	dp_done(&fx);
}

/*
 * Loaded with the interface MAC (as xlbd loads it), frames for another
 * host's MAC pass untouched and are counted as such; frames for our MAC and
 * broadcast frames are handled as usual.
 */
Test(dp_pass, other_hosts_frames_pass_untouched)
{
	struct fx_opts o = { .check_mac = true };
	struct pkt p, exp;
	struct fx fx;

	dp_setup(&fx, &o);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	dp_service(&fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	/* flooded: addressed to another LB's MAC */
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	pkt_set_macs(&p, "02:00:00:00:00:99", FX_GW_MAC);
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "other host, v4");
	dp_client_pkt(&p, AF_INET6, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	pkt_set_macs(&p, "02:00:00:00:00:99", FX_GW_MAC);
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "other host, v6");
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_OTHER_HOST), 2);
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 0);
	/* ours: forwarded */
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	dr_expect(&exp, &p, 0, 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "our MAC");
	/* ARP-style broadcast destination is not filtered */
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT + 1, DP_PORT, PKT_TCP_SYN);
	pkt_set_macs(&p, "ff:ff:ff:ff:ff:ff", FX_GW_MAC);
	dr_expect(&exp, &p, 0, 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "broadcast");
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 2);
	dp_done(&fx);
}

/* One DR forward of a fresh flow on @af/@proto with all counters checked. */
static void dr_one(int af, uint8_t proto)
{
	struct xlb_service_stats ss;
	struct xlb_backend_stats bs;
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct pkt p, exp;
	uint8_t in[PKT_MAX];
	size_t len;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, af, proto, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	dp_client_pkt(&p, af, proto, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	dr_expect(&exp, &p, 0, 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "dr forward");
	len = pkt_build(&p, in, sizeof(in));

	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 1);
	cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
	cr_expect_eq(ss.packets, 1);
	cr_expect_eq(ss.bytes, len);
	cr_expect_eq(ss.new_flows, 1);
	cr_expect_eq(ss.no_backend, 0);
	cr_assert_eq(fx_backend_stats(&fx, dp_be(af, 0), &bs), 0);
	cr_expect_eq(bs.packets, 1);
	cr_expect_eq(bs.bytes, len);
	cr_expect_eq(bs.new_flows, 1);
	cr_expect_eq(bs.reply_packets, 0);

	dp_flow_key(&k, af, proto, DP_CPORT, DP_PORT);
	cr_assert_eq(fx_flow_get(&fx, &k, &f), 0, "flow entry written");
	cr_expect_eq(f.backend, dp_be(af, 0));
	cr_expect_eq(f.gen, 1);
	cr_expect_eq(f.snat_port, 0, "DR flows have no SNAT port");
	cr_expect_eq(f.flags, 0);
	cr_expect(f.last_seen > 0 && f.last_seen <= fx_now_ns());

	/* A second packet of the flow: flow hit, no new flow. */
	dp_client_pkt(&p, af, proto, DP_CPORT, DP_PORT, PKT_TCP_ACK);
	dr_expect(&exp, &p, 0, 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "dr established");
	cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
	cr_expect_eq(ss.packets, 2);
	cr_expect_eq(ss.new_flows, 1);
	cr_expect_eq(fx_nat_count(&fx), 0, "DR mode writes no NAT state");
	dp_done(&fx);
}

Test(dp_dr, ipv4_tcp)
{
	dr_one(AF_INET, IPPROTO_TCP);
}

Test(dp_dr, ipv6_tcp)
{
	dr_one(AF_INET6, IPPROTO_TCP);
}

Test(dp_dr, ipv4_udp)
{
	dr_one(AF_INET, IPPROTO_UDP);
}

Test(dp_dr, ipv6_udp)
{
	dr_one(AF_INET6, IPPROTO_UDP);
}

/* Backends behind the other interface: bpf_redirect, source MAC of xlbt1. */
Test(dp_dr, redirect_to_other_interface)
{
	struct pkt p, exp;
	struct fx fx;
	int af;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 1, 1, NULL);
	dp_service(&fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 1, 1, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
		dr_expect(&exp, &p, 1, 0);
		dp_check(&fx, fx.ifindex0, &p, XDP_REDIRECT, &exp, "redirect");
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_REDIRECT), 2);
	dp_done(&fx);
}

/* Tagged frames keep their tags and leave by XDP_TX, even toward xlbt1. */
static void dr_vlan(int ntags)
{
	struct pkt p, exp;
	struct fx fx;
	int af, ifn;

	dp_setup(&fx, NULL);
	for (ifn = 0; ifn < 2; ifn++) {
		dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, ifn, 1, NULL);
		dp_service(&fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, ifn, 1, NULL);
		for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
			dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT + (uint16_t)ifn, DP_PORT,
				      PKT_TCP_SYN);
			p.nvlan = ntags;
			p.vlan_tpid[0] = ntags == 2 ? 0x88a8 : 0x8100;
			p.vlan_tci[0] = 100;
			p.vlan_tpid[1] = 0x8100;
			p.vlan_tci[1] = 0x2000 | 200;
			dr_expect(&exp, &p, ifn, 0);
			dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "vlan");
		}
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 4);
	dp_done(&fx);
}

Test(dp_dr, vlan_one_tag)
{
	dr_vlan(1);
}

Test(dp_dr, vlan_two_tags)
{
	dr_vlan(2);
}

/* Three tags are beyond XLB_MAX_VLAN_DEPTH: not IP to us, passes. */
Test(dp_dr, vlan_three_tags_pass)
{
	struct pkt p;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	p.nvlan = 3;
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "three tags");
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NOT_IP), 1);
	dp_done(&fx);
}

Test(dp_dr, ipv4_options)
{
	struct pkt p, exp;
	struct fx fx;
	uint8_t opts;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	for (opts = 4; opts <= 40; opts += 12) {
		dp_client_pkt(&p, AF_INET, IPPROTO_TCP, (uint16_t)(DP_CPORT + opts), DP_PORT,
			      PKT_TCP_SYN);
		p.ip_opts_len = opts;
		dr_expect(&exp, &p, 0, 0);
		dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "ipv4 options");
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 4);
	dp_done(&fx);
}

Test(dp_dr, ipv6_extension_headers)
{
	struct pkt p, exp;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET6, IPPROTO_UDP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET6, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.n_ext = 2;
	p.ext[0] = 0;  /* hop-by-hop */
	p.ext_len[0] = 0;
	p.ext[1] = 60; /* destination options */
	p.ext_len[1] = 2;
	dr_expect(&exp, &p, 0, 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "hop-by-hop + dest opts");

	/* four headers (the bound), routing included */
	p.n_ext = 4;
	p.ext[2] = 43;
	p.ext_len[2] = 1;
	p.ext[3] = 60;
	p.ext_len[3] = 0;
	dr_expect(&exp, &p, 0, 0);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "four extension headers");

	/* five are more than we follow: passes untouched */
	p.v6_frag = false;
	p.n_ext = 4;
	p.ext[0] = 0;
	{
		uint8_t in[PKT_MAX], out[PKT_MAX];
		size_t len, n, l3 = pkt_l3_offset(&p);

		/* insert a fifth header by building 4 and chaining a dest-opts
		 * header in front of the transport header */
		p.payload_len = 40;
		len = pkt_build(&p, in, sizeof(in));
		memmove(in + pkt_l4_offset(&p) + 8, in + pkt_l4_offset(&p),
			len - pkt_l4_offset(&p));
		memset(in + pkt_l4_offset(&p), 0, 8);
		in[pkt_l4_offset(&p)] = IPPROTO_UDP;
		in[pkt_l4_offset(&p) + 2] = 1; /* PadN */
		in[pkt_l4_offset(&p) + 3] = 4;
		/* last of the four now points at the new dest-opts header */
		in[pkt_l4_offset(&p) - 8] = 60;
		len += 8;
		in[l3 + 4] = (uint8_t)((len - l3 - 40) >> 8);
		in[l3 + 5] = (uint8_t)((len - l3 - 40) & 0xff);
		n = dp_run(&fx, fx.ifindex0, in, len, out, XDP_PASS);
		dp_expect_frame(out, n, in, len, "five extension headers");
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 2);
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NOT_SERVICE), 1);
	dp_done(&fx);
}

/* DR with no neighbour entry for the backend: dropped, never sent blind. */
Test(dp_dr, no_neighbour_drops)
{
	struct xlb_service_stats ss;
	struct pkt p;
	struct fx fx;
	uint32_t id;
	int af;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		id = dp_be(af, 0);
		cr_assert_eq(fx_backend(&fx, id, af == AF_INET ? FX_NONEIGH4 : FX_NONEIGH6,
					DP_BPORT, XLB_BE_UP, 1, dp_svc(af)), 0);
		cr_assert_eq(fx_table(&fx, dp_table(af), &id, NULL, 1), 0);
		cr_assert_eq(fx_service(&fx, dp_vip(af), DP_PORT, IPPROTO_TCP, XLB_MODE_DR, 0,
					NULL, dp_svc(af), dp_table(af)), 0);
		dp_client_pkt(&p, af, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
		{
			uint8_t in[PKT_MAX], out[PKT_MAX];
			size_t len = pkt_build(&p, in, sizeof(in));

			dp_run(&fx, fx.ifindex0, in, len, out, XDP_DROP);
		}
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_DROP_NO_NEIGH), 2);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		cr_assert_eq(fx_service_stats(&fx, dp_svc(af), &ss), 0);
		cr_expect_eq(ss.packets, 0, "a dropped packet is not counted as forwarded");
		cr_expect_eq(ss.new_flows, 1);
	}
	dp_done(&fx);
}

/*
 * The next-hop cache (bpf/fib.h) never lets a packet skip the MTU check
 * that a smaller one passed: larger packets get a real lookup.
 */
Test(dp_fib, larger_packets_still_meet_the_mtu_check)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt p;
	struct fx fx;
	size_t len;

	dp_setup(&fx, NULL);
	cr_assert_eq(system("ip link set " FX_IF1 " mtu 1000"), 0);
	dp_service(&fx, AF_INET, IPPROTO_UDP, DP_PORT, XLB_MODE_NAT, 0, 1, 1, NULL);
	dp_client_pkt(&p, AF_INET, IPPROTO_UDP, DP_CPORT, DP_PORT, 0);
	p.payload_len = 100;
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_REDIRECT);
	p.payload_len = 1200; /* IP length 1228 > MTU 1000 */
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_DROP);
	cr_expect_eq(dp_reason(&fx, XLB_R_DROP_FIB), 1);
	p.payload_len = 900; /* fits: 928 */
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_REDIRECT);
	p.payload_len = 100;
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_REDIRECT);
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_REDIRECT), 3);
	dp_done(&fx);
}

/* A neighbour change reaches the data plane within the cache lifetime. */
Test(dp_fib, neighbour_change_seen_after_cache_lifetime)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], mac[6];
	struct pkt p;
	struct fx fx;
	size_t len;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET6, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 1, NULL);
	dp_client_pkt(&p, AF_INET6, IPPROTO_TCP, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	pkt_mac(fx_be_mac(0, 0), mac);
	cr_assert_eq(memcmp(out, mac, 6), 0);
	/* the backend's MAC changes (e.g. replaced machine, same address) */
	cr_assert_eq(system("ip neigh replace fd00::a:0 lladdr 02:00:00:00:99:99 dev " FX_IF0
			    " nud permanent"), 0);
	usleep(150 * 1000); /* > XLB_NH_TTL_NS (100 ms) */
	dp_run(&fx, fx.ifindex0, in, len, out, XDP_TX);
	pkt_mac("02:00:00:00:99:99", mac);
	cr_expect_eq(memcmp(out, mac, 6), 0, "new MAC used after the cache lifetime");
	dp_done(&fx);
}
