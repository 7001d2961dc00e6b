// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration parser: every example in configs/ loads, values and
 * defaults land where they should, and each broken configuration is refused
 * with exactly the expected message(s), all of them at once.
 */
#include <errno.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include <xlb/abi.h>
#include "config.h"

static struct xlb_cfg *parse_ok(const char *json)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg = NULL;
	int r = xlb_config_parse(json, strlen(json), "x.json", &cfg, &e);

	cr_assert_eq(r, 0, "parse failed (%d): %s", r, e.n ? e.msg[0] : "no message");
	cr_assert_eq(e.n, 0);
	cr_assert_not_null(cfg);
	return cfg;
}

static struct xlb_cfg *load_ok(const char *path)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg = NULL;
	int r = xlb_config_load(path, &cfg, &e);

	cr_assert_eq(r, 0, "%s: %d: %s", path, r, e.n ? e.msg[0] : "no message");
	cr_assert_not_null(cfg);
	return cfg;
}

/* The address as text, for readable asserts. */
static const char *ip(const struct xlb_ip *a)
{
	static char buf[4][64];
	static int k;

	k = (k + 1) % 4;
	return xlb_ip_str(a, buf[k], sizeof(buf[k]));
}

/* ---- example files ------------------------------------------------------------ */

Test(config, loads_every_example_file)
{
	glob_t g;
	size_t i;

	/* Tests run from the repository root. */
	cr_assert_eq(glob("configs/*.json", 0, NULL, &g), 0,
		     "no configs/*.json: run from the repository root");
	cr_assert_geq(g.gl_pathc, 6, "expected at least the six shipped examples");
	for (i = 0; i < g.gl_pathc; i++) {
		struct xlb_errors e = { 0 };
		struct xlb_cfg *cfg = NULL;
		int r = xlb_config_load(g.gl_pathv[i], &cfg, &e);

		cr_expect_eq(r, 0, "%s: %s", g.gl_pathv[i], e.n ? e.msg[0] : "no message");
		cr_expect_eq(e.n, 0, "%s: %zu messages", g.gl_pathv[i], e.n);
		cr_expect_not_null(cfg, "%s", g.gl_pathv[i]);
		if (cfg)
			cr_expect_str_eq(cfg->path, g.gl_pathv[i]);
		xlb_config_free(cfg);
		xlb_errors_free(&e);
	}
	globfree(&g);
}

Test(config, seed_equivalent_values)
{
	struct xlb_cfg *cfg = load_ok("configs/seed-equivalent.json");
	const struct xlb_service_cfg *s;
	const struct xlb_vrrp_cfg *v;
	static const uint32_t weights[3] = { 3, 1, 4 };
	char want[32];
	size_t i;

	cr_assert_str_eq(cfg->node.name, "lb1");
	cr_assert_str_eq(cfg->node.interface, "eth0");
	cr_assert_eq(cfg->node.xdp_mode, XLB_XDP_AUTO);
	/* node defaults */
	cr_assert(cfg->node.keep_maps);
	cr_assert_str_eq(cfg->node.control_socket, "/run/xlb/xlbd.sock");
	cr_assert_eq(cfg->node.tcp_timeout_ms, 900000);
	cr_assert_eq(cfg->node.tcp_fin_timeout_ms, 10000);
	cr_assert_eq(cfg->node.udp_timeout_ms, 30000);
	cr_assert_eq(cfg->node.snat_port_min, 32768);
	cr_assert_eq(cfg->node.snat_port_max, 60999);
	cr_assert_eq(cfg->node.flow_table_size, XLB_FLOW_ENTRIES);

	cr_assert_eq(cfg->n_services, 1);
	s = xlb_cfg_service(cfg, "web");
	cr_assert_eq(s, &cfg->services[0]);
	cr_assert_null(xlb_cfg_service(cfg, "nope"));
	cr_assert_str_eq(ip(&s->vip), "192.168.17.50");
	cr_assert_eq(s->vip.family, XLB_AF_INET);
	cr_assert_eq(s->vip.a[0], inet_addr("192.168.17.50"));
	cr_assert_eq(s->port, 80);
	cr_assert_eq(s->proto, IPPROTO_TCP);
	cr_assert_eq(s->mode, XLB_MODE_NAT);
	cr_assert(xlb_ip_equal(&s->snat, &s->vip), "snat defaults to the vip");
	cr_assert_not(s->affinity);
	cr_assert_eq(s->on_empty, XLB_EMPTY_DROP);
	cr_assert_str_eq(s->notify, "");
	cr_assert_eq(s->hc.type, XLB_HC_HTTP);
	cr_assert_str_eq(s->hc.path, "/");
	cr_assert_str_eq(s->hc.host, "");
	cr_assert_eq(s->hc.n_expect, 1);
	cr_assert_eq(s->hc.expect_status[0], 200);
	cr_assert_eq(s->hc.interval_ms, 1000);
	cr_assert_eq(s->hc.timeout_ms, 500);
	cr_assert_eq(s->hc.rise, 2);
	cr_assert_eq(s->hc.fall, 2);
	cr_assert_eq(s->hc.port, 0);
	cr_assert_eq(s->n_backends, 3);
	for (i = 0; i < 3; i++) {
		const struct xlb_backend_cfg *b = &s->backends[i];

		snprintf(want, sizeof(want), "192.168.12.%zu", 181 + i);
		cr_assert_str_eq(ip(&b->addr), want);
		cr_assert_eq(b->port, 80);
		cr_assert_eq(b->weight, weights[i]);
		cr_assert_eq(b->max_fails, 3);
		cr_assert_eq(b->fail_timeout_ms, 20000);
		cr_assert_not(b->backup);
		cr_assert_not(b->down);
		cr_assert_eq(b->interval_ms, 0, "no override: inherit");
		cr_assert_eq(b->timeout_ms, 0);
		cr_assert_eq(b->rise, 0);
		cr_assert_eq(b->fall, 0);
	}

	cr_assert_eq(cfg->n_vrrp, 1);
	v = &cfg->vrrp[0];
	cr_assert_str_eq(v->name, "VI_1");
	cr_assert_str_eq(v->interface, "eth0");
	cr_assert_eq(v->vrid, 51);
	cr_assert_eq(v->priority, 100);
	cr_assert_eq(v->version, 2);
	cr_assert_eq(v->family, XLB_AF_INET);
	cr_assert_eq(v->advert_int_ms, 1000);
	cr_assert_eq(v->auth_type, XLB_AUTH_PASS);
	cr_assert_str_eq(v->auth_pass, "1111");
	cr_assert_eq(v->n_vips, 1);
	cr_assert_str_eq(ip(&v->vips[0]), "192.168.17.50");
	cr_assert_eq(v->vips[0].prefix, 24);
	/* vrrp defaults */
	cr_assert(v->preempt);
	cr_assert_eq(v->preempt_delay_ms, 0);
	cr_assert(v->track_interface);
	cr_assert_not(v->track_backends);
	cr_assert_eq(v->unicast_src.family, 0);
	cr_assert_eq(v->n_peers, 0);
	cr_assert_eq(v->garp_master_repeat, 5);
	cr_assert_eq(v->garp_master_delay_ms, 100);
	cr_assert_eq(v->n_tracks, 0);
	cr_assert_str_eq(v->notify_master, "");
	xlb_config_free(cfg);
}

