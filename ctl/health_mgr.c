// SPDX-License-Identifier: GPL-2.0
/*
 * Health manager (see health_mgr.h): config -> per-backend state machines,
 * probe scheduling on the loop, lockout timers, notify hooks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "health_mgr.h"
#include "log.h"
#include "probe.h"

#define DEF_INTERVAL_MS 2000
#define DEF_TIMEOUT_MS  1000
#define DEF_RISE        2
#define DEF_FALL        3
#define NOTIFY_TIMEOUT_MS 30000 /* a notify script still running then is killed */

struct svc;

struct hb {
	struct svc *svc;
	struct xlb_backend_cfg cfg;
	struct xlb_backend_health h;
	uint32_t interval_ms, timeout_ms, phase_ms;
	struct sched *grp;              /* probe schedule, NULL if no active check */
	size_t sched_idx;               /* position in grp->v */
	struct xlb_timer lock_timer;    /* fail_timeout lockout end */
	struct xlb_probe *probe;        /* running probe or NULL */
	struct hb *run_prev, *run_next; /* running probes, by deadline */
	uint64_t deadline_ms;           /* of the running probe */
	bool start_failed;              /* last start failed (warned once) */
	uint64_t probe_started_ms;
	uint64_t last_probe_ms;
	bool last_ok;
	char last_detail[XLB_PROBE_DETAIL_MAX];
	uint64_t probes, probe_failures;
	bool taken;                     /* update: matched by a new backend */
};

struct svc {
	struct xlb_health_mgr *m;
	char name[XLB_NAME_MAX];
	struct xlb_hc_cfg hc;
	char notify[XLB_PATH_MAX];
	struct hb **b;
	size_t n;
};

/*
 * Probe starts of all backends with the same interval: sorted by phase and
 * walked by one timer, so 10,000 backends cost no timer-heap traffic per
 * probe. Backend i starts at base + v[i]->phase_ms; base moves by interval.
 */
struct sched {
	struct xlb_health_mgr *m;
	uint32_t interval_ms;
	struct hb **v;
	size_t n, cur;      /* next to start */
	uint64_t base;      /* start of the current cycle (a multiple of interval) */
	struct xlb_timer timer;
};

struct xlb_health_mgr {
	struct xlb_loop *loop;
	xlb_health_change_cb on_change;
	void *arg;
	struct svc **s;
	size_t n;
	bool in_update;  /* suppress on_change during xlb_health_update() */
	struct xlb_health_plan_entry *plan; /* scratch for foreach */
	size_t plan_cap;
	struct sched **grp;
	size_t n_grp;
	/* Running probes in deadline order, and one timer for their timeouts:
	 * armed lazily, it fires at or before the head's deadline. */
	struct hb *run_head, *run_tail;
	struct xlb_timer sweep;
};

static const char *check_name(enum xlb_hc_type t)
{
	switch (t) {
	case XLB_HC_TCP:
		return "tcp";
	case XLB_HC_HTTP:
		return "http";
	case XLB_HC_EXEC:
		return "exec";
	case XLB_HC_NONE:
	default:
		return "passive";
	}
}

static bool hc_active(const struct xlb_hc_cfg *hc)
{
	return hc->type == XLB_HC_TCP || hc->type == XLB_HC_HTTP || hc->type == XLB_HC_EXEC;
}

/* Stable per-backend phase: FNV-1a of service name, address, port. */
static uint32_t phase_of(const char *svc, const struct xlb_backend_cfg *b, uint32_t interval)
{
	uint32_t h = 2166136261u;
	const uint8_t *p;
	size_t i;

	for (p = (const uint8_t *)svc; *p; p++)
		h = (h ^ *p) * 16777619u;
	p = (const uint8_t *)b->addr.a;
	for (i = 0; i < sizeof(b->addr.a); i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (b->port & 0xff)) * 16777619u;
	h = (h ^ (b->port >> 8)) * 16777619u;
	/* FNV's low bits mix poorly; fold the high half in. */
	h ^= h >> 16;
	return interval ? h % interval : 0;
}

static void resolve_params(const struct svc *s, const struct xlb_backend_cfg *b,
			   struct xlb_health_params *p, uint32_t *interval, uint32_t *timeout)
{
	const struct xlb_hc_cfg *hc = &s->hc;

