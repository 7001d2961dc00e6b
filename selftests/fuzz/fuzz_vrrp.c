// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the VRRP advertisement decoder (v2 and v3, IPv4 and IPv6 entry
 * points) against fixed instance configurations, so the checks behind the
 * checksum (interface, auth type and password, address count, interval,
 * address list, unicast peer, own advert) run too.
 *
 * Input layout (byte 0 selects, the rest is the packet):
 *   bits 0-1  instance: 0 v2/IPv4 auth PASS "1111", VRID 51, VIP 10.200.0.50
 *                       1 v3/IPv4, VRID 52, VIPs 10.200.0.60 and .61
 *                       2 v3/IPv6, VRID 53, VIP fd00:200::50
 *                       3 v2/IPv4 no auth, VRID 51, advert_int 2
 *   bit 2     repair: set TTL / hop limit to 255 and write a valid checksum
 *             (so mutations of the other fields get past those two checks)
 *   bit 3     repair writes the v3/IPv4 checksum in the RFC 9568 form
 *   bit 4     arrived on another interface
 *   bit 5     unicast: the instance has peers and knows its own address
 *   IPv4: the rest is the IPv4 packet (header + VRRP), as a raw socket gives it.
 *   IPv6: hop limit (1 byte), source (16), destination (16), VRRP message.
 *
 * An accepted advertisement is re-encoded from its decoded fields and must
 * decode again to the same fields.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vrrp_pkt.h"

#define IFINDEX 2

static struct xlb_ip vips_v2[1], vips_v3[2], vips_v6[1], peers4[2], peers6[1], self4, self6;

static void ip4(struct xlb_ip *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = XLB_AF_INET;
	if (inet_pton(AF_INET, s, &ip->a[0]) != 1)
		abort();
}

static void ip6(struct xlb_ip *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = XLB_AF_INET6;
	if (inet_pton(AF_INET6, s, ip->a) != 1)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xlb_log_set_level(XLB_LOG_WARN);
	ip4(&vips_v2[0], "10.200.0.50");
	ip4(&vips_v3[0], "10.200.0.60");
	ip4(&vips_v3[1], "10.200.0.61");
	ip6(&vips_v6[0], "fd00:200::50");
	ip4(&peers4[0], "10.200.0.2");
	ip4(&peers4[1], "10.200.0.3");
	ip6(&peers6[0], "fe80::f45b:f7ff:fe16:564e");
	ip4(&self4, "10.200.0.1");
	ip6(&self6, "fe80::1");
	return 0;
}

static void expect_for(unsigned int sel, struct xlb_vrrp_expect *e)
{
	bool unicast = sel & 0x20;

	memset(e, 0, sizeof(*e));
	e->ifindex = IFINDEX;
	switch (sel & 3) {
	case 0:
		*e = (struct xlb_vrrp_expect){ .version = 2, .family = XLB_AF_INET, .vrid = 51,
			.ifindex = IFINDEX, .auth_type = XLB_AUTH_PASS, .auth_pass = "1111",
			.advert_int_ms = 1000, .vips = vips_v2, .n_vips = 1 };
		break;
	case 1:
		*e = (struct xlb_vrrp_expect){ .version = 3, .family = XLB_AF_INET, .vrid = 52,
			.ifindex = IFINDEX, .vips = vips_v3, .n_vips = 2 };
		break;
	case 2:
		*e = (struct xlb_vrrp_expect){ .version = 3, .family = XLB_AF_INET6, .vrid = 53,
			.ifindex = IFINDEX, .vips = vips_v6, .n_vips = 1 };
		break;
	default:
		*e = (struct xlb_vrrp_expect){ .version = 2, .family = XLB_AF_INET, .vrid = 51,
			.ifindex = IFINDEX, .auth_type = XLB_AUTH_NONE, .advert_int_ms = 2000,
			.vips = vips_v2, .n_vips = 1 };
		break;
	}
	if (unicast) {
		if (e->family == XLB_AF_INET6) {
			e->peers = peers6;
			e->n_peers = 1;
			e->self = &self6;
		} else {
			e->peers = peers4;
			e->n_peers = 2;
			e->self = &self4;
		}
	}
}

