/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnetlink through libmnl: the few kernel requests the controller makes —
 * add/remove a virtual address, read a link's state and MAC, list an
 * interface's addresses — and a monitor socket for link up/down events.
 * Requests are synchronous (one short-lived socket each, acknowledged); the
 * monitor is non-blocking and meant for the event loop.
 */
#ifndef XLB_NETLINK_H
#define XLB_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct xlb_nl_link {
	int      ifindex;
	char     name[XLB_IFNAME_MAX];
	bool     up;        /* IFF_UP and IFF_RUNNING: usable for VRRP */
	uint8_t  mac[6];
	bool     has_mac;
	uint32_t mtu;
};

/*
 * Add @ip with @prefix bits (0 = host route: /32 or /128) on @ifindex.
 * IPv6 addresses are added without duplicate address detection so they are
 * usable (and can source a neighbour advertisement) at once.
 * Returns 0, -EEXIST if the address is already there, or -errno.
 */
int xlb_nl_addr_add(int ifindex, const struct xlb_ip *ip, unsigned int prefix);
/* Remove it. Returns 0, -EADDRNOTAVAIL if absent, or -errno. */
int xlb_nl_addr_del(int ifindex, const struct xlb_ip *ip, unsigned int prefix);

/* State, name and MAC of @ifindex. 0, -ENODEV, or -errno. */
int xlb_nl_link_get(int ifindex, struct xlb_nl_link *out);

/*
 * Call @cb for each address of @family (XLB_AF_INET/XLB_AF_INET6) on
 * @ifindex, in the kernel's order (primary IPv4 addresses first). @cb
 * returns 0 to go on, 1 to stop. Returns 0 or -errno.
 */
typedef int (*xlb_nl_addr_cb)(const struct xlb_ip *ip, unsigned int prefix,
			      unsigned char scope, uint32_t flags, void *arg);
int xlb_nl_addr_list(int ifindex, int family, xlb_nl_addr_cb cb, void *arg);

/* Link change monitor (RTMGRP_LINK). */
struct xlb_nl_monitor;
typedef void (*xlb_nl_link_cb)(const struct xlb_nl_link *link, bool deleted, void *arg);

/* NULL and errno on failure. */
struct xlb_nl_monitor *xlb_nl_monitor_open(void);
/* Poll it for EPOLLIN. */
int xlb_nl_monitor_fd(const struct xlb_nl_monitor *m);
/*
 * Read every pending message and call @cb for each link message. Returns 0,
 * or -ENOBUFS when the kernel dropped events (the caller re-reads the state
 * of the links it cares about with xlb_nl_link_get()), or another -errno.
 */
int xlb_nl_monitor_read(struct xlb_nl_monitor *m, xlb_nl_link_cb cb, void *arg);
void xlb_nl_monitor_close(struct xlb_nl_monitor *m);

/*
 * Ask the kernel to keep the neighbour entry of @ip on @ifindex resolved
 * (a "managed" entry, NTF_EXT_MANAGED, Linux 5.16+): the XDP program's
 * bpf_fib_lookup() then finds a MAC for every backend even before any
 * other traffic went there. @add false removes the entry. 0 or -errno.
 */
int xlb_nl_neigh_managed(int ifindex, const struct xlb_ip *ip, bool add);
/* NUD_* state of the neighbour entry of @ip on @ifindex, or -ENOENT. */
int xlb_nl_neigh_state(int ifindex, const struct xlb_ip *ip);

#endif /* XLB_NETLINK_H */