	memset(p, 0, sizeof(*p));
	p->active = hc_active(hc);
	snprintf(p->check, sizeof(p->check), "%s", check_name(hc->type));
	p->rise = b->rise ? b->rise : hc->rise ? hc->rise : DEF_RISE;
	p->fall = b->fall ? b->fall : hc->fall ? hc->fall : DEF_FALL;
	p->max_fails = b->max_fails;
	p->fail_timeout_ms = b->fail_timeout_ms;
	p->backup = b->backup;
	*interval = b->interval_ms ? b->interval_ms : hc->interval_ms ? hc->interval_ms :
		    DEF_INTERVAL_MS;
	*timeout = b->timeout_ms ? b->timeout_ms : hc->timeout_ms ? hc->timeout_ms :
		   DEF_TIMEOUT_MS;
	if (*timeout > *interval)
		*timeout = *interval; /* one probe at a time per backend */
}

static void label(const struct svc *s, const struct xlb_backend_cfg *b, char *buf, size_t len)
{
	char a[64];

	snprintf(buf, len, "%s %s", s->name, xlb_probe_addr_str(&b->addr, b->port, a, sizeof(a)));
}

/* ---- notify hook ----------------------------------------------------------- */

static void notify_done(void *arg, const struct xlb_probe_result *res)
{
	char *what = arg;

	if (!res->ok)
		pr_warn("notify %s: %s\n", what, res->detail);
	free(what);
}

static void run_notify(struct hb *b)
{
	struct svc *s = b->svc;
	char a[INET6_ADDRSTRLEN] = "", port[8], *what = NULL;
	const char *args[4];
	int err;

	if (!s->notify[0])
		return;
	inet_ntop(b->cfg.addr.family == XLB_AF_INET6 ? AF_INET6 : AF_INET, b->cfg.addr.a, a,
		  sizeof(a));
	snprintf(port, sizeof(port), "%u", b->cfg.port);
	args[0] = s->name;
	args[1] = a;
	args[2] = port;
	args[3] = xlb_backend_state_str(b->h.state);
	if (asprintf(&what, "%s %s", b->h.name, args[3]) < 0)
		what = NULL;
	err = xlb_probe_exec(s->m->loop, s->notify, "xlb-notify", args, 4, NOTIFY_TIMEOUT_MS,
			     what ? notify_done : NULL, what, NULL);
	if (err) {
		pr_warn("notify %s: cannot run %s: %s\n", b->h.name, s->notify, strerror(-err));
		free(what);
	}
}

/* ---- transitions ----------------------------------------------------------- */

static void on_lock_timer(struct xlb_loop *loop, void *arg);

static void apply(struct hb *b, enum xlb_health_event_type type, const char *detail,
		  const struct xlb_health_params *params)
{
	struct xlb_health_mgr *m = b->svc->m;
	struct xlb_health_event ev = {
		.type = type, .now_ms = xlb_now_ms(), .detail = detail, .params = params,
	};
	enum xlb_backend_state before = b->h.state;
	bool changed = xlb_backend_transition(&b->h, &ev);

	if (b->h.locked_until_ms) {
		if (!b->lock_timer.armed || b->lock_timer.deadline_ms != b->h.locked_until_ms)
			xlb_timer_arm(m->loop, &b->lock_timer, b->h.locked_until_ms, on_lock_timer, b);
	} else {
		xlb_timer_cancel(m->loop, &b->lock_timer);
	}
	if (b->h.state != before)
		run_notify(b);
	if (changed && !m->in_update && m->on_change)
		m->on_change(m->arg, b->svc->name);
}

static void on_lock_timer(struct xlb_loop *loop, void *arg)
{
	(void)loop;
	apply(arg, XLB_HEV_LOCKOUT_END, NULL, NULL);
}

/* ---- probe scheduling ------------------------------------------------------ */

static void on_sweep(struct xlb_loop *loop, void *arg);

static void run_unlink(struct hb *b)
{
	struct xlb_health_mgr *m = b->svc->m;

	if (!b->deadline_ms)
		return;
	if (b->run_prev)
		b->run_prev->run_next = b->run_next;
	else
		m->run_head = b->run_next;
	if (b->run_next)
		b->run_next->run_prev = b->run_prev;
	else
		m->run_tail = b->run_prev;
	b->run_prev = b->run_next = NULL;
	b->deadline_ms = 0;
}

