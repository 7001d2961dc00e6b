// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted Maglev table builder.
 *
 * Each backend gets a permutation of the table slots, (offset + j * skip) mod
 * m, derived from a hash of its stable key (address and port), so the same
 * backend prefers the same slots however the others change. Backends take
 * turns claiming their next preferred free slot until the table is full
 * (NSDI 2016, section 3.4). Weights: in every round each backend earns its
 * weight in credit and claims one slot per w_max credit, so over the build a
 * backend claims slots in proportion to weight / w_max, and shares come out
 * proportional to the weights.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xlb/abi.h>
#include "maglev.h"

int xlb_is_prime(uint32_t m)
{
	uint32_t d;

	if (m < 2)
		return 0;
	if (m % 2 == 0)
		return m == 2;
	for (d = 3; (uint64_t)d * d <= m; d += 2)
		if (m % d == 0)
			return 0;
	return 1;
}

/* 64-bit FNV-1a with a seed, finished with the murmur3 fmix64 avalanche. */
static uint64_t key_hash(const uint8_t *key, size_t len, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

struct perm {
	uint32_t pos;    /* next preferred slot */
	uint32_t skip;
	uint32_t credit;
};

int xlb_maglev_build(const struct xlb_maglev_backend *b, size_t n, uint32_t *table, uint32_t m)
{
	struct perm *p;
	uint32_t wmax = 0, filled = 0;
	size_t i;

	if (m < 3 || !xlb_is_prime(m))
		return -EINVAL;
	for (i = 0; i < m; i++)
		table[i] = XLB_NO_BACKEND;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (b[i].weight == 0 || b[i].id == XLB_NO_BACKEND)
			return -EINVAL;
		if (b[i].weight > wmax)
			wmax = b[i].weight;
	}
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		p[i].pos = key_hash(b[i].key, sizeof(b[i].key), 0x6d61676c65763031ull) % m;
		p[i].skip = key_hash(b[i].key, sizeof(b[i].key), 0x736b697030303031ull) % (m - 1) + 1;
	}
	for (;;) {
		for (i = 0; i < n; i++) {
			struct perm *q = &p[i];

			q->credit += b[i].weight;
			if (q->credit < wmax)
				continue;
			q->credit -= wmax;
			/* m is prime, so the walk visits every slot: it ends. */
			while (table[q->pos] != XLB_NO_BACKEND) {
				q->pos += q->skip;
				if (q->pos >= m)
					q->pos -= m;
			}
			table[q->pos] = b[i].id;
			if (++filled == m)
				goto out;
		}
	}
out:
	free(p);
	return 0;
}
