/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backend neighbours kept resolved. The XDP program takes next-hop MACs
 * from the kernel (bpf_fib_lookup); a backend nobody has talked to yet has
 * no neighbour entry, so its first packets would miss. xlbd asks the kernel
 * to keep a "managed" neighbour entry for every on-link backend of the
 * node's interface, and removes the entries it added when the backend goes.
 */
#ifndef XLB_NEIGH_H
#define XLB_NEIGH_H

#include "config.h"

struct xlb_neigh;

struct xlb_neigh *xlb_neigh_new(const char *ifname);
/* Make the managed set match the backends of @cfg. Failures are logged. */
void xlb_neigh_sync(struct xlb_neigh *n, const struct xlb_cfg *cfg);
/* Remove every entry this module added, then free. */
void xlb_neigh_free(struct xlb_neigh *n);

#endif