static void run_insert(struct hb *b, uint64_t deadline)
{
	struct xlb_health_mgr *m = b->svc->m;
	struct hb *after = m->run_tail;

	/* Usually the latest deadline: O(1) at the tail. */
	while (after && after->deadline_ms > deadline)
		after = after->run_prev;
	b->deadline_ms = deadline;
	b->run_prev = after;
	b->run_next = after ? after->run_next : m->run_head;
	if (b->run_next)
		b->run_next->run_prev = b;
	else
		m->run_tail = b;
	if (after)
		after->run_next = b;
	else
		m->run_head = b;
	if (!m->sweep.armed || m->sweep.deadline_ms > deadline)
		xlb_timer_arm(m->loop, &m->sweep, deadline, on_sweep, m);
}

static void on_sweep(struct xlb_loop *loop, void *arg)
{
	struct xlb_health_mgr *m = arg;
	uint64_t now = xlb_now_ms();

	while (m->run_head && m->run_head->deadline_ms <= now) {
		struct hb *b = m->run_head;

		run_unlink(b);
		xlb_probe_expire(b->probe); /* reports through on_probe_done() */
	}
	if (m->run_head)
		xlb_timer_arm(loop, &m->sweep, m->run_head->deadline_ms, on_sweep, m);
}

static void stop_probe(struct hb *b)
{
	run_unlink(b);
	xlb_probe_cancel(b->probe);
	b->probe = NULL;
}

static void on_probe_done(void *arg, const struct xlb_probe_result *res)
{
	struct hb *b = arg;

	run_unlink(b);
	b->probe = NULL;
	b->last_probe_ms = b->probe_started_ms;
	b->last_ok = res->ok;
	snprintf(b->last_detail, sizeof(b->last_detail), "%s", res->detail);
	b->probes++;
	if (!res->ok) {
		b->probe_failures++;
		pr_debug("%s: %s check failed: %s\n", b->h.name, b->h.p.check, res->detail);
	}
	apply(b, res->ok ? XLB_HEV_PROBE_OK : XLB_HEV_PROBE_FAIL, res->detail, NULL);
}

static void start_probe(struct hb *b, uint64_t now)
{
	struct xlb_health_mgr *m = b->svc->m;
	int err;

	if (b->probe)
		return; /* still running (timeout == interval): skip this round */
	b->probe_started_ms = now;
	err = xlb_probe_start(m->loop, &b->svc->hc, &b->cfg.addr, b->cfg.port, 0, on_probe_done,
			      b, &b->probe);
	if (err) {
		/* A local problem (EMFILE, ENOMEM) says nothing about the backend:
		 * keep its state, say so once, try again next round. */
		snprintf(b->last_detail, sizeof(b->last_detail), "probe not started: %s",
			 strerror(-err));
		if (!b->start_failed)
			pr_warn("%s: %s check not started: %s\n", b->h.name, b->h.p.check,
				strerror(-err));
		b->start_failed = true;
		b->probe = NULL;
		return;
	}
	b->start_failed = false;
	run_insert(b, now + b->timeout_ms);
}

/* Point the cycle at the first backend due after @now. */
static void sched_align(struct sched *g, uint64_t now)
{
	uint64_t pos = now % g->interval_ms;

	g->base = now - pos;
	for (g->cur = 0; g->cur < g->n && g->v[g->cur]->phase_ms <= pos; g->cur++)
		;
	if (g->cur == g->n) {
		g->cur = 0;
		g->base += g->interval_ms;
	}
}

static void on_sched(struct xlb_loop *loop, void *arg)
{
	struct sched *g = arg;
	uint64_t now = xlb_now_ms();
	size_t budget = g->n;

	while (budget--) {
		struct hb *b = g->v[g->cur];

		if (g->base + b->phase_ms > now)
			break;
		if (++g->cur == g->n) {
			g->cur = 0;
			g->base += g->interval_ms;
		}
		start_probe(b, now);
	}
	if (g->base + g->interval_ms <= now)
		sched_align(g, now); /* the loop stalled for a whole interval */
	xlb_timer_arm(loop, &g->timer, g->base + g->v[g->cur]->phase_ms, on_sched, g);
}

