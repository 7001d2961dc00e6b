/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Announcing a virtual address after a takeover, so that neighbours update
 * their caches at once rather than when their entries time out:
 *  - IPv4: gratuitous ARP, as an ARP request announcement (RFC 5227 2.3:
 *    sender and target protocol address = the VIP, target hardware address
 *    zero), broadcast from the interface's own MAC;
 *  - IPv6: unsolicited neighbour advertisement (RFC 4861 4.4 / 7.2.6) to
 *    ff02::1 with the Override flag and a target link-layer address option,
 *    hop limit 255, sourced from the VIP itself.
 * xlb keeps the interface's MAC (no VRRP virtual MAC), like keepalived
 * without use_vmac.
 */
#ifndef XLB_VRRP_GARP_H
#define XLB_VRRP_GARP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define XLB_GARP_LEN 28 /* ARP payload for Ethernet/IPv4 */
#define XLB_UNA_LEN  32 /* ICMPv6 NA + target link-layer address option */

/* Write the ARP payload (no Ethernet header) for @ip; returns XLB_GARP_LEN or 0. */
size_t xlb_garp_build(uint8_t *buf, size_t size, const uint8_t mac[6], const struct xlb_ip *ip);
/* Write the ICMPv6 NA (checksum 0: the kernel fills it in); XLB_UNA_LEN or 0. */
size_t xlb_una_build(uint8_t *buf, size_t size, const uint8_t mac[6], const struct xlb_ip *ip);

/* Sockets for sending them: a PF_PACKET socket and an ICMPv6 raw socket. */
struct xlb_announcer;

/* NULL and errno on failure. */
struct xlb_announcer *xlb_announcer_open(void);
/* Announce @ip (either family) on @ifindex with @mac. 0 or -errno. */
int xlb_announce(struct xlb_announcer *a, int ifindex, const uint8_t mac[6],
		 const struct xlb_ip *ip);
void xlb_announcer_close(struct xlb_announcer *a);

#endif /* XLB_VRRP_GARP_H */
