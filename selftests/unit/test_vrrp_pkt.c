// SPDX-License-Identifier: GPL-2.0
/*
 * VRRP wire format: the keepalived captures in selftests/testdata/vrrp decode
 * to exactly the fields Wireshark shows (.txt) and re-encode to the same
 * bytes; malformed and spoofed adverts are refused with their reason.
 * Tests run from the repository root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "vrrp_garp.h"
#include "vrrp_pkt.h"

#define TESTDATA "selftests/testdata/vrrp/"
#define MAX_FRAMES 8
#define MAX_FRAME  512

/* What Wireshark printed for the first frame of a capture. */
struct dissect {
	int version, type, vrid, priority, count, auth_type, adver_int;
	unsigned int checksum;
	struct xlb_ip addrs[8];
	int n_addrs;
	char auth_string[16];
};

struct capture {
	uint8_t frame[MAX_FRAMES][MAX_FRAME];
	size_t len[MAX_FRAMES];
	int n;
	struct dissect d;
};

static int from_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void load_hex(const char *name, struct capture *c)
{
	char path[256], line[4 * MAX_FRAME];
	FILE *f;

	snprintf(path, sizeof(path), TESTDATA "%s.hex", name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "open %s: %s (tests run from the repo root)", path, strerror(errno));
	while (fgets(line, sizeof(line), f) && c->n < MAX_FRAMES) {
		size_t i, n = 0;

		for (i = 0; line[i] && from_hex(line[i]) >= 0 && from_hex(line[i + 1]) >= 0; i += 2)
			c->frame[c->n][n++] = (uint8_t)(from_hex(line[i]) << 4 | from_hex(line[i + 1]));
		if (n)
			c->len[c->n++] = n;
	}
	fclose(f);
	cr_assert_gt(c->n, 0, "%s: no frames", path);
}

static const char *after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? p + strlen(key) : NULL;
}

/* The number in the last "(N)" of a line. */
static int paren_num(const char *line)
{
	const char *p = strrchr(line, '(');

	return p ? atoi(p + 1) : -1;
}

static void load_txt(const char *name, struct dissect *d)
{
	char path[256], line[512];
	const char *v;
	FILE *f;

	memset(d, 0, sizeof(*d));
	d->auth_type = -1;
	snprintf(path, sizeof(path), TESTDATA "%s.txt", name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "Frame 2", 7))
			break; /* only the first frame is dissected in full */
		if ((v = after(line, "VRRP protocol version: ")))
			d->version = atoi(v);
		else if (after(line, "VRRP packet type: "))
			d->type = paren_num(line);
		else if ((v = after(line, "Virtual Rtr ID: ")))
			d->vrid = atoi(v);
		else if ((v = after(line, "Priority: ")))
			d->priority = atoi(v);
		else if ((v = after(line, "Addr Count: ")))
			d->count = atoi(v);
		else if (after(line, "Auth Type: "))
			d->auth_type = paren_num(line);
		else if ((v = after(line, "Adver Int: ")))
			d->adver_int = atoi(v);
		else if ((v = after(line, "Checksum: 0x")))
			d->checksum = (unsigned int)strtoul(v, NULL, 16);
		else if ((v = after(line, "IPv6 Address: ")) || (v = after(line, "IP Address: "))) {
			cr_assert_lt(d->n_addrs, 8);
			d->addrs[d->n_addrs].family = strchr(v, ':') ? XLB_AF_INET6 : XLB_AF_INET;
			cr_assert_eq(inet_pton(strchr(v, ':') ? AF_INET6 : AF_INET, v,
					       d->addrs[d->n_addrs].a), 1, "address %s", v);
			d->n_addrs++;
		} else if ((v = after(line, "Authentication String: ")))
			snprintf(d->auth_string, sizeof(d->auth_string), "%s", v);
	}
	fclose(f);
	cr_assert_gt(d->version, 0, "%s: no VRRP dissection found", path);
}

static void load(const char *name, struct capture *c)
{
	memset(c, 0, sizeof(*c));
	load_hex(name, c);
	load_txt(name, &c->d);
}

/* The packet as a raw socket gives it: IPv4 header onwards. */
#define ETH_LEN 14

static bool frame_is_ipv6(const uint8_t *f)
{
	return f[12] == 0x86 && f[13] == 0xdd;
}