static void sched_clear(struct xlb_health_mgr *m)
{
	size_t i;

	for (i = 0; i < m->n_grp; i++) {
		struct sched *g = m->grp[i];
		size_t j;

		xlb_timer_cancel(m->loop, &g->timer);
		for (j = 0; j < g->n; j++)
			g->v[j]->grp = NULL;
		free(g->v);
		free(g);
	}
	free(m->grp);
	m->grp = NULL;
	m->n_grp = 0;
}

static int by_phase(const void *a, const void *b)
{
	const struct hb *x = *(const struct hb *const *)a, *y = *(const struct hb *const *)b;

	return x->phase_ms < y->phase_ms ? -1 : x->phase_ms > y->phase_ms;
}

static struct sched *sched_get(struct xlb_health_mgr *m, uint32_t interval, size_t cap)
{
	struct sched *g, **v;
	size_t i;

	for (i = 0; i < m->n_grp; i++)
		if (m->grp[i]->interval_ms == interval)
			return m->grp[i];
	v = realloc(m->grp, (m->n_grp + 1) * sizeof(*v));
	if (!v)
		return NULL;
	m->grp = v;
	g = calloc(1, sizeof(*g));
	if (g)
		g->v = calloc(cap, sizeof(*g->v));
	if (!g || !g->v) {
		free(g);
		return NULL;
	}
	g->m = m;
	g->interval_ms = interval;
	g->timer.heap_idx = -1;
	m->grp[m->n_grp++] = g;
	return g;
}

/* One schedule per distinct interval over every backend with an active check. */
static void sched_build(struct xlb_health_mgr *m)
{
	uint64_t now = xlb_now_ms();
	size_t i, j, total = 0;

	sched_clear(m);
	for (i = 0; i < m->n; i++)
		total += m->s[i]->n;
	for (i = 0; i < m->n; i++) {
		struct svc *s = m->s[i];

		if (!hc_active(&s->hc))
			continue;
		for (j = 0; j < s->n; j++) {
			struct hb *b = s->b[j];
			struct sched *g = sched_get(m, b->interval_ms, total);

			if (!g) {
				pr_warn("%s: no memory to schedule its %s check\n", b->h.name,
					b->h.p.check);
				continue;
			}
			g->v[g->n++] = b;
		}
	}
	for (i = 0; i < m->n_grp; i++) {
		struct sched *g = m->grp[i];

		qsort(g->v, g->n, sizeof(*g->v), by_phase);
		for (j = 0; j < g->n; j++) {
			g->v[j]->grp = g;
			g->v[j]->sched_idx = j;
		}
		sched_align(g, now);
		xlb_timer_arm(m->loop, &g->timer, g->base + g->v[g->cur]->phase_ms, on_sched, g);
	}
}

static uint64_t next_probe_of(const struct hb *b)
{
	const struct sched *g = b->grp;

	if (!g)
		return 0;
	return g->base + b->phase_ms + (b->sched_idx < g->cur ? g->interval_ms : 0);
}

/* ---- construction ---------------------------------------------------------- */

static void hb_free(struct hb *b)
{
	struct xlb_loop *loop;

	if (!b)
		return;
	loop = b->svc->m->loop;
	stop_probe(b);
	xlb_timer_cancel(loop, &b->lock_timer);
	free(b);
}

static void svc_free(struct svc *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		hb_free(s->b[i]);
	free(s->b);
	free(s);
}

static struct svc *svc_new(struct xlb_health_mgr *m, const struct xlb_service_cfg *sc)
{
	struct svc *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->m = m;
	snprintf(s->name, sizeof(s->name), "%s", sc->name);
	s->hc = sc->hc;
	snprintf(s->notify, sizeof(s->notify), "%s", sc->notify);
	s->b = calloc(sc->n_backends ? sc->n_backends : 1, sizeof(*s->b));
	if (!s->b) {
		free(s);
		return NULL;
	}
	return s;
}

static struct hb *hb_new(struct svc *s, const struct xlb_backend_cfg *bc, uint64_t now)
{
	struct xlb_health_params p;
	struct hb *b = calloc(1, sizeof(*b));
	char name[XLB_HEALTH_NAME_MAX];

