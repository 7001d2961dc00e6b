// SPDX-License-Identifier: GPL-2.0
/*
 * The "services" section of the configuration: each service, its
 * health_check and backends, and the checks across entries (duplicate
 * (vip, port, protocol), duplicate names and backends, capacity limits).
 * Names follow nginx's upstream/server vocabulary where one exists.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"

#define MAX_BACKENDS_PER_SERVICE 4096

/* ---- health_check ----------------------------------------------------------- */

#define HC_T(t) (1u << (t))
#define HC_ACTIVE (HC_T(XLB_HC_TCP) | HC_T(XLB_HC_HTTP) | HC_T(XLB_HC_EXEC))

/* Which check types each key belongs to ("type" belongs to all). */
static const struct {
	const char *key;
	unsigned types;
} hc_key_types[] = {
	{ "port", HC_T(XLB_HC_TCP) | HC_T(XLB_HC_HTTP) },
	{ "path", HC_T(XLB_HC_HTTP) },
	{ "host", HC_T(XLB_HC_HTTP) },
	{ "expect_status", HC_T(XLB_HC_HTTP) },
	{ "expect_body", HC_T(XLB_HC_HTTP) },
	{ "script", HC_T(XLB_HC_EXEC) },
	{ "interval", HC_ACTIVE },
	{ "timeout", HC_ACTIVE },
	{ "rise", HC_ACTIVE },
	{ "fall", HC_ACTIVE },
};
/* Whether @key may appear with the check types in @allowed. */
static bool hc_key_ok(const char *key, unsigned allowed)
{
	size_t i;

	for (i = 0; i < sizeof(hc_key_types) / sizeof(hc_key_types[0]); i++)
		if (!strcmp(hc_key_types[i].key, key))
			return hc_key_types[i].types & allowed;
	return true;
}

static const char *const hc_keys[] = {
	"type", "port", "path", "host", "expect_status", "expect_body", "script",
	"interval", "timeout", "rise", "fall", NULL,
};
/* Same order as enum xlb_hc_type. */
static const char *const hc_types[] = { "none", "tcp", "http", "exec", NULL };

static void hc_defaults(struct xlb_hc_cfg *hc)
{
	hc->type = XLB_HC_NONE;
	snprintf(hc->path, sizeof(hc->path), "/");
	hc->interval_ms = 2000;
	hc->timeout_ms = 1000;
	hc->rise = 2;
	hc->fall = 3;
}

