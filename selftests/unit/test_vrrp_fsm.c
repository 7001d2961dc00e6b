// SPDX-License-Identifier: GPL-2.0
/*
 * The VRRP state machine with a fake clock: exact timer deadlines, RFC 9568
 * election rules, preempt/nopreempt/preempt_delay, priority 0 handover,
 * tracking weights and FAULT. A small two-router simulator delivers each
 * router's adverts to the other at the same instant.
 */
#include <arpa/inet.h>
#include <string.h>
#include <criterion/criterion.h>

#include "vrrp.h"

static struct xlb_ip mkip(const char *s)
{
	struct xlb_ip ip = { 0 };
	bool v6 = strchr(s, ':') != NULL;

	ip.family = v6 ? XLB_AF_INET6 : XLB_AF_INET;
	cr_assert_eq(inet_pton(v6 ? AF_INET6 : AF_INET, s, ip.a), 1, "%s", s);
	return ip;
}

static void fsm(struct xlb_vrrp_fsm *f, uint8_t version, uint8_t prio, uint32_t adv_ms,
		bool preempt, uint32_t delay_ms, const char *self)
{
	struct xlb_vrrp_fsm_cfg c = {
		.version = version, .priority = prio, .advert_int_ms = adv_ms,
		.preempt = preempt, .preempt_delay_ms = delay_ms,
	};

	c.self = mkip(self);
	xlb_vrrp_fsm_init(f, &c);
}

static struct xlb_vrrp_actions ev(struct xlb_vrrp_fsm *f, enum xlb_vrrp_ev_type t, uint64_t now)
{
	struct xlb_vrrp_event e = { .type = t };
	struct xlb_vrrp_actions a;

	xlb_vrrp_transition(f, &e, now, &a);
	return a;
}

static struct xlb_vrrp_actions advert(struct xlb_vrrp_fsm *f, uint8_t prio, const char *src,
				      uint32_t interval_ms, uint64_t now)
{
	struct xlb_vrrp_event e = { .type = XLB_VRRP_EV_ADVERT, .priority = prio,
				    .interval_ms = interval_ms };
	struct xlb_vrrp_actions a;

	e.src = mkip(src);
	xlb_vrrp_transition(f, &e, now, &a);
	return a;
}

/* Start @f at @t0 and let its master-down timer fire: MASTER at the returned time. */
static uint64_t make_master(struct xlb_vrrp_fsm *f, uint64_t t0)
{
	struct xlb_vrrp_actions a = ev(f, XLB_VRRP_EV_STARTUP, t0);

	if (f->state == XLB_VRRP_MASTER)
		return t0;
	a = ev(f, XLB_VRRP_EV_MASTER_DOWN_TIMER, a.master_down_at);
	cr_assert_eq(f->state, XLB_VRRP_MASTER);
	return f->cnt.last_transition_ms;
}

/* ---- timers and single-router rules --------------------------------------- */

Test(vrrp_fsm, startup_backup_then_master_after_master_down_interval)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	cr_assert_eq(f.state, XLB_VRRP_INIT);
	a = ev(&f, XLB_VRRP_EV_STARTUP, 5000);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.from, XLB_VRRP_INIT);
	cr_assert_eq(a.to, XLB_VRRP_BACKUP);
	/* skew = (256-100)*1000/256 = 609.375 -> 609; 3*1000 + 609 */
	cr_assert_eq(xlb_vrrp_skew_ms(&f), 609);
	cr_assert_eq(a.master_down_at, 5000 + 3609);
	cr_assert_eq(a.adver_at, 0);

	/* an early (stale) timer does nothing */
	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, 8608);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
	cr_assert_eq(a.flags, 0);
	a = ev(&f, XLB_VRRP_EV_ADVER_TIMER, 8608);
	cr_assert_eq(a.flags, 0);

	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, 8609);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT | XLB_VRRP_ACT_BECOME_MASTER |
			      XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.send_priority, 100);
	cr_assert_eq(a.adver_at, 8609 + 1000);
	cr_assert_eq(a.master_down_at, 0);
	cr_assert_eq(f.cnt.transitions, 2);
	cr_assert_eq(f.cnt.became_master, 1);
	cr_assert_eq(f.cnt.last_transition_ms, 8609);

	a = ev(&f, XLB_VRRP_EV_ADVER_TIMER, 9609);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT);
	cr_assert_eq(a.send_priority, 100);
	cr_assert_eq(a.adver_at, 10609);
	/* a master-down timer left over from BACKUP is ignored */
	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, 9700);
	cr_assert_eq(a.flags, 0);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);
}

