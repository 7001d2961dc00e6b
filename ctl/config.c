// SPDX-License-Identifier: GPL-2.0
/*
 * JSON configuration -> struct xlb_cfg: the JSON text itself, the top level
 * and the node section; services live in config_service.c, the VRRP section
 * in config_vrrp.c, the typed getters in config_json.c. Every problem is
 * collected; a configuration with any error is refused whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_json.h"

#define MAX_FILE_SIZE (64u << 20) /* far above any sane config */

/* ---- node ------------------------------------------------------------------- */

static const char *const node_keys[] = {
	"name", "interface", "xdp_mode", "keep_maps", "control_socket", "tcp_timeout",
	"tcp_fin_timeout", "udp_timeout", "snat_port_min", "snat_port_max",
	"flow_table_size", NULL,
};
static const char *const xdp_modes[] = { "auto", "native", "generic", NULL };

static void node_defaults(struct xlb_node_cfg *n)
{
	n->xdp_mode = XLB_XDP_AUTO;
	n->keep_maps = true;
	snprintf(n->control_socket, sizeof(n->control_socket), "/run/xlb/xlbd.sock");
	n->tcp_timeout_ms = XLB_DEF_TCP_TIMEOUT_S * 1000;
	n->tcp_fin_timeout_ms = XLB_DEF_TCP_FIN_TIMEOUT_S * 1000;
	n->udp_timeout_ms = XLB_DEF_UDP_TIMEOUT_S * 1000;
	n->snat_port_min = XLB_DEF_SNAT_PORT_MIN;
	n->snat_port_max = XLB_DEF_SNAT_PORT_MAX;
	n->flow_table_size = XLB_FLOW_ENTRIES;
}

static void parse_node(struct xlb_cfgp *p, struct json_object *o, struct xlb_node_cfg *n)
{
	const char *path = "node";
	char buf[XLB_JPATH_MAX], show[64];
	int64_t x;
	int mode, rlo, rhi;

	xlb_cfgp_keys(p, o, path, node_keys);
	xlb_cfgp_name(p, o, path, "name", n->name, 32);
	xlb_cfgp_ifname(p, o, path, "interface", n->interface);
	if (xlb_cfgp_enum(p, o, path, "xdp_mode", xdp_modes, &mode) == 1)
		n->xdp_mode = mode;
	xlb_cfgp_bool(p, o, path, "keep_maps", &n->keep_maps);
	if (xlb_cfgp_str(p, o, path, "control_socket", false, buf, sizeof(n->control_socket)) == 1) {
		if (buf[0] != '/') {
			struct json_object *v;

			json_object_object_get_ex(o, "control_socket", &v);
			xlb_cfgp_err(p, "node.control_socket", "must be an absolute path (got %s)",
				     xlb_cfgp_show(v, show, sizeof(show)));
		} else {
			xlb_cfgp_copy(n->control_socket, sizeof(n->control_socket), buf);
		}
	}
	xlb_cfgp_secs_ms(p, o, path, "tcp_timeout", false, 1000, 86400000, &n->tcp_timeout_ms);
	xlb_cfgp_secs_ms(p, o, path, "tcp_fin_timeout", false, 1000, 3600000,
			 &n->tcp_fin_timeout_ms);
	xlb_cfgp_secs_ms(p, o, path, "udp_timeout", false, 1000, 3600000, &n->udp_timeout_ms);
	rlo = xlb_cfgp_int(p, o, path, "snat_port_min", false, 1024, 65535, &x);
	if (rlo == 1)
		n->snat_port_min = x;
	rhi = xlb_cfgp_int(p, o, path, "snat_port_max", false, 1024, 65535, &x);
	if (rhi == 1)
		n->snat_port_max = x;
	if (rlo >= 0 && rhi >= 0 && n->snat_port_min > n->snat_port_max)
		xlb_cfgp_err(p, "node.snat_port_min", "must be <= snat_port_max (%u > %u)",
			     n->snat_port_min, n->snat_port_max);
	if (xlb_cfgp_int(p, o, path, "flow_table_size", false, 1024, 16777216, &x) == 1)
		n->flow_table_size = x;
}

/* ---- whole file ------------------------------------------------------------- */

static const char *const top_keys[] = { "node", "services", "vrrp", NULL };

