// SPDX-License-Identifier: GPL-2.0
/*
 * The "vrrp" section of the configuration: keepalived's vrrp_instance
 * vocabulary in JSON. Version rules follow RFC 3768 (v2: whole-second
 * advert_int, optional PASS authentication) and RFC 9568 (v3: centisecond
 * advert_int, IPv6, no authentication).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"

#define MAX_INSTANCES 255

static const char *const vrrp_keys[] = { "instances", NULL };
static const char *const inst_keys[] = {
	"name", "interface", "virtual_router_id", "priority", "advert_int", "version",
	"authentication", "virtual_ipaddress", "nopreempt", "preempt", "preempt_delay",
	"unicast_src_ip", "unicast_peer", "garp_master_repeat", "garp_master_delay",
	"track_interface", "track_backends", "track_script", "notify", NULL,
};
static const char *const auth_keys[] = { "auth_type", "auth_pass", NULL };
static const char *const auth_types[] = { "NONE", "PASS", NULL }; /* enum xlb_vrrp_auth */
static const char *const tb_keys[] = { "weight", NULL };
static const char *const ts_keys[] = {
	"script", "interval", "timeout", "weight", "rise", "fall", NULL,
};
static const char *const notify_keys[] = { "master", "backup", "fault", "stop", NULL };

/* "addr" or "addr/prefix" as in keepalived's virtual_ipaddress. */
static int parse_vip(struct xlb_cfgp *p, struct json_object *v, const char *path,
		     struct xlb_ip *ip)
{
	char tmp[64], show[64], *slash, *end;
	unsigned long len;

	if (!json_object_is_type(v, json_type_string)) {
		xlb_cfgp_err(p, path, "must be a string (got %s)", xlb_cfgp_type(v));
		return -1;
	}
	xlb_cfgp_show(v, show, sizeof(show));
	if ((size_t)json_object_get_string_len(v) >= sizeof(tmp) ||
	    (size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)))
		goto bad;
	xlb_cfgp_copy(tmp, sizeof(tmp), json_object_get_string(v));
	slash = strchr(tmp, '/');
	if (slash)
		*slash = '\0';
	if (xlb_ip_parse(tmp, ip))
		goto bad;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		len = strtoul(slash + 1, &end, 10);
		if (*end || len < 1 || len > ip->prefix) {
			xlb_cfgp_err(p, path, "prefix length must be 1..%u (got %s)", ip->prefix,
				     show);
			return -1;
		}
		ip->prefix = len;
	}
	if (!xlb_cfgp_ip_unicast(ip)) {
		xlb_cfgp_err(p, path, "%s is not a unicast address", show);
		return -1;
	}
	return 1;
bad:
	xlb_cfgp_err(p, path, "%s is not an IPv4 or IPv6 address or address/prefix", show);
	return -1;
}

static void parse_vips(struct xlb_cfgp *p, struct json_object *o, const char *path,
		       struct xlb_vrrp_cfg *r, bool version_ok)
{
	struct json_object *a = xlb_cfgp_arr(p, o, path, "virtual_ipaddress", true);
	char apath[XLB_JPATH_MAX], buf[XLB_JPATH_MAX], s[64];
	size_t i, j, n;

	if (!a)
		return;
	xlb_cfgp_key(apath, path, "virtual_ipaddress");
	n = json_object_array_length(a);
	if (n < 1 || n > XLB_MAX_VIPS_PER_INSTANCE) {
		xlb_cfgp_err(p, apath, "must hold 1..%d addresses (got %zu)",
			     XLB_MAX_VIPS_PER_INSTANCE, n);
		return;
	}
	r->n_vips = n;
	/* Entry i stays at index i (family 0 when bad) so messages can name it. */
	for (i = 0; i < n; i++) {
		xlb_cfgp_idx(buf, apath, i);
		if (parse_vip(p, json_object_array_get_idx(a, i), buf, &r->vips[i]) != 1)
			continue;
		if (!r->family) {
			r->family = r->vips[i].family;
		} else if (r->vips[i].family != r->family) {
			xlb_cfgp_err(p, buf, "%s address mixed with %s ones",
				     xlb_cfgp_family(r->vips[i].family),
				     xlb_cfgp_family(r->family));
			continue;
		}
		for (j = 0; j < i; j++) {
			if (xlb_ip_equal(&r->vips[j], &r->vips[i])) {
				xlb_cfgp_err(p, buf, "%s repeats virtual_ipaddress[%zu]",
					     xlb_ip_str(&r->vips[i], s, sizeof(s)), j);
				break;
			}
		}
	}
	if (version_ok && r->version == 2 && r->family == XLB_AF_INET6)
		xlb_cfgp_err(p, apath, "IPv6 needs version 3 (got version 2)");
}

