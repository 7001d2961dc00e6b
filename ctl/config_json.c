// SPDX-License-Identifier: GPL-2.0
/*
 * Building blocks of the configuration parser: the error list, address
 * helpers, and typed getters over json-c values that report "ORIGIN:
 * json.path: message" and carry on, so one run lists every problem.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"

/* ---- error list ------------------------------------------------------------ */

void xlb_errors_free(struct xlb_errors *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

void xlb_errors_add(struct xlb_errors *e, const char *fmt, ...)
{
	char **msg;
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	msg = realloc(e->msg, (e->n + 1) * sizeof(*msg));
	if (!msg)
		abort();
	msg[e->n++] = s;
	e->msg = msg;
}

void xlb_cfgp_err(struct xlb_cfgp *p, const char *path, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (path && *path)
		xlb_errors_add(p->errs, "%s: %s: %s", p->origin, path, s);
	else
		xlb_errors_add(p->errs, "%s: %s", p->origin, s);
	free(s);
}

/* ---- addresses -------------------------------------------------------------- */

int xlb_ip_parse(const char *s, struct xlb_ip *ip)
{
	struct in6_addr a6;
	struct in_addr a4;

	memset(ip, 0, sizeof(*ip));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		ip->family = XLB_AF_INET;
		ip->prefix = 32;
		ip->a[0] = a4.s_addr;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		ip->family = XLB_AF_INET6;
		ip->prefix = 128;
		memcpy(ip->a, &a6, sizeof(ip->a));
		return 0;
	}
	return -EINVAL;
}

const char *xlb_ip_str(const struct xlb_ip *ip, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!len)
		return buf;
	if (ip->family == XLB_AF_INET)
		inet_ntop(AF_INET, &ip->a[0], tmp, sizeof(tmp));
	else if (ip->family == XLB_AF_INET6)
		inet_ntop(AF_INET6, ip->a, tmp, sizeof(tmp));
	else
		snprintf(tmp, sizeof(tmp), "unset");
	snprintf(buf, len, "%s", tmp);
	return buf;
}

bool xlb_ip_equal(const struct xlb_ip *a, const struct xlb_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == XLB_AF_INET)
		return a->a[0] == b->a[0];
	return memcmp(a->a, b->a, sizeof(a->a)) == 0;
}

bool xlb_cfgp_ip_unicast(const struct xlb_ip *ip)
{
	static const __be32 zero[4];
	uint32_t h;

	if (ip->family == XLB_AF_INET) {
		h = ntohl(ip->a[0]);
		return h != 0 && (h >> 28) != 0xe && h != 0xffffffffu;
	}
	return memcmp(ip->a, zero, sizeof(zero)) != 0 &&
	       ((const uint8_t *)ip->a)[0] != 0xff;
}

/* ---- paths and values in messages ------------------------------------------- */

const char *xlb_cfgp_key(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		snprintf(buf, XLB_JPATH_MAX, "%s.%s", parent, key);
	else
		snprintf(buf, XLB_JPATH_MAX, "%s", key);
	return buf;
}

const char *xlb_cfgp_idx(char *buf, const char *parent, size_t i)
{
	snprintf(buf, XLB_JPATH_MAX, "%s[%zu]", parent, i);
	return buf;
}

const char *xlb_cfgp_type(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

const char *xlb_cfgp_show(struct json_object *v, char *buf, size_t len)
{
	enum json_type t = json_object_get_type(v);
	const char *s;

	if (t == json_type_object || t == json_type_array) {
		snprintf(buf, len, "%s", xlb_cfgp_type(v));
		return buf;
	}
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strlen(s) < len)
		snprintf(buf, len, "%s", s);
	else if (len > 4)
		snprintf(buf, len, "%.*s...", (int)(len - 4), s);
	else if (len)
		buf[0] = '\0';
	return buf;
}

const char *xlb_cfgp_secs(uint32_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%g", ms / 1000.0);
	return buf;
}

/* ---- structure --------------------------------------------------------------- */

bool xlb_cfgp_is_obj(struct xlb_cfgp *p, struct json_object *v, const char *path)
{
	if (json_object_is_type(v, json_type_object))
		return true;
	xlb_cfgp_err(p, path, "must be an object (got %s)", xlb_cfgp_type(v));
	return false;
}

void xlb_cfgp_keys(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		   const char *const *allowed)
{
	char name[68], buf[XLB_JPATH_MAX];
	const char *const *a;
	size_t i;

	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (*a)
			continue;
		/* Keys come from the file: keep them short and printable. */
		for (i = 0; key[i] && i < 64; i++)
			name[i] = isprint((unsigned char)key[i]) ? key[i] : '?';
		if (key[i])
			name[i++] = '.', name[i++] = '.', name[i++] = '.';
		name[i] = '\0';
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, name), "unknown key");
	}
}

