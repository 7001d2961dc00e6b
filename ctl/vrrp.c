// SPDX-License-Identifier: GPL-2.0
/*
 * VRRP state machine (RFC 9568 6.4, RFC 3768 6.4) and keepalived-style
 * tracking. xlb_vrrp_transition() is the only writer of fsm->state.
 */
#include <string.h>

#include "vrrp.h"

const char *xlb_vrrp_state_name(enum xlb_vrrp_state s)
{
	switch (s) {
	case XLB_VRRP_INIT:   return "INIT";
	case XLB_VRRP_BACKUP: return "BACKUP";
	case XLB_VRRP_MASTER: return "MASTER";
	case XLB_VRRP_FAULT:  return "FAULT";
	}
	return "UNKNOWN";
}

void xlb_vrrp_fsm_init(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_fsm_cfg *cfg)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->state = XLB_VRRP_INIT;
	f->priority = cfg->priority;
	f->master_adver_int_ms = cfg->advert_int_ms;
}

uint32_t xlb_vrrp_skew_ms(const struct xlb_vrrp_fsm *f)
{
	uint32_t weight = 256u - f->priority;

	/* v2 (RFC 3768 6.1): a fraction of one second whatever the interval. */
	if (f->cfg.version == 2)
		return weight * 1000u / 256u;
	/* v3 (RFC 9568 6.1): scaled by the master's interval. */
	return (uint32_t)((uint64_t)weight * f->master_adver_int_ms / 256u);
}

uint32_t xlb_vrrp_master_down_ms(const struct xlb_vrrp_fsm *f)
{
	return 3u * f->master_adver_int_ms + xlb_vrrp_skew_ms(f);
}

static bool is_owner(const struct xlb_vrrp_fsm *f)
{
	return f->cfg.priority == 255;
}

/* Unsigned comparison of primary addresses in network order (RFC 9568 6.4.3). */
static int addr_cmp(const struct xlb_ip *a, const struct xlb_ip *b)
{
	size_t len = (a->family == XLB_AF_INET6 || b->family == XLB_AF_INET6) ? 16 : 4;

	return memcmp(a->a, b->a, len);
}

static void send_advert(struct xlb_vrrp_actions *act, uint8_t priority)
{
	act->flags |= XLB_VRRP_ACT_SEND_ADVERT;
	act->send_priority = priority;
}

static void set_state(struct xlb_vrrp_fsm *f, enum xlb_vrrp_state s)
{
	f->state = s;
}

static void become_master(struct xlb_vrrp_fsm *f, uint64_t now, struct xlb_vrrp_actions *act)
{
	send_advert(act, f->priority);
	act->flags |= XLB_VRRP_ACT_BECOME_MASTER;
	f->adver_at = now + f->cfg.advert_int_ms;
	f->master_down_at = 0;
	f->preempt_at = 0;
	f->master = f->cfg.self;
	f->master_priority = f->priority;
	f->cnt.became_master++;
	set_state(f, XLB_VRRP_MASTER);
}

static void leave_master(struct xlb_vrrp_fsm *f, struct xlb_vrrp_actions *act)
{
	act->flags |= XLB_VRRP_ACT_LEAVE_MASTER;
	f->adver_at = 0;
}

/* RFC 9568 6.4.1: Startup in Initialize (also the way out of FAULT). */
static void start(struct xlb_vrrp_fsm *f, uint64_t now, struct xlb_vrrp_actions *act)
{
	if (f->faulted) {
		set_state(f, XLB_VRRP_FAULT);
		return;
	}
	if (is_owner(f)) {
		become_master(f, now, act);
		return;
	}
	f->master_adver_int_ms = f->cfg.advert_int_ms;
	f->master_down_at = now + xlb_vrrp_master_down_ms(f);
	f->preempt_at = 0;
	memset(&f->master, 0, sizeof(f->master));
	f->master_priority = 0;
	set_state(f, XLB_VRRP_BACKUP);
}

/* Follow the advertising master: adopt its interval, restart the down timer. */
static void follow_master(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_event *ev, uint64_t now)
{
	/* v2 intervals must match (mismatches are dropped on receipt). */
	if (f->cfg.version == 3 && ev->interval_ms)
		f->master_adver_int_ms = ev->interval_ms;
	f->master_down_at = now + xlb_vrrp_master_down_ms(f);
}