/* JSON text -> json-c tree, or NULL with "ORIGIN: line L, column C: why". */
static struct json_object *parse_json(struct xlb_cfgp *p, const char *text, size_t len)
{
	struct json_object *root = NULL;
	struct json_tokener *tok = NULL;
	enum json_tokener_error jerr;
	size_t off, i, line = 1, col = 1;
	const char *why, *nul;

	if (len > MAX_FILE_SIZE) {
		xlb_cfgp_err(p, NULL, "too large (%zu bytes, at most %u)", len, MAX_FILE_SIZE);
		return NULL;
	}
	/* json-c takes a NUL byte for the end of the text: refuse it outright. */
	nul = memchr(text, '\0', len);
	if (nul) {
		off = nul - text;
		why = "NUL byte in the text";
		goto bad;
	}
	tok = json_tokener_new();
	if (!tok)
		abort();
	/* Strict: no trailing commas or garbage after the object; UTF-8 checked. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number may wait for a delimiter: offer one. */
		root = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		off = len;
	}
	json_tokener_free(tok);
	if (jerr == json_tokener_success && root)
		return root;
	why = jerr == json_tokener_continue ? "unexpected end of input" :
					     json_tokener_error_desc(jerr);
bad:
	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	xlb_cfgp_err(p, NULL, "line %zu, column %zu: %s", line, col, why);
	json_object_put(root);
	return NULL;
}

int xlb_config_parse(const char *text, size_t len, const char *origin, struct xlb_cfg **out,
		     struct xlb_errors *errs)
{
	struct xlb_errors local = { 0 };
	struct xlb_cfgp p = { .origin = origin ? origin : "config", .errs = errs ? errs : &local };
	struct json_object *root, *v;
	struct xlb_cfg *cfg = NULL;
	size_t before = p.errs->n;
	int err = 0;

	*out = NULL;
	root = parse_json(&p, text ? text : "", text ? len : 0);
	if (!root) {
		err = -EINVAL;
		goto out;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		abort();
	xlb_cfgp_copy(cfg->path, sizeof(cfg->path), p.origin);
	node_defaults(&cfg->node);
	if (xlb_cfgp_is_obj(&p, root, "top level")) {
		xlb_cfgp_keys(&p, root, "", top_keys);
		v = xlb_cfgp_obj(&p, root, "", "node", true);
		if (v)
			parse_node(&p, v, &cfg->node);
		v = xlb_cfgp_arr(&p, root, "", "services", false);
		if (v)
			xlb_cfgp_services(&p, v, cfg);
		v = xlb_cfgp_obj(&p, root, "", "vrrp", false);
		if (v)
			xlb_cfgp_vrrp(&p, v, cfg);
	}
	if (p.errs->n > before) {
		err = -EINVAL;
		goto out;
	}
	*out = cfg;
	cfg = NULL;
out:
	xlb_config_free(cfg);
	json_object_put(root);
	xlb_errors_free(&local);
	return err;
}

int xlb_config_load(const char *path, struct xlb_cfg **out, struct xlb_errors *errs)
{
	struct xlb_errors local = { 0 };
	struct xlb_errors *e = errs ? errs : &local;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	ssize_t r;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
		err = -EFBIG;
		goto fail;
	}
	text = malloc(st.st_size + 1);
	if (!text)
		abort();
	/* A file that shrank meanwhile ends the loop early, at EOF. */
	while (len < (size_t)st.st_size) {
		r = read(fd, text + len, st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (!r)
			break;
		len += r;
	}
	close(fd);
	fd = -1;
	err = xlb_config_parse(text, len, path, out, e);
	goto out;
fail:
	xlb_errors_add(e, "%s: cannot read: %s", path, strerror(-err));
out:
	if (fd >= 0)
		close(fd);
	free(text);
	xlb_errors_free(&local);
	return err;
}

void xlb_config_free(struct xlb_cfg *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_services; i++)
		free(cfg->services[i].backends);
	free(cfg->services);
	free(cfg->vrrp);
	free(cfg);
}

const struct xlb_service_cfg *xlb_cfg_service(const struct xlb_cfg *cfg, const char *name)
{
	size_t i;

	if (!cfg || !name)
		return NULL;
	for (i = 0; i < cfg->n_services; i++)
		if (!strcmp(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}
