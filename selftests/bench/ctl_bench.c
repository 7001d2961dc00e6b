// SPDX-License-Identifier: GPL-2.0
/*
 * Controller figures (printed, never asserted):
 *  - validate a config of 1,000 services x 100 backends;
 *  - apply it to freshly loaded maps (first apply: 1,000 tables built);
 *  - apply a one-backend change (one table rebuilt and switched);
 *  - Maglev build for 65537 slots x 1,000 backends.
 * Needs root (loads the XDP object; pins under a unique node name that is
 * removed at exit). Nothing is attached to any interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "config.h"
#include "log.h"
#include "maglev.h"
#include "maps.h"

#define NSVC 1000
#define NBE  100

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 1,000 services on 10.0.x.y:80, each with 100 backends in 10.1-3.x.y */
static char *make_config(const char *node, int changed_weight)
{
	size_t cap = 16u << 20, n = 0;
	char *buf = malloc(cap);
	int s, b;

	if (!buf)
		return NULL;
	n += snprintf(buf + n, cap - n,
		      "{\"node\":{\"name\":\"%s\",\"interface\":\"lo\",\"keep_maps\":false,"
		      "\"control_socket\":\"/run/xlb/%s.sock\"},\"services\":[", node, node);
	for (s = 0; s < NSVC; s++) {
		n += snprintf(buf + n, cap - n,
			      "%s{\"name\":\"s%d\",\"vip\":\"10.0.%d.%d\",\"port\":80,\"backends\":[",
			      s ? "," : "", s, s / 250, s % 250 + 1);
		for (b = 0; b < NBE; b++) {
			int id = s * NBE + b;
			int w = (s == 0 && b == 0) ? changed_weight : 1 + b % 4;

			n += snprintf(buf + n, cap - n,
				      "%s{\"address\":\"10.%d.%d.%d\",\"port\":8080,\"weight\":%d}",
				      b ? "," : "", 1 + id / 65536, (id / 256) % 256, id % 256, w);
		}
		n += snprintf(buf + n, cap - n, "]}");
	}
	snprintf(buf + n, cap - n, "]}");
	return buf;
}

static struct xlb_cfg *parse(const char *text, double *ms)
{
	struct xlb_errors errs = { 0 };
	struct xlb_cfg *cfg = NULL;
	double t0 = now_ms();
	int err = xlb_config_parse(text, strlen(text), "bench.json", &cfg, &errs);

	*ms = now_ms() - t0;
	if (err) {
		fprintf(stderr, "parse: %s\n", errs.n ? errs.msg[0] : strerror(-err));
		xlb_errors_free(&errs);
		return NULL;
	}
	return cfg;
}

int main(void)
{
	struct xlb_maglev_backend *mb;
	struct xlb_cfg_diff diff;
	struct xlb_errors errs = { 0 };
	struct xlb_state *st = NULL;
	struct xlb_dp *dp = NULL;
	struct xlb_cfg *cfg;
	uint32_t *table;
	char node[32], *text;
	double t_parse, t_apply, t_parse2, t_apply2, t0, t_maglev = 1e9;
	uint64_t built0;
	bool reused;
	int i, err = 1;

	xlb_log_set_level(XLB_LOG_WARN);
	xlb_log_libbpf(0);

	/* Maglev alone: best of 5 */
	mb = calloc(1000, sizeof(*mb));
	table = malloc(XLB_MAGLEV_SIZE * sizeof(*table));
	for (i = 0; i < 1000; i++) {
		mb[i].id = i;
		mb[i].weight = 1 + i % 4;
		memcpy(mb[i].key, &i, sizeof(i));
	}
	for (i = 0; i < 5; i++) {
		t0 = now_ms();
		xlb_maglev_build(mb, 1000, table, XLB_MAGLEV_SIZE);
		if (now_ms() - t0 < t_maglev)
			t_maglev = now_ms() - t0;
	}
	free(mb);
	free(table);

	if (geteuid() != 0) {
		printf("ctl bench: Maglev build %u slots x 1000 backends: %.2f ms (best of 5)\n",
		       XLB_MAGLEV_SIZE, t_maglev);
		printf("ctl bench: apply figures skipped (needs root)\n");
		return 0;
	}
	snprintf(node, sizeof(node), "bench%d", getpid());
	text = make_config(node, 1);
	cfg = text ? parse(text, &t_parse) : NULL;
	free(text);
	if (!cfg)
		return 1;
	if (xlb_dp_load(&cfg->node, XLB_DP_RESET, &dp, &reused))
		goto out;
	st = xlb_state_new(dp, NULL, NULL);
	t0 = now_ms();
	if (xlb_state_apply(st, cfg, &diff, &errs)) {
		fprintf(stderr, "first apply failed: %s\n", errs.n ? errs.msg[0] : "?");
		goto out;
	}
	t_apply = now_ms() - t0;
	built0 = xlb_state_tables_built(st);

	text = make_config(node, 7); /* one backend reweighted */
	cfg = text ? parse(text, &t_parse2) : NULL;
	free(text);
	if (!cfg)
		goto out;
	t0 = now_ms();
	if (xlb_state_apply(st, cfg, &diff, &errs)) {
		fprintf(stderr, "second apply failed: %s\n", errs.n ? errs.msg[0] : "?");
		goto out;
	}
	t_apply2 = now_ms() - t0;

	printf("ctl bench: %d services x %d backends (%d backends)\n", NSVC, NBE, NSVC * NBE);
	printf("  %-44s %9.1f ms\n", "validate (parse + checks), full config", t_parse);
	printf("  %-44s %9.1f ms   (%llu tables built)\n", "first apply to the maps", t_apply,
	       (unsigned long long)built0);
	printf("  %-44s %9.1f ms\n", "validate again after a one-backend change", t_parse2);
	printf("  %-44s %9.1f ms   (%llu table rebuilt, %d reweighted)\n",
	       "apply of the one-backend change", t_apply2,
	       (unsigned long long)(xlb_state_tables_built(st) - built0), diff.backends_reweighted);
	printf("  %-44s %9.1f ms   (target < 1000)\n", "full config: validate + first apply",
	       t_parse + t_apply);
	printf("  %-44s %9.1f ms   (target < 50)\n", "one-backend change: validate + apply",
	       t_parse2 + t_apply2);
	printf("  %-44s %9.2f ms   (best of 5)\n", "Maglev build, 65537 slots x 1000 backends",
	       t_maglev);
	err = 0;
out:
	xlb_errors_free(&errs);
	if (st)
		xlb_state_clear_dp(st);
	xlb_state_free(st);
	xlb_dp_close(dp, true);
	return err;
}
