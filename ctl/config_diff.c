// SPDX-License-Identifier: GPL-2.0
/*
 * What changed between two parsed configurations. Services are matched by
 * name, backends within a service by (address, port), VRRP instances by
 * name. Both sides are sorted once and walked together, so a diff of 1024
 * services of 4096 backends each stays O(n log n).
 *
 * Counting rules: backends of an added (removed) service count as added
 * (removed); a kept backend whose weight changed is "reweighted", one whose
 * other keys changed is "changed" (a backend can be both); a kept service is
 * "changed" when its own keys or any of its backends changed.
 *
 * Comparisons go field by field, never memcmp over whole structs: structs
 * built by hand (tests, xlbctl) may carry garbage in padding.
 */
#include <stdlib.h>
#include <string.h>

#include <xlb/abi.h>
#include "config.h"

static int ip_cmp(const struct xlb_ip *a, const struct xlb_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->family == XLB_AF_INET)
		return memcmp(&a->a[0], &b->a[0], sizeof(a->a[0]));
	return memcmp(a->a, b->a, sizeof(a->a));
}

bool xlb_backend_same(const struct xlb_backend_cfg *a, const struct xlb_backend_cfg *b)
{
	return a->port == b->port && xlb_ip_equal(&a->addr, &b->addr);
}

static bool hc_equal(const struct xlb_hc_cfg *a, const struct xlb_hc_cfg *b)
{
	int i;

	if (a->type != b->type || a->port != b->port || a->n_expect != b->n_expect ||
	    a->interval_ms != b->interval_ms || a->timeout_ms != b->timeout_ms ||
	    a->rise != b->rise || a->fall != b->fall)
		return false;
	for (i = 0; i < a->n_expect && i < XLB_MAX_EXPECT; i++)
		if (a->expect_status[i] != b->expect_status[i])
			return false;
	return !strcmp(a->path, b->path) && !strcmp(a->host, b->host) &&
	       !strcmp(a->expect_body, b->expect_body) && !strcmp(a->script, b->script);
}

bool xlb_service_keys_differ(const struct xlb_service_cfg *a, const struct xlb_service_cfg *b)
{
	return strcmp(a->name, b->name) || !xlb_ip_equal(&a->vip, &b->vip) ||
	       a->port != b->port || a->proto != b->proto || a->mode != b->mode ||
	       !xlb_ip_equal(&a->snat, &b->snat) || a->affinity != b->affinity ||
	       a->on_empty != b->on_empty || !hc_equal(&a->hc, &b->hc) ||
	       strcmp(a->notify, b->notify);
}

/* Anything but the weight (and the (address, port) identity). */
static bool backend_other_differ(const struct xlb_backend_cfg *a,
				 const struct xlb_backend_cfg *b)
{
	return a->max_fails != b->max_fails || a->fail_timeout_ms != b->fail_timeout_ms ||
	       a->backup != b->backup || a->down != b->down ||
	       a->interval_ms != b->interval_ms || a->timeout_ms != b->timeout_ms ||
	       a->rise != b->rise || a->fall != b->fall;
}

static int backend_cmp(const void *x, const void *y)
{
	const struct xlb_backend_cfg *a = *(const struct xlb_backend_cfg *const *)x;
	const struct xlb_backend_cfg *b = *(const struct xlb_backend_cfg *const *)y;
	int r = ip_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int service_cmp(const void *x, const void *y)
{
	const struct xlb_service_cfg *a = *(const struct xlb_service_cfg *const *)x;
	const struct xlb_service_cfg *b = *(const struct xlb_service_cfg *const *)y;

	return strcmp(a->name, b->name);
}

static int vrrp_cmp(const void *x, const void *y)
{
	const struct xlb_vrrp_cfg *a = *(const struct xlb_vrrp_cfg *const *)x;
	const struct xlb_vrrp_cfg *b = *(const struct xlb_vrrp_cfg *const *)y;

	return strcmp(a->name, b->name);
}

/* Pointers to the @n elements of @base (each @size bytes), sorted by @cmp. */
static const void **sorted(const void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	const void **v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!v)
		abort();
	for (i = 0; i < n; i++)
		v[i] = (const char *)base + i * size;
	qsort(v, n, sizeof(*v), cmp);
	return v;
}

/* Compare the backend lists of one service; true when anything differs. */
static bool diff_backends(const struct xlb_service_cfg *o, const struct xlb_service_cfg *n,
			  struct xlb_cfg_diff *d)
{
	const void **ov = sorted(o->backends, o->n_backends, sizeof(*o->backends), backend_cmp);
	const void **nv = sorted(n->backends, n->n_backends, sizeof(*n->backends), backend_cmp);
	size_t i = 0, j = 0;
	bool any = false;
	int r;

	while (i < o->n_backends || j < n->n_backends) {
		if (i == o->n_backends)
			r = 1;
		else if (j == n->n_backends)
			r = -1;
		else
			r = backend_cmp(&ov[i], &nv[j]);
		if (r < 0) {
			d->backends_removed++;
			i++;
			any = true;
		} else if (r > 0) {
			d->backends_added++;
			j++;
			any = true;
		} else {
			const struct xlb_backend_cfg *a = ov[i++], *b = nv[j++];

			if (a->weight != b->weight) {
				d->backends_reweighted++;
				any = true;
			}
			if (backend_other_differ(a, b)) {
				d->backends_changed++;
				any = true;
			}
		}
	}
	free(ov);
	free(nv);
	return any;
}