Test(vrrp_fsm, v3_centisecond_intervals_give_exact_deadlines)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	/* advert_int 0.1 s, priority 200: skew = 56*100/256 = 21.875 -> 21 */
	fsm(&f, 3, 200, 100, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	cr_assert_eq(a.master_down_at, 300 + 21);

	/* the master's 0.5 s interval is adopted: 3*500 + 56*500/256 (109.375) */
	a = advert(&f, 250, "10.0.0.2", 500, 1000);
	cr_assert_eq(f.master_adver_int_ms, 500);
	cr_assert_eq(a.master_down_at, 1000 + 1500 + 109);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);

	/* 0.01 s, the smallest v3 interval, priority 254: 3*10 + 2*10/256 (0) */
	fsm(&f, 3, 254, 10, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 7);
	cr_assert_eq(a.master_down_at, 7 + 30);

	/* 40.95 s, the largest, priority 1: 3*40950 + 255*40950/256 (40790.0390625) */
	fsm(&f, 3, 1, 40950, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	cr_assert_eq(a.master_down_at, 122850 + 40790);

	/* master sends at its own interval after winning */
	fsm(&f, 3, 200, 100, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, 321);
	cr_assert_eq(a.adver_at, 421);
	a = ev(&f, XLB_VRRP_EV_ADVER_TIMER, 421);
	cr_assert_eq(a.adver_at, 521);
}

Test(vrrp_fsm, v2_skew_is_a_fraction_of_one_second)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	fsm(&f, 2, 100, 1000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	cr_assert_eq(a.master_down_at, 3000 + 609);

	/* advert_int 3 s: v2 skew stays (256-100)/256 s, not scaled */
	fsm(&f, 2, 100, 3000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	cr_assert_eq(a.master_down_at, 9000 + 609);
	/* v2 adverts carry our own interval (mismatches are dropped) */
	a = advert(&f, 150, "10.0.0.2", 3000, 100);
	cr_assert_eq(a.master_down_at, 100 + 9609);
}

Test(vrrp_fsm, higher_priority_advert_keeps_backup)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;
	uint64_t t;

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	for (t = 1000; t <= 60000; t += 1000) {
		a = advert(&f, 150, "10.0.0.2", 1000, t);
		cr_assert_eq(a.flags, 0);
		cr_assert_eq(a.master_down_at, t + 3609);
		/* the next advert always comes before the timer */
		cr_assert_lt(t + 1000, a.master_down_at);
	}
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
	cr_assert_eq(f.cnt.adverts_rx, 60);
	cr_assert_eq(f.master.family, XLB_AF_INET);
	cr_assert_eq(f.master.a[0], mkip("10.0.0.2").a[0]);
	cr_assert_eq(f.master_priority, 150);
}

Test(vrrp_fsm, preempt_ignores_lower_priority_master_nopreempt_follows_it)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	/* preempt: lower adverts are discarded, the timer runs out */
	fsm(&f, 3, 150, 1000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	cr_assert_eq(a.master_down_at, 3000 + 414); /* 106*1000/256 = 414.06 */
	a = advert(&f, 100, "10.0.0.2", 1000, 1000);
	cr_assert_eq(a.master_down_at, 3414, "discarded: the deadline did not move");
	a = advert(&f, 100, "10.0.0.2", 1000, 2000);
	a = advert(&f, 100, "10.0.0.2", 1000, 3000);
	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, 3414);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);
	cr_assert(a.flags & XLB_VRRP_ACT_BECOME_MASTER);

	/* nopreempt: follows the lower master forever */
	fsm(&f, 3, 150, 1000, false, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = advert(&f, 100, "10.0.0.2", 1000, 1000);
	cr_assert_eq(a.master_down_at, 1000 + 3414);
	a = advert(&f, 100, "10.0.0.2", 1000, 2000);
	cr_assert_eq(a.master_down_at, 2000 + 3414);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
}

