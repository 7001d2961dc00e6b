/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlb configuration: the JSON file parsed (json-c) and validated into plain
 * structs. Nothing here touches BPF maps or sockets; ctl/apply.c turns a
 * struct xlb_cfg into map writes.
 *
 * Times are seconds in the file (fractions allowed) and milliseconds here.
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define XLB_NAME_MAX   64   /* service, node, instance names incl. NUL */
#define XLB_IFNAME_MAX 16   /* IFNAMSIZ */
#define XLB_PATH_MAX   4096
#define XLB_MAX_EXPECT 16   /* expect_status entries */
#define XLB_MAX_VIPS_PER_INSTANCE 32
#define XLB_MAX_PEERS  16
#define XLB_MAX_TRACK  16

/* An IPv4 or IPv6 address in the ABI's layout (network order, v4 in a[0]). */
struct xlb_ip {
	uint8_t family;  /* XLB_AF_INET or XLB_AF_INET6; 0 = unset */
	uint8_t prefix;  /* prefix length where the key takes "addr/len" */
	__be32  a[4];
};

enum xlb_hc_type {
	XLB_HC_NONE = 0, /* no active check: passive max_fails only */
	XLB_HC_TCP,
	XLB_HC_HTTP,
	XLB_HC_EXEC,
};

/* services[].health_check */
struct xlb_hc_cfg {
	enum xlb_hc_type type;
	uint16_t port;                 /* 0 = the backend's port */
	char     path[256];            /* http: request path, default "/" */
	char     host[256];            /* http: Host header, default backend address */
	uint16_t expect_status[XLB_MAX_EXPECT]; /* http: accepted codes */
	int      n_expect;             /* 0 = 200..399 */
	char     expect_body[256];     /* http: substring, "" = any */
	char     script[XLB_PATH_MAX]; /* exec: command line (run by /bin/sh -c + args) */
	uint32_t interval_ms;          /* default 2000 */
	uint32_t timeout_ms;           /* default 1000, must be <= interval */
	uint32_t rise;                 /* default 2 */
	uint32_t fall;                 /* default 3 */
};

/* services[].backends[] */
struct xlb_backend_cfg {
	struct xlb_ip addr;
	uint16_t port;          /* host order; default: the service port */
	uint32_t weight;        /* 1..256, default 1 */
	uint32_t max_fails;     /* 0 disables; default 1 (nginx) */
	uint32_t fail_timeout_ms; /* default 10000 (nginx) */
	bool     backup;        /* serves only while no primary is up */
	bool     down;          /* administratively disabled */
	/* per-backend overrides of the service's health_check; 0 = inherit */
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint32_t rise;
	uint32_t fall;
};

enum xlb_empty_action { XLB_EMPTY_DROP = 0, XLB_EMPTY_PASS };

/* services[] */
struct xlb_service_cfg {
	char     name[XLB_NAME_MAX];
	struct xlb_ip vip;
	uint16_t port;           /* host order */
	uint8_t  proto;          /* IPPROTO_TCP / IPPROTO_UDP, default tcp */
	uint8_t  mode;           /* enum xlb_mode, default nat */
	struct xlb_ip snat;      /* nat: source address; default = vip */
	bool     affinity;       /* "affinity": "source" */
	enum xlb_empty_action on_empty; /* "no_backend": "drop" | "pass" */
	struct xlb_hc_cfg hc;
	char     notify[XLB_PATH_MAX]; /* backend state change hook, "" = none */
	struct xlb_backend_cfg *backends;
	size_t   n_backends;
};

enum xlb_xdp_mode { XLB_XDP_AUTO = 0, XLB_XDP_NATIVE, XLB_XDP_GENERIC };

/* node */
struct xlb_node_cfg {
	char     name[XLB_NAME_MAX];     /* pin dir /sys/fs/bpf/xlb/<name> */
	char     interface[XLB_IFNAME_MAX];
	enum xlb_xdp_mode xdp_mode;
	bool     keep_maps;              /* keep pins on SIGTERM, default true */
	char     control_socket[108];    /* default /run/xlb/xlbd.sock */
	uint32_t tcp_timeout_ms;         /* default 900 s */
	uint32_t tcp_fin_timeout_ms;     /* default 10 s */
	uint32_t udp_timeout_ms;         /* default 30 s */
	uint16_t snat_port_min;          /* default 32768 */
	uint16_t snat_port_max;          /* default 60999 */
	uint32_t flow_table_size;        /* default XLB_FLOW_ENTRIES */
};

/* vrrp.instances[].track_script[] */
struct xlb_track_cfg {
	char     script[XLB_PATH_MAX];
	uint32_t interval_ms; /* default 1000 */
	uint32_t timeout_ms;  /* default = interval */
	int32_t  weight;      /* -253..253, 0 = failure means FAULT */
	uint32_t rise;        /* default 1 */
	uint32_t fall;        /* default 1 */
};

