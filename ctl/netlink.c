// SPDX-License-Identifier: GPL-2.0
/* rtnetlink requests and link monitor via libmnl; see netlink.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "netlink.h"
#include "xlb/abi.h"

#define NL_BUF 32768

static unsigned int next_seq(void)
{
	static unsigned int seq;

	if (!seq)
		seq = (unsigned int)time(NULL);
	return ++seq;
}

/*
 * Send @nlh (NLM_F_ACK is added) on a fresh socket and feed every reply to
 * @cb until the ack or NLMSG_DONE. Returns 0 or -errno (the kernel's).
 */
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	struct mnl_socket *nl;
	unsigned int portid, seq = next_seq();
	char *buf = malloc(NL_BUF);
	int err = 0, ret;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl) {
		err = -errno;
		goto out_free;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, NL_BUF);
		if (n < 0) {
			err = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, arg);
	} while (ret > 0);
	if (ret < 0)
		err = errno ? -errno : -EIO;
out:
	mnl_socket_close(nl);
out_free:
	free(buf);
	return err;
}

static size_t ip_len(const struct xlb_ip *ip)
{
	return ip->family == XLB_AF_INET6 ? 16 : 4;
}

static int addr_req(int type, unsigned int flags, int ifindex, const struct xlb_ip *ip,
		    unsigned int prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t len = ip_len(ip);

	if (ip->family != XLB_AF_INET && ip->family != XLB_AF_INET6)
		return -EAFNOSUPPORT;
	if (!prefix || prefix > len * 8)
		prefix = (unsigned int)len * 8;
	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = ip->family;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	if (ip->family == XLB_AF_INET6 && type == RTM_NEWADDR)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, len, ip->a);
	mnl_attr_put(nlh, IFA_ADDRESS, len, ip->a);
	return nl_talk(nlh, NULL, NULL);
}

int xlb_nl_addr_add(int ifindex, const struct xlb_ip *ip, unsigned int prefix)
{
	return addr_req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, ip, prefix);
}

int xlb_nl_addr_del(int ifindex, const struct xlb_ip *ip, unsigned int prefix)
{
	return addr_req(RTM_DELADDR, 0, ifindex, ip, prefix);
}

/* ---- neighbours ------------------------------------------------------------- */

static int neigh_state_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWNEIGH)
		*(int *)arg = ndm->ndm_state;
	return MNL_CB_OK;
}

int xlb_nl_neigh_state(int ifindex, const struct xlb_ip *ip)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	int state = -1, err;

	if (ip->family != XLB_AF_INET && ip->family != XLB_AF_INET6)
		return -EAFNOSUPPORT;
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = ip->family;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, ip_len(ip), ip->a);
	err = nl_talk(nlh, neigh_state_cb, &state);
	if (err)
		return err;
	return state < 0 ? -ENOENT : state;
}

int xlb_nl_neigh_managed(int ifindex, const struct xlb_ip *ip, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	if (ip->family != XLB_AF_INET && ip->family != XLB_AF_INET6)
		return -EAFNOSUPPORT;
	nlh->nlmsg_type = add ? RTM_NEWNEIGH : RTM_DELNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = ip->family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NONE; /* no MAC given: the kernel resolves it */
	mnl_attr_put(nlh, NDA_DST, ip_len(ip), ip->a);
	if (add)
		mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	return nl_talk(nlh, NULL, NULL);
}

/* ---- links ---------------------------------------------------------------- */

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct xlb_nl_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	memset(l, 0, sizeof(*l));
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb);
	l->ifindex = ifi->ifi_index;
	l->up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		l->has_mac = true;
	}
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
}

struct link_get_ctx {
	struct xlb_nl_link *out;
	bool found;
};

static int link_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct link_get_ctx *c = arg;

	if (nlh->nlmsg_type == RTM_NEWLINK) {
		parse_link(nlh, c->out);
		c->found = true;
	}
	return MNL_CB_OK;
}

int xlb_nl_link_get(int ifindex, struct xlb_nl_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct link_get_ctx c = { .out = out };
	struct ifinfomsg *ifi;
	int err;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	err = nl_talk(nlh, link_get_cb, &c);
	if (err)
		return err;
	return c.found ? 0 : -ENODEV;
}

/* ---- address dump --------------------------------------------------------- */

struct addr_list_ctx {
	int ifindex;
	int family;
	xlb_nl_addr_cb cb;
	void *arg;
	bool stop;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int addr_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_list_ctx *c = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	struct xlb_ip ip = { 0 };
	uint32_t flags;

	if (c->stop || nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if ((int)ifa->ifa_index != c->ifindex || ifa->ifa_family != c->family)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is the interface's own address (differs on point-to-point). */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	ip.family = (uint8_t)c->family;
	ip.prefix = ifa->ifa_prefixlen;
	if (mnl_attr_get_payload_len(a) != ip_len(&ip))
		return MNL_CB_OK;
	memcpy(ip.a, mnl_attr_get_payload(a), ip_len(&ip));
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	if (c->cb(&ip, ifa->ifa_prefixlen, ifa->ifa_scope, flags, c->arg))
		c->stop = true;
	return MNL_CB_OK;
}

int xlb_nl_addr_list(int ifindex, int family, xlb_nl_addr_cb cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_list_ctx c = { .ifindex = ifindex, .family = family, .cb = cb, .arg = arg };
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	return nl_talk(nlh, addr_list_cb, &c);
}

/* ---- monitor -------------------------------------------------------------- */

struct xlb_nl_monitor {
	struct mnl_socket *nl;
	char buf[NL_BUF];
};

struct xlb_nl_monitor *xlb_nl_monitor_open(void)
{
	struct xlb_nl_monitor *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return NULL;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!m->nl)
		goto fail;
	if (mnl_socket_bind(m->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	return m;
fail:
	err = errno;
	xlb_nl_monitor_close(m);
	errno = err;
	return NULL;
}

int xlb_nl_monitor_fd(const struct xlb_nl_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

struct mon_ctx {
	xlb_nl_link_cb cb;
	void *arg;
};

static int mon_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct mon_ctx *c = arg;
	struct xlb_nl_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	parse_link(nlh, &l);
	c->cb(&l, nlh->nlmsg_type == RTM_DELLINK, c->arg);
	return MNL_CB_OK;
}

int xlb_nl_monitor_read(struct xlb_nl_monitor *m, xlb_nl_link_cb cb, void *arg)
{
	struct mon_ctx c = { .cb = cb, .arg = arg };
	int err = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(m->nl, m->buf, sizeof(m->buf));

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: events were lost; keep draining, report it. */
			err = -errno;
			if (errno != ENOBUFS)
				break;
			continue;
		}
		/* seq 0 / portid 0: multicast notifications, not replies. */
		mnl_cb_run(m->buf, (size_t)n, 0, 0, mon_cb, &c);
	}
	return err;
}

void xlb_nl_monitor_close(struct xlb_nl_monitor *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m);
}
