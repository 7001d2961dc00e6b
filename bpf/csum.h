/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internet checksum updates (RFC 1071 sum, RFC 1624 incremental update).
 *
 * Pure C with no BPF helper, so the same code is unit-tested in user space
 * (selftests/unit/test_csum.c). All values are raw 16-bit words as they sit
 * in memory: the ones' complement sum does not depend on byte order as long
 * as every word is loaded and stored the same way, so nothing here swaps.
 *
 * Usage: accumulate the change of every covered field into a 32-bit
 * accumulator with xlb_csum_diff2/4/16() (each adds ~old + new, RFC 1624
 * eqn. 3), then apply it once with xlb_csum_apply(). Up to thousands of
 * terms fit in 32 bits before the final fold, far more than any caller adds.
 *
 * A result is canonical: for non-zero data the folded sum lies in
 * 1..0xffff, so the checksum is never 0xffff and the value equals the one a
 * from-scratch computation gives. UDP callers map a 0 result to 0xffff
 * (xlb_csum_udp_fixup), since 0 means "no checksum" there.
 */
#ifndef XLB_CSUM_H
#define XLB_CSUM_H

#ifdef __BPF__
/* vmlinux.h provides __u16/__u32. */
#else
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Fold a 32-bit ones' complement sum into 16 bits with end-around carry. */
static __always_inline __u16 xlb_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Account a 16-bit field changing from @old to @new (raw memory words). */
static __always_inline __u32 xlb_csum_diff2(__u32 acc, __u16 old, __u16 new)
{
	return acc + (__u16)~old + new;
}

/* Account a 32-bit field (e.g. an IPv4 address) changing from @old to @new. */
static __always_inline __u32 xlb_csum_diff4(__u32 acc, __u32 old, __u32 new)
{
	acc += (__u16)~(old & 0xffff) + (__u16)~(old >> 16);
	acc += (new & 0xffff) + (new >> 16);
	return acc;
}

/* Account a 128-bit field (an IPv6 address, four raw words) changing. */
static __always_inline __u32 xlb_csum_diff16(__u32 acc, const __u32 *old, const __u32 *new)
{
	acc = xlb_csum_diff4(acc, old[0], new[0]);
	acc = xlb_csum_diff4(acc, old[1], new[1]);
	acc = xlb_csum_diff4(acc, old[2], new[2]);
	return xlb_csum_diff4(acc, old[3], new[3]);
}

/* New checksum after applying accumulated changes @acc to checksum @check. */
static __always_inline __u16 xlb_csum_apply(__u16 check, __u32 acc)
{
	return (__u16)~xlb_csum_fold((__u32)(__u16)~check + acc);
}

/* UDP: a computed checksum of 0 is sent as 0xffff (RFC 768, RFC 8200 8.1). */
static __always_inline __u16 xlb_csum_udp_fixup(__u16 check)
{
	return check ? check : 0xffff;
}

/* One-call forms used where a single field changes. */
static __always_inline void xlb_csum_replace2(__u16 *check, __u16 old, __u16 new)
{
	*check = xlb_csum_apply(*check, xlb_csum_diff2(0, old, new));
}

static __always_inline void xlb_csum_replace4(__u16 *check, __u32 old, __u32 new)
{
	*check = xlb_csum_apply(*check, xlb_csum_diff4(0, old, new));
}

static __always_inline void xlb_csum_replace16(__u16 *check, const __u32 *old, const __u32 *new)
{
	*check = xlb_csum_apply(*check, xlb_csum_diff16(0, old, new));
}

#endif /* XLB_CSUM_H */
