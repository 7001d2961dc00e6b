// SPDX-License-Identifier: GPL-2.0
/*
 * VRRP I/O (ctl/vrrp_io.c) against a real kernel: each test runs in its own
 * network namespace (Criterion forks a process per test; the test unshares
 * its network namespace), with a veth pair made there. Skipped when not
 * root. What is checked is what the state machine tests cannot see: which
 * addresses end up on the interface.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "loop.h"
#include "netlink.h"
#include "vrrp_io.h"

#define VIO_IF "xv0"

static struct xlb_ip vio_ip(const char *s, uint8_t prefix)
{
	struct xlb_ip ip = { .family = XLB_AF_INET, .prefix = prefix };

	cr_assert_eq(inet_pton(AF_INET, s, ip.a), 1, "%s", s);
	return ip;
}

/* A fresh namespace with VIO_IF (10.91.0.1/24) up; skips when not root. */
static int vio_netns(void)
{
	int ifindex;

	if (geteuid() != 0)
		cr_skip_test("needs root (network namespace)");
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %m");
	cr_assert_eq(system("ip link set lo up && "
			    "ip link add " VIO_IF " type veth peer name xv1 && "
			    "ip link set xv1 up && ip link set " VIO_IF " up && "
			    "ip addr add 10.91.0.1/24 dev " VIO_IF), 0, "setting up " VIO_IF);
	ifindex = (int)if_nametoindex(VIO_IF);
	cr_assert_gt(ifindex, 0);
	return ifindex;
}

static void vio_cfg(struct xlb_vrrp_cfg *c, uint8_t priority)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "VI_T");
	snprintf(c->interface, sizeof(c->interface), VIO_IF);
	c->vrid = 51;
	c->priority = priority;
	c->version = 3;
	c->family = XLB_AF_INET;
	c->advert_int_ms = 1000;
	c->preempt = true;
	c->track_interface = true;
	c->vips[0] = vio_ip("10.91.0.50", 24);
	c->n_vips = 1;
	c->garp_master_repeat = 1;
}

struct vio_find {
	struct xlb_ip want;
	bool found;
};

static int vio_find_cb(const struct xlb_ip *ip, unsigned int prefix, unsigned char scope,
		       uint32_t flags, void *arg)
{
	struct vio_find *f = arg;

	(void)prefix;
	(void)scope;
	(void)flags;
	if (!memcmp(ip->a, f->want.a, 4))
		f->found = true;
	return 0;
}

static bool vio_has(int ifindex, const char *addr)
{
	struct vio_find f = { .want = vio_ip(addr, 32) };

	cr_assert_eq(xlb_nl_addr_list(ifindex, XLB_AF_INET, vio_find_cb, &f), 0);
	return f.found;
}

static enum xlb_vrrp_state vio_state(const struct xlb_vrrp_node *node, bool *holds)
{
	struct xlb_vrrp_status st;

	cr_assert_eq(xlb_vrrp_status(node, &st, 1), 1);
	*holds = st.holds_vips;
	return st.state;
}

static void vio_stop_cb(struct xlb_loop *loop, void *arg)
{
	(void)arg;
	xlb_loop_stop(loop);
}

/* Run @loop in 20 ms slices until @node is MASTER or @max_ms passed. */
static void vio_run_until_master(struct xlb_loop *loop, const struct xlb_vrrp_node *node,
				 uint64_t max_ms)
{
	struct xlb_timer stop = { .heap_idx = -1 };
	uint64_t end = xlb_now_ms() + max_ms;
	bool holds;

	while (vio_state(node, &holds) != XLB_VRRP_MASTER && xlb_now_ms() < end) {
		cr_assert_eq(xlb_timer_arm(loop, &stop, xlb_now_ms() + 20, vio_stop_cb, NULL), 0);
		cr_assert_eq(xlb_loop_run(loop), 0);
	}
	xlb_timer_cancel(loop, &stop);
}

/*
 * A VIP left on the interface by an earlier run that was SIGKILLed: a node
 * starting as BACKUP removes it (otherwise it answers ARP for the VIP beside
 * the master; test_vrrp.sh found it left there after a restart and even
 * after the next clean shutdown).
 */
Test(vrrp_io, backup_removes_stale_vip)
{
	int ifindex = vio_netns();
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_vrrp_node *node;
	struct xlb_vrrp_cfg c;
	struct xlb_ip vip;
	bool holds;

	cr_assert_not_null(loop);
	vio_cfg(&c, 100);
	vip = c.vips[0];
	cr_assert_eq(xlb_nl_addr_add(ifindex, &vip, 24), 0);
	cr_assert(vio_has(ifindex, "10.91.0.50"));

	node = xlb_vrrp_start(loop, &c, 1, NULL);
	cr_assert_not_null(node, "xlb_vrrp_start: %m");
	cr_assert_eq(vio_state(node, &holds), XLB_VRRP_BACKUP);
	cr_assert_not(holds);
	cr_assert_not(vio_has(ifindex, "10.91.0.50"), "expected the stale VIP gone on a backup");
	cr_assert(vio_has(ifindex, "10.91.0.1"), "expected the interface address kept");
	xlb_vrrp_stop(node, false);
	xlb_loop_free(loop);
}

/* The address owner (priority 255) keeps its own address, also on shutdown. */
Test(vrrp_io, owner_keeps_own_address)
{
	int ifindex = vio_netns();
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_vrrp_node *node;
	struct xlb_vrrp_cfg c;
	struct xlb_ip vip;
	bool holds;

	cr_assert_not_null(loop);
	vio_cfg(&c, 255);
	vip = c.vips[0];
	cr_assert_eq(xlb_nl_addr_add(ifindex, &vip, 24), 0);

	node = xlb_vrrp_start(loop, &c, 1, NULL);
	cr_assert_not_null(node, "xlb_vrrp_start: %m");
	cr_assert_eq(vio_state(node, &holds), XLB_VRRP_MASTER);
	cr_assert(holds);
	cr_assert(vio_has(ifindex, "10.91.0.50"));
	xlb_vrrp_stop(node, false);
	cr_assert(vio_has(ifindex, "10.91.0.50"), "expected the owner's address kept on stop");
	xlb_loop_free(loop);
}

/*
 * A non-owner that becomes master adds the VIP and removes it when it
 * stops, including a VIP someone put back on the interface after Startup
 * (the add then reports EEXIST): VRRP's addresses never outlive mastership.
 */
Test(vrrp_io, master_removes_vip_on_stop)
{
	int ifindex = vio_netns();
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_vrrp_node *node;
	struct xlb_vrrp_cfg c;
	struct xlb_ip vip;
	bool holds;

	cr_assert_not_null(loop);
	vio_cfg(&c, 100);
	c.advert_int_ms = 10; /* Master_Down_Interval: 3 x 10 ms + skew */
	vip = c.vips[0];
	node = xlb_vrrp_start(loop, &c, 1, NULL);
	cr_assert_not_null(node, "xlb_vrrp_start: %m");
	cr_assert_eq(vio_state(node, &holds), XLB_VRRP_BACKUP);
	cr_assert_eq(xlb_nl_addr_add(ifindex, &vip, 24), 0); /* put back by hand */
	vio_run_until_master(loop, node, 2000);
	cr_assert_eq(vio_state(node, &holds), XLB_VRRP_MASTER);
	cr_assert(holds);
	cr_assert(vio_has(ifindex, "10.91.0.50"));
	xlb_vrrp_stop(node, false);
	cr_assert_not(vio_has(ifindex, "10.91.0.50"), "expected the VIP removed on stop");
	xlb_loop_free(loop);
}
