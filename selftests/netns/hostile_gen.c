// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_gen: writes crafted Ethernet frames to one interface through an
 * AF_PACKET socket, for selftests/netns/test_hostile.sh. It is compiled by
 * that test (with selftests/bpf/pkt.c, the data-plane tests' packet
 * builder) and run in the lab's client namespace.
 *
 *   hostile_gen [options] malformed   the malformed/odd batch; prints, per
 *                                     enum xlb_reason (as `xlbctl -j stats`
 *                                     names it), how many frames the data
 *                                     plane must count under it; leaves out
 *                                     the frames a Linux bridge cannot carry
 *                                     (see needs_direct())
 *   hostile_gen [options] direct      only those left-out frames, to be sent
 *                                     on the load balancer's veth peer
 *   hostile_gen [options] syn N       N TCP SYNs to VIP4:PORT from random
 *                                     (spoofed) sources and ports
 *   hostile_gen [options] random N    N TCP/UDP frames with random 5-tuples
 *                                     toward the VIP and lb addresses
 *   hostile_gen [options] list        the whole batch, one line per frame
 *                                     (class, length, reason), sends nothing
 * Options:
 *   -i IF      interface to send on (required unless "list")
 *   -d MAC     destination MAC (the load balancer's eth0)
 *   -s MAC     source MAC (default 02:68:6f:73:74:01: marks our frames)
 *   -4 ADDR    IPv4 VIP            -6 ADDR   IPv6 VIP
 *   -l ADDR    IPv4 address of the lb (random mode)
 *   -L ADDR    IPv6 address of the lb (random mode)
 *   -S NET     IPv4 /15 source net (default 198.18.0.0: benchmarking range)
 *   -p PORT    service port (default 80)
 *   -r PPS     pace: at most PPS frames per second (default 20000)
 *   -x SEED    random seed (default 1)
 * Every mode ends with a line "sent N" (frames handed to the kernel).
 *
 * Network rule: frames go only out of the given interface, to the given
 * destination MAC; destination IP addresses are only the ones passed in.
 * Spoofed sources come from 198.18.0.0/15 and 2001:2::/48 (benchmarking
 * ranges, RFC 2544 / RFC 5180), which no lab node routes, so nothing
 * answers them outside the lab.
 *
 * Markers on the malformed batch, so a capture on a backend can recognise
 * a frame of it that got through: IPv4 ID 0xbad1, IPv6 flow label 0xbad1,
 * TCP sequence 0xbad1bad1, UDP payload "XLBHOSTILE". The syn and random
 * modes never use those IDs, labels or sequence numbers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkt.h"
#include "xlb/abi.h"
#include "reasons.h"

#define MARK_ID    0xbad1
#define MARK_SEQ   0xbad1bad1u
#define MARK_UDP   "XLBHOSTILE"
#define SVC_PORT   80
#define OTHER_PORT 53 /* a UDP port no service uses */

/* Names as `xlbctl -j stats` prints them under "reasons". */
struct gen {
	int fd;                  /* AF_PACKET socket, -1 in "list" mode */
	struct sockaddr_ll to;
	uint8_t dmac[6], smac[6];
	uint8_t vip4[16], vip6[16], lb4[16], lb6[16];
	uint8_t src4net[4];
	uint16_t port;
	unsigned int pps;
	uint64_t rng;
	int list;
	int part;                /* PART_*: which frames of the batch to send */
	int mark;                /* stamp the IPv6 flow label marker */
	unsigned long sent;
	unsigned long want[XLB_R_MAX];
	struct timespec t0;
};

/* xorshift64*: reproducible from the seed. */
static uint32_t rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (uint32_t)((g->rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

/* Sleep until frame number g->sent may go out at g->pps frames per second. */
static void pace(struct gen *g)
{
	struct timespec now, ts;
	double due, el;

	if (!g->pps || g->sent % 16)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (double)(now.tv_sec - g->t0.tv_sec) + (now.tv_nsec - g->t0.tv_nsec) / 1e9;
	due = (double)g->sent / g->pps;
	if (due <= el)
		return;
	ts.tv_sec = (time_t)(due - el);
	ts.tv_nsec = (long)((due - el - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

enum { PART_ALL, PART_BRIDGED, PART_DIRECT };

/*
 * Frames Linux refuses on receive, before any bridge or XDP program of the
 * next hop: an 802.1Q/802.1ad frame too short for its outer tag plus two
 * bytes (skb_vlan_untag() frees it), or for two stacked tags. The test
 * sends these straight into the load balancer's veth ("direct").
 */
static int needs_direct(const uint8_t *f, size_t len)
{
	size_t off = 12;
	int n = 0;

	while (n < 2 && off + 2 <= len &&
	       ((f[off] == 0x81 && f[off + 1] == 0x00) || (f[off] == 0x88 && f[off + 1] == 0xa8))) {
		n++;
		off += 4;
	}
	return n && len < 14 + 4 * (size_t)n + 2;
}

/* Send one frame (or list it) and account for the reason it must get. */
static int emit(struct gen *g, const uint8_t *f, size_t len, int want, const char *cls)
{
	int direct = needs_direct(f, len);

	if ((g->part == PART_BRIDGED && direct) || (g->part == PART_DIRECT && !direct))
		return 0;
	if (g->list) {
		printf("%-28s len %4zu -> %s%s\n", cls, len, want >= 0 ? xlb_reason_names[want] : "any",
		       direct ? " (direct)" : "");
	} else {
		pace(g);
		for (;;) {
			if (sendto(g->fd, f, len, 0, (struct sockaddr *)&g->to, sizeof(g->to)) ==
			    (ssize_t)len)
				break;
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(200);
				continue;
			}
			fprintf(stderr, "hostile_gen: send of a %zu-byte %s frame failed: %s\n", len,
				cls, strerror(errno));
			return -errno;
		}
	}
	g->sent++;
	if (want >= 0)
		g->want[want]++;
	return 0;
}

/* A spoofed source in the /15 (IPv4) or 2001:2::/48 (IPv6). */
static void spoof_src(struct gen *g, struct pkt *p)
{
	uint32_t r = rnd(g);

	if (p->family == AF_INET) {
		memcpy(p->src, g->src4net, 4);
		p->src[1] = (uint8_t)(g->src4net[1] | ((r >> 16) & 1));
		p->src[2] = (uint8_t)(r >> 8);
		p->src[3] = (uint8_t)(r | 1);
	} else {
		memset(p->src, 0, 16);
		p->src[0] = 0x20;
		p->src[1] = 0x01;
		p->src[3] = 0x02;
		put32(p->src + 12, r | 1);
	}
}

/* A frame of ours to the VIP of @family: proto/ports/flags as given. */
static void base(struct gen *g, struct pkt *p, int family, uint8_t proto, uint16_t dport,
		 uint8_t flags)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->dmac, g->dmac, 6);
	memcpy(p->smac, g->smac, 6);
	p->family = family;
	memcpy(p->dst, family == AF_INET ? g->vip4 : g->vip6, 16);
	spoof_src(g, p);
	p->proto = proto;
	p->ip_id = MARK_ID;
	p->sport = (uint16_t)(1024 + rnd(g) % 30000);
	p->dport = dport;
	p->tcp_flags = flags;
	p->seq = MARK_SEQ;
	if (proto == IPPROTO_UDP) {
		p->payload = (const uint8_t *)MARK_UDP;
		p->payload_len = strlen(MARK_UDP);
	}
}

/* Build @p (with the IPv6 flow label marker if g->mark); returns the length. */
static size_t build(const struct gen *g, const struct pkt *p, uint8_t *f)
{
	size_t len = pkt_build(p, f, PKT_MAX), l3 = pkt_l3_offset(p);

	if (len && g->mark && p->family == AF_INET6) {
		f[l3 + 1] = (uint8_t)((f[l3 + 1] & 0xf0) | ((MARK_ID >> 16) & 0x0f));
		f[l3 + 2] = (MARK_ID >> 8) & 0xff;
		f[l3 + 3] = MARK_ID & 0xff;
	}
	return len;
}

/* Recompute the IPv4 header checksum of a (possibly patched) header. */
static void ip4_csum(uint8_t *ip, size_t hlen, size_t avail)
{
	if (hlen > avail)
		hlen = avail;
	if (hlen < 12)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, pkt_csum(ip, hlen & ~(size_t)1, 0));
}

/* Make the IP length fields say the IP packet ends at frame offset @end. */
static void fit_ip_len(const struct pkt *p, uint8_t *f, size_t end)
{
	size_t l3 = pkt_l3_offset(p);

	if (p->family == AF_INET) {
		put16(f + l3 + 2, (uint16_t)(end - l3));
		ip4_csum(f + l3, 20 + p->ip_opts_len, end - l3);
	} else {
		put16(f + l3 + 4, (uint16_t)(end - l3 - 40));
	}
}

/* The valid frames whose truncations we send (as in test_dp_malformed.c). */
static int variants(struct gen *g, struct pkt *v)
{
	int n = 0;

	base(g, &v[n++], AF_INET, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	base(g, &v[n], AF_INET, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	v[n].ip_opts_len = 8;
	v[n++].tcp_opts_len = 12;
	base(g, &v[n++], AF_INET, IPPROTO_UDP, OTHER_PORT, 0);
	base(g, &v[n], AF_INET, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	v[n++].nvlan = 1;
	base(g, &v[n], AF_INET, IPPROTO_UDP, OTHER_PORT, 0);
	v[n].nvlan = 2;
	v[n++].vlan_tpid[0] = 0x88a8;
	base(g, &v[n++], AF_INET6, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	base(g, &v[n++], AF_INET6, IPPROTO_UDP, OTHER_PORT, 0);
	base(g, &v[n], AF_INET6, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	v[n].n_ext = 2;
	v[n].ext[0] = 0;
	v[n].ext[1] = 60;
	v[n++].ext_len[1] = 1;
	base(g, &v[n], AF_INET6, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	v[n].nvlan = 1;
	v[n++].vlan_tpid[0] = 0x8100;
	return n;
}

/* Every cut of every variant inside its headers; and short L4 headers. */
static int send_truncations(struct gen *g)
{
	uint8_t f[PKT_MAX], c[PKT_MAX];
	struct pkt v[16];
	size_t len, cut, l3, l4, hl, ipfix;
	int i, n, err;

	n = variants(g, v);
	for (i = 0; i < n; i++) {
		len = build(g, &v[i], f);
		l4 = pkt_l4_offset(&v[i]);
		hl = v[i].proto == IPPROTO_TCP ? 20u + v[i].tcp_opts_len : 8u;
		/* Below 14 bytes no kernel path carries a frame. */
		for (cut = 14; cut < l4 + hl && cut < len; cut++) {
			err = emit(g, f, cut, XLB_R_DROP_MALFORMED, "truncated");
			if (err)
				return err;
		}
		/* IP lengths consistent with the cut: only the L4/ext header is short. */
		l3 = pkt_l3_offset(&v[i]);
		ipfix = l3 + (v[i].family == AF_INET ? 20u + v[i].ip_opts_len : 40u);
		for (cut = ipfix; cut < l4 + hl; cut++) {
			memcpy(c, f, cut);
			fit_ip_len(&v[i], c, cut);
			err = emit(g, c, cut, XLB_R_DROP_MALFORMED, "short l4/ext header");
			if (err)
				return err;
		}
	}
	return 0;
}

/* One byte (or two) of a valid frame patched: each case and its reason. */
struct patch {
	const char *name;
	int family;
	uint8_t proto;
	int layer;     /* 3: offset from the IP header, 4: from the L4 header */
	size_t off;
	int width;     /* 1 or 2 bytes */
	uint16_t val;
	int reason;
};

static const struct patch patches[] = {
	{ "ipv4 ihl 0", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x40, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 1", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x41, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 4", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x44, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 6", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x46, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 10", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x4a, XLB_R_DROP_MALFORMED },
	{ "ipv4 ihl 15", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x4f, XLB_R_DROP_MALFORMED },
	{ "ipv4 version 0", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x05, XLB_R_DROP_MALFORMED },
	{ "ipv4 version 6", AF_INET, IPPROTO_TCP, 3, 0, 1, 0x65, XLB_R_DROP_MALFORMED },
	{ "ipv4 version 15", AF_INET, IPPROTO_UDP, 3, 0, 1, 0xf5, XLB_R_DROP_MALFORMED },
	{ "ipv4 total length 0", AF_INET, IPPROTO_TCP, 3, 2, 2, 0, XLB_R_DROP_MALFORMED },
	{ "ipv4 total length 19", AF_INET, IPPROTO_TCP, 3, 2, 2, 19, XLB_R_DROP_MALFORMED },
	{ "ipv4 total length 41", AF_INET, IPPROTO_TCP, 3, 2, 2, 41, XLB_R_DROP_MALFORMED },
	{ "ipv4 total length 0xffff", AF_INET, IPPROTO_UDP, 3, 2, 2, 0xffff,
	  XLB_R_DROP_MALFORMED },
	{ "ipv4 tcp doff 0", AF_INET, IPPROTO_TCP, 4, 12, 1, 0x00, XLB_R_DROP_MALFORMED },
	{ "ipv4 tcp doff 4", AF_INET, IPPROTO_TCP, 4, 12, 1, 0x40, XLB_R_DROP_MALFORMED },
	{ "ipv4 tcp doff 6", AF_INET, IPPROTO_TCP, 4, 12, 1, 0x60, XLB_R_DROP_MALFORMED },
	{ "ipv4 tcp doff 15", AF_INET, IPPROTO_TCP, 4, 12, 1, 0xf0, XLB_R_DROP_MALFORMED },
	{ "ipv4 udp length 0", AF_INET, IPPROTO_UDP, 4, 4, 2, 0, XLB_R_DROP_MALFORMED },
	{ "ipv4 udp length 7", AF_INET, IPPROTO_UDP, 4, 4, 2, 7, XLB_R_DROP_MALFORMED },
	{ "ipv4 udp length +1", AF_INET, IPPROTO_UDP, 4, 4, 2, 8 + sizeof(MARK_UDP),
	  XLB_R_DROP_MALFORMED },
	{ "ipv4 udp length 0xffff", AF_INET, IPPROTO_UDP, 4, 4, 2, 0xffff,
	  XLB_R_DROP_MALFORMED },
	{ "ipv6 version 4", AF_INET6, IPPROTO_TCP, 3, 0, 1, 0x40, XLB_R_DROP_MALFORMED },
	{ "ipv6 version 0", AF_INET6, IPPROTO_UDP, 3, 0, 1, 0x00, XLB_R_DROP_MALFORMED },
	{ "ipv6 payload length 0", AF_INET6, IPPROTO_TCP, 3, 4, 2, 0, XLB_R_DROP_MALFORMED },
	{ "ipv6 payload length 19", AF_INET6, IPPROTO_TCP, 3, 4, 2, 19, XLB_R_DROP_MALFORMED },
	{ "ipv6 payload length 21", AF_INET6, IPPROTO_TCP, 3, 4, 2, 21, XLB_R_DROP_MALFORMED },
	{ "ipv6 payload length 0xffff", AF_INET6, IPPROTO_UDP, 3, 4, 2, 0xffff,
	  XLB_R_DROP_MALFORMED },
	{ "ipv6 tcp doff 4", AF_INET6, IPPROTO_TCP, 4, 12, 1, 0x40, XLB_R_DROP_MALFORMED },
	{ "ipv6 tcp doff 15", AF_INET6, IPPROTO_TCP, 4, 12, 1, 0xf0, XLB_R_DROP_MALFORMED },
	{ "ipv6 udp length 3", AF_INET6, IPPROTO_UDP, 4, 4, 2, 3, XLB_R_DROP_MALFORMED },
	{ "ipv6 udp length 0xffff", AF_INET6, IPPROTO_UDP, 4, 4, 2, 0xffff,
	  XLB_R_DROP_MALFORMED },
	/* An IP version the EtherType does not announce. */
	{ "ethertype ipv6, ipv4 inside", AF_INET, IPPROTO_TCP, 2, 0, 2, 0x86dd,
	  XLB_R_DROP_MALFORMED },
};

static int send_patches(struct gen *g)
{
	uint8_t f[PKT_MAX];
	size_t i, len, at;
	struct pkt p;
	int err;

	for (i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
		const struct patch *c = &patches[i];

		base(g, &p, c->family, c->proto, c->proto == IPPROTO_TCP ? g->port : OTHER_PORT,
		     PKT_TCP_SYN);
		len = build(g, &p, f);
		if (c->layer == 2)
			at = pkt_l3_offset(&p) - 2;
		else if (c->layer == 3)
			at = pkt_l3_offset(&p) + c->off;
		else
			at = pkt_l4_offset(&p) + c->off;
		if (c->width == 1)
			f[at] = (uint8_t)c->val;
		else
			put16(f + at, c->val);
		if (c->family == AF_INET && c->layer == 3)
			ip4_csum(f + pkt_l3_offset(&p), 20, len - pkt_l3_offset(&p));
		err = emit(g, f, len, c->reason, c->name);
		if (err)
			return err;
	}
	return 0;
}

/*
 * IPv4 options whose type-length structure is broken (RFC 791 3.1: every
 * option but EOL and NOP has a length octet counting itself and the type
 * octet, so at least 2, and it must fit in the header).
 */
static int send_bad_options(struct gen *g)
{
	static const uint8_t opts[][8] = {
		{ 0x44, 0x00, 1, 1, 1, 1, 1, 0 },    /* timestamp, length 0 */
		{ 0x07, 0x01, 1, 1, 1, 1, 1, 0 },    /* record route, length 1 */
		{ 0x07, 0x0b, 0x04, 0, 0, 0, 0, 0 }, /* record route, length 11 > 8 */
		{ 1, 1, 1, 1, 1, 1, 1, 0x07 },       /* type in the last octet, no length */
		{ 0x94, 0xff, 0, 0, 1, 1, 1, 0 },    /* router alert, length 255 */
	};
	uint8_t f[PKT_MAX];
	size_t i, len, l3;
	struct pkt p;
	int err;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		base(g, &p, AF_INET, IPPROTO_TCP, g->port, PKT_TCP_SYN);
		p.ip_opts_len = 8;
		len = build(g, &p, f);
		l3 = pkt_l3_offset(&p);
		memcpy(f + l3 + 20, opts[i], 8);
		ip4_csum(f + l3, 28, len - l3);
		err = emit(g, f, len, XLB_R_DROP_MALFORMED, "ipv4 bogus options");
		if (err)
			return err;
	}
	return 0;
}

/* Fragments: only non-first ones pass, first ones of a service drop. */
static int send_fragments(struct gen *g)
{
	uint8_t f[PKT_MAX];
	struct pkt p;
	size_t len;
	int fam, err, vl;

	for (fam = 0; fam < 2; fam++) {
		int af = fam ? AF_INET6 : AF_INET;

		for (vl = 0; vl <= 2; vl++) {
			/* non-first: offset 185 (1480 bytes), ports unknown */
			base(g, &p, af, IPPROTO_TCP, g->port, PKT_TCP_SYN);
			p.nvlan = vl;
			p.frag_off = 185;
			p.mf = true;
			p.v6_frag = fam;
			len = build(g, &p, f);
			err = emit(g, f, len, XLB_R_PASS_FRAGMENT, "fragment non-first");
			if (err)
				return err;
		}
		/* last fragment (offset != 0, MF clear) */
		base(g, &p, af, IPPROTO_UDP, OTHER_PORT, 0);
		p.frag_off = 3;
		p.v6_frag = fam;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_FRAGMENT, "fragment last")))
			return err;
		/* first fragment of a service packet */
		base(g, &p, af, IPPROTO_TCP, g->port, PKT_TCP_SYN);
		p.mf = true;
		p.v6_frag = fam;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_DROP_FRAGMENT, "fragment first, service")))
			return err;
		/* first fragment, another port: not a service */
		base(g, &p, af, IPPROTO_TCP, (uint16_t)(g->port + 1), PKT_TCP_SYN);
		p.mf = true;
		p.v6_frag = fam;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_NOT_SERVICE, "fragment first, no service")))
			return err;
		/* first fragment too short for the ports */
		base(g, &p, af, IPPROTO_UDP, OTHER_PORT, 0);
		p.mf = true;
		p.v6_frag = fam;
		len = build(g, &p, f);
		fit_ip_len(&p, f, pkt_l4_offset(&p) + 2);
		len = pkt_l4_offset(&p) + 2;
		if ((err = emit(g, f, len, XLB_R_PASS_FRAGMENT, "fragment first, no ports")))
			return err;
		/* first fragment of an ICMP message */
		base(g, &p, af, af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6, 0, 0);
		p.icmp_type = af == AF_INET ? 8 : 128;
		p.mf = true;
		p.v6_frag = fam;
		p.payload_len = 16;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_NOT_SERVICE, "fragment first, icmp")))
			return err;
	}
	/* IPv6 atomic fragment (offset 0, M clear, RFC 6946): a first fragment */
	base(g, &p, AF_INET6, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	p.v6_frag = true;
	len = build(g, &p, f);
	return emit(g, f, len, XLB_R_DROP_FRAGMENT, "fragment atomic ipv6");
}

