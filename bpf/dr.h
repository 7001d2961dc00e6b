/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct routing (mode "dr", LVS-DR style L2 DSR): the frame goes to the
 * backend's MAC address with IP and transport headers untouched; the
 * backend holds the VIP on a loopback address and answers the client
 * directly. The next hop is whatever the kernel's FIB and neighbour table
 * say for the backend address, so the backend must be on-link or reachable
 * through a router that still delivers to the VIP.
 */
#ifndef XLB_DR_H
#define XLB_DR_H

/*
 * Route @p to backend @be: only the Ethernet addresses change. A missing
 * neighbour entry drops (XLB_R_DROP_NO_NEIGH): in DR mode the kernel could
 * not deliver a packet addressed to the VIP to the backend anyway; xlbd
 * keeps backend neighbours resolved through its health probes.
 */
static __always_inline int xlb_dr_forward(struct xdp_md *ctx, const struct xlb_pkt *p,
					  const struct xlb_backend *be, __u64 now)
{
	__be32 any[4] = {}; /* next hop cached per backend, not per client */

	return xlb_fib_forward(ctx, p, p->key.src, be->addr, p->key.sport, p->key.dport,
			       XLB_R_DROP_NO_NEIGH, any, now);
}

#endif /* XLB_DR_H */