static void expect_from(const struct dissect *d, uint8_t family, struct xlb_vrrp_expect *e,
			char *pass)
{
	memset(e, 0, sizeof(*e));
	e->version = (uint8_t)d->version;
	e->family = family;
	e->vrid = (uint8_t)d->vrid;
	e->ifindex = 7;
	if (d->version == 2) {
		e->advert_int_ms = (uint32_t)d->adver_int * 1000;
		e->auth_type = d->auth_type == 1 ? XLB_AUTH_PASS : XLB_AUTH_NONE;
		strcpy(pass, d->auth_string);
		e->auth_pass = pass;
	}
	e->vips = d->addrs;
	e->n_vips = (size_t)d->n_addrs;
}

/* Decode frame @i of @c (Ethernet first) on ifindex 7. */
static enum xlb_vrrp_drop decode_frame(const uint8_t *f, size_t len,
				       const struct xlb_vrrp_expect *e,
				       struct xlb_vrrp_advert *adv)
{
	if (frame_is_ipv6(f)) {
		struct in6_addr src, dst;

		memcpy(&src, f + ETH_LEN + 8, 16);
		memcpy(&dst, f + ETH_LEN + 24, 16);
		return xlb_vrrp_decode6(f + ETH_LEN + 40, len - ETH_LEN - 40, &src, &dst,
					f[ETH_LEN + 7], 7, e, adv);
	}
	return xlb_vrrp_decode4(f + ETH_LEN, len - ETH_LEN, 7, e, adv);
}

static const char *const cases[] = { "v2-ipv4-pass", "v3-ipv4", "v3-ipv6" };

Test(vrrp_pkt, decodes_keepalived_captures_as_wireshark_does)
{
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct capture c;
		int i;

		load(cases[k], &c);
		for (i = 0; i < c.n; i++) {
			const uint8_t *f = c.frame[i];
			uint8_t family = frame_is_ipv6(f) ? XLB_AF_INET6 : XLB_AF_INET;
			struct xlb_vrrp_expect e;
			struct xlb_vrrp_advert adv;
			enum xlb_vrrp_drop r;
			char pass[16] = "";
			int j;

			expect_from(&c.d, family, &e, pass);
			r = decode_frame(f, c.len[i], &e, &adv);
			cr_assert_eq(r, XLB_VRRP_OK, "%s frame %d: %s", cases[k], i,
				     xlb_vrrp_drop_name(r));
			cr_assert_eq(adv.version, c.d.version, "%s", cases[k]);
			cr_assert_eq(adv.type, c.d.type);
			cr_assert_eq(adv.vrid, c.d.vrid);
			cr_assert_eq(adv.priority, c.d.priority);
			cr_assert_eq(adv.n_addrs, c.d.count);
			cr_assert_eq(adv.interval, c.d.adver_int);
			cr_assert_eq(adv.checksum, c.d.checksum, "%s: %#x", cases[k], adv.checksum);
			cr_assert_eq(adv.ttl, 255);
			cr_assert(!adv.addr_mismatch);
			cr_assert(!adv.csum_rfc9568, "keepalived sends the RFC 5798 checksum form");
			if (c.d.version == 2) {
				cr_assert_eq(adv.auth_type, c.d.auth_type);
				cr_assert_eq(adv.interval_ms, c.d.adver_int * 1000u);
				cr_assert_str_eq((const char *)adv.auth_data, c.d.auth_string);
			} else {
				cr_assert_eq(adv.interval_ms, c.d.adver_int * 10u);
			}
			cr_assert_eq(c.d.n_addrs, adv.n_addrs);
			for (j = 0; j < adv.n_addrs; j++) {
				struct xlb_ip ip;

				xlb_vrrp_advert_addr(&adv, (unsigned int)j, &ip);
				cr_assert_eq(ip.family, c.d.addrs[j].family);
				cr_assert_arr_eq(ip.a, c.d.addrs[j].a, sizeof(ip.a), "%s addr %d",
						 cases[k], j);
			}
		}
	}
}