static bool node_equal(const struct xlb_node_cfg *a, const struct xlb_node_cfg *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->interface, b->interface) &&
	       a->xdp_mode == b->xdp_mode && a->keep_maps == b->keep_maps &&
	       !strcmp(a->control_socket, b->control_socket) &&
	       a->tcp_timeout_ms == b->tcp_timeout_ms &&
	       a->tcp_fin_timeout_ms == b->tcp_fin_timeout_ms &&
	       a->udp_timeout_ms == b->udp_timeout_ms && a->snat_port_min == b->snat_port_min &&
	       a->snat_port_max == b->snat_port_max && a->flow_table_size == b->flow_table_size;
}

static bool track_equal(const struct xlb_track_cfg *a, const struct xlb_track_cfg *b)
{
	return !strcmp(a->script, b->script) && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->weight == b->weight && a->rise == b->rise &&
	       a->fall == b->fall;
}

static bool vrrp_equal(const struct xlb_vrrp_cfg *a, const struct xlb_vrrp_cfg *b)
{
	size_t i;

	if (strcmp(a->name, b->name) || strcmp(a->interface, b->interface) ||
	    a->vrid != b->vrid || a->priority != b->priority || a->version != b->version ||
	    a->family != b->family || a->advert_int_ms != b->advert_int_ms ||
	    a->auth_type != b->auth_type || strcmp(a->auth_pass, b->auth_pass) ||
	    a->preempt != b->preempt || a->preempt_delay_ms != b->preempt_delay_ms ||
	    a->track_interface != b->track_interface ||
	    a->track_backends != b->track_backends ||
	    a->track_backends_weight != b->track_backends_weight ||
	    !xlb_ip_equal(&a->unicast_src, &b->unicast_src) ||
	    a->garp_master_repeat != b->garp_master_repeat ||
	    a->garp_master_delay_ms != b->garp_master_delay_ms ||
	    strcmp(a->notify_master, b->notify_master) ||
	    strcmp(a->notify_backup, b->notify_backup) ||
	    strcmp(a->notify_fault, b->notify_fault) || strcmp(a->notify_stop, b->notify_stop))
		return false;
	if (a->n_vips != b->n_vips || a->n_peers != b->n_peers || a->n_tracks != b->n_tracks)
		return false;
	for (i = 0; i < a->n_vips && i < XLB_MAX_VIPS_PER_INSTANCE; i++)
		if (!xlb_ip_equal(&a->vips[i], &b->vips[i]) || a->vips[i].prefix != b->vips[i].prefix)
			return false;
	for (i = 0; i < a->n_peers && i < XLB_MAX_PEERS; i++)
		if (!xlb_ip_equal(&a->peers[i], &b->peers[i]))
			return false;
	for (i = 0; i < a->n_tracks && i < XLB_MAX_TRACK; i++)
		if (!track_equal(&a->tracks[i], &b->tracks[i]))
			return false;
	return true;
}

static bool vrrp_differ(const struct xlb_cfg *old, const struct xlb_cfg *new)
{
	const void **ov, **nv;
	bool differ = false;
	size_t i;

	if (old->n_vrrp != new->n_vrrp)
		return true;
	ov = sorted(old->vrrp, old->n_vrrp, sizeof(*old->vrrp), vrrp_cmp);
	nv = sorted(new->vrrp, new->n_vrrp, sizeof(*new->vrrp), vrrp_cmp);
	/* Same count and names unique: equal sets pair up index by index. */
	for (i = 0; i < old->n_vrrp && !differ; i++)
		differ = !vrrp_equal(ov[i], nv[i]);
	free(ov);
	free(nv);
	return differ;
}

void xlb_config_diff(const struct xlb_cfg *old, const struct xlb_cfg *new,
		     struct xlb_cfg_diff *d)
{
	/* A missing side is an empty configuration (no node either). */
	static const struct xlb_cfg empty;
	const void **ov, **nv;
	size_t i = 0, j = 0;
	int r;

	memset(d, 0, sizeof(*d));
	if (!old)
		old = &empty;
	if (!new)
		new = &empty;
	d->node_changed = !node_equal(&old->node, &new->node);
	d->vrrp_changed = vrrp_differ(old, new);
	ov = sorted(old->services, old->n_services, sizeof(*old->services), service_cmp);
	nv = sorted(new->services, new->n_services, sizeof(*new->services), service_cmp);
	while (i < old->n_services || j < new->n_services) {
		if (i == old->n_services)
			r = 1;
		else if (j == new->n_services)
			r = -1;
		else
			r = service_cmp(&ov[i], &nv[j]);
		if (r < 0) {
			const struct xlb_service_cfg *s = ov[i++];

			d->services_removed++;
			d->backends_removed += s->n_backends;
		} else if (r > 0) {
			const struct xlb_service_cfg *s = nv[j++];

			d->services_added++;
			d->backends_added += s->n_backends;
		} else {
			const struct xlb_service_cfg *a = ov[i++], *b = nv[j++];
			/* Count backend deltas even when the keys changed too. */
			bool backends = diff_backends(a, b, d);

			if (xlb_service_keys_differ(a, b) || backends)
				d->services_changed++;
		}
	}
	free(ov);
	free(nv);
}
