// SPDX-License-Identifier: GPL-2.0
/* What xlb_config_diff() reports between two parsed configurations. */
#include <string.h>
#include <criterion/criterion.h>

#include "config.h"

#define NODE(name) "\"node\":{\"name\":\"" name "\",\"interface\":\"eth0\"}"
#define BE(last, extra) "{\"address\":\"10.0.1." #last "\"" extra "}"
#define SVC(name, vip, extra, backends)                                                      \
	"{\"name\":\"" name "\",\"vip\":\"" vip "\",\"port\":80" extra ",\"backends\":["       \
	backends "]}"
#define WEB(extra, backends) SVC("web", "10.0.0.1", extra, backends)
#define API SVC("api", "10.0.0.2", "", BE(9, ""))
#define BASE_BACKENDS BE(1, ",\"weight\":3") "," BE(2, "") "," BE(3, ",\"weight\":4")
#define INST(prio)                                                                            \
	"{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":51,\"priority\":" #prio \
	",\"virtual_ipaddress\":[\"10.0.0.1\"]}"
#define INST2 "{\"name\":\"VI_2\",\"interface\":\"eth0\",\"virtual_router_id\":52," \
	      "\"virtual_ipaddress\":[\"10.0.0.2\"]}"
#define CFG(node, services, instances)                                                        \
	"{" node ",\"services\":[" services "],\"vrrp\":{\"instances\":[" instances "]}}"

static const char base[] = CFG(NODE("lb1"), WEB("", BASE_BACKENDS) "," API, INST(100));

static struct xlb_cfg *cfg_of(const char *json)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg = NULL;
	int r = xlb_config_parse(json, strlen(json), "d.json", &cfg, &e);

	cr_assert_eq(r, 0, "%s", e.n ? e.msg[0] : "?");
	return cfg;
}

/* Diff base -> @json into @d. */
static void diff_to(const char *json, struct xlb_cfg_diff *d)
{
	struct xlb_cfg *a = cfg_of(base), *b = cfg_of(json);

	memset(d, 0x55, sizeof(*d)); /* the diff must set every field */
	xlb_config_diff(a, b, d);
	xlb_config_free(a);
	xlb_config_free(b);
}

/* Expect exactly these counters; the two flags checked separately. */
static void expect(const struct xlb_cfg_diff *d, int sa, int sr, int sc, int ba, int br, int bw,
		   int bc)
{
	cr_expect_eq(d->services_added, sa, "services_added %d, want %d", d->services_added, sa);
	cr_expect_eq(d->services_removed, sr, "services_removed %d, want %d", d->services_removed,
		     sr);
	cr_expect_eq(d->services_changed, sc, "services_changed %d, want %d", d->services_changed,
		     sc);
	cr_expect_eq(d->backends_added, ba, "backends_added %d, want %d", d->backends_added, ba);
	cr_expect_eq(d->backends_removed, br, "backends_removed %d, want %d", d->backends_removed,
		     br);
	cr_expect_eq(d->backends_reweighted, bw, "backends_reweighted %d, want %d",
		     d->backends_reweighted, bw);
	cr_expect_eq(d->backends_changed, bc, "backends_changed %d, want %d", d->backends_changed,
		     bc);
}

Test(config_diff, no_change_is_all_zero)
{
	struct xlb_cfg_diff d;

	diff_to(base, &d);
	expect(&d, 0, 0, 0, 0, 0, 0, 0);
	cr_expect_not(d.node_changed);
	cr_expect_not(d.vrrp_changed);
}

Test(config_diff, order_does_not_matter)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb1"), API "," WEB("", BE(3, ",\"weight\":4") "," BE(1, ",\"weight\":3")
					      "," BE(2, "")),
		    INST(100)),
		&d);
	expect(&d, 0, 0, 0, 0, 0, 0, 0);
	cr_expect_not(d.vrrp_changed);
}

Test(config_diff, from_nothing_everything_is_added)
{
	struct xlb_cfg *b = cfg_of(base);
	struct xlb_cfg_diff d;

	xlb_config_diff(NULL, b, &d);
	expect(&d, 2, 0, 0, 4, 0, 0, 0);
	cr_expect(d.node_changed);
	cr_expect(d.vrrp_changed);
	xlb_config_diff(b, NULL, &d);
	expect(&d, 0, 2, 0, 0, 4, 0, 0);
	xlb_config_free(b);
}

Test(config_diff, add_and_remove_services)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS) "," API ","
			SVC("new", "10.0.0.3", "", BE(7, "") "," BE(8, "")),
		    INST(100)),
		&d);
	expect(&d, 1, 0, 0, 2, 0, 0, 0);
	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS), INST(100)), &d);
	expect(&d, 0, 1, 0, 0, 1, 0, 0);
	/* A rename is a removal plus an addition: names identify services. */
	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS) "," SVC("api2", "10.0.0.2", "", BE(9, "")),
		    INST(100)),
		&d);
	expect(&d, 1, 1, 0, 1, 1, 0, 0);
	cr_expect_not(d.node_changed);
	cr_expect_not(d.vrrp_changed);
}