Test(config, seed_backup_differs_only_in_node_name_and_priority)
{
	struct xlb_cfg *a = load_ok("configs/seed-equivalent.json");
	struct xlb_cfg *b = load_ok("configs/seed-equivalent-backup.json");
	struct xlb_cfg_diff d;

	cr_assert_str_eq(b->node.name, "lb2");
	cr_assert_eq(b->vrrp[0].priority, 90);
	xlb_config_diff(a, b, &d);
	cr_assert(d.node_changed);
	cr_assert(d.vrrp_changed);
	cr_assert_eq(d.services_added + d.services_removed + d.services_changed, 0);
	cr_assert_eq(d.backends_added + d.backends_removed + d.backends_reweighted +
			     d.backends_changed, 0);
	xlb_config_free(a);
	xlb_config_free(b);
}

Test(config, dr_example_has_no_snat)
{
	struct xlb_cfg *cfg = load_ok("configs/dr.json");
	const struct xlb_service_cfg *s = &cfg->services[0];
	size_t i;

	cr_assert_eq(s->mode, XLB_MODE_DR);
	cr_assert_eq(s->snat.family, 0, "dr mode never sets a SNAT address");
	for (i = 0; i < s->n_backends; i++)
		cr_assert_eq(s->backends[i].port, s->port);
	xlb_config_free(cfg);
}

Test(config, ipv6_example_values)
{
	struct xlb_cfg *cfg = load_ok("configs/ipv6.json");
	const struct xlb_service_cfg *s = &cfg->services[0];
	const struct xlb_vrrp_cfg *v = &cfg->vrrp[0];
	struct xlb_ip want;

	cr_assert_eq(s->vip.family, XLB_AF_INET6);
	cr_assert_str_eq(ip(&s->vip), "fd00:17::50");
	cr_assert_eq(xlb_ip_parse("fd00:17::50", &want), 0);
	cr_assert_eq(memcmp(s->vip.a, want.a, 16), 0);
	cr_assert(xlb_ip_equal(&s->snat, &s->vip));
	cr_assert_eq(s->n_backends, 3);
	cr_assert_str_eq(ip(&s->backends[2].addr), "fd00:12::183");
	cr_assert_eq(s->backends[2].port, 80, "port defaults to the service port");
	cr_assert_eq(s->backends[2].weight, 4);
	cr_assert_eq(v->version, 3);
	cr_assert_eq(v->family, XLB_AF_INET6);
	cr_assert_str_eq(ip(&v->vips[0]), "fd00:17::50");
	cr_assert_eq(v->vips[0].prefix, 64);
	cr_assert_eq(v->auth_type, XLB_AUTH_NONE);
	xlb_config_free(cfg);
}

Test(config, minimal_example_fills_every_default)
{
	struct xlb_cfg *cfg = load_ok("configs/minimal.json");
	const struct xlb_service_cfg *s = &cfg->services[0];
	const struct xlb_backend_cfg *b = &s->backends[0];

	cr_assert_eq(cfg->n_vrrp, 0);
	cr_assert_null(cfg->vrrp);
	cr_assert_eq(s->proto, IPPROTO_TCP);
	cr_assert_eq(s->mode, XLB_MODE_NAT);
	cr_assert_eq(s->hc.type, XLB_HC_NONE);
	cr_assert_eq(s->hc.interval_ms, 2000);
	cr_assert_eq(s->hc.timeout_ms, 1000);
	cr_assert_eq(s->hc.rise, 2);
	cr_assert_eq(s->hc.fall, 3);
	cr_assert_eq(s->hc.n_expect, 0, "0 means any 200..399");
	cr_assert_eq(b->port, 80);
	cr_assert_eq(b->weight, 1);
	cr_assert_eq(b->max_fails, 1, "nginx's default");
	cr_assert_eq(b->fail_timeout_ms, 10000, "nginx's default");
	xlb_config_free(cfg);
}

Test(config, udp_example_values)
{
	struct xlb_cfg *cfg = load_ok("configs/udp.json");
	const struct xlb_service_cfg *s = &cfg->services[0];

	cr_assert_eq(s->proto, IPPROTO_UDP);
	cr_assert(s->affinity);
	cr_assert_eq(s->hc.type, XLB_HC_TCP);
	cr_assert_eq(cfg->node.udp_timeout_ms, 60000);
	cr_assert(s->backends[2].backup);
	cr_assert_not(s->backends[1].backup);
	xlb_config_free(cfg);
}

/* ---- every key set ----------------------------------------------------------- */

static const char full_json[] =
	"{\"node\":{\"name\":\"lb-1.a_b\",\"interface\":\"veth-x1\",\"xdp_mode\":\"generic\","
	"\"keep_maps\":false,\"control_socket\":\"/tmp/x.sock\",\"tcp_timeout\":3600,"
	"\"tcp_fin_timeout\":2.5,\"udp_timeout\":5,\"snat_port_min\":40000,"
	"\"snat_port_max\":40000,\"flow_table_size\":1024},"
	"\"services\":["
	"{\"name\":\"api\",\"vip\":\"10.1.0.1\",\"port\":443,\"snat_address\":\"10.1.0.2\","
	"\"affinity\":\"source\",\"no_backend\":\"pass\",\"notify\":\"/bin/notify api\","
	"\"health_check\":{\"type\":\"http\",\"port\":8443,\"path\":\"/healthz?x=1\","
	"\"host\":\"api.example\",\"expect_status\":[200,204,301],\"expect_body\":\"ok it is\","
	"\"interval\":0.1,\"timeout\":0.05,\"rise\":100,\"fall\":1},"
	"\"backends\":[{\"address\":\"10.2.0.1\",\"port\":8443,\"weight\":256,\"max_fails\":0,"
	"\"fail_timeout\":0.1,\"backup\":true,\"down\":true,\"interval\":3600,\"timeout\":1.5,"
	"\"rise\":7,\"fall\":9},{\"address\":\"10.2.0.1\",\"port\":8444}]},"
	"{\"name\":\"api-udp\",\"vip\":\"10.1.0.1\",\"port\":443,\"protocol\":\"udp\","
	"\"health_check\":{\"type\":\"exec\",\"script\":\"/bin/check --udp\"},\"backends\":[]},"
	"{\"name\":\"dr6\",\"vip\":\"2001:db8::1\",\"port\":80,\"mode\":\"dr\","
	"\"health_check\":{\"type\":\"none\"},"
	"\"backends\":[{\"address\":\"2001:db8:1::1\",\"port\":80,\"backup\":true}]}],"
	"\"vrrp\":{\"instances\":["
	"{\"name\":\"V4\",\"interface\":\"eth1\",\"virtual_router_id\":7,\"priority\":255,"
	"\"advert_int\":0.25,\"nopreempt\":true,\"preempt_delay\":30,"
	"\"virtual_ipaddress\":[\"10.1.0.1\",\"10.1.0.9/28\"],"
	"\"unicast_src_ip\":\"10.0.0.11\",\"unicast_peer\":[\"10.0.0.12\",\"10.0.0.13\"],"
	"\"garp_master_repeat\":3,\"garp_master_delay\":0,\"track_interface\":false,"
	"\"track_backends\":{\"weight\":-20},"
	"\"track_script\":[{\"script\":\"/bin/chk\",\"interval\":2,\"weight\":-30,\"rise\":2,"
	"\"fall\":3},{\"script\":\"/bin/chk2\",\"interval\":5,\"timeout\":1}],"
	"\"notify\":{\"master\":\"/bin/n master\",\"backup\":\"/bin/n backup\","
	"\"fault\":\"/bin/n fault\",\"stop\":\"/bin/n stop\"}},"
	"{\"name\":\"V6\",\"interface\":\"eth1\",\"virtual_router_id\":7,\"preempt\":false,"
	"\"virtual_ipaddress\":[\"2001:db8::1\"],\"track_backends\":{}},"
	"{\"name\":\"V2\",\"interface\":\"eth1\",\"virtual_router_id\":8,\"version\":2,"
	"\"advert_int\":255,\"authentication\":{\"auth_type\":\"NONE\"},"
	"\"virtual_ipaddress\":[\"10.1.0.3\"]}]}}";