/* VLAN stacks of 1..3 tags around frames that are not for a service. */
static int send_vlans(struct gen *g)
{
	static const uint16_t tpids[3] = { 0x88a8, 0x8100, 0x8100 };
	uint8_t f[PKT_MAX];
	struct pkt p;
	size_t len;
	int n, i, af, err;

	for (n = 1; n <= 3; n++) {
		for (af = 0; af < 2; af++) {
			base(g, &p, af ? AF_INET6 : AF_INET, IPPROTO_UDP, OTHER_PORT, 0);
			p.nvlan = n;
			for (i = 0; i < n; i++) {
				p.vlan_tpid[i] = n == 1 ? 0x8100 : tpids[i];
				p.vlan_tci[i] = (uint16_t)(100 + i);
			}
			len = build(g, &p, f);
			/* XLB_MAX_VLAN_DEPTH tags are followed; a third ends as not IP. */
			err = emit(g, f, len,
				   n > XLB_MAX_VLAN_DEPTH ? XLB_R_PASS_NOT_IP : XLB_R_PASS_NOT_SERVICE,
				   "vlan stack, udp");
			if (err)
				return err;
			/* also a SYN to the service behind three tags: not followed */
			if (n > XLB_MAX_VLAN_DEPTH) {
				base(g, &p, af ? AF_INET6 : AF_INET, IPPROTO_TCP, g->port,
				     PKT_TCP_SYN);
				p.nvlan = n;
				for (i = 0; i < n; i++)
					p.vlan_tpid[i] = tpids[i];
				len = build(g, &p, f);
				err = emit(g, f, len, XLB_R_PASS_NOT_IP, "vlan stack 3, syn");
				if (err)
					return err;
			}
		}
	}
	/* tag stacks cut inside the tags */
	for (n = 1; n <= 3; n++) {
		size_t cut;

		base(g, &p, AF_INET, IPPROTO_TCP, g->port, PKT_TCP_SYN);
		p.nvlan = n;
		len = build(g, &p, f);
		for (cut = 15; cut < 14 + 4u * (unsigned int)n; cut++) {
			/* past the tags we follow, a third one is just not IP */
			int r = cut >= 14 + 4u * XLB_MAX_VLAN_DEPTH ? XLB_R_PASS_NOT_IP
								    : XLB_R_DROP_MALFORMED;

			err = emit(g, f, cut, r, "vlan stack cut");
			if (err)
				return err;
		}
	}
	return 0;
}

