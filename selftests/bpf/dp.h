/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared pieces of the data-plane tests (Criterion): a standard service
 * setup, client frames, and assertions on verdicts, frames and counters.
 * Everything is static: each test file gets its own copy.
 */
#ifndef XLB_TEST_DP_H
#define XLB_TEST_DP_H

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "pkt.h"

#define DP_PORT     80
#define DP_BPORT    8080 /* backends listen here (NAT changes the port) */
#define DP_CPORT    40000

static inline int dp_fam(int af)
{
	return af == AF_INET6 ? XLB_AF_INET6 : XLB_AF_INET;
}

static inline const char *dp_vip(int af)
{
	return af == AF_INET6 ? FX_VIP6 : FX_VIP4;
}

static inline const char *dp_client(int af)
{
	return af == AF_INET6 ? FX_CLIENT6 : FX_CLIENT4;
}

static inline const char *dp_lb(int af)
{
	return af == AF_INET6 ? FX_LB6 : FX_LB4;
}

static inline const char *dp_lb1(int af)
{
	return af == AF_INET6 ? FX_LB1_6 : FX_LB1_4;
}

/* IPv4 and IPv6 services of dp_service() use separate ids and tables. */
static inline uint32_t dp_svc(int af)
{
	return af == AF_INET6 ? 2 : 1;
}

static inline uint32_t dp_table(int af)
{
	return af == AF_INET6 ? 1 : 0;
}

/* Backend id of on-link backend @i in dp_service(). */
static inline uint32_t dp_be(int af, int i)
{
	return (af == AF_INET6 ? 101 : 1) + (uint32_t)i;
}

/* Fixture in a fresh netns, or the test fails. */
static inline void dp_setup(struct fx *fx, const struct fx_opts *o)
{
	int err = fx_setup(fx, o);

	cr_assert_eq(err, 0, "fixture setup failed: %s (%d)", strerror(-err), err);
}

/* Every packet run was counted under exactly one reason. */
static inline void dp_done(struct fx *fx)
{
	cr_expect_eq(fx_reason_total(fx), fx->runs,
		     "reasons count %llu packets, %llu were run",
		     (unsigned long long)fx_reason_total(fx), (unsigned long long)fx->runs);
	fx_teardown(fx);
}

/*
 * Service dp_svc(@af): @af VIP, @port/@proto, @mode, @flags, SNAT = the
 * LB's address on @ifn, table dp_table(@af) over backends dp_be(@af, i) =
 * on-link backends i = 0..n-1 of interface @ifn (port DP_BPORT); @weights
 * may be NULL.
 */
static inline void dp_service(struct fx *fx, int af, uint8_t proto, uint16_t port, uint8_t mode,
			      uint32_t flags, int ifn, int n, const uint32_t *weights)
{
	uint32_t ids[FX_NBACKENDS];
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = dp_be(af, i);
		cr_assert_eq(fx_backend(fx, ids[i], fx_be_addr(ifn, i, dp_fam(af)), DP_BPORT,
					XLB_BE_UP, 1, dp_svc(af)), 0, "backend %d", i);
	}
	cr_assert_eq(fx_table(fx, dp_table(af), ids, weights, (size_t)n), 0, "maglev table");
	cr_assert_eq(fx_service(fx, dp_vip(af), port, proto, mode, flags,
				ifn ? dp_lb1(af) : dp_lb(af), dp_svc(af), dp_table(af)), 0,
		     "service");
}

/* A client packet as it arrives from the gateway on xlbt0. */
static inline void dp_client_pkt(struct pkt *p, int af, uint8_t proto, uint16_t sport,
				 uint16_t dport, uint8_t tcp_flags)
{
	memset(p, 0, sizeof(*p));
	pkt_set_macs(p, FX_LB_MAC, FX_GW_MAC);
	pkt_set_ips(p, dp_client(af), dp_vip(af));
	p->proto = proto;
	p->sport = sport;
	p->dport = dport;
	p->tcp_flags = proto == IPPROTO_TCP ? tcp_flags : 0;
	p->seq = 1000;
	p->ack = tcp_flags & PKT_TCP_ACK ? 5000 : 0;
	p->payload_len = 40;
}

/* Run @in, expect @verdict. Returns the output length. */
static inline size_t dp_run(struct fx *fx, int ifindex, const uint8_t *in, size_t len,
			    uint8_t *out, uint32_t verdict)
{
	size_t out_len = 0;
	uint32_t v = 0;
	int err;

	err = fx_run(fx, ifindex, in, len, out, &out_len, &v);
	cr_assert_eq(err, 0, "test run failed: %s", strerror(-err));
	cr_assert_eq(v, verdict, "verdict %u, expected %u", v, verdict);
	return out_len;
}

/* The output frame equals the independently built expectation. */
static inline void dp_expect_frame(const uint8_t *got, size_t got_len, const uint8_t *exp,
				   size_t exp_len, const char *what)
{
	char msg[160];

	cr_assert(got_len == exp_len && memcmp(got, exp, exp_len) == 0, "%s: %s", what,
		  pkt_diff(got, got_len, exp, exp_len, msg, sizeof(msg)));
}

/* Build @p, run it, expect @verdict and @p_exp as output (or the input if NULL). */
static inline void dp_check(struct fx *fx, int ifindex, const struct pkt *p, uint32_t verdict,
			    const struct pkt *p_exp, const char *what)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], exp[PKT_MAX];
	size_t len, out_len, exp_len;

	len = pkt_build(p, in, sizeof(in));
	cr_assert_gt(len, 0, "%s: build", what);
	exp_len = pkt_build(p_exp ? p_exp : p, exp, sizeof(exp));
	out_len = dp_run(fx, ifindex, in, len, out, verdict);
	dp_expect_frame(out, out_len, exp, exp_len, what);
}

static inline uint64_t dp_reason(struct fx *fx, enum xlb_reason r)
{
	return fx_reason_packets(fx, r);
}

/* Index of the on-link backend of @ifn whose MAC frame @f goes to, or -1. */
static inline int dp_backend_of(const uint8_t *f, int ifn)
{
	uint8_t mac[6];
	int i;

	for (i = 0; i < FX_NBACKENDS; i++) {
		pkt_mac(fx_be_mac(ifn, i), mac);
		if (memcmp(f, mac, 6) == 0)
			return i;
	}
	return -1;
}

/* Flow key of a client packet built by dp_client_pkt. */
static inline void dp_flow_key(struct xlb_flow_key *k, int af, uint8_t proto, uint16_t sport,
			       uint16_t dport)
{
	fx_key(k, dp_client(af), sport, dp_vip(af), dport, proto);
}

#endif /* XLB_TEST_DP_H */
