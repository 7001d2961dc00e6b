// SPDX-License-Identifier: GPL-2.0
/*
 * Backend health state machine (see health.h). Pure: no I/O but the one
 * info-level log line per change.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "log.h"

static const char *const state_names[] = {
	[XLB_BACKEND_UP]       = "up",
	[XLB_BACKEND_DOWN]     = "down",
	[XLB_BACKEND_DISABLED] = "disabled",
	[XLB_BACKEND_DRAINING] = "draining",
};

const char *xlb_backend_state_str(enum xlb_backend_state s)
{
	if ((unsigned int)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[s];
}

int xlb_backend_state_parse(const char *s, enum xlb_backend_state *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (!strcmp(s, state_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

void xlb_backend_health_init(struct xlb_backend_health *h, const char *name,
			     const struct xlb_health_params *p, uint64_t now_ms)
{
	memset(h, 0, sizeof(*h)); /* state XLB_BACKEND_UP, no hold */
	h->healthy = true;
	h->p = *p;
	if (!h->p.rise)
		h->p.rise = 1;
	if (!h->p.fall)
		h->p.fall = 1;
	h->changed_ms = now_ms;
	snprintf(h->name, sizeof(h->name), "%s", name ? name : "backend");
	snprintf(h->reason, sizeof(h->reason), "initial state");
}

static enum xlb_backend_state derived_state(const struct xlb_backend_health *h)
{
	if (h->hold == XLB_HOLD_DISABLED)
		return XLB_BACKEND_DISABLED;
	if (h->hold == XLB_HOLD_DRAINING)
		return XLB_BACKEND_DRAINING;
	return h->healthy ? XLB_BACKEND_UP : XLB_BACKEND_DOWN;
}

/*
 * Recompute the state after the caller changed healthy or hold. Logs and
 * returns true if the state changed, or if the probe verdict flipped under
 * a hold (which matters for a draining backend's map entry and for status).
 */
static bool __attribute__((format(printf, 4, 5)))
commit(struct xlb_backend_health *h, bool was_healthy, uint64_t now, const char *fmt, ...)
{
	enum xlb_backend_state s = derived_state(h);
	va_list ap;

	if (s == h->state && was_healthy == h->healthy)
		return false;
	va_start(ap, fmt);
	vsnprintf(h->reason, sizeof(h->reason), fmt, ap);
	va_end(ap);
	if (s != h->state) {
		h->state = s;
		h->changed_ms = now;
		pr_info("%s %s: %s\n", h->name, xlb_backend_state_str(s), h->reason);
	} else {
		pr_info("%s %s: probes now say %s: %s\n", h->name, xlb_backend_state_str(s),
			h->healthy ? "up" : "down", h->reason);
	}
	return true;
}

static bool locked(const struct xlb_backend_health *h)
{
	return h->locked_until_ms != 0;
}

static bool max_fails_on(const struct xlb_health_params *p)
{
	return p->max_fails && p->fail_timeout_ms;
}

static void fmt_secs(char *buf, size_t len, uint32_t ms)
{
	if (ms % 1000)
		snprintf(buf, len, "%u.%03us", ms / 1000, ms % 1000);
	else
		snprintf(buf, len, "%us", ms / 1000);
}

static bool end_lockout(struct xlb_backend_health *h, uint64_t now)
{
	bool was = h->healthy;
	char t[24];

	h->locked_until_ms = 0;
	h->window_fails = 0;
	h->ok_run = 0;
	if (h->p.active) {
		/* From here the check's rise decides, as for any DOWN backend. */
		pr_debug("%s: fail_timeout over, waiting for %u good %s checks\n", h->name,
			 h->p.rise, h->p.check);
		return false;
	}
	h->healthy = true;
	fmt_secs(t, sizeof(t), h->p.fail_timeout_ms);
	return commit(h, was, now, "fail_timeout %s expired, trying again", t);
}

static const char *detail_or(const struct xlb_health_event *ev, const char *dflt)
{
	return ev->detail && *ev->detail ? ev->detail : dflt;
}

static bool on_ok(struct xlb_backend_health *h, const struct xlb_health_event *ev)
{
	uint32_t need = h->p.active ? h->p.rise : 1;
	bool was = h->healthy;

	h->fail_run = 0;
	if (locked(h)) {
		/* Successes during the lockout do not count towards rise. */
		h->ok_run = 0;
		return false;
	}
	if (h->ok_run < UINT32_MAX)
		h->ok_run++;
	if (h->healthy || h->ok_run < need)
		return false;
	h->healthy = true;
	return commit(h, was, ev->now_ms, "%u consecutive %s success%s", h->ok_run, h->p.check,
		      h->ok_run == 1 ? "" : "es");
}

