// SPDX-License-Identifier: GPL-2.0
/* The backend health state machine and its map effect, on a fake clock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "health.h"
#include "log.h"

static struct xlb_health_params params(bool active, uint32_t rise, uint32_t fall,
				       uint32_t max_fails, uint32_t fail_timeout_ms)
{
	struct xlb_health_params p = {
		.active = active, .rise = rise, .fall = fall,
		.max_fails = max_fails, .fail_timeout_ms = fail_timeout_ms,
	};

	snprintf(p.check, sizeof(p.check), "%s", active ? "http" : "passive");
	return p;
}

static void mk(struct xlb_backend_health *h, const struct xlb_health_params *p)
{
	xlb_backend_health_init(h, "web 192.168.12.183:80", p, 0);
}

static bool ev(struct xlb_backend_health *h, enum xlb_health_event_type t, uint64_t now,
	       const char *detail)
{
	struct xlb_health_event e = { .type = t, .now_ms = now, .detail = detail };

	return xlb_backend_transition(h, &e);
}

static bool ok(struct xlb_backend_health *h, uint64_t now)
{
	return ev(h, XLB_HEV_PROBE_OK, now, "status 200");
}

static bool fail(struct xlb_backend_health *h, uint64_t now)
{
	return ev(h, XLB_HEV_PROBE_FAIL, now, "status 503");
}

/* Plan of a single backend. */
static struct xlb_health_plan_entry plan1(const struct xlb_backend_health *h)
{
	const struct xlb_backend_health *v[1] = { h };
	struct xlb_health_plan_entry e;

	xlb_health_plan(v, 1, &e);
	return e;
}

static void quiet(void)
{
	xlb_log_set_level(XLB_LOG_WARN);
}

TestSuite(health, .init = quiet);

