/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Data-plane test fixture, shared by the Criterion tests and the benchmark
 * (which includes fixture.c and pkt.c directly). No Criterion in here:
 * functions return 0 or -errno.
 *
 * fx_setup() moves the calling process into a fresh network namespace and
 * builds this lab in it, so fib lookups are deterministic and nothing leaks
 * (the namespace dies with the process):
 *
 *   xlbt0 (ingress, 02:00:00:00:00:01)  10.0.0.1/24  fd00::1/64
 *     gateway 10.0.0.254 / fd00::fe (02:00:00:00:00:fe), default route
 *     backends 10.0.0.10+i / fd00::a:i (02:00:00:00:10:0i), i = 0..7
 *     10.0.0.99 / fd00::99: on-link, no neighbour entry
 *   xlbt1 (02:00:00:00:01:01)           10.1.0.1/24  fd01::1/64
 *     backends 10.1.0.10+i / fd01::a:i (02:00:00:00:11:0i), i = 0..7
 *
 * Clients live behind the gateway (198.51.100.0/24, 2001:db8:c::/64),
 * VIPs are 192.0.2.10 and 2001:db8:f::10, SNAT addresses the LB's own.
 * Forwarding is on (bpf_fib_lookup needs it). Neighbours are PERMANENT.
 */
#ifndef XLB_TEST_FIXTURE_H
#define XLB_TEST_FIXTURE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <xlb/abi.h>

#define FX_IF0      "xlbt0"
#define FX_IF1      "xlbt1"
#define FX_LB_MAC   "02:00:00:00:00:01"
#define FX_LB1_MAC  "02:00:00:00:01:01"
#define FX_GW_MAC   "02:00:00:00:00:fe"
#define FX_LB4      "10.0.0.1"
#define FX_LB6      "fd00::1"
#define FX_LB1_4    "10.1.0.1"
#define FX_LB1_6    "fd01::1"
#define FX_GW4      "10.0.0.254"
#define FX_GW6      "fd00::fe"
#define FX_NONEIGH4 "10.0.0.99"
#define FX_NONEIGH6 "fd00::99"
#define FX_VIP4     "192.0.2.10"
#define FX_VIP6     "2001:db8:f::10"
#define FX_CLIENT4  "198.51.100.7"
#define FX_CLIENT6  "2001:db8:c::7"
#define FX_NBACKENDS 8

/* Fixed MAC of on-link backend @i of interface @ifn (0 or 1). */
const char *fx_be_mac(int ifn, int i);
/* Address of on-link backend @i of interface @ifn in @family. */
const char *fx_be_addr(int ifn, int i, int family);

struct xlb;

struct fx {
	struct xlb *skel;
	int prog_fd;
	int ifindex0, ifindex1;  /* xlbt0 (ingress), xlbt1 */
	uint64_t runs;           /* packets run through the program */
	uint64_t last_duration;  /* ns, of the last run */
};

/* Options for fx_setup(). */
struct fx_opts {
	uint32_t flow_entries;   /* 0 = default XLB_FLOW_ENTRIES */
	uint32_t nat_entries;    /* 0 = default XLB_NAT_ENTRIES */
	bool     check_mac;      /* load with xlb_if_mac = FX_LB_MAC, as xlbd does */
};

/* New netns + lab + loaded program (nothing pinned). */
int fx_setup(struct fx *fx, const struct fx_opts *o);
void fx_teardown(struct fx *fx);

/* Service @vip:@port/@proto (the family follows @vip). snat may be NULL. */
int fx_service(struct fx *fx, const char *vip, uint16_t port, uint8_t proto, uint8_t mode,
	       uint32_t flags, const char *snat, uint32_t id, uint32_t table);
int fx_service_del(struct fx *fx, const char *vip, uint16_t port, uint8_t proto);
int fx_backend(struct fx *fx, uint32_t id, const char *addr, uint16_t port, uint8_t state,
	       uint32_t gen, uint32_t service);
int fx_backend_get(struct fx *fx, uint32_t id, struct xlb_backend *be);
/* Build a Maglev table over backends @ids (weights, may be NULL = 1) the way
 * xlbd does (mmapped inner map filled by xlb_maglev_build) at @table. */
int fx_table(struct fx *fx, uint32_t table, const uint32_t *ids, const uint32_t *weights,
	     size_t n);
int fx_table_del(struct fx *fx, uint32_t table);
/* Fill table @table with one backend id in every slot, or XLB_NO_BACKEND. */
int fx_table_fill(struct fx *fx, uint32_t table, uint32_t id);
int fx_config(struct fx *fx, const struct xlb_config *c);

/* Run one frame; @out gets the result (cap PKT_MAX). */
int fx_run(struct fx *fx, int ifindex, const void *in, size_t len, void *out, size_t *out_len,
	   uint32_t *verdict);
/* Same on any XDP program fd (benchmark floors). */
int fx_run_prog(int prog_fd, int ifindex, const void *in, size_t len, void *out,
		size_t *out_len, uint32_t *verdict, uint32_t *duration);

/* Counters summed over CPUs. */
int fx_reason(struct fx *fx, enum xlb_reason r, struct xlb_reason_stats *out);
uint64_t fx_reason_packets(struct fx *fx, enum xlb_reason r);
uint64_t fx_reason_total(struct fx *fx);
int fx_service_stats(struct fx *fx, uint32_t id, struct xlb_service_stats *out);
int fx_backend_stats(struct fx *fx, uint32_t id, struct xlb_backend_stats *out);

/* Map access by the ABI structs. */
int fx_flow_get(struct fx *fx, const struct xlb_flow_key *k, struct xlb_flow *f);
int fx_flow_set(struct fx *fx, const struct xlb_flow_key *k, const struct xlb_flow *f);
int fx_nat_get(struct fx *fx, const struct xlb_flow_key *k, struct xlb_nat *n);
int fx_nat_set(struct fx *fx, const struct xlb_flow_key *k, const struct xlb_nat *n);
int fx_nat_count(struct fx *fx);
int fx_flow_count(struct fx *fx);

/* Flow key from text: family from @src. Ports in host order. */
void fx_key(struct xlb_flow_key *k, const char *src, uint16_t sport, const char *dst,
	    uint16_t dport, uint8_t proto);

/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns(). */
uint64_t fx_now_ns(void);

#endif /* XLB_TEST_FIXTURE_H */