	if (!b)
		return NULL;
	b->svc = s;
	b->cfg = *bc;
	b->lock_timer.heap_idx = -1;
	resolve_params(s, bc, &p, &b->interval_ms, &b->timeout_ms);
	b->phase_ms = phase_of(s->name, bc, b->interval_ms);
	label(s, bc, name, sizeof(name));
	xlb_backend_health_init(&b->h, name, &p, now);
	return b;
}

static bool hc_equal(const struct xlb_hc_cfg *a, const struct xlb_hc_cfg *b)
{
	return a->type == b->type && a->port == b->port && !strcmp(a->path, b->path) &&
	       !strcmp(a->host, b->host) && a->n_expect == b->n_expect &&
	       !memcmp(a->expect_status, b->expect_status, sizeof(a->expect_status)) &&
	       !strcmp(a->expect_body, b->expect_body) && !strcmp(a->script, b->script) &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms;
}

static bool same_backend(const struct xlb_backend_cfg *a, const struct xlb_backend_cfg *b)
{
	size_t n = a->addr.family == XLB_AF_INET6 ? 16 : 4;

	return a->addr.family == b->addr.family && a->port == b->port &&
	       !memcmp(a->addr.a, b->addr.a, n);
}

static struct svc *find_svc(struct svc **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i]->name, name))
			return v[i];
	return NULL;
}

/*
 * Build the service set of @cfg, reusing backends of the current set. On
 * failure nothing of the current set has been touched.
 */
static int build(struct xlb_health_mgr *m, const struct xlb_cfg *cfg, struct svc ***out)
{
	uint64_t now = xlb_now_ms();
	struct svc **v;
	size_t i, j, k;
	int err = 0;

	v = calloc(cfg->n_services ? cfg->n_services : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* First pass: allocate everything that is new, so failure is clean. */
	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_service_cfg *sc = &cfg->services[i];
		struct svc *old = find_svc(m->s, m->n, sc->name);

		v[i] = svc_new(m, sc);
		if (!v[i]) {
			err = -ENOMEM;
			goto fail;
		}
		for (j = 0; j < sc->n_backends; j++) {
			struct hb *reuse = NULL;

			for (k = 0; old && k < old->n; k++) {
				if (!old->b[k]->taken && same_backend(&old->b[k]->cfg,
								      &sc->backends[j])) {
					reuse = old->b[k];
					reuse->taken = true;
					break;
				}
			}
			if (reuse) {
				v[i]->b[j] = reuse;
			} else {
				v[i]->b[j] = hb_new(v[i], &sc->backends[j], now);
				if (!v[i]->b[j]) {
					err = -ENOMEM;
					goto fail;
				}
			}
			v[i]->n = j + 1;
		}
	}
	*out = v;
	return 0;
fail:
	for (i = 0; i < cfg->n_services; i++) {
		if (!v[i])
			continue;
		for (j = 0; j < v[i]->n; j++) {
			if (v[i]->b[j]->taken)
				v[i]->b[j]->taken = false; /* still the old set's */
			else
				hb_free(v[i]->b[j]);
		}
		free(v[i]->b);
		free(v[i]);
	}
	free(v);
	return err;
}

