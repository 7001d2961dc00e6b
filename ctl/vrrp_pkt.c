// SPDX-License-Identifier: GPL-2.0
/* VRRP advertisement encode/decode; see vrrp_pkt.h for the format and rules. */
#include <errno.h>
#include <string.h>

#include "vrrp_pkt.h"

static const char *const drop_names[XLB_VRRP_DROP_MAX] = {
	[XLB_VRRP_OK]                = "ok",
	[XLB_VRRP_DROP_TRUNCATED]    = "truncated",
	[XLB_VRRP_DROP_BAD_IP]       = "bad_ip_header",
	[XLB_VRRP_DROP_TTL]          = "ttl",
	[XLB_VRRP_DROP_VERSION]      = "version",
	[XLB_VRRP_DROP_TYPE]         = "type",
	[XLB_VRRP_DROP_OTHER_VRID]   = "other_vrid",
	[XLB_VRRP_DROP_CHECKSUM]     = "checksum",
	[XLB_VRRP_DROP_WRONG_IFACE]  = "wrong_interface",
	[XLB_VRRP_DROP_AUTH_TYPE]    = "auth_type",
	[XLB_VRRP_DROP_AUTH_PASS]    = "auth_pass",
	[XLB_VRRP_DROP_ADDR_COUNT]   = "addr_count",
	[XLB_VRRP_DROP_INTERVAL]     = "interval",
	[XLB_VRRP_DROP_ADDR_LIST]    = "addr_list",
	[XLB_VRRP_DROP_NOT_PEER]     = "not_peer",
	[XLB_VRRP_DROP_OWN]          = "own_advert",
};

const char *xlb_vrrp_drop_name(enum xlb_vrrp_drop d)
{
	if ((unsigned int)d >= XLB_VRRP_DROP_MAX || !drop_names[d])
		return "unknown";
	return drop_names[d];
}

/* ---- checksum ---------------------------------------------------------- */

uint32_t xlb_vrrp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	/* 16-bit words in network order; a trailing odd byte is padded with 0. */
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t xlb_vrrp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t addr_len(uint8_t family)
{
	return family == XLB_AF_INET6 ? 16 : 4;
}

/* Sum of the IPv4 (RFC 791 / 768 style) or IPv6 (RFC 8200 8.1) pseudo-header. */
static uint32_t pseudo_sum(const struct xlb_ip *src, const struct xlb_ip *dst, size_t len)
{
	uint32_t sum = 0;
	uint8_t tail[8] = { 0 };

	if (src->family == XLB_AF_INET6) {
		sum = xlb_vrrp_csum_add(sum, src->a, 16);
		sum = xlb_vrrp_csum_add(sum, dst->a, 16);
		/* 32-bit upper-layer length, 3 zero bytes, next header */
		tail[0] = len >> 24;
		tail[1] = len >> 16;
		tail[2] = len >> 8;
		tail[3] = len;
		tail[7] = XLB_IPPROTO_VRRP;
		return xlb_vrrp_csum_add(sum, tail, 8);
	}
	sum = xlb_vrrp_csum_add(sum, src->a, 4);
	sum = xlb_vrrp_csum_add(sum, dst->a, 4);
	/* zero, protocol, 16-bit length */
	tail[1] = XLB_IPPROTO_VRRP;
	tail[2] = len >> 8;
	tail[3] = len;
	return xlb_vrrp_csum_add(sum, tail, 4);
}

/* ---- decode ------------------------------------------------------------ */

static bool is_link_local6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool pkt_has_addr(const struct xlb_vrrp_advert *adv, const struct xlb_ip *ip)
{
	size_t alen = addr_len(adv->src.family);
	unsigned int i;

	for (i = 0; i < adv->n_addrs; i++)
		if (!memcmp(adv->addrs + i * alen, ip->a, alen))
			return true;
	return false;
}

static bool cfg_has_addr(const struct xlb_ip *list, size_t n, uint8_t family, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].family == family && !memcmp(list[i].a, a, addr_len(family)))
			return true;
	return false;
}

