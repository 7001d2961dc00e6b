// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane, consistent hashing through the real program: weighted
 * shares over 100,000 flows, and minimal disruption when a backend leaves.
 */
#include <stdlib.h>

#include "dp.h"

/* Client @i of a large population: 1000 addresses x 100 ports. */
static void nth_client(struct pkt *p, int i, uint8_t flags)
{
	dp_client_pkt(p, AF_INET, IPPROTO_TCP, (uint16_t)(10000 + i % 100), DP_PORT, flags);
	p->src[0] = 198;
	p->src[1] = 18;
	p->src[2] = (uint8_t)(i / 100 / 250);
	p->src[3] = (uint8_t)(i / 100 % 250 + 1);
	p->payload_len = 0;
}

/* Send packet of client @i and return the backend index it went to. */
static int send_nth(struct fx *fx, int i, uint8_t flags)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt p;
	size_t len;
	int be;

	nth_client(&p, i, flags);
	len = pkt_build(&p, in, sizeof(in));
	dp_run(fx, fx->ifindex0, in, len, out, XDP_TX);
	be = dp_backend_of(out, 0);
	cr_assert_geq(be, 0, "client %d: unknown destination MAC", i);
	return be;
}

Test(dp_dist, weights_3_1_4_over_100k_flows, .timeout = 300)
{
	static const uint32_t w[3] = { 3, 1, 4 };
	const int nflows = 100000;
	int count[3] = { 0 }, i, be;
	struct xlb_service_stats ss;
	struct fx fx;

	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, 3, w);
	for (i = 0; i < nflows; i++) {
		be = send_nth(&fx, i, PKT_TCP_SYN);
		cr_assert_lt(be, 3);
		count[be]++;
	}
	for (i = 0; i < 3; i++) {
		double share = 100.0 * count[i] / nflows, want = 100.0 * w[i] / 8;

		cr_log_info("backend %d (weight %u): %d flows, %.2f%% (want %.2f%%)", i, w[i],
			    count[i], share, want);
		cr_expect(share > want - 1.0 && share < want + 1.0,
			  "backend %d: %.2f%% of flows, want %.2f%% +- 1", i, share, want);
	}
	cr_assert_eq(fx_service_stats(&fx, dp_svc(AF_INET), &ss), 0);
	cr_expect_eq(ss.new_flows, (uint64_t)nflows);
	cr_expect_eq(fx_flow_count(&fx), nflows);
	dp_done(&fx);
}

/*
 * Remove one of five backends (rebuild + switch, state @state): through
 * the flow table no flow of another backend moves; in Maglev's own choice
 * (what a SYN sees) at most the removed share plus 1% of flows change.
 */
static void remove_one(uint8_t state, int nflows)
{
	const int nbe = 5, gone = 2;
	uint32_t ids[5];
	int *orig, i, m = 0, moved_other = 0, moved_gone = 0, on_gone = 0, changed = 0, be;

	struct fx fx;

	orig = calloc((size_t)nflows, sizeof(*orig));
	cr_assert_not_null(orig);
	dp_setup(&fx, NULL);
	dp_service(&fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_DR, 0, 0, nbe, NULL);
	for (i = 0; i < nflows; i++) {
		orig[i] = send_nth(&fx, i, PKT_TCP_SYN);
		on_gone += orig[i] == gone;
	}

	for (i = 0; i < nbe; i++)
		if (i != gone)
			ids[m++] = dp_be(AF_INET, i);
	cr_assert_eq(fx_table(&fx, 3, ids, NULL, (size_t)m), 0);
	cr_assert_eq(fx_service(&fx, FX_VIP4, DP_PORT, IPPROTO_TCP, XLB_MODE_DR, 0, NULL,
				dp_svc(AF_INET), 3), 0);
	cr_assert_eq(fx_backend(&fx, dp_be(AF_INET, gone), fx_be_addr(0, gone, XLB_AF_INET),
				DP_BPORT, state, 1, dp_svc(AF_INET)), 0);

	/* Established flows (ACKs) follow the flow table. */
	for (i = 0; i < nflows; i++) {
		be = send_nth(&fx, i, PKT_TCP_ACK);
		if (orig[i] == gone)
			moved_gone += be != gone;
		else
			moved_other += be != orig[i];
	}
	cr_expect_eq(moved_other, 0, "%d flows of remaining backends moved", moved_other);
	if (state == XLB_BE_DOWN)
		cr_expect_eq(moved_gone, on_gone, "all %d flows of the failed backend move",
			     on_gone);
	else
		cr_expect_eq(moved_gone, 0, "draining keeps its %d flows", on_gone);

	/* Maglev's choice itself: a SYN of every flow. */
	for (i = 0; i < nflows; i++) {
		be = send_nth(&fx, i, PKT_TCP_SYN);
		cr_assert_neq(be, gone, "removed backend still in the table");
		changed += be != orig[i];
	}
	cr_log_info("%d flows, %d on the removed backend, Maglev moved %d (%.2f%% beyond)",
		    nflows, on_gone, changed, 100.0 * (changed - on_gone) / nflows);
	cr_expect_geq(changed, on_gone);
	cr_expect_leq(changed, on_gone + nflows / 100,
		      "Maglev moved %d flows, removed backend had %d", changed, on_gone);
	free(orig);
	dp_done(&fx);
}

Test(dp_dist, minimal_disruption_backend_down, .timeout = 300)
{
	remove_one(XLB_BE_DOWN, 20000);
}

Test(dp_dist, minimal_disruption_backend_draining, .timeout = 300)
{
	remove_one(XLB_BE_DRAINING, 5000);
}
