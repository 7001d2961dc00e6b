// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration -> data plane. The write order keeps every packet's view
 * consistent: new backend entries first, then each rebuilt Maglev table into
 * the service's inactive slot, then the one service write that switches to
 * it; removed services and backends go last, once nothing points at them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "apply.h"
#include "log.h"
#include "maglev.h"

struct be_state {
	uint32_t id;
	bool     in_table;
	uint8_t  dp_state;
	uint32_t slots;
	bool     fresh;      /* id allocated by this apply */
	bool     known;      /* the map already holds this id for this backend */
	uint8_t  prev_state; /* dp_state the map holds, when known */
};

struct svc_state {
	const struct xlb_service_cfg *cfg;
	struct xlb_vip_key key;
	uint32_t id;
	uint32_t table;      /* active table index */
	bool     has_table;
	uint64_t sig;        /* inputs of the active table; 0 = unknown */
	bool     empty;
	bool     fresh;      /* id allocated by this apply */
	bool     matched;    /* old state: still present in the new config */
	struct be_state *be;
	struct xlb_be_view *view;
	/* pending table (between build and install) */
	int      new_fd;
	uint32_t *new_slots;
	uint64_t new_sig;
};

struct rec_svc {
	struct xlb_vip_key key;
	uint32_t id, table;
	bool     claimed;
};

struct xlb_state {
	struct xlb_dp *dp;
	xlb_plan_fn plan;
	void *plan_arg;
	struct xlb_cfg *cfg;
	struct svc_state *svc;
	size_t n_svc;
	uint8_t svc_used[XLB_MAX_SERVICES];
	uint8_t *be_used;            /* XLB_MAX_BACKENDS */
	uint32_t *be_gen;            /* XLB_MAX_BACKENDS */
	uint32_t be_cursor;          /* next-fit: delays reuse of freed ids */
	struct rec_svc *rec;         /* ids found in pinned maps at start */
	size_t n_rec;
	struct xlb_backend *rec_be;  /* pinned `backends` at start */
	uint32_t *rec_list;          /* backend ids grouped by service id */
	uint32_t rec_start[XLB_MAX_SERVICES + 1];
	uint8_t *keep;               /* scratch: ids kept by an apply */
	uint32_t *slot_count;        /* scratch: table slots per backend id */
	uint32_t *scratch;           /* scratch: a table built in cache-warm memory */
	uint64_t tables_built;
};

void xlb_vip_key_of(const struct xlb_service_cfg *s, struct xlb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, s->vip.a, sizeof(k->addr));
	k->port = htons(s->port);
	k->proto = s->proto;
	k->family = s->vip.family;
}

static void maglev_key_of(const struct xlb_backend_cfg *b, uint8_t key[20])
{
	uint16_t port = htons(b->port);

	memset(key, 0, 20);
	memcpy(key, b->addr.a, 16);
	memcpy(key + 16, &port, 2);
}

struct xlb_state *xlb_state_new(struct xlb_dp *dp, xlb_plan_fn plan, void *plan_arg)
{
	struct xlb_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->dp = dp;
	st->plan = plan;
	st->plan_arg = plan_arg;
	st->be_used = calloc(XLB_MAX_BACKENDS, 1);
	st->be_gen = calloc(XLB_MAX_BACKENDS, sizeof(uint32_t));
	st->keep = calloc(XLB_MAX_BACKENDS, 1);
	st->slot_count = calloc(XLB_MAX_BACKENDS, sizeof(uint32_t));
	st->scratch = calloc(XLB_MAGLEV_SIZE, sizeof(uint32_t));
	if (!st->be_used || !st->be_gen || !st->keep || !st->slot_count || !st->scratch) {
		xlb_state_free(st);
		errno = ENOMEM;
		return NULL;
	}
	return st;
}

static void svc_states_free(struct svc_state *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++) {
		xlb_dp_table_abort(s[i].new_fd, s[i].new_slots);
		free(s[i].be);
		free(s[i].view);
	}
	free(s);
}

