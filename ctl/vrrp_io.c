// SPDX-License-Identifier: GPL-2.0
/*
 * VRRP I/O on the event loop; see vrrp_io.h. Every decision comes from
 * xlb_vrrp_transition() (vrrp.c); this file feeds it events and carries out
 * the returned actions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#include "log.h"
#include "netlink.h"
#include "probe.h"
#include "vrrp_garp.h"
#include "vrrp_io.h"
#include "vrrp_sock.h"
#include "xlb/abi.h"

#define RX_BUF            (XLB_VRRP_MAX_LEN + 64)
#define RX_BATCH          64      /* datagrams read per wake-up */
#define NOTIFY_TIMEOUT_MS 60000   /* notify hooks are killed after a minute */

struct inst;

struct track_run {
	struct inst *in;
	size_t idx;
	struct xlb_timer timer;     /* next run */
	struct xlb_probe *probe;    /* running now, or NULL */
};

struct inst {
	struct xlb_vrrp_node *node;
	struct xlb_vrrp_cfg cfg;
	int ifindex;
	uint8_t mac[6];
	int fd;
	struct xlb_ip self;
	struct xlb_vrrp_expect exp;
	struct xlb_vrrp_fsm fsm;
	struct xlb_vrrp_tracking tr;
	struct xlb_timer t_master_down, t_adver, t_preempt, t_garp;
	uint32_t garp_left;
	bool holds_vips;
	bool vip_added[XLB_MAX_VIPS_PER_INSTANCE]; /* ours to remove on leaving MASTER */
	struct track_run runs[XLB_MAX_TRACK];
};

struct xlb_vrrp_node {
	struct xlb_loop *loop;
	struct xlb_vrrp_hooks hooks;
	struct inst *inst;
	size_t n;
	struct xlb_nl_monitor *mon;
	struct xlb_announcer *ann;
	bool stopping;
};

static const char *ipstr(const struct xlb_ip *ip, char *buf, size_t len)
{
	if (!ip->family)
		return strcpy(buf, "none");
	return inet_ntop(ip->family == XLB_AF_INET6 ? AF_INET6 : AF_INET, ip->a, buf,
			 (socklen_t)len);
}

static bool pow2(uint64_t n)
{
	return n && !(n & (n - 1));
}

/* ---- sending ------------------------------------------------------------- */

static void send_one(struct inst *in, uint8_t priority, const struct xlb_ip *dst)
{
	struct xlb_vrrp_tx tx = {
		.version = in->cfg.version, .vrid = in->cfg.vrid, .priority = priority,
		.advert_int_ms = in->cfg.advert_int_ms, .auth_type = in->cfg.auth_type,
		.auth_pass = in->cfg.auth_pass, .addrs = in->cfg.vips,
		.n_addrs = in->cfg.n_vips, .src = in->self, .dst = *dst,
		.csum4 = XLB_VRRP_CSUM4_PSEUDO, /* keepalived / RFC 5798: see vrrp_pkt.h */
	};
	uint8_t buf[XLB_VRRP_MAX_LEN];
	char d[INET6_ADDRSTRLEN];
	int len, err;

	len = xlb_vrrp_encode(&tx, buf, sizeof(buf));
	err = len < 0 ? len : xlb_vrrp_sock_send(in->fd, in->ifindex, &in->self, dst, buf,
							 (size_t)len);
	if (err) {
		in->fsm.cnt.send_errors++;
		/* A link that is down is reported once, by the link monitor. */
		if (in->tr.link_up && pow2(in->fsm.cnt.send_errors))
			pr_warn("vrrp %s: advert to %s on %s failed: %s (%llu so far)\n",
				in->cfg.name, ipstr(dst, d, sizeof(d)), in->cfg.interface,
				strerror(-err), (unsigned long long)in->fsm.cnt.send_errors);
		return;
	}
	in->fsm.cnt.adverts_tx++;
	if (!priority)
		in->fsm.cnt.prio0_tx++;
}

static void send_advert(struct inst *in, uint8_t priority)
{
	struct xlb_ip group;
	size_t i;

	if (in->cfg.n_peers) {
		for (i = 0; i < in->cfg.n_peers; i++)
			send_one(in, priority, &in->cfg.peers[i]);
		return;
	}
	xlb_vrrp_group(in->cfg.family, &group);
	send_one(in, priority, &group);
}

