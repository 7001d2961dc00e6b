/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applying a configuration to the data plane: service and backend ids,
 * Maglev tables built aside and switched in with one service write, and
 * the bookkeeping that lets a restarted xlbd find its earlier ids in the
 * pinned maps so established flows keep their backends.
 */
#ifndef XLB_APPLY_H
#define XLB_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <xlb/abi.h>

#include "config.h"
#include "health.h"
#include "maps.h"

struct xlb_state;

/*
 * Decides which backends of @svc go into its Maglev table and their data
 * plane state (out[i] for svc->backends[i]); returns the in-table count.
 * Without one, the config alone decides: `down` backends are out, backups
 * are in only when no primary is.
 */
typedef size_t (*xlb_plan_fn)(void *arg, const struct xlb_service_cfg *svc,
			      struct xlb_health_plan_entry *out);

/* What a backend looks like to status readers. */
struct xlb_be_view {
	const struct xlb_backend_cfg *cfg;
	uint32_t id;
	bool     in_table;
	uint8_t  dp_state;
	uint32_t slots;   /* Maglev slots held in the active table */
};

struct xlb_svc_view {
	const struct xlb_service_cfg *cfg;
	uint32_t id;
	uint32_t table;   /* active table index */
	bool     empty;
	const struct xlb_be_view *be;   /* cfg->n_backends entries */
};

/* The config-only plan (what xlb_plan_fn defaults to). */
size_t xlb_plan_from_config(const struct xlb_service_cfg *svc, struct xlb_health_plan_entry *out);

struct xlb_state *xlb_state_new(struct xlb_dp *dp, xlb_plan_fn plan, void *plan_arg);
void xlb_state_free(struct xlb_state *st);

/*
 * Read the ids an earlier xlbd left in the pinned maps, so the first apply
 * reuses them (same service id, table slots, backend ids and generations).
 */
int xlb_state_recover(struct xlb_state *st);

/*
 * Make @cfg the running configuration. Everything that can fail (id
 * allocation, table creation) happens before the first visible map write;
 * on failure nothing changed and a message is added to @errs. The state
 * always takes ownership of @cfg: it becomes the running configuration (the
 * old one is freed) or, when refused, is freed. @diff says what changed.
 * Unchanged services keep their table untouched.
 */
int xlb_state_apply(struct xlb_state *st, struct xlb_cfg *cfg, struct xlb_cfg_diff *diff,
		    struct xlb_errors *errs);

/* Re-plan one service (after a health change) and rewrite what changed. */
int xlb_state_replan(struct xlb_state *st, const char *service);

const struct xlb_cfg *xlb_state_cfg(const struct xlb_state *st);
size_t xlb_state_n_services(const struct xlb_state *st);
/* View of service @i (0..n-1), valid until the next apply/replan. */
int xlb_state_service(const struct xlb_state *st, size_t i, struct xlb_svc_view *out);
/* Tables built and written over the state's life (tests/bench read it). */
uint64_t xlb_state_tables_built(const struct xlb_state *st);

/* Remove every service the state wrote (clean shutdown without keep_maps). */
void xlb_state_clear_dp(struct xlb_state *st);

/* Fill an xlb_vip_key / the Maglev key of a backend from config. */
void xlb_vip_key_of(const struct xlb_service_cfg *s, struct xlb_vip_key *k);

#endif
