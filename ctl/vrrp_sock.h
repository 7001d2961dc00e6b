/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How VRRP packets get on and off the wire: the raw IPPROTO_VRRP socket of
 * one instance (bound to its interface, TTL / hop limit 255, no multicast
 * loopback, member of 224.0.0.18 / ff02::12 unless unicast), sending with an
 * explicit source address, receiving with the ancillary data the decoder
 * needs, and choosing the source address itself.
 */
#ifndef XLB_VRRP_SOCK_H
#define XLB_VRRP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "config.h"

#define XLB_VRRP_GROUP4 "224.0.0.18"
#define XLB_VRRP_GROUP6 "ff02::12"

/* What arrived with a datagram besides its bytes. */
struct xlb_vrrp_rxmeta {
	int ifindex;             /* arrival interface, 0 if unknown */
	int hop_limit;           /* IPv6 (IPv4 has its TTL in the header); -1 unknown */
	struct in6_addr src;     /* IPv6: the raw socket gives no IP header */
	struct in6_addr dst;
};

/*
 * Open the socket for @family (XLB_AF_INET/6) on @ifname/@ifindex; join the
 * VRRP group when @join_group (multicast mode). Non-blocking, close-on-exec.
 * Returns the fd or -errno.
 */
int xlb_vrrp_sock_open(uint8_t family, const char *ifname, int ifindex, bool join_group);

/* Send @len bytes of VRRP message from @src to @dst through @ifindex. 0 or -errno. */
int xlb_vrrp_sock_send(int fd, int ifindex, const struct xlb_ip *src, const struct xlb_ip *dst,
		       const void *buf, size_t len);

/*
 * Receive one datagram (IPv4: IP header + VRRP; IPv6: VRRP only) into @buf.
 * Returns its length, -EAGAIN when nothing is queued, -EMSGSIZE when it did
 * not fit (dropped), or another -errno.
 */
ssize_t xlb_vrrp_sock_recv(int fd, void *buf, size_t size, struct xlb_vrrp_rxmeta *meta);

/* The VRRP multicast group of @family. */
void xlb_vrrp_group(uint8_t family, struct xlb_ip *out);

/*
 * Our advert source address: unicast_src_ip when set; else the interface's
 * first IPv4 address that is not one of the VIPs (an address owner may use
 * its VIP); for IPv6 the interface's link-local address (RFC 9568 5.1.2.1).
 * 0, -EADDRNOTAVAIL, or -errno.
 */
int xlb_vrrp_pick_source(const struct xlb_vrrp_cfg *cfg, int ifindex, struct xlb_ip *out);

#endif /* XLB_VRRP_SOCK_H */