Test(config, every_key_lands_in_its_field)
{
	struct xlb_cfg *cfg = parse_ok(full_json);
	const struct xlb_service_cfg *s;
	const struct xlb_backend_cfg *b;
	const struct xlb_vrrp_cfg *v;

	cr_assert_str_eq(cfg->node.name, "lb-1.a_b");
	cr_assert_str_eq(cfg->node.interface, "veth-x1");
	cr_assert_eq(cfg->node.xdp_mode, XLB_XDP_GENERIC);
	cr_assert_not(cfg->node.keep_maps);
	cr_assert_str_eq(cfg->node.control_socket, "/tmp/x.sock");
	cr_assert_eq(cfg->node.tcp_timeout_ms, 3600000);
	cr_assert_eq(cfg->node.tcp_fin_timeout_ms, 2500);
	cr_assert_eq(cfg->node.udp_timeout_ms, 5000);
	cr_assert_eq(cfg->node.snat_port_min, 40000);
	cr_assert_eq(cfg->node.snat_port_max, 40000);
	cr_assert_eq(cfg->node.flow_table_size, 1024);

	cr_assert_eq(cfg->n_services, 3);
	s = &cfg->services[0];
	cr_assert_str_eq(ip(&s->snat), "10.1.0.2");
	cr_assert(s->affinity);
	cr_assert_eq(s->on_empty, XLB_EMPTY_PASS);
	cr_assert_str_eq(s->notify, "/bin/notify api");
	cr_assert_eq(s->hc.type, XLB_HC_HTTP);
	cr_assert_eq(s->hc.port, 8443);
	cr_assert_str_eq(s->hc.path, "/healthz?x=1");
	cr_assert_str_eq(s->hc.host, "api.example");
	cr_assert_eq(s->hc.n_expect, 3);
	cr_assert_eq(s->hc.expect_status[2], 301);
	cr_assert_str_eq(s->hc.expect_body, "ok it is");
	cr_assert_eq(s->hc.interval_ms, 100);
	cr_assert_eq(s->hc.timeout_ms, 50);
	cr_assert_eq(s->hc.rise, 100);
	cr_assert_eq(s->hc.fall, 1);
	b = &s->backends[0];
	cr_assert_eq(b->port, 8443);
	cr_assert_eq(b->weight, 256);
	cr_assert_eq(b->max_fails, 0);
	cr_assert_eq(b->fail_timeout_ms, 100);
	cr_assert(b->backup);
	cr_assert(b->down);
	cr_assert_eq(b->interval_ms, 3600000);
	cr_assert_eq(b->timeout_ms, 1500);
	cr_assert_eq(b->rise, 7);
	cr_assert_eq(b->fall, 9);
	cr_assert_eq(s->backends[1].port, 8444, "same address, other port: no duplicate");

	s = &cfg->services[1];
	cr_assert_eq(s->proto, IPPROTO_UDP, "same vip:port as services[0], other protocol");
	cr_assert_eq(s->hc.type, XLB_HC_EXEC);
	cr_assert_str_eq(s->hc.script, "/bin/check --udp");
	cr_assert_eq(s->n_backends, 0);

	s = &cfg->services[2];
	cr_assert_eq(s->mode, XLB_MODE_DR);
	cr_assert_eq(s->hc.type, XLB_HC_NONE);
	cr_assert_eq(s->vip.family, XLB_AF_INET6);
	cr_assert(s->backends[0].backup, "all-backup service is allowed");

	cr_assert_eq(cfg->n_vrrp, 3);
	v = &cfg->vrrp[0];
	cr_assert_eq(v->priority, 255);
	cr_assert_eq(v->version, 3);
	cr_assert_eq(v->advert_int_ms, 250);
	cr_assert_not(v->preempt);
	cr_assert_eq(v->preempt_delay_ms, 30000);
	cr_assert_eq(v->n_vips, 2);
	cr_assert_eq(v->vips[0].prefix, 32);
	cr_assert_eq(v->vips[1].prefix, 28);
	cr_assert_str_eq(ip(&v->unicast_src), "10.0.0.11");
	cr_assert_eq(v->n_peers, 2);
	cr_assert_str_eq(ip(&v->peers[1]), "10.0.0.13");
	cr_assert_eq(v->garp_master_repeat, 3);
	cr_assert_eq(v->garp_master_delay_ms, 0);
	cr_assert_not(v->track_interface);
	cr_assert(v->track_backends);
	cr_assert_eq(v->track_backends_weight, -20);
	cr_assert_eq(v->n_tracks, 2);
	cr_assert_str_eq(v->tracks[0].script, "/bin/chk");
	cr_assert_eq(v->tracks[0].interval_ms, 2000);
	cr_assert_eq(v->tracks[0].timeout_ms, 2000, "timeout defaults to the interval");
	cr_assert_eq(v->tracks[0].weight, -30);
	cr_assert_eq(v->tracks[0].rise, 2);
	cr_assert_eq(v->tracks[0].fall, 3);
	cr_assert_eq(v->tracks[1].timeout_ms, 1000);
	cr_assert_eq(v->tracks[1].weight, 0);
	cr_assert_eq(v->tracks[1].rise, 1);
	cr_assert_eq(v->tracks[1].fall, 1);
	cr_assert_str_eq(v->notify_master, "/bin/n master");
	cr_assert_str_eq(v->notify_backup, "/bin/n backup");
	cr_assert_str_eq(v->notify_fault, "/bin/n fault");
	cr_assert_str_eq(v->notify_stop, "/bin/n stop");

	v = &cfg->vrrp[1];
	cr_assert_eq(v->vrid, 7, "same VRID on the same interface, other family");
	cr_assert_eq(v->family, XLB_AF_INET6);
	cr_assert_not(v->preempt);
	cr_assert(v->track_backends);
	cr_assert_eq(v->track_backends_weight, -254, "weight 0 (default) means FAULT");

	v = &cfg->vrrp[2];
	cr_assert_eq(v->version, 2);
	cr_assert_eq(v->advert_int_ms, 255000);
	cr_assert_eq(v->auth_type, XLB_AUTH_NONE);
	xlb_config_free(cfg);
}

/* ---- broken configurations ------------------------------------------------------ */

struct bad_case {
	const char *name;
	const char *json;
	const char *want[12]; /* every expected message, in order */
	size_t len;           /* of json; 0 = up to its NUL */
};

