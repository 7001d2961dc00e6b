// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane, ICMP errors about flows: IPv4 fragmentation needed and
 * ICMPv6 packet too big (and time exceeded) quoting VIP -> client reach
 * the flow's backend, translated in NAT mode, MAC-rewritten in DR mode.
 */
#include "dp.h"

#define ROUTER4 "203.0.113.1"
#define ROUTER6 "2001:db8:e::1"

/* The packet a router quotes: what left the VIP toward the client. */
static void quoted_pkt(struct pkt *q, int af, uint8_t proto, uint16_t cport)
{
	memset(q, 0, sizeof(*q));
	pkt_set_ips(q, dp_vip(af), dp_client(af));
	q->proto = proto;
	q->sport = DP_PORT;
	q->dport = cport;
	q->tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH;
	q->seq = 777;
	q->ack = 1001;
	q->payload_len = 1400;
	q->ttl = 60;
}

/* An ICMP error from a router to the VIP quoting @qlen bytes of @q. */
static void icmp_err_pkt(struct pkt *p, uint8_t *qbuf, int af, const struct pkt *q, size_t qlen,
			 uint8_t type, uint8_t code, uint32_t rest)
{
	size_t n = pkt_build_ip(q, qbuf, PKT_MAX);

	cr_assert_geq(n, qlen);
	memset(p, 0, sizeof(*p));
	pkt_set_macs(p, FX_LB_MAC, FX_GW_MAC);
	pkt_set_ips(p, af == AF_INET ? ROUTER4 : ROUTER6, dp_vip(af));
	p->proto = af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	p->icmp_type = type;
	p->icmp_code = code;
	p->icmp_rest = rest;
	p->quote = qbuf;
	p->quote_len = qlen;
}

/* Establish one flow and return its SNAT port (0 in DR mode). */
static uint16_t open_flow(struct fx *fx, int af, uint8_t proto, int mode)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt p;
	size_t len, l4;

	dp_service(fx, af, proto, DP_PORT, (uint8_t)mode, 0, 0, 1, NULL);
	dp_client_pkt(&p, af, proto, DP_CPORT, DP_PORT, PKT_TCP_SYN);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(fx, fx->ifindex0, in, len, out, XDP_TX);
	l4 = pkt_l4_offset(&p);
	return mode == XLB_MODE_NAT ? (uint16_t)(out[l4] << 8 | out[l4 + 1]) : 0;
}

/*
 * NAT: the error the backend must see. Outer SNAT -> backend; quote
 * backend:bport -> SNAT:port with its IP checksum recomputed, but the
 * quoted transport checksum kept as it was (we do not touch it).
 */
static void icmp_nat_expect(struct pkt *exp, uint8_t *ebuf_q, const struct pkt *in,
			    const struct pkt *q, const uint8_t *qorig, size_t qlen, int af,
			    uint8_t proto, uint16_t snat_port)
{
	struct pkt tq = *q;
	size_t csum_off, ql3;

	pkt_set_ips(&tq, fx_be_addr(0, 0, dp_fam(af)), dp_lb(af));
	tq.sport = DP_BPORT;
	tq.dport = snat_port;
	pkt_build_ip(&tq, ebuf_q, PKT_MAX);
	ql3 = af == AF_INET ? 20 : 40;
	csum_off = ql3 + (proto == IPPROTO_TCP ? 16 : 6);
	if (csum_off + 2 <= qlen)
		memcpy(ebuf_q + csum_off, qorig + csum_off, 2);

	*exp = *in;
	pkt_set_macs(exp, fx_be_mac(0, 0), FX_LB_MAC);
	pkt_set_ips(exp, dp_lb(af), fx_be_addr(0, 0, dp_fam(af)));
	exp->quote = ebuf_q;
}

static void icmp_nat_case(int af, uint8_t proto, size_t quote_extra, uint8_t type, uint8_t code)
{
	static uint8_t qbuf[PKT_MAX], ebuf_q[PKT_MAX];
	struct xlb_backend_stats bs;
	uint32_t rest = af == AF_INET ? 1400 : 1280;
	struct pkt q, p, exp;
	size_t qlen;
	uint16_t port;
	struct fx fx;

	dp_setup(&fx, NULL);
	port = open_flow(&fx, af, proto, XLB_MODE_NAT);
	quoted_pkt(&q, af, proto, DP_CPORT);
	qlen = (af == AF_INET ? 20 : 40) + 8 + quote_extra;
	icmp_err_pkt(&p, qbuf, af, &q, qlen, type, code, rest);
	icmp_nat_expect(&exp, ebuf_q, &p, &q, qbuf, qlen, af, proto, port);
	dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "icmp error to the backend (nat)");
	cr_assert_eq(fx_backend_stats(&fx, dp_be(af, 0), &bs), 0);
	cr_expect_eq(bs.packets, 2, "the SYN and the ICMP error");
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 2);
	dp_done(&fx);
}

Test(dp_icmp, ipv4_frag_needed_nat_tcp)
{
	icmp_nat_case(AF_INET, IPPROTO_TCP, 0, 3, 4);
}