Test(vrrp_fsm, preempt_delay_holds_off_then_takes_over_at_once)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	fsm(&f, 3, 150, 1000, true, 5000, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = advert(&f, 100, "10.0.0.2", 1000, 800);
	cr_assert_eq(a.preempt_at, 5800);
	cr_assert_eq(a.master_down_at, 800 + 3414, "followed during the delay");
	a = advert(&f, 100, "10.0.0.2", 1000, 1800);
	cr_assert_eq(a.preempt_at, 5800, "counted from the first lower advert");
	cr_assert_eq(a.master_down_at, 1800 + 3414);
	a = ev(&f, XLB_VRRP_EV_PREEMPT_TIMER, 5799);
	cr_assert_eq(a.flags, 0);
	a = ev(&f, XLB_VRRP_EV_PREEMPT_TIMER, 5800);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT | XLB_VRRP_ACT_BECOME_MASTER |
			      XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.preempt_at, 0);
	cr_assert_eq(a.master_down_at, 0);

	/* a higher priority master appearing during the delay cancels it */
	fsm(&f, 3, 150, 1000, true, 5000, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = advert(&f, 100, "10.0.0.2", 1000, 800);
	cr_assert_eq(a.preempt_at, 5800);
	a = advert(&f, 200, "10.0.0.3", 1000, 1000);
	cr_assert_eq(a.preempt_at, 0);
	a = ev(&f, XLB_VRRP_EV_PREEMPT_TIMER, 5800);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);

	/* our priority falling below the master's cancels it too */
	fsm(&f, 3, 150, 1000, true, 5000, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = advert(&f, 100, "10.0.0.2", 1000, 800);
	xlb_vrrp_transition(&f, &(struct xlb_vrrp_event){ .type = XLB_VRRP_EV_PRIORITY,
							   .priority = 90 }, 900, &a);
	cr_assert_eq(a.preempt_at, 0);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
}

Test(vrrp_fsm, priority_zero_advert_means_takeover_after_skew)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = advert(&f, 200, "10.0.0.2", 1000, 1000);
	a = advert(&f, 0, "10.0.0.2", 1000, 1500);
	cr_assert_eq(a.master_down_at, 1500 + 609);
	cr_assert_eq(f.cnt.prio0_rx, 1);
	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, 2109);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);

	/* a master answering a priority 0 advert re-asserts itself */
	a = advert(&f, 0, "10.0.0.9", 1000, 2500);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT);
	cr_assert_eq(a.send_priority, 100);
	cr_assert_eq(a.adver_at, 3500);
}

Test(vrrp_fsm, master_steps_down_on_higher_priority_and_asserts_over_lower)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;
	uint64_t t;

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	t = make_master(&f, 0);
	cr_assert_eq(f.cnt.became_master, 1);

	a = advert(&f, 90, "10.0.0.2", 1000, t + 10);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT, "lower: assert at once (9568 6.4.3)");
	cr_assert_eq(a.send_priority, 100);
	cr_assert_eq(a.adver_at, t + 1000, "Adver_Timer unchanged");

	a = advert(&f, 101, "10.0.0.2", 2000, t + 20);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_LEAVE_MASTER | XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.adver_at, 0);
	/* its 2 s interval: 6000 + 156*2000/256 (1218.75) */
	cr_assert_eq(a.master_down_at, t + 20 + 6000 + 1218);
	cr_assert_eq(f.master_priority, 101);
}

Test(vrrp_fsm, equal_priority_is_won_by_the_higher_address)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;
	uint64_t t;

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	t = make_master(&f, 0);
	a = advert(&f, 100, "10.0.0.0", 1000, t + 1);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT);
	/* 192.0.2.1 > 10.0.0.1 as unsigned bytes (0xc0 > 0x0a) */
	a = advert(&f, 100, "192.0.2.1", 1000, t + 2);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
	cr_assert(a.flags & XLB_VRRP_ACT_LEAVE_MASTER);

	/* IPv6, bytes above 0x7f must compare unsigned */
	fsm(&f, 3, 100, 1000, true, 0, "fe80::1");
	t = make_master(&f, 0);
	a = advert(&f, 100, "fe80::1:0:0:0", 1000, t + 1);
	cr_assert_eq(f.state, XLB_VRRP_BACKUP, "fe80::1:0:0:0 > fe80::1");
	fsm(&f, 3, 100, 1000, true, 0, "fe80::ff00:0:0:1");
	t = make_master(&f, 0);
	a = advert(&f, 100, "fe80::7f00:0:0:1", 1000, t + 1);
	cr_assert_eq(f.state, XLB_VRRP_MASTER, "0x7f < 0xff");

	/* in BACKUP an equal priority master is followed (no preemption) */
	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.9");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = advert(&f, 100, "10.0.0.1", 1000, 100);
	cr_assert_eq(a.master_down_at, 100 + 3609);
}

