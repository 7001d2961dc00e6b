// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/csum.h in user space: incremental checksum updates (16, 32 and
 * 128-bit fields, several at once) must equal a from-scratch RFC 1071
 * checksum of the changed data, byte for byte, on random data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../../bpf/csum.h"

#define CSUM_OFF 16 /* where the checksum field lives in the test buffers */

/* Plain RFC 1071: big-endian 16-bit words, end-around carry, complement. */
static uint16_t ref_csum(const uint8_t *b, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Write the reference checksum into the buffer's checksum field. */
static void seal(uint8_t *b, size_t len)
{
	uint16_t c;

	b[CSUM_OFF] = b[CSUM_OFF + 1] = 0;
	c = ref_csum(b, len);
	b[CSUM_OFF] = (uint8_t)(c >> 8);
	b[CSUM_OFF + 1] = (uint8_t)c;
}

static uint32_t rnd32(void)
{
	return (uint32_t)random() << 16 ^ (uint32_t)random();
}

static void fill(uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)random();
}

/* Random even offset for a @w-byte field that does not overlap the checksum. */
static size_t field_off(size_t len, size_t w)
{
	size_t off;

	do {
		off = (size_t)(random() % (long)((len - w) / 2 + 1)) * 2;
	} while (off + w > CSUM_OFF && off < CSUM_OFF + 2);
	return off;
}

/* Check the helper's result stored in @b against a fresh seal of @b. */
static void expect_sealed(uint8_t *b, size_t len, const char *what, int iter)
{
	uint8_t c0 = b[CSUM_OFF], c1 = b[CSUM_OFF + 1];

	seal(b, len);
	cr_assert(b[CSUM_OFF] == c0 && b[CSUM_OFF + 1] == c1,
		  "%s, iteration %d: incremental %02x%02x, from scratch %02x%02x", what, iter, c0,
		  c1, b[CSUM_OFF], b[CSUM_OFF + 1]);
}

Test(csum, fold_carries)
{
	cr_expect_eq(xlb_csum_fold(0), 0);
	cr_expect_eq(xlb_csum_fold(0xffff), 0xffff);
	cr_expect_eq(xlb_csum_fold(0x10000), 1);
	cr_expect_eq(xlb_csum_fold(0x1fffe), 0xffff);
	cr_expect_eq(xlb_csum_fold(0xffffffff), 0xffff);
	cr_expect_eq(xlb_csum_fold(0x12345678), 0x68ac);
	cr_expect_eq(xlb_csum_udp_fixup(0), 0xffff);
	cr_expect_eq(xlb_csum_udp_fixup(0x1234), 0x1234);
}

Test(csum, replace16_matches_rfc1071)
{
	uint8_t b[1500];
	int it;

	srandom(1);
	for (it = 0; it < 20000; it++) {
		size_t len = 20 + (size_t)(random() % 1480), off;
		__u16 old, new, check;

		fill(b, len);
		seal(b, len);
		off = field_off(len, 2);
		memcpy(&old, b + off, 2);
		new = (__u16)random();
		memcpy(b + off, &new, 2);
		memcpy(&check, b + CSUM_OFF, 2);
		xlb_csum_replace2(&check, old, new);
		memcpy(b + CSUM_OFF, &check, 2);
		expect_sealed(b, len, "16-bit field", it);
	}
}

Test(csum, replace32_matches_rfc1071)
{
	uint8_t b[1500];
	int it;

	srandom(2);
	for (it = 0; it < 20000; it++) {
		size_t len = 20 + (size_t)(random() % 1480), off;
		__u32 old, new;
		__u16 check;

		fill(b, len);
		seal(b, len);
		off = field_off(len, 4); /* 2-aligned only, like IPv4 addresses after Ethernet */
		memcpy(&old, b + off, 4);
		new = rnd32();
		memcpy(b + off, &new, 4);
		memcpy(&check, b + CSUM_OFF, 2);
		xlb_csum_replace4(&check, old, new);
		memcpy(b + CSUM_OFF, &check, 2);
		expect_sealed(b, len, "32-bit field", it);
	}
}