Test(config_diff, reweight_one_backend)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb1"),
		    WEB("", BE(1, ",\"weight\":3") "," BE(2, ",\"weight\":5") ","
			    BE(3, ",\"weight\":4")) "," API,
		    INST(100)),
		&d);
	expect(&d, 0, 0, 1, 0, 0, 1, 0);
}

Test(config_diff, add_and_remove_backends)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS "," BE(4, "")) "," API, INST(100)), &d);
	expect(&d, 0, 0, 1, 1, 0, 0, 0);
	diff_to(CFG(NODE("lb1"), WEB("", BE(1, ",\"weight\":3") "," BE(3, ",\"weight\":4")) ","
			API, INST(100)),
		&d);
	expect(&d, 0, 0, 1, 0, 1, 0, 0);
	/* Same address, other port: a different backend. */
	diff_to(CFG(NODE("lb1"), WEB("", BE(1, ",\"weight\":3") "," BE(2, ",\"port\":8080") ","
			BE(3, ",\"weight\":4")) "," API, INST(100)),
		&d);
	expect(&d, 0, 0, 1, 1, 1, 0, 0);
}

Test(config_diff, other_backend_keys_count_as_changed)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb1"), WEB("", BE(1, ",\"weight\":3,\"down\":true") ","
			BE(2, ",\"max_fails\":5") "," BE(3, ",\"weight\":2,\"backup\":true")) ","
			API, INST(100)),
		&d);
	/* backend 3 changed weight and backup: counted in both. */
	expect(&d, 0, 0, 1, 0, 0, 1, 3);
}

Test(config_diff, service_keys_count_as_changed)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb1"), WEB(",\"health_check\":{\"type\":\"tcp\"}", BASE_BACKENDS) ","
			SVC("api", "10.0.0.2", ",\"affinity\":\"source\"", BE(9, "")),
		    INST(100)),
		&d);
	/* web's 3 backends also change: with an active check max_fails defaults to 0 */
	expect(&d, 0, 0, 2, 0, 0, 0, 3);
	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS) "," SVC("api", "10.0.0.4", "", BE(9, "")),
		    INST(100)),
		&d);
	expect(&d, 0, 0, 1, 0, 0, 0, 0);
}

Test(config_diff, node_and_vrrp_flags)
{
	struct xlb_cfg_diff d;

	diff_to(CFG(NODE("lb2"), WEB("", BASE_BACKENDS) "," API, INST(100)), &d);
	expect(&d, 0, 0, 0, 0, 0, 0, 0);
	cr_expect(d.node_changed);
	cr_expect_not(d.vrrp_changed);
	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS) "," API, INST(90)), &d);
	cr_expect_not(d.node_changed);
	cr_expect(d.vrrp_changed);
	diff_to(CFG(NODE("lb1"), WEB("", BASE_BACKENDS) "," API, INST(100) "," INST2), &d);
	cr_expect(d.vrrp_changed);
	expect(&d, 0, 0, 0, 0, 0, 0, 0);
}

Test(config_diff, vrrp_instances_match_by_name)
{
	struct xlb_cfg *a = cfg_of(CFG(NODE("lb1"), "", INST(100) "," INST2));
	struct xlb_cfg *b = cfg_of(CFG(NODE("lb1"), "", INST2 "," INST(100)));
	struct xlb_cfg_diff d;

	xlb_config_diff(a, b, &d);
	cr_expect_not(d.vrrp_changed);
	b->vrrp[0].tracks[0].weight = 1; /* beyond n_tracks: ignored */
	xlb_config_diff(a, b, &d);
	cr_expect_not(d.vrrp_changed);
	b->vrrp[0].vips[0].prefix = 24;
	xlb_config_diff(a, b, &d);
	cr_expect(d.vrrp_changed);
	xlb_config_free(a);
	xlb_config_free(b);
}

Test(config_diff, backend_identity_and_service_keys)
{
	struct xlb_cfg *a = cfg_of(base);
	struct xlb_service_cfg s;
	struct xlb_backend_cfg b0 = a->services[0].backends[0], b1;

	b1 = b0;
	b1.weight = 100;
	b1.down = true;
	cr_assert(xlb_backend_same(&b0, &b1), "weight and flags are not identity");
	b1.port = 81;
	cr_assert_not(xlb_backend_same(&b0, &b1));
	b1 = b0;
	b1.addr.a[0] ^= 1;
	cr_assert_not(xlb_backend_same(&b0, &b1));

	s = a->services[0];
	cr_assert_not(xlb_service_keys_differ(&a->services[0], &s));
	s.n_backends = 0; /* the backend list is not a key */
	cr_assert_not(xlb_service_keys_differ(&a->services[0], &s));
	s.hc.expect_status[0] = 404; /* beyond n_expect: ignored */
	cr_assert_not(xlb_service_keys_differ(&a->services[0], &s));
	s.on_empty = XLB_EMPTY_PASS;
	cr_assert(xlb_service_keys_differ(&a->services[0], &s));
	s = a->services[0];
	s.hc.rise = 9;
	cr_assert(xlb_service_keys_differ(&a->services[0], &s));
	s = a->services[0];
	strcpy(s.notify, "/bin/x");
	cr_assert(xlb_service_keys_differ(&a->services[0], &s));
	xlb_config_free(a);
}