/*
 * Same set of addresses on both sides (order does not matter). IPv6
 * link-local entries in the packet are skipped: RFC 9568 5.2.9 puts the
 * virtual router's link-local first, keepalived does not; neither is a
 * misconfiguration.
 */
static bool addr_lists_match(const struct xlb_vrrp_advert *adv, const struct xlb_vrrp_expect *exp)
{
	uint8_t family = adv->src.family;
	size_t alen = addr_len(family);
	unsigned int i;

	for (i = 0; i < exp->n_vips; i++)
		if (exp->vips[i].family != family || !pkt_has_addr(adv, &exp->vips[i]))
			return false;
	for (i = 0; i < adv->n_addrs; i++) {
		const uint8_t *a = adv->addrs + i * alen;

		if (family == XLB_AF_INET6 && is_link_local6(a))
			continue;
		if (!cfg_has_addr(exp->vips, exp->n_vips, family, a))
			return false;
	}
	return true;
}

static uint8_t wire_auth(enum xlb_vrrp_auth a)
{
	return a == XLB_AUTH_PASS ? XLB_VRRP_WIRE_AUTH_PASS : XLB_VRRP_WIRE_AUTH_NONE;
}

/* The configured password as the 8 bytes on the wire (zero padded). */
static void auth_bytes(const char *pass, uint8_t out[XLB_VRRP_AUTH_LEN])
{
	size_t n = pass ? strnlen(pass, XLB_VRRP_AUTH_LEN) : 0;

	memset(out, 0, XLB_VRRP_AUTH_LEN);
	if (n)
		memcpy(out, pass, n);
}

/*
 * Checks on the VRRP message itself, in the order of RFC 9568 7.1 and
 * RFC 3768 7.1; out->src/dst/ttl are already set by the caller.
 */
static enum xlb_vrrp_drop decode_msg(const uint8_t *m, size_t len, int ifindex,
				     const struct xlb_vrrp_expect *exp,
				     struct xlb_vrrp_advert *out)
{
	uint8_t family = out->src.family;
	size_t need;
	uint32_t sum;

	if (len < XLB_VRRP_HDR_LEN)
		return XLB_VRRP_DROP_TRUNCATED;
	out->version = m[0] >> 4;
	out->type = m[0] & 0x0f;
	out->vrid = m[1];
	out->priority = m[2];
	out->n_addrs = m[3];
	out->checksum = (uint16_t)(m[6] << 8 | m[7]);
	if (out->version != exp->version ||
	    (out->version == 2 && family != XLB_AF_INET))
		return XLB_VRRP_DROP_VERSION;
	if (out->type != XLB_VRRP_TYPE_ADVERT)
		return XLB_VRRP_DROP_TYPE;
	if (out->vrid != exp->vrid)
		return XLB_VRRP_DROP_OTHER_VRID;

	if (out->version == 2) {
		out->auth_type = m[4];
		out->interval = m[5];
		out->interval_ms = out->interval * 1000u;
	} else {
		out->auth_type = 0;
		/* the 4 reserved bits are ignored on receipt (9568 5.2.6) */
		out->interval = (uint16_t)((m[4] & 0x0f) << 8 | m[5]);
		out->interval_ms = out->interval * 10u;
	}
	need = XLB_VRRP_HDR_LEN + (size_t)out->n_addrs * addr_len(family);
	if (out->version == 2)
		need += XLB_VRRP_AUTH_LEN;
	if (len < need)
		return XLB_VRRP_DROP_TRUNCATED;
	out->addrs = m + XLB_VRRP_HDR_LEN;
	if (out->version == 2)
		memcpy(out->auth_data, out->addrs + out->n_addrs * 4, XLB_VRRP_AUTH_LEN);

	/* The sum runs over the whole message as received (len). */
	sum = xlb_vrrp_csum_add(0, m, len);
	if (out->version == 2) {
		if (xlb_vrrp_csum_fold(sum))
			return XLB_VRRP_DROP_CHECKSUM;
	} else if (xlb_vrrp_csum_fold(sum + pseudo_sum(&out->src, &out->dst, len))) {
		/* IPv4: also accept the RFC 9568 message-only form. */
		if (family != XLB_AF_INET || xlb_vrrp_csum_fold(sum))
			return XLB_VRRP_DROP_CHECKSUM;
		out->csum_rfc9568 = true;
	}