static bool on_fail(struct xlb_backend_health *h, const struct xlb_health_event *ev)
{
	const char *why = detail_or(ev, "failed");
	uint64_t now = ev->now_ms;
	bool was = h->healthy;

	h->ok_run = 0;
	if (h->fail_run < UINT32_MAX)
		h->fail_run++;
	if (locked(h))
		return false; /* already out until the lockout ends */

	if (max_fails_on(&h->p)) {
		/* A window opens at the first failure and lasts fail_timeout. */
		if (!h->window_fails || now - h->window_start_ms >= h->p.fail_timeout_ms) {
			h->window_start_ms = now;
			h->window_fails = 0;
		}
		h->window_fails++;
		if (h->window_fails >= h->p.max_fails) {
			uint32_t n = h->window_fails;
			char t[24];

			h->window_fails = 0;
			h->locked_until_ms = now + h->p.fail_timeout_ms;
			h->healthy = false;
			fmt_secs(t, sizeof(t), h->p.fail_timeout_ms);
			if (!commit(h, was, now, "%u %s failure%s within %s (%s), out for %s", n,
				    h->p.check, n == 1 ? "" : "s", t, why, t))
				pr_info("%s: %u %s failure%s within %s (%s), out for %s\n", h->name,
					n, h->p.check, n == 1 ? "" : "s", t, why, t);
			return h->healthy != was;
		}
	}
	if (!h->p.active || !h->healthy || h->fail_run < h->p.fall)
		return false;
	h->healthy = false;
	return commit(h, was, now, "%u consecutive %s failure%s (%s)", h->fail_run, h->p.check,
		      h->fail_run == 1 ? "" : "s", why);
}

static bool on_params(struct xlb_backend_health *h, const struct xlb_health_event *ev)
{
	const struct xlb_health_params *np = ev->params;
	bool was = h->healthy, was_locked = locked(h), backup_changed, woke = false;

	if (!np)
		return false;
	backup_changed = np->backup != h->p.backup;
	if (np->active != h->p.active) {
		h->ok_run = 0;
		h->fail_run = 0;
	}
	h->p = *np;
	if (!h->p.rise)
		h->p.rise = 1;
	if (!h->p.fall)
		h->p.fall = 1;
	if (locked(h) && !max_fails_on(&h->p)) {
		/* max_fails turned off: no lockout to serve any more. */
		h->locked_until_ms = 0;
		h->window_fails = 0;
	}
	if (!max_fails_on(&h->p))
		h->window_fails = 0;
	if (!h->p.active && !h->healthy && !locked(h)) {
		/* Nothing would ever bring it back: no check runs. */
		h->healthy = true;
		woke = commit(h, was, ev->now_ms, "%s", was_locked ? "max_fails turned off" :
			      "health check removed");
	}
	return woke || backup_changed;
}

bool xlb_backend_transition(struct xlb_backend_health *h, const struct xlb_health_event *ev)
{
	uint64_t now = ev->now_ms;
	bool changed = false, was = h->healthy;

	if (locked(h) && now >= h->locked_until_ms)
		changed = end_lockout(h, now);

	switch (ev->type) {
	case XLB_HEV_PROBE_OK:
		changed |= on_ok(h, ev);
		break;
	case XLB_HEV_PROBE_FAIL:
		changed |= on_fail(h, ev);
		break;
	case XLB_HEV_LOCKOUT_END:
		/* Handled above when due; an early or stale timer is a no-op. */
		break;
	case XLB_HEV_ADMIN_DISABLE:
	case XLB_HEV_CONFIG_DOWN:
		h->hold = XLB_HOLD_DISABLED;
		changed |= commit(h, was, now, "%s", ev->type == XLB_HEV_CONFIG_DOWN ?
				  "config down" : "admin disable");
		break;
	case XLB_HEV_ADMIN_DRAIN:
		h->hold = XLB_HOLD_DRAINING;
		changed |= commit(h, was, now, "admin drain");
		break;
	case XLB_HEV_ADMIN_ENABLE:
	case XLB_HEV_CONFIG_UP:
		h->hold = XLB_HOLD_NONE;
		changed |= commit(h, was, now, "%s%s",
				  ev->type == XLB_HEV_CONFIG_UP ? "config down removed" :
				  "admin enable", h->healthy ? "" :
				  locked(h) ? ", locked out by max_fails" : ", probes failing");
		break;
	case XLB_HEV_PARAMS:
		changed |= on_params(h, ev);
		break;
	}
	return changed;
}

size_t xlb_health_plan(const struct xlb_backend_health *const *bs, size_t n,
		       struct xlb_health_plan_entry *out)
{
	bool primary_up = false;
	size_t i, in = 0;

	for (i = 0; i < n; i++)
		if (bs[i]->state == XLB_BACKEND_UP && !bs[i]->p.backup)
			primary_up = true;

	for (i = 0; i < n; i++) {
		const struct xlb_backend_health *h = bs[i];

		out[i].in_table = false;
		switch (h->state) {
		case XLB_BACKEND_UP:
			if (h->p.backup == !primary_up) {
				/* primaries while one is up, else backups */
				out[i].in_table = true;
				out[i].dp_state = XLB_BE_UP;
				in++;
			} else {
				out[i].dp_state = XLB_BE_DRAINING;
			}
			break;
		case XLB_BACKEND_DRAINING:
			out[i].dp_state = h->healthy ? XLB_BE_DRAINING : XLB_BE_DOWN;
			break;
		case XLB_BACKEND_DOWN:
		case XLB_BACKEND_DISABLED:
		default:
			out[i].dp_state = XLB_BE_DOWN;
			break;
		}
	}
	return in;
}