Test(vrrp_fsm, shutdown_sends_priority_zero_only_from_master)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;
	uint64_t t;

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	t = make_master(&f, 0);
	a = ev(&f, XLB_VRRP_EV_SHUTDOWN, t + 5);
	cr_assert_eq(f.state, XLB_VRRP_INIT);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT | XLB_VRRP_ACT_LEAVE_MASTER |
			      XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.send_priority, 0);
	cr_assert_eq(a.adver_at + a.master_down_at + a.preempt_at, 0);

	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 0);
	a = ev(&f, XLB_VRRP_EV_SHUTDOWN, 10);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.master_down_at, 0);
	/* nothing moves in INIT */
	a = advert(&f, 0, "10.0.0.2", 1000, 20);
	cr_assert_eq(a.flags, 0);
	cr_assert_eq(f.state, XLB_VRRP_INIT);
}

Test(vrrp_fsm, address_owner_starts_as_master)
{
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;

	fsm(&f, 3, 255, 1000, true, 0, "10.0.0.1");
	a = ev(&f, XLB_VRRP_EV_STARTUP, 42);
	cr_assert_eq(f.state, XLB_VRRP_MASTER);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT | XLB_VRRP_ACT_BECOME_MASTER |
			      XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.send_priority, 255);
	cr_assert_eq(a.adver_at, 1042);
}

/* ---- tracking ------------------------------------------------------------ */

Test(vrrp_fsm, track_script_rise_and_fall_count_consecutive_results)
{
	struct xlb_vrrp_track t = { .weight = -10, .rise = 3, .fall = 2, .up = -1 };

	cr_assert(xlb_vrrp_track_result(&t, true), "first result decides");
	cr_assert_eq(t.up, 1);
	cr_assert(!xlb_vrrp_track_result(&t, false));
	cr_assert(!xlb_vrrp_track_result(&t, true), "streak broken");
	cr_assert(!xlb_vrrp_track_result(&t, false));
	cr_assert(xlb_vrrp_track_result(&t, false), "fall 2");
	cr_assert_eq(t.up, 0);
	cr_assert(!xlb_vrrp_track_result(&t, true));
	cr_assert(!xlb_vrrp_track_result(&t, true));
	cr_assert(!xlb_vrrp_track_result(&t, false));
	cr_assert(!xlb_vrrp_track_result(&t, true));
	cr_assert(!xlb_vrrp_track_result(&t, true));
	cr_assert(xlb_vrrp_track_result(&t, true), "rise 3");
	cr_assert_eq(t.up, 1);

	t = (struct xlb_vrrp_track){ .weight = 0, .rise = 1, .fall = 1, .up = -1 };
	cr_assert(xlb_vrrp_track_result(&t, false));
	cr_assert_eq(t.up, 0);
}

Test(vrrp_fsm, effective_priority_follows_keepalived_weights)
{
	struct xlb_vrrp_cfg cfg = { .n_tracks = 3, .track_interface = true,
				    .track_backends = true, .track_backends_weight = -30 };
	struct xlb_vrrp_tracking tr;
	uint8_t p;
	bool fault;

	cfg.tracks[0].weight = 20;  /* added while up */
	cfg.tracks[1].weight = -50; /* subtracted while down */
	cfg.tracks[2].weight = 0;   /* down = FAULT */
	xlb_vrrp_tracking_init(&tr, &cfg);

	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert_eq(p, 100, "no result yet: no effect");
	cr_assert(!fault);

	xlb_vrrp_track_result(&tr.scripts[0], true);
	xlb_vrrp_track_result(&tr.scripts[1], true);
	xlb_vrrp_track_result(&tr.scripts[2], true);
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert_eq(p, 120);

	xlb_vrrp_track_result(&tr.scripts[0], false);
	xlb_vrrp_track_result(&tr.scripts[1], false);
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert_eq(p, 50);
	cr_assert(!fault);

	tr.backends_up = false;
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert_eq(p, 20);

	/* clamped to 1..254 for non-owners */
	xlb_vrrp_tracking_eval(&tr, 10, &p, &fault);
	cr_assert_eq(p, 1);
	tr.backends_up = true;
	xlb_vrrp_track_result(&tr.scripts[0], true);
	xlb_vrrp_track_result(&tr.scripts[1], true);
	xlb_vrrp_tracking_eval(&tr, 250, &p, &fault);
	cr_assert_eq(p, 254);
	/* the owner keeps 255 whatever the weights */
	xlb_vrrp_track_result(&tr.scripts[1], false);
	xlb_vrrp_tracking_eval(&tr, 255, &p, &fault);
	cr_assert_eq(p, 255);

	xlb_vrrp_track_result(&tr.scripts[2], false);
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert(fault, "weight 0 script failing");
	xlb_vrrp_track_result(&tr.scripts[2], true);
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert(!fault);

	tr.link_up = false;
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert(fault, "link down");
	tr.track_interface = false;
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert(!fault, "link not tracked");

	tr.backends_weight = -254;
	tr.backends_up = false;
	xlb_vrrp_tracking_eval(&tr, 100, &p, &fault);
	cr_assert(fault, "no backend up with track_backends weight -254/0");
}