Test(vrrp_pkt, encodes_keepalived_captures_byte_for_byte)
{
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct capture c;
		const uint8_t *f, *vrrp;
		struct xlb_vrrp_tx tx = { 0 };
		uint8_t buf[XLB_VRRP_MAX_LEN];
		size_t vlen;
		int n;

		load(cases[k], &c);
		f = c.frame[0];
		tx.version = (uint8_t)c.d.version;
		tx.vrid = (uint8_t)c.d.vrid;
		tx.priority = (uint8_t)c.d.priority;
		tx.advert_int_ms = c.d.version == 2 ? c.d.adver_int * 1000u : c.d.adver_int * 10u;
		tx.auth_type = c.d.auth_type == 1 ? XLB_AUTH_PASS : XLB_AUTH_NONE;
		tx.auth_pass = c.d.auth_string;
		tx.addrs = c.d.addrs;
		tx.n_addrs = (size_t)c.d.n_addrs;
		if (frame_is_ipv6(f)) {
			tx.src.family = tx.dst.family = XLB_AF_INET6;
			memcpy(tx.src.a, f + ETH_LEN + 8, 16);
			memcpy(tx.dst.a, f + ETH_LEN + 24, 16);
			vrrp = f + ETH_LEN + 40;
			vlen = c.len[0] - ETH_LEN - 40;
		} else {
			tx.src.family = tx.dst.family = XLB_AF_INET;
			memcpy(tx.src.a, f + ETH_LEN + 12, 4);
			memcpy(tx.dst.a, f + ETH_LEN + 16, 4);
			vrrp = f + ETH_LEN + (f[ETH_LEN] & 0x0f) * 4;
			vlen = c.len[0] - (size_t)(vrrp - f);
		}
		n = xlb_vrrp_encode(&tx, buf, sizeof(buf));
		cr_assert_eq(n, (int)vlen, "%s: encoded %d bytes, capture has %zu", cases[k], n, vlen);
		cr_assert_arr_eq(buf, vrrp, vlen, "%s: bytes differ", cases[k]);
		cr_assert_eq((unsigned int)(buf[6] << 8 | buf[7]), c.d.checksum);
	}
}

Test(vrrp_pkt, truncated_at_every_length_is_refused)
{
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct capture c;
		struct xlb_vrrp_expect e;
		struct xlb_vrrp_advert adv;
		char pass[16] = "";
		const uint8_t *f;
		size_t cut, start;

		load(cases[k], &c);
		f = c.frame[0];
		expect_from(&c.d, frame_is_ipv6(f) ? XLB_AF_INET6 : XLB_AF_INET, &e, pass);
		/* IPv6: the IPv6 header is socket metadata; only the message shrinks. */
		start = frame_is_ipv6(f) ? ETH_LEN + 40 : ETH_LEN;
		for (cut = start; cut < c.len[0]; cut++) {
			enum xlb_vrrp_drop r = decode_frame(f, cut, &e, &adv);

			cr_assert_eq(r, XLB_VRRP_DROP_TRUNCATED, "%s cut at %zu: %s", cases[k],
				     cut - start, xlb_vrrp_drop_name(r));
		}
		cr_assert_eq(decode_frame(f, c.len[0], &e, &adv), XLB_VRRP_OK);
	}
}

/* ---- the table of bad adverts ------------------------------------------ */

/* A mutable copy of a capture's first frame, as IP packet (v4) or message (v6). */
struct pkt {
	uint8_t b[MAX_FRAME];
	size_t len;
	bool v6;
	struct in6_addr src6, dst6;
	int hop;
	size_t ihl;
	int ifindex;
};

static void pkt_from(const struct capture *c, struct pkt *p)
{
	const uint8_t *f = c->frame[0];

	memset(p, 0, sizeof(*p));
	p->ifindex = 7;
	p->v6 = frame_is_ipv6(f);
	if (p->v6) {
		memcpy(&p->src6, f + ETH_LEN + 8, 16);
		memcpy(&p->dst6, f + ETH_LEN + 24, 16);
		p->hop = f[ETH_LEN + 7];
		p->len = c->len[0] - ETH_LEN - 40;
		memcpy(p->b, f + ETH_LEN + 40, p->len);
	} else {
		p->len = c->len[0] - ETH_LEN;
		memcpy(p->b, f + ETH_LEN, p->len);
		p->ihl = (size_t)(p->b[0] & 0x0f) * 4;
	}
}

static uint8_t *vrrp_of(struct pkt *p)
{
	return p->b + p->ihl;
}

static size_t vrrp_len(const struct pkt *p)
{
	return p->len - p->ihl;
}