void xlb_state_free(struct xlb_state *st)
{
	if (!st)
		return;
	svc_states_free(st->svc, st->n_svc);
	xlb_config_free(st->cfg);
	free(st->be_used);
	free(st->be_gen);
	free(st->rec);
	free(st->rec_be);
	free(st->rec_list);
	free(st->keep);
	free(st->slot_count);
	free(st->scratch);
	free(st);
}

const struct xlb_cfg *xlb_state_cfg(const struct xlb_state *st)
{
	return st->cfg;
}

size_t xlb_state_n_services(const struct xlb_state *st)
{
	return st->n_svc;
}

uint64_t xlb_state_tables_built(const struct xlb_state *st)
{
	return st->tables_built;
}

int xlb_state_service(const struct xlb_state *st, size_t i, struct xlb_svc_view *out)
{
	const struct svc_state *s;
	size_t j;

	if (i >= st->n_svc)
		return -ENOENT;
	s = &st->svc[i];
	for (j = 0; j < s->cfg->n_backends; j++) {
		s->view[j].cfg = &s->cfg->backends[j];
		s->view[j].id = s->be[j].id;
		s->view[j].in_table = s->be[j].in_table;
		s->view[j].dp_state = s->be[j].dp_state;
		s->view[j].slots = s->be[j].slots;
	}
	out->cfg = s->cfg;
	out->id = s->id;
	out->table = s->table;
	out->empty = s->empty;
	out->be = s->view;
	return 0;
}

/* ---- recovery from pinned maps -------------------------------------------- */