enum xlb_vrrp_auth { XLB_AUTH_NONE = 0, XLB_AUTH_PASS };

/* vrrp.instances[] */
struct xlb_vrrp_cfg {
	char     name[XLB_NAME_MAX];
	char     interface[XLB_IFNAME_MAX];
	uint8_t  vrid;            /* virtual_router_id 1..255 */
	uint8_t  priority;        /* 1..255, default 100 */
	uint8_t  version;         /* 2 or 3, default 3 */
	uint8_t  family;          /* of the virtual addresses */
	uint32_t advert_int_ms;   /* default 1000; v2: whole seconds */
	enum xlb_vrrp_auth auth_type;
	char     auth_pass[9];    /* up to 8 chars, v2 PASS only */
	bool     preempt;         /* default true; "nopreempt": true clears it */
	uint32_t preempt_delay_ms;
	bool     track_interface; /* default true: link down => FAULT */
	int32_t  track_backends_weight; /* "track_backends": weight when no
					 * backend is up; 0 = off; -254 = FAULT */
	bool     track_backends;
	struct xlb_ip vips[XLB_MAX_VIPS_PER_INSTANCE]; /* virtual_ipaddress */
	size_t   n_vips;
	struct xlb_ip unicast_src;     /* unicast_src_ip; family 0 = unset */
	struct xlb_ip peers[XLB_MAX_PEERS]; /* unicast_peer */
	size_t   n_peers;
	uint32_t garp_master_repeat;   /* default 5 */
	uint32_t garp_master_delay_ms; /* between repeats; default 1000? see README */
	struct xlb_track_cfg tracks[XLB_MAX_TRACK];
	size_t   n_tracks;
	char     notify_master[XLB_PATH_MAX];
	char     notify_backup[XLB_PATH_MAX];
	char     notify_fault[XLB_PATH_MAX];
	char     notify_stop[XLB_PATH_MAX];
};

struct xlb_cfg {
	char     path[XLB_PATH_MAX];      /* file it came from, for messages */
	struct xlb_node_cfg node;
	struct xlb_service_cfg *services;
	size_t   n_services;
	struct xlb_vrrp_cfg *vrrp;
	size_t   n_vrrp;
};

/* All validation errors of one parse, each "FILE: json.path: message". */
struct xlb_errors {
	char   **msg;
	size_t   n;
};

void xlb_errors_free(struct xlb_errors *e);
/* Append a formatted message; never fails silently (aborts on ENOMEM). */
void xlb_errors_add(struct xlb_errors *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse and validate JSON text. @origin names the source in messages (a file
 * path). On success returns 0 and *out is a new config; on failure returns
 * -EINVAL with every problem in @errs (or another -errno) and *out is NULL.
 */
int xlb_config_parse(const char *text, size_t len, const char *origin,
		     struct xlb_cfg **out, struct xlb_errors *errs);
/* Read @path and xlb_config_parse() it. */
int xlb_config_load(const char *path, struct xlb_cfg **out, struct xlb_errors *errs);
void xlb_config_free(struct xlb_cfg *cfg);

/* Lookups used by the controller. NULL when absent. */
const struct xlb_service_cfg *xlb_cfg_service(const struct xlb_cfg *cfg, const char *name);

/* "192.0.2.1", "2001:db8::1" -> struct xlb_ip; 0 or -EINVAL. */
int xlb_ip_parse(const char *s, struct xlb_ip *ip);
/* Formats without prefix; buf >= 46 bytes. Returns buf. */
const char *xlb_ip_str(const struct xlb_ip *ip, char *buf, size_t len);
bool xlb_ip_equal(const struct xlb_ip *a, const struct xlb_ip *b);

/*
 * What changed between two configurations, for `xlbctl apply` summaries and
 * for rebuilding only what changed.
 */
struct xlb_cfg_diff {
	int services_added;
	int services_removed;
	int services_changed;     /* any service-level key, or backend set */
	int backends_added;
	int backends_removed;
	int backends_reweighted;
	int backends_changed;     /* other per-backend keys */
	bool node_changed;        /* requires a restart: refused by apply */
	bool vrrp_changed;
};
void xlb_config_diff(const struct xlb_cfg *old, const struct xlb_cfg *new,
		     struct xlb_cfg_diff *d);
/* Backends compare equal by (address, port). */
bool xlb_backend_same(const struct xlb_backend_cfg *a, const struct xlb_backend_cfg *b);
/* True when two services differ in anything but their backend list. */
bool xlb_service_keys_differ(const struct xlb_service_cfg *a, const struct xlb_service_cfg *b);

#endif /* XLB_CONFIG_H */