/* ---- becoming and leaving master ------------------------------------------ */

/* Priority 255: the VIPs are this router's own addresses (RFC 9568 5.2.4). */
static bool is_owner(const struct inst *in)
{
	return in->cfg.priority == 255;
}

/*
 * Before Startup: a VIP already on the interface was left by an earlier run
 * that could not clean up (SIGKILL, crash, power loss). A backup must not
 * hold it — the kernel would answer ARP/ND for it beside the real master —
 * so it goes now and comes back only with mastership, as keepalived does
 * ("removing VIPs" on entering BACKUP). An address owner keeps its own.
 */
static void remove_stale_vips(struct inst *in)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	if (is_owner(in))
		return;
	for (i = 0; i < in->cfg.n_vips; i++) {
		err = xlb_nl_addr_del(in->ifindex, &in->cfg.vips[i], in->cfg.vips[i].prefix);
		if (!err)
			pr_info("vrrp %s: removed %s from %s, left there by an earlier run\n",
				in->cfg.name, ipstr(&in->cfg.vips[i], a, sizeof(a)),
				in->cfg.interface);
		else if (err != -EADDRNOTAVAIL)
			pr_warn("vrrp %s: removing a stale %s from %s failed: %s\n", in->cfg.name,
				ipstr(&in->cfg.vips[i], a, sizeof(a)), in->cfg.interface,
				strerror(-err));
	}
}

static void announce(struct inst *in)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	for (i = 0; i < in->cfg.n_vips; i++) {
		err = xlb_announce(in->node->ann, in->ifindex, in->mac, &in->cfg.vips[i]);
		if (err)
			pr_warn("vrrp %s: %s for %s on %s failed: %s\n", in->cfg.name,
				in->cfg.family == XLB_AF_INET ? "gratuitous ARP" : "neighbour advert",
				ipstr(&in->cfg.vips[i], a, sizeof(a)), in->cfg.interface,
				strerror(-err));
	}
}

static void on_garp_timer(struct xlb_loop *loop, void *arg)
{
	struct inst *in = arg;

	if (!in->holds_vips || !in->garp_left)
		return;
	announce(in);
	if (--in->garp_left)
		xlb_timer_arm(loop, &in->t_garp, xlb_now_ms() + in->cfg.garp_master_delay_ms,
			      on_garp_timer, in);
}

/*
 * Order on takeover, and why:
 *  1. VIPs first: the kernel must own the address before anything draws
 *     traffic to it — non-service packets the XDP program passes up (ARP,
 *     ICMP, other ports) need a local address to land on, and the IPv6 NA is
 *     sourced from the VIP.
 *  2. Then on_become_master() attaches XDP, so the data plane is forwarding
 *     before neighbours learn that we hold the VIP: otherwise the first
 *     client packets would reach the local stack (no listener: TCP resets).
 *  3. GARP/NA last: from now on neighbours send the VIP's traffic here.
 * Leaving runs the other way round: detach first, then remove the VIPs, so
 * XDP is never attached on a node that no longer holds its addresses (a
 * stale data plane would keep NATing flows the new master now owns).
 */
