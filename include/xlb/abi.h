/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlb ABI: every structure and constant shared by the XDP program (bpf/)
 * and user space (ctl/, selftests/). Nothing here is re-declared elsewhere.
 *
 * Rules: fixed-width types only; fields in network byte order are __be16 /
 * __be32 and say so; padding is explicit and must be zeroed by whoever
 * builds a key; sizes are pinned by _Static_assert. Changing this file is an
 * ABI change: pinned maps written by an older xlbd may no longer match
 * (xlbd checks the layout before reusing pinned maps, see XLB_ABI_VERSION).
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#ifdef __BPF__
/* vmlinux.h already provides the __u and __be types. */
#else
#include <linux/types.h>
#endif

/* Bump on any change to a map key/value layout below. */
#define XLB_ABI_VERSION 2

/* Address families, same values as AF_INET / AF_INET6. */
#define XLB_AF_INET  2
#define XLB_AF_INET6 10

/* Capacities. */
#define XLB_MAX_SERVICES   1024   /* services (VIP, port, proto) */
#define XLB_MAX_BACKENDS   131072 /* backend ids, global over all services */
#define XLB_MAX_TABLES     (2 * XLB_MAX_SERVICES) /* two Maglev tables per service */
#ifndef XLB_MAGLEV_SIZE
#define XLB_MAGLEV_SIZE    65537  /* Maglev table size, must be prime */
#endif
#define XLB_FLOW_ENTRIES   262144 /* default LRU flow table size */
#define XLB_NAT_ENTRIES    262144 /* default NAT reverse table size */

/* Parser bounds (each is a constant loop bound in bpf/parse.h). */
#define XLB_MAX_VLAN_DEPTH 2      /* 802.1Q / 802.1ad tags skipped */
#define XLB_MAX_IPV6_EXT   4      /* IPv6 extension headers skipped */

/* "no backend" sentinel in a Maglev table slot. */
#define XLB_NO_BACKEND     0xffffffffu

/* Forwarding modes (struct xlb_service.mode). */
enum xlb_mode {
	XLB_MODE_NAT = 0, /* full NAT: dst -> backend, src -> SNAT addr:port */
	XLB_MODE_DR  = 1, /* direct routing: only MAC addresses change */
};

/* Service flags (struct xlb_service.flags). */
#define XLB_SVC_F_AFFINITY    (1u << 0) /* hash the source address only */
#define XLB_SVC_F_EMPTY       (1u << 1) /* no usable backend right now */
#define XLB_SVC_F_EMPTY_PASS  (1u << 2) /* when empty: XDP_PASS, else drop */

/* Backend states as the data plane sees them (struct xlb_backend.state). */
enum xlb_backend_dp_state {
	XLB_BE_DOWN     = 0, /* flows on it are re-chosen */
	XLB_BE_UP       = 1, /* in the Maglev table, flows kept */
	XLB_BE_DRAINING = 2, /* not in the Maglev table, flows kept */
};

/*
 * Why a packet was passed or dropped, or how it left. Key of the `reasons`
 * map; bpftool prints the enumerator names. Append only.
 */
enum xlb_reason {
	XLB_R_FWD_TX = 0,        /* forwarded out the ingress interface */
	XLB_R_FWD_REDIRECT,      /* forwarded with bpf_redirect */
	XLB_R_PASS_NOT_IP,       /* not IPv4/IPv6 (ARP, LLDP, ...) */
	XLB_R_PASS_NOT_SERVICE,  /* IP, but no service and no NAT entry */
	XLB_R_PASS_FRAGMENT,     /* non-first fragment: ports unknown */
	XLB_R_PASS_NO_NEIGH,     /* next hop not resolved: kernel resolves */
	XLB_R_PASS_NO_BACKEND,   /* service empty, configured to pass */
	XLB_R_PASS_ICMP,         /* ICMP error quoting no known flow */
	XLB_R_DROP_MALFORMED,    /* truncated or inconsistent headers */
	XLB_R_DROP_FRAGMENT,     /* first fragment of a service packet */
	XLB_R_DROP_NO_BACKEND,   /* service empty, configured to drop */
	XLB_R_DROP_NO_NEIGH,     /* DR mode: next hop not resolved */
	XLB_R_DROP_FIB,          /* no route to the backend / client */
	XLB_R_DROP_NAT_PORTS,    /* no free SNAT port for a new flow */
	XLB_R_PASS_OTHER_HOST,   /* unicast to another MAC (flooded frame) */
	XLB_R_MAX,
};