#define NODE "\"node\":{\"name\":\"lb1\",\"interface\":\"eth0\"}"
#define WITH_NODE(rest) "{" NODE rest "}"
/* One service "web" 10.0.0.1:80 with extra keys and a backend list. */
#define SVC(extra, backends)                                                                  \
	WITH_NODE(",\"services\":[{\"name\":\"web\",\"vip\":\"10.0.0.1\",\"port\":80" extra    \
		  ",\"backends\":[" backends "]}]")
#define HC(hc) SVC(",\"health_check\":{" hc "}", "")
#define BE "{\"address\":\"10.0.0.2\"}"
/* One VRRP instance VI_1 on eth0, VRID 51, VIP 10.0.0.1, with extra keys. */
#define INST(extra)                                                                           \
	"{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":51,"                  \
	"\"virtual_ipaddress\":[\"10.0.0.1\"]" extra "}"
#define VRRP(instances) WITH_NODE(",\"vrrp\":{\"instances\":[" instances "]}")

static void check_bad(const struct bad_case *c)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg = (struct xlb_cfg *)&e; /* must come back NULL */
	char dump[8192] = "";
	size_t i, n = 0, off = 0;
	int r;

	while (n < 12 && c->want[n])
		n++;
	r = xlb_config_parse(c->json, c->len ? c->len : strlen(c->json), "x.json", &cfg, &e);
	for (i = 0; i < e.n && off < sizeof(dump); i++)
		off += snprintf(dump + off, sizeof(dump) - off, "\n  %s", e.msg[i]);
	cr_expect_eq(r, -EINVAL, "%s: returned %d", c->name, r);
	cr_expect_null(cfg, "%s: config returned despite errors", c->name);
	cr_expect_eq(e.n, n, "%s: %zu messages, want %zu:%s", c->name, e.n, n, dump);
	for (i = 0; i < n && i < e.n; i++)
		cr_expect_str_eq(e.msg[i], c->want[i], "%s: message %zu:%s", c->name, i, dump);
	xlb_errors_free(&e);
}

static void check_table(const struct bad_case *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_bad(&t[i]);
}

#define CHECK_TABLE(t) check_table(t, sizeof(t) / sizeof(t[0]))

Test(config, rejects_bad_json_text)
{
	static const struct bad_case t[] = {
		{ "empty", "", { "x.json: line 1, column 1: unexpected end of input" } },
		{ "unterminated", "{\"node\":{",
		  { "x.json: line 1, column 10: unexpected end of input" } },
		{ "error on line 2", "{\n  \"node\": {,}\n}",
		  { "x.json: line 2, column 12: quoted object property name expected" } },
		{ "trailing comma", "{\"node\":{\"name\":\"a\",}}",
		  { "x.json: line 1, column 21: unexpected character" } },
		{ "garbage after the object", "{}\nx",
		  { "x.json: line 2, column 1: unexpected character" } },
		{ "invalid utf-8", "{\"node\":\"\xff\"}",
		  { "x.json: line 1, column 10: invalid utf-8 string" } },
		{ "NUL byte", "{}\n\n  \0 x", { "x.json: line 3, column 3: NUL byte in the text" },
		  sizeof("{}\n\n  \0 x") - 1 },
		{ "top level array", "[1]", { "x.json: top level: must be an object (got array)" } },
		{ "top level number", "5", { "x.json: top level: must be an object (got integer)" } },
	};

	CHECK_TABLE(t);
}

Test(config, rejects_bad_node)
{
	static const struct bad_case t[] = {
		{ "no node", "{}", { "x.json: missing required key \"node\"" } },
		{ "node not an object", "{\"node\":[]}",
		  { "x.json: node: must be an object (got array)" } },
		{ "unknown top-level key", WITH_NODE(",\"service\":[]"),
		  { "x.json: service: unknown key" } },
		{ "empty node", "{\"node\":{}}",
		  { "x.json: node: missing required key \"name\"",
		    "x.json: node: missing required key \"interface\"" } },
		{ "name too long", "{\"node\":{\"name\":\"abcdefghijabcdefghijabcdefghij123\","
				   "\"interface\":\"eth0\"}}",
		  { "x.json: node.name: must be 1..32 characters of A-Z a-z 0-9 _ . - "
		    "(got \"abcdefghijabcdefghijabcdefghij123\")" } },
		{ "interface too long", "{\"node\":{\"name\":\"a\",\"interface\":\"abcdefghijklmnop\"}}",
		  { "x.json: node.interface: must be an interface name of 1..15 characters "
		    "without '/', ':' or spaces (got \"abcdefghijklmnop\")" } },
		{ "name of the wrong type", "{\"node\":{\"name\":7,\"interface\":\"\"}}",
		  { "x.json: node.name: must be a string (got integer)",
		    "x.json: node.interface: must not be empty" } },
		{ "everything wrong at once",
		  "{\"node\":{\"name\":\"a b\",\"interface\":\"eth0\",\"xdp_mode\":\"fast\","
		  "\"keep_maps\":1,\"control_socket\":\"run/x.sock\",\"tcp_timeout\":0,"
		  "\"tcp_fin_timeout\":3601,\"udp_timeout\":\"30\",\"flow_table_size\":1e9,"
		  "\"snat_port_min\":80,\"colour\":\"red\"}}",
		  { "x.json: node.colour: unknown key",
		    "x.json: node.name: must be 1..32 characters of A-Z a-z 0-9 _ . - (got \"a b\")",
		    "x.json: node.xdp_mode: must be one of auto, native, generic (got \"fast\")",
		    "x.json: node.keep_maps: must be true or false (got integer)",
		    "x.json: node.control_socket: must be an absolute path (got \"run/x.sock\")",
		    "x.json: node.tcp_timeout: must be 1..86400 seconds (got 0)",
		    "x.json: node.tcp_fin_timeout: must be 1..3600 seconds (got 3601)",
		    "x.json: node.udp_timeout: must be a number of seconds (got string)",
		    "x.json: node.snat_port_min: must be 1024..65535 (got 80)",
		    "x.json: node.flow_table_size: must be an integer (got 1e9)" } },
		{ "flow table and ports",
		  "{\"node\":{\"name\":\"a\",\"interface\":\"eth0\",\"flow_table_size\":1e9,"
		  "\"snat_port_min\":80}}",
		  { "x.json: node.snat_port_min: must be 1024..65535 (got 80)",
		    "x.json: node.flow_table_size: must be an integer (got 1e9)" } },
		{ "snat ports reversed",
		  "{\"node\":{\"name\":\"a\",\"interface\":\"eth0\",\"snat_port_min\":40000,"
		  "\"snat_port_max\":30000}}",
		  { "x.json: node.snat_port_min: must be <= snat_port_max (40000 > 30000)" } },
		{ "snat min above the default max",
		  "{\"node\":{\"name\":\"a\",\"interface\":\"eth0\",\"snat_port_min\":61000}}",
		  { "x.json: node.snat_port_min: must be <= snat_port_max (61000 > 60999)" } },
	};

	CHECK_TABLE(t);
}