static void become_master(struct inst *in)
{
	struct xlb_vrrp_node *node = in->node;
	char a[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	for (i = 0; i < in->cfg.n_vips; i++) {
		err = xlb_nl_addr_add(in->ifindex, &in->cfg.vips[i], in->cfg.vips[i].prefix);
		/* A VIP is VRRP's: one already there is ours to remove on
		 * leaving, as keepalived does; only an address owner's are its own. */
		in->vip_added[i] = !err || (err == -EEXIST && !is_owner(in));
		if (err == -EEXIST)
			pr_info("vrrp %s: %s already on %s%s\n", in->cfg.name,
				ipstr(&in->cfg.vips[i], a, sizeof(a)), in->cfg.interface,
				is_owner(in) ? "; it will be left there (address owner)" : "");
		else if (err)
			pr_warn("vrrp %s: adding %s to %s failed: %s\n", in->cfg.name,
				ipstr(&in->cfg.vips[i], a, sizeof(a)), in->cfg.interface,
				strerror(-err));
	}
	in->holds_vips = true;
	if (node->hooks.on_become_master) {
		err = node->hooks.on_become_master(node->hooks.arg, &in->cfg);
		if (err < 0)
			pr_warn("vrrp %s: data plane attach failed: %s\n", in->cfg.name,
				strerror(-err));
	}
	in->garp_left = in->cfg.garp_master_repeat ? in->cfg.garp_master_repeat : 1;
	/* delay 0: the whole burst now */
	do {
		announce(in);
		in->garp_left--;
	} while (in->garp_left && !in->cfg.garp_master_delay_ms);
	if (in->garp_left)
		xlb_timer_arm(node->loop, &in->t_garp, xlb_now_ms() + in->cfg.garp_master_delay_ms,
			      on_garp_timer, in);
}

static void leave_master(struct inst *in)
{
	struct xlb_vrrp_node *node = in->node;
	char a[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	xlb_timer_cancel(node->loop, &in->t_garp);
	in->garp_left = 0;
	if (!in->holds_vips)
		return;
	if (node->hooks.on_leave_master)
		node->hooks.on_leave_master(node->hooks.arg, &in->cfg);
	for (i = 0; i < in->cfg.n_vips; i++) {
		if (!in->vip_added[i])
			continue;
		err = xlb_nl_addr_del(in->ifindex, &in->cfg.vips[i], in->cfg.vips[i].prefix);
		if (err && err != -EADDRNOTAVAIL)
			pr_warn("vrrp %s: removing %s from %s failed: %s\n", in->cfg.name,
				ipstr(&in->cfg.vips[i], a, sizeof(a)), in->cfg.interface,
				strerror(-err));
		in->vip_added[i] = false;
	}
	in->holds_vips = false;
}

/* ---- actions ----------------------------------------------------------- */

static void on_master_down(struct xlb_loop *loop, void *arg);
static void on_adver(struct xlb_loop *loop, void *arg);
static void on_preempt(struct xlb_loop *loop, void *arg);

static void sync_timer(struct inst *in, struct xlb_timer *t, uint64_t at, xlb_timer_cb cb)
{
	if (!at)
		xlb_timer_cancel(in->node->loop, t);
	else if (!t->armed || t->deadline_ms != at)
		xlb_timer_arm(in->node->loop, t, at, cb, in);
}

static const char *notify_cmd(const struct inst *in, enum xlb_vrrp_state s)
{
	switch (s) {
	case XLB_VRRP_MASTER: return in->cfg.notify_master;
	case XLB_VRRP_BACKUP: return in->cfg.notify_backup;
	case XLB_VRRP_FAULT:  return in->cfg.notify_fault;
	case XLB_VRRP_INIT:   return in->cfg.notify_stop;
	}
	return "";
}

static void notify(struct inst *in, const struct xlb_vrrp_actions *a)
{
	struct xlb_vrrp_node *node = in->node;
	const char *cmd = notify_cmd(in, a->to);
	int err;

	pr_info("vrrp %s: %s -> %s (priority %u)\n", in->cfg.name, xlb_vrrp_state_name(a->from),
		xlb_vrrp_state_name(a->to), in->fsm.priority);
	if (cmd && *cmd) {
		/* Fire and forget: the probe layer reaps it through a pidfd. */
		err = xlb_probe_exec(node->loop, cmd, "xlb-notify", NULL, 0, NOTIFY_TIMEOUT_MS,
				     NULL, NULL, NULL);
		if (err)
			pr_warn("vrrp %s: notify %s hook failed to start: %s\n", in->cfg.name,
				xlb_vrrp_state_name(a->to), strerror(-err));
	}
	if (node->hooks.on_state)
		node->hooks.on_state(node->hooks.arg, &in->cfg, a->from, a->to);
}

/* Carry out @a in the order documented in vrrp.h. */
static void run_actions(struct inst *in, const struct xlb_vrrp_actions *a)
{
	if (a->flags & XLB_VRRP_ACT_SEND_ADVERT)
		send_advert(in, a->send_priority);
	if (a->flags & XLB_VRRP_ACT_LEAVE_MASTER)
		leave_master(in);
	if (a->flags & XLB_VRRP_ACT_BECOME_MASTER)
		become_master(in);
	sync_timer(in, &in->t_master_down, a->master_down_at, on_master_down);
	sync_timer(in, &in->t_adver, a->adver_at, on_adver);
	sync_timer(in, &in->t_preempt, a->preempt_at, on_preempt);
	if (a->flags & XLB_VRRP_ACT_NOTIFY)
		notify(in, a);
}

static void fire(struct inst *in, const struct xlb_vrrp_event *ev)
{
	struct xlb_vrrp_actions a;

	xlb_vrrp_transition(&in->fsm, ev, xlb_now_ms(), &a);
	run_actions(in, &a);
}

static void fire_type(struct inst *in, enum xlb_vrrp_ev_type type)
{
	struct xlb_vrrp_event ev = { .type = type };

	fire(in, &ev);
}

static void on_master_down(struct xlb_loop *loop, void *arg)
{
	(void)loop;
	fire_type(arg, XLB_VRRP_EV_MASTER_DOWN_TIMER);
}

static void on_adver(struct xlb_loop *loop, void *arg)
{
	(void)loop;
	fire_type(arg, XLB_VRRP_EV_ADVER_TIMER);
}

static void on_preempt(struct xlb_loop *loop, void *arg)
{
	(void)loop;
	fire_type(arg, XLB_VRRP_EV_PREEMPT_TIMER);
}

/* Re-evaluate tracking; runs FAULT/UNFAULT/PRIORITY through the machine. */
static void retrack(struct inst *in)
{
	struct xlb_vrrp_actions a;
	uint8_t old = in->fsm.priority;

	if (in->node->stopping)
		return;
	if (!xlb_vrrp_apply_tracking(&in->fsm, &in->tr, xlb_now_ms(), &a))
		return;
	if (in->fsm.priority != old)
		pr_info("vrrp %s: effective priority %u -> %u\n", in->cfg.name, old,
			in->fsm.priority);
	run_actions(in, &a);
}

/* ---- receiving ------------------------------------------------------------ */

static void count_drop(struct inst *in, enum xlb_vrrp_drop r, const struct xlb_vrrp_advert *adv)
{
	char s[INET6_ADDRSTRLEN];
	uint64_t n = ++in->fsm.cnt.drops[r];

	/* Other routers' VRIDs are normal on a shared link. */
	if (r == XLB_VRRP_DROP_OTHER_VRID || r == XLB_VRRP_DROP_OWN || !pow2(n))
		return;
	pr_warn("vrrp %s: dropped advert from %s on %s: %s (%llu so far)\n", in->cfg.name,
		ipstr(&adv->src, s, sizeof(s)), in->cfg.interface, xlb_vrrp_drop_name(r),
		(unsigned long long)n);
}

static void handle_advert(struct inst *in, enum xlb_vrrp_drop r, const struct xlb_vrrp_advert *adv)
{
	struct xlb_vrrp_event ev = { .type = XLB_VRRP_EV_ADVERT };
	char s[INET6_ADDRSTRLEN];

	if (r != XLB_VRRP_OK) {
		count_drop(in, r, adv);
		return;
	}
	if (adv->addr_mismatch && pow2(++in->fsm.cnt.addr_list_mismatch))
		pr_warn("vrrp %s: advert from %s lists other addresses than ours "
			"(misconfiguration?); accepted as RFC 9568 7.1 says\n", in->cfg.name,
			ipstr(&adv->src, s, sizeof(s)));
	ev.priority = adv->priority;
	ev.interval_ms = adv->interval_ms;
	ev.src = adv->src;
	fire(in, &ev);
}

static void on_readable(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct inst *in = arg;
	struct xlb_vrrp_rxmeta meta;
	struct xlb_vrrp_advert adv;
	enum xlb_vrrp_drop r;
	uint8_t buf[RX_BUF];
	int i;

	(void)loop;
	(void)events;
	for (i = 0; i < RX_BATCH && !in->node->stopping; i++) {
		ssize_t n = xlb_vrrp_sock_recv(fd, buf, sizeof(buf), &meta);

		if (n == -EAGAIN)
			return;
		if (n == -EMSGSIZE) {
			memset(&adv, 0, sizeof(adv));
			count_drop(in, XLB_VRRP_DROP_TRUNCATED, &adv);
			continue;
		}
		if (n < 0) {
			pr_warn("vrrp %s: receive on %s: %s\n", in->cfg.name, in->cfg.interface,
				strerror((int)-n));
			return;
		}
		if (in->cfg.family == XLB_AF_INET)
			r = xlb_vrrp_decode4(buf, (size_t)n, meta.ifindex, &in->exp, &adv);
		else
			r = xlb_vrrp_decode6(buf, (size_t)n, &meta.src, &meta.dst, meta.hop_limit,
					     meta.ifindex, &in->exp, &adv);
		handle_advert(in, r, &adv);
	}
}

/* ---- track scripts --------------------------------------------------------- */

static void on_track_timer(struct xlb_loop *loop, void *arg);

static void on_track_done(void *arg, const struct xlb_probe_result *res)
{
	struct track_run *run = arg;
	struct inst *in = run->in;
	struct xlb_vrrp_track *t = &in->tr.scripts[run->idx];

	run->probe = NULL;
	if (!xlb_vrrp_track_result(t, res->ok))
		return;
	pr_info("vrrp %s: track script %s is %s (%s)\n", in->cfg.name,
		in->cfg.tracks[run->idx].script, t->up ? "up" : "down", res->detail);
	retrack(in);
}

static void on_track_timer(struct xlb_loop *loop, void *arg)
{
	struct track_run *run = arg;
	struct inst *in = run->in;
	const struct xlb_track_cfg *tc = &in->cfg.tracks[run->idx];
	uint32_t timeout = tc->timeout_ms ? tc->timeout_ms : tc->interval_ms;
	int err;

	xlb_timer_arm(loop, &run->timer, xlb_now_ms() + tc->interval_ms, on_track_timer, run);
	if (run->probe)
		return; /* still running (timeout == interval): let it finish */
	err = xlb_probe_exec(loop, tc->script, "xlb-track", NULL, 0, timeout, on_track_done, run,
			     &run->probe);
	if (err) {
		struct xlb_probe_result res = { .ok = false };

		snprintf(res.detail, sizeof(res.detail), "start: %s", strerror(-err));
		on_track_done(run, &res);
	}
}

/* ---- link monitor ---------------------------------------------------------- */

static void set_link(struct inst *in, bool up)
{
	if (in->tr.link_up == up)
		return;
	in->tr.link_up = up;
	pr_info("vrrp %s: %s is %s\n", in->cfg.name, in->cfg.interface, up ? "up" : "down");
	retrack(in);
}

static void on_link(const struct xlb_nl_link *l, bool deleted, void *arg)
{
	struct xlb_vrrp_node *node = arg;
	size_t i;

	for (i = 0; i < node->n; i++) {
		struct inst *in = &node->inst[i];

		if (in->ifindex != l->ifindex)
			continue;
		if (l->has_mac)
			memcpy(in->mac, l->mac, 6);
		set_link(in, !deleted && l->up);
	}
}

static void resync_links(struct xlb_vrrp_node *node)
{
	struct xlb_nl_link l;
	size_t i;

	for (i = 0; i < node->n; i++)
		if (!xlb_nl_link_get(node->inst[i].ifindex, &l))
			on_link(&l, false, node);
		else
			set_link(&node->inst[i], false);
}

static void on_netlink(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlb_vrrp_node *node = arg;
	int err;

	(void)loop;
	(void)fd;
	(void)events;
	err = xlb_nl_monitor_read(node->mon, on_link, node);
	if (err == -ENOBUFS) {
		pr_warn("vrrp: link events lost (netlink buffer full); re-reading link state\n");
		resync_links(node);
	} else if (err) {
		pr_warn("vrrp: reading link events: %s\n", strerror(-err));
	}
}

/* ---- setup ----------------------------------------------------------------- */

static void inst_fill_expect(struct inst *in)
{
	struct xlb_vrrp_expect *e = &in->exp;

	e->version = in->cfg.version;
	e->family = in->cfg.family;
	e->vrid = in->cfg.vrid;
	e->ifindex = in->ifindex;
	e->auth_type = in->cfg.auth_type;
	e->auth_pass = in->cfg.auth_pass;
	e->advert_int_ms = in->cfg.advert_int_ms;
	e->vips = in->cfg.vips;
	e->n_vips = in->cfg.n_vips;
	e->peers = in->cfg.peers;
	e->n_peers = in->cfg.n_peers;
	e->self = &in->self;
}

static int inst_setup(struct inst *in)
{
	struct xlb_vrrp_fsm_cfg fc = { 0 };
	struct xlb_nl_link link;
	char s[INET6_ADDRSTRLEN];
	const char *why;
	int err;

	in->fd = -1;
	in->ifindex = (int)if_nametoindex(in->cfg.interface);
	if (!in->ifindex) {
		err = -errno;
		why = "no such interface";
		goto fail;
	}
	err = xlb_nl_link_get(in->ifindex, &link);
	if (err) {
		why = "reading link state";
		goto fail;
	}
	memcpy(in->mac, link.mac, 6);
	err = xlb_vrrp_pick_source(&in->cfg, in->ifindex, &in->self);
	if (err) {
		why = in->cfg.family == XLB_AF_INET6 ? "no IPv6 link-local address"
						    : "no IPv4 address other than the VIPs";
		goto fail;
	}
	in->fd = xlb_vrrp_sock_open(in->cfg.family, in->cfg.interface, in->ifindex,
				    !in->cfg.n_peers);
	if (in->fd < 0) {
		err = in->fd;
		why = "opening the VRRP socket";
		goto fail;
	}
	err = xlb_loop_add_fd(in->node->loop, in->fd, EPOLLIN, on_readable, in);
	if (err) {
		why = "watching the VRRP socket";
		goto fail;
	}
	inst_fill_expect(in);

	fc.version = in->cfg.version;
	fc.priority = in->cfg.priority;
	fc.advert_int_ms = in->cfg.advert_int_ms;
	fc.preempt = in->cfg.preempt;
	fc.preempt_delay_ms = in->cfg.preempt_delay_ms;
	fc.self = in->self;
	xlb_vrrp_fsm_init(&in->fsm, &fc);
	xlb_vrrp_tracking_init(&in->tr, &in->cfg);
	in->tr.link_up = link.up;
	pr_info("vrrp %s: VRID %u v%u on %s from %s, priority %u%s\n", in->cfg.name, in->cfg.vrid,
		in->cfg.version, in->cfg.interface, ipstr(&in->self, s, sizeof(s)),
		in->cfg.priority, in->cfg.n_peers ? ", unicast" : "");
	return 0;
fail:
	pr_warn("vrrp %s: cannot start on %s: %s: %s\n", in->cfg.name, in->cfg.interface, why,
		strerror(-err));
	return err;
}

static void inst_teardown(struct inst *in)
{
	struct xlb_loop *loop = in->node->loop;
	size_t i;

	xlb_timer_cancel(loop, &in->t_master_down);
	xlb_timer_cancel(loop, &in->t_adver);
	xlb_timer_cancel(loop, &in->t_preempt);
	xlb_timer_cancel(loop, &in->t_garp);
	for (i = 0; i < in->tr.n_scripts; i++) {
		xlb_timer_cancel(loop, &in->runs[i].timer);
		/* kills the script's process group; reaped through its pidfd */
		xlb_probe_cancel(in->runs[i].probe);
		in->runs[i].probe = NULL;
	}
	if (in->fd >= 0) {
		xlb_loop_del_fd(loop, in->fd);
		close(in->fd);
		in->fd = -1;
	}
}

static void node_free(struct xlb_vrrp_node *node)
{
	size_t i;

	for (i = 0; i < node->n; i++)
		inst_teardown(&node->inst[i]);
	if (node->mon) {
		xlb_loop_del_fd(node->loop, xlb_nl_monitor_fd(node->mon));
		xlb_nl_monitor_close(node->mon);
	}
	xlb_announcer_close(node->ann);
	free(node->inst);
	free(node);
}

struct xlb_vrrp_node *xlb_vrrp_start(struct xlb_loop *loop, const struct xlb_vrrp_cfg *cfg,
				     size_t n, const struct xlb_vrrp_hooks *hooks)
{
	struct xlb_vrrp_node *node = calloc(1, sizeof(*node));
	size_t i, j;
	int err = -ENOMEM;

	if (!node)
		goto fail;
	node->loop = loop;
	if (hooks)
		node->hooks = *hooks;
	node->inst = calloc(n ? n : 1, sizeof(*node->inst));
	if (!node->inst)
		goto fail;
	for (i = 0; i < n; i++) {
		node->inst[i].node = node;
		node->inst[i].fd = -1;
		node->inst[i].cfg = cfg[i];
	}
	node->n = n;
	if (!n)
		return node;

	node->ann = xlb_announcer_open();
	if (!node->ann) {
		err = -errno;
		pr_warn("vrrp: opening ARP/NA sockets: %s\n", strerror(-err));
		goto fail;
	}
	node->mon = xlb_nl_monitor_open();
	if (!node->mon) {
		err = -errno;
		pr_warn("vrrp: opening the netlink link monitor: %s\n", strerror(-err));
		goto fail;
	}
	err = xlb_loop_add_fd(loop, xlb_nl_monitor_fd(node->mon), EPOLLIN, on_netlink, node);
	if (err)
		goto fail;
	for (i = 0; i < n; i++) {
		err = inst_setup(&node->inst[i]);
		if (err)
			goto fail;
	}

	for (i = 0; i < n; i++) {
		struct inst *in = &node->inst[i];
		struct xlb_vrrp_actions a;

		remove_stale_vips(in);
		/* A link already down means FAULT before Startup. */
		if (xlb_vrrp_apply_tracking(&in->fsm, &in->tr, xlb_now_ms(), &a))
			run_actions(in, &a);
		fire_type(in, XLB_VRRP_EV_STARTUP);
		for (j = 0; j < in->tr.n_scripts; j++) {
			in->runs[j].in = in;
			in->runs[j].idx = j;
			xlb_timer_arm(loop, &in->runs[j].timer, xlb_now_ms(), on_track_timer,
				      &in->runs[j]);
		}
	}
	return node;
fail:
	if (node)
		node_free(node);
	errno = -err;
	return NULL;
}

void xlb_vrrp_stop(struct xlb_vrrp_node *node, bool send_priority0)
{
	size_t i;

	if (!node)
		return;
	node->stopping = true;
	for (i = 0; i < node->n; i++) {
		struct inst *in = &node->inst[i];
		struct xlb_vrrp_event ev = { .type = XLB_VRRP_EV_SHUTDOWN };
		struct xlb_vrrp_actions a;

		if (in->fsm.state == XLB_VRRP_INIT)
			continue;
		xlb_vrrp_transition(&in->fsm, &ev, xlb_now_ms(), &a);
		if (!send_priority0)
			a.flags &= ~XLB_VRRP_ACT_SEND_ADVERT;
		run_actions(in, &a);
	}
	node_free(node);
}

void xlb_vrrp_set_backends_up(struct xlb_vrrp_node *node, bool up)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->n; i++) {
		struct inst *in = &node->inst[i];

		if (in->tr.backends_up == up)
			continue;
		in->tr.backends_up = up;
		if (in->tr.track_backends) {
			pr_info("vrrp %s: %s\n", in->cfg.name,
				up ? "a backend is up again" : "no backend is up");
			retrack(in);
		}
	}
}