/* RFC 9568 6.4.2, with keepalived's preempt_delay. */
static void backup_advert(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_event *ev, uint64_t now)
{
	f->master = ev->src;
	f->master_priority = ev->priority;
	if (ev->priority == 0) {
		/* The master is leaving: take over after Skew_Time only. */
		f->master_down_at = now + xlb_vrrp_skew_ms(f);
		f->preempt_at = 0;
		return;
	}
	if (!f->cfg.preempt || ev->priority >= f->priority) {
		f->preempt_at = 0;
		follow_master(f, ev, now);
		return;
	}
	/*
	 * Preempting a lower-priority master. RFC: discard the advert, so the
	 * down timer runs out. preempt_delay: keep following it until the
	 * delay (counted from the first lower advert) is over, then take over
	 * at once when the preempt timer fires.
	 */
	if (!f->cfg.preempt_delay_ms)
		return;
	if (!f->preempt_at)
		f->preempt_at = now + f->cfg.preempt_delay_ms;
	if (now < f->preempt_at)
		follow_master(f, ev, now);
}

/* RFC 9568 6.4.3 */
static void master_advert(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_event *ev, uint64_t now,
			  struct xlb_vrrp_actions *act)
{
	if (ev->priority == 0) {
		send_advert(act, f->priority);
		f->adver_at = now + f->cfg.advert_int_ms;
		return;
	}
	if (ev->priority > f->priority ||
	    (ev->priority == f->priority && addr_cmp(&ev->src, &f->cfg.self) > 0)) {
		leave_master(f, act);
		f->master = ev->src;
		f->master_priority = ev->priority;
		follow_master(f, ev, now);
		set_state(f, XLB_VRRP_BACKUP);
		return;
	}
	/* 9568: assert mastership to the sender (and to learning bridges) now. */
	send_advert(act, f->priority);
}

void xlb_vrrp_transition(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_event *ev,
			 uint64_t now, struct xlb_vrrp_actions *act)
{
	memset(act, 0, sizeof(*act));
	act->from = f->state;

	switch (ev->type) {
	case XLB_VRRP_EV_STARTUP:
		if (f->state == XLB_VRRP_INIT)
			start(f, now, act);
		break;

	case XLB_VRRP_EV_SHUTDOWN:
		if (f->state == XLB_VRRP_MASTER) {
			/* RFC 9568 6.4.3: priority 0 so backups take over after Skew_Time. */
			send_advert(act, 0);
			leave_master(f, act);
		}
		f->master_down_at = f->adver_at = f->preempt_at = 0;
		set_state(f, XLB_VRRP_INIT);
		break;

	case XLB_VRRP_EV_ADVERT:
		f->cnt.adverts_rx++;
		if (!ev->priority)
			f->cnt.prio0_rx++;
		if (f->state == XLB_VRRP_BACKUP)
			backup_advert(f, ev, now);
		else if (f->state == XLB_VRRP_MASTER)
			master_advert(f, ev, now, act);
		break;

	case XLB_VRRP_EV_MASTER_DOWN_TIMER:
		if (f->state == XLB_VRRP_BACKUP && f->master_down_at && now >= f->master_down_at)
			become_master(f, now, act);
		break;

	case XLB_VRRP_EV_ADVER_TIMER:
		if (f->state == XLB_VRRP_MASTER && f->adver_at && now >= f->adver_at) {
			send_advert(act, f->priority);
			f->adver_at = now + f->cfg.advert_int_ms;
		}
		break;

	case XLB_VRRP_EV_PREEMPT_TIMER:
		if (f->state != XLB_VRRP_BACKUP || !f->preempt_at || now < f->preempt_at)
			break;
		f->preempt_at = 0;
		if (f->cfg.preempt && f->master_priority && f->master_priority < f->priority)
			become_master(f, now, act);
		break;

	case XLB_VRRP_EV_PRIORITY:
		f->priority = ev->priority;
		if (f->state == XLB_VRRP_MASTER) {
			/* Tell the backups now rather than at the next interval. */
			send_advert(act, f->priority);
			f->master_priority = f->priority;
		} else if (f->state == XLB_VRRP_BACKUP && f->preempt_at &&
			   f->master_priority >= f->priority) {
			f->preempt_at = 0;
		}
		break;

	case XLB_VRRP_EV_FAULT:
		f->faulted = true;
		f->priority = ev->priority;
		if (f->state == XLB_VRRP_MASTER) {
			send_advert(act, 0);
			leave_master(f, act);
		}
		if (f->state == XLB_VRRP_MASTER || f->state == XLB_VRRP_BACKUP) {
			f->master_down_at = f->adver_at = f->preempt_at = 0;
			set_state(f, XLB_VRRP_FAULT);
		}
		break;

	case XLB_VRRP_EV_UNFAULT:
		f->faulted = false;
		f->priority = ev->priority;
		if (f->state == XLB_VRRP_FAULT)
			start(f, now, act);
		break;
	}

	act->to = f->state;
	if (act->to != act->from) {
		act->flags |= XLB_VRRP_ACT_NOTIFY;
		f->cnt.transitions++;
		f->cnt.last_transition_ms = now;
	}
	act->master_down_at = f->master_down_at;
	act->adver_at = f->adver_at;
	act->preempt_at = f->preempt_at;
}