/* Second pass of an update: nothing can fail from here. */
static void commit_set(struct xlb_health_mgr *m, const struct xlb_cfg *cfg, struct svc **v)
{
	size_t i, j;

	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_service_cfg *sc = &cfg->services[i];
		struct svc *s = v[i];
		struct svc *old = find_svc(m->s, m->n, sc->name);
		bool hc_changed = !old || !hc_equal(&old->hc, &sc->hc);

		for (j = 0; j < s->n; j++) {
			struct hb *b = s->b[j];
			const struct xlb_backend_cfg *bc = &sc->backends[j];
			struct xlb_health_params p;
			uint32_t interval, timeout;

			if (!b->taken) {
				/* New backend: UP unless configured down. */
				if (bc->down)
					apply(b, XLB_HEV_CONFIG_DOWN, NULL, NULL);
				continue;
			}
			b->svc = s;
			resolve_params(s, bc, &p, &interval, &timeout);
			if (bc->down != b->cfg.down)
				apply(b, bc->down ? XLB_HEV_CONFIG_DOWN : XLB_HEV_CONFIG_UP, NULL,
				      NULL);
			b->cfg = *bc;
			apply(b, XLB_HEV_PARAMS, NULL, &p);
			if (hc_changed || interval != b->interval_ms || timeout != b->timeout_ms) {
				/* A different check: the running one no longer counts. */
				stop_probe(b);
				b->interval_ms = interval;
				b->timeout_ms = timeout;
				b->phase_ms = phase_of(s->name, bc, interval);
			}
		}
	}
	/* Old services and the backends nobody took over. */
	for (i = 0; i < m->n; i++) {
		struct svc *s = m->s[i];

		for (j = 0; j < s->n; j++) {
			if (s->b[j]->taken)
				s->b[j]->taken = false; /* lives on in the new set */
			else
				hb_free(s->b[j]);
		}
		free(s->b);
		free(s);
	}
	free(m->s);
	m->s = v;
	m->n = cfg->n_services;
	sched_build(m);
}

struct xlb_health_mgr *xlb_health_new(struct xlb_loop *loop, const struct xlb_cfg *cfg,
				      xlb_health_change_cb on_change, void *arg)
{
	struct xlb_health_mgr *m = calloc(1, sizeof(*m));
	int err;

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->loop = loop;
	m->on_change = on_change;
	m->arg = arg;
	err = xlb_health_update(m, cfg);
	if (err) {
		xlb_health_free(m);
		errno = -err;
		return NULL;
	}
	return m;
}

int xlb_health_update(struct xlb_health_mgr *m, const struct xlb_cfg *cfg)
{
	struct svc **v = NULL;
	int err;

	err = build(m, cfg, &v);
	if (err)
		return err;
	m->in_update = true;
	sched_clear(m); /* the schedule points at backends that may go */
	commit_set(m, cfg, v);
	m->in_update = false;
	return 0;
}

void xlb_health_free(struct xlb_health_mgr *m)
{
	unsigned long left;
	size_t i;

	if (!m)
		return;
	sched_clear(m);
	for (i = 0; i < m->n; i++)
		svc_free(m->s[i]);
	xlb_timer_cancel(m->loop, &m->sweep);
	/* The loop may not run again to reap the exec children just killed:
	 * reap them here, so neither a zombie nor a probe is left behind. */
	left = xlb_probe_reap(m->loop, 1000);
	if (left)
		pr_warn("health: %lu check script%s still running 1 s after SIGKILL\n", left,
			left == 1 ? "" : "s");
	free(m->s);
	free(m->plan);
	free(m);
}

/* ---- admin, reports, plan, status ------------------------------------------ */

int xlb_admin_action_parse(const char *s, enum xlb_admin_action *out)
{
	if (!strcmp(s, "disable"))
		*out = XLB_ADMIN_DISABLE;
	else if (!strcmp(s, "enable"))
		*out = XLB_ADMIN_ENABLE;
	else if (!strcmp(s, "drain"))
		*out = XLB_ADMIN_DRAIN;
	else
		return -EINVAL;
	return 0;
}

static bool addr_match(const struct xlb_ip *a, const struct xlb_ip *b)
{
	size_t n = a->family == XLB_AF_INET6 ? 16 : 4;

	return a->family == b->family && !memcmp(a->a, b->a, n);
}

typedef void (*hb_fn)(struct hb *b, void *arg);

static int for_matches(struct xlb_health_mgr *m, const char *service, const struct xlb_ip *addr,
		       uint16_t port, hb_fn fn, void *arg)
{
	struct svc *s = find_svc(m->s, m->n, service);
	int found = 0;
	size_t i;

	if (!s)
		return -ENOENT;
	for (i = 0; i < s->n; i++) {
		struct hb *b = s->b[i];

		if (!addr_match(&b->cfg.addr, addr) || (port && b->cfg.port != port))
			continue;
		fn(b, arg);
		found++;
	}
	return found ? found : -ENOENT;
}