Test(vrrp_fsm, weight_zero_failure_is_fault_and_recovers_to_backup)
{
	struct xlb_vrrp_cfg cfg = { .n_tracks = 1 };
	struct xlb_vrrp_tracking tr;
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_actions a;
	uint64_t t;

	xlb_vrrp_tracking_init(&tr, &cfg);
	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	t = make_master(&f, 0);
	xlb_vrrp_track_result(&tr.scripts[0], true);
	cr_assert(!xlb_vrrp_apply_tracking(&f, &tr, t + 1, &a), "nothing changed");

	xlb_vrrp_track_result(&tr.scripts[0], false);
	cr_assert(xlb_vrrp_apply_tracking(&f, &tr, t + 100, &a));
	cr_assert_eq(f.state, XLB_VRRP_FAULT);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_SEND_ADVERT | XLB_VRRP_ACT_LEAVE_MASTER |
			      XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.send_priority, 0, "backups take over after Skew_Time");
	cr_assert_eq(a.adver_at + a.master_down_at + a.preempt_at, 0);

	/* FAULT ignores adverts and timers */
	a = advert(&f, 50, "10.0.0.2", 1000, t + 200);
	cr_assert_eq(a.flags, 0);
	a = ev(&f, XLB_VRRP_EV_MASTER_DOWN_TIMER, t + 300);
	cr_assert_eq(f.state, XLB_VRRP_FAULT);

	xlb_vrrp_track_result(&tr.scripts[0], true);
	cr_assert(xlb_vrrp_apply_tracking(&f, &tr, t + 1000, &a));
	cr_assert_eq(f.state, XLB_VRRP_BACKUP);
	cr_assert_eq(a.flags, XLB_VRRP_ACT_NOTIFY);
	cr_assert_eq(a.master_down_at, t + 1000 + 3609);

	/* a fault known before startup keeps the instance out of the election */
	fsm(&f, 3, 100, 1000, true, 0, "10.0.0.1");
	xlb_vrrp_track_result(&tr.scripts[0], false);
	cr_assert(xlb_vrrp_apply_tracking(&f, &tr, 0, &a));
	cr_assert_eq(f.state, XLB_VRRP_INIT);
	a = ev(&f, XLB_VRRP_EV_STARTUP, 10);
	cr_assert_eq(f.state, XLB_VRRP_FAULT);
	cr_assert_eq(a.master_down_at, 0);
}

/* ---- two routers on one link --------------------------------------------- */

struct node {
	struct xlb_vrrp_fsm f;
	struct xlb_vrrp_tracking tr;
	uint64_t md, adv, pre;  /* armed timers, 0 = none */
	bool holds_vip;
	int sent;
	uint64_t last_sent_at;
};

struct sim {
	struct node n[2];
	uint64_t now;
	int depth;
	bool partitioned;   /* adverts are lost */
};

static void sim_apply(struct sim *s, int i, const struct xlb_vrrp_actions *a);

static void sim_deliver(struct sim *s, int from, uint8_t prio)
{
	struct node *src = &s->n[from];
	struct xlb_vrrp_event e = { .type = XLB_VRRP_EV_ADVERT, .priority = prio,
				    .interval_ms = src->f.cfg.advert_int_ms,
				    .src = src->f.cfg.self };
	struct xlb_vrrp_actions a;

	if (s->partitioned)
		return;
	cr_assert_lt(s->depth, 8, "advert ping-pong does not settle");
	s->depth++;
	xlb_vrrp_transition(&s->n[!from].f, &e, s->now, &a);
	sim_apply(s, !from, &a);
	s->depth--;
}

