// SPDX-License-Identifier: GPL-2.0
/*
 * xlbd — the xlb controller. One event loop: the control socket, signals
 * (SIGHUP reload, SIGTERM/SIGINT shutdown), health probes and VRRP all run
 * from it; nothing blocks and no thread is started.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "apply.h"
#include "config.h"
#include "ctlsock.h"
#include "health_mgr.h"
#include "log.h"
#include "loop.h"
#include "maps.h"
#include "neigh.h"
#include "status.h"
#include "vrrp_io.h"

struct xlbd {
	const char *config_path;
	unsigned int dp_flags;
	struct xlb_loop *loop;
	struct xlb_dp *dp;
	struct xlb_state *st;
	struct xlb_ctlsock *cs;
	struct xlb_health_mgr *health;
	struct xlb_vrrp_node *vrrp;
	struct xlb_neigh *neigh;
	int masters;       /* VRRP instances in MASTER: XDP attached while > 0 */
	int sigfd;
	int exit_code;
};

static void update_backends_up(struct xlbd *d);

/* Health decides which backends are in each table (apply.c calls this). */
static size_t plan_cb(void *arg, const struct xlb_service_cfg *svc,
		      struct xlb_health_plan_entry *out)
{
	struct xlbd *d = arg;
	int n = d->health ? xlb_health_service_plan(d->health, svc->name, out, svc->n_backends)
			  : -ENOENT;

	return n >= 0 ? (size_t)n : xlb_plan_from_config(svc, out);
}

static void health_changed(void *arg, const char *service)
{
	struct xlbd *d = arg;
	int err = xlb_state_replan(d->st, service);

	if (err)
		pr_warn("%s: rewriting the data plane after a health change: %s\n", service,
			strerror(-err));
	update_backends_up(d);
}

/*
 * VRRP hooks. The instance has already put its VIPs on the interface when it
 * calls on_become_master, so from the moment XDP is attached every packet
 * for a VIP is handled by it; the gratuitous ARPs that draw traffic here are
 * sent only after this returns. Leaving is the mirror image: detach, then
 * the VIPs go. The program stays attached while any instance is MASTER.
 */
static int vrrp_become_master(void *arg, const struct xlb_vrrp_cfg *inst)
{
	struct xlbd *d = arg;
	const struct xlb_node_cfg *node = &xlb_state_cfg(d->st)->node;
	int err = 0;

	/* Not pinned: if this process dies, the kernel detaches at once and
	 * the new master is the only one forwarding. */
	if (d->masters++ == 0)
		err = xlb_dp_attach(d->dp, node->interface, node->xdp_mode, false);
	pr_info("vrrp %s: MASTER, data plane %s\n", inst->name,
		err ? "attach FAILED" : "attached");
	return err;
}

static void vrrp_leave_master(void *arg, const struct xlb_vrrp_cfg *inst)
{
	struct xlbd *d = arg;

	if (d->masters > 0 && --d->masters == 0)
		xlb_dp_detach(d->dp);
	pr_info("vrrp %s: leaving MASTER%s\n", inst->name,
		d->masters ? "" : ", data plane detached");
}

/* Feed "is any backend usable" to VRRP's track_backends after each change. */
static void update_backends_up(struct xlbd *d)
{
	size_t i;
	bool up = false;

	if (!d->vrrp)
		return;
	for (i = 0; i < xlb_state_n_services(d->st) && !up; i++) {
		struct xlb_svc_view v;

		if (!xlb_state_service(d->st, i, &v) && !v.empty)
			up = true;
	}
	xlb_vrrp_set_backends_up(d->vrrp, up);
}

static struct json_object *vrrp_json(struct xlbd *d)
{
	struct xlb_vrrp_status st[64];
	struct json_object *a = json_object_new_array();
	uint64_t now = xlb_now_ms();
	size_t i, n = xlb_vrrp_status(d->vrrp, st, 64);
	char buf[64];

	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		struct json_object *drops = json_object_new_object();
		int r;