/* Recompute the VRRP checksum the way keepalived does (RFC 3768 / 5798). */
static void fix_csum(struct pkt *p)
{
	uint8_t *m = vrrp_of(p);
	size_t len = vrrp_len(p);
	uint32_t sum;

	m[6] = m[7] = 0;
	sum = xlb_vrrp_csum_add(0, m, len);
	if (m[0] >> 4 == 3) {
		uint8_t tail[8] = { 0 };

		if (p->v6) {
			sum = xlb_vrrp_csum_add(sum, &p->src6, 16);
			sum = xlb_vrrp_csum_add(sum, &p->dst6, 16);
			tail[2] = (uint8_t)(len >> 8);
			tail[3] = (uint8_t)len;
			tail[7] = XLB_IPPROTO_VRRP;
			sum = xlb_vrrp_csum_add(sum, tail, 8);
		} else {
			sum = xlb_vrrp_csum_add(sum, p->b + 12, 8);
			tail[1] = XLB_IPPROTO_VRRP;
			tail[2] = (uint8_t)(len >> 8);
			tail[3] = (uint8_t)len;
			sum = xlb_vrrp_csum_add(sum, tail, 4);
		}
	}
	sum = xlb_vrrp_csum_fold(sum);
	m[6] = (uint8_t)(sum >> 8);
	m[7] = (uint8_t)sum;
}

/* Set the IPv4 total length after the VRRP message changed size. */
static void fix_totlen(struct pkt *p)
{
	if (!p->v6) {
		p->b[2] = (uint8_t)(p->len >> 8);
		p->b[3] = (uint8_t)p->len;
	}
}

static enum xlb_vrrp_drop decode_pkt(const struct pkt *p, const struct xlb_vrrp_expect *e,
				     struct xlb_vrrp_advert *adv)
{
	if (p->v6)
		return xlb_vrrp_decode6(p->b, p->len, &p->src6, &p->dst6, p->hop, p->ifindex, e, adv);
	return xlb_vrrp_decode4(p->b, p->len, p->ifindex, e, adv);
}

/* Each case mutates the packet and/or the expectation. */
struct bad_case {
	const char *name;
	const char *capture;
	void (*mutate)(struct pkt *p, struct xlb_vrrp_expect *e);
	enum xlb_vrrp_drop want;
};

static void m_ttl254(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	if (p->v6)
		p->hop = 254;
	else
		p->b[8] = 254;
}

static void m_version(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[0] = (uint8_t)((vrrp_of(p)[0] & 0x0f) | (vrrp_of(p)[0] >> 4 == 2 ? 0x30 : 0x20));
	fix_csum(p);
}

static void m_version_1(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[0] = (uint8_t)((vrrp_of(p)[0] & 0x0f) | 0x10);
	fix_csum(p);
}

static void m_type(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[0] = (uint8_t)((vrrp_of(p)[0] & 0xf0) | 2);
	fix_csum(p);
}

static void m_vrid(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)p;
	e->vrid++;
}

static void m_csum(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[7] ^= 0x01;
}

static void m_priority_unsigned(struct pkt *p, struct xlb_vrrp_expect *e)
{
	/* a changed field without a new checksum */
	(void)e;
	vrrp_of(p)[2] = 250;
}

static void m_iface(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->ifindex = 8;
}

static void m_auth_none(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[4] = XLB_VRRP_WIRE_AUTH_NONE;
	fix_csum(p);
}

static void m_auth_ah(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[4] = XLB_VRRP_WIRE_AUTH_AH;
	fix_csum(p);
}

static void m_we_expect_none(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)p;
	e->auth_type = XLB_AUTH_NONE;
}

static void m_password(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)p;
	e->auth_pass = "1112";
}

static void m_password_longer(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)p;
	e->auth_pass = "11111";
}

static void m_count_too_big(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[3] += 3;
	fix_csum(p);
}

static void m_count_zero(struct pkt *p, struct xlb_vrrp_expect *e)
{
	/* drop the address list and keep the packet consistent */
	size_t alen = p->v6 ? 16 : 4, tail = vrrp_len(p) - 8 - alen * vrrp_of(p)[3];
	uint8_t *m = vrrp_of(p);

	(void)e;
	memmove(m + 8, m + 8 + alen * m[3], tail);
	p->len -= alen * m[3];
	m[3] = 0;
	fix_totlen(p);
	fix_csum(p);
}

static void m_interval(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[5] += 1;
	fix_csum(p);
}

static void m_interval_zero(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[4] &= 0xf0;
	vrrp_of(p)[5] = 0;
	fix_csum(p);
}

static void m_other_vip(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[8 + 3] ^= 0x40; /* last byte of an IPv4 address */
	fix_csum(p);
}

