/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VRRP wire format: encode and decode advertisements, version 2 (RFC 3768,
 * IPv4 only, with keepalived's auth_type PASS) and version 3 (RFC 9568,
 * which obsoletes RFC 5798; IPv4 and IPv6). No sockets, no clock: bytes in,
 * struct or reason out.
 *
 *  v2:  | ver 2 | type 1 | vrid | priority | count | auth type | adver int (s) |
 *       | checksum | count x IPv4 address | 8 bytes authentication data |
 *  v3:  | ver 3 | type 1 | vrid | priority | count | rsvd:4 max adver int (cs):12 |
 *       | checksum | count x IPvX address |
 *
 * Checksums:
 *  - v2 covers the VRRP message only (RFC 3768 5.3.8).
 *  - v3 over IPv6 covers the IPv6 pseudo-header + message (RFC 8200 8.1).
 *  - v3 over IPv4: RFC 5798 put the IPv4 pseudo-header in the sum; RFC 9568
 *    5.2.8 changed it to the message only. keepalived (2.2.7 at least, and
 *    the installed base of RFC 5798 routers) sends and expects the
 *    pseudo-header form, so xlb SENDS the RFC 5798 form (by default; see
 *    enum xlb_vrrp_csum4) and ACCEPTS both forms on receipt, which interoperates
 *    with both generations. This is the one deliberate deviation from 9568.
 */
#ifndef XLB_VRRP_PKT_H
#define XLB_VRRP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "config.h"
#include "xlb/abi.h"

#define XLB_IPPROTO_VRRP     112
#define XLB_VRRP_TTL         255  /* TTL / hop limit on send, required on receipt */
#define XLB_VRRP_TYPE_ADVERT 1
#define XLB_VRRP_HDR_LEN     8    /* fixed part, both versions */
#define XLB_VRRP_AUTH_LEN    8    /* v2 authentication data, always present */
#define XLB_VRRP_MAX_LEN     (XLB_VRRP_HDR_LEN + 255 * 16 + XLB_VRRP_AUTH_LEN)
#define XLB_VRRP_V3_MAX_INT  0x0fff /* 12-bit centisecond field: 40.95 s */

/* v2 auth type values on the wire (RFC 3768 5.3.6 / RFC 2338). */
#define XLB_VRRP_WIRE_AUTH_NONE 0
#define XLB_VRRP_WIRE_AUTH_PASS 1
#define XLB_VRRP_WIRE_AUTH_AH   2

/*
 * Why a received advertisement was not handed to the state machine. Order is
 * the order of the checks (RFC 9568 7.1, RFC 3768 7.1). xlbctl status prints
 * xlb_vrrp_drop_name() of each non-zero counter.
 */
enum xlb_vrrp_drop {
	XLB_VRRP_OK = 0,
	XLB_VRRP_DROP_TRUNCATED,     /* shorter than its IP header, fixed part,
				      * address list or auth data */
	XLB_VRRP_DROP_BAD_IP,        /* not IPvX / wrong protocol / fragment */
	XLB_VRRP_DROP_TTL,           /* TTL or hop limit != 255 (RFC 5082) */
	XLB_VRRP_DROP_VERSION,       /* not the configured version */
	XLB_VRRP_DROP_TYPE,          /* not an ADVERTISEMENT */
	XLB_VRRP_DROP_OTHER_VRID,    /* another virtual router: normal, quiet */
	XLB_VRRP_DROP_CHECKSUM,
	XLB_VRRP_DROP_WRONG_IFACE,   /* arrived on another interface */
	XLB_VRRP_DROP_AUTH_TYPE,     /* v2: auth type differs from ours */
	XLB_VRRP_DROP_AUTH_PASS,     /* v2: PASS string differs */
	XLB_VRRP_DROP_ADDR_COUNT,    /* count of addresses is 0 (9568 erratum 8299) */
	XLB_VRRP_DROP_INTERVAL,      /* v2: interval differs (RFC 3768 7.1);
				      * v3: interval 0 (9568 erratum 8301) */
	XLB_VRRP_DROP_ADDR_LIST,     /* v2: address list differs and the sender
				      * is not the owner (RFC 3768 7.1) */
	XLB_VRRP_DROP_NOT_PEER,      /* unicast mode: source is no configured peer */
	XLB_VRRP_DROP_OWN,           /* our own advertisement came back */
	XLB_VRRP_DROP_MAX,
};

/* "truncated", "ttl", ... ; "unknown" outside the enum. */
const char *xlb_vrrp_drop_name(enum xlb_vrrp_drop d);

/* Which IPv4 v3 checksum form to send (see the header comment). */
enum xlb_vrrp_csum4 {
	XLB_VRRP_CSUM4_PSEUDO = 0, /* RFC 5798 / keepalived: pseudo-header + message */
	XLB_VRRP_CSUM4_MSG,        /* RFC 9568 5.2.8: message only */
};