void xlb_cfgp_missing(struct xlb_cfgp *p, const char *path, const char *key)
{
	xlb_cfgp_err(p, path, "missing required key \"%s\"", key);
}

/* Member @key of @obj, or NULL (reporting it when required). */
static struct json_object *member(struct xlb_cfgp *p, struct json_object *obj,
				  const char *path, const char *key, bool req)
{
	struct json_object *v;

	if (json_object_object_get_ex(obj, key, &v))
		return v;
	if (req)
		xlb_cfgp_missing(p, path, key);
	return NULL;
}

struct json_object *xlb_cfgp_obj(struct xlb_cfgp *p, struct json_object *obj,
				 const char *path, const char *key, bool req)
{
	struct json_object *v = member(p, obj, path, key, req);
	char buf[XLB_JPATH_MAX];

	if (!v)
		return NULL;
	if (!xlb_cfgp_is_obj(p, v, xlb_cfgp_key(buf, path, key)))
		return NULL;
	return v;
}

struct json_object *xlb_cfgp_arr(struct xlb_cfgp *p, struct json_object *obj,
				 const char *path, const char *key, bool req)
{
	struct json_object *v = member(p, obj, path, key, req);
	char buf[XLB_JPATH_MAX];

	if (!v)
		return NULL;
	if (json_object_is_type(v, json_type_array))
		return v;
	xlb_cfgp_err(p, xlb_cfgp_key(buf, path, key), "must be an array (got %s)",
		     xlb_cfgp_type(v));
	return NULL;
}

/* ---- scalars ----------------------------------------------------------------- */

int xlb_cfgp_int_val(struct xlb_cfgp *p, struct json_object *v, const char *path,
		     int64_t min, int64_t max, int64_t *out)
{
	char show[64];
	int64_t x;

	if (json_object_is_type(v, json_type_double)) {
		xlb_cfgp_err(p, path, "must be an integer (got %s)",
			     xlb_cfgp_show(v, show, sizeof(show)));
		return -1;
	}
	if (!json_object_is_type(v, json_type_int)) {
		xlb_cfgp_err(p, path, "must be an integer (got %s)", xlb_cfgp_type(v));
		return -1;
	}
	/* Beyond int64 json-c saturates; the range check still catches it. */
	x = json_object_get_int64(v);
	if (x < min || x > max) {
		xlb_cfgp_err(p, path, "must be %lld..%lld (got %s)", (long long)min,
			     (long long)max, xlb_cfgp_show(v, show, sizeof(show)));
		return -1;
	}
	*out = x;
	return 1;
}

int xlb_cfgp_int(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		 const char *key, bool req, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v = member(p, obj, path, key, req);
	char buf[XLB_JPATH_MAX];

	if (!v)
		return 0;
	return xlb_cfgp_int_val(p, v, xlb_cfgp_key(buf, path, key), min, max, out);
}

int xlb_cfgp_secs_ms(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		     const char *key, bool req, uint32_t min_ms, uint32_t max_ms,
		     uint32_t *out_ms)
{
	struct json_object *v = member(p, obj, path, key, req);
	char buf[XLB_JPATH_MAX], show[64], lo[32], hi[32];
	double ms;

	if (!v)
		return 0;
	xlb_cfgp_key(buf, path, key);
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
		xlb_cfgp_err(p, buf, "must be a number of seconds (got %s)", xlb_cfgp_type(v));
		return -1;
	}
	ms = json_object_get_double(v) * 1000.0;
	/* Written so that NaN fails too. */
	if (!(ms >= min_ms && ms <= max_ms)) {
		xlb_cfgp_err(p, buf, "must be %s..%s seconds (got %s)",
			     xlb_cfgp_secs(min_ms, lo, sizeof(lo)),
			     xlb_cfgp_secs(max_ms, hi, sizeof(hi)),
			     xlb_cfgp_show(v, show, sizeof(show)));
		return -1;
	}
	/* ms >= 0 here; rounding by hand keeps libm out of the link. */
	*out_ms = (uint32_t)(ms + 0.5);
	return 1;
}

int xlb_cfgp_bool(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		  const char *key, bool *out)
{
	struct json_object *v = member(p, obj, path, key, false);
	char buf[XLB_JPATH_MAX];

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, key), "must be true or false (got %s)",
			     xlb_cfgp_type(v));
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 1;
}