Test(config, rejects_bad_services)
{
	static const struct bad_case t[] = {
		{ "services not an array", WITH_NODE(",\"services\":{}"),
		  { "x.json: services: must be an array (got object)" } },
		{ "service not an object", WITH_NODE(",\"services\":[\"web\"]"),
		  { "x.json: services[0]: must be an object (got string)" } },
		{ "empty service", WITH_NODE(",\"services\":[{}]"),
		  { "x.json: services[0]: missing required key \"name\"",
		    "x.json: services[0]: missing required key \"vip\"",
		    "x.json: services[0]: missing required key \"port\"",
		    "x.json: services[0]: missing required key \"backends\"" } },
		{ "typo in a key", SVC(",\"wieght\":1", ""),
		  { "x.json: services[0].wieght: unknown key" } },
		{ "bad vip", WITH_NODE(",\"services\":[{\"name\":\"web\",\"vip\":\"10.0.0.300\","
				       "\"port\":80,\"backends\":[]}]"),
		  { "x.json: services[0].vip: \"10.0.0.300\" is not an IPv4 or IPv6 address" } },
		{ "multicast vip", WITH_NODE(",\"services\":[{\"name\":\"web\",\"vip\":\"224.0.0.1\","
					     "\"port\":80,\"backends\":[]}]"),
		  { "x.json: services[0].vip: \"224.0.0.1\" is not a unicast address" } },
		{ "port as a string", WITH_NODE(",\"services\":[{\"name\":\"web\",\"vip\":\"10.0.0.1\","
						"\"port\":\"80\",\"backends\":[]}]"),
		  { "x.json: services[0].port: must be an integer (got string)" } },
		{ "port out of range", WITH_NODE(",\"services\":[{\"name\":\"web\",\"vip\":\"10.0.0.1\","
						 "\"port\":65536,\"backends\":[]}]"),
		  { "x.json: services[0].port: must be 1..65535 (got 65536)" } },
		{ "bad name", WITH_NODE(",\"services\":[{\"name\":\"w/eb\",\"vip\":\"10.0.0.1\","
					"\"port\":80,\"backends\":[]}]"),
		  { "x.json: services[0].name: must be 1..63 characters of A-Z a-z 0-9 _ . - "
		    "(got \"w/eb\")" } },
		{ "bad enums", SVC(",\"protocol\":\"sctp\",\"mode\":\"tun\",\"affinity\":\"cookie\","
				   "\"no_backend\":\"reject\"", ""),
		  { "x.json: services[0].protocol: must be one of tcp, udp (got \"sctp\")",
		    "x.json: services[0].mode: must be one of nat, dr (got \"tun\")",
		    "x.json: services[0].affinity: must be one of none, source (got \"cookie\")",
		    "x.json: services[0].no_backend: must be one of drop, pass (got \"reject\")" } },
		{ "snat in dr mode", SVC(",\"mode\":\"dr\",\"snat_address\":\"10.0.0.9\"", ""),
		  { "x.json: services[0].snat_address: only valid with mode nat" } },
		{ "snat of the other family", SVC(",\"snat_address\":\"fd00::9\"", ""),
		  { "x.json: services[0].snat_address: IPv6 address for an IPv4 service" } },
		{ "empty notify", SVC(",\"notify\":\"\"", ""),
		  { "x.json: services[0].notify: must not be empty" } },
		{ "duplicate vip:port/proto and name",
		  WITH_NODE(",\"services\":["
			    "{\"name\":\"a\",\"vip\":\"10.0.0.1\",\"port\":80,\"backends\":[]},"
			    "{\"name\":\"b\",\"vip\":\"10.0.0.1\",\"port\":81,\"backends\":[]},"
			    "{\"name\":\"a\",\"vip\":\"10.0.0.1\",\"port\":80,\"protocol\":\"tcp\","
			    "\"backends\":[]}]"),
		  { "x.json: services[2]: duplicate of services[0] (10.0.0.1:80/tcp)",
		    "x.json: services[2].name: \"a\" is already used by services[0]" } },
		{ "duplicate IPv6 service",
		  WITH_NODE(",\"services\":["
			    "{\"name\":\"a\",\"vip\":\"fd00::1\",\"port\":53,\"protocol\":\"udp\","
			    "\"backends\":[]},"
			    "{\"name\":\"b\",\"vip\":\"fd00:0::0:1\",\"port\":53,\"protocol\":\"udp\","
			    "\"backends\":[]}]"),
		  { "x.json: services[1]: duplicate of services[0] ([fd00::1]:53/udp)" } },
	};

	CHECK_TABLE(t);
}

Test(config, rejects_bad_health_checks)
{
	static const struct bad_case t[] = {
		{ "not an object", SVC(",\"health_check\":\"http\"", ""),
		  { "x.json: services[0].health_check: must be an object (got string)" } },
		{ "no type", HC("\"interval\":1"),
		  { "x.json: services[0].health_check: missing required key \"type\"" } },
		{ "unknown type", HC("\"type\":\"icmp\""),
		  { "x.json: services[0].health_check.type: must be one of none, tcp, http, exec "
		    "(got \"icmp\")" } },
		{ "http keys with tcp", HC("\"type\":\"tcp\",\"path\":\"/\",\"expect_status\":[200]"),
		  { "x.json: services[0].health_check.path: not valid with type \"tcp\"",
		    "x.json: services[0].health_check.expect_status: not valid with type \"tcp\"" } },
		{ "timing with none", HC("\"type\":\"none\",\"interval\":1"),
		  { "x.json: services[0].health_check.interval: not valid with type \"none\"" } },
		{ "port with exec", HC("\"type\":\"exec\",\"script\":\"/bin/true\",\"port\":80"),
		  { "x.json: services[0].health_check.port: not valid with type \"exec\"" } },
		{ "exec without script", HC("\"type\":\"exec\""),
		  { "x.json: services[0].health_check: missing required key \"script\"" } },
		{ "timeout above interval", HC("\"type\":\"tcp\",\"interval\":1,\"timeout\":1.5"),
		  { "x.json: services[0].health_check.timeout: must be <= interval (1.5 > 1)" } },
		{ "timeout above the default interval", HC("\"type\":\"tcp\",\"timeout\":3"),
		  { "x.json: services[0].health_check.timeout: must be <= interval (3 > 2)" } },
		{ "ranges", HC("\"type\":\"tcp\",\"interval\":0.05,\"timeout\":0.01,\"rise\":0,"
			       "\"fall\":101,\"port\":0"),
		  { "x.json: services[0].health_check.port: must be 1..65535 (got 0)",
		    "x.json: services[0].health_check.interval: must be 0.1..3600 seconds (got 0.05)",
		    "x.json: services[0].health_check.timeout: must be 0.05..3600 seconds (got 0.01)",
		    "x.json: services[0].health_check.rise: must be 1..100 (got 0)",
		    "x.json: services[0].health_check.fall: must be 1..100 (got 101)" } },
		{ "http values", HC("\"type\":\"http\",\"path\":\"healthz\",\"host\":\"a b\","
				    "\"expect_status\":[200,700,\"204\"],\"expect_body\":\"\""),
		  { "x.json: services[0].health_check.path: must start with \"/\" and hold no "
		    "spaces or control characters (got \"healthz\")",
		    "x.json: services[0].health_check.host: must hold no spaces or control "
		    "characters (got \"a b\")",
		    "x.json: services[0].health_check.expect_status[1]: must be 100..599 (got 700)",
		    "x.json: services[0].health_check.expect_status[2]: must be an integer "
		    "(got string)",
		    "x.json: services[0].health_check.expect_body: must not be empty" } },
		{ "no status codes", HC("\"type\":\"http\",\"expect_status\":[]"),
		  { "x.json: services[0].health_check.expect_status: must hold 1..16 status codes "
		    "(got 0)" } },
		{ "too many status codes",
		  HC("\"type\":\"http\",\"expect_status\":[200,201,202,203,204,205,206,207,208,"
		     "226,300,301,302,303,304,307,308]"),
		  { "x.json: services[0].health_check.expect_status: must hold 1..16 status codes "
		    "(got 17)" } },
	};

	CHECK_TABLE(t);
}

