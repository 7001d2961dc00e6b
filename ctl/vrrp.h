/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VRRP state machine of one virtual router instance, and the tracking
 * arithmetic that feeds it an effective priority. Pure: no sockets, no clock
 * reads, no allocation. The caller (ctl/vrrp_io.c) turns received adverts,
 * fired timers and tracking results into events, passes the current time,
 * and carries out the returned actions.
 *
 * States and the one transition function follow RFC 9568 6.4 (v3; its
 * "Active" is called MASTER here, as in RFC 3768 and keepalived) and RFC 3768
 * 6.4 (v2), plus keepalived's FAULT state, preempt_delay and tracking.
 *
 * Timers (all absolute CLOCK_MONOTONIC milliseconds, 0 = not running):
 *   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
 *   v3: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256
 *   v2: Skew_Time = (256 - Priority) / 256 seconds
 * computed in milliseconds and rounded down (the wire carries centiseconds
 * for v3, seconds for v2; the loop's clock has millisecond resolution).
 */
#ifndef XLB_VRRP_H
#define XLB_VRRP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "vrrp_pkt.h"

enum xlb_vrrp_state {
	XLB_VRRP_INIT = 0, /* RFC "Initialize": not started, or stopped */
	XLB_VRRP_BACKUP,
	XLB_VRRP_MASTER,   /* RFC 9568 "Active" */
	XLB_VRRP_FAULT,    /* keepalived: a tracked condition forbids taking part */
};

/* "INIT", "BACKUP", "MASTER", "FAULT". */
const char *xlb_vrrp_state_name(enum xlb_vrrp_state s);

enum xlb_vrrp_ev_type {
	XLB_VRRP_EV_STARTUP,           /* RFC Startup event */
	XLB_VRRP_EV_SHUTDOWN,          /* RFC Shutdown event */
	XLB_VRRP_EV_ADVERT,            /* a decoded, accepted advertisement */
	XLB_VRRP_EV_MASTER_DOWN_TIMER, /* Master_Down_Timer fired */
	XLB_VRRP_EV_ADVER_TIMER,       /* Adver_Timer fired */
	XLB_VRRP_EV_PREEMPT_TIMER,     /* preempt_delay ran out */
	XLB_VRRP_EV_PRIORITY,          /* tracking changed the effective priority */
	XLB_VRRP_EV_FAULT,             /* tracking: a FAULT condition appeared */
	XLB_VRRP_EV_UNFAULT,           /* tracking: the last FAULT condition cleared */
};

struct xlb_vrrp_event {
	enum xlb_vrrp_ev_type type;
	/* ADVERT: the sender's priority; PRIORITY/FAULT/UNFAULT: our new
	 * effective priority. */
	uint8_t  priority;
	uint32_t interval_ms;  /* ADVERT: the advert's interval */
	struct xlb_ip src;     /* ADVERT: the sender's primary address */
};

/* Action flags. The caller performs them in this order: */
#define XLB_VRRP_ACT_SEND_ADVERT   (1u << 0) /* 1. send one advert, send_priority */
#define XLB_VRRP_ACT_LEAVE_MASTER  (1u << 1) /* 2. detach XDP, remove VIPs */
#define XLB_VRRP_ACT_BECOME_MASTER (1u << 2) /* 2. add VIPs, attach XDP, GARP/NA */
#define XLB_VRRP_ACT_NOTIFY        (1u << 3) /* 3. state changed from -> to: notify hook */

struct xlb_vrrp_actions {
	unsigned int flags;
	uint8_t  send_priority;
	enum xlb_vrrp_state from, to;
	/* Where each timer must stand after the event: arm at the deadline,
	 * or cancel when 0. Always filled in, changed or not. */
	uint64_t master_down_at;
	uint64_t adver_at;
	uint64_t preempt_at;
};

/* Per-instance counters, shown by `xlbctl status`. */
struct xlb_vrrp_counters {
	uint64_t adverts_rx;          /* accepted and handed to the state machine */
	uint64_t adverts_tx;          /* sent (counted by the I/O layer) */
	uint64_t prio0_rx;
	uint64_t prio0_tx;
	uint64_t send_errors;
	uint64_t addr_list_mismatch;  /* accepted with another address list (logged) */
	uint64_t drops[XLB_VRRP_DROP_MAX]; /* by enum xlb_vrrp_drop (I/O layer) */
	uint64_t transitions;
	uint64_t became_master;
	uint64_t last_transition_ms;  /* monotonic ms; 0 = never */
};

/* The configuration the state machine needs (a subset of xlb_vrrp_cfg). */
struct xlb_vrrp_fsm_cfg {
	uint8_t  version;          /* 2 or 3 */
	uint8_t  priority;         /* configured; 255 = address owner */
	uint32_t advert_int_ms;    /* our Advertisement_Interval */
	bool     preempt;
	uint32_t preempt_delay_ms; /* 0 = RFC behaviour */
	struct xlb_ip self;        /* our primary address: the tie-break */
};

struct xlb_vrrp_fsm {
	struct xlb_vrrp_fsm_cfg cfg;
	enum xlb_vrrp_state state;     /* written only by xlb_vrrp_transition() */
	uint8_t  priority;             /* effective priority in use */
	bool     faulted;              /* a FAULT condition holds (may precede STARTUP) */
	uint32_t master_adver_int_ms;  /* Master_Adver_Interval */
	uint64_t master_down_at;
	uint64_t adver_at;
	uint64_t preempt_at;
	struct xlb_ip master;          /* current/last master seen; us when MASTER */
	uint8_t  master_priority;      /* its last advertised priority */
	struct xlb_vrrp_counters cnt;
};

/* Reset @f to INIT with @cfg; the effective priority starts at cfg->priority. */
void xlb_vrrp_fsm_init(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_fsm_cfg *cfg);

/*
 * THE transition function: apply @ev at time @now, fill @act (always fully
 * written). Events that do not apply to the current state (a stale timer,
 * an advert in INIT or FAULT) change nothing but counters.
 */
void xlb_vrrp_transition(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_event *ev,
			 uint64_t now, struct xlb_vrrp_actions *act);

uint32_t xlb_vrrp_skew_ms(const struct xlb_vrrp_fsm *f);
uint32_t xlb_vrrp_master_down_ms(const struct xlb_vrrp_fsm *f);

/* ---- tracking (keepalived semantics) ------------------------------------ */

/* One track_script's health after rise/fall filtering. */
struct xlb_vrrp_track {
	int32_t  weight;    /* >0: added while up; <0: added while down; 0: down = FAULT */
	uint32_t rise;      /* consecutive successes to go up (>= 1) */
	uint32_t fall;      /* consecutive failures to go down (>= 1) */
	int      up;        /* -1 no result yet (counts neither way), 0 down, 1 up */
	uint32_t streak;    /* consecutive results against the current state */
};

/* Everything that moves the effective priority or causes FAULT. */
struct xlb_vrrp_tracking {
	struct xlb_vrrp_track scripts[XLB_MAX_TRACK];
	size_t   n_scripts;
	bool     track_interface;   /* link down => FAULT */
	bool     link_up;
	bool     track_backends;
	int32_t  backends_weight;   /* applied while no backend is up; <= -254: FAULT */
	bool     backends_up;
};

/* Fill @tr from the instance configuration: scripts unknown, link and backends up. */
void xlb_vrrp_tracking_init(struct xlb_vrrp_tracking *tr, const struct xlb_vrrp_cfg *cfg);

/*
 * Feed one script result (@ok: exit status 0 within the timeout). The first
 * result sets the state directly; after that @rise successes in a row bring
 * a down script up and @fall failures in a row take an up script down.
 * Returns true when the script's up/down state changed.
 */
bool xlb_vrrp_track_result(struct xlb_vrrp_track *t, bool ok);

/*
 * Effective priority and FAULT from @base (the configured priority) and the
 * tracking inputs. Weights do not apply to the address owner (255), whose
 * priority is fixed by RFC 9568 5.2.4; otherwise the result is clamped to
 * 1..254 (backups must stay in 1..254).
 */
void xlb_vrrp_tracking_eval(const struct xlb_vrrp_tracking *tr, uint8_t base,
			    uint8_t *priority, bool *fault);

/*
 * Evaluate @tr and, if the priority or the FAULT condition changed, run the
 * one matching event (FAULT, UNFAULT or PRIORITY) through
 * xlb_vrrp_transition(). Returns true when an event was run (@act is then
 * valid), false when nothing changed (@act zeroed, with current deadlines).
 */
bool xlb_vrrp_apply_tracking(struct xlb_vrrp_fsm *f, const struct xlb_vrrp_tracking *tr,
			     uint64_t now, struct xlb_vrrp_actions *act);

#endif /* XLB_VRRP_H */