	if (exp->ifindex && ifindex != exp->ifindex)
		return XLB_VRRP_DROP_WRONG_IFACE;

	if (out->version == 2) {
		uint8_t want[XLB_VRRP_AUTH_LEN];

		if (out->auth_type != wire_auth(exp->auth_type))
			return XLB_VRRP_DROP_AUTH_TYPE;
		if (exp->auth_type == XLB_AUTH_PASS) {
			auth_bytes(exp->auth_pass, want);
			if (memcmp(want, out->auth_data, XLB_VRRP_AUTH_LEN))
				return XLB_VRRP_DROP_AUTH_PASS;
		}
	}

	if (!out->n_addrs)
		return XLB_VRRP_DROP_ADDR_COUNT;
	if (out->version == 2 ? out->interval_ms != exp->advert_int_ms : !out->interval)
		return XLB_VRRP_DROP_INTERVAL;

	if (exp->n_vips && !addr_lists_match(out, exp)) {
		/*
		 * RFC 3768 7.1: a v2 router that checks the list MUST drop a
		 * mismatching advert unless it came from the owner (255).
		 * RFC 9568 7.1 (as 5798): log it and go on processing.
		 */
		if (out->version == 2 && out->priority != 255)
			return XLB_VRRP_DROP_ADDR_LIST;
		out->addr_mismatch = true;
	}

	if (exp->n_peers && !cfg_has_addr(exp->peers, exp->n_peers, family, (const uint8_t *)out->src.a))
		return XLB_VRRP_DROP_NOT_PEER;
	if (exp->self && exp->self->family == family &&
	    !memcmp(exp->self->a, out->src.a, addr_len(family)))
		return XLB_VRRP_DROP_OWN;
	return XLB_VRRP_OK;
}

enum xlb_vrrp_drop xlb_vrrp_decode4(const uint8_t *pkt, size_t len, int ifindex,
				    const struct xlb_vrrp_expect *exp,
				    struct xlb_vrrp_advert *out)
{
	size_t ihl, tot;

	memset(out, 0, sizeof(*out));
	if (exp->family != XLB_AF_INET)
		return XLB_VRRP_DROP_BAD_IP;
	if (len < 20)
		return XLB_VRRP_DROP_TRUNCATED;
	if (pkt[0] >> 4 != 4)
		return XLB_VRRP_DROP_BAD_IP;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < 20)
		return XLB_VRRP_DROP_BAD_IP;
	if (len < ihl)
		return XLB_VRRP_DROP_TRUNCATED;
	tot = (size_t)pkt[2] << 8 | pkt[3];
	if (tot < ihl)
		return XLB_VRRP_DROP_BAD_IP;
	if (tot > len)
		return XLB_VRRP_DROP_TRUNCATED;
	/* More-fragments or an offset: the kernel reassembles before raw delivery. */
	if (((pkt[6] << 8 | pkt[7]) & 0x3fff) || pkt[9] != XLB_IPPROTO_VRRP)
		return XLB_VRRP_DROP_BAD_IP;

	out->ttl = pkt[8];
	out->src.family = XLB_AF_INET;
	out->dst.family = XLB_AF_INET;
	memcpy(&out->src.a[0], pkt + 12, 4);
	memcpy(&out->dst.a[0], pkt + 16, 4);
	if (out->ttl != XLB_VRRP_TTL)
		return XLB_VRRP_DROP_TTL;
	return decode_msg(pkt + ihl, tot - ihl, ifindex, exp, out);
}

enum xlb_vrrp_drop xlb_vrrp_decode6(const uint8_t *msg, size_t len,
				    const struct in6_addr *src, const struct in6_addr *dst,
				    int hop_limit, int ifindex,
				    const struct xlb_vrrp_expect *exp,
				    struct xlb_vrrp_advert *out)
{
	memset(out, 0, sizeof(*out));
	if (exp->family != XLB_AF_INET6)
		return XLB_VRRP_DROP_BAD_IP;
	out->ttl = hop_limit < 0 ? 0 : hop_limit > 255 ? 255 : (uint8_t)hop_limit;
	out->src.family = XLB_AF_INET6;
	out->dst.family = XLB_AF_INET6;
	memcpy(out->src.a, src, 16);
	memcpy(out->dst.a, dst, 16);
	if (hop_limit != XLB_VRRP_TTL)
		return XLB_VRRP_DROP_TTL;
	return decode_msg(msg, len, ifindex, exp, out);
}