static void sim_apply(struct sim *s, int i, const struct xlb_vrrp_actions *a)
{
	struct node *n = &s->n[i];

	n->md = a->master_down_at;
	n->adv = a->adver_at;
	n->pre = a->preempt_at;
	if (a->flags & XLB_VRRP_ACT_LEAVE_MASTER) {
		cr_assert(n->holds_vip);
		n->holds_vip = false;
	}
	if (a->flags & XLB_VRRP_ACT_BECOME_MASTER) {
		cr_assert(!n->holds_vip);
		n->holds_vip = true;
	}
	if (a->flags & XLB_VRRP_ACT_SEND_ADVERT) {
		n->sent++;
		n->last_sent_at = s->now;
		sim_deliver(s, i, a->send_priority);
	}
}

static void sim_event(struct sim *s, int i, enum xlb_vrrp_ev_type t)
{
	struct xlb_vrrp_event e = { .type = t };
	struct xlb_vrrp_actions a;

	xlb_vrrp_transition(&s->n[i].f, &e, s->now, &a);
	sim_apply(s, i, &a);
}

static void sim_track(struct sim *s, int i, int script, bool ok)
{
	struct xlb_vrrp_actions a;

	xlb_vrrp_track_result(&s->n[i].tr.scripts[script], ok);
	if (xlb_vrrp_apply_tracking(&s->n[i].f, &s->n[i].tr, s->now, &a))
		sim_apply(s, i, &a);
}

/* Fire every timer due up to @until, in time order. */
static void sim_run(struct sim *s, uint64_t until)
{
	int guard;

	for (guard = 0; guard < 100000; guard++) {
		uint64_t best = 0;
		int who = -1, i;
		enum xlb_vrrp_ev_type t = XLB_VRRP_EV_ADVER_TIMER;

		for (i = 0; i < 2; i++) {
			struct node *n = &s->n[i];

			if (n->md && (!best || n->md < best)) {
				best = n->md; who = i; t = XLB_VRRP_EV_MASTER_DOWN_TIMER;
			}
			if (n->adv && (!best || n->adv < best)) {
				best = n->adv; who = i; t = XLB_VRRP_EV_ADVER_TIMER;
			}
			if (n->pre && (!best || n->pre < best)) {
				best = n->pre; who = i; t = XLB_VRRP_EV_PREEMPT_TIMER;
			}
		}
		if (who < 0 || best > until)
			break;
		cr_assert_geq(best, s->now, "time never runs backwards");
		s->now = best;
		sim_event(s, who, t);
	}
	cr_assert_lt(guard, 100000);
	s->now = until;
}

static void sim_node(struct sim *s, int i, uint8_t prio, bool preempt, uint32_t delay,
		     const char *self, int32_t track_weight)
{
	struct xlb_vrrp_cfg cfg = { .n_tracks = track_weight ? 1 : 0 };

	cfg.tracks[0].weight = track_weight;
	fsm(&s->n[i].f, 3, prio, 1000, preempt, delay, self);
	xlb_vrrp_tracking_init(&s->n[i].tr, &cfg);
}

static bool one_master(const struct sim *s)
{
	return s->n[0].holds_vip != s->n[1].holds_vip;
}

Test(vrrp_fsm, two_routers_elect_the_higher_priority)
{
	struct sim s = { 0 };

	sim_node(&s, 0, 200, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 100, true, 0, "10.0.0.2", 0);
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 60000);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_MASTER);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_BACKUP);
	cr_assert(s.n[0].holds_vip && !s.n[1].holds_vip);
	/* 200: 3000 + 56*1000/256 (218.75) */
	cr_assert_eq(s.n[0].f.cnt.last_transition_ms, 3218);
	cr_assert_eq(s.n[1].f.cnt.became_master, 0);
}

Test(vrrp_fsm, equal_priority_startup_settles_on_the_higher_address)
{
	struct sim s = { 0 };

	sim_node(&s, 0, 100, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 100, true, 0, "10.0.0.2", 0);
	/* started apart: the one that times out first is followed (9568 6.4.2) */
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 30000);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_MASTER);
	cr_assert(one_master(&s));

	/* a partition makes both MASTER; when it heals the higher address wins */
	memset(&s, 0, sizeof(s));
	sim_node(&s, 0, 100, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 100, true, 0, "10.0.0.2", 0);
	s.partitioned = true;
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 10000);
	cr_assert(s.n[0].holds_vip && s.n[1].holds_vip);
	s.partitioned = false;
	sim_run(&s, 30000);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_MASTER);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_BACKUP);
	cr_assert(one_master(&s));
}

