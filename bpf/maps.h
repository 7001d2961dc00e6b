/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every map of the data plane. Keys and values are the named structs of
 * include/xlb/abi.h, so bpftool prints field names. All maps are pinned by
 * name under the pin root xlbd chooses (/sys/fs/bpf/xlb/<node>/), which is
 * how a restarted xlbd finds its flows again.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

/* services: key struct xlb_vip_key (VIP, port, proto, family) -> struct xlb_service. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_service);
	__uint(max_entries, XLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} services SEC(".maps");

/* backends: key __u32 backend id -> struct xlb_backend (address, port, state, gen). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_backend);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backends SEC(".maps");

/*
 * Inner Maglev table: key __u32 slot -> __u32 backend id (XLB_NO_BACKEND if
 * empty). User space creates tables of exactly this shape, mmaps them (the
 * array stride is 8 bytes: the kernel rounds value_size up to 8), fills them
 * with xlb_maglev_build() and stores the fd into `maglev`.
 */
struct xlb_maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, XLB_MAGLEV_SIZE);
	__uint(map_flags, BPF_F_MMAPABLE);
};

/* maglev: key __u32 table index (struct xlb_service.table) -> inner Maglev table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, XLB_MAX_TABLES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct xlb_maglev_table);
} maglev SEC(".maps");

/* flows: key struct xlb_flow_key (client -> VIP 5-tuple) -> struct xlb_flow (backend, SNAT port). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
	__uint(max_entries, XLB_FLOW_ENTRIES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

/* nat: key struct xlb_flow_key (reply 5-tuple backend -> SNAT addr:port) -> struct xlb_nat. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_nat);
	__uint(max_entries, XLB_NAT_ENTRIES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nat SEC(".maps");

/* config: key __u32 0 -> struct xlb_config (timeouts, SNAT port range); zero fields = defaults. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

/* service_stats (per-CPU): key __u32 service id -> struct xlb_service_stats. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_service_stats);
	__uint(max_entries, XLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} service_stats SEC(".maps");

/* backend_stats (per-CPU): key __u32 backend id -> struct xlb_backend_stats. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_backend_stats);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_stats SEC(".maps");

/* reasons (per-CPU): key enum xlb_reason -> struct xlb_reason_stats; one count per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32); /* enum xlb_reason: array maps only take an int key in BTF */
	__type(value, struct xlb_reason_stats);
	__uint(max_entries, XLB_R_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reasons SEC(".maps");

/*
 * A recent successful bpf_fib_lookup() result. Kernel-private: user space
 * never reads it, so it lives here and not in the ABI (see fib.h).
 */
struct xlb_nexthop {
	__u64 expires;  /* xlb_now() from which the entry is stale */
	__be32 src[4];  /* tag: source address of the lookup (0 in DR mode) */
	__be32 dst[4];  /* tag: destination address */
	__u32 ingress;  /* tag: ingress ifindex */
	__u32 ifindex;  /* egress ifindex */
	__u16 max_len;  /* largest IP length that passed the MTU check */
	__u8 family;    /* tag; 0 = empty slot */
	__u8 dmac[6];
	__u8 smac[6];
	__u8 pad;
};

#define XLB_NH_SHIFT 10                  /* 1024 slots per CPU */
#define XLB_NH_SLOTS (1u << XLB_NH_SHIFT)

/* nexthops (per-CPU, not pinned): key __u32 cache slot -> struct xlb_nexthop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_nexthop);
	__uint(max_entries, XLB_NH_SLOTS);
} nexthops SEC(".maps");

/*
 * Clock cache (see xlb_now() in flow.h), one for all CPUs. Kernel-private:
 * a global variable (.bss), reached without a map lookup.
 */
struct xlb_clock {
	__u64 ns;      /* bpf_ktime_get_coarse_ns() at jiffies below */
	__u64 jiffies; /* jiffies when ns was read; written after ns */
};

static struct xlb_clock xlb_clock_cache;

#endif /* XLB_MAPS_H */
