/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health manager: the glue xlbd uses. It owns one struct xlb_backend_health
 * per configured backend, schedules its probes on the event loop (each
 * backend at a stable phase within its interval, so probes are spread out),
 * feeds the results to xlb_backend_transition(), runs the fail_timeout
 * lockout timers and the per-service `notify` hook, and tells xlbd through
 * on_change which service's Maglev table to rebuild.
 */
#ifndef XLB_HEALTH_MGR_H
#define XLB_HEALTH_MGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "health.h"
#include "loop.h"

struct xlb_health_mgr;

/*
 * Called after any state change of a backend of @service_name (also when a
 * draining backend's probe verdict flips: its map entry changes). The
 * callback may call xlb_health_service_plan() and xlb_health_foreach(), not
 * xlb_health_update() or xlb_health_free().
 */
typedef void (*xlb_health_change_cb)(void *arg, const char *service_name);

/*
 * Track every backend of @cfg. Nothing is copied by reference: @cfg may be
 * freed afterwards. Returns NULL with errno set on failure.
 */
struct xlb_health_mgr *xlb_health_new(struct xlb_loop *loop, const struct xlb_cfg *cfg,
				      xlb_health_change_cb on_change, void *arg);
/*
 * Cancels every probe. Exec children are SIGKILLed and reaped before it
 * returns (it waits for that, at most 1 s), so it suits shutdown.
 */
void xlb_health_free(struct xlb_health_mgr *m);

/*
 * Switch to @cfg (a reload). Backends that remain, matched by service name +
 * address + port, keep their state, counters and admin holds; a change of
 * their config `down` value is applied as disable/enable. on_change is NOT
 * called from here: after a reload the caller rebuilds every service.
 * 0 or -ENOMEM (then the old set is kept).
 */
int xlb_health_update(struct xlb_health_mgr *m, const struct xlb_cfg *cfg);

enum xlb_admin_action {
	XLB_ADMIN_DISABLE = 0, /* no new flows, flows re-chosen; sticky */
	XLB_ADMIN_ENABLE,      /* back to what the probes say */
	XLB_ADMIN_DRAIN,       /* no new flows, flows kept; sticky */
};

/*
 * Apply @action to the backends of @service at @addr and @port (0 = any
 * port). Returns how many backends matched (>= 1), or -ENOENT (no such
 * service or backend) or -EINVAL.
 */
int xlb_health_admin(struct xlb_health_mgr *m, const char *service, const struct xlb_ip *addr,
		     uint16_t port, enum xlb_admin_action action);
/* "disable" | "enable" | "drain" -> action; 0 or -EINVAL. */
int xlb_admin_action_parse(const char *s, enum xlb_admin_action *out);

/*
 * Feed a result obtained elsewhere (a passive failure signal) for backends
 * matched as in xlb_health_admin(). This is how max_fails works for a
 * service with health_check type "none". Returns matches or -ENOENT.
 */
int xlb_health_report(struct xlb_health_mgr *m, const char *service, const struct xlb_ip *addr,
		      uint16_t port, bool ok, const char *detail);

/*
 * The data-plane plan of @service (see xlb_health_plan()): @out[i] is for
 * the i-th backend of the service in the current config. @n must be at
 * least the number of backends. Returns how many are in the table, or
 * -ENOENT (no such service) or -ENOSPC.
 */
int xlb_health_service_plan(struct xlb_health_mgr *m, const char *service,
			    struct xlb_health_plan_entry *out, size_t n);

/* One backend, for `xlbctl status`. Strings live until the next mgr call. */
struct xlb_backend_status {
	const char *service;
	struct xlb_ip addr;
	uint16_t port;
	uint32_t weight;
	bool     backup;
	enum xlb_backend_state state;
	bool     healthy;          /* probe verdict, whatever the admin hold */
	bool     in_table;         /* plan: in the Maglev table */
	uint8_t  dp_state;         /* plan: enum xlb_backend_dp_state */
	uint64_t changed_ms;       /* last state change, xlb_now_ms() clock */
	const char *change_reason; /* why, e.g. "3 consecutive http failures (status 503)" */
	const char *check;         /* "tcp", "http", "exec", "passive" */
	bool     active;           /* an active check runs */
	uint64_t last_probe_ms;    /* start of the last finished probe; 0 = none yet */
	bool     last_ok;
	const char *last_detail;   /* "status 200", "connect: Connection refused", ... */
	uint64_t next_probe_ms;    /* 0 = none scheduled */
	uint32_t ok_run;           /* consecutive successes (towards rise) */
	uint32_t fail_run;         /* consecutive failures (towards fall) */
	uint32_t rise, fall;
	uint32_t window_fails;     /* max_fails accounting in the current window */
	uint32_t max_fails;
	uint64_t locked_until_ms;  /* != 0: locked out by max_fails until then */
	uint64_t probes;           /* probes finished */
	uint64_t probe_failures;
};

/*
 * Call @cb for every backend, services and backends in config order. Stops
 * and returns the first non-zero value @cb returns; otherwise 0.
 */
int xlb_health_foreach(struct xlb_health_mgr *m,
		       int (*cb)(void *arg, const struct xlb_backend_status *st), void *arg);

#endif /* XLB_HEALTH_MGR_H */