		json_object_object_add(o, "name", json_object_new_string(st[i].name));
		json_object_object_add(o, "interface", json_object_new_string(st[i].interface));
		json_object_object_add(o, "vrid", json_object_new_int(st[i].vrid));
		json_object_object_add(o, "version", json_object_new_int(st[i].version));
		json_object_object_add(o, "state",
				       json_object_new_string(xlb_vrrp_state_name(st[i].state)));
		json_object_object_add(o, "base_priority", json_object_new_int(st[i].base_priority));
		json_object_object_add(o, "priority", json_object_new_int(st[i].priority));
		json_object_object_add(o, "holds_vips", json_object_new_boolean(st[i].holds_vips));
		json_object_object_add(o, "link_up", json_object_new_boolean(st[i].link_up));
		json_object_object_add(o, "master", json_object_new_string(
			st[i].master.family ? xlb_ip_str(&st[i].master, buf, sizeof(buf)) : ""));
		json_object_object_add(o, "master_priority",
				       json_object_new_int(st[i].master_priority));
		json_object_object_add(o, "adverts_sent", json_object_new_int64(st[i].cnt.adverts_tx));
		json_object_object_add(o, "adverts_received",
				       json_object_new_int64(st[i].cnt.adverts_rx));
		json_object_object_add(o, "transitions", json_object_new_int64(st[i].cnt.transitions));
		json_object_object_add(o, "changed_s_ago", json_object_new_double(
			st[i].cnt.last_transition_ms ? (now - st[i].cnt.last_transition_ms) / 1000.0 : -1));
		for (r = 0; r < XLB_VRRP_DROP_MAX; r++)
			if (st[i].cnt.drops[r])
				json_object_object_add(drops, xlb_vrrp_drop_name(r),
						       json_object_new_int64(st[i].cnt.drops[r]));
		json_object_object_add(o, "drops", drops);
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * bpf_fib_lookup() answers only when forwarding is on for the interface:
 * without it every service packet is dropped as drop_fib. Say so at start.
 */
static void check_forwarding(const struct xlb_cfg *cfg)
{
	static const char *const fmt[] = { "/proc/sys/net/ipv4/conf/%s/forwarding",
					   "/proc/sys/net/ipv6/conf/%s/forwarding" };
	bool need[2] = { false, false };
	size_t i, f;

	for (i = 0; i < cfg->n_services; i++)
		need[cfg->services[i].vip.family == XLB_AF_INET6] = true;
	for (f = 0; f < 2; f++) {
		char path[128];
		int c = EOF;
		FILE *fp;

		if (!need[f])
			continue;
		snprintf(path, sizeof(path), fmt[f], cfg->node.interface);
		fp = fopen(path, "r");
		if (fp) {
			c = fgetc(fp);
			fclose(fp);
		}
		if (c == '0')
			pr_warn("forwarding is off on %s (%s = 0): the data plane cannot look up "
				"next hops and will drop service traffic; set net.%s.ip_forward=1 / "
				"conf.%s.forwarding=1\n", cfg->node.interface, path,
				f ? "ipv6.conf.all" : "ipv4", cfg->node.interface);
	}
}

/*
 * Health probes, VRRP sockets and up to XLB_CTL_MAX_CLIENTS control clients
 * each hold an fd: lift the soft limit (1024 from a login shell) to the
 * hard one, as the systemd unit's LimitNOFILE does.
 */
static void raise_nofile_limit(void)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	/* "unlimited" is not a valid soft limit for files: take nr_open's default */
	want = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_warn("raising the open-files limit to %llu: %s\n",
			(unsigned long long)want, strerror(errno));
}

/*
 * When the next hop of a NAT packet is not resolved yet (a client the new
 * VRRP master never talked to, say), the data plane hands the rewritten
 * packet to the kernel, which forwards it and resolves the neighbour. That
 * packet's source is the VIP, an address of this host: without accept_local
 * the kernel drops it as a martian and the neighbour stays unresolved.
 */