Test(config, rejects_bad_backends)
{
	static const struct bad_case t[] = {
		{ "backends not an array",
		  WITH_NODE(",\"services\":[{\"name\":\"web\",\"vip\":\"10.0.0.1\",\"port\":80,"
			    "\"backends\":{}}]"),
		  { "x.json: services[0].backends: must be an array (got object)" } },
		{ "backend not an object", SVC("", "\"10.0.0.2\""),
		  { "x.json: services[0].backends[0]: must be an object (got string)" } },
		{ "no address", SVC("", "{\"port\":80}"),
		  { "x.json: services[0].backends[0]: missing required key \"address\"" } },
		{ "IPv6 backend in an IPv4 service", SVC("", BE ",{\"address\":\"fd00::2\"}"),
		  { "x.json: services[0].backends[1].address: IPv6 backend in an IPv4 service" } },
		{ "ranges", SVC("", "{\"address\":\"10.0.0.2\",\"weight\":300,\"max_fails\":-1,"
				    "\"fail_timeout\":0,\"port\":\"8080\",\"backup\":\"yes\"}"),
		  { "x.json: services[0].backends[0].port: must be an integer (got string)",
		    "x.json: services[0].backends[0].weight: must be 1..256 (got 300)",
		    "x.json: services[0].backends[0].max_fails: must be 0..1000 (got -1)",
		    "x.json: services[0].backends[0].fail_timeout: must be 0.1..86400 seconds "
		    "(got 0)",
		    "x.json: services[0].backends[0].backup: must be true or false (got string)" } },
		{ "weight zero", SVC("", "{\"address\":\"10.0.0.2\",\"weight\":0}"),
		  { "x.json: services[0].backends[0].weight: must be 1..256 (got 0)" } },
		{ "dr port differs", SVC(",\"mode\":\"dr\"", "{\"address\":\"10.0.0.2\",\"port\":8080}"),
		  { "x.json: services[0].backends[0].port: must equal the service port 80 in dr "
		    "mode (got 8080)" } },
		{ "duplicate backend, default port", SVC("", BE "," BE ",{\"address\":\"10.0.0.2\","
							 "\"port\":80}"),
		  { "x.json: services[0].backends[1]: duplicate of backends[0] (10.0.0.2:80)",
		    "x.json: services[0].backends[2]: duplicate of backends[0] (10.0.0.2:80)" } },
		{ "health overrides without a health check",
		  SVC("", "{\"address\":\"10.0.0.2\",\"interval\":1,\"fall\":2}"),
		  { "x.json: services[0].backends[0].interval: not valid without a health_check",
		    "x.json: services[0].backends[0].fall: not valid without a health_check" } },
		{ "override timeout above the service interval",
		  SVC(",\"health_check\":{\"type\":\"tcp\",\"interval\":1,\"timeout\":0.5}",
		      "{\"address\":\"10.0.0.2\",\"timeout\":2}"),
		  { "x.json: services[0].backends[0].timeout: timeout must be <= interval "
		    "(2 > 1)" } },
		{ "override interval below the service timeout",
		  SVC(",\"health_check\":{\"type\":\"tcp\",\"interval\":1,\"timeout\":0.5}",
		      "{\"address\":\"10.0.0.2\",\"interval\":0.2}"),
		  { "x.json: services[0].backends[0].interval: timeout must be <= interval "
		    "(0.5 > 0.2)" } },
	};

	CHECK_TABLE(t);
}

