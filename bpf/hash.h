/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow hashing for the Maglev lookup and the SNAT port search.
 *
 * Bob Jenkins' lookup3 mixing (the "jhash" the kernel also uses), written
 * out for the fixed shapes we hash: an IPv4 5-tuple is three words, an
 * IPv6 one nine, a source address one or four. The protocol goes into the
 * initial value so TCP and UDP flows with equal addresses and ports spread
 * independently.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#define XLB_JHASH_INIT 0xdeadbeef /* lookup3's golden start value */
#define XLB_HASH_SEED  0x786c6231 /* "xlb1": Maglev slot hash */
#define XLB_PORT_SEED  0x736e6174 /* "snat": SNAT port search start */

static __always_inline __u32 xlb_rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/* lookup3 mix(): reversible mixing of three 32-bit words. */
#define __xlb_jhash_mix(a, b, c)                                  \
	do {                                                      \
		a -= c; a ^= xlb_rol32(c, 4);  c += b;            \
		b -= a; b ^= xlb_rol32(a, 6);  a += c;            \
		c -= b; c ^= xlb_rol32(b, 8);  b += a;            \
		a -= c; a ^= xlb_rol32(c, 16); c += b;            \
		b -= a; b ^= xlb_rol32(a, 19); a += c;            \
		c -= b; c ^= xlb_rol32(b, 4);  b += a;            \
	} while (0)

/* lookup3 final(): last avalanche, the result is c. */
#define __xlb_jhash_final(a, b, c)                                \
	do {                                                      \
		c ^= b; c -= xlb_rol32(b, 14);                    \
		a ^= c; a -= xlb_rol32(c, 11);                    \
		b ^= a; b -= xlb_rol32(a, 25);                    \
		c ^= b; c -= xlb_rol32(b, 16);                    \
		a ^= c; a -= xlb_rol32(c, 4);                     \
		b ^= a; b -= xlb_rol32(a, 14);                    \
		c ^= b; c -= xlb_rol32(b, 24);                    \
	} while (0)

static __always_inline __u32 xlb_jhash_3words(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	__u32 start = XLB_JHASH_INIT + initval + (3 << 2);

	a += start;
	b += start;
	c += start;
	__xlb_jhash_final(a, b, c);
	return c;
}

/* Hash of two IPv6 addresses and the port word: nine words. */
static __always_inline __u32 xlb_jhash_v6(const __u32 *s, const __u32 *d, __u32 ports,
					  __u32 initval)
{
	__u32 a, b, c;

	a = b = c = XLB_JHASH_INIT + initval + (9 << 2);
	a += s[0];
	b += s[1];
	c += s[2];
	__xlb_jhash_mix(a, b, c);
	a += s[3];
	b += d[0];
	c += d[1];
	__xlb_jhash_mix(a, b, c);
	a += d[2];
	b += d[3];
	c += ports;
	__xlb_jhash_final(a, b, c);
	return c;
}

/* Hash of the 5-tuple of @k (any family). */
static __always_inline __u32 xlb_hash_tuple(const struct xlb_flow_key *k)
{
	__u32 ports = ((__u32)k->sport << 16) | k->dport;
	__u32 initval = XLB_HASH_SEED ^ k->proto;

	if (k->family == XLB_AF_INET)
		return xlb_jhash_3words(k->src[0], k->dst[0], ports, initval);
	return xlb_jhash_v6(k->src, k->dst, ports, initval);
}

/* Hash of the source address only (XLB_SVC_F_AFFINITY). */
static __always_inline __u32 xlb_hash_src(const struct xlb_flow_key *k)
{
	__u32 a, b, c;

	if (k->family == XLB_AF_INET)
		return xlb_jhash_3words(k->src[0], 0, 0, XLB_HASH_SEED);
	a = b = c = XLB_JHASH_INIT + XLB_HASH_SEED + (4 << 2);
	a += k->src[0];
	b += k->src[1];
	c += k->src[2];
	__xlb_jhash_mix(a, b, c);
	a += k->src[3];
	__xlb_jhash_final(a, b, c);
	return c;
}

#endif /* XLB_HASH_H */