static void set_accept_local(const struct xlb_cfg *cfg)
{
	char path[128];
	size_t i;
	FILE *f;

	for (i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].mode == XLB_MODE_NAT && cfg->services[i].vip.family == XLB_AF_INET)
			break;
	if (i == cfg->n_services)
		return;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local", cfg->node.interface);
	f = fopen(path, "w");
	if (!f || fputs("1\n", f) == EOF || fclose(f) == EOF) {
		pr_warn("%s: cannot set to 1 (%s): NAT packets to unresolved neighbours will be "
			"dropped by the kernel\n", path, strerror(errno));
		return;
	}
	pr_debug("%s = 1 (NAT packets to unresolved next hops are forwarded by the kernel)\n",
		 path);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xlbd --config FILE [options]\n"
		"\n"
		"Run the xlb controller in the foreground: load the XDP program, pin its maps\n"
		"under /sys/fs/bpf/xlb/<node>/, apply the configuration, health-check the\n"
		"backends, run VRRP, and serve xlbctl on the control socket.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   configuration file (JSON, see xlb.json(5) / README)\n"
		"  -t, --check         validate the configuration and exit (like xlbctl validate)\n"
		"      --reset-maps    discard pinned maps whose layout does not match this\n"
		"                      build (established flows are lost) instead of refusing\n"
		"  -v, --verbose       more logging; -vv also shows libbpf's messages\n"
		"  -h, --help          this text\n"
		"\n"
		"Signals: SIGHUP reloads the configuration file (refused whole if invalid;\n"
		"the running configuration keeps serving), SIGTERM/SIGINT shut down cleanly.\n"
		"Exit status: 0 after a clean shutdown, 1 on a fatal error.\n");
}

static void log_errors(const struct xlb_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		pr_warn("%s\n", e->msg[i]);
}

static void log_diff(const char *what, const struct xlb_cfg_diff *d)
{
	pr_info("%s: services +%d -%d ~%d, backends +%d -%d, reweighted %d, changed %d\n", what,
		d->services_added, d->services_removed, d->services_changed, d->backends_added,
		d->backends_removed, d->backends_reweighted, d->backends_changed);
}

static struct json_object *diff_json(const struct xlb_cfg_diff *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "services_added", json_object_new_int(d->services_added));
	json_object_object_add(o, "services_removed", json_object_new_int(d->services_removed));
	json_object_object_add(o, "services_changed", json_object_new_int(d->services_changed));
	json_object_object_add(o, "backends_added", json_object_new_int(d->backends_added));
	json_object_object_add(o, "backends_removed", json_object_new_int(d->backends_removed));
	json_object_object_add(o, "backends_reweighted",
			       json_object_new_int(d->backends_reweighted));
	json_object_object_add(o, "backends_changed", json_object_new_int(d->backends_changed));
	return o;
}

/*
 * Validate and apply @cfg (consumed). On refusal the running configuration
 * is untouched; the errors go to the log and into @reply when given.
 */
static int apply_cfg(struct xlbd *d, struct xlb_cfg *cfg, struct xlb_errors *errs,
		     struct xlb_cfg_diff *diff)
{
	const struct xlb_cfg *cur = xlb_state_cfg(d->st);
	int err;

	if (cur) {
		struct xlb_cfg_diff dd;

		xlb_config_diff(cur, cfg, &dd);
		if (dd.vrrp_changed) {
			xlb_errors_add(errs, "%s: vrrp: changing the vrrp section needs a restart "
				       "of xlbd (the running instances keep their settings)",
				       cfg->path);
			xlb_config_free(cfg);
			return -EINVAL;
		}
	}
	/* Health first, so the new tables are planned with the new backend set. */
	if (d->health && xlb_health_update(d->health, cfg)) {
		xlb_errors_add(errs, "%s: out of memory tracking backend health", cfg->path);
		xlb_config_free(cfg);
		return -ENOMEM;
	}
	err = xlb_state_apply(d->st, cfg, diff, errs); /* consumes cfg */
	if (err && d->health && xlb_health_update(d->health, xlb_state_cfg(d->st)))
		pr_warn("restoring health tracking after a refused config failed\n");
	if (!err) {
		xlb_neigh_sync(d->neigh, xlb_state_cfg(d->st));
		set_accept_local(xlb_state_cfg(d->st));
	}
	return err;
}

static struct json_object *ctl_apply(struct xlbd *d, const struct xlb_ctl_req *req)
{
	struct xlb_errors errs = { 0 };
	struct xlb_cfg_diff diff = { 0 };
	struct xlb_cfg *cfg = NULL;
	struct json_object *r;
	int err;