/* A decoded advertisement. */
struct xlb_vrrp_advert {
	uint8_t  version;     /* 2 or 3 */
	uint8_t  type;        /* 1 */
	uint8_t  vrid;
	uint8_t  priority;    /* 0 = the master is leaving */
	uint8_t  n_addrs;     /* "Count IPvX Addrs" */
	uint8_t  auth_type;   /* v2 wire value; 0 for v3 */
	uint16_t interval;    /* raw field: v2 seconds, v3 centiseconds */
	uint32_t interval_ms; /* the same in milliseconds */
	uint16_t checksum;    /* as received, host order */
	bool     csum_rfc9568;   /* v3/IPv4 only: the message-only form matched */
	bool     addr_mismatch;  /* list differs from ours; accepted (v3) — log it */
	uint8_t  auth_data[XLB_VRRP_AUTH_LEN]; /* v2 */
	uint8_t  ttl;         /* TTL / hop limit it arrived with */
	struct xlb_ip src;    /* IP source: the sender's primary address */
	struct xlb_ip dst;
	const uint8_t *addrs; /* n_addrs addresses (4 or 16 bytes) in the packet */
};

/*
 * What the receiving instance expects. Fields left 0/NULL are not checked
 * (ifindex 0, n_vips 0 -> address list not compared, n_peers 0 -> any source).
 */
struct xlb_vrrp_expect {
	uint8_t  version;
	uint8_t  family;          /* XLB_AF_INET / XLB_AF_INET6 */
	uint8_t  vrid;
	int      ifindex;         /* the instance's interface */
	enum xlb_vrrp_auth auth_type;  /* v2 */
	const char *auth_pass;    /* v2 PASS, up to 8 chars */
	uint32_t advert_int_ms;   /* v2: must match */
	const struct xlb_ip *vips;
	size_t   n_vips;
	const struct xlb_ip *peers;    /* unicast peers */
	size_t   n_peers;
	const struct xlb_ip *self;     /* our own source address, or NULL */
};

/*
 * Decode an IPv4 packet as a raw socket delivers it (IP header + VRRP),
 * @len bytes, received on @ifindex. Returns XLB_VRRP_OK and fills @out, or
 * the reason to drop it (@out then holds whatever was parsed so far: vrid
 * and src are valid from XLB_VRRP_DROP_OTHER_VRID on).
 */
enum xlb_vrrp_drop xlb_vrrp_decode4(const uint8_t *pkt, size_t len, int ifindex,
				    const struct xlb_vrrp_expect *exp,
				    struct xlb_vrrp_advert *out);

/*
 * Decode an IPv6 VRRP message (an IPv6 raw socket gives no IP header): @msg
 * of @len bytes, with the source/destination addresses and hop limit taken
 * from the socket's ancillary data, received on @ifindex.
 */
enum xlb_vrrp_drop xlb_vrrp_decode6(const uint8_t *msg, size_t len,
				    const struct in6_addr *src, const struct in6_addr *dst,
				    int hop_limit, int ifindex,
				    const struct xlb_vrrp_expect *exp,
				    struct xlb_vrrp_advert *out);

/* Address @i of a decoded advertisement; @i < adv->n_addrs. */
void xlb_vrrp_advert_addr(const struct xlb_vrrp_advert *adv, unsigned int i,
			  struct xlb_ip *out);

/* What to put in an advertisement. */
struct xlb_vrrp_tx {
	uint8_t  version;         /* 2 or 3 */
	uint8_t  vrid;
	uint8_t  priority;
	uint32_t advert_int_ms;   /* v2: whole seconds 1..255, v3: 10..40950 */
	enum xlb_vrrp_auth auth_type;  /* v2 */
	const char *auth_pass;    /* v2 PASS */
	const struct xlb_ip *addrs;    /* all of one family */
	size_t   n_addrs;         /* 1..255 */
	struct xlb_ip src;        /* for the v3 pseudo-header */
	struct xlb_ip dst;
	enum xlb_vrrp_csum4 csum4;     /* v3 over IPv4 only */
};

/*
 * Write the VRRP message (no IP header: the kernel adds it) into @buf of
 * @size bytes. Returns its length, or -EINVAL (bad field, mixed families,
 * v2 with IPv6) / -ENOSPC.
 */
int xlb_vrrp_encode(const struct xlb_vrrp_tx *tx, uint8_t *buf, size_t size);

/*
 * Internet checksum helpers, exposed for the tests and for the NA builder:
 * xlb_vrrp_csum_add() folds @len bytes into a 32-bit partial sum (@len may be
 * odd only on the last call), xlb_vrrp_csum_fold() returns the final complement.
 */
uint32_t xlb_vrrp_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t xlb_vrrp_csum_fold(uint32_t sum);

#endif /* XLB_VRRP_PKT_H */
