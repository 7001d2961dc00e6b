/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backend health: the pure state machine. No sockets, no clock of its own:
 * every event carries now_ms, so tests drive it with a fake clock.
 *
 * A backend's state is the one enum xlb_backend_state below and only
 * xlb_backend_transition() writes it (and logs each change once, at info
 * level, with the reason). Underneath the state it keeps the probe verdict
 * ("healthy"), the rise/fall run counters, the nginx-style max_fails window
 * and fail_timeout lockout, and the administrative hold (disable, drain), so
 * that enabling a backend returns it to whatever the probes say.
 *
 * xlb_health_plan() turns the states of one service's backends into what the
 * data plane needs: which backends go into the Maglev table and the
 * enum xlb_backend_dp_state of each.
 */
#ifndef XLB_HEALTH_H
#define XLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xlb/abi.h>

enum xlb_backend_state {
	XLB_BACKEND_UP = 0,    /* takes new flows (backups: when no primary is up) */
	XLB_BACKEND_DOWN,      /* failed its check or locked out by max_fails */
	XLB_BACKEND_DISABLED,  /* config `down: true` or admin disable; sticky */
	XLB_BACKEND_DRAINING,  /* admin drain: no new flows, flows kept; sticky */
};

enum xlb_health_event_type {
	XLB_HEV_PROBE_OK = 0,  /* a check (or a passive report) succeeded */
	XLB_HEV_PROBE_FAIL,    /* a check (or a passive report) failed */
	XLB_HEV_ADMIN_DISABLE,
	XLB_HEV_ADMIN_ENABLE,
	XLB_HEV_ADMIN_DRAIN,
	XLB_HEV_LOCKOUT_END,   /* the fail_timeout lockout timer fired */
	XLB_HEV_CONFIG_DOWN,   /* config says `down: true` (start, or changed on reload) */
	XLB_HEV_CONFIG_UP,     /* config `down` cleared by a reload: like enable */
	XLB_HEV_PARAMS,        /* new parameters from a reload (event.params) */
};

/* Per-backend knobs, resolved from the service check and backend overrides. */
struct xlb_health_params {
	bool     active;          /* an active check runs (health_check type != none) */
	char     check[8];        /* "tcp", "http", "exec", "none": used in messages */
	uint32_t rise;            /* successes that bring a DOWN backend UP (>= 1) */
	uint32_t fall;            /* failures that take an UP backend DOWN (>= 1) */
	uint32_t max_fails;       /* failures within fail_timeout that lock it out; 0 = off */
	uint32_t fail_timeout_ms; /* window for max_fails and length of the lockout */
	bool     backup;          /* serves only while no primary of the service is UP */
};

struct xlb_health_event {
	enum xlb_health_event_type type;
	uint64_t now_ms;
	/* PROBE_FAIL: short reason such as "status 503", "connect: Connection
	 * refused", "timeout"; PROBE_OK: optional ("status 200"). May be NULL. */
	const char *detail;
	/* PARAMS: the new parameters. */
	const struct xlb_health_params *params;
};

enum xlb_health_hold {
	XLB_HOLD_NONE = 0,
	XLB_HOLD_DISABLED,
	XLB_HOLD_DRAINING,
};

#define XLB_HEALTH_REASON_MAX 128
#define XLB_HEALTH_NAME_MAX   128

struct xlb_backend_health {
	/* Written only by xlb_backend_transition(). */
	enum xlb_backend_state state;
	bool     healthy;          /* probe verdict (rise/fall, lockout), ignoring holds */
	enum xlb_health_hold hold; /* administrative hold */
	uint32_t ok_run;           /* consecutive successes counted towards rise */
	uint32_t fail_run;         /* consecutive failures */
	uint32_t window_fails;     /* max_fails accounting: failures in the window */
	uint64_t window_start_ms;  /* when the current max_fails window opened */
	uint64_t locked_until_ms;  /* != 0: fail_timeout lockout until then */
	uint64_t changed_ms;       /* time of the last state change */
	char     reason[XLB_HEALTH_REASON_MAX]; /* why the last state change happened */
	struct xlb_health_params p;
	/* Label for messages, e.g. "web 192.168.12.183:80". */
	char     name[XLB_HEALTH_NAME_MAX];
};

/*
 * Set up @h for a new backend: UP (traffic flows at once, as with nginx and
 * keepalived without `alpha`), counters zero. A backend configured `down`
 * then gets an XLB_HEV_CONFIG_DOWN event from its owner.
 */
void xlb_backend_health_init(struct xlb_backend_health *h, const char *name,
			     const struct xlb_health_params *p, uint64_t now_ms);

/*
 * Apply one event to @h. Returns true if the state changed (each change is
 * logged once at info level, "NAME STATE: REASON"), false otherwise.
 * An expired lockout is ended first, whatever the event.
 */
bool xlb_backend_transition(struct xlb_backend_health *h, const struct xlb_health_event *ev);

/* When the lockout of @h ends, or 0 if it is not locked out. */
static inline uint64_t xlb_backend_locked_until(const struct xlb_backend_health *h)
{
	return h->locked_until_ms;
}

const char *xlb_backend_state_str(enum xlb_backend_state s);
/* 0 and *out set, or -EINVAL. Accepts the strings above. */
int xlb_backend_state_parse(const char *s, enum xlb_backend_state *out);

/* What the data plane should do with one backend. */
struct xlb_health_plan_entry {
	bool    in_table;  /* goes into the service's Maglev table */
	uint8_t dp_state;  /* enum xlb_backend_dp_state */
};

/*
 * The map effect of the states of one service's @n backends (@bs[i] may not
 * be NULL). UP primaries are in the table; if no primary is UP, the UP
 * backups are. UP backends left out are XLB_BE_DRAINING (flows kept, no new
 * ones). DRAINING backends are XLB_BE_DRAINING while their probes pass and
 * XLB_BE_DOWN once they fail (a dead backend's flows are better re-chosen).
 * DOWN and DISABLED are XLB_BE_DOWN.
 * Fills @out[0..n-1]; returns how many are in the table (0: service empty).
 */
size_t xlb_health_plan(const struct xlb_backend_health *const *bs, size_t n,
		       struct xlb_health_plan_entry *out);

#endif /* XLB_HEALTH_H */
