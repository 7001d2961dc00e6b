// SPDX-License-Identifier: GPL-2.0
/* Gratuitous ARP and unsolicited neighbour advertisements; see vrrp_garp.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "vrrp_garp.h"
#include "xlb/abi.h"

size_t xlb_garp_build(uint8_t *buf, size_t size, const uint8_t mac[6], const struct xlb_ip *ip)
{
	if (size < XLB_GARP_LEN || ip->family != XLB_AF_INET)
		return 0;
	buf[0] = 0x00; buf[1] = 0x01;  /* hardware type Ethernet */
	buf[2] = 0x08; buf[3] = 0x00;  /* protocol IPv4 */
	buf[4] = 6;                    /* hardware address length */
	buf[5] = 4;                    /* protocol address length */
	buf[6] = 0x00; buf[7] = 0x01;  /* request (RFC 5227 announcement) */
	memcpy(buf + 8, mac, 6);       /* sender hardware address */
	memcpy(buf + 14, ip->a, 4);    /* sender protocol address = VIP */
	memset(buf + 18, 0, 6);        /* target hardware address: ignored, zero */
	memcpy(buf + 24, ip->a, 4);    /* target protocol address = VIP */
	return XLB_GARP_LEN;
}

size_t xlb_una_build(uint8_t *buf, size_t size, const uint8_t mac[6], const struct xlb_ip *ip)
{
	if (size < XLB_UNA_LEN || ip->family != XLB_AF_INET6)
		return 0;
	memset(buf, 0, XLB_UNA_LEN);
	buf[0] = ND_NEIGHBOR_ADVERT;   /* 136 */
	buf[1] = 0;                    /* code */
	/* buf[2..3] checksum: computed by the kernel for ICMPv6 raw sockets */
	buf[4] = 0x20;                 /* R=0 S=0 (unsolicited) O=1 (override) */
	memcpy(buf + 8, ip->a, 16);    /* target address = VIP */
	buf[24] = ND_OPT_TARGET_LINKADDR; /* 2 */
	buf[25] = 1;                   /* option length in units of 8 bytes */
	memcpy(buf + 26, mac, 6);
	return XLB_UNA_LEN;
}

struct xlb_announcer {
	int pkt_fd;   /* AF_PACKET/SOCK_DGRAM, protocol 0: sends only, receives nothing */
	int icmp_fd;  /* AF_INET6/SOCK_RAW/ICMPv6, every type filtered out on receipt */
};

void xlb_announcer_close(struct xlb_announcer *a)
{
	if (!a)
		return;
	if (a->pkt_fd >= 0)
		close(a->pkt_fd);
	if (a->icmp_fd >= 0)
		close(a->icmp_fd);
	free(a);
}

struct xlb_announcer *xlb_announcer_open(void)
{
	struct xlb_announcer *a = calloc(1, sizeof(*a));
	struct icmp6_filter filt;
	int hops = 255, err;

	if (!a)
		return NULL;
	a->icmp_fd = -1;
	a->pkt_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->pkt_fd < 0)
		goto fail;
	a->icmp_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	if (a->icmp_fd < 0)
		goto fail;
	/* RFC 4861 7.1.2: receivers drop NAs whose hop limit is not 255. */
	ICMP6_FILTER_SETBLOCKALL(&filt);
	if (setsockopt(a->icmp_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
	    setsockopt(a->icmp_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(a->icmp_fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0)
		goto fail;
	return a;
fail:
	err = errno;
	xlb_announcer_close(a);
	errno = err;
	return NULL;
}

static int send_garp(struct xlb_announcer *a, int ifindex, const uint8_t mac[6],
		     const struct xlb_ip *ip)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	uint8_t buf[XLB_GARP_LEN];

	xlb_garp_build(buf, sizeof(buf), mac, ip);
	if (sendto(a->pkt_fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

static int send_una(struct xlb_announcer *a, int ifindex, const uint8_t mac[6],
		    const struct xlb_ip *ip)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	uint8_t buf[XLB_UNA_LEN];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned int)ifindex };

	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	memcpy(&pi.ipi6_addr, ip->a, 16); /* source: the VIP itself */
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	xlb_una_build(buf, sizeof(buf), mac, ip);
	if (sendmsg(a->icmp_fd, &msg, 0) < 0)
		return -errno;
	return 0;
}

int xlb_announce(struct xlb_announcer *a, int ifindex, const uint8_t mac[6],
		 const struct xlb_ip *ip)
{
	if (ip->family == XLB_AF_INET)
		return send_garp(a, ifindex, mac, ip);
	if (ip->family == XLB_AF_INET6)
		return send_una(a, ifindex, mac, ip);
	return -EAFNOSUPPORT;
}