size_t xlb_vrrp_status(const struct xlb_vrrp_node *node, struct xlb_vrrp_status *out,
		       size_t max)
{
	size_t i, j;

	if (!node)
		return 0;
	for (i = 0; i < node->n && i < max; i++) {
		const struct inst *in = &node->inst[i];
		struct xlb_vrrp_status *s = &out[i];

		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", in->cfg.name);
		snprintf(s->interface, sizeof(s->interface), "%s", in->cfg.interface);
		s->vrid = in->cfg.vrid;
		s->version = in->cfg.version;
		s->family = in->cfg.family;
		s->state = in->fsm.state;
		s->base_priority = in->cfg.priority;
		s->priority = in->fsm.priority;
		s->faulted = in->fsm.faulted;
		s->link_up = in->tr.link_up;
		s->backends_up = in->tr.backends_up;
		s->holds_vips = in->holds_vips;
		s->self = in->self;
		s->master = in->fsm.master;
		s->master_priority = in->fsm.master_priority;
		s->master_adver_int_ms = in->fsm.master_adver_int_ms;
		s->n_scripts = in->tr.n_scripts;
		for (j = 0; j < in->tr.n_scripts; j++)
			s->script_up[j] = in->tr.scripts[j].up;
		s->cnt = in->fsm.cnt;
	}
	return node->n;
}

bool xlb_vrrp_is_master(const struct xlb_vrrp_node *node)
{
	size_t i;

	for (i = 0; node && i < node->n; i++)
		if (node->inst[i].fsm.state == XLB_VRRP_MASTER)
			return true;
	return false;
}
