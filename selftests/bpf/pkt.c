// SPDX-License-Identifier: GPL-2.0
/*
 * Packet builder: frames for the data-plane tests, every checksum computed
 * from scratch over the final bytes (see pkt.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pkt.h"

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

/* Sum of big-endian 16-bit words, odd byte padded with zero (RFC 1071). */
static uint32_t sum_words(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

uint16_t pkt_csum(const void *data, size_t len, uint32_t sum)
{
	sum = sum_words(data, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum for the transport checksum (RFC 793, RFC 8200 8.1). */
static uint32_t pseudo_sum(const struct pkt *p, uint8_t proto, size_t l4_len)
{
	uint8_t ph[40];

	if (p->family == AF_INET) {
		memcpy(ph, p->src, 4);
		memcpy(ph + 4, p->dst, 4);
		ph[8] = 0;
		ph[9] = proto;
		put16(ph + 10, (uint16_t)l4_len);
		return sum_words(ph, 12, 0);
	}
	memcpy(ph, p->src, 16);
	memcpy(ph + 16, p->dst, 16);
	put32(ph + 32, (uint32_t)l4_len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	return sum_words(ph, 40, 0);
}

static size_t ipv4_hlen(const struct pkt *p)
{
	return 20 + p->ip_opts_len;
}

static size_t ipv6_ext_len(const struct pkt *p)
{
	size_t len = 0;
	int i;

	for (i = 0; i < p->n_ext && i < 4; i++)
		len += 8 * ((size_t)p->ext_len[i] + 1);
	if (p->v6_frag)
		len += 8;
	return len;
}

static size_t l3_hlen(const struct pkt *p)
{
	return p->family == AF_INET ? ipv4_hlen(p) : 40 + ipv6_ext_len(p);
}

static size_t l4_hlen(const struct pkt *p)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		return 20 + p->tcp_opts_len;
	case IPPROTO_UDP:
		return 8;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static size_t body_len(const struct pkt *p)
{
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)
		return p->quote_len + p->payload_len;
	return p->payload_len;
}

size_t pkt_l3_offset(const struct pkt *p)
{
	return 14 + 4 * (size_t)p->nvlan;
}

size_t pkt_l4_offset(const struct pkt *p)
{
	return pkt_l3_offset(p) + l3_hlen(p);
}

/* Transport header and body at @b (@len bytes in all); fills checksums. */
static void build_l4(const struct pkt *p, uint8_t *b, size_t len)
{
	size_t hl = l4_hlen(p), i;
	uint8_t *body = b + hl;
	uint16_t c;

	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		if (p->quote_len)
			memcpy(body, p->quote, p->quote_len);
		body += p->quote_len;
	}
	for (i = 0; i < p->payload_len; i++)
		body[i] = p->payload ? p->payload[i] : (uint8_t)(p->payload_seed + i * 7 + 3);

	switch (p->proto) {
	case IPPROTO_TCP:
		put16(b, p->sport);
		put16(b + 2, p->dport);
		put32(b + 4, p->seq);
		put32(b + 8, p->ack);
		b[12] = (uint8_t)((hl / 4) << 4);
		b[13] = p->tcp_flags;
		put16(b + 14, 64240);
		put16(b + 16, 0);
		put16(b + 18, 0);
		memset(b + 20, 1, p->tcp_opts_len); /* NOP options */
		c = pkt_csum(b, len, pseudo_sum(p, IPPROTO_TCP, len));
		put16(b + 16, c);
		break;
	case IPPROTO_UDP:
		put16(b, p->sport);
		put16(b + 2, p->dport);
		put16(b + 4, (uint16_t)len);
		put16(b + 6, 0);
		if (p->udp_csum_zero && p->family == AF_INET)
			break;
		c = pkt_csum(b, len, pseudo_sum(p, IPPROTO_UDP, len));
		put16(b + 6, c ? c : 0xffff);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		b[0] = p->icmp_type;
		b[1] = p->icmp_code;
		put16(b + 2, 0);
		put32(b + 4, p->icmp_rest);
		if (p->proto == IPPROTO_ICMPV6)
			c = pkt_csum(b, len, pseudo_sum(p, IPPROTO_ICMPV6, len));
		else
			c = pkt_csum(b, len, 0);
		put16(b + 2, c);
		break;
	default:
		break;
	}
}

static size_t build_ipv4(const struct pkt *p, uint8_t *b, size_t l4_len)
{
	size_t hl = ipv4_hlen(p);
	uint16_t frag = p->frag_off & 0x1fff;

	b[0] = (uint8_t)(0x40 | (hl / 4));
	b[1] = p->tos;
	put16(b + 2, (uint16_t)(hl + l4_len));
	put16(b + 4, p->ip_id);
	if (p->mf)
		frag |= 0x2000;
	put16(b + 6, frag);
	b[8] = p->ttl ? p->ttl : 64;
	b[9] = p->proto;
	put16(b + 10, 0);
	memcpy(b + 12, p->src, 4);
	memcpy(b + 16, p->dst, 4);
	if (p->ip_opts_len) {
		/* NOPs, then End of Option List in the last byte. */
		memset(b + 20, 1, p->ip_opts_len);
		b[hl - 1] = 0;
	}
	put16(b + 10, pkt_csum(b, hl, 0));
	return hl;
}

static size_t build_ipv6(const struct pkt *p, uint8_t *b, size_t l4_len)
{
	size_t off = 40, ext = ipv6_ext_len(p);
	int i;

	put32(b, 0x60000000u | ((uint32_t)p->tos << 20) | 0x12345);
	put16(b + 4, (uint16_t)(ext + l4_len));
	b[7] = p->ttl ? p->ttl : 64;
	memcpy(b + 8, p->src, 16);
	memcpy(b + 24, p->dst, 16);
	/* Chain: fixed header -> ext[0..n-1] -> Fragment -> transport. */
	b[6] = p->n_ext ? p->ext[0] : (p->v6_frag ? 44 : p->proto);
	for (i = 0; i < p->n_ext && i < 4; i++) {
		size_t hl = 8 * ((size_t)p->ext_len[i] + 1);
		uint8_t next;

		if (i + 1 < p->n_ext)
			next = p->ext[i + 1];
		else
			next = p->v6_frag ? 44 : p->proto;
		memset(b + off, 0, hl);
		b[off] = next;
		b[off + 1] = p->ext_len[i];
		if (p->ext[i] == 43) {
			b[off + 2] = 253; /* routing type for experiments, segments left 0 */
		} else {
			/* Options: one PadN covering the rest (RFC 8200 4.2). */
			b[off + 2] = 1;
			b[off + 3] = (uint8_t)(hl - 4);
		}
		off += hl;
	}
	if (p->v6_frag) {
		b[off] = p->proto;
		b[off + 1] = 0;
		put16(b + off + 2, (uint16_t)((p->frag_off << 3) | (p->mf ? 1 : 0)));
		put32(b + off + 4, 0xabcd0001u + p->ip_id);
		off += 8;
	}
	return off;
}

size_t pkt_build_ip(const struct pkt *p, uint8_t *buf, size_t cap)
{
	size_t l4_len = l4_hlen(p) + body_len(p);
	size_t l3 = l3_hlen(p);

	if (l3 + l4_len > cap)
		return 0;
	memset(buf, 0, l3 + l4_len);
	if (p->family == AF_INET)
		build_ipv4(p, buf, l4_len);
	else
		build_ipv6(p, buf, l4_len);
	build_l4(p, buf + l3, l4_len);
	return l3 + l4_len;
}

size_t pkt_build(const struct pkt *p, uint8_t *buf, size_t cap)
{
	size_t off = 12, n;
	uint16_t type = p->ethertype;
	int i;

	if (cap < pkt_l3_offset(p))
		return 0;
	memcpy(buf, p->dmac, 6);
	memcpy(buf + 6, p->smac, 6);
	for (i = 0; i < p->nvlan && i < 3; i++) {
		put16(buf + off, p->vlan_tpid[i] ? p->vlan_tpid[i] : 0x8100);
		put16(buf + off + 2, p->vlan_tci[i]);
		off += 4;
	}
	if (!type)
		type = p->family == AF_INET6 ? 0x86dd : 0x0800;
	put16(buf + off, type);
	off += 2;
	n = pkt_build_ip(p, buf + off, cap - off);
	return n ? off + n : 0;
}

int pkt_addr(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return -1;
}

void pkt_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6] = { 0 };
	int i;

	sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

void pkt_set_ips(struct pkt *p, const char *src, const char *dst)
{
	p->family = pkt_addr(src, p->src);
	pkt_addr(dst, p->dst);
}

void pkt_set_macs(struct pkt *p, const char *dmac, const char *smac)
{
	pkt_mac(dmac, p->dmac);
	pkt_mac(smac, p->smac);
}

const char *pkt_diff(const uint8_t *got, size_t got_len, const uint8_t *exp, size_t exp_len,
		     char *buf, size_t cap)
{
	size_t i, n = got_len < exp_len ? got_len : exp_len;

	for (i = 0; i < n; i++)
		if (got[i] != exp[i])
			break;
	if (i == n && got_len == exp_len) {
		snprintf(buf, cap, "identical (%zu bytes)", got_len);
		return buf;
	}
	if (i == n)
		snprintf(buf, cap, "length %zu, expected %zu (equal up to there)", got_len, exp_len);
	else
		snprintf(buf, cap, "byte %zu is 0x%02x, expected 0x%02x (lengths %zu/%zu)", i, got[i],
			 exp[i], got_len, exp_len);
	return buf;
}