/* Key of `services`: a virtual service. Zero the whole key before use. */
struct xlb_vip_key {
	__be32 addr[4];   /* IPv4 in addr[0], rest zero; network order */
	__be16 port;      /* network order */
	__u8   proto;     /* IPPROTO_TCP or IPPROTO_UDP */
	__u8   family;    /* XLB_AF_INET or XLB_AF_INET6 */
};
_Static_assert(sizeof(struct xlb_vip_key) == 20, "abi: xlb_vip_key");

/* Value of `services`. */
struct xlb_service {
	__u32  id;        /* index into service_stats */
	__u32  table;     /* active Maglev table: index into `maglev` */
	__u32  flags;     /* XLB_SVC_F_* */
	__u8   mode;      /* enum xlb_mode */
	__u8   family;    /* family of backends and SNAT address */
	__u16  pad;
	__be32 snat_addr[4]; /* NAT source address; network order */
};
_Static_assert(sizeof(struct xlb_service) == 32, "abi: xlb_service");

/* Value of `backends`, indexed by backend id. */
struct xlb_backend {
	__be32 addr[4];   /* network order */
	__be16 port;      /* NAT: destination port; network order */
	__u8   family;
	__u8   state;     /* enum xlb_backend_dp_state */
	__u32  gen;       /* bumped each time the id is reused */
	__u32  service;   /* owning service id */
	__u32  pad;
};
_Static_assert(sizeof(struct xlb_backend) == 32, "abi: xlb_backend");

/*
 * A 5-tuple as seen on the wire. Key of `flows` (client -> VIP direction)
 * and of `nat` (backend -> SNAT direction, i.e. the reply).
 */
struct xlb_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8   proto;
	__u8   family;
	__u8   pad[2];
};
_Static_assert(sizeof(struct xlb_flow_key) == 40, "abi: xlb_flow_key");

/* Flow flags. */
#define XLB_FLOW_F_CLOSING (1u << 0) /* FIN or RST seen: short timeout */

/* Value of `flows`. */
struct xlb_flow {
	__u64  last_seen; /* bpf_ktime_get_ns() of the last packet */
	__u32  backend;   /* backend id */
	__u32  gen;       /* backend generation when chosen */
	__be16 snat_port; /* NAT mode: allocated source port; network order */
	__u8   flags;     /* XLB_FLOW_F_* */
	__u8   pad[5];
};
_Static_assert(sizeof(struct xlb_flow) == 24, "abi: xlb_flow");

/* Value of `nat`: how to translate a reply back to the client. */
struct xlb_nat {
	__be32 client[4];    /* original source; network order */
	__be32 vip[4];       /* original destination */
	__be16 client_port;
	__be16 vip_port;
	__u32  backend;      /* backend id (for reply counters) */
	__u64  last_seen;
	__u8   flags;        /* XLB_FLOW_F_* */
	__u8   pad[7];
};
_Static_assert(sizeof(struct xlb_nat) == 56, "abi: xlb_nat");

/* Value of `config` (one entry, key 0): run-time knobs. */
struct xlb_config {
	__u64 tcp_timeout_ns;     /* idle TCP flow lifetime */
	__u64 tcp_fin_timeout_ns; /* lifetime after FIN or RST */
	__u64 udp_timeout_ns;     /* idle UDP flow lifetime */
	__u16 snat_port_min;      /* host order, inclusive */
	__u16 snat_port_max;      /* host order, inclusive */
	__u32 abi_version;        /* XLB_ABI_VERSION of the writer */
};
_Static_assert(sizeof(struct xlb_config) == 32, "abi: xlb_config");

/* Defaults for struct xlb_config. */
#define XLB_DEF_TCP_TIMEOUT_S     900
#define XLB_DEF_TCP_FIN_TIMEOUT_S 10
#define XLB_DEF_UDP_TIMEOUT_S     30
#define XLB_DEF_SNAT_PORT_MIN     32768
#define XLB_DEF_SNAT_PORT_MAX     60999

/* Value of `service_stats` (per-CPU), indexed by service id. */
struct xlb_service_stats {
	__u64 packets;    /* client -> VIP packets forwarded */
	__u64 bytes;
	__u64 new_flows;
	__u64 no_backend; /* packets that found no usable backend */
};

/* Value of `backend_stats` (per-CPU), indexed by backend id. */
struct xlb_backend_stats {
	__u64 packets;       /* packets sent to the backend */
	__u64 bytes;
	__u64 new_flows;
	__u64 reply_packets; /* NAT mode: replies translated back */
	__u64 reply_bytes;
};

/* Value of `reasons` (per-CPU), key enum xlb_reason. */
struct xlb_reason_stats {
	__u64 packets;
	__u64 bytes;
};

#endif /* XLB_ABI_H */
