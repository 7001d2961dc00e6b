/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet builder for the data-plane tests and the benchmark. It writes a
 * whole frame from a description and computes every checksum from scratch
 * (RFC 1071 over the real bytes), independently of the data plane's
 * incremental helpers, so an expected frame is a real reference.
 */
#ifndef XLB_TEST_PKT_H
#define XLB_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 4096

/* A frame to build. Zero-initialise, then fill what matters. */
struct pkt {
	uint8_t dmac[6], smac[6];
	int nvlan;               /* 0..3 VLAN tags */
	uint16_t vlan_tpid[3];   /* host order, e.g. 0x8100, 0x88a8 */
	uint16_t vlan_tci[3];
	uint16_t ethertype;      /* host order; 0 = from family */

	int family;              /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];/* IPv4 in the first 4 bytes */
	uint8_t proto;           /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, other */
	uint8_t ttl;             /* 0 = 64 */
	uint8_t tos;
	uint16_t ip_id;
	uint8_t ip_opts_len;     /* IPv4 options (NOPs + end), multiple of 4 */
	uint16_t frag_off;       /* fragment offset in 8-byte units */
	bool mf;                 /* more fragments */
	bool v6_frag;            /* IPv6: add a Fragment header (last ext) */
	int n_ext;               /* IPv6 extension headers before any Fragment */
	uint8_t ext[4];          /* their types: 0 hop-by-hop, 43 routing, 60 dest */
	uint8_t ext_len[4];      /* their Hdr Ext Len (units of 8 bytes past 8) */

	uint16_t sport, dport;   /* host order */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t tcp_opts_len;    /* TCP options (NOPs), multiple of 4 */
	bool udp_csum_zero;      /* send UDP over IPv4 without checksum */

	uint8_t icmp_type, icmp_code;
	uint32_t icmp_rest;      /* host order: the 4 bytes after the checksum */
	const uint8_t *quote;    /* ICMP error: quoted bytes (an IP packet) */
	size_t quote_len;

	size_t payload_len;      /* filled with a fixed byte pattern... */
	uint8_t payload_seed;
	const uint8_t *payload;  /* ...or copied from here if set */
};

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

/* Build the whole frame into @buf; returns its length (0 if @cap is short). */
size_t pkt_build(const struct pkt *p, uint8_t *buf, size_t cap);
/* Build only the IP packet (no Ethernet header), e.g. for ICMP quotes. */
size_t pkt_build_ip(const struct pkt *p, uint8_t *buf, size_t cap);

/* Offsets into a frame built from @p (for tests that corrupt fields). */
size_t pkt_l3_offset(const struct pkt *p);
size_t pkt_l4_offset(const struct pkt *p);

/* RFC 1071 checksum of @len bytes, with @sum as starting value. */
uint16_t pkt_csum(const void *data, size_t len, uint32_t sum);

/* Parse "192.0.2.1" / "2001:db8::1" into @out (16 bytes); returns family. */
int pkt_addr(const char *s, uint8_t out[16]);
/* Parse "02:00:00:00:00:01" into @mac. */
void pkt_mac(const char *s, uint8_t mac[6]);

/* Convenience setters. */
void pkt_set_ips(struct pkt *p, const char *src, const char *dst);
void pkt_set_macs(struct pkt *p, const char *dmac, const char *smac);

/* Describe the first difference of two frames into @buf (for messages). */
const char *pkt_diff(const uint8_t *got, size_t got_len, const uint8_t *exp, size_t exp_len,
		     char *buf, size_t cap);

#endif /* XLB_TEST_PKT_H */