Test(config, rejects_bad_vrrp)
{
	static const struct bad_case t[] = {
		{ "vrrp without instances", WITH_NODE(",\"vrrp\":{\"instance\":[]}"),
		  { "x.json: vrrp.instance: unknown key",
		    "x.json: vrrp: missing required key \"instances\"" } },
		{ "empty instance", VRRP("{}"),
		  { "x.json: vrrp.instances[0]: missing required key \"name\"",
		    "x.json: vrrp.instances[0]: missing required key \"interface\"",
		    "x.json: vrrp.instances[0]: missing required key \"virtual_router_id\"",
		    "x.json: vrrp.instances[0]: missing required key \"virtual_ipaddress\"" } },
		{ "ranges", VRRP(INST(",\"priority\":0,\"version\":4,\"garp_master_repeat\":0,"
				      "\"garp_master_delay\":61,\"preempt_delay\":-1")),
		  { "x.json: vrrp.instances[0].priority: must be 1..255 (got 0)",
		    "x.json: vrrp.instances[0].version: must be 2..3 (got 4)",
		    "x.json: vrrp.instances[0].preempt_delay: must be 0..1000 seconds (got -1)",
		    "x.json: vrrp.instances[0].garp_master_repeat: must be 1..100 (got 0)",
		    "x.json: vrrp.instances[0].garp_master_delay: must be 0..60 seconds (got 61)" } },
		{ "vrid out of range",
		  VRRP("{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":256,"
		       "\"virtual_ipaddress\":[\"10.0.0.1\"]}"),
		  { "x.json: vrrp.instances[0].virtual_router_id: must be 1..255 (got 256)" } },
		{ "v2 advert_int fraction", VRRP(INST(",\"version\":2,\"advert_int\":1.5")),
		  { "x.json: vrrp.instances[0].advert_int: must be whole seconds with version 2 "
		    "(got 1.5)" } },
		{ "v2 advert_int range", VRRP(INST(",\"version\":2,\"advert_int\":0.5")),
		  { "x.json: vrrp.instances[0].advert_int: must be 1..255 seconds (got 0.5)" } },
		{ "v3 advert_int step", VRRP(INST(",\"advert_int\":0.015")),
		  { "x.json: vrrp.instances[0].advert_int: must be a multiple of 0.01 seconds "
		    "(got 0.015)" } },
		{ "v3 advert_int range", VRRP(INST(",\"advert_int\":41")),
		  { "x.json: vrrp.instances[0].advert_int: must be 0.01..40.95 seconds (got 41)" } },
		{ "authentication with v3",
		  VRRP(INST(",\"authentication\":{\"auth_type\":\"PASS\",\"auth_pass\":\"x\"}")),
		  { "x.json: vrrp.instances[0].authentication: not valid with version 3 "
		    "(RFC 5798 removed authentication)" } },
		{ "PASS without a password",
		  VRRP(INST(",\"version\":2,\"authentication\":{\"auth_type\":\"PASS\"}")),
		  { "x.json: vrrp.instances[0].authentication: missing required key "
		    "\"auth_pass\"" } },
		{ "password too long",
		  VRRP(INST(",\"version\":2,\"authentication\":{\"auth_type\":\"PASS\","
			    "\"auth_pass\":\"123456789\"}")),
		  { "x.json: vrrp.instances[0].authentication.auth_pass: must be 1..8 characters "
		    "(got 9)" } },
		{ "password with NONE",
		  VRRP(INST(",\"version\":2,\"authentication\":{\"auth_type\":\"NONE\","
			    "\"auth_pass\":\"1111\"}")),
		  { "x.json: vrrp.instances[0].authentication.auth_pass: only valid with "
		    "auth_type PASS" } },
		{ "AH authentication", VRRP(INST(",\"version\":2,\"authentication\":{\"auth_type\":\"AH\"}")),
		  { "x.json: vrrp.instances[0].authentication.auth_type: must be one of NONE, PASS "
		    "(got \"AH\")" } },
		{ "IPv6 with v2",
		  VRRP("{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":51,"
		       "\"version\":2,\"virtual_ipaddress\":[\"fd00::1\"]}"),
		  { "x.json: vrrp.instances[0].virtual_ipaddress: IPv6 needs version 3 "
		    "(got version 2)" } },
		{ "bad addresses",
		  VRRP("{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":51,"
		       "\"virtual_ipaddress\":[\"10.0.0.1/24\",\"fd00::1\",\"10.0.0.2/33\","
		       "\"10.0.0.1\",\"10.0.0.3/\",\"ff02::1\",7]}"),
		  { "x.json: vrrp.instances[0].virtual_ipaddress[1]: IPv6 address mixed with IPv4 ones",
		    "x.json: vrrp.instances[0].virtual_ipaddress[2]: prefix length must be 1..32 "
		    "(got \"10.0.0.2/33\")",
		    "x.json: vrrp.instances[0].virtual_ipaddress[3]: 10.0.0.1 repeats "
		    "virtual_ipaddress[0]",
		    "x.json: vrrp.instances[0].virtual_ipaddress[4]: \"10.0.0.3/\" is not an IPv4 or "
		    "IPv6 address or address/prefix",
		    "x.json: vrrp.instances[0].virtual_ipaddress[5]: \"ff02::1\" is not a unicast "
		    "address",
		    "x.json: vrrp.instances[0].virtual_ipaddress[6]: must be a string (got integer)" } },
		{ "no addresses",
		  VRRP("{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":51,"
		       "\"virtual_ipaddress\":[]}"),
		  { "x.json: vrrp.instances[0].virtual_ipaddress: must hold 1..32 addresses (got 0)" } },
		{ "preempt contradiction", VRRP(INST(",\"preempt\":true,\"nopreempt\":true")),
		  { "x.json: vrrp.instances[0].preempt: contradicts nopreempt" } },
		{ "unicast of the other family",
		  VRRP(INST(",\"unicast_src_ip\":\"fd00::1\",\"unicast_peer\":[\"10.0.0.2\","
			    "\"fd00::2\",\"10.0.0.2\"]")),
		  { "x.json: vrrp.instances[0].unicast_src_ip: IPv6 address for an IPv4 instance",
		    "x.json: vrrp.instances[0].unicast_peer[1]: IPv6 address for an IPv4 instance",
		    "x.json: vrrp.instances[0].unicast_peer[2]: 10.0.0.2 repeats unicast_peer[0]" } },
		{ "too many peers",
		  VRRP(INST(",\"unicast_peer\":[\"10.0.1.1\",\"10.0.1.2\",\"10.0.1.3\",\"10.0.1.4\","
			    "\"10.0.1.5\",\"10.0.1.6\",\"10.0.1.7\",\"10.0.1.8\",\"10.0.1.9\","
			    "\"10.0.1.10\",\"10.0.1.11\",\"10.0.1.12\",\"10.0.1.13\",\"10.0.1.14\","
			    "\"10.0.1.15\",\"10.0.1.16\",\"10.0.1.17\"]")),
		  { "x.json: vrrp.instances[0].unicast_peer: too many peers (17, at most 16)" } },
		{ "track_script",
		  VRRP(INST(",\"track_script\":[{\"weight\":254},{\"script\":\"/bin/x\","
			    "\"interval\":1,\"timeout\":2,\"rise\":0,\"user\":\"root\"}]")),
		  { "x.json: vrrp.instances[0].track_script[0]: missing required key \"script\"",
		    "x.json: vrrp.instances[0].track_script[0].weight: must be -253..253 (got 254)",
		    "x.json: vrrp.instances[0].track_script[1].user: unknown key",
		    "x.json: vrrp.instances[0].track_script[1].timeout: must be <= interval (2 > 1)",
		    "x.json: vrrp.instances[0].track_script[1].rise: must be 1..100 (got 0)" } },
		{ "track_backends and notify",
		  VRRP(INST(",\"track_backends\":{\"weight\":300},\"notify\":{\"master\":\"\","
			    "\"start\":\"/bin/x\"}")),
		  { "x.json: vrrp.instances[0].track_backends.weight: must be -254..253 (got 300)",
		    "x.json: vrrp.instances[0].notify.start: unknown key",
		    "x.json: vrrp.instances[0].notify.master: must not be empty" } },
		{ "duplicates across instances",
		  VRRP(INST("") ","
		       "{\"name\":\"VI_1\",\"interface\":\"eth0\",\"virtual_router_id\":51,"
		       "\"virtual_ipaddress\":[\"10.0.0.2\",\"10.0.0.1/24\"]}"),
		  { "x.json: vrrp.instances[1].name: \"VI_1\" is already used by vrrp.instances[0]",
		    "x.json: vrrp.instances[1].virtual_router_id: 51 is already used on eth0 for "
		    "IPv4 by vrrp.instances[0]",
		    "x.json: vrrp.instances[1].virtual_ipaddress[1]: 10.0.0.1 is already in "
		    "vrrp.instances[0]" } },
	};

	CHECK_TABLE(t);
}

/* ---- error plumbing, limits, robustness ---------------------------------------- */

Test(config, unreadable_file_is_reported)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg = (struct xlb_cfg *)&e;

	cr_assert_eq(xlb_config_load("configs/does-not-exist.json", &cfg, &e), -ENOENT);
	cr_assert_null(cfg);
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.msg[0],
			 "configs/does-not-exist.json: cannot read: No such file or directory");
	xlb_errors_free(&e);
	cr_assert_eq(xlb_config_load("configs", &cfg, &e), -EISDIR);
	cr_assert_str_eq(e.msg[0], "configs: cannot read: Is a directory");
	xlb_errors_free(&e);
	cr_assert_eq(e.n, 0);
	cr_assert_null(e.msg);
}

Test(config, appends_to_existing_errors_and_accepts_null_list)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg;

	xlb_errors_add(&e, "earlier %d", 1);
	cr_assert_eq(xlb_config_parse("{}", 2, "a.json", &cfg, &e), -EINVAL);
	cr_assert_eq(e.n, 2);
	cr_assert_str_eq(e.msg[0], "earlier 1");
	cr_assert_str_eq(e.msg[1], "a.json: missing required key \"node\"");
	/* A good parse must not be failed by messages that were already there. */
	cr_assert_eq(xlb_config_parse(WITH_NODE(""), strlen(WITH_NODE("")), "a.json", &cfg, &e),
		     0);
	cr_assert_eq(e.n, 2);
	xlb_config_free(cfg);
	xlb_errors_free(&e);
	cr_assert_eq(xlb_config_parse("[", 1, "a.json", &cfg, NULL), -EINVAL);
	cr_assert_null(cfg);
	/* The length is honoured: the text need not be NUL-terminated there. */
	cr_assert_eq(xlb_config_parse(WITH_NODE("") "garbage", strlen(WITH_NODE("")), "a.json",
				      &cfg, NULL), 0);
	xlb_config_free(cfg);
	xlb_config_free(NULL);
}