/* Bytes that may go into an HTTP request line or header as they are. */
static bool http_token_ok(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

static void parse_expect(struct xlb_cfgp *p, struct json_object *o, const char *path,
			 struct xlb_hc_cfg *hc)
{
	struct json_object *a = xlb_cfgp_arr(p, o, path, "expect_status", false);
	char apath[XLB_JPATH_MAX], buf[XLB_JPATH_MAX];
	size_t i, n;
	int64_t x;

	if (!a)
		return;
	xlb_cfgp_key(apath, path, "expect_status");
	n = json_object_array_length(a);
	if (n < 1 || n > XLB_MAX_EXPECT) {
		xlb_cfgp_err(p, apath, "must hold 1..%d status codes (got %zu)", XLB_MAX_EXPECT, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (xlb_cfgp_int_val(p, json_object_array_get_idx(a, i),
				     xlb_cfgp_idx(buf, apath, i), 100, 599, &x) == 1)
			hc->expect_status[hc->n_expect++] = x;
}

/* Returns whether interval and timeout are known good (for backend overrides). */
static bool parse_hc(struct xlb_cfgp *p, struct json_object *o, const char *path,
		     struct xlb_hc_cfg *hc, bool *type_ok)
{
	char buf[XLB_JPATH_MAX], show[64], a[32], b[32];
	struct json_object *v;
	unsigned allowed;
	bool timing_ok = true;
	int64_t x;
	size_t i;
	int t;

	*type_ok = false;
	if (!xlb_cfgp_is_obj(p, o, path))
		return false;
	xlb_cfgp_keys(p, o, path, hc_keys);
	if (!json_object_object_get_ex(o, "type", NULL)) {
		xlb_cfgp_missing(p, path, "type");
		allowed = ~0u;
	} else if (xlb_cfgp_enum(p, o, path, "type", hc_types, &t) == 1) {
		hc->type = t;
		*type_ok = true;
		allowed = HC_T(t);
	} else {
		allowed = ~0u; /* unknown type: check the values, not their fit */
	}
	for (i = 0; i < sizeof(hc_key_types) / sizeof(hc_key_types[0]); i++) {
		if (!(hc_key_types[i].types & allowed) &&
		    json_object_object_get_ex(o, hc_key_types[i].key, NULL))
			xlb_cfgp_err(p, xlb_cfgp_key(buf, path, hc_key_types[i].key),
				     "not valid with type \"%s\"", hc_types[hc->type]);
	}
	if (hc_key_ok("port", allowed) &&
	    xlb_cfgp_int(p, o, path, "port", false, 1, 65535, &x) == 1)
		hc->port = x;
	if (hc_key_ok("path", allowed)) {
		if (xlb_cfgp_str(p, o, path, "path", false, buf, sizeof(hc->path)) == 1) {
			if (buf[0] != '/' || !http_token_ok(buf)) {
				json_object_object_get_ex(o, "path", &v);
				xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "path"),
					     "must start with \"/\" and hold no spaces or control "
					     "characters (got %s)", xlb_cfgp_show(v, show, sizeof(show)));
			} else {
				xlb_cfgp_copy(hc->path, sizeof(hc->path), buf);
			}
		}
		if (xlb_cfgp_str(p, o, path, "host", false, buf, sizeof(hc->host)) == 1) {
			if (!http_token_ok(buf)) {
				json_object_object_get_ex(o, "host", &v);
				xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "host"),
					     "must hold no spaces or control characters (got %s)",
					     xlb_cfgp_show(v, show, sizeof(show)));
			} else {
				xlb_cfgp_copy(hc->host, sizeof(hc->host), buf);
			}
		}
		parse_expect(p, o, path, hc);
		xlb_cfgp_str(p, o, path, "expect_body", false, hc->expect_body,
			     sizeof(hc->expect_body));
	}
	if (hc_key_ok("script", allowed))
		xlb_cfgp_str(p, o, path, "script", *type_ok, hc->script, sizeof(hc->script));
	if (hc_key_ok("interval", allowed)) {
		if (xlb_cfgp_secs_ms(p, o, path, "interval", false, 100, 3600000,
				     &hc->interval_ms) < 0)
			timing_ok = false;
		if (xlb_cfgp_secs_ms(p, o, path, "timeout", false, 50, 3600000,
				     &hc->timeout_ms) < 0)
			timing_ok = false;
		if (timing_ok && hc->timeout_ms > hc->interval_ms) {
			xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "timeout"),
				     "must be <= interval (%s > %s)",
				     xlb_cfgp_secs(hc->timeout_ms, a, sizeof(a)),
				     xlb_cfgp_secs(hc->interval_ms, b, sizeof(b)));
			timing_ok = false;
		}
		if (xlb_cfgp_int(p, o, path, "rise", false, 1, 100, &x) == 1)
			hc->rise = x;
		if (xlb_cfgp_int(p, o, path, "fall", false, 1, 100, &x) == 1)
			hc->fall = x;
	}
	return timing_ok;
}

/* ---- backends --------------------------------------------------------------- */

static const char *const be_keys[] = {
	"address", "port", "weight", "max_fails", "fail_timeout", "backup", "down",
	"interval", "timeout", "rise", "fall", NULL,
};
static const char *const be_hc_keys[] = { "interval", "timeout", "rise", "fall", NULL };

