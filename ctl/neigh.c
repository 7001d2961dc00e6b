// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlb/abi.h>
#include "log.h"
#include "neigh.h"
#include "netlink.h"

struct prefix {
	struct xlb_ip net;
	unsigned int len;
};

struct xlb_neigh {
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct xlb_ip *have;   /* entries we added */
	size_t n_have;
};

struct xlb_neigh *xlb_neigh_new(const char *ifname)
{
	struct xlb_neigh *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->ifindex = if_nametoindex(ifname);
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	return n;
}

struct prefixes {
	struct prefix p[64];
	size_t n;
};

static int add_prefix(const struct xlb_ip *ip, unsigned int prefix, unsigned char scope,
		      uint32_t flags, void *arg)
{
	struct prefixes *ps = arg;

	(void)flags;
	if (scope != 0 /* RT_SCOPE_UNIVERSE */ || ps->n == 64)
		return 0;
	ps->p[ps->n].net = *ip;
	ps->p[ps->n].len = prefix;
	ps->n++;
	return 0;
}

static bool in_prefix(const struct xlb_ip *ip, const struct prefix *p)
{
	const uint8_t *a = (const uint8_t *)ip->a, *b = (const uint8_t *)p->net.a;
	unsigned int bits = p->len, i;

	if (ip->family != p->net.family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != b[i])
			return false;
	return !bits || ((a[i] ^ b[i]) & (0xff << (8 - bits))) == 0;
}

static bool on_link(const struct prefixes *ps, const struct xlb_ip *ip)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (in_prefix(ip, &ps->p[i]))
			return true;
	return false;
}

static bool contains(const struct xlb_ip *set, size_t n, const struct xlb_ip *ip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (xlb_ip_equal(&set[i], ip))
			return true;
	return false;
}

void xlb_neigh_sync(struct xlb_neigh *n, const struct xlb_cfg *cfg)
{
	struct prefixes ps = { .n = 0 };
	struct xlb_ip *want = NULL;
	size_t n_want = 0, cap = 0, s, b;
	char buf[64];
	int err;

	if (!n || !n->ifindex)
		return;
	xlb_nl_addr_list(n->ifindex, XLB_AF_INET, add_prefix, &ps);
	xlb_nl_addr_list(n->ifindex, XLB_AF_INET6, add_prefix, &ps);
	for (s = 0; s < cfg->n_services; s++) {
		for (b = 0; b < cfg->services[s].n_backends; b++) {
			const struct xlb_ip *ip = &cfg->services[s].backends[b].addr;

			if (!on_link(&ps, ip) || contains(want, n_want, ip))
				continue;
			if (n_want == cap) {
				struct xlb_ip *w = realloc(want, (cap = cap ? 2 * cap : 16) * sizeof(*w));

				if (!w) {
					free(want);
					return;
				}
				want = w;
			}
			want[n_want++] = *ip;
		}
	}
	/* remove what is no longer a backend */
	for (b = 0; b < n->n_have;) {
		if (contains(want, n_want, &n->have[b])) {
			b++;
			continue;
		}
		err = xlb_nl_neigh_managed(n->ifindex, &n->have[b], false);
		if (err && err != -ENOENT)
			pr_debug("neighbour %s: remove: %s\n",
				 xlb_ip_str(&n->have[b], buf, sizeof(buf)), strerror(-err));
		n->have[b] = n->have[--n->n_have];
	}
	/* add the new ones */
	for (b = 0; b < n_want; b++) {
		struct xlb_ip *h;

		if (contains(n->have, n->n_have, &want[b]))
			continue;
		/* An entry the operator set by hand is theirs: leave it alone. */
		err = xlb_nl_neigh_state(n->ifindex, &want[b]);
		if (err >= 0 && (err & (NUD_PERMANENT | NUD_NOARP)))
			continue;
		err = xlb_nl_neigh_managed(n->ifindex, &want[b], true);
		if (err) {
			pr_warn("keeping the neighbour entry of backend %s on %s resolved: %s\n",
				xlb_ip_str(&want[b], buf, sizeof(buf)), n->ifname, strerror(-err));
			continue;
		}
		h = realloc(n->have, (n->n_have + 1) * sizeof(*h));
		if (!h)
			break;
		n->have = h;
		n->have[n->n_have++] = want[b];
	}
	free(want);
}

void xlb_neigh_free(struct xlb_neigh *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n_have; i++)
		xlb_nl_neigh_managed(n->ifindex, &n->have[i], false);
	free(n->have);
	free(n);
}