Test(health, starts_up_with_zero_counters)
{
	struct xlb_health_params p = params(true, 2, 3, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert(h.healthy);
	cr_assert_eq(h.ok_run, 0);
	cr_assert_eq(h.fail_run, 0);
	cr_assert_eq(h.hold, XLB_HOLD_NONE);
}

Test(health, fall_consecutive_failures_take_it_down)
{
	struct xlb_health_params p = params(true, 2, 3, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert_not(fail(&h, 1000));
	cr_assert_not(fail(&h, 2000));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_eq(h.fail_run, 2);
	/* A success in between restarts the count. */
	cr_assert_not(ok(&h, 3000));
	cr_assert_eq(h.fail_run, 0);
	cr_assert_not(fail(&h, 4000));
	cr_assert_not(fail(&h, 5000));
	cr_assert(fail(&h, 6000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_not(h.healthy);
	cr_assert_eq(h.changed_ms, 6000);
	cr_assert_str_eq(h.reason, "3 consecutive http failures (status 503)");
	/* More failures change nothing. */
	cr_assert_not(fail(&h, 7000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
}

Test(health, rise_consecutive_successes_bring_it_up)
{
	struct xlb_health_params p = params(true, 2, 1, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(fail(&h, 1000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_not(ok(&h, 2000));
	cr_assert_eq(h.ok_run, 1);
	cr_assert_not(fail(&h, 3000)); /* resets the run */
	cr_assert_eq(h.ok_run, 0);
	cr_assert_not(ok(&h, 4000));
	cr_assert(ok(&h, 5000));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_str_eq(h.reason, "2 consecutive http successes");
}

Test(health, max_fails_within_fail_timeout_locks_out)
{
	/* fall high enough that only max_fails can act */
	struct xlb_health_params p = params(true, 2, 100, 3, 20000);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert_not(fail(&h, 0));
	cr_assert_not(ok(&h, 4000));  /* successes do not reset the window */
	cr_assert_not(fail(&h, 8000));
	cr_assert_eq(h.window_fails, 2);
	cr_assert(fail(&h, 19000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_eq(h.locked_until_ms, 39000);
	cr_assert_eq(xlb_backend_locked_until(&h), 39000);
	cr_assert_str_eq(h.reason, "3 http failures within 20s (status 503), out for 20s");
}

Test(health, max_fails_spread_beyond_fail_timeout_does_not_lock_out)
{
	struct xlb_health_params p = params(true, 2, 100, 3, 20000);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert_not(fail(&h, 0));
	cr_assert_not(fail(&h, 15000));
	/* The window that opened at 0 closed at 20000: a new one starts. */
	cr_assert_not(fail(&h, 25000));
	cr_assert_eq(h.window_fails, 1);
	cr_assert_not(fail(&h, 30000));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_eq(h.locked_until_ms, 0);
	cr_assert_eq(h.window_fails, 2);
}

Test(health, lockout_ignores_successes_then_rise_decides)
{
	struct xlb_health_params p = params(true, 2, 100, 1, 10000);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(fail(&h, 1000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_eq(h.locked_until_ms, 11000);
	cr_assert_not(ok(&h, 3000));
	cr_assert_not(ok(&h, 5000));
	cr_assert_not(ok(&h, 7000));
	cr_assert_eq(h.ok_run, 0, "successes during the lockout must not count");
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	/* The lockout timer fires: with an active check it stays DOWN. */
	cr_assert_not(ev(&h, XLB_HEV_LOCKOUT_END, 11000, NULL));
	cr_assert_eq(h.locked_until_ms, 0);
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_not(ok(&h, 12000));
	cr_assert(ok(&h, 13000));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
}

Test(health, lockout_ends_lazily_on_the_next_event)
{
	struct xlb_health_params p = params(true, 1, 100, 1, 10000);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(fail(&h, 0));
	/* No LOCKOUT_END event delivered; a probe after the deadline counts. */
	cr_assert(ok(&h, 10000));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_eq(h.locked_until_ms, 0);
}

Test(health, failure_after_lockout_starts_a_new_lockout)
{
	struct xlb_health_params p = params(true, 2, 100, 2, 5000);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert_not(fail(&h, 0));
	cr_assert(fail(&h, 1000));
	cr_assert_eq(h.locked_until_ms, 6000);
	cr_assert_not(fail(&h, 3000)); /* during the lockout: no accounting */
	cr_assert_eq(h.window_fails, 0);
	cr_assert_not(fail(&h, 7000)); /* lockout over, one failure in a new window */
	cr_assert_eq(h.locked_until_ms, 0);
	cr_assert_not(fail(&h, 8000)); /* second: locked again, already DOWN */
	cr_assert_eq(h.locked_until_ms, 13000);
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
}

Test(health, type_none_returns_up_when_lockout_ends)
{
	struct xlb_health_params p = params(false, 0, 0, 2, 10000);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert_not(fail(&h, 0));
	cr_assert(fail(&h, 1000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_eq(h.locked_until_ms, 11000);
	/* An early (stale) timer changes nothing. */
	cr_assert_not(ev(&h, XLB_HEV_LOCKOUT_END, 5000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert(ev(&h, XLB_HEV_LOCKOUT_END, 11000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_str_eq(h.reason, "fail_timeout 10s expired, trying again");
}

Test(health, type_none_failures_alone_never_use_fall)
{
	struct xlb_health_params p = params(false, 0, 1, 0, 10000);
	struct xlb_backend_health h;
	int i;

	mk(&h, &p);
	for (i = 0; i < 20; i++)
		cr_assert_not(fail(&h, i * 100));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
}

Test(health, max_fails_zero_disables_accounting)
{
	struct xlb_health_params p = params(true, 1, 5, 0, 10000);
	struct xlb_backend_health h;
	int i;

	mk(&h, &p);
	for (i = 0; i < 4; i++) {
		cr_assert_not(fail(&h, i * 1000));
		cr_assert_not(ok(&h, i * 1000 + 500)); /* keep fall from tripping */
	}
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_eq(h.locked_until_ms, 0);
	cr_assert_eq(h.window_fails, 0);
}

Test(health, disable_is_sticky_and_enable_returns_to_probed_state)
{
	struct xlb_health_params p = params(true, 2, 2, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(ev(&h, XLB_HEV_ADMIN_DISABLE, 100, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DISABLED);
	cr_assert_str_eq(h.reason, "admin disable");
	/* Probes keep counting underneath. */
	cr_assert_not(fail(&h, 1000));
	cr_assert(fail(&h, 2000)); /* verdict flips: reported, state stays */
	cr_assert_eq(h.state, XLB_BACKEND_DISABLED);
	cr_assert_not(h.healthy);
	cr_assert(ev(&h, XLB_HEV_ADMIN_ENABLE, 3000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert_str_eq(h.reason, "admin enable, probes failing");
	cr_assert_not(ok(&h, 4000));
	cr_assert(ok(&h, 5000));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	/* Disable then enable a healthy one: straight back to UP. */
	cr_assert(ev(&h, XLB_HEV_ADMIN_DISABLE, 6000, NULL));
	cr_assert_not(ok(&h, 7000));
	cr_assert(ev(&h, XLB_HEV_ADMIN_ENABLE, 8000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	/* Enable of an enabled backend is a no-op. */
	cr_assert_not(ev(&h, XLB_HEV_ADMIN_ENABLE, 9000, NULL));
}

Test(health, drain_is_sticky_until_enable)
{
	struct xlb_health_params p = params(true, 1, 1, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(ev(&h, XLB_HEV_ADMIN_DRAIN, 100, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DRAINING);
	cr_assert_not(ok(&h, 1000));
	cr_assert_eq(h.state, XLB_BACKEND_DRAINING);
	cr_assert(ev(&h, XLB_HEV_ADMIN_DISABLE, 2000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DISABLED);
	cr_assert(ev(&h, XLB_HEV_ADMIN_DRAIN, 3000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DRAINING);
	cr_assert(ev(&h, XLB_HEV_ADMIN_ENABLE, 4000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
}

Test(health, config_down_and_its_removal)
{
	struct xlb_health_params p = params(true, 2, 3, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(ev(&h, XLB_HEV_CONFIG_DOWN, 0, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_DISABLED);
	cr_assert_str_eq(h.reason, "config down");
	cr_assert(ev(&h, XLB_HEV_CONFIG_UP, 1000, NULL));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_str_eq(h.reason, "config down removed");
}

Test(health, params_removing_the_check_revives_a_down_backend)
{
	struct xlb_health_params p = params(true, 2, 1, 0, 0);
	struct xlb_health_params none = params(false, 2, 1, 0, 0);
	struct xlb_health_event e = { .type = XLB_HEV_PARAMS, .now_ms = 2000, .params = &none };
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(fail(&h, 1000));
	cr_assert_eq(h.state, XLB_BACKEND_DOWN);
	cr_assert(xlb_backend_transition(&h, &e));
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_str_eq(h.reason, "health check removed");
}

Test(health, params_backup_change_is_a_change)
{
	struct xlb_health_params p = params(true, 2, 1, 0, 0);
	struct xlb_health_params b = p;
	struct xlb_health_event e = { .type = XLB_HEV_PARAMS, .now_ms = 1, .params = &b };
	struct xlb_backend_health h;

	b.backup = true;
	mk(&h, &p);
	cr_assert(xlb_backend_transition(&h, &e), "backup flag changes the plan");
	cr_assert(h.p.backup);
	cr_assert_eq(h.state, XLB_BACKEND_UP);
	cr_assert_not(xlb_backend_transition(&h, &e), "same params: no change");
}

Test(health, params_max_fails_off_ends_lockout)
{
	struct xlb_health_params p = params(false, 1, 1, 1, 60000);
	struct xlb_health_params off = params(false, 1, 1, 0, 60000);
	struct xlb_health_event e = { .type = XLB_HEV_PARAMS, .now_ms = 2000, .params = &off };
	struct xlb_backend_health h;

	mk(&h, &p);
	cr_assert(fail(&h, 1000));
	cr_assert_eq(h.locked_until_ms, 61000);
	cr_assert(xlb_backend_transition(&h, &e));
	cr_assert_eq(h.locked_until_ms, 0);
	cr_assert_eq(h.state, XLB_BACKEND_UP);
}

/* ---- the plan ---------------------------------------------------------------- */

Test(health, plan_of_each_state)
{
	struct xlb_health_params p = params(true, 1, 1, 0, 0);
	struct xlb_health_plan_entry e;
	struct xlb_backend_health h;

	mk(&h, &p);
	e = plan1(&h);
	cr_assert(e.in_table);
	cr_assert_eq(e.dp_state, XLB_BE_UP);

	fail(&h, 1); /* DOWN */
	e = plan1(&h);
	cr_assert_not(e.in_table);
	cr_assert_eq(e.dp_state, XLB_BE_DOWN);

	ok(&h, 2);
	ev(&h, XLB_HEV_ADMIN_DISABLE, 3, NULL);
	e = plan1(&h);
	cr_assert_not(e.in_table);
	cr_assert_eq(e.dp_state, XLB_BE_DOWN);

	ev(&h, XLB_HEV_ADMIN_DRAIN, 4, NULL);
	e = plan1(&h);
	cr_assert_not(e.in_table);
	cr_assert_eq(e.dp_state, XLB_BE_DRAINING);

	/* A draining backend that dies: its flows are re-chosen. */
	cr_assert(fail(&h, 5));
	e = plan1(&h);
	cr_assert_eq(h.state, XLB_BACKEND_DRAINING);
	cr_assert_not(e.in_table);
	cr_assert_eq(e.dp_state, XLB_BE_DOWN);

	ev(&h, XLB_HEV_ADMIN_ENABLE, 6, NULL);
	ok(&h, 7);
	e = plan1(&h);
	cr_assert(e.in_table);
	cr_assert_eq(e.dp_state, XLB_BE_UP);
}

Test(health, plan_backups_only_while_no_primary_is_up)
{
	struct xlb_health_params pp = params(true, 1, 1, 0, 0);
	struct xlb_health_params bp = pp;
	struct xlb_backend_health b[3];
	const struct xlb_backend_health *v[3] = { &b[0], &b[1], &b[2] };
	struct xlb_health_plan_entry e[3];

	bp.backup = true;
	mk(&b[0], &pp);
	mk(&b[1], &pp);
	mk(&b[2], &bp);

	cr_assert_eq(xlb_health_plan(v, 3, e), 2);
	cr_assert(e[0].in_table && e[1].in_table);
	cr_assert_not(e[2].in_table);
	cr_assert_eq(e[2].dp_state, XLB_BE_DRAINING, "an idle UP backup keeps its flows");

	fail(&b[0], 1);
	cr_assert_eq(xlb_health_plan(v, 3, e), 1);
	cr_assert_not(e[2].in_table);

	fail(&b[1], 2); /* last primary down: the backup takes over */
	cr_assert_eq(xlb_health_plan(v, 3, e), 1);
	cr_assert_not(e[0].in_table);
	cr_assert_eq(e[0].dp_state, XLB_BE_DOWN);
	cr_assert(e[2].in_table);
	cr_assert_eq(e[2].dp_state, XLB_BE_UP);

	ok(&b[1], 3); /* a primary is back: the backup steps aside */
	cr_assert_eq(xlb_health_plan(v, 3, e), 1);
	cr_assert(e[1].in_table);
	cr_assert_not(e[2].in_table);
	cr_assert_eq(e[2].dp_state, XLB_BE_DRAINING);

	/* Draining or disabled primaries do not count as up. */
	ev(&b[1], XLB_HEV_ADMIN_DRAIN, 4, NULL);
	cr_assert_eq(xlb_health_plan(v, 3, e), 1);
	cr_assert_eq(e[1].dp_state, XLB_BE_DRAINING);
	cr_assert(e[2].in_table);

	/* Backup down too: the service is empty. */
	fail(&b[2], 5);
	cr_assert_eq(xlb_health_plan(v, 3, e), 0);
	cr_assert_not(e[0].in_table || e[1].in_table || e[2].in_table);
}

Test(health, plan_empty_service)
{
	struct xlb_health_plan_entry e;

	cr_assert_eq(xlb_health_plan(NULL, 0, &e), 0);
}

Test(health, state_names_round_trip)
{
	enum xlb_backend_state s, t;

	for (s = XLB_BACKEND_UP; s <= XLB_BACKEND_DRAINING; s++) {
		cr_assert_eq(xlb_backend_state_parse(xlb_backend_state_str(s), &t), 0);
		cr_assert_eq(t, s);
	}
	cr_assert_eq(xlb_backend_state_parse("sideways", &t), -EINVAL);
}

static void capture(void)
{
	xlb_log_set_level(XLB_LOG_INFO);
	xlb_log_set_ident("xlbd");
	cr_redirect_stderr();
}

Test(health, each_transition_is_logged_once, .init = capture)
{
	struct xlb_health_params p = params(true, 2, 2, 0, 0);
	struct xlb_backend_health h;

	mk(&h, &p);
	fail(&h, 1000);
	fail(&h, 2000);
	fail(&h, 3000);
	ok(&h, 4000);
	fail(&h, 5000);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"xlbd: info: web 192.168.12.183:80 down: 2 consecutive http failures (status 503)\n");
}