static void endpoint(char *buf, size_t len, const struct xlb_ip *ip, unsigned port)
{
	char a[64];

	xlb_ip_str(ip, a, sizeof(a));
	if (ip->family == XLB_AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

struct svc_ctx {
	bool vip_ok;      /* s->vip parsed */
	bool mode_ok;     /* s->mode parsed or defaulted */
	bool hc_type_ok;  /* s->hc.type known */
	bool hc_timing_ok;
};

/* Returns whether (address, port) are valid, for the duplicate check. */
static bool parse_backend(struct xlb_cfgp *p, struct json_object *o, const char *path,
			  const struct xlb_service_cfg *s, const struct svc_ctx *sc,
			  struct xlb_backend_cfg *b)
{
	char buf[XLB_JPATH_MAX], a[32], c[32];
	bool key_ok;
	uint32_t iv, to;
	int64_t x;
	size_t i;
	int r;

	b->port = s->port;
	b->weight = 1;
	/* nginx's default is 1; with an active check, rise/fall decide unless
	 * max_fails is given (a single failed probe should not lock a backend
	 * out for fail_timeout). */
	b->max_fails = sc->hc_type_ok && s->hc.type != XLB_HC_NONE ? 0 : 1;
	b->fail_timeout_ms = 10000;
	if (!xlb_cfgp_is_obj(p, o, path))
		return false;
	xlb_cfgp_keys(p, o, path, be_keys);
	key_ok = xlb_cfgp_ip(p, o, path, "address", true, &b->addr) == 1;
	if (key_ok && sc->vip_ok && b->addr.family != s->vip.family)
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "address"), "%s backend in an %s service",
			     xlb_cfgp_family(b->addr.family), xlb_cfgp_family(s->vip.family));
	r = xlb_cfgp_int(p, o, path, "port", false, 1, 65535, &x);
	key_ok = key_ok && r >= 0;
	if (r == 1) {
		b->port = x;
		if (sc->mode_ok && s->mode == XLB_MODE_DR && s->port && x != s->port)
			xlb_cfgp_err(p, xlb_cfgp_key(buf, path, "port"),
				     "must equal the service port %u in dr mode (got %u)", s->port,
				     b->port);
	}
	if (xlb_cfgp_int(p, o, path, "weight", false, 1, 256, &x) == 1)
		b->weight = x;
	if (xlb_cfgp_int(p, o, path, "max_fails", false, 0, 1000, &x) == 1)
		b->max_fails = x;
	xlb_cfgp_secs_ms(p, o, path, "fail_timeout", false, 100, 86400000, &b->fail_timeout_ms);
	xlb_cfgp_bool(p, o, path, "backup", &b->backup);
	xlb_cfgp_bool(p, o, path, "down", &b->down);

	/* Per-backend health overrides only make sense with an active check. */
	if (sc->hc_type_ok && s->hc.type == XLB_HC_NONE) {
		for (i = 0; be_hc_keys[i]; i++)
			if (json_object_object_get_ex(o, be_hc_keys[i], NULL))
				xlb_cfgp_err(p, xlb_cfgp_key(buf, path, be_hc_keys[i]),
					     "not valid without a health_check");
		return key_ok;
	}
	if (xlb_cfgp_secs_ms(p, o, path, "interval", false, 100, 3600000, &b->interval_ms) < 0 ||
	    xlb_cfgp_secs_ms(p, o, path, "timeout", false, 50, 3600000, &b->timeout_ms) < 0) {
		/* reported; skip the cross check */
	} else if (sc->hc_timing_ok && (b->interval_ms || b->timeout_ms)) {
		iv = b->interval_ms ? b->interval_ms : s->hc.interval_ms;
		to = b->timeout_ms ? b->timeout_ms : s->hc.timeout_ms;
		if (to > iv)
			xlb_cfgp_err(p, xlb_cfgp_key(buf, path, b->timeout_ms ? "timeout" : "interval"),
				     "timeout must be <= interval (%s > %s)",
				     xlb_cfgp_secs(to, a, sizeof(a)), xlb_cfgp_secs(iv, c, sizeof(c)));
	}
	if (xlb_cfgp_int(p, o, path, "rise", false, 1, 100, &x) == 1)
		b->rise = x;
	if (xlb_cfgp_int(p, o, path, "fall", false, 1, 100, &x) == 1)
		b->fall = x;
	return key_ok;
}

/* Sort key for duplicate detection: ties broken by position, first wins. */
struct dup_ent {
	struct xlb_ip ip;
	uint32_t port_proto;
	size_t idx;
};