/* ICMP errors that quote nothing usable, and other ICMP to the VIP. */
static int send_icmp(struct gen *g)
{
	uint8_t f[PKT_MAX], q[PKT_MAX], garbage[64];
	struct pkt p, inner;
	size_t len, qlen, i;
	int af, err;

	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)rnd(g);
	garbage[0] = 0x97; /* version 9 */
	for (af = 0; af < 2; af++) {
		int fam = af ? AF_INET6 : AF_INET;
		uint8_t proto = af ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		uint8_t unreach = af ? 1 : 3, toobig = af ? 2 : 3, texc = af ? 3 : 11;
		size_t ihl = af ? 40 : 20;

		/* quoting nothing at all */
		base(g, &p, fam, proto, 0, 0);
		p.icmp_type = toobig;
		p.icmp_code = af ? 0 : 4;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_ICMP, "icmp error, empty quote")))
			return err;
		/* ICMP header itself short (4 bytes) */
		fit_ip_len(&p, f, pkt_l4_offset(&p) + 4);
		if ((err = emit(g, f, pkt_l4_offset(&p) + 4, XLB_R_PASS_ICMP, "icmp short header")))
			return err;
		/* quoting garbage */
		base(g, &p, fam, proto, 0, 0);
		p.icmp_type = unreach;
		p.quote = garbage;
		p.quote_len = sizeof(garbage);
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_ICMP, "icmp error, garbage quote")))
			return err;
		/* quoting a header cut short */
		base(g, &inner, fam, IPPROTO_TCP, 40000, PKT_TCP_SYN | PKT_TCP_ACK);
		memcpy(inner.src, p.dst, 16); /* quoted: VIP:port -> client */
		memcpy(inner.dst, p.src, 16);
		inner.sport = g->port;
		qlen = pkt_build_ip(&inner, q, sizeof(q));
		for (i = 1; i < ihl + 8 && i < qlen; i += 3) {
			base(g, &p, fam, proto, 0, 0);
			p.icmp_type = texc;
			p.quote = q;
			p.quote_len = i;
			len = build(g, &p, f);
			if ((err = emit(g, f, len, XLB_R_PASS_ICMP, "icmp error, cut quote")))
				return err;
		}
		/* quoting a whole packet of a flow that does not exist */
		base(g, &p, fam, proto, 0, 0);
		p.icmp_type = toobig;
		p.icmp_code = af ? 0 : 4;
		p.icmp_rest = 1280;
		memcpy(inner.src, p.dst, 16);
		memcpy(inner.dst, p.src, 16);
		qlen = pkt_build_ip(&inner, q, sizeof(q));
		p.quote = q;
		p.quote_len = qlen;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_ICMP, "icmp error, unknown flow")))
			return err;
		/* quoting a packet that did not come from the VIP */
		memcpy(q + (af ? 8 : 12), p.src, af ? 16 : 4);
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_NOT_SERVICE, "icmp error, foreign quote")))
			return err;
		/* echo request: not an error, not ours */
		base(g, &p, fam, proto, 0, 0);
		p.icmp_type = af ? 128 : 8;
		p.payload_len = 32;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, XLB_R_PASS_NOT_SERVICE, "icmp echo")))
			return err;
	}
	return 0;
}