static void admin_one(struct hb *b, void *arg)
{
	enum xlb_admin_action a = *(enum xlb_admin_action *)arg;
	static const enum xlb_health_event_type ev[] = {
		[XLB_ADMIN_DISABLE] = XLB_HEV_ADMIN_DISABLE,
		[XLB_ADMIN_ENABLE]  = XLB_HEV_ADMIN_ENABLE,
		[XLB_ADMIN_DRAIN]   = XLB_HEV_ADMIN_DRAIN,
	};

	apply(b, ev[a], NULL, NULL);
}

int xlb_health_admin(struct xlb_health_mgr *m, const char *service, const struct xlb_ip *addr,
		     uint16_t port, enum xlb_admin_action action)
{
	if (action != XLB_ADMIN_DISABLE && action != XLB_ADMIN_ENABLE &&
	    action != XLB_ADMIN_DRAIN)
		return -EINVAL;
	return for_matches(m, service, addr, port, admin_one, &action);
}

struct report {
	bool ok;
	const char *detail;
};

static void report_one(struct hb *b, void *arg)
{
	const struct report *r = arg;

	apply(b, r->ok ? XLB_HEV_PROBE_OK : XLB_HEV_PROBE_FAIL, r->detail, NULL);
}

int xlb_health_report(struct xlb_health_mgr *m, const char *service, const struct xlb_ip *addr,
		      uint16_t port, bool ok, const char *detail)
{
	struct report r = { .ok = ok, .detail = detail };

	return for_matches(m, service, addr, port, report_one, &r);
}

static size_t plan_of(const struct svc *s, struct xlb_health_plan_entry *out)
{
	const struct xlb_backend_health *small[64] = { 0 }, **v = small;
	size_t i, in;

	if (s->n > 64) {
		v = malloc(s->n * sizeof(*v));
		if (!v) {
			/* Fail safe towards "nothing changes": everything out. */
			for (i = 0; i < s->n; i++)
				out[i] = (struct xlb_health_plan_entry){ false, XLB_BE_DOWN };
			return 0;
		}
	}
	for (i = 0; i < s->n; i++)
		v[i] = &s->b[i]->h;
	in = xlb_health_plan(v, s->n, out);
	if (v != small)
		free(v);
	return in;
}

int xlb_health_service_plan(struct xlb_health_mgr *m, const char *service,
			    struct xlb_health_plan_entry *out, size_t n)
{
	struct svc *s = find_svc(m->s, m->n, service);

	if (!s)
		return -ENOENT;
	if (n < s->n)
		return -ENOSPC;
	return (int)plan_of(s, out);
}

int xlb_health_foreach(struct xlb_health_mgr *m,
		       int (*cb)(void *arg, const struct xlb_backend_status *st), void *arg)
{
	size_t i, j;
	int ret;

	for (i = 0; i < m->n; i++) {
		struct svc *s = m->s[i];

		if (s->n > m->plan_cap) {
			struct xlb_health_plan_entry *p = realloc(m->plan, s->n * sizeof(*p));

			if (!p)
				return -ENOMEM;
			m->plan = p;
			m->plan_cap = s->n;
		}
		plan_of(s, m->plan);
		for (j = 0; j < s->n; j++) {
			const struct hb *b = s->b[j];
			struct xlb_backend_status st = {
				.service = s->name,
				.addr = b->cfg.addr,
				.port = b->cfg.port,
				.weight = b->cfg.weight,
				.backup = b->cfg.backup,
				.state = b->h.state,
				.healthy = b->h.healthy,
				.in_table = m->plan[j].in_table,
				.dp_state = m->plan[j].dp_state,
				.changed_ms = b->h.changed_ms,
				.change_reason = b->h.reason,
				.check = b->h.p.check,
				.active = b->h.p.active,
				.last_probe_ms = b->last_probe_ms,
				.last_ok = b->last_ok,
				.last_detail = b->last_detail,
				.next_probe_ms = next_probe_of(b),
				.ok_run = b->h.ok_run,
				.fail_run = b->h.fail_run,
				.rise = b->h.p.rise,
				.fall = b->h.p.fall,
				.window_fails = b->h.window_fails,
				.max_fails = b->h.p.max_fails,
				.locked_until_ms = b->h.locked_until_ms,
				.probes = b->probes,
				.probe_failures = b->probe_failures,
			};

			ret = cb(arg, &st);
			if (ret)
				return ret;
		}
	}
	return 0;
}