/* An address of the instance's family: unicast_src_ip, unicast_peer[]. */
static int family_ip(struct xlb_cfgp *p, struct json_object *v, const char *path,
		     const struct xlb_vrrp_cfg *r, struct xlb_ip *ip)
{
	if (xlb_cfgp_ip_val(p, v, path, ip) != 1)
		return -1;
	if (r->family && ip->family != r->family) {
		xlb_cfgp_err(p, path, "%s address for an %s instance", xlb_cfgp_family(ip->family),
			     xlb_cfgp_family(r->family));
		return -1;
	}
	return 1;
}

static void parse_unicast(struct xlb_cfgp *p, struct json_object *o, const char *path,
			  struct xlb_vrrp_cfg *r)
{
	char apath[XLB_JPATH_MAX], buf[XLB_JPATH_MAX], s[64];
	struct json_object *v, *a;
	size_t i, j, n;

	if (json_object_object_get_ex(o, "unicast_src_ip", &v))
		family_ip(p, v, xlb_cfgp_key(buf, path, "unicast_src_ip"), r, &r->unicast_src);
	a = xlb_cfgp_arr(p, o, path, "unicast_peer", false);
	if (!a)
		return;
	xlb_cfgp_key(apath, path, "unicast_peer");
	n = json_object_array_length(a);
	if (n > XLB_MAX_PEERS) {
		xlb_cfgp_err(p, apath, "too many peers (%zu, at most %d)", n, XLB_MAX_PEERS);
		return;
	}
	r->n_peers = n;
	for (i = 0; i < n; i++) {
		xlb_cfgp_idx(buf, apath, i);
		if (family_ip(p, json_object_array_get_idx(a, i), buf, r, &r->peers[i]) != 1)
			continue;
		for (j = 0; j < i; j++) {
			if (xlb_ip_equal(&r->peers[j], &r->peers[i])) {
				xlb_cfgp_err(p, buf, "%s repeats unicast_peer[%zu]",
					     xlb_ip_str(&r->peers[i], s, sizeof(s)), j);
				break;
			}
		}
	}
}

static void parse_auth(struct xlb_cfgp *p, struct json_object *o, const char *path,
		       struct xlb_vrrp_cfg *r, bool version_ok)
{
	struct json_object *a;
	char apath[XLB_JPATH_MAX], buf[XLB_JPATH_MAX], pass[XLB_PATH_MAX];
	int t = -1, got;

	if (!json_object_object_get_ex(o, "authentication", NULL))
		return;
	xlb_cfgp_key(apath, path, "authentication");
	if (version_ok && r->version == 3) {
		xlb_cfgp_err(p, apath, "not valid with version 3 (RFC 5798 removed authentication)");
		return;
	}
	a = xlb_cfgp_obj(p, o, path, "authentication", false);
	if (!a)
		return;
	xlb_cfgp_keys(p, a, apath, auth_keys);
	if (!json_object_object_get_ex(a, "auth_type", NULL))
		xlb_cfgp_missing(p, apath, "auth_type");
	else if (xlb_cfgp_enum(p, a, apath, "auth_type", auth_types, &t) == 1)
		r->auth_type = t;
	if (t == XLB_AUTH_NONE) {
		if (json_object_object_get_ex(a, "auth_pass", NULL))
			xlb_cfgp_err(p, xlb_cfgp_key(buf, apath, "auth_pass"),
				     "only valid with auth_type PASS");
		return;
	}
	got = xlb_cfgp_str(p, a, apath, "auth_pass", t == XLB_AUTH_PASS, pass, sizeof(pass));
	if (got != 1)
		return;
	if (strlen(pass) > 8) {
		xlb_cfgp_err(p, xlb_cfgp_key(buf, apath, "auth_pass"),
			     "must be 1..8 characters (got %zu)", strlen(pass));
		return;
	}
	xlb_cfgp_copy(r->auth_pass, sizeof(r->auth_pass), pass);
}