/* ---- tracking ------------------------------------------------------------ */

void xlb_vrrp_tracking_init(struct xlb_vrrp_tracking *tr, const struct xlb_vrrp_cfg *cfg)
{
	size_t i;

	memset(tr, 0, sizeof(*tr));
	tr->n_scripts = cfg->n_tracks < XLB_MAX_TRACK ? cfg->n_tracks : XLB_MAX_TRACK;
	for (i = 0; i < tr->n_scripts; i++) {
		tr->scripts[i].weight = cfg->tracks[i].weight;
		tr->scripts[i].rise = cfg->tracks[i].rise ? cfg->tracks[i].rise : 1;
		tr->scripts[i].fall = cfg->tracks[i].fall ? cfg->tracks[i].fall : 1;
		tr->scripts[i].up = -1;
	}
	tr->track_interface = cfg->track_interface;
	tr->link_up = true;
	tr->track_backends = cfg->track_backends;
	tr->backends_weight = cfg->track_backends_weight;
	tr->backends_up = true;
}

bool xlb_vrrp_track_result(struct xlb_vrrp_track *t, bool ok)
{
	if (t->up < 0) {
		t->up = ok;
		t->streak = 0;
		return true;
	}
	if (ok == (t->up == 1)) {
		t->streak = 0;
		return false;
	}
	if (++t->streak < (ok ? t->rise : t->fall))
		return false;
	t->up = ok;
	t->streak = 0;
	return true;
}

void xlb_vrrp_tracking_eval(const struct xlb_vrrp_tracking *tr, uint8_t base,
			    uint8_t *priority, bool *fault)
{
	int32_t p = base;
	bool owner = base == 255;
	size_t i;

	*fault = false;
	for (i = 0; i < tr->n_scripts; i++) {
		const struct xlb_vrrp_track *t = &tr->scripts[i];

		if (t->up < 0)
			continue;
		if (t->weight == 0 && !t->up)
			*fault = true;
		else if (t->weight > 0 && t->up)
			p += t->weight;
		else if (t->weight < 0 && !t->up)
			p += t->weight;
	}
	if (tr->track_interface && !tr->link_up)
		*fault = true;
	if (tr->track_backends && !tr->backends_up) {
		if (tr->backends_weight <= -254)
			*fault = true;
		else
			p += tr->backends_weight;
	}
	if (owner)
		p = 255;
	else if (p < 1)
		p = 1;
	else if (p > 254)
		p = 254;
	*priority = (uint8_t)p;
}

bool xlb_vrrp_apply_tracking(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_tracking *tr,
			     uint64_t now, struct xlb_vrrp_actions *act)
{
	struct xlb_vrrp_event ev = { 0 };
	uint8_t prio;
	bool fault;

	xlb_vrrp_tracking_eval(tr, f->cfg.priority, &prio, &fault);
	if (fault && !f->faulted)
		ev.type = XLB_VRRP_EV_FAULT;
	else if (!fault && f->faulted)
		ev.type = XLB_VRRP_EV_UNFAULT;
	else if (prio != f->priority)
		ev.type = XLB_VRRP_EV_PRIORITY;
	else {
		memset(act, 0, sizeof(*act));
		act->from = act->to = f->state;
		act->master_down_at = f->master_down_at;
		act->adver_at = f->adver_at;
		act->preempt_at = f->preempt_at;
		return false;
	}
	ev.priority = prio;
	xlb_vrrp_transition(f, &ev, now, act);
	return true;
}