/* Deep IPv6 extension chains and non-IP EtherTypes. */
static int send_misc(struct gen *g)
{
	uint8_t f[PKT_MAX];
	struct pkt p;
	size_t len;
	int i, err;

	/* 4 extension headers + Fragment: deeper than XLB_MAX_IPV6_EXT */
	base(g, &p, AF_INET6, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	p.n_ext = 4;
	p.ext[0] = 0;
	p.ext[1] = 60;
	p.ext[2] = 43;
	p.ext[3] = 60;
	p.v6_frag = true;
	len = build(g, &p, f);
	if ((err = emit(g, f, len, XLB_R_PASS_NOT_SERVICE, "ipv6 ext chain too deep")))
		return err;
	/* an extension header claiming more than the payload */
	base(g, &p, AF_INET6, IPPROTO_TCP, g->port, PKT_TCP_SYN);
	p.n_ext = 1;
	p.ext[0] = 60;
	len = build(g, &p, f);
	f[pkt_l3_offset(&p) + 40 + 1] = 200;
	if ((err = emit(g, f, len, XLB_R_DROP_MALFORMED, "ipv6 ext header too long")))
		return err;
	/* non-IP EtherTypes with garbage: local experimental, an 802.3 length, loopback */
	for (i = 0; i < 4; i++) {
		static const uint16_t types[4] = { 0x88b5, 0x88b6, 0x0042, 0x9000 };
		size_t j;

		memcpy(f, g->dmac, 6);
		memcpy(f + 6, g->smac, 6);
		put16(f + 12, types[i]);
		len = 14 + 20 + 7 * (size_t)i;
		for (j = 14; j < len; j++)
			f[j] = (uint8_t)rnd(g);
		if ((err = emit(g, f, len, XLB_R_PASS_NOT_IP, "not ip")))
			return err;
	}
	return 0;
}

static int run_malformed(struct gen *g)
{
	int err;

	if ((err = send_truncations(g)) || (err = send_patches(g)) ||
	    (err = send_bad_options(g)) || (err = send_fragments(g)) ||
	    (err = send_vlans(g)) || (err = send_icmp(g)) || (err = send_misc(g)))
		return err;
	return 0;
}

static uint16_t unmarked_id(struct gen *g)
{
	uint16_t id = (uint16_t)rnd(g);

	return id == MARK_ID ? id + 1 : id;
}

static uint32_t unmarked_seq(struct gen *g)
{
	uint32_t seq = rnd(g);

	return seq == MARK_SEQ ? seq + 1 : seq;
}

/* N SYNs to VIP4:port from random spoofed sources and ports. */
static int run_syn(struct gen *g, unsigned long n)
{
	uint8_t f[PKT_MAX];
	unsigned long i;
	struct pkt p;
	size_t len;
	int err;

	for (i = 0; i < n; i++) {
		base(g, &p, AF_INET, IPPROTO_TCP, g->port, PKT_TCP_SYN);
		p.ip_id = unmarked_id(g);
		p.seq = unmarked_seq(g);
		p.tcp_opts_len = 4;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, -1, "syn")))
			return err;
	}
	return 0;
}