	err = xlb_config_parse(req->config, req->config_len, req->origin, &cfg, &errs);
	if (!err)
		err = apply_cfg(d, cfg, &errs, &diff);
	if (err) {
		if (!errs.n)
			xlb_errors_add(&errs, "%s: apply failed: %s", req->origin, strerror(-err));
		pr_warn("apply of %s refused; the running configuration is unchanged\n",
			req->origin);
		log_errors(&errs);
		r = xlb_ctl_error_reply((const char *const *)errs.msg, errs.n);
		xlb_errors_free(&errs);
		return r;
	}
	log_diff("applied", &diff);
	update_backends_up(d);
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "changes", diff_json(&diff));
	return r;
}

static struct json_object *ok_reply(void)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	return r;
}

static int reload(struct xlbd *d, struct xlb_errors *errs)
{
	struct xlb_cfg_diff diff = { 0 };
	struct xlb_cfg *cfg = NULL;
	int err;

	err = xlb_config_load(d->config_path, &cfg, errs);
	if (!err)
		err = apply_cfg(d, cfg, errs, &diff);
	if (err) {
		pr_warn("reload of %s refused; the running configuration is unchanged\n",
			d->config_path);
		log_errors(errs);
		return err;
	}
	log_diff("reloaded", &diff);
	update_backends_up(d);
	return 0;
}

struct extra_find {
	const char *service;
	const struct xlb_backend_cfg *b;
	struct xlb_be_extra *out;
	char buf[3][160];
};

static int extra_one(void *arg, const struct xlb_backend_status *bs)
{
	struct extra_find *f = arg;
	uint64_t now = xlb_now_ms();

	if (strcmp(bs->service, f->service) || bs->port != f->b->port ||
	    !xlb_ip_equal(&bs->addr, &f->b->addr))
		return 0;
	f->out->state = xlb_backend_state_str(bs->state);
	if (bs->last_probe_ms) {
		snprintf(f->buf[0], sizeof(f->buf[0]), "%s %s: %s", bs->check,
			 bs->last_ok ? "ok" : "failed", bs->last_detail ? bs->last_detail : "");
		f->out->last_result = f->buf[0];
	} else if (!bs->active) {
		f->out->last_result = "no active check";
	}
	if (bs->change_reason && bs->change_reason[0]) {
		snprintf(f->buf[1], sizeof(f->buf[1]), "%s", bs->change_reason);
		f->out->reason = f->buf[1];
	}
	f->out->changed_ms_ago = bs->changed_ms && now >= bs->changed_ms ? (int64_t)(now - bs->changed_ms) : -1;
	return 1;
}

/* Health details of one backend for the status document. */
static void health_extra(void *arg, const char *service, const struct xlb_backend_cfg *b,
			 struct xlb_be_extra *out)
{
	static struct extra_find f; /* strings must outlive this call */
	struct xlbd *d = arg;

	memset(&f, 0, sizeof(f));
	f.service = service;
	f.b = b;
	f.out = out;
	xlb_health_foreach(d->health, extra_one, &f);
}

static struct json_object *ctl_backend(struct xlbd *d, const struct xlb_ctl_req *req)
{
	static const enum xlb_admin_action map[] = {
		[XLB_ACT_DRAIN] = XLB_ADMIN_DRAIN,
		[XLB_ACT_ENABLE] = XLB_ADMIN_ENABLE,
		[XLB_ACT_DISABLE] = XLB_ADMIN_DISABLE,
	};
	struct xlb_ip ip;
	char msg[256];
	const char *m = msg;
	int n, err;

	if (xlb_ip_parse(req->address, &ip)) {
		snprintf(msg, sizeof(msg), "backend: \"%.64s\" is not an IP address", req->address);
		return xlb_ctl_error_reply(&m, 1);
	}
	n = xlb_health_admin(d->health, req->service, &ip, req->port, map[req->action]);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "backend: service \"%.64s\" has no backend %.64s%s%.0u",
			 req->service, req->address, req->port ? " port " : "", req->port);
		return xlb_ctl_error_reply(&m, 1);
	}
	err = xlb_state_replan(d->st, req->service);
	if (err) {
		snprintf(msg, sizeof(msg), "backend: rewriting the data plane: %s", strerror(-err));
		return xlb_ctl_error_reply(&m, 1);
	}
	update_backends_up(d);
	pr_info("%s %s: %s (xlbctl)\n", req->service, req->address,
		xlb_ctl_action_name(req->action));
	{
		struct json_object *r = ok_reply();

		json_object_object_add(r, "matched", json_object_new_int(n));
		return r;
	}
}

