/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data plane as user space sees it: the loaded XDP object, its pinned
 * maps under /sys/fs/bpf/xlb/<node>/, and the XDP attachment. Every
 * bpf_map_* call of the controller lives in ctl/maps.c.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <xlb/abi.h>

#include "config.h"
#include "reasons.h"

#define XLB_PIN_BASE "/sys/fs/bpf/xlb"

struct xlb_dp;

/* Names of the pinned maps, in one place for xlbd, xlbctl and tests. */
extern const char *const xlb_map_names[];

enum xlb_dp_open_flags {
	XLB_DP_RESET = 1 << 0, /* remove pinned maps whose layout does not match */
};

/*
 * Load the XDP object and pin its maps under XLB_PIN_BASE/<node->name>/.
 * Maps pinned by an earlier run are reused when their layout matches
 * (type, key/value size, entries, flags, ABI version); a mismatch fails with
 * -EEXIST and a message naming the map, unless XLB_DP_RESET is given.
 * *reused tells whether the flow state of an earlier run was kept.
 */
int xlb_dp_load(const struct xlb_node_cfg *node, unsigned int flags, struct xlb_dp **out,
		bool *reused);
/* Open the pinned maps of a running (or stopped) node, read-only use. */
int xlb_dp_open_pinned(const char *node, struct xlb_dp **out);
/*
 * Free. A pinned link stays (the program keeps running) unless @unpin,
 * which removes every pin and so detaches. An unpinned link is detached.
 */
void xlb_dp_close(struct xlb_dp *dp, bool unpin);

/*
 * XDP attach through a bpf_link; AUTO tries native then generic.
 * With @pin the link is pinned as <pin dir>/link, so the program keeps
 * forwarding while xlbd is down (a restart loses no packet), and a link
 * pinned by an earlier run on the same interface is taken over: the new
 * program replaces the old one in a single bpf_link_update().
 */
int xlb_dp_attach(struct xlb_dp *dp, const char *ifname, enum xlb_xdp_mode mode, bool pin);
/* Detach now (and remove a pinned link). */
void xlb_dp_detach(struct xlb_dp *dp);
/* Drop a pinned link from a previous run without attaching (VRRP start). */
void xlb_dp_unpin_link(struct xlb_dp *dp);
bool xlb_dp_is_attached(const struct xlb_dp *dp);
/* "native" / "generic" / "none" as attached right now. */
const char *xlb_dp_attach_mode(const struct xlb_dp *dp);
int xlb_dp_prog_id(const struct xlb_dp *dp);
const char *xlb_dp_pin_dir(const struct xlb_dp *dp);

/* Run-time knobs (timeouts, SNAT ports) from the node section. */
int xlb_dp_write_config(struct xlb_dp *dp, const struct xlb_node_cfg *node);

int xlb_dp_service_put(struct xlb_dp *dp, const struct xlb_vip_key *k, const struct xlb_service *s);
int xlb_dp_service_get(struct xlb_dp *dp, const struct xlb_vip_key *k, struct xlb_service *s);
int xlb_dp_service_del(struct xlb_dp *dp, const struct xlb_vip_key *k);
/* Iterate `services`; stop early when @cb returns non-zero. */
int xlb_dp_services_foreach(struct xlb_dp *dp,
			    int (*cb)(const struct xlb_vip_key *, const struct xlb_service *, void *),
			    void *arg);

int xlb_dp_backend_put(struct xlb_dp *dp, uint32_t id, const struct xlb_backend *b);
int xlb_dp_backend_get(struct xlb_dp *dp, uint32_t id, struct xlb_backend *b);
/* Read all of `backends` at once (XLB_MAX_BACKENDS entries) into @out. */
int xlb_dp_backends_read_all(struct xlb_dp *dp, struct xlb_backend *out);

/*
 * Maglev tables. xlb_dp_table_new() creates an inner map and maps it into
 * memory (*slots: opaque, the kernel's layout) and xlb_dp_table_fill()
 * copies a built table (XLB_MAGLEV_SIZE ids) into it;
 * xlb_dp_table_install() stores it at @index of `maglev` and releases the
 * caller's mapping and fd. xlb_dp_table_read() copies the table at @index.
 */
int xlb_dp_table_new(struct xlb_dp *dp, int *fd, uint32_t **slots);
void xlb_dp_table_fill(uint32_t *slots, const uint32_t *table);
void xlb_dp_table_abort(int fd, uint32_t *slots);
int xlb_dp_table_install(struct xlb_dp *dp, uint32_t index, int fd, uint32_t *slots);
/*
 * Install @n tables at once (one outer-map batch write: the kernel waits for
 * running programs once per call, not once per table). Consumes every fd and
 * mapping, also on failure.
 */
int xlb_dp_table_install_many(struct xlb_dp *dp, const uint32_t *index, const int *fd,
			      uint32_t *const *slots, uint32_t n);
int xlb_dp_table_read(struct xlb_dp *dp, uint32_t index, uint32_t *out);
int xlb_dp_table_clear(struct xlb_dp *dp, uint32_t index);

/* Per-CPU counters summed over CPUs. */
int xlb_dp_service_stats(struct xlb_dp *dp, uint32_t id, struct xlb_service_stats *out);
int xlb_dp_backend_stats(struct xlb_dp *dp, uint32_t id, struct xlb_backend_stats *out);
int xlb_dp_reason_stats(struct xlb_dp *dp, enum xlb_reason r, struct xlb_reason_stats *out);
/* Zero a service's / backend's counters (new ids start from zero). */
int xlb_dp_stats_reset(struct xlb_dp *dp, int service_id, int backend_id);
/* Number of entries in `flows` (walks the map; for status/tests). */
int xlb_dp_flow_count(struct xlb_dp *dp, uint32_t *count);


#endif