static void parse_track_backends(struct xlb_cfgp *p, struct json_object *o, const char *path,
				 struct xlb_vrrp_cfg *r)
{
	struct json_object *t = xlb_cfgp_obj(p, o, path, "track_backends", false);
	char tpath[XLB_JPATH_MAX];
	int64_t w = 0;

	if (!t)
		return;
	xlb_cfgp_key(tpath, path, "track_backends");
	xlb_cfgp_keys(p, t, tpath, tb_keys);
	if (xlb_cfgp_int(p, t, tpath, "weight", false, -254, 253, &w) < 0)
		return;
	r->track_backends = true;
	/* In the file 0 means FAULT (keepalived's track weight 0); here -254 does. */
	r->track_backends_weight = w ? w : -254;
}

static void parse_track_script(struct xlb_cfgp *p, struct json_object *o, const char *path,
			       struct xlb_track_cfg *t)
{
	char buf[XLB_JPATH_MAX], a[32], b[32];
	int64_t x;
	int ri, rt;

	t->interval_ms = 1000;
	t->rise = 1;
	t->fall = 1;
	if (!xlb_cfgp_is_obj(p, o, path))
		return;
	xlb_cfgp_keys(p, o, path, ts_keys);
	xlb_cfgp_str(p, o, path, "script", true, t->script, sizeof(t->script));
	ri = xlb_cfgp_secs_ms(p, o, path, "interval", false, 100, 3600000, &t->interval_ms);
	rt = xlb_cfgp_secs_ms(p, o, path, "timeout", false, 10, 3600000, &t->timeout_ms);
	if (rt == 0)
		t->timeout_ms = t->interval_ms;
	else if (rt == 1 && ri >= 0 && t->timeout_ms > t->interval_ms)
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "timeout"), "must be <= interval (%s > %s)",
			     xlb_cfgp_secs(t->timeout_ms, a, sizeof(a)),
			     xlb_cfgp_secs(t->interval_ms, b, sizeof(b)));
	if (xlb_cfgp_int(p, o, path, "weight", false, -253, 253, &x) == 1)
		t->weight = x;
	if (xlb_cfgp_int(p, o, path, "rise", false, 1, 100, &x) == 1)
		t->rise = x;
	if (xlb_cfgp_int(p, o, path, "fall", false, 1, 100, &x) == 1)
		t->fall = x;
}

static void parse_tracks(struct xlb_cfgp *p, struct json_object *o, const char *path,
			 struct xlb_vrrp_cfg *r)
{
	struct json_object *a = xlb_cfgp_arr(p, o, path, "track_script", false);
	char apath[XLB_JPATH_MAX], buf[XLB_JPATH_MAX];
	size_t i, n;

	if (!a)
		return;
	xlb_cfgp_key(apath, path, "track_script");
	n = json_object_array_length(a);
	if (n > XLB_MAX_TRACK) {
		xlb_cfgp_err(p, apath, "too many scripts (%zu, at most %d)", n, XLB_MAX_TRACK);
		return;
	}
	r->n_tracks = n;
	for (i = 0; i < n; i++)
		parse_track_script(p, json_object_array_get_idx(a, i), xlb_cfgp_idx(buf, apath, i),
				   &r->tracks[i]);
}

