// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "log.h"
#include "status.h"

static const char *dp_state_str(uint8_t s)
{
	switch (s) {
	case XLB_BE_UP: return "up";
	case XLB_BE_DRAINING: return "draining";
	default: return "down";
	}
}

static const char *proto_str(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

struct json_object *xlb_status_json(struct xlb_state *st, struct xlb_dp *dp,
				    xlb_be_extra_fn extra, void *extra_arg)
{
	const struct xlb_cfg *cfg = xlb_state_cfg(st);
	struct json_object *root = json_object_new_object();
	struct json_object *node = json_object_new_object();
	struct json_object *svcs = json_object_new_array();
	size_t i, j;
	char buf[64];

	add_str(node, "name", cfg->node.name);
	add_str(node, "interface", cfg->node.interface);
	json_object_object_add(node, "xdp_attached", json_object_new_boolean(xlb_dp_is_attached(dp)));
	add_str(node, "xdp_mode", xlb_dp_attach_mode(dp));
	add_int(node, "prog_id", xlb_dp_prog_id(dp));
	add_str(node, "pin_dir", xlb_dp_pin_dir(dp));
	add_str(node, "config", cfg->path);
	json_object_object_add(root, "node", node);

	for (i = 0; i < xlb_state_n_services(st); i++) {
		struct json_object *s = json_object_new_object(), *bes = json_object_new_array();
		struct xlb_svc_view v;

		if (xlb_state_service(st, i, &v))
			continue;
		add_str(s, "name", v.cfg->name);
		add_str(s, "vip", xlb_ip_str(&v.cfg->vip, buf, sizeof(buf)));
		add_int(s, "port", v.cfg->port);
		add_str(s, "protocol", proto_str(v.cfg->proto));
		add_str(s, "mode", v.cfg->mode == XLB_MODE_DR ? "dr" : "nat");
		add_int(s, "id", v.id);
		add_int(s, "table", v.table);
		json_object_object_add(s, "empty", json_object_new_boolean(v.empty));
		for (j = 0; j < v.cfg->n_backends; j++) {
			const struct xlb_be_view *b = &v.be[j];
			struct json_object *o = json_object_new_object();
			struct xlb_be_extra ex = { .changed_ms_ago = -1 };

			add_str(o, "address", xlb_ip_str(&b->cfg->addr, buf, sizeof(buf)));
			add_int(o, "port", b->cfg->port);
			add_int(o, "id", b->id);
			add_int(o, "weight", b->cfg->weight);
			json_object_object_add(o, "backup", json_object_new_boolean(b->cfg->backup));
			if (extra)
				extra(extra_arg, v.cfg->name, b->cfg, &ex);
			add_str(o, "state", ex.state ? ex.state : (b->cfg->down ? "disabled" : "up"));
			add_str(o, "dp_state", dp_state_str(b->dp_state));
			json_object_object_add(o, "in_table", json_object_new_boolean(b->in_table));
			add_int(o, "slots", b->slots);
			json_object_object_add(o, "share",
				json_object_new_double((double)b->slots / XLB_MAGLEV_SIZE));
			if (ex.last_result)
				add_str(o, "last_result", ex.last_result);
			if (ex.reason)
				add_str(o, "reason", ex.reason);
			if (ex.changed_ms_ago >= 0)
				json_object_object_add(o, "changed_s_ago",
					json_object_new_double(ex.changed_ms_ago / 1000.0));
			json_object_array_add(bes, o);
		}
		json_object_object_add(s, "backends", bes);
		json_object_array_add(svcs, s);
	}
	json_object_object_add(root, "services", svcs);
	return root;
}

/* ---- stats from pinned maps ---------------------------------------------- */

struct stats_ctx {
	struct xlb_dp *dp;
	struct json_object *svcs;
	struct json_object *names;
	struct xlb_backend *be;
	int err;
};

static const char *name_of(struct json_object *names, uint32_t id)
{
	struct json_object *svcs, *s, *v;
	size_t i;

	if (!names || !json_object_object_get_ex(names, "services", &svcs))
		return NULL;
	for (i = 0; i < json_object_array_length(svcs); i++) {
		s = json_object_array_get_idx(svcs, i);
		if (json_object_object_get_ex(s, "id", &v) && json_object_get_int64(v) == id &&
		    json_object_object_get_ex(s, "name", &v))
			return json_object_get_string(v);
	}
	return NULL;
}

static void addr_str(uint8_t family, const __be32 *a, char *buf, size_t len)
{
	if (!inet_ntop(family == XLB_AF_INET6 ? AF_INET6 : AF_INET, a, buf, len))
		snprintf(buf, len, "?");
}

static int stats_one(const struct xlb_vip_key *k, const struct xlb_service *sv, void *arg)
{
	struct stats_ctx *c = arg;
	struct json_object *s = json_object_new_object(), *bes = json_object_new_array();
	struct xlb_service_stats ss;
	const char *name = name_of(c->names, sv->id);
	char buf[64];
	uint32_t i;

	addr_str(k->family, k->addr, buf, sizeof(buf));
	if (name)
		add_str(s, "name", name);
	add_str(s, "vip", buf);
	add_int(s, "port", ntohs(k->port));
	add_str(s, "protocol", proto_str(k->proto));
	add_int(s, "id", sv->id);
	if (!xlb_dp_service_stats(c->dp, sv->id, &ss)) {
		add_int(s, "packets", ss.packets);
		add_int(s, "bytes", ss.bytes);
		add_int(s, "new_flows", ss.new_flows);
		add_int(s, "no_backend", ss.no_backend);
	}
	for (i = 0; i < XLB_MAX_BACKENDS; i++) {
		struct xlb_backend_stats bs;
		struct json_object *o;

		if (!c->be[i].family || c->be[i].service != sv->id)
			continue;
		if (xlb_dp_backend_stats(c->dp, i, &bs))
			continue;
		o = json_object_new_object();
		addr_str(c->be[i].family, c->be[i].addr, buf, sizeof(buf));
		add_str(o, "address", buf);
		add_int(o, "port", ntohs(c->be[i].port));
		add_int(o, "id", i);
		add_str(o, "dp_state", dp_state_str(c->be[i].state));
		add_int(o, "packets", bs.packets);
		add_int(o, "bytes", bs.bytes);
		add_int(o, "new_flows", bs.new_flows);
		add_int(o, "reply_packets", bs.reply_packets);
		add_int(o, "reply_bytes", bs.reply_bytes);
		json_object_array_add(bes, o);
	}
	json_object_object_add(s, "backends", bes);
	json_object_array_add(c->svcs, s);
	return 0;
}

struct json_object *xlb_stats_json(struct xlb_dp *dp, struct json_object *names)
{
	struct stats_ctx c = { .dp = dp, .names = names };
	struct json_object *root, *reasons;
	int r, err;

	c.be = calloc(XLB_MAX_BACKENDS, sizeof(*c.be));
	if (!c.be)
		return NULL;
	err = xlb_dp_backends_read_all(dp, c.be);
	if (err) {
		pr_warn("read backends: %s\n", strerror(-err));
		free(c.be);
		return NULL;
	}
	root = json_object_new_object();
	c.svcs = json_object_new_array();
	err = xlb_dp_services_foreach(dp, stats_one, &c);
	if (err)
		pr_warn("read services: %s\n", strerror(-err));
	json_object_object_add(root, "services", c.svcs);
	reasons = json_object_new_object();
	for (r = 0; r < XLB_R_MAX; r++) {
		struct xlb_reason_stats rs;
		struct json_object *o;

		if (xlb_dp_reason_stats(dp, r, &rs))
			continue;
		o = json_object_new_object();
		add_int(o, "packets", rs.packets);
		add_int(o, "bytes", rs.bytes);
		json_object_object_add(reasons, xlb_reason_names[r], o);
	}
	json_object_object_add(root, "reasons", reasons);
	free(c.be);
	return root;
}