Test(vrrp_fsm, clean_shutdown_hands_over_after_skew_time)
{
	struct sim s = { 0 };

	sim_node(&s, 0, 200, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 100, true, 0, "10.0.0.2", 0);
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 10500);
	sim_event(&s, 0, XLB_VRRP_EV_SHUTDOWN);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_INIT);
	cr_assert(!s.n[0].holds_vip);
	sim_run(&s, 20000);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_MASTER);
	/* Skew_Time of priority 100 = 609 ms, not the 3.6 s down interval */
	cr_assert_eq(s.n[1].f.cnt.last_transition_ms, 10500 + 609);
}

Test(vrrp_fsm, track_script_weight_hands_mastership_over_and_back)
{
	struct sim s = { 0 };
	uint64_t fail_at, last150;

	/* A: 100 + 50 while its script succeeds; B: 120 */
	sim_node(&s, 0, 100, true, 0, "10.0.0.1", 50);
	sim_node(&s, 1, 120, true, 0, "10.0.0.2", 0);
	sim_track(&s, 0, 0, true);
	cr_assert_eq(s.n[0].f.priority, 150);
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 10000);
	cr_assert(s.n[0].holds_vip && !s.n[1].holds_vip);

	/* A's script fails: priority 100 < 120, B preempts */
	fail_at = s.now + 300;
	sim_run(&s, fail_at);
	last150 = s.n[0].last_sent_at;
	cr_assert_lt(last150, fail_at);
	sim_track(&s, 0, 0, false);
	cr_assert_eq(s.n[0].last_sent_at, fail_at, "the new priority is announced at once");
	cr_assert_eq(s.n[0].f.priority, 100);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_MASTER, "still master until B takes over");
	sim_run(&s, fail_at + 10000);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_MASTER);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_BACKUP);
	cr_assert(one_master(&s));
	/* B ignored A's lower adverts: its timer ran from A's last 150 advert
	 * for 3 s + (256-120)*1000/256 (531.25) */
	cr_assert_eq(s.n[1].f.cnt.last_transition_ms, last150 + 3531);

	/* A recovers: 150 again, it preempts B the same way */
	sim_track(&s, 0, 0, true);
	cr_assert_eq(s.n[0].f.priority, 150);
	sim_run(&s, s.now + 10000);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_MASTER);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_BACKUP);
	cr_assert(one_master(&s));
	cr_assert_eq(s.n[0].f.cnt.became_master, 2);
	cr_assert_eq(s.n[1].f.cnt.became_master, 1);
}

Test(vrrp_fsm, nopreempt_backup_never_takes_over_a_running_master)
{
	struct sim s = { 0 };

	sim_node(&s, 0, 100, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 200, false, 0, "10.0.0.2", 0);
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 5000);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_MASTER);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 60000);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_MASTER);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_BACKUP);

	/* with preempt it takes over one down interval after its start */
	memset(&s, 0, sizeof(s));
	sim_node(&s, 0, 100, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 200, true, 0, "10.0.0.2", 0);
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 5000);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 60000);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_MASTER);
	cr_assert_eq(s.n[1].f.cnt.last_transition_ms, 5000 + 3218);
	cr_assert_eq(s.n[0].f.state, XLB_VRRP_BACKUP);

	/* with preempt_delay 10 s it waits that long after the first advert */
	memset(&s, 0, sizeof(s));
	sim_node(&s, 0, 100, true, 0, "10.0.0.1", 0);
	sim_node(&s, 1, 200, true, 10000, "10.0.0.2", 0);
	sim_event(&s, 0, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 5000);
	sim_event(&s, 1, XLB_VRRP_EV_STARTUP);
	sim_run(&s, 60000);
	cr_assert_eq(s.n[1].f.state, XLB_VRRP_MASTER);
	/* A (master since 3609) sends at 5609: the delay runs to 15609 */
	cr_assert_eq(s.n[1].f.cnt.last_transition_ms, 15609);
	cr_assert(one_master(&s));
}