static void parse_notify(struct xlb_cfgp *p, struct json_object *o, const char *path,
			 struct xlb_vrrp_cfg *r)
{
	struct json_object *n = xlb_cfgp_obj(p, o, path, "notify", false);
	char npath[XLB_JPATH_MAX];

	if (!n)
		return;
	xlb_cfgp_key(npath, path, "notify");
	xlb_cfgp_keys(p, n, npath, notify_keys);
	xlb_cfgp_str(p, n, npath, "master", false, r->notify_master, sizeof(r->notify_master));
	xlb_cfgp_str(p, n, npath, "backup", false, r->notify_backup, sizeof(r->notify_backup));
	xlb_cfgp_str(p, n, npath, "fault", false, r->notify_fault, sizeof(r->notify_fault));
	xlb_cfgp_str(p, n, npath, "stop", false, r->notify_stop, sizeof(r->notify_stop));
}

static void parse_advert(struct xlb_cfgp *p, struct json_object *o, const char *path,
			 struct xlb_vrrp_cfg *r, bool version_ok)
{
	char buf[XLB_JPATH_MAX], show[64];
	struct json_object *v;
	uint32_t ms;
	bool v2 = version_ok && r->version == 2;

	/* v2 counts whole seconds (RFC 3768 5.3.7), v3 centiseconds (RFC 9568 5.2.7). */
	if (xlb_cfgp_secs_ms(p, o, path, "advert_int", false, v2 ? 1000 : 10,
			     v2 ? 255000 : 40950, &ms) != 1)
		return;
	json_object_object_get_ex(o, "advert_int", &v);
	xlb_cfgp_key(buf, path, "advert_int");
	if (v2 && ms % 1000)
		xlb_cfgp_err(p, buf, "must be whole seconds with version 2 (got %s)",
			     xlb_cfgp_show(v, show, sizeof(show)));
	else if (ms % 10)
		xlb_cfgp_err(p, buf, "must be a multiple of 0.01 seconds (got %s)",
			     xlb_cfgp_show(v, show, sizeof(show)));
	else
		r->advert_int_ms = ms;
}

static void parse_instance(struct xlb_cfgp *p, struct json_object *o, const char *path,
			   struct xlb_vrrp_cfg *r)
{
	char buf[XLB_JPATH_MAX];
	bool version_ok, nopreempt = false, preempt = true;
	int64_t x = 3;
	int rn, rp;

	r->priority = 100;
	r->version = 3;
	r->advert_int_ms = 1000;
	r->auth_type = XLB_AUTH_NONE;
	r->preempt = true;
	r->track_interface = true;
	r->garp_master_repeat = 5;
	r->garp_master_delay_ms = 100;
	if (!xlb_cfgp_is_obj(p, o, path))
		return;
	xlb_cfgp_keys(p, o, path, inst_keys);
	xlb_cfgp_name(p, o, path, "name", r->name, XLB_NAME_MAX - 1);
	xlb_cfgp_ifname(p, o, path, "interface", r->interface);
	if (xlb_cfgp_int(p, o, path, "virtual_router_id", true, 1, 255, &x) == 1)
		r->vrid = x;
	if (xlb_cfgp_int(p, o, path, "priority", false, 1, 255, &x) == 1)
		r->priority = x;
	version_ok = xlb_cfgp_int(p, o, path, "version", false, 2, 3, &x) >= 0;
	if (json_object_object_get_ex(o, "version", NULL) && version_ok)
		r->version = x;
	parse_advert(p, o, path, r, version_ok);
	parse_auth(p, o, path, r, version_ok);
	parse_vips(p, o, path, r, version_ok);