void xlb_vrrp_advert_addr(const struct xlb_vrrp_advert *adv, unsigned int i, struct xlb_ip *out)
{
	size_t alen = addr_len(adv->src.family);

	memset(out, 0, sizeof(*out));
	if (i >= adv->n_addrs)
		return;
	out->family = adv->src.family;
	memcpy(out->a, adv->addrs + i * alen, alen);
}

/* ---- encode ------------------------------------------------------------ */

int xlb_vrrp_encode(const struct xlb_vrrp_tx *tx, uint8_t *buf, size_t size)
{
	uint8_t family = tx->n_addrs ? tx->addrs[0].family : 0;
	size_t alen = addr_len(family), len, i;
	uint32_t sum;
	uint16_t c;

	if ((tx->version != 2 && tx->version != 3) || !tx->n_addrs || tx->n_addrs > 255)
		return -EINVAL;
	if (family != XLB_AF_INET && family != XLB_AF_INET6)
		return -EINVAL;
	if (tx->version == 2 && family != XLB_AF_INET)
		return -EINVAL;
	for (i = 0; i < tx->n_addrs; i++)
		if (tx->addrs[i].family != family)
			return -EINVAL;
	if (tx->version == 3 && (tx->src.family != family || tx->dst.family != family))
		return -EINVAL;
	if (tx->version == 2) {
		if (tx->advert_int_ms % 1000 || tx->advert_int_ms < 1000 ||
		    tx->advert_int_ms > 255 * 1000)
			return -EINVAL;
	} else if (tx->advert_int_ms % 10 || tx->advert_int_ms < 10 ||
		   tx->advert_int_ms > XLB_VRRP_V3_MAX_INT * 10) {
		return -EINVAL;
	}

	len = XLB_VRRP_HDR_LEN + tx->n_addrs * alen + (tx->version == 2 ? XLB_VRRP_AUTH_LEN : 0);
	if (len > size)
		return -ENOSPC;

	buf[0] = (uint8_t)(tx->version << 4 | XLB_VRRP_TYPE_ADVERT);
	buf[1] = tx->vrid;
	buf[2] = tx->priority;
	buf[3] = (uint8_t)tx->n_addrs;
	if (tx->version == 2) {
		buf[4] = wire_auth(tx->auth_type);
		buf[5] = (uint8_t)(tx->advert_int_ms / 1000);
	} else {
		uint16_t cs = (uint16_t)(tx->advert_int_ms / 10);

		buf[4] = (uint8_t)(cs >> 8); /* reserved bits sent as zero */
		buf[5] = (uint8_t)cs;
	}
	buf[6] = buf[7] = 0;
	for (i = 0; i < tx->n_addrs; i++)
		memcpy(buf + XLB_VRRP_HDR_LEN + i * alen, tx->addrs[i].a, alen);
	if (tx->version == 2) {
		if (tx->auth_type == XLB_AUTH_PASS)
			auth_bytes(tx->auth_pass, buf + XLB_VRRP_HDR_LEN + tx->n_addrs * alen);
		else
			memset(buf + XLB_VRRP_HDR_LEN + tx->n_addrs * alen, 0, XLB_VRRP_AUTH_LEN);
	}

	sum = xlb_vrrp_csum_add(0, buf, len);
	if (tx->version == 3 && (family == XLB_AF_INET6 || tx->csum4 == XLB_VRRP_CSUM4_PSEUDO))
		sum += pseudo_sum(&tx->src, &tx->dst, len);
	c = xlb_vrrp_csum_fold(sum);
	buf[6] = (uint8_t)(c >> 8);
	buf[7] = (uint8_t)c;
	return (int)len;
}