/* A service list of @n services with @per backends each, as JSON text. */
static char *big_config(size_t n, size_t per)
{
	size_t cap = 256 + n * (128 + per * 48), off = 0, i, j;
	char *s = malloc(cap);

	cr_assert_not_null(s);
	off += snprintf(s + off, cap - off, "{" NODE ",\"services\":[");
	for (i = 0; i < n; i++) {
		off += snprintf(s + off, cap - off,
				"%s{\"name\":\"s%zu\",\"vip\":\"10.%zu.%zu.1\",\"port\":80,"
				"\"backends\":[", i ? "," : "", i, i / 256, i % 256);
		for (j = 0; j < per; j++)
			off += snprintf(s + off, cap - off, "%s{\"address\":\"10.200.%zu.%zu\"}",
					j ? "," : "", j / 256, j % 256);
		off += snprintf(s + off, cap - off, "]}");
	}
	snprintf(s + off, cap - off, "]}");
	return s;
}

Test(config, enforces_capacity_limits)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg;
	char *s;

	s = big_config(1, 4096);
	cfg = parse_ok(s);
	cr_assert_eq(cfg->services[0].n_backends, 4096);
	xlb_config_free(cfg);
	free(s);

	s = big_config(1, 4097);
	cr_assert_eq(xlb_config_parse(s, strlen(s), "x.json", &cfg, &e), -EINVAL);
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.msg[0], "x.json: services[0].backends: too many backends (4097, at most 4096)");
	xlb_errors_free(&e);
	free(s);

	s = big_config(XLB_MAX_SERVICES + 1, 0);
	cr_assert_eq(xlb_config_parse(s, strlen(s), "x.json", &cfg, &e), -EINVAL);
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.msg[0], "x.json: services: too many services (1025, at most 1024)");
	xlb_errors_free(&e);
	free(s);

	/* 33 services of 4096: more backend ids than the data plane has. */
	s = big_config(33, 4096);
	cr_assert_eq(xlb_config_parse(s, strlen(s), "x.json", &cfg, &e), -EINVAL);
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.msg[0],
			 "x.json: services: too many backends in total (135168, at most 131072)");
	xlb_errors_free(&e);
	free(s);
}

/*
 * Replace every value in a good configuration, one at a time, by each JSON
 * shape: parse must either accept or refuse with messages, never crash or
 * return a config together with errors.
 */
static size_t n_mutations;

static void try_text(const char *text)
{
	struct xlb_errors e = { 0 };
	struct xlb_cfg *cfg = NULL;
	int r = xlb_config_parse(text, strlen(text), "m.json", &cfg, &e);
	size_t i;

	n_mutations++;
	if (r) {
		cr_assert_eq(r, -EINVAL);
		cr_assert_null(cfg);
		cr_assert_gt(e.n, 0, "refused without a message: %s", text);
	} else {
		cr_assert_not_null(cfg);
		cr_assert_eq(e.n, 0);
	}
	for (i = 0; i < e.n; i++)
		cr_assert_eq(strncmp(e.msg[i], "m.json: ", 8), 0, "%s", e.msg[i]);
	xlb_config_free(cfg);
	xlb_errors_free(&e);
}

static const char *const shapes[] = {
	"null", "true", "0", "-1", "1.5", "1e300", "-9223372036854775809",
	"18446744073709551616", "\"\"", "\"x\"", "\"10.0.0.1\"", "[]", "{}", "[[]]",
	"[{}]", "[null]", "{\"a\":{}}",
};

static void mutate(struct json_object *root, struct json_object *at)
{
	struct json_object *orig, *shape;
	size_t i, k, n;

	if (json_object_is_type(at, json_type_object)) {
		json_object_object_foreach(at, key, val) {
			orig = json_object_get(val);
			for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
				shape = json_tokener_parse(shapes[k]);
				json_object_object_add(at, key, shape);
				try_text(json_object_to_json_string(root));
			}
			json_object_object_add(at, key, orig);
			mutate(root, orig);
		}
	} else if (json_object_is_type(at, json_type_array)) {
		n = json_object_array_length(at);
		for (i = 0; i < n; i++) {
			orig = json_object_get(json_object_array_get_idx(at, i));
			for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
				shape = json_tokener_parse(shapes[k]);
				json_object_array_put_idx(at, i, shape);
				try_text(json_object_to_json_string(root));
			}
			json_object_array_put_idx(at, i, orig);
			mutate(root, orig);
		}
	}
}

Test(config, survives_any_shape_in_any_place)
{
	struct json_object *root = json_tokener_parse(full_json);

	cr_assert_not_null(root);
	try_text(full_json);
	mutate(root, root);
	/* Also each key removed in turn is covered by "missing" cases above. */
	cr_assert_gt(n_mutations, 1000, "only %zu mutations", n_mutations);
	json_object_put(root);
}

/* ---- address helpers --------------------------------------------------------- */

Test(config, ip_helpers)
{
	struct xlb_ip a, b;
	char buf[64];

	cr_assert_eq(xlb_ip_parse("192.0.2.1", &a), 0);
	cr_assert_eq(a.family, XLB_AF_INET);
	cr_assert_eq(a.a[0], htonl(0xc0000201));
	cr_assert_eq(a.a[1] | a.a[2] | a.a[3], 0);
	cr_assert_str_eq(xlb_ip_str(&a, buf, sizeof(buf)), "192.0.2.1");
	cr_assert_eq(xlb_ip_parse("2001:db8::1", &b), 0);
	cr_assert_eq(b.family, XLB_AF_INET6);
	cr_assert_str_eq(xlb_ip_str(&b, buf, sizeof(buf)), "2001:db8::1");
	cr_assert_not(xlb_ip_equal(&a, &b));
	cr_assert_eq(xlb_ip_parse("2001:0db8:0::1", &a), 0);
	cr_assert(xlb_ip_equal(&a, &b));
	cr_assert_eq(xlb_ip_parse("10.0.0.300", &a), -EINVAL);
	cr_assert_eq(xlb_ip_parse("10.0.0", &a), -EINVAL);
	cr_assert_eq(xlb_ip_parse("10.0.0.1/24", &a), -EINVAL);
	cr_assert_eq(xlb_ip_parse(" 10.0.0.1", &a), -EINVAL);
	cr_assert_eq(xlb_ip_parse("fe80::1%eth0", &a), -EINVAL);
	cr_assert_eq(xlb_ip_parse("", &a), -EINVAL);
	cr_assert_eq(xlb_ip_parse(NULL, &a), -EINVAL);
	cr_assert_eq(a.family, 0);
	cr_assert_str_eq(xlb_ip_str(&a, buf, sizeof(buf)), "unset");
}