static int dup_cmp(const void *x, const void *y)
{
	const struct dup_ent *a = x, *b = y;
	int r;

	if (a->ip.family != b->ip.family)
		return a->ip.family < b->ip.family ? -1 : 1;
	r = memcmp(a->ip.a, b->ip.a, sizeof(a->ip.a));
	if (r)
		return r;
	if (a->port_proto != b->port_proto)
		return a->port_proto < b->port_proto ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool dup_same(const struct dup_ent *a, const struct dup_ent *b)
{
	return a->port_proto == b->port_proto && xlb_ip_equal(&a->ip, &b->ip);
}

/*
 * Set first[idx] to the position of the earliest entry equal to entry idx
 * (entries with no equal keep first[idx] as set by the caller). Sorting makes
 * it O(n log n) for the 4096 backends a service may have; @e is reordered.
 */
static void find_dups(struct dup_ent *e, size_t n, size_t *first)
{
	size_t i, lead = 0;

	qsort(e, n, sizeof(*e), dup_cmp);
	for (i = 0; i < n; i++) {
		if (!dup_same(&e[i], &e[lead]))
			lead = i;
		first[e[i].idx] = e[lead].idx;
	}
}

static void check_backend_dups(struct xlb_cfgp *p, const char *path,
			       const struct xlb_service_cfg *s, const bool *key_ok)
{
	struct dup_ent *e;
	size_t *first, i, n = 0;
	char buf[XLB_JPATH_MAX], ep[80];

	e = calloc(s->n_backends + 1, sizeof(*e));
	first = calloc(s->n_backends + 1, sizeof(*first));
	if (!e || !first)
		abort();
	for (i = 0; i < s->n_backends; i++) {
		first[i] = i;
		if (!key_ok[i])
			continue; /* address or port bad: already reported */
		e[n].ip = s->backends[i].addr;
		e[n].port_proto = s->backends[i].port;
		e[n++].idx = i;
	}
	find_dups(e, n, first);
	for (i = 0; i < s->n_backends; i++) {
		if (first[i] == i)
			continue;
		endpoint(ep, sizeof(ep), &s->backends[i].addr, s->backends[i].port);
		xlb_cfgp_err(p, xlb_cfgp_idx(buf, path, i), "duplicate of backends[%zu] (%s)",
			     first[i], ep);
	}
	free(first);
	free(e);
}

/* ---- services --------------------------------------------------------------- */

static const char *const svc_keys[] = {
	"name", "vip", "port", "protocol", "mode", "snat_address", "affinity",
	"no_backend", "notify", "health_check", "backends", NULL,
};
static const char *const protocols[] = { "tcp", "udp", NULL };
static const char *const modes[] = { "nat", "dr", NULL }; /* enum xlb_mode order */
static const char *const affinities[] = { "none", "source", NULL };
static const char *const empty_actions[] = { "drop", "pass", NULL };

/* Returns whether (vip, port, protocol) are all valid, for duplicate checks. */
static bool parse_service(struct xlb_cfgp *p, struct json_object *o, const char *path,
			  struct xlb_service_cfg *s)
{
	struct svc_ctx sc = { 0 };
	char buf[XLB_JPATH_MAX], bpath[XLB_JPATH_MAX];
	struct json_object *v, *a;
	bool port_ok, proto_ok, *be_ok;
	size_t i, n;
	int64_t x;
	int e, r;

	s->proto = IPPROTO_TCP;
	s->mode = XLB_MODE_NAT;
	s->on_empty = XLB_EMPTY_DROP;
	hc_defaults(&s->hc);
	if (!xlb_cfgp_is_obj(p, o, path))
		return false;
	xlb_cfgp_keys(p, o, path, svc_keys);
	xlb_cfgp_name(p, o, path, "name", s->name, XLB_NAME_MAX - 1);
	sc.vip_ok = xlb_cfgp_ip(p, o, path, "vip", true, &s->vip) == 1;
	port_ok = xlb_cfgp_int(p, o, path, "port", true, 1, 65535, &x) == 1;
	if (port_ok)
		s->port = x;
	r = xlb_cfgp_enum(p, o, path, "protocol", protocols, &e);
	if (r == 1 && e == 1)
		s->proto = IPPROTO_UDP;
	proto_ok = r >= 0;
	r = xlb_cfgp_enum(p, o, path, "mode", modes, &e);
	if (r == 1)
		s->mode = e;
	sc.mode_ok = r >= 0;
	if (json_object_object_get_ex(o, "snat_address", NULL)) {
		xlb_cfgp_key(buf, path, "snat_address");
		if (sc.mode_ok && s->mode == XLB_MODE_DR)
			xlb_cfgp_err(p, buf, "only valid with mode nat");
		else if (xlb_cfgp_ip(p, o, path, "snat_address", false, &s->snat) == 1 &&
			 sc.vip_ok && s->snat.family != s->vip.family)
			xlb_cfgp_err(p, buf, "%s address for an %s service",
				     xlb_cfgp_family(s->snat.family),
				     xlb_cfgp_family(s->vip.family));
	}
	if (!s->snat.family && s->mode == XLB_MODE_NAT)
		s->snat = s->vip;
	if (xlb_cfgp_enum(p, o, path, "affinity", affinities, &e) == 1)
		s->affinity = e == 1;
	if (xlb_cfgp_enum(p, o, path, "no_backend", empty_actions, &e) == 1)
		s->on_empty = e;
	xlb_cfgp_str(p, o, path, "notify", false, s->notify, sizeof(s->notify));
	if (json_object_object_get_ex(o, "health_check", &v)) {
		sc.hc_timing_ok = parse_hc(p, v, xlb_cfgp_key(buf, path, "health_check"), &s->hc,
					   &sc.hc_type_ok);
	} else {
		sc.hc_type_ok = sc.hc_timing_ok = true;
	}

	a = xlb_cfgp_arr(p, o, path, "backends", true);
	if (!a)
		return sc.vip_ok && port_ok && proto_ok;
	xlb_cfgp_key(bpath, path, "backends");
	n = json_object_array_length(a);
	if (n > MAX_BACKENDS_PER_SERVICE) {
		xlb_cfgp_err(p, bpath, "too many backends (%zu, at most %d)", n,
			     MAX_BACKENDS_PER_SERVICE);
		return sc.vip_ok && port_ok && proto_ok;
	}
	s->backends = calloc(n ? n : 1, sizeof(*s->backends));
	be_ok = calloc(n ? n : 1, sizeof(*be_ok));
	if (!s->backends || !be_ok)
		abort();
	s->n_backends = n;
	for (i = 0; i < n; i++)
		be_ok[i] = parse_backend(p, json_object_array_get_idx(a, i),
					 xlb_cfgp_idx(buf, bpath, i), s, &sc, &s->backends[i]);
	check_backend_dups(p, bpath, s, be_ok);
	free(be_ok);
	return sc.vip_ok && port_ok && proto_ok;
}

static void check_services(struct xlb_cfgp *p, struct xlb_cfg *cfg, const bool *key_ok)
{
	struct dup_ent *e;
	size_t *first, i, j, n = 0, total = 0;
	char buf[XLB_JPATH_MAX], ep[80];

	e = calloc(cfg->n_services + 1, sizeof(*e));
	first = calloc(cfg->n_services + 1, sizeof(*first));
	if (!e || !first)
		abort();
	for (i = 0; i < cfg->n_services; i++) {
		first[i] = i;
		total += cfg->services[i].n_backends;
		if (!key_ok[i])
			continue;
		e[n].ip = cfg->services[i].vip;
		e[n].port_proto = (uint32_t)cfg->services[i].port << 8 | cfg->services[i].proto;
		e[n++].idx = i;
	}
	find_dups(e, n, first);
	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_service_cfg *s = &cfg->services[i];

		if (first[i] != i) {
			endpoint(ep, sizeof(ep), &s->vip, s->port);
			xlb_cfgp_err(p, xlb_cfgp_idx(buf, "services", i),
				     "duplicate of services[%zu] (%s/%s)", first[i], ep,
				     s->proto == IPPROTO_UDP ? "udp" : "tcp");
		}
		/* Up to 1024 services: a quadratic name check is cheap enough. */
		if (!s->name[0])
			continue;
		for (j = 0; j < i; j++) {
			if (!strcmp(cfg->services[j].name, s->name)) {
				xlb_cfgp_idx(buf, "services", i);
				xlb_cfgp_err(p, strcat(buf, ".name"),
					     "\"%s\" is already used by services[%zu]", s->name, j);
				break;
			}
		}
	}
	if (total > XLB_MAX_BACKENDS)
		xlb_cfgp_err(p, "services", "too many backends in total (%zu, at most %d)", total,
			     XLB_MAX_BACKENDS);
	free(first);
	free(e);
}

void xlb_cfgp_services(struct xlb_cfgp *p, struct json_object *a, struct xlb_cfg *cfg)
{
	char buf[XLB_JPATH_MAX];
	size_t i, n = json_object_array_length(a);
	bool *key_ok;

	if (n > XLB_MAX_SERVICES) {
		xlb_cfgp_err(p, "services", "too many services (%zu, at most %d)", n,
			     XLB_MAX_SERVICES);
		return;
	}
	cfg->services = calloc(n ? n : 1, sizeof(*cfg->services));
	key_ok = calloc(n ? n : 1, sizeof(*key_ok));
	if (!cfg->services || !key_ok)
		abort();
	cfg->n_services = n;
	for (i = 0; i < n; i++)
		key_ok[i] = parse_service(p, json_object_array_get_idx(a, i),
					  xlb_cfgp_idx(buf, "services", i), &cfg->services[i]);
	check_services(p, cfg, key_ok);
	free(key_ok);
}
