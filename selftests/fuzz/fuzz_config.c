// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the configuration parser and validator: the input is the JSON text
 * of a configuration file, as xlbd reads it and as `xlbctl apply` sends it.
 *
 * Properties checked beyond "no crash, no leak, no UB":
 *  - a refusal always carries at least one message, each non-empty and
 *    prefixed with the origin; success carries none;
 *  - an accepted configuration diffs against a fixed good one in both
 *    directions, and against itself to "no change";
 *  - every accepted service is found again by name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define ORIGIN "fuzz.json"

/* The classic setup (configs/seed-equivalent.json) plus IPv6 and exec keys. */
static const char good_text[] =
	"{ \"node\": { \"name\": \"lb1\", \"interface\": \"eth0\", \"xdp_mode\": \"auto\" },\n"
	"  \"services\": [ {\n"
	"    \"name\": \"web\", \"vip\": \"192.168.17.50\", \"port\": 80, \"protocol\": \"tcp\",\n"
	"    \"mode\": \"nat\",\n"
	"    \"health_check\": { \"type\": \"http\", \"path\": \"/\", \"expect_status\": [200],\n"
	"                      \"interval\": 1, \"timeout\": 0.5, \"rise\": 2, \"fall\": 2 },\n"
	"    \"backends\": [\n"
	"      { \"address\": \"192.168.12.181\", \"port\": 80, \"weight\": 3, \"max_fails\": 3,\n"
	"        \"fail_timeout\": 20 },\n"
	"      { \"address\": \"192.168.12.182\", \"port\": 80, \"weight\": 1 },\n"
	"      { \"address\": \"192.168.12.183\", \"port\": 80, \"weight\": 4, \"backup\": true }\n"
	"    ] },\n"
	"    { \"name\": \"v6\", \"vip\": \"2001:db8::50\", \"port\": 443, \"mode\": \"dr\",\n"
	"      \"health_check\": { \"type\": \"exec\", \"script\": \"/bin/true\" },\n"
	"      \"backends\": [ { \"address\": \"2001:db8::181\" } ] } ],\n"
	"  \"vrrp\": { \"instances\": [ {\n"
	"    \"name\": \"VI_1\", \"interface\": \"eth0\", \"virtual_router_id\": 51,\n"
	"    \"priority\": 100, \"advert_int\": 1, \"version\": 2,\n"
	"    \"authentication\": { \"auth_type\": \"PASS\", \"auth_pass\": \"1111\" },\n"
	"    \"virtual_ipaddress\": [ \"192.168.17.50/24\" ] } ] }\n"
	"}\n";

static struct xlb_cfg *good;

static void check_errors(int err, const struct xlb_errors *errs)
{
	size_t i;

	if (!err) {
		if (errs->n)
			__builtin_trap(); /* accepted, yet errors were reported */
		return;
	}
	if (!errs->n)
		__builtin_trap(); /* refused without saying why */
	for (i = 0; i < errs->n; i++)
		if (!errs->msg[i] || strncmp(errs->msg[i], ORIGIN, strlen(ORIGIN)))
			__builtin_trap(); /* every message names the file */
}

static void check_accepted(const struct xlb_cfg *cfg)
{
	struct xlb_cfg_diff d;
	size_t i;

	xlb_config_diff(good, cfg, &d);
	xlb_config_diff(cfg, good, &d);
	xlb_config_diff(NULL, cfg, &d);
	xlb_config_diff(cfg, cfg, &d);
	if (d.services_added || d.services_removed || d.services_changed || d.backends_added ||
	    d.backends_removed || d.backends_reweighted || d.backends_changed || d.node_changed ||
	    d.vrrp_changed)
		__builtin_trap(); /* a configuration differs from itself */
	for (i = 0; i < cfg->n_services; i++)
		if (xlb_cfg_service(cfg, cfg->services[i].name) == NULL)
			__builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xlb_errors errs = { 0 };

	(void)argc;
	(void)argv;
	xlb_log_set_level(XLB_LOG_WARN);
	if (xlb_config_parse(good_text, strlen(good_text), "good.json", &good, &errs)) {
		size_t i;

		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "fuzz_config: built-in config: %s\n", errs.msg[i]);
		abort();
	}
	xlb_errors_free(&errs);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_errors errs = { 0 };
	struct xlb_cfg *cfg = NULL;
	int err;

	err = xlb_config_parse((const char *)data, size, ORIGIN, &cfg, &errs);
	check_errors(err, &errs);
	if (!err) {
		if (!cfg)
			__builtin_trap();
		check_accepted(cfg);
	} else if (cfg) {
		__builtin_trap(); /* *out must be NULL on failure */
	}
	xlb_config_free(cfg);
	xlb_errors_free(&errs);
	return 0;
}