static struct json_object *ctl_handler(void *arg, const struct xlb_ctl_req *req)
{
	struct xlbd *d = arg;
	struct xlb_errors errs = { 0 };
	struct json_object *r;
	const char *msg;

	switch (req->cmd) {
	case XLB_CTL_STATUS:
		r = xlb_status_json(d->st, d->dp, d->health ? health_extra : NULL, d);
		if (d->vrrp)
			json_object_object_add(r, "vrrp", vrrp_json(d));
		json_object_object_add(r, "ok", json_object_new_boolean(1));
		return r;
	case XLB_CTL_APPLY:
		return ctl_apply(d, req);
	case XLB_CTL_RELOAD:
		if (reload(d, &errs)) {
			r = xlb_ctl_error_reply((const char *const *)errs.msg, errs.n);
			xlb_errors_free(&errs);
			return r;
		}
		return ok_reply();
	case XLB_CTL_BACKEND:
		return ctl_backend(d, req);
	}
	msg = "unknown command";
	return xlb_ctl_error_reply(&msg, 1);
}

static void signal_cb(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlbd *d = arg;
	struct signalfd_siginfo si;
	struct xlb_errors errs = { 0 };

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			pr_info("SIGHUP: reloading %s\n", d->config_path);
			reload(d, &errs);
			xlb_errors_free(&errs);
			break;
		case SIGTERM:
		case SIGINT:
			pr_info("%s: shutting down\n", strsignal(si.ssi_signo));
			xlb_loop_stop(loop);
			break;
		}
	}
}

static int setup_signals(struct xlbd *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	return xlb_loop_add_fd(d->loop, d->sigfd, EPOLLIN, signal_cb, d);
}