Test(csum, replace128_matches_rfc1071)
{
	uint8_t b[1500];
	int it, i;

	srandom(3);
	for (it = 0; it < 20000; it++) {
		size_t len = 40 + (size_t)(random() % 1460), off;
		__u32 old[4], new[4];
		__u16 check;

		fill(b, len);
		seal(b, len);
		off = field_off(len, 16);
		memcpy(old, b + off, 16);
		for (i = 0; i < 4; i++)
			new[i] = rnd32();
		memcpy(b + off, new, 16);
		memcpy(&check, b + CSUM_OFF, 2);
		xlb_csum_replace16(&check, old, new);
		memcpy(b + CSUM_OFF, &check, 2);
		expect_sealed(b, len, "128-bit field", it);
	}
}

/* NAT-like: two addresses and two ports accumulated, applied once. */
Test(csum, accumulated_changes_match_rfc1071)
{
	uint8_t b[600];
	int it;

	srandom(4);
	for (it = 0; it < 20000; it++) {
		size_t len = 60 + (size_t)(random() % 540);
		__u32 o1[4], n1[4], o2, n2, acc = 0;
		__u16 p_old, p_new, q_old, q_new, check;
		int i;

		fill(b, len);
		seal(b, len);
		/* fixed, non-overlapping fields: [0,16) [20,24) [24,26) [26,28) */
		memcpy(o1, b, 16);
		memcpy(&o2, b + 20, 4);
		memcpy(&p_old, b + 24, 2);
		memcpy(&q_old, b + 26, 2);
		for (i = 0; i < 4; i++)
			n1[i] = rnd32();
		n2 = rnd32();
		p_new = (__u16)random();
		q_new = (__u16)random();
		acc = xlb_csum_diff16(acc, o1, n1);
		acc = xlb_csum_diff4(acc, o2, n2);
		acc = xlb_csum_diff2(acc, p_old, p_new);
		acc = xlb_csum_diff2(acc, q_old, q_new);
		memcpy(b, n1, 16);
		memcpy(b + 20, &n2, 4);
		memcpy(b + 24, &p_new, 2);
		memcpy(b + 26, &q_new, 2);
		memcpy(&check, b + CSUM_OFF, 2);
		check = xlb_csum_apply(check, acc);
		memcpy(b + CSUM_OFF, &check, 2);
		expect_sealed(b, len, "four fields at once", it);
	}
}

/*
 * The corner where the new data sums to 0xffff: from scratch the checksum
 * is 0x0000, never 0xffff, and the incremental result must agree.
 */
Test(csum, zero_result_is_canonical)
{
	uint8_t b[64];
	int it;

	srandom(5);
	for (it = 0; it < 2000; it++) {
		__u16 old, new, check;
		uint16_t c;

		fill(b, sizeof(b));
		seal(b, sizeof(b));
		/* choose the word at 0 so that the whole buffer sums to 0xffff */
		memcpy(&old, b, 2);
		b[0] = b[1] = 0;
		b[CSUM_OFF] = b[CSUM_OFF + 1] = 0;
		c = ref_csum(b, sizeof(b)); /* ~sum of everything else */
		b[0] = (uint8_t)(c >> 8);
		b[1] = (uint8_t)c;
		memcpy(&new, b, 2);
		/* back to the old data and its checksum, then update incrementally */
		memcpy(b, &old, 2);
		seal(b, sizeof(b));
		memcpy(&check, b + CSUM_OFF, 2);
		xlb_csum_replace2(&check, old, new);
		cr_assert_eq(check, 0, "iteration %d: got %04x", it, check);
		memcpy(b, &new, 2);
		memcpy(b + CSUM_OFF, &check, 2);
		expect_sealed(b, sizeof(b), "sum 0xffff", it);
	}
}