static void m_other_vip_owner(struct pkt *p, struct xlb_vrrp_expect *e)
{
	m_other_vip(p, e);
	vrrp_of(p)[2] = 255;
	fix_csum(p);
}

static void m_not_peer(struct pkt *p, struct xlb_vrrp_expect *e)
{
	static struct xlb_ip peer = { .family = XLB_AF_INET, .a = { 0x0200000a } };

	(void)p;
	e->peers = &peer;
	e->n_peers = 1;
}

static void m_is_peer(struct pkt *p, struct xlb_vrrp_expect *e)
{
	static struct xlb_ip peer;

	peer.family = XLB_AF_INET;
	memcpy(peer.a, p->b + 12, 4);
	e->peers = &peer;
	e->n_peers = 1;
}

static void m_own(struct pkt *p, struct xlb_vrrp_expect *e)
{
	static struct xlb_ip self;

	memset(&self, 0, sizeof(self));
	self.family = p->v6 ? XLB_AF_INET6 : XLB_AF_INET;
	if (p->v6)
		memcpy(self.a, &p->src6, 16);
	else
		memcpy(self.a, p->b + 12, 4);
	e->self = &self;
}

static void m_fragment(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->b[6] |= 0x20; /* more fragments */
}

static void m_proto(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->b[9] = 17;
}

static void m_ip_version(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->b[0] = (uint8_t)((p->b[0] & 0x0f) | 0x60);
}

static void m_ihl(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->b[0] = (p->b[0] & 0xf0) | 4;
}

static void m_totlen_short(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->b[2] = 0;
	p->b[3] = 12;
}

static void m_family(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)p;
	e->family = e->family == XLB_AF_INET ? XLB_AF_INET6 : XLB_AF_INET;
}

static void m_reserved_bits(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	vrrp_of(p)[4] |= 0xf0; /* v3 reserved: ignored on receipt */
	fix_csum(p);
}

static void m_trailing_bytes(struct pkt *p, struct xlb_vrrp_expect *e)
{
	(void)e;
	p->b[p->len++] = 0;
	p->b[p->len++] = 0;
	fix_totlen(p);
	fix_csum(p);
}

