// SPDX-License-Identifier: GPL-2.0
/* The weighted Maglev builder (ctl/maglev.c), on the real table size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include <xlb/abi.h>
#include "maglev.h"

#define M XLB_MAGLEV_SIZE

/* Backend i: id 10 + i, key = an IPv4-like address 10.0.0.(1 + i), port 80. */
static void mk(struct xlb_maglev_backend *b, int i, uint32_t weight)
{
	memset(b, 0, sizeof(*b));
	b->id = 10 + (uint32_t)i;
	b->weight = weight;
	b->key[0] = 10;
	b->key[3] = (uint8_t)(1 + i);
	b->key[17] = 80;
}

static uint32_t *table(void)
{
	uint32_t *t = malloc(M * sizeof(*t));

	cr_assert_not_null(t);
	return t;
}

static uint32_t count(const uint32_t *t, uint32_t id)
{
	uint32_t i, n = 0;

	for (i = 0; i < M; i++)
		n += t[i] == id;
	return n;
}

Test(maglev, primes)
{
	cr_expect(xlb_is_prime(2));
	cr_expect(xlb_is_prime(251));
	cr_expect(xlb_is_prime(65537));
	cr_expect_not(xlb_is_prime(1));
	cr_expect_not(xlb_is_prime(65536));
	cr_expect_not(xlb_is_prime(65539 * 3));
}

Test(maglev, rejects_bad_arguments)
{
	struct xlb_maglev_backend b[2];
	uint32_t *t = table();

	mk(&b[0], 0, 1);
	mk(&b[1], 1, 0);
	cr_expect_eq(xlb_maglev_build(b, 1, t, 65536), -EINVAL, "size not prime");
	cr_expect_eq(xlb_maglev_build(b, 2, t, M), -EINVAL, "weight 0");
	b[1].weight = 1;
	b[1].id = XLB_NO_BACKEND;
	cr_expect_eq(xlb_maglev_build(b, 2, t, M), -EINVAL, "id is the sentinel");
	free(t);
}

Test(maglev, empty_set_fills_the_sentinel)
{
	uint32_t *t = table();

	cr_assert_eq(xlb_maglev_build(NULL, 0, t, M), 0);
	cr_expect_eq(count(t, XLB_NO_BACKEND), M);
	free(t);
}

Test(maglev, weights_3_1_4_give_shares_3_8_1_8_4_8)
{
	static const uint32_t w[3] = { 3, 1, 4 };
	struct xlb_maglev_backend b[3];
	uint32_t *t = table();
	int i;

	for (i = 0; i < 3; i++)
		mk(&b[i], i, w[i]);
	cr_assert_eq(xlb_maglev_build(b, 3, t, M), 0);
	cr_expect_eq(count(t, XLB_NO_BACKEND), 0, "every slot filled");
	for (i = 0; i < 3; i++) {
		double share = (double)count(t, b[i].id) / M, want = w[i] / 8.0;

		cr_expect(share > want - 0.001 && share < want + 0.001,
			  "backend %d: share %.4f, want %.4f", i, share, want);
	}
	free(t);
}

Test(maglev, same_input_same_table)
{
	struct xlb_maglev_backend b[4];
	uint32_t *t1 = table(), *t2 = table();
	int i;

	for (i = 0; i < 4; i++)
		mk(&b[i], i, 1 + (uint32_t)i);
	cr_assert_eq(xlb_maglev_build(b, 4, t1, M), 0);
	cr_assert_eq(xlb_maglev_build(b, 4, t2, M), 0);
	cr_expect_eq(memcmp(t1, t2, M * sizeof(*t1)), 0);
	free(t1);
	free(t2);
}

/* Slots that changed owner between @a and @b although neither owner is @id. */
static uint32_t moved_except(const uint32_t *a, const uint32_t *b, uint32_t id)
{
	uint32_t i, n = 0;

	for (i = 0; i < M; i++)
		n += a[i] != b[i] && a[i] != id && b[i] != id;
	return n;
}

Test(maglev, removing_a_backend_moves_little_else)
{
	struct xlb_maglev_backend b[5];
	uint32_t *before = table(), *after = table();
	int i;

	for (i = 0; i < 5; i++)
		mk(&b[i], i, 1);
	cr_assert_eq(xlb_maglev_build(b, 5, before, M), 0);
	/* remove backend 2 */
	memmove(&b[2], &b[3], 2 * sizeof(b[0]));
	cr_assert_eq(xlb_maglev_build(b, 4, after, M), 0);
	cr_expect_eq(count(after, 12), 0);
	cr_expect(moved_except(before, after, 12) <= M / 100,
		  "%u slots of other backends moved (more than 1%%)", moved_except(before, after, 12));
	free(before);
	free(after);
}

Test(maglev, adding_a_backend_takes_slots_mostly_from_others_fairly)
{
	struct xlb_maglev_backend b[6];
	uint32_t *before = table(), *after = table();
	double share;
	int i;

	for (i = 0; i < 6; i++)
		mk(&b[i], i, 1);
	cr_assert_eq(xlb_maglev_build(b, 5, before, M), 0);
	cr_assert_eq(xlb_maglev_build(b, 6, after, M), 0);
	share = (double)count(after, 15) / M;
	cr_expect(share > 1 / 6.0 - 0.002 && share < 1 / 6.0 + 0.002, "new share %.4f", share);
	cr_expect(moved_except(before, after, 15) <= M / 100,
		  "%u slots moved between old backends", moved_except(before, after, 15));
	free(before);
	free(after);
}

Test(maglev, reweighting_one_backend_moves_mostly_its_slots)
{
	struct xlb_maglev_backend b[4];
	uint32_t *before = table(), *after = table();
	int i;

	for (i = 0; i < 4; i++)
		mk(&b[i], i, 2);
	cr_assert_eq(xlb_maglev_build(b, 4, before, M), 0);
	b[1].weight = 4; /* 2:2:2:2 -> 2:4:2:2, backend 1 goes from 1/4 to 2/5 */
	cr_assert_eq(xlb_maglev_build(b, 4, after, M), 0);
	cr_expect((double)count(after, 11) / M > 0.399 && (double)count(after, 11) / M < 0.401);
	cr_expect(moved_except(before, after, 11) <= M / 50,
		  "%u slots moved between the others", moved_except(before, after, 11));
	free(before);
	free(after);
}