static int rec_one(const struct xlb_vip_key *k, const struct xlb_service *s, void *arg)
{
	struct xlb_state *st = arg;
	struct rec_svc *r;

	if (s->id >= XLB_MAX_SERVICES)
		return 0;
	r = realloc(st->rec, (st->n_rec + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	st->rec = r;
	r = &st->rec[st->n_rec++];
	memset(r, 0, sizeof(*r));
	r->key = *k;
	r->id = s->id;
	r->table = s->table;
	st->svc_used[s->id] = 1;
	return 0;
}

int xlb_state_recover(struct xlb_state *st)
{
	uint32_t i, nbe = 0;
	int err;

	err = xlb_dp_services_foreach(st->dp, rec_one, st);
	if (err)
		return err;
	st->rec_be = calloc(XLB_MAX_BACKENDS, sizeof(*st->rec_be));
	if (!st->rec_be)
		return -ENOMEM;
	err = xlb_dp_backends_read_all(st->dp, st->rec_be);
	if (err)
		return err;
	st->rec_list = calloc(XLB_MAX_BACKENDS, sizeof(*st->rec_list));
	if (!st->rec_list)
		return -ENOMEM;
	memset(st->rec_start, 0, sizeof(st->rec_start));
	for (i = 0; i < XLB_MAX_BACKENDS; i++) {
		st->be_gen[i] = st->rec_be[i].gen;
		if (!st->rec_be[i].family)
			continue;
		st->be_used[i] = 1;
		nbe++;
		if (st->rec_be[i].service < XLB_MAX_SERVICES)
			st->rec_start[st->rec_be[i].service + 1]++;
	}
	/* counting sort of backend ids by owning service */
	{
		uint32_t pos[XLB_MAX_SERVICES], s;

		for (s = 0; s < XLB_MAX_SERVICES; s++)
			st->rec_start[s + 1] += st->rec_start[s];
		memcpy(pos, st->rec_start, sizeof(pos));
		for (i = 0; i < XLB_MAX_BACKENDS; i++)
			if (st->rec_be[i].family && st->rec_be[i].service < XLB_MAX_SERVICES)
				st->rec_list[pos[st->rec_be[i].service]++] = i;
	}
	if (st->n_rec || nbe)
		pr_info("found %zu services and %u backends pinned by an earlier run\n",
			st->n_rec, nbe);
	return 0;
}

/* ---- id allocation ----------------------------------------------------------- */

static int alloc_svc_id(struct xlb_state *st, uint32_t *id)
{
	uint32_t i;

	for (i = 0; i < XLB_MAX_SERVICES; i++) {
		if (!st->svc_used[i]) {
			st->svc_used[i] = 1;
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static int alloc_be_id(struct xlb_state *st, uint32_t *id)
{
	uint32_t n, i = st->be_cursor;

	for (n = 0; n < XLB_MAX_BACKENDS; n++, i = (i + 1) % XLB_MAX_BACKENDS) {
		if (!st->be_used[i]) {
			st->be_used[i] = 1;
			st->be_cursor = (i + 1) % XLB_MAX_BACKENDS;
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

/* ---- planning ------------------------------------------------------------------ */

size_t xlb_plan_from_config(const struct xlb_service_cfg *svc, struct xlb_health_plan_entry *out)
{
	size_t i, primaries = 0, n = 0;

	for (i = 0; i < svc->n_backends; i++)
		if (!svc->backends[i].down && !svc->backends[i].backup)
			primaries++;
	for (i = 0; i < svc->n_backends; i++) {
		const struct xlb_backend_cfg *b = &svc->backends[i];

		if (b->down) {
			out[i].in_table = false;
			out[i].dp_state = XLB_BE_DOWN;
			continue;
		}
		out[i].in_table = !b->backup || primaries == 0;
		out[i].dp_state = out[i].in_table ? XLB_BE_UP : XLB_BE_DRAINING;
		n += out[i].in_table;
	}
	return n;
}

static uint64_t fnv_mix(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Signature of everything a service's table depends on. Never 0. */
static uint64_t table_sig(const struct svc_state *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < s->cfg->n_backends; i++) {
		const struct xlb_backend_cfg *b = &s->cfg->backends[i];

		if (!s->be[i].in_table)
			continue;
		h = fnv_mix(h, &s->be[i].id, sizeof(s->be[i].id));
		h = fnv_mix(h, &b->weight, sizeof(b->weight));
		h = fnv_mix(h, b->addr.a, sizeof(b->addr.a));
		h = fnv_mix(h, &b->port, sizeof(b->port));
	}
	return h ? h : 1;
}

static int plan_service(struct xlb_state *st, struct svc_state *s)
{
	struct xlb_health_plan_entry *pe;
	size_t i, n = s->cfg->n_backends, in;

	pe = calloc(n ? n : 1, sizeof(*pe));
	if (!pe)
		return -ENOMEM;
	in = st->plan ? st->plan(st->plan_arg, s->cfg, pe) : xlb_plan_from_config(s->cfg, pe);
	for (i = 0; i < n; i++) {
		s->be[i].in_table = pe[i].in_table;
		s->be[i].dp_state = pe[i].dp_state;
	}
	s->empty = in == 0;
	free(pe);
	return 0;
}

/* Build the table for @s into a new inner map, not yet visible. */
static int build_table(struct xlb_state *st, struct svc_state *s)
{
	struct xlb_maglev_backend *mb;
	size_t i, n = 0;
	uint32_t k;
	int err;

	s->new_sig = table_sig(s);
	if (s->has_table && s->sig == s->new_sig)
		return 0;
	mb = calloc(s->cfg->n_backends ? s->cfg->n_backends : 1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (i = 0; i < s->cfg->n_backends; i++) {
		if (!s->be[i].in_table)
			continue;
		mb[n].id = s->be[i].id;
		mb[n].weight = s->cfg->backends[i].weight;
		maglev_key_of(&s->cfg->backends[i], mb[n].key);
		n++;
	}
	/* Built in reused memory (cache-warm, no page faults during the
	 * random walk), then copied into the new map in one sequential pass. */
	err = xlb_maglev_build(mb, n, st->scratch, XLB_MAGLEV_SIZE);
	free(mb);
	if (err)
		return err;
	err = xlb_dp_table_new(st->dp, &s->new_fd, &s->new_slots);
	if (!err)
		xlb_dp_table_fill(s->new_slots, st->scratch);
	if (err) {
		xlb_dp_table_abort(s->new_fd, s->new_slots);
		s->new_fd = -1;
		s->new_slots = NULL;
		return err;
	}
	/* slot counts for status: O(table + backends) through a scratch array */
	for (k = 0; k < XLB_MAGLEV_SIZE; k++)
		if (st->scratch[k] < XLB_MAX_BACKENDS)
			st->slot_count[st->scratch[k]]++;
	for (i = 0; i < s->cfg->n_backends; i++) {
		s->be[i].slots = st->slot_count[s->be[i].id];
	}
	for (i = 0; i < s->cfg->n_backends; i++)
		st->slot_count[s->be[i].id] = 0;
	return 0;
}

static void service_value(const struct svc_state *s, struct xlb_service *v)
{
	memset(v, 0, sizeof(*v));
	v->id = s->id;
	v->table = s->table;
	v->mode = s->cfg->mode;
	v->family = s->cfg->vip.family;
	if (s->cfg->affinity)
		v->flags |= XLB_SVC_F_AFFINITY;
	if (s->empty)
		v->flags |= XLB_SVC_F_EMPTY;
	if (s->cfg->on_empty == XLB_EMPTY_PASS)
		v->flags |= XLB_SVC_F_EMPTY_PASS;
	memcpy(v->snat_addr, s->cfg->snat.family ? s->cfg->snat.a : s->cfg->vip.a,
	       sizeof(v->snat_addr));
}

static void backend_value(const struct svc_state *s, size_t j, uint32_t gen, struct xlb_backend *v)
{
	const struct xlb_backend_cfg *b = &s->cfg->backends[j];

	memset(v, 0, sizeof(*v));
	memcpy(v->addr, b->addr.a, sizeof(v->addr));
	v->port = htons(b->port);
	v->family = b->addr.family;
	v->state = s->be[j].dp_state;
	v->gen = gen;
	v->service = s->id;
}

/* Where the pending table of @s goes: the slot the service does not use. */
static uint32_t pending_index(const struct svc_state *s)
{
	if (!s->has_table)
		return 2 * s->id;
	return s->table == 2 * s->id ? 2 * s->id + 1 : 2 * s->id;
}

/* After its pending table is installed, point @s at it. */
static void table_switched(struct xlb_state *st, struct svc_state *s, uint32_t idx)
{
	s->new_fd = -1;
	s->new_slots = NULL;
	s->table = idx;
	s->has_table = true;
	s->sig = s->new_sig;
	st->tables_built++;
}

/*
 * Install the pending tables of @ss[0..n-1] in one outer-map write. On
 * success each service with a pending table is marked switched in @switched.
 */
static int install_tables(struct xlb_state *st, struct svc_state *ss, size_t n, bool *switched)
{
	uint32_t *idx = calloc(n ? n : 1, sizeof(*idx)), k = 0;
	uint32_t **slots = calloc(n ? n : 1, sizeof(*slots));
	int *fds = calloc(n ? n : 1, sizeof(*fds));
	size_t i;
	int err;

	if (!idx || !slots || !fds) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		switched[i] = false;
		if (!ss[i].new_slots)
			continue;
		idx[k] = pending_index(&ss[i]);
		fds[k] = ss[i].new_fd;
		slots[k] = ss[i].new_slots;
		k++;
	}
	err = xlb_dp_table_install_many(st->dp, idx, fds, slots, k);
	for (i = 0, k = 0; i < n; i++) {
		if (!ss[i].new_slots)
			continue;
		table_switched(st, &ss[i], idx[k++]);
		switched[i] = !err;
	}
out:
	free(idx);
	free(slots);
	free(fds);
	return err;
}

static struct svc_state *find_old(struct xlb_state *st, const struct xlb_service_cfg *c,
				  const struct xlb_vip_key *k)
{
	size_t i;

	for (i = 0; i < st->n_svc; i++)
		if (!strcmp(st->svc[i].cfg->name, c->name) &&
		    !memcmp(&st->svc[i].key, k, sizeof(*k)))
			return &st->svc[i];
	return NULL;
}

static struct rec_svc *find_rec(struct xlb_state *st, const struct xlb_vip_key *k)
{
	size_t i;

	for (i = 0; i < st->n_rec; i++)
		if (!st->rec[i].claimed && !memcmp(&st->rec[i].key, k, sizeof(*k)))
			return &st->rec[i];
	return NULL;
}

static int find_rec_backend(struct xlb_state *st, uint32_t svc_id, const struct xlb_backend_cfg *b)
{
	uint32_t k, i;

	if (!st->rec_be || svc_id >= XLB_MAX_SERVICES)
		return -1;
	for (k = st->rec_start[svc_id]; k < st->rec_start[svc_id + 1]; k++) {
		const struct xlb_backend *r = &st->rec_be[i = st->rec_list[k]];

		if (r->family && r->family == b->addr.family && r->service == svc_id &&
		    r->port == htons(b->port) && !memcmp(r->addr, b->addr.a, sizeof(r->addr)))
			return i;
	}
	return -1;
}

/* Undo the id allocations of an apply that failed before any map write. */
static void rollback(struct xlb_state *st, struct svc_state *ns, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (ns[i].fresh)
			st->svc_used[ns[i].id] = 0;
		for (j = 0; ns[i].be && j < ns[i].cfg->n_backends; j++)
			if (ns[i].be[j].fresh)
				st->be_used[ns[i].be[j].id] = 0;
	}
	svc_states_free(ns, n);
}

static void free_backend_id(struct xlb_state *st, uint32_t id)
{
	struct xlb_backend v = { .state = XLB_BE_DOWN, .gen = st->be_gen[id] };
	int err = xlb_dp_backend_put(st->dp, id, &v);

	if (err)
		pr_warn("clear backend %u: %s\n", id, strerror(-err));
	st->be_used[id] = 0;
}

static void remove_service_dp(struct xlb_state *st, const struct xlb_vip_key *k, uint32_t id)
{
	int err = xlb_dp_service_del(st->dp, k);

	if (err)
		pr_warn("delete service %u: %s\n", id, strerror(-err));
	xlb_dp_table_clear(st->dp, 2 * id);
	xlb_dp_table_clear(st->dp, 2 * id + 1);
	st->svc_used[id] = 0;
}

int xlb_state_apply(struct xlb_state *st, struct xlb_cfg *cfg, struct xlb_cfg_diff *diff,
		    struct xlb_errors *errs)
{
	struct svc_state *ns;
	size_t i, j, n = cfg->n_services;
	int err = 0;

	if (st->cfg) {
		xlb_config_diff(st->cfg, cfg, diff);
		if (diff->node_changed) {
			xlb_errors_add(errs, "%s: node: changing the node section needs a restart "
				       "of xlbd", cfg->path);
			xlb_config_free(cfg);
			return -EINVAL;
		}
	} else {
		xlb_config_diff(NULL, cfg, diff);
	}

	ns = calloc(n ? n : 1, sizeof(*ns));
	if (!ns) {
		xlb_config_free(cfg);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		ns[i].new_fd = -1;

	/* 1. ids: keep what the old state or the pinned maps had, allocate the rest */
	for (i = 0; i < n; i++) {
		struct svc_state *s = &ns[i], *old;
		struct rec_svc *rec = NULL;

		s->cfg = &cfg->services[i];
		xlb_vip_key_of(s->cfg, &s->key);
		s->be = calloc(s->cfg->n_backends ? s->cfg->n_backends : 1, sizeof(*s->be));
		s->view = calloc(s->cfg->n_backends ? s->cfg->n_backends : 1, sizeof(*s->view));
		if (!s->be || !s->view) {
			err = -ENOMEM;
			goto fail;
		}
		old = find_old(st, s->cfg, &s->key);
		if (old) {
			s->id = old->id;
			s->table = old->table;
			s->has_table = old->has_table;
			s->sig = old->sig;
		} else if ((rec = find_rec(st, &s->key))) {
			rec->claimed = true;
			s->id = rec->id;
			s->table = rec->table;
			s->has_table = true; /* a table exists; its contents are rebuilt */
			s->sig = 0;
		} else {
			err = alloc_svc_id(st, &s->id);
			if (err) {
				xlb_errors_add(errs, "%s: services[%zu]: more than %d services",
					       cfg->path, i, XLB_MAX_SERVICES);
				goto fail;
			}
			s->fresh = true;
		}
		for (j = 0; j < s->cfg->n_backends; j++) {
			const struct xlb_backend_cfg *b = &s->cfg->backends[j];
			size_t k;
			int r;

			if (old) {
				for (k = 0; k < old->cfg->n_backends; k++) {
					if (xlb_backend_same(&old->cfg->backends[k], b)) {
						s->be[j].id = old->be[k].id;
						s->be[j].slots = old->be[k].slots;
						s->be[j].known = true;
						s->be[j].prev_state = old->be[k].dp_state;
						goto have_id;
					}
				}
			}
			if (rec && (r = find_rec_backend(st, s->id, b)) >= 0) {
				s->be[j].id = r;
				/* claimed: hide it from a second match */
				st->rec_be[r].family = 0;
				goto have_id;
			}
			err = alloc_be_id(st, &s->be[j].id);
			if (err) {
				xlb_errors_add(errs, "%s: services[%zu].backends[%zu]: more than %d "
					       "backends in all", cfg->path, i, j, XLB_MAX_BACKENDS);
				goto fail;
			}
			s->be[j].fresh = true;
			st->be_gen[s->be[j].id]++;
have_id:;
		}
	}

	/* 2. plan and build tables aside */
	for (i = 0; i < n; i++) {
		err = plan_service(st, &ns[i]);
		if (!err)
			err = build_table(st, &ns[i]);
		if (err) {
			xlb_errors_add(errs, "%s: services[%zu]: building the Maglev table: %s",
				       cfg->path, i, strerror(-err));
			goto fail;
		}
	}

	/* 3. commit: backends, tables, services; then removals */
	for (i = 0; i < n; i++) {
		struct svc_state *s = &ns[i];

		if (s->fresh)
			xlb_dp_stats_reset(st->dp, s->id, -1);
		for (j = 0; j < s->cfg->n_backends; j++) {
			struct xlb_backend v;
			int e;

			if (s->be[j].fresh)
				xlb_dp_stats_reset(st->dp, -1, s->be[j].id);
			if (s->be[j].known && s->be[j].prev_state == s->be[j].dp_state)
				continue; /* the map already says exactly this */
			backend_value(s, j, st->be_gen[s->be[j].id], &v);
			e = xlb_dp_backend_put(st->dp, s->be[j].id, &v);
			if (e && !err)
				err = e;
		}
	}
	{
		bool *switched = calloc(n ? n : 1, sizeof(*switched));
		int e = switched ? install_tables(st, ns, n, switched) : -ENOMEM;

		if (e && !err)
			err = e;
		free(switched);
	}
	for (i = 0; i < n; i++) {
		struct svc_state *s = &ns[i], *old = find_old(st, s->cfg, &s->key);
		struct xlb_service v;
		int e;

		service_value(s, &v);
		e = xlb_dp_service_put(st->dp, &s->key, &v);
		if (e && !err)
			err = e;
		if (old)
			old->matched = true;
	}
	memset(st->keep, 0, XLB_MAX_BACKENDS);
	for (i = 0; i < n; i++)
		for (j = 0; j < ns[i].cfg->n_backends; j++)
			st->keep[ns[i].be[j].id] = 1;
	for (i = 0; i < st->n_svc; i++) {
		struct svc_state *o = &st->svc[i];

		for (j = 0; j < o->cfg->n_backends; j++)
			if (!st->keep[o->be[j].id])
				free_backend_id(st, o->be[j].id);
		if (!o->matched)
			remove_service_dp(st, &o->key, o->id);
	}
	/* leftovers of an earlier run that the first config does not name */
	for (i = 0; i < st->n_rec; i++)
		if (!st->rec[i].claimed)
			remove_service_dp(st, &st->rec[i].key, st->rec[i].id);
	if (st->rec_be) {
		for (i = 0; i < XLB_MAX_BACKENDS; i++)
			if (st->rec_be[i].family)
				free_backend_id(st, i);
	}
	free(st->rec);
	st->rec = NULL;
	st->n_rec = 0;
	free(st->rec_be);
	st->rec_be = NULL;
	free(st->rec_list);
	st->rec_list = NULL;

	if (err)
		xlb_errors_add(errs, "%s: writing the data plane maps: %s (state may be partial)",
			       cfg->path, strerror(-err));
	svc_states_free(st->svc, st->n_svc);
	xlb_config_free(st->cfg);
	st->svc = ns;
	st->n_svc = n;
	st->cfg = cfg;
	return err;
fail:
	rollback(st, ns, n);
	xlb_config_free(cfg);
	return err ? err : -EINVAL;
}

int xlb_state_replan(struct xlb_state *st, const char *service)
{
	struct svc_state *s = NULL;
	struct xlb_service v;
	uint8_t *prev;
	bool switched, was_empty;
	size_t i;
	int err;

	for (i = 0; i < st->n_svc; i++)
		if (!strcmp(st->svc[i].cfg->name, service))
			s = &st->svc[i];
	if (!s)
		return -ENOENT;
	prev = calloc(s->cfg->n_backends ? s->cfg->n_backends : 1, 1);
	if (!prev)
		return -ENOMEM;
	for (i = 0; i < s->cfg->n_backends; i++)
		prev[i] = s->be[i].dp_state;
	was_empty = s->empty;
	err = plan_service(st, s);
	if (!err)
		err = build_table(st, s);
	if (err)
		goto out;
	/* Backends that become usable are written before the table points at
	 * them; backends that leave are marked after the switch. */
	for (i = 0; i < s->cfg->n_backends; i++) {
		struct xlb_backend b;

		if (prev[i] == s->be[i].dp_state || s->be[i].dp_state == XLB_BE_DOWN)
			continue;
		backend_value(s, i, st->be_gen[s->be[i].id], &b);
		err = xlb_dp_backend_put(st->dp, s->be[i].id, &b);
		if (err)
			goto out;
	}
	err = install_tables(st, s, 1, &switched);
	if (err)
		goto out;
	if (switched || was_empty != s->empty) {
		service_value(s, &v);
		err = xlb_dp_service_put(st->dp, &s->key, &v);
		if (err)
			goto out;
	}
	for (i = 0; i < s->cfg->n_backends; i++) {
		struct xlb_backend b;

		if (prev[i] == s->be[i].dp_state || s->be[i].dp_state != XLB_BE_DOWN)
			continue;
		backend_value(s, i, st->be_gen[s->be[i].id], &b);
		err = xlb_dp_backend_put(st->dp, s->be[i].id, &b);
		if (err)
			goto out;
	}
out:
	free(prev);
	return err;
}

void xlb_state_clear_dp(struct xlb_state *st)
{
	size_t i, j;

	for (i = 0; i < st->n_svc; i++) {
		for (j = 0; j < st->svc[i].cfg->n_backends; j++)
			free_backend_id(st, st->svc[i].be[j].id);
		remove_service_dp(st, &st->svc[i].key, st->svc[i].id);
	}
}