static const struct bad_case bad_cases[] = {
	{ "ttl 254 (v2)",              "v2-ipv4-pass", m_ttl254,          XLB_VRRP_DROP_TTL },
	{ "ttl 254 (v3)",              "v3-ipv4",      m_ttl254,          XLB_VRRP_DROP_TTL },
	{ "hop limit 254",             "v3-ipv6",      m_ttl254,          XLB_VRRP_DROP_TTL },
	{ "v3 advert to a v2 router",  "v2-ipv4-pass", m_version,         XLB_VRRP_DROP_VERSION },
	{ "v2 advert to a v3 router",  "v3-ipv4",      m_version,         XLB_VRRP_DROP_VERSION },
	{ "v2 over IPv6",              "v3-ipv6",      m_version,         XLB_VRRP_DROP_VERSION },
	{ "version 1",                 "v3-ipv4",      m_version_1,       XLB_VRRP_DROP_VERSION },
	{ "type 2 (v2)",               "v2-ipv4-pass", m_type,            XLB_VRRP_DROP_TYPE },
	{ "type 2 (v6)",               "v3-ipv6",      m_type,            XLB_VRRP_DROP_TYPE },
	{ "other vrid",                "v3-ipv4",      m_vrid,            XLB_VRRP_DROP_OTHER_VRID },
	{ "other vrid (v6)",           "v3-ipv6",      m_vrid,            XLB_VRRP_DROP_OTHER_VRID },
	{ "bad checksum (v2)",         "v2-ipv4-pass", m_csum,            XLB_VRRP_DROP_CHECKSUM },
	{ "bad checksum (v3 v4)",      "v3-ipv4",      m_csum,            XLB_VRRP_DROP_CHECKSUM },
	{ "bad checksum (v3 v6)",      "v3-ipv6",      m_csum,            XLB_VRRP_DROP_CHECKSUM },
	{ "priority forged",           "v3-ipv6",      m_priority_unsigned, XLB_VRRP_DROP_CHECKSUM },
	{ "wrong interface",           "v3-ipv4",      m_iface,           XLB_VRRP_DROP_WRONG_IFACE },
	{ "auth none vs PASS",         "v2-ipv4-pass", m_auth_none,       XLB_VRRP_DROP_AUTH_TYPE },
	{ "auth AH vs PASS",           "v2-ipv4-pass", m_auth_ah,         XLB_VRRP_DROP_AUTH_TYPE },
	{ "PASS vs our none",          "v2-ipv4-pass", m_we_expect_none,  XLB_VRRP_DROP_AUTH_TYPE },
	{ "wrong password",            "v2-ipv4-pass", m_password,        XLB_VRRP_DROP_AUTH_PASS },
	{ "password prefix",           "v2-ipv4-pass", m_password_longer, XLB_VRRP_DROP_AUTH_PASS },
	{ "count past the end (v2)",   "v2-ipv4-pass", m_count_too_big,   XLB_VRRP_DROP_TRUNCATED },
	{ "count past the end (v3)",   "v3-ipv4",      m_count_too_big,   XLB_VRRP_DROP_TRUNCATED },
	{ "count past the end (v6)",   "v3-ipv6",      m_count_too_big,   XLB_VRRP_DROP_TRUNCATED },
	{ "count zero (v3)",           "v3-ipv4",      m_count_zero,      XLB_VRRP_DROP_ADDR_COUNT },
	{ "count zero (v2)",           "v2-ipv4-pass", m_count_zero,      XLB_VRRP_DROP_ADDR_COUNT },
	{ "v2 interval mismatch",      "v2-ipv4-pass", m_interval,        XLB_VRRP_DROP_INTERVAL },
	{ "v3 interval zero",          "v3-ipv4",      m_interval_zero,   XLB_VRRP_DROP_INTERVAL },
	{ "v2 address list mismatch",  "v2-ipv4-pass", m_other_vip,       XLB_VRRP_DROP_ADDR_LIST },
	{ "unicast: not a peer",       "v3-ipv4",      m_not_peer,        XLB_VRRP_DROP_NOT_PEER },
	{ "our own advert",            "v3-ipv4",      m_own,             XLB_VRRP_DROP_OWN },
	{ "our own advert (v6)",       "v3-ipv6",      m_own,             XLB_VRRP_DROP_OWN },
	{ "fragment",                  "v3-ipv4",      m_fragment,        XLB_VRRP_DROP_BAD_IP },
	{ "not protocol 112",          "v3-ipv4",      m_proto,           XLB_VRRP_DROP_BAD_IP },
	{ "IP version 6 in v4 packet", "v3-ipv4",      m_ip_version,      XLB_VRRP_DROP_BAD_IP },
	{ "IHL 4",                     "v2-ipv4-pass", m_ihl,             XLB_VRRP_DROP_BAD_IP },
	{ "total length < IHL",        "v2-ipv4-pass", m_totlen_short,    XLB_VRRP_DROP_BAD_IP },
	{ "v4 packet, v6 instance",    "v3-ipv4",      m_family,          XLB_VRRP_DROP_BAD_IP },
	{ "v6 packet, v4 instance",    "v3-ipv6",      m_family,          XLB_VRRP_DROP_BAD_IP },
	/* accepted variants */
	{ "v3 reserved bits set",      "v3-ipv4",      m_reserved_bits,   XLB_VRRP_OK },
	{ "v2 list mismatch by owner", "v2-ipv4-pass", m_other_vip_owner, XLB_VRRP_OK },
	{ "unicast: a peer",           "v3-ipv4",      m_is_peer,         XLB_VRRP_OK },
	{ "trailing bytes in checksum", "v3-ipv4",     m_trailing_bytes,  XLB_VRRP_OK },
};

Test(vrrp_pkt, refuses_bad_adverts_with_their_reason)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct capture c;
		struct pkt p;
		struct xlb_vrrp_expect e;
		struct xlb_vrrp_advert adv;
		enum xlb_vrrp_drop r;
		char pass[16] = "";

		load(bc->capture, &c);
		pkt_from(&c, &p);
		expect_from(&c.d, p.v6 ? XLB_AF_INET6 : XLB_AF_INET, &e, pass);
		cr_assert_eq(decode_pkt(&p, &e, &adv), XLB_VRRP_OK, "%s: base packet", bc->name);
		bc->mutate(&p, &e);
		r = decode_pkt(&p, &e, &adv);
		cr_assert_eq(r, bc->want, "%s: got %s, want %s", bc->name, xlb_vrrp_drop_name(r),
			     xlb_vrrp_drop_name(bc->want));
	}
}