int xlb_cfgp_str_val(struct xlb_cfgp *p, struct json_object *v, const char *path,
		     char *buf, size_t size)
{
	size_t len;
	const char *s;

	if (!json_object_is_type(v, json_type_string)) {
		xlb_cfgp_err(p, path, "must be a string (got %s)", xlb_cfgp_type(v));
		return -1;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (!len) {
		xlb_cfgp_err(p, path, "must not be empty");
		return -1;
	}
	if (strlen(s) != len) {
		xlb_cfgp_err(p, path, "must not contain a NUL character");
		return -1;
	}
	if (len >= size) {
		xlb_cfgp_err(p, path, "too long (%zu characters, at most %zu)", len, size - 1);
		return -1;
	}
	memcpy(buf, s, len + 1);
	return 1;
}

int xlb_cfgp_str(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		 const char *key, bool req, char *buf, size_t size)
{
	struct json_object *v = member(p, obj, path, key, req);
	char pbuf[XLB_JPATH_MAX];

	if (!v)
		return 0;
	return xlb_cfgp_str_val(p, v, xlb_cfgp_key(pbuf, path, key), buf, size);
}

int xlb_cfgp_enum(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		  const char *key, const char *const *names, int *out)
{
	struct json_object *v = member(p, obj, path, key, false);
	char buf[XLB_JPATH_MAX], list[256], show[64];
	size_t off = 0;
	int i;

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		for (i = 0; names[i]; i++) {
			if (!strcmp(names[i], json_object_get_string(v)) &&
			    strlen(names[i]) == (size_t)json_object_get_string_len(v)) {
				*out = i;
				return 1;
			}
		}
	}
	list[0] = '\0';
	for (i = 0; names[i] && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", names[i]);
	xlb_cfgp_err(p, xlb_cfgp_key(buf, path, key), "must be one of %s (got %s)", list,
		     json_object_is_type(v, json_type_string) ?
			     xlb_cfgp_show(v, show, sizeof(show)) : xlb_cfgp_type(v));
	return -1;
}

int xlb_cfgp_ip_val(struct xlb_cfgp *p, struct json_object *v, const char *path,
		    struct xlb_ip *out)
{
	char show[64];
	struct xlb_ip ip;

	if (!json_object_is_type(v, json_type_string)) {
		xlb_cfgp_err(p, path, "must be a string (got %s)", xlb_cfgp_type(v));
		return -1;
	}
	xlb_cfgp_show(v, show, sizeof(show));
	if ((size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)) ||
	    xlb_ip_parse(json_object_get_string(v), &ip)) {
		xlb_cfgp_err(p, path, "%s is not an IPv4 or IPv6 address", show);
		return -1;
	}
	if (!xlb_cfgp_ip_unicast(&ip)) {
		xlb_cfgp_err(p, path, "%s is not a unicast address", show);
		return -1;
	}
	*out = ip;
	return 1;
}

int xlb_cfgp_ip(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		const char *key, bool req, struct xlb_ip *out)
{
	struct json_object *v = member(p, obj, path, key, req);
	char buf[XLB_JPATH_MAX];

	if (!v)
		return 0;
	return xlb_cfgp_ip_val(p, v, xlb_cfgp_key(buf, path, key), out);
}

void xlb_cfgp_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- names ------------------------------------------------------------------- */

bool xlb_cfgp_name_ok(const char *s, size_t max)
{
	size_t i;

	/* Spelled out: isalnum() would follow the locale. */
	for (i = 0; s[i]; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("_.-", s[i]))
			return false;
	return i >= 1 && i <= max;
}

bool xlb_cfgp_ifname_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] >= 0x7f)
			return false;
	return i >= 1 && i < XLB_IFNAME_MAX && strcmp(s, ".") && strcmp(s, "..");
}

/* ---- checked names ---------------------------------------------------------- */

void xlb_cfgp_name(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		     const char *key, char *out, size_t max)
{
	char tmp[XLB_PATH_MAX], buf[XLB_JPATH_MAX], show[64];
	struct json_object *v;

	if (xlb_cfgp_str(p, obj, path, key, true, tmp, sizeof(tmp)) != 1)
		return;
	if (!xlb_cfgp_name_ok(tmp, max)) {
		json_object_object_get_ex(obj, key, &v);
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, key),
			     "must be 1..%zu characters of A-Z a-z 0-9 _ . - (got %s)", max,
			     xlb_cfgp_show(v, show, sizeof(show)));
		return;
	}
	xlb_cfgp_copy(out, XLB_NAME_MAX, tmp);
}

void xlb_cfgp_ifname(struct xlb_cfgp *p, struct json_object *obj, const char *path,
		     const char *key, char *out)
{
	char tmp[XLB_PATH_MAX], buf[XLB_JPATH_MAX], show[64];
	struct json_object *v;

	if (xlb_cfgp_str(p, obj, path, key, true, tmp, sizeof(tmp)) != 1)
		return;
	if (!xlb_cfgp_ifname_ok(tmp)) {
		json_object_object_get_ex(obj, key, &v);
		xlb_cfgp_err(p, xlb_cfgp_key(buf, path, key),
			     "must be an interface name of 1..15 characters without '/', ':' "
			     "or spaces (got %s)", xlb_cfgp_show(v, show, sizeof(show)));
		return;
	}
	xlb_cfgp_copy(out, XLB_IFNAME_MAX, tmp);
}