	rn = xlb_cfgp_bool(p, o, path, "nopreempt", &nopreempt);
	rp = xlb_cfgp_bool(p, o, path, "preempt", &preempt);
	if (rn == 1 && rp == 1 && nopreempt == preempt)
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "preempt"), "contradicts nopreempt");
	else if (rp == 1)
		r->preempt = preempt;
	else if (rn == 1)
		r->preempt = !nopreempt;
	xlb_cfgp_secs_ms(p, o, path, "preempt_delay", false, 0, 1000000, &r->preempt_delay_ms);
	parse_unicast(p, o, path, r);
	if (xlb_cfgp_int(p, o, path, "garp_master_repeat", false, 1, 100, &x) == 1)
		r->garp_master_repeat = x;
	xlb_cfgp_secs_ms(p, o, path, "garp_master_delay", false, 0, 60000,
			 &r->garp_master_delay_ms);
	xlb_cfgp_bool(p, o, path, "track_interface", &r->track_interface);
	parse_track_backends(p, o, path, r);
	parse_tracks(p, o, path, r);
	parse_notify(p, o, path, r);
}

/* Names, VRIDs per (interface, family) and VIPs must not repeat across instances. */
static void check_instances(struct xlb_cfgp *p, const struct xlb_cfg *cfg)
{
	char buf[XLB_JPATH_MAX], vpath[XLB_JPATH_MAX], s[64];
	size_t i, j, k, l;

	for (i = 0; i < cfg->n_vrrp; i++) {
		const struct xlb_vrrp_cfg *r = &cfg->vrrp[i];

		xlb_cfgp_idx(buf, "vrrp.instances", i);
		for (j = 0; r->name[0] && j < i; j++) {
			if (!strcmp(cfg->vrrp[j].name, r->name)) {
				xlb_cfgp_err(p, strcat(buf, ".name"),
					     "\"%s\" is already used by vrrp.instances[%zu]", r->name,
					     j);
				break;
			}
		}
		xlb_cfgp_idx(buf, "vrrp.instances", i);
		for (j = 0; r->vrid && r->interface[0] && r->family && j < i; j++) {
			const struct xlb_vrrp_cfg *q = &cfg->vrrp[j];

			if (q->vrid == r->vrid && q->family == r->family &&
			    !strcmp(q->interface, r->interface)) {
				xlb_cfgp_err(p, strcat(buf, ".virtual_router_id"),
					     "%u is already used on %s for %s by vrrp.instances[%zu]",
					     r->vrid, r->interface, xlb_cfgp_family(r->family), j);
				break;
			}
		}
		for (k = 0; k < r->n_vips; k++) {
			if (!r->vips[k].family)
				continue;
			for (j = 0; j < i; j++) {
				for (l = 0; l < cfg->vrrp[j].n_vips; l++)
					if (xlb_ip_equal(&cfg->vrrp[j].vips[l], &r->vips[k]))
						break;
				if (l < cfg->vrrp[j].n_vips)
					break;
			}
			if (j == i)
				continue;
			xlb_cfgp_idx(vpath, "vrrp.instances", i);
			strcat(vpath, ".virtual_ipaddress");
			xlb_cfgp_err(p, xlb_cfgp_idx(buf, vpath, k), "%s is already in vrrp.instances[%zu]",
				     xlb_ip_str(&r->vips[k], s, sizeof(s)), j);
		}
	}
}

void xlb_cfgp_vrrp(struct xlb_cfgp *p, struct json_object *vrrp, struct xlb_cfg *cfg)
{
	struct json_object *a;
	char buf[XLB_JPATH_MAX];
	size_t i, n;

	xlb_cfgp_keys(p, vrrp, "vrrp", vrrp_keys);
	a = xlb_cfgp_arr(p, vrrp, "vrrp", "instances", true);
	if (!a)
		return;
	n = json_object_array_length(a);
	if (n > MAX_INSTANCES) {
		xlb_cfgp_err(p, "vrrp.instances", "too many instances (%zu, at most %d)", n,
			     MAX_INSTANCES);
		return;
	}
	cfg->vrrp = calloc(n ? n : 1, sizeof(*cfg->vrrp));
	if (!cfg->vrrp)
		abort();
	cfg->n_vrrp = n;
	for (i = 0; i < n; i++)
		parse_instance(p, json_object_array_get_idx(a, i),
			       xlb_cfgp_idx(buf, "vrrp.instances", i), &cfg->vrrp[i]);
	check_instances(p, cfg);
}