Test(vrrp_pkt, v3_address_list_mismatch_is_flagged_but_accepted)
{
	struct capture c;
	struct pkt p;
	struct xlb_vrrp_expect e;
	struct xlb_vrrp_advert adv;
	char pass[16] = "";

	load("v3-ipv4", &c);
	pkt_from(&c, &p);
	expect_from(&c.d, XLB_AF_INET, &e, pass);
	e.n_vips = 1; /* we know only 10.200.0.60; the peer also sends .61 */
	cr_assert_eq(decode_pkt(&p, &e, &adv), XLB_VRRP_OK);
	cr_assert(adv.addr_mismatch);

	e.n_vips = 2;
	cr_assert_eq(decode_pkt(&p, &e, &adv), XLB_VRRP_OK);
	cr_assert(!adv.addr_mismatch);
}

Test(vrrp_pkt, v6_link_local_in_the_list_is_not_a_mismatch)
{
	struct xlb_ip addrs[2] = { 0 }, src = { 0 }, dst = { 0 };
	struct xlb_vrrp_tx tx = { .version = 3, .vrid = 9, .priority = 100,
				  .advert_int_ms = 1000, .addrs = addrs, .n_addrs = 2 };
	struct xlb_vrrp_expect e = { .version = 3, .family = XLB_AF_INET6, .vrid = 9,
				     .vips = &addrs[1], .n_vips = 1 };
	struct xlb_vrrp_advert adv;
	uint8_t buf[XLB_VRRP_MAX_LEN];
	int n;

	addrs[0].family = addrs[1].family = src.family = dst.family = XLB_AF_INET6;
	inet_pton(AF_INET6, "fe80::1", addrs[0].a);
	inet_pton(AF_INET6, "fd00::50", addrs[1].a);
	inet_pton(AF_INET6, "fe80::2", src.a);
	inet_pton(AF_INET6, "ff02::12", dst.a);
	tx.src = src;
	tx.dst = dst;
	n = xlb_vrrp_encode(&tx, buf, sizeof(buf));
	cr_assert_eq(n, 8 + 2 * 16);
	cr_assert_eq(xlb_vrrp_decode6(buf, (size_t)n, (struct in6_addr *)src.a,
				      (struct in6_addr *)dst.a, 255, 0, &e, &adv), XLB_VRRP_OK);
	cr_assert(!adv.addr_mismatch);
}

Test(vrrp_pkt, v3_ipv4_accepts_both_checksum_forms)
{
	struct capture c;
	struct xlb_ip src = { 0 }, dst = { 0 };
	struct xlb_vrrp_tx tx = { 0 };
	struct xlb_vrrp_expect e;
	struct xlb_vrrp_advert adv;
	uint8_t pkt[20 + 64];
	char pass[16] = "";
	int n, form;

	load("v3-ipv4", &c);
	expect_from(&c.d, XLB_AF_INET, &e, pass);
	src.family = dst.family = XLB_AF_INET;
	memcpy(src.a, c.frame[0] + ETH_LEN + 12, 4);
	memcpy(dst.a, c.frame[0] + ETH_LEN + 16, 4);
	tx = (struct xlb_vrrp_tx){ .version = 3, .vrid = (uint8_t)c.d.vrid,
				   .priority = (uint8_t)c.d.priority, .advert_int_ms = 500,
				   .addrs = c.d.addrs, .n_addrs = (size_t)c.d.n_addrs,
				   .src = src, .dst = dst };
	for (form = 0; form < 2; form++) {
		tx.csum4 = form ? XLB_VRRP_CSUM4_MSG : XLB_VRRP_CSUM4_PSEUDO;
		memcpy(pkt, c.frame[0] + ETH_LEN, 20);
		n = xlb_vrrp_encode(&tx, pkt + 20, sizeof(pkt) - 20);
		cr_assert_gt(n, 0);
		cr_assert_eq(xlb_vrrp_decode4(pkt, 20 + (size_t)n, 7, &e, &adv), XLB_VRRP_OK,
			     "form %d", form);
		cr_assert_eq(adv.csum_rfc9568, form == 1);
	}
	/* the message-only form is the sum of the message alone */
	cr_assert_eq(xlb_vrrp_csum_fold(xlb_vrrp_csum_add(0, pkt + 20, (size_t)n)), 0);
}