/* N frames with random 5-tuples toward the VIPs and the lb's addresses. */
static int run_random(struct gen *g, unsigned long n)
{
	static const uint8_t flags[] = { PKT_TCP_SYN, PKT_TCP_ACK, PKT_TCP_ACK | PKT_TCP_PSH,
					 PKT_TCP_RST, PKT_TCP_FIN | PKT_TCP_ACK, 0,
					 PKT_TCP_SYN | PKT_TCP_ACK, 0xff };
	uint8_t f[PKT_MAX];
	unsigned long i;
	struct pkt p;
	size_t len;
	uint32_t r;
	int err;

	for (i = 0; i < n; i++) {
		r = rnd(g);
		base(g, &p, (r & 1) ? AF_INET6 : AF_INET, (r & 2) ? IPPROTO_UDP : IPPROTO_TCP,
		     (uint16_t)rnd(g), flags[(r >> 2) & 7]);
		if (r & 0x20)
			memcpy(p.dst, p.family == AF_INET ? g->lb4 : g->lb6, 16);
		if ((r & 0x3c0) == 0)
			p.dport = g->port; /* now and then the service port */
		p.sport = (uint16_t)rnd(g);
		p.seq = unmarked_seq(g);
		p.ack = rnd(g);
		p.ip_id = unmarked_id(g);
		p.payload = NULL;
		p.payload_len = rnd(g) % 64;
		p.payload_seed = (uint8_t)r;
		len = build(g, &p, f);
		if ((err = emit(g, f, len, -1, "random")))
			return err;
	}
	return 0;
}