Test(dp_icmp, ipv4_frag_needed_nat_tcp_long_quote)
{
	icmp_nat_case(AF_INET, IPPROTO_TCP, 500, 3, 4);
}

Test(dp_icmp, ipv4_port_unreachable_nat_udp)
{
	icmp_nat_case(AF_INET, IPPROTO_UDP, 32, 3, 3);
}

Test(dp_icmp, ipv4_time_exceeded_nat_tcp)
{
	icmp_nat_case(AF_INET, IPPROTO_TCP, 12, 11, 0);
}

Test(dp_icmp, ipv6_packet_too_big_nat_tcp)
{
	icmp_nat_case(AF_INET6, IPPROTO_TCP, 0, 2, 0);
}

Test(dp_icmp, ipv6_packet_too_big_nat_udp_long_quote)
{
	icmp_nat_case(AF_INET6, IPPROTO_UDP, 700, 2, 0);
}

Test(dp_icmp, ipv6_dest_unreachable_nat_tcp)
{
	icmp_nat_case(AF_INET6, IPPROTO_TCP, 20, 1, 4);
}

/* DR: the error goes to the backend's MAC, bytes otherwise unchanged. */
Test(dp_icmp, frag_needed_and_too_big_dr)
{
	static uint8_t qbuf[PKT_MAX];
	struct pkt q, p, exp;
	struct fx fx;
	int af;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		open_flow(&fx, af, IPPROTO_TCP, XLB_MODE_DR);
		quoted_pkt(&q, af, IPPROTO_TCP, DP_CPORT);
		icmp_err_pkt(&p, qbuf, af, &q, (af == AF_INET ? 20 : 40) + 64, af == AF_INET ? 3 : 2,
			     af == AF_INET ? 4 : 0, af == AF_INET ? 1400 : 1280);
		exp = p;
		pkt_set_macs(&exp, fx_be_mac(0, 0), FX_LB_MAC);
		dp_check(&fx, fx.ifindex0, &p, XDP_TX, &exp, "icmp error to the backend (dr)");
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_FWD_TX), 4);
	dp_done(&fx);
}

/* Errors we cannot tie to a flow pass untouched. */
Test(dp_icmp, unknown_or_short_quotes_pass)
{
	static uint8_t qbuf[PKT_MAX];
	struct pkt q, p;
	struct fx fx;
	int af;

	dp_setup(&fx, NULL);
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		size_t ql3 = af == AF_INET ? 20 : 40;
		uint8_t type = af == AF_INET ? 3 : 2;

		open_flow(&fx, af, IPPROTO_TCP, XLB_MODE_NAT);
		/* no flow for this client port */
		quoted_pkt(&q, af, IPPROTO_TCP, DP_CPORT + 1);
		icmp_err_pkt(&p, qbuf, af, &q, ql3 + 8, type, 0, 1280);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "no flow");
		/* quote too short for the ports' 8 bytes */
		quoted_pkt(&q, af, IPPROTO_TCP, DP_CPORT);
		icmp_err_pkt(&p, qbuf, af, &q, ql3 + 7, type, 0, 1280);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "short quote");
		/* quote shorter than its IP header */
		icmp_err_pkt(&p, qbuf, af, &q, ql3 - 1, type, 0, 1280);
		dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "truncated quoted header");
		/* ICMP header itself truncated (4 bytes) */
		icmp_err_pkt(&p, qbuf, af, &q, 0, type, 0, 1280);
		{
			uint8_t in[PKT_MAX], out[PKT_MAX];
			size_t len = pkt_build(&p, in, sizeof(in)), n, l3 = pkt_l3_offset(&p);

			len -= 4;
			if (af == AF_INET) {
				in[l3 + 3] -= 4; /* total length; header checksum is not checked */
			} else {
				in[l3 + 5] -= 4; /* payload length */
			}
			n = dp_run(&fx, fx.ifindex0, in, len, out, XDP_PASS);
			dp_expect_frame(out, n, in, len, "truncated icmp header");
		}
	}
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_ICMP), 8);
	dp_done(&fx);
}

/* An error whose quote did not come from the VIP it is sent to is not ours. */
Test(dp_icmp, quote_from_other_address_not_service)
{
	static uint8_t qbuf[PKT_MAX];
	struct pkt q, p;
	struct fx fx;

	dp_setup(&fx, NULL);
	open_flow(&fx, AF_INET, IPPROTO_TCP, XLB_MODE_NAT);
	quoted_pkt(&q, AF_INET, IPPROTO_TCP, DP_CPORT);
	pkt_addr("192.0.2.99", q.src);
	icmp_err_pkt(&p, qbuf, AF_INET, &q, 28, 3, 4, 1400);
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "foreign quote");
	/* quote from the VIP but of another port: no such service */
	quoted_pkt(&q, AF_INET, IPPROTO_TCP, DP_CPORT);
	q.sport = 443;
	icmp_err_pkt(&p, qbuf, AF_INET, &q, 28, 3, 4, 1400);
	dp_check(&fx, fx.ifindex0, &p, XDP_PASS, NULL, "other port");
	cr_expect_eq(dp_reason(&fx, XLB_R_PASS_NOT_SERVICE), 2);
	dp_done(&fx);
}
