// SPDX-License-Identifier: GPL-2.0
/* Raw VRRP sockets and the advert source address; see vrrp_sock.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netlink.h"
#include "vrrp_pkt.h"
#include "vrrp_sock.h"
#include "xlb/abi.h"

#define VRRP_TOS 0xc0 /* internetwork control, as keepalived */

static int sockopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int setup4(int fd, int ifindex, bool join_group)
{
	struct ip_mreqn mreq = { .imr_ifindex = ifindex };
	int err;

	err = sockopt(fd, IPPROTO_IP, IP_PKTINFO, 1);   /* arrival interface */
	if (!err)
		err = sockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, XLB_VRRP_TTL);
	if (!err)
		err = sockopt(fd, IPPROTO_IP, IP_TTL, XLB_VRRP_TTL);
	if (!err)
		err = sockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
	if (!err) /* only the groups this socket joined */
		err = sockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
	if (!err)
		err = sockopt(fd, IPPROTO_IP, IP_TOS, VRRP_TOS);
	if (!err && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0)
		err = -errno;
	if (err || !join_group)
		return err;
	inet_pton(AF_INET, XLB_VRRP_GROUP4, &mreq.imr_multiaddr);
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

static int setup6(int fd, int ifindex, bool join_group)
{
	struct ipv6_mreq mreq = { .ipv6mr_interface = (unsigned int)ifindex };
	int err;

	/* Destination, arrival interface and hop limit come as ancillary
	 * data. No IPV6_CHECKSUM: the kernel would drop bad sums silently,
	 * the decoder counts them instead. */
	err = sockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, XLB_VRRP_TTL);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, XLB_VRRP_TTL);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, VRRP_TOS);
	if (!err)
		err = sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex);
	if (err || !join_group)
		return err;
	inet_pton(AF_INET6, XLB_VRRP_GROUP6, &mreq.ipv6mr_multiaddr);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

int xlb_vrrp_sock_open(uint8_t family, const char *ifname, int ifindex, bool join_group)
{
	int domain = family == XLB_AF_INET6 ? AF_INET6 : AF_INET;
	int fd, err;

	fd = socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, XLB_IPPROTO_VRRP);
	if (fd < 0)
		return -errno;
	/* Only this interface's adverts; ours leave through it. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0)
		err = -errno;
	else
		err = domain == AF_INET ? setup4(fd, ifindex, join_group)
					: setup6(fd, ifindex, join_group);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int xlb_vrrp_sock_send(int fd, int ifindex, const struct xlb_ip *src, const struct xlb_ip *dst,
		       const void *buf, size_t len)
{
	union {
		char b4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char b6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in to4 = { .sin_family = AF_INET };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b6 };
	struct cmsghdr *cm;

	memset(&ctl, 0, sizeof(ctl));
	/* Source address and interface through pktinfo: binding the socket to
	 * an address would also filter what it receives (the group). */
	if (dst->family == XLB_AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = ifindex };

		memcpy(&pi.ipi_spec_dst, src->a, 4);
		memcpy(&to4.sin_addr, dst->a, 4);
		msg.msg_name = &to4;
		msg.msg_namelen = sizeof(to4);
		msg.msg_controllen = sizeof(ctl.b4);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned int)ifindex };

		memcpy(&pi.ipi6_addr, src->a, 16);
		memcpy(&to6.sin6_addr, dst->a, 16);
		to6.sin6_scope_id = (uint32_t)ifindex;
		msg.msg_name = &to6;
		msg.msg_namelen = sizeof(to6);
		msg.msg_controllen = sizeof(ctl.b6);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(fd, &msg, 0) < 0)
		return -errno;
	return 0;
}

ssize_t xlb_vrrp_sock_recv(int fd, void *buf, size_t size, struct xlb_vrrp_rxmeta *meta)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) +
		       CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct cmsghdr *cm;
	ssize_t n;

	memset(meta, 0, sizeof(*meta));
	meta->hop_limit = -1;
	do {
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (from.sin6_family == AF_INET6)
		meta->src = from.sin6_addr;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			meta->ifindex = pi.ipi_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			meta->dst = pi.ipi6_addr;
			meta->ifindex = (int)pi.ipi6_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&meta->hop_limit, CMSG_DATA(cm), sizeof(int));
		}
	}
	return n;
}

void xlb_vrrp_group(uint8_t family, struct xlb_ip *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	if (family == XLB_AF_INET6)
		inet_pton(AF_INET6, XLB_VRRP_GROUP6, out->a);
	else
		inet_pton(AF_INET, XLB_VRRP_GROUP4, out->a);
}

struct pick_ctx {
	const struct xlb_vrrp_cfg *cfg;
	struct xlb_ip out;
};

static bool is_vip(const struct xlb_vrrp_cfg *cfg, const struct xlb_ip *ip)
{
	size_t i, len = ip->family == XLB_AF_INET6 ? 16 : 4;

	for (i = 0; i < cfg->n_vips; i++)
		if (cfg->vips[i].family == ip->family && !memcmp(cfg->vips[i].a, ip->a, len))
			return true;
	return false;
}

static int pick_cb(const struct xlb_ip *ip, unsigned int prefix, unsigned char scope,
		   uint32_t flags, void *arg)
{
	struct pick_ctx *c = arg;

	(void)prefix;
	(void)flags;
	if (ip->family == XLB_AF_INET6 ? scope != RT_SCOPE_LINK : is_vip(c->cfg, ip))
		return 0;
	c->out = *ip;
	return 1;
}

int xlb_vrrp_pick_source(const struct xlb_vrrp_cfg *cfg, int ifindex, struct xlb_ip *out)
{
	struct pick_ctx c = { .cfg = cfg };
	int err;

	if (cfg->unicast_src.family) {
		c.out = cfg->unicast_src;
	} else {
		err = xlb_nl_addr_list(ifindex, cfg->family, pick_cb, &c);
		if (err)
			return err;
		if (!c.out.family && cfg->priority == 255 && cfg->n_vips)
			c.out = cfg->vips[0];
		if (!c.out.family)
			return -EADDRNOTAVAIL;
	}
	*out = c.out;
	out->prefix = 0;
	return 0;
}
