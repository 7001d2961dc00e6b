/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VRRP on the event loop: one raw IPPROTO_VRRP socket per instance, bound to
 * its interface (multicast 224.0.0.18 / ff02::12, or unicast peers), timers,
 * track scripts, link monitoring through rtnetlink, VIP add/remove,
 * gratuitous ARP / unsolicited NA, notify hooks. The decisions are made by
 * the pure state machine in vrrp.h; this file only carries them out.
 *
 * Becoming master:  send advert, add VIPs, on_become_master(), GARP/NA.
 * Leaving master:   on_leave_master(), remove VIPs.
 * (Why that order: see become_master() in vrrp_io.c.)
 */
#ifndef XLB_VRRP_IO_H
#define XLB_VRRP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "vrrp.h"

/*
 * Filled in by xlbd. Called from the loop. @inst is the instance's
 * configuration (valid until xlb_vrrp_stop()). Any hook may be NULL.
 */
struct xlb_vrrp_hooks {
	/* The instance's VIPs are on the interface: attach the data plane.
	 * A negative return is logged; the instance stays MASTER. */
	int  (*on_become_master)(void *arg, const struct xlb_vrrp_cfg *inst);
	/* Called before the VIPs go: detach the data plane. */
	void (*on_leave_master)(void *arg, const struct xlb_vrrp_cfg *inst);
	/* Every state change, after the actions above (for logs, status). */
	void (*on_state)(void *arg, const struct xlb_vrrp_cfg *inst,
			 enum xlb_vrrp_state from, enum xlb_vrrp_state to);
	void *arg;
};

struct xlb_vrrp_node;

/*
 * Start @n instances (the array is copied) on @loop: open and bind their
 * sockets, read link state and source addresses, start track scripts and
 * send each instance the Startup event (owners become MASTER at once,
 * others BACKUP). A non-owner first removes its VIPs from the interface:
 * ones found there were left by an earlier run that died (keepalived does
 * the same), and a backup must not hold them. Returns NULL and sets errno if any instance cannot start
 * (the reason is logged with the instance and interface name); nothing is
 * left running then.
 */
struct xlb_vrrp_node *xlb_vrrp_start(struct xlb_loop *loop, const struct xlb_vrrp_cfg *cfg,
				     size_t n, const struct xlb_vrrp_hooks *hooks);

/*
 * Shut every instance down (RFC Shutdown event): a MASTER sends a priority 0
 * advert when @send_priority0 (so backups take over after Skew_Time rather
 * than the full down interval), calls on_leave_master and removes its VIPs;
 * notify "stop" hooks run; sockets close; running track scripts are killed.
 * Frees @node. NULL is a no-op.
 */
void xlb_vrrp_stop(struct xlb_vrrp_node *node, bool send_priority0);

/* The backends of the node's services: true while at least one is up. Feeds
 * every instance configured with track_backends. */
void xlb_vrrp_set_backends_up(struct xlb_vrrp_node *node, bool up);

/* One instance as `xlbctl status` shows it. */
struct xlb_vrrp_status {
	char     name[XLB_NAME_MAX];
	char     interface[XLB_IFNAME_MAX];
	uint8_t  vrid;
	uint8_t  version;
	uint8_t  family;
	enum xlb_vrrp_state state;
	uint8_t  base_priority;       /* configured */
	uint8_t  priority;            /* effective (tracking applied) */
	bool     faulted;
	bool     link_up;
	bool     backends_up;
	bool     holds_vips;          /* VIPs added and data plane hook called */
	struct xlb_ip self;           /* our advert source address */
	struct xlb_ip master;         /* current or last master seen (us when MASTER) */
	uint8_t  master_priority;
	uint32_t master_adver_int_ms;
	size_t   n_scripts;
	int      script_up[XLB_MAX_TRACK]; /* -1 no result yet, 0 down, 1 up */
	struct xlb_vrrp_counters cnt; /* cnt.last_transition_ms is monotonic ms */
};

/* Copy up to @max instances' status into @out; returns the instance count. */
size_t xlb_vrrp_status(const struct xlb_vrrp_node *node, struct xlb_vrrp_status *out,
		       size_t max);

/* True when at least one instance is MASTER. */
bool xlb_vrrp_is_master(const struct xlb_vrrp_node *node);

#endif /* XLB_VRRP_IO_H */