Test(vrrp_pkt, encoder_refuses_what_cannot_go_on_the_wire)
{
	struct xlb_ip v4 = { .family = XLB_AF_INET, .a = { htonl(0x0a000001) } };
	struct xlb_ip v6 = { .family = XLB_AF_INET6, .a = { htonl(0xfd000000), 0, 0, htonl(1) } };
	struct xlb_ip mixed[2] = { v4, v6 };
	struct xlb_vrrp_tx tx;
	uint8_t buf[XLB_VRRP_MAX_LEN];

	tx = (struct xlb_vrrp_tx){ .version = 2, .vrid = 1, .priority = 100,
				   .advert_int_ms = 1000, .addrs = &v4, .n_addrs = 1 };
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), 8 + 4 + 8);
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, 8 + 4 + 7), -ENOSPC);
	tx.advert_int_ms = 1500; /* v2 carries whole seconds */
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), -EINVAL);
	tx.advert_int_ms = 1000;
	tx.addrs = &v6; /* v2 is IPv4 only */
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), -EINVAL);
	tx.addrs = mixed;
	tx.n_addrs = 2;
	tx.version = 3;
	tx.src = tx.dst = v4;
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), -EINVAL);
	tx.n_addrs = 0;
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), -EINVAL);
	tx.n_addrs = 1;
	tx.advert_int_ms = 41000; /* > 4095 cs */
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), -EINVAL);
	tx.advert_int_ms = 100;
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), 8 + 4);
	cr_assert_eq(buf[4] << 8 | buf[5], 10, "0.1 s is 10 centiseconds");
	tx.version = 4;
	cr_assert_eq(xlb_vrrp_encode(&tx, buf, sizeof(buf)), -EINVAL);
}

Test(vrrp_pkt, every_drop_reason_has_a_distinct_name)
{
	int i, j;

	for (i = 0; i < XLB_VRRP_DROP_MAX; i++) {
		cr_assert_str_neq(xlb_vrrp_drop_name(i), "unknown", "reason %d", i);
		for (j = 0; j < i; j++)
			cr_assert_str_neq(xlb_vrrp_drop_name(i), xlb_vrrp_drop_name(j));
	}
	cr_assert_str_eq(xlb_vrrp_drop_name(XLB_VRRP_DROP_MAX), "unknown");
	cr_assert_str_eq(xlb_vrrp_drop_name(XLB_VRRP_DROP_OTHER_VRID), "other_vrid");
}

/* ---- takeover announcements (vrrp_garp.c) ------------------------------ */

Test(vrrp_pkt, gratuitous_arp_is_an_rfc5227_announcement)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t want[XLB_GARP_LEN] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,   /* Ethernet/IPv4, request */
		0x02, 0, 0, 0, 0, 0x01, 10, 77, 0, 50,       /* sender: our MAC, the VIP */
		0, 0, 0, 0, 0, 0, 10, 77, 0, 50,             /* target: zero MAC, the VIP */
	};
	struct xlb_ip vip = { .family = XLB_AF_INET }, v6 = { .family = XLB_AF_INET6 };
	uint8_t buf[64];

	inet_pton(AF_INET, "10.77.0.50", vip.a);
	cr_assert_eq(xlb_garp_build(buf, sizeof(buf), mac, &vip), XLB_GARP_LEN);
	cr_assert_arr_eq(buf, want, sizeof(want));
	cr_assert_eq(xlb_garp_build(buf, XLB_GARP_LEN - 1, mac, &vip), 0);
	cr_assert_eq(xlb_garp_build(buf, sizeof(buf), mac, &v6), 0);
}

Test(vrrp_pkt, unsolicited_na_overrides_with_target_link_address)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t want[XLB_UNA_LEN] = {
		136, 0, 0, 0,                  /* NA, code 0, checksum left to the kernel */
		0x20, 0, 0, 0,                 /* Override only: unsolicited, not a router */
		0xfd, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, /* target fd00:77::50 */
		2, 1, 0x02, 0, 0, 0, 0, 0x01,  /* target link-layer address option */
	};
	struct xlb_ip vip = { .family = XLB_AF_INET6 }, v4 = { .family = XLB_AF_INET };
	uint8_t buf[64];

	inet_pton(AF_INET6, "fd00:77::50", vip.a);
	cr_assert_eq(xlb_una_build(buf, sizeof(buf), mac, &vip), XLB_UNA_LEN);
	cr_assert_arr_eq(buf, want, sizeof(want));
	cr_assert_eq(xlb_una_build(buf, XLB_UNA_LEN - 1, mac, &vip), 0);
	cr_assert_eq(xlb_una_build(buf, sizeof(buf), mac, &v4), 0);
}
