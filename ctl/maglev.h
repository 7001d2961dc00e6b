/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016), built in
 * user space and read by the XDP program as a flat table of backend ids.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

struct xlb_maglev_backend {
	uint32_t id;       /* value written into the table */
	uint32_t weight;   /* relative share, >= 1 */
	uint8_t  key[20];  /* stable identity: address (16) + port (2) + pad;
			    * the permutation depends only on this, so a
			    * backend keeps its slots across restarts */
};

/*
 * Fill @table (@m slots, @m prime) with backend ids in proportion to their
 * weights. With n == 0 every slot is XLB_NO_BACKEND.
 * Returns 0, or -EINVAL (m not prime / too small, weight 0), -ENOMEM.
 */
int xlb_maglev_build(const struct xlb_maglev_backend *b, size_t n, uint32_t *table, uint32_t m);

/* True if @m is prime (trial division; m is at most a few million). */
int xlb_is_prime(uint32_t m);

#endif