static int parse_addr(const char *s, int family, uint8_t out[16])
{
	if (pkt_addr(s, out) != family) {
		fprintf(stderr, "hostile_gen: '%s' is not an IPv%d address\n", s,
			family == AF_INET ? 4 : 6);
		return -EINVAL;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: hostile_gen -i IF -d MAC -4 VIP4 -6 VIP6 [-l LB4] [-L LB6] "
			"[-s MAC] [-S NET] [-p PORT] [-r PPS] [-x SEED] "
			"malformed|direct|list|syn N|random N\n");
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *mode;
	struct gen g = { .fd = -1, .port = SVC_PORT, .pps = 20000, .rng = 1 };
	unsigned long n = 0;
	int opt, err = 0, i;

	pkt_mac("02:68:6f:73:74:01", g.smac);
	pkt_addr("198.18.0.0", g.lb4);
	memcpy(g.src4net, g.lb4, 4);
	memset(g.lb4, 0, 16);
	while ((opt = getopt(argc, argv, "i:d:s:4:6:l:L:S:p:r:x:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'd': pkt_mac(optarg, g.dmac); break;
		case 's': pkt_mac(optarg, g.smac); break;
		case '4': err = parse_addr(optarg, AF_INET, g.vip4); break;
		case '6': err = parse_addr(optarg, AF_INET6, g.vip6); break;
		case 'l': err = parse_addr(optarg, AF_INET, g.lb4); break;
		case 'L': err = parse_addr(optarg, AF_INET6, g.lb6); break;
		case 'S': {
			uint8_t a[16];

			err = parse_addr(optarg, AF_INET, a);
			memcpy(g.src4net, a, 4);
			g.src4net[1] &= 0xfe;
			break;
		}
		case 'p': g.port = (uint16_t)atoi(optarg); break;
		case 'r': g.pps = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'x': g.rng = strtoull(optarg, NULL, 10) | 1; break;
		default: usage(); return 2;
		}
		if (err)
			return 2;
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	mode = argv[optind];
	if (!strcmp(mode, "syn") || !strcmp(mode, "random")) {
		if (optind + 1 >= argc) {
			usage();
			return 2;
		}
		n = strtoul(argv[optind + 1], NULL, 10);
	} else if (!strcmp(mode, "malformed")) {
		g.part = PART_BRIDGED;
		g.mark = 1;
	} else if (!strcmp(mode, "direct")) {
		g.part = PART_DIRECT;
		g.mark = 1;
	} else if (!strcmp(mode, "list")) {
		g.list = 1;
		g.mark = 1;
	} else {
		usage();
		return 2;
	}
	if (!g.list) {
		if (!ifname) {
			usage();
			return 2;
		}
		g.fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only */
		if (g.fd < 0) {
			fprintf(stderr, "hostile_gen: AF_PACKET socket: %s\n", strerror(errno));
			return 1;
		}
		g.to.sll_family = AF_PACKET;
		g.to.sll_ifindex = (int)if_nametoindex(ifname);
		g.to.sll_halen = 6;
		memcpy(g.to.sll_addr, g.dmac, 6);
		if (!g.to.sll_ifindex) {
			fprintf(stderr, "hostile_gen: no interface '%s'\n", ifname);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &g.t0);
	if (!strcmp(mode, "syn"))
		err = run_syn(&g, n);
	else if (!strcmp(mode, "random"))
		err = run_random(&g, n);
	else
		err = run_malformed(&g);
	if (g.fd >= 0)
		close(g.fd);
	if (strcmp(mode, "syn") && strcmp(mode, "random"))
		for (i = 0; i < XLB_R_MAX; i++)
			if (g.want[i])
				printf("%s %lu\n", xlb_reason_names[i], g.want[i]);
	printf("sent %lu\n", g.sent);
	return err ? 1 : 0;
}