/* Sum of the pseudo-header the v3 checksum may cover (IPv4 or IPv6). */
static uint32_t pseudo(uint8_t family, const uint8_t *src, const uint8_t *dst, size_t len)
{
	uint8_t t[8] = { 0 };
	uint32_t s;

	if (family == XLB_AF_INET6) {
		s = xlb_vrrp_csum_add(0, src, 16);
		s = xlb_vrrp_csum_add(s, dst, 16);
		t[0] = len >> 24;
		t[1] = len >> 16;
		t[2] = len >> 8;
		t[3] = len;
		t[7] = XLB_IPPROTO_VRRP;
		return xlb_vrrp_csum_add(s, t, 8);
	}
	s = xlb_vrrp_csum_add(0, src, 4);
	s = xlb_vrrp_csum_add(s, dst, 4);
	t[1] = XLB_IPPROTO_VRRP;
	t[2] = len >> 8;
	t[3] = len;
	return xlb_vrrp_csum_add(s, t, 4);
}

/* Write a checksum into the VRRP message @m that the decoder will accept. */
static void repair_csum(uint8_t *m, size_t len, uint8_t family, const uint8_t *src,
			const uint8_t *dst, bool msg_only)
{
	uint32_t sum;
	uint16_t c;

	if (len < XLB_VRRP_HDR_LEN)
		return;
	m[6] = m[7] = 0;
	sum = xlb_vrrp_csum_add(0, m, len);
	/* v2 and the RFC 9568 IPv4 form cover the message only. */
	if (m[0] >> 4 == 3 && (family == XLB_AF_INET6 || !msg_only))
		sum += pseudo(family, src, dst, len);
	c = xlb_vrrp_csum_fold(sum);
	m[6] = c >> 8;
	m[7] = c & 0xff;
}

static void repair4(uint8_t *pkt, size_t len, bool msg_only)
{
	size_t ihl, tot;

	if (len < 20)
		return;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	tot = (size_t)pkt[2] << 8 | pkt[3];
	if (ihl < 20 || tot < ihl || tot > len)
		return;
	pkt[8] = XLB_VRRP_TTL;
	repair_csum(pkt + ihl, tot - ihl, XLB_AF_INET, pkt + 12, pkt + 16, msg_only);
}

static void same_or_trap(const struct xlb_vrrp_advert *a, const struct xlb_vrrp_advert *b,
			 const struct xlb_vrrp_expect *e)
{
	size_t alen = a->src.family == XLB_AF_INET6 ? 16 : 4;

	if (a->version != b->version || a->type != b->type || a->vrid != b->vrid ||
	    a->priority != b->priority || a->n_addrs != b->n_addrs ||
	    a->auth_type != b->auth_type || a->interval != b->interval ||
	    a->interval_ms != b->interval_ms || a->addr_mismatch != b->addr_mismatch ||
	    !xlb_ip_equal(&a->src, &b->src) || !xlb_ip_equal(&a->dst, &b->dst) ||
	    memcmp(a->addrs, b->addrs, a->n_addrs * alen))
		__builtin_trap();
	/* Without PASS the authentication data is ignored on receipt and sent
	 * as zeros (RFC 3768 5.3.10), so only PASS data must survive. */
	if (a->version == 2 && e->auth_type == XLB_AUTH_PASS &&
	    memcmp(a->auth_data, b->auth_data, XLB_VRRP_AUTH_LEN))
		__builtin_trap();
}

