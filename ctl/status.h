/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON documents `xlbctl status` and `xlbctl stats` print. */
#ifndef XLB_STATUS_H
#define XLB_STATUS_H

#include <json-c/json.h>
#include <stdint.h>

#include "apply.h"
#include "maps.h"

/*
 * Per-backend extras supplied by the health manager (NULL fields = unknown).
 * Called once per backend while building the status.
 */
struct xlb_be_extra {
	const char *state;        /* "up", "down", "disabled", "draining" */
	const char *last_result;  /* last probe result */
	const char *reason;       /* why the last change happened */
	int64_t     changed_ms_ago; /* -1 = never */
};
typedef void (*xlb_be_extra_fn)(void *arg, const char *service, const struct xlb_backend_cfg *b,
				struct xlb_be_extra *out);

/* Node, XDP attachment, services and backends with table shares. */
struct json_object *xlb_status_json(struct xlb_state *st, struct xlb_dp *dp,
				    xlb_be_extra_fn extra, void *extra_arg);

/*
 * Counters from the pinned maps alone (works while xlbd is down): every
 * service in `services` with its backends from `backends`, and the reasons.
 * @names, when given, is a status document whose service names label the
 * services (matched by id).
 */
struct json_object *xlb_stats_json(struct xlb_dp *dp, struct json_object *names);

#endif