static int run(struct xlbd *d)
{
	struct xlb_errors errs = { 0 };
	struct xlb_cfg_diff diff = { 0 };
	struct xlb_cfg *cfg = NULL;
	const struct xlb_node_cfg *node;
	bool reused = false, keep;
	int err;

	err = xlb_config_load(d->config_path, &cfg, &errs);
	if (err) {
		log_errors(&errs);
		pr_warn("%s: configuration refused (%zu error%s)\n", d->config_path, errs.n,
			errs.n == 1 ? "" : "s");
		xlb_errors_free(&errs);
		return err;
	}
	node = &cfg->node;
	d->loop = xlb_loop_new();
	if (!d->loop) {
		err = -ENOMEM;
		goto out;
	}
	err = setup_signals(d);
	if (err) {
		pr_warn("signals: %s\n", strerror(-err));
		goto out;
	}
	err = xlb_dp_load(node, d->dp_flags, &d->dp, &reused);
	if (err)
		goto out;
	pr_info("maps pinned in %s%s\n", xlb_dp_pin_dir(d->dp),
		reused ? " (reused from an earlier run: flows kept)" : "");
	err = xlb_dp_write_config(d->dp, node);
	if (err) {
		pr_warn("write config map: %s\n", strerror(-err));
		goto out;
	}
	d->health = xlb_health_new(d->loop, cfg, health_changed, d);
	if (!d->health) {
		err = -errno;
		pr_warn("health checks: %s\n", strerror(-err));
		goto out;
	}
	d->st = xlb_state_new(d->dp, plan_cb, d);
	if (!d->st) {
		err = -ENOMEM;
		goto out;
	}
	if (reused) {
		err = xlb_state_recover(d->st);
		if (err) {
			pr_warn("reading pinned state: %s\n", strerror(-err));
			goto out;
		}
	}
	err = xlb_ctlsock_open(d->loop, node->control_socket, ctl_handler, d, &d->cs);
	if (err) {
		pr_warn("control socket %s: %s\n", node->control_socket, strerror(-err));
		goto out;
	}
	err = xlb_state_apply(d->st, cfg, &diff, &errs);
	cfg = NULL; /* consumed by the state */
	if (err) {
		log_errors(&errs);
		xlb_errors_free(&errs);
		goto out;
	}
	node = &xlb_state_cfg(d->st)->node;
	log_diff("configured", &diff);
	check_forwarding(xlb_state_cfg(d->st));
	set_accept_local(xlb_state_cfg(d->st));
	d->neigh = xlb_neigh_new(node->interface);
	xlb_neigh_sync(d->neigh, xlb_state_cfg(d->st));

	if (!xlb_state_cfg(d->st)->n_vrrp) {
		/* With keep_maps the link is pinned: the program keeps forwarding
		 * while xlbd restarts, and the next xlbd swaps itself in. */
		err = xlb_dp_attach(d->dp, node->interface, node->xdp_mode, node->keep_maps);
		if (err)
			goto out;
	} else {
		/* VRRP decides; a link pinned by an earlier run without VRRP goes. */
		xlb_dp_unpin_link(d->dp);
		struct xlb_vrrp_hooks hooks = {
			.on_become_master = vrrp_become_master,
			.on_leave_master = vrrp_leave_master,
			.arg = d,
		};

		d->vrrp = xlb_vrrp_start(d->loop, xlb_state_cfg(d->st)->vrrp,
					 xlb_state_cfg(d->st)->n_vrrp, &hooks);
		if (!d->vrrp) {
			err = -errno;
			pr_warn("vrrp: %s\n", strerror(-err));
			goto out;
		}
		update_backends_up(d);
	}
	pr_info("running: node %s on %s, %zu service%s, control socket %s\n", node->name,
		node->interface, xlb_state_n_services(d->st),
		xlb_state_n_services(d->st) == 1 ? "" : "s", node->control_socket);
	err = xlb_loop_run(d->loop);
	if (err)
		pr_warn("event loop: %s\n", strerror(-err));
out:
	keep = d->st && xlb_state_cfg(d->st) ? xlb_state_cfg(d->st)->node.keep_maps : true;
	/* Priority 0 first: a backup takes over at once instead of after
	 * Master_Down_Interval; the hooks detach XDP and remove the VIPs. */
	if (d->vrrp)
		xlb_vrrp_stop(d->vrrp, true);
	d->vrrp = NULL;
	xlb_ctlsock_close(d->cs);
	xlb_neigh_free(d->neigh);
	d->neigh = NULL;
	xlb_health_free(d->health);
	d->health = NULL;
	if (d->dp && !keep)
		xlb_dp_detach(d->dp);
	if (d->st && !keep)
		xlb_state_clear_dp(d->st);
	xlb_state_free(d->st);
	if (d->dp) {
		xlb_dp_close(d->dp, !keep);
		if (!keep)
			pr_info("pinned maps removed (keep_maps is false)\n");
	}
	xlb_config_free(cfg);
	if (d->sigfd > 0)
		close(d->sigfd);
	xlb_loop_free(d->loop);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "reset-maps", no_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct xlbd d = { .sigfd = -1 };
	int c, verbose = 0, check = 0, err;

	xlb_log_set_ident("xlbd");
	while ((c = getopt_long(argc, argv, "c:tvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config_path = optarg; break;
		case 't': check = 1; break;
		case 'R': d.dp_flags |= XLB_DP_RESET; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc || !d.config_path) {
		fprintf(stderr, "xlbd: %s\n", optind != argc ? "unexpected argument" :
			"--config FILE is required");
		usage(stderr);
		return 1;
	}
	xlb_log_set_level(verbose ? XLB_LOG_DEBUG : XLB_LOG_INFO);
	xlb_log_libbpf(verbose > 1);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (check) {
		struct xlb_errors errs = { 0 };
		struct xlb_cfg *cfg = NULL;

		err = xlb_config_load(d.config_path, &cfg, &errs);
		log_errors(&errs);
		xlb_errors_free(&errs);
		xlb_config_free(cfg);
		if (!err)
			printf("%s: ok\n", d.config_path);
		return err ? 1 : 0;
	}
	raise_nofile_limit();
	err = run(&d);
	return err ? EXIT_FAILURE : 0;
}