/* Encode what was decoded and decode it again: the fields must survive. */
static void round_trip(const struct xlb_vrrp_advert *adv, const struct xlb_vrrp_expect *e,
		       int ifindex)
{
	static struct xlb_ip addrs[255];
	static uint8_t buf[20 + XLB_VRRP_MAX_LEN];
	struct xlb_vrrp_advert again;
	struct xlb_vrrp_tx tx = {
		.version = adv->version,
		.vrid = adv->vrid,
		.priority = adv->priority,
		.advert_int_ms = adv->interval_ms,
		.auth_type = e->auth_type,
		.auth_pass = e->auth_pass,
		.addrs = addrs,
		.n_addrs = adv->n_addrs,
		.src = adv->src,
		.dst = adv->dst,
		.csum4 = adv->csum_rfc9568 ? XLB_VRRP_CSUM4_MSG : XLB_VRRP_CSUM4_PSEUDO,
	};
	unsigned int i;
	int len;

	for (i = 0; i < adv->n_addrs; i++)
		xlb_vrrp_advert_addr(adv, i, &addrs[i]);
	if (adv->src.family == XLB_AF_INET6) {
		len = xlb_vrrp_encode(&tx, buf, sizeof(buf));
		if (len < 0)
			__builtin_trap(); /* an accepted advert must be encodable */
		if (xlb_vrrp_decode6(buf, len, (const struct in6_addr *)adv->src.a,
				     (const struct in6_addr *)adv->dst.a, adv->ttl, ifindex, e,
				     &again) != XLB_VRRP_OK)
			__builtin_trap();
	} else {
		len = xlb_vrrp_encode(&tx, buf + 20, sizeof(buf) - 20);
		if (len < 0)
			__builtin_trap();
		memset(buf, 0, 20);
		buf[0] = 0x45;
		buf[2] = (uint8_t)((len + 20) >> 8);
		buf[3] = (uint8_t)(len + 20);
		buf[8] = XLB_VRRP_TTL;
		buf[9] = XLB_IPPROTO_VRRP;
		memcpy(buf + 12, &adv->src.a[0], 4);
		memcpy(buf + 16, &adv->dst.a[0], 4);
		if (xlb_vrrp_decode4(buf, len + 20, ifindex, e, &again) != XLB_VRRP_OK)
			__builtin_trap();
	}
	same_or_trap(adv, &again, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_vrrp_expect e;
	struct xlb_vrrp_advert adv;
	enum xlb_vrrp_drop r;
	unsigned int sel, i;
	struct xlb_ip ip;
	uint8_t *pkt;
	size_t len;
	int ifindex;

	if (size < 1)
		return 0;
	sel = data[0];
	expect_for(sel, &e);
	ifindex = sel & 0x10 ? IFINDEX + 1 : IFINDEX;
	/* An exact-size copy: reading one byte past the packet is caught. */
	len = size - 1;
	pkt = malloc(len ? len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, len);

	if (e.family == XLB_AF_INET6) {
		struct in6_addr src, dst;
		int hop;

		if (len < 33)
			goto out;
		hop = pkt[0];
		memcpy(&src, pkt + 1, 16);
		memcpy(&dst, pkt + 17, 16);
		if (sel & 0x04) {
			hop = XLB_VRRP_TTL;
			repair_csum(pkt + 33, len - 33, XLB_AF_INET6, pkt + 1, pkt + 17, false);
		}
		r = xlb_vrrp_decode6(pkt + 33, len - 33, &src, &dst, hop, ifindex, &e, &adv);
	} else {
		if (sel & 0x04)
			repair4(pkt, len, sel & 0x08);
		r = xlb_vrrp_decode4(pkt, len, ifindex, &e, &adv);
	}
	if ((unsigned int)r >= XLB_VRRP_DROP_MAX || !strcmp(xlb_vrrp_drop_name(r), "unknown"))
		__builtin_trap();
	if (r != XLB_VRRP_OK)
		goto out;
	if (adv.vrid != e.vrid || adv.version != e.version || !adv.n_addrs)
		__builtin_trap();
	for (i = 0; i < adv.n_addrs; i++) {
		xlb_vrrp_advert_addr(&adv, i, &ip);
		if (ip.family != e.family)
			__builtin_trap();
	}
	round_trip(&adv, &e, ifindex);
out:
	free(pkt);
	return 0;
}
