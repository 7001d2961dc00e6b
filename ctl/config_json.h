/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the configuration parser (config.c, config_vrrp.c): typed
 * getters over json-c objects that report every problem as
 * "ORIGIN: json.path: message" into a struct xlb_errors and never stop at the
 * first one. Not for use outside ctl/config*.c.
 *
 * Getter convention: the value is looked up under @key in @obj (path @path);
 * the return is 1 when present and valid (*out written), 0 when absent (*out
 * untouched, so the caller pre-sets the default; with @req the absence is
 * reported), -1 when present but invalid (reported, *out untouched).
 */
#ifndef XLB_CONFIG_JSON_H
#define XLB_CONFIG_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include <xlb/abi.h>
#include "config.h"

#define XLB_JPATH_MAX 256 /* longest JSON path in a message */

struct xlb_cfgp {
	const char *origin;      /* file name, prefix of every message */
	struct xlb_errors *errs;
};

/* "ORIGIN: PATH: message"; an empty @path leaves out the middle part. */
void xlb_cfgp_err(struct xlb_cfgp *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Child paths: "parent.key" (or "key" at the root) and "parent[i]". */
const char *xlb_cfgp_key(char *buf, const char *parent, const char *key);
const char *xlb_cfgp_idx(char *buf, const char *parent, size_t i);

/* Short printable form of a value for "(got ...)": JSON text, truncated. */
const char *xlb_cfgp_show(struct json_object *v, char *buf, size_t len);
/* "string", "integer", "number", "boolean", "array", "object", "null". */
const char *xlb_cfgp_type(struct json_object *v);
/* Seconds for messages: 100 ms -> "0.1". */
const char *xlb_cfgp_secs(uint32_t ms, char *buf, size_t len);

/* @v must be an object: true, or report "must be an object (got T)". */
bool xlb_cfgp_is_obj(struct xlb_cfgp *p, struct json_object *v, const char *path);
/* Report every key of @obj not in the NULL-terminated @allowed list. */
void xlb_cfgp_keys(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		   const char *const *allowed);
/* Report a missing required key. */
void xlb_cfgp_missing(struct xlb_cfgp *p, const char *path, const char *key);

/* Object / array member, type-checked; NULL when absent or wrong type. */
struct json_object *xlb_cfgp_obj(struct xlb_cfgp *p, struct json_object *obj,
				 const char *path, const char *key, bool req);
struct json_object *xlb_cfgp_arr(struct xlb_cfgp *p, struct json_object *obj,
				 const char *path, const char *key, bool req);

/* Integer in min..max. */
int xlb_cfgp_int(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		 const char *key, bool req, int64_t min, int64_t max, int64_t *out);
/* Same for an array element or other bare value at @path. */
int xlb_cfgp_int_val(struct xlb_cfgp *p, struct json_object *v, const char *path,
		     int64_t min, int64_t max, int64_t *out);
/* Seconds (fractions allowed) in min_ms..max_ms, stored as milliseconds. */
int xlb_cfgp_secs_ms(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		     const char *key, bool req, uint32_t min_ms, uint32_t max_ms,
		     uint32_t *out_ms);
int xlb_cfgp_bool(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		  const char *key, bool *out);
/* Non-empty string without NUL that fits @size (including the NUL). */
int xlb_cfgp_str(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		 const char *key, bool req, char *buf, size_t size);
int xlb_cfgp_str_val(struct xlb_cfgp *p, struct json_object *v, const char *path,
		     char *buf, size_t size);
/* One of the NULL-terminated @names; *out is its index. */
int xlb_cfgp_enum(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		  const char *key, const char *const *names, int *out);
/* An IPv4 or IPv6 literal, no prefix. */
int xlb_cfgp_ip(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		const char *key, bool req, struct xlb_ip *out);
int xlb_cfgp_ip_val(struct xlb_cfgp *p, struct json_object *v, const char *path,
		    struct xlb_ip *out);

/* Copy a string already checked to fit; truncates otherwise. */
void xlb_cfgp_copy(char *dst, size_t size, const char *src);

/* False for unspecified, multicast and 255.255.255.255: never a host's address. */
bool xlb_cfgp_ip_unicast(const struct xlb_ip *ip);

/* Name rule shared by node, services and VRRP instances: [A-Za-z0-9_.-]. */
bool xlb_cfgp_name_ok(const char *s, size_t max);
/* Interface name as the kernel accepts it: 1..15 chars, no '/', ':', space. */
bool xlb_cfgp_ifname_ok(const char *s);

/* Required name key: [A-Za-z0-9_.-]{1,max}; interface name key. */
void xlb_cfgp_name(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		   const char *key, char *out, size_t max);
void xlb_cfgp_ifname(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		     const char *key, char *out);

static inline const char *xlb_cfgp_family(uint8_t family)
{
	return family == XLB_AF_INET6 ? "IPv6" : "IPv4";
}

/* Sections: "services" array (config_service.c), "vrrp" object (config_vrrp.c). */
void xlb_cfgp_services(struct xlb_cfgp *p, struct json_object *a, struct xlb_cfg *cfg);
void xlb_cfgp_vrrp(struct xlb_cfgp *p, struct json_object *vrrp, struct xlb_cfg *cfg);

#endif /* XLB_CONFIG_JSON_H */
